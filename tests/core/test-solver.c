/* test-solver.c — the transport solver against analytic and hand-solved cases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-solver"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cbd-solver.h"

static const gboolean label_one_conducts[256] = { [1] = TRUE };

static CbdVolume *
new_volume (gsize nx, gsize ny, gsize nz)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  return volume;
}

static CbdAxisResult
solve (const CbdVolume *volume, CbdAxis axis)
{
  g_autoptr(GError) error = NULL;
  CbdSolverOptions options;
  CbdAxisResult result;

  cbd_solver_options_init (&options);
  options.tolerance = 1e-10;
  g_assert_true (cbd_solver_solve_axis (volume, label_one_conducts, axis, &options, &result,
                                        NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return result;
}

static void
test_full_block (void)
{
  g_autoptr(CbdVolume) volume = new_volume (7, 5, 4);

  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      CbdAxisResult result = solve (volume, axis);

      g_assert_true (result.percolating);
      g_assert_true (result.converged);
      g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (result.tau, 1.0, 1e-9);
      g_assert_cmpfloat (result.imbalance, <, 1e-8);
    }
}

/* Full blocks one voxel thin, odd and short rows: the multigrid's box levels
 * (rows of one colour padded to whole vectors, one plane, one row) must
 * leave the exact answer, tau = 1, within few iterations. */
static void
test_thin_full_blocks (void)
{
  static const gsize shapes[][3] = { { 64, 48, 1 }, { 1, 64, 48 }, { 33, 1, 41 }, { 3, 70, 70 } };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr(CbdVolume) volume = new_volume (shapes[s][0], shapes[s][1], shapes[s][2]);

      memset (volume->labels, 1, cbd_volume_n_voxels (volume));
      for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
        {
          CbdAxisResult result = solve (volume, axis);

          g_assert_true (result.converged);
          g_assert_cmpfloat_with_epsilon (result.tau, 1.0, 1e-9);
          g_assert_cmpuint (result.iterations, <=, 12);
        }
    }
}

/* Straight channels of any cross-section along the axis: sigma_rel = eps. */
static void
test_straight_channels (void)
{
  g_autoptr(CbdVolume) volume = new_volume (9, 8, 12);
  CbdAxisResult result;
  gsize n_open = 0;

  for (gsize y = 0; y < 8; y++)
    for (gsize x = 0; x < 9; x++)
      {
        /* An irregular cross-section: a disc plus an L. */
        gboolean open = (x - 3.0) * (x - 3.0) + (y - 3.0) * (y - 3.0) < 6.0 || x == 8 || (y == 7 && x > 5);
        n_open += open;
        for (gsize z = 0; z < 12; z++)
          volume->labels[cbd_volume_index (volume, x, y, z)] = open;
      }
  result = solve (volume, CBD_AXIS_Z);
  g_assert_cmpfloat_with_epsilon (result.eps, n_open / 72.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, result.eps, 1e-9);
  g_assert_cmpfloat_with_epsilon (result.tau, 1.0, 1e-9);
  g_assert_cmpfloat (result.dropped_fraction, ==, 0.0);

  /* Across the channels nothing percolates. */
  result = solve (volume, CBD_AXIS_X);
  g_assert_false (result.percolating);
  g_assert_cmpfloat (result.sigma_rel, ==, 0.0);
  g_assert_true (isnan (result.tau));
}

/* Resistances by hand: inlet 1/2, each link 1, outlet 1/2. */
static void
test_hand_cases (void)
{
  g_autoptr(CbdVolume) line = new_volume (3, 1, 1);
  g_autoptr(CbdVolume) corner = new_volume (2, 2, 1);
  CbdAxisResult result;

  memset (line->labels, 1, 3);
  result = solve (line, CBD_AXIS_X);
  /* R = 0.5 + 1 + 1 + 0.5 = 3, I = 1/3, sigma = I * 3 / 1 = 1. */
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0, 1e-12);

  /* An L: (0,0), (1,0), (1,1) conduct. Along x: inlet 0.5, link 1, then
   * (1,0) reaches the outlet directly (0.5) and through (1,1) (1 + 0.5):
   * R = 0.5 + 1 + 0.5*1.5/2 = 1.875, I = 1/1.875, sigma = I * 2 / 2. */
  corner->labels[cbd_volume_index (corner, 0, 0, 0)] = 1;
  corner->labels[cbd_volume_index (corner, 1, 0, 0)] = 1;
  corner->labels[cbd_volume_index (corner, 1, 1, 0)] = 1;
  result = solve (corner, CBD_AXIS_X);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0 / 1.875, 1e-12);
  g_assert_cmpfloat_with_epsilon (result.tau, 0.75 * 1.875, 1e-11);
  /* Along y it is the mirror image. */
  result = solve (corner, CBD_AXIS_Y);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0 / 1.875, 1e-12);
}

static void
test_dead_ends_and_islands (void)
{
  g_autoptr(CbdVolume) volume = new_volume (6, 3, 3);
  CbdAxisResult result;

  /* A straight path along x through the middle row. */
  for (gsize x = 0; x < 6; x++)
    volume->labels[cbd_volume_index (volume, x, 1, 1)] = 1;
  /* A dead end hanging off it: connected, carries no current, stays in. */
  volume->labels[cbd_volume_index (volume, 2, 0, 1)] = 1;
  /* An island: dropped from the system, counted in eps. */
  volume->labels[cbd_volume_index (volume, 4, 0, 0)] = 1;

  result = solve (volume, CBD_AXIS_X);
  g_assert_true (result.percolating);
  g_assert_cmpfloat_with_epsilon (result.eps, 8.0 / 54, 1e-15);
  g_assert_cmpfloat_with_epsilon (result.eps_percolating, 7.0 / 54, 1e-15);
  g_assert_cmpfloat_with_epsilon (result.dropped_fraction, 1.0 / 54, 1e-15);
  /* One channel of 6 voxels in a 9-voxel cross-section. */
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0 / 9, 1e-11);
  g_assert_cmpfloat_with_epsilon (result.tau, (8.0 / 54) * 9, 1e-9);
  g_assert_cmpfloat_with_epsilon (result.tau_percolating, (7.0 / 54) * 9, 1e-9);
}

static void
test_empty_and_single_layer (void)
{
  g_autoptr(CbdVolume) empty = new_volume (4, 4, 4);
  g_autoptr(CbdVolume) layer = new_volume (5, 5, 1);
  CbdAxisResult result = solve (empty, CBD_AXIS_Y);

  g_assert_false (result.percolating);
  g_assert_cmpfloat (result.eps, ==, 0.0);
  g_assert_cmpfloat (result.sigma_rel, ==, 0.0);

  /* One voxel thick along the driven axis: inlet and outlet on each voxel. */
  memset (layer->labels, 1, 25);
  layer->labels[0] = 0;
  result = solve (layer, CBD_AXIS_Z);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 24.0 / 25, 1e-12);
}

/* One axis at the default tolerance on @n_threads threads. */
static CbdAxisResult
solve_on_threads (const CbdVolume *volume, const gboolean conducting[256], CbdAxis axis,
                  const double *conductivity, guint n_threads)
{
  g_autoptr(GError) error = NULL;
  CbdSolverOptions options;
  CbdAxisResult result;

  cbd_solver_options_init (&options);
  options.n_threads = n_threads;
  options.conductivity = conductivity;
  g_assert_true (cbd_solver_solve_axis (volume, conducting, axis, &options, &result,
                                        NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return result;
}

static CbdAxisResult
solve_with (const CbdVolume *volume, CbdAxis axis, const double *conductivity,
            float **potential, float **current_density)
{
  static const gboolean labels_one_two[256] = { [1] = TRUE, [2] = TRUE };
  g_autoptr(GError) error = NULL;
  CbdSolverOptions options;
  CbdAxisResult result;

  cbd_solver_options_init (&options);
  options.tolerance = 1e-10;
  options.conductivity = conductivity;
  g_assert_true (cbd_solver_solve_axis (volume, labels_one_two, axis, &options, &result,
                                        potential, current_density, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return result;
}

/* Slabs of conductivity 1 and 0.25 (labels 1 and 2): across them the
 * harmonic mean, along them the arithmetic mean, and a uniform current
 * density equal to sigma_rel across them. */
static void
test_slabs_series_and_parallel (void)
{
  g_autoptr(CbdVolume) volume = new_volume (10, 6, 5);
  g_autofree float *potential = NULL;
  g_autofree float *density = NULL;
  double conductivity[256] = { [1] = 1.0, [2] = 0.25 };
  /* 4 layers of label 1 and 6 of label 2 along x */
  double harmonic = 10.0 / (4.0 / 1.0 + 6.0 / 0.25);
  double arithmetic = (4.0 * 1.0 + 6.0 * 0.25) / 10.0;
  CbdAxisResult result;

  for (gsize z = 0; z < 5; z++)
    for (gsize y = 0; y < 6; y++)
      for (gsize x = 0; x < 10; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = x < 4 ? 1 : 2;

  result = solve_with (volume, CBD_AXIS_X, conductivity, &potential, &density);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, harmonic, 1e-10);
  /* Different conductivities: tortuosity is not defined. */
  g_assert_true (isnan (result.tau));
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    g_assert_cmpfloat_with_epsilon (density[i], harmonic, 1e-5);
  /* The potential drop across the first half voxel: I / 2 per unit area. */
  g_assert_cmpfloat_with_epsilon (potential[0], harmonic / 10.0 / 2.0, 1e-6);

  for (CbdAxis axis = CBD_AXIS_Y; axis <= CBD_AXIS_Z; axis++)
    {
      result = solve_with (volume, axis, conductivity, NULL, NULL);
      g_assert_cmpfloat_with_epsilon (result.sigma_rel, arithmetic, 1e-10);
    }

  /* One conductivity for both labels: a full block of that conductivity. */
  conductivity[2] = 1.0;
  conductivity[1] = 1.0;
  result = solve_with (volume, CBD_AXIS_X, conductivity, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0, 1e-10);
  g_assert_cmpfloat_with_epsilon (result.tau, 1.0, 1e-10);
  conductivity[1] = conductivity[2] = 0.5;
  result = solve_with (volume, CBD_AXIS_X, conductivity, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 0.5, 1e-10);
  g_assert_cmpfloat_with_epsilon (result.tau, 1.0, 1e-10);

  /* A label switched off by conductivity 0 does not conduct. */
  conductivity[1] = 1.0;
  conductivity[2] = 0.0;
  result = solve_with (volume, CBD_AXIS_X, conductivity, NULL, NULL);
  g_assert_false (result.percolating);
  result = solve_with (volume, CBD_AXIS_Y, conductivity, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (result.sigma_rel, 0.4, 1e-10);
}

static void
test_bad_conductivity (void)
{
  g_autoptr(CbdVolume) volume = new_volume (3, 3, 3);
  g_autoptr(GError) error = NULL;
  double conductivity[256] = { [1] = -1.0 };
  CbdSolverOptions options;
  CbdAxisResult result;

  cbd_solver_options_init (&options);
  options.conductivity = conductivity;
  g_assert_false (cbd_solver_solve_axis (volume, label_one_conducts, CBD_AXIS_X, &options, &result,
                                         NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "label 1"));
}

/* A pattern extruded along z, solved across z: with voxels twice as thick in
 * z the result equals that of the same pattern on cubic voxels with every
 * layer doubled (by symmetry nothing flows along z). And a full block stays
 * a full block whatever the voxel shape. */
static void
test_anisotropic_voxels (void)
{
  g_autoptr(CbdVolume) thick = new_volume (12, 10, 3);
  g_autoptr(CbdVolume) doubled = new_volume (12, 10, 6);
  g_autoptr(CbdVolume) block = new_volume (6, 5, 4);
  guint32 state = 12345;

  for (gsize y = 0; y < 10; y++)
    for (gsize x = 0; x < 12; x++)
      {
        guint8 value;
        state = state * 1664525u + 1013904223u;
        value = (state >> 24) < 170 || x == 5 || y == 4;
        for (gsize z = 0; z < 3; z++)
          thick->labels[cbd_volume_index (thick, x, y, z)] = value;
        for (gsize z = 0; z < 6; z++)
          doubled->labels[cbd_volume_index (doubled, x, y, z)] = value;
      }
  thick->voxel_nm[0] = thick->voxel_nm[1] = 10.0;
  thick->voxel_nm[2] = 20.0;
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Y; axis++)
    {
      CbdAxisResult a = solve (thick, axis), b = solve (doubled, axis);

      g_assert_true (a.percolating);
      g_assert_cmpfloat (a.sigma_rel, <, 0.9 * a.eps);
      g_assert_cmpfloat_with_epsilon (a.sigma_rel, b.sigma_rel, 1e-8);
    }

  memset (block->labels, 1, cbd_volume_n_voxels (block));
  block->voxel_nm[0] = 4.0;
  block->voxel_nm[1] = 10.0;
  block->voxel_nm[2] = 25.0;
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      g_autofree float *density = NULL;
      CbdAxisResult result = solve_with (block, axis, NULL, NULL, &density);

      g_assert_cmpfloat_with_epsilon (result.sigma_rel, 1.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (density[17], 1.0, 1e-6);
    }
}

/* Full block fields: a linear potential and unit current density; outside
 * the phase NAN, in a dead end no current. */
static void
test_fields (void)
{
  g_autoptr(CbdVolume) volume = new_volume (8, 3, 3);
  g_autofree float *potential = NULL;
  g_autofree float *density = NULL;
  gsize dead_end = cbd_volume_index (volume, 3, 0, 0);
  gsize solid = cbd_volume_index (volume, 0, 2, 2);

  for (gsize x = 0; x < 8; x++)
    volume->labels[cbd_volume_index (volume, x, 1, 1)] = 1;
  volume->labels[dead_end] = 1;
  volume->labels[cbd_volume_index (volume, 3, 1, 0)] = 1;
  solve_with (volume, CBD_AXIS_X, NULL, &potential, &density);
  for (gsize x = 0; x < 8; x++)
    {
      gsize index = cbd_volume_index (volume, x, 1, 1);
      g_assert_cmpfloat_with_epsilon (potential[index], (x + 0.5) / 8.0, 1e-6);
      /* A straight channel carries the bulk's current density. */
      g_assert_cmpfloat_with_epsilon (density[index], 1.0, 1e-5);
    }
  g_assert_cmpfloat_with_epsilon (potential[dead_end], 3.5 / 8.0, 1e-6);
  g_assert_cmpfloat (density[dead_end], ==, 0.0f);
  g_assert_true (isnan (potential[solid]));
  g_assert_true (isnan (density[solid]));
}

/* The default tolerance gives the fully converged value to 0.1 % (in fact
 * far better) on a tortuous random structure. */
static void
test_default_tolerance_accuracy (void)
{
  g_autoptr(CbdVolume) volume = new_volume (40, 40, 40);
  guint32 state = 99;

  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      state = state * 1664525u + 1013904223u;
      volume->labels[i] = (state >> 24) < 150;
    }
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      g_autoptr(GError) error = NULL;
      CbdAxisResult loose, exact = solve (volume, axis);
      CbdSolverOptions options;

      cbd_solver_options_init (&options);
      g_assert_true (cbd_solver_solve_axis (volume, label_one_conducts, axis, &options, &loose,
                                            NULL, NULL, NULL, NULL, NULL, &error));
      g_assert_true (loose.converged);
      g_assert_cmpfloat (loose.imbalance, <=, 1e-4);
      g_assert_cmpfloat (exact.tau, >, 1.5);
      g_assert_cmpfloat (fabs (loose.sigma_rel / exact.sigma_rel - 1.0), <, 1e-3);
      g_test_message ("%c: default tolerance off by %.1e relative (%u vs %u iterations)",
                      "xyz"[axis], fabs (loose.sigma_rel / exact.sigma_rel - 1.0),
                      loose.iterations, exact.iterations);
    }
}

/* Transposing the volume swaps the axis results. */
static void
test_transpose (void)
{
  g_autoptr(CbdVolume) volume = new_volume (10, 9, 8);
  g_autoptr(CbdVolume) permuted = NULL;
  g_autoptr(GError) error = NULL;
  const CbdAxis order[3] = { CBD_AXIS_Y, CBD_AXIS_Z, CBD_AXIS_X };
  guint32 state = 12345;

  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      state = state * 1664525u + 1013904223u;
      volume->labels[i] = (state >> 24) < 170;   /* about 66 % conducting */
    }
  permuted = cbd_volume_permute (volume, order, &error);
  g_assert_no_error (error);

  for (guint new_axis = 0; new_axis < 3; new_axis++)
    {
      CbdAxisResult original = solve (volume, order[new_axis]);
      CbdAxisResult swapped = solve (permuted, new_axis);

      g_assert_true (original.percolating);
      g_assert_cmpfloat_with_epsilon (swapped.sigma_rel, original.sigma_rel, 1e-9);
    }
}

/* A simple cubic array of insulating spheres: Maxwell's dilute limit
 * sigma = 2 (1 - f) / (2 + f), with f the voxelised sphere fraction
 * (Rayleigh's next term is O(f^(10/3)), negligible here). Refining the grid at
 * fixed f must approach it: the staircase error shrinks with the radius. */
static double
sphere_array_error (gsize radius_voxels)
{
  const gsize cell = 4 * radius_voxels;
  const double radius = radius_voxels;
  g_autoptr(CbdVolume) volume = new_volume (cell, cell, cell);
  CbdAxisResult result;
  double f, maxwell;

  for (gsize z = 0; z < cell; z++)
    for (gsize y = 0; y < cell; y++)
      for (gsize x = 0; x < cell; x++)
        {
          double dx = x + 0.5 - cell / 2.0, dy = y + 0.5 - cell / 2.0, dz = z + 0.5 - cell / 2.0;
          volume->labels[cbd_volume_index (volume, x, y, z)] = dx * dx + dy * dy + dz * dz > radius * radius;
        }
  result = solve (volume, CBD_AXIS_X);
  f = 1.0 - result.eps;
  maxwell = 2.0 * (1.0 - f) / (2.0 + f);
  g_test_message ("r = %" G_GSIZE_FORMAT ": f = %.4f, sigma_rel = %.5f, Maxwell %.5f",
                  radius_voxels, f, result.sigma_rel, maxwell);
  return fabs (result.sigma_rel - maxwell) / maxwell;
}

static void
test_sphere_array_maxwell (void)
{
  double coarse = sphere_array_error (3);
  double medium = sphere_array_error (6);
  double fine = sphere_array_error (12);

  g_assert_cmpfloat (medium, <, coarse);
  g_assert_cmpfloat (fine, <, medium);
  g_assert_cmpfloat (fine, <, 0.006);
}

/* Chunks are fixed and reductions summed in chunk order, the smoother's
 * plane wavefronts compute every value from the same inputs: any thread
 * count gives the same bits. The small volume runs on one thread inside the
 * multigrid; the large ones (over 32768 unknowns) on slabs of planes, once
 * with the finest level on the full box (uniform, dense) and once on the
 * list of unknowns (two conductivities). */
static void
test_thread_count_independent (void)
{
  static const gsize sizes[][3] = { { 41, 36, 33 }, { 72, 41, 67 } };
  static const double two_phases[256] = { [1] = 1.0, [2] = 0.5 };

  for (guint c = 0; c < 3; c++)
    {
      const gsize *dims = sizes[MIN (c, 1)];
      g_autoptr(CbdVolume) volume = new_volume (dims[0], dims[1], dims[2]);
      gboolean conducting[256] = { [1] = TRUE, [2] = TRUE };
      guint32 state = 777;
      double sigma[3];
      guint iterations[3];

      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        {
          state = state * 1664525u + 1013904223u;
          volume->labels[i] = (state >> 24) < 160 ? (c == 2 && (state & 0x100) ? 2 : 1) : 0;
        }
      for (guint threads = 1; threads <= 3; threads++)
        {
          CbdAxisResult result = solve_on_threads (volume, conducting, CBD_AXIS_Y,
                                                   c == 2 ? two_phases : NULL, threads);

          g_assert_true (result.converged);
          sigma[threads - 1] = result.sigma_rel;
          iterations[threads - 1] = result.iterations;
        }
      g_test_message ("%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT "%s: sigma_rel %.12g, %u iterations",
                      dims[0], dims[1], dims[2], c == 2 ? " two phases" : "", sigma[0], iterations[0]);
      g_assert_cmpfloat (sigma[0], ==, sigma[1]);
      g_assert_cmpfloat (sigma[0], ==, sigma[2]);
      g_assert_cmpuint (iterations[0], ==, iterations[1]);
      g_assert_cmpuint (iterations[0], ==, iterations[2]);
    }
}

/* Voxels 6-connected to the face x = 0 (@from_inlet) or x = nx - 1, by a
 * breadth-first flood fill: the independent truth for the union-find. */
static void
flood_from_x_face (const CbdVolume *volume, gboolean from_inlet, guint8 *reached, guint8 bit)
{
  const gsize *d = volume->dims;
  gsize n = cbd_volume_n_voxels (volume), head = 0, tail = 0;
  g_autofree gsize *queue = g_new (gsize, n);

  for (gsize z = 0; z < d[2]; z++)
    for (gsize y = 0; y < d[1]; y++)
      {
        gsize index = cbd_volume_index (volume, from_inlet ? 0 : d[0] - 1, y, z);

        if (volume->labels[index] == 1)
          {
            reached[index] |= bit;
            queue[tail++] = index;
          }
      }
  while (head < tail)
    {
      gsize index = queue[head++], x = index % d[0], y = index / d[0] % d[1], z = index / (d[0] * d[1]);
      gssize step[3] = { 1, (gssize) d[0], (gssize) (d[0] * d[1]) };
      gsize coord[3] = { x, y, z };

      for (guint k = 0; k < 6; k++)
        {
          guint a = k / 2;
          gsize next;

          if ((k & 1) ? coord[a] + 1 >= d[a] : coord[a] == 0)
            continue;
          next = (k & 1) ? index + step[a] : index - step[a];
          if (volume->labels[next] == 1 && !(reached[next] & bit))
            {
              reached[next] |= bit;
              queue[tail++] = next;
            }
        }
    }
}

/* Near the percolation threshold (31 % for sites on the cubic lattice) the
 * clusters wind through many planes, across the slabs the threads split
 * the union-find into: the percolating fraction matches a flood fill from
 * both faces, for any number of threads. */
static void
test_percolating_cluster (void)
{
  for (guint trial = 0; trial < 3; trial++)
    {
      g_autoptr(CbdVolume) volume = new_volume (30, 24, 96);
      gsize n = cbd_volume_n_voxels (volume), n_both = 0;
      g_autofree guint8 *reached = g_new0 (guint8, n);
      guint32 state = 12345 + trial;

      for (gsize i = 0; i < n; i++)
        {
          state = state * 1664525u + 1013904223u;
          volume->labels[i] = (state >> 8) % 1000 < 330 + 15 * trial;
        }
      flood_from_x_face (volume, TRUE, reached, 1);
      flood_from_x_face (volume, FALSE, reached, 2);
      for (gsize i = 0; i < n; i++)
        n_both += reached[i] == 3;
      for (guint threads = 1; threads <= 3; threads++)
        {
          CbdAxisResult result = solve_on_threads (volume, label_one_conducts, CBD_AXIS_X, NULL, threads);

          g_test_message ("trial %u, %u threads: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " voxels percolate",
                          trial, threads, n_both, n);
          g_assert_cmpfloat_with_epsilon (result.eps_percolating * n, (double) n_both, 1e-6);
          g_assert_true (result.percolating == (n_both > 0));
        }
    }
}

typedef struct
{
  double   last_fraction;
  gboolean backwards;
  char     last_stage[32];
} AxesProgress;

static void
record_axes_progress (const CbdProgress *progress, gpointer data)
{
  AxesProgress *record = data;

  if (progress->fraction < 0.0)
    return;
  record->backwards |= progress->fraction < record->last_fraction;
  record->last_fraction = progress->fraction;
  g_strlcpy (record->last_stage, progress->stage, sizeof record->last_stage);
}

/* Each axis of @together against a solve of that axis alone on one
 * thread, bit for bit. */
static void
assert_same_as_alone (const CbdVolume *volume, const gboolean conducting[256],
                      const CbdSolverOptions *options, const CbdAxisResult together[3])
{
  CbdSolverOptions one_thread = *options;

  one_thread.n_threads = 1;
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      g_autoptr(GError) error = NULL;
      CbdAxisResult alone;

      g_assert_true (cbd_solver_solve_axis (volume, conducting, axis, &one_thread, &alone, NULL,
                                            NULL, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (together[axis].percolating, ==, alone.percolating);
      g_assert_cmpint (together[axis].converged, ==, alone.converged);
      g_assert_cmpfloat (together[axis].sigma_rel, ==, alone.sigma_rel);
      g_assert_cmpuint (together[axis].iterations, ==, alone.iterations);
      g_assert_cmpfloat (together[axis].eps_percolating, ==, alone.eps_percolating);
      g_assert_cmpfloat (together[axis].dropped_fraction, ==, alone.dropped_fraction);
    }
}

/* Solving the axes together (on 3 threads) gives what three separate
 * solves give (on 1), bit for bit: one phase on cubic voxels, one phase on
 * anisotropic voxels (the face conductance then differs per axis), two
 * conductivities on anisotropic voxels (the face diagonals differ per
 * voxel too), with progress over all three axes. */
static void
test_axes_together (void)
{
  static const double two_phases[256] = { [1] = 1.0, [2] = 0.3 };
  static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };

  for (guint c = 0; c < 3; c++)
    {
      g_autoptr(CbdVolume) volume = new_volume (37, 30, 26);
      gboolean conducting[256] = { [1] = TRUE, [2] = TRUE };
      g_autoptr(GError) error = NULL;
      CbdSolverOptions options;
      CbdAxisResult together[3];
      AxesProgress progress = { 0.0, FALSE, "" };
      guint32 state = 4242;

      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        {
          state = state * 1664525u + 1013904223u;
          volume->labels[i] = (state >> 24) < 165 ? (c == 2 && (state & 0x100) ? 2 : 1) : 0;
        }
      if (c >= 1)
        {
          volume->voxel_nm[0] = 10.0;
          volume->voxel_nm[1] = 10.0;
          volume->voxel_nm[2] = 25.0;
        }
      cbd_solver_options_init (&options);
      options.conductivity = c == 2 ? two_phases : NULL;
      options.n_threads = 3;
      g_assert_true (cbd_solver_solve_axes (volume, conducting, all_axes, &options, together, NULL,
                                            record_axes_progress, &progress, &error));
      g_assert_no_error (error);
      g_assert_false (progress.backwards);
      g_assert_cmpfloat (progress.last_fraction, >, 2.0 / 3.0);
      g_assert_cmpfloat (progress.last_fraction, <=, 1.0);
      g_assert_cmpstr (progress.last_stage, ==, "Solving along z");

      for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
        g_assert_true (together[axis].percolating && together[axis].converged);
      assert_same_as_alone (volume, conducting, &options, together);
    }
}

/* Different voxels carry current along different axes: a straight line
 * along x and one along y, apart, and nothing spanning z. Each axis gets
 * its own system: sigma_rel is the line's volume fraction along x and y
 * (a straight channel), 0 along z, as when solved one at a time. */
static void
test_axes_with_different_clusters (void)
{
  static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };
  g_autoptr(CbdVolume) volume = new_volume (20, 16, 12);
  g_autoptr(GError) error = NULL;
  CbdAxisResult together[3];
  CbdSolverOptions options;

  for (gsize x = 0; x < 20; x++)
    volume->labels[cbd_volume_index (volume, x, 3, 4)] = 1;
  for (gsize y = 0; y < 16; y++)
    volume->labels[cbd_volume_index (volume, 12, y, 9)] = 1;
  cbd_solver_options_init (&options);
  options.tolerance = 1e-10;
  g_assert_true (cbd_solver_solve_axes (volume, label_one_conducts, all_axes, &options, together,
                                        NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (together[CBD_AXIS_X].percolating && together[CBD_AXIS_Y].percolating);
  g_assert_cmpfloat_with_epsilon (together[CBD_AXIS_X].sigma_rel, 20.0 / (20 * 16 * 12), 1e-12);
  g_assert_cmpfloat_with_epsilon (together[CBD_AXIS_Y].sigma_rel, 16.0 / (20 * 16 * 12), 1e-12);
  g_assert_cmpfloat_with_epsilon (together[CBD_AXIS_X].eps_percolating, 20.0 / (20 * 16 * 12), 1e-15);
  g_assert_cmpfloat_with_epsilon (together[CBD_AXIS_Y].eps_percolating, 16.0 / (20 * 16 * 12), 1e-15);
  g_assert_false (together[CBD_AXIS_Z].percolating);
  g_assert_cmpfloat (together[CBD_AXIS_Z].sigma_rel, ==, 0.0);
  g_assert_true (isnan (together[CBD_AXIS_Z].tau));
  assert_same_as_alone (volume, label_one_conducts, &options, together);
}

/* An empty plane across x: nothing spans x, and y and z share one system
 * (both halves of the block join their faces); each axis matches its own
 * solve, x not percolating. */
static void
test_axes_with_one_blocked (void)
{
  static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };
  g_autoptr(CbdVolume) volume = new_volume (30, 26, 24);
  g_autoptr(GError) error = NULL;
  CbdAxisResult together[3];
  CbdSolverOptions options;
  guint32 state = 17;

  for (gsize z = 0; z < 24; z++)
    for (gsize y = 0; y < 26; y++)
      for (gsize x = 0; x < 30; x++)
        {
          state = state * 1664525u + 1013904223u;
          volume->labels[cbd_volume_index (volume, x, y, z)] = x != 12 && (state >> 24) < 180;
        }
  cbd_solver_options_init (&options);
  g_assert_true (cbd_solver_solve_axes (volume, label_one_conducts, all_axes, &options, together,
                                        NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (together[CBD_AXIS_X].percolating);
  g_assert_cmpfloat (together[CBD_AXIS_X].eps_percolating, ==, 0.0);
  g_assert_true (together[CBD_AXIS_Y].percolating && together[CBD_AXIS_Z].percolating);
  assert_same_as_alone (volume, label_one_conducts, &options, together);
}

/* The same with systems worth a multigrid: a random block that percolates
 * along every axis, and inside it, in an empty tube, a line along z that
 * joins the z faces only. Along z the system has the line's voxels more
 * (new vectors, a new hierarchy); every axis still matches its own solve
 * bit for bit. */
static void
test_axes_with_different_dense_clusters (void)
{
  static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };
  g_autoptr(CbdVolume) volume = new_volume (34, 30, 28);
  g_autoptr(GError) error = NULL;
  CbdAxisResult together[3];
  CbdSolverOptions options;
  guint32 state = 99;

  for (gsize z = 0; z < 28; z++)
    for (gsize y = 0; y < 30; y++)
      for (gsize x = 0; x < 34; x++)
        {
          gboolean tube = x >= 16 && x <= 18 && y >= 14 && y <= 16;

          state = state * 1664525u + 1013904223u;
          volume->labels[cbd_volume_index (volume, x, y, z)] =
            tube ? x == 17 && y == 15 : (state >> 24) < 170;
        }
  cbd_solver_options_init (&options);
  g_assert_true (cbd_solver_solve_axes (volume, label_one_conducts, all_axes, &options, together,
                                        NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (together[CBD_AXIS_Z].eps_percolating, >, together[CBD_AXIS_X].eps_percolating);
  g_assert_cmpfloat (together[CBD_AXIS_Z].eps_percolating, >, together[CBD_AXIS_Y].eps_percolating);
  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      g_assert_true (together[axis].converged);
      g_assert_cmpuint (together[axis].iterations, >, 0);
    }
  assert_same_as_alone (volume, label_one_conducts, &options, together);
}

/* The address space the process holds now, in bytes (Linux). */
static guint64
address_space_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    pages = g_ascii_strtoull (statm, NULL, 10);
  return pages * (guint64) sysconf (_SC_PAGESIZE);
}

/* Out of memory at any step of a solve of three axes, on 1 and on 3
 * threads: with the address space capped at a few MB to a few hundred MB
 * above what the process holds (so that the helper threads, the cluster
 * labels, the system, the multigrid or the vectors cannot be had), each
 * solve either finishes or fails with
 * CBD_SOLVER_ERROR_NO_MEMORY, in a subprocess that must not crash. The
 * smallest cap must fail and the largest must solve. */
static void
test_out_of_memory (void)
{
  static const guint caps_mb[] = { 1, 3, 6, 10, 16, 24, 36, 44, 52, 58, 64, 70, 80, 400 };

  if (g_test_subprocess ())
    {
      static const gboolean all_axes[3] = { TRUE, TRUE, TRUE };
      g_autoptr(CbdVolume) volume = new_volume (96, 96, 96);
      g_autoptr(GError) error = NULL;
      CbdSolverOptions options;
      CbdAxisResult results[3];
      guint32 state = 5;
      struct rlimit cap;

      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        {
          state = state * 1664525u + 1013904223u;
          volume->labels[i] = (state >> 24) < 160;
        }
      cbd_solver_options_init (&options);
      /* 3: the helpers' stacks (8 MB each) may not fit either */
      options.n_threads = (guint) atoi (g_getenv ("CBD_TEST_THREADS"));
      cap.rlim_cur = cap.rlim_max = address_space_bytes ()
                                    + (rlim_t) atoi (g_getenv ("CBD_TEST_CAP_MB")) * 1024 * 1024;
      g_assert_cmpint (setrlimit (RLIMIT_AS, &cap), ==, 0);
      if (cbd_solver_solve_axes (volume, label_one_conducts, all_axes, &options, results, NULL,
                                 NULL, NULL, &error))
        {
          g_assert_true (results[0].converged && results[1].converged && results[2].converged);
          printf ("solved\n");
        }
      else
        {
          g_assert_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_NO_MEMORY);
          printf ("no memory: %s\n", error->message);
        }
      return;
    }

  for (guint threads = 1; threads <= 3; threads += 2)
    for (guint c = 0; c < G_N_ELEMENTS (caps_mb); c++)
      {
        char cap[16], n_threads[4];

        g_snprintf (cap, sizeof cap, "%u", caps_mb[c]);
        g_snprintf (n_threads, sizeof n_threads, "%u", threads);
        g_setenv ("CBD_TEST_CAP_MB", cap, TRUE);
        g_setenv ("CBD_TEST_THREADS", n_threads, TRUE);
        g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, 0);
        g_test_trap_assert_passed ();
        if (c == 0)
          g_test_trap_assert_stdout ("no memory: Not enough memory for the *");
        else if (c + 1 == G_N_ELEMENTS (caps_mb))
          g_test_trap_assert_stdout ("solved*");
      }
  g_unsetenv ("CBD_TEST_CAP_MB");
  g_unsetenv ("CBD_TEST_THREADS");
}

static void
test_cancel (void)
{
  g_autoptr(CbdVolume) volume = new_volume (16, 16, 16);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CbdAxisResult result;

  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  volume->labels[100] = 0;
  g_cancellable_cancel (cancellable);
  g_assert_false (cbd_solver_solve_axis (volume, label_one_conducts, CBD_AXIS_X, NULL, &result,
                                         NULL, NULL, cancellable, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/solver/full-block", test_full_block);
  g_test_add_func ("/solver/thin-full-blocks", test_thin_full_blocks);
  g_test_add_func ("/solver/straight-channels", test_straight_channels);
  g_test_add_func ("/solver/hand-cases", test_hand_cases);
  g_test_add_func ("/solver/dead-ends-and-islands", test_dead_ends_and_islands);
  g_test_add_func ("/solver/empty-and-single-layer", test_empty_and_single_layer);
  g_test_add_func ("/solver/transpose", test_transpose);
  g_test_add_func ("/solver/slabs-series-and-parallel", test_slabs_series_and_parallel);
  g_test_add_func ("/solver/bad-conductivity", test_bad_conductivity);
  g_test_add_func ("/solver/anisotropic-voxels", test_anisotropic_voxels);
  g_test_add_func ("/solver/fields", test_fields);
  g_test_add_func ("/solver/default-tolerance-accuracy", test_default_tolerance_accuracy);
  g_test_add_func ("/solver/sphere-array-maxwell", test_sphere_array_maxwell);
  g_test_add_func ("/solver/thread-count-independent", test_thread_count_independent);
  g_test_add_func ("/solver/percolating-cluster", test_percolating_cluster);
  g_test_add_func ("/solver/axes-together", test_axes_together);
  g_test_add_func ("/solver/axes-with-different-clusters", test_axes_with_different_clusters);
  g_test_add_func ("/solver/axes-with-one-blocked", test_axes_with_one_blocked);
  g_test_add_func ("/solver/axes-with-different-dense-clusters",
                   test_axes_with_different_dense_clusters);
  g_test_add_func ("/solver/cancel", test_cancel);
  g_test_add_func ("/solver/out-of-memory", test_out_of_memory);
  return g_test_run ();
}
