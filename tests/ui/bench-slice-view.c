/* bench-slice-view.c — how long a slice view takes to show a new
 * 2720 × 1531 slice (the paper's stack width and height), under a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run under Xvfb: xvfb-run -a -s "-screen 0 1400x1100x24" bench-slice-view [NZ]
 * Prints, per plane: slice extraction, the texture build (labels → pixels
 * of the visible part, the one O(pixels) step of a redraw), and whole
 * frames (the frame clock's before-paint to after-paint: snapshot plus GSK
 * render of the window) with nothing changed (the renderer's floor), after
 * a slice step, after a crosshair move and
 * after a zoom step. The target is a redraw under 16 ms.
 */
#define G_LOG_DOMAIN "bench-slice-view"

#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "cbd-slice-render.h"
#include "cbd-slice-view.h"
#include "cbd-software-gl.h"

#define NX 2720
#define NY 1531
#define N_FRAMES 40

typedef struct
{
  gint64   started;
  gint64   elapsed_us;
  gboolean painted;
} FrameTiming;

static void
before_paint_cb (GdkFrameClock *clock,
                 FrameTiming   *timing)
{
  timing->started = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                FrameTiming   *timing)
{
  timing->elapsed_us = g_get_monotonic_time () - timing->started;
  timing->painted = TRUE;
}

/* One frame after @change: the frame's paint work in ms. */
static double
time_frame (GtkWidget   *view,
            FrameTiming *timing)
{
  timing->painted = FALSE;
  gtk_widget_queue_draw (view);
  while (!timing->painted)
    g_main_context_iteration (NULL, TRUE);
  return timing->elapsed_us / 1000.0;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const char *what,
        double     *values,
        guint       n)
{
  double sum = 0.0;

  qsort (values, n, sizeof *values, compare_doubles);
  for (guint i = 0; i < n; i++)
    sum += values[i];
  g_print ("  %-34s median %6.2f ms  mean %6.2f ms  max %6.2f ms\n",
           what, values[n / 2], sum / n, values[n - 1]);
}

int
main (int   argc,
      char *argv[])
{
  gsize nz = argc > 1 ? strtoul (argv[1], NULL, 10) : 256;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdViewState) state = NULL;
  CbdLabelMap map;
  GtkWidget *window, *view;
  GdkFrameClock *clock;
  FrameTiming timing = { 0 };
  double times[N_FRAMES];

  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_printerr ("bench-slice-view: no display (run it under xvfb-run)\n");
      return 1;
    }
  /* Windows drawn as the app draws them (cairo on a software GL). */
  cbd_software_gl_choose_renderer (gdk_display_get_default ());

  volume = cbd_volume_new (NX, NY, nz, &error);
  if (volume == NULL)
    {
      g_printerr ("bench-slice-view: %s\n", error->message);
      return 1;
    }
  /* Blobs of three phases, so no run of pixels is uniform. */
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < NY; y++)
      {
        guint8 *row = &volume->labels[cbd_volume_index (volume, 0, y, z)];

        for (gsize x = 0; x < NX; x++)
          row[x] = (guint8) (((x / 7) ^ (y / 5) ^ (z / 3)) % 3);
      }
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  cbd_label_map_init (&map);
  map.phase[0] = CBD_PHASE_PORE;
  map.phase[1] = CBD_PHASE_CBD;
  map.phase[2] = CBD_PHASE_CAM;

  state = cbd_view_state_new ();
  cbd_view_state_set_volume (state, volume, &map, NULL);

  g_print ("Volume %d × %d × %zu, window 1280 × 1024, renderer: ", NX, NY, nz);

  for (CbdAxis normal = CBD_AXIS_Z; ; normal--)
    {
      const char *names[] = { "YZ", "XZ", "XY" };
      gsize slice_size = cbd_volume_slice_size (volume, normal, NULL, NULL);
      g_autofree guint8 *slice = g_malloc (slice_size);

      window = gtk_window_new ();
      gtk_window_set_default_size (GTK_WINDOW (window), 1280, 1024);
      view = cbd_slice_view_new (normal);
      cbd_slice_view_set_state (CBD_SLICE_VIEW (view), state);
      /* Time the main-thread path: no worker hand-off in the numbers. */
      cbd_slice_view_set_async_threshold (CBD_SLICE_VIEW (view), G_MAXSIZE);
      gtk_window_set_child (GTK_WINDOW (window), view);
      gtk_window_present (GTK_WINDOW (window));
      while (!gtk_widget_get_mapped (view) || gtk_widget_get_width (view) < 1000)
        g_main_context_iteration (NULL, TRUE);
      if (normal == CBD_AXIS_Z)
        g_print ("%s\n", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));

      clock = gtk_widget_get_frame_clock (window);
      g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &timing);
      g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &timing);
      time_frame (view, &timing);

      g_print ("%s plane (%zu voxels), fit:\n", names[normal], slice_size);
      for (guint i = 0; i < N_FRAMES; i++)
        times[i] = time_frame (view, &timing);
      report ("frame with nothing changed", times, N_FRAMES);
      for (guint i = 0; i < N_FRAMES; i++)
        {
          gint64 start = g_get_monotonic_time ();

          cbd_volume_extract_slice (volume, normal, i % volume->dims[normal], slice);
          times[i] = (g_get_monotonic_time () - start) / 1000.0;
        }
      report ("slice extraction", times, N_FRAMES);

      for (guint i = 0; i < N_FRAMES; i++)
        {
          cbd_view_state_step (state, normal, (i % 2) ? -1 : 1);
          times[i] = time_frame (view, &timing);
        }
      report ("frame after a slice step", times, N_FRAMES);
      for (guint i = 0; i < N_FRAMES; i++)
        {
          cbd_view_state_step (state, normal, (i % 2) ? -1 : 1);
          time_frame (view, &timing);
          times[i] = cbd_slice_view_get_last_build_ms (CBD_SLICE_VIEW (view));
        }
      report ("  of which texture build", times, N_FRAMES);

      for (guint i = 0; i < N_FRAMES; i++)
        {
          gint64 position[3] = { 100 + i, 200 + i, (gint64) volume->dims[2] / 2 };

          position[normal] = (gint64) volume->dims[normal] / 2;
          cbd_view_state_set_crosshair (state, position);
          times[i] = time_frame (view, &timing);
        }
      report ("frame after a crosshair move", times, N_FRAMES);

      for (guint i = 0; i < N_FRAMES; i++)
        {
          cbd_slice_view_zoom_at (CBD_SLICE_VIEW (view), 640, 512, (i % 2) ? 1.0 / 1.25 : 1.25);
          times[i] = time_frame (view, &timing);
        }
      report ("frame after a zoom step", times, N_FRAMES);

      cbd_view_state_zoom_one_to_one (state);
      for (guint i = 0; i < N_FRAMES; i++)
        {
          cbd_view_state_step (state, normal, (i % 2) ? -1 : 1);
          times[i] = time_frame (view, &timing);
        }
      report ("frame after a slice step at 1:1", times, N_FRAMES);
      cbd_view_state_fit (state);

      g_signal_handlers_disconnect_by_data (clock, &timing);
      gtk_window_destroy (GTK_WINDOW (window));
      if (normal == CBD_AXIS_X)
        break;
    }
  return 0;
}
