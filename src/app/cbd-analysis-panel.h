/* cbd-analysis-panel.h — the sidebar's analysis: run the cutouts, watch the
 * correlation build up, tune the macropore filter, export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-analysis-runner.h"
#include "cbd-plot-view.h"
#include "cbd-slice-overlay.h"
#include "cbd-study.h"
#include "cbd-view-state.h"

G_BEGIN_DECLS

#define CBD_TYPE_ANALYSIS_PANEL (cbd_analysis_panel_get_type ())

G_DECLARE_FINAL_TYPE (CbdAnalysisPanel, cbd_analysis_panel, CBD, ANALYSIS_PANEL, GtkWidget)

GtkWidget         *cbd_analysis_panel_new           (void);
void               cbd_analysis_panel_set_state     (CbdAnalysisPanel *self,
                                                     CbdViewState     *state);
CbdViewState      *cbd_analysis_panel_get_state     (CbdAnalysisPanel *self);
/* The volume's file, recorded in the study (nullable: made in memory),
 * and for a headerless raw file its layout "NX,NY,NZ:type" (else NULL). */
void               cbd_analysis_panel_set_volume_path (CbdAnalysisPanel *self,
                                                       const char       *path,
                                                       const char       *raw_spec);
void               cbd_analysis_panel_set_n_threads (CbdAnalysisPanel *self,
                                                     guint             n_threads);

/* Starts analysing every cutout without a result (or only the selected
 * one); FALSE with a message in the panel when there is nothing to do. */
gboolean           cbd_analysis_panel_analyse       (CbdAnalysisPanel *self,
                                                     gboolean          selected_only);
/* As the Analyse button: all, or the selected cutout when so ticked. */
gboolean           cbd_analysis_panel_analyse_as_asked (CbdAnalysisPanel *self);
void               cbd_analysis_panel_cancel        (CbdAnalysisPanel *self);
gboolean           cbd_analysis_panel_get_running   (CbdAnalysisPanel *self);
/* Whether a partition change is being applied to the finished cutouts
 * (cbd_analysis_panel_cancel() stops it and keeps the old partition). */
gboolean           cbd_analysis_panel_get_repartitioning (CbdAnalysisPanel *self);

/* Whether the study holds a finished result (worth saving in a project). */
gboolean           cbd_analysis_panel_has_results   (CbdAnalysisPanel *self);
/* Makes the study follow the cutouts now (not while a run goes on). */
gboolean           cbd_analysis_panel_sync          (CbdAnalysisPanel *self,
                                                     GError          **error);
/* Takes @study (from a project whose cutouts the list now shows, in the
 * same order, with its volume attached): its settings go to the controls,
 * its results to the list and the plot. */
void               cbd_analysis_panel_adopt_study   (CbdAnalysisPanel *self,
                                                     CbdStudy         *study);

/* The study behind the panel (NULL before the first analysis). */
CbdStudy          *cbd_analysis_panel_get_study     (CbdAnalysisPanel *self);
CbdAnalysisRunner *cbd_analysis_panel_get_runner    (CbdAnalysisPanel *self);
CbdPlotView       *cbd_analysis_panel_get_correlation_view (CbdAnalysisPanel *self);
CbdPlotView       *cbd_analysis_panel_get_psd_view  (CbdAnalysisPanel *self);
/* The fit shown beside the plot; FALSE when none is. */
gboolean           cbd_analysis_panel_get_fit       (CbdAnalysisPanel *self,
                                                     CbdFitResult     *fit,
                                                     CbdFitSummary    *summary);
const char        *cbd_analysis_panel_get_fit_text  (CbdAnalysisPanel *self);
const char        *cbd_analysis_panel_get_status    (CbdAnalysisPanel *self);

/* The filter classes of the selected finished cutout under the shown
 * thresholds (NULL: none, or hidden) and their opacity; ::overlay-changed
 * says when they change. */
CbdSliceOverlay   *cbd_analysis_panel_get_overlay   (CbdAnalysisPanel *self,
                                                     double           *opacity);
void               cbd_analysis_panel_set_overlay_kind (CbdAnalysisPanel *self,
                                                        guint             kind);
void               cbd_analysis_panel_set_overlay_shown (CbdAnalysisPanel *self,
                                                         gboolean          shown,
                                                         double            opacity);

/* Sets the controls (debounced like a user's edit, latest wins). */
void               cbd_analysis_panel_set_thresholds (CbdAnalysisPanel          *self,
                                                      const CbdFilterThresholds *thresholds);
void               cbd_analysis_panel_get_thresholds (CbdAnalysisPanel          *self,
                                                      CbdFilterThresholds       *thresholds);

/* The figure on the visible tab, at the chosen size and resolution; the
 * format from the extension. Overwrites: callers ask first. */
gboolean           cbd_analysis_panel_export_figure (CbdAnalysisPanel *self,
                                                     const char       *path,
                                                     GError          **error);
/* cutouts.csv, fit.json, psd.csv, summary.json, as `cbdscope-cli analyze`. */
gboolean           cbd_analysis_panel_export_tables (CbdAnalysisPanel *self,
                                                     const char       *directory,
                                                     GError          **error);
/* File choosers (and a confirmation before replacing tables). */
void               cbd_analysis_panel_choose_figure_file (CbdAnalysisPanel *self);
void               cbd_analysis_panel_choose_table_folder (CbdAnalysisPanel *self);

G_END_DECLS
