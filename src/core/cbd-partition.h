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
  guint32 n_split;           /* of those, extra pieces of a plateau that
                              * touched face-separated parts (rare) */
  guint32 n_unmarked;        /* phase components no peak reached, one region
                              * each: ids n_markers+1..n_regions */
  guint64 n_peak_plateaus;   /* 26-connected plateaus of ball maxima found */
  guint64 n_saddles_removed; /* plateaus that were not regional maxima */
  guint64 n_nearby_removed;  /* plateaus too close to a higher one */
  guint64 phase_voxels;
} CbdPartitionSummary;

/* Cancellation is reported as G_IO_ERROR_CANCELLED. */
GQuark    cbd_partition_error_quark  (void);

/* sigma 0.4, r_max 4, n_threads 0. */
void      cbd_partition_options_init (CbdPartitionOptions       *options);

/* Splits the voxels whose label is marked in @phase into pores (the SNOW
 * algorithm; each step and its conventions are described at the top of
 * cbd-partition.c):
 *
 * - @regions_out (caller-allocated, one guint32 per voxel, x fastest):
 *   0 outside the phase, else a region id 1..n_regions. Every phase voxel has
 *   one; every region is face-connected (6-connectivity) and lies in the
 *   phase. Ids 1..n_markers grew from the peaks, numbered by the scan order
 *   of their peak plateau's first voxel (then the n_split extra pieces of
 *   plateaus whose voxels touch only along edges or corners, when their
 *   regions fall apart into face-separated pieces); ids after that are
 *   face-connected parts of the phase no peak reached, in scan order.
 * - @distance_nm_out (optional, one float per voxel): the exact Euclidean
 *   distance in nm from each phase voxel's centre to the nearest voxel centre
 *   outside the phase, 0 outside it. The volume's faces are open (not walls,
 *   as in PoreSpy), so they do not make the pores they cut look thinner.
 *   Feed it to cbd_region_table_measure for inscribed diameters.
 * - @summary (optional): counts of regions and of what the peak steps did.
 *
 * Memory: besides the labels and the two outputs (4 bytes per voxel each;
 * the distance map is allocated internally when @distance_nm_out is NULL),
 * two bits per voxel and the flood's queue; the blurred map lives in
 * @regions_out until the markers go in. The result does not depend on
 * options->n_threads. Safe to call from a worker thread; @progress is
 * called on the calling thread. */
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
