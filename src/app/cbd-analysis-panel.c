/* cbd-analysis-panel.c — the sidebar's analysis: run the cutouts, watch the
 * correlation build up, tune the macropore filter, export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel keeps one CbdStudy made from the view state's volume, label map
 * and cutouts; every number shown comes from the core (cbd_study_fit,
 * cbd_study_set_filter, cbd_plot_study_*), the same code as
 * `cbdscope-cli analyze`. Cutouts run on the CbdAnalysisRunner's own pool;
 * filter changes are debounced and applied on a worker, latest wins.
 * The filter, the partition recomputed after a change of its parameters
 * and the overlay's classes or field run on the panel's own small pool
 * (GTasks returned from its threads), never on GLib's shared one.
 */
#define G_LOG_DOMAIN "cbd-analysis"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "cbd-analysis-panel.h"
#include "cbd-plot-study.h"
#include "cbd-references.h"
#include "cbd-solver.h"
#include "cbd-study-export.h"

#define FILTER_DEBOUNCE_MS 150
#define WORK_THREADS       2   /* the filter or partition, and the overlay */
#define WORK_PROGRESS_MS   100

struct _CbdAnalysisPanel
{
  GtkWidget          parent_instance;

  /* template children */
  GtkWidget         *scroller;
  GtkCheckButton    *selected_only_check;
  GtkProgressBar    *progress_bar;
  GtkLabel          *status_label;
  GtkNotebook       *notebook;
  CbdPlotView       *correlation_view;
  CbdPlotView       *psd_view;
  GtkCheckButton    *references_check;
  GtkCheckButton    *rejected_check;
  GtkCheckButton    *log_check;
  GtkLabel          *fit_label;
  GtkSpinButton     *d_max_spin;
  GtkSpinButton     *v_max_spin;
  GtkSpinButton     *f_inside_spin;
  GtkSpinButton     *max_excluded_spin;
  GtkCheckButton    *truncated_check;
  GtkCheckButton    *border_check;
  GtkSpinButton     *sigma_spin;
  GtkSpinButton     *r_max_spin;
  GtkSpinButton     *envelope_spin;
  GtkSpinButton     *width_spin;
  GtkSpinButton     *height_spin;
  GtkSpinButton     *dpi_spin;
  GtkCheckButton    *overlay_check;
  GtkRange          *overlay_opacity_scale;
  GtkDropDown       *overlay_kind_dropdown;
  GtkDrawingArea    *legend_area;
  GtkLabel          *legend_label;

  CbdViewState      *state;
  char              *volume_path;
  char              *raw_spec;
  guint              n_threads;
  CbdStudy          *study;
  GPtrArray         *study_items;     /* CbdCutoutItem of each study cutout */
  CbdAnalysisRunner *runner;
  GPtrArray         *references;

  gboolean           have_fit;
  CbdFitResult       fit;
  CbdFitSummary      summary;

  guint              filter_timeout;
  guint              refresh_idle;     /* results arrived: one refresh for a batch */
  gboolean           updating_items;   /* their notifications are ours, not edits */
  GCancellable      *filter_cancellable;  /* the filter task in flight */
  gboolean           filter_pending;      /* thresholds changed meanwhile */
  struct FilterInput *filter_input;       /* of the task in flight (its data) */
  guint              filter_progress_timeout;
  gboolean           filter_user_cancelled;
  GThreadPool       *work_pool;           /* filter, partition, overlay */
  gboolean           disposed;            /* tasks may still return after */
  gboolean           analyse_pending;     /* wait for the filter, then run */
  gboolean           analyse_selected_only;

  CbdSliceOverlay   *overlay;
  GCancellable      *overlay_cancellable;
  gboolean           updating_controls;  /* set from a study, not the user */
  guint              overlay_kind;          /* of the overlay shown */
  guint              pending_overlay_kind;  /* of the one being computed */
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_RESULTS_CHANGED,
  SIGNAL_FILTER_APPLIED,
  SIGNAL_ANALYSIS_FINISHED,
  SIGNAL_OVERLAY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdAnalysisPanel, cbd_analysis_panel, GTK_TYPE_WIDGET)

static void cbd_analysis_panel_apply_filter (CbdAnalysisPanel *self);
static gboolean sync_and_refresh (CbdAnalysisPanel *self);
static void update_overlay (CbdAnalysisPanel *self);
static void update_legend (CbdAnalysisPanel *self);

static void
set_status (CbdAnalysisPanel *self,
            const char       *text)
{
  gtk_label_set_text (self->status_label, text);
}

void
cbd_analysis_panel_get_thresholds (CbdAnalysisPanel    *self,
                                   CbdFilterThresholds *thresholds)
{
  double v_max;

  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));

  cbd_filter_thresholds_init (thresholds);
  thresholds->d_max_nm = gtk_spin_button_get_value (self->d_max_spin);
  v_max = gtk_spin_button_get_value (self->v_max_spin);
  thresholds->v_max_nm3 = v_max > 0.0 ? v_max : INFINITY;
  thresholds->f_inside = gtk_spin_button_get_value (self->f_inside_spin);
  thresholds->max_excluded = gtk_spin_button_get_value (self->max_excluded_spin);
  thresholds->exclude_truncated = gtk_check_button_get_active (self->truncated_check);
  thresholds->stack_border_truncates = gtk_check_button_get_active (self->border_check);
}

void
cbd_analysis_panel_set_thresholds (CbdAnalysisPanel          *self,
                                   const CbdFilterThresholds *thresholds)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));
  g_return_if_fail (thresholds != NULL);

  gtk_spin_button_set_value (self->d_max_spin, thresholds->d_max_nm);
  gtk_spin_button_set_value (self->v_max_spin,
                             isfinite (thresholds->v_max_nm3) ? thresholds->v_max_nm3 : 0.0);
  gtk_spin_button_set_value (self->f_inside_spin, thresholds->f_inside);
  gtk_spin_button_set_value (self->max_excluded_spin, thresholds->max_excluded);
  gtk_check_button_set_active (self->truncated_check, thresholds->exclude_truncated);
  gtk_check_button_set_active (self->border_check, thresholds->stack_border_truncates);
}

/* A copy: a background task may change the study's settings meanwhile. */
static CbdStudySettings
study_settings (CbdAnalysisPanel *self)
{
  CbdStudySettings settings;

  cbd_study_copy_settings (self->study, &settings);
  return settings;
}

/* The study's settings with the panel's partition and filter values. */
static void
settings_from_controls (CbdAnalysisPanel *self,
                        CbdStudySettings *settings)
{
  if (self->study != NULL)
    cbd_study_copy_settings (self->study, settings);
  else
    cbd_study_settings_init (settings);

  settings->envelope.edge = (gsize) gtk_spin_button_get_value (self->envelope_spin);
  settings->envelope.partition.sigma = gtk_spin_button_get_value (self->sigma_spin);
  settings->envelope.partition.r_max = gtk_spin_button_get_value (self->r_max_spin);
  settings->envelope.partition.n_threads = 1;
  cbd_analysis_panel_get_thresholds (self, &settings->filter);
  /* The largest cutout decides (the envelope must hold each one). */
  if (self->state != NULL)
    {
      CbdCutoutList *list = cbd_view_state_get_cutouts (self->state);
      guint n_items = g_list_model_get_n_items (G_LIST_MODEL (list));
      gsize largest = 0;

      for (guint i = 0; i < n_items; i++)
        largest = MAX (largest, cbd_cutout_item_get_edge (cbd_cutout_list_get (list, i)));
      if (largest == 0)
        largest = MIN (cbd_view_state_get_cutout_edge (self->state), settings->envelope.edge);
      settings->cutout_size = largest;
    }
  /* Parallel over cutouts, one thread each. */
  settings->n_threads = 1;
}

static gboolean
same_geometry (const CbdCutout *cutout,
               CbdCutoutItem   *item)
{
  gsize origin[3];

  cbd_cutout_item_get_origin (item, origin);
  return cutout->size == cbd_cutout_item_get_edge (item) &&
         cutout->origin[0] == origin[0] && cutout->origin[1] == origin[1] &&
         cutout->origin[2] == origin[2];
}

/* The study copies the label map and voxel size when it is made; after
 * "Label Mapping…" or "Voxel Size…" the same volume needs a new study. */
static gboolean
study_matches_volume (CbdStudy *study, CbdVolume *volume, const CbdLabelMap *map)
{
  gsize dims[3];
  double voxel_nm[3];

  if (cbd_study_get_volume (study) != volume)
    return FALSE;
  cbd_study_get_dims (study, dims, voxel_nm);
  return memcmp (voxel_nm, volume->voxel_nm, sizeof voxel_nm) == 0 &&
         memcmp (cbd_study_get_label_map (study), map, sizeof *map) == 0;
}

/* Makes the study match the view state's volume and cutouts, keeping the
 * results of cutouts that did not change. */
static gboolean
cbd_analysis_panel_sync_study (CbdAnalysisPanel  *self,
                               GError           **error)
{
  CbdVolume *volume;
  const CbdLabelMap *map;
  CbdCutoutList *list;
  CbdStudySettings settings;
  guint n_items;
  gboolean unchanged, existed;

  if (self->state == NULL || (volume = cbd_view_state_get_volume (self->state)) == NULL)
    {
      g_set_error_literal (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_NO_VOLUME,
                           _("Open a volume first."));
      return FALSE;
    }
  map = cbd_view_state_get_label_map (self->state);
  if (map == NULL)
    {
      g_set_error_literal (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_INVALID,
                           _("The volume’s labels are not mapped to phases."));
      return FALSE;
    }

  if (self->study != NULL && !study_matches_volume (self->study, volume, map))
    {
      g_clear_pointer (&self->study, cbd_study_unref);
      g_ptr_array_set_size (self->study_items, 0);
    }
  existed = self->study != NULL;
  /* The loader counted the labels already: no second pass over the stack. */
  if (self->study == NULL)
    self->study = cbd_study_new_with_histogram (volume, self->volume_path, self->raw_spec, map,
                                                cbd_view_state_get_histogram (self->state));

  settings_from_controls (self, &settings);
  if (existed)
    {
      /* The partition and thresholds change through
       * cbd_analysis_panel_apply_filter() only, which keeps the results;
       * controls edited a moment ago are on their way there. */
      CbdStudySettings current = study_settings (self);

      settings.envelope = current.envelope;
      settings.filter = current.filter;
    }
  if (!cbd_study_set_settings (self->study, &settings, error))
    return FALSE;

  list = cbd_view_state_get_cutouts (self->state);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (list));
  unchanged = n_items == cbd_study_get_n_cutouts (self->study) &&
              n_items == self->study_items->len;
  for (guint i = 0; unchanged && i < n_items; i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (list, i);

      unchanged = item == g_ptr_array_index (self->study_items, i) &&
                  same_geometry (cbd_study_get_cutout (self->study, i), item) &&
                  g_strcmp0 (cbd_study_get_cutout (self->study, i)->name,
                             cbd_cutout_item_get_name (item)) == 0;
    }

  if (!unchanged)
    {
      g_autoptr(GArray) cutouts = g_array_new (FALSE, TRUE, sizeof (CbdCutout));
      g_autoptr(GArray) kept = g_array_new (FALSE, TRUE, sizeof (CbdCutoutResult));
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
      guint n_old = cbd_study_get_n_cutouts (self->study);

      g_array_set_clear_func (kept, (GDestroyNotify) cbd_cutout_result_clear);
      for (guint i = 0; i < n_items; i++)
        {
          CbdCutoutItem *item = cbd_cutout_list_get (list, i);
          CbdCutout cutout = { { 0 }, 0, NULL };
          CbdCutoutResult result;

          cbd_cutout_item_get_origin (item, cutout.origin);
          cutout.size = cbd_cutout_item_get_edge (item);
          cutout.name = (char *) cbd_cutout_item_get_name (item);
          g_array_append_val (cutouts, cutout);
          g_ptr_array_add (items, g_object_ref (item));

          cbd_cutout_result_init (&result);
          for (guint j = 0; j < n_old; j++)
            if (same_geometry (cbd_study_get_cutout (self->study, j), item))
              {
                cbd_study_get_result (self->study, j, &result);
                break;
              }
          g_array_append_val (kept, result);
        }

      if (!cbd_study_set_cutouts (self->study, cutouts, error))
        return FALSE;
      for (guint i = 0; i < n_items; i++)
        if (g_array_index (kept, CbdCutoutResult, i).finished)
          cbd_study_set_result (self->study, i, &g_array_index (kept, CbdCutoutResult, i));
      g_ptr_array_unref (self->study_items);
      self->study_items = g_steal_pointer (&items);
    }
  return TRUE;
}

static void
update_fit_label (CbdAnalysisPanel *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n_finished = 0, n_accepted = 0;

  self->have_fit = FALSE;
  if (self->study == NULL)
    {
      gtk_label_set_text (self->fit_label, _("No results yet."));
      return;
    }

  cbd_study_count (self->study, &n_finished, &n_accepted);
  self->have_fit = cbd_study_fit (self->study, TRUE, &self->fit, &self->summary, &error);
  if (self->have_fit)
    /* Translators: the power-law fit sigma_rel = gamma eps^alpha over the
     * accepted cutouts, with standard errors */
    text = g_strdup_printf (_("γ = %.4g ± %.2g\n"
                              "α = %.4g ± %.2g\n"
                              "R² = %.4f   N = %u\n"
                              "Mean porosity %.4f   mean τ %.4g\n"
                              "%u of %u finished cutouts accepted"),
                            self->fit.gamma, self->fit.gamma_se,
                            self->fit.alpha, self->fit.alpha_se,
                            self->fit.r2, self->fit.n,
                            self->summary.mean_porosity, self->summary.mean_tau,
                            n_accepted, n_finished);
  else
    text = g_strdup_printf (_("No fit yet (%u of %u finished cutouts accepted): %s"),
                            n_accepted, n_finished, error->message);
  gtk_label_set_text (self->fit_label, text);
}

/* The plot point of the cutout selected in the views, or -1. */
static gssize
selected_point (CbdAnalysisPanel *self)
{
  CbdCutoutItem *selected = self->state != NULL ? cbd_view_state_get_selected_cutout (self->state) : NULL;

  for (guint i = 0; selected != NULL && i < self->study_items->len; i++)
    if (g_ptr_array_index (self->study_items, i) == selected)
      return i;
  return -1;
}

static void
update_plots (CbdAnalysisPanel *self)
{
  g_autoptr(CbdPlotCorrelation) plot = NULL;
  g_autoptr(CbdPlotPsd) psd = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  CbdPlotLayers layers;
  gboolean log_axes;
  gint64 start = g_get_monotonic_time ();

  if (self->study == NULL)
    {
      cbd_plot_view_set_correlation (self->correlation_view, NULL);
      cbd_plot_view_set_psd (self->psd_view, NULL);
      update_fit_label (self);
      return;
    }

  plot = cbd_plot_study_correlation (self->study, CBD_STUDY_FIGURE_ALL_CUTOUTS, NULL);
  layers = CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_ERROR_BARS | CBD_PLOT_LAYER_FIT |
           CBD_PLOT_LAYER_FIT_BAND | CBD_PLOT_LAYER_MEAN | CBD_PLOT_LAYER_LEGEND;
  if (gtk_check_button_get_active (self->rejected_check))
    layers |= CBD_PLOT_LAYER_REJECTED;
  if (gtk_check_button_get_active (self->references_check))
    {
      if (self->references == NULL)
        self->references = cbd_references_load_default (NULL);
      if (self->references != NULL)
        cbd_plot_correlation_set_references (plot, self->references);
      layers |= CBD_PLOT_LAYER_BRUGGEMAN | CBD_PLOT_LAYER_REFERENCES;
    }
  cbd_plot_correlation_set_layers (plot, layers);
  log_axes = gtk_check_button_get_active (self->log_check);
  cbd_plot_correlation_set_scales (plot, log_axes ? CBD_PLOT_SCALE_LOG : CBD_PLOT_SCALE_LINEAR,
                                   log_axes ? CBD_PLOT_SCALE_LOG : CBD_PLOT_SCALE_LINEAR);

  for (guint i = 0; i < self->study_items->len; i++)
    g_strv_builder_add (names, cbd_cutout_item_get_name (g_ptr_array_index (self->study_items, i)));
  cbd_plot_correlation_set_highlight (plot, selected_point (self));
  strv = g_strv_builder_end (names);
  cbd_plot_view_set_point_names (self->correlation_view, (const char * const *) strv);
  cbd_plot_view_set_correlation (self->correlation_view, plot);

  psd = cbd_plot_study_psd (self->study);
  cbd_plot_view_set_psd (self->psd_view, psd);
  update_fit_label (self);
  g_debug ("plots and fit updated in %.2f ms", (g_get_monotonic_time () - start) / 1000.0);
}

/* The list's result columns: every result read under one lock, as this
 * runs on each progress tick. */
static void
update_items (CbdAnalysisPanel *self)
{
  g_autoptr(GArray) summaries = NULL;

  if (self->study == NULL)
    return;
  summaries = cbd_study_get_summaries (self->study);
  for (guint i = 0; i < self->study_items->len && i < summaries->len; i++)
    {
      const CbdCutoutSummary *summary = &g_array_index (summaries, CbdCutoutSummary, i);
      CbdCutoutItemAnalysis analysis = { FALSE, NAN, NAN, NAN, FALSE, -1.0 };

      if (summary->finished)
        {
          analysis.analysed = TRUE;
          analysis.sigma_rel_mean = summary->sigma_rel_mean;
          analysis.sigma_rel_std = summary->sigma_rel_std;
          analysis.tau_mean = summary->tau_mean;
          analysis.accepted = summary->accepted;
        }
      /* Shown only while it is being worked on (not queued, not done). */
      analysis.progress = cbd_analysis_runner_get_cutout_progress (self->runner, i);
      if (analysis.progress <= 0.0 || analysis.progress >= 1.0)
        analysis.progress = -1.0;
      /* The item tells the view state, which tells every listener that
       * the cutouts changed; this panel is already refreshing. */
      self->updating_items = TRUE;
      cbd_cutout_item_set_analysis (g_ptr_array_index (self->study_items, i), &analysis);
      self->updating_items = FALSE;
    }
}

static void
results_changed (CbdAnalysisPanel *self)
{
  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  update_items (self);
  update_plots (self);
  update_overlay (self);
  g_signal_emit (self, signals[SIGNAL_RESULTS_CHANGED], 0);
}

/* Analysis */

static gboolean
refresh_idle_cb (gpointer user_data)
{
  CbdAnalysisPanel *self = user_data;

  self->refresh_idle = 0;
  results_changed (self);
  return G_SOURCE_REMOVE;
}

/* Cutouts finishing together (the runner announces them in one go) cost
 * one refit and redraw, not one each. */
static void
runner_cutout_finished_cb (CbdAnalysisRunner *runner,
                           guint              index,
                           CbdAnalysisPanel  *self)
{
  if (self->refresh_idle == 0)
    self->refresh_idle = g_idle_add (refresh_idle_cb, self);
}

static void
runner_progress_cb (CbdAnalysisRunner *runner,
                    CbdAnalysisPanel  *self)
{
  g_autofree char *text = NULL;
  g_autofree char *stage = NULL;
  guint n_done, n_total;
  double fraction;

  fraction = cbd_analysis_runner_get_progress (runner, &n_done, &n_total);
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  /* Translators: cutouts done of cutouts in this run */
  text = g_strdup_printf (_("%u of %u cutouts"), n_done, n_total);
  gtk_progress_bar_set_text (self->progress_bar, text);
  stage = cbd_analysis_runner_dup_stage (runner);
  if (stage[0] != '\0')
    set_status (self, stage);
  /* Each cutout's own progress, in the list. */
  update_items (self);
}

static void
runner_finished_cb (CbdAnalysisRunner *runner,
                    gboolean           cancelled,
                    const char        *error,
                    CbdAnalysisPanel  *self)
{
  g_autofree char *text = NULL;
  guint n_finished = 0, n_accepted = 0;

  cbd_study_count (self->study, &n_finished, &n_accepted);
  if (error != NULL)
    text = g_strdup_printf (_("The analysis failed: %s"), error);
  else if (cancelled)
    text = g_strdup_printf (_("Cancelled; %u cutouts have results."), n_finished);
  else
    text = g_strdup_printf (_("Finished: %u cutouts have results, %u accepted."),
                            n_finished, n_accepted);
  set_status (self, text);
  gtk_progress_bar_set_fraction (self->progress_bar, cancelled ? 0.0 : 1.0);
  /* With cutouts edited during the run brought in, unless thresholds
   * changed meanwhile (applied below, which refreshes too). */
  if (self->filter_pending || !sync_and_refresh (self))
    results_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[SIGNAL_ANALYSIS_FINISHED], 0, cancelled);

  /* Thresholds changed during the run: apply them to every result now. */
  if (self->filter_pending)
    {
      self->filter_pending = FALSE;
      cbd_analysis_panel_apply_filter (self);
    }
}

gboolean
cbd_analysis_panel_analyse (CbdAnalysisPanel *self,
                            gboolean          selected_only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  CbdCutoutItem *selected;
  gboolean stack_psd;

  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);

  if (cbd_analysis_runner_is_running (self->runner))
    return FALSE;
  /* Controls edited within the debounce: apply them first. */
  if (self->filter_timeout != 0)
    {
      g_clear_handle_id (&self->filter_timeout, g_source_remove);
      cbd_analysis_panel_apply_filter (self);
    }
  if (self->filter_cancellable != NULL)
    {
      /* The study's thresholds are changing: start once they are set. */
      self->analyse_pending = TRUE;
      self->analyse_selected_only = selected_only;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      return TRUE;
    }

  if (!cbd_analysis_panel_sync_study (self, &error))
    {
      set_status (self, error->message);
      return FALSE;
    }

  selected = cbd_view_state_get_selected_cutout (self->state);
  for (guint i = 0; i < self->study_items->len; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      if (selected_only && g_ptr_array_index (self->study_items, i) != selected)
        continue;
      /* A single chosen cutout is analysed again; a run of all resumes. */
      if (!selected_only && cbd_study_get_result (self->study, i, &result))
        continue;
      g_array_append_val (indices, i);
    }

  stack_psd = study_settings (self).stack_psd &&
              !cbd_study_has_stack_psd (self->study) && !selected_only &&
              self->study_items->len > 0;
  if (indices->len == 0 && !stack_psd)
    {
      set_status (self, selected_only ? _("Select a cutout to analyse.")
                                      : self->study_items->len == 0
                                          ? _("Add cutouts to analyse.")
                                          : _("Every cutout has a result."));
      results_changed (self);
      return FALSE;
    }

  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  set_status (self, _("Analysing…"));
  cbd_analysis_runner_start (self->runner, self->study, (const guint *) indices->data,
                             indices->len, stack_psd, self->n_threads);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  runner_progress_cb (self->runner, self);
  results_changed (self);
  return TRUE;
}

gboolean
cbd_analysis_panel_analyse_as_asked (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);
  return cbd_analysis_panel_analyse (self, gtk_check_button_get_active (self->selected_only_check));
}

void
cbd_analysis_panel_cancel (CbdAnalysisPanel *self)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));

  self->analyse_pending = FALSE;
  if (cbd_analysis_runner_is_running (self->runner))
    {
      cbd_analysis_runner_cancel (self->runner);
      set_status (self, _("Cancelling…"));
    }
  else if (cbd_analysis_panel_get_repartitioning (self))
    {
      self->filter_user_cancelled = TRUE;
      g_cancellable_cancel (self->filter_cancellable);
      set_status (self, _("Cancelling…"));
    }
}

gboolean
cbd_analysis_panel_get_running (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);
  return cbd_analysis_runner_is_running (self->runner) || self->analyse_pending ||
         cbd_analysis_panel_get_repartitioning (self);
}

/* Filter */

/* A GTask run on the panel's pool: its thread function, called with the
 * task's own data and cancellable; it returns the task from there. */
typedef struct
{
  GTask           *task;
  GTaskThreadFunc  func;
} WorkJob;

static void
work_thread (gpointer data,
             gpointer user_data)
{
  WorkJob *job = data;

  job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

static void
run_task_on_pool (CbdAnalysisPanel *self,
                  GTask            *task,
                  GTaskThreadFunc   func)
{
  WorkJob *job;
  g_autoptr(GError) error = NULL;

  if (self->work_pool == NULL)
    {
      /* disposed */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Closed");
      return;
    }
  job = g_new0 (WorkJob, 1);
  job->task = g_object_ref (task);
  job->func = func;
  if (!g_thread_pool_push (self->work_pool, job, &error))
    {
      g_object_unref (job->task);
      g_free (job);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

typedef struct FilterInput
{
  CbdStudy            *study;
  CbdFilterThresholds  thresholds;
  /* A partition change: the study's settings with the new envelope and
   * partition; its finished cutouts keep their transport and morphology
   * and get the partition and filter again. */
  gboolean             repartition;
  CbdStudySettings     settings;
  guint                n_finished;
  gint                 progress_permille;  /* atomic */
} FilterInput;

static void
filter_input_free (gpointer data)
{
  FilterInput *input = data;

  cbd_study_unref (input->study);
  g_free (input);
}

static void
filter_progress_cb (const CbdProgress *progress,
                    gpointer           user_data)
{
  FilterInput *input = user_data;

  if (progress->fraction >= 0.0)
    g_atomic_int_set (&input->progress_permille, (gint) (CLAMP (progress->fraction, 0.0, 1.0) * 1000));
}

static void
restore_results (CbdStudy *study,
                 GArray   *kept)
{
  for (guint i = 0; i < kept->len; i++)
    {
      const CbdCutoutResult *result = &g_array_index (kept, CbdCutoutResult, i);

      if (result->finished)
        cbd_study_set_result (study, i, result);
    }
}

/* The new settings discard the results (cbd_study_set_settings): those of
 * finished cutouts come back, and cbd_study_set_filter gives them the new
 * partition's filter. Cancelled or failed, the old settings and results
 * return. The panel changes nothing in the study meanwhile. */
static gboolean
repartition_study (FilterInput   *input,
                   GCancellable  *cancellable,
                   GError       **error)
{
  CbdStudySettings old_settings;
  g_autoptr(GArray) kept = g_array_new (FALSE, TRUE, sizeof (CbdCutoutResult));

  g_array_set_clear_func (kept, (GDestroyNotify) cbd_cutout_result_clear);
  for (guint i = 0; i < cbd_study_get_n_cutouts (input->study); i++)
    {
      CbdCutoutResult result = { 0 };

      if (cbd_study_get_result (input->study, i, &result))
        input->n_finished++;
      g_array_append_val (kept, result);
    }
  cbd_study_copy_settings (input->study, &old_settings);
  if (!cbd_study_set_settings (input->study, &input->settings, error))
    return FALSE;
  restore_results (input->study, kept);
  if (!cbd_study_set_filter (input->study, &input->thresholds, cancellable, filter_progress_cb,
                             input, error))
    {
      cbd_study_set_settings (input->study, &old_settings, NULL);
      restore_results (input->study, kept);
      return FALSE;
    }
  return TRUE;
}

static void
filter_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  FilterInput *input = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (input->repartition)
    ok = repartition_study (input, cancellable, &error);
  else
    ok = cbd_study_set_filter (input->study, &input->thresholds, cancellable, filter_progress_cb,
                               input, &error);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The controls' partition differs from @settings' (the study's). */
static gboolean
partition_differs (CbdAnalysisPanel       *self,
                   const CbdStudySettings *settings)
{
  return settings->envelope.edge != (gsize) gtk_spin_button_get_value (self->envelope_spin) ||
         settings->envelope.partition.sigma != gtk_spin_button_get_value (self->sigma_spin) ||
         settings->envelope.partition.r_max != gtk_spin_button_get_value (self->r_max_spin);
}

static void
controls_from_study (CbdAnalysisPanel *self)
{
  CbdStudySettings current = study_settings (self);
  const CbdStudySettings *settings = &current;

  self->updating_controls = TRUE;
  gtk_spin_button_set_value (self->sigma_spin, settings->envelope.partition.sigma);
  gtk_spin_button_set_value (self->r_max_spin, settings->envelope.partition.r_max);
  gtk_spin_button_set_value (self->envelope_spin, settings->envelope.edge);
  self->updating_controls = FALSE;
}

static gboolean
filter_progress_timeout_cb (gpointer user_data)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (user_data);

  if (self->filter_input != NULL)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   g_atomic_int_get (&self->filter_input->progress_permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
filter_ready_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (source_object);
  FilterInput *input = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean user_cancelled = self->filter_user_cancelled;
  gboolean ok;

  if (self->disposed)
    return;
  g_clear_object (&self->filter_cancellable);
  self->filter_input = NULL;
  self->filter_user_cancelled = FALSE;
  g_clear_handle_id (&self->filter_progress_timeout, g_source_remove);
  ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_status (self, error->message);

  if (input->repartition)
    {
      g_autofree char *text = NULL;

      gtk_progress_bar_set_fraction (self->progress_bar, ok ? 1.0 : 0.0);
      if (ok)
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Partition recomputed for %u finished cutout.",
                                             "Partition recomputed for %u finished cutouts.",
                                             input->n_finished),
                                input->n_finished);
      else if (user_cancelled)
        {
          /* The study kept its partition: the controls show it again. */
          controls_from_study (self);
          self->filter_pending = FALSE;
          text = g_strdup (_("Partition change cancelled; the previous partition is kept."));
        }
      if (text != NULL)
        set_status (self, text);
    }

  if (self->filter_pending)
    {
      /* A newer change came in meanwhile: it wins. */
      self->filter_pending = FALSE;
      cbd_analysis_panel_apply_filter (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      return;
    }

  results_changed (self);
  g_signal_emit (self, signals[SIGNAL_FILTER_APPLIED], 0);
  if (self->analyse_pending)
    {
      self->analyse_pending = FALSE;
      cbd_analysis_panel_analyse (self, self->analyse_selected_only);
    }
  /* A partition recomputed or a run waiting for the filter counted as
   * running: the window's Analyse and Cancel follow. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Applies the controls: new thresholds on the cached partition, or after
 * a partition parameter changed, the partition and filter of every
 * finished cutout again. */
static void
cbd_analysis_panel_apply_filter (CbdAnalysisPanel *self)
{
  g_autoptr(GTask) task = NULL;
  FilterInput *input;

  if (self->study == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_FILTER_APPLIED], 0);
      return;
    }
  /* The study's inputs change only while no analysis runs. */
  if (cbd_analysis_runner_is_running (self->runner) || self->filter_cancellable != NULL)
    {
      self->filter_pending = TRUE;
      /* Latest wins, but new thresholds do not stop a partition that is
       * still wanted: they follow it. */
      if (self->filter_cancellable != NULL &&
          (self->filter_input == NULL || !self->filter_input->repartition ||
           partition_differs (self, &self->filter_input->settings)))
        g_cancellable_cancel (self->filter_cancellable);
      return;
    }

  input = g_new0 (FilterInput, 1);
  input->study = cbd_study_ref (self->study);
  cbd_analysis_panel_get_thresholds (self, &input->thresholds);
  cbd_study_copy_settings (self->study, &input->settings);
  if (partition_differs (self, &input->settings))
    {
      guint n_finished = 0;

      input->repartition = TRUE;
      input->settings.envelope.edge = (gsize) gtk_spin_button_get_value (self->envelope_spin);
      input->settings.envelope.partition.sigma = gtk_spin_button_get_value (self->sigma_spin);
      input->settings.envelope.partition.r_max = gtk_spin_button_get_value (self->r_max_spin);
      cbd_study_count (self->study, &n_finished, NULL);
      if (n_finished > 0)
        {
          g_autofree char *text = NULL;

          /* Translators: sigma and r_max are the partition's parameters */
          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Recomputing the pore partition and filter of %u finished cutout for the new sigma, r_max or envelope (transport results are kept)…",
                                               "Recomputing the pore partition and filter of %u finished cutouts for the new sigma, r_max or envelope (transport results are kept)…",
                                               n_finished),
                                  n_finished);
          set_status (self, text);
          gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
        }
    }

  self->filter_cancellable = g_cancellable_new ();
  self->filter_input = input;
  self->filter_user_cancelled = FALSE;
  if (input->repartition)
    self->filter_progress_timeout = g_timeout_add (WORK_PROGRESS_MS, filter_progress_timeout_cb, self);
  task = g_task_new (self, self->filter_cancellable, filter_ready_cb, NULL);
  g_task_set_source_tag (task, cbd_analysis_panel_apply_filter);
  g_task_set_task_data (task, input, filter_input_free);
  run_task_on_pool (self, task, filter_thread);
  /* Cancel works on it as on a run. */
  if (input->repartition)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Whether the partition of the finished cutouts is being recomputed. */
gboolean
cbd_analysis_panel_get_repartitioning (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);
  return self->filter_input != NULL && self->filter_input->repartition;
}

static gboolean
filter_timeout_cb (gpointer user_data)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (user_data);

  self->filter_timeout = 0;
  cbd_analysis_panel_apply_filter (self);
  return G_SOURCE_REMOVE;
}

static void
filter_changed_cb (CbdAnalysisPanel *self)
{
  if (self->updating_controls)
    return;
  g_clear_handle_id (&self->filter_timeout, g_source_remove);
  self->filter_timeout = g_timeout_add (FILTER_DEBOUNCE_MS, filter_timeout_cb, self);
}

static void
partition_changed_cb (CbdAnalysisPanel *self)
{
  /* As a threshold: debounced, then cbd_analysis_panel_apply_filter()
   * sees the partition differ and recomputes it. */
  filter_changed_cb (self);
}

/* Plot and selection */

static void
point_activated_cb (CbdPlotView      *view,
                    guint             index,
                    CbdAnalysisPanel *self)
{
  CbdCutoutItem *item;

  if (self->state == NULL || index >= self->study_items->len)
    return;
  item = g_ptr_array_index (self->study_items, index);
  if (!cbd_cutout_list_find (cbd_view_state_get_cutouts (self->state), item, NULL))
    return;
  cbd_view_state_set_selected_cutout (self->state, item);
  cbd_view_state_centre_on_cutout (self->state, item);
}

/* Brings the study in line with the cutout list and refreshes what shows
 * its results; FALSE (nothing done) while a run or a filter task holds it. */
static gboolean
sync_and_refresh (CbdAnalysisPanel *self)
{
  g_autoptr(GError) error = NULL;

  if (self->study == NULL || cbd_analysis_runner_is_running (self->runner) ||
      self->filter_cancellable != NULL)
    return FALSE;
  if (!cbd_analysis_panel_sync_study (self, &error))
    set_status (self, error->message);
  results_changed (self);
  return TRUE;
}

/* An edited, added or removed cutout: the study follows when it may (the
 * inputs change only between runs). */
static void
cutouts_changed_cb (CbdAnalysisPanel *self)
{
  if (!self->updating_items)
    sync_and_refresh (self);
}

static void
selection_changed_cb (CbdAnalysisPanel *self)
{
  CbdPlotCorrelation *plot = cbd_plot_view_get_correlation (self->correlation_view);

  if (self->study == NULL)
    return;
  /* Only the highlight moves: no refit, no new plot. */
  if (plot != NULL)
    {
      cbd_plot_correlation_set_highlight (plot, selected_point (self));
      gtk_widget_queue_draw (GTK_WIDGET (self->correlation_view));
    }
  update_overlay (self);
}

/* Overlay */

/* What the overlay shows: the filter classes, or a transport field. */
enum
{
  OVERLAY_CLASSES = 0,
  OVERLAY_POTENTIAL_X = 1,    /* .. Z = 3 */
  OVERLAY_CURRENT_X = 4,      /* .. Z = 6 */
};

typedef struct
{
  guint               kind;
  double              solver_tolerance;
  guint               solver_max_iterations;
  CbdVolume          *volume;
  CbdEnvelopeCache   *cache;
  gboolean            pore[256];
  gsize               origin[3];
  gsize               size[3];
  CbdEnvelopeOptions  envelope;
  CbdFilterThresholds thresholds;
} OverlayInput;

static void
overlay_input_free (gpointer data)
{
  OverlayInput *input = data;

  cbd_volume_unref (input->volume);
  g_clear_pointer (&input->cache, cbd_envelope_cache_unref);
  g_free (input);
}

static void
overlay_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OverlayInput *input = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdSliceOverlay) overlay = NULL;
  CbdEnvelope *envelope;
  CbdFilterResult result;
  gboolean ok;

  if (input->kind != OVERLAY_CLASSES)
    {
      /* The solve of the cutout's pore space along one axis, as the
       * analysis did it, keeping the field (the paper's Figure 1 II). */
      g_autoptr(CbdVolume) cutout = cbd_volume_crop (input->volume, input->origin, input->size, &error);
      CbdSolverOptions options;
      CbdAxisResult axis_result;
      gboolean current = input->kind >= OVERLAY_CURRENT_X;
      CbdAxis axis = (CbdAxis) ((input->kind - 1) % 3);
      float *field = NULL;
      double field_max = 1.0;

      if (cutout == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      cbd_solver_options_init (&options);
      options.tolerance = input->solver_tolerance;
      options.max_iterations = input->solver_max_iterations;
      options.n_threads = 1;
      if (!cbd_solver_solve_axis (cutout, input->pore, axis, &options, &axis_result,
                                  current ? NULL : &field, current ? &field : NULL,
                                  cancellable, NULL, NULL, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (current)
        {
          /* Three times the mean over the carrying voxels: the hot paths
           * saturate, the rest keeps its contrast. */
          gsize n = input->size[0] * input->size[1] * input->size[2], counted = 0;
          double sum = 0.0;

          for (gsize i = 0; i < n; i++)
            if (!isnan (field[i]) && field[i] > 0.0f)
              {
                sum += field[i];
                counted++;
              }
          field_max = counted > 0 ? 3.0 * sum / counted : 1.0;
        }
      g_task_return_pointer (task, cbd_slice_overlay_new_field (input->origin, input->size, field,
                                                                0.0, field_max),
                             (GDestroyNotify) cbd_slice_overlay_unref);
      return;
    }

  /* From the cache's memory after an analysis: milliseconds. */
  envelope = cbd_envelope_compute (input->volume, input->pore, input->origin, input->size,
                                   &input->envelope, input->cache, cancellable, NULL, NULL, &error);
  if (envelope == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  overlay = cbd_slice_overlay_new (input->origin, input->size, &error);
  ok = overlay != NULL &&
       cbd_filter_evaluate (envelope, &input->thresholds, overlay->classes, NULL, &result, &error);
  cbd_envelope_unref (envelope);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&overlay), (GDestroyNotify) cbd_slice_overlay_unref);
}

static void
legend_draw (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (user_data);

  if (self->overlay == NULL)
    return;
  if (self->overlay->field != NULL)
    {
      cairo_pattern_t *gradient = cairo_pattern_create_linear (0, 0, width, 0);

      for (guint k = 0; k <= 8; k++)
        {
          guint32 rgb = cbd_slice_overlay_colormap (k / 8.0);

          cairo_pattern_add_color_stop_rgb (gradient, k / 8.0, (rgb >> 16 & 0xff) / 255.0,
                                            (rgb >> 8 & 0xff) / 255.0, (rgb & 0xff) / 255.0);
        }
      cairo_set_source (cr, gradient);
      cairo_paint (cr);
      cairo_pattern_destroy (gradient);
    }
  else
    {
      for (guint k = 0; k < 3; k++)
        {
          guint32 rgb = cbd_slice_overlay_class_rgb (k);

          cairo_set_source_rgb (cr, (rgb >> 16) / 255.0, (rgb >> 8 & 0xff) / 255.0, (rgb & 0xff) / 255.0);
          cairo_rectangle (cr, k * width / 3.0, 0, width / 3.0, height);
          cairo_fill (cr);
        }
    }
}

static void
update_legend (CbdAnalysisPanel *self)
{
  g_autofree char *text = NULL;

  if (self->overlay == NULL)
    text = g_strdup ("");
  else if (self->overlay->field == NULL)
    text = g_strdup (_("solid, retained pore, excluded pore"));
  else if (self->overlay_kind < OVERLAY_CURRENT_X)
    /* Translators: the colour bar of the potential, driven from 0 to 1 */
    text = g_strdup_printf (_("potential %g to %g"), self->overlay->field_min, self->overlay->field_max);
  else
    /* Translators: the colour bar of the current density, relative to a
     * block of pure electrolyte */
    text = g_strdup_printf (_("current density %g to %.3g (relative to pure electrolyte)"),
                            self->overlay->field_min, self->overlay->field_max);
  gtk_label_set_text (self->legend_label, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->legend_area));
}

static void
overlay_ready_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (source_object);
  g_autoptr(GError) error = NULL;
  CbdSliceOverlay *overlay;

  /* Latest wins: a newer request replaced this one. */
  if (g_task_get_cancellable (G_TASK (result)) != self->overlay_cancellable)
    return;
  g_clear_object (&self->overlay_cancellable);

  overlay = g_task_propagate_pointer (G_TASK (result), &error);
  if (overlay == NULL)
    {
      set_status (self, error->message);
      return;
    }
  g_clear_pointer (&self->overlay, cbd_slice_overlay_unref);
  self->overlay = overlay;
  self->overlay_kind = self->pending_overlay_kind;
  update_legend (self);
  g_signal_emit (self, signals[SIGNAL_OVERLAY_CHANGED], 0);
}

static void
update_overlay (CbdAnalysisPanel *self)
{
  g_autoptr(GTask) task = NULL;
  g_auto(CbdCutoutResult) result = { 0 };
  const CbdCutout *cutout;
  const CbdLabelMap *map;
  CbdStudySettings current;
  OverlayInput *input;
  gssize point;
  guint index = G_MAXUINT;

  if (self->overlay_cancellable != NULL)
    g_cancellable_cancel (self->overlay_cancellable);
  g_clear_object (&self->overlay_cancellable);

  point = self->study != NULL ? selected_point (self) : -1;
  if (point >= 0)
    index = (guint) point;

  if (index == G_MAXUINT || !gtk_check_button_get_active (self->overlay_check) ||
      !cbd_study_get_result (self->study, index, &result) ||
      cbd_analysis_runner_is_running (self->runner) || self->filter_cancellable != NULL)
    {
      /* Shown again once a result (or the run's end) is there. */
      if (self->overlay != NULL && (index == G_MAXUINT || !gtk_check_button_get_active (self->overlay_check) ||
                                    !result.finished))
        {
          g_clear_pointer (&self->overlay, cbd_slice_overlay_unref);
          update_legend (self);
          g_signal_emit (self, signals[SIGNAL_OVERLAY_CHANGED], 0);
        }
      return;
    }

  cutout = cbd_study_get_cutout (self->study, index);
  map = cbd_study_get_label_map (self->study);
  input = g_new0 (OverlayInput, 1);
  input->volume = cbd_volume_ref (cbd_study_get_volume (self->study));
  input->cache = cbd_envelope_cache_ref (cbd_study_get_envelope_cache (self->study));
  for (guint label = 0; label < 256; label++)
    input->pore[label] = map->phase[label] == CBD_PHASE_PORE;
  for (guint axis = 0; axis < 3; axis++)
    {
      input->origin[axis] = cutout->origin[axis];
      input->size[axis] = cutout->size;
    }
  current = study_settings (self);
  input->envelope = current.envelope;
  input->thresholds = current.filter;
  input->solver_tolerance = current.solver_tolerance;
  input->solver_max_iterations = current.solver_max_iterations;
  input->kind = gtk_drop_down_get_selected (self->overlay_kind_dropdown);
  if (input->kind > OVERLAY_CURRENT_X + 2)
    input->kind = OVERLAY_CLASSES;
  /* A field is not touched by the thresholds: keep the one shown. */
  if (input->kind != OVERLAY_CLASSES && self->overlay != NULL && self->overlay->field != NULL &&
      self->overlay_kind == input->kind && self->overlay->origin[0] == input->origin[0] &&
      self->overlay->origin[1] == input->origin[1] && self->overlay->origin[2] == input->origin[2] &&
      self->overlay->size[0] == input->size[0])
    {
      overlay_input_free (input);
      return;
    }
  self->pending_overlay_kind = input->kind;

  self->overlay_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->overlay_cancellable, overlay_ready_cb, NULL);
  g_task_set_source_tag (task, update_overlay);
  g_task_set_task_data (task, input, overlay_input_free);
  run_task_on_pool (self, task, overlay_thread);
}

CbdSliceOverlay *
cbd_analysis_panel_get_overlay (CbdAnalysisPanel *self,
                                double           *opacity)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);

  if (opacity != NULL)
    *opacity = gtk_range_get_value (self->overlay_opacity_scale);
  return self->overlay;
}

/* 0: the filter classes; 1-3: the potential along x, y, z; 4-6: the
 * current density along x, y, z. */
void
cbd_analysis_panel_set_overlay_kind (CbdAnalysisPanel *self,
                                     guint             kind)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));
  gtk_drop_down_set_selected (self->overlay_kind_dropdown, MIN (kind, 6));
}

void
cbd_analysis_panel_set_overlay_shown (CbdAnalysisPanel *self,
                                      gboolean          shown,
                                      double            opacity)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));

  gtk_range_set_value (self->overlay_opacity_scale, opacity);
  gtk_check_button_set_active (self->overlay_check, shown);
}

static void
overlay_opacity_changed_cb (CbdAnalysisPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_OVERLAY_CHANGED], 0);
}

void
cbd_analysis_panel_set_state (CbdAnalysisPanel *self,
                              CbdViewState     *state)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));

  if (self->state == state)
    return;
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_set_object (&self->state, state);
  if (state != NULL)
    {
      g_signal_connect_object (state, "notify::selected-cutout",
                               G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (state, "cutouts-changed",
                               G_CALLBACK (cutouts_changed_cb), self, G_CONNECT_SWAPPED);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

CbdViewState *
cbd_analysis_panel_get_state (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return self->state;
}

void
cbd_analysis_panel_set_volume_path (CbdAnalysisPanel *self,
                                    const char       *path,
                                    const char       *raw_spec)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));

  g_free (self->volume_path);
  self->volume_path = g_strdup (path);
  g_free (self->raw_spec);
  self->raw_spec = g_strdup (raw_spec);
  /* A new volume gets a new study at the next analysis. */
  if (self->study != NULL && !cbd_analysis_runner_is_running (self->runner))
    {
      g_clear_pointer (&self->study, cbd_study_unref);
      g_ptr_array_set_size (self->study_items, 0);
      update_plots (self);
    }
}

void
cbd_analysis_panel_set_n_threads (CbdAnalysisPanel *self,
                                  guint             n_threads)
{
  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));
  self->n_threads = n_threads;
}

gboolean
cbd_analysis_panel_has_results (CbdAnalysisPanel *self)
{
  guint n_finished = 0;

  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);

  if (self->study != NULL)
    cbd_study_count (self->study, &n_finished, NULL);
  return n_finished > 0;
}

gboolean
cbd_analysis_panel_sync (CbdAnalysisPanel  *self,
                         GError           **error)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);

  if (cbd_analysis_runner_is_running (self->runner))
    return TRUE;
  return cbd_analysis_panel_sync_study (self, error);
}

void
cbd_analysis_panel_adopt_study (CbdAnalysisPanel *self,
                                CbdStudy         *study)
{
  CbdStudySettings current;
  const CbdStudySettings *settings;
  CbdCutoutList *list;

  g_return_if_fail (CBD_IS_ANALYSIS_PANEL (self));
  g_return_if_fail (study != NULL);

  if (cbd_analysis_runner_is_running (self->runner) || self->state == NULL)
    return;

  cbd_study_copy_settings (study, &current);
  settings = &current;
  self->updating_controls = TRUE;
  cbd_analysis_panel_set_thresholds (self, &settings->filter);
  gtk_spin_button_set_value (self->sigma_spin, settings->envelope.partition.sigma);
  gtk_spin_button_set_value (self->r_max_spin, settings->envelope.partition.r_max);
  gtk_spin_button_set_value (self->envelope_spin, settings->envelope.edge);
  self->updating_controls = FALSE;
  g_clear_handle_id (&self->filter_timeout, g_source_remove);

  g_clear_pointer (&self->study, cbd_study_unref);
  self->study = cbd_study_ref (study);
  g_ptr_array_set_size (self->study_items, 0);
  list = cbd_view_state_get_cutouts (self->state);
  for (guint i = 0; i < cbd_study_get_n_cutouts (study); i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (list, i);

      if (item == NULL)
        break;
      g_ptr_array_add (self->study_items, g_object_ref (item));
    }
  /* Anything that does not match (names, geometry) is resolved here. */
  if (!sync_and_refresh (self))
    results_changed (self);
}

CbdStudy *
cbd_analysis_panel_get_study (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return self->study;
}

CbdAnalysisRunner *
cbd_analysis_panel_get_runner (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return self->runner;
}

CbdPlotView *
cbd_analysis_panel_get_correlation_view (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return self->correlation_view;
}

CbdPlotView *
cbd_analysis_panel_get_psd_view (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return self->psd_view;
}

gboolean
cbd_analysis_panel_get_fit (CbdAnalysisPanel *self,
                            CbdFitResult     *fit,
                            CbdFitSummary    *summary)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);

  if (!self->have_fit)
    return FALSE;
  if (fit != NULL)
    *fit = self->fit;
  if (summary != NULL)
    *summary = self->summary;
  return TRUE;
}

const char *
cbd_analysis_panel_get_fit_text (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return gtk_label_get_text (self->fit_label);
}

const char *
cbd_analysis_panel_get_status (CbdAnalysisPanel *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), NULL);
  return gtk_label_get_text (self->status_label);
}

/* Export */

gboolean
cbd_analysis_panel_export_figure (CbdAnalysisPanel  *self,
                                  const char        *path,
                                  GError           **error)
{
  CbdPlotFormat format;
  double width, height, dpi;

  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!cbd_plot_format_from_path (path, &format))
    {
      g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                   _("“%s” does not end in .png, .svg or .pdf"), path);
      return FALSE;
    }
  width = gtk_spin_button_get_value (self->width_spin);
  height = gtk_spin_button_get_value (self->height_spin);
  dpi = gtk_spin_button_get_value (self->dpi_spin);

  if (gtk_notebook_get_current_page (self->notebook) == 1)
    {
      CbdPlotPsd *psd = cbd_plot_view_get_psd (self->psd_view);

      if (psd == NULL)
        {
          g_set_error_literal (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                               _("There is no pore size distribution yet."));
          return FALSE;
        }
      return cbd_plot_psd_export (psd, path, format, width, height, dpi, error);
    }
  else
    {
      CbdPlotCorrelation *plot = cbd_plot_view_get_correlation (self->correlation_view);

      if (plot == NULL)
        {
          g_set_error_literal (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                               _("There are no results to plot yet."));
          return FALSE;
        }
      return cbd_plot_correlation_export (plot, path, format, width, height, dpi, error);
    }
}

gboolean
cbd_analysis_panel_export_tables (CbdAnalysisPanel  *self,
                                  const char        *directory,
                                  GError           **error)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_PANEL (self), FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);

  if (self->study == NULL)
    {
      g_set_error_literal (error, CBD_STUDY_ERROR, CBD_STUDY_ERROR_INVALID,
                           _("There are no results to export yet."));
      return FALSE;
    }
  return cbd_study_export_tables (self->study, directory, error);
}

static void
show_error (CbdAnalysisPanel *self,
            const char       *primary,
            const char       *secondary)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  set_status (self, secondary);
  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", primary);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
figure_chooser_response_cb (GtkNativeDialog  *dialog,
                            int               response,
                            CbdAnalysisPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      /* The chooser has asked before replacing an existing file. */
      if (path != NULL && !cbd_analysis_panel_export_figure (self, path, &error))
        show_error (self, _("Could not export the figure"), error->message);
      else if (path != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("Saved “%s”."), path);
          set_status (self, text);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
cbd_analysis_panel_choose_figure_file (CbdAnalysisPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  gboolean psd = gtk_notebook_get_current_page (self->notebook) == 1;

  chooser = gtk_file_chooser_native_new (_("Export Figure"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser),
                                     psd ? "psd.png" : "correlation.png");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (figure_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static const char * const table_files[] = {
  "cutouts.csv", "fit.json", "psd.csv", "summary.json",
};

static void
export_tables_to (CbdAnalysisPanel *self,
                  const char       *directory)
{
  g_autoptr(GError) error = NULL;

  if (!cbd_analysis_panel_export_tables (self, directory, &error))
    show_error (self, _("Could not export the tables"), error->message);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Wrote the tables into “%s”."), directory);
      set_status (self, text);
    }
}

static void
replace_response_cb (GtkDialog        *dialog,
                     int               response,
                     CbdAnalysisPanel *self)
{
  const char *directory = g_object_get_data (G_OBJECT (dialog), "directory");

  if (response == GTK_RESPONSE_ACCEPT)
    export_tables_to (self, directory);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
folder_chooser_response_cb (GtkNativeDialog  *dialog,
                            int               response,
                            CbdAnalysisPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *directory = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GString) existing = g_string_new (NULL);

      for (guint i = 0; directory != NULL && i < G_N_ELEMENTS (table_files); i++)
        {
          g_autofree char *path = g_build_filename (directory, table_files[i], NULL);

          if (g_file_test (path, G_FILE_TEST_EXISTS))
            g_string_append_printf (existing, "%s%s", existing->len > 0 ? ", " : "",
                                    table_files[i]);
        }

      if (directory != NULL && existing->len > 0)
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
          GtkWidget *confirm;

          confirm = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                            GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                            GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                            "%s", _("Replace the tables in this folder?"));
          gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (confirm),
                                                    _("It already holds %s."), existing->str);
          gtk_dialog_add_buttons (GTK_DIALOG (confirm), _("_Cancel"), GTK_RESPONSE_CANCEL,
                                  _("_Replace"), GTK_RESPONSE_ACCEPT, NULL);
          g_object_set_data_full (G_OBJECT (confirm), "directory",
                                  g_steal_pointer (&directory), g_free);
          g_signal_connect (confirm, "response", G_CALLBACK (replace_response_cb), self);
          gtk_window_present (GTK_WINDOW (confirm));
        }
      else if (directory != NULL)
        export_tables_to (self, directory);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
cbd_analysis_panel_choose_table_folder (CbdAnalysisPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export Tables into a Folder"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* GObject */

static void
cbd_analysis_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_object (value, self->state);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, cbd_analysis_panel_get_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_analysis_panel_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cbd_analysis_panel_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_analysis_panel_dispose (GObject *object)
{
  CbdAnalysisPanel *self = CBD_ANALYSIS_PANEL (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->filter_timeout, g_source_remove);
  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  g_clear_handle_id (&self->filter_progress_timeout, g_source_remove);
  self->filter_input = NULL;
  if (self->filter_cancellable != NULL)
    g_cancellable_cancel (self->filter_cancellable);
  g_clear_object (&self->filter_cancellable);
  /* Queued tasks still run (they hold the panel) and the pool goes then. */
  if (self->work_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->work_pool), FALSE, FALSE);
  if (self->overlay_cancellable != NULL)
    g_cancellable_cancel (self->overlay_cancellable);
  g_clear_object (&self->overlay_cancellable);
  g_clear_pointer (&self->overlay, cbd_slice_overlay_unref);
  if (self->runner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->runner, self);
      cbd_analysis_runner_cancel (self->runner);
    }
  g_clear_object (&self->runner);
  cbd_analysis_panel_set_state (self, NULL);
  g_clear_pointer (&self->study, cbd_study_unref);
  g_clear_pointer (&self->study_items, g_ptr_array_unref);
  g_clear_pointer (&self->references, g_ptr_array_unref);
  g_clear_pointer (&self->volume_path, g_free);
  g_clear_pointer (&self->raw_spec, g_free);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);

  G_OBJECT_CLASS (cbd_analysis_panel_parent_class)->dispose (object);
}

static void
cbd_analysis_panel_class_init (CbdAnalysisPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_analysis_panel_dispose;
  object_class->get_property = cbd_analysis_panel_get_property;
  object_class->set_property = cbd_analysis_panel_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CBD_TYPE_VIEW_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The study's results changed: a cutout finished, or the filter moved. */
  signals[SIGNAL_RESULTS_CHANGED] =
    g_signal_new ("results-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The thresholds shown are now the study's (after the debounce). */
  signals[SIGNAL_FILTER_APPLIED] =
    g_signal_new ("filter-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * CbdAnalysisPanel::analysis-finished:
   * @cancelled: whether the run was cancelled
   */
  signals[SIGNAL_ANALYSIS_FINISHED] =
    g_signal_new ("analysis-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /* The overlay (cbd_analysis_panel_get_overlay()) or its opacity changed. */
  signals[SIGNAL_OVERLAY_CHANGED] =
    g_signal_new ("overlay-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (CBD_TYPE_PLOT_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-analysis-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, selected_only_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, notebook);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, correlation_view);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, psd_view);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, references_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, rejected_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, log_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, fit_label);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, d_max_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, v_max_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, f_inside_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, max_excluded_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, truncated_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, border_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, sigma_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, r_max_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, envelope_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, width_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, height_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, dpi_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, overlay_check);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, overlay_opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, overlay_kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, legend_area);
  gtk_widget_class_bind_template_child (widget_class, CbdAnalysisPanel, legend_label);
}

static void
cbd_analysis_panel_init (CbdAnalysisPanel *self)
{
  GtkSpinButton *filter_spins[4];
  GtkSpinButton *partition_spins[3];

  gtk_widget_init_template (GTK_WIDGET (self));

  self->work_pool = g_thread_pool_new (work_thread, NULL, WORK_THREADS, FALSE, NULL);
  self->study_items = g_ptr_array_new_with_free_func (g_object_unref);
  self->runner = cbd_analysis_runner_new ();
  g_signal_connect (self->runner, "cutout-finished", G_CALLBACK (runner_cutout_finished_cb), self);
  g_signal_connect (self->runner, "progress", G_CALLBACK (runner_progress_cb), self);
  g_signal_connect (self->runner, "finished", G_CALLBACK (runner_finished_cb), self);

  filter_spins[0] = self->d_max_spin;
  filter_spins[1] = self->v_max_spin;
  filter_spins[2] = self->f_inside_spin;
  filter_spins[3] = self->max_excluded_spin;
  for (guint i = 0; i < G_N_ELEMENTS (filter_spins); i++)
    g_signal_connect_swapped (filter_spins[i], "value-changed",
                              G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->truncated_check, "toggled", G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->border_check, "toggled", G_CALLBACK (filter_changed_cb), self);

  partition_spins[0] = self->sigma_spin;
  partition_spins[1] = self->r_max_spin;
  partition_spins[2] = self->envelope_spin;
  for (guint i = 0; i < G_N_ELEMENTS (partition_spins); i++)
    g_signal_connect_swapped (partition_spins[i], "value-changed",
                              G_CALLBACK (partition_changed_cb), self);

  g_signal_connect_swapped (self->references_check, "toggled", G_CALLBACK (update_plots), self);
  g_signal_connect_swapped (self->rejected_check, "toggled", G_CALLBACK (update_plots), self);
  g_signal_connect_swapped (self->log_check, "toggled", G_CALLBACK (update_plots), self);
  g_signal_connect (self->correlation_view, "point-activated", G_CALLBACK (point_activated_cb), self);
  g_signal_connect_swapped (self->overlay_check, "toggled", G_CALLBACK (update_overlay), self);
  g_signal_connect_swapped (self->overlay_kind_dropdown, "notify::selected",
                            G_CALLBACK (update_overlay), self);
  gtk_drawing_area_set_draw_func (self->legend_area, legend_draw, self, NULL);
  g_signal_connect_swapped (self->overlay_opacity_scale, "value-changed",
                            G_CALLBACK (overlay_opacity_changed_cb), self);

  gtk_progress_bar_set_text (self->progress_bar, "");
  update_plots (self);
}

GtkWidget *
cbd_analysis_panel_new (void)
{
  return g_object_new (CBD_TYPE_ANALYSIS_PANEL, NULL);
}
