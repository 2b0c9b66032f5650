/* bench-cutouts.c — time the CAM-free position search (a benchmark, not a test)
 *
 * bench-cutouts [--shared VOLUME.tif] [--synth NX,NY,NZ] [--edge N] [--threads N]
 *
 * For each volume: the search for free origins of an N-cube (default 128),
 * best of three, with 1 thread and with THREADS (default: one per
 * processor); the farthest-point choice of 151 cutouts (the paper's count)
 * and of as many as fit; the memory the search allocates; and the
 * surface-area measurement of the pore phase in the whole volume and in one
 * 128^3 box, and the CAM count in a box. The shared volume's CAM is label 85; the synthetic volume comes
 * from cbd_synth_generate() (CAM 255), its generation time is reported
 * apart. Peak resident memory at the end covers everything.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-cutouts"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cbd-cutouts.h"
#include "cbd-io.h"
#include "cbd-surface.h"
#include "cbd-synth.h"

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static gboolean
bench_volume (const char *name, const CbdVolume *volume, guint8 cam, gsize edge, guint n_threads,
              GError **error)
{
  gboolean forbidden[256] = { FALSE }, pore[256] = { FALSE };
  const guint thread_counts[2] = { 1, n_threads };
  double n_voxels = (double) cbd_volume_n_voxels (volume);
  g_autoptr(CbdFreeOrigins) free_origins = NULL;

  forbidden[cam] = TRUE;
  pore[0] = TRUE;
  g_print ("%s: %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels (%.0f M), "
           "CAM label %u, cube edge %" G_GSIZE_FORMAT "\n", name, volume->dims[0], volume->dims[1],
           volume->dims[2], n_voxels / 1e6, cam, edge);

  for (guint t = 0; t < 2; t++)
    {
      double best = INFINITY;

      if (t == 1 && thread_counts[1] == 1)
        break;
      for (guint run = 0; run < 3; run++)
        {
          gint64 start = g_get_monotonic_time ();

          g_clear_pointer (&free_origins, cbd_free_origins_free);
          free_origins = cbd_free_origins_find (volume, forbidden, edge, thread_counts[t], NULL,
                                                NULL, NULL, error);
          if (free_origins == NULL)
            return FALSE;
          best = MIN (best, seconds_since (start));
        }
      g_print ("  find, %u thread%s: best of 3 %.3f s (%.2f ns per voxel), %" G_GUINT64_FORMAT
               " free origins of %" G_GSIZE_FORMAT ", work memory %.1f MB (bit set %.1f MB)\n",
               thread_counts[t], thread_counts[t] == 1 ? "" : "s", best, best / n_voxels * 1e9,
               free_origins->n_free,
               free_origins->dims[0] * free_origins->dims[1] * free_origins->dims[2],
               cbd_free_origins_memory_size (volume, edge, thread_counts[t]) / 1048576.0,
               free_origins->row_words * free_origins->dims[1] * free_origins->dims[2] * 8 / 1048576.0);
    }

  for (guint k = 0; k < 2; k++)
    {
      guint wanted = k == 0 ? 151 : 0;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GArray) cutouts = cbd_free_origins_select (free_origins, wanted, 0, NULL, error);

      if (cutouts == NULL)
        return FALSE;
      g_print ("  select %s: %u cutouts in %.3f s\n", wanted ? "151" : "as many as fit",
               cutouts->len, seconds_since (start));
    }

  {
    g_autoptr(GRand) rand = g_rand_new_with_seed (1);
    gsize box[3];
    guint64 total = 0;
    gint64 start;

    for (guint axis = 0; axis < 3; axis++)
      box[axis] = MIN (volume->dims[axis], edge);
    start = g_get_monotonic_time ();
    for (guint i = 0; i < 100; i++)
      {
        gsize origin[3];

        for (guint axis = 0; axis < 3; axis++)
          origin[axis] = g_rand_int_range (rand, 0, (gint32) (volume->dims[axis] - box[axis] + 1));
        total += cbd_cutouts_count_forbidden (volume, forbidden, origin, box);
      }
    g_print ("  CAM count in a %" G_GSIZE_FORMAT "^3 box (a dragged cutout): %.2f ms on average "
             "(mean %.0f CAM voxels)\n", box[0], seconds_since (start) * 10.0, total / 100.0);
  }

  {
    CbdSurfaceResult result;
    gsize box[3] = { MIN (volume->dims[0], (gsize) 128), MIN (volume->dims[1], (gsize) 128),
                     MIN (volume->dims[2], (gsize) 128) };
    gint64 start = g_get_monotonic_time ();
    double whole;

    if (!cbd_surface_measure (volume, pore, NULL, NULL, n_threads, &result, NULL, NULL, NULL, error))
      return FALSE;
    whole = seconds_since (start);
    g_print ("  surface of the pore phase, whole volume: %.3f s (%.2f ns per voxel), faces %.4g um^2, "
             "marching cubes %.4g um^2\n", whole, whole / n_voxels * 1e9, result.area_faces_um2,
             result.area_marching_um2);
    start = g_get_monotonic_time ();
    if (!cbd_surface_measure (volume, pore, NULL, box, 1, &result, NULL, NULL, NULL, error))
      return FALSE;
    g_print ("  surface of a %" G_GSIZE_FORMAT "^3 box, 1 thread: %.3f s, SSA faces %.3f 1/um, "
             "marching cubes %.3f 1/um\n", box[0], seconds_since (start), result.ssa_faces_per_um,
             result.ssa_marching_per_um);
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *shared = NULL, *synth_spec = NULL;
  gint64 edge = 128;
  int n_threads = 0;
  GOptionEntry entries[] = {
    { "shared", 0, 0, G_OPTION_ARG_FILENAME, &shared, "A label volume with CAM = 85", "VOLUME.tif" },
    { "synth", 0, 0, G_OPTION_ARG_STRING, &synth_spec, "Generate a synthetic volume", "NX,NY,NZ" },
    { "edge", 0, 0, G_OPTION_ARG_INT64, &edge, "Cube edge (default 128)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, "Threads for the second run (default: all)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the CAM-free cutout search");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || edge < 1 || n_threads < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "bad --edge or --threads");
      return 2;
    }
  if (n_threads == 0)
    n_threads = MAX (1, g_get_num_processors ());

  if (shared != NULL)
    {
      g_autoptr(CbdVolume) volume = cbd_volume_load (shared, NULL, NULL, NULL, &error);

      if (volume == NULL || !bench_volume (shared, volume, 85, (gsize) edge, (guint) n_threads, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  if (synth_spec != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (synth_spec, ",", 3);
      g_autoptr(CbdVolume) volume = NULL;
      CbdSynthParams params;
      gint64 start;

      cbd_synth_params_init (&params, 256);
      if (g_strv_length (parts) != 3)
        {
          g_printerr ("--synth wants NX,NY,NZ\n");
          return 2;
        }
      for (guint axis = 0; axis < 3; axis++)
        params.dims[axis] = (gsize) g_ascii_strtoull (parts[axis], NULL, 10);
      start = g_get_monotonic_time ();
      volume = cbd_synth_generate (&params, NULL, NULL, NULL, NULL, &error);
      if (volume == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      g_print ("(synthetic volume generated in %.1f s)\n", seconds_since (start));
      if (!bench_volume ("synthetic", volume, CBD_SYNTH_CAM, (gsize) edge, (guint) n_threads, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }
  g_print ("peak resident memory %.0f MB\n", peak_rss_mb ());
  return 0;
}
