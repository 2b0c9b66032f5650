/* bench-partition.c — time the SNOW partition (a benchmark, not a test)
 *
 * bench-partition [VOLUME.tif PHASE_VALUE | --synth SIZE] [THREADS [OUT.u32]]
 * Partitions the phase with label PHASE_VALUE (or the pore phase of a
 * seeded synthetic volume of SIZE^3; with no arguments the shared 256^3
 * volume's pore phase, from $CBD_SHARED_DATA or ../shared/data beside the
 * source tree, else a 256^3 synthetic one) with the default parameters, best of
 * three runs (one above 64 M voxels), and prints the time of each step, the region count and the
 * region volume quantiles. OUT.u32 receives the region ids as raw uint32
 * (x fastest) so a peer can be compared voxel by voxel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-partition"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-partition.h"
#include "cbd-regions.h"
#include "cbd-synth.h"

#define MAX_STEPS 16

typedef struct
{
  gint64      start;
  guint       n_steps;
  const char *stage[MAX_STEPS];
  gint64      begin[MAX_STEPS];
} StepClock;

static void
record_step (const CbdProgress *progress, gpointer user_data)
{
  StepClock *clock = user_data;

  if (clock->n_steps > 0 && strcmp (clock->stage[clock->n_steps - 1], progress->stage) == 0)
    return;
  if (clock->n_steps < MAX_STEPS)
    {
      clock->stage[clock->n_steps] = progress->stage;
      clock->begin[clock->n_steps] = g_get_monotonic_time ();
      clock->n_steps++;
    }
}

static int
compare_guint64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  g_autofree guint32 *regions = NULL;
  g_autofree float *distance = NULL;
  g_autofree guint64 *volumes = NULL;
  gboolean phase[256] = { FALSE };
  CbdPartitionOptions options;
  CbdPartitionSummary summary;
  StepClock best_clock = { 0 };
  double best = INFINITY, measure_seconds;
  guint n_threads = 0, n_runs;
  const char *out_path = NULL;
  gsize n;
  gint64 start;

  if (argc == 2 || (argc > 1 && strcmp (argv[1], "--help") == 0))
    {
      g_printerr ("usage: %s [VOLUME.tif PHASE_VALUE | --synth SIZE] [THREADS [OUT.u32]]\n", argv[0]);
      return 2;
    }
  if (argc < 3)
    {
      const char *dir = g_getenv ("CBD_SHARED_DATA");
      g_autofree char *shared = g_build_filename (dir != NULL ? dir : CBD_SOURCE_DATADIR "/../../shared/data",
                                                  "electrode-nmc-3phase-256.tif", NULL);
      static char *defaults[3] = { NULL, NULL, NULL };

      defaults[0] = argv[0];
      if (g_file_test (shared, G_FILE_TEST_EXISTS))
        {
          defaults[1] = g_steal_pointer (&shared);
          defaults[2] = (char *) "0";
        }
      else
        {
          defaults[1] = (char *) "--synth";
          defaults[2] = (char *) "256";
        }
      g_print ("%s %s\n", defaults[1], defaults[2]);
      argc = 3;
      argv = defaults;
    }
  if (strcmp (argv[1], "--synth") == 0)
    {
      CbdSynthParams params;

      cbd_synth_params_init (&params, (gsize) strtoul (argv[2], NULL, 10));
      volume = cbd_synth_generate (&params, NULL, NULL, NULL, NULL, &error);
      phase[CBD_SYNTH_PORE] = TRUE;
    }
  else
    {
      volume = cbd_volume_load (argv[1], NULL, NULL, NULL, &error);
      phase[atoi (argv[2]) & 0xff] = TRUE;
    }
  if (volume == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (argc > 3)
    n_threads = (guint) strtoul (argv[3], NULL, 10);
  if (argc > 4)
    out_path = argv[4];

  n = cbd_volume_n_voxels (volume);
  regions = g_try_malloc_n (n, sizeof (guint32));
  distance = g_try_malloc_n (n, sizeof (float));
  if (regions == NULL || distance == NULL)
    {
      g_printerr ("out of memory\n");
      return 1;
    }
  cbd_partition_options_init (&options);
  options.n_threads = n_threads;

  n_runs = n > (64u << 20) ? 1 : 3;
  for (guint run = 0; run < n_runs; run++)
    {
      StepClock clock = { 0 };
      double seconds;

      clock.start = g_get_monotonic_time ();
      if (!cbd_partition_compute (volume, phase, &options, regions, distance, &summary,
                                  NULL, record_step, &clock, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      seconds = (g_get_monotonic_time () - clock.start) / 1e6;
      if (seconds < best)
        {
          best = seconds;
          best_clock = clock;
        }
    }

  start = g_get_monotonic_time ();
  table = cbd_region_table_measure (regions, summary.n_regions, volume->dims, volume->voxel_nm,
                                    distance, NULL, NULL, NULL, &error);
  if (table == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  measure_seconds = (g_get_monotonic_time () - start) / 1e6;

  g_print ("%" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
           ", %" G_GUINT64_FORMAT " phase voxels, threads %u, sigma %g, r_max %g\n",
           volume->dims[0], volume->dims[1], volume->dims[2], summary.phase_voxels,
           n_threads, options.sigma, options.r_max);
  g_print ("partition: best of %u %.3f s\n", n_runs, best);
  for (guint s = 0; s + 1 < best_clock.n_steps; s++)
    g_print ("  %-20s %.3f s\n", best_clock.stage[s],
             (best_clock.begin[s + 1] - best_clock.begin[s]) / 1e6);
  g_print ("region properties: %.3f s\n", measure_seconds);
  g_print ("regions %u (from peaks %u of which %u split pieces, unmarked components %u); "
           "peak plateaus %" G_GUINT64_FORMAT ", saddles removed %" G_GUINT64_FORMAT
           ", nearby removed %" G_GUINT64_FORMAT "\n",
           summary.n_regions, summary.n_markers, summary.n_split, summary.n_unmarked,
           summary.n_peak_plateaus,
           summary.n_saddles_removed, summary.n_nearby_removed);

  if (summary.n_regions > 0)
    {
      volumes = g_new (guint64, summary.n_regions);
      for (guint32 r = 0; r < summary.n_regions; r++)
        volumes[r] = table->regions[r].volume_voxels;
      qsort (volumes, summary.n_regions, sizeof (guint64), compare_guint64);
      g_print ("region volume (voxels): min %" G_GUINT64_FORMAT ", median %" G_GUINT64_FORMAT
               ", max %" G_GUINT64_FORMAT "\n", volumes[0], volumes[summary.n_regions / 2],
               volumes[summary.n_regions - 1]);
    }

  if (out_path != NULL && !g_file_set_contents (out_path, (const char *) regions,
                                                (gssize) (n * sizeof (guint32)), &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
