/* test-porosimetry.c — simulated mercury intrusion and local thickness
 * against brute force, analytic shapes and hand-computed Washburn values
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-porosimetry"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-edt.h"
#include "cbd-porosimetry.h"

#define PORE 0
#define SOLID 1

static void
pore_phase (gboolean phase[256])
{
  for (guint v = 0; v < 256; v++)
    phase[v] = (v == PORE);
}

static CbdVolume *
new_volume (gsize nx, gsize ny, gsize nz, double hx, double hy, double hz, guint8 fill)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  memset (volume->labels, fill, cbd_volume_n_voxels (volume));
  volume->voxel_nm[0] = hx;
  volume->voxel_nm[1] = hy;
  volume->voxel_nm[2] = hz;
  return volume;
}

static void
set_voxel (CbdVolume *volume, gssize x, gssize y, gssize z, guint8 value)
{
  if (x >= 0 && y >= 0 && z >= 0 && (gsize) x < volume->dims[0] && (gsize) y < volume->dims[1]
      && (gsize) z < volume->dims[2])
    volume->labels[cbd_volume_index (volume, x, y, z)] = value;
}

/* Pore with solid spheres of random radii: pores of many sizes, throats,
 * and (with few spheres) unbounded regions near the faces. */
static CbdVolume *
make_packing (gsize nx, gsize ny, gsize nz, const double h[3], guint n_spheres,
              double r_min, double r_max, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  CbdVolume *volume = new_volume (nx, ny, nz, h[0], h[1], h[2], PORE);

  for (guint s = 0; s < n_spheres; s++)
    {
      double cx = g_rand_double_range (rand, -2, nx + 2);
      double cy = g_rand_double_range (rand, -2, ny + 2);
      double cz = g_rand_double_range (rand, -2, nz + 2);
      double r = g_rand_double_range (rand, r_min, r_max);

      for (gsize z = 0; z < nz; z++)
        for (gsize y = 0; y < ny; y++)
          for (gsize x = 0; x < nx; x++)
            {
              double dx = x - cx, dy = y - cy, dz = z - cz;

              if (dx * dx + dy * dy + dz * dz <= r * r)
                volume->labels[cbd_volume_index (volume, x, y, z)] = SOLID;
            }
    }
  return volume;
}

/* ------------------------------------------------------------------------ */
/* Brute force, straight from the definitions in the header                 */

static double
h_min_of (const CbdVolume *volume)
{
  return MIN (volume->voxel_nm[0], MIN (volume->voxel_nm[1], volume->voxel_nm[2]));
}

/* Distance from each pore voxel centre to the nearest solid voxel centre or
 * to the outside layer of a sealed face. */
static double *
brute_distance (const CbdVolume *volume, CbdFaces inlets, gsize window)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  const double *h = volume->voxel_nm;
  double *distance = g_new (double, nx * ny * nz);

  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          gsize i = cbd_volume_index (volume, x, y, z);
          double best = INFINITY;

          if (volume->labels[i] != PORE)
            {
              distance[i] = 0;
              continue;
            }
          /* With a window, only solid within that many voxels is looked at
           * (the caller knows the nearest solid is that close). */
          gsize z_lo = window > 0 && z > window ? z - window : 0;
          gsize y_lo = window > 0 && y > window ? y - window : 0;
          gsize x_lo = window > 0 && x > window ? x - window : 0;
          gsize z_end = window > 0 ? MIN (nz, z + window + 1) : nz;
          gsize y_end = window > 0 ? MIN (ny, y + window + 1) : ny;
          gsize x_end = window > 0 ? MIN (nx, x + window + 1) : nx;

          for (gsize bz = z_lo; bz < z_end; bz++)
            for (gsize by = y_lo; by < y_end; by++)
              for (gsize bx = x_lo; bx < x_end; bx++)
                if (volume->labels[cbd_volume_index (volume, bx, by, bz)] != PORE)
                  {
                    double dx = ((double) bx - x) * h[0], dy = ((double) by - y) * h[1];
                    double dz = ((double) bz - z) * h[2];

                    best = MIN (best, sqrt (dx * dx + dy * dy + dz * dz));
                  }
          if (!(inlets & CBD_FACE_X_MIN)) best = MIN (best, (x + 1) * h[0]);
          if (!(inlets & CBD_FACE_X_MAX)) best = MIN (best, (nx - x) * h[0]);
          if (!(inlets & CBD_FACE_Y_MIN)) best = MIN (best, (y + 1) * h[1]);
          if (!(inlets & CBD_FACE_Y_MAX)) best = MIN (best, (ny - y) * h[1]);
          if (!(inlets & CBD_FACE_Z_MIN)) best = MIN (best, (z + 1) * h[2]);
          if (!(inlets & CBD_FACE_Z_MAX)) best = MIN (best, (nz - z) * h[2]);
          distance[i] = best;
        }
  return distance;
}

static gboolean
on_inlet (const CbdVolume *volume, CbdFaces inlets, gsize x, gsize y, gsize z)
{
  return ((inlets & CBD_FACE_X_MIN) && x == 0) || ((inlets & CBD_FACE_X_MAX) && x + 1 == volume->dims[0])
         || ((inlets & CBD_FACE_Y_MIN) && y == 0) || ((inlets & CBD_FACE_Y_MAX) && y + 1 == volume->dims[1])
         || ((inlets & CBD_FACE_Z_MIN) && z == 0) || ((inlets & CBD_FACE_Z_MAX) && z + 1 == volume->dims[2]);
}

/* The largest sphere radius that reaches each voxel's centre from an inlet:
 * relaxation until nothing changes (Bellman-Ford on the bottleneck). */
static double *
brute_access (const CbdVolume *volume, CbdFaces inlets, const double *distance)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  double *access = g_new0 (double, nx * ny * nz);
  gboolean changed = TRUE;

  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          gsize i = cbd_volume_index (volume, x, y, z);

          if (volume->labels[i] == PORE && on_inlet (volume, inlets, x, y, z))
            access[i] = distance[i];
        }
  while (changed)
    {
      changed = FALSE;
      for (gsize z = 0; z < nz; z++)
        for (gsize y = 0; y < ny; y++)
          for (gsize x = 0; x < nx; x++)
            {
              gsize i = cbd_volume_index (volume, x, y, z);
              const gssize steps[6][3] = { { 1, 0, 0 }, { -1, 0, 0 }, { 0, 1, 0 },
                                           { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, -1 } };

              if (access[i] <= 0)
                continue;
              for (guint s = 0; s < 6; s++)
                {
                  gssize ox = x + steps[s][0], oy = y + steps[s][1], oz = z + steps[s][2];
                  gsize j;
                  double candidate;

                  if (ox < 0 || oy < 0 || oz < 0 || ox >= (gssize) nx || oy >= (gssize) ny
                      || oz >= (gssize) nz)
                    continue;
                  j = cbd_volume_index (volume, ox, oy, oz);
                  if (volume->labels[j] != PORE)
                    continue;
                  candidate = MIN (access[i], distance[j]);
                  if (candidate > access[j])
                    {
                      access[j] = candidate;
                      changed = TRUE;
                    }
                }
            }
    }
  return access;
}

/* Diameter 2 R - h of the largest ball of @radius covering each voxel: a
 * ball of radius r at c covers v when |v - c|^2 < r^2 (1 - 1e-6). */
static double *
brute_max_ball (const CbdVolume *volume, const double *radius)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gsize n = nx * ny * nz;
  const double *h = volume->voxel_nm;
  double *diameter = g_new0 (double, n);

  for (gsize cz = 0; cz < nz; cz++)
    for (gsize cy = 0; cy < ny; cy++)
      for (gsize cx = 0; cx < nx; cx++)
        {
          gsize c = cbd_volume_index (volume, cx, cy, cz);
          double r = radius[c], s = r * r * (1 - 1e-6);
          gsize reach[3];

          if (!(r > 0))
            continue;
          /* Only a bounding box of the ball can be covered (the whole
           * volume for an unbounded one). */
          for (guint axis = 0; axis < 3; axis++)
            reach[axis] = isfinite (r) ? (gsize) (r / h[axis]) + 1 : volume->dims[axis];
          for (gsize z = cz > reach[2] ? cz - reach[2] : 0; z < MIN (nz, cz + reach[2] + 1); z++)
            for (gsize y = cy > reach[1] ? cy - reach[1] : 0; y < MIN (ny, cy + reach[1] + 1); y++)
              for (gsize x = cx > reach[0] ? cx - reach[0] : 0; x < MIN (nx, cx + reach[0] + 1); x++)
                {
                  double dx = ((double) x - cx) * h[0], dy = ((double) y - cy) * h[1];
                  double dz = ((double) z - cz) * h[2];
                  gsize i = cbd_volume_index (volume, x, y, z);

                  if ((i == c || dx * dx + dy * dy + dz * dz < s) && r > diameter[i])
                    diameter[i] = r;
                }
        }
  for (gsize i = 0; i < n; i++)
    if (diameter[i] > 0)
      diameter[i] = 2 * diameter[i] - h_min_of (volume);
  return diameter;
}

static void
compute_maps (const CbdVolume *volume, CbdFaces inlets, guint n_threads,
              float **intrusion, float **thickness)
{
  g_autoptr(GError) error = NULL;
  CbdPorosimetryOptions options;
  gboolean phase[256];
  gsize n = cbd_volume_n_voxels (volume);

  pore_phase (phase);
  cbd_porosimetry_options_init (&options);
  options.inlets = inlets;
  options.n_threads = n_threads;
  *intrusion = g_new (float, n);
  *thickness = g_new (float, n);
  g_assert_true (cbd_porosimetry_maps (volume, phase, &options, *intrusion, *thickness,
                                       NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_close_map (const CbdVolume *volume, const float *got, const double *expected, const char *what)
{
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      if (isinf (expected[i]))
        {
          if (!(isinf (got[i]) && got[i] > 0))
            g_error ("%s at %zu: %.9g, expected +inf", what, i, got[i]);
          continue;
        }
      if (fabs (got[i] - expected[i]) > 1e-5 * MAX (expected[i], 1.0))
        g_error ("%s at voxel %zu (%zu, %zu, %zu): %.9g nm, brute force %.9g nm", what, i,
                 i % volume->dims[0], (i / volume->dims[0]) % volume->dims[1],
                 i / (volume->dims[0] * volume->dims[1]), got[i], expected[i]);
    }
}

static void
check_against_brute_force (const CbdVolume *volume, CbdFaces inlets, guint n_threads)
{
  g_autofree double *distance = brute_distance (volume, inlets, 0);
  g_autofree double *access = brute_access (volume, inlets, distance);
  g_autofree double *expected_intrusion = brute_max_ball (volume, access);
  g_autofree double *expected_thickness = brute_max_ball (volume, distance);
  g_autofree float *intrusion = NULL, *thickness = NULL;

  compute_maps (volume, inlets, n_threads, &intrusion, &thickness);
  assert_close_map (volume, intrusion, expected_intrusion, "intrusion diameter");
  assert_close_map (volume, thickness, expected_thickness, "local thickness");
}

/* Random packings of solid spheres (big radii exercise the pruning of
 * balls), cubic and anisotropic voxels, several inlet sets. */
static void
test_brute_force (void)
{
  const double spacings[3][3] = { { 10, 10, 10 }, { 10, 12, 20 }, { 7, 7, 5 } };
  const CbdFaces inlet_sets[] = { CBD_FACES_ALL, CBD_FACE_X_MIN, CBD_FACE_Y_MAX | CBD_FACE_Z_MIN,
                                  CBD_FACES_NONE };

  for (guint s = 0; s < G_N_ELEMENTS (spacings); s++)
    for (guint32 seed = 1; seed <= 4; seed++)
      {
        g_autoptr(CbdVolume) volume = make_packing (21, 18, 15, spacings[s], 5 + 3 * seed,
                                                    2.0, 7.0, seed * 101 + s);

        for (guint f = seed % 2; f < G_N_ELEMENTS (inlet_sets); f += 2)
          check_against_brute_force (volume, inlet_sets[f], 1 + (seed + f) % 3);
      }

  /* Lines, planes and single voxels. */
  {
    const gsize shapes[][3] = { { 1, 1, 1 }, { 9, 1, 1 }, { 1, 12, 1 }, { 1, 1, 10 },
                                { 13, 11, 1 }, { 1, 9, 14 }, { 2, 2, 2 } };

    for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
      for (guint32 seed = 1; seed <= 2; seed++)
        {
          g_autoptr(CbdVolume) volume = make_packing (shapes[k][0], shapes[k][1], shapes[k][2],
                                                      spacings[seed], 2, 1.0, 3.0, seed + 7 * k);

          check_against_brute_force (volume, inlet_sets[(k + seed) % G_N_ELEMENTS (inlet_sets)], 2);
        }
  }
}

/* Large round pores (balls of 12+ voxels are pruned against the ball at
 * the top of a climb): the library's own distance map, checked against brute
 * force elsewhere, feeds brute-force access and max-ball here. */
static void
test_large_balls (void)
{
  const double spacings[2][3] = { { 10, 10, 10 }, { 10, 10, 12 } };
  const CbdFaces inlets[2] = { CBD_FACES_ALL, CBD_FACE_X_MIN | CBD_FACE_Y_MAX };

  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(CbdVolume) volume = new_volume (48, 44, 42, spacings[k][0], spacings[k][1],
                                                spacings[k][2], SOLID);
      g_autoptr(GRand) rand = g_rand_new_with_seed (17 + k);
      g_autoptr(GError) error = NULL;
      const double centres[3][4] = { { 20, 21, 20, 18.6 }, { 38, 21, 22, 10.6 }, { 40, 6, 5, 6.4 } };
      gsize n = cbd_volume_n_voxels (volume);
      g_autofree float *edt = g_new (float, n);
      g_autofree double *distance = g_new (double, n);
      g_autofree double *access = NULL, *expected_intrusion = NULL, *expected_thickness = NULL;
      g_autofree float *intrusion = NULL, *thickness = NULL;
      gboolean phase[256];

      for (gsize z = 0; z < 42; z++)
        for (gsize y = 0; y < 44; y++)
          for (gsize x = 0; x < 48; x++)
            for (guint c = 0; c < 3; c++)
              {
                double dx = x - centres[c][0], dy = y - centres[c][1], dz = z - centres[c][2];

                if (dx * dx + dy * dy + dz * dz <= centres[c][3] * centres[c][3])
                  set_voxel (volume, x, y, z, PORE);
              }
      /* A channel to the x- face, solid specks near the rims of the pores. */
      for (gsize x = 0; x < 20; x++)
        for (gsize y = 20; y <= 22; y++)
          set_voxel (volume, x, y, 20, PORE);
      set_voxel (volume, 28, 32, 30, SOLID);
      set_voxel (volume, 42, 21, 26, SOLID);
      set_voxel (volume, 8, 14 + g_rand_int_range (rand, 0, 4), 12, SOLID);

      pore_phase (phase);
      g_assert_true (cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, 1, edt, NULL, &error));
      g_assert_no_error (error);
      for (gsize z = 0; z < 42; z++)
        for (gsize y = 0; y < 44; y++)
          for (gsize x = 0; x < 48; x++)
            {
              gsize i = cbd_volume_index (volume, x, y, z);
              const double *h = volume->voxel_nm;
              double d = edt[i];

              if (volume->labels[i] != PORE)
                {
                  distance[i] = 0;
                  continue;
                }
              if (!(inlets[k] & CBD_FACE_X_MIN)) d = MIN (d, (x + 1) * h[0]);
              if (!(inlets[k] & CBD_FACE_X_MAX)) d = MIN (d, (48 - x) * h[0]);
              if (!(inlets[k] & CBD_FACE_Y_MIN)) d = MIN (d, (y + 1) * h[1]);
              if (!(inlets[k] & CBD_FACE_Y_MAX)) d = MIN (d, (44 - y) * h[1]);
              if (!(inlets[k] & CBD_FACE_Z_MIN)) d = MIN (d, (z + 1) * h[2]);
              if (!(inlets[k] & CBD_FACE_Z_MAX)) d = MIN (d, (42 - z) * h[2]);
              distance[i] = (float) d;
            }
      access = brute_access (volume, inlets[k], distance);
      expected_intrusion = brute_max_ball (volume, access);
      expected_thickness = brute_max_ball (volume, distance);
      compute_maps (volume, inlets[k], 2, &intrusion, &thickness);
      assert_close_map (volume, intrusion, expected_intrusion, "intrusion diameter");
      assert_close_map (volume, thickness, expected_thickness, "local thickness");
      /* The big pore holds its own largest ball. */
      g_assert_cmpfloat (thickness[cbd_volume_index (volume, 20, 21, 20)], >, 300);
    }
}

/* ------------------------------------------------------------------------ */
/* Shapes with known answers                                                */

/* Brute force: twice the distance from (cx, cy) to the nearest solid voxel
 * centre of a z plane, minus one voxel. */
static double
plane_inscribed_diameter (const CbdVolume *volume, gsize cx, gsize cy, gsize z)
{
  double best = INFINITY;
  double h = volume->voxel_nm[0];

  for (gsize y = 0; y < volume->dims[1]; y++)
    for (gsize x = 0; x < volume->dims[0]; x++)
      if (cbd_volume_get (volume, x, y, z) != PORE)
        best = MIN (best, h * hypot ((double) x - cx, (double) y - cy));
  return 2 * best - h;
}

static CbdVolume *
make_cylinder (gsize n, gsize length, double diameter_voxels)
{
  CbdVolume *volume = new_volume (n, n, length, 10, 10, 10, SOLID);
  double c = (n - 1) / 2.0, r2 = diameter_voxels * diameter_voxels / 4;

  for (gsize z = 0; z < length; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        if ((x - c) * (x - c) + (y - c) * (y - c) <= r2)
          set_voxel (volume, x, y, z, PORE);
  return volume;
}

/* A straight pore of diameter D (voxel centres within D/2 of the axis)
 * through the volume: nothing enters above its inscribed diameter, all of
 * it at and below. */
static void
test_cylinder (void)
{
  const double diameters[] = { 9, 7, 11, 15 };

  for (guint k = 0; k < G_N_ELEMENTS (diameters); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdVolume) volume = make_cylinder (21, 24, diameters[k]);
      g_autofree float *intrusion = NULL, *thickness = NULL;
      double nominal = diameters[k] * 10;
      double inscribed = plane_inscribed_diameter (volume, 10, 10, 5);
      double list[] = { inscribed + 12, inscribed + 1, inscribed, inscribed - 1, inscribed - 12 };
      g_autoptr(CbdPsd) psd = NULL;
      gboolean phase[256];

      /* The digitised pore is at most one voxel narrower than nominal, and
       * exact for D = 9 (no lattice point between radius 4.5 and 5). */
      g_assert_cmpfloat (inscribed, <=, nominal + 1e-9);
      g_assert_cmpfloat (inscribed, >, nominal - 10);
      if (diameters[k] == 9)
        g_assert_cmpfloat_with_epsilon (inscribed, 90.0, 1e-9);

      compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        if (volume->labels[i] == PORE)
          {
            g_assert_cmpfloat_with_epsilon (intrusion[i], inscribed, 1e-4);
            g_assert_cmpfloat_with_epsilon (thickness[i], inscribed, 1e-4);
          }
        else
          g_assert_cmpfloat (intrusion[i], ==, 0);

      pore_phase (phase);
      psd = cbd_psd_compute (volume, phase, NULL, list, G_N_ELEMENTS (list), NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (psd->intruded_fraction[0], ==, 0);
      g_assert_cmpfloat (psd->intruded_fraction[1], ==, 0);
      g_assert_cmpfloat (psd->intruded_fraction[2], ==, 1);
      g_assert_cmpfloat (psd->intruded_fraction[4], ==, 1);
      g_assert_cmpfloat_with_epsilon (psd->intruded_volume_fraction[2], psd->porosity, 1e-15);
      /* The step lies exactly at the Washburn pressure of the pore. */
      g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[2],
                                      cbd_washburn_pressure_mpa (inscribed, 0.48, 140), 1e-12);
      if (diameters[k] == 9)
        g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[2], 16.342281, 1e-5);
    }
}

/* Inlets: the pore along z only touches the z faces. */
static void
test_cylinder_inlets (void)
{
  g_autoptr(CbdVolume) volume = make_cylinder (21, 24, 9);
  const CbdFaces sealed[] = { CBD_FACE_X_MIN | CBD_FACE_X_MAX | CBD_FACE_Y_MIN, CBD_FACES_NONE };
  const CbdFaces open[] = { CBD_FACE_Z_MIN, CBD_FACE_Z_MAX, CBD_FACES_ALL };

  for (guint k = 0; k < G_N_ELEMENTS (sealed); k++)
    {
      g_autofree float *intrusion = NULL, *thickness = NULL;

      compute_maps (volume, sealed[k], 1, &intrusion, &thickness);
      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        g_assert_cmpfloat (intrusion[i], ==, 0);
    }
  for (guint k = 0; k < G_N_ELEMENTS (open); k++)
    {
      g_autofree float *intrusion = NULL, *thickness = NULL;

      compute_maps (volume, open[k], 1, &intrusion, &thickness);
      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        if (volume->labels[i] == PORE)
          {
            gsize z = i / (21 * 21);
            /* Near a sealed end the rim is only reached by smaller spheres
             * (the wall stops the one on the axis); elsewhere all at 90 nm. */
            gboolean near_sealed = (!(open[k] & CBD_FACE_Z_MIN) && z < 5)
                                   || (!(open[k] & CBD_FACE_Z_MAX) && z + 5 >= 24);

            g_assert_cmpfloat (intrusion[i], >, 0);
            g_assert_cmpfloat (intrusion[i], <=, 90.0 + 1e-4);
            if (!near_sealed)
              g_assert_cmpfloat_with_epsilon (intrusion[i], 90.0, 1e-4);
          }
    }
}

/* A spherical cavity of diameter 21 voxels reachable only through a throat
 * of 3 x 3 voxels from the x- face, and the same cavity sealed. */
static CbdVolume *
make_ink_bottle (gboolean with_throat, const double centre[3], double radius)
{
  CbdVolume *volume = new_volume (40, 40, 40, 10, 10, 10, SOLID);

  for (gsize z = 0; z < 40; z++)
    for (gsize y = 0; y < 40; y++)
      for (gsize x = 0; x < 40; x++)
        {
          double dx = x - centre[0], dy = y - centre[1], dz = z - centre[2];

          if (dx * dx + dy * dy + dz * dz <= radius * radius)
            set_voxel (volume, x, y, z, PORE);
          if (with_throat && x <= centre[0] && fabs (dy) <= 1 && fabs (dz) <= 1)
            set_voxel (volume, x, y, z, PORE);
        }
  return volume;
}

static gboolean
in_cavity (gsize x, gsize y, gsize z, const double centre[3], double radius)
{
  double dx = x - centre[0], dy = y - centre[1], dz = z - centre[2];

  return dx * dx + dy * dy + dz * dz <= radius * radius;
}

/* Local thickness by brute force; no pore voxel lies more than 12 voxels
 * from solid. */
static double *
cavity_thickness (const CbdVolume *volume)
{
  g_autofree double *distance = brute_distance (volume, CBD_FACES_ALL, 12);

  return brute_max_ball (volume, distance);
}

static void
test_ink_bottle (void)
{
  const double centre[3] = { 26, 20, 20 };
  const double radius = 10.5;
  g_autoptr(CbdVolume) volume = make_ink_bottle (TRUE, centre, radius);
  g_autofree float *intrusion = NULL, *thickness = NULL;
  g_autofree double *expected_thickness = cavity_thickness (volume);
  double throat = 30.0;  /* 3 x 3 voxels: nearest solid 2 voxels from the axis, 2*20 - 10 nm */
  double cavity = 2 * 10 * sqrt (113.0) - 10;  /* 113: the first sum of three squares above 10.5^2 */
  double list[] = { 250, cavity, 150, 60, 40, throat, 20, 10 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  gboolean phase[256];
  gsize n_cavity = 0;

  compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
  for (gsize z = 0; z < 40; z++)
    for (gsize y = 0; y < 40; y++)
      for (gsize x = 0; x < 40; x++)
        {
          gsize i = cbd_volume_index (volume, x, y, z);

          if (volume->labels[i] != PORE)
            continue;
          /* Everything, cavity included, fills at the throat's diameter. */
          g_assert_cmpfloat_with_epsilon (intrusion[i], throat, 1e-4);
          if (in_cavity (x, y, z, centre, radius))
            {
              /* ... while local thickness gives the cavity its own size. */
              g_assert_cmpfloat_with_epsilon (thickness[i], expected_thickness[i], 1e-3);
              g_assert_cmpfloat_with_epsilon (thickness[i], cavity, 1e-3);
              n_cavity++;
            }
        }
  g_assert_cmpuint (n_cavity, >, 4000);

  pore_phase (phase);
  psd = cbd_psd_compute (volume, phase, NULL, list, G_N_ELEMENTS (list), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < 5; k++)
    g_assert_cmpfloat (psd->intruded_fraction[k], ==, 0);
  g_assert_cmpfloat (psd->intruded_fraction[5], ==, 1);
  /* The cavity's voxels are counted at its own diameter by local thickness. */
  g_assert_cmpfloat (psd->local_thickness_cumulative[1], >=, (double) n_cavity / psd->n_pore_voxels);
  g_assert_cmpfloat (psd->local_thickness_cumulative[0], ==, 0);
  /* Washburn: the cavity fills at 49.03 MPa, not at its own 7.26 MPa. */
  g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[5], 49.026844, 1e-5);
  g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[1], 4 * 0.48 * cos (40 * G_PI / 180) / cavity * 1e3, 1e-9);
}

static void
test_closed_cavity (void)
{
  const double centre[3] = { 20, 20, 20 };
  g_autoptr(CbdVolume) volume = make_ink_bottle (FALSE, centre, 10.5);
  g_autofree float *intrusion = NULL, *thickness = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  gboolean phase[256];

  compute_maps (volume, CBD_FACES_ALL, 3, &intrusion, &thickness);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      g_assert_cmpfloat (intrusion[i], ==, 0);
      if (volume->labels[i] == PORE)
        g_assert_cmpfloat (thickness[i], >, 0);
    }

  /* With a straight pore next to it: only the pore fills. */
  for (gsize z = 0; z < 40; z++)
    for (gsize y = 2; y <= 4; y++)
      for (gsize x = 2; x <= 4; x++)
        set_voxel (volume, x, y, z, PORE);
  pore_phase (phase);
  psd = cbd_psd_compute (volume, phase, NULL, NULL, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (psd->n_reachable_voxels, ==, 9 * 40);
  g_assert_cmpfloat_with_epsilon (psd->intruded_fraction[psd->n_diameters - 1],
                                  9 * 40.0 / psd->n_pore_voxels, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->local_thickness_cumulative[psd->n_diameters - 1], 1.0, 1e-15);
}

/* All pore. Open faces: nothing bounds a sphere. One inlet, five sealed
 * faces: the largest ball spans the 15-voxel block. */
static void
test_full_block (void)
{
  g_autoptr(CbdVolume) volume = new_volume (15, 15, 15, 10, 10, 10, PORE);
  g_autofree float *intrusion = NULL, *thickness = NULL;
  g_autofree float *intrusion_one = NULL, *thickness_one = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  gboolean phase[256];
  float largest = 0;

  compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    g_assert_true (isinf (intrusion[i]) && isinf (thickness[i]));

  pore_phase (phase);
  psd = cbd_psd_compute (volume, phase, NULL, NULL, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (psd->diameter_nm[0], ==, 150.0);
  g_assert_cmpfloat (psd->diameter_nm[psd->n_diameters - 1], ==, 10.0);
  for (gsize k = 0; k < psd->n_diameters; k++)
    g_assert_cmpfloat (psd->intruded_fraction[k], ==, 1.0);
  g_assert_cmpfloat (psd->local_thickness_fraction[0], ==, 1.0);

  compute_maps (volume, CBD_FACE_X_MIN, 2, &intrusion_one, &thickness_one);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    {
      g_assert_true (isfinite (thickness_one[i]));
      /* From the one open face every ball that fits is reachable. */
      g_assert_cmpfloat (intrusion_one[i], ==, thickness_one[i]);
      largest = MAX (largest, thickness_one[i]);
    }
  g_assert_cmpfloat_with_epsilon (largest, 150.0, 1e-4);
  g_assert_cmpfloat_with_epsilon (thickness_one[cbd_volume_index (volume, 3, 7, 7)], 150.0, 1e-4);
}

/* A slab of T voxels between two solid layers: local thickness T h in every
 * slab voxel for odd T; even T loses one voxel (balls sit on voxel centres). */
static void
test_slab (void)
{
  const gsize widths[] = { 7, 1, 3, 6, 13 };
  const double spacings[2][3] = { { 10, 10, 10 }, { 10, 12, 20 } };

  for (guint s = 0; s < G_N_ELEMENTS (spacings); s++)
    for (guint k = 0; k < G_N_ELEMENTS (widths); k++)
      {
        gsize width = widths[k];
        g_autoptr(CbdVolume) volume = new_volume (width + 12, 12, 10, spacings[s][0],
                                                  spacings[s][1], spacings[s][2], SOLID);
        g_autofree float *intrusion = NULL, *thickness = NULL;
        double expected = (width % 2 == 1 ? width : width - 1) * spacings[s][0];

        for (gsize z = 0; z < 10; z++)
          for (gsize y = 0; y < 12; y++)
            for (gsize x = 6; x < 6 + width; x++)
              set_voxel (volume, x, y, z, PORE);
        compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
        for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
          if (volume->labels[i] == PORE)
            {
              g_assert_cmpfloat_with_epsilon (thickness[i], expected, 1e-4);
              g_assert_cmpfloat_with_epsilon (intrusion[i], expected, 1e-4);
            }
      }
}

/* The default diameters at another density: a 13-voxel slab at 10 nm has
 * local thickness 130 nm, so 10 per decade from 130 down to 10 nm is
 * ceil (10 log10 13) = 12 steps of 13^(1/12) each. A density of 0 is
 * refused when the default list is asked for, before any map is made. */
static void
test_points_per_decade (void)
{
  g_autoptr(CbdVolume) volume = new_volume (25, 12, 10, 10, 10, 10, SOLID);
  g_autofree float *intrusion = NULL, *thickness = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  g_autoptr(CbdPsd) given = NULL;
  CbdPorosimetryOptions options;
  gboolean phase[256];

  for (gsize z = 0; z < 10; z++)
    for (gsize y = 0; y < 12; y++)
      for (gsize x = 6; x < 19; x++)
        set_voxel (volume, x, y, z, PORE);
  pore_phase (phase);
  compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
  cbd_porosimetry_options_init (&options);
  g_assert_cmpuint (options.points_per_decade, ==, 40);

  options.points_per_decade = 10;
  psd = cbd_psd_new_from_maps (volume, phase, &options, intrusion, thickness, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (psd->n_diameters, ==, 13);
  g_assert_cmpfloat_with_epsilon (psd->diameter_nm[0], 130.0, 1e-4);
  g_assert_cmpfloat (psd->diameter_nm[12], ==, 10.0);
  for (gsize k = 1; k < psd->n_diameters; k++)
    g_assert_cmpfloat_with_epsilon (psd->diameter_nm[k - 1] / psd->diameter_nm[k],
                                    pow (psd->diameter_nm[0] / 10.0, 1.0 / 12), 1e-12);
  /* every slab voxel has the full thickness: all of it in row 0 */
  g_assert_cmpfloat (psd->local_thickness_cumulative[0], ==, 1.0);

  options.points_per_decade = 0;
  g_assert_null (cbd_psd_new_from_maps (volume, phase, &options, intrusion, thickness, NULL, 0,
                                        &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "per decade"));
  g_clear_error (&error);
  g_assert_null (cbd_psd_compute (volume, phase, &options, NULL, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* a given list needs no density */
  given = cbd_psd_new_from_maps (volume, phase, &options, intrusion, thickness,
                                 (double[]) { 100, 10 }, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (given->n_diameters, ==, 2);
}

/* ------------------------------------------------------------------------ */
/* Curves, threads, Washburn, output                                        */

static void
test_monotone_and_bounded (void)
{
  const double h[3] = { 10, 10, 10 };
  g_autoptr(CbdVolume) volume = make_packing (48, 44, 40, h, 40, 3.0, 12.0, 7);
  g_autofree float *intrusion = NULL, *thickness = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  gboolean phase[256];
  double sum = 0;

  compute_maps (volume, CBD_FACES_ALL, 2, &intrusion, &thickness);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    /* A sphere that reaches a voxel also fits there. */
    g_assert_cmpfloat (intrusion[i], <=, thickness[i]);

  pore_phase (phase);
  psd = cbd_psd_new_from_maps (volume, phase, NULL, intrusion, thickness, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (psd->n_diameters, >, 20);
  g_assert_cmpfloat (psd->diameter_nm[0], ==, psd->max_local_thickness_nm);
  for (gsize k = 1; k < psd->n_diameters; k++)
    {
      double ratio = psd->diameter_nm[k - 1] / psd->diameter_nm[k];

      g_assert_cmpfloat (psd->intruded_fraction[k], >=, psd->intruded_fraction[k - 1]);
      g_assert_cmpfloat (psd->local_thickness_cumulative[k], >=, psd->local_thickness_cumulative[k - 1]);
      g_assert_cmpfloat (psd->dv_dlogd[k], >=, 0);
      g_assert_cmpfloat (psd->pressure_mpa[k], >, psd->pressure_mpa[k - 1]);
      /* 40 points per decade */
      g_assert_cmpfloat (fabs (log10 (ratio) - 1.0 / 40), <, 0.1 / 40);
      g_assert_cmpfloat (psd->intruded_fraction[k], <=, psd->local_thickness_cumulative[k]);
      sum += psd->dv_dlogd[k] * log10 (ratio);
    }
  g_assert_true (isnan (psd->dv_dlogd[0]));
  /* dV/dlogD integrates back to the cumulative curve. */
  g_assert_cmpfloat_with_epsilon (sum + psd->intruded_fraction[0],
                                  psd->intruded_fraction[psd->n_diameters - 1], 1e-12);
  g_assert_cmpfloat_with_epsilon (psd->local_thickness_cumulative[psd->n_diameters - 1], 1.0, 1e-12);
  g_assert_cmpfloat (psd->intruded_fraction[psd->n_diameters - 1], >, 0.9);
  g_assert_cmpfloat (psd->intruded_fraction[0], <, 0.1);
}

static void
test_threads (void)
{
  const double h[3] = { 10, 11, 13 };
  g_autoptr(CbdVolume) volume = make_packing (64, 60, 56, h, 60, 3.0, 14.0, 11);
  g_autofree float *intrusion_1 = NULL, *thickness_1 = NULL;
  gsize bytes = cbd_volume_n_voxels (volume) * sizeof (float);

  compute_maps (volume, CBD_FACE_X_MIN | CBD_FACE_Z_MAX, 1, &intrusion_1, &thickness_1);
  for (guint threads = 2; threads <= 5; threads += 3)
    {
      g_autofree float *intrusion = NULL, *thickness = NULL;

      compute_maps (volume, CBD_FACE_X_MIN | CBD_FACE_Z_MAX, threads, &intrusion, &thickness);
      g_assert_true (memcmp (intrusion, intrusion_1, bytes) == 0);
      g_assert_true (memcmp (thickness, thickness_1, bytes) == 0);
    }
}

static void
test_washburn (void)
{
  /* 4 * 0.48 N/m * cos(40°) / 100 nm = 1.470805e7 Pa */
  g_assert_cmpfloat_with_epsilon (cbd_washburn_pressure_mpa (100, 0.48, 140), 14.708053, 1e-6);
  g_assert_cmpfloat_with_epsilon (cbd_washburn_pressure_mpa (100, 0.48, 140) * CBD_PSI_PER_MPA,
                                  2133.2228, 1e-3);
  /* 4 * 0.485 * cos(50°) / 100 nm */
  g_assert_cmpfloat_with_epsilon (cbd_washburn_pressure_mpa (100, 0.485, 130), 12.470080, 1e-6);
  g_assert_cmpfloat_with_epsilon (cbd_washburn_diameter_nm (14.708053307884374, 0.48, 140), 100.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (cbd_washburn_pressure_mpa (1000, 0.48, 180), 1.92, 1e-12);
}

static void
test_options (void)
{
  g_autoptr(CbdVolume) volume = make_cylinder (9, 4, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree float *map = g_new (float, cbd_volume_n_voxels (volume));
  CbdPorosimetryOptions options;
  gboolean phase[256];
  CbdFaces faces;
  double decreasing_not[] = { 50, 60 };
  g_autofree char *text = NULL;
  g_autoptr(CbdPsd) psd = NULL;

  pore_phase (phase);
  cbd_porosimetry_options_init (&options);
  g_assert_cmpint (options.inlets, ==, CBD_FACES_ALL);
  g_assert_cmpfloat (options.surface_tension_n_per_m, ==, 0.48);
  g_assert_cmpfloat (options.contact_angle_deg, ==, 140);

  options.contact_angle_deg = 80;
  g_assert_false (cbd_porosimetry_maps (volume, phase, &options, map, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (cbd_psd_compute (volume, phase, NULL, decreasing_not, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_false (cbd_porosimetry_maps (volume, phase, NULL, map, NULL, cancellable, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (cbd_faces_parse ("x-, z", &faces, &error));
  g_assert_cmpint (faces, ==, CBD_FACE_X_MIN | CBD_FACE_Z_MIN | CBD_FACE_Z_MAX);
  text = cbd_faces_to_string (faces);
  g_assert_cmpstr (text, ==, "x-,z-,z+");
  g_assert_true (cbd_faces_parse ("all", &faces, &error));
  g_assert_cmpint (faces, ==, CBD_FACES_ALL);
  g_assert_false (cbd_faces_parse ("w+", &faces, &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* One diameter: a valid, if short, distribution. */
  psd = cbd_psd_compute (volume, phase, NULL, (double[]) { 10 }, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (psd->intruded_fraction[0], ==, 1.0);
}

static void
test_log_diameters (void)
{
  gsize n;
  g_autofree double *d = cbd_porosimetry_log_diameters (1000, 10, 40, &n);
  g_autofree double *one = NULL;

  g_assert_cmpuint (n, ==, 81);
  g_assert_cmpfloat (d[0], ==, 1000);
  g_assert_cmpfloat (d[80], ==, 10);
  g_assert_cmpfloat_with_epsilon (d[40], 100, 1e-9);
  one = cbd_porosimetry_log_diameters (10, 10, 40, &n);
  g_assert_cmpuint (n, ==, 1);
}

/* A distribution from hand-made counts: 50 pore voxels of 200, 10 / 30 / 40
 * intruded at 100 / 50 / 25 nm, 20 / 35 / 50 with a local thickness at
 * least that. */
static void
test_from_counts (void)
{
  const double diameters[] = { 100, 50, 25 };
  const guint64 intruded[] = { 10, 30, 40 };
  const guint64 thickness[] = { 20, 35, 50 };
  const double halving = log10 (2.0);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd = cbd_psd_new_from_counts (diameters, 3, intruded, thickness, 50, 200,
                                                   NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (psd->n_diameters, ==, 3);
  g_assert_cmpfloat (psd->porosity, ==, 0.25);
  g_assert_cmpfloat_with_epsilon (psd->intruded_fraction[0], 0.2, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->intruded_fraction[1], 0.6, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->intruded_fraction[2], 0.8, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->intruded_volume_fraction[2], 0.2, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->intruded_increment[1], 0.4, 1e-15);
  g_assert_true (isnan (psd->dv_dlogd[0]));
  g_assert_cmpfloat_with_epsilon (psd->dv_dlogd[1], 0.4 / halving, 1e-12);
  g_assert_cmpfloat_with_epsilon (psd->dv_dlogd[2], 0.2 / halving, 1e-12);
  g_assert_cmpfloat_with_epsilon (psd->local_thickness_cumulative[1], 0.7, 1e-15);
  g_assert_cmpfloat_with_epsilon (psd->local_thickness_fraction[2], 0.3, 1e-15);
  g_assert_true (isnan (psd->local_thickness_dv_dlogd[0]));
  g_assert_cmpfloat_with_epsilon (psd->local_thickness_dv_dlogd[2], 0.3 / halving, 1e-12);
  /* mercury: 4 * 0.48 N/m * cos 40° / 100 nm */
  g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[0], 14.708053, 1e-6);
  g_assert_cmpfloat_with_epsilon (psd->pressure_mpa[2], 4 * 14.708053, 4e-6);
  g_assert_cmpint (psd->inlets, ==, CBD_FACES_ALL);

  /* no pore space: fractions 0, not NaN */
  {
    const guint64 zeros[] = { 0, 0, 0 };
    g_autoptr(CbdPsd) empty = cbd_psd_new_from_counts (diameters, 3, zeros, zeros, 0, 200, NULL,
                                                       &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (empty->intruded_fraction[2], ==, 0.0);
    g_assert_cmpfloat (empty->dv_dlogd[2], ==, 0.0);
  }
  /* counts that cannot be cumulative counts of the pore space, each named */
  {
    static const struct
    {
      guint64     intruded[3];
      guint64     thickness[3];
      guint64     pore_voxels;
      const char *words[3];
    } bad[] = {
      { { 10, 30, 20 }, { 20, 35, 50 }, 50,
        { "intruded voxels falls from 30 voxels at 50 nm to 20 at 25 nm", "row 3", NULL } },
      { { 10, 30, 40 }, { 35, 20, 50 }, 50,
        { "local thickness falls from 35 voxels at 100 nm to 20 at 50 nm", "row 2", NULL } },
      { { 10, 30, 51 }, { 20, 35, 50 }, 50,
        { "intruded voxels, 51 voxels at 25 nm, exceeds the 50 pore voxels", NULL } },
      { { 10, 30, 40 }, { 20, 35, 60 }, 50,
        { "local thickness, 60 voxels at 25 nm, exceeds the 50 pore voxels", NULL } },
      { { 10, 30, 40 }, { 20, 35, 50 }, 201,
        { "The 201 pore voxels exceed the 200 voxels", NULL } },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_clear_error (&error);
        g_assert_null (cbd_psd_new_from_counts (diameters, 3, bad[i].intruded, bad[i].thickness,
                                                bad[i].pore_voxels, 200, NULL, &error));
        g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
        for (guint w = 0; bad[i].words[w] != NULL; w++)
          if (strstr (error->message, bad[i].words[w]) == NULL)
            g_error ("“%s” does not say “%s”", error->message, bad[i].words[w]);
      }
    g_clear_error (&error);
    /* equal neighbours and every pore voxel intruded are fine */
    {
      const guint64 flat[] = { 50, 50, 50 };
      g_autoptr(CbdPsd) full = cbd_psd_new_from_counts (diameters, 3, flat, flat, 50, 50, NULL,
                                                        &error);

      g_assert_no_error (error);
      g_assert_cmpfloat (full->intruded_fraction[2], ==, 1.0);
    }
  }
  /* the diameters are checked as a given list is */
  {
    const double rising[] = { 25, 50, 100 };

    g_assert_null (cbd_psd_new_from_counts (rising, 3, intruded, thickness, 50, 200, NULL,
                                            &error));
    g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_merge_and_csv (void)
{
  const double h[3] = { 10, 10, 10 };
  g_autoptr(CbdVolume) a = make_packing (20, 20, 20, h, 10, 2, 6, 3);
  g_autoptr(CbdVolume) b = make_cylinder (21, 10, 9);
  double list[] = { 120, 90, 60, 30, 10 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPsd) psd_a = NULL, psd_b = NULL, merged = NULL, other = NULL;
  g_autofree char *csv = NULL, *dir = NULL, *path = NULL, *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean phase[256];

  pore_phase (phase);
  psd_a = cbd_psd_compute (a, phase, NULL, list, 5, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  psd_b = cbd_psd_compute (b, phase, NULL, list, 5, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  merged = cbd_psd_merge ((CbdPsd *[]) { psd_a, psd_b }, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (merged->n_pore_voxels, ==, psd_a->n_pore_voxels + psd_b->n_pore_voxels);
  for (guint k = 0; k < 5; k++)
    g_assert_cmpfloat_with_epsilon (merged->intruded_fraction[k],
                                    (double) (psd_a->intruded_voxels[k] + psd_b->intruded_voxels[k])
                                    / merged->n_pore_voxels, 1e-15);
  g_assert_cmpfloat (psd_b->intruded_fraction[1], ==, 1.0);

  other = cbd_psd_compute (b, phase, NULL, list, 4, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (cbd_psd_merge ((CbdPsd *[]) { psd_a, other }, 2, &error));
  g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_MISMATCH);
  g_clear_error (&error);
  /* Intruded from other faces: no single inlet set describes the union. */
  {
    CbdPorosimetryOptions options;
    g_autoptr(CbdPsd) one_face = NULL;

    cbd_porosimetry_options_init (&options);
    options.inlets = CBD_FACE_X_MIN;
    one_face = cbd_psd_compute (b, phase, &options, list, 5, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (cbd_psd_merge ((CbdPsd *[]) { psd_a, one_face }, 2, &error));
    g_assert_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_MISMATCH);
    g_clear_error (&error);
  }

  csv = cbd_psd_to_csv (psd_b);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "diameter_nm,pressure_MPa,pressure_psi,intruded_fraction,"
                                 "intruded_volume_fraction,intruded_increment,dV_dlogD,"
                                 "local_thickness_fraction,local_thickness_cumulative,"
                                 "local_thickness_dV_dlogD");
  g_assert_cmpuint (g_strv_length (lines), ==, 7);  /* header, 5 rows, empty after the last newline */
  g_assert_true (g_str_has_prefix (lines[1], "120,"));
  g_assert_true (strstr (lines[1], ",,") != NULL);  /* no dV/dlogD at the first row */
  {
    g_auto(GStrv) fields = g_strsplit (lines[2], ",", -1);

    g_assert_cmpuint (g_strv_length (fields), ==, 10);
    g_assert_cmpfloat (g_ascii_strtod (fields[0], NULL), ==, 90);
    g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[1], NULL), 16.342281453, 1e-8);
    g_assert_cmpfloat (g_ascii_strtod (fields[3], NULL), ==, 1);
    g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[6], NULL), 1 / log10 (120.0 / 90), 1e-12);
  }

  dir = g_dir_make_tmp ("cbd-psd-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "psd.csv", NULL);
  g_assert_true (cbd_psd_write_csv (psd_b, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, csv);
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/porosimetry/washburn", test_washburn);
  g_test_add_func ("/porosimetry/log-diameters", test_log_diameters);
  g_test_add_func ("/porosimetry/options", test_options);
  g_test_add_func ("/porosimetry/brute-force", test_brute_force);
  g_test_add_func ("/porosimetry/large-balls", test_large_balls);
  g_test_add_func ("/porosimetry/cylinder", test_cylinder);
  g_test_add_func ("/porosimetry/cylinder-inlets", test_cylinder_inlets);
  g_test_add_func ("/porosimetry/ink-bottle", test_ink_bottle);
  g_test_add_func ("/porosimetry/closed-cavity", test_closed_cavity);
  g_test_add_func ("/porosimetry/full-block", test_full_block);
  g_test_add_func ("/porosimetry/slab", test_slab);
  g_test_add_func ("/porosimetry/points-per-decade", test_points_per_decade);
  g_test_add_func ("/porosimetry/monotone", test_monotone_and_bounded);
  g_test_add_func ("/porosimetry/threads", test_threads);
  g_test_add_func ("/porosimetry/from-counts", test_from_counts);
  g_test_add_func ("/porosimetry/merge-csv", test_merge_and_csv);
  return g_test_run ();
}
