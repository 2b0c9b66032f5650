/* cbd-tiff-read.c — reading label volumes from TIFF files and folders of
 * single-page TIFFs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-tiff"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <tiffio.h>

#include "cbd-io.h"
#include "cbd-io-private.h"

/* One page source: either the pages of one multi-page file, or one page per
 * file of a folder. The same reader is walked twice for 16-bit data. */
typedef struct
{
  char      *path;          /* file or folder as given */
  char      *display;       /* basename of path, for messages */
  GPtrArray *files;         /* folder: full paths in natural order; else NULL */
  guint      n_pages;

  TIFF      *tif;           /* currently open file */
  char      *tif_name;      /* its basename */
  guint64    file_size;     /* its size in bytes */
  char      *tiff_message;  /* last message from libtiff for this handle */
  char      *tiff_warning;  /* last warning, only consulted for page loops */
} TiffReader;

/* What every page must agree on. */
typedef struct
{
  guint32 width;
  guint32 height;
  guint16 bits;
} PageFormat;

/* libtiff hands us its own format strings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static int
reader_tiff_error (TIFF       *tif,
                   void       *user_data,
                   const char *module,
                   const char *fmt,
                   va_list     ap)
{
  TiffReader *reader = user_data;

  g_free (reader->tiff_message);
  reader->tiff_message = g_strdup_vprintf (fmt, ap);
  return 1;  /* handled: libtiff must not print */
}

static int
reader_tiff_warning (TIFF       *tif,
                     void       *user_data,
                     const char *module,
                     const char *fmt,
                     va_list     ap)
{
  TiffReader *reader = user_data;

  /* unknown tags and the like are no concern of ours, but keep the text */
  g_free (reader->tiff_warning);
  reader->tiff_warning = g_strdup_vprintf (fmt, ap);
  return 1;
}

#pragma GCC diagnostic pop

static void
reader_close_file (TiffReader *reader)
{
  if (reader->tif != NULL)
    TIFFClose (reader->tif);
  reader->tif = NULL;
  g_clear_pointer (&reader->tif_name, g_free);
}

static void
reader_free (TiffReader *reader)
{
  reader_close_file (reader);
  g_free (reader->path);
  g_free (reader->display);
  g_clear_pointer (&reader->files, g_ptr_array_unref);
  g_free (reader->tiff_message);
  g_free (reader->tiff_warning);
  g_free (reader);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TiffReader, reader_free)

/* The libtiff message if there is one, for appending after a colon. */
static const char *
reader_detail (TiffReader *reader,
               const char *fallback)
{
  return reader->tiff_message != NULL ? reader->tiff_message : fallback;
}

static int
natural_compare (const char *a,
                 const char *b)
{
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          const char *a_end, *b_end;
          gsize a_len, b_len;

          while (*a == '0' && g_ascii_isdigit (a[1]))
            a++;
          while (*b == '0' && g_ascii_isdigit (b[1]))
            b++;
          for (a_end = a; g_ascii_isdigit (*a_end); a_end++)
            ;
          for (b_end = b; g_ascii_isdigit (*b_end); b_end++)
            ;
          a_len = a_end - a;
          b_len = b_end - b;
          if (a_len != b_len)
            return a_len < b_len ? -1 : 1;
          for (; a < a_end; a++, b++)
            if (*a != *b)
              return *a < *b ? -1 : 1;
          continue;
        }
      if (g_ascii_tolower (*a) != g_ascii_tolower (*b))
        return g_ascii_tolower (*a) < g_ascii_tolower (*b) ? -1 : 1;
      a++;
      b++;
    }
  return (*a != '\0') - (*b != '\0');
}

static int
natural_compare_paths (gconstpointer a,
                       gconstpointer b)
{
  g_autofree char *name_a = g_path_get_basename (*(const char * const *) a);
  g_autofree char *name_b = g_path_get_basename (*(const char * const *) b);
  int order = natural_compare (name_a, name_b);

  return order != 0 ? order : strcmp (name_a, name_b);
}

static gboolean
has_tiff_suffix (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff");
}

static GPtrArray *
list_folder (const char  *path,
             const char  *display,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &local_error);
  g_autoptr(GPtrArray) files = NULL;
  const char *entry;

  if (dir == NULL)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNREADABLE,
                   "%s: %s", display, local_error->message);
      return NULL;
    }

  files = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *full = NULL;

      if (entry[0] == '.' || !has_tiff_suffix (entry))
        continue;
      full = g_build_filename (path, entry, NULL);
      if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&full));
    }

  if (files->len == 0)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_NOT_FOUND,
                   "%s: the folder contains no TIFF files", display);
      return NULL;
    }
  g_ptr_array_sort (files, natural_compare_paths);
  return g_steal_pointer (&files);
}

/* Opens one file with our per-handle error handler, classifying failures
 * so that "missing", "not a TIFF" and "broken TIFF" read differently. */
static gboolean
reader_open_file (TiffReader  *reader,
                  const char  *file,
                  GError     **error)
{
  g_autofree char *name = g_path_get_basename (file);
  TIFFOpenOptions *options;
  guint8 header[4] = { 0 };
  gsize header_len;
  FILE *stream;

  reader_close_file (reader);
  g_clear_pointer (&reader->tiff_message, g_free);

  stream = g_fopen (file, "rb");
  if (stream == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, CBD_IO_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR
                     ? CBD_IO_ERROR_NOT_FOUND : CBD_IO_ERROR_UNREADABLE,
                   "%s: %s", name, g_strerror (saved_errno));
      return FALSE;
    }
  header_len = fread (header, 1, sizeof header, stream);
  reader->file_size = 0;
  if (fseeko (stream, 0, SEEK_END) == 0)
    reader->file_size = MAX (ftello (stream), 0);
  fclose (stream);

  if (header_len < sizeof header ||
      !((header[0] == 'I' && header[1] == 'I' && header[3] == 0 &&
         (header[2] == 42 || header[2] == 43)) ||
        (header[0] == 'M' && header[1] == 'M' && header[2] == 0 &&
         (header[3] == 42 || header[3] == 43))))
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_NOT_TIFF,
                   "%s: not a TIFF file", name);
      return FALSE;
    }

  options = TIFFOpenOptionsAlloc ();
  TIFFOpenOptionsSetErrorHandlerExtR (options, reader_tiff_error, reader);
  TIFFOpenOptionsSetWarningHandlerExtR (options, reader_tiff_warning, reader);
  /* "m": no memory mapping, so a file truncated under us is a read error */
  reader->tif = TIFFOpenExt (file, "rm", options);
  TIFFOpenOptionsFree (options);

  if (reader->tif == NULL)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                   "%s: damaged TIFF file: %s", name,
                   reader_detail (reader, "cannot read the header"));
      return FALSE;
    }
  reader->tif_name = g_steal_pointer (&name);
  return TRUE;
}

/* A prefix naming where a per-page problem is: "stack.tif: page 3" or, in a
 * folder, the slice file itself. */
static char *
reader_page_label (TiffReader *reader,
                   guint       page)
{
  if (reader->files != NULL)
    return g_strdup_printf ("%s/%s", reader->display, reader->tif_name);
  return g_strdup_printf ("%s: page %u", reader->display, page + 1);
}

static gboolean
reader_goto_page (TiffReader  *reader,
                  guint        page,
                  GError     **error)
{
  if (reader->files != NULL)
    return reader_open_file (reader, g_ptr_array_index (reader->files, page), error);

  if (TIFFCurrentDirectory (reader->tif) == page)
    return TRUE;
  g_clear_pointer (&reader->tiff_message, g_free);
  /* Walking forward page by page is the common case and needs no seek
   * through the chain from the start. */
  if (TIFFCurrentDirectory (reader->tif) + 1 == page)
    {
      if (!TIFFReadDirectory (reader->tif))
        {
          g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                       "%s: cannot read page %u: %s", reader->display, page + 1,
                       reader_detail (reader, "damaged directory"));
          return FALSE;
        }
      return TRUE;
    }
  if (!TIFFSetDirectory (reader->tif, page))
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                   "%s: cannot read page %u: %s", reader->display, page + 1,
                   reader_detail (reader, "damaged directory"));
      return FALSE;
    }
  return TRUE;
}

static const char *
compression_name (guint16 compression)
{
  switch (compression)
    {
    case COMPRESSION_JPEG:
    case COMPRESSION_OJPEG: return "JPEG";
    case COMPRESSION_CCITTRLE:
    case COMPRESSION_CCITTFAX3:
    case COMPRESSION_CCITTFAX4: return "CCITT fax";
    case COMPRESSION_LZMA: return "LZMA";
    case COMPRESSION_ZSTD: return "Zstandard";
    case COMPRESSION_WEBP: return "WebP";
    case COMPRESSION_JBIG: return "JBIG";
    default: return "unknown";
    }
}

/* Checks that the current page is greyscale data we can turn into labels. */
static gboolean
reader_page_format (TiffReader  *reader,
                    guint        page,
                    PageFormat  *format,
                    GError     **error)
{
  g_autofree char *where = reader_page_label (reader, page);
  TIFF *tif = reader->tif;
  guint32 width = 0, height = 0;
  guint16 samples = 1, bits = 1, sample_format = SAMPLEFORMAT_UINT;
  guint16 compression = COMPRESSION_NONE, photometric = PHOTOMETRIC_MINISBLACK;

  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height) ||
      width == 0 || height == 0)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                   "%s has no valid image size", where);
      return FALSE;
    }
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted (tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric);

  if (samples != 1 || photometric == PHOTOMETRIC_RGB ||
      photometric == PHOTOMETRIC_YCBCR || photometric == PHOTOMETRIC_SEPARATED)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s has %u samples per pixel (colour); only single-channel "
                   "greyscale label images are supported", where, samples);
      return FALSE;
    }
  if (sample_format == SAMPLEFORMAT_IEEEFP)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s holds floating-point data; labels must be 1-, 8- or "
                   "16-bit unsigned integers", where);
      return FALSE;
    }
  if (sample_format != SAMPLEFORMAT_UINT && sample_format != SAMPLEFORMAT_VOID)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s holds signed or complex data; labels must be 1-, 8- or "
                   "16-bit unsigned integers", where);
      return FALSE;
    }
  if (bits != 1 && bits != 8 && bits != 16)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s has %u bits per sample; only 1, 8 and 16 are supported",
                   where, bits);
      return FALSE;
    }
  if (compression != COMPRESSION_NONE && compression != COMPRESSION_LZW &&
      compression != COMPRESSION_ADOBE_DEFLATE &&
      compression != COMPRESSION_DEFLATE && compression != COMPRESSION_PACKBITS)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s uses %s compression (%u); supported are none, LZW, "
                   "Deflate and PackBits", where,
                   compression_name (compression), compression);
      return FALSE;
    }

  /* A few bytes must not make us allocate gigabytes: no supported codec
   * expands data by more than about 3000:1 (LZW; Deflate 1032:1). */
  {
    guint64 stored = 0;
    guint64 needed = ((guint64) width * bits + 7) / 8 * height;
    guint64 factor = compression == COMPRESSION_NONE ? 1 : 4096;
    guint32 n_striles = TIFFNumberOfStrips (tif);

    for (guint32 i = 0; i < n_striles; i++)
      stored += TIFFGetStrileByteCount (tif, i);
    /* the counts are only claims; the file bounds what is really there */
    stored = MIN (stored, reader->file_size);
    if (stored * factor + 4096 < needed)
      {
        g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                     "%s claims %u × %u pixels but stores only %" G_GUINT64_FORMAT
                     " bytes of image data", where, width, height, stored);
        return FALSE;
      }
  }

  format->width = width;
  format->height = height;
  format->bits = bits;
  return TRUE;
}

/* Decodes the current page into @plane, rows of @row_bytes packed samples as
 * libtiff delivers them (16-bit already in host order). */
static gboolean
reader_decode_page (TiffReader        *reader,
                    guint              page,
                    const PageFormat  *format,
                    guint8            *plane,
                    gsize              row_bytes,
                    GError           **error)
{
  TIFF *tif = reader->tif;

  g_clear_pointer (&reader->tiff_message, g_free);

  if (TIFFIsTiled (tif))
    {
      guint32 tile_width = 0, tile_height = 0;
      tmsize_t tile_size = TIFFTileSize (tif);
      g_autofree guint8 *tile = NULL;
      gsize tile_row_bytes;

      TIFFGetField (tif, TIFFTAG_TILEWIDTH, &tile_width);
      TIFFGetField (tif, TIFFTAG_TILELENGTH, &tile_height);
      tile_row_bytes = ((gsize) tile_width * format->bits + 7) / 8;
      if (tile_width == 0 || tile_height == 0 || tile_size <= 0 ||
          (gsize) tile_size < tile_row_bytes * tile_height ||
          (tile_width * format->bits) % 8 != 0)
        goto corrupt;
      tile = g_try_malloc (tile_size);
      if (tile == NULL)
        goto corrupt;

      for (guint32 y0 = 0; y0 < format->height; y0 += tile_height)
        for (guint32 x0 = 0; x0 < format->width; x0 += tile_width)
          {
            guint32 rows = MIN (tile_height, format->height - y0);
            guint32 columns = MIN (tile_width, format->width - x0);
            gsize copy_bytes = ((gsize) columns * format->bits + 7) / 8;
            gsize x_offset = (gsize) x0 * format->bits / 8;

            if (TIFFReadEncodedTile (tif, TIFFComputeTile (tif, x0, y0, 0, 0),
                                     tile, tile_size) < 0)
              goto corrupt;
            for (guint32 row = 0; row < rows; row++)
              memcpy (plane + (gsize) (y0 + row) * row_bytes + x_offset,
                      tile + (gsize) row * tile_row_bytes, copy_bytes);
          }
    }
  else
    {
      guint32 rows_per_strip = 0;

      TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
      if (rows_per_strip == 0 || rows_per_strip > format->height)
        rows_per_strip = format->height;

      for (guint32 y0 = 0; y0 < format->height; y0 += rows_per_strip)
        {
          guint32 rows = MIN (rows_per_strip, format->height - y0);
          tmsize_t want = (tmsize_t) (rows * row_bytes);
          tmsize_t got = TIFFReadEncodedStrip (tif, TIFFComputeStrip (tif, y0, 0),
                                               plane + (gsize) y0 * row_bytes,
                                               want);
          if (got != want)
            goto corrupt;
        }
    }
  return TRUE;

corrupt:
  {
    g_autofree char *where = reader_page_label (reader, page);

    g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                 "%s: cannot decode the image data (truncated or damaged): %s",
                 where, reader_detail (reader, "read error"));
    return FALSE;
  }
}

static gboolean
check_cancelled (GCancellable  *cancellable,
                 const char    *display,
                 GError       **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CANCELLED,
                   "%s: loading cancelled", display);
      return TRUE;
    }
  return FALSE;
}

static double
unit_in_nm (const char *unit)
{
  if (unit == NULL)
    return 0.0;
  if (g_ascii_strcasecmp (unit, "nm") == 0 ||
      g_ascii_strcasecmp (unit, "nanometer") == 0 ||
      g_ascii_strcasecmp (unit, "nanometre") == 0)
    return 1.0;
  if (g_ascii_strcasecmp (unit, "micron") == 0 ||
      g_ascii_strcasecmp (unit, "um") == 0 ||
      g_ascii_strcasecmp (unit, "µm") == 0 ||
      g_ascii_strcasecmp (unit, "\\u00B5m") == 0 ||
      g_ascii_strcasecmp (unit, "micrometer") == 0)
    return 1e3;
  if (g_ascii_strcasecmp (unit, "mm") == 0)
    return 1e6;
  if (g_ascii_strcasecmp (unit, "cm") == 0)
    return 1e7;
  if (g_ascii_strcasecmp (unit, "inch") == 0)
    return 25.4e6;
  return 0.0;
}

/* Voxel size from the first page: XResolution/YResolution with their unit
 * and ImageJ's "spacing=" / "unit=" lines in the ImageDescription. */
static void
reader_voxel_size (TiffReader *reader,
                   double      voxel_nm[3])
{
  TIFF *tif = reader->tif;
  const char *description = NULL;
  g_autofree char *unit = NULL;
  double spacing = 0.0, unit_nm, resolution_unit_nm = 0.0;
  guint16 resolution_unit = RESUNIT_INCH;
  float resolution[2] = { 0.0f, 0.0f };

  if (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &description) &&
      description != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (description, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          if (g_str_has_prefix (lines[i], "spacing="))
            spacing = g_ascii_strtod (lines[i] + strlen ("spacing="), NULL);
          else if (g_str_has_prefix (lines[i], "unit="))
            {
              g_free (unit);
              unit = g_strstrip (g_strdup (lines[i] + strlen ("unit=")));
            }
        }
    }
  unit_nm = unit_in_nm (unit);

  TIFFGetFieldDefaulted (tif, TIFFTAG_RESOLUTIONUNIT, &resolution_unit);
  if (resolution_unit == RESUNIT_CENTIMETER)
    resolution_unit_nm = 1e7;
  else if (resolution_unit == RESUNIT_INCH)
    resolution_unit_nm = 25.4e6;
  else
    resolution_unit_nm = unit_nm;  /* ImageJ: pixels per description unit */

  TIFFGetField (tif, TIFFTAG_XRESOLUTION, &resolution[0]);
  TIFFGetField (tif, TIFFTAG_YRESOLUTION, &resolution[1]);
  for (guint axis = 0; axis < 2; axis++)
    {
      double size = resolution_unit_nm / resolution[axis];

      if (resolution[axis] > 0.0f && resolution_unit_nm > 0.0 &&
          isfinite (size) && size > 0.0)
        voxel_nm[axis] = size;
    }

  if (spacing > 0.0 && unit_nm > 0.0 && isfinite (spacing * unit_nm))
    voxel_nm[2] = spacing * unit_nm;
}

static gboolean
reader_page_matches (TiffReader        *reader,
                     guint              page,
                     const PageFormat  *first,
                     PageFormat        *format,
                     GError           **error)
{
  if (!reader_page_format (reader, page, format, error))
    return FALSE;
  if (format->width != first->width || format->height != first->height ||
      format->bits != first->bits)
    {
      g_autofree char *where = reader_page_label (reader, page);

      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_INCONSISTENT,
                   "%s is %u × %u at %u bits, the first page is %u × %u at "
                   "%u bits", where, format->width, format->height,
                   format->bits, first->width, first->height, first->bits);
      return FALSE;
    }
  return TRUE;
}

static CbdVolume *
reader_read_volume (TiffReader       *reader,
                    GCancellable     *cancellable,
                    CbdProgressFunc   progress,
                    gpointer          progress_data,
                    GError          **error)
{
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(GError) volume_error = NULL;
  g_autofree guint8 *scratch = NULL;
  g_autofree guint32 *seen = NULL;
  g_autofree guint8 *lookup = NULL;
  PageFormat first, format;
  gsize plane_size, row_bytes;
  guint n_passes;

  if (!reader_goto_page (reader, 0, error) ||
      !reader_page_format (reader, 0, &first, error))
    return NULL;

  volume = cbd_volume_new (first.width, first.height, reader->n_pages,
                           &volume_error);
  if (volume == NULL)
    {
      g_set_error (error, CBD_IO_ERROR,
                   g_error_matches (volume_error, CBD_VOLUME_ERROR,
                                    CBD_VOLUME_ERROR_NO_MEMORY)
                     ? CBD_IO_ERROR_NO_MEMORY : CBD_IO_ERROR_CORRUPT,
                   "%s: %s", reader->display, volume_error->message);
      return NULL;
    }
  reader_voxel_size (reader, volume->voxel_nm);

  plane_size = (gsize) first.width * first.height;
  row_bytes = ((gsize) first.width * first.bits + 7) / 8;
  if (first.bits != 8)
    {
      scratch = g_try_malloc (row_bytes * first.height);
      if (scratch == NULL)
        {
          g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_NO_MEMORY,
                       "%s: not enough memory for one slice", reader->display);
          return NULL;
        }
    }

  /* 16-bit labels take two passes: collect the distinct values, then map
   * them, so we never hold a 16-bit copy of the whole volume. */
  n_passes = first.bits == 16 ? 2 : 1;
  if (n_passes == 2)
    seen = g_new0 (guint32, 65536 / 32);

  for (guint pass = 0; pass < n_passes; pass++)
    {
      gboolean mapping = n_passes == 2 && pass == 1;

      if (mapping)
        {
          lookup = cbd_io_remap_seen_values (seen, volume, reader->display, error);
          if (lookup == NULL)
            {
              return NULL;
            }
        }

      for (guint page = 0; page < reader->n_pages; page++)
        {
          guint8 *dest = volume->labels + plane_size * page;

          if (check_cancelled (cancellable, reader->display, error))
            return NULL;
          if (!reader_goto_page (reader, page, error) ||
              !reader_page_matches (reader, page, &first, &format, error))
            return NULL;

          if (first.bits == 8)
            {
              if (!reader_decode_page (reader, page, &first, dest, row_bytes, error))
                return NULL;
            }
          else if (first.bits == 1)
            {
              if (!reader_decode_page (reader, page, &first, scratch, row_bytes, error))
                return NULL;
              /* bilevel keeps its raw values 0 and 1 as labels */
              for (guint32 y = 0; y < first.height; y++)
                {
                  const guint8 *row = scratch + y * row_bytes;

                  for (guint32 x = 0; x < first.width; x++)
                    dest[(gsize) y * first.width + x] =
                      (row[x / 8] >> (7 - x % 8)) & 1;
                }
            }
          else
            {
              const guint16 *values = (const guint16 *) scratch;

              if (!reader_decode_page (reader, page, &first, scratch, row_bytes, error))
                return NULL;
              if (!mapping)
                for (gsize i = 0; i < plane_size; i++)
                  seen[values[i] / 32] |= 1u << (values[i] % 32);
              else
                for (gsize i = 0; i < plane_size; i++)
                  dest[i] = lookup[values[i]];
            }

          cbd_progress_report (progress, progress_data,
                               n_passes == 2 && !mapping
                                 ? "Scanning 16-bit values" : "Reading slices",
                               ((double) pass + (page + 1.0) / reader->n_pages)
                               / n_passes);
        }
    }

  reader_close_file (reader);
  return g_steal_pointer (&volume);
}

/**
 * cbd_tiff_read:
 *
 * Reads a multi-page (Big)TIFF or a folder of single-page TIFFs (only the
 * first page of each slice file is used). The volume is allocated once from
 * the page count and first page size, and each page is decoded straight into
 * it. Sample values are labels: 1-bit data keeps 0 and 1 whatever the
 * photometric interpretation, 8-bit data is stored as is, 16-bit data with
 * at most 256 distinct values is stored as the rank of each value, with the
 * original values in source_value[].
 */
CbdVolume *
cbd_tiff_read (const char      *path,
               GCancellable    *cancellable,
               CbdProgressFunc  progress,
               gpointer         progress_data,
               GError         **error)
{
  g_autoptr(TiffReader) reader = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader = g_new0 (TiffReader, 1);
  reader->path = g_strdup (path);
  reader->display = g_path_get_basename (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      reader->files = list_folder (path, reader->display, error);
      if (reader->files == NULL)
        return NULL;
      reader->n_pages = reader->files->len;
    }
  else
    {
      tdir_t n_pages;

      if (!reader_open_file (reader, path, error))
        return NULL;
      g_clear_pointer (&reader->tiff_message, g_free);
      g_clear_pointer (&reader->tiff_warning, g_free);
      n_pages = TIFFNumberOfDirectories (reader->tif);
      /* A chain of pages that breaks off (bad offset, truncated file) or
       * loops back is an error, not a shorter volume. */
      if (reader->tiff_message == NULL && reader->tiff_warning != NULL &&
          strstr (reader->tiff_warning, "loop") != NULL)
        reader->tiff_message = g_strdup (reader->tiff_warning);
      if (reader->tiff_message != NULL)
        {
          g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                       "%s: damaged list of pages after page %u: %s",
                       reader->display, n_pages, reader->tiff_message);
          return NULL;
        }
      if (n_pages == 0)
        {
          g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CORRUPT,
                       "%s: the TIFF has no readable pages", reader->display);
          return NULL;
        }
      reader->n_pages = n_pages;
    }

  return reader_read_volume (reader, cancellable, progress, progress_data, error);
}
