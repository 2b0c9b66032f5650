/* cbd-slice-view.h — one orthogonal slice (XY, XZ or YZ) of the shared view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-slice-overlay.h"
#include "cbd-view-state.h"

G_BEGIN_DECLS

#define CBD_TYPE_SLICE_VIEW (cbd_slice_view_get_type ())

G_DECLARE_FINAL_TYPE (CbdSliceView, cbd_slice_view, CBD, SLICE_VIEW, GtkWidget)

GtkWidget    *cbd_slice_view_new                 (CbdAxis        normal);
CbdAxis       cbd_slice_view_get_axis            (CbdSliceView  *self);
void          cbd_slice_view_set_axis            (CbdSliceView  *self,
                                                  CbdAxis        normal);
CbdViewState *cbd_slice_view_get_state           (CbdSliceView  *self);
void          cbd_slice_view_set_state           (CbdSliceView  *self,
                                                  CbdViewState  *state);
void          cbd_slice_view_get_plane_axes      (CbdSliceView  *self,
                                                  CbdAxis       *u_axis,
                                                  CbdAxis       *v_axis);
gint64        cbd_slice_view_get_shown_slice     (CbdSliceView  *self);
double        cbd_slice_view_get_scale           (CbdSliceView  *self);
gboolean      cbd_slice_view_point_to_voxel      (CbdSliceView  *self,
                                                  double         x,
                                                  double         y,
                                                  gsize          position[3]);
void          cbd_slice_view_voxel_to_point      (CbdSliceView  *self,
                                                  double         u,
                                                  double         v,
                                                  double        *x,
                                                  double        *y);
void          cbd_slice_view_zoom_at             (CbdSliceView  *self,
                                                  double         x,
                                                  double         y,
                                                  double         factor);
void          cbd_slice_view_pan                 (CbdSliceView  *self,
                                                  double         dx,
                                                  double         dy);
void          cbd_slice_view_set_async_threshold (CbdSliceView  *self,
                                                  gsize          n_voxels);
double        cbd_slice_view_get_last_build_ms   (CbdSliceView  *self);
/* Draws @overlay (nullable: none; referenced) over the slice at @opacity. */
void          cbd_slice_view_set_overlay         (CbdSliceView  *self,
                                                  CbdSliceOverlay *overlay,
                                                  double         opacity);

G_END_DECLS
