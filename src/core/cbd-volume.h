/* cbd-volume.h — a segmented label volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CBD_VOLUME_ERROR (cbd_volume_error_quark ())

typedef enum
{
  CBD_VOLUME_ERROR_NO_MEMORY,
  CBD_VOLUME_ERROR_INVALID_SIZE,
  CBD_VOLUME_ERROR_OUT_OF_BOUNDS,
} CbdVolumeError;

typedef enum
{
  CBD_AXIS_X = 0,
  CBD_AXIS_Y = 1,
  CBD_AXIS_Z = 2,
} CbdAxis;

#define CBD_DEFAULT_VOXEL_NM 10.0

/* Labels are stored as uint8, index (x, y, z) at x + nx*(y + ny*z), 64-bit
 * sizes throughout so the paper's 6 G voxel stack fits.  The struct is public
 * so numerical code can walk the array directly; it is refcounted. */
typedef struct
{
  gsize    dims[3];          /* nx, ny, nz */
  double   voxel_nm[3];      /* voxel edge along x, y, z in nanometres */
  guint8  *labels;           /* dims[0]*dims[1]*dims[2] bytes */
  /* The raw value each stored label stands for. Identity for 8-bit data;
   * 16-bit data with at most 256 distinct values is remapped on load. */
  guint16  source_value[256];
  gboolean remapped;

  /*< private >*/
  gatomicrefcount ref_count;
  GDestroyNotify  labels_free;
} CbdVolume;

GQuark      cbd_volume_error_quark   (void);

CbdVolume  *cbd_volume_new           (gsize           nx,
                                      gsize           ny,
                                      gsize           nz,
                                      GError        **error);
CbdVolume  *cbd_volume_new_for_data  (gsize           nx,
                                      gsize           ny,
                                      gsize           nz,
                                      guint8         *labels,
                                      GDestroyNotify  labels_free);
CbdVolume  *cbd_volume_ref           (CbdVolume      *volume);
void        cbd_volume_unref         (CbdVolume      *volume);

static inline gsize
cbd_volume_n_voxels (const CbdVolume *volume)
{
  return volume->dims[0] * volume->dims[1] * volume->dims[2];
}

static inline gsize
cbd_volume_index (const CbdVolume *volume,
                  gsize            x,
                  gsize            y,
                  gsize            z)
{
  return x + volume->dims[0] * (y + volume->dims[1] * z);
}

static inline guint8
cbd_volume_get (const CbdVolume *volume,
                gsize            x,
                gsize            y,
                gsize            z)
{
  return volume->labels[cbd_volume_index (volume, x, y, z)];
}

void        cbd_volume_histogram     (const CbdVolume *volume,
                                      guint64          counts[256]);
void        cbd_volume_copy_metadata (CbdVolume       *dest,
                                      const CbdVolume *src);
CbdVolume  *cbd_volume_crop          (const CbdVolume *volume,
                                      const gsize      origin[3],
                                      const gsize      size[3],
                                      GError         **error);
CbdVolume  *cbd_volume_permute       (const CbdVolume *volume,
                                      const CbdAxis    order[3],
                                      GError         **error);
gsize       cbd_volume_slice_size    (const CbdVolume *volume,
                                      CbdAxis          normal,
                                      gsize           *width,
                                      gsize           *height);
gboolean    cbd_volume_extract_slice (const CbdVolume *volume,
                                      CbdAxis          normal,
                                      gsize            index,
                                      guint8          *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdVolume, cbd_volume_unref)

G_END_DECLS
