/* cbd-cutouts.h — CAM-free cube positions, a well-spread choice of cutouts,
 * user lists of cutouts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-json.h"
#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_CUTOUTS_ERROR (cbd_cutouts_error_quark ())

typedef enum
{
  CBD_CUTOUTS_ERROR_NO_MEMORY,
  CBD_CUTOUTS_ERROR_INVALID_SIZE,
  CBD_CUTOUTS_ERROR_PARSE,
  CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS,
} CbdCutoutsError;

/* Every origin (x0, y0, z0) at which a cube of edge @edge lies inside the
 * volume and holds no forbidden voxel, as one bit per origin.
 *
 * dims[] counts the possible origins along each axis, n - edge + 1, or 0 on
 * every axis when the cube does not fit. Each row of origins along x is
 * padded to whole 64-bit words so threads never share a word. */
typedef struct
{
  gsize    edge;          /* cube edge in voxels */
  gsize    dims[3];       /* origins along x, y, z */
  gsize    row_words;     /* 64-bit words per row of origins along x */
  guint64 *bits;          /* bit x0 % 64 of bits[x0 / 64 + row_words * (y0 + dims[1] * z0)] */
  guint64  n_free;        /* set bits */
  double   voxel_nm[3];   /* the volume's voxel size, for distances between cutouts */
} CbdFreeOrigins;

/* One cubic cutout. */
typedef struct
{
  gsize  origin[3];       /* x0, y0, z0 in voxels */
  gsize  size;            /* edge in voxels */
  char  *name;            /* (nullable) a user's name for it */
} CbdCutout;

GQuark          cbd_cutouts_error_quark      (void);

CbdFreeOrigins *cbd_free_origins_find        (const CbdVolume      *volume,
                                              const gboolean        forbidden[256],
                                              gsize                 edge,
                                              guint                 n_threads,
                                              GCancellable         *cancellable,
                                              CbdProgressFunc       progress,
                                              gpointer              progress_data,
                                              GError              **error);
void            cbd_free_origins_free        (CbdFreeOrigins       *free_origins);

static inline gboolean
cbd_free_origins_is_free (const CbdFreeOrigins *free_origins,
                          gsize                 x0,
                          gsize                 y0,
                          gsize                 z0)
{
  const guint64 *row;

  if (x0 >= free_origins->dims[0] || y0 >= free_origins->dims[1] || z0 >= free_origins->dims[2])
    return FALSE;
  row = free_origins->bits + free_origins->row_words * (y0 + free_origins->dims[1] * z0);
  return (row[x0 / 64] >> (x0 % 64)) & 1;
}

gsize           cbd_free_origins_memory_size (const CbdVolume      *volume,
                                              gsize                 edge,
                                              guint                 n_threads);

GArray         *cbd_free_origins_select      (const CbdFreeOrigins *free_origins,
                                              guint                 n_wanted,
                                              gsize                 min_gap,
                                              GCancellable         *cancellable,
                                              GError              **error);

GArray         *cbd_cutouts_new              (void);
void            cbd_cutout_clear             (CbdCutout            *cutout);

GArray         *cbd_cutouts_parse            (const char           *text,
                                              gssize                length,
                                              const char           *source_name,
                                              const gsize           volume_dims[3],
                                              gsize                 default_size,
                                              GError              **error);
GArray         *cbd_cutouts_load             (const char           *path,
                                              const gsize           volume_dims[3],
                                              gsize                 default_size,
                                              GError              **error);
char           *cbd_cutouts_to_csv           (const GArray         *cutouts);
void            cbd_cutouts_write_json       (const GArray         *cutouts,
                                              CbdJsonWriter        *writer);

guint64         cbd_cutouts_count_forbidden  (const CbdVolume      *volume,
                                              const gboolean        forbidden[256],
                                              const gsize           origin[3],
                                              const gsize           size[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdFreeOrigins, cbd_free_origins_free)

G_END_DECLS
