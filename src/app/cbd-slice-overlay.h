/* cbd-slice-overlay.h — the macropore filter's classes of one cutout, drawn
 * over the slices (the paper's Figure 3c: solid black, retained pore
 * orange, excluded pore green)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Immutable once filled; shared by the three slice views. */
typedef struct
{
  gsize   origin[3];   /* the cutout, in stack voxels */
  gsize   size[3];
  guint8 *classes;     /* CbdFilterClass per cutout voxel, x fastest */
  /* Instead of the classes: a scalar field per voxel (NaN: not drawn),
   * coloured from field_min (dark blue) to field_max (yellow). */
  float  *field;
  double  field_min;
  double  field_max;
  /*< private >*/
  gatomicrefcount ref_count;
} CbdSliceOverlay;

CbdSliceOverlay *cbd_slice_overlay_new   (const gsize      origin[3],
                                          const gsize      size[3],
                                          GError         **error);
/* Takes @field (g_free()d with the overlay). */
CbdSliceOverlay *cbd_slice_overlay_new_field (const gsize origin[3],
                                              const gsize size[3],
                                              float      *field,
                                              double      field_min,
                                              double      field_max);
/* The colour map of fields, @t in 0..1, as 0xRRGGBB. */
guint32          cbd_slice_overlay_colormap  (double      t);
guint32          cbd_slice_overlay_class_rgb (guint       filter_class);
CbdSliceOverlay *cbd_slice_overlay_ref   (CbdSliceOverlay *overlay);
void             cbd_slice_overlay_unref (CbdSliceOverlay *overlay);
/* The class of stack voxel (x, y, z), -1 outside the cutout. */
int              cbd_slice_overlay_get   (const CbdSliceOverlay *overlay,
                                          gsize            x,
                                          gsize            y,
                                          gsize            z);
/* The cutout's cut by plane @index normal to @normal, @width x @height
 * device pixels covering voxels [u0, u0 + nu) x [v0, v0 + nv) of the
 * plane (u along x of the image, v down), each voxel in its class colour
 * at @opacity; NULL when the plane misses the cutout. */
cairo_surface_t *cbd_slice_overlay_render (const CbdSliceOverlay *overlay,
                                           guint            normal,
                                           guint            u_axis,
                                           guint            v_axis,
                                           gsize            index,
                                           int              width,
                                           int              height,
                                           double           opacity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdSliceOverlay, cbd_slice_overlay_unref)

G_END_DECLS
