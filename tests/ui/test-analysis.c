/* test-analysis.c — the analysis panel under Xvfb: a run on three small
 * cutouts fills the study, the plot and the fit without stalling the main
 * loop; the fit shown is the one `cbdscope-cli fit` computes from the
 * exported cutouts.csv; cancel keeps finished results; filter thresholds
 * move the accepted set, and in a reopened project partition nothing (the
 * saved pore tables are judged); exported figures and tables are well
 * formed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The volume: 64 x 32 x 32 voxels of 10 nm, random pore sites with a
 * porosity of 0.45, 0.55 and 0.65 in three slabs along x (above the
 * 0.31 site percolation threshold, so each percolates), CBD elsewhere,
 * and a CAM layer at z >= 28 that no cutout touches.
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cbd-analysis-panel.h"
#include "cbd-filter.h"
#include "cbd-io.h"
#include "cbd-project.h"
#include "cbd-volume-view.h"
#include "cbd-window.h"
#include "ui-test-common.h"

#define NX 64
#define NY 32
#define NZ 32
#define EDGE 16

static guint32
hash3 (guint32 x, guint32 y, guint32 z)
{
  guint32 h = x * 73856093u ^ y * 19349663u ^ z * 83492791u;

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return h;
}

/* Three slabs along x, a CAM layer in the top 4 z planes. */
static CbdVolume *
make_volume_sized (gsize nx, gsize ny, gsize nz)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          double porosity = x < nx / 3 ? 0.45 : x < 2 * nx / 3 ? 0.55 : 0.65;
          guint8 label;

          if (z >= nz - 4)
            label = CAM;
          else
            label = (hash3 (x, y, z) % 10000) < porosity * 10000 ? PORE : CBD;
          volume->labels[cbd_volume_index (volume, x, y, z)] = label;
        }
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  return volume;
}

static CbdVolume *
make_volume (void)
{
  return make_volume_sized (NX, NY, NZ);
}

typedef struct
{
  CbdWindow        *window;
  CbdAnalysisPanel *panel;
  gint64            last_tick;
  gint64            max_gap;           /* between ticks, all included */
  gint64            max_gap_no_render; /* the same less the frames' rendering */
  gint64            render_start;
  gint64            render_in_gap;
  gint64            max_render;
  guint             n_frames;
  gboolean          finished;
  gboolean          cancelled;
  gboolean          filter_applied;
  gboolean          overlay_changed;
  guint             n_streamed;
} Fixture;

static gboolean
tick_cb (gpointer user_data)
{
  Fixture *fixture = user_data;
  gint64 now = g_get_monotonic_time ();

  if (fixture->last_tick > 0)
    {
      fixture->max_gap = MAX (fixture->max_gap, now - fixture->last_tick);
      fixture->max_gap_no_render = MAX (fixture->max_gap_no_render,
                                        now - fixture->last_tick - fixture->render_in_gap);
    }
  fixture->last_tick = now;
  fixture->render_in_gap = 0;
  return G_SOURCE_CONTINUE;
}

/* A frame's rendering: from the surface's render signal (an emission
 * hook runs before GTK's handler snapshots and renders the window) to
 * after-paint. With Mesa's llvmpipe on a loaded machine this is the
 * window's cost, whatever else happens. */
static gboolean
render_hook (GSignalInvocationHint *hint,
             guint                  n_values,
             const GValue          *values,
             gpointer               user_data)
{
  Fixture *fixture = user_data;

  if (fixture->render_start == 0)
    fixture->render_start = g_get_monotonic_time ();
  return TRUE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Fixture       *fixture)
{
  gint64 render;

  if (fixture->render_start == 0)
    return;
  render = g_get_monotonic_time () - fixture->render_start;
  fixture->render_in_gap += render;
  fixture->max_render = MAX (fixture->max_render, render);
  fixture->render_start = 0;
  fixture->n_frames++;
}

/* Times every frame of the window from here to frame_timing_stop (). */
static gulong
frame_timing_start (Fixture *fixture)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (fixture->window));

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), fixture);
  return g_signal_add_emission_hook (g_signal_lookup ("render", GDK_TYPE_SURFACE), 0,
                                     render_hook, fixture, NULL);
}

static void
frame_timing_stop (Fixture *fixture,
                   gulong   hook)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (fixture->window));

  g_signal_handlers_disconnect_by_data (clock, fixture);
  g_signal_remove_emission_hook (g_signal_lookup ("render", GDK_TYPE_SURFACE), hook);
}

static void
finished_cb (CbdAnalysisPanel *panel,
             gboolean          cancelled,
             Fixture          *fixture)
{
  fixture->finished = TRUE;
  fixture->cancelled = cancelled;
}

static void
filter_applied_cb (CbdAnalysisPanel *panel,
                   Fixture          *fixture)
{
  fixture->filter_applied = TRUE;
}

static void
overlay_changed_cb (CbdAnalysisPanel *panel,
                    Fixture          *fixture)
{
  fixture->overlay_changed = TRUE;
}

/* The overlay the panel shows is the filter's classes for its cutout
 * under the study's thresholds, computed here from the envelope cache;
 * and the XY view paints each interior voxel of plane z in its class
 * colour (opacity 1). Returns how many pore voxels are drawn excluded. */
static guint
check_overlay (Fixture   *fixture,
               CbdVolume *volume,
               guint      index,
               gsize      z)
{
  static const guint colours[3][3] = { { 0, 0, 0 }, { 255, 140, 0 }, { 0, 176, 79 } };
  CbdStudy *study = cbd_analysis_panel_get_study (fixture->panel);
  const CbdCutout *cutout = cbd_study_get_cutout (study, index);
  const CbdStudySettings *settings = cbd_study_get_settings (study);
  CbdSliceOverlay *overlay = cbd_analysis_panel_get_overlay (fixture->panel, NULL);
  CbdSliceView *view = cbd_window_get_slice_view (fixture->window, CBD_AXIS_Z);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *classes = NULL;
  g_autoptr(Capture) capture = NULL;
  gsize size[3] = { cutout->size, cutout->size, cutout->size };
  gboolean pore[256] = { FALSE };
  CbdFilterResult result;
  CbdEnvelope *envelope;
  guint n_excluded = 0;

  g_assert_nonnull (overlay);
  pore[PORE] = TRUE;
  envelope = cbd_envelope_compute (volume, pore, cutout->origin, size, &settings->envelope,
                                   cbd_study_get_envelope_cache (study), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  classes = g_malloc (size[0] * size[1] * size[2]);
  g_assert_true (cbd_filter_evaluate (envelope, &settings->filter, classes, NULL, &result, &error));
  cbd_envelope_unref (envelope);
  g_assert_cmpmem (overlay->classes, size[0] * size[1] * size[2], classes, size[0] * size[1] * size[2]);

  ui_test_wait_until_drawn (GTK_WIDGET (view));
  capture = capture_widget (GTK_WIDGET (view));
  /* Rows below the cutout's name label, columns clear of its outline. */
  for (gsize y = cutout->origin[1] + 5; y + 2 < cutout->origin[1] + cutout->size; y++)
    for (gsize x = cutout->origin[0] + 2; x + 2 < cutout->origin[0] + cutout->size; x++)
      {
        guint8 label = volume->labels[cbd_volume_index (volume, x, y, z)];
        int class = cbd_slice_overlay_get (overlay, x, y, z);
        double px, py;

        /* Solid is solid whatever the thresholds. */
        g_assert_cmpint (class == CBD_FILTER_SOLID, ==, label != PORE);
        n_excluded += class == CBD_FILTER_EXCLUDED;
        cbd_slice_view_voxel_to_point (view, x + 0.5, y + 0.5, &px, &py);
        assert_rgb (capture_pixel (capture, (int) px, (int) py),
                    colours[class][0], colours[class][1], colours[class][2]);
      }
  return n_excluded;
}

/* Every row of the cutout list shows its cutout's result as the study
 * holds it (or none while it has none), after the panel's last refresh. */
static void
assert_list_shows_results (Fixture *fixture)
{
  CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (fixture->window));
  CbdStudy *study = cbd_analysis_panel_get_study (fixture->panel);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (list));

  g_assert_cmpuint (n_items, ==, cbd_study_get_n_cutouts (study));
  for (guint i = 0; i < n_items; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };
      CbdCutoutItemAnalysis analysis;
      gboolean finished = cbd_study_get_result (study, i, &result);

      g_assert_cmpint (cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis),
                       ==, finished);
      g_assert_cmpint (analysis.analysed, ==, finished);
      if (!finished)
        {
          g_assert_true (isnan (analysis.sigma_rel_mean));
          continue;
        }
      g_assert_cmpfloat (analysis.sigma_rel_mean, ==, result.sigma_rel_mean);
      g_assert_cmpfloat (analysis.sigma_rel_std, ==, result.sigma_rel_std);
      g_assert_cmpfloat (analysis.tau_mean, ==, result.tau_mean);
      g_assert_cmpint (analysis.accepted, ==, cbd_cutout_result_is_accepted (&result));
    }
}

static void
load_finished_cb (CbdWindow  *window,
                  gboolean    success,
                  const char *message,
                  gboolean   *finished)
{
  *finished = TRUE;
}

static void
cutout_finished_cb (CbdAnalysisRunner *runner,
                    guint              index,
                    Fixture           *fixture)
{
  fixture->n_streamed++;
}

static void
add_cutout (CbdWindow  *window,
            const char *name,
            gsize       x,
            gsize       y,
            gsize       z,
            gsize       edge)
{
  CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (window));
  gsize origin[3] = { x, y, z };
  g_autoptr(CbdCutoutItem) item = cbd_cutout_item_new (name, origin, edge);

  cbd_cutout_list_insert (list, g_list_model_get_n_items (G_LIST_MODEL (list)), item);
}

/* A 1200 x 800 window on @volume, drawn, its analysis panel reporting the
 * end of a run to @fixture and set to envelopes of @envelope voxels. */
static void
fixture_open_window (Fixture    *fixture,
                     CbdVolume  *volume,
                     const char *path,
                     guint       envelope)
{
  GtkWidget *spin;

  fixture->window = cbd_window_new (NULL);
  cbd_window_set_interactive (fixture->window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1200, 800);
  cbd_window_set_volume (fixture->window, volume, path);
  gtk_window_present (GTK_WINDOW (fixture->window));
  ui_test_wait_until_drawn (GTK_WIDGET (cbd_window_get_slice_view (fixture->window, CBD_AXIS_Z)));
  fixture->panel = CBD_ANALYSIS_PANEL (cbd_window_get_analysis_panel (fixture->window));
  g_signal_connect (fixture->panel, "analysis-finished", G_CALLBACK (finished_cb), fixture);
  spin = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (fixture->panel),
                                                   CBD_TYPE_ANALYSIS_PANEL, "envelope_spin"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), envelope);
}

/* Runs the analysis to its end, measuring the longest gap between 5 ms
 * ticks of the main loop. Returns the seconds it took. */
static double
run_analysis (Fixture *fixture)
{
  gint64 start = g_get_monotonic_time ();
  guint tick;

  fixture->finished = FALSE;
  fixture->max_gap = 0;
  fixture->max_gap_no_render = 0;
  fixture->max_render = 0;
  fixture->render_in_gap = 0;
  /* From the click: a blocked loop shows as one long gap, not none. */
  fixture->last_tick = start;
  tick = g_timeout_add (5, tick_cb, fixture);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->window), "analyse", NULL);
  if (!cbd_analysis_panel_get_running (fixture->panel))
    g_error ("not running: %s", cbd_analysis_panel_get_status (fixture->panel));
  /* The threads read the label map and voxel size: fixed meanwhile. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->window), "voxel-size"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->window), "label-map"));
  ui_test_wait_for_flag (&fixture->finished);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->window), "voxel-size"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->window), "label-map"));
  tick_cb (fixture);
  g_source_remove (tick);
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
json_number (const char *json,
             const char *key)
{
  g_autofree char *pattern = g_strdup_printf ("\"%s\"\\s*:\\s*([-+0-9.eE]+)", key);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *number = NULL;

  g_assert_true (g_regex_match (regex, json, 0, &match));
  number = g_match_info_fetch (match, 1);
  return g_ascii_strtod (number, NULL);
}

static void
assert_file_starts (const char *path,
                    const char *magic,
                    gsize       magic_length,
                    const char *tail)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, magic_length);
  g_assert_cmpmem (contents, magic_length, magic, magic_length);
  /* The closing marker within the last 64 bytes: the file is complete. */
  if (tail != NULL)
    {
      gsize tail_length = strlen (tail);
      gsize from = length > 64 ? length - 64 : 0;
      gboolean found = FALSE;

      for (gsize i = from; !found && i + tail_length <= length; i++)
        found = memcmp (contents + i, tail, tail_length) == 0;
      g_assert_true (found);
    }
}

static gboolean
volume_view_settled (gpointer data)
{
  CbdVolumeView *view = data;

  return cbd_volume_view_get_ready (view) || cbd_volume_view_get_message (view) != NULL;
}

/* Pixels of the 3D view in the classes' colours (orange, green) and the
 * bounding box of them all (x0, x1, y0, y1). */
static void
count_class_pixels (CbdVolumeView *view,
                    guint          counts[2],
                    int            box[4])
{
  g_autoptr(Capture) capture = NULL;

  ui_test_wait_until_drawn (GTK_WIDGET (view));
  capture = capture_widget (GTK_WIDGET (view));
  counts[0] = counts[1] = 0;
  box[0] = box[2] = G_MAXINT;
  box[1] = box[3] = -1;
  for (int y = 0; y < capture->height; y++)
    for (int x = 0; x < capture->width; x++)
      {
        guint32 pixel = capture_pixel (capture, x, y);
        int r = pixel >> 16 & 0xff, g = pixel >> 8 & 0xff, b = pixel & 0xff;
        int class = -1;

        /* shaded by the headlight: the hue, not the exact value */
        if (r > 80 && g > r * 0.4 && g < r * 0.7 && b < r * 0.15)
          class = 0;
        else if (g > 60 && r < g * 0.15 && b > g * 0.3 && b < g * 0.6)
          class = 1;
        if (class < 0)
          continue;
        counts[class]++;
        box[0] = MIN (box[0], x);
        box[1] = MAX (box[1], x);
        box[2] = MIN (box[2], y);
        box[3] = MAX (box[3], y);
      }
}

/* Pixels of the 3D view in the accepted cutouts' outline blue. */
static guint
count_accepted_outline_pixels (CbdVolumeView *view)
{
  g_autoptr(Capture) capture = NULL;
  guint count = 0;

  ui_test_wait_until_drawn (GTK_WIDGET (view));
  capture = capture_widget (GTK_WIDGET (view));
  for (int y = 0; y < capture->height; y++)
    for (int x = 0; x < capture->width; x++)
      {
        guint32 pixel = capture_pixel (capture, x, y);
        int r = pixel >> 16 & 0xff, g = pixel >> 8 & 0xff, b = pixel & 0xff;

        count += b > 120 && b > 2 * r && g > r + 30 && b > g + 30;
      }
  return count;
}

static void
test_analysis (void)
{
  g_autoptr(CbdVolume) volume = make_volume ();
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("cbd-analysis-XXXXXX", &error);
  Fixture fixture = { 0 };
  CbdStudy *study;
  CbdFitResult shown, fit;
  CbdFitSummary summary;
  CbdFilterThresholds thresholds;
  double seconds;
  guint passes, frames;
  guint n_finished, n_accepted;
  guint loose_excluded, tight_excluded;
  guint accepted_outline = 0;
  g_autofree char *tiff_path = NULL;

  g_assert_no_error (error);
  /* On disk, so a saved project can open it again. */
  tiff_path = g_build_filename (directory, "volume.tif", NULL);
  g_assert_true (cbd_tiff_write (volume, tiff_path, &error));
  g_assert_no_error (error);
  /* Small envelopes keep the partition quick. */
  fixture_open_window (&fixture, volume, tiff_path, 32);
  g_signal_connect (fixture.panel, "filter-applied", G_CALLBACK (filter_applied_cb), &fixture);
  g_signal_connect (fixture.panel, "overlay-changed", G_CALLBACK (overlay_changed_cb), &fixture);
  g_signal_connect (cbd_analysis_panel_get_runner (fixture.panel), "cutout-finished",
                    G_CALLBACK (cutout_finished_cb), &fixture);

  /* Analyse with no cutouts: a message, and the page is shown (its first
   * layout is not part of the run measured below). */
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "analyse", NULL);
  g_assert_false (cbd_analysis_panel_get_running (fixture.panel));
  g_assert_cmpstr (cbd_analysis_panel_get_status (fixture.panel), ==, "Add cutouts to analyse.");
  ui_test_wait_until_drawn (GTK_WIDGET (cbd_analysis_panel_get_correlation_view (fixture.panel)));

  add_cutout (fixture.window, "low", 2, 8, 4, EDGE);
  add_cutout (fixture.window, "mid", 24, 8, 4, EDGE);
  add_cutout (fixture.window, "high", 46, 8, 4, EDGE);
  /* The new boxes in the 3D view: its render (llvmpipe here, ~0.3 s a
   * frame) is not part of the run. */
  ui_test_wait_until_drawn (cbd_window_get_volume_view (fixture.window));

  /* A run of all three streams each result in and ends with a fit. */
  {
    gulong hook = frame_timing_start (&fixture);
    gint64 baseline;

    /* What a frame of this window costs without any analysis: only the
     * plot (0.2 ms of cairo) changes. With llvmpipe the app draws windows
     * with cairo (cbd-software-gl.c): 7-10 ms here; GTK's GL renderer
     * would repaint the whole window, 60-70 ms for 1200 x 800. */
    for (guint i = 0; i < 3; i++)
      ui_test_wait_until_drawn (GTK_WIDGET (cbd_analysis_panel_get_correlation_view (fixture.panel)));
    baseline = fixture.max_render;

    passes = cbd_volume_view_get_n_volume_passes (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window)));
    frames = cbd_volume_view_get_n_frames (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window)));
    fixture.n_frames = 0;
    seconds = run_analysis (&fixture);
    frames = cbd_volume_view_get_n_frames (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window))) - frames;
    passes = cbd_volume_view_get_n_volume_passes (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window))) - passes;
    g_test_message ("3 cutouts of 16^3 in %.2f s; longest main-loop gap %.1f ms, "
                    "%.1f ms without frame rendering; %u window frames, the longest "
                    "rendered in %.1f ms (a plot-only frame before the run: %.1f ms); "
                    "%u 3D frames, %u of them casting rays", seconds, fixture.max_gap / 1000.0,
                    fixture.max_gap_no_render / 1000.0, fixture.n_frames, fixture.max_render / 1000.0,
                    baseline / 1000.0, frames, passes);
    frame_timing_stop (&fixture, hook);
  }
  g_assert_false (fixture.cancelled);
  /* Neither the analysis nor the frames it causes hold the main loop
   * for 100 ms. */
  g_assert_cmpint (fixture.max_gap, <, 100000);
  /* New results change the 3D view's cutout boxes only: its frames copy
   * the kept ray-marched picture (a pass costs llvmpipe 0.1-0.5 s). */
  g_assert_cmpuint (passes, ==, 0);
  g_assert_cmpuint (fixture.n_streamed, ==, 3);
  /* ... and the whole stack's pore sizes for the second tab. */
  g_assert_true (cbd_study_has_stack_psd (cbd_analysis_panel_get_study (fixture.panel)));
  g_assert_nonnull (cbd_plot_view_get_psd (cbd_analysis_panel_get_psd_view (fixture.panel)));

  study = cbd_analysis_panel_get_study (fixture.panel);
  g_assert_nonnull (study);
  cbd_study_count (study, &n_finished, &n_accepted);
  g_assert_cmpuint (n_finished, ==, 3);
  assert_list_shows_results (&fixture);
  g_assert_nonnull (cbd_plot_view_get_correlation (cbd_analysis_panel_get_correlation_view (fixture.panel)));

  /* Porosity of each cutout counted by hand from the generator. */
  for (guint i = 0; i < 3; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };
      const CbdCutout *cutout = cbd_study_get_cutout (study, i);
      guint64 pore = 0;

      g_assert_true (cbd_study_get_result (study, i, &result));
      for (gsize z = cutout->origin[2]; z < cutout->origin[2] + EDGE; z++)
        for (gsize y = cutout->origin[1]; y < cutout->origin[1] + EDGE; y++)
          for (gsize x = cutout->origin[0]; x < cutout->origin[0] + EDGE; x++)
            pore += volume->labels[cbd_volume_index (volume, x, y, z)] == PORE;
      g_assert_cmpfloat_with_epsilon (result.porosity, pore / (double) (EDGE * EDGE * EDGE), 1e-12);
      g_assert_cmpfloat (result.sigma_rel_mean, >, 0.0);
      g_assert_cmpfloat (result.sigma_rel_mean, <, result.porosity);

      /* The list's result columns show it. */
      {
        CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (fixture.window));
        CbdCutoutItemAnalysis analysis;

        g_assert_true (cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis));
        g_assert_cmpfloat (analysis.sigma_rel_mean, ==, result.sigma_rel_mean);
        g_assert_cmpint (analysis.accepted, ==, cbd_cutout_result_is_accepted (&result));
      }
    }

  /* Everything accepted whatever the pores: excluded <= 100 % always. */
  cbd_analysis_panel_get_thresholds (fixture.panel, &thresholds);
  thresholds.max_excluded = 1.0;
  fixture.filter_applied = FALSE;
  cbd_analysis_panel_set_thresholds (fixture.panel, &thresholds);
  ui_test_wait_for_flag (&fixture.filter_applied);
  cbd_study_count (study, &n_finished, &n_accepted);
  g_assert_cmpuint (n_accepted, ==, 3);

  /* The fit shown is cbd_study_fit's and the CLI's on the exported CSV. */
  g_assert_true (cbd_analysis_panel_get_fit (fixture.panel, &shown, &summary));
  g_assert_true (cbd_study_fit (study, TRUE, &fit, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shown.n, ==, 3);
  g_assert_cmpfloat (shown.gamma, ==, fit.gamma);
  g_assert_cmpfloat (shown.alpha, ==, fit.alpha);
  {
    g_autofree char *gamma_text = g_strdup_printf ("γ = %.4g", fit.gamma);

    g_assert_nonnull (strstr (cbd_analysis_panel_get_fit_text (fixture.panel), gamma_text));
  }

  /* A point under the pointer names its cutout, and a click on it selects
   * the cutout and centres the views on it. */
  {
    CbdPlotView *view = cbd_analysis_panel_get_correlation_view (fixture.panel);
    CbdViewState *state = cbd_window_get_state (fixture.window);
    int width = gtk_widget_get_width (GTK_WIDGET (view));
    int height = gtk_widget_get_height (GTK_WIDGET (view));
    gssize hit = -1;
    gsize crosshair[3], origin[3];
    CbdCutoutItem *item;

    for (int y = 0; hit < 0 && y < height; y++)
      for (int x = 0; hit < 0 && x < width; x++)
        hit = cbd_plot_view_hit_test (view, x, y);
    g_assert_cmpint (hit, >=, 0);
    g_assert_cmpint (hit, <, 3);
    item = cbd_cutout_list_get (cbd_view_state_get_cutouts (state), (guint) hit);
    /* Its tooltip is the cutout's name; off the points there is none. */
    {
      gboolean found = FALSE;

      for (int y = 0; !found && y < height; y++)
        for (int x = 0; !found && x < width; x++)
          if (cbd_plot_view_hit_test (view, x, y) == hit)
            {
              g_autofree char *text = cbd_plot_view_dup_hover_text (view, x, y);

              g_assert_cmpstr (text, ==, cbd_cutout_item_get_name (item));
              found = TRUE;
            }
      g_assert_true (found);
      g_assert_null (cbd_plot_view_dup_hover_text (view, -100, -100));
    }
    g_signal_emit_by_name (view, "point-activated", (guint) hit);
    g_assert_true (cbd_view_state_get_selected_cutout (state) == item);
    cbd_view_state_get_crosshair (state, crosshair);
    cbd_cutout_item_get_origin (item, origin);
    for (guint axis = 0; axis < 3; axis++)
      {
        g_assert_cmpuint (crosshair[axis], >=, origin[axis]);
        g_assert_cmpuint (crosshair[axis], <, origin[axis] + EDGE);
      }
  }

  g_assert_true (cbd_analysis_panel_export_tables (fixture.panel, directory, &error));
  g_assert_no_error (error);
  if (g_getenv ("CBD_CLI") != NULL)
    {
      g_autofree char *csv = g_build_filename (directory, "cutouts.csv", NULL);
      const char *argv[] = { g_getenv ("CBD_CLI"), "fit", csv, "--json", NULL };
      g_autofree char *out = NULL;
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      /* 17 significant digits in the JSON: equal to the last bit or two. */
      g_assert_cmpfloat_with_epsilon (json_number (out, "gamma"), shown.gamma,
                                      1e-14 * fabs (shown.gamma));
      g_assert_cmpfloat_with_epsilon (json_number (out, "alpha"), shown.alpha,
                                      1e-14 * fabs (shown.alpha));
      g_assert_cmpfloat_with_epsilon (json_number (out, "r2"), shown.r2, 1e-12);
    }
  for (guint i = 0; i < 4; i++)
    {
      static const char *names[] = { "cutouts.csv", "fit.json", "psd.csv", "summary.json" };
      g_autofree char *path = g_build_filename (directory, names[i], NULL);

      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }

  /* Figures: PNG at the asked size and resolution, SVG and PDF complete. */
  {
    g_autofree char *png = g_build_filename (directory, "fit.png", NULL);
    g_autofree char *svg = g_build_filename (directory, "fit.svg", NULL);
    g_autofree char *pdf = g_build_filename (directory, "fit.pdf", NULL);
    g_autoptr(GdkTexture) texture = NULL;

    g_assert_true (cbd_analysis_panel_export_figure (fixture.panel, png, &error));
    g_assert_true (cbd_analysis_panel_export_figure (fixture.panel, svg, &error));
    g_assert_true (cbd_analysis_panel_export_figure (fixture.panel, pdf, &error));
    g_assert_no_error (error);
    assert_file_starts (png, "\x89PNG\r\n\x1a\n", 8, "IEND");
    assert_file_starts (svg, "<?xml", 5, "</svg>");
    assert_file_starts (pdf, "%PDF-", 5, "%%EOF");
    texture = gdk_texture_new_from_filename (png, &error);
    g_assert_no_error (error);
    /* 324 x 245 pt at 300 dpi */
    g_assert_cmpint (gdk_texture_get_width (texture), ==, (int) round (324 * 300 / 72.0));
    g_assert_cmpint (gdk_texture_get_height (texture), ==, (int) round (245 * 300 / 72.0));
    g_assert_false (cbd_analysis_panel_export_figure (fixture.panel, "fit.bmp", &error));
    g_clear_error (&error);
  }

  /* The overlay of "mid" in plane z = 12, crosshair in a corner so its
   * lines cross no checked voxel. */
  {
    CbdViewState *state = cbd_window_get_state (fixture.window);
    CbdCutoutList *list = cbd_view_state_get_cutouts (state);
    gint64 crosshair[3] = { 0, 0, 12 };

    cbd_analysis_panel_set_overlay_shown (fixture.panel, TRUE, 1.0);
    fixture.overlay_changed = FALSE;
    cbd_view_state_set_selected_cutout (state, cbd_cutout_list_get (list, 1));
    ui_test_wait_for_flag (&fixture.overlay_changed);
    cbd_view_state_set_crosshair (state, crosshair);
    loose_excluded = check_overlay (&fixture, volume, 1, 12);
  }

  /* The 3D view shows the same classes inside "mid"'s box: with every
   * phase transparent, looking along z, orange (retained) and green
   * (excluded) pixels in a square patch (the cube's face); none once the
   * overlay is off. */
  {
    CbdViewState *state = cbd_window_get_state (fixture.window);
    CbdVolumeView *view = CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window));
    guint n_on[2], n_off[2];
    int box[4];

    ui_test_wait_until (volume_view_settled, view);
    if (cbd_volume_view_get_message (view) != NULL)
      g_test_message ("no 3D check: %s", cbd_volume_view_get_message (view));
    else
      {
        for (CbdPhase phase = 0; phase < CBD_N_PHASES; phase++)
          cbd_view_state_set_phase_opacity_3d (state, phase, 0.0);
        cbd_volume_view_look_along (view, CBD_AXIS_Z);
        count_class_pixels (view, n_on, box);
        g_assert_true (cbd_volume_view_get_overlay_shown (view));
        g_test_message ("3D overlay: %u orange, %u green pixels in x %d-%d, y %d-%d",
                        n_on[0], n_on[1], box[0], box[1], box[2], box[3]);
        g_assert_cmpuint (n_on[0], >, 100);
        g_assert_cmpuint (n_on[1], >, 0);
        /* a cube's face: as wide as high (to a few pixels) */
        g_assert_cmpint (ABS ((box[1] - box[0]) - (box[3] - box[2])), <=, 4);
        /* All three accepted (max_excluded 1): solid blue outlines. */
        accepted_outline = count_accepted_outline_pixels (view);
        g_assert_cmpuint (accepted_outline, >, 50);
        /* Opaque overlay: the face towards the camera decides. Its share
         * of retained among pore voxels, from the overlay's classes, is
         * the share of orange among the coloured pixels. */
        {
          CbdSliceOverlay *overlay = cbd_analysis_panel_get_overlay (fixture.panel, NULL);
          double orange_share = n_on[0] / (double) (n_on[0] + n_on[1]);
          double best = 1.0;

          for (guint face = 0; face < 2; face++)
            {
              gsize z = face == 0 ? 0 : overlay->size[2] - 1;
              guint retained = 0, excluded = 0;

              for (gsize i = 0; i < overlay->size[0] * overlay->size[1]; i++)
                {
                  guint8 class = overlay->classes[z * overlay->size[0] * overlay->size[1] + i];

                  retained += class == CBD_FILTER_RETAINED;
                  excluded += class == CBD_FILTER_EXCLUDED;
                }
              g_test_message ("face z = %zu: %u retained, %u excluded voxels (%.3f retained; "
                              "%.3f of the coloured pixels orange)", z, retained, excluded,
                              retained / (double) MAX (retained + excluded, 1), orange_share);
              best = MIN (best, fabs (retained / (double) MAX (retained + excluded, 1) - orange_share));
            }
          g_assert_cmpfloat (best, <, 0.1);
        }

        /* Opacity 0: the texture stays, nothing is painted with it. */
        fixture.overlay_changed = FALSE;
        cbd_analysis_panel_set_overlay_shown (fixture.panel, TRUE, 0.0);
        ui_test_wait_for_flag (&fixture.overlay_changed);
        count_class_pixels (view, n_off, box);
        g_assert_true (cbd_volume_view_get_overlay_shown (view));
        g_assert_cmpuint (n_off[0] + n_off[1], ==, 0);

        fixture.overlay_changed = FALSE;
        cbd_analysis_panel_set_overlay_shown (fixture.panel, FALSE, 1.0);
        ui_test_wait_for_flag (&fixture.overlay_changed);
        count_class_pixels (view, n_off, box);
        g_assert_false (cbd_volume_view_get_overlay_shown (view));
        g_assert_cmpuint (n_off[0] + n_off[1], ==, 0);

        fixture.overlay_changed = FALSE;
        cbd_analysis_panel_set_overlay_shown (fixture.panel, TRUE, 1.0);
        ui_test_wait_for_flag (&fixture.overlay_changed);
        for (CbdPhase phase = 0; phase < CBD_N_PHASES; phase++)
          cbd_view_state_set_phase_opacity_3d (state, phase, 1.0);
      }
  }

  /* The potential along x of "mid": solid stays as the slice shows it,
   * the pore space rises from the low-x face to the high-x one. */
  {
    CbdSliceOverlay *overlay;
    CbdSliceView *view = cbd_window_get_slice_view (fixture.window, CBD_AXIS_Z);
    CbdStudy *current = cbd_analysis_panel_get_study (fixture.panel);
    const CbdCutout *cutout = cbd_study_get_cutout (current, 1);
    g_autoptr(Capture) capture = NULL;
    double sum[2] = { 0, 0 };
    guint count[2] = { 0, 0 };

    fixture.overlay_changed = FALSE;
    cbd_analysis_panel_set_overlay_kind (fixture.panel, 1);
    ui_test_wait_for_flag (&fixture.overlay_changed);
    overlay = cbd_analysis_panel_get_overlay (fixture.panel, NULL);
    g_assert_nonnull (overlay);
    g_assert_nonnull (overlay->field);
    for (gsize z = 0; z < EDGE; z++)
      for (gsize y = 0; y < EDGE; y++)
        for (guint side = 0; side < 2; side++)
          {
            gsize x = side == 0 ? 0 : EDGE - 1;
            float value = overlay->field[x + EDGE * (y + EDGE * z)];
            guint8 label = volume->labels[cbd_volume_index (volume, cutout->origin[0] + x,
                                                             cutout->origin[1] + y,
                                                             cutout->origin[2] + z)];

            if (label != PORE)
              g_assert_true (isnan (value));
            else if (!isnan (value))
              {
                g_assert_cmpfloat (value, >=, 0.0f);
                g_assert_cmpfloat (value, <=, 1.0f);
                sum[side] += value;
                count[side]++;
              }
          }
    g_assert_cmpuint (count[0], >, 0);
    g_assert_cmpuint (count[1], >, 0);
    g_assert_cmpfloat (sum[0] / count[0], <, 0.25);
    g_assert_cmpfloat (sum[1] / count[1], >, 0.75);

    ui_test_wait_until_drawn (GTK_WIDGET (view));
    capture = capture_widget (GTK_WIDGET (view));
    for (gsize y = cutout->origin[1] + 5; y + 2 < cutout->origin[1] + EDGE; y++)
      for (gsize x = cutout->origin[0] + 2; x + 2 < cutout->origin[0] + EDGE; x++)
        if (volume->labels[cbd_volume_index (volume, x, y, 12)] == CBD)
          {
            double px, py;

            cbd_slice_view_voxel_to_point (view, x + 0.5, y + 0.5, &px, &py);
            assert_grey (capture_pixel (capture, (int) px, (int) py), expected_grey (CBD));
          }

    fixture.overlay_changed = FALSE;
    cbd_analysis_panel_set_overlay_kind (fixture.panel, 0);
    ui_test_wait_for_flag (&fixture.overlay_changed);
    g_test_message ("potential along x of mid: %.3f at the low face, %.3f at the high one",
                    sum[0] / count[0], sum[1] / count[1]);
  }

  /* The slice views as PNG, at their size on screen. */
  {
    g_autofree char *slices = g_build_filename (directory, "slices", NULL);

    /* As after a dialog: the window laid out and drawn. */
    ui_test_wait_until_drawn (GTK_WIDGET (cbd_window_get_slice_view (fixture.window, CBD_AXIS_X)));
    g_assert_true (cbd_window_export_slices (fixture.window, slices, &error));
    g_assert_no_error (error);
    for (CbdAxis normal = CBD_AXIS_X; normal <= CBD_AXIS_Z; normal++)
      {
        static const char *names[3] = { "yz.png", "xz.png", "xy.png" };
        g_autofree char *path = g_build_filename (slices, names[normal], NULL);
        GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (fixture.window, normal));
        g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);

        g_assert_no_error (error);
        g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (view));
        g_assert_cmpint (gdk_texture_get_height (texture), ==, gtk_widget_get_height (view));
        g_unlink (path);
      }
    /* The 3D view cast in one pass, with its scale bar: what the window
     * shows once its picture is complete, pixel for pixel, but for the
     * view's buttons. */
    {
      graphene_rect_t toolbar;
      g_autofree char *path = g_build_filename (slices, "3d.png", NULL);
      GtkWidget *view = cbd_window_get_volume_view (fixture.window);
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
      g_autoptr(Capture) on_screen = capture_widget (view);
      g_autofree guint8 *pixels = NULL;
      guint n_different = 0;
      GObject *clip;

      g_assert_no_error (error);
      clip = gtk_widget_get_template_child (view, CBD_TYPE_VOLUME_VIEW, "clip_button");
      g_assert_true (gtk_widget_compute_bounds (gtk_widget_get_parent (GTK_WIDGET (clip)), view, &toolbar));
      g_assert_cmpint (gdk_texture_get_width (texture), ==, on_screen->width);
      g_assert_cmpint (gdk_texture_get_height (texture), ==, on_screen->height);
      pixels = g_malloc_n (on_screen->height, on_screen->stride);
      gdk_texture_download (texture, pixels, on_screen->stride);
      for (int y = 0; y < on_screen->height; y++)
        for (int x = 0; x < on_screen->width; x++)
          if (!graphene_rect_contains_point (&toolbar, &GRAPHENE_POINT_INIT (x + 0.5f, y + 0.5f)))
            n_different += ((guint32 *) pixels)[(gsize) y * on_screen->width + x] != capture_pixel (on_screen, x, y);
      g_assert_cmpuint (n_different, ==, 0);
      g_assert_cmpfloat (cbd_volume_view_get_pixels_per_nm (CBD_VOLUME_VIEW (view)), >, 0.0);
      g_unlink (path);
    }
    g_rmdir (slices);
  }

  /* Tight thresholds: with d_max at one voxel and nothing excluded
   * allowed, random pore sites (whose clusters are wider than a voxel)
   * get every cutout rejected. */
  thresholds.d_max_nm = 10.0;
  thresholds.max_excluded = 0.0;
  fixture.filter_applied = FALSE;
  fixture.overlay_changed = FALSE;
  cbd_analysis_panel_set_thresholds (fixture.panel, &thresholds);
  ui_test_wait_for_flag (&fixture.filter_applied);
  cbd_study_count (study, &n_finished, &n_accepted);
  g_assert_cmpuint (n_finished, ==, 3);
  g_assert_cmpuint (n_accepted, ==, 0);
  {
    CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (fixture.window));
    CbdCutoutItemAnalysis analysis;

    for (guint i = 0; i < 3; i++)
      {
        g_assert_true (cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis));
        g_assert_false (analysis.accepted);
      }
  }
  g_assert_false (cbd_analysis_panel_get_fit (fixture.panel, NULL, NULL));
  /* In 3D the rejected boxes are dashed in their CAM-free colour: no
   * accepted blue left. */
  if (accepted_outline > 0)
    {
      guint rejected_outline = count_accepted_outline_pixels (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window)));

      g_test_message ("3D outline pixels in the accepted blue: %u with 3 accepted, %u with none",
                      accepted_outline, rejected_outline);
      g_assert_cmpuint (rejected_outline, ==, 0);
    }
  /* ... and the overlay follows: more pore drawn green. */
  ui_test_wait_for_flag (&fixture.overlay_changed);
  tight_excluded = check_overlay (&fixture, volume, 1, 12);
  g_test_message ("excluded pore voxels drawn in plane z = 12 of mid: %u, then %u",
                  loose_excluded, tight_excluded);
  g_assert_cmpuint (tight_excluded, >, loose_excluded);

  /* A partition parameter: the finished cutouts get the new partition and
   * filter in the background (the status says so), keep their transport
   * results and stay in the list; the filter equals cbd_filter_evaluate
   * on a partition made here without the study's cache. A cancelled
   * change keeps the old partition and puts the control back. */
  {
    GtkSpinButton *r_max = GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (fixture.panel),
                                              CBD_TYPE_ANALYSIS_PANEL, "r_max_spin"));
    CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (fixture.window));
    CbdCutoutResult kept[3];
    gboolean seen_running = FALSE;
    gboolean pore[256] = { FALSE };

    pore[PORE] = TRUE;
    for (guint i = 0; i < 3; i++)
      g_assert_true (cbd_study_get_result (study, i, &kept[i]));
    g_assert_cmpfloat (cbd_study_get_settings (study)->envelope.partition.r_max, !=, 2.0);
    fixture.filter_applied = FALSE;
    gtk_spin_button_set_value (r_max, 2.0);
    while (!fixture.filter_applied)
      {
        if (cbd_analysis_panel_get_repartitioning (fixture.panel) && !seen_running)
          {
            seen_running = TRUE;
            g_assert_nonnull (strstr (cbd_analysis_panel_get_status (fixture.panel),
                                      "Recomputing the pore partition and filter of 3 finished cutouts"));
          }
        g_main_context_iteration (NULL, TRUE);
      }
    g_assert_true (seen_running);
    g_assert_cmpstr (cbd_analysis_panel_get_status (fixture.panel), ==,
                     "Partition recomputed for 3 finished cutouts.");
    g_assert_cmpfloat (cbd_study_get_settings (study)->envelope.partition.r_max, ==, 2.0);
    cbd_study_count (study, &n_finished, &n_accepted);
    g_assert_cmpuint (n_finished, ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        g_auto(CbdCutoutResult) result = { 0 };
        const CbdCutout *cutout = cbd_study_get_cutout (study, i);
        gsize size[3] = { cutout->size, cutout->size, cutout->size };
        CbdEnvelopeOptions options = cbd_study_get_settings (study)->envelope;
        CbdCutoutItemAnalysis analysis;
        CbdFilterResult truth;
        CbdEnvelope *envelope;

        g_assert_true (cbd_study_get_result (study, i, &result));
        g_assert_cmpfloat (result.sigma_rel_mean, ==, kept[i].sigma_rel_mean);
        g_assert_cmpfloat (result.porosity, ==, kept[i].porosity);
        envelope = cbd_envelope_compute (volume, pore, cutout->origin, size, &options, NULL,
                                         NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        g_assert_true (cbd_filter_evaluate (envelope, &thresholds, NULL, NULL, &truth, &error));
        cbd_envelope_unref (envelope);
        g_assert_cmpuint (result.filter.n_pores, ==, truth.n_pores);
        g_assert_cmpuint (result.filter.excluded_voxels, ==, truth.excluded_voxels);
        g_assert_cmpint (result.filter.accepted, ==, truth.accepted);
        g_test_message ("r_max 4 -> 2, cutout %u: %u -> %u pores", i, kept[i].filter.n_pores,
                        truth.n_pores);
        g_assert_true (cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis));
        g_assert_cmpfloat (analysis.sigma_rel_mean, ==, kept[i].sigma_rel_mean);
        cbd_cutout_result_clear (&kept[i]);
      }

    /* Cancelled as soon as it starts (on this tiny case the worker may
     * win the race: then the new value holds; either way it is one). */
    fixture.filter_applied = FALSE;
    gtk_spin_button_set_value (r_max, 3.0);
    while (!fixture.filter_applied && !cbd_analysis_panel_get_repartitioning (fixture.panel))
      g_main_context_iteration (NULL, TRUE);
    /* The window's Cancel (Escape) is enabled for it. */
    if (!fixture.filter_applied)
      g_assert_true (cbd_analysis_panel_get_running (fixture.panel));
    g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "cancel-analysis", NULL);
    ui_test_wait_for_flag (&fixture.filter_applied);
    g_assert_cmpfloat (cbd_study_get_settings (study)->envelope.partition.r_max, ==,
                       gtk_spin_button_get_value (r_max));
    g_test_message ("cancelled partition change: r_max now %g (%s)", gtk_spin_button_get_value (r_max),
                    cbd_analysis_panel_get_status (fixture.panel));
    cbd_study_count (study, &n_finished, NULL);
    g_assert_cmpuint (n_finished, ==, 3);

    /* Analyse straight after an edit (within the debounce): the new
     * partition is applied first, nothing is discarded, nothing to run. */
    fixture.filter_applied = FALSE;
    gtk_spin_button_set_value (r_max, 5.0);
    g_assert_true (cbd_analysis_panel_analyse (fixture.panel, FALSE));
    ui_test_wait_for_flag (&fixture.filter_applied);
    while (cbd_analysis_panel_get_running (fixture.panel))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpfloat (cbd_study_get_settings (study)->envelope.partition.r_max, ==, 5.0);
    cbd_study_count (study, &n_finished, NULL);
    g_assert_cmpuint (n_finished, ==, 3);
    g_assert_cmpstr (cbd_analysis_panel_get_status (fixture.panel), ==, "Every cutout has a result.");
    /* ... and the window's Analyse is enabled again. */
    g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture.window), "analyse"));
    g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture.window), "cancel-analysis"));
  }

  /* The GUI and `cbdscope-cli analyze` resuming the GUI's project write
   * the same tables, byte for byte (nothing left to compute). */
  if (g_getenv ("CBD_CLI") != NULL)
    {
      g_autofree char *project_path = g_build_filename (directory, "same.cbdscope", NULL);
      g_autofree char *gui = g_build_filename (directory, "gui", NULL);
      g_autofree char *cli = g_build_filename (directory, "cli", NULL);
      g_autoptr(GFile) project = g_file_new_for_path (project_path);
      const char *argv[] = { g_getenv ("CBD_CLI"), "analyze", tiff_path, "--project", project_path,
                             "--resume", "--no-figures", "-o", cli, NULL };
      g_autofree char *out = NULL;
      int status;

      g_assert_true (cbd_window_save_project (fixture.window, project, &error));
      g_assert_true (cbd_analysis_panel_export_tables (fixture.panel, gui, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                   &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      for (guint i = 0; i < 3; i++)
        {
          static const char *names[] = { "cutouts.csv", "fit.json", "psd.csv" };
          g_autofree char *a_path = g_build_filename (gui, names[i], NULL);
          g_autofree char *b_path = g_build_filename (cli, names[i], NULL);
          g_autofree char *a = NULL, *b = NULL;
          gsize a_length, b_length;

          g_assert_true (g_file_get_contents (a_path, &a, &a_length, NULL));
          g_assert_true (g_file_get_contents (b_path, &b, &b_length, NULL));
          g_assert_cmpmem (a, a_length, b, b_length);
        }
    }

  /* Cancel: two larger cutouts; stop after the run starts. The three
   * finished results stay as they were. */
  {
    CbdCutoutResult kept[3];
    gint64 cancel_time;

    for (guint i = 0; i < 3; i++)
      g_assert_true (cbd_study_get_result (study, i, &kept[i]));
    add_cutout (fixture.window, "big1", 0, 0, 0, 28);
    add_cutout (fixture.window, "big2", 30, 0, 0, 28);
    fixture.finished = FALSE;
    g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "analyse", NULL);
    g_assert_true (cbd_analysis_panel_get_running (fixture.panel));
    study = cbd_analysis_panel_get_study (fixture.panel);
    while (cbd_analysis_runner_get_progress (cbd_analysis_panel_get_runner (fixture.panel), NULL, NULL) <= 0.0 &&
           !fixture.finished)
      g_main_context_iteration (NULL, TRUE);
    /* The list shows how far the running cutout is. */
    {
      CbdCutoutList *list = cbd_view_state_get_cutouts (cbd_window_get_state (fixture.window));
      CbdCutoutItemAnalysis analysis;
      gboolean progress_shown = FALSE;

      while (!progress_shown && !fixture.finished)
        {
          for (guint i = 3; i < 5; i++)
            {
              cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis);
              progress_shown |= analysis.progress > 0.0 && analysis.progress < 1.0;
            }
          if (!progress_shown)
            g_main_context_iteration (NULL, TRUE);
        }
      g_assert_true (progress_shown);
    }
    cancel_time = g_get_monotonic_time ();
    g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "cancel-analysis", NULL);
    ui_test_wait_for_flag (&fixture.finished);
    g_test_message ("cancel took %.0f ms", (g_get_monotonic_time () - cancel_time) / 1000.0);
    g_assert_cmpint (g_get_monotonic_time () - cancel_time, <, G_USEC_PER_SEC);
    g_assert_true (fixture.cancelled);
    /* the three results and the two cancelled cutouts' none */
    assert_list_shows_results (&fixture);
    for (guint i = 0; i < 3; i++)
      {
        g_auto(CbdCutoutResult) result = { 0 };

        g_assert_true (cbd_study_get_result (study, i, &result));
        g_assert_cmpfloat (result.sigma_rel_mean, ==, kept[i].sigma_rel_mean);
        g_assert_cmpfloat (result.porosity, ==, kept[i].porosity);
        cbd_cutout_result_clear (&kept[i]);
      }
    g_assert_false (cbd_analysis_panel_get_running (fixture.panel));
  }

  /* The project keeps the results, the thresholds and the view. */
  {
    g_autofree char *project_path = g_build_filename (directory, "study.cbdscope", NULL);
    g_autoptr(GFile) project = g_file_new_for_path (project_path);
    CbdWindow *reopened = cbd_window_new (NULL);
    CbdAnalysisPanel *panel;
    CbdStudy *restored;
    CbdFilterThresholds shown_thresholds;
    gboolean loaded = FALSE;
    gsize before[3], after[3];
    guint n_restored = 0;

    g_assert_true (cbd_window_save_project (fixture.window, project, &error));
    g_assert_no_error (error);
    cbd_window_set_interactive (reopened, FALSE);
    gtk_window_set_default_size (GTK_WINDOW (reopened), 1200, 800);
    gtk_window_present (GTK_WINDOW (reopened));
    g_signal_connect (reopened, "load-finished", G_CALLBACK (load_finished_cb), &loaded);
    cbd_window_open (reopened, project);
    ui_test_wait_for_flag (&loaded);
    loaded = cbd_window_get_loaded (reopened);
    g_assert_true (loaded);

    panel = CBD_ANALYSIS_PANEL (cbd_window_get_analysis_panel (reopened));
    restored = cbd_analysis_panel_get_study (panel);
    g_assert_nonnull (restored);
    cbd_study_count (restored, &n_restored, NULL);
    cbd_study_count (study, &n_finished, NULL);
    g_assert_cmpuint (n_restored, ==, n_finished);
    for (guint i = 0; i < 3; i++)
      {
        g_auto(CbdCutoutResult) a = { 0 };
        g_auto(CbdCutoutResult) b = { 0 };

        g_assert_true (cbd_study_get_result (study, i, &a));
        g_assert_true (cbd_study_get_result (restored, i, &b));
        g_assert_cmpfloat (a.sigma_rel_mean, ==, b.sigma_rel_mean);
        g_assert_cmpint (a.filter.accepted, ==, b.filter.accepted);
      }
    cbd_analysis_panel_get_thresholds (panel, &shown_thresholds);
    g_assert_cmpfloat (shown_thresholds.d_max_nm, ==, 10.0);
    g_assert_cmpfloat (shown_thresholds.max_excluded, ==, 0.0);
    cbd_view_state_get_crosshair (cbd_window_get_state (fixture.window), before);
    cbd_view_state_get_crosshair (cbd_window_get_state (reopened), after);
    g_assert_cmpmem (before, sizeof before, after, sizeof after);
    gtk_window_destroy (GTK_WINDOW (reopened));
  }

  gtk_window_destroy (GTK_WINDOW (fixture.window));
  /* CBD_TEST_KEEP=1 keeps the volume, project and tables for a look. */
  if (g_getenv ("CBD_TEST_KEEP") != NULL)
    {
      g_test_message ("kept %s", directory);
      return;
    }
  {
    g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (directory, name, NULL);

        if (g_file_test (path, G_FILE_TEST_IS_DIR))
          {
            g_autoptr(GDir) sub = g_dir_open (path, 0, NULL);
            const char *sub_name;

            while (sub != NULL && (sub_name = g_dir_read_name (sub)) != NULL)
              {
                g_autofree char *sub_path = g_build_filename (path, sub_name, NULL);
                g_unlink (sub_path);
              }
            g_rmdir (path);
          }
        else
          g_unlink (path);
      }
    g_rmdir (directory);
  }
}

static CbdWindow *
open_and_wait (GFile            *file,
               const CbdRawSpec *raw)
{
  CbdWindow *window = cbd_window_new (NULL);
  gboolean finished = FALSE;

  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &finished);
  if (raw != NULL)
    cbd_window_open_raw (window, file, raw);
  else
    cbd_window_open (window, file);
  ui_test_wait_for_flag (&finished);
  g_assert_true (cbd_window_get_loaded (window));
  return window;
}

/* @volume's voxels per phase, counted here voxel by voxel. */
static void
count_phases (const CbdVolume *volume,
              guint64          phase_voxels[CBD_N_PHASES])
{
  memset (phase_voxels, 0, CBD_N_PHASES * sizeof (guint64));
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    phase_voxels[volume->labels[i] == PORE ? CBD_PHASE_PORE
                 : volume->labels[i] == CBD ? CBD_PHASE_CBD : CBD_PHASE_CAM]++;
}

/* The study's voxels per phase are those counted by hand. */
static void
assert_phase_voxels (CbdStudy        *study,
                     const CbdVolume *volume)
{
  guint64 expected[CBD_N_PHASES], got[CBD_N_PHASES];

  count_phases (volume, expected);
  g_assert_cmpuint (expected[CBD_PHASE_CAM], ==, NX * NY * 4);
  g_assert_true (cbd_study_get_phase_voxels (study, got));
  g_assert_cmpmem (got, sizeof got, expected, sizeof expected);
}

/* The loader's histogram, kept by the view state, is the one the window
 * counted: as many voxels of each label as counted here. */
static void
assert_kept_histogram (CbdWindow       *window,
                       const CbdVolume *volume)
{
  const guint64 *kept = cbd_view_state_get_histogram (cbd_window_get_state (window));
  guint64 expected[256] = { 0 };

  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    expected[volume->labels[i]]++;
  g_assert_nonnull (kept);
  g_assert_cmpmem (kept, 256 * sizeof (guint64), expected, sizeof expected);
}

/* A headerless raw volume: its project keeps the raw layout and the
 * results, and reopens with both. The stack is counted once, by the
 * loader: the study made for the run and the one restored from the
 * project take its histogram, and their voxels per phase are right. */
static void
test_raw_project (void)
{
  g_autoptr(CbdVolume) volume = make_volume ();
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("cbd-analysis-raw-XXXXXX", &error);
  g_autofree char *raw_path = g_build_filename (directory, "volume.raw", NULL);
  g_autofree char *project_path = g_build_filename (directory, "raw.cbdscope", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GFile) raw_file = g_file_new_for_path (raw_path);
  g_autoptr(GFile) project = g_file_new_for_path (project_path);
  CbdRawSpec raw = { { NX, NY, NZ }, CBD_RAW_U8, { 10.0, 10.0, 10.0 } };
  Fixture fixture = { 0 };
  CbdWindow *reopened;
  CbdStudy *restored;
  guint n_finished = 0;
  g_auto(CbdCutoutResult) before = { 0 };
  g_auto(CbdCutoutResult) after = { 0 };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (raw_path, (const char *) volume->labels, NX * NY * NZ, &error));
  fixture.window = open_and_wait (raw_file, &raw);
  assert_kept_histogram (fixture.window, volume);
  fixture.panel = CBD_ANALYSIS_PANEL (cbd_window_get_analysis_panel (fixture.window));
  g_signal_connect (fixture.panel, "analysis-finished", G_CALLBACK (finished_cb), &fixture);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (fixture.panel),
                                                CBD_TYPE_ANALYSIS_PANEL, "envelope_spin")), 32);
  add_cutout (fixture.window, "mid", 24, 8, 4, EDGE);
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "analyse", NULL);
  ui_test_wait_for_flag (&fixture.finished);
  g_assert_true (cbd_study_get_result (cbd_analysis_panel_get_study (fixture.panel), 0, &before));
  assert_phase_voxels (cbd_analysis_panel_get_study (fixture.panel), volume);

  /* Unsaved results count as changes (the close warning asks). */
  g_assert_true (cbd_window_get_modified (fixture.window));
  g_assert_true (cbd_window_save_project (fixture.window, project, &error));
  g_assert_no_error (error);
  g_assert_false (cbd_window_get_modified (fixture.window));
  g_assert_true (g_file_get_contents (project_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "raw=64,32,32:u8"));

  reopened = open_and_wait (project, NULL);
  restored = cbd_analysis_panel_get_study (CBD_ANALYSIS_PANEL (cbd_window_get_analysis_panel (reopened)));
  g_assert_nonnull (restored);
  cbd_study_count (restored, &n_finished, NULL);
  g_assert_cmpuint (n_finished, ==, 1);
  assert_kept_histogram (reopened, volume);
  assert_phase_voxels (restored, volume);
  g_assert_true (cbd_study_get_result (restored, 0, &after));
  g_assert_cmpfloat (after.sigma_rel_mean, ==, before.sigma_rel_mean);
  g_assert_false (cbd_window_get_modified (reopened));

  gtk_window_destroy (GTK_WINDOW (reopened));
  gtk_window_destroy (GTK_WINDOW (fixture.window));
  g_unlink (raw_path);
  g_unlink (project_path);
  g_rmdir (directory);
}

/* The panel's study takes the view state's histogram rather than counting
 * the stack again: one CAM voxel more in the kept histogram (changed
 * behind the state's back, for this test only) shows in the study. */
static void
test_histogram_passed_on (void)
{
  g_autoptr(CbdVolume) volume = make_volume ();
  g_autoptr(GError) error = NULL;
  guint64 expected[CBD_N_PHASES], got[CBD_N_PHASES];
  Fixture fixture = { 0 };
  guint64 *kept;

  fixture_open_window (&fixture, volume, NULL, 32);
  assert_kept_histogram (fixture.window, volume);
  kept = (guint64 *) cbd_view_state_get_histogram (cbd_window_get_state (fixture.window));
  kept[CAM]++;
  add_cutout (fixture.window, "mid", 24, 8, 4, EDGE);
  g_assert_true (cbd_analysis_panel_sync (fixture.panel, &error));
  g_assert_no_error (error);
  count_phases (volume, expected);
  g_assert_true (cbd_study_get_phase_voxels (cbd_analysis_panel_get_study (fixture.panel), got));
  g_assert_cmpuint (got[CBD_PHASE_PORE], ==, expected[CBD_PHASE_PORE]);
  g_assert_cmpuint (got[CBD_PHASE_CAM], ==, expected[CBD_PHASE_CAM] + 1);
  kept[CAM]--;
  gtk_window_destroy (GTK_WINDOW (fixture.window));
}

/* The cutouts' filter under @thresholds as the pore tables of the project
 * at @path say, read here with the core API, apart from the window. */
static GArray *
filter_saved_tables (const char                *path,
                     const CbdFilterThresholds *thresholds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) saved = cbd_project_load (path, &error);
  GArray *expected = g_array_new (FALSE, TRUE, sizeof (CbdFilterResult));

  g_assert_no_error (error);
  for (guint i = 0; i < cbd_study_get_n_cutouts (saved); i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };
      CbdFilterResult filter;
      guint64 above_d_max = 0;

      g_assert_true (cbd_study_get_result (saved, i, &result));
      g_assert_nonnull (result.pore_table);
      g_assert_true (cbd_filter_evaluate (result.pore_table, thresholds, NULL, NULL, &filter, &error));
      g_assert_no_error (error);
      /* The diameter rule counted by hand: the voxels in the cutout of
       * every pore wider than d_max. */
      for (guint32 p = 0; p < result.pore_table->n_pores; p++)
        if (result.pore_table->pores[p].inscribed_diameter_nm > thresholds->d_max_nm)
          above_d_max += result.pore_table->pores[p].cutout_voxels;
      g_assert_cmpuint (filter.rule_voxels[CBD_FILTER_RULE_DIAMETER], ==, above_d_max);
      g_array_append_val (expected, filter);
    }
  return expected;
}

/* A reopened project re-filters from the pore tables it saved: a new d_max
 * typed into the panel partitions no envelope (the study's envelope cache
 * is never asked for one; before the tables were kept, each cutout cost a
 * SNOW partition here), and the study, the cutout list and the fit label
 * show the filter of the saved tables under the new thresholds. */
static void
test_refilter_reopened (void)
{
  g_autoptr(CbdVolume) volume = make_volume ();
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("cbd-analysis-refilter-XXXXXX", &error);
  g_autofree char *tiff_path = g_build_filename (directory, "volume.tif", NULL);
  g_autofree char *project_path = g_build_filename (directory, "refilter.cbdscope", NULL);
  g_autofree char *accepted_text = NULL;
  g_autoptr(GFile) project = g_file_new_for_path (project_path);
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) expected = NULL;
  Fixture fixture = { 0 }, reopened = { 0 };
  CbdFilterThresholds thresholds;
  CbdEnvelopeCacheStats stats;
  CbdCutoutList *list;
  CbdStudy *study;
  guint n_accepted = 0, n_flipped = 0;

  g_assert_no_error (error);
  g_assert_true (cbd_tiff_write (volume, tiff_path, &error));
  g_assert_no_error (error);
  fixture_open_window (&fixture, volume, tiff_path, 32);
  add_cutout (fixture.window, "low", 2, 8, 4, EDGE);
  add_cutout (fixture.window, "mid", 24, 8, 4, EDGE);
  add_cutout (fixture.window, "high", 46, 8, 4, EDGE);
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "analyse", NULL);
  ui_test_wait_for_flag (&fixture.finished);
  g_assert_false (fixture.cancelled);
  g_assert_true (cbd_window_save_project (fixture.window, project, &error));
  g_assert_no_error (error);

  reopened.window = open_and_wait (project, NULL);
  reopened.panel = CBD_ANALYSIS_PANEL (cbd_window_get_analysis_panel (reopened.window));
  g_signal_connect (reopened.panel, "filter-applied", G_CALLBACK (filter_applied_cb), &reopened);
  study = cbd_analysis_panel_get_study (reopened.panel);
  g_assert_nonnull (study);
  cbd_analysis_panel_get_thresholds (reopened.panel, &thresholds);
  before = filter_saved_tables (project_path, &thresholds);
  g_assert_cmpuint (before->len, ==, 3);

  /* Narrower than the widest pores of every cutout (these random pore
   * sites merge into pores a few voxels wide), through the spin button's
   * own value-changed path: debounce, then the filter on a worker. */
  thresholds.d_max_nm = 20.0;
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (reopened.panel),
                                                CBD_TYPE_ANALYSIS_PANEL, "d_max_spin")),
                             thresholds.d_max_nm);
  ui_test_wait_for_flag (&reopened.filter_applied);
  g_assert_true (cbd_analysis_panel_get_study (reopened.panel) == study);
  g_assert_cmpfloat (cbd_study_get_settings (study)->filter.d_max_nm, ==, thresholds.d_max_nm);

  /* Nothing partitioned, nor even looked up in the cache. */
  cbd_envelope_cache_get_stats (cbd_study_get_envelope_cache (study), &stats);
  g_assert_cmpuint (stats.computed, ==, 0);
  g_assert_cmpuint (stats.memory_hits, ==, 0);
  g_assert_cmpuint (stats.disk_hits, ==, 0);

  expected = filter_saved_tables (project_path, &thresholds);
  list = cbd_view_state_get_cutouts (cbd_window_get_state (reopened.window));
  for (guint i = 0; i < expected->len; i++)
    {
      const CbdFilterResult *want = &g_array_index (expected, CbdFilterResult, i);
      const CbdFilterResult *old = &g_array_index (before, CbdFilterResult, i);
      g_auto(CbdCutoutResult) result = { 0 };
      CbdCutoutItemAnalysis analysis;

      g_test_message ("%s: excluded %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                      " of %" G_GUINT64_FORMAT " pore voxels, accepted %d -> %d",
                      cbd_study_get_cutout (study, i)->name, old->excluded_voxels,
                      want->excluded_voxels, want->pore_voxels, old->accepted, want->accepted);
      g_assert_true (cbd_study_get_result (study, i, &result));
      g_assert_cmpuint (result.filter.excluded_voxels, ==, want->excluded_voxels);
      g_assert_cmpuint (result.filter.retained_voxels, ==, want->retained_voxels);
      g_assert_cmpuint (result.filter.n_excluded, ==, want->n_excluded);
      g_assert_cmpmem (result.filter.rule_voxels, sizeof result.filter.rule_voxels,
                       want->rule_voxels, sizeof want->rule_voxels);
      g_assert_cmpint (result.filter.accepted, ==, want->accepted);
      /* The list shows it. */
      g_assert_true (cbd_cutout_item_get_analysis (cbd_cutout_list_get (list, i), &analysis));
      g_assert_cmpint (analysis.accepted, ==, want->accepted);
      /* Accepted as the excluded fraction, counted here, allows. */
      g_assert_cmpint (want->accepted, ==,
                       (double) want->excluded_voxels <= thresholds.max_excluded * want->pore_voxels);
      /* The new d_max excludes more than the saved thresholds did, and
       * rejects a cutout they accepted. */
      g_assert_cmpuint (want->excluded_voxels, >, old->excluded_voxels);
      n_flipped += old->accepted && !want->accepted;
      n_accepted += want->accepted;
    }
  g_assert_cmpuint (n_flipped, >, 0);
  accepted_text = g_strdup_printf ("%u of 3 finished cutouts accepted", n_accepted);
  if (strstr (cbd_analysis_panel_get_fit_text (reopened.panel), accepted_text) == NULL)
    g_error ("the fit label “%s” does not say “%s”", cbd_analysis_panel_get_fit_text (reopened.panel),
             accepted_text);

  gtk_window_destroy (GTK_WINDOW (reopened.window));
  gtk_window_destroy (GTK_WINDOW (fixture.window));
  g_unlink (project_path);
  g_unlink (tiff_path);
  g_rmdir (directory);
}

static void
test_widgets (void)
{
  GtkWidget *panel = g_object_ref_sink (cbd_analysis_panel_new ());
  GtkWidget *view = g_object_ref_sink (cbd_plot_view_new ());

  g_assert_false (cbd_analysis_panel_get_running (CBD_ANALYSIS_PANEL (panel)));
  g_assert_null (cbd_analysis_panel_get_study (CBD_ANALYSIS_PANEL (panel)));
  g_assert_false (cbd_analysis_panel_analyse (CBD_ANALYSIS_PANEL (panel), FALSE));
  g_assert_cmpint (cbd_plot_view_hit_test (CBD_PLOT_VIEW (view), 10, 10), ==, -1);
  g_object_unref (view);
  g_object_unref (panel);
}

/* The user steps through the z slices every 30 ms while a longer run
 * solves: the window keeps drawing and no gap between main-loop ticks,
 * frames included, reaches 100 ms. */
#define BUSY_NX   128
#define BUSY_NY   64
#define BUSY_NZ   64
#define BUSY_EDGE 32
#define BUSY_CUTOUTS (BUSY_NX / BUSY_EDGE)
#define BUSY_ENVELOPE 96

typedef struct
{
  CbdViewState *state;
  guint         n_steps;
} SliceStepper;

static gboolean
step_slice_cb (gpointer user_data)
{
  SliceStepper *stepper = user_data;
  gsize position[3];
  gint64 next[3];

  cbd_view_state_get_crosshair (stepper->state, position);
  next[0] = (gint64) position[0];
  next[1] = (gint64) position[1];
  next[2] = (gint64) ((position[2] + 1) % BUSY_NZ);
  cbd_view_state_set_crosshair (stepper->state, next);
  stepper->n_steps++;
  return G_SOURCE_CONTINUE;
}

static void
test_responsive (void)
{
  g_autoptr(CbdVolume) volume = make_volume_sized (BUSY_NX, BUSY_NY, BUSY_NZ);
  Fixture fixture = { 0 };
  SliceStepper stepper = { 0 };
  guint n_finished, n_accepted, step, passes;
  double seconds;
  gulong hook;

  fixture_open_window (&fixture, volume, NULL, BUSY_ENVELOPE);
  for (guint i = 0; i < BUSY_CUTOUTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("busy %u", i);

      add_cutout (fixture.window, name, i * BUSY_EDGE, 16, 8, BUSY_EDGE);
    }
  ui_test_wait_until_drawn (cbd_window_get_volume_view (fixture.window));

  stepper.state = cbd_window_get_state (fixture.window);
  passes = cbd_volume_view_get_n_volume_passes (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window)));
  hook = frame_timing_start (&fixture);
  step = g_timeout_add (30, step_slice_cb, &stepper);
  seconds = run_analysis (&fixture);
  g_source_remove (step);
  frame_timing_stop (&fixture, hook);
  passes = cbd_volume_view_get_n_volume_passes (CBD_VOLUME_VIEW (cbd_window_get_volume_view (fixture.window))) - passes;

  g_test_message ("%u cutouts of %u^3 in %u^3 envelopes in %.2f s while stepping slices "
                  "%u times; longest main-loop gap %.1f ms (%.1f ms without frame "
                  "rendering); %u frames, the longest %.1f ms; %u 3D ray passes",
                  BUSY_CUTOUTS, BUSY_EDGE, BUSY_ENVELOPE, seconds, stepper.n_steps, fixture.max_gap / 1000.0,
                  fixture.max_gap_no_render / 1000.0, fixture.n_frames,
                  fixture.max_render / 1000.0, passes);
  g_assert_false (fixture.cancelled);
  cbd_study_count (cbd_analysis_panel_get_study (fixture.panel), &n_finished, &n_accepted);
  g_assert_cmpuint (n_finished, ==, BUSY_CUTOUTS);
  /* The window drew while solving: frames at least every ~100 ms. */
  g_assert_cmpuint (fixture.n_frames, >=, (guint) (seconds * 10.0) / 2);
  g_assert_cmpint (fixture.max_gap, <, 100000);
  gtk_window_destroy (GTK_WINDOW (fixture.window));
}

/* A run's cutouts by index, whatever their slots: of four cutouts, a run
 * of 3 and 1 (in that order, one thread) reports 3 under way while 1 waits,
 * and no other cutout, nor any index past the study's. Cancelled then, so
 * both end with 1. */
static void
test_runner_cutout_progress (void)
{
  g_autoptr(CbdVolume) volume = make_volume ();
  g_autoptr(CbdAnalysisRunner) runner = cbd_analysis_runner_new ();
  g_autoptr(GArray) cutouts = cbd_cutouts_new ();
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(GError) error = NULL;
  const guint indices[] = { 3, 1 };
  CbdLabelMap map;
  guint n_done = 0, n_total = 0;
  double first, second;
  gint64 deadline;

  cbd_label_map_init (&map);
  map.phase[PORE] = CBD_PHASE_PORE;
  map.phase[CBD] = CBD_PHASE_CBD;
  map.phase[CAM] = CBD_PHASE_CAM;
  study = cbd_study_new (volume, NULL, NULL, &map);
  for (guint i = 0; i < 4; i++)
    {
      CbdCutout cutout = { { i * EDGE, 0, 0 }, EDGE, NULL };

      g_array_append_val (cutouts, cutout);
    }
  g_assert_true (cbd_study_set_cutouts (study, cutouts, &error));
  g_assert_no_error (error);

  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 3), ==, -1.0);
  g_assert_true (cbd_analysis_runner_start (runner, study, indices, 2, FALSE, 1));
  /* read the second first: while the first is under way, the second (next
   * in the one thread's queue) had not started when it was read */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  do
    {
      second = cbd_analysis_runner_get_cutout_progress (runner, 1);
      first = cbd_analysis_runner_get_cutout_progress (runner, 3);
      if (first > 0.0 && first < 1.0)
        break;
      g_usleep (200);
    }
  while (first < 1.0 && g_get_monotonic_time () < deadline);
  g_test_message ("cutout 3 at %.3f, cutout 1 at %.3f", first, second);
  g_assert_cmpfloat (first, >, 0.0);
  if (first < 1.0)
    g_assert_cmpfloat (second, ==, 0.0);
  cbd_analysis_runner_cancel (runner);
  /* the workers finish; the main loop, which would end the run, waits */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (cbd_analysis_runner_get_progress (runner, &n_done, &n_total) < 1.0 &&
         g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpuint (n_done, ==, 2);
  g_assert_cmpuint (n_total, ==, 2);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 3), ==, 1.0);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 1), ==, 1.0);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 0), ==, -1.0);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 2), ==, -1.0);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 4), ==, -1.0);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, G_MAXUINT), ==, -1.0);

  while (cbd_analysis_runner_is_running (runner))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (cbd_analysis_runner_get_cutout_progress (runner, 3), ==, -1.0);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/analysis/widgets", test_widgets);
  g_test_add_func ("/analysis/runner-cutout-progress", test_runner_cutout_progress);
  g_test_add_func ("/analysis/run", test_analysis);
  g_test_add_func ("/analysis/raw-project", test_raw_project);
  g_test_add_func ("/analysis/histogram-passed-on", test_histogram_passed_on);
  g_test_add_func ("/analysis/refilter-reopened", test_refilter_reopened);
  g_test_add_func ("/analysis/responsive", test_responsive);
  return g_test_run ();
}
