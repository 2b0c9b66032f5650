/* peer-hypre-solve.c — the same discretisation solved by HYPRE's BoomerAMG
 * preconditioned CG (a peer for bench-solver, not part of cbdscope)
 *
 * mpirun -np RANKS peer-hypre-solve VOLUME.tif VALUE [EDGE]
 *
 * The phase with label VALUE in the EDGE³ cube at the origin (default 128),
 * along x, y and z: the voxels connected to both driven faces (found here by
 * a flood fill of its own), unit conductances, the faces at 0 and 1 through
 * half a voxel (conductance 2), CG from the linear ramp to a relative
 * residual of 1e-6, as bench-solver. BoomerAMG with the settings HYPRE's
 * users take for 3D Laplacians (HMIS coarsening, extended+i interpolation,
 * strength 0.5, symmetric hybrid Gauss-Seidel). Rows are split evenly over
 * the MPI ranks: Debian's HYPRE uses MPI, not threads. Prints σ_rel,
 * iterations and seconds per axis (the flood fill, matrix assembly, AMG
 * setup and solve; the setup also on its own).
 *
 * Built only where HYPRE and MPI are installed (apt-get install
 * libhypre-dev); never run by `meson test`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* No config.h: HYPRE_config.h defines PACKAGE_NAME and its kin too. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include <HYPRE.h>
#include <HYPRE_IJ_mv.h>
#include <HYPRE_parcsr_ls.h>

#include "cbd-io.h"

/* Voxels of @phase 6-connected to the face axis = @side (0: first plane,
 * 1: last), marked with @bit in @reached. */
static void
flood (const CbdVolume *volume, const guint8 *phase, guint axis, guint side, guint8 bit,
       guint8 *reached)
{
  const gsize *d = volume->dims;
  gsize stride[3] = { 1, d[0], d[0] * d[1] }, n = cbd_volume_n_voxels (volume);
  g_autofree gsize *queue = g_new (gsize, n);
  gsize head = 0, tail = 0;

  for (gsize index = 0; index < n; index++)
    {
      gsize coord = index / stride[axis] % d[axis];

      if (phase[index] && coord == (side ? d[axis] - 1 : 0))
        {
          reached[index] |= bit;
          queue[tail++] = index;
        }
    }
  while (head < tail)
    {
      gsize index = queue[head++];

      for (guint k = 0; k < 6; k++)
        {
          guint a = k / 2;
          gsize coord = index / stride[a] % d[a], next;

          if ((k & 1) ? coord + 1 >= d[a] : coord == 0)
            continue;
          next = (k & 1) ? index + stride[a] : index - stride[a];
          if (phase[next] && !(reached[next] & bit))
            {
              reached[next] |= bit;
              queue[tail++] = next;
            }
        }
    }
}

static double
solve_axis (const CbdVolume *volume, const guint8 *phase, guint axis, int rank, int n_ranks,
            int *iterations, double *setup_seconds)
{
  const gsize *d = volume->dims;
  gsize stride[3] = { 1, d[0], d[0] * d[1] }, n_voxels = cbd_volume_n_voxels (volume);
  g_autofree guint8 *reached = g_new0 (guint8, n_voxels);
  g_autofree HYPRE_Int *row_of = g_new (HYPRE_Int, n_voxels);
  g_autofree gsize *voxel_of = NULL;
  HYPRE_Int n = 0, lower, upper;
  HYPRE_IJMatrix ij_matrix;
  HYPRE_IJVector ij_b, ij_x;
  HYPRE_ParCSRMatrix matrix;
  HYPRE_ParVector b, x;
  HYPRE_Solver solver, amg;
  double current = 0.0, total;

  flood (volume, phase, axis, 0, 1, reached);
  flood (volume, phase, axis, 1, 2, reached);
  for (gsize index = 0; index < n_voxels; index++)
    row_of[index] = reached[index] == 3 ? n++ : -1;
  voxel_of = g_new (gsize, MAX (n, 1));
  for (gsize index = 0; index < n_voxels; index++)
    if (row_of[index] >= 0)
      voxel_of[row_of[index]] = index;
  lower = (HYPRE_Int) ((gint64) n * rank / n_ranks);
  upper = (HYPRE_Int) ((gint64) n * (rank + 1) / n_ranks) - 1;

  HYPRE_IJMatrixCreate (MPI_COMM_WORLD, lower, upper, lower, upper, &ij_matrix);
  HYPRE_IJMatrixSetObjectType (ij_matrix, HYPRE_PARCSR);
  HYPRE_IJMatrixInitialize (ij_matrix);
  HYPRE_IJVectorCreate (MPI_COMM_WORLD, lower, upper, &ij_b);
  HYPRE_IJVectorSetObjectType (ij_b, HYPRE_PARCSR);
  HYPRE_IJVectorInitialize (ij_b);
  HYPRE_IJVectorCreate (MPI_COMM_WORLD, lower, upper, &ij_x);
  HYPRE_IJVectorSetObjectType (ij_x, HYPRE_PARCSR);
  HYPRE_IJVectorInitialize (ij_x);
  for (HYPRE_Int row = lower; row <= upper; row++)
    {
      gsize index = voxel_of[row];
      HYPRE_Int columns[7], n_columns = 1;
      double values[7], diagonal = 0.0, rhs = 0.0, ramp;
      gsize coord_axis = index / stride[axis] % d[axis];

      for (guint k = 0; k < 6; k++)
        {
          guint a = k / 2;
          gsize coord = index / stride[a] % d[a];
          HYPRE_Int j;

          if ((k & 1) ? coord + 1 >= d[a] : coord == 0)
            continue;
          j = row_of[(k & 1) ? index + stride[a] : index - stride[a]];
          if (j < 0)
            continue;
          columns[n_columns] = j;
          values[n_columns++] = -1.0;
          diagonal += 1.0;
        }
      if (coord_axis == 0)
        diagonal += 2.0;
      if (coord_axis == d[axis] - 1)
        {
          diagonal += 2.0;
          rhs = 2.0;
        }
      columns[0] = row;
      values[0] = diagonal;
      ramp = (coord_axis + 0.5) / d[axis];
      HYPRE_IJMatrixSetValues (ij_matrix, 1, &n_columns, &row, columns, values);
      HYPRE_IJVectorSetValues (ij_b, 1, &row, &rhs);
      HYPRE_IJVectorSetValues (ij_x, 1, &row, &ramp);
    }
  HYPRE_IJMatrixAssemble (ij_matrix);
  HYPRE_IJMatrixGetObject (ij_matrix, (void **) &matrix);
  HYPRE_IJVectorAssemble (ij_b);
  HYPRE_IJVectorGetObject (ij_b, (void **) &b);
  HYPRE_IJVectorAssemble (ij_x);
  HYPRE_IJVectorGetObject (ij_x, (void **) &x);

  HYPRE_BoomerAMGCreate (&amg);
  HYPRE_BoomerAMGSetCoarsenType (amg, 10);     /* HMIS */
  HYPRE_BoomerAMGSetInterpType (amg, 6);       /* extended+i */
  HYPRE_BoomerAMGSetPMaxElmts (amg, 4);
  HYPRE_BoomerAMGSetStrongThreshold (amg, 0.5);
  HYPRE_BoomerAMGSetRelaxType (amg, 6);        /* symmetric hybrid Gauss-Seidel */
  HYPRE_BoomerAMGSetNumSweeps (amg, 1);
  HYPRE_BoomerAMGSetMaxIter (amg, 1);
  HYPRE_BoomerAMGSetTol (amg, 0.0);
  HYPRE_ParCSRPCGCreate (MPI_COMM_WORLD, &solver);
  HYPRE_PCGSetTol (solver, 1e-6);
  HYPRE_PCGSetTwoNorm (solver, 1);
  HYPRE_PCGSetMaxIter (solver, 1000);
  HYPRE_PCGSetPrecond (solver, (HYPRE_PtrToSolverFcn) HYPRE_BoomerAMGSolve,
                       (HYPRE_PtrToSolverFcn) HYPRE_BoomerAMGSetup, amg);
  *setup_seconds = MPI_Wtime ();
  HYPRE_ParCSRPCGSetup (solver, matrix, b, x);
  *setup_seconds = MPI_Wtime () - *setup_seconds;
  HYPRE_ParCSRPCGSolve (solver, matrix, b, x);
  HYPRE_PCGGetNumIterations (solver, iterations);

  /* I = the outlet's conductance times its potential drop, over the ranks. */
  for (HYPRE_Int row = lower; row <= upper; row++)
    if (voxel_of[row] / stride[axis] % d[axis] == d[axis] - 1)
      {
        double value;

        HYPRE_IJVectorGetValues (ij_x, 1, &row, &value);
        current += 2.0 * (1.0 - value);
      }
  MPI_Allreduce (&current, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

  HYPRE_ParCSRPCGDestroy (solver);
  HYPRE_BoomerAMGDestroy (amg);
  HYPRE_IJMatrixDestroy (ij_matrix);
  HYPRE_IJVectorDestroy (ij_b);
  HYPRE_IJVectorDestroy (ij_x);
  return total * d[axis] / (n_voxels / d[axis]);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL, cube = NULL;
  g_autofree guint8 *phase = NULL;
  gsize edge = argc > 3 ? strtoul (argv[3], NULL, 10) : 128;
  int rank, n_ranks, value = argc > 2 ? atoi (argv[2]) : 0;
  double all = 0.0;

  MPI_Init (&argc, &argv);
  MPI_Comm_rank (MPI_COMM_WORLD, &rank);
  MPI_Comm_size (MPI_COMM_WORLD, &n_ranks);
  HYPRE_Init ();
  if (argc < 3)
    {
      if (rank == 0)
        fprintf (stderr, "usage: mpirun -np RANKS %s VOLUME.tif VALUE [EDGE]\n", argv[0]);
      MPI_Finalize ();
      return 2;
    }
  volume = cbd_volume_load (argv[1], NULL, NULL, NULL, &error);
  if (volume != NULL)
    cube = cbd_volume_crop (volume, (gsize[3]) { 0, 0, 0 }, (gsize[3]) { edge, edge, edge }, &error);
  if (cube == NULL)
    {
      if (rank == 0)
        fprintf (stderr, "%s\n", error->message);
      MPI_Finalize ();
      return 1;
    }
  phase = g_new (guint8, cbd_volume_n_voxels (cube));
  for (gsize i = 0; i < cbd_volume_n_voxels (cube); i++)
    phase[i] = cube->labels[i] == value;

  for (guint axis = 0; axis < 3; axis++)
    {
      int iterations = 0;
      double start, sigma, seconds, setup;

      MPI_Barrier (MPI_COMM_WORLD);
      start = MPI_Wtime ();
      sigma = solve_axis (cube, phase, axis, rank, n_ranks, &iterations, &setup);
      seconds = MPI_Wtime () - start;
      all += seconds;
      if (rank == 0)
        printf ("%c: sigma_rel %.6f iterations %d seconds %.3f (AMG setup %.3f)\n", "xyz"[axis],
                sigma, iterations, seconds, setup);
    }
  if (rank == 0)
    printf ("%zu^3, three axes on %d ranks: %.3f s\n", edge, n_ranks, all);
  HYPRE_Finalize ();
  MPI_Finalize ();
  return 0;
}
