/* test-window.c — the application and window under Xvfb: every widget
 * type, loading (the sample and a missing file), settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <string.h>

#include "cbd-application.h"
#include "cbd-cutout-panel.h"
#include "cbd-phase-panel.h"
#include "cbd-preferences-window.h"
#include "cbd-slice-view.h"
#include "cbd-software-gl.h"
#include "cbd-volume-info.h"
#include "cbd-volume-view.h"
#include "cbd-window.h"
#include "ui-test-common.h"

/* Every widget class builds from its template without warnings. */
static void
test_widget_types (void)
{
  const GType types[] = {
    CBD_TYPE_SLICE_VIEW,
    CBD_TYPE_PHASE_PANEL,
    CBD_TYPE_CUTOUT_PANEL,
    CBD_TYPE_VOLUME_INFO,
    CBD_TYPE_VOLUME_VIEW,
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_ref_sink (g_object_new (types[i], NULL));

      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (widget, types[i]));
      g_object_unref (widget);
    }

  /* Toplevels: the preferences (with and without settings) and the
   * shortcuts window from its resource. */
  {
    GtkWidget *window = cbd_preferences_window_new (NULL, NULL);
    g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/cbdscope/CbdScope/gtk/help-overlay.ui");

    g_assert_true (CBD_IS_PREFERENCES_WINDOW (window));
    gtk_window_destroy (GTK_WINDOW (window));
    g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
    gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  }
}

/* The preferences write what is picked into the settings. */
static void
test_preferences (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  GtkWidget *window;
  GtkSpinButton *spin;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_test_skip ("the GSettings schema is not compiled");
      return;
    }
  settings = g_settings_new_full (schema, NULL, NULL);
  window = cbd_preferences_window_new (NULL, settings);
  spin = GTK_SPIN_BUTTON (gtk_widget_get_template_child (window, CBD_TYPE_PREFERENCES_WINDOW, "edge_spin"));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 128);
  gtk_spin_button_set_value (spin, 64);
  g_assert_cmpuint (g_settings_get_uint (settings, "cutout-edge"), ==, 64);
  g_settings_reset (settings, "cutout-edge");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 128);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_application_new (void)
{
  g_autoptr(CbdApplication) application = cbd_application_new ();

  g_assert_true (CBD_IS_APPLICATION (application));
  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (application)), ==, APPLICATION_ID);
  g_assert_null (cbd_application_get_settings (application));
  g_assert_cmpint (cbd_application_get_exit_status (application), ==, 0);
}

static void
test_window_new (void)
{
  CbdWindow *window = cbd_window_new (NULL);

  g_assert_true (CBD_IS_WINDOW (window));
  for (guint normal = 0; normal < 3; normal++)
    {
      CbdSliceView *view = cbd_window_get_slice_view (window, normal);

      g_assert_true (CBD_IS_SLICE_VIEW (view));
      g_assert_cmpint (cbd_slice_view_get_axis (view), ==, normal);
      g_assert_true (cbd_slice_view_get_state (view) == cbd_window_get_state (window));
    }
  g_assert_false (cbd_window_get_loaded (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static CbdVolume *
make_stripes_volume (void)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (64, 48, 8, &error);

  g_assert_no_error (error);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      gsize x = i % 64;

      volume->labels[i] = x < 20 ? PORE : x < 44 ? CBD : CAM;
    }
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  return volume;
}

/* Two label values cannot be mapped to three phases: grey levels instead,
 * stretched so the largest label is white. */
static void
test_window_ambiguous (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (64, 48, 2, &error);
  CbdWindow *window;
  GtkWidget *view;
  g_autoptr(Capture) capture = NULL;
  Geometry geometry;

  g_assert_no_error (error);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    volume->labels[i] = (i % 64) < 32 ? 0 : 2;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;

  window = ui_test_show_window (volume);
  g_assert_null (cbd_view_state_get_label_map (cbd_window_get_state (window)));
  view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, cbd_window_get_state (window), CBD_AXIS_Z,
                                        capture->width, capture->height);
  assert_grey (capture_pixel (capture, (int) (geometry.origin[0] + 100 * geometry.scale),
                              (int) (geometry.origin[1] + 400 * geometry.scale)), 0);
  assert_grey (capture_pixel (capture, (int) (geometry.origin[0] + 500 * geometry.scale),
                              (int) (geometry.origin[1] + 400 * geometry.scale)), 255);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Colours come from GSettings when the schema is there (memory backend),
 * and a colour picked in the window goes back to them. */
static void
test_window_settings_colours (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CbdVolume) volume = make_stripes_volume ();
  g_autoptr(Capture) capture = NULL;
  g_autofree char *stored = NULL;
  CbdWindow *window;
  GtkWidget *view;
  Geometry geometry;
  int px, py;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_test_skip ("the GSettings schema is not compiled");
      return;
    }

  settings = g_settings_new_full (schema, NULL, NULL);
  g_assert_cmpuint (g_settings_get_uint (settings, "cutout-edge"), ==, 128);
  g_settings_set_string (settings, "cbd-color", "#ff0000");

  window = cbd_window_new (NULL);
  view = GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z));
  cbd_window_set_interactive (window, FALSE);
  cbd_window_set_settings (window, settings);
  cbd_window_set_volume (window, volume, "stripes");
  gtk_window_present (GTK_WINDOW (window));

  capture = capture_widget (view);
  geometry = ui_test_expected_geometry (volume, cbd_window_get_state (window), CBD_AXIS_Z,
                                        capture->width, capture->height);
  px = (int) (geometry.origin[0] + 38.5 * 10 * geometry.scale);
  py = (int) (geometry.origin[1] + 10.5 * 10 * geometry.scale);
  g_assert_cmphex (capture_pixel (capture, px, py), ==, 0xffff0000);
  g_clear_pointer (&capture, capture_free);

  /* A change applies to the open window. */
  g_settings_set_string (settings, "cbd-color", "#0000ff");
  capture = capture_widget (view);
  g_assert_cmphex (capture_pixel (capture, px, py), ==, 0xff0000ff);

  /* The phase panel's colour goes to the settings. */
  cbd_view_state_set_phase_color (cbd_window_get_state (window), CBD_PHASE_CAM,
                                  &(GdkRGBA) { 0.0f, 1.0f, 0.0f, 1.0f });
  stored = g_settings_get_string (settings, "cam-color");
  g_assert_cmpstr (stored, ==, "rgb(0,255,0)");

  g_settings_reset (settings, "cbd-color");
  g_settings_reset (settings, "cam-color");
  gtk_window_destroy (GTK_WINDOW (window));
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
  outcome->message = g_strdup (message);
}

static void
test_window_load_error (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "cbdscope-no-such-volume.tif", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CbdWindow *window = cbd_window_new (NULL);
  LoadOutcome outcome = { FALSE, FALSE, NULL };

  cbd_window_set_interactive (window, FALSE);
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &outcome);
  cbd_window_open (window, file);
  ui_test_wait_for_flag (&outcome.finished);

  g_assert_false (outcome.success);
  g_assert_nonnull (outcome.message);
  g_assert_nonnull (strstr (outcome.message, "cbdscope-no-such-volume.tif"));
  g_assert_false (cbd_window_get_loaded (window));
  g_free (outcome.message);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The bundled sample: every view shows each voxel's phase colour where the
 * geometry puts it, checked against the label array itself. */
static void
test_window_load_sample (void)
{
  g_autoptr(GFile) file = NULL;
  CbdWindow *window;
  CbdVolume *volume;
  LoadOutcome outcome = { FALSE, FALSE, NULL };
  gint64 position[3];

  if (!g_file_test (CBD_BUILD_SAMPLE, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("the sample volume was not built");
      return;
    }

  file = g_file_new_for_path (CBD_BUILD_SAMPLE);
  window = cbd_window_new (NULL);
  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &outcome);
  cbd_window_open (window, file);
  ui_test_wait_for_flag (&outcome.finished);

  g_assert_true (outcome.success);
  g_assert_true (cbd_window_get_loaded (window));
  volume = cbd_view_state_get_volume (cbd_window_get_state (window));
  g_assert_nonnull (volume);
  g_assert_nonnull (cbd_view_state_get_label_map (cbd_window_get_state (window)));

  gtk_window_present (GTK_WINDOW (window));
  for (guint axis = 0; axis < 3; axis++)
    position[axis] = (gint64) volume->dims[axis] / 3;
  cbd_view_state_set_crosshair (cbd_window_get_state (window), position);
  for (guint normal = 0; normal < 3; normal++)
    g_assert_cmpuint (ui_test_check_view (window, normal), >, 1000);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Mesa's software rasterisers are told apart from GPUs by GL_RENDERER, and
 * on one the app's windows draw with cairo (ui_test_init chose as the app
 * does); the 3D view keeps its own GL context. */
static void
test_software_gl (void)
{
  static const struct { const char *renderer; gboolean software; } cases[] = {
    { "llvmpipe (LLVM 15.0.6, 256 bits)", TRUE },
    { "softpipe", TRUE },
    { "Software Rasterizer (swrast)", TRUE },
    { "Mesa Intel(R) UHD Graphics 620 (KBL GT2)", FALSE },
    { "NVIDIA GeForce RTX 3080/PCIe/SSE2", FALSE },
    { "AMD Radeon RX 6800 (navi21, LLVM 15.0.6, DRM 3.49, 6.1.0-13-amd64)", FALSE },
    { NULL, FALSE },
  };
  g_autofree char *renderer = NULL;
  CbdWindow *window;
  const char *type;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (cbd_software_gl_is_software_renderer (cases[i].renderer), ==, cases[i].software);

  renderer = cbd_software_gl_probe_renderer (gdk_display_get_default ());
  window = cbd_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  ui_test_wait_until_drawn (GTK_WIDGET (window));
  type = G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window)));
  g_test_message ("GL renderer %s, windows drawn by %s", renderer != NULL ? renderer : "(none)", type);
  /* Unless GSK_RENDERER named another renderer before the test began. */
  if (cbd_software_gl_is_software_renderer (renderer) && g_strcmp0 (g_getenv ("GSK_RENDERER"), "cairo") == 0)
    g_assert_cmpstr (type, ==, "GskCairoRenderer");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/widgets/types", test_widget_types);
  g_test_add_func ("/ui/application/new", test_application_new);
  g_test_add_func ("/ui/preferences", test_preferences);
  g_test_add_func ("/ui/window/new", test_window_new);
  g_test_add_func ("/ui/window/software-gl", test_software_gl);
  g_test_add_func ("/ui/window/ambiguous", test_window_ambiguous);
  g_test_add_func ("/ui/window/settings-colours", test_window_settings_colours);
  g_test_add_func ("/ui/window/load-error", test_window_load_error);
  g_test_add_func ("/ui/window/load-sample", test_window_load_sample);

  return g_test_run ();
}
