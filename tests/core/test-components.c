/* test-components.c — connected components against hand-built cases and BFS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-components"

#include "config.h"

#include <string.h>

#include "cbd-components.h"

static void
pore_phase (gboolean phase[256])
{
  for (guint v = 0; v < 256; v++)
    phase[v] = (v == 0);
}

static guint32
count_components (const CbdVolume *volume, guint connectivity, guint32 *labels)
{
  g_autoptr(GError) error = NULL;
  gboolean phase[256];
  guint32 n = G_MAXUINT32;

  pore_phase (phase);
  g_assert_true (cbd_components_label (volume, phase, connectivity, labels, &n, NULL, &error));
  g_assert_no_error (error);
  return n;
}

static CbdVolume *
make_solid_volume (gsize nx, gsize ny, gsize nz)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  return volume;
}

static void
fill_block (CbdVolume *volume, gsize x0, gsize y0, gsize z0, gsize x1, gsize y1, gsize z1)
{
  for (gsize z = z0; z < z1; z++)
    for (gsize y = y0; y < y1; y++)
      for (gsize x = x0; x < x1; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
}

/* Two 3x3x3 pore blocks sharing only an edge (along z), then only a corner. */
static void
test_edge_and_corner_contact (void)
{
  g_autoptr(CbdVolume) edge = make_solid_volume (8, 8, 5);
  g_autoptr(CbdVolume) corner = make_solid_volume (8, 8, 8);
  g_autoptr(CbdVolume) face = make_solid_volume (8, 8, 5);
  g_autofree guint32 *labels = g_new (guint32, 8 * 8 * 8);

  fill_block (edge, 1, 1, 1, 4, 4, 4);
  fill_block (edge, 4, 4, 1, 7, 7, 4);
  g_assert_cmpuint (count_components (edge, 6, labels), ==, 2);
  /* first block in scan order is 1 */
  g_assert_cmpuint (labels[cbd_volume_index (edge, 1, 1, 1)], ==, 1);
  g_assert_cmpuint (labels[cbd_volume_index (edge, 5, 5, 2)], ==, 2);
  g_assert_cmpuint (labels[0], ==, 0);
  g_assert_cmpuint (count_components (edge, 26, labels), ==, 1);

  fill_block (corner, 1, 1, 1, 4, 4, 4);
  fill_block (corner, 4, 4, 4, 7, 7, 7);
  g_assert_cmpuint (count_components (corner, 6, labels), ==, 2);
  g_assert_cmpuint (count_components (corner, 26, labels), ==, 1);

  fill_block (face, 1, 1, 1, 4, 4, 4);
  fill_block (face, 4, 1, 1, 7, 4, 4);
  g_assert_cmpuint (count_components (face, 6, labels), ==, 1);
}

/* A 3D checkerboard: no two pore voxels share a face, every pair of
 * diagonal neighbours shares an edge. */
static void
test_checkerboard (void)
{
  g_autoptr(CbdVolume) volume = make_solid_volume (7, 6, 5);
  g_autofree guint32 *labels = g_new (guint32, 7 * 6 * 5);
  g_autofree guint64 *sizes = NULL;
  gboolean phase[256];
  guint32 n_pore = 0, n = 0, expected_label = 0;

  for (gsize z = 0; z < 5; z++)
    for (gsize y = 0; y < 6; y++)
      for (gsize x = 0; x < 7; x++)
        if ((x + y + z) % 2 == 0)
          {
            volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
            n_pore++;
          }

  g_assert_cmpuint (count_components (volume, 6, labels), ==, n_pore);
  /* each voxel its own component, numbered in scan order */
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    if (volume->labels[i] == 0)
      g_assert_cmpuint (labels[i], ==, ++expected_label);
    else
      g_assert_cmpuint (labels[i], ==, 0);

  pore_phase (phase);
  g_assert_true (cbd_components_label (volume, phase, 26, labels, &n, &sizes, NULL));
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (sizes[0], ==, 7 * 6 * 5 - n_pore);
  g_assert_cmpuint (sizes[1], ==, n_pore);
}

static void
test_bad_connectivity (void)
{
  g_autoptr(CbdVolume) volume = make_solid_volume (2, 2, 2);
  g_autoptr(GError) error = NULL;
  guint32 labels[8];
  gboolean phase[256];

  pore_phase (phase);
  g_assert_false (cbd_components_label (volume, phase, 18, labels, NULL, NULL, &error));
  g_assert_error (error, CBD_COMPONENTS_ERROR, CBD_COMPONENTS_ERROR_INVALID_ARGUMENT);
}

/* Reference: flood fill from each unlabelled phase voxel in scan order,
 * checking neighbours by coordinate distance, so numbering by first voxel
 * holds by construction. */
static guint32
bfs_reference (const CbdVolume *volume, guint connectivity, guint32 *labels)
{
  gssize n[3] = { (gssize) volume->dims[0], (gssize) volume->dims[1], (gssize) volume->dims[2] };
  gsize total = cbd_volume_n_voxels (volume);
  g_autofree gsize *queue = g_new (gsize, total);
  guint32 n_components = 0;

  memset (labels, 0, total * sizeof (guint32));
  for (gsize start = 0; start < total; start++)
    {
      gsize head = 0, tail = 0;

      if (volume->labels[start] != 0 || labels[start] != 0)
        continue;
      labels[start] = ++n_components;
      queue[tail++] = start;
      while (head < tail)
        {
          gsize index = queue[head++];
          gssize x = index % n[0], y = (index / n[0]) % n[1], z = index / (n[0] * n[1]);

          for (gssize dz = -1; dz <= 1; dz++)
            for (gssize dy = -1; dy <= 1; dy++)
              for (gssize dx = -1; dx <= 1; dx++)
                {
                  gssize ax = x + dx, ay = y + dy, az = z + dz;
                  gsize other;

                  if (ABS (dx) + ABS (dy) + ABS (dz) == 0)
                    continue;
                  if (connectivity == 6 && ABS (dx) + ABS (dy) + ABS (dz) != 1)
                    continue;
                  if (ax < 0 || ay < 0 || az < 0 || ax >= n[0] || ay >= n[1] || az >= n[2])
                    continue;
                  other = ax + n[0] * (ay + n[1] * az);
                  if (volume->labels[other] != 0 || labels[other] != 0)
                    continue;
                  labels[other] = n_components;
                  queue[tail++] = other;
                }
        }
    }
  return n_components;
}

static void
test_random_vs_bfs (void)
{
  const gsize shapes[][3] = { { 13, 11, 9 }, { 1, 1, 50 }, { 40, 1, 1 }, { 20, 17, 1 }, { 31, 23, 19 } };
  const double pore_fractions[] = { 0.1, 0.25, 0.31, 0.5, 0.75 };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint f = 0; f < G_N_ELEMENTS (pore_fractions); f++)
      for (guint32 seed = 1; seed <= 3; seed++)
        for (guint connectivity = 6; connectivity <= 26; connectivity += 20)
          {
            g_autoptr(GRand) rand = g_rand_new_with_seed (seed * 131 + f * 7 + s);
            g_autoptr(CbdVolume) volume = make_solid_volume (shapes[s][0], shapes[s][1], shapes[s][2]);
            gsize total = cbd_volume_n_voxels (volume);
            g_autofree guint32 *labels = g_new (guint32, total);
            g_autofree guint32 *expected = g_new (guint32, total);
            g_autofree guint64 *sizes = NULL;
            g_autofree guint64 *expected_sizes = NULL;
            gboolean phase[256];
            guint32 n = 0, n_expected;

            for (gsize i = 0; i < total; i++)
              volume->labels[i] = g_rand_double (rand) < pore_fractions[f] ? 0 : 1;
            pore_phase (phase);
            g_assert_true (cbd_components_label (volume, phase, connectivity, labels, &n, &sizes, NULL));
            n_expected = bfs_reference (volume, connectivity, expected);
            g_assert_cmpuint (n, ==, n_expected);
            /* the same numbering, not only the same partition */
            g_assert_cmpmem (labels, total * sizeof (guint32), expected, total * sizeof (guint32));
            expected_sizes = g_new0 (guint64, n_expected + 1);
            for (gsize i = 0; i < total; i++)
              expected_sizes[expected[i]]++;
            g_assert_cmpmem (sizes, (n + 1) * sizeof (guint64),
                             expected_sizes, (n_expected + 1) * sizeof (guint64));
          }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/components/edge-and-corner-contact", test_edge_and_corner_contact);
  g_test_add_func ("/components/checkerboard", test_checkerboard);
  g_test_add_func ("/components/bad-connectivity", test_bad_connectivity);
  g_test_add_func ("/components/random-vs-bfs", test_random_vs_bfs);
  return g_test_run ();
}
