/* bench-volume-view.c — frames per second of the 3D view while orbiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run under Xvfb: xvfb-run -a -s "-screen 0 1280x1024x24" bench-volume-view [N]
 * An N³ volume (default 512) of spheres of CAM in CBD with pores, default
 * 3D opacities, a 640 × 480 view; the renderer is whatever GL Xvfb offers
 * (Mesa's llvmpipe here). Prints the upload time and complete pictures
 * (and frames) per second at full sampling and at the halved sampling
 * used while dragging; a still picture on software GL takes several
 * frames, one band each.
 */
#define G_LOG_DOMAIN "bench-volume-view"

#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "cbd-software-gl.h"
#include "cbd-volume-view.h"

#define SECONDS 5

/* One small orbit step once the picture is complete: every picture is a
 * new one (a still picture on software GL takes several frames). */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  guint *n_pictures = user_data;

  if (cbd_volume_view_get_picture_complete (CBD_VOLUME_VIEW (widget)))
    {
      cbd_volume_view_orbit (CBD_VOLUME_VIEW (widget), 4.0, 1.0);
      (*n_pictures)++;
    }
  return G_SOURCE_CONTINUE;
}

/* Complete pictures per second, and frames per second in @frame_rate. */
static double
measure_fps (CbdVolumeView *view,
             double        *frame_rate)
{
  guint first = cbd_volume_view_get_n_frames (view), n_pictures = 0;
  gint64 start = g_get_monotonic_time ();
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (view), tick_cb, &n_pictures, NULL);
  double seconds;

  while (g_get_monotonic_time () - start < SECONDS * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_remove_tick_callback (GTK_WIDGET (view), id);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  *frame_rate = (cbd_volume_view_get_n_frames (view) - first) / seconds;
  return n_pictures / seconds;
}

int
main (int   argc,
      char *argv[])
{
  gsize n = argc > 1 ? strtoul (argv[1], NULL, 10) : 512;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdViewState) state = NULL;
  CbdLabelMap map;
  GtkWidget *window;
  CbdVolumeView *view;
  gint64 start;

  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_printerr ("bench-volume-view: no display (run it under xvfb-run)\n");
      return 1;
    }
  /* Windows drawn as the app draws them. */
  cbd_software_gl_choose_renderer (gdk_display_get_default ());

  volume = cbd_volume_new (n, n, n, &error);
  if (volume == NULL)
    {
      g_printerr ("bench-volume-view: %s\n", error->message);
      return 1;
    }
  /* Spheres of radius n/8 on a grid (CAM), CBD around, pores in a
   * checkerboard of 4-voxel cells between them. */
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        {
          gssize cell = (gssize) n / 4;
          gssize dx = (gssize) (x % cell) - cell / 2, dy = (gssize) (y % cell) - cell / 2;
          gssize dz = (gssize) (z % cell) - cell / 2;
          gboolean cam = dx * dx + dy * dy + dz * dz < (cell / 2) * (cell / 2) * 6 / 10;
          guint8 label = cam ? 2 : (((x / 4) + (y / 4) + (z / 4)) % 2 ? 1 : 0);

          volume->labels[cbd_volume_index (volume, x, y, z)] = label;
        }
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  cbd_label_map_init (&map);
  map.phase[0] = CBD_PHASE_PORE;
  map.phase[1] = CBD_PHASE_CBD;
  map.phase[2] = CBD_PHASE_CAM;
  state = cbd_view_state_new ();
  cbd_view_state_set_volume (state, volume, &map, NULL);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  view = CBD_VOLUME_VIEW (cbd_volume_view_new ());
  cbd_volume_view_set_state (view, state);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));

  start = g_get_monotonic_time ();
  while (!cbd_volume_view_get_ready (view) && cbd_volume_view_get_message (view) == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (cbd_volume_view_get_message (view) != NULL)
    {
      g_printerr ("bench-volume-view: %s\n", cbd_volume_view_get_message (view));
      return 1;
    }
  g_print ("%zu³ volume, 640 × 480 view\n", n);
  g_print ("  prepare + upload: %.2f s (factor %u)\n",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
           cbd_volume_view_get_factor (view));
  {
    double frames, pictures = measure_fps (view, &frames);

    g_print ("  orbiting, full sampling:    %.2f pictures/s (%.2f frames/s)\n", pictures, frames);
    cbd_volume_view_set_interacting (view, TRUE);
    pictures = measure_fps (view, &frames);
    g_print ("  orbiting, while dragging:   %.2f pictures/s (%.2f frames/s)\n", pictures, frames);
  }
  return 0;
}
