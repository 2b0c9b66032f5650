/* cbd-slice-view-cutouts.h — cutouts in a slice view (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-slice-view-private.h"

G_BEGIN_DECLS

gboolean cbd_slice_view_cutout_press   (CbdSliceView *self,
                                        double        x,
                                        double        y);
void     cbd_slice_view_cutout_drag    (CbdSliceView *self,
                                        double        x,
                                        double        y);
void     cbd_slice_view_cutout_release (CbdSliceView *self);

G_END_DECLS
