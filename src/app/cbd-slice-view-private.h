/* cbd-slice-view-private.h — shared between the drawing and input halves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-slice-view.h"

G_BEGIN_DECLS

struct _CbdSliceView
{
  GtkWidget      parent_instance;

  CbdAxis        normal;
  CbdAxis        u_axis;        /* screen x */
  CbdAxis        v_axis;        /* screen y, downwards */
  CbdViewState  *state;
  GSignalGroup  *state_signals;

  /* The slice on screen; it lags the crosshair while a worker extracts. */
  guint8        *slice;
  gint64         slice_index;   /* -1: none yet */
  gint64         wanted_index;
  guint64        request_serial;
  GCancellable  *extract_cancellable;
  gsize          async_threshold;

  guint32        lut[256];
  GskRenderNode *image_node;    /* device pixels of the visible part, as a
                                 * texture or a cairo node; NULL: not built */
  GskRenderNode *overlay_node;  /* the overlay's part of this slice */
  graphene_rect_t texture_rect; /* where it goes, in widget coordinates */
  double         last_build_ms;

  /* The filter classes of the selected cutout (issue 7), or NULL */
  CbdSliceOverlay *overlay;
  double         overlay_opacity;

  /* Input */
  double         pointer_x;
  double         pointer_y;
  gboolean       pointer_inside;
  gboolean       space_held;
  gboolean       panning;
  double         pan_start_centre[3];
  double         pan_start_scale;
  gboolean       dragging_crosshair;
  double         drag_start_x;
  double         drag_start_y;

  /* Moving a cutout with the add-cutout tool */
  CbdCutoutItem *moving;
  CbdCutoutShape moving_before;
  gboolean       moving_added;  /* added by this press: the add is the record */
  gsize          moving_origin[3];
  double         moving_start[2]; /* voxel coordinates (u, v) of the press */
};

void     cbd_slice_view_init_input      (CbdSliceView *self);
void     cbd_slice_view_begin_pan       (CbdSliceView *self);
void     cbd_slice_view_update_pan      (CbdSliceView *self,
                                         double        offset_x,
                                         double        offset_y);
double   cbd_slice_view_fit_scale       (CbdSliceView *self);
gboolean cbd_slice_view_point_to_plane  (CbdSliceView *self,
                                         double        x,
                                         double        y,
                                         double       *u,
                                         double       *v);
void     cbd_slice_view_snapshot_cutouts (CbdSliceView *self,
                                          GtkSnapshot  *snapshot);
gboolean cbd_slice_view_has_volume      (CbdSliceView *self);

G_END_DECLS
