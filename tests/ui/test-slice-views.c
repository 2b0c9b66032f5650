/* test-slice-views.c — the three linked orthoslices under Xvfb: phase
 * colours in the right places, true aspect, crosshair, zoom, pan, keys,
 * latest-wins extraction, visibility and opacity, the status line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where a voxel should appear is computed here from the geometry the views
 * promise (fit: the plane scaled to fit and centred; zoom: the shared
 * centre in the middle at the given pixels per nm; XY = x right, y down;
 * XZ = x right, z down; YZ = z right, y down), not asked from the view.
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-slice-view.h"
#include "cbd-window.h"
#include "ui-test-common.h"

#define NX TEST_NX
#define NY TEST_NY
#define NZ TEST_NZ

static void
set_crosshair (CbdViewState *state,
               gint64        x,
               gint64        y,
               gint64        z)
{
  gint64 position[3] = { x, y, z };

  cbd_view_state_set_crosshair (state, position);
}

static void
test_slice_view_new (void)
{
  g_autoptr(CbdViewState) state = cbd_view_state_new ();
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);

  for (guint normal = 0; normal < 3; normal++)
    {
      GtkWidget *view = g_object_ref_sink (cbd_slice_view_new (normal));
      CbdAxis u, v;

      g_assert_true (CBD_IS_SLICE_VIEW (view));
      g_assert_cmpint (cbd_slice_view_get_axis (CBD_SLICE_VIEW (view)), ==, normal);
      cbd_slice_view_get_plane_axes (CBD_SLICE_VIEW (view), &u, &v);
      g_assert_cmpint (u, ==, ui_test_plane_u[normal]);
      g_assert_cmpint (v, ==, ui_test_plane_v[normal]);
      g_assert_cmpint (cbd_slice_view_get_shown_slice (CBD_SLICE_VIEW (view)), ==, -1);

      cbd_slice_view_set_state (CBD_SLICE_VIEW (view), state);
      cbd_view_state_set_volume (state, volume, NULL, NULL);
      /* Small slices are extracted at once, at the crosshair (the middle). */
      g_assert_cmpint (cbd_slice_view_get_shown_slice (CBD_SLICE_VIEW (view)), ==,
                       (gint64) volume->dims[normal] / 2);
      g_object_unref (view);
    }
}

static void
test_view_state_clamps (void)
{
  g_autoptr(CbdViewState) state = cbd_view_state_new ();
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  gsize position[3];

  cbd_view_state_set_volume (state, volume, NULL, NULL);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[0], ==, NX / 2);
  g_assert_cmpuint (position[1], ==, NY / 2);
  g_assert_cmpuint (position[2], ==, NZ / 2);

  set_crosshair (state, -5, 1000, 3);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[0], ==, 0);
  g_assert_cmpuint (position[1], ==, NY - 1);
  g_assert_cmpuint (position[2], ==, 3);

  cbd_view_state_step (state, CBD_AXIS_Z, -10);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[2], ==, 0);

  /* 64 pixels a voxel at most. */
  cbd_view_state_set_zoom (state, 1000.0);
  g_assert_cmpfloat_with_epsilon (cbd_view_state_get_zoom (state), 6.4, 1e-12);
  cbd_view_state_fit (state);
  g_assert_cmpfloat (cbd_view_state_get_zoom (state), ==, 0.0);
}

/* Every view, two crosshair positions, voxel by voxel. */
static void
test_phase_colours (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);

  set_crosshair (state, 30, 10, 5);
  for (guint normal = 0; normal < 3; normal++)
    g_assert_cmpuint (ui_test_check_view (window, normal), >, 300);

  set_crosshair (state, 50, 40, 25);
  for (guint normal = 0; normal < 3; normal++)
    g_assert_cmpuint (ui_test_check_view (window, normal), >, 300);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Voxels twice as deep as wide: XZ and YZ are stretched along z. */
static void
test_true_aspect (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (20.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Y));
  g_autoptr(Capture) capture = NULL;
  Geometry geometry;
  double layer_top, layer_bottom;
  int x;

  set_crosshair (state, 30, 40, 12);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_Y), >, 300);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_X), >, 300);

  /* In XZ at y = 40 the pore layer is z in [10, 20): 200 nm thick, as tall
   * as 20 voxels of x are wide. */
  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, state, CBD_AXIS_Y, capture->width, capture->height);
  layer_top = geometry.origin[1] + 10 * 20.0 * geometry.scale;
  layer_bottom = geometry.origin[1] + 20 * 20.0 * geometry.scale;
  x = (int) (geometry.origin[0] + 5.5 * 10.0 * geometry.scale);
  assert_grey (capture_pixel (capture, x, (int) layer_top + 2), 0);
  assert_grey (capture_pixel (capture, x, (int) layer_bottom - 2), 0);
  assert_grey (capture_pixel (capture, x, (int) layer_top - 2), 255);
  assert_grey (capture_pixel (capture, x, (int) layer_bottom + 2), 0x80);

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type,
                 guint      button)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type)
          && (button == 0 || gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == button))
        return controller;
    }
  g_assert_not_reached ();
  return NULL;
}

/* A click and drag in the XY view move the crosshair's x and y; the other
 * views follow. The gesture's signals stand in for the pointer. */
static void
test_crosshair_drag (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  GtkEventController *drag = find_controller (view, GTK_TYPE_GESTURE_DRAG, GDK_BUTTON_PRIMARY);
  Geometry geometry = ui_test_expected_geometry (volume, state, CBD_AXIS_Z, gtk_widget_get_width (view),
                                         gtk_widget_get_height (view));
  double x = geometry.origin[0] + 12.5 * 10.0 * geometry.scale;
  double y = geometry.origin[1] + 7.5 * 10.0 * geometry.scale;
  double step = 10.0 * geometry.scale;
  gsize position[3];

  g_signal_emit_by_name (drag, "drag-begin", x, y);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[0], ==, 12);
  g_assert_cmpuint (position[1], ==, 7);
  g_assert_cmpuint (position[2], ==, NZ / 2);
  g_assert_cmpint (cbd_slice_view_get_shown_slice (cbd_window_get_slice_view (window, CBD_AXIS_X)), ==, 12);
  g_assert_cmpint (cbd_slice_view_get_shown_slice (cbd_window_get_slice_view (window, CBD_AXIS_Y)), ==, 7);

  g_signal_emit_by_name (drag, "drag-update", 30 * step, 20 * step);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[0], ==, 42);
  g_assert_cmpuint (position[1], ==, 27);
  g_signal_emit_by_name (drag, "drag-end", 30 * step, 20 * step);
  g_assert_cmpint (cbd_slice_view_get_shown_slice (cbd_window_get_slice_view (window, CBD_AXIS_X)), ==, 42);

  /* The crosshair is drawn through that voxel's centre in XY. */
  {
    g_autoptr(Capture) capture = capture_widget (view);
    int cross_x = (int) floor (geometry.origin[0] + 42.5 * step);
    guint32 pixel = capture_pixel (capture, cross_x, (int) (geometry.origin[1] + 2.5 * step));
    guint red = (pixel >> 16) & 0xff, green = (pixel >> 8) & 0xff, blue = pixel & 0xff;

    /* Orange-yellow over black pore or white CAM: red high, blue not. */
    g_assert_cmpuint (red, >, 200);
    g_assert_cmpuint (green, >, 150);
    g_assert_cmpuint (blue, <, 100);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
emit_key (GtkEventController *controller,
          guint               keyval,
          GdkModifierType     modifiers)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller, "key-pressed", keyval, 0, modifiers, &handled);
  return handled;
}

/* Keys and wheel step the slice of the view they are in. */
static void
test_slice_keys (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Y));
  GtkEventController *keys = find_controller (view, GTK_TYPE_EVENT_CONTROLLER_KEY, 0);
  GtkEventController *scroll = find_controller (view, GTK_TYPE_EVENT_CONTROLLER_SCROLL, 0);
  gboolean handled = FALSE;
  gsize position[3];

  set_crosshair (state, 5, 20, 5);
  g_assert_true (emit_key (keys, GDK_KEY_Page_Up, 0));
  g_assert_true (emit_key (keys, GDK_KEY_Up, 0));
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[1], ==, 22);
  g_assert_true (emit_key (keys, GDK_KEY_Page_Down, GDK_SHIFT_MASK));
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[1], ==, 12);
  g_assert_true (emit_key (keys, GDK_KEY_Left, GDK_SHIFT_MASK));
  g_assert_true (emit_key (keys, GDK_KEY_Down, 0));
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[1], ==, 1);
  g_assert_cmpuint (position[0], ==, 5);
  g_assert_cmpuint (position[2], ==, 5);
  /* Other keys are left to the window. */
  g_assert_false (emit_key (keys, GDK_KEY_a, 0));

  g_signal_emit_by_name (scroll, "scroll", 0.0, 1.0, &handled);
  g_assert_true (handled);
  cbd_view_state_get_crosshair (state, position);
  g_assert_cmpuint (position[1], ==, 2);
  g_assert_cmpint (cbd_slice_view_get_shown_slice (CBD_SLICE_VIEW (view)), ==, 2);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Zoom about a point keeps the voxel under it; the picture follows the
 * shared zoom and centre in all views; fit and 1:1 through the actions. */
static void
test_zoom_and_pan (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  CbdSliceView *view = cbd_window_get_slice_view (window, CBD_AXIS_Z);
  int width = gtk_widget_get_width (GTK_WIDGET (view));
  int height = gtk_widget_get_height (GTK_WIDGET (view));
  Geometry before = ui_test_expected_geometry (volume, state, CBD_AXIS_Z, width, height);
  double x = before.origin[0] + 40.5 * 10.0 * before.scale;
  double y = before.origin[1] + 30.5 * 10.0 * before.scale;
  gsize under_before[3], under_after[3];
  double centre[3];

  g_assert_true (cbd_slice_view_point_to_voxel (view, x, y, under_before));
  g_assert_cmpuint (under_before[0], ==, 40);
  g_assert_cmpuint (under_before[1], ==, 30);

  cbd_slice_view_zoom_at (view, x, y, 3.0);
  g_assert_cmpfloat_with_epsilon (cbd_view_state_get_zoom (state), 3.0 * before.scale, 1e-9);
  g_assert_true (cbd_slice_view_point_to_voxel (view, x, y, under_after));
  g_assert_cmpuint (under_after[0], ==, 40);
  g_assert_cmpuint (under_after[1], ==, 30);
  /* …which the pixels confirm, in every view. */
  for (guint normal = 0; normal < 3; normal++)
    g_assert_cmpuint (ui_test_check_view (window, normal), >, 30);

  /* Pan by 50 pixels: the plane point at the centre moves by 50 / scale. */
  cbd_view_state_get_centre (state, centre);
  cbd_slice_view_pan (view, 50.0, -20.0);
  {
    double moved[3];

    cbd_view_state_get_centre (state, moved);
    g_assert_cmpfloat_with_epsilon (moved[0], centre[0] - 50.0 / cbd_view_state_get_zoom (state), 1e-9);
    g_assert_cmpfloat_with_epsilon (moved[1], centre[1] + 20.0 / cbd_view_state_get_zoom (state), 1e-9);
    g_assert_cmpfloat (moved[2], ==, centre[2]);
  }
  for (guint normal = 0; normal < 3; normal++)
    g_assert_cmpuint (ui_test_check_view (window, normal), >, 30);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-one", NULL));
  g_assert_cmpfloat_with_epsilon (cbd_view_state_get_zoom (state), 0.1, 1e-12);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_Z), >, 300);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  g_assert_cmpfloat (cbd_view_state_get_zoom (state), ==, 0.0);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_Z), >, 300);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
slice_shown (gpointer data)
{
  CbdSliceView *view = data;
  gsize crosshair[3];

  cbd_view_state_get_crosshair (cbd_slice_view_get_state (view), crosshair);
  return cbd_slice_view_get_shown_slice (view) == (gint64) crosshair[cbd_slice_view_get_axis (view)];
}

/* Off-thread extraction: many quick requests, the last one is shown. */
static void
test_async_latest_wins (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);

  for (guint normal = 0; normal < 3; normal++)
    cbd_slice_view_set_async_threshold (cbd_window_get_slice_view (window, normal), 0);

  for (gint64 i = 0; i < 20; i++)
    set_crosshair (state, i, 2 * i, i);
  set_crosshair (state, 50, 40, 25);
  for (guint normal = 0; normal < 3; normal++)
    {
      CbdSliceView *view = cbd_window_get_slice_view (window, normal);

      ui_test_wait_until (slice_shown, view);
      /* Settle: no stale result may replace it afterwards. */
      for (int i = 0; i < 5; i++)
        ui_test_iterate ();
      g_assert_true (slice_shown (view));
      g_assert_cmpuint (ui_test_check_view (window, normal), >, 300);
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A hidden phase shows the slate background; half-opaque CAM is half white. */
static void
test_visibility_opacity (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  g_autoptr(Capture) capture = NULL;
  Geometry geometry;
  int cbd_x, cam_x, y;

  set_crosshair (state, 0, 47, 0);
  cbd_view_state_set_phase_visible (state, CBD_PHASE_CBD, FALSE);
  cbd_view_state_set_phase_opacity (state, CBD_PHASE_CAM, 0.5);
  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, state, CBD_AXIS_Z, capture->width, capture->height);
  cbd_x = (int) (geometry.origin[0] + 30.5 * 10.0 * geometry.scale);
  cam_x = (int) (geometry.origin[0] + 55.5 * 10.0 * geometry.scale);
  y = (int) (geometry.origin[1] + 10.5 * 10.0 * geometry.scale);

  /* The slate is (0.18, 0.2, 0.25); CAM at 0.5 over it. */
  assert_rgb (capture_pixel (capture, cbd_x, y), 46, 51, 64);
  assert_rgb (capture_pixel (capture, cam_x, y), 128 + 23, 128 + 25, 128 + 32);
  g_clear_pointer (&capture, capture_free);

  cbd_view_state_set_phase_visible (state, CBD_PHASE_CBD, TRUE);
  cbd_view_state_set_phase_opacity (state, CBD_PHASE_CAM, 1.0);
  capture = capture_widget (view);
  assert_grey (capture_pixel (capture, cbd_x, y), 0x80);
  assert_grey (capture_pixel (capture, cam_x, y), 0xff);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The status line names the voxel, its place in µm and its phase. */
static void
test_status_line (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  gsize hover[3] = { 50, 3, 7 };
  const char *text;

  set_crosshair (state, 10, 30, 15);
  text = cbd_window_get_status_text (window);
  g_assert_nonnull (strstr (text, "x 10  y 30  z 15"));
  g_assert_nonnull (strstr (text, "0.105, 0.305, 0.155 µm"));
  g_assert_nonnull (strstr (text, "pore (0)"));

  cbd_view_state_set_hover (state, hover);
  text = cbd_window_get_status_text (window);
  g_assert_nonnull (strstr (text, "Pointer  x 50  y 3  z 7"));
  g_assert_nonnull (strstr (text, "CAM (255)"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A scale bar of a round length sits in the bottom-left corner. */
static void
test_scale_bar (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  g_autoptr(Capture) capture = NULL;

  /* 1 pixel per nm: the bar is the largest 1-2-5 length up to 120 nm, 100 nm. */
  cbd_view_state_set_zoom (state, 1.0);
  capture = capture_widget (view);
  assert_grey (capture_pixel (capture, 13, capture->height - 14), 255);
  assert_grey (capture_pixel (capture, 12 + 98, capture->height - 14), 255);
  g_assert_cmpuint (capture_pixel (capture, 12 + 103, capture->height - 14) & 0xffffff, !=, 0xffffff);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/slice-view/new", test_slice_view_new);
  g_test_add_func ("/ui/view-state/clamps", test_view_state_clamps);
  g_test_add_func ("/ui/slice-views/phase-colours", test_phase_colours);
  g_test_add_func ("/ui/slice-views/true-aspect", test_true_aspect);
  g_test_add_func ("/ui/slice-views/crosshair-drag", test_crosshair_drag);
  g_test_add_func ("/ui/slice-views/keys", test_slice_keys);
  g_test_add_func ("/ui/slice-views/zoom-and-pan", test_zoom_and_pan);
  g_test_add_func ("/ui/slice-views/async-latest-wins", test_async_latest_wins);
  g_test_add_func ("/ui/slice-views/visibility-opacity", test_visibility_opacity);
  g_test_add_func ("/ui/slice-views/status-line", test_status_line);
  g_test_add_func ("/ui/slice-views/scale-bar", test_scale_bar);

  return g_test_run ();
}
