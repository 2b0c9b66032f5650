/* test-regions.c — region properties on label arrays counted by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-regions"

#include "config.h"

#include <math.h>

#include "cbd-regions.h"

/* A 4 x 3 x 2 volume of voxels 2 x 3 x 5 nm:
 *   z = 0: x in {0, 1} is region 1, x in {2, 3} region 2 (every y);
 *   z = 1: region 3, except voxel (3, 2, 1), which is no region.
 * By hand: region 1 meets region 2 across 3 x faces (3 * 3 * 5 = 45 nm^2),
 * region 3 across 6 z faces (6 * 2 * 3 = 36 nm^2); regions 2 and 3 share 5 z
 * faces (30 nm^2). */
static void
build_layers (guint32 regions[24])
{
  for (gsize z = 0; z < 2; z++)
    for (gsize y = 0; y < 3; y++)
      for (gsize x = 0; x < 4; x++)
        {
          gsize i = x + 4 * (y + 3 * z);

          if (z == 0)
            regions[i] = x < 2 ? 1 : 2;
          else
            regions[i] = (x == 3 && y == 2) ? 0 : 3;
        }
}

static void
test_layers (void)
{
  guint32 regions[24];
  float distance[24];
  const gsize dims[3] = { 4, 3, 2 };
  const double voxel_nm[3] = { 2, 3, 5 };
  const gsize box_origin[3] = { 1, 0, 0 }, box_size[3] = { 2, 3, 2 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  const CbdRegion *r1, *r2, *r3;
  const CbdRegionNeighbour *list, *pair;
  guint n;

  build_layers (regions);
  for (guint i = 0; i < 24; i++)
    distance[i] = 1.0f;
  distance[2 + 4 * (1 + 3 * 0)] = 7.5f;  /* in region 2 */

  table = cbd_region_table_measure (regions, 3, dims, voxel_nm, distance, box_origin, box_size,
                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (table->n_regions, ==, 3);
  r1 = cbd_region_table_get (table, 1);
  r2 = cbd_region_table_get (table, 2);
  r3 = cbd_region_table_get (table, 3);
  g_assert_null (cbd_region_table_get (table, 0));
  g_assert_null (cbd_region_table_get (table, 4));

  g_assert_cmpuint (r1->volume_voxels, ==, 6);
  g_assert_cmpuint (r2->volume_voxels, ==, 6);
  g_assert_cmpuint (r3->volume_voxels, ==, 11);
  g_assert_cmpfloat_with_epsilon (r1->volume_nm3, 180.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r3->volume_nm3, 330.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r3->equivalent_diameter_nm, cbrt (6 * 330.0 / G_PI), 1e-12);

  /* centroids: region 1 at x 0.5, y 1, z 0 voxels; region 3 has x sum 15,
   * y sum 10 over 11 voxels at z 1 */
  g_assert_cmpfloat_with_epsilon (r1->centroid_nm[0], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r1->centroid_nm[1], 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r1->centroid_nm[2], 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (r3->centroid_nm[0], 15.0 / 11 * 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (r3->centroid_nm[1], 10.0 / 11 * 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (r3->centroid_nm[2], 5.0, 1e-12);

  g_assert_cmpfloat (r1->inscribed_diameter_nm, ==, 2.0);
  g_assert_cmpfloat (r2->inscribed_diameter_nm, ==, 15.0);

  g_assert_cmpuint (r2->bbox_min[0], ==, 2);
  g_assert_cmpuint (r2->bbox_max[0], ==, 3);
  g_assert_cmpuint (r3->bbox_min[2], ==, 1);
  g_assert_cmpuint (r3->bbox_max[1], ==, 2);
  g_assert_true (r1->touches_border && r2->touches_border && r3->touches_border);

  /* box x in [1, 2]: 3 voxels of region 1, 3 of region 2, 6 of region 3 */
  g_assert_true (table->has_box);
  g_assert_cmpuint (r1->box_voxels, ==, 3);
  g_assert_cmpuint (r2->box_voxels, ==, 3);
  g_assert_cmpuint (r3->box_voxels, ==, 6);

  g_assert_cmpuint (table->n_neighbours, ==, 6);
  list = cbd_region_table_neighbours (table, 1, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (list[0].region, ==, 2);
  g_assert_cmpuint (list[0].face_pairs, ==, 3);
  g_assert_cmpfloat_with_epsilon (list[0].area_nm2, 45.0, 1e-12);
  g_assert_cmpuint (list[1].region, ==, 3);
  g_assert_cmpuint (list[1].face_pairs, ==, 6);
  g_assert_cmpfloat_with_epsilon (list[1].area_nm2, 36.0, 1e-12);

  pair = cbd_region_table_find_neighbour (table, 3, 2);
  g_assert_nonnull (pair);
  g_assert_cmpuint (pair->face_pairs, ==, 5);
  g_assert_cmpfloat_with_epsilon (pair->area_nm2, 30.0, 1e-12);
  pair = cbd_region_table_find_neighbour (table, 2, 1);
  g_assert_nonnull (pair);
  g_assert_cmpuint (pair->face_pairs, ==, 3);
  g_assert_null (cbd_region_table_find_neighbour (table, 3, 3));
}

/* One voxel in the middle of a 5^3 volume, an id with no voxel, no distance
 * map and no box. */
static void
test_interior_and_unused (void)
{
  guint32 regions[125] = { 0 };
  const gsize dims[3] = { 5, 5, 5 };
  const double voxel_nm[3] = { 10, 10, 10 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  g_autoptr(CbdRegionTable) extra = NULL;
  const CbdRegion *centre, *unused;
  guint n;

  regions[2 + 5 * (2 + 5 * 2)] = 1;
  table = cbd_region_table_measure (regions, 2, dims, voxel_nm, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  extra = cbd_region_table_ref (table);
  g_assert_true (extra == table);

  centre = cbd_region_table_get (table, 1);
  g_assert_cmpuint (centre->volume_voxels, ==, 1);
  g_assert_false (centre->touches_border);
  g_assert_true (isnan (centre->inscribed_diameter_nm));
  g_assert_cmpfloat_with_epsilon (centre->centroid_nm[1], 20.0, 1e-12);
  g_assert_cmpuint (centre->box_voxels, ==, 0);
  g_assert_false (table->has_box);
  g_assert_null (cbd_region_table_neighbours (table, 1, &n));
  g_assert_cmpuint (n, ==, 0);

  unused = cbd_region_table_get (table, 2);
  g_assert_cmpuint (unused->volume_voxels, ==, 0);
  g_assert_cmpfloat (unused->volume_nm3, ==, 0.0);
  g_assert_false (unused->touches_border);
}

/* Two interleaved regions on a checkerboard: every face is shared, so the
 * pairs are the 3 * n^2 * (n - 1) interior faces of an n^3 cube. */
static void
test_checkerboard (void)
{
  const gsize side = 6;
  guint32 regions[6 * 6 * 6];
  const gsize dims[3] = { side, side, side };
  const double voxel_nm[3] = { 1, 2, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  const CbdRegionNeighbour *pair;

  for (gsize z = 0; z < side; z++)
    for (gsize y = 0; y < side; y++)
      for (gsize x = 0; x < side; x++)
        regions[x + side * (y + side * z)] = 1 + (x + y + z) % 2;
  table = cbd_region_table_measure (regions, 2, dims, voxel_nm, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pair = cbd_region_table_find_neighbour (table, 1, 2);
  g_assert_nonnull (pair);
  g_assert_cmpuint (pair->face_pairs, ==, 3 * side * side * (side - 1));
  /* 180 faces per axis: across x 2*4, across y 1*4, across z 1*2 nm^2 */
  g_assert_cmpfloat_with_epsilon (pair->area_nm2, 180.0 * (8 + 4 + 2), 1e-9);
}

static void
test_errors (void)
{
  guint32 regions[8] = { 1, 2, 3, 0, 0, 0, 0, 1 };
  const gsize dims[3] = { 2, 2, 2 };
  const double voxel_nm[3] = { 1, 1, 1 };
  const gsize origin[3] = { 1, 0, 0 }, size[3] = { 2, 1, 1 };
  GError *error = NULL;

  g_assert_null (cbd_region_table_measure (regions, 2, dims, voxel_nm, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (cbd_region_table_measure (regions, 3, dims, voxel_nm, NULL, origin, size, NULL, &error));
  g_assert_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/regions/layers", test_layers);
  g_test_add_func ("/regions/interior-and-unused", test_interior_and_unused);
  g_test_add_func ("/regions/checkerboard", test_checkerboard);
  g_test_add_func ("/regions/errors", test_errors);
  return g_test_run ();
}
