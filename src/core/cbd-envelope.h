/* cbd-envelope.h — the pore partition of a cutout's neighbourhood, cached
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-partition.h"
#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_ENVELOPE_ERROR (cbd_envelope_error_quark ())

typedef enum
{
  CBD_ENVELOPE_ERROR_NO_MEMORY,
  CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,  /* a cutout outside the stack, a bad option */
} CbdEnvelopeError;

/* Faces of a box, as bits. */
typedef enum
{
  CBD_FACE_X_LOW  = 1 << 0,
  CBD_FACE_X_HIGH = 1 << 1,
  CBD_FACE_Y_LOW  = 1 << 2,
  CBD_FACE_Y_HIGH = 1 << 3,
  CBD_FACE_Z_LOW  = 1 << 4,
  CBD_FACE_Z_HIGH = 1 << 5,
} CbdFace;

#define CBD_ENVELOPE_DEFAULT_EDGE 800
#define CBD_ENVELOPE_DEFAULT_SNAP 128

/* The envelope is a cube of @edge voxels (the paper's 800) around the
 * cutout, clipped at the stack border.
 *
 * Nearby cutouts: the envelope is centred on the centre of the grid cell of
 * @snap voxels that holds the cutout's centre, not on the cutout itself, so
 * every cutout whose centre falls in the same cell gets the same envelope
 * box, and its partition is computed once (see CbdEnvelopeCache). The price
 * is that a cutout sits up to snap/2 voxels off the envelope's centre: it
 * keeps at least (edge - cutout - snap) / 2 voxels of neighbourhood on every
 * side that is not clipped — 272 voxels (2.72 um at 10 nm) with the
 * defaults instead of 336, still several times the largest pore the filter
 * keeps (d_max = 400 nm, 40 voxels). A user nudging a cutout in the app
 * stays in its cell most of the time. When edge < cutout + snap, or snap is
 * 0, the envelope is centred on the cutout itself (its low margin is
 * (edge - cutout) / 2 rounded down). */
typedef struct
{
  gsize               edge;       /* voxels, default 800 */
  gsize               snap;       /* voxels, default 128; 0 centres exactly */
  CbdPartitionOptions partition;  /* the SNOW parameters */
} CbdEnvelopeOptions;

/* One pore (partition region) with at least one voxel in the cutout.
 * Positions are voxel centres in nm in stack coordinates, voxel (0,0,0) at
 * the origin; whole-pore numbers are measured over the envelope. */
typedef struct
{
  guint32  region;                  /* its id in the envelope's partition */
  guint64  volume_voxels;
  double   volume_nm3;
  double   centroid_nm[3];
  double   inscribed_diameter_nm;   /* 2 x its largest distance to the solid */
  double   equivalent_diameter_nm;  /* of the sphere of the same volume */
  gsize    bbox_min[3];             /* stack voxel indices, inclusive */
  gsize    bbox_max[3];
  guint    envelope_faces;          /* CbdFace bits: envelope faces it touches */
  guint    n_neighbours;            /* regions it shares voxel faces with */
  guint64  cutout_voxels;           /* of its voxels inside the cutout */
  gboolean centroid_in_cutout;      /* within the cutout's outer voxel faces */
} CbdEnvelopePore;

typedef enum
{
  CBD_ENVELOPE_COMPUTED,     /* partitioned by this call */
  CBD_ENVELOPE_FROM_MEMORY,  /* the cache held this envelope's partition */
  CBD_ENVELOPE_FROM_DISK,    /* read from the cache directory */
} CbdEnvelopeSource;

/* The partition of one cutout's envelope, reduced to what the filter needs:
 * the cutout's voxels as pore indices and the pores that reach into it. The
 * envelope's own arrays are freed once this is extracted. Refcounted and
 * immutable; read the fields directly.
 *
 * A pore table (cbd_envelope_dup_table(), cbd_envelope_new_table()) is the
 * same without the per-voxel array: cutout_pores is NULL. It is all
 * cbd_filter_evaluate() needs to judge the cutout under new thresholds
 * (not to classify its voxels), a few hundred kB where the array of a 128^3
 * cutout is 8 MB, so a study keeps one per finished cutout.
 *
 * A table read from a project (cbd-project.h) has only the pore fields the
 * filter reads, and region: volume_voxels, volume_nm3,
 * inscribed_diameter_nm, envelope_faces, cutout_voxels and
 * centroid_in_cutout. The others are unknown: centroid_nm and
 * equivalent_diameter_nm NAN, n_neighbours 0, and the box empty
 * (bbox_min G_MAXSIZE, bbox_max 0 on every axis). */
typedef struct
{
  gsize               stack_dims[3];
  double              voxel_nm[3];
  gsize               origin[3];          /* envelope box in stack voxels */
  gsize               size[3];
  guint               stack_faces;        /* CbdFace bits: envelope faces on the stack border */
  gsize               cutout_origin[3];   /* in stack voxels */
  gsize               cutout_size[3];
  guint32            *cutout_pores;       /* per cutout voxel (x fastest): 0 outside the
                                           * phase, else 1 + an index into pores;
                                           * NULL in a pore table */
  guint32             n_pores;
  CbdEnvelopePore    *pores;              /* by ascending region id */
  guint32             n_regions;          /* in the whole envelope */
  CbdPartitionSummary summary;            /* of the envelope's partition */
  CbdPartitionOptions partition_options;
  CbdEnvelopeSource   source;
  double              partition_seconds;  /* distance transform, SNOW and region
                                           * measurement when it was computed */
  double              seconds;            /* this call, all included */
  guint64             input_hash[2];      /* of the envelope's labels, phase,
                                           * voxel size, boxes and SNOW options;
                                           * 0, 0 without a cache that keeps
                                           * partitions (nothing is hashed) */
  char               *cache_path;         /* (nullable) the cache file read or written */

  /*< private >*/
  gatomicrefcount     ref_count;
} CbdEnvelope;

/* Caches envelope partitions of one or more volumes, thread-safe. With a
 * memory budget, threads that need the same envelope at once partition it
 * once: the others wait for it and take it from memory.
 *
 * In memory: whole envelope partitions (region ids run-length coded, 0.35-0.8
 * bytes per voxel measured instead of 4, plus the region properties), least
 * recently used first out when over @memory_budget bytes; a cutout whose
 * envelope box is in memory is extracted in milliseconds. Keyed by a hash
 * of the envelope's labels (not the volume's address, so a freed and
 * reloaded volume still hits, and an edited one misses), the phase, the
 * voxel size, the boxes and the SNOW options.
 *
 * On disk (when @directory is not NULL): one small file per cutout and
 * envelope (the cutout's pore indices run-length coded and its pores:
 * about 1 MB for a 128^3 cutout), named after the hash of its inputs,
 * written to a temporary file and renamed. Every field of its header is
 * checked against the inputs and the whole file against a checksum; a file
 * that fails is ignored with a warning and recomputed, never trusted. */
typedef struct _CbdEnvelopeCache CbdEnvelopeCache;

typedef struct
{
  guint   memory_hits;
  guint   disk_hits;
  guint   computed;
  guint   rejected_files;   /* damaged or foreign cache files ignored */
  guint   memory_entries;
  guint64 memory_bytes;
} CbdEnvelopeCacheStats;

#define CBD_ENVELOPE_CACHE_DEFAULT_BUDGET (G_GUINT64_CONSTANT (1) << 30)

GQuark             cbd_envelope_error_quark   (void);
void               cbd_envelope_options_init  (CbdEnvelopeOptions       *options);

/* The envelope box of a cutout: @origin and @size in stack voxels, and the
 * CbdFace bits of its faces that lie on the stack border. */
gboolean           cbd_envelope_box           (const gsize               stack_dims[3],
                                               const gsize               cutout_origin[3],
                                               const gsize               cutout_size[3],
                                               const CbdEnvelopeOptions *options,
                                               gsize                     origin[3],
                                               gsize                     size[3],
                                               guint                    *stack_faces,
                                               GError                  **error);

/* Partitions @phase in the cutout's envelope (or takes it from @cache) and
 * extracts the cutout. @options NULL: defaults. @cache may be NULL; the
 * envelope is hashed (a read of its labels) only for a cache that keeps
 * partitions in memory or on disk.
 * Peak memory when computing: the cropped labels, distances and region ids
 * (9 bytes per envelope voxel) plus the partition's queue and bit arrays;
 * measured 11 bytes per envelope voxel above the volume (4.8 GB for a 752^3
 * envelope of an 800^3 stack), so about 5.8 GB for a whole 800^3 one.
 * Cancellation is reported as G_IO_ERROR_CANCELLED. */
CbdEnvelope       *cbd_envelope_compute       (const CbdVolume          *volume,
                                               const gboolean            phase[256],
                                               const gsize               cutout_origin[3],
                                               const gsize               cutout_size[3],
                                               const CbdEnvelopeOptions *options,
                                               CbdEnvelopeCache         *cache,
                                               GCancellable             *cancellable,
                                               CbdProgressFunc           progress,
                                               gpointer                  progress_data,
                                               GError                  **error);
/* A pore table of @envelope: a copy without cutout_pores and cache_path. */
CbdEnvelope       *cbd_envelope_dup_table     (const CbdEnvelope        *envelope);
/* A pore table made from its parts (e.g. read from a project): the box,
 * stack_faces and partition_options follow from @options as in
 * cbd_envelope_compute(); @pores (by ascending region id) are copied.
 * n_regions, the summary and the timings are unknown and left 0. NULL
 * only for a cutout or options cbd_envelope_box() refuses. */
CbdEnvelope       *cbd_envelope_new_table     (const gsize               stack_dims[3],
                                               const double              voxel_nm[3],
                                               const gsize               cutout_origin[3],
                                               const gsize               cutout_size[3],
                                               const CbdEnvelopeOptions *options,
                                               const CbdEnvelopePore    *pores,
                                               guint32                   n_pores,
                                               GError                  **error);
CbdEnvelope       *cbd_envelope_ref           (CbdEnvelope              *envelope);
void               cbd_envelope_unref         (CbdEnvelope              *envelope);

static inline gsize
cbd_envelope_cutout_voxels (const CbdEnvelope *envelope)
{
  return envelope->cutout_size[0] * envelope->cutout_size[1] * envelope->cutout_size[2];
}

/* @directory: (nullable) where cache files go, created when missing. */
CbdEnvelopeCache  *cbd_envelope_cache_new     (const char               *directory,
                                               guint64                   memory_budget);
CbdEnvelopeCache  *cbd_envelope_cache_ref     (CbdEnvelopeCache         *cache);
void               cbd_envelope_cache_unref   (CbdEnvelopeCache         *cache);
/* Drops the in-memory partitions; the files stay. */
void               cbd_envelope_cache_clear   (CbdEnvelopeCache         *cache);
void               cbd_envelope_cache_get_stats (CbdEnvelopeCache       *cache,
                                                 CbdEnvelopeCacheStats  *stats);
const char        *cbd_envelope_cache_get_directory (CbdEnvelopeCache   *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdEnvelope, cbd_envelope_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdEnvelopeCache, cbd_envelope_cache_unref)

G_END_DECLS
