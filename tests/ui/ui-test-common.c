/* ui-test-common.c — helpers for the UI tests: volumes, waiting, pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cbd-software-gl.h"
#include "cbd-volume-view.h"
#include "ui-test-common.h"

/* g_test_init, then the display: a test without one skips as a whole. */
void
ui_test_init (int    *argc,
              char ***argv)
{
  g_test_init (argc, argv, NULL);
  gtk_disable_setlocale ();
  /* Xvfb has no session bus and GTK warns about it: keep criticals fatal,
   * not that warning. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      exit (0);
    }
  /* Draw windows as the app does (cairo on a software GL). */
  cbd_software_gl_choose_renderer (gdk_display_get_default ());
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag is set or 20 s pass. */
void
ui_test_wait_for_flag (const gboolean *flag)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (source);
}

/* Runs the main loop until @predicate holds or 20 s pass. */
void
ui_test_wait_until (gboolean (*predicate) (gpointer),
                    gpointer  data)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!predicate (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (source);
}

/* Handles whatever is pending without blocking. */
void
ui_test_iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
frame_cb (GdkFrameClock *clock,
          gboolean      *drawn)
{
  *drawn = TRUE;
}

/* Until a frame has drawn @widget; for a 3D view, until its whole picture
 * is shown (software GL casts it in bands over several frames). */
void
ui_test_wait_until_drawn (GtkWidget *widget)
{
  GdkFrameClock *clock;
  gulong handler;

  while (!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0)
    g_main_context_iteration (NULL, TRUE);

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (gtk_widget_get_native (widget)));
  do
    {
      gboolean drawn = FALSE;

      handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_cb), &drawn);
      gtk_widget_queue_draw (widget);
      ui_test_wait_for_flag (&drawn);
      g_signal_handler_disconnect (clock, handler);
    }
  while (CBD_IS_VOLUME_VIEW (widget) &&
         !cbd_volume_view_get_picture_complete (CBD_VOLUME_VIEW (widget)));
}

Capture *
capture_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  Capture *capture = g_new0 (Capture, 1);

  /* The paintable shows what the widget last drew: let a frame happen… */
  ui_test_wait_until_drawn (widget);
  /* …and let the paintable pick up the new image (a high-priority idle). */
  ui_test_iterate ();
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
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

void
capture_free (Capture *capture)
{
  g_free (capture->pixels);
  g_free (capture);
}

guint32
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

void
assert_rgb (guint32 pixel,
            guint   red,
            guint   green,
            guint   blue)
{
  guint alpha = pixel >> 24;
  guint r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

  if (alpha != 255 || ABS ((int) r - (int) red) > 2 || ABS ((int) g - (int) green) > 2
      || ABS ((int) b - (int) blue) > 2)
    {
      g_autofree char *message = g_strdup_printf ("pixel %08x is not %02x%02x%02x",
                                                  pixel, red, green, blue);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
}

void
assert_grey (guint32 pixel,
             guint   grey)
{
  assert_rgb (pixel, grey, grey, grey);
}

/* Phase colours by default: pore black, CBD #808080, CAM white. */
guint
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

/* The default colour of a stored label's phase, as a grey level. */
static guint
phase_grey (const CbdLabelMap *map,
            guint8             label)
{
  g_assert_nonnull (map);
  switch (map->phase[label])
    {
    case CBD_PHASE_PORE: return 0;
    case CBD_PHASE_CBD: return 0x80;
    case CBD_PHASE_CAM: return 0xff;
    default: g_assert_not_reached ();
    }
  return 0;
}

/* The plane of each view: which axis runs right (u) and down (v). */
const guint ui_test_plane_u[3] = { 2, 0, 0 };
const guint ui_test_plane_v[3] = { 1, 2, 1 };

Geometry
ui_test_expected_geometry (const CbdVolume *volume,
                   CbdViewState    *state,
                   guint            normal,
                   int              width,
                   int              height)
{
  guint u = ui_test_plane_u[normal], v = ui_test_plane_v[normal];
  double extent_u = volume->dims[u] * volume->voxel_nm[u];
  double extent_v = volume->dims[v] * volume->voxel_nm[v];
  double zoom = cbd_view_state_get_zoom (state);
  double centre[3];
  Geometry geometry;

  cbd_view_state_get_centre (state, centre);
  geometry.scale = zoom > 0.0 ? zoom : MIN (width / extent_u, height / extent_v);
  geometry.origin[0] = width / 2.0 - centre[u] * geometry.scale;
  geometry.origin[1] = height / 2.0 - centre[v] * geometry.scale;
  if (zoom <= 0.0)
    {
      /* Fit: centred whatever the stored centre. */
      geometry.origin[0] = (width - extent_u * geometry.scale) / 2.0;
      geometry.origin[1] = (height - extent_v * geometry.scale) / 2.0;
    }
  return geometry;
}

/* Samples every voxel of the plane whose 3 × 3 neighbourhood is uniform and
 * whose centre is clear of the overlays; returns how many were checked. */
guint
ui_test_check_view (CbdWindow *window,
            guint      normal)
{
  CbdViewState *state = cbd_window_get_state (window);
  CbdVolume *volume = cbd_view_state_get_volume (state);
  const CbdLabelMap *map = cbd_view_state_get_label_map (state);
  GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (window, normal));
  g_autoptr(Capture) capture = capture_widget (view);
  Geometry geometry = ui_test_expected_geometry (volume, state, normal, capture->width, capture->height);
  guint u_axis = ui_test_plane_u[normal], v_axis = ui_test_plane_v[normal];
  gsize crosshair[3];
  double cross_x, cross_y;
  guint checked = 0;

  cbd_view_state_get_crosshair (state, crosshair);
  cross_x = geometry.origin[0] + (crosshair[u_axis] + 0.5) * volume->voxel_nm[u_axis] * geometry.scale;
  cross_y = geometry.origin[1] + (crosshair[v_axis] + 0.5) * volume->voxel_nm[v_axis] * geometry.scale;

  for (gsize v = 1; v + 1 < volume->dims[v_axis]; v++)
    for (gsize u = 1; u + 1 < volume->dims[u_axis]; u++)
      {
        gsize position[3];
        guint8 label;
        gboolean uniform = TRUE;
        double x = geometry.origin[0] + (u + 0.5) * volume->voxel_nm[u_axis] * geometry.scale;
        double y = geometry.origin[1] + (v + 0.5) * volume->voxel_nm[v_axis] * geometry.scale;

        position[normal] = crosshair[normal];
        position[u_axis] = u;
        position[v_axis] = v;
        label = cbd_volume_get (volume, position[0], position[1], position[2]);
        for (int dv = -1; dv <= 1; dv++)
          for (int du = -1; du <= 1; du++)
            {
              gsize other[3] = { position[0], position[1], position[2] };

              other[u_axis] += du;
              other[v_axis] += dv;
              uniform &= cbd_volume_get (volume, other[0], other[1], other[2]) == label;
            }

        if (!uniform || x < 0 || y < 0 || x >= capture->width || y >= capture->height
            || fabs (x - cross_x) < 3 || fabs (y - cross_y) < 3
            || (y < 32 && x < 320) || (y > capture->height - 48 && x < 200))
          continue;

        assert_grey (capture_pixel (capture, (int) x, (int) y), phase_grey (map, label));
        checked++;
      }
  return checked;
}

CbdWindow *
ui_test_show_window (CbdVolume *volume)
{
  CbdWindow *window = cbd_window_new (NULL);

  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  cbd_window_set_volume (window, volume, "test volume");
  gtk_window_present (GTK_WINDOW (window));
  ui_test_wait_until_drawn (GTK_WIDGET (cbd_window_get_slice_view (window, CBD_AXIS_Z)));
  return window;
}


guint8
ui_test_label (gsize x,
               gsize y,
               gsize z)
{
  if (y < TEST_NY / 2)
    return x < 20 ? PORE : x < 44 ? CBD : CAM;
  return z < 10 ? CAM : z < 20 ? PORE : CBD;
}

CbdVolume *
ui_test_make_volume (double voxel_z_nm)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (TEST_NX, TEST_NY, TEST_NZ, &error);

  g_assert_no_error (error);
  for (gsize z = 0; z < TEST_NZ; z++)
    for (gsize y = 0; y < TEST_NY; y++)
      for (gsize x = 0; x < TEST_NX; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = ui_test_label (x, y, z);
  volume->voxel_nm[0] = 10.0;
  volume->voxel_nm[1] = 10.0;
  volume->voxel_nm[2] = voxel_z_nm;
  return volume;
}
