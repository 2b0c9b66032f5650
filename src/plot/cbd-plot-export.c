/* cbd-plot-export.c — writing a figure to PNG, SVG or PDF
 *
 * cairo writes into memory; the bytes go to disk through
 * g_file_set_contents_full, which writes a temporary file in the same
 * folder, syncs it and renames it over the target.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "cbd-plot-export.h"

/* cairo's image surfaces stop at 32767 pixels a side; keep well inside and
 * bound the memory (4 bytes a pixel). */
#define MAX_PIXELS_PER_SIDE 30000
#define MAX_PIXELS 250000000.0

G_DEFINE_QUARK (cbd-plot-error-quark, cbd_plot_error)

gboolean
cbd_plot_format_from_path (const char    *path,
                           CbdPlotFormat *format)
{
  const char *dot;

  g_return_val_if_fail (path != NULL, FALSE);

  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return FALSE;
  if (g_ascii_strcasecmp (dot, ".png") == 0)
    *format = CBD_PLOT_FORMAT_PNG;
  else if (g_ascii_strcasecmp (dot, ".svg") == 0)
    *format = CBD_PLOT_FORMAT_SVG;
  else if (g_ascii_strcasecmp (dot, ".pdf") == 0)
    *format = CBD_PLOT_FORMAT_PDF;
  else
    return FALSE;
  return TRUE;
}

const char *
cbd_plot_format_to_string (CbdPlotFormat format)
{
  switch (format)
    {
    case CBD_PLOT_FORMAT_PNG: return "png";
    case CBD_PLOT_FORMAT_SVG: return "svg";
    case CBD_PLOT_FORMAT_PDF: return "pdf";
    default: return "unknown";
    }
}

/* The encoded figure, grown without aborting when memory runs out (cairo
 * then reports the failed write). */
typedef struct
{
  guint8 *data;
  gsize   len, size;
} Bytes;

/* Room for @extra more bytes; FALSE when out of memory. */
static gboolean
bytes_reserve (Bytes *bytes, gsize extra)
{
  gsize size = MAX (bytes->size, 4096);
  guint8 *data;

  if (extra > G_MAXSIZE / 2 - bytes->len)
    return FALSE;
  while (size < bytes->len + extra)
    size *= 2;
  if (size == bytes->size)
    return TRUE;
  data = g_try_realloc (bytes->data, size);
  if (data == NULL)
    return FALSE;
  bytes->data = data;
  bytes->size = size;
  return TRUE;
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  Bytes *bytes = closure;

  if (!bytes_reserve (bytes, length))
    return CAIRO_STATUS_NO_MEMORY;
  memcpy (bytes->data + bytes->len, data, length);
  bytes->len += length;
  return CAIRO_STATUS_SUCCESS;
}

static guint32
crc32_update (guint32 crc, const guint8 *data, gsize length)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int bit = 0; bit < 8; bit++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
put_be32 (guint8 *out, guint32 value)
{
  out[0] = value >> 24;
  out[1] = value >> 16;
  out[2] = value >> 8;
  out[3] = value;
}

/* cairo writes no resolution; a pHYs chunk right after IHDR records it so
 * that page layout programs size the figure as intended. */
/* FALSE when out of memory. */
static gboolean
insert_png_resolution (Bytes *png, double dpi)
{
  guint8 chunk[4 + 4 + 9 + 4];
  guint32 per_metre = (guint32) lround (dpi / 0.0254);
  const gsize after_ihdr = 8 + 4 + 4 + 13 + 4;

  if (png->len < after_ihdr || memcmp (png->data + 12, "IHDR", 4) != 0)
    return TRUE;
  put_be32 (chunk, 9);
  memcpy (chunk + 4, "pHYs", 4);
  put_be32 (chunk + 8, per_metre);
  put_be32 (chunk + 12, per_metre);
  chunk[16] = 1;  /* unit: metre */
  put_be32 (chunk + 17, crc32_update (0, chunk + 4, 4 + 9));
  if (!bytes_reserve (png, sizeof chunk))
    return FALSE;
  memmove (png->data + after_ihdr + sizeof chunk, png->data + after_ihdr, png->len - after_ihdr);
  memcpy (png->data + after_ihdr, chunk, sizeof chunk);
  png->len += sizeof chunk;
  return TRUE;
}

static gboolean
check_status (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_CAIRO, "Cannot draw “%s”: %s", path,
               cairo_status_to_string (status));
  return FALSE;
}

static gboolean
draw_on (cairo_surface_t *surface, CbdPlotDrawFunc draw, gconstpointer figure,
         double scale, double width_pt, double height_pt, const char *path, GError **error)
{
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;

  cairo_scale (cr, scale, scale);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  draw (figure, cr, width_pt, height_pt);
  status = cairo_status (cr);
  cairo_destroy (cr);
  return check_status (status, path, error);
}

gboolean
cbd_plot_export (CbdPlotDrawFunc draw,
                 gconstpointer   figure,
                 const char     *path,
                 CbdPlotFormat   format,
                 double          width_pt,
                 double          height_pt,
                 double          dpi,
                 GError        **error)
{
  Bytes buffer = { NULL, 0, 0 };
  Bytes *bytes = &buffer;
  g_autoptr(GError) local_error = NULL;
  cairo_surface_t *surface = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (draw != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(width_pt >= 1 && height_pt >= 1 && width_pt <= 1e5 && height_pt <= 1e5))
    {
      g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                   "Cannot export “%s”: a figure of %g x %g points is not drawable", path,
                   width_pt, height_pt);
      return FALSE;
    }

  switch (format)
    {
    case CBD_PLOT_FORMAT_PNG:
      {
        double width_px = ceil (width_pt * dpi / 72.0), height_px = ceil (height_pt * dpi / 72.0);

        if (!(dpi >= 10 && width_px <= MAX_PIXELS_PER_SIDE && height_px <= MAX_PIXELS_PER_SIDE &&
              width_px * height_px <= MAX_PIXELS))
          {
            g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                         "Cannot export “%s”: %g x %g points at %g dpi is %.0f x %.0f pixels, "
                         "outside what a PNG export supports (at least 10 dpi, at most %d pixels "
                         "a side)", path, width_pt, height_pt, dpi, width_px, height_px,
                         MAX_PIXELS_PER_SIDE);
            return FALSE;
          }
        surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) width_px, (int) height_px);
        if (!check_status (cairo_surface_status (surface), path, error) ||
            !draw_on (surface, draw, figure, dpi / 72.0, width_pt, height_pt, path, error))
          goto out;
        cairo_surface_flush (surface);
        if (!check_status (cairo_surface_write_to_png_stream (surface, append_bytes, bytes),
                           path, error))
          goto out;
        if (!insert_png_resolution (bytes, dpi))
          {
            check_status (CAIRO_STATUS_NO_MEMORY, path, error);
            goto out;
          }
      }
      break;

    case CBD_PLOT_FORMAT_SVG:
      surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width_pt, height_pt);
      if (!check_status (cairo_surface_status (surface), path, error))
        goto out;
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PT);
      if (!draw_on (surface, draw, figure, 1.0, width_pt, height_pt, path, error))
        goto out;
      cairo_surface_finish (surface);
      if (!check_status (cairo_surface_status (surface), path, error))
        goto out;
      break;

    case CBD_PLOT_FORMAT_PDF:
      surface = cairo_pdf_surface_create_for_stream (append_bytes, bytes, width_pt, height_pt);
      if (!check_status (cairo_surface_status (surface), path, error))
        goto out;
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR,
                                      PACKAGE_NAME " " PACKAGE_VERSION);
      if (!draw_on (surface, draw, figure, 1.0, width_pt, height_pt, path, error))
        goto out;
      cairo_surface_finish (surface);
      if (!check_status (cairo_surface_status (surface), path, error))
        goto out;
      break;

    default:
      g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT,
                   "Cannot export “%s”: unknown figure format %d", path, format);
      goto out;
    }

  if (!g_file_set_contents_full (path, (const char *) bytes->data, bytes->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local_error))
    {
      g_set_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_IO, "Cannot write the figure: %s",
                   local_error->message);
      goto out;
    }
  ok = TRUE;

out:
  if (surface != NULL)
    cairo_surface_destroy (surface);
  g_free (buffer.data);
  return ok;
}
