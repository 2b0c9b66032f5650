/* test-study.c — the study end to end on a small hand-built stack: a cutout
 * of straight channels whose transport and surface area follow by hand,
 * the fit against cbd-fit on the same numbers, the distributions against
 * cbd-porosimetry's own merge, the project file round trip and its errors,
 * resume, cancellation and concurrent analyses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-study"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-csv.h"
#include "cbd-io.h"
#include "cbd-porosimetry.h"
#include "cbd-project.h"
#include "cbd-study-export.h"
#include "cbd-study-private.h"

/* Labels: pore 0, CBD 1, CAM 2. The stack is 64 x 48 x 48 voxels of 10 nm:
 * CAM fills x >= 56; elsewhere the pore space is a union of balls (radius
 * 2-4 voxels, seeded, denser towards larger y), except in the cube [0, 24)^3, which holds nine
 * straight channels along x of 4 x 4 voxels at y, z in {2, 10, 18} + 0..3:
 * porosity 9 * 16 / 24^2 = 1/4 exactly. */
#define NX 64
#define NY 48
#define NZ 48
#define EDGE 24
#define ENVELOPE 48
#define VOXEL_NM 10.0

enum { PORE = 0, CBD = 1, CAM = 2 };

static const gsize cutout_origins[4][3] = {
  { 0, 0, 0 },      /* the channels */
  { 24, 0, 0 },
  { 24, 24, 24 },
  { 30, 10, 20 },
};

static gboolean
in_channel (gsize y, gsize z)
{
  return (y % 8) >= 2 && (y % 8) < 6 && (z % 8) >= 2 && (z % 8) < 6;
}

static CbdVolume *
build_volume (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  CbdVolume *volume = cbd_volume_new (NX, NY, NZ, &error);

  g_assert_no_error (error);
  for (guint a = 0; a < 3; a++)
    volume->voxel_nm[a] = VOXEL_NM;
  memset (volume->labels, CBD, cbd_volume_n_voxels (volume));

  /* balls denser at larger y: porosity from about 30 % to 50 % */
  for (guint b = 0; b < 1100; b++)
    {
      gint cx = g_rand_int_range (rand, 0, NX), cy = g_rand_int_range (rand, 0, NY);
      gint cz = g_rand_int_range (rand, 0, NZ), r = g_rand_int_range (rand, 2, 5);

      if (g_rand_double (rand) > 0.35 + 0.65 * cy / NY)
        continue;

      for (gint z = MAX (cz - r, 0); z <= MIN (cz + r, NZ - 1); z++)
        for (gint y = MAX (cy - r, 0); y <= MIN (cy + r, NY - 1); y++)
          for (gint x = MAX (cx - r, 0); x <= MIN (cx + r, NX - 1); x++)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz) <= r * r)
              volume->labels[cbd_volume_index (volume, x, y, z)] = PORE;
    }
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        {
          guint8 *voxel = &volume->labels[cbd_volume_index (volume, x, y, z)];

          if (x >= 56)
            *voxel = CAM;
          else if (x < EDGE && y < EDGE && z < EDGE)
            *voxel = in_channel (y, z) ? PORE : CBD;
        }
  return volume;
}

static CbdLabelMap
label_map (void)
{
  CbdLabelMap map;

  cbd_label_map_init (&map);
  map.phase[PORE] = CBD_PHASE_PORE;
  map.phase[CBD] = CBD_PHASE_CBD;
  map.phase[CAM] = CBD_PHASE_CAM;
  return map;
}

static GArray *
test_cutouts (void)
{
  GArray *cutouts = cbd_cutouts_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cutout_origins); i++)
    {
      CbdCutout cutout = { { 0 } };

      memcpy (cutout.origin, cutout_origins[i], sizeof cutout.origin);
      cutout.size = EDGE;
      cutout.name = g_strdup_printf ("t%u", i + 1);
      g_array_append_val (cutouts, cutout);
    }
  return cutouts;
}

/* A study of the test stack with the test cutouts, not run. Every cutout is
 * accepted (max_excluded 1) so the fits see all four; 200 bootstrap
 * resamples keep it quick. */
static CbdStudy *
new_study (CbdVolume *volume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cutouts = test_cutouts ();
  CbdLabelMap map = label_map ();
  CbdStudy *study = cbd_study_new (volume, "test-stack.tif", NULL, &map);
  CbdStudySettings settings = *cbd_study_get_settings (study);

  settings.cutout_size = EDGE;
  settings.envelope.edge = ENVELOPE;
  settings.envelope.snap = 0;
  settings.filter.max_excluded = 1.0;
  settings.fit.n_bootstrap = 200;
  settings.n_threads = 2;
  g_assert_true (cbd_study_set_settings (study, &settings, &error));
  g_assert_no_error (error);
  g_assert_true (cbd_study_set_cutouts (study, cutouts, &error));
  g_assert_no_error (error);
  return study;
}

/* One run shared by the tests that only read results. */
static CbdStudy *
analysed_study (void)
{
  static CbdStudy *study;

  if (study == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdVolume) volume = build_volume ();

      study = new_study (volume);
      g_assert_true (cbd_study_run (study, NULL, NULL, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  return study;
}

/* Everything but the timings. */
static void
assert_same_result (const CbdCutoutResult *a, const CbdCutoutResult *b)
{
  CbdCutoutResult x = *a, y = *b;

  g_assert_cmpint (a->finished, ==, b->finished);
  x.seconds = y.seconds = x.seconds_transport = y.seconds_transport = 0;
  x.seconds_filter = y.seconds_filter = x.seconds_surface = y.seconds_surface = 0;
  x.seconds_psd = y.seconds_psd = x.filter.seconds = y.filter.seconds = 0;
  for (guint axis = 0; axis < 3; axis++)
    {
      x.pore[axis].seconds = y.pore[axis].seconds = 0;
      x.cbd[axis].seconds = y.cbd[axis].seconds = 0;
    }
  x.psd_intruded_voxels = y.psd_intruded_voxels = NULL;
  x.psd_thickness_voxels = y.psd_thickness_voxels = NULL;
  x.pore_table = y.pore_table = NULL;
  /* NaN != NaN, so compare bytes: the same NaN comes out of the same code */
  g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
  if (a->psd_intruded_voxels != NULL || b->psd_intruded_voxels != NULL)
    {
      g_assert_nonnull (a->psd_intruded_voxels);
      g_assert_nonnull (b->psd_intruded_voxels);
      g_assert_cmpmem (a->psd_intruded_voxels->data, a->psd_intruded_voxels->len * 8,
                       b->psd_intruded_voxels->data, b->psd_intruded_voxels->len * 8);
      g_assert_cmpmem (a->psd_thickness_voxels->data, a->psd_thickness_voxels->len * 8,
                       b->psd_thickness_voxels->data, b->psd_thickness_voxels->len * 8);
    }
}

/* ------------------------------------------------------------------------ */

static void
test_channels_by_hand (void)
{
  CbdStudy *study = analysed_study ();
  g_auto(CbdCutoutResult) result = { 0 };
  /* nine 4 x 4 channels along x: faces 9 x 16 per x slice, 24 slices, of
   * (10 nm)^2, per (0.24 um)^3 */
  double ssa = 9 * 16 * 24 * (VOXEL_NM * VOXEL_NM * 1e-6) / pow (EDGE * VOXEL_NM * 1e-3, 3);

  g_assert_true (cbd_study_get_result (study, 0, &result));
  g_assert_cmpfloat (result.porosity, ==, 0.25);
  g_assert_cmpfloat (result.cbd_fraction, ==, 0.75);

  /* straight channels conduct in proportion to their cross-section along x
   * and not at all across */
  g_assert_true (result.pore[0].percolating);
  g_assert_cmpfloat_with_epsilon (result.pore[0].sigma_rel, 0.25, 1e-5);
  g_assert_cmpfloat_with_epsilon (result.pore[0].tau, 1.0, 1e-4);
  g_assert_cmpfloat (result.pore[0].dropped_fraction, ==, 0.0);
  for (guint axis = 1; axis < 3; axis++)
    {
      g_assert_false (result.pore[axis].percolating);
      g_assert_cmpfloat (result.pore[axis].sigma_rel, ==, 0.0);
      g_assert_true (isnan (result.pore[axis].tau));
      g_assert_cmpfloat (result.pore[axis].dropped_fraction, ==, 0.25);
    }
  g_assert_cmpfloat_with_epsilon (result.sigma_rel_mean, 0.25 / 3, 1e-5);
  /* sample spread of (s, 0, 0): s / sqrt 3 */
  g_assert_cmpfloat_with_epsilon (result.sigma_rel_std, 0.25 / sqrt (3), 1e-5);
  g_assert_true (isnan (result.tau_mean));
  g_assert_cmpfloat (result.dropped_fraction, ==, 0.25);

  /* the CBD around them is a straight prism along x as well */
  g_assert_cmpfloat_with_epsilon (result.cbd[0].sigma_rel, 0.75, 1e-5);
  g_assert_true (result.cbd[1].percolating && result.cbd[2].percolating);
  g_assert_true (result.converged);

  g_assert_cmpfloat_with_epsilon (result.ssa_faces_per_um, ssa, 1e-9 * ssa);
  g_assert_cmpfloat (result.ssa_marching_per_um, >, 0.5 * ssa);
  g_assert_cmpfloat (result.ssa_marching_per_um, <, ssa);

  /* every channel reaches the x faces: everything is intruded at last */
  g_assert_cmpuint (result.psd_pore_voxels, ==, 9 * 16 * 24);
  g_assert_cmpuint (g_array_index (result.psd_intruded_voxels, guint64,
                                   result.psd_intruded_voxels->len - 1), ==, 9 * 16 * 24);
  g_assert_cmpuint (g_array_index (result.psd_thickness_voxels, guint64,
                                   result.psd_thickness_voxels->len - 1), ==, 9 * 16 * 24);
  g_assert_cmpuint (result.filter.pore_voxels, ==, 9 * 16 * 24);
  g_assert_cmpuint (result.filter.cutout_voxels, ==, EDGE * EDGE * EDGE);
}

static void
test_results_finite (void)
{
  CbdStudy *study = analysed_study ();
  guint finished, accepted;

  for (guint i = 1; i < cbd_study_get_n_cutouts (study); i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };
      double values[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

      g_assert_true (cbd_study_get_result (study, i, &result));
      values[0] = result.porosity;
      values[1] = result.sigma_rel_mean;
      values[2] = result.sigma_rel_std;
      values[3] = result.tau_mean;
      values[4] = result.cbd_sigma_rel_mean;
      values[5] = result.filter.retained_porosity;
      values[6] = result.filter.excluded_fraction;
      values[7] = result.filter.d50_nm;
      values[8] = result.ssa_faces_per_um;
      values[9] = result.ssa_marching_per_um;
      values[10] = result.seconds;
      g_test_message ("cutout %u: porosity %.4f sigma_rel %.4f ± %.4f tau %.3f, CBD %.4f, "
                      "excluded %.3f, d50 %.0f nm, SSA %.1f/%.1f per um, %.2f s", i + 1,
                      result.porosity, result.sigma_rel_mean, result.sigma_rel_std,
                      result.tau_mean, result.cbd_sigma_rel_mean, result.filter.excluded_fraction,
                      result.filter.d50_nm, result.ssa_faces_per_um, result.ssa_marching_per_um,
                      result.seconds);
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        g_assert_true (isfinite (values[v]));
      g_assert_cmpfloat (result.porosity, >, 0.1);
      g_assert_cmpfloat (result.porosity, <, 0.7);
      g_assert_cmpfloat (result.sigma_rel_mean, >, 0);
      g_assert_cmpfloat (result.sigma_rel_mean, <, result.porosity);  /* tau > 1 */
      g_assert_cmpfloat (result.filter.retained_porosity, <=, result.porosity);
      g_assert_cmpfloat_with_epsilon (result.filter.porosity, result.porosity, 1e-15);
      /* the same transport as solving the cutout directly */
      g_assert_cmpfloat_with_epsilon (result.porosity + result.cbd_fraction, 1.0, 1e-15);
    }
  cbd_study_count (study, &finished, &accepted);
  g_assert_cmpuint (finished, ==, 4);
  g_assert_cmpuint (accepted, ==, 4);
}

static void
test_fit_equals_cbd_fit (void)
{
  CbdStudy *study = analysed_study ();
  double porosity[4], sigma[4], std[4];
  gboolean include[4];
  CbdFitResult expected, fit;
  CbdFitSummary expected_summary, summary;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  /* the points straight from the results */
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      g_assert_true (cbd_study_get_result (study, i, &result));
      porosity[i] = result.porosity;
      sigma[i] = result.sigma_rel_mean;
      std[i] = result.sigma_rel_std;
      include[i] = cbd_cutout_result_is_accepted (&result);
      n += include[i];
    }
  g_assert_cmpuint (n, ==, 4);
  g_assert_true (cbd_fit_power_law (porosity, sigma, std, include, 4,
                                    &cbd_study_get_settings (study)->fit, &expected, &error));
  g_assert_no_error (error);
  g_assert_true (cbd_fit_summarize (porosity, sigma, include, 4, &expected_summary, &error));

  g_assert_true (cbd_study_fit (study, TRUE, &fit, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fit.n, ==, 4);
  g_assert_cmpfloat (fit.gamma, ==, expected.gamma);
  g_assert_cmpfloat (fit.alpha, ==, expected.alpha);
  g_assert_cmpfloat (fit.gamma_se, ==, expected.gamma_se);
  g_assert_cmpfloat (fit.alpha_se, ==, expected.alpha_se);
  g_assert_cmpfloat (fit.r2, ==, expected.r2);
  g_assert_cmpfloat (fit.bootstrap_alpha_ci[0], ==, expected.bootstrap_alpha_ci[0]);
  g_assert_cmpfloat (fit.bootstrap_alpha_ci[1], ==, expected.bootstrap_alpha_ci[1]);
  g_assert_cmpfloat (fit.loglog.alpha, ==, expected.loglog.alpha);
  g_assert_cmpfloat (summary.mean_porosity, ==, expected_summary.mean_porosity);
  g_assert_cmpfloat (summary.mean_tau, ==, expected_summary.mean_tau);
  g_assert_cmpfloat (summary.bruggeman_at_mean_porosity, ==,
                     pow (expected_summary.mean_porosity, 1.5));
  g_test_message ("gamma %.4f ± %.4f, alpha %.4f ± %.4f over 4 cutouts", fit.gamma, fit.gamma_se,
                  fit.alpha, fit.alpha_se);
}

/* A finished result with one fit point, set by hand. */
static void
set_point (CbdStudy *study, guint index, double porosity, double sigma_rel, gboolean accepted)
{
  g_auto(CbdCutoutResult) result = { 0 };

  result.finished = TRUE;
  result.porosity = porosity;
  result.sigma_rel_mean = sigma_rel;
  result.sigma_rel_std = 0.1 * sigma_rel;
  result.filter.accepted = accepted;
  cbd_study_set_result (study, index, &result);
}

/* cbd_fit_power_law on the given points, with the study's fit options. */
static void
fit_directly (CbdStudy *study, const double *porosity, const double *sigma, guint n,
              CbdFitResult *fit)
{
  g_autoptr(GError) error = NULL;
  double std[4];

  for (guint i = 0; i < n; i++)
    std[i] = 0.1 * sigma[i];
  g_assert_true (cbd_fit_power_law (porosity, sigma, std, NULL, n,
                                    &cbd_study_get_settings (study)->fit, fit, &error));
  g_assert_no_error (error);
}

/* The fit is computed once per set of results: a second call gives the
 * same numbers without fitting again, and every change of a result, the
 * filter decisions or the fit options gives the fit of the new points. */
static void
test_fit_cache (void)
{
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(CbdStudy) study = new_study (volume);
  g_autoptr(GError) error = NULL;
  double porosity[4] = { 0.2, 0.3, 0.4, 0.5 };
  double sigma[4];
  CbdFitResult first, again, expected, all;
  CbdFitSummary summary, summary_again;
  CbdFilterThresholds thresholds;
  CbdStudySettings settings;
  guint computed;

  /* on the curve 2 eps^3 the fit is gamma 2, alpha 3 */
  for (guint i = 0; i < 4; i++)
    {
      sigma[i] = 2 * pow (porosity[i], 3);
      set_point (study, i, porosity[i], sigma[i], TRUE);
    }
  computed = cbd_study_get_fit_computations (study);
  g_assert_true (cbd_study_fit (study, TRUE, &first, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (first.gamma, 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (first.alpha, 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (summary.mean_porosity, 0.35, 1e-15);
  g_assert_cmpuint (cbd_study_get_fit_computations (study), ==, computed + 1);

  g_assert_true (cbd_study_fit (study, TRUE, &again, &summary_again, &error));
  g_assert_cmpmem (&again, sizeof again, &first, sizeof first);
  g_assert_cmpmem (&summary_again, sizeof summary, &summary, sizeof summary);
  g_assert_true (cbd_study_fit (study, TRUE, &again, NULL, &error));
  g_assert_cmpuint (cbd_study_get_fit_computations (study), ==, computed + 1);

  /* one changed result: the fit of the new points */
  sigma[3] *= 1.5;
  set_point (study, 3, porosity[3], sigma[3], TRUE);
  g_assert_true (cbd_study_fit (study, TRUE, &again, NULL, &error));
  fit_directly (study, porosity, sigma, 4, &expected);
  g_assert_cmpfloat (fabs (again.alpha - 3.0), >, 0.1);
  g_assert_cmpfloat (again.gamma, ==, expected.gamma);
  g_assert_cmpfloat (again.alpha, ==, expected.alpha);
  g_assert_cmpfloat (again.bootstrap_alpha_ci[0], ==, expected.bootstrap_alpha_ci[0]);
  g_assert_cmpuint (cbd_study_get_fit_computations (study), ==, computed + 2);

  /* the fit over all usable cutouts is kept apart from the accepted one */
  set_point (study, 0, porosity[0], sigma[0], FALSE);
  g_assert_true (cbd_study_fit (study, TRUE, &again, NULL, &error));
  g_assert_true (cbd_study_fit (study, FALSE, &all, NULL, &error));
  g_assert_cmpuint (again.n, ==, 3);
  g_assert_cmpuint (all.n, ==, 4);
  fit_directly (study, porosity + 1, sigma + 1, 3, &expected);
  g_assert_cmpfloat (again.alpha, ==, expected.alpha);
  fit_directly (study, porosity, sigma, 4, &expected);
  g_assert_cmpfloat (all.alpha, ==, expected.alpha);
  g_assert_true (cbd_study_fit (study, TRUE, &again, NULL, &error));
  g_assert_cmpuint (again.n, ==, 3);

  /* new fit options: another bootstrap seed, other intervals */
  settings = *cbd_study_get_settings (study);
  settings.fit.seed = 7;
  g_assert_true (cbd_study_set_settings (study, &settings, &error));
  g_assert_true (cbd_study_fit (study, FALSE, &again, NULL, &error));
  g_assert_cmpuint (again.bootstrap_seed, ==, 7);
  fit_directly (study, porosity, sigma, 4, &expected);
  g_assert_cmpfloat (again.bootstrap_alpha_ci[0], ==, expected.bootstrap_alpha_ci[0]);
  g_assert_cmpfloat (again.bootstrap_alpha_ci[1], ==, expected.bootstrap_alpha_ci[1]);

  /* new filter decisions: every pore wider than 1 nm is a macropore, so
   * no cutout is accepted and there is nothing to fit */
  thresholds = cbd_study_get_settings (study)->filter;
  thresholds.d_max_nm = 1;
  thresholds.max_excluded = 0.5;
  g_assert_true (cbd_study_set_filter (study, &thresholds, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cbd_study_fit (study, TRUE, &again, NULL, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS);
  g_clear_error (&error);
  /* the failure is kept too */
  computed = cbd_study_get_fit_computations (study);
  g_assert_false (cbd_study_fit (study, TRUE, &again, NULL, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS);
  g_clear_error (&error);
  g_assert_cmpuint (cbd_study_get_fit_computations (study), ==, computed);

  /* no results, no fit over all cutouts either */
  g_assert_true (cbd_study_fit (study, FALSE, &again, NULL, &error));
  cbd_study_clear_results (study);
  g_assert_false (cbd_study_fit (study, FALSE, &again, NULL, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS);
}

/* The accepted cutouts' distribution against cbd-porosimetry computing and
 * merging the cutouts' own distributions. */
static void
test_psd_against_merge (void)
{
  CbdStudy *study = analysed_study ();
  g_autoptr(CbdStudyPsd) psd = cbd_study_get_psd (study, CBD_STUDY_PSD_ACCEPTED);
  g_autoptr(CbdStudyPsd) stack = cbd_study_get_psd (study, CBD_STUDY_PSD_STACK);
  g_autoptr(CbdPsd) merged = NULL;
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_study_get_volume (study);
  CbdPsd *parts[4];
  CbdPorosimetryOptions options;
  gboolean pore[256] = { [PORE] = TRUE };
  const double *diameters;
  gsize n;

  g_assert_nonnull (psd);
  g_assert_nonnull (stack);
  g_assert_cmpuint (psd->n_parts, ==, 4);
  diameters = cbd_study_get_psd_diameters (study, &n);
  g_assert_cmpuint (n, ==, psd->n_diameters);
  cbd_porosimetry_options_init (&options);
  options.n_threads = 2;
  for (guint i = 0; i < 4; i++)
    {
      gsize size[3] = { EDGE, EDGE, EDGE };
      g_autoptr(CbdVolume) crop = cbd_volume_crop (volume, cutout_origins[i], size, &error);

      g_assert_no_error (error);
      parts[i] = cbd_psd_compute (crop, pore, &options, diameters, n, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  merged = cbd_psd_merge (parts, 4, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    cbd_psd_unref (parts[i]);

  g_assert_cmpuint (psd->pore_voxels, ==, merged->n_pore_voxels);
  g_assert_cmpuint (psd->voxels, ==, merged->n_voxels);
  for (gsize k = 0; k < n; k++)
    {
      g_assert_cmpfloat (psd->diameter_nm[k], ==, merged->diameter_nm[k]);
      g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[k], merged->pressure_mpa[k], 1e-12);
      g_assert_cmpfloat_with_epsilon (psd->intruded_fraction[k], merged->intruded_fraction[k], 1e-15);
      g_assert_cmpfloat_with_epsilon (psd->thickness_cumulative[k],
                                      merged->local_thickness_cumulative[k], 1e-15);
      if (k > 0)
        {
          g_assert_cmpfloat_with_epsilon (psd->dv_dlogd[k], merged->dv_dlogd[k], 1e-12);
          g_assert_cmpfloat_with_epsilon (psd->thickness_dv_dlogd[k],
                                          merged->local_thickness_dv_dlogd[k], 1e-12);
        }
    }
  /* Washburn at 100 nm: -4 0.48 cos 140 deg / 100 nm = 14.71 MPa */
  g_assert_cmpfloat_with_epsilon (cbd_washburn_pressure_mpa (100, 0.48, 140),
                                  -4 * 0.48 * cos (140 * G_PI / 180) / 100e-9 / 1e6, 1e-9);
  /* the whole stack: all its pore voxels */
  {
    guint64 counts[256];

    cbd_volume_histogram (volume, counts);
    g_assert_cmpuint (stack->pore_voxels, ==, counts[PORE]);
    g_assert_cmpuint (stack->voxels, ==, NX * NY * NZ);
  }
}

static void
test_csv (void)
{
  CbdStudy *study = analysed_study ();
  g_autofree char *text = cbd_study_cutouts_to_csv (study);
  g_autofree char *psd_text = cbd_study_psd_to_csv (study);
  g_autofree char *fit_text = cbd_study_fit_to_json (study);
  g_autoptr(CbdCsv) csv = NULL;
  g_autoptr(CbdCsv) psd = NULL;
  g_autoptr(GError) error = NULL;
  guint column;
  double value;

  g_assert_null (strstr (text, "nan"));
  g_assert_null (strstr (psd_text, "nan"));
  g_assert_null (strstr (fit_text, "nan"));
  csv = cbd_csv_parse (text, -1, "cutouts.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cbd_csv_n_rows (csv), ==, 4);
  g_assert_true (cbd_csv_require_column (csv, "porosity", &column, &error));
  g_assert_true (cbd_csv_get_double (csv, 0, column, FALSE, &value, &error));
  g_assert_cmpfloat (value, ==, 0.25);
  g_assert_true (cbd_csv_require_column (csv, "tau", &column, &error));
  g_assert_cmpstr (cbd_csv_get (csv, 0, column), ==, "");    /* channels: no tau */
  g_assert_true (cbd_csv_require_column (csv, "ssa_faces_per_um", &column, &error));
  g_assert_true (cbd_csv_require_column (csv, "d50_nm", &column, &error));
  g_assert_true (cbd_csv_require_column (csv, "accepted", &column, &error));
  g_assert_cmpstr (cbd_csv_get (csv, 3, column), ==, "true");
  g_assert_no_error (error);

  psd = cbd_csv_parse (psd_text, -1, "psd.csv", &error);
  g_assert_no_error (error);
  /* 10 per decade from 10 nm to the stack's 640 nm: 1.81 decades, 19 steps */
  g_assert_cmpuint (cbd_csv_n_rows (psd), ==, 20);
}

/* Every number of a filter result but its time. */
static void
assert_same_filter (const CbdFilterResult *a, const CbdFilterResult *b)
{
  CbdFilterResult x = *a, y = *b;

  x.seconds = y.seconds = 0;
  /* NaN != NaN (nothing retained), so compare bytes */
  g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
}

/* Four threshold sets that judge the test stack's cutouts differently. */
static void
threshold_sets (const CbdStudySettings *settings, CbdFilterThresholds sets[4])
{
  for (guint t = 0; t < 4; t++)
    sets[t] = settings->filter;
  sets[0].d_max_nm = 60;
  sets[0].max_excluded = 0.1;
  sets[1].f_inside = 0.9;
  sets[1].v_max_nm3 = 2e5;            /* 200 voxels of (10 nm)^3 */
  sets[2].exclude_truncated = FALSE;
  sets[2].f_inside = 0;
  sets[3].stack_border_truncates = TRUE;
  sets[3].max_excluded = 0.3;
}

/* A pore table read back from a project: the fields the project stores
 * exactly those of the table written, the others unknown (cbd-envelope.h),
 * and every judgement of it, per pore and per cutout, byte for byte that
 * of the table written under several threshold sets. */
static void
assert_table_read_back (const CbdEnvelope *written, const CbdEnvelope *read,
                        const CbdStudySettings *settings)
{
  CbdFilterThresholds sets[4];

  g_assert_cmpuint (read->n_pores, ==, written->n_pores);
  g_assert_cmpuint (read->stack_faces, ==, written->stack_faces);
  g_assert_cmpmem (read->origin, sizeof read->origin, written->origin, sizeof written->origin);
  g_assert_cmpmem (read->size, sizeof read->size, written->size, sizeof written->size);
  for (guint32 p = 0; p < read->n_pores; p++)
    {
      const CbdEnvelopePore *w = &written->pores[p], *r = &read->pores[p];

      g_assert_cmpuint (r->region, ==, w->region);
      g_assert_cmpuint (r->volume_voxels, ==, w->volume_voxels);
      g_assert_cmpfloat (r->volume_nm3, ==, w->volume_nm3);
      g_assert_cmpfloat (r->inscribed_diameter_nm, ==, w->inscribed_diameter_nm);
      g_assert_cmpuint (r->envelope_faces, ==, w->envelope_faces);
      g_assert_cmpuint (r->cutout_voxels, ==, w->cutout_voxels);
      g_assert_cmpint (r->centroid_in_cutout, ==, w->centroid_in_cutout);
      /* not stored: unknown, where the written table measured them */
      g_assert_true (isfinite (w->equivalent_diameter_nm));
      g_assert_true (isnan (r->equivalent_diameter_nm));
      g_assert_cmpuint (r->n_neighbours, ==, 0);
      for (guint axis = 0; axis < 3; axis++)
        {
          g_assert_cmpuint (w->bbox_min[axis], <=, w->bbox_max[axis]);
          g_assert_true (isnan (r->centroid_nm[axis]));
          g_assert_cmpuint (r->bbox_min[axis], ==, G_MAXSIZE);
          g_assert_cmpuint (r->bbox_max[axis], ==, 0);
        }
    }

  threshold_sets (settings, sets);
  for (guint t = 0; t < 4; t++)
    {
      g_autofree guint8 *rules_w = g_new0 (guint8, MAX (written->n_pores, 1));
      g_autofree guint8 *rules_r = g_new0 (guint8, MAX (read->n_pores, 1));
      g_autoptr(GError) error = NULL;
      CbdFilterResult before, after;

      g_assert_true (cbd_filter_evaluate (written, &sets[t], NULL, rules_w, &before, &error));
      g_assert_true (cbd_filter_evaluate (read, &sets[t], NULL, rules_r, &after, &error));
      g_assert_no_error (error);
      assert_same_filter (&before, &after);
      g_assert_cmpmem (rules_w, written->n_pores, rules_r, read->n_pores);
    }
}

/* ------------------------------------------------------------------------ */

static void
test_project_round_trip (void)
{
  CbdStudy *study = analysed_study ();
  g_autofree char *dir = g_dir_make_tmp ("cbd-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "round.cbdscope", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(CbdStudy) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const CbdStudySettings *a, *b;
  GArray *counts_a, *counts_b;

  g_assert_true (cbd_project_save (study, path, &error));
  g_assert_no_error (error);
  loaded = cbd_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  g_assert_null (cbd_study_get_volume (loaded));
  g_assert_cmpstr (cbd_study_get_labels_spec (loaded), ==, cbd_study_get_labels_spec (study));
  a = cbd_study_get_settings (study);
  b = cbd_study_get_settings (loaded);
  g_assert_cmpuint (a->cutout_size, ==, b->cutout_size);
  g_assert_cmpuint (a->envelope.edge, ==, b->envelope.edge);
  g_assert_cmpmem (&a->filter, sizeof a->filter, &b->filter, sizeof b->filter);
  g_assert_cmpfloat (a->solver_tolerance, ==, b->solver_tolerance);
  g_assert_cmpuint (a->fit.n_bootstrap, ==, b->fit.n_bootstrap);
  g_assert_cmpuint (cbd_study_get_n_cutouts (loaded), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) x = { 0 };
      g_auto(CbdCutoutResult) y = { 0 };
      const CbdCutout *ca = cbd_study_get_cutout (study, i), *cb = cbd_study_get_cutout (loaded, i);

      g_assert_cmpmem (ca->origin, sizeof ca->origin, cb->origin, sizeof cb->origin);
      g_assert_cmpstr (ca->name, ==, cb->name);
      cbd_study_get_result (study, i, &x);
      cbd_study_get_result (loaded, i, &y);
      /* timings too: every number reads back exactly */
      g_assert_cmpfloat (x.seconds, ==, y.seconds);
      g_assert_cmpfloat (x.pore[1].seconds, ==, y.pore[1].seconds);
      assert_same_result (&x, &y);
      /* and the pore table, with the box the settings give */
      g_assert_nonnull (x.pore_table);
      g_assert_nonnull (y.pore_table);
      g_assert_cmpuint (y.pore_table->n_pores, ==, x.filter.n_pores);
      assert_table_read_back (x.pore_table, y.pore_table, a);
    }
  g_assert_true (cbd_study_get_stack_psd_counts (study, &counts_a, NULL, NULL, NULL));
  g_assert_true (cbd_study_get_stack_psd_counts (loaded, &counts_b, NULL, NULL, NULL));
  g_assert_cmpmem (counts_a->data, counts_a->len * 8, counts_b->data, counts_b->len * 8);

  /* the text reads back into the same text */
  first = cbd_project_to_data (study, path, NULL);
  second = cbd_project_to_data (loaded, path, NULL);
  g_assert_cmpstr (first, ==, second);

  /* exports from the reloaded study are the same files */
  {
    g_autofree char *csv_a = cbd_study_cutouts_to_csv (study);
    g_autofree char *csv_b = cbd_study_cutouts_to_csv (loaded);
    g_autofree char *fit_a = cbd_study_fit_to_json (study);
    g_autofree char *fit_b = cbd_study_fit_to_json (loaded);
    g_autofree char *psd_a = cbd_study_psd_to_csv (study);
    g_autofree char *psd_b = cbd_study_psd_to_csv (loaded);

    g_assert_cmpstr (csv_a, ==, csv_b);
    g_assert_cmpstr (fit_a, ==, fit_b);
    g_assert_cmpstr (psd_a, ==, psd_b);
  }

  /* the volume attaches; a different one does not */
  {
    g_autoptr(CbdVolume) volume = build_volume ();
    g_autoptr(CbdStudy) again = cbd_project_load (path, &error);

    g_assert_no_error (error);
    volume->labels[cbd_volume_index (volume, 40, 40, 40)] ^= 1;   /* one voxel flips pore/CBD */
    g_assert_false (cbd_study_attach_volume (again, volume, &error));
    g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    volume->labels[cbd_volume_index (volume, 40, 40, 40)] ^= 1;
    g_assert_true (cbd_study_attach_volume (again, volume, &error));
    g_assert_no_error (error);
  }
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_project_relative_path (void)
{
  g_autoptr(CbdVolume) volume = build_volume ();
  CbdLabelMap map = label_map ();
  g_autofree char *dir = g_dir_make_tmp ("cbd-study-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *project_dir = g_build_filename (dir, "projects", "a", NULL);
  g_autofree char *volume_path = g_build_filename (data_dir, "stack.tif", NULL);
  g_autofree char *path = g_build_filename (project_dir, "p.cbdscope", NULL);
  g_autofree char *text = NULL;
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(CbdStudy) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (project_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (volume_path, "x", 1, NULL));
  study = cbd_study_new (volume, volume_path, NULL, &map);
  text = cbd_project_to_data (study, path, NULL);
  g_assert_nonnull (strstr (text, "\npath=../../data/stack.tif\n"));
  g_assert_true (cbd_project_save (study, path, &error));
  loaded = cbd_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cbd_study_get_volume_path (loaded), ==, volume_path);
  g_unlink (path);
  g_unlink (volume_path);
  g_rmdir (project_dir);
  g_rmdir (data_dir);
  {
    g_autofree char *projects = g_build_filename (dir, "projects", NULL);

    g_rmdir (projects);
  }
  g_rmdir (dir);
}

/* Each damaged text must fail with a message naming the file and, where it
 * applies, the group and the key. */
static void
expect_error (const char *text, gssize length, gint code, const char *const *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) study = cbd_project_parse (text, length < 0 ? strlen (text) : (gsize) length,
                                                 "damaged.cbdscope", &error);

  g_assert_null (study);
  if (code >= 0)
    g_assert_error (error, CBD_PROJECT_ERROR, code);
  else
    g_assert_true (error != NULL && error->domain == CBD_PROJECT_ERROR);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "damaged.cbdscope"));
  for (guint w = 0; words != NULL && words[w] != NULL; w++)
    g_assert_nonnull (strstr (error->message, words[w]));
}

static char *
replace_line (const char *text, const char *prefix, const char *line)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        g_free (lines[i]);
        lines[i] = g_strdup (line);
        break;
      }
  return g_strjoinv ("\n", lines);
}

/* @text with value @index (from 0) of list @key in its first group that has
 * it set to @value, or left out when @value is NULL. */
static char *
edit_list (const char *text, const char *key, guint index, const char *value)
{
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        g_auto(GStrv) values = g_strsplit (lines[i] + strlen (prefix), ";", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new ();
        g_autofree char *joined = NULL;

        g_assert_cmpuint (index, <, g_strv_length (values));
        for (guint k = 0; values[k] != NULL; k++)
          if (k != index)
            g_ptr_array_add (kept, values[k]);
          else if (value != NULL)
            g_ptr_array_add (kept, (gpointer) value);
        g_ptr_array_add (kept, NULL);
        joined = g_strjoinv (";", (char **) kept->pdata);
        g_free (lines[i]);
        lines[i] = g_strconcat (prefix, joined, NULL);
        return g_strjoinv ("\n", lines);
      }
  g_assert_not_reached ();
}

/* The first value of @key's list (in the first group) of at least @min. */
static guint
first_value_at_least (const char *text, const char *key, guint64 min, guint64 *value)
{
  g_autofree char *prefix = g_strconcat ("\n", key, "=", NULL);
  const char *line = strstr (text, prefix);
  g_autofree char *list = NULL;
  g_auto(GStrv) values = NULL;

  g_assert_nonnull (line);
  list = g_strndup (line + strlen (prefix), strcspn (line + strlen (prefix), "\n"));
  values = g_strsplit (list, ";", -1);
  for (guint k = 0; values[k] != NULL; k++)
    {
      *value = g_ascii_strtoull (values[k], NULL, 10);
      if (*value >= min)
        return k;
    }
  g_assert_not_reached ();
}

/* @text with the first cumulative count that can fall made to: the value
 * after the first non-zero one set one below it. */
static char *
falling_counts (const char *text, const char *key)
{
  guint64 value;
  guint k = first_value_at_least (text, key, 1, &value);
  g_autofree char *less = g_strdup_printf ("%" G_GUINT64_FORMAT, value - 1);

  return edit_list (text, key, k + 1, less);
}

static void
test_project_errors (void)
{
  CbdStudy *study = analysed_study ();
  g_autofree char *good = cbd_project_to_data (study, NULL, NULL);
  gsize length = strlen (good);
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };

  /* foreign files */
  expect_error ((const char *) png, sizeof png, CBD_PROJECT_ERROR_NOT_PROJECT,
                (const char *const[]) { "not a cbdscope project", NULL });
  expect_error ("[Desktop Entry]\nName=x\n", -1, CBD_PROJECT_ERROR_NOT_PROJECT,
                (const char *const[]) { "[cbdscope]", NULL });
  expect_error ("hello, world\n", -1, CBD_PROJECT_ERROR_NOT_PROJECT, NULL);

  /* truncated: every cut loses the [end] group or more */
  for (gsize cut = 0; cut < length; cut += length / 7 + 1)
    {
      g_autofree char *part = g_strndup (good, cut);

      /* a cut inside the first group may leave no [cbdscope] group */
      expect_error (part, cut, cut < 100 ? -1 : CBD_PROJECT_ERROR_INVALID, NULL);
    }
  {
    g_autofree char *part = g_strndup (good, length - 14);   /* "complete=true\n" */

    expect_error (part, -1, CBD_PROJECT_ERROR_INVALID, (const char *const[]) { "truncated", NULL });
  }

  /* bad values name the group and the key */
  {
    g_autofree char *text = replace_line (good, "porosity=", "porosity=0.2x5");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "“porosity”", "0.2x5", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "porosity=", "porosity=1.5");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "“porosity”", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "pore_sigma_rel=", "pore_sigma_rel=0.1;0.2");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "pore_sigma_rel", "2 values", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "envelope_edge_voxels=", "envelope_edge_voxels=8");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[settings]", "envelope", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "voxels_pore=", "# no pore count");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[volume]", "voxels_pore", "missing", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "count=", "count=5");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 5]", "missing", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "version=", "version=2");

    expect_error (text, -1, CBD_PROJECT_ERROR_VERSION,
                  (const char *const[]) { "newer", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "origin_voxels=", "origin_voxels=50;0;0");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "does not fit", NULL });
  }
  /* distribution counts as cbd_psd_new_from_counts() takes them */
  {
    g_autofree char *text = falling_counts (good, "psd_intruded_voxels");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "intruded voxels falls from", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "psd_pore_voxels=", "psd_pore_voxels=1");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[cutout 1]", "exceeds the 1 pore voxels", NULL });
  }
  /* a raw layout is read with the project, not first when the volume loads */
  {
    g_autofree char *text = replace_line (good, "dims_voxels=",
                                          "dims_voxels=64;48;48\nraw=64,48:u8");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[volume]", "“raw”", "“64,48:u8”", "needs 3 sizes",
                                          NULL });
  }
  {
    g_autofree char *text = replace_line (good, "dims_voxels=",
                                          "dims_voxels=64;48;48\nraw=64,48,47:u8");

    expect_error (text, -1, CBD_PROJECT_ERROR_INVALID,
                  (const char *const[]) { "[volume]", "“raw”", "64 × 48 × 48 voxels", NULL });
  }
  {
    g_autofree char *text = replace_line (good, "dims_voxels=",
                                          "dims_voxels=64;48;48\nraw=64,48,48:u16be");
    g_autoptr(GError) error = NULL;
    g_autoptr(CbdStudy) raw = cbd_project_parse (text, strlen (text), "raw.cbdscope", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (cbd_study_get_raw_spec (raw), ==, "64,48,48:u16be");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (cbd_project_load ("/nonexistent/study.cbdscope", &error));
    g_assert_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "/nonexistent/study.cbdscope"));
  }
}

/* A project that only sets up cutouts, as the app saves one, with a group of
 * the app's own: defaults fill in, the map is guessed on attaching, and the
 * app's group survives a save. */
static void
test_project_setup_only (void)
{
  static const char text[] =
    "[cbdscope]\nversion=1\ncreator=cbdscope app\n\n"
    "[volume]\npath=stack.tif\ndims_voxels=64;48;48\nvoxel_size_nm=10;10;10\n\n"
    "[cutouts]\ncount=2\ndefault_edge_voxels=24\n\n"
    "[cutout 1]\nname=first\norigin_voxels=0;0;0\nsize_voxels=24\n\n"
    "[cutout 2]\nname=second\norigin_voxels=30;10;20\nsize_voxels=24\n\n"
    "[view]\ncrosshair_voxels=1;2;3\nzoom_pixels_per_nm=0.25\n\n"
    "[end]\ncomplete=true\n";
  g_autofree char *dir = g_dir_make_tmp ("cbd-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "app.cbdscope", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.cbdscope", NULL);
  g_autoptr(GKeyFile) extra = NULL;
  g_autoptr(GKeyFile) again_extra = NULL;
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(CbdStudy) again = NULL;
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(GError) error = NULL;
  g_autofree char *zoom = NULL;
  guint64 phase_voxels[CBD_N_PHASES];
  gsize n_diameters;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  study = cbd_project_load_full (path, &extra, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cbd_study_get_n_cutouts (study), ==, 2);
  g_assert_cmpstr (cbd_study_get_cutout (study, 1)->name, ==, "second");
  g_assert_cmpuint (cbd_study_get_settings (study)->cutout_size, ==, 24);
  g_assert_cmpuint (cbd_study_get_settings (study)->envelope.edge, ==, 800);
  g_assert_null (cbd_study_get_labels_spec (study));
  g_assert_false (cbd_study_get_phase_voxels (study, phase_voxels));
  /* 10 per decade from 10 nm to 640 nm */
  g_assert_cmpfloat (cbd_study_get_psd_diameters (study, &n_diameters)[0], ==, 640);
  g_assert_cmpuint (n_diameters, ==, 20);
  g_assert_false (cbd_study_get_result (study, 0, &(CbdCutoutResult) { 0 }));

  /* three label values: pore, CBD, CAM in ascending order */
  g_assert_true (cbd_study_attach_volume (study, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cbd_study_get_labels_spec (study), ==, "pore=0,cbd=1,cam=2");
  g_assert_true (cbd_study_get_phase_voxels (study, phase_voxels));
  g_assert_cmpuint (phase_voxels[CBD_PHASE_CAM], ==, 8 * NY * NZ);

  g_assert_true (cbd_project_save_full (study, saved, extra, &error));
  g_assert_no_error (error);
  again = cbd_project_load_full (saved, &again_extra, &error);
  g_assert_no_error (error);
  zoom = g_key_file_get_value (again_extra, "view", "zoom_pixels_per_nm", NULL);
  g_assert_cmpstr (zoom, ==, "0.25");
  g_assert_cmpstr (cbd_study_get_labels_spec (again), ==, "pore=0,cbd=1,cam=2");
  g_unlink (path);
  g_unlink (saved);
  g_rmdir (dir);
}

/* A study of a raw file reads it by its recorded layout; a layout that
 * cannot be read names the file and the layout. */
static void
test_load_raw (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cbd-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stack.raw", NULL);
  const gsize dims[3] = { 4, 3, 2 };
  const double voxel_nm[3] = { 10, 10, 10 };
  /* 12 pore, 8 CBD, 4 CAM voxels */
  const guint64 phase_voxels[CBD_N_PHASES] = { [CBD_PHASE_PORE] = 12, [CBD_PHASE_CBD] = 8,
                                               [CBD_PHASE_CAM] = 4 };
  guint8 bytes[24];
  g_autoptr(GError) error = NULL;

  memset (bytes, PORE, 12);
  memset (bytes + 12, CBD, 8);
  memset (bytes + 20, CAM, 4);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, sizeof bytes, NULL));
  {
    g_autoptr(CbdStudy) study = cbd_study_new_detached (path, "4,3,2:u8", dims, voxel_nm,
                                                        "pore=0,cbd=1,cam=2", phase_voxels,
                                                        NULL, 0);

    g_assert_true (cbd_study_load_volume (study, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (cbd_study_get_volume (study)->dims[0], ==, 4);
    g_assert_cmpuint (cbd_study_get_volume (study)->labels[23], ==, CAM);
  }
  {
    g_autoptr(CbdStudy) study = cbd_study_new_detached (path, "4,3:u8", dims, voxel_nm,
                                                        "pore=0,cbd=1,cam=2", phase_voxels,
                                                        NULL, 0);

    g_assert_false (cbd_study_load_volume (study, NULL, NULL, NULL, &error));
    g_assert_error (error, CBD_IO_ERROR, CBD_IO_ERROR_BAD_LAYOUT);
    g_assert_nonnull (strstr (error->message, "stack.raw"));
    g_assert_nonnull (strstr (error->message, "“4,3:u8”"));
    g_assert_null (cbd_study_get_volume (study));
  }
  g_unlink (path);
  g_rmdir (dir);
}

/* A histogram the caller has already serves the study as its own would:
 * the same voxels per phase as counted here, label by label; and it is the
 * one used (a changed one shows in the counts and in the attach check). */
static void
test_histogram_passed_on (void)
{
  g_autoptr(CbdVolume) volume = build_volume ();
  CbdLabelMap map = label_map ();
  const gsize dims[3] = { NX, NY, NZ };
  const double voxel_nm[3] = { VOXEL_NM, VOXEL_NM, VOXEL_NM };
  guint64 histogram[256] = { 0 }, expected[CBD_N_PHASES] = { 0 }, got[CBD_N_PHASES];
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    histogram[volume->labels[i]]++;
  expected[CBD_PHASE_PORE] = histogram[PORE];
  expected[CBD_PHASE_CBD] = histogram[CBD];
  expected[CBD_PHASE_CAM] = histogram[CAM];
  g_assert_cmpuint (expected[CBD_PHASE_CAM], ==, 8 * NY * NZ);

  {
    g_autoptr(CbdStudy) own = cbd_study_new (volume, NULL, NULL, &map);
    g_autoptr(CbdStudy) given = cbd_study_new_with_histogram (volume, NULL, NULL, &map, histogram);

    g_assert_true (cbd_study_get_phase_voxels (own, got));
    g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
    g_assert_true (cbd_study_get_phase_voxels (given, got));
    g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
  }
  {
    /* no map recorded: guessed from the histogram (ascending: pore, CBD, CAM) */
    g_autoptr(CbdStudy) detached = cbd_study_new_detached (NULL, NULL, dims, voxel_nm, NULL,
                                                           expected, NULL, 0);

    g_assert_true (cbd_study_attach_volume_with_histogram (detached, volume, histogram, &error));
    g_assert_no_error (error);
    g_assert_cmpint (cbd_study_get_label_map (detached)->phase[CBD], ==, CBD_PHASE_CBD);
  }

  /* one CAM voxel more in the histogram than in the volume */
  histogram[CAM]++;
  {
    g_autoptr(CbdStudy) given = cbd_study_new_with_histogram (volume, NULL, NULL, &map, histogram);
    g_autoptr(CbdStudy) detached = cbd_study_new_detached (NULL, NULL, dims, voxel_nm,
                                                           "pore=0,cbd=1,cam=2", expected, NULL, 0);

    g_assert_true (cbd_study_get_phase_voxels (given, got));
    g_assert_cmpuint (got[CBD_PHASE_CAM], ==, expected[CBD_PHASE_CAM] + 1);
    g_assert_false (cbd_study_attach_volume_with_histogram (detached, volume, histogram, &error));
    g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH);
    g_clear_error (&error);
    g_assert_true (cbd_study_attach_volume (detached, volume, &error));
    g_assert_no_error (error);
  }
}

/* The summaries say of each cutout what was stored: hand-made results on
 * cutouts 2 (accepted) and 3 (usable, filtered out), none on the others. */
static void
test_summaries (void)
{
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(CbdStudy) study = new_study (volume);
  g_autoptr(GArray) summaries = NULL;
  CbdCutoutResult result;
  const CbdCutoutSummary *summary;

  cbd_cutout_result_init (&result);
  result.finished = TRUE;
  result.porosity = 0.5;
  result.sigma_rel_mean = 0.125;
  result.sigma_rel_std = 0.25;
  result.tau_mean = 4.0;
  result.filter.accepted = TRUE;
  cbd_study_set_result (study, 1, &result);
  result.sigma_rel_mean = 0.0625;
  result.filter.accepted = FALSE;
  cbd_study_set_result (study, 2, &result);

  summaries = cbd_study_get_summaries (study);
  g_assert_cmpuint (summaries->len, ==, G_N_ELEMENTS (cutout_origins));
  for (guint i = 0; i < summaries->len; i++)
    {
      summary = &g_array_index (summaries, CbdCutoutSummary, i);
      g_assert_cmpint (summary->finished, ==, i == 1 || i == 2);
      g_assert_cmpint (summary->accepted, ==, i == 1);
      if (!summary->finished)
        g_assert_true (isnan (summary->sigma_rel_mean) && isnan (summary->tau_mean));
    }
  summary = &g_array_index (summaries, CbdCutoutSummary, 1);
  g_assert_cmpfloat (summary->sigma_rel_mean, ==, 0.125);
  g_assert_cmpfloat (summary->sigma_rel_std, ==, 0.25);
  g_assert_cmpfloat (summary->tau_mean, ==, 4.0);
  summary = &g_array_index (summaries, CbdCutoutSummary, 2);
  g_assert_cmpfloat (summary->sigma_rel_mean, ==, 0.0625);
}

/* A failed save leaves the old file as it was. */
static void
test_project_atomic (void)
{
  CbdStudy *study = analysed_study ();
  g_autofree char *dir = g_dir_make_tmp ("cbd-study-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "p.cbdscope", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "p.cbdscope", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (cbd_project_save (study, path, &error));
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  g_assert_false (cbd_project_save (study, bad, &error));
  g_assert_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_IO);
  g_clear_error (&error);
  /* a read-only folder: the rename cannot happen, the old file stays */
  g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
  if (!cbd_project_save (study, path, &error))
    {
      g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
      g_assert_cmpstr (before, ==, after);
    }
  g_clear_error (&error);
  g_chmod (dir, 0700);
  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  guint         calls;
  guint         indices[8];
  GCancellable *cancel_after_first;
} Finished;

static void
on_finished (CbdStudy *study, guint index, const CbdCutoutResult *result, gpointer user_data)
{
  Finished *finished = user_data;

  g_assert_true (result->finished);
  finished->indices[finished->calls++] = index;
  if (finished->cancel_after_first != NULL)
    g_cancellable_cancel (finished->cancel_after_first);
}

static void
test_resume (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *text = cbd_project_to_data (done, NULL, NULL);
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(GError) error = NULL;
  Finished finished = { 0 };

  /* the project with cutouts 2 and 4 unfinished */
  for (guint i = 1; i <= 3; i += 2)
    {
      g_autofree char *group = g_strdup_printf ("[cutout %u]\nname=t%u\n", i + 1, i + 1);
      char *start = strstr (text, group);
      char *finished_line;

      g_assert_nonnull (start);
      finished_line = strstr (start, "finished=true");
      g_assert_nonnull (finished_line);
      memcpy (finished_line, "finished=0   ", 13);
    }
  study = cbd_project_parse (text, strlen (text), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cbd_study_attach_volume (study, volume, &error));
  {
    guint n_finished;

    cbd_study_count (study, &n_finished, NULL);
    g_assert_cmpuint (n_finished, ==, 2);
  }
  g_assert_true (cbd_study_run (study, NULL, NULL, NULL, on_finished, &finished, &error));
  g_assert_no_error (error);
  /* only the two unfinished ones were analysed, and came out as before */
  g_assert_cmpuint (finished.calls, ==, 2);
  g_assert_cmpuint (finished.indices[0], ==, 1);
  g_assert_cmpuint (finished.indices[1], ==, 3);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) a = { 0 };
      g_auto(CbdCutoutResult) b = { 0 };

      cbd_study_get_result (done, i, &a);
      cbd_study_get_result (study, i, &b);
      assert_same_result (&a, &b);
      if (i % 2 == 0)   /* kept from the project, timings included */
        g_assert_cmpfloat (a.seconds, ==, b.seconds);
    }
  /* a second run has nothing left to do */
  finished.calls = 0;
  g_assert_true (cbd_study_run (study, NULL, NULL, NULL, on_finished, &finished, &error));
  g_assert_cmpuint (finished.calls, ==, 0);
}

typedef struct
{
  GCancellable *cancellable;
  guint         seen_second;
} CancelInside;

/* Cancels inside the second cutout's CBD solve. */
static void
cancel_inside (const CbdProgress *progress, gpointer user_data)
{
  CancelInside *state = user_data;

  if (strstr (progress->stage, "t2: CBD transport") != NULL)
    {
      state->seen_second++;
      g_cancellable_cancel (state->cancellable);
    }
}

static void
test_cancel (void)
{
  CbdStudy *done = analysed_study ();
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(CbdStudy) study = new_study (volume);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CancelInside state = { cancellable, 0 };
  Finished finished = { 0 };
  guint n_finished;

  /* between cutouts: after the first one */
  finished.cancel_after_first = cancellable;
  g_assert_false (cbd_study_run (study, cancellable, NULL, NULL, on_finished, &finished, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (finished.calls, ==, 1);
  cbd_study_count (study, &n_finished, NULL);
  g_assert_cmpuint (n_finished, ==, 1);

  /* inside a solve of the second one: the first stays, the second is not stored */
  g_cancellable_reset (cancellable);
  finished.cancel_after_first = NULL;
  g_assert_false (cbd_study_run (study, cancellable, cancel_inside, &state, on_finished, &finished,
                                 &error));
  g_assert_nonnull (error);
  g_test_message ("cancelled: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (state.seen_second, >, 0);
  g_assert_cmpuint (finished.calls, ==, 1);
  cbd_study_count (study, &n_finished, NULL);
  g_assert_cmpuint (n_finished, ==, 1);
  {
    g_auto(CbdCutoutResult) a = { 0 };
    g_auto(CbdCutoutResult) b = { 0 };

    g_assert_true (cbd_study_get_result (study, 0, &b));
    g_assert_false (cbd_study_get_result (study, 1, &a));
    cbd_cutout_result_clear (&a);
    cbd_study_get_result (done, 0, &a);
    assert_same_result (&a, &b);
  }
}

typedef struct
{
  CbdStudy *study;
  guint     index;
  gboolean  ok;
} Worker;

static gpointer
analyse_on_thread (gpointer data)
{
  Worker *worker = data;

  worker->ok = cbd_study_analyze_cutout (worker->study, worker->index, NULL, NULL, NULL, NULL, NULL);
  return NULL;
}

/* Two cutouts analysed at once on two threads give what one at a time gave. */
static void
test_threads (void)
{
  CbdStudy *done = analysed_study ();
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(CbdStudy) study = new_study (volume);
  CbdStudySettings settings = *cbd_study_get_settings (study);
  Worker workers[2] = { { study, 1, FALSE }, { study, 2, FALSE } };
  GThread *threads[2];

  settings.n_threads = 1;
  g_assert_true (cbd_study_set_settings (study, &settings, NULL));
  for (guint t = 0; t < 2; t++)
    threads[t] = g_thread_new ("analyse", analyse_on_thread, &workers[t]);
  for (guint t = 0; t < 2; t++)
    g_thread_join (threads[t]);
  for (guint t = 0; t < 2; t++)
    {
      g_auto(CbdCutoutResult) a = { 0 };
      g_auto(CbdCutoutResult) b = { 0 };

      g_assert_true (workers[t].ok);
      cbd_study_get_result (done, workers[t].index, &a);
      g_assert_true (cbd_study_get_result (study, workers[t].index, &b));
      assert_same_result (&a, &b);
    }
}

/* New thresholds on finished cutouts: the same filter results as analysing
 * them from scratch with those thresholds, the rest untouched. */
static void
test_set_filter (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *text = cbd_project_to_data (done, NULL, NULL);
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(CbdStudy) study = cbd_project_parse (text, strlen (text), NULL, NULL);
  g_autoptr(CbdStudy) fresh = new_study (volume);
  g_autoptr(GError) error = NULL;
  CbdFilterThresholds thresholds = cbd_study_get_settings (done)->filter;
  CbdStudySettings settings;
  guint n_accepted;

  g_assert_nonnull (study);
  g_assert_true (cbd_study_attach_volume (study, volume, &error));
  /* pores wider than 60 nm are macropores; at most 10 % excluded */
  thresholds.d_max_nm = 60;
  thresholds.max_excluded = 0.1;
  g_assert_true (cbd_study_set_filter (study, &thresholds, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&cbd_study_get_settings (study)->filter, sizeof thresholds, &thresholds,
                   sizeof thresholds);

  settings = *cbd_study_get_settings (fresh);
  settings.filter = thresholds;
  g_assert_true (cbd_study_set_settings (fresh, &settings, &error));
  cbd_study_count (study, NULL, &n_accepted);
  g_test_message ("%u of 4 accepted with d_max 60 nm, max_excluded 0.1", n_accepted);
  g_assert_cmpuint (n_accepted, <, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) before = { 0 };
      g_auto(CbdCutoutResult) after = { 0 };
      g_auto(CbdCutoutResult) scratch = { 0 };

      cbd_study_get_result (done, i, &before);
      cbd_study_get_result (study, i, &after);
      g_assert_true (cbd_study_analyze_cutout (fresh, i, &scratch, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (after.filter.excluded_fraction, >=, before.filter.excluded_fraction);
      g_assert_cmpint (after.filter.accepted, ==, after.filter.excluded_fraction <= 0.1);
      assert_same_result (&after, &scratch);
      /* everything but the filter as before */
      after.filter = before.filter;
      assert_same_result (&before, &after);
    }

  /* bad thresholds change nothing */
  thresholds.max_excluded = 2;
  g_assert_false (cbd_study_set_filter (study, &thresholds, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_INVALID);
  g_assert_cmpfloat (cbd_study_get_settings (study)->filter.max_excluded, ==, 0.1);
  /* The locked copy (for threads) holds the same settings. */
  {
    const CbdStudySettings *live = cbd_study_get_settings (study);
    CbdStudySettings copy;

    cbd_study_copy_settings (study, &copy);
    g_assert_cmpmem (&copy.filter, sizeof copy.filter, &live->filter, sizeof copy.filter);
    g_assert_cmpuint (copy.envelope.edge, ==, live->envelope.edge);
    g_assert_cmpfloat (copy.envelope.partition.r_max, ==, live->envelope.partition.r_max);
    g_assert_cmpuint (copy.cutout_size, ==, live->cutout_size);
    g_assert_cmpfloat (copy.solver_tolerance, ==, live->solver_tolerance);
  }
}

/* Each cutout's filter against one from an envelope computed here without
 * any cache under the study's partition settings: the truth new
 * thresholds must reproduce. Returns the excluded voxels of all cutouts. */
static guint64
assert_filters_fresh (CbdStudy *study, CbdVolume *volume, const CbdFilterThresholds *thresholds)
{
  CbdEnvelopeOptions options = cbd_study_get_settings (study)->envelope;
  gboolean pore[256] = { [PORE] = TRUE };
  guint64 excluded = 0;

  for (guint i = 0; i < cbd_study_get_n_cutouts (study); i++)
    {
      const CbdCutout *cutout = cbd_study_get_cutout (study, i);
      const gsize size[3] = { cutout->size, cutout->size, cutout->size };
      g_autoptr(CbdEnvelope) envelope = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(CbdCutoutResult) result = { 0 };
      CbdFilterResult truth;

      envelope = cbd_envelope_compute (volume, pore, cutout->origin, size, &options, NULL, NULL,
                                       NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (cbd_filter_evaluate (envelope, thresholds, NULL, NULL, &truth, &error));
      g_assert_true (cbd_study_get_result (study, i, &result));
      assert_same_filter (&result.filter, &truth);
      excluded += truth.excluded_voxels;
    }
  return excluded;
}

/* @text as a project of an older cbdscope: no pore tables. */
static char *
without_pore_tables (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], "pores_") && !g_str_has_prefix (lines[i], "envelope_stack_faces="))
      g_string_append_printf (out, "%s%s", lines[i], lines[i + 1] != NULL ? "\n" : "");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Envelopes the study's cache computed or handed over so far. */
static guint
envelope_work (CbdStudy *study)
{
  CbdEnvelopeCacheStats stats;

  cbd_envelope_cache_get_stats (cbd_study_get_envelope_cache (study), &stats);
  return stats.computed + stats.memory_hits + stats.disk_hits;
}

/* New thresholds on a reopened project are judged from its pore tables:
 * exactly the filter of freshly computed envelopes, for several threshold
 * sets, without computing or even looking up an envelope. */
static void
test_refilter_from_tables (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *text = cbd_project_to_data (done, NULL, NULL);
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) study = cbd_project_parse (text, strlen (text), "tables.cbdscope", &error);
  CbdFilterThresholds sets[4];
  guint64 excluded[4];

  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      g_assert_true (cbd_study_get_result (study, i, &result));
      g_assert_nonnull (result.pore_table);
      g_assert_null (result.pore_table->cutout_pores);
    }
  g_assert_true (cbd_study_attach_volume (study, volume, &error));
  threshold_sets (cbd_study_get_settings (study), sets);
  for (guint t = 0; t < 4; t++)
    {
      g_assert_true (cbd_study_set_filter (study, &sets[t], NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      excluded[t] = assert_filters_fresh (study, volume, &sets[t]);
      g_test_message ("threshold set %u: %" G_GUINT64_FORMAT " voxels excluded", t, excluded[t]);
    }
  g_assert_cmpuint (envelope_work (study), ==, 0);
  /* the sets judge differently, so the comparisons could tell */
  g_assert_cmpuint (excluded[0], !=, excluded[1]);
  g_assert_cmpuint (excluded[1], !=, excluded[2]);
  g_assert_cmpuint (excluded[2], !=, excluded[3]);
}

/* Without its volume a project with pore tables is filtered again (they
 * are all it needs). One of an older cbdscope, without them, is refused
 * until the volume is attached; then each envelope is partitioned once
 * and its table kept for the next thresholds and the saved project. */
static void
test_refilter_old_project (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *text = cbd_project_to_data (done, NULL, NULL);
  g_autofree char *old = without_pore_tables (text);
  g_autofree char *resaved = NULL;
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) study = cbd_project_parse (text, strlen (text), "tables.cbdscope", &error);
  g_autoptr(CbdStudy) legacy = cbd_project_parse (old, strlen (old), "old.cbdscope", &error);
  g_autoptr(CbdStudy) reopened = NULL;
  CbdFilterThresholds sets[4];

  g_assert_no_error (error);
  g_assert_null (strstr (old, "pores_"));
  g_assert_nonnull (strstr (text, "\npores_cutout_voxels="));
  threshold_sets (cbd_study_get_settings (study), sets);

  g_assert_null (cbd_study_get_volume (study));
  g_assert_true (cbd_study_set_filter (study, &sets[0], NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_filters_fresh (study, volume, &sets[0]);

  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      g_assert_true (cbd_study_get_result (legacy, i, &result));
      g_assert_null (result.pore_table);
    }
  g_assert_false (cbd_study_set_filter (legacy, &sets[0], NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME);
  g_assert_nonnull (strstr (error->message, "4 of 4"));
  g_clear_error (&error);
  g_assert_cmpmem (&cbd_study_get_settings (legacy)->filter, sizeof (CbdFilterThresholds),
                   &cbd_study_get_settings (done)->filter, sizeof (CbdFilterThresholds));

  g_assert_true (cbd_study_attach_volume (legacy, volume, &error));
  g_assert_true (cbd_study_set_filter (legacy, &sets[0], NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_filters_fresh (legacy, volume, &sets[0]);
  g_assert_cmpuint (envelope_work (legacy), ==, 4);
  g_assert_true (cbd_study_set_filter (legacy, &sets[1], NULL, NULL, NULL, &error));
  assert_filters_fresh (legacy, volume, &sets[1]);
  g_assert_cmpuint (envelope_work (legacy), ==, 4);

  /* saved with its tables now: reopened, it needs no volume */
  resaved = cbd_project_to_data (legacy, NULL, NULL);
  reopened = cbd_project_parse (resaved, strlen (resaved), "resaved.cbdscope", &error);
  g_assert_no_error (error);
  g_assert_true (cbd_study_set_filter (reopened, &sets[2], NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_filters_fresh (reopened, volume, &sets[2]);
}

/* A result put back after the partition changed (the app does so after a
 * new sigma, r_max or envelope) loses its old pore table, so new
 * thresholds partition again rather than judge the old pores; under the
 * old partition the table stays. */
static void
test_pore_table_stale (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *text = cbd_project_to_data (done, NULL, NULL);
  g_autoptr(CbdVolume) volume = build_volume ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) study = cbd_project_parse (text, strlen (text), NULL, &error);
  CbdStudySettings settings, old_settings;
  CbdCutoutResult kept[4];
  guint changed = 0;

  g_assert_no_error (error);
  g_assert_true (cbd_study_attach_volume (study, volume, &error));
  for (guint i = 0; i < 4; i++)
    g_assert_true (cbd_study_get_result (study, i, &kept[i]));
  old_settings = settings = *cbd_study_get_settings (study);
  settings.envelope.partition.r_max = 2;
  g_assert_true (cbd_study_set_settings (study, &settings, &error));
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      cbd_study_set_result (study, i, &kept[i]);
      g_assert_true (cbd_study_get_result (study, i, &result));
      g_assert_null (result.pore_table);
    }
  g_assert_true (cbd_study_set_filter (study, &settings.filter, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (envelope_work (study), ==, 4);
  assert_filters_fresh (study, volume, &settings.filter);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      g_assert_true (cbd_study_get_result (study, i, &result));
      changed += result.filter.n_pores != kept[i].filter.n_pores;
    }
  g_assert_cmpuint (changed, >, 0);

  g_assert_true (cbd_study_set_settings (study, &old_settings, &error));
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      cbd_study_set_result (study, i, &kept[i]);
      g_assert_true (cbd_study_get_result (study, i, &result));
      g_assert_true (result.pore_table == kept[i].pore_table);
      cbd_cutout_result_clear (&kept[i]);
    }
}

/* Each kind of damage to a pore table is refused when the project is read,
 * naming the file, the group and the key. */
static void
test_pore_table_errors (void)
{
  CbdStudy *study = analysed_study ();
  g_autofree char *good = cbd_project_to_data (study, NULL, NULL);
  guint64 value;
  guint k;

#define EXPECT(text, ...) \
  G_STMT_START { \
    g_autofree char *damaged_ = (text); \
    expect_error (damaged_, -1, CBD_PROJECT_ERROR_INVALID, \
                  (const char *const[]) { "[cutout 1]", __VA_ARGS__, NULL }); \
  } G_STMT_END

  /* a list of the wrong length, one left out */
  EXPECT (edit_list (good, "pores_volume_voxels", 0, NULL), "“pores_volume_voxels”",
          "values where", "filter_n_pores");
  /* negative or not numbers */
  EXPECT (edit_list (good, "pores_cutout_voxels", 0, "-3"), "“pores_cutout_voxels”", "“-3”");
  EXPECT (edit_list (good, "pores_inscribed_diameter_nm", 1, "-40"),
          "“pores_inscribed_diameter_nm”", "“-40”", "at least 0");
  EXPECT (edit_list (good, "pores_volume_nm3", 0, "abc"), "“pores_volume_nm3”", "“abc”");
  /* a NaN diameter would never exceed d_max: kept by every threshold */
  EXPECT (edit_list (good, "pores_inscribed_diameter_nm", 0, "nan"),
          "“pores_inscribed_diameter_nm”", "finite");
  EXPECT (edit_list (good, "pores_region", 0, "1e3"), "“pores_region”", "whole number");
  EXPECT (edit_list (good, "pores_centroid_in_cutout", 0, "maybe"),
          "“pores_centroid_in_cutout”", "true or false");
  EXPECT (replace_line (good, "pores_envelope_faces=", "# gone"), "“pores_envelope_faces”",
          "missing");
  EXPECT (replace_line (good, "envelope_stack_faces=", "envelope_stack_faces=64"),
          "“envelope_stack_faces”", "from 0 to 63");
  /* counts that do not add up */
  k = first_value_at_least (good, "pores_cutout_voxels", 2, &value);
  {
    g_autofree char *less = g_strdup_printf ("%" G_GUINT64_FORMAT, value - 1);

    EXPECT (edit_list (good, "pores_cutout_voxels", k, less), "“pores_cutout_voxels”",
            "filter_pore_voxels");
  }
  EXPECT (edit_list (good, "pores_volume_voxels", 0, "0"), "“pores_cutout_voxels”",
          "pores_volume_voxels");
  EXPECT (edit_list (good, "pores_cutout_voxels", 0, "0"), "“pores_cutout_voxels”");
  EXPECT (edit_list (good, "pores_region", 1, "1"), "“pores_region”", "ascend");
  EXPECT (edit_list (good, "pores_envelope_faces", 0, "64"), "“pores_envelope_faces”");
  EXPECT (edit_list (good, "pores_volume_nm3", 0, "0"), "“pores_volume_nm3”", "positive");
  /* cutout 1 lies at the origin, its envelope on the low faces of the stack */
  EXPECT (replace_line (good, "envelope_stack_faces=", "envelope_stack_faces=0"),
          "“envelope_stack_faces”", "stack border");
  EXPECT (replace_line (good, "filter_n_pores=", "filter_n_pores=20000"), "“filter_n_pores”");
#undef EXPECT

  /* the untouched text reads, and without tables too */
  {
    g_autofree char *old = without_pore_tables (good);
    g_autoptr(GError) error = NULL;
    g_autoptr(CbdStudy) a = cbd_project_parse (good, strlen (good), NULL, &error);
    g_autoptr(CbdStudy) b = cbd_project_parse (old, strlen (old), NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (a);
    g_assert_nonnull (b);
  }
}

/* Keys a project's reader does not know, in a cutout's group beside its
 * pore table (fields an earlier form stored, even damaged, or one a newer
 * cbdscope may add), are ignored: the same tables are read. */
static void
test_pore_table_extra_keys (void)
{
  CbdStudy *done = analysed_study ();
  g_autofree char *good = cbd_project_to_data (done, NULL, NULL);
  const char *line = strstr (good, "\npores_region=");
  const char *extra = "\npores_centroid_x_nm=nan;-1\npores_bbox_min_x_voxels=abc"
                      "\npores_curvature_per_nm=0.5";
  g_autofree char *more = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) plain = NULL;
  g_autoptr(CbdStudy) extended = NULL;

  g_assert_nonnull (line);
  more = g_strdup_printf ("%.*s%s%s", (int) (line - good), good, extra, line);
  plain = cbd_project_parse (good, strlen (good), NULL, &error);
  g_assert_no_error (error);
  extended = cbd_project_parse (more, strlen (more), NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      g_auto(CbdCutoutResult) a = { 0 };
      g_auto(CbdCutoutResult) b = { 0 };

      g_assert_true (cbd_study_get_result (plain, i, &a));
      g_assert_true (cbd_study_get_result (extended, i, &b));
      g_assert_nonnull (a.pore_table);
      g_assert_nonnull (b.pore_table);
      g_assert_cmpuint (b.pore_table->n_pores, ==, a.pore_table->n_pores);
      /* the same NaN of the same code: bytes compare */
      g_assert_cmpmem (b.pore_table->pores, b.pore_table->n_pores * sizeof (CbdEnvelopePore),
                       a.pore_table->pores, a.pore_table->n_pores * sizeof (CbdEnvelopePore));
    }
  /* and the next save drops them */
  {
    g_autofree char *from_plain = cbd_project_to_data (plain, NULL, NULL);
    g_autofree char *from_extended = cbd_project_to_data (extended, NULL, NULL);

    g_assert_null (strstr (from_extended, "pores_curvature_per_nm"));
    g_assert_cmpstr (from_extended, ==, from_plain);
  }
}

static void
test_find_cutouts (void)
{
  g_autoptr(CbdVolume) volume = build_volume ();
  CbdLabelMap map = label_map ();
  g_autoptr(CbdStudy) study = cbd_study_new (volume, NULL, NULL, &map);
  CbdStudySettings settings = *cbd_study_get_settings (study);
  g_autoptr(GError) error = NULL;
  gboolean cam[256] = { [CAM] = TRUE };
  guint64 n_free = 0;
  guint found;

  settings.cutout_size = 24;
  g_assert_true (cbd_study_set_settings (study, &settings, &error));
  found = cbd_study_find_cutouts (study, 6, &n_free, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* origins x 0..32 (CAM from 56), y and z 0..24 */
  g_assert_cmpuint (n_free, ==, 33 * 25 * 25);
  /* two cubes fit side by side along each axis: at most 8; the greedy
   * farthest-point choice need not pack them all */
  g_test_message ("%u of 6 cutouts found", found);
  g_assert_cmpuint (found, >=, 2);
  g_assert_cmpuint (found, <=, 6);
  for (guint i = 0; i < found; i++)
    {
      const CbdCutout *a = cbd_study_get_cutout (study, i);
      gsize box[3] = { 24, 24, 24 };
      g_autofree char *name = g_strdup_printf ("c%03u", i + 1);

      g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, cam, a->origin, box), ==, 0);
      g_assert_cmpstr (a->name, ==, name);
      for (guint j = 0; j < i; j++)
        {
          const CbdCutout *b = cbd_study_get_cutout (study, j);
          gboolean apart = FALSE;

          for (guint axis = 0; axis < 3; axis++)
            apart |= a->origin[axis] + 24 <= b->origin[axis] || b->origin[axis] + 24 <= a->origin[axis];
          g_assert_true (apart);
        }
    }

  /* CAM in every cube: one CAM voxel per 24 x 24 column of the free part */
  for (gsize z = 12; z < NZ; z += 24)
    for (gsize y = 12; y < NY; y += 24)
      for (gsize x = 12; x < 56; x += 24)
        volume->labels[cbd_volume_index (volume, x, y, z)] = CAM;
  g_assert_cmpuint (cbd_study_find_cutouts (study, 6, &n_free, NULL, NULL, NULL, &error), ==, 0);
  g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_CUTOUTS);
  g_assert_cmpuint (n_free, ==, 0);
  g_test_message ("%s", error->message);
}

static void
test_settings_invalid (void)
{
  CbdStudySettings settings;
  g_autoptr(GError) error = NULL;

  cbd_study_settings_init (&settings);
  g_assert_true (cbd_study_settings_validate (&settings, &error));
  settings.envelope.edge = 64;
  g_assert_false (cbd_study_settings_validate (&settings, &error));
  g_assert_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "envelope"));
  g_clear_error (&error);
  cbd_study_settings_init (&settings);
  settings.contact_angle_deg = 60;
  g_assert_false (cbd_study_settings_validate (&settings, &error));
  g_assert_nonnull (strstr (error->message, "contact angle"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/study/channels-by-hand", test_channels_by_hand);
  g_test_add_func ("/study/results-finite", test_results_finite);
  g_test_add_func ("/study/fit-equals-cbd-fit", test_fit_equals_cbd_fit);
  g_test_add_func ("/study/fit-cache", test_fit_cache);
  g_test_add_func ("/study/psd-against-merge", test_psd_against_merge);
  g_test_add_func ("/study/csv", test_csv);
  g_test_add_func ("/study/summaries", test_summaries);
  g_test_add_func ("/study/project-round-trip", test_project_round_trip);
  g_test_add_func ("/study/project-relative-path", test_project_relative_path);
  g_test_add_func ("/study/project-errors", test_project_errors);
  g_test_add_func ("/study/project-atomic", test_project_atomic);
  g_test_add_func ("/study/load-raw", test_load_raw);
  g_test_add_func ("/study/histogram-passed-on", test_histogram_passed_on);
  g_test_add_func ("/study/project-setup-only", test_project_setup_only);
  g_test_add_func ("/study/resume", test_resume);
  g_test_add_func ("/study/cancel", test_cancel);
  g_test_add_func ("/study/threads", test_threads);
  g_test_add_func ("/study/set-filter", test_set_filter);
  g_test_add_func ("/study/refilter-from-tables", test_refilter_from_tables);
  g_test_add_func ("/study/refilter-old-project", test_refilter_old_project);
  g_test_add_func ("/study/pore-table-stale", test_pore_table_stale);
  g_test_add_func ("/study/pore-table-errors", test_pore_table_errors);
  g_test_add_func ("/study/pore-table-extra-keys", test_pore_table_extra_keys);
  g_test_add_func ("/study/find-cutouts", test_find_cutouts);
  g_test_add_func ("/study/settings-invalid", test_settings_invalid);

  return g_test_run ();
}
