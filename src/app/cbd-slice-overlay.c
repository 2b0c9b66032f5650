/* cbd-slice-overlay.c — the macropore filter's classes of one cutout, drawn
 * over the slices (the paper's Figure 3c: solid black, retained pore
 * orange, excluded pore green)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-slice-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cbd-filter.h"
#include "cbd-slice-overlay.h"

CbdSliceOverlay *
cbd_slice_overlay_new (const gsize   origin[3],
                       const gsize   size[3],
                       GError      **error)
{
  CbdSliceOverlay *overlay;
  gsize n = size[0] * size[1] * size[2];

  overlay = g_new0 (CbdSliceOverlay, 1);
  overlay->classes = g_try_malloc0 (MAX (n, 1));
  if (overlay->classes == NULL)
    {
      g_free (overlay);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("Not enough memory for the filter overlay of %zu voxels"), n);
      return NULL;
    }
  for (guint axis = 0; axis < 3; axis++)
    {
      overlay->origin[axis] = origin[axis];
      overlay->size[axis] = size[axis];
    }
  g_atomic_ref_count_init (&overlay->ref_count);
  return overlay;
}

CbdSliceOverlay *
cbd_slice_overlay_new_field (const gsize  origin[3],
                             const gsize  size[3],
                             float       *field,
                             double       field_min,
                             double       field_max)
{
  CbdSliceOverlay *overlay = g_new0 (CbdSliceOverlay, 1);

  for (guint axis = 0; axis < 3; axis++)
    {
      overlay->origin[axis] = origin[axis];
      overlay->size[axis] = size[axis];
    }
  overlay->field = field;
  overlay->field_min = field_min;
  overlay->field_max = field_max > field_min ? field_max : field_min + 1.0;
  g_atomic_ref_count_init (&overlay->ref_count);
  return overlay;
}

/* Five stops of a perceptually ordered map (dark blue, blue, teal, green,
 * yellow, like viridis), linearly interpolated. */
guint32
cbd_slice_overlay_colormap (double t)
{
  static const double stops[5][3] = {
    { 0.267, 0.005, 0.329 },
    { 0.231, 0.322, 0.545 },
    { 0.129, 0.569, 0.549 },
    { 0.369, 0.788, 0.384 },
    { 0.993, 0.906, 0.144 },
  };
  double x = CLAMP (t, 0.0, 1.0) * 4.0;
  guint k = MIN ((guint) x, 3);
  double f = x - k;
  guint32 rgb = 0;

  for (guint c = 0; c < 3; c++)
    {
      double value = stops[k][c] + f * (stops[k + 1][c] - stops[k][c]);

      rgb = rgb << 8 | (guint32) (value * 255.0 + 0.5);
    }
  return rgb;
}

CbdSliceOverlay *
cbd_slice_overlay_ref (CbdSliceOverlay *overlay)
{
  g_atomic_ref_count_inc (&overlay->ref_count);
  return overlay;
}

void
cbd_slice_overlay_unref (CbdSliceOverlay *overlay)
{
  if (overlay != NULL && g_atomic_ref_count_dec (&overlay->ref_count))
    {
      g_free (overlay->classes);
      g_free (overlay->field);
      g_free (overlay);
    }
}


/* The colour of a filter class, 0xRRGGBB: solid black, retained pore
 * orange, excluded pore green (the paper's Figure 3c). */
guint32
cbd_slice_overlay_class_rgb (guint filter_class)
{
  static const guint32 rgb[3] = {
    [CBD_FILTER_SOLID] = 0x000000,
    [CBD_FILTER_RETAINED] = 0xff8c00,
    [CBD_FILTER_EXCLUDED] = 0x00b04f,
  };

  return rgb[MIN (filter_class, 2)];
}
/* The class (classes overlay) of stack voxel (x, y, z), -1 outside the
 * cutout or for a field overlay. */
int
cbd_slice_overlay_get (const CbdSliceOverlay *overlay,
                       gsize                  x,
                       gsize                  y,
                       gsize                  z)
{
  gsize p[3] = { x, y, z };

  for (guint axis = 0; axis < 3; axis++)
    if (p[axis] < overlay->origin[axis] || p[axis] >= overlay->origin[axis] + overlay->size[axis])
      return -1;
  if (overlay->classes == NULL)
    return -1;
  return overlay->classes[(x - overlay->origin[0]) +
                          overlay->size[0] * ((y - overlay->origin[1]) +
                                              overlay->size[1] * (z - overlay->origin[2]))];
}

cairo_surface_t *
cbd_slice_overlay_render (const CbdSliceOverlay *overlay,
                          guint                  normal,
                          guint                  u_axis,
                          guint                  v_axis,
                          gsize                  index,
                          int                    width,
                          int                    height,
                          double                 opacity)
{
  guint32 colours[3];
  gsize stride[3] = { 1, overlay->size[0], overlay->size[0] * overlay->size[1] };
  gsize nu = overlay->size[u_axis], nv = overlay->size[v_axis];
  const guint8 *plane;
  cairo_surface_t *surface;
  guint32 *pixels;
  gsize row_pixels;
  guint alpha = (guint) CLAMP (opacity * 255.0 + 0.5, 0.0, 255.0);

  if (index < overlay->origin[normal] || index >= overlay->origin[normal] + overlay->size[normal] ||
      width <= 0 || height <= 0)
    return NULL;

  /* premultiplied ARGB */
  for (guint k = 0; k < 3; k++)
    {
      guint32 rgb = cbd_slice_overlay_class_rgb (k);

      colours[k] = alpha << 24;
      for (guint shift = 0; shift < 24; shift += 8)
        colours[k] |= (guint) ((rgb >> shift & 0xff) * alpha / 255.0 + 0.5) << shift;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  cairo_surface_flush (surface);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  row_pixels = cairo_image_surface_get_stride (surface) / sizeof (guint32);
  if (overlay->field != NULL)
    {
      const float *field_plane = overlay->field + (index - overlay->origin[normal]) * stride[normal];
      double span = overlay->field_max - overlay->field_min;

      for (int py = 0; py < height; py++)
        {
          gsize v = MIN ((gsize) ((py + 0.5) * nv / height), nv - 1);
          const float *row = field_plane + v * stride[v_axis];

          for (int px = 0; px < width; px++)
            {
              gsize u = MIN ((gsize) ((px + 0.5) * nu / width), nu - 1);
              float value = row[u * stride[u_axis]];
              guint32 mapped, pixel = 0;

              if (!isnan (value))
                {
                  mapped = cbd_slice_overlay_colormap ((value - overlay->field_min) / span);
                  pixel = alpha << 24 | ((mapped >> 16 & 0xff) * alpha / 255) << 16 |
                          ((mapped >> 8 & 0xff) * alpha / 255) << 8 | (mapped & 0xff) * alpha / 255;
                }
              pixels[(gsize) py * row_pixels + px] = pixel;
            }
        }
      cairo_surface_mark_dirty (surface);
      return surface;
    }

  plane = overlay->classes + (index - overlay->origin[normal]) * stride[normal];
  for (int py = 0; py < height; py++)
    {
      gsize v = MIN ((gsize) ((py + 0.5) * nv / height), nv - 1);
      const guint8 *row = plane + v * stride[v_axis];

      for (int px = 0; px < width; px++)
        {
          gsize u = MIN ((gsize) ((px + 0.5) * nu / width), nu - 1);

          pixels[(gsize) py * row_pixels + px] = colours[MIN (row[u * stride[u_axis]], 2)];
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}
