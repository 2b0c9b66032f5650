/* cbd-cutouts.c — CAM-free cube positions, a well-spread choice of cutouts,
 * user lists of cutouts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-cutouts"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-cutouts.h"
#include "cbd-parallel.h"

G_DEFINE_QUARK (cbd-cutouts-error-quark, cbd_cutouts_error)

/* ------------------------------------------------------------------------
 * Free origins
 *
 * A cube at (x0, y0, z0) is free when no forbidden voxel lies in
 * [x0, x0+N) x [y0, y0+N) x [z0, z0+N). "Any forbidden voxel in a window" is
 * separable, so three one-dimensional sliding windows answer it, each in
 * constant time per position. Along x, within one row, a window is blocked
 * when the running count of forbidden voxels differs at its two ends. Along
 * y and z we remember, per position, the first start after the last
 * blocked one, `free_from`; a window starting at p is clear iff
 * p >= free_from. Counts live only for the current row, so nothing grows
 * with the volume except the answer itself (one bit per origin) — a 3D
 * prefix sum of the paper's stack would take 24 GB.
 *
 * Work is split into bands of origin rows y0. A band walks the slices z in
 * order; for each slice it runs the x window over its input rows
 * [y0_first, y0_end + N - 1) (the N - 1 rows shared with the next band are
 * read twice), updates one `y_free_from` per x0 and, for each origin row,
 * one `z_free_from` per (x0, y0). When z reaches z0 + N - 1 the bit of
 * origin z0 is final and is written. Bands write disjoint words, so the
 * result does not depend on the number of threads.
 *
 * Memory: the bit set, row_words * 8 * (ny - N + 1) * (nz - N + 1) bytes
 * (the paper's 2720 x 1531 x 1436 stack with N = 128: 41 words x 1404 x 1309
 * = 603 MB), plus 4 bytes per (x0, y0) for z_free_from (14.6 MB there) and
 * 4 bytes per x0 and per x in each band (22 kB there). The labels are only
 * read. cbd_free_origins_memory_size() gives the total for any case.
 * ------------------------------------------------------------------------ */

typedef struct
{
  const CbdVolume *volume;
  guint8           forbidden[256];
  CbdFreeOrigins  *result;
  GCancellable    *cancellable;
  CbdProgressFunc  progress;
  gpointer         progress_data;
  guint64          total_slices;
  gint             slices_done;    /* atomic */
  gint             stop;           /* atomic: cancelled */
} FindJob;

typedef struct
{
  FindJob  *job;
  gsize     y0_first;
  gsize     y0_end;
  guint32  *y_free_from;           /* per x0 */
  guint32  *prefix;                /* nx + 1: forbidden voxels before x in the row */
  guint32  *z_free_from;           /* per (x0, y0 - y0_first) */
  guint64   n_free;
  gboolean  reports_progress;
} FindBand;

static void
find_band_slice (FindBand *band, gsize z)
{
  const CbdVolume *volume = band->job->volume;
  const guint8 *forbidden = band->job->forbidden;
  CbdFreeOrigins *result = band->job->result;
  gsize nx = volume->dims[0], ny = volume->dims[1];
  gsize edge = result->edge;
  gsize ox = result->dims[0], oy = result->dims[1];
  guint32 *restrict y_free_from = band->y_free_from;
  guint32 *restrict prefix = band->prefix;
  gsize y_end = band->y0_end + edge - 1;

  memset (y_free_from, 0, ox * sizeof (guint32));
  for (gsize y = band->y0_first; y < y_end; y++)
    {
      const guint8 *row = volume->labels + nx * (y + ny * z);
      guint32 blocked_value = (guint32) (y + 1);
      guint32 running = 0;

      /* x window as a difference of prefix counts: the count is a short
       * dependency chain, the window test and update vectorise. */
      prefix[0] = 0;
      for (gsize x = 0; x < nx; x++)
        {
          running += forbidden[row[x]];
          prefix[x + 1] = running;
        }
      for (gsize x0 = 0; x0 < ox; x0++)
        y_free_from[x0] = prefix[x0 + edge] != prefix[x0] ? blocked_value : y_free_from[x0];

      if (y + 1 >= band->y0_first + edge)
        {
          gsize y0 = y + 1 - edge;
          guint32 *restrict z_free_from = band->z_free_from + (y0 - band->y0_first) * ox;
          guint32 blocked_z = (guint32) (z + 1);

          for (gsize x0 = 0; x0 < ox; x0++)
            z_free_from[x0] = y_free_from[x0] > y0 ? blocked_z : z_free_from[x0];

          if (z + 1 >= edge)
            {
              gsize z0 = z + 1 - edge;
              guint64 *out = result->bits + result->row_words * (y0 + oy * z0);

              for (gsize word = 0; word < result->row_words; word++)
                {
                  gsize first = word * 64;
                  gsize last = MIN (first + 64, ox);
                  guint64 bits = 0;

                  for (gsize x0 = first; x0 < last; x0++)
                    bits |= (guint64) (z0 >= z_free_from[x0]) << (x0 - first);
                  out[word] = bits;
                  band->n_free += (guint64) __builtin_popcountll (bits);
                }
            }
        }
    }
}

static gpointer
find_band_run (gpointer user_data)
{
  FindBand *band = user_data;
  FindJob *job = band->job;
  gsize nz = job->volume->dims[2];

  for (gsize z = 0; z < nz; z++)
    {
      if (g_atomic_int_get (&job->stop))
        break;
      if (job->cancellable != NULL && g_cancellable_is_cancelled (job->cancellable))
        {
          g_atomic_int_set (&job->stop, 1);
          break;
        }
      find_band_slice (band, z);
      g_atomic_int_inc (&job->slices_done);
      if (band->reports_progress)
        cbd_progress_report (job->progress, job->progress_data, "Finding CAM-free positions",
                             (double) g_atomic_int_get (&job->slices_done) / job->total_slices);
    }
  return NULL;
}

static guint
find_n_bands (gsize oy, gsize edge, guint n_threads)
{
  gsize min_rows = MAX (edge, (gsize) 16);
  gsize most = MAX ((gsize) 1, oy / min_rows);

  if (n_threads == 0)
    n_threads = MAX (1, g_get_num_processors ());
  /* The x window runs over edge - 1 extra rows per band: keep bands at
   * least one cube tall so the repeated rows stay a minor share. */
  return (guint) MIN ((gsize) n_threads, most);
}

static void
origins_dims (const CbdVolume *volume, gsize edge, gsize dims[3])
{
  gboolean fits = edge > 0 && edge <= volume->dims[0] && edge <= volume->dims[1]
                  && edge <= volume->dims[2];

  for (guint axis = 0; axis < 3; axis++)
    dims[axis] = fits ? volume->dims[axis] - edge + 1 : 0;
}

/**
 * cbd_free_origins_memory_size:
 * @volume: the label volume
 * @edge: cube edge in voxels
 * @n_threads: worker threads, 0 for one per processor
 *
 * Returns: the bytes cbd_free_origins_find() allocates for these arguments
 * (the result's bit set included), for a caller deciding whether it fits.
 */
gsize
cbd_free_origins_memory_size (const CbdVolume *volume,
                              gsize            edge,
                              guint            n_threads)
{
  gsize dims[3];
  gsize row_words;

  origins_dims (volume, edge, dims);
  row_words = (dims[0] + 63) / 64;
  return sizeof (CbdFreeOrigins) + row_words * dims[1] * dims[2] * sizeof (guint64)
         + dims[0] * dims[1] * sizeof (guint32)
         + find_n_bands (dims[1], edge, n_threads)
           * ((dims[0] + volume->dims[0] + 1) * sizeof (guint32) + sizeof (FindBand));
}

/**
 * cbd_free_origins_find:
 * @volume: the label volume
 * @forbidden: which stored labels a cutout must not hold (normally CAM)
 * @edge: cube edge in voxels, at least 1
 * @n_threads: worker threads, 0 for one per processor
 * @cancellable: (nullable): polled once per slice
 * @progress: (nullable): called on the calling thread
 * @progress_data: data for @progress
 * @error: return location for a #GError
 *
 * Every origin of an @edge-cube inside the volume that holds no forbidden
 * voxel, in time linear in the volume (three sliding windows, see the
 * comment at the top of this file) and with one bit of memory per origin
 * (cbd_free_origins_memory_size()). A cube larger than the volume has no
 * origins, which is not an error. The result does not depend on @n_threads.
 *
 * Returns: (transfer full): the free origins, or %NULL with @error set
 * when @edge is 0, out of memory or cancelled.
 */
CbdFreeOrigins *
cbd_free_origins_find (const CbdVolume *volume,
                       const gboolean   forbidden[256],
                       gsize            edge,
                       guint            n_threads,
                       GCancellable    *cancellable,
                       CbdProgressFunc  progress,
                       gpointer         progress_data,
                       GError         **error)
{
  g_autoptr(CbdFreeOrigins) result = NULL;
  g_autofree FindBand *bands = NULL;
  g_autofree guint32 *z_free_from = NULL;
  FindJob job = { 0 };
  guint n_bands;
  gsize ox, oy, oz;
  gboolean ok = TRUE;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (forbidden != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (edge == 0)
    {
      g_set_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_INVALID_SIZE,
                   "The cutout edge must be at least one voxel");
      return NULL;
    }
  for (guint axis = 0; axis < 3; axis++)
    if (volume->dims[axis] >= G_MAXUINT32)
      {
        g_set_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_INVALID_SIZE,
                     "Volumes of 2^32 voxels or more along one axis are not supported");
        return NULL;
      }

  result = g_new0 (CbdFreeOrigins, 1);
  result->edge = edge;
  origins_dims (volume, edge, result->dims);
  for (guint axis = 0; axis < 3; axis++)
    result->voxel_nm[axis] = volume->voxel_nm[axis];
  ox = result->dims[0];
  oy = result->dims[1];
  oz = result->dims[2];
  result->row_words = (ox + 63) / 64;
  if (ox == 0)
    {
      cbd_progress_report (progress, progress_data, "Finding CAM-free positions", 1.0);
      return g_steal_pointer (&result);
    }

  result->bits = g_try_malloc0_n (result->row_words * oy * oz, sizeof (guint64));
  z_free_from = g_try_malloc0_n (ox * oy, sizeof (guint32));
  n_bands = find_n_bands (oy, edge, n_threads);
  bands = g_new0 (FindBand, n_bands);
  if (result->bits == NULL || z_free_from == NULL)
    ok = FALSE;

  job.volume = volume;
  for (guint label = 0; label < 256; label++)
    job.forbidden[label] = forbidden[label] ? 1 : 0;
  job.result = result;
  job.cancellable = cancellable;
  job.progress = progress;
  job.progress_data = progress_data;
  job.total_slices = (guint64) n_bands * volume->dims[2];

  for (guint b = 0; ok && b < n_bands; b++)
    {
      FindBand *band = &bands[b];

      band->job = &job;
      band->y0_first = oy * b / n_bands;
      band->y0_end = oy * (b + 1) / n_bands;
      band->z_free_from = z_free_from + band->y0_first * ox;
      band->y_free_from = g_try_malloc_n (ox, sizeof (guint32));
      band->prefix = g_try_malloc_n (volume->dims[0] + 1, sizeof (guint32));
      band->reports_progress = (b == 0);
      if (band->y_free_from == NULL || band->prefix == NULL)
        ok = FALSE;
    }

  if (!ok)
    g_set_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_NO_MEMORY,
                 "Not enough memory to find cutout positions (%" G_GSIZE_FORMAT " MB needed)",
                 cbd_free_origins_memory_size (volume, edge, n_bands) >> 20);
  else
    {
      cbd_parallel_run_workers ("cbd-cutouts", find_band_run, bands, sizeof bands[0], n_bands);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
    }

  for (guint b = 0; b < n_bands; b++)
    {
      result->n_free += bands[b].n_free;
      g_free (bands[b].y_free_from);
      g_free (bands[b].prefix);
    }
  if (!ok)
    return NULL;
  cbd_progress_report (progress, progress_data, "Finding CAM-free positions", 1.0);
  return g_steal_pointer (&result);
}

void
cbd_free_origins_free (CbdFreeOrigins *free_origins)
{
  if (free_origins == NULL)
    return;
  g_free (free_origins->bits);
  g_free (free_origins);
}

/* ------------------------------------------------------------------------
 * Selection
 *
 * Greedy farthest-point sampling of cube origins: the first cutout is the
 * free origin nearest the corner (0, 0, 0), each next one the candidate
 * whose distance (in nanometres, between cube centres) to the nearest chosen
 * cutout is largest, skipping candidates whose cube would overlap a chosen
 * one or come closer than the gap. Ties go to the earlier candidate, so the
 * choice is deterministic. A prefix of the result is itself well spread.
 *
 * Candidates: the free origins themselves when there are at most
 * MAX_CANDIDATE_CELLS possible origins; otherwise the origins are grouped in
 * cells of stride^3 and each cell with a free origin offers its first one
 * (in z, y, x order). Every cell holding a free origin is represented, so a
 * volume with any free position yields at least one cutout; the count
 * reached when fewer than @n_wanted fit is what this greedy packs, a lower
 * bound on the best packing.
 *
 * Cost: when the k-th cutout is picked at distance D from its nearest
 * predecessor, every candidate is already within D of some chosen cutout,
 * so only candidates within D (or within overlap reach) of the new one can
 * change. They are found through a grid of candidates, and the farthest
 * candidate is kept at the root of a tournament tree; the whole selection
 * costs about n log k log n for n candidates instead of n k.
 * ------------------------------------------------------------------------ */

#define MAX_CANDIDATE_CELLS (1u << 21)

/* First set bit of @row in [from, to), or -1. */
static gssize
row_first_set (const guint64 *row, gsize from, gsize to)
{
  while (from < to)
    {
      gsize word = from / 64;
      guint64 bits = row[word] >> (from % 64);

      if (bits != 0)
        {
          gsize found = from + (gsize) __builtin_ctzll (bits);

          return found < to ? (gssize) found : -1;
        }
      from = (word + 1) * 64;
    }
  return -1;
}

static gsize
n_cells (const gsize dims[3], gsize stride)
{
  return ((dims[0] + stride - 1) / stride) * ((dims[1] + stride - 1) / stride)
         * ((dims[2] + stride - 1) / stride);
}

/* Candidate origins, three guint32 each, in z, y, x order of their cells
 * (at most one per cell, so the cells bound the memory asked for up front);
 * NULL on error. */
static guint32 *
gather_candidates (const CbdFreeOrigins *free_origins,
                   gsize                *n_candidates,
                   GCancellable         *cancellable,
                   GError              **error)
{
  const gsize *dims = free_origins->dims;
  gsize stride = 1, cells_x, cells_y, n_cell, n = 0;
  g_autofree guint8 *taken = NULL;
  g_autofree guint32 *candidates = NULL;

  while (n_cells (dims, stride) > MAX_CANDIDATE_CELLS)
    stride++;
  cells_x = (dims[0] + stride - 1) / stride;
  cells_y = (dims[1] + stride - 1) / stride;
  n_cell = n_cells (dims, stride);
  taken = g_try_malloc0 (n_cell);
  candidates = g_try_new (guint32, 3 * n_cell);
  if (taken == NULL || candidates == NULL)
    {
      g_set_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_NO_MEMORY,
                   "Not enough memory for the cutout candidates");
      return NULL;
    }

  for (gsize z0 = 0; z0 < dims[2]; z0++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      for (gsize y0 = 0; y0 < dims[1]; y0++)
        {
          const guint64 *row = free_origins->bits + free_origins->row_words * (y0 + dims[1] * z0);
          guint8 *cell_row = taken + cells_x * (y0 / stride + cells_y * (z0 / stride));

          for (gsize cx = 0; cx < cells_x; cx++)
            {
              gssize x0;

              if (cell_row[cx])
                continue;
              x0 = row_first_set (row, cx * stride, MIN ((cx + 1) * stride, dims[0]));
              if (x0 >= 0)
                {
                  candidates[3 * n] = (guint32) x0;
                  candidates[3 * n + 1] = (guint32) y0;
                  candidates[3 * n + 2] = (guint32) z0;
                  n++;
                  cell_row[cx] = 1;
                }
            }
        }
    }
  *n_candidates = n;
  return g_steal_pointer (&candidates);
}

typedef struct
{
  const guint32 *origin;      /* 3 per candidate */
  gsize          n;
  double        *nearest_sq;  /* n + 1: nm^2 to the nearest chosen cube, -1 once excluded;
                               * [n] = -inf pads the tree */
  gsize          leaves;      /* power of two >= n */
  guint32       *winner;      /* 2 * leaves: the best candidate below each node */
  /* grid of candidates */
  gsize          cell;        /* voxels per grid cell along every axis */
  gsize          grid[3];
  guint32       *cell_first;  /* grid cells + 1 */
  guint32       *members;     /* n, candidate indices grouped by cell */
} Picker;

static inline guint32
better (const Picker *picker, guint32 a, guint32 b)
{
  double va = picker->nearest_sq[a], vb = picker->nearest_sq[b];

  return (va > vb || (va == vb && a < b)) ? a : b;
}

static void
picker_update (Picker *picker, guint32 candidate)
{
  gsize node = (picker->leaves + candidate) / 2;

  for (; node >= 1; node /= 2)
    picker->winner[node] = better (picker, picker->winner[2 * node], picker->winner[2 * node + 1]);
}

static void
picker_clear (Picker *picker)
{
  g_free (picker->nearest_sq);
  g_free (picker->winner);
  g_free (picker->cell_first);
  g_free (picker->members);
}

static gboolean
picker_init (Picker *picker, const CbdFreeOrigins *free_origins, const guint32 *candidates,
             gsize n)
{
  gsize n_grid;
  g_autofree guint32 *cell_of = NULL;

  picker->origin = candidates;
  picker->n = n;
  picker->leaves = 1;
  while (picker->leaves < n)
    picker->leaves *= 2;
  /* About one cube per cell, coarser if that makes too many cells. */
  picker->cell = MAX (free_origins->edge, (gsize) 1);
  while (n_cells (free_origins->dims, picker->cell) > MAX (n, (gsize) 1024))
    picker->cell *= 2;
  for (guint axis = 0; axis < 3; axis++)
    picker->grid[axis] = (free_origins->dims[axis] + picker->cell - 1) / picker->cell;
  n_grid = picker->grid[0] * picker->grid[1] * picker->grid[2];

  picker->nearest_sq = g_try_malloc_n (n + 1, sizeof (double));
  picker->winner = g_try_malloc_n (2 * picker->leaves, sizeof (guint32));
  picker->cell_first = g_try_malloc0_n (n_grid + 1, sizeof (guint32));
  picker->members = g_try_malloc_n (MAX (n, (gsize) 1), sizeof (guint32));
  cell_of = g_try_malloc_n (MAX (n, (gsize) 1), sizeof (guint32));
  if (picker->nearest_sq == NULL || picker->winner == NULL || picker->cell_first == NULL
      || picker->members == NULL || cell_of == NULL)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    picker->nearest_sq[i] = INFINITY;
  picker->nearest_sq[n] = -INFINITY;
  for (gsize leaf = 0; leaf < picker->leaves; leaf++)
    picker->winner[picker->leaves + leaf] = (guint32) MIN (leaf, n);
  for (gsize node = picker->leaves - 1; node >= 1; node--)
    picker->winner[node] = better (picker, picker->winner[2 * node], picker->winner[2 * node + 1]);

  /* Counting sort of the candidates by grid cell, stable in index order. */
  for (gsize i = 0; i < n; i++)
    {
      const guint32 *o = picker->origin + 3 * i;

      cell_of[i] = (guint32) (o[0] / picker->cell + picker->grid[0]
                              * (o[1] / picker->cell + picker->grid[1] * (o[2] / picker->cell)));
      picker->cell_first[cell_of[i] + 1]++;
    }
  for (gsize c = 0; c < n_grid; c++)
    picker->cell_first[c + 1] += picker->cell_first[c];
  {
    g_autofree guint32 *fill = g_memdup2 (picker->cell_first, n_grid * sizeof (guint32));

    for (gsize i = 0; i < n; i++)
      picker->members[fill[cell_of[i]]++] = (guint32) i;
  }
  return TRUE;
}

/* After choosing @chosen at squared distance @reach_sq from its nearest
 * predecessor: exclude overlapping candidates, lower the others' distances. */
static void
picker_choose (Picker               *picker,
               const CbdFreeOrigins *free_origins,
               const guint32         chosen[3],
               double                reach_sq,
               gsize                 overlap)
{
  gsize lo[3], hi[3];

  for (guint axis = 0; axis < 3; axis++)
    {
      double span = sqrt (reach_sq) / free_origins->voxel_nm[axis];
      gsize half = overlap;

      if (!(span < (double) free_origins->dims[axis]))
        half = free_origins->dims[axis];
      else
        half = MAX (half, (gsize) ceil (span));
      lo[axis] = (chosen[axis] > half ? chosen[axis] - half : 0) / picker->cell;
      hi[axis] = MIN ((chosen[axis] + half) / picker->cell, picker->grid[axis] - 1);
    }

  for (gsize gz = lo[2]; gz <= hi[2]; gz++)
    for (gsize gy = lo[1]; gy <= hi[1]; gy++)
      for (gsize gx = lo[0]; gx <= hi[0]; gx++)
        {
          gsize c = gx + picker->grid[0] * (gy + picker->grid[1] * gz);

          for (guint32 m = picker->cell_first[c]; m < picker->cell_first[c + 1]; m++)
            {
              guint32 i = picker->members[m];
              const guint32 *o = picker->origin + 3 * i;
              gboolean overlaps = TRUE;
              double d = 0;

              if (picker->nearest_sq[i] < 0)
                continue;
              for (guint axis = 0; axis < 3; axis++)
                {
                  double delta = (double) o[axis] - (double) chosen[axis];

                  if (fabs (delta) >= (double) overlap)
                    overlaps = FALSE;
                  delta *= free_origins->voxel_nm[axis];
                  d += delta * delta;
                }
              if (overlaps)
                picker->nearest_sq[i] = -1;
              else if (d < picker->nearest_sq[i])
                picker->nearest_sq[i] = d;
              else
                continue;
              picker_update (picker, i);
            }
        }
}

/**
 * cbd_free_origins_select:
 * @free_origins: from cbd_free_origins_find()
 * @n_wanted: how many cutouts to pick, 0 for as many as fit
 * @min_gap: voxels that must separate two cutouts along at least one axis
 *   (0: they may touch but not overlap)
 * @cancellable: (nullable): polled between picks
 * @error: return location for a #GError
 *
 * Picks up to @n_wanted well-spread, non-overlapping cubes among the free
 * origins by greedy farthest-point sampling in physical space (see the
 * comment above). Finding fewer than @n_wanted is not an error: the array
 * is then shorter (possibly empty). The order is the order of picking.
 *
 * Returns: (transfer full) (element-type CbdCutout): the chosen cutouts
 * (array from cbd_cutouts_new()), or %NULL with @error set when out of
 * memory or cancelled.
 */
GArray *
cbd_free_origins_select (const CbdFreeOrigins *free_origins,
                         guint                 n_wanted,
                         gsize                 min_gap,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_autoptr(GArray) cutouts = cbd_cutouts_new ();
  g_autofree guint32 *candidates = NULL;
  gsize n_candidates = 0;
  Picker picker = { 0 };
  guint32 pick = 0;
  gboolean ok = TRUE;
  gsize overlap;

  g_return_val_if_fail (free_origins != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (free_origins->n_free == 0)
    return g_steal_pointer (&cutouts);
  if (n_wanted == 0)
    n_wanted = G_MAXUINT;
  if (min_gap > G_MAXUINT32)
    min_gap = G_MAXUINT32;
  overlap = free_origins->edge + min_gap;

  candidates = gather_candidates (free_origins, &n_candidates, cancellable, error);
  if (candidates == NULL)
    return NULL;
  if (!picker_init (&picker, free_origins, candidates, n_candidates))
    {
      picker_clear (&picker);
      g_set_error (error, CBD_CUTOUTS_ERROR, CBD_CUTOUTS_ERROR_NO_MEMORY,
                   "Not enough memory to choose among %" G_GSIZE_FORMAT " cutout candidates",
                   n_candidates);
      return NULL;
    }

  /* Seed: the candidate nearest the first corner, so the next picks run
   * to the far corner and then fill in (a seed in the middle would waste
   * room around it). */
  {
    double best = INFINITY;

    for (guint32 i = 0; i < picker.n; i++)
      {
        double d = 0;

        for (guint axis = 0; axis < 3; axis++)
          {
            double delta = (double) picker.origin[3 * i + axis] * free_origins->voxel_nm[axis];

            d += delta * delta;
          }
        if (d < best)
          {
            best = d;
            pick = i;
          }
      }
  }

  while (cutouts->len < n_wanted)
    {
      CbdCutout cutout = { { 0 }, free_origins->edge, NULL };
      guint32 chosen[3];
      double reach_sq = picker.nearest_sq[pick];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      for (guint axis = 0; axis < 3; axis++)
        {
          chosen[axis] = picker.origin[3 * pick + axis];
          cutout.origin[axis] = chosen[axis];
        }
      g_array_append_val (cutouts, cutout);
      picker_choose (&picker, free_origins, chosen, reach_sq, overlap);

      pick = picker.winner[1];
      if (picker.nearest_sq[pick] < 0)
        break;   /* every candidate is excluded */
    }
  picker_clear (&picker);
  if (!ok)
    return NULL;
  return g_steal_pointer (&cutouts);
}

/* ------------------------------------------------------------------------
 * Cutout lists
 * ------------------------------------------------------------------------ */

void
cbd_cutout_clear (CbdCutout *cutout)
{
  g_clear_pointer (&cutout->name, g_free);
}

/**
 * cbd_cutouts_new:
 *
 * Returns: (transfer full) (element-type CbdCutout): an empty array that
 * frees the cutouts' names with it.
 */
GArray *
cbd_cutouts_new (void)
{
  GArray *cutouts = g_array_new (FALSE, TRUE, sizeof (CbdCutout));

  g_array_set_clear_func (cutouts, (GDestroyNotify) cbd_cutout_clear);
  return cutouts;
}

/* Where the text came from, for messages: "FILE, line N: …". */
typedef struct
{
  const char  *source;
  const gsize *volume_dims;
  gsize        default_size;
} ParseContext;

static void G_GNUC_PRINTF (5, 6)
set_parse_error (GError            **error,
                 CbdCutoutsError     code,
                 const ParseContext *context,
                 guint               line,
                 const char         *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, CBD_CUTOUTS_ERROR, code, "%s, line %u: %s", context->source, line, message);
  else
    g_set_error (error, CBD_CUTOUTS_ERROR, code, "%s: %s", context->source, message);
}

static gboolean
check_cutout (const ParseContext *context, guint line, const CbdCutout *cutout, GError **error)
{
  const gsize *dims = context->volume_dims;

  if (cutout->size == 0)
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line,
                       "the cutout size must be at least one voxel");
      return FALSE;
    }
  for (guint axis = 0; axis < 3; axis++)
    if (cutout->origin[axis] >= dims[axis] || dims[axis] - cutout->origin[axis] < cutout->size)
      {
        set_parse_error (error, CBD_CUTOUTS_ERROR_OUT_OF_BOUNDS, context, line,
                         "the cube at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                         ") with edge %" G_GSIZE_FORMAT " lies outside the volume of %"
                         G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels",
                         cutout->origin[0], cutout->origin[1], cutout->origin[2], cutout->size,
                         dims[0], dims[1], dims[2]);
        return FALSE;
      }
  return TRUE;
}

/* --- CSV ---------------------------------------------------------------- */

enum { COLUMN_X, COLUMN_Y, COLUMN_Z, COLUMN_SIZE, COLUMN_NAME, N_COLUMNS };

/* Splits one line into fields: commas separate, double quotes protect
 * commas and are doubled inside quotes, blanks around fields are dropped. */
static GPtrArray *
csv_split (const char *line, gboolean *ok)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  *ok = TRUE;
  for (;;)
    {
      GString *field = g_string_new (NULL);

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          p++;
          for (;;)
            {
              if (*p == '\0')
                {
                  *ok = FALSE;
                  break;
                }
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p += 2;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p++);
            }
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p != ',' && *p != '\0')
            *ok = FALSE;
        }
      else
        {
          while (*p != ',' && *p != '\0')
            g_string_append_c (field, *p++);
          while (field->len > 0 && (field->str[field->len - 1] == ' ' || field->str[field->len - 1] == '\t'))
            g_string_truncate (field, field->len - 1);
        }
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      if (*p != ',' || !*ok)
        break;
      p++;
    }
  return fields;
}

static int
csv_column_kind (const char *header)
{
  g_autofree char *name = g_ascii_strdown (header, -1);
  static const struct { const char *name; int kind; } names[] = {
    { "x", COLUMN_X }, { "x0", COLUMN_X },
    { "y", COLUMN_Y }, { "y0", COLUMN_Y },
    { "z", COLUMN_Z }, { "z0", COLUMN_Z },
    { "size", COLUMN_SIZE }, { "edge", COLUMN_SIZE },
    { "name", COLUMN_NAME },
  };

  /* Units may be spelled in the column name: x0_voxels, size_voxels. */
  if (g_str_has_suffix (name, "_voxels"))
    name[strlen (name) - strlen ("_voxels")] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i].name) == 0)
      return names[i].kind;
  return -1;
}

static gboolean
csv_all_numbers (GPtrArray *fields)
{
  for (guint i = 0; i < fields->len; i++)
    if (!g_ascii_string_to_unsigned (fields->pdata[i], 10, 0, G_MAXUINT64, NULL, NULL))
      return FALSE;
  return TRUE;
}

static const char *const column_names[N_COLUMNS] = { "x", "y", "z", "size", "name" };

static GArray *
parse_csv (const char *text, const ParseContext *context, GError **error)
{
  g_autoptr(GArray) cutouts = cbd_cutouts_new ();
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  int column[N_COLUMNS] = { -1, -1, -1, -1, -1 };
  guint n_fields = 0;
  gboolean have_header = FALSE, headerless = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      guint line_number = i + 1;
      g_autoptr(GPtrArray) fields = NULL;
      gsize len = strlen (line);
      gboolean ok;
      CbdCutout cutout = { { 0 }, context->default_size, NULL };

      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (i == 0 && g_str_has_prefix (line, "\xef\xbb\xbf"))
        line += 3;
      g_strstrip (line);
      if (line[0] == '\0' || line[0] == '#')
        continue;

      fields = csv_split (line, &ok);
      if (!ok)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                           "unbalanced quotes");
          return NULL;
        }

      if (!have_header)
        {
          have_header = TRUE;
          n_fields = fields->len;
          if (csv_all_numbers (fields) && (fields->len == 3 || fields->len == 4))
            {
              /* No header: x, y, z and optionally the size, row by row. */
              headerless = TRUE;
            }
          else
            {
              for (guint f = 0; f < fields->len; f++)
                {
                  int kind = csv_column_kind (fields->pdata[f]);

                  if (kind < 0)
                    continue;   /* other columns (porosity, results…) are ignored */
                  if (column[kind] >= 0)
                    {
                      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                                       "two columns name the %s coordinate or field",
                                       column_names[kind]);
                      return NULL;
                    }
                  column[kind] = (int) f;
                }
              for (int kind = COLUMN_X; kind <= COLUMN_Z; kind++)
                if (column[kind] < 0)
                  {
                    set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                                     "the header has no “%s” column (expected x,y,z or x0,y0,z0, "
                                     "optionally size and name)", column_names[kind]);
                    return NULL;
                  }
              continue;
            }
        }

      if (headerless)
        {
          if (fields->len != 3 && fields->len != 4)
            {
              set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                               "expected x,y,z or x,y,z,size, found %u fields", fields->len);
              return NULL;
            }
          for (int c = 0; c < N_COLUMNS; c++)
            column[c] = c < (int) fields->len && c <= COLUMN_SIZE ? c : -1;
        }
      else if (fields->len != n_fields)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                           "expected %u fields, found %u", n_fields, fields->len);
          return NULL;
        }
      for (int kind = COLUMN_X; kind <= COLUMN_SIZE; kind++)
        {
          const char *field;
          guint64 value;

          if (column[kind] < 0)
            continue;
          field = fields->pdata[column[kind]];
          if (!g_ascii_string_to_unsigned (field, 10, 0, G_MAXSIZE, &value, NULL))
            {
              set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                               "“%s” in the %s column is not a whole number of voxels",
                               field, column_names[kind]);
              return NULL;
            }
          if (kind == COLUMN_SIZE)
            cutout.size = value;
          else
            cutout.origin[kind] = value;
        }
      if (column[COLUMN_SIZE] < 0 && context->default_size == 0)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, line_number,
                           "no cutout size given (add a size column)");
          return NULL;
        }
      if (!check_cutout (context, line_number, &cutout, error))
        return NULL;
      if (column[COLUMN_NAME] >= 0 && *(const char *) fields->pdata[column[COLUMN_NAME]] != '\0')
        cutout.name = g_strdup (fields->pdata[column[COLUMN_NAME]]);
      g_array_append_val (cutouts, cutout);
    }
  if (!have_header)
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, 0, "the file is empty");
      return NULL;
    }
  return g_steal_pointer (&cutouts);
}

/* --- JSON ----------------------------------------------------------------
 * A small reader for the subset the CLI writes and people type: any JSON
 * value is read into a tree that remembers each value's line; only
 * {"size": N, "cutouts": [{"origin": [x, y, z], "size": N, "name": "…"}, …]}
 * or a bare array of such cutouts is then interpreted. */

typedef enum
{
  JSON_NULL,
  JSON_BOOLEAN,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} JsonKind;

typedef struct _JsonNode JsonNode;
struct _JsonNode
{
  JsonKind   kind;
  guint      line;
  double     number;
  char      *text;       /* strings; numbers as written */
  GPtrArray *items;      /* arrays and object values (JsonNode *) */
  GPtrArray *keys;       /* object keys (char *) */
};

static void
json_node_free (JsonNode *node)
{
  if (node == NULL)
    return;
  g_free (node->text);
  g_clear_pointer (&node->items, g_ptr_array_unref);
  g_clear_pointer (&node->keys, g_ptr_array_unref);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JsonNode, json_node_free)

typedef struct
{
  const char         *p;
  const char         *end;
  guint               line;
  guint               depth;
  const ParseContext *context;
} JsonReader;

#define JSON_MAX_DEPTH 64

static void
json_skip_blank (JsonReader *reader)
{
  while (reader->p < reader->end)
    {
      char c = *reader->p;

      if (c == '\n')
        reader->line++;
      else if (c != ' ' && c != '\t' && c != '\r')
        break;
      reader->p++;
    }
}

static gboolean
json_fail (JsonReader *reader, GError **error, const char *what)
{
  if (reader->p >= reader->end)
    set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                     "%s, found the end of the file", what);
  else
    set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                     "%s, found “%c”", what, *reader->p);
  return FALSE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
json_read_hex4 (JsonReader *reader, gunichar *value)
{
  *value = 0;
  if (reader->end - reader->p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      int digit = hex_value (reader->p[i]);

      if (digit < 0)
        return FALSE;
      *value = *value * 16 + (gunichar) digit;
    }
  reader->p += 4;
  return TRUE;
}

/* At the opening quote. */
static char *
json_read_string (JsonReader *reader, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  reader->p++;
  for (;;)
    {
      char c;

      if (reader->p >= reader->end || *reader->p == '\n')
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                           "unterminated string");
          return NULL;
        }
      c = *reader->p++;
      if (c == '"')
        break;
      if ((guchar) c < 0x20)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                           "control character in a string");
          return NULL;
        }
      if (c != '\\')
        {
          g_string_append_c (out, c);
          continue;
        }
      if (reader->p >= reader->end)
        continue;   /* reported as unterminated above */
      c = *reader->p++;
      switch (c)
        {
        case '"': case '\\': case '/':
          g_string_append_c (out, c);
          break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar code, low;

            if (!json_read_hex4 (reader, &code))
              goto bad_escape;
            if (code >= 0xd800 && code < 0xdc00)
              {
                if (reader->end - reader->p < 2 || reader->p[0] != '\\' || reader->p[1] != 'u')
                  goto bad_escape;
                reader->p += 2;
                if (!json_read_hex4 (reader, &low) || low < 0xdc00 || low >= 0xe000)
                  goto bad_escape;
                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
              }
            else if (code >= 0xdc00 && code < 0xe000)
              goto bad_escape;
            g_string_append_unichar (out, code);
          }
          break;
        default:
          goto bad_escape;
        }
    }
  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                       "a string is not valid UTF-8");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);

bad_escape:
  set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                   "invalid escape in a string");
  return NULL;
}

static gboolean
is_digit (const JsonReader *reader)
{
  return reader->p < reader->end && *reader->p >= '0' && *reader->p <= '9';
}

/* The JSON number grammar, strictly, then g_ascii_strtod on the span. */
static JsonNode *
json_read_number (JsonReader *reader, GError **error)
{
  const char *start = reader->p;
  JsonNode *node;

  if (reader->p < reader->end && *reader->p == '-')
    reader->p++;
  if (!is_digit (reader))
    {
      json_fail (reader, error, "expected a digit");
      return NULL;
    }
  if (*reader->p == '0')
    reader->p++;
  else
    while (is_digit (reader))
      reader->p++;
  if (reader->p < reader->end && *reader->p == '.')
    {
      reader->p++;
      if (!is_digit (reader))
        {
          json_fail (reader, error, "expected a digit after the decimal point");
          return NULL;
        }
      while (is_digit (reader))
        reader->p++;
    }
  if (reader->p < reader->end && (*reader->p == 'e' || *reader->p == 'E'))
    {
      reader->p++;
      if (reader->p < reader->end && (*reader->p == '+' || *reader->p == '-'))
        reader->p++;
      if (!is_digit (reader))
        {
          json_fail (reader, error, "expected a digit in the exponent");
          return NULL;
        }
      while (is_digit (reader))
        reader->p++;
    }
  node = g_new0 (JsonNode, 1);
  node->kind = JSON_NUMBER;
  node->line = reader->line;
  node->text = g_strndup (start, (gsize) (reader->p - start));
  node->number = g_ascii_strtod (node->text, NULL);
  return node;
}

static JsonNode *json_read_value (JsonReader *reader, GError **error);

static JsonNode *
json_read_container (JsonReader *reader, gboolean object, GError **error)
{
  g_autoptr(JsonNode) node = g_new0 (JsonNode, 1);
  char close = object ? '}' : ']';

  node->kind = object ? JSON_OBJECT : JSON_ARRAY;
  node->line = reader->line;
  node->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_free);
  if (object)
    node->keys = g_ptr_array_new_with_free_func (g_free);
  if (++reader->depth > JSON_MAX_DEPTH)
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, reader->context, reader->line,
                       "nested too deeply");
      return NULL;
    }
  reader->p++;
  json_skip_blank (reader);
  if (reader->p < reader->end && *reader->p == close)
    {
      reader->p++;
      reader->depth--;
      return g_steal_pointer (&node);
    }
  for (;;)
    {
      JsonNode *item;

      json_skip_blank (reader);
      if (object)
        {
          char *key;

          if (reader->p >= reader->end || *reader->p != '"')
            {
              json_fail (reader, error, "expected a quoted key");
              return NULL;
            }
          key = json_read_string (reader, error);
          if (key == NULL)
            return NULL;
          g_ptr_array_add (node->keys, key);
          json_skip_blank (reader);
          if (reader->p >= reader->end || *reader->p != ':')
            {
              json_fail (reader, error, "expected “:” after a key");
              return NULL;
            }
          reader->p++;
        }
      item = json_read_value (reader, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (node->items, item);
      json_skip_blank (reader);
      if (reader->p < reader->end && *reader->p == ',')
        {
          reader->p++;
          continue;
        }
      if (reader->p < reader->end && *reader->p == close)
        {
          reader->p++;
          break;
        }
      json_fail (reader, error, object ? "expected “,” or “}”" : "expected “,” or “]”");
      return NULL;
    }
  reader->depth--;
  return g_steal_pointer (&node);
}

static JsonNode *
json_read_value (JsonReader *reader, GError **error)
{
  static const struct { const char *word; JsonKind kind; gboolean value; } literals[] = {
    { "true", JSON_BOOLEAN, TRUE }, { "false", JSON_BOOLEAN, FALSE }, { "null", JSON_NULL, FALSE },
  };

  json_skip_blank (reader);
  if (reader->p >= reader->end)
    {
      json_fail (reader, error, "expected a value");
      return NULL;
    }
  switch (*reader->p)
    {
    case '{':
      return json_read_container (reader, TRUE, error);
    case '[':
      return json_read_container (reader, FALSE, error);
    case '"':
      {
        char *text = json_read_string (reader, error);
        JsonNode *node;

        if (text == NULL)
          return NULL;
        node = g_new0 (JsonNode, 1);
        node->kind = JSON_STRING;
        node->line = reader->line;
        node->text = text;
        return node;
      }
    default:
      break;
    }
  if (*reader->p == '-' || (*reader->p >= '0' && *reader->p <= '9'))
    return json_read_number (reader, error);
  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize len = strlen (literals[i].word);

      if ((gsize) (reader->end - reader->p) >= len && memcmp (reader->p, literals[i].word, len) == 0)
        {
          JsonNode *node = g_new0 (JsonNode, 1);

          node->kind = literals[i].kind;
          node->line = reader->line;
          node->number = literals[i].value;
          reader->p += len;
          return node;
        }
    }
  json_fail (reader, error, "expected a value");
  return NULL;
}

static JsonNode *
json_member (const JsonNode *object, const char *key)
{
  for (guint i = 0; i < object->keys->len; i++)
    if (strcmp (object->keys->pdata[i], key) == 0)
      return object->items->pdata[i];
  return NULL;
}

static gboolean
json_whole_number (const ParseContext *context, const JsonNode *node, const char *what,
                   gsize *value, GError **error)
{
  /* Whole numbers up to 2^53 are exact in a double; 1e2 and 128.0 are fine. */
  if (node->kind != JSON_NUMBER || !(node->number >= 0) || node->number > 9007199254740992.0
      || node->number != floor (node->number))
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, node->line,
                       "%s must be a whole number ≥ 0, not %s", what,
                       node->kind == JSON_NUMBER ? node->text
                       : node->kind == JSON_STRING ? "a string"
                       : node->kind == JSON_ARRAY ? "an array"
                       : node->kind == JSON_OBJECT ? "an object" : "true, false or null");
      return FALSE;
    }
  *value = (gsize) node->number;
  return TRUE;
}

static GArray *
parse_json (const char *text, gsize length, const ParseContext *context, GError **error)
{
  JsonReader reader = { text, text + length, 1, 0, context };
  g_autoptr(JsonNode) root = json_read_value (&reader, error);
  g_autoptr(GArray) cutouts = cbd_cutouts_new ();
  const JsonNode *list;
  gsize size = context->default_size;

  if (root == NULL)
    return NULL;
  json_skip_blank (&reader);
  if (reader.p < reader.end)
    {
      json_fail (&reader, error, "expected the end of the file after the JSON value");
      return NULL;
    }

  if (root->kind == JSON_OBJECT)
    {
      const JsonNode *size_node = json_member (root, "size");

      if (size_node != NULL && !json_whole_number (context, size_node, "“size”", &size, error))
        return NULL;
      list = json_member (root, "cutouts");
      if (list == NULL)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, root->line,
                           "no “cutouts” array in the object");
          return NULL;
        }
    }
  else
    list = root;
  if (list->kind != JSON_ARRAY)
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, list->line,
                       "expected an array of cutouts");
      return NULL;
    }

  for (guint i = 0; i < list->items->len; i++)
    {
      const JsonNode *item = list->items->pdata[i];
      const JsonNode *origin, *node;
      CbdCutout cutout = { { 0 }, size, NULL };

      if (item->kind != JSON_OBJECT)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, item->line,
                           "a cutout must be an object with an “origin”");
          return NULL;
        }
      origin = json_member (item, "origin");
      if (origin == NULL || origin->kind != JSON_ARRAY || origin->items->len != 3)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context,
                           origin != NULL ? origin->line : item->line,
                           "a cutout needs “origin”: [x, y, z]");
          return NULL;
        }
      for (guint axis = 0; axis < 3; axis++)
        if (!json_whole_number (context, origin->items->pdata[axis], "each origin coordinate",
                                &cutout.origin[axis], error))
          return NULL;
      node = json_member (item, "size");
      if (node != NULL && !json_whole_number (context, node, "“size”", &cutout.size, error))
        return NULL;
      if (cutout.size == 0 && node == NULL)
        {
          set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, context, item->line,
                           "no cutout size given (add \"size\")");
          return NULL;
        }
      if (!check_cutout (context, item->line, &cutout, error))
        return NULL;
      node = json_member (item, "name");
      if (node != NULL && node->kind == JSON_STRING)
        cutout.name = g_strdup (node->text);
      g_array_append_val (cutouts, cutout);
    }
  return g_steal_pointer (&cutouts);
}

/**
 * cbd_cutouts_parse:
 * @text: the file's contents
 * @length: bytes of @text, or -1 when it is nul-terminated
 * @source_name: the file's name, for messages
 * @volume_dims: the volume every cube must fit in
 * @default_size: edge for cutouts that do not give one (0: they must)
 * @error: return location for a #GError
 *
 * Reads a list of cubic cutouts. JSON (the text starts with “{” or “[”):
 * `{"size": 128, "cutouts": [{"origin": [x, y, z]}, …]}` as written by
 * `cbdscope-cli cutouts --json`, or a bare array of such objects; each may
 * have its own "size" and a "name"; other members are ignored. Otherwise
 * CSV with a header naming the columns x, y, z (or x0, y0, z0, optionally
 * with the suffix _voxels) and optionally size (or edge) and name; other
 * columns are ignored. A first line of three or four whole numbers means
 * there is no header (x, y, z and optionally size). Blank lines and lines
 * starting with # are skipped. Sizes in the file win over @default_size.
 *
 * Returns: (transfer full) (element-type CbdCutout): the cutouts in file
 * order, or %NULL with @error naming @source_name, the line and the
 * problem (a bad number, a cube outside the volume, a syntax error).
 */
GArray *
cbd_cutouts_parse (const char  *text,
                   gssize       length,
                   const char  *source_name,
                   const gsize  volume_dims[3],
                   gsize        default_size,
                   GError     **error)
{
  ParseContext context = { source_name, volume_dims, default_size };
  g_autofree char *copy = NULL;
  const char *start, *p;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (volume_dims != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = (gssize) strlen (text);
  if (memchr (text, '\0', (gsize) length) != NULL)
    {
      set_parse_error (error, CBD_CUTOUTS_ERROR_PARSE, &context, 0,
                       "not a text file (it holds a zero byte)");
      return NULL;
    }
  copy = g_strndup (text, (gsize) length);
  start = copy;
  if (g_str_has_prefix (start, "\xef\xbb\xbf"))
    start += 3;
  p = start;
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  if (*p == '{' || *p == '[')
    return parse_json (start, (gsize) length - (gsize) (start - copy), &context, error);
  return parse_csv (copy, &context, error);
}

/**
 * cbd_cutouts_load:
 * @path: a CSV or JSON file, see cbd_cutouts_parse()
 * @volume_dims: the volume every cube must fit in
 * @default_size: edge for cutouts that do not give one (0: they must)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type CbdCutout): the cutouts, or %NULL
 * with @error set.
 */
GArray *
cbd_cutouts_load (const char  *path,
                  const gsize  volume_dims[3],
                  gsize        default_size,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  display = g_filename_display_name (path);
  return cbd_cutouts_parse (contents, (gssize) length, display, volume_dims, default_size, error);
}

static void
csv_append_field (GString *out, const char *text)
{
  if (strpbrk (text, ",\"\n\r") == NULL && text[0] != ' ' && text[0] != '#')
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      if (*p != '\n' && *p != '\r')
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * cbd_cutouts_to_csv:
 * @cutouts: (element-type CbdCutout): the cutouts
 *
 * Returns: (transfer full): CSV with the header x0,y0,z0,size_voxels,name,
 * one row per cutout, readable by cbd_cutouts_parse().
 */
char *
cbd_cutouts_to_csv (const GArray *cutouts)
{
  GString *out = g_string_new ("x0,y0,z0,size_voxels,name\n");

  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);

      g_string_append_printf (out, "%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
                              ",%" G_GSIZE_FORMAT ",", cutout->origin[0], cutout->origin[1],
                              cutout->origin[2], cutout->size);
      if (cutout->name != NULL)
        csv_append_field (out, cutout->name);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/**
 * cbd_cutouts_write_json:
 * @cutouts: (element-type CbdCutout): the cutouts
 * @writer: where a value is expected
 *
 * Writes the array [{"origin":[x,y,z],"size":N[,"name":"…"]}, …].
 */
void
cbd_cutouts_write_json (const GArray  *cutouts,
                        CbdJsonWriter *writer)
{
  cbd_json_begin_array (writer);
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);

      cbd_json_begin_object (writer);
      cbd_json_key (writer, "origin");
      cbd_json_begin_array (writer);
      for (guint axis = 0; axis < 3; axis++)
        cbd_json_int (writer, (gint64) cutout->origin[axis]);
      cbd_json_end_array (writer);
      cbd_json_member_int (writer, "size", (gint64) cutout->size);
      if (cutout->name != NULL)
        cbd_json_member_string (writer, "name", cutout->name);
      cbd_json_end_object (writer);
    }
  cbd_json_end_array (writer);
}

/**
 * cbd_cutouts_count_forbidden:
 * @volume: the label volume
 * @forbidden: which stored labels count
 * @origin: the box's first voxel
 * @size: the box's extent along x, y, z
 *
 * Counts the forbidden voxels in the box, clipped to the volume (a box
 * partly outside counts only what is inside). A direct scan: with up to
 * four forbidden labels (the usual case is one, CAM) a comparison the
 * compiler vectorises, else a lookup table. Under a millisecond for 128^3
 * on one core — fast enough to follow a cutout being dragged.
 *
 * Returns: the number of forbidden voxels
 */
guint64
cbd_cutouts_count_forbidden (const CbdVolume *volume,
                             const gboolean   forbidden[256],
                             const gsize      origin[3],
                             const gsize      size[3])
{
  guint8 lut[256], values[4];
  guint n_values = 0;
  gsize lo[3], hi[3];
  guint64 count = 0;

  g_return_val_if_fail (volume != NULL, 0);

  for (guint axis = 0; axis < 3; axis++)
    {
      if (origin[axis] >= volume->dims[axis] || size[axis] == 0)
        return 0;
      lo[axis] = origin[axis];
      hi[axis] = lo[axis] + MIN (size[axis], volume->dims[axis] - lo[axis]);
    }
  for (guint label = 0; label < 256; label++)
    {
      lut[label] = forbidden[label] ? 1 : 0;
      if (forbidden[label] && n_values < 5)
        {
          if (n_values < 4)
            values[n_values] = (guint8) label;
          n_values++;
        }
    }
  if (n_values == 0)
    return 0;
  /* Pad the comparison set by repeating a forbidden value. */
  for (guint k = n_values; k < 4; k++)
    values[k] = values[0];

  for (gsize z = lo[2]; z < hi[2]; z++)
    for (gsize y = lo[1]; y < hi[1]; y++)
      {
        const guint8 *row = volume->labels + cbd_volume_index (volume, 0, y, z);
        guint32 row_count = 0;

        if (n_values <= 4)
          for (gsize x = lo[0]; x < hi[0]; x++)
            {
              guint8 v = row[x];

              row_count += (v == values[0]) | (v == values[1]) | (v == values[2]) | (v == values[3]);
            }
        else
          for (gsize x = lo[0]; x < hi[0]; x++)
            row_count += lut[row[x]];
        count += row_count;
      }
  return count;
}
