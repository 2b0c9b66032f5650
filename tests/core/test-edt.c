/* test-edt.c — exact Euclidean distance transform against brute force
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-edt"

#include "config.h"

#include <math.h>

#include "cbd-edt.h"

static CbdVolume *
make_random_volume (gsize nx, gsize ny, gsize nz, double solid_fraction,
                    guint32 seed, const double spacing[3])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    /* 0 is the phase (pore); 1 and 2 are background */
    volume->labels[i] = g_rand_double (rand) < solid_fraction
                        ? (guint8) g_rand_int_range (rand, 1, 3) : 0;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = spacing[axis];
  return volume;
}

/* The definition, evaluated voxel by voxel: the minimum over all background
 * voxels (and with a solid border over the one-voxel shell outside the
 * volume) of the anisotropic distance between centres. */
static double
brute_force_distance (const CbdVolume *volume, const gboolean phase[256],
                      CbdEdtBorder border, gssize x, gssize y, gssize z)
{
  gssize n[3] = { (gssize) volume->dims[0], (gssize) volume->dims[1], (gssize) volume->dims[2] };
  gssize lo = (border == CBD_EDT_BORDER_SOLID) ? -1 : 0;
  double best = INFINITY;

  if (!phase[cbd_volume_get (volume, x, y, z)])
    return 0.0;
  for (gssize bz = lo; bz < n[2] - lo; bz++)
    for (gssize by = lo; by < n[1] - lo; by++)
      for (gssize bx = lo; bx < n[0] - lo; bx++)
        {
          gboolean outside = bx < 0 || by < 0 || bz < 0
                             || bx >= n[0] || by >= n[1] || bz >= n[2];
          double dx, dy, dz, d;

          if (!outside && phase[cbd_volume_get (volume, bx, by, bz)])
            continue;
          dx = (bx - x) * volume->voxel_nm[0];
          dy = (by - y) * volume->voxel_nm[1];
          dz = (bz - z) * volume->voxel_nm[2];
          d = sqrt (dx * dx + dy * dy + dz * dz);
          best = MIN (best, d);
        }
  return best;
}

static void
pore_phase (gboolean phase[256])
{
  for (guint v = 0; v < 256; v++)
    phase[v] = (v == 0);
}

static void
assert_matches_brute_force (const CbdVolume *volume, CbdEdtBorder border, guint n_threads)
{
  g_autoptr(GError) error = NULL;
  gboolean phase[256];
  gsize n = cbd_volume_n_voxels (volume);
  g_autofree float *distance = g_new (float, n);

  pore_phase (phase);
  g_assert_true (cbd_edt_compute (volume, phase, border, n_threads, distance, NULL, &error));
  g_assert_no_error (error);

  for (gsize z = 0; z < volume->dims[2]; z++)
    for (gsize y = 0; y < volume->dims[1]; y++)
      for (gsize x = 0; x < volume->dims[0]; x++)
        {
          double expected = brute_force_distance (volume, phase, border, x, y, z);
          double got = distance[cbd_volume_index (volume, x, y, z)];

          g_assert_false (isnan (got));
          if (isinf (expected))
            {
              g_assert_true (isinf (got) && got > 0);
              continue;
            }
          if (fabs (got - expected) > 1e-4 * MAX (expected, 1e-9))
            g_error ("(%zu, %zu, %zu): EDT %.9g, brute force %.9g", x, y, z, got, expected);
        }
}

static void
test_random_vs_brute_force (void)
{
  const double spacings[2][3] = { { 1, 1, 1 }, { 10, 12, 20 } };
  const double solid_fractions[] = { 0.02, 0.1, 0.3, 0.7 };

  for (guint s = 0; s < G_N_ELEMENTS (spacings); s++)
    for (guint f = 0; f < G_N_ELEMENTS (solid_fractions); f++)
      for (guint32 seed = 1; seed <= 3; seed++)
        {
          g_autoptr(CbdVolume) volume =
            make_random_volume (13, 11, 9, solid_fractions[f], seed * 7919 + f, spacings[s]);

          assert_matches_brute_force (volume, CBD_EDT_BORDER_OPEN, 1);
          assert_matches_brute_force (volume, CBD_EDT_BORDER_SOLID, 1);
          assert_matches_brute_force (volume, CBD_EDT_BORDER_OPEN, 4);
        }
}

/* Thin and long volumes exercise lines of length 1 and blocks narrower than
 * the internal block width. */
static void
test_odd_shapes (void)
{
  const double spacing[3] = { 3, 5, 7 };
  const gsize shapes[][3] = { { 1, 1, 1 }, { 1, 1, 40 }, { 40, 1, 1 }, { 1, 30, 1 },
                              { 17, 1, 5 }, { 33, 3, 2 }, { 2, 2, 2 } };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (guint32 seed = 1; seed <= 3; seed++)
      {
        g_autoptr(CbdVolume) volume =
          make_random_volume (shapes[i][0], shapes[i][1], shapes[i][2], 0.15, seed, spacing);

        assert_matches_brute_force (volume, CBD_EDT_BORDER_OPEN, 3);
        assert_matches_brute_force (volume, CBD_EDT_BORDER_SOLID, 3);
      }
}

/* One background voxel at (cx, cy, cz) in an all-pore block: with an open
 * border the distance is the analytic sqrt(sum (d_i h_i)^2). */
static void
test_single_background_voxel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (20, 15, 10, &error);
  gboolean phase[256];
  gsize cx = 6, cy = 11, cz = 3;
  g_autofree float *distance = g_new (float, cbd_volume_n_voxels (volume));

  g_assert_no_error (error);
  volume->voxel_nm[0] = 10;
  volume->voxel_nm[1] = 12;
  volume->voxel_nm[2] = 20;
  volume->labels[cbd_volume_index (volume, cx, cy, cz)] = 5;
  pore_phase (phase);
  g_assert_true (cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, 2, distance, NULL, &error));
  g_assert_no_error (error);

  for (gsize z = 0; z < 10; z++)
    for (gsize y = 0; y < 15; y++)
      for (gsize x = 0; x < 20; x++)
        {
          double dx = ((double) x - cx) * 10, dy = ((double) y - cy) * 12, dz = ((double) z - cz) * 20;
          double expected = sqrt (dx * dx + dy * dy + dz * dz);

          g_assert_cmpfloat_with_epsilon (distance[cbd_volume_index (volume, x, y, z)],
                                          expected, 1e-4 * MAX (expected, 1));
        }
}

/* No background at all: +inf with an open border (documented), the distance
 * to the nearest face's outside neighbour with a solid one. */
static void
test_no_background (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (7, 5, 4, &error);
  gboolean phase[256];
  g_autofree float *distance = g_new (float, cbd_volume_n_voxels (volume));

  g_assert_no_error (error);
  volume->voxel_nm[0] = 10;
  volume->voxel_nm[1] = 12;
  volume->voxel_nm[2] = 20;
  pore_phase (phase);
  g_assert_true (cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, 0, distance, NULL, &error));
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    g_assert_true (isinf (distance[i]) && distance[i] > 0);

  g_assert_true (cbd_edt_compute (volume, phase, CBD_EDT_BORDER_SOLID, 0, distance, NULL, &error));
  for (gsize z = 0; z < 4; z++)
    for (gsize y = 0; y < 5; y++)
      for (gsize x = 0; x < 7; x++)
        {
          double expected = MIN (MIN (10.0 * MIN (x + 1, 7 - x), 12.0 * MIN (y + 1, 5 - y)),
                                 20.0 * MIN (z + 1, 4 - z));

          g_assert_cmpfloat_with_epsilon (distance[cbd_volume_index (volume, x, y, z)],
                                          expected, 1e-4 * expected);
        }
}

static void
test_thread_count_independent (void)
{
  const double spacing[3] = { 10, 12, 20 };
  g_autoptr(CbdVolume) volume = make_random_volume (70, 45, 38, 0.05, 99, spacing);
  gsize n = cbd_volume_n_voxels (volume);
  g_autofree float *reference = g_new (float, n);
  gboolean phase[256];

  pore_phase (phase);
  for (guint border = 0; border < 2; border++)
    {
      g_assert_true (cbd_edt_compute (volume, phase, border, 1, reference, NULL, NULL));
      for (guint threads = 2; threads <= 9; threads += 7)
        {
          g_autofree float *distance = g_new (float, n);

          g_assert_true (cbd_edt_compute (volume, phase, border, threads, distance, NULL, NULL));
          g_assert_cmpmem (distance, n * sizeof (float), reference, n * sizeof (float));
        }
    }
}

static void
test_cancelled (void)
{
  const double spacing[3] = { 1, 1, 1 };
  g_autoptr(CbdVolume) volume = make_random_volume (30, 30, 30, 0.1, 5, spacing);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree float *distance = g_new (float, cbd_volume_n_voxels (volume));
  gboolean phase[256];

  pore_phase (phase);
  g_cancellable_cancel (cancellable);
  g_assert_false (cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, 2, distance,
                                   cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edt/random-vs-brute-force", test_random_vs_brute_force);
  g_test_add_func ("/edt/odd-shapes", test_odd_shapes);
  g_test_add_func ("/edt/single-background-voxel", test_single_background_voxel);
  g_test_add_func ("/edt/no-background", test_no_background);
  g_test_add_func ("/edt/thread-count-independent", test_thread_count_independent);
  g_test_add_func ("/edt/cancelled", test_cancelled);
  return g_test_run ();
}
