/* test-volume.c — the label volume model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-volume"

#include "config.h"

#include <string.h>

#include "cbd-volume.h"

/* Each voxel holds a value computed from its coordinates, so any copy can be
 * checked against the formula rather than against another copy. */
static guint8
pattern (gsize x, gsize y, gsize z)
{
  return (guint8) (x + 7 * y + 31 * z);
}

static CbdVolume *
make_pattern_volume (gsize nx, gsize ny, gsize nz)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (nx, ny, nz, &error);

  g_assert_no_error (error);
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = pattern (x, y, z);
  volume->voxel_nm[0] = 10;
  volume->voxel_nm[1] = 12;
  volume->voxel_nm[2] = 20;
  return volume;
}

static void
test_new_is_zeroed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (5, 4, 3, &error);
  guint64 counts[256];

  g_assert_no_error (error);
  g_assert_cmpuint (cbd_volume_n_voxels (volume), ==, 60);
  cbd_volume_histogram (volume, counts);
  g_assert_cmpuint (counts[0], ==, 60);
  g_assert_cmpfloat (volume->voxel_nm[2], ==, CBD_DEFAULT_VOXEL_NM);
  g_assert_cmpuint (volume->source_value[200], ==, 200);
}

static void
test_invalid_sizes (void)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (0, 4, 3, &error);

  g_assert_null (volume);
  g_assert_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_INVALID_SIZE);
  g_clear_error (&error);

  /* Overflows 64 bits: must be refused, not wrapped around. */
  volume = cbd_volume_new (G_MAXSIZE / 2, 4, 3, &error);
  g_assert_null (volume);
  g_assert_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_INVALID_SIZE);
  g_clear_error (&error);

  /* Representable but far beyond memory: a GError, not an abort. */
  volume = cbd_volume_new (1ul << 20, 1ul << 20, 1ul << 20, &error);
  g_assert_null (volume);
  g_assert_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_NO_MEMORY);
}

static void
test_paper_stack_index (void)
{
  /* The paper's 2720 × 1531 × 1436 stack needs 64-bit indices. */
  CbdVolume shape = { .dims = { 2720, 1531, 1436 } };

  g_assert_cmpuint (cbd_volume_n_voxels (&shape), ==, 5979963520ul);
  g_assert_cmpuint (cbd_volume_index (&shape, 2719, 1530, 1435), ==, 5979963519ul);
}

static void
test_histogram (void)
{
  g_autoptr(CbdVolume) volume = make_pattern_volume (9, 5, 3);
  guint64 counts[256], expected[256] = { 0 };

  for (gsize z = 0; z < 3; z++)
    for (gsize y = 0; y < 5; y++)
      for (gsize x = 0; x < 9; x++)
        expected[pattern (x, y, z)]++;
  cbd_volume_histogram (volume, counts);
  for (guint value = 0; value < 256; value++)
    g_assert_cmpuint (counts[value], ==, expected[value]);
}

static void
test_crop (void)
{
  g_autoptr(CbdVolume) volume = make_pattern_volume (10, 8, 6);
  g_autoptr(CbdVolume) crop = NULL;
  g_autoptr(GError) error = NULL;
  const gsize origin[3] = { 2, 3, 1 }, size[3] = { 8, 5, 4 };
  const gsize outside[3] = { 3, 3, 1 };

  crop = cbd_volume_crop (volume, origin, size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (crop->dims[0], ==, 8);
  g_assert_cmpfloat (crop->voxel_nm[1], ==, 12);
  for (gsize z = 0; z < 4; z++)
    for (gsize y = 0; y < 5; y++)
      for (gsize x = 0; x < 8; x++)
        g_assert_cmpuint (cbd_volume_get (crop, x, y, z), ==, pattern (x + 2, y + 3, z + 1));

  g_assert_null (cbd_volume_crop (volume, outside, size, &error));
  g_assert_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_OUT_OF_BOUNDS);
  g_assert_nonnull (strstr (error->message, "does not fit"));
}

static void
test_permute (void)
{
  g_autoptr(CbdVolume) volume = make_pattern_volume (6, 5, 4);
  g_autoptr(GError) error = NULL;
  const CbdAxis order[3] = { CBD_AXIS_Z, CBD_AXIS_X, CBD_AXIS_Y };
  g_autoptr(CbdVolume) permuted = cbd_volume_permute (volume, order, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (permuted->dims[0], ==, 4);
  g_assert_cmpuint (permuted->dims[1], ==, 6);
  g_assert_cmpuint (permuted->dims[2], ==, 5);
  g_assert_cmpfloat (permuted->voxel_nm[0], ==, 20);
  g_assert_cmpfloat (permuted->voxel_nm[1], ==, 10);
  /* new (i, j, k) = old (x=j, y=k, z=i) */
  for (gsize k = 0; k < 5; k++)
    for (gsize j = 0; j < 6; j++)
      for (gsize i = 0; i < 4; i++)
        g_assert_cmpuint (cbd_volume_get (permuted, i, j, k), ==, pattern (j, k, i));
}

static void
test_slices (void)
{
  g_autoptr(CbdVolume) volume = make_pattern_volume (6, 5, 4);
  guint8 buffer[6 * 5];
  gsize width, height;

  g_assert_cmpuint (cbd_volume_slice_size (volume, CBD_AXIS_X, &width, &height), ==, 20);
  g_assert_cmpuint (width, ==, 5);
  g_assert_cmpuint (height, ==, 4);

  g_assert_true (cbd_volume_extract_slice (volume, CBD_AXIS_Z, 2, buffer));
  for (gsize y = 0; y < 5; y++)
    for (gsize x = 0; x < 6; x++)
      g_assert_cmpuint (buffer[x + 6 * y], ==, pattern (x, y, 2));

  g_assert_true (cbd_volume_extract_slice (volume, CBD_AXIS_Y, 3, buffer));
  for (gsize z = 0; z < 4; z++)
    for (gsize x = 0; x < 6; x++)
      g_assert_cmpuint (buffer[x + 6 * z], ==, pattern (x, 3, z));

  g_assert_true (cbd_volume_extract_slice (volume, CBD_AXIS_X, 1, buffer));
  for (gsize z = 0; z < 4; z++)
    for (gsize y = 0; y < 5; y++)
      g_assert_cmpuint (buffer[y + 5 * z], ==, pattern (1, y, z));

  g_assert_false (cbd_volume_extract_slice (volume, CBD_AXIS_Z, 4, buffer));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/volume/new-is-zeroed", test_new_is_zeroed);
  g_test_add_func ("/volume/invalid-sizes", test_invalid_sizes);
  g_test_add_func ("/volume/paper-stack-index", test_paper_stack_index);
  g_test_add_func ("/volume/histogram", test_histogram);
  g_test_add_func ("/volume/crop", test_crop);
  g_test_add_func ("/volume/permute", test_permute);
  g_test_add_func ("/volume/slices", test_slices);
  return g_test_run ();
}
