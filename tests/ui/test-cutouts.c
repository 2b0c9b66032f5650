/* test-cutouts.c — cutouts under Xvfb: the list and its undo history, the
 * add action and the tool in a slice, outlines in CAM colours, clamping,
 * the sidebar list and its selection, the CAM-free search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The volume (as in test-slice-views): for y < 24 stripes along x, pore
 * below x = 20, CBD to 44, CAM beyond; for y >= 24 layers along z, CAM
 * below z = 10, pore to 20, CBD beyond. So a 16-cube at origin (12, 2, 8)
 * is half pore, half CBD and CAM-free, and one at (42, 2, 8) holds
 * 14 × 16 × 16 = 3584 CAM voxels — counted by hand, not by the app.
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-cutout-history.h"
#include "cbd-cutout-panel.h"
#include "cbd-slice-view.h"
#include "cbd-window.h"
#include "ui-test-common.h"

#define NX TEST_NX
#define NY TEST_NY
#define NZ TEST_NZ
#define EDGE 16

static CbdWindow *
show_window (CbdVolume *volume)
{
  CbdWindow *window = ui_test_show_window (volume);

  cbd_view_state_set_cutout_edge (cbd_window_get_state (window), EDGE);
  return window;
}

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
assert_origin (CbdCutoutItem *item,
               gsize          x,
               gsize          y,
               gsize          z)
{
  gsize origin[3];

  cbd_cutout_item_get_origin (item, origin);
  g_assert_cmpuint (origin[0], ==, x);
  g_assert_cmpuint (origin[1], ==, y);
  g_assert_cmpuint (origin[2], ==, z);
}

static guint
n_cutouts (CbdWindow *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (cbd_view_state_get_cutouts (cbd_window_get_state (window))));
}

static CbdCutoutItem *
cutout (CbdWindow *window,
        guint      position)
{
  return cbd_cutout_list_get (cbd_view_state_get_cutouts (cbd_window_get_state (window)), position);
}

/* The command stack alone: add, change, remove, undo and redo in order. */
static void
test_history (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  g_autoptr(CbdCutoutList) list = cbd_cutout_list_new ();
  g_autoptr(CbdCutoutHistory) history = cbd_cutout_history_new (list);
  g_autoptr(CbdCutoutItem) first = NULL, second = NULL;
  const gsize origin_a[3] = { 1, 2, 3 }, origin_b[3] = { 4, 5, 6 }, moved[3] = { 7, 8, 9 };
  guint serial = cbd_cutout_history_get_serial (history);

  cbd_cutout_list_set_volume (list, volume, NULL);
  first = cbd_cutout_item_new ("A", origin_a, 10);
  second = cbd_cutout_item_new ("B", origin_b, 10);
  g_assert_false (cbd_cutout_history_can_undo (history));

  cbd_cutout_history_add (history, first);
  cbd_cutout_history_add (history, second);
  cbd_cutout_history_change (history, first, "A2", moved, 12);
  cbd_cutout_history_remove (history, first);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (cbd_cutout_history_get_serial (history), ==, serial + 4);

  /* Undo the removal: back in first place, same object. */
  g_assert_true (cbd_cutout_history_undo (history));
  g_assert_true (cbd_cutout_list_get (list, 0) == first);
  g_assert_cmpstr (cbd_cutout_item_get_name (first), ==, "A2");
  /* Undo the change. */
  g_assert_true (cbd_cutout_history_undo (history));
  g_assert_cmpstr (cbd_cutout_item_get_name (first), ==, "A");
  assert_origin (first, 1, 2, 3);
  g_assert_cmpuint (cbd_cutout_item_get_edge (first), ==, 10);
  /* Redo it. */
  g_assert_true (cbd_cutout_history_redo (history));
  assert_origin (first, 7, 8, 9);
  g_assert_cmpuint (cbd_cutout_item_get_edge (first), ==, 12);
  /* A new edit drops the redo of the removal. */
  g_assert_true (cbd_cutout_history_can_redo (history));
  cbd_cutout_history_remove (history, second);
  g_assert_false (cbd_cutout_history_can_redo (history));
  /* Undo everything: nothing left. */
  while (cbd_cutout_history_undo (history))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  assert_origin (first, 1, 2, 3);

  /* A change that changes nothing is not recorded. */
  cbd_cutout_history_redo (history);
  g_assert_true (cbd_cutout_history_can_redo (history));
  cbd_cutout_history_change (history, first, "A", origin_a, 10);
  g_assert_true (cbd_cutout_history_can_redo (history));
}

/* The add action: a cube of the default edge centred on the crosshair,
 * green when CAM-free, red with the count otherwise; undo removes it. */
static void
test_add_action (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *column_view;
  CbdCutoutItem *item;

  set_crosshair (state, 20, 10, 16);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  item = cutout (window, 0);
  g_assert_cmpstr (cbd_cutout_item_get_name (item), ==, "C1");
  assert_origin (item, 12, 2, 8);
  g_assert_cmpuint (cbd_cutout_item_get_edge (item), ==, EDGE);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (item), ==, 0);
  g_assert_cmpfloat_with_epsilon (cbd_cutout_item_get_porosity (item), 0.5, 1e-12);
  g_assert_true (cbd_view_state_get_selected_cutout (state) == item);

  set_crosshair (state, 50, 10, 16);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 2);
  item = cutout (window, 1);
  g_assert_cmpstr (cbd_cutout_item_get_name (item), ==, "C2");
  assert_origin (item, 42, 2, 8);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (item), ==, 14 * 16 * 16);
  g_assert_cmpfloat (cbd_cutout_item_get_porosity (item), ==, 0.0);

  /* The sidebar's list shows both. */
  column_view = GTK_WIDGET (cbd_cutout_panel_get_column_view (
    CBD_CUTOUT_PANEL (cbd_window_get_cutout_panel (window))));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (column_view)))), ==, 2);
  g_assert_cmpuint (gtk_single_selection_get_selected (
                      GTK_SINGLE_SELECTION (gtk_column_view_get_model (GTK_COLUMN_VIEW (column_view)))), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  g_assert_null (cbd_view_state_get_selected_cutout (state));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (cutout (window, 0)), ==, 0);

  /* Delete removes the selected one, through the history too. */
  cbd_view_state_set_selected_cutout (state, cutout (window, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-cutout", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The outline in the XY view: green when CAM-free, red otherwise. */
static void
test_outline_colours (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  g_autoptr(Capture) capture = NULL;
  Geometry geometry;
  int left_green, left_red, y;

  set_crosshair (state, 20, 10, 16);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  set_crosshair (state, 50, 10, 16);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  /* Move the crosshair off both outlines. */
  set_crosshair (state, 5, 40, 16);

  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, state, CBD_AXIS_Z, capture->width, capture->height);
  left_green = (int) (geometry.origin[0] + 12 * 10.0 * geometry.scale);
  left_red = (int) (geometry.origin[0] + 42 * 10.0 * geometry.scale);
  y = (int) (geometry.origin[1] + 14 * 10.0 * geometry.scale);
  /* #33d17a-ish and #e01c24-ish, drawn 2 (3 when selected) pixels wide
   * inside the box. */
  assert_rgb (capture_pixel (capture, left_green + 1, y), 51, 209, 122);
  assert_rgb (capture_pixel (capture, left_red + 1, y), 224, 28, 36);

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkEventController *
primary_drag (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (controller)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_PRIMARY)
        return controller;
    }
  g_assert_not_reached ();
  return NULL;
}

/* The tool: a press adds a cube centred there, the drag moves it, and the
 * whole gesture is one undo step; a later drag of it is another. */
static void
test_tool_drag (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  GtkEventController *drag = primary_drag (view);
  Geometry geometry = ui_test_expected_geometry (volume, state, CBD_AXIS_Z, gtk_widget_get_width (view),
                                                 gtk_widget_get_height (view));
  double step = 10.0 * geometry.scale;
  double x = geometry.origin[0] + 20.5 * step, y = geometry.origin[1] + 10.5 * step;
  CbdCutoutItem *item;

  set_crosshair (state, 0, 0, 16);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.tool", "s", "add-cutout"));
  g_assert_cmpint (cbd_view_state_get_tool (state), ==, CBD_TOOL_ADD_CUTOUT);

  g_signal_emit_by_name (drag, "drag-begin", x, y);
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  item = cutout (window, 0);
  assert_origin (item, 12, 2, 8);
  g_signal_emit_by_name (drag, "drag-update", 5 * step, 3 * step);
  assert_origin (item, 17, 5, 8);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (item), ==, 0);
  /* Dragged into the CAM stripe (x 44 on): 16 - (44 - 40) = 12 columns. */
  g_signal_emit_by_name (drag, "drag-update", 28 * step, 3 * step);
  assert_origin (item, 40, 5, 8);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (item), ==, 12 * 16 * 16);
  /* Past the border: clamped at x = 64 - 16. */
  g_signal_emit_by_name (drag, "drag-update", 60 * step, 3 * step);
  assert_origin (item, 48, 5, 8);
  g_signal_emit_by_name (drag, "drag-end", 60 * step, 3 * step);

  /* Pick it up again inside and move it back. */
  x = geometry.origin[0] + 50.5 * step;
  y = geometry.origin[1] + 8.5 * step;
  g_signal_emit_by_name (drag, "drag-begin", x, y);
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  g_signal_emit_by_name (drag, "drag-update", -30 * step, 0.0);
  g_signal_emit_by_name (drag, "drag-end", -30 * step, 0.0);
  assert_origin (item, 18, 5, 8);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_origin (item, 48, 5, 8);
  g_assert_cmpuint (n_cutouts (window), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (n_cutouts (window), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Near a corner the cube moves in; too big a cube shrinks to fit. */
static void
test_clamp (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);

  set_crosshair (state, 0, 0, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  assert_origin (cutout (window, 0), 0, 0, 0);
  set_crosshair (state, 63, 47, 31);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  assert_origin (cutout (window, 1), 48, 32, 16);

  cbd_view_state_set_cutout_edge (state, 100);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  g_assert_cmpuint (cbd_cutout_item_get_edge (cutout (window, 2)), ==, NZ);
  assert_origin (cutout (window, 2), 32, 16, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Picking a row centres the views on the cutout. */
static void
test_select_row (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  CbdCutoutPanel *panel = CBD_CUTOUT_PANEL (cbd_window_get_cutout_panel (window));
  GtkSingleSelection *selection;
  gsize crosshair[3];

  set_crosshair (state, 20, 10, 16);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  set_crosshair (state, 50, 40, 16);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  cbd_view_state_set_zoom (state, 0.5);
  set_crosshair (state, 0, 0, 0);

  selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (cbd_cutout_panel_get_column_view (panel)));
  gtk_single_selection_set_selected (selection, 0);
  g_assert_true (cbd_view_state_get_selected_cutout (state) == cutout (window, 0));
  cbd_view_state_get_crosshair (state, crosshair);
  g_assert_cmpuint (crosshair[0], ==, 20);
  g_assert_cmpuint (crosshair[1], ==, 10);
  g_assert_cmpuint (crosshair[2], ==, 16);
  {
    double centre[3];

    cbd_view_state_get_centre (state, centre);
    g_assert_cmpfloat_with_epsilon (centre[0], 200.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (centre[1], 100.0, 1e-9);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
counted (gpointer data)
{
  return !cbd_cutout_item_get_computing (data) && cbd_cutout_item_get_cam_count (data) >= 0;
}

/* Big boxes are counted on a worker: the same numbers arrive later. */
static void
test_async_count (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  CbdCutoutItem *item;

  cbd_cutout_list_set_async_threshold (cbd_view_state_get_cutouts (state), 0);
  set_crosshair (state, 50, 10, 16);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL);
  item = cutout (window, 0);
  g_assert_true (cbd_cutout_item_get_computing (item));
  ui_test_wait_until (counted, item);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (item), ==, 14 * 16 * 16);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
find_finished_cb (CbdWindow *window,
                  guint      n_added,
                  gint64    *result)
{
  *result = n_added;
}

static gboolean
find_done (gpointer data)
{
  return *(gint64 *) data >= 0;
}

/* The search adds only CAM-free, non-overlapping cubes. */
static void
test_find (void)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  CbdWindow *window = show_window (volume);
  gint64 n_added = -1;

  g_signal_connect (window, "find-finished", G_CALLBACK (find_finished_cb), &n_added);
  cbd_window_find_cutouts (window, 3);
  ui_test_wait_until (find_done, &n_added);
  g_assert_cmpint (n_added, >=, 1);
  g_assert_cmpuint (n_cutouts (window), ==, (guint) n_added);
  for (guint i = 0; i < n_cutouts (window); i++)
    {
      gsize origin[3];

      g_assert_cmpint (cbd_cutout_item_get_cam_count (cutout (window, i)), ==, 0);
      /* By hand: CAM-free 16-cubes fit only in y < 24, x < 44, or in
       * y >= 24 (any x) with z >= 10. */
      cbd_cutout_item_get_origin (cutout (window, i), origin);
      g_assert_true ((origin[1] + EDGE <= 24 && origin[0] + EDGE <= 44)
                     || (origin[1] >= 24 && origin[2] >= 10));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/cutouts/history", test_history);
  g_test_add_func ("/ui/cutouts/add-action", test_add_action);
  g_test_add_func ("/ui/cutouts/outline-colours", test_outline_colours);
  g_test_add_func ("/ui/cutouts/tool-drag", test_tool_drag);
  g_test_add_func ("/ui/cutouts/clamp", test_clamp);
  g_test_add_func ("/ui/cutouts/select-row", test_select_row);
  g_test_add_func ("/ui/cutouts/async-count", test_async_count);
  g_test_add_func ("/ui/cutouts/find", test_find);

  return g_test_run ();
}
