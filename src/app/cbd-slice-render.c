/* cbd-slice-render.c — a slice's labels to screen pixels, nearest voxel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 has no nearest-neighbour filter for texture nodes (that arrived
 * with gtk_snapshot_append_scaled_texture() in 4.10), so the slice views
 * build a texture at device-pixel size.  This is the inner loop: one table
 * lookup per pixel, the voxel offsets along u precomputed once per image,
 * so the cost follows the widget's size, not the slice's.
 */
#define G_LOG_DOMAIN "cbd-slice-render"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-slice-render.h"

/* The first index i in [0, n] with floor(start + (i + 0.5) * step) >= limit,
 * for a positive step. */
static int
first_pixel_at (double start,
                double step,
                double limit,
                int    n)
{
  double exact = (limit - start) / step - 0.5;
  int i = (int) CLAMP (ceil (exact), 0.0, (double) n);

  /* Rounding can put the boundary one pixel off either way. */
  while (i > 0 && floor (start + (i - 0.5) * step) >= limit)
    i--;
  while (i < n && floor (start + (i + 0.5) * step) < limit)
    i++;
  return i;
}

/**
 * cbd_slice_render:
 * @u0: voxel coordinate (along u) of the left edge of pixel column 0
 * @du: voxels per pixel along u (positive)
 * @pixels: @height rows of @row_pixels pixels; the first @width of each row
 *   are written
 *
 * Pixel (px, py) shows the voxel at floor(u0 + (px + 0.5) du),
 * floor(v0 + (py + 0.5) dv); pixels off the slice are transparent.
 */
void
cbd_slice_render (const CbdSliceImage *image,
                  double               u0,
                  double               v0,
                  double               du,
                  double               dv,
                  int                  width,
                  int                  height,
                  guint32             *pixels,
                  gsize                row_pixels)
{
  g_autofree gsize *columns = NULL;
  int first_column, end_column;

  g_return_if_fail (image != NULL && pixels != NULL);
  g_return_if_fail (du > 0.0 && dv > 0.0);

  if (width <= 0 || height <= 0)
    return;

  first_column = first_pixel_at (u0, du, 0.0, width);
  end_column = first_pixel_at (u0, du, (double) image->n_u, width);
  end_column = MAX (end_column, first_column);

  columns = g_new (gsize, MAX (1, end_column - first_column));
  for (int px = first_column; px < end_column; px++)
    {
      gsize u = (gsize) floor (u0 + (px + 0.5) * du);

      columns[px - first_column] = MIN (u, image->n_u - 1) * image->u_stride;
    }

  for (int py = 0; py < height; py++)
    {
      guint32 *out = pixels + (gsize) py * row_pixels;
      double v = floor (v0 + (py + 0.5) * dv);
      const guint8 *row;
      const guint32 *lut = image->lut;
      const gsize *column = columns;
      int n = end_column - first_column;

      if (v < 0.0 || v >= (double) image->n_v || n <= 0)
        {
          memset (out, 0, (gsize) width * sizeof *out);
          continue;
        }

      row = image->labels + (gsize) v * image->v_stride;
      memset (out, 0, (gsize) first_column * sizeof *out);
      out += first_column;
      for (int i = 0; i < n; i++)
        out[i] = lut[row[column[i]]];
      memset (out + n, 0, (gsize) (width - end_column) * sizeof *out);
    }
}
