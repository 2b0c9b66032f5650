/* bench-memory.c — the app's memory with a large stack open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run under Xvfb: xvfb-run -a -s "-screen 0 1400x1000x24" bench-memory [GB]
 * Builds a 2720 × 1531 × N stack of about GB gigabytes (default 4) in
 * memory, shows it in a full window (three slice views, the 3D view and the
 * sidebar) and reports the peak resident memory before and after, so a
 * second full copy of the volume would show as another GB gigabytes.
 */
#define G_LOG_DOMAIN "bench-memory"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "cbd-volume-view.h"
#include "cbd-window.h"

static double
status_gb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1.0;
  line = strstr (status, field);
  if (line == NULL)
    return -1.0;
  return g_ascii_strtod (line + strlen (field), NULL) / (1024.0 * 1024.0);
}

int
main (int   argc,
      char *argv[])
{
  double gigabytes = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 4.0;
  gsize nx = 2720, ny = 1531, nz = (gsize) (gigabytes * 1e9 / (nx * ny));
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  CbdWindow *window;
  CbdVolumeView *view;
  gint64 start;

  gtk_disable_setlocale ();
  if (!gtk_init_check ())
    {
      g_printerr ("bench-memory: no display (run it under xvfb-run)\n");
      return 1;
    }
  volume = cbd_volume_new (nx, ny, nz, &error);
  if (volume == NULL)
    {
      g_printerr ("bench-memory: %s\n", error->message);
      return 1;
    }
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      {
        guint8 *row = &volume->labels[cbd_volume_index (volume, 0, y, z)];

        for (gsize x = 0; x < nx; x++)
          row[x] = (guint8) (((x / 7) ^ (y / 5) ^ (z / 3)) % 3) * 85;
      }
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  g_print ("%zu × %zu × %zu stack, %.2f GB of labels; peak resident after building it: %.2f GB\n",
           nx, ny, nz, cbd_volume_n_voxels (volume) / 1e9, status_gb ("VmHWM:") * 1.073741824);

  window = cbd_window_new (NULL);
  cbd_window_set_interactive (window, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 900);
  start = g_get_monotonic_time ();
  cbd_window_set_volume (window, volume, "large stack");
  g_print ("histogram, label map and views set up in %.1f s\n",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  gtk_window_present (GTK_WINDOW (window));
  view = CBD_VOLUME_VIEW (cbd_window_get_volume_view (window));
  while (!cbd_volume_view_get_ready (view) && cbd_volume_view_get_message (view) == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  g_print ("shown in %.1f s (3D view at 1/%u resolution%s%s)\n",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
           cbd_volume_view_get_factor (view),
           cbd_volume_view_get_message (view) != NULL ? "; " : "",
           cbd_volume_view_get_message (view) != NULL ? cbd_volume_view_get_message (view) : "");
  g_print ("peak resident with the window open: %.2f GB (now %.2f GB)\n",
           status_gb ("VmHWM:") * 1.073741824, status_gb ("VmRSS:") * 1.073741824);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
