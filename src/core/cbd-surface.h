/* cbd-surface.h — specific surface area of the interface of one phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_SURFACE_ERROR (cbd_surface_error_quark ())

typedef enum
{
  CBD_SURFACE_ERROR_NO_MEMORY,
  CBD_SURFACE_ERROR_INVALID_BOX,
} CbdSurfaceError;

/* The interface between a phase and everything else inside a box. The box
 * is the whole world: its own faces are never part of the interface. */
typedef struct
{
  guint64 box_voxels;
  guint64 phase_voxels;
  guint64 faces[3];           /* voxel faces normal to x, y, z between the phase and the rest */
  double  box_volume_um3;
  double  area_faces_um2;     /* the faces, each with its own area */
  double  area_marching_um2;  /* marching cubes, vertices placed on the smoothed indicator */
  double  area_marching_raw_um2; /* marching cubes, vertices at edge midpoints (7-9 % high) */
  double  ssa_faces_per_um;   /* area / box volume */
  double  ssa_marching_per_um;
} CbdSurfaceResult;

GQuark    cbd_surface_error_quark (void);

gboolean  cbd_surface_measure     (const CbdVolume   *volume,
                                   const gboolean     phase[256],
                                   const gsize       *origin,
                                   const gsize       *size,
                                   guint              n_threads,
                                   CbdSurfaceResult  *result,
                                   GCancellable      *cancellable,
                                   CbdProgressFunc    progress,
                                   gpointer           progress_data,
                                   GError           **error);

G_END_DECLS
