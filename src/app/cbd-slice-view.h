/* cbd-slice-view.h — one XY slice of a label volume in phase colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_SLICE_VIEW (cbd_slice_view_get_type ())

G_DECLARE_FINAL_TYPE (CbdSliceView, cbd_slice_view, CBD, SLICE_VIEW, GtkWidget)

GtkWidget  *cbd_slice_view_new              (void);
void        cbd_slice_view_set_volume       (CbdSliceView      *self,
                                             CbdVolume         *volume,
                                             const CbdLabelMap *map);
CbdVolume  *cbd_slice_view_get_volume       (CbdSliceView      *self);
void        cbd_slice_view_set_slice        (CbdSliceView      *self,
                                             guint              slice);
guint       cbd_slice_view_get_slice        (CbdSliceView      *self);
guint       cbd_slice_view_get_n_slices     (CbdSliceView      *self);
void        cbd_slice_view_set_phase_color  (CbdSliceView      *self,
                                             CbdPhase           phase,
                                             const GdkRGBA     *color);

G_END_DECLS
