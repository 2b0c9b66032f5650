/* test-synth.c — the synthetic sample generator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-synth"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-synth.h"

#define CUTOUT 128
#define BLOCK  16

#ifndef TEST_SEED
#define TEST_SEED 2026
#endif

static CbdVolume *
generate (const CbdSynthParams *params,
          float               **field)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume;
  gint64 start = g_get_monotonic_time ();

  volume = cbd_synth_generate (params, field, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  g_test_message ("%" G_GSIZE_FORMAT "^3 seed %" G_GUINT64_FORMAT ": %.2f s",
                  params->dims[0], params->seed,
                  (g_get_monotonic_time () - start) / 1e6);
  return volume;
}

static void
test_invalid (void)
{
  CbdSynthParams base, params;
  struct { const char *what; } cases[] = {
    { "zero" }, { "cam-high" }, { "cam-low" }, { "min-max" }, { "nan" },
    { "macro" }, { "voxel" }, { "por-high" },
  };

  cbd_synth_params_init (&base, 32);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdVolume) volume = NULL;
      float *field = (float *) &params;   /* must be reset to NULL */

      params = base;
      switch (c)
        {
        case 0: params.dims[1] = 0; break;
        case 1: params.cam_fraction = 1.5; break;
        case 2: params.cam_fraction = -0.1; break;
        case 3: params.cbd_porosity_min = 0.6; params.cbd_porosity_max = 0.2; break;
        case 4: params.cbd_porosity_min = NAN; break;
        case 5: params.macropore_fraction = 2; break;
        case 6: params.voxel_nm = 0; break;
        default: params.cbd_porosity_max = 1.2; break;
        }
      volume = cbd_synth_generate (&params, &field, NULL, NULL, NULL, &error);
      g_assert_null (volume);
      g_assert_null (field);
      g_assert_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID);
      g_assert_nonnull (error->message);
      g_test_message ("%s: %s", cases[c].what, error->message);
    }
}

static void
test_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  CbdSynthParams params;

  cbd_synth_params_init (&params, 64);
  g_cancellable_cancel (cancellable);
  volume = cbd_synth_generate (&params, NULL, cancellable, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_CANCELLED);
}

static void
cancel_midway (const CbdProgress *progress,
               gpointer           user_data)
{
  if (progress->fraction > 0.5)
    g_cancellable_cancel (user_data);
}

/* Cancelled while labelling: an error, nothing half-done handed out. */
static void
test_cancel_midway (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  float *field = (float *) &error;   /* must be reset to NULL */
  CbdSynthParams params;

  cbd_synth_params_init (&params, 96);
  volume = cbd_synth_generate (&params, &field, cancellable, cancel_midway,
                               cancellable, &error);
  g_assert_null (volume);
  g_assert_null (field);
  g_assert_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_CANCELLED);
}

static void
count_progress (const CbdProgress *progress,
                gpointer           user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (progress->fraction, >=, last[0] - 1e-12);
  g_assert_cmpfloat (progress->fraction, <=, 1.0);
  last[0] = progress->fraction;
  last[1] += 1;
}

static void
test_determinism (void)
{
  CbdSynthParams params;
  g_autoptr(CbdVolume) a = NULL, b = NULL, c = NULL, d = NULL;
  g_autofree float *fa = NULL, *fb = NULL;
  g_autoptr(GError) error = NULL;
  double progress[2] = { 0, 0 };
  gsize n;

  cbd_synth_params_init (&params, 96);
  params.dims[1] = 80;
  params.dims[2] = 72;
  params.seed = 7;
  params.n_threads = 1;
  a = generate (&params, &fa);
  params.n_threads = 3;
  b = cbd_synth_generate (&params, &fb, NULL, count_progress, progress, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (progress[0], ==, 1.0);
  g_assert_cmpfloat (progress[1], >=, 3);

  g_assert_cmpuint (a->dims[0], ==, 96);
  g_assert_cmpuint (a->dims[1], ==, 80);
  g_assert_cmpuint (a->dims[2], ==, 72);
  g_assert_cmpfloat (a->voxel_nm[0], ==, 10.0);
  n = cbd_volume_n_voxels (a);
  g_assert_cmpmem (a->labels, n, b->labels, n);
  g_assert_cmpmem (fa, n * sizeof (float), fb, n * sizeof (float));

  /* Without the field, same labels. */
  c = generate (&params, NULL);
  g_assert_cmpmem (a->labels, n, c->labels, n);

  params.seed = 8;
  d = generate (&params, NULL);
  g_assert_true (memcmp (a->labels, d->labels, n) != 0);
}

/* Boxes smaller than the blur kernel, odd shapes, coarse voxels. */
static void
test_small_boxes (void)
{
  const gsize shapes[][3] = { { 1, 1, 1 }, { 3, 5, 2 }, { 17, 1, 9 }, { 40, 33, 7 } };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint coarse = 0; coarse < 2; coarse++)
      {
        CbdSynthParams params;
        g_autoptr(CbdVolume) volume = NULL;
        g_autofree float *field = NULL;
        guint64 counts[256];

        cbd_synth_params_init (&params, 1);
        memcpy (params.dims, shapes[s], sizeof params.dims);
        params.voxel_nm = coarse ? 50 : 10;
        volume = generate (&params, &field);
        cbd_volume_histogram (volume, counts);
        g_assert_cmpuint (counts[CBD_SYNTH_PORE] + counts[CBD_SYNTH_CBD]
                          + counts[CBD_SYNTH_CAM], ==, cbd_volume_n_voxels (volume));
        g_assert_cmpfloat (volume->voxel_nm[2], ==, params.voxel_nm);
        for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
          g_assert_true (field[i] >= 0.1f - 1e-6f && field[i] <= 0.7f + 1e-6f);
      }
}

/* A 256^3 volume with the default parameters, shared by several tests. */
static CbdVolume *big_volume;
static float *big_field;
static CbdVolume *plain_volume;   /* same without macropores */
static float *plain_field;

static void
ensure_big (void)
{
  CbdSynthParams params;

  if (big_volume != NULL)
    return;
  cbd_synth_params_init (&params, 256);
  params.seed = TEST_SEED;
  big_volume = generate (&params, &big_field);
  params.macropore_fraction = 0;
  plain_volume = generate (&params, &plain_field);
}

static void
test_labels_and_fractions (void)
{
  guint64 counts[256];
  double n, cam;

  ensure_big ();
  cbd_volume_histogram (big_volume, counts);
  n = cbd_volume_n_voxels (big_volume);
  for (guint v = 0; v < 256; v++)
    if (v != CBD_SYNTH_PORE && v != CBD_SYNTH_CBD && v != CBD_SYNTH_CAM)
      g_assert_cmpuint (counts[v], ==, 0);
  cam = counts[CBD_SYNTH_CAM] / n;
  g_test_message ("pore %.3f cbd %.3f cam %.3f", counts[CBD_SYNTH_PORE] / n,
                  counts[CBD_SYNTH_CBD] / n, cam);
  g_assert_cmpfloat (fabs (cam - 0.35), <, 0.07);
  g_assert_cmpuint (counts[CBD_SYNTH_PORE], >, 0);
  g_assert_cmpuint (counts[CBD_SYNTH_CBD], >, 0);

  /* A box too small for CAM-free regions still gets its CAM. */
  {
    CbdSynthParams params;
    g_autoptr(CbdVolume) volume = NULL;

    cbd_synth_params_init (&params, 128);
    params.cam_fraction = 0.3;
    volume = generate (&params, NULL);
    cbd_volume_histogram (volume, counts);
    g_assert_cmpfloat (fabs (counts[CBD_SYNTH_CAM] / (double) cbd_volume_n_voxels (volume)
                             - 0.3), <, 0.07);
  }

  /* A box with no CAM asked for has none. */
  {
    CbdSynthParams params;
    g_autoptr(CbdVolume) volume = NULL;

    cbd_synth_params_init (&params, 48);
    params.cam_fraction = 0;
    volume = generate (&params, NULL);
    cbd_volume_histogram (volume, counts);
    g_assert_cmpuint (counts[CBD_SYNTH_CAM], ==, 0);
  }
}

static void
test_truth_span (void)
{
  gsize n;
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

  ensure_big ();
  n = cbd_volume_n_voxels (big_volume);
  for (gsize i = 0; i < n; i++)
    {
      lo = MIN (lo, big_field[i]);
      hi = MAX (hi, big_field[i]);
    }
  g_test_message ("truth field %.3f..%.3f", lo, hi);
  g_assert_cmpfloat (lo, >=, 0.10 - 1e-6);
  g_assert_cmpfloat (hi, <=, 0.70 + 1e-6);
  g_assert_cmpfloat (lo, <=, 0.15);
  g_assert_cmpfloat (hi, >=, 0.60);
}

/* Exhaustive search with a summed-volume table of the CAM indicator. */
static void
test_cam_free_cubes (void)
{
  const gsize nx = 256, ny = 256, nz = 256, p = 257;
  g_autofree guint32 *sum = g_new0 (guint32, p * p * p);
  g_autoptr(GArray) origins = g_array_new (FALSE, FALSE, sizeof (gsize) * 3);
  gboolean distinct = FALSE;
  double pmin = 1, pmax = 0;

  ensure_big ();
  g_assert_cmpuint (big_volume->dims[0], ==, nx);
#define S(x, y, z) sum[(x) + p * ((y) + p * (gsize) (z))]
  for (gsize z = 1; z <= nz; z++)
    for (gsize y = 1; y <= ny; y++)
      for (gsize x = 1; x <= nx; x++)
        S (x, y, z) = (cbd_volume_get (big_volume, x - 1, y - 1, z - 1) == CBD_SYNTH_CAM)
                      + S (x - 1, y, z) + S (x, y - 1, z) + S (x, y, z - 1)
                      - S (x - 1, y - 1, z) - S (x - 1, y, z - 1) - S (x, y - 1, z - 1)
                      + S (x - 1, y - 1, z - 1);
  for (gsize z = 0; z + CUTOUT <= nz; z++)
    for (gsize y = 0; y + CUTOUT <= ny; y++)
      for (gsize x = 0; x + CUTOUT <= nx; x++)
        {
          gsize a = x + CUTOUT, b = y + CUTOUT, c = z + CUTOUT;
          gint64 cam = (gint64) S (a, b, c) - S (x, b, c) - S (a, y, c) - S (a, b, z)
                       + S (x, y, c) + S (x, b, z) + S (a, y, z) - S (x, y, z);

          if (cam == 0)
            {
              gsize o[3] = { x, y, z };

              g_array_append_val (origins, o);
            }
        }
#undef S
  g_test_message ("%u CAM-free 128^3 origins", origins->len);
  g_assert_cmpuint (origins->len, >=, 2);

  /* At least two of them barely overlap, and they differ in porosity. */
  for (guint i = 0; i < origins->len; i++)
    {
      const gsize *a = (const gsize *) origins->data + 3 * i;
      double mean = 0;

      for (guint j = i + 1; j < origins->len && !distinct; j++)
        {
          const gsize *b = (const gsize *) origins->data + 3 * j;
          double shared = 1;

          for (guint k = 0; k < 3; k++)
            shared *= MAX (0.0, CUTOUT - fabs ((double) a[k] - (double) b[k]));
          if (shared < 0.5 * CUTOUT * CUTOUT * CUTOUT)
            distinct = TRUE;
        }
      if (i % 97 != 0 && i + 1 != origins->len)
        continue;
      for (gsize z = a[2]; z < a[2] + CUTOUT; z += 4)
        for (gsize y = a[1]; y < a[1] + CUTOUT; y += 4)
          for (gsize x = a[0]; x < a[0] + CUTOUT; x += 4)
            mean += big_field[cbd_volume_index (big_volume, x, y, z)];
      mean /= (CUTOUT / 4) * (CUTOUT / 4) * (CUTOUT / 4);
      pmin = MIN (pmin, mean);
      pmax = MAX (pmax, mean);
    }
  g_test_message ("mean target porosity of CAM-free cubes %.3f..%.3f", pmin, pmax);
  g_assert_true (distinct);
  g_assert_cmpfloat (pmax - pmin, >, 0.08);
}

/* In 16^3 blocks without CAM (and no macropores), the measured pore
 * fraction follows the generator's target: block by block with the scatter
 * of a structure whose aggregates span several voxels, and closely once
 * averaged over blocks of similar target. */
#define N_BINS 6

static double
correlation (double n, double sx, double sy, double sxx, double syy, double sxy)
{
  return (n * sxy - sx * sy) / sqrt ((n * sxx - sx * sx) * (n * syy - sy * sy));
}

static void
test_porosity_tracks_truth (void)
{
  const gsize nb = 256 / BLOCK;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, count = 0, abs_err = 0;
  double bin_sum[N_BINS] = { 0 }, bin_truth[N_BINS] = { 0 }, bin_n[N_BINS] = { 0 };
  double bx_sum = 0, by_sum = 0, bxx = 0, byy = 0, bxy = 0, r, r_bins;
  guint used_bins = 0;
  double previous = -1;

  ensure_big ();
  for (gsize bz = 0; bz < nb; bz++)
    for (gsize by = 0; by < nb; by++)
      for (gsize bx = 0; bx < nb; bx++)
        {
          gsize pores = 0, cam = 0;
          double truth = 0;

          for (gsize z = bz * BLOCK; z < (bz + 1) * BLOCK; z++)
            for (gsize y = by * BLOCK; y < (by + 1) * BLOCK; y++)
              for (gsize x = bx * BLOCK; x < (bx + 1) * BLOCK; x++)
                {
                  gsize i = cbd_volume_index (plain_volume, x, y, z);
                  guint8 v = plain_volume->labels[i];

                  cam += v == CBD_SYNTH_CAM;
                  pores += v == CBD_SYNTH_PORE;
                  truth += plain_field[i];
                }
          if (cam > 0)
            continue;
          {
            double measured = pores / (double) (BLOCK * BLOCK * BLOCK);
            int bin;

            truth /= BLOCK * BLOCK * BLOCK;
            sx += truth;
            sy += measured;
            sxx += truth * truth;
            syy += measured * measured;
            sxy += truth * measured;
            abs_err += fabs (measured - truth);
            count++;
            bin = CLAMP ((int) ((truth - 0.10) / (0.60 / N_BINS)), 0, N_BINS - 1);
            bin_sum[bin] += measured;
            bin_truth[bin] += truth;
            bin_n[bin]++;
          }
        }
  g_assert_cmpfloat (count, >=, 100);
  r = correlation (count, sx, sy, sxx, syy, sxy);
  g_test_message ("%.0f CAM-free blocks, correlation %.3f, mean |error| %.3f",
                  count, r, abs_err / count);
  g_assert_cmpfloat (r, >, 0.55);
  g_assert_cmpfloat (abs_err / count, <, 0.12);

  for (guint b = 0; b < N_BINS; b++)
    {
      double measured, truth;

      if (bin_n[b] < 10)
        continue;
      measured = bin_sum[b] / bin_n[b];
      truth = bin_truth[b] / bin_n[b];
      g_test_message ("truth %.3f -> measured %.3f (%.0f blocks)", truth, measured,
                      bin_n[b]);
      g_assert_cmpfloat (fabs (measured - truth), <, 0.05);
      g_assert_cmpfloat (measured, >, previous);
      previous = measured;
      bx_sum += truth;
      by_sum += measured;
      bxx += truth * truth;
      byy += measured * measured;
      bxy += truth * measured;
      used_bins++;
    }
  g_assert_cmpuint (used_bins, >=, 4);
  r_bins = correlation (used_bins, bx_sum, by_sum, bxx, byy, bxy);
  g_test_message ("correlation of the bin means %.4f", r_bins);
  g_assert_cmpfloat (r_bins, >, 0.95);
}

/* Macropores add pore space without touching CAM. */
static void
test_macropores (void)
{
  guint64 with[256], without[256];

  ensure_big ();
  cbd_volume_histogram (big_volume, with);
  cbd_volume_histogram (plain_volume, without);
  g_test_message ("pore %" G_GUINT64_FORMAT " with macropores, %" G_GUINT64_FORMAT
                  " without", with[CBD_SYNTH_PORE], without[CBD_SYNTH_PORE]);
  g_assert_cmpuint (with[CBD_SYNTH_CAM], ==, without[CBD_SYNTH_CAM]);

  /* Carving turns the CBD's solid share (1 - target porosity) of each
   * macropore voxel into pore: weighting the converted voxels by the inverse
   * estimates the macropore volume, 5 % of the space outside CAM. */
  {
    gsize n = cbd_volume_n_voxels (big_volume);
    double carved = 0, share;

    for (gsize i = 0; i < n; i++)
      if (big_volume->labels[i] == CBD_SYNTH_PORE
          && plain_volume->labels[i] == CBD_SYNTH_CBD)
        carved += 1.0 / (1.0 - plain_field[i]);
    share = carved / (n - with[CBD_SYNTH_CAM]);
    g_test_message ("macropore share of the non-CAM space %.4f", share);
    g_assert_cmpfloat (fabs (share - 0.05), <, 0.015);
  }
  g_assert_cmpuint (with[CBD_SYNTH_PORE], >, without[CBD_SYNTH_PORE]
                    + cbd_volume_n_voxels (big_volume) / 100);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/synth/invalid", test_invalid);
  g_test_add_func ("/synth/cancel", test_cancel);
  g_test_add_func ("/synth/cancel-midway", test_cancel_midway);
  g_test_add_func ("/synth/determinism", test_determinism);
  g_test_add_func ("/synth/small-boxes", test_small_boxes);
  g_test_add_func ("/synth/labels-and-fractions", test_labels_and_fractions);
  g_test_add_func ("/synth/truth-span", test_truth_span);
  g_test_add_func ("/synth/cam-free-cubes", test_cam_free_cubes);
  g_test_add_func ("/synth/porosity-tracks-truth", test_porosity_tracks_truth);
  g_test_add_func ("/synth/macropores", test_macropores);

  status = g_test_run ();
  g_clear_pointer (&big_volume, cbd_volume_unref);
  g_clear_pointer (&plain_volume, cbd_volume_unref);
  g_clear_pointer (&big_field, g_free);
  g_clear_pointer (&plain_field, g_free);
  return status;
}
