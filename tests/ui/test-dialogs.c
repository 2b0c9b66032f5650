/* test-dialogs.c — the file-setting dialogs under Xvfb: the raw dialog's
 * size check, a raw file loaded through the window, the label mapping and
 * voxel size dialogs with undo, and "Find CAM-free cutouts" as one undo
 * step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected sizes and colours are worked out by hand from the volumes
 * written here: a raw file of nx × ny × nz samples of b bytes has exactly
 * nx·ny·nz·b bytes; pore is drawn black, CBD #808080, CAM white.
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-cutout-history.h"
#include "cbd-label-map-dialog.h"
#include "cbd-raw-dialog.h"
#include "cbd-voxel-size-dialog.h"
#include "cbd-window.h"
#include "ui-test-common.h"

static GtkWindow *find_toplevel (GType type);

static char *
write_temp_file (const char   *name,
                 const guint8 *data,
                 gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cbd-test-dialogs-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_temp_file (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

/* "Open" is sensitive exactly when nx·ny·nz·bytes equals the file size:
 * 48 bytes are 4 × 3 × 2 samples of 2 bytes, or 4 × 3 × 4 of 1 byte. */
static void
test_raw_size_check (void)
{
  guint8 data[48] = { 0 };
  g_autofree char *path = write_temp_file ("size.raw", data, sizeof data);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CbdRawDialog *dialog = cbd_raw_dialog_new (NULL, file, sizeof data);
  CbdRawSpec spec = { { 4, 3, 2 }, CBD_RAW_U8, { 10.0, 10.0, 10.0 } };

  gtk_window_present (GTK_WINDOW (dialog));
  ui_test_iterate ();

  /* 48 is no cube of 1- or 2-byte samples: the start 1 × 1 × 1 fails. */
  g_assert_false (cbd_raw_dialog_get_can_accept (dialog));

  cbd_raw_dialog_set_spec (dialog, &spec);
  g_assert_false (cbd_raw_dialog_get_can_accept (dialog));
  g_assert_nonnull (strstr (cbd_raw_dialog_get_message (dialog), "24 bytes"));
  g_assert_nonnull (strstr (cbd_raw_dialog_get_message (dialog), "48 bytes"));

  spec.type = CBD_RAW_U16_BE;
  cbd_raw_dialog_set_spec (dialog, &spec);
  g_assert_true (cbd_raw_dialog_get_can_accept (dialog));
  spec.type = CBD_RAW_U16_LE;
  cbd_raw_dialog_set_spec (dialog, &spec);
  g_assert_true (cbd_raw_dialog_get_can_accept (dialog));

  spec.dims[2] = 3;
  cbd_raw_dialog_set_spec (dialog, &spec);
  g_assert_false (cbd_raw_dialog_get_can_accept (dialog));
  g_assert_nonnull (strstr (cbd_raw_dialog_get_message (dialog), "72 bytes"));

  spec.dims[2] = 4;
  spec.type = CBD_RAW_U8;
  cbd_raw_dialog_set_spec (dialog, &spec);
  g_assert_true (cbd_raw_dialog_get_can_accept (dialog));
  g_assert_cmpuint (cbd_raw_spec_expected_size (&spec), ==, 48);
  {
    g_autofree char *text = cbd_raw_spec_to_string (&spec);

    g_assert_cmpstr (text, ==, "4,3,4:u8");
  }

  gtk_window_destroy (GTK_WINDOW (dialog));

  /* 27 bytes: a 3^3 cube of bytes, offered straight away. */
  {
    g_autoptr(GFile) cube = g_file_new_for_path ("/nonexistent/cube.raw");
    CbdRawSpec guessed;

    dialog = cbd_raw_dialog_new (NULL, cube, 27);
    cbd_raw_dialog_get_spec (dialog, &guessed);
    g_assert_cmpuint (guessed.dims[0], ==, 3);
    g_assert_cmpuint (guessed.dims[1], ==, 3);
    g_assert_cmpuint (guessed.dims[2], ==, 3);
    g_assert_cmpint (guessed.type, ==, CBD_RAW_U8);
    g_assert_true (cbd_raw_dialog_get_can_accept (dialog));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  remove_temp_file (path);
}

/* The widget pixel at the centre of voxel @position in the view normal to
 * @normal. */
static guint32
voxel_pixel (CbdWindow   *window,
             guint        normal,
             const gsize  position[3])
{
  CbdViewState *state = cbd_window_get_state (window);
  CbdVolume *volume = cbd_view_state_get_volume (state);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, normal));
  g_autoptr(Capture) capture = NULL;
  Geometry geometry;
  guint u = ui_test_plane_u[normal], v = ui_test_plane_v[normal];
  double x, y;

  ui_test_wait_until_drawn (view);
  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, state, normal, capture->width, capture->height);
  x = geometry.origin[0] + (position[u] + 0.5) * volume->voxel_nm[u] * geometry.scale;
  y = geometry.origin[1] + (position[v] + 0.5) * volume->voxel_nm[v] * geometry.scale;
  return capture_pixel (capture, (int) x, (int) y);
}

typedef struct
{
  gboolean done;
  gboolean success;
} LoadWait;

static void
load_finished_cb (CbdWindow  *window,
                  gboolean    success,
                  const char *message,
                  LoadWait   *wait)
{
  if (!success)
    g_printerr ("# load failed: %s\n", message);
  wait->success = success;
  wait->done = TRUE;
}

#define RAW_NX 42
#define RAW_NY 30
#define RAW_NZ 12

/* 16-bit big-endian values 1000 (x < 14), 2000 (x < 28), 3000 (beyond):
 * three values, so pore, CBD and CAM in ascending order. */
static guint16
raw_value (gsize x)
{
  return x < 14 ? 1000 : x < 28 ? 2000 : 3000;
}

static void
test_raw_load (void)
{
  gsize n = (gsize) RAW_NX * RAW_NY * RAW_NZ;
  g_autofree guint8 *data = g_new (guint8, 2 * n);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  CbdRawSpec spec = { { RAW_NX, RAW_NY, RAW_NZ }, CBD_RAW_U16_BE, { 10.0, 10.0, 20.0 } };
  CbdWindow *window;
  CbdVolume *volume;
  LoadWait wait = { FALSE, FALSE };

  for (gsize z = 0; z < RAW_NZ; z++)
    for (gsize y = 0; y < RAW_NY; y++)
      for (gsize x = 0; x < RAW_NX; x++)
        {
          gsize i = x + RAW_NX * (y + RAW_NY * z);
          guint16 value = raw_value (x);

          data[2 * i] = value >> 8;
          data[2 * i + 1] = value & 0xff;
        }
  path = write_temp_file ("stripes.raw", data, 2 * n);
  file = g_file_new_for_path (path);

  window = cbd_window_new (NULL);
  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &wait);
  cbd_window_open_raw (window, file, &spec);
  ui_test_wait_for_flag (&wait.done);
  g_assert_true (wait.success);

  volume = cbd_view_state_get_volume (cbd_window_get_state (window));
  g_assert_nonnull (volume);
  g_assert_cmpuint (volume->dims[0], ==, RAW_NX);
  g_assert_cmpuint (volume->dims[1], ==, RAW_NY);
  g_assert_cmpuint (volume->dims[2], ==, RAW_NZ);
  g_assert_cmpfloat (volume->voxel_nm[2], ==, 20.0);
  g_assert_nonnull (cbd_view_state_get_label_map (cbd_window_get_state (window)));

  /* One voxel well inside each stripe, away from the crosshair (21, 15). */
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 5, 5, 6 }), 0x00);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 17, 5, 6 }), 0x80);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 36, 5, 6 }), 0xff);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_Z), >, 100);

  gtk_window_destroy (GTK_WINDOW (window));
  remove_temp_file (path);
}

static char *
write_stripes_raw (void)
{
  gsize n = (gsize) RAW_NX * RAW_NY * RAW_NZ;
  g_autofree guint8 *data = g_new (guint8, 2 * n);

  for (gsize z = 0; z < RAW_NZ; z++)
    for (gsize y = 0; y < RAW_NY; y++)
      for (gsize x = 0; x < RAW_NX; x++)
        {
          gsize i = x + RAW_NX * (y + RAW_NY * z);
          guint16 value = raw_value (x);

          data[2 * i] = value >> 8;
          data[2 * i + 1] = value & 0xff;
        }
  return write_temp_file ("stripes.raw", data, 2 * n);
}

static CbdWindow *
new_window (LoadWait *wait)
{
  CbdWindow *window = cbd_window_new (NULL);

  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), wait);
  return window;
}

/* A project of a raw volume says how to read it: reopened, the same dims,
 * sample type, voxel size and colours come back. */
static void
test_raw_project (void)
{
  g_autofree char *path = write_stripes_raw ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *project_path = g_build_filename (dir, "stripes.cbdscope", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) project = g_file_new_for_path (project_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CbdRawSpec spec = { { RAW_NX, RAW_NY, RAW_NZ }, CBD_RAW_U16_BE, { 10.0, 10.0, 20.0 } };
  LoadWait wait = { FALSE, FALSE };
  CbdWindow *window = new_window (&wait);
  CbdVolume *volume;

  cbd_window_open_raw (window, file, &spec);
  ui_test_wait_for_flag (&wait.done);
  g_assert_true (wait.success);
  g_assert_true (cbd_window_save_project (window, project, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (window));

  g_file_get_contents (project_path, &text, NULL, &error);
  g_assert_no_error (error);
  /* Core's key, so `cbdscope-cli analyze` reads the project too. */
  g_assert_nonnull (strstr (text, "raw=42,30,12:u16be"));

  wait.done = FALSE;
  window = new_window (&wait);
  cbd_window_open (window, project);
  ui_test_wait_for_flag (&wait.done);
  g_assert_true (wait.success);
  volume = cbd_view_state_get_volume (cbd_window_get_state (window));
  g_assert_cmpuint (volume->dims[0], ==, RAW_NX);
  g_assert_cmpuint (volume->dims[2], ==, RAW_NZ);
  g_assert_cmpfloat (volume->voxel_nm[2], ==, 20.0);
  g_assert_cmpuint (volume->source_value[cbd_volume_get (volume, 36, 5, 6)], ==, 3000);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 36, 5, 6 }), 0xff);
  gtk_window_destroy (GTK_WINDOW (window));

  g_unlink (project_path);
  remove_temp_file (path);
}

static gboolean
raw_dialog_shown (gpointer data)
{
  return find_toplevel (CBD_TYPE_RAW_DIALOG) != NULL;
}

/* Opening a file that is no TIFF (as from Recent or a drop) asks for its
 * layout instead of only failing. 2 × 20^3 bytes: a 20^3 cube of 16-bit
 * samples is offered. */
static void
test_raw_fallback (void)
{
  g_autofree guint8 *data = g_new0 (guint8, 2 * 8000);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  LoadWait wait = { FALSE, FALSE };
  CbdWindow *window = new_window (&wait);
  CbdRawDialog *dialog;
  CbdRawSpec spec;

  for (gsize i = 0; i < 8000; i++)
    data[2 * i] = (i % 20) < 10 ? 1 : 2;  /* little-endian 1 and 2 */
  path = write_temp_file ("cube.dat", data, 2 * 8000);
  file = g_file_new_for_path (path);

  cbd_window_set_interactive (window, TRUE);
  cbd_window_open (window, file);
  ui_test_wait_for_flag (&wait.done);
  g_assert_false (wait.success);
  ui_test_wait_until (raw_dialog_shown, NULL);
  dialog = CBD_RAW_DIALOG (find_toplevel (CBD_TYPE_RAW_DIALOG));
  cbd_raw_dialog_get_spec (dialog, &spec);
  g_assert_cmpuint (spec.dims[0], ==, 20);
  g_assert_cmpint (spec.type, ==, CBD_RAW_U16_LE);
  g_assert_true (cbd_raw_dialog_get_can_accept (dialog));

  wait.done = FALSE;
  cbd_raw_dialog_accept (dialog);
  ui_test_wait_for_flag (&wait.done);
  g_assert_true (wait.success);
  g_assert_cmpuint (cbd_view_state_get_volume (cbd_window_get_state (window))->dims[2], ==, 20);

  gtk_window_destroy (GTK_WINDOW (window));
  remove_temp_file (path);
}

/* Four stored values in x stripes: 0, 60, 128, 255 — no guess possible. */
static guint8
four_label (gsize x)
{
  return x < 12 ? 0 : x < 24 ? 60 : x < 36 ? 128 : 255;
}

static CbdVolume *
make_four_volume (void)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (48, 32, 16, &error);

  g_assert_no_error (error);
  for (gsize z = 0; z < 16; z++)
    for (gsize y = 0; y < 32; y++)
      for (gsize x = 0; x < 48; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = four_label (x);
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  return volume;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type))
        return GTK_WINDOW (toplevel);
    }
  return NULL;
}

static gboolean
label_map_dialog_shown (gpointer data)
{
  return find_toplevel (CBD_TYPE_LABEL_MAP_DIALOG) != NULL;
}

static gboolean
voxel_size_dialog_shown (gpointer data)
{
  return find_toplevel (CBD_TYPE_VOXEL_SIZE_DIALOG) != NULL;
}

static void
test_label_map (void)
{
  g_autoptr(CbdVolume) volume = make_four_volume ();
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  CbdCutoutHistory *history = cbd_view_state_get_history (state);
  CbdLabelMapDialog *dialog;
  const CbdLabelMap *map;

  /* Four values: the window shows grey levels and has no map. */
  g_assert_null (cbd_view_state_get_label_map (state));
  g_assert_false (cbd_window_get_modified (window));

  g_action_group_activate_action (G_ACTION_GROUP (window), "label-map", NULL);
  ui_test_wait_until (label_map_dialog_shown, NULL);
  dialog = CBD_LABEL_MAP_DIALOG (find_toplevel (CBD_TYPE_LABEL_MAP_DIALOG));
  g_assert_cmpuint (cbd_label_map_dialog_get_n_values (dialog), ==, 4);

  cbd_label_map_dialog_set_phase (dialog, 0, CBD_PHASE_PORE);
  cbd_label_map_dialog_set_phase (dialog, 60, CBD_PHASE_CAM);
  cbd_label_map_dialog_set_phase (dialog, 128, CBD_PHASE_CBD);
  cbd_label_map_dialog_set_phase (dialog, 255, CBD_PHASE_CAM);
  cbd_label_map_dialog_apply (dialog);
  ui_test_iterate ();
  g_assert_null (find_toplevel (CBD_TYPE_LABEL_MAP_DIALOG));

  map = cbd_view_state_get_label_map (state);
  g_assert_nonnull (map);
  g_assert_cmpint (map->phase[0], ==, CBD_PHASE_PORE);
  g_assert_cmpint (map->phase[60], ==, CBD_PHASE_CAM);
  g_assert_cmpint (map->phase[128], ==, CBD_PHASE_CBD);
  g_assert_cmpint (map->phase[255], ==, CBD_PHASE_CAM);
  g_assert_true (cbd_window_get_modified (window));

  /* The stripe of 60s, a dark grey level before, is CAM white now. */
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 5, 5, 8 }), 0x00);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 17, 5, 8 }), 0xff);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 29, 5, 8 }), 0x80);
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 41, 5, 8 }), 0xff);
  g_assert_cmpuint (ui_test_check_view (window, CBD_AXIS_Z), >, 100);

  /* Undo: no map again, grey levels again. */
  g_assert_true (cbd_cutout_history_undo (history));
  g_assert_null (cbd_view_state_get_label_map (state));
  {
    guint32 pixel = voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 17, 5, 8 });

    g_assert_cmpuint ((pixel >> 16) & 0xff, <, 0xff);
  }
  g_assert_true (cbd_cutout_history_redo (history));
  g_assert_nonnull (cbd_view_state_get_label_map (state));
  assert_grey (voxel_pixel (window, CBD_AXIS_Z, (gsize[3]) { 17, 5, 8 }), 0xff);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Without a clear guess, the dialog offers the three commonest values in
 * ascending order: here 0, 128, 255 hold 12 columns each, 60 holds 6. */
static void
test_label_map_suggest (void)
{
  guint64 counts[256] = { 0 };
  CbdLabelMap map;

  counts[0] = 12;
  counts[60] = 6;
  counts[128] = 12;
  counts[255] = 12;
  cbd_label_map_dialog_suggest (&map, counts);
  g_assert_cmpint (map.phase[0], ==, CBD_PHASE_PORE);
  g_assert_cmpint (map.phase[60], ==, CBD_PHASE_OTHER);
  g_assert_cmpint (map.phase[128], ==, CBD_PHASE_CBD);
  g_assert_cmpint (map.phase[255], ==, CBD_PHASE_CAM);

  memset (counts, 0, sizeof counts);
  counts[3] = 5;
  counts[7] = 9;
  cbd_label_map_dialog_suggest (&map, counts);
  g_assert_cmpint (map.phase[3], ==, CBD_PHASE_PORE);
  g_assert_cmpint (map.phase[7], ==, CBD_PHASE_CAM);
}

static void
test_voxel_size (void)
{
  g_autoptr(CbdVolume) volume = make_four_volume ();
  CbdWindow *window = ui_test_show_window (volume);
  CbdViewState *state = cbd_window_get_state (window);
  CbdVoxelSizeDialog *dialog;
  double voxel_nm[3] = { 5.0, 5.0, 40.0 };

  g_action_group_activate_action (G_ACTION_GROUP (window), "voxel-size", NULL);
  ui_test_wait_until (voxel_size_dialog_shown, NULL);
  dialog = CBD_VOXEL_SIZE_DIALOG (find_toplevel (CBD_TYPE_VOXEL_SIZE_DIALOG));
  cbd_voxel_size_dialog_set (dialog, voxel_nm);
  cbd_voxel_size_dialog_apply (dialog);
  ui_test_iterate ();

  g_assert_cmpfloat (cbd_view_state_get_volume (state)->voxel_nm[0], ==, 5.0);
  g_assert_cmpfloat (cbd_view_state_get_volume (state)->voxel_nm[2], ==, 40.0);
  g_assert_true (cbd_window_get_modified (window));

  g_assert_true (cbd_cutout_history_undo (cbd_view_state_get_history (state)));
  g_assert_cmpfloat (cbd_view_state_get_volume (state)->voxel_nm[0], ==, 10.0);
  g_assert_cmpfloat (cbd_view_state_get_volume (state)->voxel_nm[2], ==, 10.0);

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

/* Pore everywhere but a CAM slab at z < 8: 16-cubes fit above it. */
static void
test_find_one_undo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (64, 64, 40, &error);
  CbdWindow *window;
  CbdViewState *state;
  CbdCutoutHistory *history;
  GListModel *cutouts;
  gint64 n_added = -1;

  g_assert_no_error (error);
  for (gsize z = 0; z < 40; z++)
    for (gsize y = 0; y < 64; y++)
      for (gsize x = 0; x < 64; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = z < 8 ? CAM : (x + y) % 2 ? CBD : PORE;
  window = ui_test_show_window (volume);
  state = cbd_window_get_state (window);
  history = cbd_view_state_get_history (state);
  cutouts = G_LIST_MODEL (cbd_view_state_get_cutouts (state));
  cbd_view_state_set_cutout_edge (state, 16);

  g_signal_connect (window, "find-finished", G_CALLBACK (find_finished_cb), &n_added);
  cbd_window_find_cutouts (window, 4);
  ui_test_wait_until (find_done, &n_added);
  g_assert_cmpint (n_added, ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (cutouts), ==, 4);

  /* One undo takes all four back, one redo brings all four. */
  g_assert_true (cbd_cutout_history_undo (history));
  g_assert_cmpuint (g_list_model_get_n_items (cutouts), ==, 0);
  g_assert_false (cbd_cutout_history_can_undo (history));
  g_assert_true (cbd_cutout_history_redo (history));
  g_assert_cmpuint (g_list_model_get_n_items (cutouts), ==, 4);
  g_assert_false (cbd_cutout_history_can_redo (history));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Groups by hand: nested groups count once, an empty group records
 * nothing. */
static void
test_history_group (void)
{
  g_autoptr(CbdCutoutList) list = cbd_cutout_list_new ();
  g_autoptr(CbdCutoutHistory) history = cbd_cutout_history_new (list);
  const gsize origin[3] = { 0, 0, 0 };

  cbd_cutout_history_begin_group (history);
  cbd_cutout_history_end_group (history);
  g_assert_false (cbd_cutout_history_can_undo (history));

  cbd_cutout_history_begin_group (history);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(CbdCutoutItem) item = cbd_cutout_item_new ("c", origin, 4);

      cbd_cutout_history_begin_group (history);
      cbd_cutout_history_add (history, item);
      cbd_cutout_history_end_group (history);
    }
  cbd_cutout_history_end_group (history);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_true (cbd_cutout_history_undo (history));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_false (cbd_cutout_history_can_undo (history));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/dialogs/raw-size-check", test_raw_size_check);
  g_test_add_func ("/ui/dialogs/raw-load", test_raw_load);
  g_test_add_func ("/ui/dialogs/raw-project", test_raw_project);
  g_test_add_func ("/ui/dialogs/raw-fallback", test_raw_fallback);
  g_test_add_func ("/ui/dialogs/label-map", test_label_map);
  g_test_add_func ("/ui/dialogs/label-map-suggest", test_label_map_suggest);
  g_test_add_func ("/ui/dialogs/voxel-size", test_voxel_size);
  g_test_add_func ("/ui/dialogs/find-one-undo", test_find_one_undo);
  g_test_add_func ("/ui/dialogs/history-group", test_history_group);

  return g_test_run ();
}
