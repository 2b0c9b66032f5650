/* test-cutouts.c — CAM-free cube positions against hand-built cases and a
 * per-window scan; selection; user lists in CSV and JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cutouts"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-cutouts.h"
#include "cbd-io.h"

#define CAM 2

static void
cam_only (gboolean forbidden[256])
{
  for (guint v = 0; v < 256; v++)
    forbidden[v] = (v == CAM);
}

static CbdVolume *
make_volume (gsize nx, gsize ny, gsize nz)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  /* pore and CBD, never CAM */
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    volume->labels[i] = (guint8) (i % 2);
  return volume;
}

static void
set_cam (CbdVolume *volume, gsize x, gsize y, gsize z)
{
  volume->labels[cbd_volume_index (volume, x, y, z)] = CAM;
}

static CbdFreeOrigins *
find (const CbdVolume *volume, gsize edge, guint n_threads)
{
  g_autoptr(GError) error = NULL;
  gboolean forbidden[256];
  CbdFreeOrigins *free_origins;

  cam_only (forbidden);
  free_origins = cbd_free_origins_find (volume, forbidden, edge, n_threads, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (free_origins);
  return free_origins;
}

/* The definition: scan every voxel of the cube. */
static gboolean
naive_is_free (const CbdVolume *volume, gsize edge, gsize x0, gsize y0, gsize z0)
{
  for (gsize z = z0; z < z0 + edge; z++)
    for (gsize y = y0; y < y0 + edge; y++)
      for (gsize x = x0; x < x0 + edge; x++)
        if (cbd_volume_get (volume, x, y, z) == CAM)
          return FALSE;
  return TRUE;
}

/* One CAM voxel at (5, 4, 3) in 10 x 9 x 8 blocks the origins with
 * x0 in 2..5, y0 in 1..4, z0 in 0..3 for edge 4 (4^3 = 64 of the 7*6*5 =
 * 210); a second one at (0, 0, 0) blocks only origin (0, 0, 0). */
static void
test_hand_built (void)
{
  g_autoptr(CbdVolume) volume = make_volume (10, 9, 8);
  g_autoptr(CbdFreeOrigins) one = NULL, two = NULL;

  set_cam (volume, 5, 4, 3);
  one = find (volume, 4, 1);
  g_assert_cmpuint (one->dims[0], ==, 7);
  g_assert_cmpuint (one->dims[1], ==, 6);
  g_assert_cmpuint (one->dims[2], ==, 5);
  g_assert_cmpuint (one->n_free, ==, 210 - 64);
  for (gsize z0 = 0; z0 < 5; z0++)
    for (gsize y0 = 0; y0 < 6; y0++)
      for (gsize x0 = 0; x0 < 7; x0++)
        {
          gboolean blocked = x0 >= 2 && x0 <= 5 && y0 >= 1 && y0 <= 4 && z0 <= 3;

          g_assert_cmpint (cbd_free_origins_is_free (one, x0, y0, z0), ==, !blocked);
        }
  g_assert_false (cbd_free_origins_is_free (one, 7, 0, 0));  /* not an origin at all */

  set_cam (volume, 0, 0, 0);
  two = find (volume, 4, 2);
  g_assert_cmpuint (two->n_free, ==, 210 - 65);
  g_assert_false (cbd_free_origins_is_free (two, 0, 0, 0));
  g_assert_true (cbd_free_origins_is_free (two, 1, 0, 0));
  g_assert_true (cbd_free_origins_is_free (two, 0, 0, 4));
}

/* A CAM plane at z = 4 in 8^3: an edge-4 cube fits only below it (z0 = 0),
 * 5 x 5 origins; edge 5 fits nowhere; edge 1 everywhere but the plane. */
static void
test_cam_plane (void)
{
  g_autoptr(CbdVolume) volume = make_volume (8, 8, 8);
  g_autoptr(CbdFreeOrigins) four = NULL, five = NULL, single = NULL, huge = NULL;
  g_autoptr(GError) error = NULL;
  gboolean forbidden[256];

  for (gsize y = 0; y < 8; y++)
    for (gsize x = 0; x < 8; x++)
      set_cam (volume, x, y, 4);
  four = find (volume, 4, 0);
  g_assert_cmpuint (four->n_free, ==, 25);
  for (gsize y0 = 0; y0 < 5; y0++)
    for (gsize x0 = 0; x0 < 5; x0++)
      g_assert_true (cbd_free_origins_is_free (four, x0, y0, 0));
  five = find (volume, 5, 3);
  g_assert_cmpuint (five->n_free, ==, 0);
  single = find (volume, 1, 2);
  g_assert_cmpuint (single->n_free, ==, 8 * 8 * 7);

  /* Larger than the volume: no origins, not an error. */
  huge = find (volume, 9, 1);
  g_assert_cmpuint (huge->dims[0], ==, 0);
  g_assert_cmpuint (huge->n_free, ==, 0);
  g_assert_false (cbd_free_origins_is_free (huge, 0, 0, 0));

  cam_only (forbidden);
  g_assert_null (cbd_free_origins_find (volume, forbidden, 0, 1, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_INVALID_SIZE);
}

/* Random volumes of random shapes against the per-window scan, with 1, 2
 * and 3 threads. */
static void
test_random_vs_naive (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240517);
  guint64 total_free = 0, total_origins = 0;

  for (guint trial = 0; trial < 60; trial++)
    {
      gsize nx = g_rand_int_range (rand, 1, 40);
      gsize ny = g_rand_int_range (rand, 1, 30);
      gsize nz = g_rand_int_range (rand, 1, 25);
      g_autoptr(CbdVolume) volume = make_volume (nx, ny, nz);
      double cam_fraction = g_rand_double_range (rand, 0.0, 0.02);
      gsize edge = g_rand_int_range (rand, 1, (gint32) MIN (nx, MIN (ny, nz)) + 1);

      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
        if (g_rand_double (rand) < cam_fraction)
          volume->labels[i] = CAM;

      for (guint n_threads = 1; n_threads <= 3; n_threads++)
        {
          g_autoptr(CbdFreeOrigins) free_origins = find (volume, edge, n_threads);
          guint64 n_free = 0;

          g_assert_cmpuint (free_origins->dims[0], ==, nx - edge + 1);
          g_assert_cmpuint (free_origins->dims[1], ==, ny - edge + 1);
          g_assert_cmpuint (free_origins->dims[2], ==, nz - edge + 1);
          for (gsize z0 = 0; z0 + edge <= nz; z0++)
            for (gsize y0 = 0; y0 + edge <= ny; y0++)
              for (gsize x0 = 0; x0 + edge <= nx; x0++)
                {
                  gboolean expected = naive_is_free (volume, edge, x0, y0, z0);

                  if (cbd_free_origins_is_free (free_origins, x0, y0, z0) != expected)
                    g_error ("trial %u (%zu x %zu x %zu, edge %zu, %u threads): origin "
                             "(%zu, %zu, %zu) should be %s", trial, nx, ny, nz, edge, n_threads,
                             x0, y0, z0, expected ? "free" : "blocked");
                  n_free += expected;
                }
          g_assert_cmpuint (free_origins->n_free, ==, n_free);
          /* padding bits stay clear */
          for (gsize row = 0; row < free_origins->dims[1] * free_origins->dims[2]; row++)
            if (free_origins->dims[0] % 64 != 0)
              g_assert_cmpuint (free_origins->bits[row * free_origins->row_words
                                                   + free_origins->row_words - 1]
                                >> (free_origins->dims[0] % 64), ==, 0);
          if (n_threads == 1)
            {
              total_free += n_free;
              total_origins += (nx - edge + 1) * (ny - edge + 1) * (nz - edge + 1);
            }
        }
    }
  g_test_message ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " origins free over 60 volumes",
                  total_free, total_origins);
  /* the trials mix blocked and free origins */
  g_assert_cmpuint (total_free, >, total_origins / 10);
  g_assert_cmpuint (total_free, <, total_origins);
}

/* Rows wider than one 64-bit word, and bands split over threads. */
static void
test_wide_rows (void)
{
  g_autoptr(CbdVolume) volume = make_volume (150, 70, 9);
  g_autoptr(CbdFreeOrigins) one = NULL, three = NULL;

  set_cam (volume, 64, 33, 4);
  set_cam (volume, 130, 2, 8);
  one = find (volume, 5, 1);
  three = find (volume, 5, 3);
  g_assert_cmpuint (one->row_words, ==, 3);
  /* 146*66*5 origins; the first CAM voxel blocks 5^3 of them, the second
   * 5 (x0) * 3 (y0 0..2) * 1 (z0 4) */
  g_assert_cmpuint (one->n_free, ==, 146 * 66 * 5 - 125 - 15);
  g_assert_cmpmem (one->bits, one->row_words * 66 * 5 * 8, three->bits, three->row_words * 66 * 5 * 8);
  g_assert_false (cbd_free_origins_is_free (one, 64, 33, 4));
  g_assert_false (cbd_free_origins_is_free (one, 60, 29, 0));
  g_assert_true (cbd_free_origins_is_free (one, 59, 29, 0));
  g_assert_true (cbd_free_origins_is_free (one, 65, 33, 4));
}

/* The memory the paper's stack needs, as the header comment of
 * cbd-cutouts.c works it out: the bit set 41 words x 1404 x 1309 x 8 B,
 * z_free_from 2593 x 1404 x 4 B, two bands of (2593 + 2721) x 4 B. */
static void
test_memory_size (void)
{
  CbdVolume paper = { .dims = { 2720, 1531, 1436 } };
  gsize expected = 41 * 1404 * 1309 * (gsize) 8 + 2593 * 1404 * (gsize) 4 + 2 * (2593 + 2721) * 4;
  gsize bytes = cbd_free_origins_memory_size (&paper, 128, 2);

  g_test_message ("paper stack, 128^3 cutouts: %.1f MB", bytes / 1e6);
  g_assert_cmpuint (bytes, >=, expected);
  g_assert_cmpuint (bytes, <, expected + 4096);
}

static void
progress_counter (const CbdProgress *progress, gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (progress->fraction, >=, *last);
  g_assert_cmpfloat (progress->fraction, <=, 1.0);
  *last = progress->fraction;
}

static void
test_cancel_and_progress (void)
{
  g_autoptr(CbdVolume) volume = make_volume (40, 40, 40);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  gboolean forbidden[256];
  double last = 0;

  cam_only (forbidden);
  free_origins = cbd_free_origins_find (volume, forbidden, 8, 2, NULL, progress_counter, &last, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_cmpuint (free_origins->n_free, ==, 33 * 33 * 33);

  g_cancellable_cancel (cancellable);
  g_assert_null (cbd_free_origins_find (volume, forbidden, 8, 2, cancellable, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- selection ---- */

static void
assert_valid_selection (const CbdFreeOrigins *free_origins, const GArray *cutouts, gsize gap)
{
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *a = &g_array_index (cutouts, CbdCutout, i);

      g_assert_cmpuint (a->size, ==, free_origins->edge);
      g_assert_true (cbd_free_origins_is_free (free_origins, a->origin[0], a->origin[1], a->origin[2]));
      for (guint j = 0; j < i; j++)
        {
          const CbdCutout *b = &g_array_index (cutouts, CbdCutout, j);
          gboolean apart = FALSE;

          for (guint axis = 0; axis < 3; axis++)
            {
              gsize lo = MIN (a->origin[axis], b->origin[axis]);
              gsize hi = MAX (a->origin[axis], b->origin[axis]);

              if (hi - lo >= a->size + gap)
                apart = TRUE;
            }
          g_assert_true (apart);
        }
    }
}

static GArray *
select_cutouts (const CbdFreeOrigins *free_origins, guint n, gsize gap)
{
  g_autoptr(GError) error = NULL;
  GArray *cutouts = cbd_free_origins_select (free_origins, n, gap, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cutouts);
  assert_valid_selection (free_origins, cutouts, gap);
  return cutouts;
}

static void
assert_cutout_origin (const GArray *cutouts, guint i, gsize x, gsize y, gsize z)
{
  const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);

  g_assert_cmpuint (cutout->origin[0], ==, x);
  g_assert_cmpuint (cutout->origin[1], ==, y);
  g_assert_cmpuint (cutout->origin[2], ==, z);
}

/* A 12 x 4 x 4 CAM-free row holds exactly three edge-4 cubes, at x0 = 0, 4
 * and 8; asking for more gives three; asking for two gives the two ends
 * (farthest apart). */
static void
test_select_row (void)
{
  g_autoptr(CbdVolume) volume = make_volume (12, 4, 4);
  g_autoptr(CbdFreeOrigins) free_origins = find (volume, 4, 1);
  g_autoptr(GArray) all = select_cutouts (free_origins, 10, 0);
  g_autoptr(GArray) two = select_cutouts (free_origins, 2, 0);
  g_autoptr(GArray) unlimited = select_cutouts (free_origins, 0, 0);
  g_autoptr(GArray) gapped = select_cutouts (free_origins, 0, 1);

  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpuint (unlimited->len, ==, 3);
  g_assert_cmpuint (g_array_index (all, CbdCutout, 0).origin[0], ==, 0);
  g_assert_cmpuint (g_array_index (all, CbdCutout, 1).origin[0], ==, 8);
  g_assert_cmpuint (g_array_index (all, CbdCutout, 2).origin[0], ==, 4);
  g_assert_cmpuint (two->len, ==, 2);
  g_assert_cmpuint (g_array_index (two, CbdCutout, 1).origin[0], ==, 8);
  /* with a one-voxel gap only two fit in 12 */
  g_assert_cmpuint (gapped->len, ==, 2);
}

/* A CAM-free pocket admitting a single position, in a volume otherwise
 * full of CAM: found, and no more. */
static void
test_select_single_pocket (void)
{
  g_autoptr(CbdVolume) volume = make_volume (300, 40, 40);
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  g_autoptr(GArray) cutouts = NULL;

  memset (volume->labels, CAM, cbd_volume_n_voxels (volume));
  for (gsize z = 21; z < 31; z++)
    for (gsize y = 17; y < 27; y++)
      for (gsize x = 233; x < 243; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
  free_origins = find (volume, 10, 2);
  g_assert_cmpuint (free_origins->n_free, ==, 1);
  cutouts = select_cutouts (free_origins, 5, 0);
  g_assert_cmpuint (cutouts->len, ==, 1);
  g_assert_cmpuint (g_array_index (cutouts, CbdCutout, 0).origin[0], ==, 233);
  g_assert_cmpuint (g_array_index (cutouts, CbdCutout, 0).origin[1], ==, 17);
  g_assert_cmpuint (g_array_index (cutouts, CbdCutout, 0).origin[2], ==, 21);
}

/* Random volumes: selections are valid, deterministic, of the requested
 * length when more fit, and a prefix of a longer selection is the shorter
 * one (farthest-point order). Spread, against known optima: in an empty
 * box the first two picks are opposite corners, and greedy farthest-point
 * picks keep at least half the best possible smallest pairwise distance
 * (Gonzalez 1985); for eight points in this box the eight corners give 32
 * voxels (the box's shortest side), so the greedy's eight stay >= 16 apart. */
static void
test_select_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);
  g_autoptr(CbdVolume) empty = make_volume (64, 48, 40);
  g_autoptr(CbdFreeOrigins) empty_free = find (empty, 8, 2);
  g_autoptr(GArray) eight = select_cutouts (empty_free, 8, 0);
  g_autoptr(GArray) again = select_cutouts (empty_free, 8, 0);
  double closest = G_MAXDOUBLE;

  g_assert_cmpuint (eight->len, ==, 8);
  assert_cutout_origin (eight, 0, 0, 0, 0);
  assert_cutout_origin (eight, 1, 56, 40, 32);
  for (guint i = 0; i < 8; i++)
    {
      const CbdCutout *cutout = &g_array_index (eight, CbdCutout, i);
      const CbdCutout *repeat = &g_array_index (again, CbdCutout, i);

      g_assert_cmpmem (cutout->origin, sizeof cutout->origin, repeat->origin, sizeof repeat->origin);
      for (guint j = 0; j < i; j++)
        {
          const CbdCutout *other = &g_array_index (eight, CbdCutout, j);
          double sum = 0;

          for (guint axis = 0; axis < 3; axis++)
            {
              double d = (double) cutout->origin[axis] - (double) other->origin[axis];

              sum += d * d;
            }
          closest = MIN (closest, sqrt (sum));
        }
    }
  g_test_message ("eight picks in an empty 57 x 41 x 33 range of origins: closest pair %.1f voxels",
                  closest);
  g_assert_cmpfloat (closest, >=, 16.0);

  for (guint trial = 0; trial < 5; trial++)
    {
      g_autoptr(CbdVolume) volume = make_volume (60, 50, 40);
      g_autoptr(CbdFreeOrigins) free_origins = NULL;
      g_autoptr(GArray) many = NULL, few = NULL, again_few = NULL;

      for (guint blob = 0; blob < 12; blob++)
        {
          gsize cx = g_rand_int_range (rand, 0, 60), cy = g_rand_int_range (rand, 0, 50);
          gsize cz = g_rand_int_range (rand, 0, 40);

          for (gsize z = cz; z < MIN (cz + 6, 40); z++)
            for (gsize y = cy; y < MIN (cy + 6, 50); y++)
              for (gsize x = cx; x < MIN (cx + 6, 60); x++)
                set_cam (volume, x, y, z);
        }
      free_origins = find (volume, 10, 2);
      many = select_cutouts (free_origins, 0, 2);
      few = select_cutouts (free_origins, 4, 2);
      again_few = select_cutouts (free_origins, 4, 2);
      g_assert_cmpuint (many->len, >=, 4);
      g_assert_cmpuint (few->len, ==, 4);
      for (guint i = 0; i < 4; i++)
        {
          g_assert_cmpmem (g_array_index (few, CbdCutout, i).origin, 3 * sizeof (gsize),
                           g_array_index (many, CbdCutout, i).origin, 3 * sizeof (gsize));
          g_assert_cmpmem (g_array_index (few, CbdCutout, i).origin, 3 * sizeof (gsize),
                           g_array_index (again_few, CbdCutout, i).origin, 3 * sizeof (gsize));
        }
    }
}

static void
test_select_none (void)
{
  g_autoptr(CbdVolume) volume = make_volume (8, 8, 8);
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  g_autoptr(GArray) cutouts = NULL;

  set_cam (volume, 4, 4, 4);
  free_origins = find (volume, 8, 1);
  cutouts = select_cutouts (free_origins, 3, 0);
  g_assert_cmpuint (cutouts->len, ==, 0);
}

/* ---- user lists ---- */

static const gsize dims_256[3] = { 256, 200, 150 };

static GArray *
parse_ok (const char *text, gsize default_size)
{
  g_autoptr(GError) error = NULL;
  GArray *cutouts = cbd_cutouts_parse (text, -1, "list.csv", dims_256, default_size, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cutouts);
  return cutouts;
}

static void
assert_cutout (const GArray *cutouts, guint i, gsize x, gsize y, gsize z, gsize size, const char *name)
{
  const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);

  g_assert_cmpuint (cutout->origin[0], ==, x);
  g_assert_cmpuint (cutout->origin[1], ==, y);
  g_assert_cmpuint (cutout->origin[2], ==, z);
  g_assert_cmpuint (cutout->size, ==, size);
  g_assert_cmpstr (cutout->name, ==, name);
}

static void
test_parse_csv_good (void)
{
  g_autoptr(GArray) plain = parse_ok ("x,y,z\n0,0,0\n128,72,22\n", 128);
  g_autoptr(GArray) full = parse_ok ("# picked by hand\r\nname, x0, y0 ,z0,porosity,size\r\n"
                                     "a,1,2,3,0.41,64\r\n\r\n\"b, near the top\",10,20,30,0.5,16\r\n",
                                     128);
  g_autoptr(GArray) bare = parse_ok ("5,6,7\n8,9,10,100\n", 50);
  g_autoptr(GArray) units = parse_ok ("x0_voxels,y0_voxels,z0_voxels,size_voxels\n1,1,1,2\n", 0);
  g_autoptr(GArray) empty = parse_ok ("x,y,z\n", 128);

  g_assert_cmpuint (plain->len, ==, 2);
  assert_cutout (plain, 1, 128, 72, 22, 128, NULL);
  g_assert_cmpuint (full->len, ==, 2);
  assert_cutout (full, 0, 1, 2, 3, 64, "a");
  assert_cutout (full, 1, 10, 20, 30, 16, "b, near the top");
  g_assert_cmpuint (bare->len, ==, 2);
  assert_cutout (bare, 0, 5, 6, 7, 50, NULL);
  assert_cutout (bare, 1, 8, 9, 10, 100, NULL);
  assert_cutout (units, 0, 1, 1, 1, 2, NULL);
  g_assert_cmpuint (empty->len, ==, 0);
}

static void
assert_parse_fails (const char *text, const char *source, gint code, const char *const *fragments)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cutouts = cbd_cutouts_parse (text, -1, source, dims_256, 128, &error);

  g_assert_null (cutouts);
  g_assert_error (error, CBD_CUTOUTS_ERROR, code);
  g_assert_nonnull (strstr (error->message, source));
  for (guint i = 0; fragments[i] != NULL; i++)
    if (strstr (error->message, fragments[i]) == NULL)
      g_error ("“%s” does not say “%s”", error->message, fragments[i]);
}

static void
test_parse_csv_bad (void)
{
  assert_parse_fails ("x,y,z\n0,0,0\n129,0,0\n", "a.csv", CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS,
                      (const char *[]) { "line 3", "outside the volume", "256 x 200 x 150", NULL });
  assert_parse_fails ("x,y,z\n0,0,0\n0,0,23\n", "a.csv", CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS,
                      (const char *[]) { "line 3", "(0, 0, 23)", NULL });
  assert_parse_fails ("x,y,z\n\n0,abc,0\n", "b.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 3", "“abc”", "y column", "not a whole number", NULL });
  assert_parse_fails ("x,y,z\n-1,0,0\n", "b.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "“-1”", NULL });
  assert_parse_fails ("x,y,z\n1.5,0,0\n", "b.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "“1.5”", NULL });
  assert_parse_fails ("x,y,size\n1,2,3\n", "c.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 1", "“z”", NULL });
  assert_parse_fails ("x,y,z\n1,2\n", "d.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "expected 3 fields, found 2", NULL });
  assert_parse_fails ("x,y,z,size\n1,2,3,0\n", "e.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "at least one voxel", NULL });
  assert_parse_fails ("x,x0,y,z\n", "f.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 1", "two columns", NULL });
  assert_parse_fails ("name,x,y,z\n\"open,1,2,3\n", "g.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "quotes", NULL });
  assert_parse_fails ("\n# nothing\n", "h.csv", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "empty", NULL });
}

static void
test_parse_json_good (void)
{
  g_autoptr(GArray) cli = parse_ok ("{\"size\":64,\"free_positions\":1234,\"cutouts\":"
                                    "[{\"origin\":[0,0,0]},{\"origin\":[192,136,86],\"cam_voxels\":0}]}",
                                    128);
  g_autoptr(GArray) bare = parse_ok ("\n  [ {\"origin\": [1, 2, 3], \"size\": 1e1, \"name\": \"k\\u00e4se \\\"1\\\"\"},\n"
                                     "    {\"origin\": [4.0, 5, 6]} ]\n", 20);

  g_assert_cmpuint (cli->len, ==, 2);
  assert_cutout (cli, 0, 0, 0, 0, 64, NULL);
  assert_cutout (cli, 1, 192, 136, 86, 64, NULL);
  g_assert_cmpuint (bare->len, ==, 2);
  assert_cutout (bare, 0, 1, 2, 3, 10, "käse \"1\"");
  assert_cutout (bare, 1, 4, 5, 6, 20, NULL);
}

static void
test_parse_json_bad (void)
{
  assert_parse_fails ("{\"size\": 128,\n \"cutouts\": [\n  {\"origin\": [0, 0, 0]},\n"
                      "  {\"origin\": [200, 0, 0]}\n]}", "list.json", CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS,
                      (const char *[]) { "line 4", "outside the volume", NULL });
  assert_parse_fails ("{\"cutouts\": [\n{\"origin\": [0, 0]}]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 2", "[x, y, z]", NULL });
  assert_parse_fails ("{\"cutouts\": [{\"origin\": [0, -3, 0]}]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "line 1", "-3", NULL });
  assert_parse_fails ("{\"cutouts\": [{\"origin\": [0, 2.5, 0]}]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "2.5", NULL });
  assert_parse_fails ("{\"cutouts\": [{\"origin\": [0, \"1\", 0]}]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "a string", NULL });
  assert_parse_fails ("{\"size\": 128,\n\n \"cutouts\": [{\"origin\": [0, 0, 0]},]}", "list.json",
                      CBD_CUTOUTS_ERROR_PARSE, (const char *[]) { "line 3", "expected a value", NULL });
  assert_parse_fails ("{\"size\": 128, \"cutouts\": []} extra", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "end of the file", NULL });
  assert_parse_fails ("{\"size\": 128}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "no “cutouts”", NULL });
  assert_parse_fails ("{\"cutouts\": [{\"origin\": [0, 0, 0]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "end of the file", NULL });
  assert_parse_fails ("{\"cutouts\": [{\"name\": \"open]}", "list.json", CBD_CUTOUTS_ERROR_PARSE,
                      (const char *[]) { "unterminated", NULL });
  assert_parse_fails ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                      "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                      "deep.json", CBD_CUTOUTS_ERROR_PARSE, (const char *[]) { "nested", NULL });
}

static void
test_round_trip (void)
{
  g_autoptr(GArray) cutouts = cbd_cutouts_new ();
  g_autofree char *csv = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GArray) from_csv = NULL, from_json = NULL;
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
  const char *names[3] = { NULL, "plain", "with \"quotes\", commas" };

  for (guint i = 0; i < 3; i++)
    {
      CbdCutout cutout = { { i * 50, 7 + i, 149 - 16 }, 16, g_strdup (names[i]) };

      g_array_append_val (cutouts, cutout);
    }
  csv = cbd_cutouts_to_csv (cutouts);
  from_csv = parse_ok (csv, 0);
  cbd_json_begin_object (writer);
  cbd_json_key (writer, "cutouts");
  cbd_cutouts_write_json (cutouts, writer);
  cbd_json_end_object (writer);
  json = cbd_json_writer_free_to_string (writer);
  from_json = parse_ok (json, 0);
  for (guint i = 0; i < 3; i++)
    {
      assert_cutout (from_csv, i, i * 50, 7 + i, 133, 16, names[i]);
      assert_cutout (from_json, i, i * 50, 7 + i, 133, 16, names[i]);
    }
}

static void
test_load_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cbd-cutouts-XXXXXX", &error);
  g_autofree char *path = NULL, *missing = NULL;
  g_autoptr(GArray) cutouts = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "mine.json", NULL);
  missing = g_build_filename (dir, "absent.csv", NULL);
  g_assert_true (g_file_set_contents (path, "{\"size\":16,\"cutouts\":[{\"origin\":[1,2,3]}]}", -1, &error));
  cutouts = cbd_cutouts_load (path, dims_256, 128, &error);
  g_assert_no_error (error);
  assert_cutout (cutouts, 0, 1, 2, 3, 16, NULL);
  g_assert_null (cbd_cutouts_load (missing, dims_256, 128, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "{\"cutouts\":[{\"origin\":[1,2,300]}]}", -1, &error));
  g_assert_null (cbd_cutouts_load (path, dims_256, 16, &error));
  g_assert_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS);
  g_assert_nonnull (strstr (error->message, "mine.json, line 1"));
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- box counts ---- */

static void
test_count_forbidden (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(CbdVolume) volume = make_volume (30, 20, 25);
  gboolean forbidden[256];

  cam_only (forbidden);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    if (g_rand_double (rand) < 0.2)
      volume->labels[i] = CAM;
  for (guint trial = 0; trial < 200; trial++)
    {
      gsize origin[3], size[3];
      guint64 expected = 0;

      for (guint axis = 0; axis < 3; axis++)
        {
          origin[axis] = g_rand_int_range (rand, 0, (gint32) volume->dims[axis] + 3);
          size[axis] = g_rand_int_range (rand, 0, 40);
        }
      for (gsize z = origin[2]; z < MIN (origin[2] + size[2], volume->dims[2]); z++)
        for (gsize y = origin[1]; y < MIN (origin[1] + size[1], volume->dims[1]); y++)
          for (gsize x = origin[0]; x < MIN (origin[0] + size[0], volume->dims[0]); x++)
            expected += cbd_volume_get (volume, x, y, z) == CAM;
      g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, forbidden, origin, size), ==, expected);
    }
  /* several forbidden labels: two (compared) and five (looked up) */
  for (guint n_labels = 2; n_labels <= 5; n_labels += 3)
    {
      const guint8 set[5] = { 1, CAM, 7, 9, 11 };
      gboolean several[256] = { FALSE };
      gsize origin[3] = { 3, 2, 1 }, size[3] = { 20, 15, 30 };
      guint64 expected = 0;

      for (guint k = 0; k < n_labels; k++)
        several[set[k]] = TRUE;
      for (gsize i = 0; i < cbd_volume_n_voxels (volume); i += 7)
        volume->labels[i] = set[i % 5];
      for (gsize z = 1; z < 25; z++)
        for (gsize y = 2; y < 17; y++)
          for (gsize x = 3; x < 23; x++)
            expected += several[cbd_volume_get (volume, x, y, z)];
      g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, several, origin, size), ==, expected);
    }
  memset (forbidden, 0, sizeof forbidden);
  g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, forbidden, (gsize[3]) { 0, 0, 0 },
                                                 (gsize[3]) { 30, 20, 25 }), ==, 0);
  cam_only (forbidden);

  /* a huge box from the origin clips to the whole volume */
  {
    guint64 all = 0;

    for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
      all += volume->labels[i] == CAM;
    g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, forbidden, (gsize[3]) { 0, 0, 0 },
                                                   (gsize[3]) { G_MAXSIZE, G_MAXSIZE, G_MAXSIZE }), ==, all);
  }
}

/* ---- the shared real volume ---- */

/* An independent count: s(x, y, z) = the edge of the largest CAM-free cube
 * whose last voxel is (x, y, z), by the classic dynamic programme
 * s = 1 + min over the seven lower neighbours (0 at CAM and outside). A
 * cube of edge e is free at origin (x - e + 1, …) iff s(x, y, z) >= e. */
static guint16 *
largest_free_cube_ending_at (const CbdVolume *volume, const gboolean forbidden[256])
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  guint16 *s = g_new0 (guint16, cbd_volume_n_voxels (volume));

  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          gsize i = cbd_volume_index (volume, x, y, z);
          guint smallest = G_MAXUINT;

          if (forbidden[volume->labels[i]])
            continue;
          for (guint corner = 1; corner < 8; corner++)
            {
              gsize dx = corner & 1, dy = (corner >> 1) & 1, dz = corner >> 2;
              guint value = (x < dx || y < dy || z < dz) ? 0
                            : s[cbd_volume_index (volume, x - dx, y - dy, z - dz)];

              smallest = MIN (smallest, value);
            }
          s[i] = (guint16) (smallest + 1);
        }
  return s;
}

static void
test_shared_volume (void)
{
  const char *shared = g_getenv ("CBD_SHARED_DATA");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autofree guint16 *largest = NULL;
  gboolean forbidden[256] = { FALSE };
  const gsize edges[] = { 128, 27, 26, 16, 8 };
  guint16 biggest = 0;

  if (shared != NULL)
    path = g_build_filename (shared, "electrode-nmc-3phase-256.tif", NULL);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("shared electrode volume not available");
      return;
    }
  volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  forbidden[85] = TRUE;   /* NMC, the CAM of this volume */
  largest = largest_free_cube_ending_at (volume, forbidden);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    biggest = MAX (biggest, largest[i]);
  g_test_message ("shared volume: the largest CAM-free cube has an edge of %u voxels", biggest);

  for (guint e = 0; e < G_N_ELEMENTS (edges); e++)
    {
      gsize edge = edges[e];
      g_autoptr(CbdFreeOrigins) free_origins = NULL;
      g_autoptr(GArray) cutouts = NULL;
      guint64 expected = 0;

      free_origins = cbd_free_origins_find (volume, forbidden, edge, 0, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      for (gsize z = edge - 1; z < volume->dims[2]; z++)
        for (gsize y = edge - 1; y < volume->dims[1]; y++)
          for (gsize x = edge - 1; x < volume->dims[0]; x++)
            {
              gboolean is_free = largest[cbd_volume_index (volume, x, y, z)] >= edge;

              expected += is_free;
              if (cbd_free_origins_is_free (free_origins, x + 1 - edge, y + 1 - edge, z + 1 - edge) != is_free)
                g_error ("edge %zu, origin (%zu, %zu, %zu) disagrees with the cube DP", edge,
                         x + 1 - edge, y + 1 - edge, z + 1 - edge);
            }
      g_assert_cmpuint (free_origins->n_free, ==, expected);
      g_assert_cmpint (free_origins->n_free > 0, ==, edge <= biggest);
      if (edge == biggest)
        g_assert_cmpuint (free_origins->n_free, >, 0);

      /* as many as fit; 50 at most for the small edge, to stay fast */
      cutouts = cbd_free_origins_select (free_origins, edge < 16 ? 50 : 0, 0, NULL, &error);
      g_assert_no_error (error);
      assert_valid_selection (free_origins, cutouts, 0);
      for (guint i = 0; i < cutouts->len; i++)
        g_assert_cmpuint (cbd_cutouts_count_forbidden (volume, forbidden,
                                                       g_array_index (cutouts, CbdCutout, i).origin,
                                                       (gsize[3]) { edge, edge, edge }), ==, 0);
      g_test_message ("shared volume, edge %" G_GSIZE_FORMAT ": %" G_GUINT64_FORMAT " CAM-free "
                      "origins of %" G_GSIZE_FORMAT ", %u non-overlapping cutouts picked",
                      edge, free_origins->n_free,
                      free_origins->dims[0] * free_origins->dims[1] * free_origins->dims[2],
                      cutouts->len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cutouts/hand-built", test_hand_built);
  g_test_add_func ("/cutouts/cam-plane", test_cam_plane);
  g_test_add_func ("/cutouts/random-vs-naive", test_random_vs_naive);
  g_test_add_func ("/cutouts/wide-rows", test_wide_rows);
  g_test_add_func ("/cutouts/cancel-and-progress", test_cancel_and_progress);
  g_test_add_func ("/cutouts/memory-size", test_memory_size);
  g_test_add_func ("/cutouts/select-row", test_select_row);
  g_test_add_func ("/cutouts/select-single-pocket", test_select_single_pocket);
  g_test_add_func ("/cutouts/select-random", test_select_random);
  g_test_add_func ("/cutouts/select-none", test_select_none);
  g_test_add_func ("/cutouts/parse-csv-good", test_parse_csv_good);
  g_test_add_func ("/cutouts/parse-csv-bad", test_parse_csv_bad);
  g_test_add_func ("/cutouts/parse-json-good", test_parse_json_good);
  g_test_add_func ("/cutouts/parse-json-bad", test_parse_json_bad);
  g_test_add_func ("/cutouts/round-trip", test_round_trip);
  g_test_add_func ("/cutouts/load-file", test_load_file);
  g_test_add_func ("/cutouts/count-forbidden", test_count_forbidden);
  g_test_add_func ("/cutouts/shared-volume", test_shared_volume);
  return g_test_run ();
}
