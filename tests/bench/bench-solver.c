/* bench-solver.c — time the transport solver (a benchmark, not a test)
 *
 * bench-solver cutout VOLUME.tif VALUE [EDGE [THREADS]]
 *     the phase with label VALUE in the EDGE³ cube at the origin (default
 *     128), along x, y and z
 * bench-solver volume VOLUME.tif VALUE [THREADS]
 *     the whole volume along x
 * bench-solver random EDGE FRACTION [THREADS]
 *     a smoothed random field thresholded to FRACTION conducting, along x
 *
 * Prints time, iterations and results per axis and the peak resident memory
 * of the process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-solver"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cbd-io.h"
#include "cbd-solver.h"

static const gboolean label_one[256] = { [1] = TRUE };

static double
peak_memory_gb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / (1024.0 * 1024.0);
}

static gboolean
solve_axes (const CbdVolume *volume, const gboolean conducting[256], const gboolean axes[3],
            guint n_threads)
{
  g_autoptr(GError) error = NULL;
  CbdSolverOptions options;
  CbdAxisResult results[3];
  double total = 0.0;

  cbd_solver_options_init (&options);
  options.n_threads = n_threads;
  if (!cbd_solver_solve_axes (volume, conducting, axes, &options, results, NULL, NULL, NULL,
                              &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      const CbdAxisResult *result = &results[axis];

      if (!axes[axis])
        continue;
      total += result->seconds;
      g_print ("%c: eps %.4f sigma_rel %.6f tau %.4f iterations %u residual %.2e imbalance %.1e seconds %.3f\n",
               "xyz"[axis], result->eps, result->sigma_rel, result->tau, result->iterations,
               result->residual, result->imbalance, result->seconds);
    }
  g_print ("%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT ": %.3f s, peak memory %.2f GB\n",
           volume->dims[0], volume->dims[1], volume->dims[2], total, peak_memory_gb ());
  return TRUE;
}

static int
compare_floats (const void *a, const void *b)
{
  float fa = *(const float *) a, fb = *(const float *) b;

  return (fa > fb) - (fa < fb);
}

/* Box-blurs @field along @axis with radius 2 (a cheap smoothing). */
static void
blur_axis (float *field, const gsize dims[3], guint axis)
{
  gsize stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
  gsize n = dims[axis], lines = dims[0] * dims[1] * dims[2] / n;
  g_autofree float *line = g_new (float, n);

  for (gsize l = 0; l < lines; l++)
    {
      gsize start = axis == 0 ? l * n
                  : axis == 1 ? (l % dims[0]) + (l / dims[0]) * dims[0] * dims[1]
                  : l;
      for (gsize i = 0; i < n; i++)
        line[i] = field[start + i * stride];
      for (gsize i = 0; i < n; i++)
        {
          float sum = 0.0f;
          for (gssize k = -2; k <= 2; k++)
            sum += line[CLAMP ((gssize) i + k, 0, (gssize) n - 1)];
          field[start + i * stride] = sum / 5.0f;
        }
    }
}

static CbdVolume *
random_volume (gsize edge, double fraction)
{
  gsize dims[3] = { edge, edge, edge }, n = edge * edge * edge;
  g_autofree float *field = g_new (float, n);
  g_autofree float *sample = g_new (float, 100001);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  CbdVolume *volume = cbd_volume_new (edge, edge, edge, NULL);
  float threshold;

  for (gsize i = 0; i < n; i++)
    field[i] = (float) g_rand_double (rand);
  for (guint pass = 0; pass < 2; pass++)
    for (guint axis = 0; axis < 3; axis++)
      blur_axis (field, dims, axis);
  /* The threshold that leaves @fraction below it, from a sample. */
  for (gsize s = 0; s <= 100000; s++)
    sample[s] = field[(s * 7919 * 7907) % n];
  qsort (sample, 100001, sizeof (float), compare_floats);
  threshold = sample[(gsize) (fraction * 100000)];
  for (gsize i = 0; i < n; i++)
    volume->labels[i] = field[i] < threshold;
  return volume;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  gboolean conducting[256] = { FALSE };
  gboolean all_axes[3] = { TRUE, TRUE, TRUE }, x_only[3] = { TRUE, FALSE, FALSE };

  if (argc >= 4 && strcmp (argv[1], "cutout") == 0)
    {
      gsize edge = argc > 4 ? strtoul (argv[4], NULL, 10) : 128;
      g_autoptr(CbdVolume) cube = NULL;

      conducting[atoi (argv[3]) & 0xff] = TRUE;
      volume = cbd_volume_load (argv[2], NULL, NULL, NULL, &error);
      if (volume != NULL)
        cube = cbd_volume_crop (volume, (gsize[3]) { 0, 0, 0 }, (gsize[3]) { edge, edge, edge }, &error);
      if (cube == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      return solve_axes (cube, conducting, all_axes, argc > 5 ? atoi (argv[5]) : 0) ? 0 : 1;
    }
  if (argc >= 4 && strcmp (argv[1], "volume") == 0)
    {
      conducting[atoi (argv[3]) & 0xff] = TRUE;
      volume = cbd_volume_load (argv[2], NULL, NULL, NULL, &error);
      if (volume == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      return solve_axes (volume, conducting, x_only, argc > 4 ? atoi (argv[4]) : 0) ? 0 : 1;
    }
  if (argc >= 4 && strcmp (argv[1], "random") == 0)
    {
      volume = random_volume (strtoul (argv[2], NULL, 10), g_ascii_strtod (argv[3], NULL));
      return solve_axes (volume, label_one, x_only, argc > 4 ? atoi (argv[4]) : 0) ? 0 : 1;
    }
  g_printerr ("usage: %s cutout VOLUME.tif VALUE [EDGE [THREADS]]\n"
              "       %s volume VOLUME.tif VALUE [THREADS]\n"
              "       %s random EDGE FRACTION [THREADS]\n", argv[0], argv[0], argv[0]);
  return 2;
}
