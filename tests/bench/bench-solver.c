/* bench-solver.c — time the transport solver (a benchmark, not a test)
 *
 * bench-solver VOLUME.tif PORE_VALUE [EDGE [THREADS]]
 * Solves the phase with label PORE_VALUE in the EDGE³ cube at the origin
 * (default 128) along x, y and z with THREADS threads (default: all) and
 * prints time, iterations and results.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-solver"

#include "config.h"

#include <stdlib.h>

#include "cbd-io.h"
#include "cbd-solver.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdVolume) cube = NULL;
  gboolean conducting[256] = { FALSE };
  CbdSolverOptions options;
  gsize edge;
  double total = 0;

  if (argc < 3)
    {
      g_printerr ("usage: %s VOLUME.tif PORE_VALUE [EDGE [THREADS]]\n", argv[0]);
      return 2;
    }
  conducting[atoi (argv[2]) & 0xff] = TRUE;
  edge = argc > 3 ? strtoul (argv[3], NULL, 10) : 128;
  cbd_solver_options_init (&options);
  options.n_threads = argc > 4 ? strtoul (argv[4], NULL, 10) : 0;

  volume = cbd_volume_load (argv[1], NULL, NULL, NULL, &error);
  if (volume != NULL)
    cube = cbd_volume_crop (volume, (gsize[3]) { 0, 0, 0 }, (gsize[3]) { edge, edge, edge }, &error);
  if (cube == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      CbdAxisResult result;

      if (!cbd_solver_solve_axis (cube, conducting, axis, &options, &result, NULL, NULL, NULL, NULL, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      total += result.seconds;
      g_print ("%c: sigma_rel %.6f tau %.4f iterations %u residual %.2e seconds %.3f\n",
               "xyz"[axis], result.sigma_rel, result.tau, result.iterations, result.residual,
               result.seconds);
    }
  g_print ("%" G_GSIZE_FORMAT "^3, three axes: %.3f s\n", edge, total);
  return 0;
}
