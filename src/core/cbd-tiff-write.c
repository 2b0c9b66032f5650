/* cbd-tiff-write.c — writing label volumes and float fields as multi-page
 * Deflate TIFFs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-tiff"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <tiffio.h>

#include "cbd-io.h"

/* Classic TIFF offsets are 32-bit; leave headroom for directories and
 * incompressible data before switching to BigTIFF. */
#define CLASSIC_TIFF_LIMIT 3500000000.0

typedef struct
{
  char *message;
} WriteErrors;

/* libtiff hands us its own format strings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static int
writer_tiff_error (TIFF       *tif,
                   void       *user_data,
                   const char *module,
                   const char *fmt,
                   va_list     ap)
{
  WriteErrors *errors = user_data;

  if (errors->message == NULL)
    errors->message = g_strdup_vprintf (fmt, ap);
  return 1;
}

static int
writer_tiff_warning (TIFF       *tif,
                     void       *user_data,
                     const char *module,
                     const char *fmt,
                     va_list     ap)
{
  return 1;
}

#pragma GCC diagnostic pop

/* Writes @nz planes of @bytes_per_sample samples to a temporary file beside
 * @path and renames it over @path only when everything succeeded. */
static gboolean
write_stack (const guint8  *data,
             const gsize    dims[3],
             const double   voxel_nm[3],
             guint          bytes_per_sample,
             guint16        sample_format,
             const char    *path,
             GError       **error)
{
  g_autofree char *tmp_path = g_strconcat (path, ".tmp-XXXXXX", NULL);
  g_autofree char *description = NULL;
  WriteErrors errors = { NULL };
  TIFFOpenOptions *options;
  TIFF *tif;
  gsize row_bytes, plane_bytes;
  guint32 rows_per_strip;
  gboolean ok = TRUE;
  char spacing_buf[G_ASCII_DTOSTR_BUF_SIZE];
  int fd;

  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 ||
      dims[0] > G_MAXUINT32 || dims[1] > G_MAXUINT32)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_WRITE_FAILED,
                   "%s: cannot store a %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " × %" G_GSIZE_FORMAT " volume in a TIFF", path,
                   dims[0], dims[1], dims[2]);
      return FALSE;
    }

  /* g_mkstemp would leave the result readable by its owner only; 0666
   * minus the umask, as for any file the user creates */
  fd = g_mkstemp_full (tmp_path, O_RDWR, 0666);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_WRITE_FAILED,
                   "%s: cannot create a file there: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  row_bytes = dims[0] * bytes_per_sample;
  plane_bytes = row_bytes * dims[1];
  rows_per_strip = (guint32) CLAMP ((1 << 20) / row_bytes, 1, dims[1]);

  options = TIFFOpenOptionsAlloc ();
  TIFFOpenOptionsSetErrorHandlerExtR (options, writer_tiff_error, &errors);
  TIFFOpenOptionsSetWarningHandlerExtR (options, writer_tiff_warning, &errors);
  tif = TIFFOpenExt (tmp_path,
                     (double) plane_bytes * dims[2] > CLASSIC_TIFF_LIMIT ? "w8" : "w",
                     options);
  TIFFOpenOptionsFree (options);
  if (tif == NULL)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_WRITE_FAILED,
                   "%s: cannot write: %s", path,
                   errors.message != NULL ? errors.message : "cannot open");
      g_unlink (tmp_path);
      g_free (errors.message);
      return FALSE;
    }

  /* x and y go in the resolution tags in centimetres; the slice spacing
   * goes in an ImageJ-style description. ImageJ reads the resolution in the
   * description's unit, so that unit is centimetres too and the spacing is
   * given in cm (full precision), which our reader and ImageJ/Fiji agree on. */
  g_ascii_dtostr (spacing_buf, sizeof spacing_buf, voxel_nm[2] * 1e-7);
  description = g_strdup_printf ("ImageJ=1.11a\nimages=%" G_GSIZE_FORMAT
                                 "\nslices=%" G_GSIZE_FORMAT
                                 "\nunit=cm\nspacing=%s\nloop=false\n",
                                 dims[2], dims[2], spacing_buf);

  for (gsize z = 0; z < dims[2] && ok; z++)
    {
      const guint8 *plane = data + plane_bytes * z;

      ok = ok && TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) dims[0]);
      ok = ok && TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) dims[1]);
      ok = ok && TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, (guint16) (8 * bytes_per_sample));
      ok = ok && TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, (guint16) 1);
      ok = ok && TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, sample_format);
      ok = ok && TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      ok = ok && TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      ok = ok && TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
      ok = ok && TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
      ok = ok && TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
      ok = ok && TIFFSetField (tif, TIFFTAG_XRESOLUTION, (float) (1e7 / voxel_nm[0]));
      ok = ok && TIFFSetField (tif, TIFFTAG_YRESOLUTION, (float) (1e7 / voxel_nm[1]));
      ok = ok && TIFFSetField (tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
      if (dims[2] <= G_MAXUINT16)
        ok = ok && TIFFSetField (tif, TIFFTAG_PAGENUMBER, (guint16) z, (guint16) dims[2]);
      if (z == 0)
        ok = ok && TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, description);

      for (guint32 y0 = 0; y0 < dims[1] && ok; y0 += rows_per_strip)
        {
          guint32 rows = MIN (rows_per_strip, dims[1] - y0);

          ok = TIFFWriteEncodedStrip (tif, TIFFComputeStrip (tif, y0, 0),
                                      (void *) (plane + row_bytes * y0),
                                      (tmsize_t) (row_bytes * rows)) >= 0;
        }
      ok = ok && TIFFWriteDirectory (tif);
    }
  ok = ok && TIFFFlush (tif);
  TIFFClose (tif);

  if (ok && g_rename (tmp_path, path) != 0)
    {
      int saved_errno = errno;

      g_free (errors.message);
      errors.message = g_strdup (g_strerror (saved_errno));
      ok = FALSE;
    }

  if (!ok)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_WRITE_FAILED,
                   "%s: writing failed: %s", path,
                   errors.message != NULL ? errors.message : "I/O error");
      g_unlink (tmp_path);
    }
  g_free (errors.message);
  return ok;
}

/**
 * cbd_tiff_write:
 *
 * Writes one 8-bit Deflate page per z slice. A 16-bit volume that was
 * remapped on load is written as its stored 8-bit labels (0..n-1), not as the
 * original 16-bit values: the file then matches what the analysis used.
 */
gboolean
cbd_tiff_write (const CbdVolume  *volume,
                const char       *path,
                GError          **error)
{
  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return write_stack (volume->labels, volume->dims, volume->voxel_nm, 1,
                      SAMPLEFORMAT_UINT, path, error);
}

gboolean
cbd_tiff_write_float (const float   *values,
                      const gsize    dims[3],
                      const double   voxel_nm[3],
                      const char    *path,
                      GError       **error)
{
  g_return_val_if_fail (values != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return write_stack ((const guint8 *) values, dims, voxel_nm, sizeof (float),
                      SAMPLEFORMAT_IEEEFP, path, error);
}

gboolean
cbd_tiff_write_uint32 (const guint32  *values,
                       const gsize     dims[3],
                       const double    voxel_nm[3],
                       const char     *path,
                       GError        **error)
{
  g_return_val_if_fail (values != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return write_stack ((const guint8 *) values, dims, voxel_nm, sizeof (guint32),
                      SAMPLEFORMAT_UINT, path, error);
}
