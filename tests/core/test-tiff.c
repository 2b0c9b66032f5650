/* test-tiff.c — TIFF and raw I/O against files written here with libtiff
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-tiff"

#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <tiffio.h>

#include "cbd-io.h"

typedef guint32 (*VoxelFunc) (guint x, guint y, guint z);

/* How a test file is written. */
typedef struct
{
  guint    nx, ny, nz;
  guint16  bits;
  guint16  compression;
  gboolean tiled;
  gboolean bigtiff;
  guint16  samples;        /* 3 for RGB */
  guint16  sample_format;
  VoxelFunc value;
  guint    odd_page;       /* 1-based page written with other size, 0 none */
} TiffSpec;

static char *test_dir;

static void assert_error_names (GError *error, gint code, const char *name);

static char *
test_path (const char *name)
{
  return g_build_filename (test_dir, name, NULL);
}

static void
put_sample (guint8 *row, guint x, guint16 bits, guint32 value)
{
  if (bits == 1)
    {
      if (value & 1)
        row[x / 8] |= 0x80 >> (x % 8);
    }
  else if (bits == 8)
    row[x] = value;
  else if (bits == 16)
    ((guint16 *) row)[x] = value;
  else
    {
      float f = value;
      memcpy (row + 4 * x, &f, 4);
    }
}

static void
write_test_tiff (const char *path, const TiffSpec *spec)
{
  TIFF *tif = TIFFOpen (path, spec->bigtiff ? "w8" : "w");
  guint16 samples = spec->samples != 0 ? spec->samples : 1;

  g_assert_nonnull (tif);
  for (guint z = 0; z < spec->nz; z++)
    {
      guint nx = spec->nx + (spec->odd_page == z + 1 ? 3 : 0);
      guint ny = spec->ny;
      gsize row_bytes = ((gsize) nx * spec->bits * samples + 7) / 8;

      TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, nx);
      TIFFSetField (tif, TIFFTAG_IMAGELENGTH, ny);
      TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, spec->bits);
      TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, samples);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC,
                    samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
      TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      TIFFSetField (tif, TIFFTAG_COMPRESSION, spec->compression);
      if (spec->sample_format != 0)
        TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, spec->sample_format);

      if (spec->tiled)
        {
          guint tw = 16, th = 16;
          gsize tile_row = ((gsize) tw * spec->bits * samples + 7) / 8;
          g_autofree guint8 *tile = g_malloc0 (tile_row * th);

          TIFFSetField (tif, TIFFTAG_TILEWIDTH, tw);
          TIFFSetField (tif, TIFFTAG_TILELENGTH, th);
          for (guint y0 = 0; y0 < ny; y0 += th)
            for (guint x0 = 0; x0 < nx; x0 += tw)
              {
                memset (tile, 0, tile_row * th);
                for (guint y = 0; y < th; y++)
                  for (guint x = 0; x < tw; x++)
                    if (x0 + x < nx && y0 + y < ny)
                      put_sample (tile + y * tile_row, x, spec->bits,
                                  spec->value (x0 + x, y0 + y, z));
                g_assert_cmpint (TIFFWriteTile (tif, tile, x0, y0, 0, 0), >=, 0);
              }
        }
      else
        {
          g_autofree guint8 *row = g_malloc0 (row_bytes);

          TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, 4);
          for (guint y = 0; y < ny; y++)
            {
              memset (row, 0, row_bytes);
              for (guint x = 0; x < nx * samples; x++)
                put_sample (row, x, spec->bits, spec->value (x / samples, y, z));
              g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
            }
        }
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

static guint32
value_8bit (guint x, guint y, guint z)
{
  return (x * 7 + y * 13 + z * 31) % 256;
}

static guint32
value_1bit (guint x, guint y, guint z)
{
  return ((x / 3) + y + z) % 2;
}

static const guint16 few_values[4] = { 7, 1000, 40000, 65535 };

static guint32
value_16bit_few (guint x, guint y, guint z)
{
  return few_values[(x + 2 * y + 3 * z) % 4];
}

static guint32
value_16bit_many (guint x, guint y, guint z)
{
  return (x + 37 * y + 37 * 29 * z) * 3;
}

static void
assert_volume_matches (const CbdVolume *volume, const TiffSpec *spec)
{
  g_assert_cmpuint (volume->dims[0], ==, spec->nx);
  g_assert_cmpuint (volume->dims[1], ==, spec->ny);
  g_assert_cmpuint (volume->dims[2], ==, spec->nz);
  for (guint z = 0; z < spec->nz; z++)
    for (guint y = 0; y < spec->ny; y++)
      for (guint x = 0; x < spec->nx; x++)
        {
          guint32 expected = spec->value (x, y, z);
          guint8 label = cbd_volume_get (volume, x, y, z);

          if (volume->remapped)
            g_assert_cmpuint (volume->source_value[label], ==, expected);
          else
            g_assert_cmpuint (label, ==, expected);
        }
}

static void
check_variant (const TiffSpec *spec, const char *name)
{
  g_autofree char *path = test_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;

  write_test_tiff (path, spec);
  volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_volume_matches (volume, spec);
  for (guint axis = 0; axis < 3; axis++)
    g_assert_cmpfloat (volume->voxel_nm[axis], ==, CBD_DEFAULT_VOXEL_NM);
}

static void
test_variants_8bit (void)
{
  static const guint16 compressions[] = {
    COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE,
    COMPRESSION_PACKBITS,
  };

  for (guint c = 0; c < G_N_ELEMENTS (compressions); c++)
    for (guint tiled = 0; tiled < 2; tiled++)
      for (guint big = 0; big < 2; big++)
        {
          TiffSpec spec = { 37, 29, 5, 8, compressions[c], tiled, big, 1, 0,
                            value_8bit, 0 };
          g_autofree char *name = g_strdup_printf ("v8-%u-%u-%u.tif",
                                                   compressions[c], tiled, big);

          g_test_message ("compression %u, tiled %u, BigTIFF %u",
                          compressions[c], tiled, big);
          check_variant (&spec, name);
        }
}

static void
test_variants_1bit (void)
{
  for (guint tiled = 0; tiled < 2; tiled++)
    {
      TiffSpec spec = { 37, 29, 4, 1, COMPRESSION_PACKBITS, tiled, FALSE, 1, 0,
                        value_1bit, 0 };
      g_autofree char *name = g_strdup_printf ("v1-%u.tif", tiled);

      check_variant (&spec, name);
    }
}

static void
test_variants_16bit (void)
{
  for (guint tiled = 0; tiled < 2; tiled++)
    {
      TiffSpec spec = { 37, 29, 4, 16, COMPRESSION_LZW, tiled, FALSE, 1, 0,
                        value_16bit_few, 0 };
      g_autofree char *name = g_strdup_printf ("v16-%u.tif", tiled);
      g_autofree char *path = test_path (name);
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdVolume) volume = NULL;

      write_test_tiff (path, &spec);
      volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (volume->remapped);
      /* ascending values become labels 0..3 */
      for (guint label = 0; label < 4; label++)
        g_assert_cmpuint (volume->source_value[label], ==, few_values[label]);
      g_assert_cmpuint (cbd_volume_get (volume, 0, 0, 0), ==, 0);
      g_assert_cmpuint (cbd_volume_get (volume, 3, 0, 0), ==, 3);
      assert_volume_matches (volume, &spec);
    }
}

static guint32
value_slice (guint x, guint y, guint z)
{
  return (x + y + 10 * z) % 256;
}

static guint32 slice_number;

static guint32
value_folder (guint x, guint y, guint z)
{
  return value_slice (x, y, slice_number);
}

static void
test_folder_natural_sort (void)
{
  g_autofree char *folder = test_path ("slices");
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  TiffSpec spec = { 20, 10, 1, 8, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                    value_folder, 0 };
  TiffSpec whole = { 20, 10, 12, 8, 0, FALSE, FALSE, 1, 0, value_slice, 0 };

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  for (slice_number = 0; slice_number < 12; slice_number++)
    {
      g_autofree char *name = g_strdup_printf ("s%u.tif", slice_number + 1);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      write_test_tiff (path, &spec);
    }
  {
    /* not a slice: ignored */
    g_autofree char *notes = g_build_filename (folder, "notes.txt", NULL);
    g_assert_true (g_file_set_contents (notes, "hello", -1, NULL));
  }

  volume = cbd_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_volume_matches (volume, &whole);

  /* a slice of another size is named in the error */
  {
    g_autofree char *odd = g_build_filename (folder, "s13.tif", NULL);
    TiffSpec wide = { 21, 10, 1, 8, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                      value_folder, 0 };
    g_autoptr(CbdVolume) broken = NULL;

    write_test_tiff (odd, &wide);
    broken = cbd_tiff_read (folder, NULL, NULL, NULL, &error);
    g_assert_null (broken);
    assert_error_names (error, CBD_IO_ERROR_INCONSISTENT, "s13.tif");
    g_clear_error (&error);

    /* and so is a slice that is no TIFF at all */
    g_assert_true (g_file_set_contents (odd, "garbage", -1, NULL));
    broken = cbd_tiff_read (folder, NULL, NULL, NULL, &error);
    g_assert_null (broken);
    assert_error_names (error, CBD_IO_ERROR_NOT_TIFF, "s13.tif");
    g_clear_error (&error);
  }
}

static void
test_round_trip (void)
{
  g_autofree char *path = test_path ("round-trip.tif");
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (33, 21, 7, &error);
  g_autoptr(CbdVolume) back = NULL;

  g_assert_no_error (error);
  for (gsize i = 0; i < cbd_volume_n_voxels (volume); i++)
    volume->labels[i] = (i * 2654435761u) >> 29;
  volume->voxel_nm[0] = 12.5;
  volume->voxel_nm[1] = 7.25;
  volume->voxel_nm[2] = 20.0;

  g_assert_true (cbd_tiff_write (volume, path, &error));
  g_assert_no_error (error);
  back = cbd_tiff_read (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_assert_cmpuint (back->dims[axis], ==, volume->dims[axis]);
      g_assert_cmpfloat_with_epsilon (back->voxel_nm[axis], volume->voxel_nm[axis],
                                      1e-4 * volume->voxel_nm[axis]);
    }
  g_assert_cmpmem (back->labels, cbd_volume_n_voxels (back),
                   volume->labels, cbd_volume_n_voxels (volume));
  g_assert_false (back->remapped);
}

static void
test_write_float (void)
{
  g_autofree char *path = test_path ("field.tif");
  g_autoptr(GError) error = NULL;
  const gsize dims[3] = { 9, 8, 3 };
  const double voxel_nm[3] = { 10.0, 10.0, 10.0 };
  float values[9 * 8 * 3];
  float plane[9 * 8];
  guint16 sample_format = 0, bits = 0;
  TIFF *tif;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    values[i] = i * 0.25f - 3.0f;
  g_assert_true (cbd_tiff_write_float (values, dims, voxel_nm, path, &error));
  g_assert_no_error (error);

  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  g_assert_cmpuint (TIFFNumberOfDirectories (tif), ==, 3);
  g_assert_true (TIFFSetDirectory (tif, 2));
  TIFFGetField (tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits);
  g_assert_cmpuint (sample_format, ==, SAMPLEFORMAT_IEEEFP);
  g_assert_cmpuint (bits, ==, 32);
  g_assert_cmpint (TIFFReadEncodedStrip (tif, 0, plane, sizeof plane), ==,
                   sizeof plane);
  for (guint i = 0; i < 9 * 8; i++)
    g_assert_cmpfloat (plane[i], ==, values[i + 9 * 8 * 2]);
  TIFFClose (tif);

  /* and our label reader refuses it */
  g_assert_null (cbd_tiff_read (path, NULL, NULL, NULL, &error));
  g_assert_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED);
}

static void
assert_error_names (GError *error, gint code, const char *name)
{
  g_assert_error (error, CBD_IO_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, name) == NULL)
    g_error ("message '%s' does not name %s", error->message, name);
}

static void
expect_tiff_error (const char *name, gint code)
{
  g_autofree char *path = test_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);

  g_assert_null (volume);
  assert_error_names (error, code, name);
}

static void
test_bad_inputs (void)
{
  TiffSpec rgb = { 8, 8, 2, 8, COMPRESSION_NONE, FALSE, FALSE, 3, 0, value_8bit, 0 };
  TiffSpec flt = { 8, 8, 2, 32, COMPRESSION_NONE, FALSE, FALSE, 1,
                   SAMPLEFORMAT_IEEEFP, value_8bit, 0 };
  TiffSpec odd = { 16, 8, 14, 8, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                   value_8bit, 12 };
  TiffSpec many = { 37, 29, 1, 16, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                    value_16bit_many, 0 };
  TiffSpec plain = { 64, 64, 4, 8, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                     value_8bit, 0 };
  g_autofree char *text = test_path ("notes.tif");
  g_autofree char *rgb_path = test_path ("rgb.tif");
  g_autofree char *float_path = test_path ("float.tif");
  g_autofree char *odd_path = test_path ("electrode.tif");
  g_autofree char *many_path = test_path ("many.tif");
  g_autofree char *truncated = test_path ("truncated.tif");
  g_autofree char *empty_dir = test_path ("empty-folder");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (g_file_set_contents (text, "just some text, no TIFF", -1, NULL));
  expect_tiff_error ("notes.tif", CBD_IO_ERROR_NOT_TIFF);

  write_test_tiff (rgb_path, &rgb);
  expect_tiff_error ("rgb.tif", CBD_IO_ERROR_UNSUPPORTED);
  write_test_tiff (float_path, &flt);
  expect_tiff_error ("float.tif", CBD_IO_ERROR_UNSUPPORTED);

  write_test_tiff (odd_path, &odd);
  {
    g_autoptr(CbdVolume) volume = cbd_tiff_read (odd_path, NULL, NULL, NULL, &error);

    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_INCONSISTENT, "electrode.tif");
    g_assert_nonnull (strstr (error->message, "page 12"));
    g_clear_error (&error);
  }

  write_test_tiff (many_path, &many);
  expect_tiff_error ("many.tif", CBD_IO_ERROR_TOO_MANY_LABELS);

  /* truncated inside the strip data of the last page */
  write_test_tiff (truncated, &plain);
  g_assert_true (g_file_get_contents (truncated, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, length - 64 * 64 - 1000,
                                      NULL));
  {
    g_autoptr(CbdVolume) volume = cbd_tiff_read (truncated, NULL, NULL, NULL, &error);

    g_assert_null (volume);
    g_assert_true (g_error_matches (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT));
    g_assert_nonnull (strstr (error->message, "truncated.tif"));
    g_clear_error (&error);
  }
  /* truncated inside the header */
  g_assert_true (g_file_set_contents (truncated, contents, 6, NULL));
  expect_tiff_error ("truncated.tif", CBD_IO_ERROR_CORRUPT);

  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  expect_tiff_error ("empty-folder", CBD_IO_ERROR_NOT_FOUND);
  expect_tiff_error ("missing.tif", CBD_IO_ERROR_NOT_FOUND);

  {
    g_autofree char *missing = test_path ("missing.tif");
    g_autoptr(CbdVolume) volume = cbd_volume_load (missing, NULL, NULL, NULL, &error);

    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_NOT_FOUND, "missing.tif");
    g_clear_error (&error);
  }
}

static void
test_unreadable (void)
{
  g_autofree char *path = test_path ("locked.tif");
  TiffSpec plain = { 8, 8, 1, 8, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                     value_8bit, 0 };

  if (geteuid () == 0)
    {
      g_test_skip ("root can read every file");
      return;
    }
  write_test_tiff (path, &plain);
  g_assert_cmpint (g_chmod (path, 0), ==, 0);
  expect_tiff_error ("locked.tif", CBD_IO_ERROR_UNREADABLE);
}

static void
test_raw (void)
{
  g_autofree char *path = test_path ("volume.raw");
  g_autoptr(GError) error = NULL;
  const gsize dims[3] = { 5, 4, 3 };
  const gsize wrong[3] = { 5, 4, 4 };
  guint8 bytes8[60];
  guint8 bytes16[120];
  CbdRawType type;

  for (guint i = 0; i < 60; i++)
    {
      guint16 value = few_values[i % 4];

      bytes8[i] = i * 3;
      bytes16[2 * i] = value >> 8;       /* big-endian */
      bytes16[2 * i + 1] = value & 0xff;
    }

  g_assert_true (g_file_set_contents (path, (char *) bytes8, 60, NULL));
  {
    g_autoptr(CbdVolume) volume = cbd_raw_read (path, dims, CBD_RAW_U8, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (volume->labels, 60, bytes8, 60);
    g_assert_cmpuint (cbd_volume_get (volume, 4, 3, 2), ==, 59 * 3);
  }
  {
    g_autoptr(CbdVolume) volume = cbd_raw_read (path, wrong, CBD_RAW_U8, NULL, &error);

    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_SIZE_MISMATCH, "volume.raw");
    g_assert_nonnull (strstr (error->message, "60"));
    g_assert_nonnull (strstr (error->message, "80"));
    g_clear_error (&error);
  }

  g_assert_true (g_file_set_contents (path, (char *) bytes16, 120, NULL));
  {
    g_autoptr(CbdVolume) volume = cbd_raw_read (path, dims, CBD_RAW_U16_BE, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (volume->remapped);
    for (guint i = 0; i < 60; i++)
      g_assert_cmpuint (volume->source_value[volume->labels[i]], ==, few_values[i % 4]);
  }
  {
    g_autoptr(CbdVolume) volume = cbd_raw_read (path, dims, CBD_RAW_U8, NULL, &error);

    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_SIZE_MISMATCH, "volume.raw");
    g_clear_error (&error);
  }

  /* 300 distinct little-endian values: too many labels */
  {
    const gsize dims_many[3] = { 10, 10, 3 };
    guint8 many[600];
    g_autoptr(CbdVolume) volume = NULL;

    for (guint i = 0; i < 300; i++)
      {
        many[2 * i] = (i * 7) & 0xff;
        many[2 * i + 1] = (i * 7) >> 8;
      }
    g_assert_true (g_file_set_contents (path, (char *) many, sizeof many, NULL));
    volume = cbd_raw_read (path, dims_many, CBD_RAW_U16_LE, NULL, &error);
    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_TOO_MANY_LABELS, "volume.raw");
    g_clear_error (&error);

    /* the generic loader points raw files to the raw importer */
    volume = cbd_volume_load (path, NULL, NULL, NULL, &error);
    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_UNSUPPORTED, "volume.raw");
    g_clear_error (&error);
  }

  g_assert_true (cbd_raw_type_from_string ("u16be", &type));
  g_assert_cmpint (type, ==, CBD_RAW_U16_BE);
  g_assert_true (cbd_raw_type_from_string ("u8", &type));
  g_assert_cmpint (type, ==, CBD_RAW_U8);
  g_assert_false (cbd_raw_type_from_string ("f32", &type));
}

/* Raw layouts: what each good one reads as, and a message for each bad one
 * that quotes the layout and the part that is wrong. */
static void
test_raw_layout (void)
{
  static const struct
  {
    const char *text;
    gsize       dims[3];
    CbdRawType  type;
  } good[] = {
    { "4,3,2", { 4, 3, 2 }, CBD_RAW_U8 },
    { "4,3,2:u8", { 4, 3, 2 }, CBD_RAW_U8 },
    { " 256 , 1, 7 : u16be", { 256, 1, 7 }, CBD_RAW_U16_BE },
    { "2720,1531,1436:u16le", { 2720, 1531, 1436 }, CBD_RAW_U16_LE },
  };
  static const struct
  {
    const char *text;
    const char *problem;   /* in the message, besides the layout */
  } bad[] = {
    { "", "it has 0" },
    { "4,3", "it has 2" },
    { "4,3,2,1:u8", "it has 4" },
    { "4;3;2", "it has 1" },
    { "4,x,2", "“x”" },
    { "4,0,2", "“0”" },
    { "4,3,-2", "“-2”" },
    { "4,3,2.5", "“2.5”" },
    { "4,3,99999999999999999999999", "“99999999999999999999999”" },
    { "4,3,2:f32", "“f32”" },
    { "4,3,2:", "“”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize dims[3] = { 0, 0, 0 };
      CbdRawType type = CBD_RAW_U16_BE;

      g_assert_true (cbd_raw_layout_parse (good[i].text, dims, &type, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (dims, sizeof dims, good[i].dims, sizeof dims);
      g_assert_cmpint (type, ==, good[i].type);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i].text);
      gsize dims[3];
      CbdRawType type;

      g_assert_false (cbd_raw_layout_parse (bad[i].text, dims, &type, &error));
      g_assert_error (error, CBD_IO_ERROR, CBD_IO_ERROR_BAD_LAYOUT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, quoted));
      g_assert_nonnull (strstr (error->message, bad[i].problem));
    }
}

static void
test_save_keeps_old_file (void)
{
  g_autofree char *path = test_path ("keep.tif");
  g_autofree char *bad = g_build_filename (path, "inside.tif", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (4, 4, 2, &error);
  gsize before_len, after_len;

  g_assert_true (g_file_set_contents (path, "old contents", -1, NULL));
  g_assert_false (cbd_tiff_write (volume, bad, &error));
  assert_error_names (error, CBD_IO_ERROR_WRITE_FAILED, "inside.tif");
  g_clear_error (&error);

  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpstr (after, ==, "old contents");

  /* a successful save replaces it and leaves no temporary behind */
  g_assert_true (cbd_tiff_write (volume, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  g_assert_cmpuint (before_len, >, 8);
  {
    /* created like any file (0666 minus the umask), not owner-only as the
     * temporary file it was written to */
    mode_t mask = umask (022);
    GStatBuf st;

    g_assert_true (cbd_tiff_write (volume, path, &error));
    g_assert_no_error (error);
    umask (mask);
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  }
  {
    g_autoptr(GDir) dir = g_dir_open (test_dir, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (dir)) != NULL)
      g_assert_null (strstr (entry, ".tmp-"));
  }
}

static void
test_shared_volume (void)
{
  const char *shared = g_getenv ("CBD_SHARED_DATA");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  guint64 counts[256];
  double n;

  if (shared != NULL)
    path = g_build_filename (shared, "electrode-nmc-3phase-256.tif", NULL);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("shared electrode volume not available");
      return;
    }

  volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint axis = 0; axis < 3; axis++)
    g_assert_cmpuint (volume->dims[axis], ==, 256);
  cbd_volume_histogram (volume, counts);
  n = cbd_volume_n_voxels (volume);
  g_assert_cmpfloat_with_epsilon (counts[0] / n, 0.4499, 1e-4);
  g_assert_cmpfloat_with_epsilon (counts[85] / n, 0.4005, 1e-4);
  g_assert_cmpfloat_with_epsilon (counts[170] / n, 0.1496, 1e-4);
}

/* A 4 × 4 × 2 8-bit stack with the given resolution tags and description. */
static CbdVolume *
read_with_resolution (const char *name,
                      guint16     unit,
                      float       resolution,
                      const char *description)
{
  g_autofree char *path = test_path (name);
  g_autoptr(GError) error = NULL;
  guint8 row[4] = { 1, 2, 3, 4 };
  TIFF *tif = TIFFOpen (path, "w");
  CbdVolume *volume;

  g_assert_nonnull (tif);
  for (guint z = 0; z < 2; z++)
    {
      TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, 4);
      TIFFSetField (tif, TIFFTAG_IMAGELENGTH, 4);
      TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 8);
      TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, unit);
      TIFFSetField (tif, TIFFTAG_XRESOLUTION, resolution);
      TIFFSetField (tif, TIFFTAG_YRESOLUTION, resolution);
      if (description != NULL && z == 0)
        TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, description);
      for (guint y = 0; y < 4; y++)
        g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);

  volume = cbd_tiff_read (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return volume;
}

static void
test_voxel_size (void)
{
  /* ImageJ: no resolution unit, pixels per micron, spacing in microns */
  {
    g_autoptr(CbdVolume) volume =
      read_with_resolution ("imagej.tif", RESUNIT_NONE, 2.0f,
                            "ImageJ=1.53t\nimages=2\nslices=2\nunit=micron\n"
                            "spacing=0.02\nloop=false\n");

    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[0], 500.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[1], 500.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[2], 20.0, 1e-9);
  }
  /* 1e6 pixels per centimetre: 10 nm; no spacing, so z keeps the default */
  {
    g_autoptr(CbdVolume) volume =
      read_with_resolution ("cm.tif", RESUNIT_CENTIMETER, 1e6f, NULL);

    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[0], 10.0, 1e-5);
    g_assert_cmpfloat (volume->voxel_nm[2], ==, CBD_DEFAULT_VOXEL_NM);
  }
  /* 2540000 dpi: 10 nm */
  {
    g_autoptr(CbdVolume) volume =
      read_with_resolution ("inch.tif", RESUNIT_INCH, 2540000.0f,
                            "ImageJ=1.53t\nunit=nm\nspacing=15\n");

    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[1], 10.0, 1e-5);
    g_assert_cmpfloat_with_epsilon (volume->voxel_nm[2], 15.0, 1e-9);
  }
}

static void
count_progress (const CbdProgress *progress,
                gpointer           user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (progress->fraction, >=, *last);
  g_assert_cmpfloat (progress->fraction, <=, 1.0);
  *last = progress->fraction;
}

static void
test_progress_and_cancel (void)
{
  g_autofree char *path = test_path ("progress.tif");
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TiffSpec spec = { 16, 16, 6, 16, COMPRESSION_NONE, FALSE, FALSE, 1, 0,
                    value_16bit_few, 0 };
  double last = 0.0;

  write_test_tiff (path, &spec);
  {
    g_autoptr(CbdVolume) volume =
      cbd_tiff_read (path, cancellable, count_progress, &last, &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (last, ==, 1.0);
  }

  g_cancellable_cancel (cancellable);
  {
    g_autoptr(CbdVolume) volume =
      cbd_tiff_read (path, cancellable, NULL, NULL, &error);

    g_assert_null (volume);
    assert_error_names (error, CBD_IO_ERROR_CANCELLED, "progress.tif");
  }
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *entry;

      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, entry, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* libtiff's own chatter while we write deliberately odd files */
  TIFFSetWarningHandler (NULL);

  test_dir = g_dir_make_tmp ("cbd-test-tiff-XXXXXX", NULL);
  g_assert_nonnull (test_dir);

  g_test_add_func ("/tiff/read/8bit-variants", test_variants_8bit);
  g_test_add_func ("/tiff/read/1bit", test_variants_1bit);
  g_test_add_func ("/tiff/read/16bit-remap", test_variants_16bit);
  g_test_add_func ("/tiff/read/folder-natural-sort", test_folder_natural_sort);
  g_test_add_func ("/tiff/read/bad-inputs", test_bad_inputs);
  g_test_add_func ("/tiff/read/unreadable", test_unreadable);
  g_test_add_func ("/tiff/read/shared-volume", test_shared_volume);
  g_test_add_func ("/tiff/read/voxel-size", test_voxel_size);
  g_test_add_func ("/tiff/read/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/tiff/write/round-trip", test_round_trip);
  g_test_add_func ("/tiff/write/float", test_write_float);
  g_test_add_func ("/tiff/write/keeps-old-file", test_save_keeps_old_file);
  g_test_add_func ("/raw/read", test_raw);
  g_test_add_func ("/raw/layout", test_raw_layout);

  status = g_test_run ();
  remove_tree (test_dir);
  g_free (test_dir);
  return status;
}
