/* test-project.c — projects under Xvfb: save, reopen and compare; foreign,
 * damaged, truncated and newer files give an error, not a crash; the
 * project finds its volume by relative path after both move; recent files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-session.h"
#include "cbd-window.h"
#include "ui-test-common.h"

#define NX TEST_NX
#define NY TEST_NY
#define NZ TEST_NZ

/* Writes the test volume to DIR/volume.tif. */
static char *
write_volume (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  char *path = g_build_filename (dir, "volume.tif", NULL);

  g_assert_true (cbd_tiff_write (volume, path, &error));
  g_assert_no_error (error);
  return path;
}

typedef struct
{
  gboolean  finished;
  gboolean  success;
  char     *message;
} LoadOutcome;

static void
load_finished_cb (CbdWindow   *window,
                  gboolean     success,
                  const char  *message,
                  LoadOutcome *outcome)
{
  outcome->finished = TRUE;
  outcome->success = success;
  g_free (outcome->message);
  outcome->message = g_strdup (message);
}

/* Opens @path (volume or project) and waits; returns whether it worked. */
static gboolean
open_and_wait (CbdWindow   *window,
               const char  *path,
               char       **message)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LoadOutcome outcome = { FALSE, FALSE, NULL };
  gulong handler = g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &outcome);

  cbd_window_open (window, file);
  ui_test_wait_for_flag (&outcome.finished);
  g_signal_handler_disconnect (window, handler);
  if (message != NULL)
    *message = g_steal_pointer (&outcome.message);
  g_free (outcome.message);
  return outcome.success;
}

static CbdWindow *
new_window (GSettings *settings)
{
  CbdWindow *window = cbd_window_new (NULL);

  cbd_window_set_interactive (window, FALSE);
  cbd_window_set_settings (window, settings);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
add_cutout_at (CbdWindow *window,
               gint64     x,
               gint64     y,
               gint64     z)
{
  gint64 position[3] = { x, y, z };

  cbd_view_state_set_crosshair (cbd_window_get_state (window), position);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-cutout", NULL));
}

static GSettings *
memory_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

/* Everything a project holds comes back as it was. */
static void
test_save_and_reopen (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cbdscope-project-XXXXXX", &error);
  g_autofree char *volume_path = NULL, *project_path = NULL, *text = NULL, *moved_dir = NULL;
  g_autofree char *moved_project = NULL;
  g_autoptr(GFile) project = NULL;
  g_autoptr(GSettings) settings = memory_settings ();
  CbdWindow *window, *reopened;
  CbdViewState *state, *state2;
  CbdCutoutList *cutouts;
  gint64 crosshair[3] = { 33, 22, 11 };
  double centre[3] = { 300.0, 200.0, 100.0 }, centre2[3];
  gsize position[3];
  GdkRGBA red = { 1.0f, 0.0f, 0.0f, 1.0f }, color;

  g_assert_no_error (error);
  volume_path = write_volume (dir);
  project_path = g_build_filename (dir, "study.cbdscope", NULL);

  window = new_window (settings);
  g_assert_true (open_and_wait (window, volume_path, NULL));
  g_assert_false (cbd_window_get_modified (window));
  state = cbd_window_get_state (window);
  cbd_view_state_set_cutout_edge (state, 16);
  add_cutout_at (window, 20, 10, 16);
  add_cutout_at (window, 50, 10, 16);
  g_assert_true (cbd_window_get_modified (window));
  cbd_cutout_history_change (cbd_view_state_get_history (state),
                             cbd_cutout_list_get (cbd_view_state_get_cutouts (state), 0),
                             "particle-free", (const gsize[3]) { 10, 3, 7 }, 14);
  cbd_view_state_set_crosshair (state, crosshair);
  cbd_view_state_set_zoom (state, 1.5);
  cbd_view_state_set_centre (state, centre);
  cbd_view_state_set_phase_color (state, CBD_PHASE_CBD, &red);
  cbd_view_state_set_phase_visible (state, CBD_PHASE_PORE, FALSE);
  cbd_view_state_set_phase_opacity (state, CBD_PHASE_CAM, 0.25);
  cbd_view_state_set_phase_opacity_3d (state, CBD_PHASE_CBD, 0.125);

  project = g_file_new_for_path (project_path);
  g_assert_true (cbd_window_save_project (window, project, &error));
  g_assert_no_error (error);
  g_assert_false (cbd_window_get_modified (window));
  g_assert_true (g_file_get_contents (project_path, &text, NULL, NULL));
  /* The volume beside the project is named relatively. */
  g_assert_nonnull (strstr (text, "\npath=volume.tif\n"));
  g_assert_nonnull (strstr (text, "labels=pore=0,cbd=128,cam=255"));
  if (settings != NULL)
    {
      g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-files");

      g_assert_cmpstr (recent[0], ==, project_path);
      g_assert_cmpstr (recent[1], ==, volume_path);
    }

  /* Move both elsewhere: the relative path still finds the volume. */
  moved_dir = g_strconcat (dir, "-moved", NULL);
  g_assert_cmpint (g_rename (dir, moved_dir), ==, 0);
  moved_project = g_build_filename (moved_dir, "study.cbdscope", NULL);

  reopened = new_window (NULL);
  g_assert_true (open_and_wait (reopened, moved_project, NULL));
  state2 = cbd_window_get_state (reopened);
  g_assert_false (cbd_window_get_modified (reopened));
  g_assert_cmpuint (cbd_view_state_get_volume (state2)->dims[0], ==, NX);
  g_assert_cmpfloat (cbd_view_state_get_volume (state2)->voxel_nm[2], ==, 10.0);
  g_assert_cmpuint (cbd_view_state_get_cutout_edge (state2), ==, 16);

  cutouts = cbd_view_state_get_cutouts (state2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cutouts)), ==, 2);
  g_assert_cmpstr (cbd_cutout_item_get_name (cbd_cutout_list_get (cutouts, 0)), ==, "particle-free");
  cbd_cutout_item_get_origin (cbd_cutout_list_get (cutouts, 0), position);
  g_assert_cmpuint (position[0], ==, 10);
  g_assert_cmpuint (position[1], ==, 3);
  g_assert_cmpuint (position[2], ==, 7);
  g_assert_cmpuint (cbd_cutout_item_get_edge (cbd_cutout_list_get (cutouts, 0)), ==, 14);
  g_assert_cmpint (cbd_cutout_item_get_cam_count (cbd_cutout_list_get (cutouts, 0)), ==, 0);
  g_assert_cmpstr (cbd_cutout_item_get_name (cbd_cutout_list_get (cutouts, 1)), ==, "C2");
  g_assert_cmpint (cbd_cutout_item_get_cam_count (cbd_cutout_list_get (cutouts, 1)), ==, 14 * 16 * 16);
  /* Undo has nothing to take back in a freshly opened project. */
  g_assert_false (cbd_cutout_history_can_undo (cbd_view_state_get_history (state2)));

  cbd_view_state_get_crosshair (state2, position);
  g_assert_cmpuint (position[0], ==, 33);
  g_assert_cmpuint (position[1], ==, 22);
  g_assert_cmpuint (position[2], ==, 11);
  g_assert_cmpfloat (cbd_view_state_get_zoom (state2), ==, 1.5);
  cbd_view_state_get_centre (state2, centre2);
  for (guint axis = 0; axis < 3; axis++)
    g_assert_cmpfloat (centre2[axis], ==, centre[axis]);
  cbd_view_state_get_phase_color (state2, CBD_PHASE_CBD, &color);
  g_assert_true (gdk_rgba_equal (&color, &red));
  g_assert_false (cbd_view_state_get_phase_visible (state2, CBD_PHASE_PORE));
  g_assert_cmpfloat (cbd_view_state_get_phase_opacity (state2, CBD_PHASE_CAM), ==, 0.25);
  g_assert_cmpfloat (cbd_view_state_get_phase_opacity_3d (state2, CBD_PHASE_CBD), ==, 0.125);

  gtk_window_destroy (GTK_WINDOW (reopened));
  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (moved_project);
  {
    g_autofree char *moved_volume = g_build_filename (moved_dir, "volume.tif", NULL);

    g_remove (moved_volume);
  }
  g_rmdir (moved_dir);
  if (settings != NULL)
    g_settings_reset (settings, "recent-files");
}

static void
assert_open_fails (CbdWindow  *window,
                   const char *path,
                   const char *contents,
                   const char *expected)
{
  g_autofree char *message = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_false (open_and_wait (window, path, &message));
  g_assert_nonnull (message);
  if (strstr (message, expected) == NULL)
    g_error ("“%s” does not say “%s”", message, expected);
  /* What was shown stays. */
  g_assert_true (cbd_window_get_loaded (window));
  g_assert_nonnull (cbd_view_state_get_volume (cbd_window_get_state (window)));
}

/* Foreign, damaged, truncated and newer files: an error naming the file. */
static void
test_bad_projects (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cbdscope-project-XXXXXX", &error);
  g_autofree char *volume_path = NULL, *project_path = NULL, *good = NULL;
  g_autoptr(GFile) project = NULL;
  CbdWindow *window;
  gsize length;

  g_assert_no_error (error);
  volume_path = write_volume (dir);
  project_path = g_build_filename (dir, "bad.cbdscope", NULL);
  window = new_window (NULL);
  g_assert_true (open_and_wait (window, volume_path, NULL));
  cbd_view_state_set_cutout_edge (cbd_window_get_state (window), 16);
  add_cutout_at (window, 20, 10, 16);
  project = g_file_new_for_path (project_path);
  g_assert_true (cbd_window_save_project (window, project, &error));
  g_assert_true (g_file_get_contents (project_path, &good, &length, NULL));

  assert_open_fails (window, project_path, "\x89PNG\r\n\x1a\n\x00garbage", "is not a cbdscope project");
  assert_open_fails (window, project_path, "[something]\nelse=1\n", "is not a cbdscope project");
  /* Cut before the [end] group, or in the middle of a group header. */
  *strstr (good, "[end]") = '\0';
  assert_open_fails (window, project_path, good, "incomplete");
  *(strstr (good, "[cutout 1]") + 4) = '\0';
  assert_open_fails (window, project_path, good, "is damaged");
  assert_open_fails (window, project_path, "[cbdscope]\nversion=99\n[end]\ncomplete=true\n", "newer cbdscope");
  {
    g_autofree char *text = NULL;
    g_autofree char *damaged = NULL;

    g_assert_true (cbd_window_save_project (window, project, &error));
    g_assert_true (g_file_get_contents (project_path, &text, NULL, NULL));
    damaged = g_strjoinv ("origin_voxels=12;2;banana", g_strsplit (text, "origin_voxels=12;2;8", 2));
    assert_open_fails (window, project_path, damaged, "[cutout 1] origin_voxels: not a whole number");
    g_free (damaged);
    damaged = g_strjoinv ("origin_voxels=60;2;8", g_strsplit (text, "origin_voxels=12;2;8", 2));
    assert_open_fails (window, project_path, damaged, "not inside the volume");
    /* A raw layout that cannot be read: refused before any volume loads. */
    g_free (damaged);
    damaged = g_strjoinv ("[volume]\nraw=64,48:u8", g_strsplit (text, "[volume]", 2));
    assert_open_fails (window, project_path, damaged, "[volume] raw: not a raw layout");
    assert_open_fails (window, project_path, damaged, project_path);
  }
  /* A project whose volume is gone. */
  {
    g_autofree char *text = NULL, *missing = NULL;

    g_assert_true (cbd_window_save_project (window, project, &error));
    g_assert_true (g_file_get_contents (project_path, &text, NULL, NULL));
    missing = g_strjoinv ("volume-gone.tif", g_strsplit (text, "volume.tif", -1));
    g_assert_true (g_file_set_contents (project_path, missing, -1, NULL));
    {
      g_autofree char *message = NULL;

      g_assert_false (open_and_wait (window, project_path, &message));
      g_assert_nonnull (strstr (message, "volume-gone.tif"));
    }
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (project_path);
  g_remove (volume_path);
  g_rmdir (dir);
}

/* The parser alone: values round-trip bit for bit. */
static void
test_session_round_trip (void)
{
  g_autoptr(CbdSession) session = cbd_session_new ();
  g_autoptr(CbdSession) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length;

  session->volume_path = g_strdup ("/data/stack.tif");
  session->dims[0] = 2720;
  session->dims[1] = 1531;
  session->dims[2] = 1436;
  session->voxel_nm[0] = 10.0;
  session->voxel_nm[1] = 0.1 + 0.2;  /* not exact in binary */
  session->voxel_nm[2] = 1.0 / 3.0;
  session->zoom = 2.0 / 7.0;
  session->n_cutouts = 1;
  session->cutouts = g_new0 (CbdSessionCutout, 1);
  session->cutouts[0].name = g_strdup ("name with ; and = and ünïcode");
  session->cutouts[0].origin[0] = 2000;
  session->cutouts[0].edge = 128;

  text = cbd_session_to_data (session, "/projects/p.cbdscope", &length);
  back = cbd_session_parse (text, length, "/projects/p.cbdscope", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->volume_path, ==, "/data/stack.tif");
  g_assert_nonnull (strstr (text, "path=../data/stack.tif"));
  g_assert_cmpfloat (back->voxel_nm[1], ==, 0.1 + 0.2);
  g_assert_cmpfloat (back->voxel_nm[2], ==, 1.0 / 3.0);
  g_assert_true (back->has_view);
  g_assert_cmpfloat (back->zoom, ==, 2.0 / 7.0);
  g_assert_cmpuint (back->dims[1], ==, 1531);
  g_assert_cmpstr (back->cutouts[0].name, ==, "name with ; and = and ünïcode");
  g_assert_cmpuint (back->cutouts[0].origin[0], ==, 2000);
}

/* Parses a minimal project of a 4 × 3 × 2 raw stack with @raw as its
 * [volume] raw layout. */
static CbdSession *
parse_raw_project (const char  *raw,
                   GError     **error)
{
  g_autofree char *text = g_strdup_printf ("[cbdscope]\nversion=1\n"
                                           "[volume]\npath=/data/stack.raw\n"
                                           "dims_voxels=4;3;2\nvoxel_size_nm=10;10;10\n"
                                           "raw=%s\n"
                                           "[cutouts]\ncount=0\ndefault_edge_voxels=2\n"
                                           "[end]\ncomplete=true\n", raw);

  return cbd_session_parse (text, strlen (text), "/projects/p.cbdscope", error);
}

/* The raw layout is read as core reads it (the CLI's and studies' parser):
 * a good one gives the sample type; a bad one, or one of other sizes than
 * dims_voxels, refuses the project, naming it, the key and the layout. */
static void
test_session_raw_layout (void)
{
  static const struct
  {
    const char *raw;
    const char *expected;   /* NULL: read, as u16be */
  } cases[] = {
    { "4,3,2:u16be", NULL },
    { " 4, 3, 2 : u16be ", NULL },
    { "4,3:u8", "needs 3 sizes, it has 2" },
    { "4,3,0:u8", "The size “0”" },
    { "4,x,2:u8", "The size “x”" },
    { "4,3,2:f32", "The sample type “f32”" },
    { "5,3,2:u8", "the sizes differ from dims_voxels" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdSession) session = parse_raw_project (cases[i].raw, &error);

      if (cases[i].expected == NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (session->raw_sample_type, ==, "u16be");
          continue;
        }
      g_assert_null (session);
      g_assert_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, "/projects/p.cbdscope: [volume] raw: ")
          || strstr (error->message, cases[i].expected) == NULL)
        g_error ("“%s” does not name the project, the key and “%s”", error->message,
                 cases[i].expected);
    }
}

/* A project without [view] (the CLI writes none) opens as a new volume
 * does: the crosshair in the middle voxel, the slices centred on the
 * volume, fitted (zoom 0). */
static void
test_session_without_view (void)
{
  static const guint8 voxels[4 * 3 * 2] = { 0, 85, 170, 0, 85, 170, 0, 85, 170, 0, 85, 170,
                                            170, 85, 0, 170, 85, 0, 170, 85, 0, 170, 85, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cbdscope-project-XXXXXX", &error);
  g_autofree char *raw_path = NULL, *project_path = NULL, *text = NULL;
  CbdWindow *window;
  CbdViewState *state;
  gsize crosshair[3];
  double centre[3];

  g_assert_no_error (error);
  raw_path = g_build_filename (dir, "stack.raw", NULL);
  project_path = g_build_filename (dir, "p.cbdscope", NULL);
  g_assert_true (g_file_set_contents (raw_path, (const char *) voxels, sizeof voxels, NULL));
  text = g_strdup_printf ("[cbdscope]\nversion=1\n"
                          "[volume]\npath=stack.raw\n"
                          "dims_voxels=4;3;2\nvoxel_size_nm=10;10;10\n"
                          "raw=4,3,2:u8\n"
                          "[cutouts]\ncount=0\ndefault_edge_voxels=2\n"
                          "[end]\ncomplete=true\n");
  g_assert_true (g_file_set_contents (project_path, text, -1, NULL));

  window = new_window (NULL);
  g_assert_true (open_and_wait (window, project_path, NULL));
  state = cbd_window_get_state (window);
  cbd_view_state_get_crosshair (state, crosshair);
  cbd_view_state_get_centre (state, centre);
  g_assert_cmpuint (crosshair[0], ==, 2);
  g_assert_cmpuint (crosshair[1], ==, 1);
  g_assert_cmpuint (crosshair[2], ==, 1);
  g_assert_cmpfloat (centre[0], ==, 20.0);
  g_assert_cmpfloat (centre[1], ==, 15.0);
  g_assert_cmpfloat (centre[2], ==, 10.0);
  g_assert_cmpfloat (cbd_view_state_get_zoom (state), ==, 0.0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (project_path);
  g_remove (raw_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/project/session-round-trip", test_session_round_trip);
  g_test_add_func ("/ui/project/session-raw-layout", test_session_raw_layout);
  g_test_add_func ("/ui/project/session-without-view", test_session_without_view);
  g_test_add_func ("/ui/project/save-and-reopen", test_save_and_reopen);
  g_test_add_func ("/ui/project/bad-projects", test_bad_projects);

  return g_test_run ();
}
