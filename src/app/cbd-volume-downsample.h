/* cbd-volume-downsample.h — a smaller label volume for the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

guint     cbd_downsample_choose_factor (const gsize        dims[3],
                                        gsize              max_edge,
                                        guint64            budget_bytes);
guint8   *cbd_downsample_labels        (const CbdVolume   *volume,
                                        const CbdLabelMap *map,
                                        guint              factor,
                                        gsize              out_dims[3],
                                        GCancellable      *cancellable,
                                        GError           **error);

G_END_DECLS
