/* cbd-edt.h — exact Euclidean distance transform of one phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_EDT_ERROR (cbd_edt_error_quark ())

typedef enum
{
  CBD_EDT_ERROR_NO_MEMORY,
} CbdEdtError;

/* What lies beyond the faces of the volume.
 *
 * CBD_EDT_BORDER_OPEN: nothing — the outside is neither phase nor background,
 *   only voxels inside the volume can be the nearest background (PoreSpy's
 *   and scipy.ndimage.distance_transform_edt's convention). A phase voxel
 *   with no background voxel anywhere in the volume gets +INFINITY.
 *
 * CBD_EDT_BORDER_SOLID: the one-voxel layer just outside every face is
 *   background, so no distance exceeds the distance from the voxel centre to
 *   the centre of the outside neighbour across the nearest face, i.e.
 *   (index + 1) * voxel_nm or (n - index) * voxel_nm along that axis. */
typedef enum
{
  CBD_EDT_BORDER_OPEN,
  CBD_EDT_BORDER_SOLID,
} CbdEdtBorder;

GQuark    cbd_edt_error_quark (void);

gboolean  cbd_edt_compute     (const CbdVolume *volume,
                               const gboolean   phase[256],
                               CbdEdtBorder     border,
                               guint            n_threads,
                               float           *distance_nm,
                               GCancellable    *cancellable,
                               GError         **error);

G_END_DECLS
