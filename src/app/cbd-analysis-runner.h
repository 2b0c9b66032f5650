/* cbd-analysis-runner.h — analyses a study's cutouts on the app's own
 * thread pool and reports back on the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cbd-study.h"

G_BEGIN_DECLS

#define CBD_TYPE_ANALYSIS_RUNNER (cbd_analysis_runner_get_type ())

G_DECLARE_FINAL_TYPE (CbdAnalysisRunner, cbd_analysis_runner, CBD, ANALYSIS_RUNNER, GObject)

CbdAnalysisRunner *cbd_analysis_runner_new          (void);
/* Analyses @n_indices cutouts of @study (kept referenced until the run
 * ends) on @n_threads worker threads (0: one per processor but one, at
 * least one); with @stack_psd, also the whole stack's pore size
 * distribution (cbd_study_compute_stack_psd, one more job). Returns FALSE
 * when a run is going on already. Signals, all on the main thread:
 * ::cutout-finished (index) as each result is stored, ::progress as
 * fractions change (coalesced: at most one pending idle), ::finished
 * (cancelled, error message or NULL) once at the end. */
gboolean           cbd_analysis_runner_start        (CbdAnalysisRunner *self,
                                                     CbdStudy          *study,
                                                     const guint       *indices,
                                                     guint              n_indices,
                                                     gboolean           stack_psd,
                                                     guint              n_threads);
/* Stops the run: cutouts in progress give up at their next check, queued
 * ones are skipped; finished results stay in the study. */
void               cbd_analysis_runner_cancel       (CbdAnalysisRunner *self);
gboolean           cbd_analysis_runner_is_running   (CbdAnalysisRunner *self);
/* Overall fraction (0..1) and how many of how many cutouts are done. */
double             cbd_analysis_runner_get_progress (CbdAnalysisRunner *self,
                                                     guint             *n_done,
                                                     guint             *n_total);
/* The fraction of cutout @index in this run, -1 when it is not part of it. */
double             cbd_analysis_runner_get_cutout_progress (CbdAnalysisRunner *self,
                                                            guint              index);
/* The stage the most recently reporting cutout is in ("" when none). */
char              *cbd_analysis_runner_dup_stage    (CbdAnalysisRunner *self);

G_END_DECLS
