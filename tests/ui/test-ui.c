/* test-ui.c — the window and slice view under a real display (Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "cbd-application.h"
#include "cbd-slice-view.h"
#include "cbd-window.h"

#define NX 64
#define NY 48
#define NZ 8
#define VOXEL_NM 10.0

enum { PORE = 0, CBD = 128, CAM = 255 };

/* Three stripes along x; the lower half of the stack has them in the order
 * pore | CBD | CAM, the upper half CAM | pore | CBD. */
static guint8
stripe_label (gsize x,
              gsize z)
{
  static const guint8 lower[3] = { PORE, CBD, CAM };
  static const guint8 upper[3] = { CAM, PORE, CBD };
  guint stripe = x < 20 ? 0 : x < 44 ? 1 : 2;

  return z < NZ / 2 ? lower[stripe] : upper[stripe];
}

static CbdVolume *
make_stripes_volume (void)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (NX, NY, NZ, &error);

  g_assert_no_error (error);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = stripe_label (x, z);
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = VOXEL_NM;
  return volume;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag is set or 20 s pass. */
static void
wait_for_flag (const gboolean *flag)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (source);
}

static void
frame_cb (GdkFrameClock *clock,
          gboolean      *drawn)
{
  *drawn = TRUE;
}

static void
wait_until_drawn (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkFrameClock *clock;
  gboolean drawn = FALSE;
  gulong handler;

  while (!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0)
    g_main_context_iteration (NULL, TRUE);

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (native));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_cb), &drawn);
  gtk_widget_queue_draw (widget);
  wait_for_flag (&drawn);
  g_signal_handler_disconnect (clock, handler);
}

typedef struct
{
  int     width;
  int     height;
  gsize   stride;
  guint8 *pixels;  /* cairo ARGB32: native-endian 0xAARRGGBB */
} Capture;

static void
capture_free (Capture *capture)
{
  g_free (capture->pixels);
  g_free (capture);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Capture, capture_free)

static Capture *
capture_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  Capture *capture = g_new0 (Capture, 1);

  /* The paintable shows what the widget last drew: let a frame happen. */
  wait_until_drawn (widget);
  /* …and let the paintable pick up the new image (a high-priority idle). */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  snapshot = gtk_snapshot_new ();
  capture->width = gtk_widget_get_width (widget);
  capture->height = gtk_widget_get_height (widget);
  g_assert_cmpint (capture->width, >, 0);
  g_assert_cmpint (capture->height, >, 0);

  gdk_paintable_snapshot (paintable, snapshot, capture->width, capture->height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, capture->width, capture->height));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, capture->width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, capture->height);

  capture->stride = (gsize) capture->width * 4;
  capture->pixels = g_malloc0_n (capture->height, capture->stride);
  gdk_texture_download (texture, capture->pixels, capture->stride);
  return capture;
}

static guint32
capture_pixel (const Capture *capture,
               int            x,
               int            y)
{
  guint32 pixel;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, capture->width);
  g_assert_cmpint (y, <, capture->height);
  memcpy (&pixel, &capture->pixels[y * capture->stride + x * 4], sizeof pixel);
  return pixel;
}

/* Where voxel (x, y) is drawn: the slice is scaled to fit, keeps its aspect
 * (square voxels here) and is centred. */
static void
voxel_to_pixel (const Capture *capture,
                double         x,
                double         y,
                int           *px,
                int           *py)
{
  double scale = MIN (capture->width / (NX * VOXEL_NM), capture->height / (NY * VOXEL_NM));
  int image_width = (int) (NX * VOXEL_NM * scale);
  int image_height = (int) (NY * VOXEL_NM * scale);
  int origin_x = (capture->width - image_width) / 2;
  int origin_y = (capture->height - image_height) / 2;

  *px = origin_x + (int) ((x + 0.5) * image_width / NX);
  *py = origin_y + (int) ((y + 0.5) * image_height / NY);
}

static void
assert_grey (guint32 pixel,
             guint   grey)
{
  guint alpha = pixel >> 24;
  guint red = (pixel >> 16) & 0xff, green = (pixel >> 8) & 0xff, blue = pixel & 0xff;

  g_assert_cmpuint (alpha, ==, 255);
  g_assert_cmpuint (ABS ((int) red - (int) grey), <=, 2);
  g_assert_cmpuint (ABS ((int) green - (int) grey), <=, 2);
  g_assert_cmpuint (ABS ((int) blue - (int) grey), <=, 2);
}

/* Phase colours by default: pore black, CBD #808080, CAM white. */
static guint
expected_grey (guint8 label)
{
  switch (label)
    {
    case PORE: return 0;
    case CBD: return 0x80;
    case CAM: return 0xff;
    default: g_assert_not_reached ();
    }
  return 0;
}

static void
assert_stripes (GtkWidget *view,
                gsize      z)
{
  g_autoptr(Capture) capture = capture_widget (view);
  static const double sample_x[] = { 2, 10, 18, 21, 32, 42, 45, 54, 62 };
  static const double sample_y[] = { 1, 24, 46 };

  for (guint i = 0; i < G_N_ELEMENTS (sample_x); i++)
    for (guint j = 0; j < G_N_ELEMENTS (sample_y); j++)
      {
        int px, py;

        voxel_to_pixel (capture, sample_x[i], sample_y[j], &px, &py);
        assert_grey (capture_pixel (capture, px, py),
                     expected_grey (stripe_label ((gsize) sample_x[i], z)));
      }
}

static void
test_slice_view_new (void)
{
  GtkWidget *view = cbd_slice_view_new ();
  g_autoptr(CbdVolume) volume = make_stripes_volume ();

  g_object_ref_sink (view);
  g_assert_true (CBD_IS_SLICE_VIEW (view));
  g_assert_cmpuint (cbd_slice_view_get_n_slices (CBD_SLICE_VIEW (view)), ==, 0);

  cbd_slice_view_set_volume (CBD_SLICE_VIEW (view), volume, NULL);
  g_assert_cmpuint (cbd_slice_view_get_n_slices (CBD_SLICE_VIEW (view)), ==, NZ);
  cbd_slice_view_set_slice (CBD_SLICE_VIEW (view), 1000);
  g_assert_cmpuint (cbd_slice_view_get_slice (CBD_SLICE_VIEW (view)), ==, NZ - 1);
  g_object_unref (view);
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
  g_assert_true (CBD_IS_SLICE_VIEW (cbd_window_get_slice_view (window)));
  g_assert_false (cbd_window_get_loaded (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_phase_colours (void)
{
  g_autoptr(CbdVolume) volume = make_stripes_volume ();
  CbdWindow *window = cbd_window_new (NULL);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window));

  cbd_window_set_interactive (window, FALSE);
  cbd_window_set_volume (window, volume, "stripes");
  g_assert_true (cbd_window_get_loaded (window));
  gtk_window_present (GTK_WINDOW (window));
  wait_until_drawn (view);

  cbd_slice_view_set_slice (CBD_SLICE_VIEW (view), 1);
  assert_stripes (view, 1);

  /* Moving up the stack swaps the stripes. */
  cbd_slice_view_set_slice (CBD_SLICE_VIEW (view), 6);
  g_assert_cmpuint (cbd_slice_view_get_slice (CBD_SLICE_VIEW (view)), ==, 6);
  assert_stripes (view, 6);

  /* The key bindings' action: Page Down jumps 10 back (clamped to 0). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "slice.move", "i", -10));
  g_assert_cmpuint (cbd_slice_view_get_slice (CBD_SLICE_VIEW (view)), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "slice.move", "i", 1));
  g_assert_cmpuint (cbd_slice_view_get_slice (CBD_SLICE_VIEW (view)), ==, 1);
  assert_stripes (view, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Two label values cannot be mapped to three phases: grey levels instead,
 * stretched so the largest label is white. */
static void
test_window_ambiguous (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (NX, NY, 2, &error);
  CbdWindow *window = cbd_window_new (NULL);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window));
  g_autoptr(Capture) capture = NULL;
  int px, py;

  g_assert_no_error (error);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    volume->labels[i] = (i % NX) < NX / 2 ? 0 : 2;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = VOXEL_NM;

  cbd_window_set_interactive (window, FALSE);
  cbd_window_set_volume (window, volume, "two labels");
  gtk_window_present (GTK_WINDOW (window));
  wait_until_drawn (view);

  capture = capture_widget (view);
  voxel_to_pixel (capture, 10, 20, &px, &py);
  assert_grey (capture_pixel (capture, px, py), 0);
  voxel_to_pixel (capture, 50, 20, &px, &py);
  assert_grey (capture_pixel (capture, px, py), 255);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Colours come from GSettings when the schema is there (memory backend). */
static void
test_window_settings_colours (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CbdVolume) volume = make_stripes_volume ();
  g_autoptr(Capture) capture = NULL;
  CbdWindow *window;
  GtkWidget *view;
  guint32 pixel;
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
  view = GTK_WIDGET (cbd_window_get_slice_view (window));
  cbd_window_set_interactive (window, FALSE);
  cbd_window_set_phase_colors (window, settings);
  cbd_window_set_volume (window, volume, "stripes");
  cbd_slice_view_set_slice (CBD_SLICE_VIEW (view), 0);
  gtk_window_present (GTK_WINDOW (window));

  capture = capture_widget (view);
  voxel_to_pixel (capture, 32, 24, &px, &py);
  pixel = capture_pixel (capture, px, py);
  g_assert_cmphex (pixel, ==, 0xffff0000);
  g_clear_pointer (&capture, capture_free);

  /* A change applies to the open window. */
  g_settings_set_string (settings, "cbd-color", "#0000ff");
  capture = capture_widget (view);
  g_assert_cmphex (capture_pixel (capture, px, py), ==, 0xff0000ff);

  g_settings_reset (settings, "cbd-color");
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
  wait_for_flag (&outcome.finished);

  g_assert_false (outcome.success);
  g_assert_nonnull (outcome.message);
  g_assert_nonnull (strstr (outcome.message, "cbdscope-no-such-volume.tif"));
  g_assert_false (cbd_window_get_loaded (window));
  g_free (outcome.message);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_load_sample (void)
{
  g_autoptr(GFile) file = NULL;
  CbdWindow *window;
  CbdVolume *volume;
  LoadOutcome outcome = { FALSE, FALSE, NULL };

  if (!g_file_test (CBD_BUILD_SAMPLE, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("the sample volume was not built");
      return;
    }

  file = g_file_new_for_path (CBD_BUILD_SAMPLE);
  window = cbd_window_new (NULL);
  cbd_window_set_interactive (window, FALSE);
  g_signal_connect (window, "load-finished", G_CALLBACK (load_finished_cb), &outcome);
  cbd_window_open (window, file);
  wait_for_flag (&outcome.finished);

  g_assert_true (outcome.success);
  g_assert_true (cbd_window_get_loaded (window));
  volume = cbd_slice_view_get_volume (cbd_window_get_slice_view (window));
  g_assert_nonnull (volume);
  g_assert_cmpuint (cbd_slice_view_get_n_slices (cbd_window_get_slice_view (window)), ==, volume->dims[2]);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  /* Xvfb has no session bus and GTK warns about it: keep criticals fatal,
   * not that warning. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_add_func ("/ui/slice-view/new", test_slice_view_new);
  g_test_add_func ("/ui/application/new", test_application_new);
  g_test_add_func ("/ui/window/new", test_window_new);
  g_test_add_func ("/ui/window/settings-colours", test_window_settings_colours);
  g_test_add_func ("/ui/window/phase-colours", test_window_phase_colours);
  g_test_add_func ("/ui/window/ambiguous", test_window_ambiguous);
  g_test_add_func ("/ui/window/load-error", test_window_load_error);
  g_test_add_func ("/ui/window/load-sample", test_window_load_sample);

  return g_test_run ();
}
