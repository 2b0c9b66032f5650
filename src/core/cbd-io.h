/* cbd-io.h — reading and writing volumes: TIFF (multi-page, BigTIFF, folders
 * of slices) and raw
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_IO_ERROR (cbd_io_error_quark ())

typedef enum
{
  CBD_IO_ERROR_NOT_FOUND,       /* no such file, or a folder with no TIFF */
  CBD_IO_ERROR_UNREADABLE,      /* permission, I/O error */
  CBD_IO_ERROR_NOT_TIFF,        /* not a TIFF at all */
  CBD_IO_ERROR_CORRUPT,         /* truncated or malformed */
  CBD_IO_ERROR_UNSUPPORTED,     /* RGB, float, 32-bit, unknown compression… */
  CBD_IO_ERROR_INCONSISTENT,    /* pages of different size or type */
  CBD_IO_ERROR_TOO_MANY_LABELS, /* 16-bit data with over 256 distinct values */
  CBD_IO_ERROR_SIZE_MISMATCH,   /* raw file size does not match the dims */
  CBD_IO_ERROR_NO_MEMORY,
  CBD_IO_ERROR_WRITE_FAILED,
  CBD_IO_ERROR_CANCELLED,
  CBD_IO_ERROR_BAD_LAYOUT,      /* a raw layout text that cannot be read */
} CbdIoError;

typedef enum
{
  CBD_RAW_U8,
  CBD_RAW_U16_LE,
  CBD_RAW_U16_BE,
} CbdRawType;

GQuark      cbd_io_error_quark     (void);

/* A multi-page TIFF/BigTIFF file, or a folder of single-page TIFFs (natural
 * sort order). Voxel size from the resolution tags or ImageJ's `spacing=`,
 * else CBD_DEFAULT_VOXEL_NM. Never holds two full copies of the volume. */
CbdVolume  *cbd_tiff_read          (const char      *path,
                                    GCancellable    *cancellable,
                                    CbdProgressFunc  progress,
                                    gpointer         progress_data,
                                    GError         **error);

/* Multi-page Deflate TIFF with resolution tags (BigTIFF when over 4 GB),
 * written to a temporary file and renamed, so a failure keeps the old file. */
gboolean    cbd_tiff_write         (const CbdVolume *volume,
                                    const char      *path,
                                    GError         **error);

/* A float32 field (potential, porosity, …) on the same grid, same rules. */
gboolean    cbd_tiff_write_float   (const float     *values,
                                    const gsize      dims[3],
                                    const double     voxel_nm[3],
                                    const char      *path,
                                    GError         **error);

/* A uint32 field (region ids of a partition, …) on the same grid, same rules. */
gboolean    cbd_tiff_write_uint32  (const guint32   *values,
                                    const gsize      dims[3],
                                    const double     voxel_nm[3],
                                    const char      *path,
                                    GError         **error);

/* Raw voxels in x-fastest order, no header. */
CbdVolume  *cbd_raw_read           (const char      *path,
                                    const gsize      dims[3],
                                    CbdRawType       type,
                                    GCancellable    *cancellable,
                                    GError         **error);
gboolean    cbd_raw_type_from_string (const char    *name,
                                      CbdRawType    *type);
/* The layout "NX,NY,NZ[:u8|u16le|u16be]" of a raw file, as `cbdscope-cli
 * --raw` takes it and projects store it: three sizes of at least 1 voxel,
 * then a sample type (cbd_raw_type_from_string(); u8 when left out). FALSE
 * with CBD_IO_ERROR_BAD_LAYOUT and a message naming the text and what is
 * wrong with it. */
gboolean    cbd_raw_layout_parse   (const char      *text,
                                    gsize            dims[3],
                                    CbdRawType      *type,
                                    GError         **error);

/* Any supported path: a folder or a TIFF file (raw needs cbd_raw_read). */
CbdVolume  *cbd_volume_load        (const char      *path,
                                    GCancellable    *cancellable,
                                    CbdProgressFunc  progress,
                                    gpointer         progress_data,
                                    GError         **error);

G_END_DECLS
