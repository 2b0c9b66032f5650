/* bench-edt.c — time the Euclidean distance transform (a benchmark, not a test)
 *
 * bench-edt VOLUME.tif PHASE_VALUE [THREADS [OUT.f32]]
 * Times the open-border EDT of the phase with label PHASE_VALUE, with
 * THREADS workers (default 0: one per processor), best of three runs, and
 * optionally writes the distances as raw float32 (x fastest) so a peer
 * (scipy.ndimage.distance_transform_edt) can be compared voxel by voxel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-edt"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cbd-edt.h"
#include "cbd-io.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autofree float *distance = NULL;
  gboolean phase[256] = { FALSE };
  guint n_threads;
  gsize n;
  double best = INFINITY, sum = 0, max = 0;

  if (argc < 3)
    {
      g_printerr ("usage: %s VOLUME.tif PHASE_VALUE [THREADS [OUT.f32]]\n", argv[0]);
      return 2;
    }
  phase[atoi (argv[2]) & 0xff] = TRUE;
  n_threads = argc > 3 ? (guint) strtoul (argv[3], NULL, 10) : 0;

  volume = cbd_volume_load (argv[1], NULL, NULL, NULL, &error);
  if (volume == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  n = cbd_volume_n_voxels (volume);
  distance = g_try_malloc_n (n, sizeof (float));
  if (distance == NULL)
    {
      g_printerr ("out of memory\n");
      return 1;
    }

  for (guint run = 0; run < 3; run++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, n_threads, distance, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
    }

  for (gsize i = 0; i < n; i++)
    {
      sum += distance[i];
      max = MAX (max, distance[i]);
    }
  g_print ("%" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
           " voxel (%g, %g, %g) nm, threads %u: best of 3 %.3f s; mean %.4f nm, max %.4f nm\n",
           volume->dims[0], volume->dims[1], volume->dims[2],
           volume->voxel_nm[0], volume->voxel_nm[1], volume->voxel_nm[2],
           n_threads, best, sum / n, max);

  if (argc > 4 && !g_file_set_contents (argv[4], (const char *) distance,
                                        (gssize) (n * sizeof (float)), &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
