/* cbd-study.c — cutouts of one stack, their analysis, the fit and the pore
 * size distributions over them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-study"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-porosimetry.h"
#include "cbd-solver.h"
#include "cbd-study-private.h"
#include "cbd-surface.h"

G_DEFINE_QUARK (cbd-study-error-quark, cbd_study_error)

/* Fewer rows per decade than cbd-porosimetry's default (40): sphere radii
 * on a voxel grid are square roots of whole numbers of voxels, so diameters
 * come in steps of up to 0.08 decades between 30 and 50 nm at 10 nm voxels;
 * finer bins leave empty rows between full ones and a spiky dV/dlogD. */
#define PSD_PER_DECADE 10

/* One cbd_study_fit() answer (the bootstrap makes a fit cost 1000
 * refits), kept for the next call while the results stay as they were. */
typedef struct
{
  gboolean      valid;
  guint64       serial;           /* results_serial it was computed at */
  gboolean      fit_ok;
  CbdFitResult  fit;
  GError       *fit_error;
  gboolean      summary_ok;       /* only computed when fit_ok */
  CbdFitSummary summary;
  GError       *summary_error;
} FitCache;

struct _CbdStudy
{
  gatomicrefcount   ref_count;
  GMutex            lock;              /* guards results and the stack PSD */

  /* The volume and what identifies it. */
  CbdVolume        *volume;            /* NULL until attached */
  char             *volume_path;
  char             *raw_spec;
  gsize             dims[3];
  double            voxel_nm[3];
  char             *labels_spec;
  CbdLabelMap       map;               /* resolved once a volume is attached */
  gboolean          map_resolved;
  guint64           phase_voxels[CBD_N_PHASES];
  gboolean          phase_voxels_known;  /* FALSE: filled in when attached */

  CbdStudySettings  settings;
  double           *diameters;         /* of every distribution, descending */
  gsize             n_diameters;

  GArray           *cutouts;           /* CbdCutout */
  GArray           *results;           /* CbdCutoutResult, one per cutout */
  /* Bumped whenever a result, a filter decision or the fit options change;
   * a cached fit holds while it is unchanged. */
  guint64           results_serial;
  FitCache          fit_cache[2];      /* [accepted_only] */
  guint             fit_computations;  /* fits not served from the cache */

  GArray           *stack_intruded;    /* guint64 per diameter, NULL when not computed */
  GArray           *stack_thickness;
  guint64           stack_pore_voxels;
  guint64           stack_voxels;

  CbdEnvelopeCache *envelope_cache;
};

/* ------------------------------------------------------------------------
 * Settings and results
 * ------------------------------------------------------------------------ */

void
cbd_study_settings_init (CbdStudySettings *settings)
{
  CbdSolverOptions solver;

  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof *settings);
  cbd_solver_options_init (&solver);
  settings->cutout_size = 128;
  cbd_envelope_options_init (&settings->envelope);
  cbd_filter_thresholds_init (&settings->filter);
  settings->solver_tolerance = solver.tolerance;
  settings->solver_max_iterations = solver.max_iterations;
  settings->surface_tension_n_per_m = CBD_MERCURY_SURFACE_TENSION_N_PER_M;
  settings->contact_angle_deg = CBD_MERCURY_CONTACT_ANGLE_DEG;
  settings->stack_psd = TRUE;
  cbd_fit_options_init (&settings->fit);
  settings->n_threads = 0;
}

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_INVALID, message);
  return FALSE;
}

gboolean
cbd_study_settings_validate (const CbdStudySettings *settings,
                             GError                **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (settings != NULL, FALSE);

  if (settings->cutout_size < 2 || settings->cutout_size > 100000)
    return invalid (error, "The cutout edge must lie between 2 and 100000 voxels (got %" G_GSIZE_FORMAT ")",
                    settings->cutout_size);
  if (settings->envelope.edge < settings->cutout_size)
    return invalid (error, "The envelope edge (%" G_GSIZE_FORMAT " voxels) must be at least the "
                    "cutout edge (%" G_GSIZE_FORMAT ")", settings->envelope.edge,
                    settings->cutout_size);
  if (!(settings->envelope.partition.sigma >= 0 && settings->envelope.partition.sigma <= 10))
    return invalid (error, "The partition's smoothing sigma must lie between 0 and 10 (got %g)",
                    settings->envelope.partition.sigma);
  if (!(settings->envelope.partition.r_max >= 1 && settings->envelope.partition.r_max <= 100))
    return invalid (error, "The partition's r_max must lie between 1 and 100 (got %g)",
                    settings->envelope.partition.r_max);
  if (!cbd_filter_thresholds_check (&settings->filter, &local_error))
    return invalid (error, "Filter: %s", local_error->message);
  if (!(settings->solver_tolerance > 0 && settings->solver_tolerance < 1))
    return invalid (error, "The solver tolerance must lie in (0, 1) (got %g)",
                    settings->solver_tolerance);
  if (settings->solver_max_iterations < 1)
    return invalid (error, "The solver needs at least one iteration");
  if (!(settings->surface_tension_n_per_m > 0 && isfinite (settings->surface_tension_n_per_m)))
    return invalid (error, "The surface tension must be positive (got %g N/m)",
                    settings->surface_tension_n_per_m);
  if (!(settings->contact_angle_deg > 90 && settings->contact_angle_deg <= 180))
    return invalid (error, "The contact angle must lie in (90, 180] degrees (got %g)",
                    settings->contact_angle_deg);
  if (!(settings->fit.std_floor_relative >= 0 && settings->fit.std_floor_relative < 10))
    return invalid (error, "The fit's spread floor must lie between 0 and 10 (got %g)",
                    settings->fit.std_floor_relative);
  if (!(settings->fit.confidence > 0 && settings->fit.confidence < 1))
    return invalid (error, "The fit's confidence must lie in (0, 1) (got %g)",
                    settings->fit.confidence);
  if (settings->fit.weighting != CBD_FIT_WEIGHT_SPREAD && settings->fit.weighting != CBD_FIT_WEIGHT_NONE)
    return invalid (error, "Unknown fit weighting %d", settings->fit.weighting);
  return TRUE;
}

/* Whether results computed under @a hold under @b. */
static gboolean
settings_same_results (const CbdStudySettings *a,
                       const CbdStudySettings *b)
{
  return a->envelope.edge == b->envelope.edge &&
         a->envelope.snap == b->envelope.snap &&
         a->envelope.partition.sigma == b->envelope.partition.sigma &&
         a->envelope.partition.r_max == b->envelope.partition.r_max &&
         memcmp (&a->filter, &b->filter, sizeof a->filter) == 0 &&
         a->solver_tolerance == b->solver_tolerance &&
         a->solver_max_iterations == b->solver_max_iterations;
}

void
cbd_cutout_result_init (CbdCutoutResult *result)
{
  g_return_if_fail (result != NULL);

  memset (result, 0, sizeof *result);
}

void
cbd_cutout_result_copy (const CbdCutoutResult *source,
                        CbdCutoutResult       *dest)
{
  g_return_if_fail (source != NULL && dest != NULL);

  if (source == dest)
    return;
  *dest = *source;
  if (dest->psd_intruded_voxels != NULL)
    g_array_ref (dest->psd_intruded_voxels);
  if (dest->psd_thickness_voxels != NULL)
    g_array_ref (dest->psd_thickness_voxels);
  if (dest->pore_table != NULL)
    cbd_envelope_ref (dest->pore_table);
}

void
cbd_cutout_result_clear (CbdCutoutResult *result)
{
  g_return_if_fail (result != NULL);

  g_clear_pointer (&result->psd_intruded_voxels, g_array_unref);
  g_clear_pointer (&result->psd_thickness_voxels, g_array_unref);
  g_clear_pointer (&result->pore_table, cbd_envelope_unref);
  memset (result, 0, sizeof *result);
}

gboolean
cbd_cutout_result_is_usable (const CbdCutoutResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);

  return result->finished && result->sigma_rel_mean > 0 && isfinite (result->sigma_rel_mean) &&
         result->porosity > 0;
}

gboolean
cbd_cutout_result_is_accepted (const CbdCutoutResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);

  return cbd_cutout_result_is_usable (result) && result->filter.accepted;
}

/* ------------------------------------------------------------------------
 * The study object
 * ------------------------------------------------------------------------ */

static CbdStudy *
study_alloc (const char *volume_path,
             const char *raw_spec)
{
  CbdStudy *study = g_new0 (CbdStudy, 1);

  g_atomic_ref_count_init (&study->ref_count);
  g_mutex_init (&study->lock);
  study->volume_path = g_strdup (volume_path);
  study->raw_spec = g_strdup (raw_spec != NULL && *raw_spec != '\0' ? raw_spec : NULL);
  cbd_study_settings_init (&study->settings);
  study->cutouts = cbd_cutouts_new ();
  study->results = g_array_new (FALSE, TRUE, sizeof (CbdCutoutResult));
  study->envelope_cache = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  return study;
}

static void
study_set_default_diameters (CbdStudy *study)
{
  double smallest = MIN (study->voxel_nm[0], MIN (study->voxel_nm[1], study->voxel_nm[2]));
  double largest = 0;

  for (guint axis = 0; axis < 3; axis++)
    largest = MAX (largest, study->dims[axis] * study->voxel_nm[axis]);
  g_free (study->diameters);
  study->diameters = cbd_porosimetry_log_diameters (MAX (largest, smallest), smallest,
                                                    PSD_PER_DECADE, &study->n_diameters);
}

/* The caller's histogram of @volume, or one made into @own: a pass over
 * the whole stack, which callers that have one already need not repeat. */
static const guint64 *
volume_histogram (const CbdVolume *volume,
                  const guint64   *histogram,
                  guint64          own[256])
{
  if (histogram != NULL)
    return histogram;
  cbd_volume_histogram (volume, own);
  return own;
}

/**
 * cbd_study_new:
 * @volume: the stack
 * @volume_path: (nullable): where it was read from
 * @raw_spec: (nullable): "NX,NY,NZ[:type]" when it is a raw file
 * @map: which stored labels are pore, CBD and CAM
 *
 * Returns: (transfer full): a study with default settings and no cutouts.
 */
CbdStudy *
cbd_study_new (CbdVolume         *volume,
               const char        *volume_path,
               const char        *raw_spec,
               const CbdLabelMap *map)
{
  return cbd_study_new_with_histogram (volume, volume_path, raw_spec, map, NULL);
}

CbdStudy *
cbd_study_new_with_histogram (CbdVolume         *volume,
                              const char        *volume_path,
                              const char        *raw_spec,
                              const CbdLabelMap *map,
                              const guint64     *histogram)
{
  CbdStudy *study;
  guint64 own[256];

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (map != NULL, NULL);

  study = study_alloc (volume_path, raw_spec);
  study->volume = cbd_volume_ref (volume);
  memcpy (study->dims, volume->dims, sizeof study->dims);
  memcpy (study->voxel_nm, volume->voxel_nm, sizeof study->voxel_nm);
  study->map = *map;
  study->map_resolved = TRUE;
  study->labels_spec = cbd_label_map_to_string (map, volume);
  cbd_label_map_phase_counts (map, volume_histogram (volume, histogram, own),
                              study->phase_voxels);
  study->phase_voxels_known = TRUE;
  study_set_default_diameters (study);
  return study;
}

CbdStudy *
cbd_study_new_detached (const char    *volume_path,
                        const char    *raw_spec,
                        const gsize    dims[3],
                        const double   voxel_nm[3],
                        const char    *labels_spec,
                        const guint64  phase_voxels[CBD_N_PHASES],
                        const double  *diameters_nm,
                        gsize          n_diameters)
{
  CbdStudy *study;

  g_return_val_if_fail (diameters_nm == NULL || n_diameters > 0, NULL);

  study = study_alloc (volume_path, raw_spec);
  memcpy (study->dims, dims, sizeof study->dims);
  memcpy (study->voxel_nm, voxel_nm, sizeof study->voxel_nm);
  study->labels_spec = g_strdup (labels_spec);
  cbd_label_map_init (&study->map);
  if (phase_voxels != NULL)
    {
      memcpy (study->phase_voxels, phase_voxels, sizeof study->phase_voxels);
      study->phase_voxels_known = TRUE;
    }
  if (diameters_nm != NULL)
    {
      study->diameters = g_memdup2 (diameters_nm, n_diameters * sizeof (double));
      study->n_diameters = n_diameters;
    }
  else
    study_set_default_diameters (study);
  return study;
}

CbdStudy *
cbd_study_ref (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);

  g_atomic_ref_count_inc (&study->ref_count);
  return study;
}

static void
fit_cache_clear (FitCache *cache)
{
  g_clear_error (&cache->fit_error);
  g_clear_error (&cache->summary_error);
  memset (cache, 0, sizeof *cache);
}

/* Every change to what the fit reads goes through here, so no cached fit
 * outlives the results it was computed from. */
static void
results_changed_locked (CbdStudy *study)
{
  study->results_serial++;
}

static void
clear_results_locked (CbdStudy *study)
{
  for (guint i = 0; i < study->results->len; i++)
    cbd_cutout_result_clear (&g_array_index (study->results, CbdCutoutResult, i));
  results_changed_locked (study);
}

void
cbd_study_unref (CbdStudy *study)
{
  g_return_if_fail (study != NULL);

  if (!g_atomic_ref_count_dec (&study->ref_count))
    return;
  clear_results_locked (study);
  g_array_unref (study->results);
  for (guint i = 0; i < G_N_ELEMENTS (study->fit_cache); i++)
    fit_cache_clear (&study->fit_cache[i]);
  g_array_unref (study->cutouts);
  g_clear_pointer (&study->stack_intruded, g_array_unref);
  g_clear_pointer (&study->stack_thickness, g_array_unref);
  g_clear_pointer (&study->envelope_cache, cbd_envelope_cache_unref);
  g_clear_pointer (&study->volume, cbd_volume_unref);
  g_free (study->volume_path);
  g_free (study->raw_spec);
  g_free (study->labels_spec);
  g_free (study->diameters);
  g_mutex_clear (&study->lock);
  g_free (study);
}

CbdVolume *
cbd_study_get_volume (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return study->volume;
}

const char *
cbd_study_get_volume_path (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return study->volume_path;
}

const char *
cbd_study_get_raw_spec (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return study->raw_spec;
}

void
cbd_study_get_dims (CbdStudy *study,
                    gsize     dims[3],
                    double    voxel_nm[3])
{
  g_return_if_fail (study != NULL);

  if (dims != NULL)
    memcpy (dims, study->dims, sizeof study->dims);
  if (voxel_nm != NULL)
    memcpy (voxel_nm, study->voxel_nm, sizeof study->voxel_nm);
}

/* Before a volume is attached the map is the spec read without one: right
 * for 8-bit data, whose stored labels are the raw values. */
const CbdLabelMap *
cbd_study_get_label_map (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);

  if (!study->map_resolved && study->labels_spec != NULL)
    {
      CbdLabelMap map;

      if (cbd_label_map_parse (&map, study->labels_spec, NULL, NULL))
        study->map = map;
    }
  return &study->map;
}

const char *
cbd_study_get_labels_spec (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return study->labels_spec;
}

gboolean
cbd_study_get_phase_voxels (CbdStudy *study,
                            guint64   phase_voxels[CBD_N_PHASES])
{
  g_return_val_if_fail (study != NULL, FALSE);
  memcpy (phase_voxels, study->phase_voxels, sizeof study->phase_voxels);
  return study->phase_voxels_known;
}

gboolean
cbd_study_attach_volume (CbdStudy  *study,
                         CbdVolume *volume,
                         GError   **error)
{
  return cbd_study_attach_volume_with_histogram (study, volume, NULL, error);
}

gboolean
cbd_study_attach_volume_with_histogram (CbdStudy      *study,
                                        CbdVolume     *volume,
                                        const guint64 *histogram,
                                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *name = study->volume_path != NULL ? study->volume_path : "The volume";
  guint64 phase_voxels[CBD_N_PHASES], own[256];
  const guint64 *counts;
  CbdLabelMap map;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint axis = 0; axis < 3; axis++)
    if (volume->dims[axis] != study->dims[axis])
      {
        g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH,
                     "%s has %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                     " voxels, but the study was made on %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                     " x %" G_GSIZE_FORMAT, name, volume->dims[0], volume->dims[1],
                     volume->dims[2], study->dims[0], study->dims[1], study->dims[2]);
        return FALSE;
      }
  for (guint axis = 0; axis < 3; axis++)
    if (fabs (volume->voxel_nm[axis] - study->voxel_nm[axis]) > 1e-9 * study->voxel_nm[axis])
      {
        g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH,
                     "%s has voxels of %g x %g x %g nm, but the study was made with %g x %g x %g nm",
                     name, volume->voxel_nm[0], volume->voxel_nm[1], volume->voxel_nm[2],
                     study->voxel_nm[0], study->voxel_nm[1], study->voxel_nm[2]);
        return FALSE;
      }
  counts = volume_histogram (volume, histogram, own);
  if (study->labels_spec == NULL)
    {
      /* a project that names no map: the automatic one */
      if (!cbd_label_map_guess (&map, counts, &local_error))
        {
          g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH,
                       "%s: the study names no label map and none can be guessed: %s", name,
                       local_error->message);
          return FALSE;
        }
    }
  else if (!cbd_label_map_parse (&map, study->labels_spec, volume, &local_error))
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH,
                   "%s does not fit the study's label map: %s", name, local_error->message);
      return FALSE;
    }
  cbd_label_map_phase_counts (&map, counts, phase_voxels);
  if (study->phase_voxels_known &&
      memcmp (phase_voxels, study->phase_voxels, sizeof phase_voxels) != 0)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_VOLUME_MISMATCH,
                   "%s is not the volume the study was made on: it holds %" G_GUINT64_FORMAT
                   " pore, %" G_GUINT64_FORMAT " CBD and %" G_GUINT64_FORMAT " CAM voxels, the "
                   "study recorded %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " and %"
                   G_GUINT64_FORMAT, name, phase_voxels[CBD_PHASE_PORE],
                   phase_voxels[CBD_PHASE_CBD], phase_voxels[CBD_PHASE_CAM],
                   study->phase_voxels[CBD_PHASE_PORE], study->phase_voxels[CBD_PHASE_CBD],
                   study->phase_voxels[CBD_PHASE_CAM]);
      return FALSE;
    }

  g_clear_pointer (&study->volume, cbd_volume_unref);
  study->volume = cbd_volume_ref (volume);
  study->map = map;
  study->map_resolved = TRUE;
  if (study->labels_spec == NULL)
    study->labels_spec = cbd_label_map_to_string (&map, volume);
  memcpy (study->phase_voxels, phase_voxels, sizeof phase_voxels);
  study->phase_voxels_known = TRUE;
  return TRUE;
}

static CbdVolume *
load_raw (const char *path, const char *raw_spec, GCancellable *cancellable, GError **error)
{
  gsize dims[3];
  CbdRawType type;

  if (!cbd_raw_layout_parse (raw_spec, dims, &type, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  return cbd_raw_read (path, dims, type, cancellable, error);
}

gboolean
cbd_study_load_volume (CbdStudy        *study,
                       GCancellable    *cancellable,
                       CbdProgressFunc  progress,
                       gpointer         progress_data,
                       GError         **error)
{
  g_autoptr(CbdVolume) volume = NULL;

  g_return_val_if_fail (study != NULL, FALSE);

  if (study->volume_path == NULL)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "The study records no volume file to load");
      return FALSE;
    }
  if (study->raw_spec != NULL)
    volume = load_raw (study->volume_path, study->raw_spec, cancellable, error);
  else
    volume = cbd_volume_load (study->volume_path, cancellable, progress, progress_data, error);
  return volume != NULL && cbd_study_attach_volume (study, volume, error);
}

const CbdStudySettings *
cbd_study_get_settings (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return &study->settings;
}

void
cbd_study_copy_settings (CbdStudy         *study,
                         CbdStudySettings *settings)
{
  g_return_if_fail (study != NULL);
  g_return_if_fail (settings != NULL);

  g_mutex_lock (&study->lock);
  *settings = study->settings;
  g_mutex_unlock (&study->lock);
}

gboolean
cbd_study_set_settings (CbdStudy               *study,
                        const CbdStudySettings *settings,
                        GError                **error)
{
  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);

  if (!cbd_study_settings_validate (settings, error))
    return FALSE;
  g_mutex_lock (&study->lock);
  if (!settings_same_results (&study->settings, settings))
    clear_results_locked (study);
  study->settings = *settings;
  /* the fit options may be new even when the results stay */
  results_changed_locked (study);
  g_mutex_unlock (&study->lock);
  return TRUE;
}

/* Whether @table is the partition the study's settings give cutout
 * @index, so that judging it is what a new analysis would find. Tables
 * travel with results (copies, projects), and the app puts results back
 * after changing sigma, r_max or the envelope. */
static gboolean
pore_table_fits_locked (CbdStudy          *study,
                        guint              index,
                        const CbdEnvelope *table)
{
  const CbdCutout *cutout = &g_array_index (study->cutouts, CbdCutout, index);
  const CbdEnvelopeOptions *options = &study->settings.envelope;
  const gsize size[3] = { cutout->size, cutout->size, cutout->size };
  gsize origin[3], box[3];
  guint faces;

  if (table->partition_options.sigma != options->partition.sigma ||
      table->partition_options.r_max != options->partition.r_max ||
      !cbd_envelope_box (study->dims, cutout->origin, size, options, origin, box, &faces, NULL))
    return FALSE;
  return memcmp (table->stack_dims, study->dims, sizeof study->dims) == 0 &&
         memcmp (table->voxel_nm, study->voxel_nm, sizeof study->voxel_nm) == 0 &&
         memcmp (table->origin, origin, sizeof origin) == 0 &&
         memcmp (table->size, box, sizeof box) == 0 &&
         memcmp (table->cutout_origin, cutout->origin, sizeof cutout->origin) == 0 &&
         memcmp (table->cutout_size, size, sizeof size) == 0 &&
         table->stack_faces == faces;
}

/* The slow way, for a result without a pore table (an older project's):
 * the envelope's partition from the cache, or computed. */
static CbdEnvelope *
compute_pore_table (CbdStudy                 *study,
                    guint                     index,
                    const gboolean            pore[256],
                    const CbdEnvelopeOptions *options,
                    GCancellable             *cancellable,
                    GError                  **error)
{
  const CbdCutout *cutout = &g_array_index (study->cutouts, CbdCutout, index);
  const gsize size[3] = { cutout->size, cutout->size, cutout->size };
  g_autoptr(CbdEnvelope) envelope = NULL;

  envelope = cbd_envelope_compute (study->volume, pore, cutout->origin, size, options,
                                   study->envelope_cache, cancellable, NULL, NULL, error);
  return envelope != NULL ? cbd_envelope_dup_table (envelope) : NULL;
}

gboolean
cbd_study_set_filter (CbdStudy                  *study,
                      const CbdFilterThresholds *thresholds,
                      GCancellable              *cancellable,
                      CbdProgressFunc            progress,
                      gpointer                   progress_data,
                      GError                   **error)
{
  g_autoptr(GArray) updated = g_array_new (FALSE, TRUE, sizeof (CbdFilterResult));
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func ((GDestroyNotify) cbd_envelope_unref);
  g_autoptr(GError) local_error = NULL;
  CbdEnvelopeOptions options;
  gboolean pore[256];
  guint n_without = 0;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (thresholds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cbd_filter_thresholds_check (thresholds, &local_error))
    return invalid (error, "Filter: %s", local_error->message);

  /* our own references: a worker may store a result again meanwhile */
  g_mutex_lock (&study->lock);
  for (guint i = 0; i < study->results->len; i++)
    {
      const CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult, i);

      if (!result->finished)
        continue;
      g_array_append_val (indices, i);
      g_ptr_array_add (tables, result->pore_table != NULL ? cbd_envelope_ref (result->pore_table)
                                                          : NULL);
      n_without += result->pore_table == NULL;
    }
  g_mutex_unlock (&study->lock);
  if (n_without > 0 && (study->volume == NULL || !study->map_resolved))
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "Filtering the cutouts again needs the volume loaded: %u of %u finished "
                   "cutouts have no pore table (a project of an older cbdscope)", n_without,
                   indices->len);
      return FALSE;
    }

  for (guint label = 0; label < 256; label++)
    pore[label] = study->map.phase[label] == CBD_PHASE_PORE;
  options = study->settings.envelope;
  options.partition.n_threads = study->settings.n_threads;
  for (guint k = 0; k < indices->len; k++)
    {
      CbdFilterResult filter;

      cbd_progress_report (progress, progress_data, "Filtering the cutouts again",
                           (double) k / indices->len);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (tables->pdata[k] == NULL)
        {
          tables->pdata[k] = compute_pore_table (study, g_array_index (indices, guint, k), pore,
                                                 &options, cancellable, error);
          if (tables->pdata[k] == NULL)
            return FALSE;
        }
      if (!cbd_filter_evaluate (tables->pdata[k], thresholds, NULL, NULL, &filter, error))
        return FALSE;
      g_array_append_val (updated, filter);
    }

  g_mutex_lock (&study->lock);
  for (guint k = 0; k < indices->len; k++)
    {
      CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult,
                                                g_array_index (indices, guint, k));

      /* the inputs do not change while this runs (see cbd-study.h), so the
       * new filter and table hold even for a result stored again meanwhile */
      if (!result->finished)
        continue;
      result->filter = g_array_index (updated, CbdFilterResult, k);
      if (result->pore_table == NULL)
        result->pore_table = cbd_envelope_ref (tables->pdata[k]);
    }
  study->settings.filter = *thresholds;
  results_changed_locked (study);
  g_mutex_unlock (&study->lock);
  cbd_progress_report (progress, progress_data, "Filtering the cutouts again", 1.0);
  return TRUE;
}

const double *
cbd_study_get_psd_diameters (CbdStudy *study,
                             gsize    *n_diameters)
{
  g_return_val_if_fail (study != NULL, NULL);

  if (n_diameters != NULL)
    *n_diameters = study->n_diameters;
  return study->diameters;
}

/* ------------------------------------------------------------------------
 * Cutouts
 * ------------------------------------------------------------------------ */

gboolean
cbd_study_set_cutouts (CbdStudy     *study,
                       const GArray *cutouts,
                       GError      **error)
{
  g_autoptr(GArray) copy = cbd_cutouts_new ();

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (cutouts != NULL, FALSE);

  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);
      CbdCutout item = *cutout;

      if (cutout->size < 2)
        return invalid (error, "Cutout %u has an edge of %" G_GSIZE_FORMAT " voxels; it needs "
                        "at least 2", i + 1, cutout->size);
      for (guint axis = 0; axis < 3; axis++)
        if (cutout->origin[axis] > study->dims[axis] ||
            cutout->size > study->dims[axis] - cutout->origin[axis])
          return invalid (error, "Cutout %u (origin %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%"
                          G_GSIZE_FORMAT ", edge %" G_GSIZE_FORMAT ") does not fit in the volume "
                          "of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                          " voxels", i + 1, cutout->origin[0], cutout->origin[1],
                          cutout->origin[2], cutout->size, study->dims[0], study->dims[1],
                          study->dims[2]);
      item.name = g_strdup (cutout->name);
      g_array_append_val (copy, item);
    }

  g_mutex_lock (&study->lock);
  clear_results_locked (study);
  g_array_set_size (study->results, 0);
  g_array_set_size (study->results, copy->len);
  g_array_unref (study->cutouts);
  study->cutouts = g_steal_pointer (&copy);
  g_mutex_unlock (&study->lock);
  return TRUE;
}

guint
cbd_study_get_n_cutouts (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, 0);
  return study->cutouts->len;
}

const CbdCutout *
cbd_study_get_cutout (CbdStudy *study,
                      guint     index)
{
  g_return_val_if_fail (study != NULL, NULL);
  g_return_val_if_fail (index < study->cutouts->len, NULL);
  return &g_array_index (study->cutouts, CbdCutout, index);
}

guint
cbd_study_find_cutouts (CbdStudy        *study,
                        guint            n_wanted,
                        guint64         *n_free,
                        GCancellable    *cancellable,
                        CbdProgressFunc  progress,
                        gpointer         progress_data,
                        GError         **error)
{
  g_autoptr(CbdFreeOrigins) origins = NULL;
  g_autoptr(GArray) chosen = NULL;
  const CbdLabelMap *map;
  gboolean forbidden[256];
  gsize edge;

  g_return_val_if_fail (study != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (study->volume == NULL)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "Finding cutouts needs the volume loaded");
      return 0;
    }
  edge = study->settings.cutout_size;
  map = cbd_study_get_label_map (study);
  for (guint label = 0; label < 256; label++)
    forbidden[label] = map->phase[label] == CBD_PHASE_CAM;

  origins = cbd_free_origins_find (study->volume, forbidden, edge, study->settings.n_threads,
                                   cancellable, progress, progress_data, error);
  if (origins == NULL)
    return 0;
  if (n_free != NULL)
    *n_free = origins->n_free;
  if (origins->n_free == 0)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_CUTOUTS,
                   "No cube of %" G_GSIZE_FORMAT " voxels in the volume is free of CAM%s", edge,
                   edge > MIN (study->dims[0], MIN (study->dims[1], study->dims[2]))
                     ? " (it is larger than the volume)" : "; try a smaller cutout edge");
      return 0;
    }
  chosen = cbd_free_origins_select (origins, n_wanted, 0, cancellable, error);
  if (chosen == NULL)
    return 0;
  for (guint i = 0; i < chosen->len; i++)
    {
      CbdCutout *cutout = &g_array_index (chosen, CbdCutout, i);

      g_free (cutout->name);
      cutout->name = g_strdup_printf ("c%03u", i + 1);
    }
  if (!cbd_study_set_cutouts (study, chosen, error))
    return 0;
  return chosen->len;
}

/* ------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------ */

gboolean
cbd_study_get_result (CbdStudy        *study,
                      guint            index,
                      CbdCutoutResult *result)
{
  gboolean finished;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  g_mutex_lock (&study->lock);
  if (index >= study->results->len)
    {
      g_mutex_unlock (&study->lock);
      cbd_cutout_result_init (result);
      g_return_val_if_reached (FALSE);
    }
  cbd_cutout_result_copy (&g_array_index (study->results, CbdCutoutResult, index), result);
  finished = result->finished;
  g_mutex_unlock (&study->lock);
  return finished;
}

void
cbd_study_set_result (CbdStudy              *study,
                      guint                  index,
                      const CbdCutoutResult *result)
{
  CbdCutoutResult *slot;

  g_return_if_fail (study != NULL);
  g_return_if_fail (result != NULL);

  g_mutex_lock (&study->lock);
  if (index >= study->results->len)
    {
      g_mutex_unlock (&study->lock);
      g_return_if_reached ();
    }
  slot = &g_array_index (study->results, CbdCutoutResult, index);
  if (slot != result)
    {
      cbd_cutout_result_clear (slot);
      cbd_cutout_result_copy (result, slot);
      if (slot->pore_table != NULL && !pore_table_fits_locked (study, index, slot->pore_table))
        g_clear_pointer (&slot->pore_table, cbd_envelope_unref);
      results_changed_locked (study);
    }
  g_mutex_unlock (&study->lock);
}

void
cbd_study_clear_results (CbdStudy *study)
{
  g_return_if_fail (study != NULL);

  g_mutex_lock (&study->lock);
  clear_results_locked (study);
  g_mutex_unlock (&study->lock);
}

/* One lock for all cutouts: a list refreshed on every progress tick would
 * otherwise take it, and copy a result, once per cutout. */
GArray *
cbd_study_get_summaries (CbdStudy *study)
{
  GArray *summaries;

  g_return_val_if_fail (study != NULL, NULL);

  g_mutex_lock (&study->lock);
  summaries = g_array_sized_new (FALSE, FALSE, sizeof (CbdCutoutSummary), study->results->len);
  for (guint i = 0; i < study->results->len; i++)
    {
      const CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult, i);
      CbdCutoutSummary summary = { FALSE, FALSE, NAN, NAN, NAN };

      if (result->finished)
        {
          summary.finished = TRUE;
          summary.accepted = cbd_cutout_result_is_accepted (result);
          summary.sigma_rel_mean = result->sigma_rel_mean;
          summary.sigma_rel_std = result->sigma_rel_std;
          summary.tau_mean = result->tau_mean;
        }
      g_array_append_val (summaries, summary);
    }
  g_mutex_unlock (&study->lock);
  return summaries;
}

void
cbd_study_count (CbdStudy *study,
                 guint    *n_finished,
                 guint    *n_accepted)
{
  guint finished, usable, accepted;

  g_return_if_fail (study != NULL);

  cbd_study_count_results (study, &finished, &usable, &accepted);
  if (n_finished != NULL)
    *n_finished = finished;
  if (n_accepted != NULL)
    *n_accepted = accepted;
}

void
cbd_study_count_results (CbdStudy *study,
                         guint    *finished,
                         guint    *usable,
                         guint    *accepted)
{
  *finished = *usable = *accepted = 0;
  g_mutex_lock (&study->lock);
  for (guint i = 0; i < study->results->len; i++)
    {
      const CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult, i);

      *finished += result->finished;
      *usable += cbd_cutout_result_is_usable (result);
      *accepted += cbd_cutout_result_is_accepted (result);
    }
  g_mutex_unlock (&study->lock);
}

/* ------------------------------------------------------------------------
 * Analysis of one cutout
 * ------------------------------------------------------------------------ */

/* Maps a stage's own 0..1 progress into [lo, hi] of the caller's. */
typedef struct
{
  CbdProgressFunc func;
  gpointer        data;
  double          lo, hi;
  char            stage[128];
} SubProgress;

/* @progress with its fraction mapped into [lo, hi], its stage kept. */
static void
range_forward (const CbdProgress *progress,
               gpointer           user_data)
{
  SubProgress *sub = user_data;
  CbdProgress out = *progress;

  out.fraction = progress->fraction < 0
                   ? sub->lo
                   : sub->lo + (sub->hi - sub->lo) * CLAMP (progress->fraction, 0.0, 1.0);
  sub->func (&out, sub->data);
}

/* The same under the stage SubProgress.stage names. */
static void
sub_progress_forward (const CbdProgress *progress,
                      gpointer           user_data)
{
  SubProgress *sub = user_data;
  CbdProgress out = *progress;

  out.stage = sub->stage;
  range_forward (&out, sub);
}

/* Sets the stage and range and reports its start; returns the callback to
 * hand down (NULL when nobody listens). */
static CbdProgressFunc G_GNUC_PRINTF (4, 5)
sub_progress_begin (SubProgress *sub,
                    double       lo,
                    double       hi,
                    const char  *format,
                    ...)
{
  va_list args;

  if (sub->func == NULL)
    return NULL;
  va_start (args, format);
  g_vsnprintf (sub->stage, sizeof sub->stage, format, args);
  va_end (args);
  sub->lo = lo;
  sub->hi = hi;
  cbd_progress_report (sub->func, sub->data, sub->stage, lo);
  return sub_progress_forward;
}

/* Mean and sample standard deviation (divisor n - 1) of three values. */
static void
mean_std3 (const double values[3], double *mean, double *std)
{
  double m = (values[0] + values[1] + values[2]) / 3.0;
  double s = 0;

  for (guint i = 0; i < 3; i++)
    s += (values[i] - m) * (values[i] - m);
  *mean = m;
  *std = isfinite (m) ? sqrt (s / 2.0) : NAN;
  if (!isfinite (m))
    *mean = NAN;
}

void
cbd_cutout_result_derive (CbdCutoutResult *result)
{
  double pore_sigma[3], pore_tau[3], cbd_sigma[3];

  result->converged = TRUE;
  result->dropped_fraction = 0;
  for (guint axis = 0; axis < 3; axis++)
    {
      pore_sigma[axis] = result->pore[axis].sigma_rel;
      pore_tau[axis] = result->pore[axis].tau;
      cbd_sigma[axis] = result->cbd[axis].sigma_rel;
      result->dropped_fraction = MAX (result->dropped_fraction, result->pore[axis].dropped_fraction);
      result->converged &= result->pore[axis].converged && result->cbd[axis].converged;
    }
  mean_std3 (pore_sigma, &result->sigma_rel_mean, &result->sigma_rel_std);
  mean_std3 (pore_tau, &result->tau_mean, &result->tau_std);
  mean_std3 (cbd_sigma, &result->cbd_sigma_rel_mean, &result->cbd_sigma_rel_std);
}

/* The solver's progress within [lo, hi], its stage ("Solving along x")
 * after the cutout and phase (SubProgress.stage). */
static void
solver_forward (const CbdProgress *progress,
                gpointer           user_data)
{
  SubProgress *sub = user_data;
  CbdProgress out = *progress;
  char stage[192];

  g_snprintf (stage, sizeof stage, "%s, %c%s", sub->stage,
              g_ascii_tolower (progress->stage[0]), progress->stage + (progress->stage[0] != '\0'));
  out.stage = stage;
  range_forward (&out, sub);
}

/* The three axes in one call, which shares the cluster search and the
 * linear system between them. */
static gboolean
solve_phase (const CbdVolume        *cutout_volume,
             const gboolean          phase[256],
             const char             *phase_name,
             const char             *cutout_name,
             const CbdSolverOptions *options,
             CbdStudyAxis            axes[3],
             SubProgress            *sub,
             double                  lo,
             double                  hi,
             GCancellable           *cancellable,
             GError                **error)
{
  static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };
  CbdAxisResult results[3];
  gboolean listening = sub_progress_begin (sub, lo, hi, "%s: %s transport", cutout_name,
                                           phase_name) != NULL;

  if (!cbd_solver_solve_axes (cutout_volume, phase, all_axes, options, results, cancellable,
                              listening ? solver_forward : NULL, sub, error))
    return FALSE;
  for (guint axis = 0; axis < 3; axis++)
    {
      const CbdAxisResult *result = &results[axis];

      axes[axis].percolating = result->percolating;
      axes[axis].converged = result->converged || !result->percolating;
      axes[axis].sigma_rel = result->percolating ? result->sigma_rel : 0.0;
      axes[axis].tau = result->percolating ? result->tau : NAN;
      axes[axis].dropped_fraction = result->dropped_fraction;
      axes[axis].iterations = result->iterations;
      axes[axis].seconds = result->seconds;
    }
  return TRUE;
}

static GArray *
counts_array (const guint64 *counts, gsize n)
{
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);

  g_array_append_vals (array, counts, n);
  return array;
}

gboolean
cbd_study_analyze_cutout (CbdStudy        *study,
                          guint            index,
                          CbdCutoutResult *result_out,
                          GCancellable    *cancellable,
                          CbdProgressFunc  progress,
                          gpointer         progress_data,
                          GError         **error)
{
  g_auto(CbdCutoutResult) result = { 0 };
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdVolume) cutout_volume = NULL;
  g_autoptr(CbdEnvelope) envelope = NULL;
  g_autoptr(CbdEnvelopeCache) cache = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  g_autofree char *name = NULL;
  SubProgress sub = { progress, progress_data, 0, 0, "" };
  CbdStudySettings settings;
  CbdSolverOptions solver;
  CbdPorosimetryOptions porosimetry;
  CbdSurfaceResult surface;
  CbdEnvelopeOptions envelope_options;
  CbdLabelMap map;
  gboolean pore[256], cbd[256];
  gsize origin[3], size[3];
  const CbdCutout *cutout;
  guint64 n_pore = 0, n_cbd = 0, n_voxels;
  gint64 start = g_get_monotonic_time (), stage_start;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Inputs only change while no analysis runs, but copy what is used. */
  g_mutex_lock (&study->lock);
  if (index >= study->cutouts->len)
    {
      g_mutex_unlock (&study->lock);
      return invalid (error, "No cutout %u: the study has %u", index + 1, study->cutouts->len);
    }
  if (study->volume == NULL || !study->map_resolved)
    {
      g_mutex_unlock (&study->lock);
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "Analysing a cutout needs the volume loaded");
      return FALSE;
    }
  volume = cbd_volume_ref (study->volume);
  cache = study->envelope_cache != NULL ? cbd_envelope_cache_ref (study->envelope_cache) : NULL;
  settings = study->settings;
  map = study->map;
  cutout = &g_array_index (study->cutouts, CbdCutout, index);
  name = cutout->name != NULL ? g_strdup (cutout->name) : g_strdup_printf ("cutout %u", index + 1);
  for (guint axis = 0; axis < 3; axis++)
    {
      origin[axis] = cutout->origin[axis];
      size[axis] = cutout->size;
    }
  g_mutex_unlock (&study->lock);

  for (guint label = 0; label < 256; label++)
    {
      pore[label] = map.phase[label] == CBD_PHASE_PORE;
      cbd[label] = map.phase[label] == CBD_PHASE_CBD;
    }

  cutout_volume = cbd_volume_crop (volume, origin, size, error);
  if (cutout_volume == NULL)
    return FALSE;
  n_voxels = cbd_volume_n_voxels (cutout_volume);
  for (gsize i = 0; i < n_voxels; i++)
    {
      n_pore += pore[cutout_volume->labels[i]];
      n_cbd += cbd[cutout_volume->labels[i]];
    }
  result.voxels = n_voxels;
  result.porosity = (double) n_pore / n_voxels;
  result.cbd_fraction = (double) n_cbd / n_voxels;

  /* Transport: ions through the pore space, electrons through the CBD. */
  stage_start = g_get_monotonic_time ();
  cbd_solver_options_init (&solver);
  solver.tolerance = settings.solver_tolerance;
  solver.max_iterations = settings.solver_max_iterations;
  solver.n_threads = settings.n_threads;
  if (!solve_phase (cutout_volume, pore, "pore", name, &solver, result.pore, &sub, 0.0, 0.3,
                    cancellable, error) ||
      !solve_phase (cutout_volume, cbd, "CBD", name, &solver, result.cbd, &sub, 0.3, 0.5,
                    cancellable, error))
    return FALSE;
  cbd_cutout_result_derive (&result);
  result.seconds_transport = (g_get_monotonic_time () - stage_start) / 1e6;

  /* The envelope's partition and the macropore filter. */
  stage_start = g_get_monotonic_time ();
  envelope_options = settings.envelope;
  envelope_options.partition.n_threads = settings.n_threads;
  envelope = cbd_envelope_compute (volume, pore, origin, size, &envelope_options, cache,
                                   cancellable,
                                   sub_progress_begin (&sub, 0.5, 0.85, "%s: pore partition of the "
                                                       "envelope", name),
                                   &sub, error);
  if (envelope == NULL ||
      !cbd_filter_evaluate (envelope, &settings.filter, NULL, NULL, &result.filter, error))
    return FALSE;
  /* kept, so new thresholds need no partition (cbd_study_set_filter) */
  result.pore_table = cbd_envelope_dup_table (envelope);
  result.seconds_filter = (g_get_monotonic_time () - stage_start) / 1e6;

  /* Specific surface area of the pore-solid interface inside the cutout. */
  stage_start = g_get_monotonic_time ();
  if (!cbd_surface_measure (cutout_volume, pore, NULL, NULL, settings.n_threads, &surface,
                            cancellable,
                            sub_progress_begin (&sub, 0.85, 0.9, "%s: surface area", name), &sub,
                            error))
    return FALSE;
  result.ssa_faces_per_um = surface.ssa_faces_per_um;
  result.ssa_marching_per_um = surface.ssa_marching_per_um;
  result.seconds_surface = (g_get_monotonic_time () - stage_start) / 1e6;

  /* Simulated intrusion from the cutout's six faces, and local thickness. */
  stage_start = g_get_monotonic_time ();
  cbd_porosimetry_options_init (&porosimetry);
  porosimetry.surface_tension_n_per_m = settings.surface_tension_n_per_m;
  porosimetry.contact_angle_deg = settings.contact_angle_deg;
  porosimetry.n_threads = settings.n_threads;
  psd = cbd_psd_compute (cutout_volume, pore, &porosimetry, study->diameters, study->n_diameters,
                         cancellable,
                         sub_progress_begin (&sub, 0.9, 1.0, "%s: simulated intrusion", name),
                         &sub, error);
  if (psd == NULL)
    return FALSE;
  result.psd_intruded_voxels = counts_array (psd->intruded_voxels, psd->n_diameters);
  result.psd_thickness_voxels = counts_array (psd->local_thickness_voxels, psd->n_diameters);
  result.psd_pore_voxels = psd->n_pore_voxels;
  result.seconds_psd = (g_get_monotonic_time () - stage_start) / 1e6;

  result.seconds = (g_get_monotonic_time () - start) / 1e6;
  result.finished = TRUE;
  cbd_study_set_result (study, index, &result);
  if (result_out != NULL)
    cbd_cutout_result_copy (&result, result_out);
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * The whole stack's distribution, and the run over all cutouts
 * ------------------------------------------------------------------------ */

gboolean
cbd_study_compute_stack_psd (CbdStudy        *study,
                             GCancellable    *cancellable,
                             CbdProgressFunc  progress,
                             gpointer         progress_data,
                             GError         **error)
{
  g_autoptr(CbdPsd) psd = NULL;
  g_autoptr(GArray) intruded = NULL;
  g_autoptr(GArray) thickness = NULL;
  CbdPorosimetryOptions porosimetry;
  gboolean pore[256];

  g_return_val_if_fail (study != NULL, FALSE);

  if (study->volume == NULL || !study->map_resolved)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "The stack's pore size distribution needs the volume loaded");
      return FALSE;
    }
  for (guint label = 0; label < 256; label++)
    pore[label] = study->map.phase[label] == CBD_PHASE_PORE;
  cbd_porosimetry_options_init (&porosimetry);
  porosimetry.surface_tension_n_per_m = study->settings.surface_tension_n_per_m;
  porosimetry.contact_angle_deg = study->settings.contact_angle_deg;
  porosimetry.n_threads = study->settings.n_threads;
  psd = cbd_psd_compute (study->volume, pore, &porosimetry, study->diameters, study->n_diameters,
                         cancellable, progress, progress_data, error);
  if (psd == NULL)
    return FALSE;
  intruded = counts_array (psd->intruded_voxels, psd->n_diameters);
  thickness = counts_array (psd->local_thickness_voxels, psd->n_diameters);
  cbd_study_set_stack_psd (study, intruded, thickness, psd->n_pore_voxels, psd->n_voxels);
  return TRUE;
}

gboolean
cbd_study_has_stack_psd (CbdStudy *study)
{
  gboolean has;

  g_return_val_if_fail (study != NULL, FALSE);

  g_mutex_lock (&study->lock);
  has = study->stack_intruded != NULL;
  g_mutex_unlock (&study->lock);
  return has;
}

void
cbd_study_set_stack_psd (CbdStudy *study,
                         GArray   *intruded_voxels,
                         GArray   *thickness_voxels,
                         guint64   pore_voxels,
                         guint64   voxels)
{
  g_return_if_fail (study != NULL);
  g_return_if_fail ((intruded_voxels == NULL) == (thickness_voxels == NULL));
  g_return_if_fail (intruded_voxels == NULL || (intruded_voxels->len == study->n_diameters &&
                                                thickness_voxels->len == study->n_diameters));

  g_mutex_lock (&study->lock);
  g_clear_pointer (&study->stack_intruded, g_array_unref);
  g_clear_pointer (&study->stack_thickness, g_array_unref);
  if (intruded_voxels != NULL)
    {
      study->stack_intruded = g_array_ref (intruded_voxels);
      study->stack_thickness = g_array_ref (thickness_voxels);
    }
  study->stack_pore_voxels = pore_voxels;
  study->stack_voxels = voxels;
  g_mutex_unlock (&study->lock);
}

static gboolean
stack_psd_counts (CbdStudy *study,
                  gboolean  take_refs,
                  GArray  **intruded_voxels,
                  GArray  **thickness_voxels,
                  guint64  *pore_voxels,
                  guint64  *voxels)
{
  gboolean has;

  g_return_val_if_fail (study != NULL, FALSE);

  g_mutex_lock (&study->lock);
  has = study->stack_intruded != NULL;
  if (intruded_voxels != NULL)
    *intruded_voxels = take_refs && has ? g_array_ref (study->stack_intruded) : study->stack_intruded;
  if (thickness_voxels != NULL)
    *thickness_voxels = take_refs && has ? g_array_ref (study->stack_thickness) : study->stack_thickness;
  if (pore_voxels != NULL)
    *pore_voxels = study->stack_pore_voxels;
  if (voxels != NULL)
    *voxels = study->stack_voxels;
  g_mutex_unlock (&study->lock);
  return has;
}

gboolean
cbd_study_get_stack_psd_counts (CbdStudy *study,
                                GArray  **intruded_voxels,
                                GArray  **thickness_voxels,
                                guint64  *pore_voxels,
                                guint64  *voxels)
{
  return stack_psd_counts (study, FALSE, intruded_voxels, thickness_voxels, pore_voxels, voxels);
}

gboolean
cbd_study_dup_stack_psd_counts (CbdStudy *study,
                                GArray  **intruded_voxels,
                                GArray  **thickness_voxels,
                                guint64  *pore_voxels,
                                guint64  *voxels)
{
  return stack_psd_counts (study, TRUE, intruded_voxels, thickness_voxels, pore_voxels, voxels);
}

gboolean
cbd_study_run (CbdStudy          *study,
               GCancellable      *cancellable,
               CbdProgressFunc    progress,
               gpointer           progress_data,
               CbdStudyCutoutFunc finished,
               gpointer           finished_data,
               GError           **error)
{
  g_autoptr(GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));
  SubProgress sub = { progress, progress_data, 0, 0, "" };
  gboolean stack_psd;
  guint n_steps;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (study->volume == NULL)
    {
      g_set_error (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                   "Running the study needs the volume loaded");
      return FALSE;
    }

  g_mutex_lock (&study->lock);
  for (guint i = 0; i < study->results->len; i++)
    if (!g_array_index (study->results, CbdCutoutResult, i).finished)
      g_array_append_val (todo, i);
  stack_psd = study->settings.stack_psd && study->stack_intruded == NULL;
  g_mutex_unlock (&study->lock);

  n_steps = todo->len + (stack_psd ? 1 : 0);
  for (guint step = 0; step < todo->len; step++)
    {
      guint index = g_array_index (todo, guint, step);
      g_auto(CbdCutoutResult) result = { 0 };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      /* the analysis names its own stages; only the range is set here */
      sub.lo = (double) step / n_steps;
      sub.hi = (double) (step + 1) / n_steps;
      if (!cbd_study_analyze_cutout (study, index, &result, cancellable,
                                     progress != NULL ? range_forward : NULL, &sub,
                                     error))
        return FALSE;
      if (finished != NULL)
        finished (study, index, &result, finished_data);
    }

  if (stack_psd)
    {
      CbdProgressFunc func;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      func = sub_progress_begin (&sub, (double) todo->len / n_steps, 1.0,
                                 "Simulated intrusion of the whole stack");
      if (!cbd_study_compute_stack_psd (study, cancellable, func, &sub, error))
        return FALSE;
    }
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Fit and distributions over the results
 * ------------------------------------------------------------------------ */

/* The fit's points; the caller holds the lock. @indices may be NULL. */
static void
collect_points_locked (CbdStudy *study,
                       gboolean  accepted_only,
                       GArray   *porosity,
                       GArray   *sigma_rel,
                       GArray   *sigma_rel_std,
                       GArray   *indices)
{
  for (guint i = 0; i < study->results->len; i++)
    {
      const CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult, i);

      if (accepted_only ? !cbd_cutout_result_is_accepted (result)
                        : !cbd_cutout_result_is_usable (result))
        continue;
      g_array_append_val (porosity, result->porosity);
      g_array_append_val (sigma_rel, result->sigma_rel_mean);
      g_array_append_val (sigma_rel_std, result->sigma_rel_std);
      if (indices != NULL)
        g_array_append_val (indices, i);
    }
}

guint
cbd_study_get_points (CbdStudy *study,
                      gboolean  accepted_only,
                      GArray  **porosity,
                      GArray  **sigma_rel,
                      GArray  **sigma_rel_std,
                      GArray  **indices)
{
  GArray *p = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *s = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *d = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *k = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n;

  g_return_val_if_fail (study != NULL, 0);

  g_mutex_lock (&study->lock);
  collect_points_locked (study, accepted_only, p, s, d, k);
  g_mutex_unlock (&study->lock);

  n = p->len;
#define HAND_OVER(out, array) \
  if (out != NULL) *out = array; else g_array_unref (array)
  HAND_OVER (porosity, p);
  HAND_OVER (sigma_rel, s);
  HAND_OVER (sigma_rel_std, d);
  HAND_OVER (indices, k);
#undef HAND_OVER
  return n;
}

/* Fits the points into @entry (no lock held: the bootstrap takes a while). */
static void
fit_cache_compute (FitCache            *entry,
                   const GArray        *porosity,
                   const GArray        *sigma,
                   const GArray        *std,
                   const CbdFitOptions *options)
{
  entry->fit_ok = cbd_fit_power_law ((const double *) porosity->data,
                                     (const double *) sigma->data, (const double *) std->data,
                                     NULL, porosity->len, options, &entry->fit, &entry->fit_error);
  if (entry->fit_ok)
    entry->summary_ok = cbd_fit_summarize ((const double *) porosity->data,
                                           (const double *) sigma->data, NULL, porosity->len,
                                           &entry->summary, &entry->summary_error);
}

static gboolean
fit_cache_answer (const FitCache *entry,
                  CbdFitResult   *fit,
                  CbdFitSummary  *summary,
                  GError        **error)
{
  if (!entry->fit_ok)
    {
      g_propagate_error (error, g_error_copy (entry->fit_error));
      return FALSE;
    }
  *fit = entry->fit;
  if (summary == NULL)
    return TRUE;
  if (!entry->summary_ok)
    {
      g_propagate_error (error, g_error_copy (entry->summary_error));
      return FALSE;
    }
  *summary = entry->summary;
  return TRUE;
}

gboolean
cbd_study_fit (CbdStudy      *study,
               gboolean       accepted_only,
               CbdFitResult  *fit,
               CbdFitSummary *summary,
               GError       **error)
{
  g_autoptr(GArray) porosity = NULL;
  g_autoptr(GArray) sigma = NULL;
  g_autoptr(GArray) std = NULL;
  FitCache *cache, fresh = { 0 };
  CbdFitOptions options;
  gboolean ok;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (fit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cache = &study->fit_cache[accepted_only ? 1 : 0];
  g_mutex_lock (&study->lock);
  if (cache->valid && cache->serial == study->results_serial)
    {
      ok = fit_cache_answer (cache, fit, summary, error);
      g_mutex_unlock (&study->lock);
      return ok;
    }
  porosity = g_array_new (FALSE, FALSE, sizeof (double));
  sigma = g_array_new (FALSE, FALSE, sizeof (double));
  std = g_array_new (FALSE, FALSE, sizeof (double));
  collect_points_locked (study, accepted_only, porosity, sigma, std, NULL);
  options = study->settings.fit;
  fresh.serial = study->results_serial;
  study->fit_computations++;
  g_mutex_unlock (&study->lock);

  fit_cache_compute (&fresh, porosity, sigma, std, &options);
  ok = fit_cache_answer (&fresh, fit, summary, error);

  g_mutex_lock (&study->lock);
  /* a result stored meanwhile makes this fit stale for the next caller */
  if (fresh.serial == study->results_serial)
    {
      fit_cache_clear (cache);
      *cache = fresh;
      cache->valid = TRUE;
    }
  else
    fit_cache_clear (&fresh);
  g_mutex_unlock (&study->lock);
  return ok;
}

guint
cbd_study_get_fit_computations (CbdStudy *study)
{
  guint n;

  g_return_val_if_fail (study != NULL, 0);

  g_mutex_lock (&study->lock);
  n = study->fit_computations;
  g_mutex_unlock (&study->lock);
  return n;
}

void
cbd_study_psd_free (CbdStudyPsd *psd)
{
  if (psd == NULL)
    return;
  g_free (psd->diameter_nm);
  g_free (psd->pressure_mpa);
  g_free (psd->intruded_fraction);
  g_free (psd->dv_dlogd);
  g_free (psd->thickness_cumulative);
  g_free (psd->thickness_dv_dlogd);
  g_free (psd);
}

/* The study's columns of cbd-porosimetry's distribution of the counts. */
static CbdStudyPsd *
psd_from_counts (const CbdStudy *study,
                 const guint64  *intruded,
                 const guint64  *thickness,
                 guint64         pore_voxels,
                 guint64         voxels,
                 guint           n_parts)
{
  g_autoptr(CbdPsd) counted = NULL;
  g_autoptr(GError) error = NULL;
  CbdPorosimetryOptions options;
  CbdStudyPsd *psd;
  gsize bytes = study->n_diameters * sizeof (double);

  cbd_porosimetry_options_init (&options);
  options.surface_tension_n_per_m = study->settings.surface_tension_n_per_m;
  options.contact_angle_deg = study->settings.contact_angle_deg;
  counted = cbd_psd_new_from_counts (study->diameters, study->n_diameters, intruded, thickness,
                                     pore_voxels, voxels, &options, &error);
  if (counted == NULL)
    {
      /* settings and diameters are checked when set, counts when read from a
       * project (cbd_psd_check_counts) or made: only memory fails */
      g_warning ("No pore size distribution: %s", error->message);
      return NULL;
    }
  psd = g_new0 (CbdStudyPsd, 1);
  psd->n_diameters = study->n_diameters;
  psd->diameter_nm = g_memdup2 (counted->diameter_nm, bytes);
  psd->pressure_mpa = g_memdup2 (counted->pressure_mpa, bytes);
  psd->intruded_fraction = g_memdup2 (counted->intruded_fraction, bytes);
  psd->dv_dlogd = g_memdup2 (counted->dv_dlogd, bytes);
  psd->thickness_cumulative = g_memdup2 (counted->local_thickness_cumulative, bytes);
  psd->thickness_dv_dlogd = g_memdup2 (counted->local_thickness_dv_dlogd, bytes);
  psd->pore_voxels = pore_voxels;
  psd->voxels = voxels;
  psd->n_parts = n_parts;
  return psd;
}

CbdStudyPsd *
cbd_study_get_psd (CbdStudy        *study,
                   CbdStudyPsdKind  kind)
{
  g_autofree guint64 *intruded = NULL;
  g_autofree guint64 *thickness = NULL;
  guint64 pore_voxels = 0, voxels = 0;
  guint n_parts = 0;
  CbdStudyPsd *psd;

  g_return_val_if_fail (study != NULL, NULL);

  intruded = g_new0 (guint64, study->n_diameters);
  thickness = g_new0 (guint64, study->n_diameters);
  g_mutex_lock (&study->lock);
  if (kind == CBD_STUDY_PSD_STACK)
    {
      if (study->stack_intruded != NULL)
        {
          memcpy (intruded, study->stack_intruded->data, study->n_diameters * sizeof (guint64));
          memcpy (thickness, study->stack_thickness->data, study->n_diameters * sizeof (guint64));
          pore_voxels = study->stack_pore_voxels;
          voxels = study->stack_voxels;
          n_parts = 1;
        }
    }
  else
    for (guint i = 0; i < study->results->len; i++)
      {
        const CbdCutoutResult *result = &g_array_index (study->results, CbdCutoutResult, i);

        if (!result->finished || result->psd_intruded_voxels == NULL ||
            (kind == CBD_STUDY_PSD_ACCEPTED && !cbd_cutout_result_is_accepted (result)))
          continue;
        for (gsize k = 0; k < study->n_diameters; k++)
          {
            intruded[k] += g_array_index (result->psd_intruded_voxels, guint64, k);
            thickness[k] += g_array_index (result->psd_thickness_voxels, guint64, k);
          }
        pore_voxels += result->psd_pore_voxels;
        voxels += result->voxels;
        n_parts++;
      }
  g_mutex_unlock (&study->lock);

  if (n_parts == 0)
    return NULL;
  psd = psd_from_counts (study, intruded, thickness, pore_voxels, voxels, n_parts);
  return psd;
}

CbdEnvelopeCache *
cbd_study_get_envelope_cache (CbdStudy *study)
{
  g_return_val_if_fail (study != NULL, NULL);
  return study->envelope_cache;
}

void
cbd_study_set_envelope_cache (CbdStudy         *study,
                              CbdEnvelopeCache *cache)
{
  g_return_if_fail (study != NULL);

  g_mutex_lock (&study->lock);
  if (cache != NULL)
    cbd_envelope_cache_ref (cache);
  g_clear_pointer (&study->envelope_cache, cbd_envelope_cache_unref);
  study->envelope_cache = cache;
  g_mutex_unlock (&study->lock);
}
