/* cbd-partition.h — SNOW partition of one phase into individual pores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_PARTITION_ERROR (cbd_partition_error_quark ())

typedef enum
{
  CBD_PARTITION_ERROR_NO_MEMORY,
  CBD_PARTITION_ERROR_INVALID_ARGUMENT,
  CBD_PARTITION_ERROR_TOO_LARGE,     /* 2^32 or more phase voxels or regions */
} CbdPartitionError;

/* Lengths are in voxels of the finest axis (h = min voxel_nm): for cubic
 * voxels exactly PoreSpy's snow_partitioning parameters. */
typedef struct
{
  double sigma;      /* Gaussian smoothing of the distance map for peak
                      * finding, default 0.4; 0 disables smoothing */
  double r_max;      /* radius of the ball a peak must be the maximum of,
                      * default 4 */
  guint  n_threads;  /* 0: one per processor; results do not depend on it */
} CbdPartitionOptions;

/* What the partition found, for reports and tests. */
typedef struct
{
  guint32 n_regions;         /* region ids run 1..n_regions */
  guint32 n_markers;         /* regions grown from a peak: ids 1..n_markers */
  guint32 n_unmarked;        /* phase components no peak reached, one region
                              * each: ids n_markers+1..n_regions */
  guint64 n_peak_plateaus;   /* 26-connected plateaus of ball maxima found */
  guint64 n_saddles_removed; /* plateaus that were not regional maxima */
  guint64 n_nearby_removed;  /* plateaus too close to a higher one */
  guint64 phase_voxels;
} CbdPartitionSummary;

/* Cancellation is reported as G_IO_ERROR_CANCELLED. */
GQuark    cbd_partition_error_quark  (void);
void      cbd_partition_options_init (CbdPartitionOptions       *options);

gboolean  cbd_partition_compute      (const CbdVolume           *volume,
                                      const gboolean             phase[256],
                                      const CbdPartitionOptions *options,
                                      guint32                   *regions_out,
                                      float                     *distance_nm_out,
                                      CbdPartitionSummary       *summary,
                                      GCancellable              *cancellable,
                                      CbdProgressFunc            progress,
                                      gpointer                   progress_data,
                                      GError                   **error);

G_END_DECLS
