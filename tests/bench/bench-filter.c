/* bench-filter.c — time the envelope partition, its caches and the filter
 * (a benchmark, not a test)
 *
 * bench-filter [VOLUME.tif LABELS | --synth SIZE] [CUTOUT_EDGE [REPEATS]]
 *
 * Without arguments: the shared 256^3 volume (CBD_SHARED_DATA or
 * ../shared/data, labels pore=0,cam=85,cbd=170). Partitions the default
 * envelope (edge 800, clipped to the stack) around a centred cutout of
 * CUTOUT_EDGE (default 128), then times a second cutout from the memory
 * cache, the same cutout from a cache file, and REPEATS (default 200)
 * re-evaluations of the filter with the classification, reporting the mean.
 * With --synth, when the envelope is the whole stack (up to 800^3), also
 * applies the default filter to every CAM-free cutout the cutout chooser
 * finds and prints their porosities and verdicts, so one sees which cutouts
 * the filter rejects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-filter"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "cbd-cutouts.h"
#include "cbd-envelope.h"
#include "cbd-filter.h"
#include "cbd-io.h"
#include "cbd-labels.h"
#include "cbd-synth.h"

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static CbdEnvelope *
compute_or_die (const CbdVolume *volume, const gboolean phase[256], const gsize origin[3],
                gsize edge, CbdEnvelopeCache *cache)
{
  g_autoptr(GError) error = NULL;
  const gsize size[3] = { edge, edge, edge };
  CbdEnvelope *envelope = cbd_envelope_compute (volume, phase, origin, size, NULL, cache, NULL,
                                                NULL, NULL, &error);

  if (envelope == NULL)
    {
      g_printerr ("%s\n", error->message);
      exit (1);
    }
  return envelope;
}

static const char *
source_name (CbdEnvelopeSource source)
{
  return source == CBD_ENVELOPE_COMPUTED ? "computed" :
         source == CBD_ENVELOPE_FROM_MEMORY ? "memory" : "disk";
}

static void
remove_directory (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

/* Every CAM-free cutout the chooser finds, filtered with the defaults. */
static void
survey_cutouts (const CbdVolume *volume, const gboolean phase[256], const gboolean cam[256],
                gsize edge, CbdEnvelopeCache *cache)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  g_autoptr(GArray) cutouts = NULL;
  guint n_accepted = 0;
  double max_accepted = 0, min_rejected = INFINITY;

  free_origins = cbd_free_origins_find (volume, cam, edge, 0, NULL, NULL, NULL, &error);
  if (free_origins != NULL)
    cutouts = cbd_free_origins_select (free_origins, 0, 0, NULL, &error);
  if (cutouts == NULL)
    {
      g_printerr ("%s\n", error->message);
      return;
    }
  g_print ("\n%u CAM-free %" G_GSIZE_FORMAT "^3 cutouts, default thresholds:\n"
           "  origin            porosity  retained  excluded  pores  verdict   excluded voxels by rule: centre diameter truncated\n",
           cutouts->len, edge);
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);
      g_autoptr(CbdEnvelope) envelope = compute_or_die (volume, phase, cutout->origin, edge, cache);
      CbdFilterResult result;

      if (!cbd_filter_evaluate (envelope, NULL, NULL, NULL, &result, &error))
        {
          g_printerr ("%s\n", error->message);
          return;
        }
      g_print ("  (%3" G_GSIZE_FORMAT ",%3" G_GSIZE_FORMAT ",%3" G_GSIZE_FORMAT ")   %8.3f  %8.3f  %8.3f  %5u  %-8s  %.3f %.3f %.3f\n",
               cutout->origin[0], cutout->origin[1], cutout->origin[2], result.porosity,
               result.retained_porosity, result.excluded_fraction, result.n_pores,
               result.accepted ? "accepted" : "rejected",
               (double) result.rule_voxels[CBD_FILTER_RULE_CENTRE] / MAX (result.pore_voxels, 1),
               (double) result.rule_voxels[CBD_FILTER_RULE_DIAMETER] / MAX (result.pore_voxels, 1),
               (double) result.rule_voxels[CBD_FILTER_RULE_TRUNCATED] / MAX (result.pore_voxels, 1));
      if (result.accepted)
        {
          n_accepted++;
          max_accepted = MAX (max_accepted, result.porosity);
        }
      else
        min_rejected = MIN (min_rejected, result.porosity);
    }
  g_print ("accepted %u of %u; highest accepted porosity %.3f, lowest rejected %.3f\n",
           n_accepted, cutouts->len, max_accepted, min_rejected);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdEnvelopeCache) cache = NULL;
  g_autoptr(CbdEnvelope) first = NULL, second = NULL, written = NULL, from_disk = NULL;
  g_autofree char *default_path = NULL, *directory = NULL;
  g_autofree guint8 *classes = NULL;
  gboolean phase[256] = { FALSE }, cam[256] = { FALSE }, synthetic = FALSE;
  const char *path, *labels;
  CbdEnvelopeCacheStats stats;
  CbdFilterResult result;
  gsize edge = 128, origin[3], other[3];
  guint repeats = 200;
  double sum = 0, fastest = INFINITY, slowest = 0, sum_plain = 0;
  GStatBuf st;

  if (argc > 1 && strcmp (argv[1], "--synth") == 0 && argc > 2)
    {
      CbdSynthParams params;

      cbd_synth_params_init (&params, (gsize) strtoul (argv[2], NULL, 10));
      volume = cbd_synth_generate (&params, NULL, NULL, NULL, NULL, &error);
      phase[CBD_SYNTH_PORE] = TRUE;
      cam[CBD_SYNTH_CAM] = TRUE;
      synthetic = TRUE;
      g_print ("synthetic %s^3 volume (seed %" G_GUINT64_FORMAT ")\n", argv[2], params.seed);
    }
  else
    {
      CbdLabelMap map;
      guint64 counts[256];
      const char *shared = g_getenv ("CBD_SHARED_DATA");

      default_path = g_build_filename (shared != NULL ? shared : "../shared/data",
                                       "electrode-nmc-3phase-256.tif", NULL);
      path = argc > 2 ? argv[1] : default_path;
      labels = argc > 2 ? argv[2] : "pore=0,cam=85,cbd=170";
      volume = cbd_volume_load (path, NULL, NULL, NULL, &error);
      if (volume != NULL)
        {
          cbd_volume_histogram (volume, counts);
          if (!cbd_label_map_resolve (&map, labels, volume, counts, &error))
            g_clear_pointer (&volume, cbd_volume_unref);
          else
            for (guint label = 0; label < 256; label++)
              {
                phase[label] = map.phase[label] == CBD_PHASE_PORE;
                cam[label] = map.phase[label] == CBD_PHASE_CAM;
              }
        }
      g_print ("%s (%s)\n", path, labels);
    }
  if (volume == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (argc > 3)
    edge = (gsize) strtoul (argv[3], NULL, 10);
  if (argc > 4)
    repeats = (guint) MAX (1, strtoul (argv[4], NULL, 10));
  for (guint axis = 0; axis < 3; axis++)
    {
      origin[axis] = (volume->dims[axis] - MIN (edge, volume->dims[axis])) / 2;
      other[axis] = origin[axis];
    }
  other[0] = origin[0] >= 16 ? origin[0] - 16 : origin[0] + 16;

  directory = g_dir_make_tmp ("bench-filter-XXXXXX", &error);
  if (directory == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  cache = cbd_envelope_cache_new (directory, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);

  first = compute_or_die (volume, phase, origin, edge, cache);
  cbd_envelope_cache_get_stats (cache, &stats);
  g_print ("envelope (%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ") %" G_GSIZE_FORMAT
           "x%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " around the %" G_GSIZE_FORMAT "^3 cutout at (%"
           G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "): %u regions, %u pores in the cutout\n",
           first->origin[0], first->origin[1], first->origin[2], first->size[0], first->size[1],
           first->size[2], edge, origin[0], origin[1], origin[2], first->n_regions, first->n_pores);
  g_print ("  computed: partition + measurement %.3f s, whole call %.3f s, peak RSS %.0f MB\n",
           first->partition_seconds, first->seconds, peak_rss_mb ());
  g_print ("  memory cache: %.1f MB for %" G_GSIZE_FORMAT " voxels (%.2f bytes per voxel)\n",
           stats.memory_bytes / 1e6, first->size[0] * first->size[1] * first->size[2],
           (double) stats.memory_bytes / (first->size[0] * first->size[1] * first->size[2]));

  {
    double best = INFINITY;

    /* best of five: the hash of the envelope's labels and the extraction */
    for (guint r = 0; r < 5; r++)
      {
        g_clear_pointer (&second, cbd_envelope_unref);
        second = compute_or_die (volume, phase, other, edge, cache);
        best = MIN (best, second->seconds);
      }
    g_print ("  another cutout in the same envelope (%s): %.1f ms (best of 5)\n",
             source_name (second->source), best * 1e3);
  }
  {
    g_autoptr(CbdEnvelopeCache) disk_only = cbd_envelope_cache_new (directory, 0);

    from_disk = compute_or_die (volume, phase, origin, edge, disk_only);
    if (g_stat (from_disk->cache_path, &st) == 0)
      g_print ("  the same cutout from its cache file (%s, %.2f MB): %.1f ms\n",
               source_name (from_disk->source), st.st_size / 1e6, from_disk->seconds * 1e3);
  }

  classes = g_malloc (cbd_envelope_cutout_voxels (first));
  for (guint r = 0; r < repeats; r++)
    {
      CbdFilterThresholds thresholds;
      gint64 start;
      double ms;

      /* a different threshold each time, as a user dragging a slider */
      cbd_filter_thresholds_init (&thresholds);
      thresholds.d_max_nm = 100.0 + 10.0 * (r % 100) * first->voxel_nm[0] / 10.0;
      start = g_get_monotonic_time ();
      if (!cbd_filter_evaluate (first, &thresholds, classes, NULL, &result, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      ms = (g_get_monotonic_time () - start) / 1e3;
      sum += ms;
      fastest = MIN (fastest, ms);
      slowest = MAX (slowest, ms);
      start = g_get_monotonic_time ();
      cbd_filter_evaluate (first, &thresholds, NULL, NULL, &result, NULL);
      sum_plain += (g_get_monotonic_time () - start) / 1e3;
    }
  g_print ("filter re-evaluation, %u repeats over %" G_GSIZE_FORMAT " voxels and %u pores: "
           "mean %.3f ms (min %.3f, max %.3f) with the classification, %.3f ms without\n",
           repeats, cbd_envelope_cutout_voxels (first), first->n_pores, sum / repeats, fastest,
           slowest, sum_plain / repeats);
  cbd_filter_evaluate (first, NULL, NULL, NULL, &result, NULL);
  g_print ("default thresholds: porosity %.4f, retained %.4f, excluded fraction %.4f, %s; "
           "d10/d50/d90 %.0f/%.0f/%.0f nm\n", result.porosity, result.retained_porosity,
           result.excluded_fraction, result.accepted ? "accepted" : "rejected",
           result.d10_nm, result.d50_nm, result.d90_nm);

  /* one partition serves every cutout only when the envelope is the whole
   * stack; otherwise each would need its own */
  if (synthetic && first->size[0] == volume->dims[0] && first->size[1] == volume->dims[1] &&
      first->size[2] == volume->dims[2])
    survey_cutouts (volume, phase, cam, edge, cache);
  else if (synthetic)
    g_print ("\nno cutout survey: the envelope is smaller than the stack, so every cutout "
             "would need its own partition\n");

  remove_directory (directory);
  return 0;
}
