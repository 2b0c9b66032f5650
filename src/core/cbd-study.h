/* cbd-study.h — the whole method on one stack: a set of CAM-free cutouts,
 * each analysed for transport, pore partition and filter, surface area and
 * pore size distribution; the fit and the distributions over them
 *
 * A CbdStudy holds what a researcher chooses (the volume's path, the label
 * map, the cutouts, the settings) and what was computed from it (one
 * CbdCutoutResult per cutout, the whole stack's pore size distribution). It
 * is what the project file stores (cbd-project.h) and what the exports
 * write (cbd-study-export.h); the CLI's `analyze` and the desktop app drive
 * the same functions.
 *
 * Threads: the inputs (volume, labels, cutouts, settings) are changed only
 * while no analysis runs, by the thread that owns the study. Results are
 * guarded by a mutex: cbd_study_analyze_cutout() may run on several worker
 * threads at once (for different cutouts), while another thread reads
 * results with cbd_study_get_result() or saves the project.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-cutouts.h"
#include "cbd-envelope.h"
#include "cbd-filter.h"
#include "cbd-fit.h"
#include "cbd-labels.h"
#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_STUDY_ERROR (cbd_study_error_quark ())

typedef enum
{
  CBD_STUDY_ERROR_NO_VOLUME,        /* the operation needs the volume attached */
  CBD_STUDY_ERROR_VOLUME_MISMATCH,  /* the volume is not the one the study was made on */
  CBD_STUDY_ERROR_INVALID,          /* a bad setting, cutout or index */
  CBD_STUDY_ERROR_NO_CUTOUTS,       /* no CAM-free cube of the asked size exists */
  CBD_STUDY_ERROR_NO_MEMORY,
} CbdStudyError;

/* What every cutout is analysed with. Defaults from
 * cbd_study_settings_init(): the paper's 128^3 cutouts in 800^3 envelopes,
 * SNOW sigma 0.4 and r_max 4, the filter's own defaults, solver tolerance
 * 1e-6, mercury (0.48 N/m, 140 deg), the whole stack's distribution on,
 * the fit's defaults (spread weighting, 5 % floor, 95 %, 1000 bootstrap
 * resamples, seed 1). */
typedef struct
{
  gsize              cutout_size;       /* edge in voxels */
  CbdEnvelopeOptions envelope;          /* edge, snap, SNOW partition */
  CbdFilterThresholds filter;           /* macropore thresholds */
  double             solver_tolerance;  /* relative residual */
  guint              solver_max_iterations;
  double             surface_tension_n_per_m;  /* Washburn */
  double             contact_angle_deg;
  gboolean           stack_psd;         /* also intrude the whole stack */
  CbdFitOptions      fit;               /* for cbd_study_fit() */
  /* Not part of the study (never saved): how the work is done. */
  guint              n_threads;         /* 0: one per processor */
} CbdStudySettings;

/* One transport solve (one phase, one axis) of a cutout. */
typedef struct
{
  gboolean percolating;
  gboolean converged;
  double   sigma_rel;         /* sigma_eff / sigma_0; 0 when not percolating */
  double   tau;               /* eps / sigma_rel; NaN when not percolating */
  double   dropped_fraction;  /* phase voxels not connected to both faces, of all voxels */
  guint    iterations;
  double   seconds;
} CbdStudyAxis;

/* Everything measured on one cutout. Means and standard deviations are over
 * the three axes; the standard deviation is the sample one (divisor 2),
 * NaN when a mean is. A mean tau is NaN unless all three axes percolate. */
typedef struct
{
  gboolean     finished;

  /* Volume fractions inside the cutout. */
  double       porosity;
  double       cbd_fraction;          /* solid CBD */

  /* Ionic transport through the pore space. */
  CbdStudyAxis pore[3];
  double       sigma_rel_mean, sigma_rel_std;
  double       tau_mean, tau_std;
  double       dropped_fraction;      /* the largest of the three axes */

  /* Electronic transport through the solid CBD. */
  CbdStudyAxis cbd[3];
  double       cbd_sigma_rel_mean, cbd_sigma_rel_std;

  gboolean     converged;             /* all six solves */

  /* Partition of the envelope and macropore filter (cbd-filter.h). */
  CbdFilterResult filter;
  /* The envelope's pore table (cbd_envelope_dup_table()): new thresholds
   * are judged from it without partitioning again. Refcounted and never
   * changed (copies of a result share it); NULL when unknown, e.g. for a
   * result read from an older project. One read from a project holds only
   * the pore fields the filter reads (see cbd-envelope.h). A stored result
   * only keeps one of the study's current partition (see
   * cbd_study_set_result()). */
  CbdEnvelope *pore_table;

  /* Specific surface area of the pore-solid interface, per cutout volume. */
  double       ssa_faces_per_um;
  double       ssa_marching_per_um;

  /* Simulated intrusion and local thickness of the cutout's pore space
   * (mercury entering through all six faces), on the study's diameters:
   * cumulative voxel counts, refcounted and never changed once set (copies
   * of a result share them). NULL when not finished. */
  GArray      *psd_intruded_voxels;   /* guint64: intruded at d_k or larger */
  GArray      *psd_thickness_voxels;  /* guint64: local thickness >= d_k */
  guint64      psd_pore_voxels;
  guint64      voxels;

  /* Wall-clock seconds of each stage and in all. */
  double       seconds_transport;
  double       seconds_filter;
  double       seconds_surface;
  double       seconds_psd;
  double       seconds;
} CbdCutoutResult;

/* What a list of cutouts shows of a result (cbd_study_get_summaries()). */
typedef struct
{
  gboolean finished;
  gboolean accepted;          /* cbd_cutout_result_is_accepted() */
  double   sigma_rel_mean;    /* NaN when not finished */
  double   sigma_rel_std;
  double   tau_mean;
} CbdCutoutSummary;

/* A pore size distribution as columns over the study's diameters
 * (descending); row 0 has no interval below it, so its densities are NaN.
 * Fractions are of the pore volume. See cbd_study_get_psd(). */
typedef struct
{
  gsize    n_diameters;
  double  *diameter_nm;
  double  *pressure_mpa;
  double  *intruded_fraction;            /* cumulative: intruded at d_k or larger */
  double  *dv_dlogd;                     /* (F_k - F_{k-1}) / log10 (d_{k-1} / d_k) */
  double  *thickness_cumulative;         /* local thickness >= d_k */
  double  *thickness_dv_dlogd;
  guint64  pore_voxels;
  guint64  voxels;
  guint    n_parts;                      /* cutouts merged (1 for the stack) */
} CbdStudyPsd;

typedef enum
{
  CBD_STUDY_PSD_STACK,      /* the whole stack */
  CBD_STUDY_PSD_ACCEPTED,   /* the union of the accepted cutouts */
  CBD_STUDY_PSD_FINISHED,   /* the union of every finished cutout */
} CbdStudyPsdKind;

typedef struct _CbdStudy CbdStudy;

/* Called after each cutout cbd_study_run() finishes, on the thread running
 * it; @result is the stored copy's contents (valid during the call). */
typedef void (*CbdStudyCutoutFunc) (CbdStudy              *study,
                                    guint                  index,
                                    const CbdCutoutResult *result,
                                    gpointer               user_data);

GQuark      cbd_study_error_quark        (void);
void        cbd_study_settings_init      (CbdStudySettings *settings);
/* FALSE with a message naming the setting when one is out of range. */
gboolean    cbd_study_settings_validate  (const CbdStudySettings *settings,
                                          GError               **error);

/* Results: a deep copy shares the PSD arrays and the pore table; clear
 * frees them. */
void        cbd_cutout_result_init       (CbdCutoutResult       *result);
void        cbd_cutout_result_copy       (const CbdCutoutResult *source,
                                          CbdCutoutResult       *dest);
void        cbd_cutout_result_clear      (CbdCutoutResult       *result);
/* Included in the correlation fit: finished, accepted by the filter and
 * with a percolating pore space (mean sigma_rel > 0). */
gboolean    cbd_cutout_result_is_accepted (const CbdCutoutResult *result);
/* Included in the fit over all cutouts: finished, mean sigma_rel > 0. */
gboolean    cbd_cutout_result_is_usable  (const CbdCutoutResult *result);

/* A study of @volume (which it keeps a reference to), read from
 * @volume_path (nullable: a volume made in memory; stored as given) with
 * @raw_spec (nullable; "NX,NY,NZ[:u8|u16le|u16be]" for raw files) and the
 * label map @map (stored label -> phase). Default settings, no cutouts. */
CbdStudy   *cbd_study_new                (CbdVolume         *volume,
                                          const char        *volume_path,
                                          const char        *raw_spec,
                                          const CbdLabelMap *map);
/* The same with @volume's histogram (cbd_volume_histogram()) when the
 * caller has it already (nullable: made here); it is trusted, so a pass
 * over the whole stack is saved. */
CbdStudy   *cbd_study_new_with_histogram (CbdVolume         *volume,
                                          const char        *volume_path,
                                          const char        *raw_spec,
                                          const CbdLabelMap *map,
                                          const guint64     *histogram);
CbdStudy   *cbd_study_ref                (CbdStudy          *study);
void        cbd_study_unref              (CbdStudy          *study);

/* The volume, NULL for a study loaded from a project until it is attached. */
CbdVolume  *cbd_study_get_volume         (CbdStudy          *study);
const char *cbd_study_get_volume_path    (CbdStudy          *study);
const char *cbd_study_get_raw_spec       (CbdStudy          *study);
void        cbd_study_get_dims           (CbdStudy          *study,
                                          gsize              dims[3],
                                          double             voxel_nm[3]);
const CbdLabelMap *cbd_study_get_label_map (CbdStudy        *study);
/* "pore=0,cbd=170,cam=85" in the volume's raw values; NULL for a project
 * that names no map, until a volume is attached (the map is guessed then). */
const char *cbd_study_get_labels_spec    (CbdStudy          *study);
/* Voxels of each CbdPhase in the whole volume, as recorded; FALSE (and
 * zeros) when a project recorded none and no volume is attached yet. */
gboolean    cbd_study_get_phase_voxels   (CbdStudy          *study,
                                          guint64            phase_voxels[CBD_N_PHASES]);

/* Attaches the volume to a study loaded from a project: it must have the
 * recorded size, voxel size and voxels per phase (under the recorded label
 * values; a project without them takes the volume's), else
 * CBD_STUDY_ERROR_VOLUME_MISMATCH. */
gboolean    cbd_study_attach_volume      (CbdStudy          *study,
                                          CbdVolume         *volume,
                                          GError           **error);
/* The same with @volume's histogram, as for cbd_study_new_with_histogram(). */
gboolean    cbd_study_attach_volume_with_histogram (CbdStudy      *study,
                                                    CbdVolume     *volume,
                                                    const guint64 *histogram,
                                                    GError       **error);
/* Loads the recorded path (a TIFF, a folder of TIFFs or raw per the raw
 * spec) and attaches it. */
gboolean    cbd_study_load_volume        (CbdStudy          *study,
                                          GCancellable      *cancellable,
                                          CbdProgressFunc    progress,
                                          gpointer           progress_data,
                                          GError           **error);

/* The settings themselves, for a study no other thread changes meanwhile;
 * cbd_study_copy_settings() takes the study's lock. */
const CbdStudySettings *cbd_study_get_settings (CbdStudy    *study);
void        cbd_study_copy_settings      (CbdStudy          *study,
                                          CbdStudySettings  *settings);
/* Validates and copies. A change of anything the results depend on (all but
 * n_threads, the fit and the Washburn parameters, which only convert
 * diameters to pressures) discards every result; to change only the filter
 * thresholds and keep the rest, use cbd_study_set_filter(). */
gboolean    cbd_study_set_settings       (CbdStudy               *study,
                                          const CbdStudySettings *settings,
                                          GError                **error);

/* New macropore thresholds for the study and every finished cutout, without
 * redoing anything else. A cutout with a pore table (analysed, or read
 * from a project, by this version) is judged from it in microseconds; one
 * without (an older project's) needs the volume attached: its envelope
 * partition comes from the envelope cache or is computed (minutes for an
 * 800^3 envelope), and its pore table is kept for the next time. So a
 * study whose finished cutouts all have one is filtered again even
 * without its volume. All or nothing: on an error or cancellation
 * neither the thresholds nor any result change. */
gboolean    cbd_study_set_filter         (CbdStudy                  *study,
                                          const CbdFilterThresholds *thresholds,
                                          GCancellable              *cancellable,
                                          CbdProgressFunc            progress,
                                          gpointer                   progress_data,
                                          GError                   **error);

/* The diameters of every distribution (descending, nm): 10 per decade from
 * the voxel correction h (smallest voxel edge) up to the longest edge of the
 * volume. Fixed when the study is made, stored in the project. */
const double *cbd_study_get_psd_diameters (CbdStudy         *study,
                                           gsize            *n_diameters);

/* The cutouts. Setting them discards every result. Cubes must lie inside
 * the volume; their size may differ from settings->cutout_size (a user's
 * list may give its own). */
gboolean    cbd_study_set_cutouts        (CbdStudy          *study,
                                          const GArray      *cutouts,
                                          GError           **error);
guint       cbd_study_get_n_cutouts      (CbdStudy          *study);
/* Borrowed; valid until the cutouts change. */
const CbdCutout *cbd_study_get_cutout    (CbdStudy          *study,
                                          guint              index);

/* Finds the CAM-free origins of settings->cutout_size and sets up to
 * @n_wanted well-spread, non-overlapping cutouts among them, named
 * "c001", "c002", ...; @n_free: (out) (optional) how many CAM-free origins
 * exist. Fewer than @n_wanted is not an error (check the count); none at
 * all is CBD_STUDY_ERROR_NO_CUTOUTS. Returns the number set, 0 on error. */
guint       cbd_study_find_cutouts       (CbdStudy          *study,
                                          guint              n_wanted,
                                          guint64           *n_free,
                                          GCancellable      *cancellable,
                                          CbdProgressFunc    progress,
                                          gpointer           progress_data,
                                          GError           **error);

/* A copy of cutout @index's result (cbd_cutout_result_clear() it); returns
 * result->finished. */
gboolean    cbd_study_get_result         (CbdStudy          *study,
                                          guint              index,
                                          CbdCutoutResult   *result);
/* Stores a copy (e.g. read from a project file). Its pore table is kept
 * only when it is the partition the study's settings give that cutout
 * (same box, sigma and r_max): a result kept from before a partition
 * change must not be judged from its old pores. */
void        cbd_study_set_result         (CbdStudy          *study,
                                          guint              index,
                                          const CbdCutoutResult *result);
void        cbd_study_clear_results      (CbdStudy          *study);
/* Every cutout's CbdCutoutSummary in cutout order, read in one locked pass
 * (no copies of whole results); for views that refresh often. */
GArray     *cbd_study_get_summaries      (CbdStudy          *study);
void        cbd_study_count              (CbdStudy          *study,
                                          guint             *n_finished,
                                          guint             *n_accepted);

/* Analyses cutout @index and stores the result in the study (under its
 * lock), replacing an older one; @result: (out) (optional) a copy.
 * Callable from any thread, for different cutouts at once. Stages: pore
 * and CBD transport along x, y, z; the envelope partition and filter; the
 * surface area; the intrusion and local thickness of the cutout. A
 * cancelled or failed analysis stores nothing. */
gboolean    cbd_study_analyze_cutout     (CbdStudy          *study,
                                          guint              index,
                                          CbdCutoutResult   *result,
                                          GCancellable      *cancellable,
                                          CbdProgressFunc    progress,
                                          gpointer           progress_data,
                                          GError           **error);

/* The simulated intrusion of the whole stack's pore space (mercury from
 * all six faces); stored in the study. */
gboolean    cbd_study_compute_stack_psd  (CbdStudy          *study,
                                          GCancellable      *cancellable,
                                          CbdProgressFunc    progress,
                                          gpointer           progress_data,
                                          GError           **error);
gboolean    cbd_study_has_stack_psd      (CbdStudy          *study);
/* Stores the stack's counts (e.g. read from a project file); both arrays
 * hold one guint64 per study diameter and are kept by reference. */
void        cbd_study_set_stack_psd      (CbdStudy          *study,
                                          GArray            *intruded_voxels,
                                          GArray            *thickness_voxels,
                                          guint64            pore_voxels,
                                          guint64            voxels);
/* The recorded counts, or FALSE when there are none. The arrays are
 * borrowed: valid until the distribution is set again (computed or
 * stored), so only on the thread that would do that. */
gboolean    cbd_study_get_stack_psd_counts (CbdStudy        *study,
                                            GArray         **intruded_voxels,
                                            GArray         **thickness_voxels,
                                            guint64         *pore_voxels,
                                            guint64         *voxels);

/* Analyses every cutout that has no result yet, in order (finished ones are
 * skipped: an interrupted run resumes), then the stack's distribution when
 * settings->stack_psd asks for it and it is missing. @finished is called
 * after each cutout. On cancellation or error the results finished so far
 * stay in the study. Progress: the fraction of the cutouts still to do. */
gboolean    cbd_study_run                (CbdStudy          *study,
                                          GCancellable      *cancellable,
                                          CbdProgressFunc    progress,
                                          gpointer           progress_data,
                                          CbdStudyCutoutFunc finished,
                                          gpointer           finished_data,
                                          GError           **error);

/* The points of the correlation: one per included cutout (accepted ones,
 * or every usable one), in cutout order. Any out-array may be NULL. */
guint       cbd_study_get_points         (CbdStudy          *study,
                                          gboolean           accepted_only,
                                          GArray           **porosity,
                                          GArray           **sigma_rel,
                                          GArray           **sigma_rel_std,
                                          GArray           **indices);
/* cbd_fit_power_law() and cbd_fit_summarize() over those points with
 * settings->fit (exactly what `cbdscope-cli fit` computes from the
 * exported cutouts.csv). @summary may be NULL. The answer (a fit or its
 * error) is kept per @accepted_only and given again until a result, a
 * filter decision or the settings change, so the tables, figures and
 * summaries of one run cost one bootstrap each. */
gboolean    cbd_study_fit                (CbdStudy          *study,
                                          gboolean           accepted_only,
                                          CbdFitResult      *fit,
                                          CbdFitSummary     *summary,
                                          GError           **error);

/* A distribution as columns (free with cbd_study_psd_free()), or NULL when
 * there is nothing to show (no stack distribution, no accepted cutout). */
CbdStudyPsd *cbd_study_get_psd           (CbdStudy          *study,
                                          CbdStudyPsdKind    kind);
void        cbd_study_psd_free           (CbdStudyPsd       *psd);

/* The envelope cache the analyses share (created with the study, in memory
 * only); replace it to keep partitions on disk (e.g. next to a project). */
CbdEnvelopeCache *cbd_study_get_envelope_cache (CbdStudy    *study);
void        cbd_study_set_envelope_cache (CbdStudy          *study,
                                          CbdEnvelopeCache  *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdStudy, cbd_study_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdStudyPsd, cbd_study_psd_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CbdCutoutResult, cbd_cutout_result_clear)

G_END_DECLS
