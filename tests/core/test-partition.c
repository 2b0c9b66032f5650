/* test-partition.c — SNOW partition on shapes whose pores are known by
 * construction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-partition"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-partition.h"
#include "cbd-regions.h"

/* Label 0 is the pore phase, 1 solid. */
typedef struct
{
  double centre[3];
  double radius;
} Sphere;

static CbdVolume *
new_solid_volume (gsize nx, gsize ny, gsize nz, double voxel_nm)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = voxel_nm;
  return volume;
}

static void
carve_sphere (CbdVolume *volume, const Sphere *sphere)
{
  for (gsize z = 0; z < volume->dims[2]; z++)
    for (gsize y = 0; y < volume->dims[1]; y++)
      for (gsize x = 0; x < volume->dims[0]; x++)
        {
          double dx = x - sphere->centre[0], dy = y - sphere->centre[1], dz = z - sphere->centre[2];

          if (dx * dx + dy * dy + dz * dz <= sphere->radius * sphere->radius)
            volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
        }
}

static gboolean
in_sphere (const Sphere *sphere, gsize x, gsize y, gsize z)
{
  double dx = x - sphere->centre[0], dy = y - sphere->centre[1], dz = z - sphere->centre[2];

  return dx * dx + dy * dy + dz * dz <= sphere->radius * sphere->radius;
}

static void
pore_phase (gboolean phase[256])
{
  for (guint v = 0; v < 256; v++)
    phase[v] = (v == 0);
}

typedef struct
{
  CbdPartitionSummary summary;
  guint32 *regions;
  float *distance;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->regions, g_free);
  g_clear_pointer (&result->distance, g_free);
}

/* What every partition must satisfy: regions exactly on the phase, ids
 * 1..n_regions all used, each region one face-connected piece. */
static void
assert_partition_invariants (const CbdVolume *volume, const Result *result)
{
  gsize n = cbd_volume_n_voxels (volume);
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  guint32 n_regions = result->summary.n_regions;
  g_autofree guint64 *sizes = g_new0 (guint64, n_regions + 1);
  g_autofree guint8 *seen = g_new0 (guint8, n);
  g_autofree gboolean *started = g_new0 (gboolean, n_regions + 1);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint64 phase_voxels = 0;

  g_assert_cmpuint (result->summary.n_regions, ==,
                    result->summary.n_markers + result->summary.n_unmarked);
  for (gsize i = 0; i < n; i++)
    {
      gboolean in_phase = volume->labels[i] == 0;

      phase_voxels += in_phase;
      if (!in_phase)
        g_assert_cmpuint (result->regions[i], ==, 0);
      else
        {
          g_assert_cmpuint (result->regions[i], >=, 1);
          g_assert_cmpuint (result->regions[i], <=, n_regions);
        }
      sizes[result->regions[i]]++;
    }
  g_assert_cmpuint (phase_voxels, ==, result->summary.phase_voxels);
  for (guint32 r = 1; r <= n_regions; r++)
    g_assert_cmpuint (sizes[r], >, 0);

  /* Flood each region from its first voxel over face neighbours of the same
   * id: it must reach all of the region's voxels. */
  for (gsize start = 0; start < n; start++)
    {
      guint32 id = result->regions[start];
      guint64 reached = 0;

      if (id == 0 || started[id])
        continue;
      started[id] = TRUE;
      seen[start] = 1;
      g_array_set_size (stack, 0);
      g_array_append_val (stack, start);
      while (stack->len > 0)
        {
          gsize i = g_array_index (stack, gsize, stack->len - 1);
          gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
          gssize steps[6][3] = { { -1, 0, 0 }, { 1, 0, 0 }, { 0, -1, 0 },
                                 { 0, 1, 0 }, { 0, 0, -1 }, { 0, 0, 1 } };

          g_array_set_size (stack, stack->len - 1);
          reached++;
          for (guint k = 0; k < 6; k++)
            {
              gssize qx = (gssize) x + steps[k][0];
              gssize qy = (gssize) y + steps[k][1];
              gssize qz = (gssize) z + steps[k][2];
              gsize q;

              if (qx < 0 || qy < 0 || qz < 0 || qx >= (gssize) nx || qy >= (gssize) ny
                  || qz >= (gssize) nz)
                continue;
              q = (gsize) qx + nx * ((gsize) qy + ny * (gsize) qz);
              if (seen[q] || result->regions[q] != id)
                continue;
              seen[q] = 1;
              g_array_append_val (stack, q);
            }
        }
      g_assert_cmpuint (reached, ==, sizes[id]);
    }
}

static void
run_partition (const CbdVolume *volume, const CbdPartitionOptions *options, Result *result)
{
  g_autoptr(GError) error = NULL;
  gboolean phase[256];
  gsize n = cbd_volume_n_voxels (volume);

  pore_phase (phase);
  result->regions = g_new (guint32, n);
  result->distance = g_new (float, n);
  g_assert_true (cbd_partition_compute (volume, phase, options, result->regions,
                                        result->distance, &result->summary,
                                        NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_partition_invariants (volume, result);
}

static CbdRegionTable *
measure (const CbdVolume *volume, const Result *result)
{
  g_autoptr(GError) error = NULL;
  CbdRegionTable *table = cbd_region_table_measure (result->regions, result->summary.n_regions,
                                                    volume->dims, volume->voxel_nm,
                                                    result->distance, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (table);
  return table;
}

static guint32
region_at (const CbdVolume *volume, const Result *result, const double centre[3])
{
  return result->regions[cbd_volume_index (volume, (gsize) centre[0], (gsize) centre[1],
                                           (gsize) centre[2])];
}

/* Two overlapping spheres (radii 10 and 7, centres 14 apart): the neck
 * between them is narrower than either, so each is one pore. */
static void
test_two_spheres (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (44, 30, 30, 10.0);
  Sphere big = { { 13, 15, 15 }, 10 }, small = { { 27, 15, 15 }, 7 };
  Result result = { 0 };
  guint32 big_id, small_id;
  guint64 big_total = 0, big_own = 0, small_total = 0, small_own = 0;

  carve_sphere (volume, &big);
  carve_sphere (volume, &small);
  run_partition (volume, NULL, &result);

  g_assert_cmpuint (result.summary.n_regions, ==, 2);
  big_id = region_at (volume, &result, big.centre);
  small_id = region_at (volume, &result, small.centre);
  g_assert_cmpuint (big_id, !=, small_id);

  /* Voxels in one sphere only: at least 95 % in that sphere's region. */
  for (gsize z = 0; z < volume->dims[2]; z++)
    for (gsize y = 0; y < volume->dims[1]; y++)
      for (gsize x = 0; x < volume->dims[0]; x++)
        {
          gboolean a = in_sphere (&big, x, y, z), b = in_sphere (&small, x, y, z);
          guint32 id = result.regions[cbd_volume_index (volume, x, y, z)];

          if (a && !b)
            {
              big_total++;
              big_own += id == big_id;
            }
          else if (b && !a)
            {
              small_total++;
              small_own += id == small_id;
            }
        }
  g_test_message ("own region: big %.4f, small %.4f", (double) big_own / big_total,
                  (double) small_own / small_total);
  g_assert_cmpfloat ((double) big_own / big_total, >, 0.95);
  g_assert_cmpfloat ((double) small_own / small_total, >, 0.95);
  result_clear (&result);
}

/* N spheres of radius 6 along x joined by straight throats of radius 2 and
 * length 14: N pores in a chain. The throat is a ridge of constant distance
 * long enough for the ball test to take its middle for a peak, which the
 * saddle step must remove. Each throat's cross-section is the 13 voxels with
 * dy^2 + dz^2 <= 4 (1 + 4 + 4 + 4, counted by hand), and the flood splits it
 * in a plane, so neighbouring pores share 13 faces. */
static void
test_chain (void)
{
  const guint n_spheres = 4;
  const gsize spacing = 26;
  g_autoptr(CbdVolume) volume = new_solid_volume (8 + (n_spheres - 1) * spacing + 9, 17, 17, 10.0);
  g_autoptr(CbdRegionTable) table = NULL;
  Result result = { 0 };
  guint32 ids[4];
  Sphere spheres[4];

  for (guint i = 0; i < n_spheres; i++)
    {
      spheres[i] = (Sphere) { { 8.0 + i * spacing, 8, 8 }, 6 };
      carve_sphere (volume, &spheres[i]);
    }
  for (gsize x = 8; x <= 8 + (n_spheres - 1) * spacing; x++)
    for (gssize dz = -2; dz <= 2; dz++)
      for (gssize dy = -2; dy <= 2; dy++)
        if (dy * dy + dz * dz <= 4)
          volume->labels[cbd_volume_index (volume, x, 8 + dy, 8 + dz)] = 0;

  run_partition (volume, NULL, &result);
  g_test_message ("plateaus %" G_GUINT64_FORMAT ", saddles %" G_GUINT64_FORMAT
                  ", nearby %" G_GUINT64_FORMAT, result.summary.n_peak_plateaus,
                  result.summary.n_saddles_removed, result.summary.n_nearby_removed);
  g_assert_cmpuint (result.summary.n_regions, ==, n_spheres);
  g_assert_cmpuint (result.summary.n_unmarked, ==, 0);
  g_assert_cmpuint (result.summary.n_saddles_removed, >=, n_spheres - 1);

  table = measure (volume, &result);
  for (guint i = 0; i < n_spheres; i++)
    {
      ids[i] = region_at (volume, &result, spheres[i].centre);
      for (guint j = 0; j < i; j++)
        g_assert_cmpuint (ids[i], !=, ids[j]);
    }
  for (guint i = 0; i < n_spheres; i++)
    {
      const CbdRegion *region = cbd_region_table_get (table, ids[i]);
      guint expected = (i == 0 || i == n_spheres - 1) ? 1 : 2;

      g_assert_cmpuint (region->n_neighbours, ==, expected);
      if (i + 1 < n_spheres)
        {
          const CbdRegionNeighbour *throat = cbd_region_table_find_neighbour (table, ids[i], ids[i + 1]);

          g_assert_nonnull (throat);
          g_assert_cmpuint (throat->face_pairs, ==, 13);
          g_assert_cmpfloat_with_epsilon (throat->area_nm2, 13 * 100.0, 1e-9);
        }
      /* the inscribed sphere is the pore's own: 2 * sqrt(37) voxels, the
       * nearest solid voxel centre to the centre being (6, 1, 0) away */
      g_assert_cmpfloat_with_epsilon (region->inscribed_diameter_nm, 2 * sqrt (37.0) * 10.0, 1e-3);
    }
  result_clear (&result);
}

/* A capped cylinder of radius 5 along z, 50 voxels long: one pore, however
 * long, and its inscribed diameter is the cylinder's within a voxel. */
static void
test_cylinder (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (24, 24, 60, 10.0);
  g_autoptr(CbdVolume) through = new_solid_volume (24, 24, 60, 10.0);
  g_autoptr(CbdRegionTable) table = NULL;
  Result result = { 0 };
  const CbdRegion *region;

  for (gsize z = 0; z < 60; z++)
    for (gsize y = 0; y < 24; y++)
      for (gsize x = 0; x < 24; x++)
        {
          double dx = x - 12.0, dy = y - 12.0;

          if (dx * dx + dy * dy > 25)
            continue;
          through->labels[cbd_volume_index (through, x, y, z)] = 0;
          if (z >= 5 && z < 55)
            volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
        }

  run_partition (volume, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 1);
  table = measure (volume, &result);
  region = cbd_region_table_get (table, 1);
  g_test_message ("inscribed diameter %.3f nm", region->inscribed_diameter_nm);
  g_assert_cmpfloat (fabs (region->inscribed_diameter_nm - 100.0), <=, 10.0);
  g_assert_false (region->touches_border);
  result_clear (&result);

  /* Through the whole volume: the open border adds no walls at the ends. */
  run_partition (through, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 1);
  g_clear_pointer (&table, cbd_region_table_unref);
  table = measure (through, &result);
  g_assert_true (cbd_region_table_get (table, 1)->touches_border);
  result_clear (&result);
}

/* A cube of 12 voxels: one pore of 1728 voxels; its centre (a 2 x 2 x 2
 * plateau) lies 6 voxels from the nearest solid voxel centre, so the
 * inscribed diameter is exactly the edge. */
static void
test_cube (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (20, 20, 20, 10.0);
  g_autoptr(CbdRegionTable) table = NULL;
  Result result = { 0 };
  const CbdRegion *region;

  for (gsize z = 4; z < 16; z++)
    for (gsize y = 4; y < 16; y++)
      for (gsize x = 4; x < 16; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = 0;

  run_partition (volume, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 1);
  g_assert_cmpuint (result.summary.n_markers, ==, 1);
  table = measure (volume, &result);
  region = cbd_region_table_get (table, 1);
  g_assert_cmpuint (region->volume_voxels, ==, 1728);
  g_assert_cmpfloat_with_epsilon (region->volume_nm3, 1728 * 1000.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (region->inscribed_diameter_nm, 120.0, 1e-4);
  g_assert_cmpfloat_with_epsilon (region->equivalent_diameter_nm,
                                  cbrt (6.0 * 1728000.0 / G_PI), 1e-9);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_assert_cmpfloat_with_epsilon (region->centroid_nm[axis], 95.0, 1e-9);
      g_assert_cmpuint (region->bbox_min[axis], ==, 4);
      g_assert_cmpuint (region->bbox_max[axis], ==, 15);
    }
  g_assert_cmpuint (region->n_neighbours, ==, 0);
  result_clear (&result);
}

/* No pore at all, and nothing but pore. */
static void
test_empty_and_full (void)
{
  g_autoptr(CbdVolume) solid = new_solid_volume (9, 8, 7, 10.0);
  g_autoptr(CbdVolume) full = new_solid_volume (9, 8, 7, 10.0);
  Result result = { 0 };

  run_partition (solid, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 0);
  g_assert_cmpuint (result.summary.phase_voxels, ==, 0);
  result_clear (&result);

  memset (full->labels, 0, cbd_volume_n_voxels (full));
  run_partition (full, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 1);
  g_assert_true (isinf (result.distance[0]));
  result_clear (&result);
}

/* A one-voxel pore 3 voxels from a large one: it is inside the large pore's
 * peak ball and lower than its neighbours there, so it gets no peak; it still
 * becomes its own region instead of joining the other across the wall. */
static void
test_isolated_pore (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (32, 24, 24, 10.0);
  Sphere big = { { 12, 12, 12 }, 9 };
  Result result = { 0 };
  gsize lone = cbd_volume_index (volume, 24, 12, 12);

  carve_sphere (volume, &big);
  volume->labels[lone] = 0;
  run_partition (volume, NULL, &result);
  g_assert_cmpuint (result.summary.n_regions, ==, 2);
  g_assert_cmpuint (result.summary.n_unmarked, ==, 1);
  g_assert_cmpuint (result.regions[lone], ==, 2);
  g_assert_cmpuint (region_at (volume, &result, big.centre), ==, 1);
  result_clear (&result);
}

/* Two pore voxels touching only along an edge: equal peaks, one 26-connected
 * plateau, but two face-separated pores, so two regions. */
static void
test_edge_contact (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (12, 12, 12, 10.0);
  Result result = { 0 };

  volume->labels[cbd_volume_index (volume, 5, 5, 5)] = 0;
  volume->labels[cbd_volume_index (volume, 6, 6, 5)] = 0;
  run_partition (volume, NULL, &result);
  g_assert_cmpuint (result.summary.n_peak_plateaus, ==, 1);
  g_assert_cmpuint (result.summary.n_regions, ==, 2);
  g_assert_cmpuint (result.summary.n_markers, ==, 2);
  g_assert_cmpuint (result.summary.n_split, ==, 1);
  g_assert_cmpuint (result.regions[cbd_volume_index (volume, 5, 5, 5)], ==, 1);
  g_assert_cmpuint (result.regions[cbd_volume_index (volume, 6, 6, 5)], ==, 2);
  result_clear (&result);
}

/* Overlapping random spheres: the same regions with 1, 2 and 3 threads, and
 * a uniformly coarser voxel scales volumes by 8 and diameters by 2 without
 * changing a region. */
static CbdVolume *
random_spheres (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  CbdVolume *volume = new_solid_volume (48, 40, 36, 10.0);

  for (guint i = 0; i < 30; i++)
    {
      Sphere sphere = { { g_rand_double_range (rand, 0, 48), g_rand_double_range (rand, 0, 40),
                          g_rand_double_range (rand, 0, 36) },
                        g_rand_double_range (rand, 2.5, 8.0) };

      carve_sphere (volume, &sphere);
    }
  return volume;
}

static void
test_threads (void)
{
  g_autoptr(CbdVolume) volume = random_spheres (7);
  gsize n = cbd_volume_n_voxels (volume);
  CbdPartitionOptions options;
  Result reference = { 0 };

  cbd_partition_options_init (&options);
  options.n_threads = 1;
  run_partition (volume, &options, &reference);
  g_test_message ("%u regions, %u unmarked", reference.summary.n_regions,
                  reference.summary.n_unmarked);
  g_assert_cmpuint (reference.summary.n_regions, >, 5);
  for (guint threads = 2; threads <= 3; threads++)
    {
      Result result = { 0 };

      options.n_threads = threads;
      run_partition (volume, &options, &result);
      g_assert_cmpmem (result.regions, n * sizeof (guint32), reference.regions, n * sizeof (guint32));
      g_assert_cmpmem (result.distance, n * sizeof (float), reference.distance, n * sizeof (float));
      g_assert_cmpmem (&result.summary, sizeof result.summary,
                       &reference.summary, sizeof reference.summary);
      result_clear (&result);
    }
  result_clear (&reference);
}

static void
test_voxel_scaling (void)
{
  g_autoptr(CbdVolume) fine = random_spheres (11);
  g_autoptr(CbdVolume) coarse = random_spheres (11);
  g_autoptr(CbdRegionTable) fine_table = NULL, coarse_table = NULL;
  gsize n = cbd_volume_n_voxels (fine);
  Result a = { 0 }, b = { 0 };

  for (guint axis = 0; axis < 3; axis++)
    coarse->voxel_nm[axis] = 20.0;
  run_partition (fine, NULL, &a);
  run_partition (coarse, NULL, &b);
  g_assert_cmpuint (a.summary.n_regions, ==, b.summary.n_regions);
  g_assert_cmpmem (a.regions, n * sizeof (guint32), b.regions, n * sizeof (guint32));

  fine_table = measure (fine, &a);
  coarse_table = measure (coarse, &b);
  for (guint32 id = 1; id <= a.summary.n_regions; id++)
    {
      const CbdRegion *r = cbd_region_table_get (fine_table, id);
      const CbdRegion *s = cbd_region_table_get (coarse_table, id);

      g_assert_cmpfloat_with_epsilon (s->volume_nm3, 8 * r->volume_nm3, 1e-9 * s->volume_nm3);
      g_assert_cmpfloat_with_epsilon (s->inscribed_diameter_nm, 2 * r->inscribed_diameter_nm,
                                      1e-5 * s->inscribed_diameter_nm);
      g_assert_cmpfloat_with_epsilon (s->equivalent_diameter_nm, 2 * r->equivalent_diameter_nm,
                                      1e-9 * s->equivalent_diameter_nm);
    }
  result_clear (&a);
  result_clear (&b);
}

/* Bad parameters are errors, not crashes. */
static void
test_bad_options (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (4, 4, 4, 10.0);
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *regions = g_new (guint32, 64);
  CbdPartitionOptions options;
  gboolean phase[256];

  pore_phase (phase);
  cbd_partition_options_init (&options);
  g_assert_cmpfloat (options.sigma, ==, 0.4);
  g_assert_cmpfloat (options.r_max, ==, 4.0);
  options.sigma = -1;
  g_assert_false (cbd_partition_compute (volume, phase, &options, regions, NULL, NULL,
                                         NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_INVALID_ARGUMENT);
}

static void
test_cancelled (void)
{
  g_autoptr(CbdVolume) volume = random_spheres (3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *regions = g_new (guint32, cbd_volume_n_voxels (volume));
  gboolean phase[256];

  pore_phase (phase);
  g_cancellable_cancel (cancellable);
  g_assert_false (cbd_partition_compute (volume, phase, NULL, regions, NULL, NULL,
                                         cancellable, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/partition/two-spheres", test_two_spheres);
  g_test_add_func ("/partition/chain", test_chain);
  g_test_add_func ("/partition/cylinder", test_cylinder);
  g_test_add_func ("/partition/cube", test_cube);
  g_test_add_func ("/partition/empty-and-full", test_empty_and_full);
  g_test_add_func ("/partition/isolated-pore", test_isolated_pore);
  g_test_add_func ("/partition/edge-contact", test_edge_contact);
  g_test_add_func ("/partition/threads", test_threads);
  g_test_add_func ("/partition/voxel-scaling", test_voxel_scaling);
  g_test_add_func ("/partition/bad-options", test_bad_options);
  g_test_add_func ("/partition/cancelled", test_cancelled);
  return g_test_run ();
}
