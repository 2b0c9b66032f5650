/* cbd-slice-render.h — a slice's labels to screen pixels, nearest voxel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One slice as seen on screen: u runs right, v runs down. The strides say
 * where the next voxel along u and v is in @labels, so a transposed view
 * needs no copy. */
typedef struct
{
  const guint8  *labels;
  gsize          n_u;
  gsize          n_v;
  gsize          u_stride;
  gsize          v_stride;
  const guint32 *lut;      /* 256 premultiplied pixels, one per label */
} CbdSliceImage;

void cbd_slice_render (const CbdSliceImage *image,
                       double               u0,
                       double               v0,
                       double               du,
                       double               dv,
                       int                  width,
                       int                  height,
                       guint32             *pixels,
                       gsize                row_pixels);

G_END_DECLS
