/* bench-porosimetry.c — time simulated mercury intrusion and local thickness
 * (a benchmark, not a test)
 *
 * bench-porosimetry [VOLUME.tif PORE_VALUE] [--threads N] [--crop EDGE]
 *                   [--synth EDGE] [--out PREFIX]
 * Without a volume (or with --synth) it times the seeded synthetic sample
 * (10 nm voxels, pore = 0). Reports the time of the open-border EDT alone,
 * of the intrusion map alone, of the local-thickness map alone and of both
 * with the per-stage split, best of three. With --out it writes
 * PREFIX-intrusion.f32 and PREFIX-thickness.f32 (raw float32, x fastest) and
 * PREFIX-psd.csv so peer_scipy_psd.py can compare voxel by voxel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-porosimetry"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbd-edt.h"
#include "cbd-io.h"
#include "cbd-porosimetry.h"
#include "cbd-synth.h"

typedef struct
{
  const char *stage;
  gint64      stage_start;
  double      seconds[8];
  const char *names[8];
  guint       n_stages;
} StageClock;

static void
on_progress (const CbdProgress *progress, gpointer user_data)
{
  StageClock *clock = user_data;
  gint64 now = g_get_monotonic_time ();

  if (clock->stage != NULL && g_strcmp0 (clock->stage, progress->stage) == 0)
    return;
  if (clock->stage != NULL && clock->n_stages < G_N_ELEMENTS (clock->seconds))
    {
      clock->names[clock->n_stages] = clock->stage;
      clock->seconds[clock->n_stages++] = (now - clock->stage_start) / 1e6;
    }
  clock->stage = progress->stage;
  clock->stage_start = now;
}

/* CPU time of the whole process (all threads): steadier than wall time on
 * a shared machine. */
static double
cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static double
time_maps (const CbdVolume *volume, const gboolean *phase, const CbdPorosimetryOptions *options,
           float *intrusion, float *thickness, StageClock *best_clock, double *best_cpu)
{
  double best = INFINITY;

  *best_cpu = INFINITY;
  for (guint run = 0; run < 3; run++)
    {
      g_autoptr(GError) error = NULL;
      StageClock clock = { 0 };
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();
      double seconds;

      if (!cbd_porosimetry_maps (volume, phase, options, intrusion, thickness, NULL,
                                 on_progress, &clock, &error))
        g_error ("%s", error->message);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      *best_cpu = MIN (*best_cpu, cpu_seconds () - cpu_start);
      if (seconds < best)
        {
          best = seconds;
          if (best_clock != NULL)
            *best_clock = clock;
        }
    }
  return best;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  g_autofree float *intrusion = NULL, *thickness = NULL, *distance = NULL;
  g_autofree char *out_prefix = NULL;
  CbdPorosimetryOptions options;
  StageClock clock = { 0 };
  gboolean phase[256] = { FALSE };
  int n_threads = 0, crop = 0, synth = 0;
  GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (0: one per processor)", "N" },
    { "crop", 0, 0, G_OPTION_ARG_INT, &crop, "Use the cube of this edge at the origin", "EDGE" },
    { "synth", 0, 0, G_OPTION_ARG_INT, &synth, "Time a synthetic sample of this edge", "EDGE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_prefix, "Write maps and PSD for a peer", "PREFIX" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[VOLUME.tif PORE_VALUE]");
  double t_edt = INFINITY, t_intrusion, t_thickness, t_both;
  double cpu_intrusion, cpu_thickness, cpu_both;
  gsize n;
  guint64 n_pore = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (argc >= 3 && synth == 0)
    {
      volume = cbd_volume_load (argv[1], NULL, NULL, NULL, &error);
      if (volume == NULL)
        g_printerr ("%s — timing a synthetic sample instead\n", error->message);
      g_clear_error (&error);
      phase[atoi (argv[2]) & 0xff] = TRUE;
    }
  if (volume == NULL)
    {
      CbdSynthParams params;

      cbd_synth_params_init (&params, synth > 0 ? (gsize) synth : 256);
      volume = cbd_synth_generate (&params, NULL, NULL, NULL, NULL, &error);
      if (volume == NULL)
        g_error ("%s", error->message);
      memset (phase, 0, sizeof phase);
      phase[CBD_SYNTH_PORE] = TRUE;
    }
  if (crop > 0)
    {
      gsize size[3] = { crop, crop, crop };
      CbdVolume *cropped = cbd_volume_crop (volume, (gsize[3]) { 0, 0, 0 }, size, &error);

      if (cropped == NULL)
        g_error ("%s", error->message);
      g_clear_pointer (&volume, cbd_volume_unref);
      volume = cropped;
    }

  n = cbd_volume_n_voxels (volume);
  for (gsize i = 0; i < n; i++)
    n_pore += phase[volume->labels[i]];
  intrusion = g_new (float, n);
  thickness = g_new (float, n);
  distance = g_new (float, n);
  cbd_porosimetry_options_init (&options);
  options.n_threads = n_threads;

  for (guint run = 0; run < 3; run++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, n_threads, distance, NULL, &error))
        g_error ("%s", error->message);
      t_edt = MIN (t_edt, (g_get_monotonic_time () - start) / 1e6);
    }
  t_intrusion = time_maps (volume, phase, &options, intrusion, NULL, NULL, &cpu_intrusion);
  t_thickness = time_maps (volume, phase, &options, NULL, thickness, NULL, &cpu_thickness);
  t_both = time_maps (volume, phase, &options, intrusion, thickness, &clock, &cpu_both);

  psd = cbd_psd_new_from_maps (volume, phase, &options, intrusion, thickness, NULL, 0, &error);
  if (psd == NULL)
    g_error ("%s", error->message);

  g_print ("%zu x %zu x %zu voxels of (%g, %g, %g) nm, porosity %.4f, threads %d (0 = all)\n",
           volume->dims[0], volume->dims[1], volume->dims[2], volume->voxel_nm[0],
           volume->voxel_nm[1], volume->voxel_nm[2], (double) n_pore / n, n_threads);
  g_print ("best of 3, wall: EDT alone %.3f s; intrusion map %.3f s; local thickness map %.3f s; "
           "both %.3f s\n", t_edt, t_intrusion, t_thickness, t_both);
  g_print ("best of 3, CPU (all threads): intrusion map %.3f s; local thickness map %.3f s; "
           "both %.3f s\n", cpu_intrusion, cpu_thickness, cpu_both);
  g_print ("  stages of 'both':");
  for (guint s = 0; s < clock.n_stages; s++)
    g_print (" %s %.3f s;", clock.names[s], clock.seconds[s]);
  g_print ("\n");
  g_print ("reachable %.4f of the pore; largest local thickness %.1f nm, largest intrusion "
           "diameter %.1f nm; d10/d50/d90 (intrusion) %.1f / %.1f / %.1f nm; %zu diameters\n",
           (double) psd->n_reachable_voxels / MAX (psd->n_pore_voxels, 1),
           psd->max_local_thickness_nm, psd->max_intrusion_diameter_nm,
           cbd_psd_intrusion_quantile_nm (psd, 0.1), cbd_psd_intrusion_quantile_nm (psd, 0.5),
           cbd_psd_intrusion_quantile_nm (psd, 0.9), psd->n_diameters);

  if (out_prefix != NULL)
    {
      g_autofree char *path_i = g_strconcat (out_prefix, "-intrusion.f32", NULL);
      g_autofree char *path_t = g_strconcat (out_prefix, "-thickness.f32", NULL);
      g_autofree char *path_c = g_strconcat (out_prefix, "-psd.csv", NULL);

      if (!g_file_set_contents (path_i, (const char *) intrusion, (gssize) (n * sizeof (float)), &error) ||
          !g_file_set_contents (path_t, (const char *) thickness, (gssize) (n * sizeof (float)), &error) ||
          !cbd_psd_write_csv (psd, path_c, &error))
        g_error ("%s", error->message);
      g_print ("wrote %s, %s, %s\n", path_i, path_t, path_c);
    }
  return 0;
}
