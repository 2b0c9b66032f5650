/* cbd-partition.c — SNOW partition of one phase into individual pores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-partition"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "cbd-edt.h"
#include "cbd-parallel.h"
#include "cbd-partition.h"

G_DEFINE_QUARK (cbd-partition-error-quark, cbd_partition_error)

/* The SNOW algorithm (Gostick, Phys. Rev. E 96, 023307, 2017; PoreSpy's
 * snow_partitioning), step by step:
 *
 * 1. Exact Euclidean distance transform of the phase in nanometres with an
 *    open border (cbd_edt_compute, CBD_EDT_BORDER_OPEN): the volume's faces
 *    are not walls, as in PoreSpy, so a pore cut by the border does not look
 *    thinner than it is (it can look wider: the part beyond the face is
 *    unknown, which is why cbd-regions reports border contact).
 *
 * 2. A Gaussian blur of that map (sigma voxels of the finest axis; per axis
 *    sigma * h_min / voxel_nm), separable, kernel truncated at 4 sigma and
 *    normalised, mirrored at the volume's faces (scipy.ndimage's "reflect").
 *    Voxels outside the phase take part with their distance 0, exactly as
 *    PoreSpy blurs the full distance map: a phase voxel next to a wall is
 *    pulled down a little, which keeps peaks off the walls. The blurred map
 *    is used only to find peaks; the watershed floods the exact distances.
 *
 * 3. Peaks: phase voxels whose blurred value is the maximum of the blurred
 *    map over the ball of radius r_max around them (offsets with
 *    sum (d_i * voxel_nm_i)^2 <= (r_max * h_min)^2, skimage's ball(r_max) for
 *    cubic voxels; the map is not extended beyond the faces, equivalent to
 *    scipy's maximum_filter in "reflect" mode). Tested directly with an
 *    early exit, nearest offsets first: almost every voxel has a higher
 *    face neighbour, so this costs a few comparisons per voxel and is exact,
 *    unlike a separable max filter, which gives a box, not a ball.
 *
 * 4. Peak voxels form plateaus: two 26-adjacent peaks are each in the
 *    other's ball, so they have the same value; a plateau is a 26-connected
 *    set of peaks and becomes one marker.
 *
 * 5. Saddles: a plateau is kept only if it lies in a regional maximum of the
 *    blurred map: the 26-connected set of phase voxels with exactly its value
 *    that contains it (its flat zone) has no 26-neighbour of higher value.
 *    This catches the ridges and saddles that a ball test of finite radius
 *    takes for maxima, e.g. the middle of a long throat of constant width
 *    (PoreSpy's trim_saddle_points tests the same by iterated dilation).
 *
 * 6. Nearby peaks: for every pair of remaining plateaus whose centroids are
 *    closer than the larger of their two blurred values (the larger
 *    inscribed sphere holds the other peak), the lower one is dropped (equal
 *    values: the later one in scan order). All pairs are judged on the same
 *    set, so the result does not depend on the order (PoreSpy's
 *    trim_nearby_peaks).
 *
 * 7. Watershed: a priority flood from the markers over the phase's face
 *    neighbours (6-connectivity, as skimage's default), highest exact
 *    distance first. Ties go to the voxel queued first (key = (distance,
 *    queue order)), which splits a plateau of equal distance evenly between
 *    the markers that reach it, as skimage does. A voxel takes the region of
 *    the voxel that queued it, and only phase voxels are ever queued, so no
 *    region crosses a wall. A face-connected part of the phase that holds no
 *    marker (a small isolated pore, or one whose peak lost to a neighbour
 *    across a thin wall) becomes one region of its own: every phase voxel
 *    gets a region, every region is face-connected.
 *
 * Where this differs from PoreSpy's snow_partitioning (v2): its peak test
 * raises solid more than ~2 voxels from the pore space to 2 voxels, so thin
 * pores near thick solid get no peak; here they keep theirs. Its saddle test
 * dilates a plateau up to 20 times and drops it when the higher-or-equal rim
 * splits in two; here the flat zone is followed to its end. Its watershed
 * floods the blurred map through the solid and masks afterwards, so a pore
 * without a peak is claimed across a wall; here the exact map is flooded
 * within the phase. tests/bench/peer_skimage_snow.py does these steps with
 * SciPy and scikit-image.
 *
 * Memory: the caller's region array doubles as the blurred map until the
 * markers are placed, so the partition needs the labels, the distances and
 * the regions (4 bytes per voxel each), two bit arrays and the flood's queue.
 * Threads share the distance transform, the blur and the peak test; every
 * thread's work is a fixed set of lines or planes and lists are joined in
 * plane order, so the result does not depend on the number of threads. */

#define BLOCK_WIDTH 16
#define ROWS_PER_UNIT 16
#define NEARBY_CELL_VOXELS 8.0

typedef struct
{
  gint   offset[3];
  gssize linear;
} BallOffset;

typedef struct
{
  guint64 first;     /* smallest voxel index */
  float   value;     /* blurred distance, nm */
  guint64 count;
  guint64 sum[3];    /* of voxel coordinates */
  gboolean classified;
  gboolean keep;
  gboolean face_connected;  /* its voxels are one 6-connected set */
} Plateau;

typedef struct
{
  guint64 key;       /* ~value bits << 32 | queue order */
  guint64 index;
} HeapEntry;

typedef struct
{
  HeapEntry *data;
  gsize      size;
  gsize      capacity;
} Heap;

typedef struct
{
  const CbdVolume *volume;
  const gboolean  *phase;
  gsize            nx, ny, nz, n;
  const float     *distance;
  float           *smoothed;
  GCancellable    *cancellable;

  /* blur */
  float           *kernel[3];
  guint            radius[3];
  float          **block;        /* one scratch block per thread */
  guint            axis;

  /* peak test */
  BallOffset      *ball;
  guint            n_ball;
  gint             reach[3];
  GArray         **plane_peaks;  /* one list per z plane */
} Partition;

typedef void (*UnitFunc) (Partition *partition, guint unit, guint worker);

typedef struct
{
  Partition *partition;
  UnitFunc   func;
  guint      n_units;
  guint      worker;
  gint      *next_unit;
} Worker;

static gpointer
worker_run (gpointer user_data)
{
  Worker *worker = user_data;
  GCancellable *cancellable = worker->partition->cancellable;

  for (;;)
    {
      gint unit = g_atomic_int_add (worker->next_unit, 1);

      if (unit < 0 || (guint) unit >= worker->n_units)
        break;
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        break;
      worker->func (worker->partition, (guint) unit, worker->worker);
    }
  return NULL;
}

/* Runs @func on units 0..n_units-1 spread over @n_threads threads (the
 * calling one included). Which thread runs a unit never changes a result. */
static void
run_parallel (Partition *partition,
              guint      n_threads,
              guint      n_units,
              UnitFunc   func)
{
  g_autofree Worker *workers = g_new0 (Worker, n_threads);
  gint next_unit = 0;

  for (guint t = 0; t < n_threads; t++)
    workers[t] = (Worker) { partition, func, n_units, t, &next_unit };
  cbd_parallel_run_workers ("cbd-partition", worker_run, workers, sizeof workers[0], n_threads);
}

static inline gsize
reflect_index (gssize i, gsize n)
{
  gssize period = 2 * (gssize) n;

  i %= period;
  if (i < 0)
    i += period;
  return (gsize) (i < (gssize) n ? i : period - 1 - i);
}

/* ---- blur ---------------------------------------------------------------- */

static void
blur_x_unit (Partition *partition, guint unit, guint worker)
{
  gsize nx = partition->nx;
  gsize n_rows = partition->ny * partition->nz;
  gsize first = (gsize) unit * ROWS_PER_UNIT;
  gsize last = MIN (first + ROWS_PER_UNIT, n_rows);
  gint radius = (gint) partition->radius[0];
  const float *kernel = partition->kernel[0];

  for (gsize row = first; row < last; row++)
    {
      const float *in = partition->distance + row * nx;
      float *out = partition->smoothed + row * nx;

      for (gsize x = 0; x < nx; x++)
        {
          float sum = kernel[0] * in[x];

          if (x >= (gsize) radius && x + (gsize) radius < nx)
            for (gint k = 1; k <= radius; k++)
              sum += kernel[k] * (in[x - k] + in[x + k]);
          else
            for (gint k = 1; k <= radius; k++)
              sum += kernel[k] * (in[reflect_index ((gssize) x - k, nx)]
                                  + in[reflect_index ((gssize) x + k, nx)]);
          out[x] = sum;
        }
    }
}

/* Along y (axis 1) or z (axis 2), in place: BLOCK_WIDTH lines of consecutive
 * x are copied out, then blurred back into the volume. */
static void
blur_yz_unit (Partition *partition, guint unit, guint worker)
{
  gsize nx = partition->nx, ny = partition->ny;
  gsize blocks_per_row = (nx + BLOCK_WIDTH - 1) / BLOCK_WIDTH;
  gsize other = unit / blocks_per_row;
  gsize x0 = (unit % blocks_per_row) * BLOCK_WIDTH;
  gsize width = MIN ((gsize) BLOCK_WIDTH, nx - x0);
  guint axis = partition->axis;
  gint radius = (gint) partition->radius[axis];
  const float *kernel = partition->kernel[axis];
  float *block = partition->block[worker];
  gsize n, stride, base;

  if (axis == 1)
    {
      n = ny;
      stride = nx;
      base = x0 + nx * ny * other;
    }
  else
    {
      n = partition->nz;
      stride = nx * ny;
      base = x0 + nx * other;
    }

  for (gsize q = 0; q < n; q++)
    memcpy (block + q * BLOCK_WIDTH, partition->smoothed + base + q * stride,
            width * sizeof (float));

  for (gsize q = 0; q < n; q++)
    {
      float *row = partition->smoothed + base + q * stride;
      float sum[BLOCK_WIDTH];

      for (gsize b = 0; b < BLOCK_WIDTH; b++)
        sum[b] = kernel[0] * block[q * BLOCK_WIDTH + b];
      for (gint k = 1; k <= radius; k++)
        {
          const float *below = block + reflect_index ((gssize) q - k, n) * BLOCK_WIDTH;
          const float *above = block + reflect_index ((gssize) q + k, n) * BLOCK_WIDTH;

          for (gsize b = 0; b < BLOCK_WIDTH; b++)
            sum[b] += kernel[k] * (below[b] + above[b]);
        }
      for (gsize b = 0; b < width; b++)
        row[b] = sum[b];
    }
}

static gboolean
blur (Partition *partition,
      double     sigma_voxels,
      const double voxel_nm[3],
      guint      n_threads,
      GError   **error)
{
  double finest = MIN (voxel_nm[0], MIN (voxel_nm[1], voxel_nm[2]));
  gsize longest = MAX (partition->ny, partition->nz);
  gsize blocks_per_row = (partition->nx + BLOCK_WIDTH - 1) / BLOCK_WIDTH;
  gsize units[3] = {
    (partition->ny * partition->nz + ROWS_PER_UNIT - 1) / ROWS_PER_UNIT,
    blocks_per_row * partition->nz,
    blocks_per_row * partition->ny,
  };
  gboolean ok = TRUE;

  for (guint axis = 0; axis < 3; axis++)
    {
      double sigma = sigma_voxels * finest / voxel_nm[axis];
      guint radius = (guint) (4.0 * sigma + 0.5);
      double total = 0;
      double *weights;

      /* scipy.ndimage truncates at 4 sigma the same way */
      radius = MIN (radius, 4096);
      weights = g_new (double, radius + 1);
      for (guint k = 0; k <= radius; k++)
        {
          weights[k] = exp (-0.5 * (double) (k * k) / (sigma * sigma));
          total += (k == 0 ? 1.0 : 2.0) * weights[k];
        }
      partition->radius[axis] = radius;
      partition->kernel[axis] = g_new (float, radius + 1);
      for (guint k = 0; k <= radius; k++)
        partition->kernel[axis][k] = (float) (weights[k] / total);
      g_free (weights);
    }

  partition->block = g_new0 (float *, n_threads);
  for (guint t = 0; t < n_threads && ok; t++)
    {
      partition->block[t] = g_try_malloc_n (longest, BLOCK_WIDTH * sizeof (float));
      ok = partition->block[t] != NULL;
    }
  if (!ok)
    g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                 "Not enough memory for the blur's line buffers");

  for (guint axis = 0; ok && axis < 3; axis++)
    {
      if (units[axis] >= G_MAXINT / 2)
        {
          g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                       "The volume is too large to blur");
          ok = FALSE;
          break;
        }
      partition->axis = axis;
      run_parallel (partition, n_threads, (guint) units[axis],
                    axis == 0 ? blur_x_unit : blur_yz_unit);
    }

  for (guint axis = 0; axis < 3; axis++)
    g_clear_pointer (&partition->kernel[axis], g_free);
  for (guint t = 0; t < n_threads; t++)
    g_free (partition->block[t]);
  g_clear_pointer (&partition->block, g_free);
  return ok;
}

/* ---- peaks --------------------------------------------------------------- */

static int
compare_ball_offsets (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const BallOffset *first = a, *second = b;
  const double *scale = user_data;
  double da = 0, db = 0;

  for (guint axis = 0; axis < 3; axis++)
    {
      da += scale[axis] * first->offset[axis] * first->offset[axis];
      db += scale[axis] * second->offset[axis] * second->offset[axis];
    }
  if (da != db)
    return da < db ? -1 : 1;
  return (first->linear > second->linear) - (first->linear < second->linear);
}

/* The ball's offsets except the centre, nearest first. */
static void
build_ball (Partition *partition, double r_max, const double voxel_nm[3])
{
  double finest = MIN (voxel_nm[0], MIN (voxel_nm[1], voxel_nm[2]));
  double scale[3];
  GArray *offsets = g_array_new (FALSE, FALSE, sizeof (BallOffset));

  for (guint axis = 0; axis < 3; axis++)
    {
      /* squared length of one step along the axis, in finest voxels */
      double step = voxel_nm[axis] / finest;

      scale[axis] = step * step;
      partition->reach[axis] = (gint) floor (r_max / step);
    }
  for (gint dz = -partition->reach[2]; dz <= partition->reach[2]; dz++)
    for (gint dy = -partition->reach[1]; dy <= partition->reach[1]; dy++)
      for (gint dx = -partition->reach[0]; dx <= partition->reach[0]; dx++)
        {
          double d2 = scale[0] * dx * dx + scale[1] * dy * dy + scale[2] * dz * dz;
          BallOffset offset = {
            { dx, dy, dz },
            dx + (gssize) partition->nx * (dy + (gssize) partition->ny * dz),
          };

          if ((dx == 0 && dy == 0 && dz == 0) || d2 > r_max * r_max)
            continue;
          g_array_append_val (offsets, offset);
        }
  g_array_sort_with_data (offsets, compare_ball_offsets, scale);
  partition->n_ball = offsets->len;
  partition->ball = (BallOffset *) (gpointer) g_array_free (offsets, FALSE);
}

static void
find_peaks_unit (Partition *partition, guint unit, guint worker)
{
  const guint8 *labels = partition->volume->labels;
  const gboolean *phase = partition->phase;
  const float *smoothed = partition->smoothed;
  const BallOffset *ball = partition->ball;
  guint n_ball = partition->n_ball;
  gsize nx = partition->nx, ny = partition->ny, nz = partition->nz;
  gssize z = unit;
  gboolean inner_z = z >= partition->reach[2] && z + partition->reach[2] < (gssize) nz;
  GArray *peaks = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (gssize y = 0; y < (gssize) ny; y++)
    {
      gboolean inner_yz = inner_z && y >= partition->reach[1]
                          && y + partition->reach[1] < (gssize) ny;
      gsize row = nx * ((gsize) y + ny * (gsize) z);

      for (gssize x = 0; x < (gssize) nx; x++)
        {
          gsize index = row + (gsize) x;
          float value = smoothed[index];
          gboolean peak = TRUE;

          if (!phase[labels[index]])
            continue;
          if (inner_yz && x >= partition->reach[0] && x + partition->reach[0] < (gssize) nx)
            {
              for (guint o = 0; o < n_ball; o++)
                if (smoothed[index + ball[o].linear] > value)
                  {
                    peak = FALSE;
                    break;
                  }
            }
          else
            {
              for (guint o = 0; o < n_ball; o++)
                {
                  gssize bx = x + ball[o].offset[0];
                  gssize by = y + ball[o].offset[1];
                  gssize bz = z + ball[o].offset[2];

                  if (bx < 0 || by < 0 || bz < 0 || bx >= (gssize) nx
                      || by >= (gssize) ny || bz >= (gssize) nz)
                    continue;
                  if (smoothed[index + ball[o].linear] > value)
                    {
                      peak = FALSE;
                      break;
                    }
                }
            }
          if (peak)
            {
              guint64 found = index;

              g_array_append_val (peaks, found);
            }
        }
    }
  partition->plane_peaks[unit] = peaks;
}

/* ---- helpers over sparse peaks ------------------------------------------- */

static inline gboolean
bit_get (const guint64 *bits, guint64 index)
{
  return (bits[index >> 6] >> (index & 63)) & 1;
}

static inline void
bit_set (guint64 *bits, guint64 index)
{
  bits[index >> 6] |= G_GUINT64_CONSTANT (1) << (index & 63);
}

/* Position of @index in the sorted peak list. */
static gsize
peak_position (const guint64 *peaks, gsize n_peaks, guint64 index)
{
  gsize lo = 0, hi = n_peaks;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (peaks[mid] < index)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static inline void
voxel_coords (const Partition *partition, guint64 index, gssize coords[3])
{
  coords[0] = (gssize) (index % partition->nx);
  index /= partition->nx;
  coords[1] = (gssize) (index % partition->ny);
  coords[2] = (gssize) (index / partition->ny);
}

/* The face neighbours of voxel @index that lie in the volume; returns how
 * many were written. */
static inline guint
face_neighbours (const Partition *partition, guint64 index, guint64 neighbours[6])
{
  gsize nx = partition->nx, plane = partition->nx * partition->ny;
  gssize c[3];
  guint n = 0;

  voxel_coords (partition, index, c);
  if (c[0] > 0)
    neighbours[n++] = index - 1;
  if (c[0] + 1 < (gssize) partition->nx)
    neighbours[n++] = index + 1;
  if (c[1] > 0)
    neighbours[n++] = index - nx;
  if (c[1] + 1 < (gssize) partition->ny)
    neighbours[n++] = index + nx;
  if (c[2] > 0)
    neighbours[n++] = index - plane;
  if (c[2] + 1 < (gssize) partition->nz)
    neighbours[n++] = index + plane;
  return n;
}

/* The voxels of the 3 x 3 x 3 block around voxel @c, itself excluded, that
 * lie in the volume; returns how many were written. */
static inline guint
block_neighbours (const Partition *partition, const gssize c[3], guint64 neighbours[26])
{
  guint n = 0;

  for (gint dz = -1; dz <= 1; dz++)
    for (gint dy = -1; dy <= 1; dy++)
      for (gint dx = -1; dx <= 1; dx++)
        {
          gssize qx = c[0] + dx, qy = c[1] + dy, qz = c[2] + dz;

          if ((dx == 0 && dy == 0 && dz == 0) || qx < 0 || qy < 0 || qz < 0 ||
              qx >= (gssize) partition->nx || qy >= (gssize) partition->ny ||
              qz >= (gssize) partition->nz)
            continue;
          neighbours[n++] = (guint64) qx + partition->nx * ((guint64) qy + partition->ny * (guint64) qz);
        }
  return n;
}

static gboolean
stack_push (GArray *stack, guint64 index, GError **error)
{
  /* GArray aborts when it cannot grow; a stack beyond the voxel count is a
   * bug, so this only guards the arithmetic. */
  if (G_UNLIKELY (stack->len == G_MAXUINT))
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                   "A plateau or component is too large");
      return FALSE;
    }
  g_array_append_val (stack, index);
  return TRUE;
}

/* Whether the plateau of peak @first (plateau ids below 2^31 in
 * @plateau_of) is reached from its first voxel over face neighbours: only
 * a plateau that is not can seed a region of several face-separated pieces. */
static gboolean
plateau_is_face_connected (const Partition *partition,
                           const guint64   *peaks,
                           gsize            n_peaks,
                           const guint64   *peak_bits,
                           guint32         *plateau_of,
                           gsize            first,
                           guint64          count,
                           GArray          *stack)
{
  const guint32 reached_bit = 0x80000000u;
  guint32 id = plateau_of[first];
  g_autoptr(GArray) reached = g_array_new (FALSE, FALSE, sizeof (gsize));

  g_array_set_size (stack, 0);
  g_array_append_val (stack, peaks[first]);
  plateau_of[first] |= reached_bit;
  g_array_append_val (reached, first);
  while (stack->len > 0)
    {
      guint64 index = g_array_index (stack, guint64, stack->len - 1);
      guint64 neighbours[6];
      guint n_neighbours;

      g_array_set_size (stack, stack->len - 1);
      n_neighbours = face_neighbours (partition, index, neighbours);
      for (guint k = 0; k < n_neighbours; k++)
        {
          gsize position;

          if (!bit_get (peak_bits, neighbours[k]))
            continue;
          position = peak_position (peaks, n_peaks, neighbours[k]);
          if (plateau_of[position] != id)
            continue;
          plateau_of[position] |= reached_bit;
          g_array_append_val (reached, position);
          g_array_append_val (stack, neighbours[k]);
        }
    }
  for (guint r = 0; r < reached->len; r++)
    plateau_of[g_array_index (reached, gsize, r)] &= ~reached_bit;
  return reached->len == count;
}

/* Groups the peaks into 26-connected plateaus; plateau ids follow the scan
 * order of their first voxels. */
static gboolean
label_plateaus (const Partition *partition,
                const guint64   *peaks,
                gsize            n_peaks,
                const guint64   *peak_bits,
                guint32         *plateau_of,
                GArray          *plateaus,
                GError         **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (gsize i = 0; i < n_peaks; i++)
    plateau_of[i] = G_MAXUINT32;

  for (gsize i = 0; i < n_peaks; i++)
    {
      Plateau plateau = { peaks[i], partition->smoothed[peaks[i]], 0, { 0, 0, 0 }, FALSE, FALSE, TRUE };
      guint32 id;

      if (plateau_of[i] != G_MAXUINT32)
        continue;
      if (plateaus->len >= G_MAXINT32)
        {
          g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                       "Too many peaks");
          return FALSE;
        }
      id = plateaus->len;
      plateau_of[i] = id;
      g_array_set_size (stack, 0);
      if (!stack_push (stack, peaks[i], error))
        return FALSE;
      while (stack->len > 0)
        {
          guint64 index = g_array_index (stack, guint64, stack->len - 1);
          guint64 neighbours[26];
          guint n_neighbours;
          gssize c[3];

          g_array_set_size (stack, stack->len - 1);
          voxel_coords (partition, index, c);
          plateau.count++;
          for (guint axis = 0; axis < 3; axis++)
            plateau.sum[axis] += (guint64) c[axis];

          n_neighbours = block_neighbours (partition, c, neighbours);
          for (guint k = 0; k < n_neighbours; k++)
            {
              guint64 q = neighbours[k];
              gsize position;

              if (!bit_get (peak_bits, q))
                continue;
              position = peak_position (peaks, n_peaks, q);
              if (plateau_of[position] != G_MAXUINT32)
                continue;
              plateau_of[position] = id;
              if (!stack_push (stack, q, error))
                return FALSE;
            }
        }
      if (plateau.count > 1)
        plateau.face_connected = plateau_is_face_connected (partition, peaks, n_peaks, peak_bits,
                                                            plateau_of, i, plateau.count, stack);
      g_array_append_val (plateaus, plateau);
    }
  return TRUE;
}

/* Step 5: keeps the plateaus whose flat zone has no higher neighbour. */
static gboolean
trim_saddles (const Partition *partition,
              const guint64   *peaks,
              gsize            n_peaks,
              const guint64   *peak_bits,
              guint64         *visited,
              const guint32   *plateau_of,
              GArray          *plateaus,
              guint64         *n_removed,
              GError         **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (guint32));
  const guint8 *labels = partition->volume->labels;
  const float *smoothed = partition->smoothed;

  *n_removed = 0;
  for (guint p = 0; p < plateaus->len; p++)
    {
      Plateau *plateau = &g_array_index (plateaus, Plateau, p);
      float value = plateau->value;
      gboolean higher = FALSE;

      if (plateau->classified)
        continue;
      if (g_cancellable_set_error_if_cancelled (partition->cancellable, error))
        return FALSE;

      g_array_set_size (stack, 0);
      g_array_set_size (members, 0);
      bit_set (visited, plateau->first);
      if (!stack_push (stack, plateau->first, error))
        return FALSE;
      while (stack->len > 0)
        {
          guint64 index = g_array_index (stack, guint64, stack->len - 1);
          guint64 neighbours[26];
          guint n_neighbours;
          gssize c[3];

          g_array_set_size (stack, stack->len - 1);
          if (bit_get (peak_bits, index))
            {
              guint32 member = plateau_of[peak_position (peaks, n_peaks, index)];

              g_array_append_val (members, member);
            }
          voxel_coords (partition, index, c);
          n_neighbours = block_neighbours (partition, c, neighbours);
          for (guint k = 0; k < n_neighbours; k++)
            {
              guint64 q = neighbours[k];

              if (smoothed[q] > value)
                higher = TRUE;
              else if (smoothed[q] == value && partition->phase[labels[q]]
                       && !bit_get (visited, q))
                {
                  bit_set (visited, q);
                  if (!stack_push (stack, q, error))
                    return FALSE;
                }
            }
        }

      for (guint m = 0; m < members->len; m++)
        {
          Plateau *member = &g_array_index (plateaus, Plateau, g_array_index (members, guint32, m));

          if (member->classified)
            continue;
          member->classified = TRUE;
          member->keep = !higher;
          if (higher)
            (*n_removed)++;
        }
    }
  return TRUE;
}

/* Step 6 on the plateaus kept so far; marks the dropped ones in @dropped. */
static guint64
trim_nearby (const Partition *partition,
             const double     voxel_nm[3],
             GArray          *plateaus,
             gboolean        *dropped)
{
  double finest = MIN (voxel_nm[0], MIN (voxel_nm[1], voxel_nm[2]));
  double cell_nm = NEARBY_CELL_VOXELS * finest;
  gsize n_cells[3], total_cells;
  g_autofree guint32 *kept = NULL;
  g_autofree double *centre = NULL;
  g_autofree gsize *cell_of = NULL;
  g_autofree guint32 *cell_start = NULL;
  g_autofree guint32 *cell_items = NULL;
  guint n_kept = 0;
  guint64 n_dropped = 0;
  gsize dims[3] = { partition->nx, partition->ny, partition->nz };

  for (guint p = 0; p < plateaus->len; p++)
    dropped[p] = FALSE;

  kept = g_new (guint32, MAX (plateaus->len, 1));
  for (guint p = 0; p < plateaus->len; p++)
    if (g_array_index (plateaus, Plateau, p).keep)
      kept[n_kept++] = p;
  if (n_kept < 2)
    return 0;

  for (guint axis = 0; axis < 3; axis++)
    n_cells[axis] = (gsize) ceil (dims[axis] * voxel_nm[axis] / cell_nm) + 1;
  total_cells = n_cells[0] * n_cells[1] * n_cells[2];

  /* Counting sort of the kept plateaus into grid cells by centroid. */
  centre = g_new (double, 3 * (gsize) n_kept);
  cell_of = g_new (gsize, n_kept);
  cell_start = g_new0 (guint32, total_cells + 1);
  cell_items = g_new (guint32, n_kept);
  for (guint k = 0; k < n_kept; k++)
    {
      const Plateau *plateau = &g_array_index (plateaus, Plateau, kept[k]);
      gsize cell[3];

      for (guint axis = 0; axis < 3; axis++)
        {
          centre[3 * k + axis] = (double) plateau->sum[axis] / (double) plateau->count
                                 * voxel_nm[axis];
          cell[axis] = MIN ((gsize) (centre[3 * k + axis] / cell_nm), n_cells[axis] - 1);
        }
      cell_of[k] = cell[0] + n_cells[0] * (cell[1] + n_cells[1] * cell[2]);
      cell_start[cell_of[k] + 1]++;
    }
  for (gsize c = 0; c < total_cells; c++)
    cell_start[c + 1] += cell_start[c];
  {
    g_autofree guint32 *fill = g_memdup2 (cell_start, total_cells * sizeof (guint32));

    for (guint k = 0; k < n_kept; k++)
      cell_items[fill[cell_of[k]]++] = k;
  }

  for (guint h = 0; h < n_kept; h++)
    {
      const Plateau *high = &g_array_index (plateaus, Plateau, kept[h]);
      double radius = high->value;
      gsize lo[3], hi[3];

      if (!(radius > 0))
        continue;
      for (guint axis = 0; axis < 3; axis++)
        {
          double a = (centre[3 * h + axis] - radius) / cell_nm;
          double b = (centre[3 * h + axis] + radius) / cell_nm;

          lo[axis] = a <= 0 ? 0 : (gsize) MIN (a, (double) (n_cells[axis] - 1));
          hi[axis] = (gsize) MIN (MAX (b, 0.0), (double) (n_cells[axis] - 1));
        }
      for (gsize cz = lo[2]; cz <= hi[2]; cz++)
        for (gsize cy = lo[1]; cy <= hi[1]; cy++)
          for (gsize cx = lo[0]; cx <= hi[0]; cx++)
            {
              gsize cell = cx + n_cells[0] * (cy + n_cells[1] * cz);

              for (guint32 item = cell_start[cell]; item < cell_start[cell + 1]; item++)
                {
                  guint l = cell_items[item];
                  const Plateau *low = &g_array_index (plateaus, Plateau, kept[l]);
                  double d2 = 0;

                  if (l == h)
                    continue;
                  if (!(low->value < high->value || (low->value == high->value && l > h)))
                    continue;
                  for (guint axis = 0; axis < 3; axis++)
                    {
                      double d = centre[3 * l + axis] - centre[3 * h + axis];

                      d2 += d * d;
                    }
                  if (d2 < radius * radius)
                    dropped[kept[l]] = TRUE;
                }
            }
    }
  for (guint k = 0; k < n_kept; k++)
    n_dropped += dropped[kept[k]];
  return n_dropped;
}

/* ---- watershed ----------------------------------------------------------- */

static inline guint32
descending_key (float value)
{
  guint32 bits;

  /* Non-negative floats (and +inf) order like their bit patterns. */
  memcpy (&bits, &value, sizeof bits);
  return ~bits;
}

static gboolean
heap_push (Heap *heap, guint64 key, guint64 index)
{
  gsize i;

  if (heap->size == heap->capacity)
    {
      gsize capacity = MAX (heap->capacity * 2, 4096);
      HeapEntry *data = g_try_realloc_n (heap->data, capacity, sizeof (HeapEntry));

      if (data == NULL)
        return FALSE;
      heap->data = data;
      heap->capacity = capacity;
    }
  /* A 4-ary min-heap: shallower than a binary one, children share a line. */
  i = heap->size++;
  while (i > 0)
    {
      gsize parent = (i - 1) / 4;

      if (heap->data[parent].key <= key)
        break;
      heap->data[i] = heap->data[parent];
      i = parent;
    }
  heap->data[i] = (HeapEntry) { key, index };
  return TRUE;
}

static HeapEntry
heap_pop (Heap *heap)
{
  HeapEntry top = heap->data[0];
  HeapEntry last = heap->data[--heap->size];
  gsize size = heap->size;
  gsize i = 0;

  for (;;)
    {
      gsize first = 4 * i + 1, best, end;

      if (first >= size)
        break;
      best = first;
      end = MIN (first + 4, size);
      for (gsize c = first + 1; c < end; c++)
        if (heap->data[c].key < heap->data[best].key)
          best = c;
      if (heap->data[best].key >= last.key)
        break;
      heap->data[i] = heap->data[best];
      i = best;
    }
  if (size > 0)
    heap->data[i] = last;
  return top;
}

/* Queue entries carry a voxel's coordinates rather than its index: the
 * flood needs them for the border tests, and unpacking bits is much cheaper
 * than dividing by nx and ny. */
#define COORD_BITS 21
#define COORD_MASK ((G_GUINT64_CONSTANT (1) << COORD_BITS) - 1)

static inline guint64
pack_coords (guint64 x, guint64 y, guint64 z)
{
  return x | y << COORD_BITS | z << (2 * COORD_BITS);
}

static inline gsize
unpack_index (guint64 packed, gsize nx, gsize ny)
{
  return (packed & COORD_MASK)
         + nx * (((packed >> COORD_BITS) & COORD_MASK) + ny * (packed >> (2 * COORD_BITS)));
}

static inline guint32
float_bits (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits;
}

/* The flood's priority queue: it pops voxels by (distance descending,
 * queue order), exactly, for any sequence of pushes.
 *
 * Distances are cut into bands of 2^shift consecutive float bit patterns.
 * Voxels in a band up to @current are "near": in @fifo, an array sorted by
 * (distance descending, queue order), or in the heap @near; every later
 * voxel waits unsorted in its band's array (appended in queue order, so a
 * band of one distance is sorted already: most are). When @fifo and @near
 * are both empty, the next non-empty band, sorted by distance if it holds
 * several, becomes the fifo. A push in a near band joins the fifo's tail when
 * its distance is not above the tail's (its queue order is the newest), else
 * the heap; so the heap only ever holds the few voxels that go uphill, and
 * most voxels are only appended to and read back from arrays of 8-byte
 * packed coordinates. The fifo and the bands store no keys: a distance is
 * read back from the map when needed, and the queue order is implied. A
 * fifo entry and a heap entry of equal distance never need it either: the
 * fifo's is always older (a voxel goes to the heap only when its distance
 * exceeds the fifo tail's, and the fifo's tail never rises). */

#define FLOOD_MAX_BANDS 65536

typedef struct
{
  guint64 *data;     /* packed coordinates */
  gsize    len;
  gsize    capacity;
  guint32  lo, hi;   /* smallest and largest float bits appended */
} Band;

typedef struct
{
  Heap         near;
  Band         fifo;
  gsize        fifo_head;
  float        fifo_tail;  /* distance of the fifo's last entry */
  Band        *bands;
  guint        n_bands;
  guint        current;
  guint32      base;       /* float bits of the largest distance */
  guint        shift;
  gsize        pending;    /* voxels in the band arrays */
  guint64      order;      /* queue order of the next push */
  const float *distance;
  gsize        nx, ny;
} FloodQueue;

/* FALSE when out of memory (the queue is then empty, and clears). */
static gboolean
flood_queue_init (FloodQueue *queue, const float *distance, gsize nx, gsize ny,
                  float largest, float smallest)
{
  guint32 span = float_bits (largest) - float_bits (smallest);

  memset (queue, 0, sizeof *queue);
  queue->distance = distance;
  queue->nx = nx;
  queue->ny = ny;
  queue->base = float_bits (largest);
  while ((span >> queue->shift) >= FLOOD_MAX_BANDS)
    queue->shift++;
  queue->n_bands = (span >> queue->shift) + 1;
  queue->bands = g_try_new0 (Band, queue->n_bands);
  if (queue->bands == NULL)
    queue->n_bands = 0;
  return queue->bands != NULL;
}

static void
flood_queue_clear (FloodQueue *queue)
{
  for (guint b = 0; b < queue->n_bands; b++)
    g_free (queue->bands[b].data);
  g_clear_pointer (&queue->bands, g_free);
  g_clear_pointer (&queue->near.data, g_free);
  g_clear_pointer (&queue->fifo.data, g_free);
}

/* Band 0 holds the largest distances. */
static inline guint
flood_queue_band (const FloodQueue *queue, guint32 bits)
{
  /* clamped, so a distance outside the expected range only costs speed */
  if (bits > queue->base)
    return 0;
  return MIN ((queue->base - bits) >> queue->shift, queue->n_bands - 1);
}

static inline gboolean
band_append (Band *band, guint64 packed, guint32 bits)
{
  if (G_UNLIKELY (band->len == band->capacity))
    {
      gsize capacity = MAX (band->capacity * 2, 64);
      guint64 *data = g_try_realloc_n (band->data, capacity, sizeof (guint64));

      if (data == NULL)
        return FALSE;
      band->data = data;
      band->capacity = capacity;
    }
  if (band->len == 0)
    band->lo = band->hi = bits;
  else
    {
      band->lo = MIN (band->lo, bits);
      band->hi = MAX (band->hi, bits);
    }
  band->data[band->len++] = packed;
  return TRUE;
}

static gboolean
flood_queue_push (FloodQueue *queue, guint64 packed, float value)
{
  guint32 bits = float_bits (value);
  guint b = flood_queue_band (queue, bits);
  guint64 order = queue->order++;
  gboolean fifo_empty = queue->fifo_head == queue->fifo.len;

  if (b > queue->current)
    {
      queue->pending++;
      return band_append (&queue->bands[b], packed, bits);
    }
  if ((!fifo_empty && value <= queue->fifo_tail) || (fifo_empty && queue->near.size == 0))
    {
      queue->fifo_tail = value;
      return band_append (&queue->fifo, packed, bits);
    }
  return heap_push (&queue->near, (guint64) descending_key (value) << 32 | (order & G_MAXUINT32),
                    packed);
}

static int
compare_heap_entries (const void *a, const void *b)
{
  guint64 x = ((const HeapEntry *) a)->key, y = ((const HeapEntry *) b)->key;

  return (x > y) - (x < y);
}

/* The next band holding several distances, sorted by (distance descending,
 * queue order): its array order is the queue order. */
static gboolean
sort_band (const FloodQueue *queue, Band *band)
{
  g_autofree HeapEntry *keyed = g_try_malloc_n (band->len, sizeof (HeapEntry));

  if (keyed == NULL)
    return FALSE;
  for (gsize i = 0; i < band->len; i++)
    keyed[i] = (HeapEntry) {
      (guint64) descending_key (queue->distance[unpack_index (band->data[i], queue->nx, queue->ny)]) << 32 | i,
      band->data[i],
    };
  qsort (keyed, band->len, sizeof (HeapEntry), compare_heap_entries);
  for (gsize i = 0; i < band->len; i++)
    band->data[i] = keyed[i].index;
  return TRUE;
}

/* FALSE when the queue is empty or (then *failed is set) out of memory. */
static gboolean
flood_queue_pop (FloodQueue *queue, guint64 *packed, gboolean *failed)
{
  gboolean fifo_empty = queue->fifo_head == queue->fifo.len;

  if (fifo_empty && queue->near.size == 0)
    {
      Band *band;

      if (queue->pending == 0)
        return FALSE;
      do
        queue->current++;
      while (queue->bands[queue->current].len == 0);

      /* The band's array becomes the fifo. */
      band = &queue->bands[queue->current];
      queue->pending -= band->len;
      if (band->lo != band->hi && !sort_band (queue, band))
        {
          *failed = TRUE;
          return FALSE;
        }
      g_free (queue->fifo.data);
      queue->fifo = *band;
      queue->fifo_head = 0;
      queue->fifo_tail = queue->distance[unpack_index (band->data[band->len - 1],
                                                       queue->nx, queue->ny)];
      *band = (Band) { NULL, 0, 0, 0, 0 };
      fifo_empty = FALSE;
    }

  if (!fifo_empty)
    {
      guint64 head = queue->fifo.data[queue->fifo_head];

      /* Equal distances: the fifo's voxel is the older one. */
      if (queue->near.size == 0
          || (guint32) (queue->near.data[0].key >> 32)
             >= descending_key (queue->distance[unpack_index (head, queue->nx, queue->ny)]))
        {
          *packed = head;
          /* Start over at the array's beginning once it has drained. */
          if (++queue->fifo_head == queue->fifo.len)
            queue->fifo_head = queue->fifo.len = 0;
          return TRUE;
        }
    }
  *packed = heap_pop (&queue->near).index;
  return TRUE;
}

/* Regions array value of voxels outside the phase during the flood, so a
 * single read tells whether a neighbour is free. */
#define OUTSIDE G_MAXUINT32

/* The flood reads a voxel's face neighbours long after it was queued, in
 * distance order, all over the volume: fetch them a few pops ahead. */
#define PREFETCH_AHEAD 32

static inline void
prefetch_neighbours (const guint32 *regions, const float *distance, guint64 index,
                     gsize nx, gsize plane, gsize n)
{
  if (index >= plane && index + plane < n)
    {
      __builtin_prefetch (regions + index - plane);
      __builtin_prefetch (regions + index - nx);
      __builtin_prefetch (regions + index);
      __builtin_prefetch (regions + index + nx);
      __builtin_prefetch (regions + index + plane);
      __builtin_prefetch (distance + index - plane);
      __builtin_prefetch (distance + index - nx);
      __builtin_prefetch (distance + index);
      __builtin_prefetch (distance + index + nx);
      __builtin_prefetch (distance + index + plane);
    }
}

/* @regions holds the markers' ids on their voxels, 0 on the other phase
 * voxels and OUTSIDE elsewhere. */
static gboolean
flood (const Partition *partition,
       const guint64   *seeds,
       gsize            n_seeds,
       guint32         *regions,
       float            largest,
       float            smallest,
       guint64          phase_voxels,
       CbdProgressFunc  progress,
       gpointer         progress_data,
       GError         **error)
{
  const float *distance = partition->distance;
  gsize nx = partition->nx, ny = partition->ny, nz = partition->nz;
  gsize plane = nx * ny;
  FloodQueue queue;
  guint64 current, popped = 0;
  gboolean ok = TRUE, failed = FALSE;

  ok = flood_queue_init (&queue, distance, nx, ny, largest, smallest);
  for (gsize s = 0; s < n_seeds && ok; s++)
    {
      guint64 index = seeds[s];
      guint64 x = index % nx, y = (index / nx) % ny, z = index / plane;

      ok = flood_queue_push (&queue, pack_coords (x, y, z), distance[index]);
    }

  while (ok && flood_queue_pop (&queue, &current, &failed))
    {
      gsize x = current & COORD_MASK;
      gsize y = (current >> COORD_BITS) & COORD_MASK;
      gsize z = current >> (2 * COORD_BITS);
      gsize index = x + nx * (y + ny * z);
      guint32 region = regions[index];
      guint64 neighbours[6], packed[6];
      guint n_neighbours = 0;

      if (queue.fifo_head + PREFETCH_AHEAD < queue.fifo.len)
        {
          guint64 ahead = queue.fifo.data[queue.fifo_head + PREFETCH_AHEAD];

          prefetch_neighbours (regions, distance, unpack_index (ahead, nx, ny),
                               nx, plane, partition->n);
        }

      if (G_UNLIKELY ((++popped & 0xfffff) == 0))
        {
          if (g_cancellable_is_cancelled (partition->cancellable))
            break;
          cbd_progress_report (progress, progress_data, "Watershed",
                               0.5 + 0.45 * (double) popped / (double) MAX (phase_voxels, 1));
        }

      if (x > 0)
        {
          neighbours[n_neighbours] = index - 1;
          packed[n_neighbours++] = current - 1;
        }
      if (x + 1 < nx)
        {
          neighbours[n_neighbours] = index + 1;
          packed[n_neighbours++] = current + 1;
        }
      if (y > 0)
        {
          neighbours[n_neighbours] = index - nx;
          packed[n_neighbours++] = current - (G_GUINT64_CONSTANT (1) << COORD_BITS);
        }
      if (y + 1 < ny)
        {
          neighbours[n_neighbours] = index + nx;
          packed[n_neighbours++] = current + (G_GUINT64_CONSTANT (1) << COORD_BITS);
        }
      if (z > 0)
        {
          neighbours[n_neighbours] = index - plane;
          packed[n_neighbours++] = current - (G_GUINT64_CONSTANT (1) << (2 * COORD_BITS));
        }
      if (z + 1 < nz)
        {
          neighbours[n_neighbours] = index + plane;
          packed[n_neighbours++] = current + (G_GUINT64_CONSTANT (1) << (2 * COORD_BITS));
        }

      for (guint k = 0; k < n_neighbours && ok; k++)
        {
          guint64 q = neighbours[k];

          if (regions[q] != 0)
            continue;
          regions[q] = region;
          ok = flood_queue_push (&queue, packed[k], distance[q]);
        }
    }
  flood_queue_clear (&queue);

  if (!ok || failed)
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                   "Not enough memory for the watershed's queue");
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (partition->cancellable, error);
}

/* The rare plateau that spans face-separated voxels (touching only along
 * edges or corners) seeds a region of several pieces. The piece holding the
 * plateau's first voxel keeps the id; every other piece gets the next new
 * id, so every region is one face-connected set. @seeds: the seeds of such
 * plateaus, grouped by marker, each group in scan order. */
#define SPLITTING (OUTSIDE - 1)

/* Gives @start and every voxel face-connected to it through voxels labelled
 * @from the label @to (@start itself may hold anything). */
static gboolean
relabel_piece (const Partition *partition, guint32 *regions, guint64 start,
               guint32 from, guint32 to, GArray *stack, GError **error)
{
  g_array_set_size (stack, 0);
  regions[start] = to;
  if (!stack_push (stack, start, error))
    return FALSE;
  while (stack->len > 0)
    {
      guint64 index = g_array_index (stack, guint64, stack->len - 1);
      guint64 neighbours[6];
      guint n_neighbours;

      g_array_set_size (stack, stack->len - 1);
      n_neighbours = face_neighbours (partition, index, neighbours);
      for (guint k = 0; k < n_neighbours; k++)
        if (regions[neighbours[k]] == from)
          {
            regions[neighbours[k]] = to;
            if (!stack_push (stack, neighbours[k], error))
              return FALSE;
          }
    }
  return TRUE;
}

static int
compare_marker_seeds (const void *a, const void *b)
{
  const HeapEntry *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

static gboolean
split_pieces (const Partition *partition,
              guint32         *regions,
              const guint64   *seeds,
              gsize            n_seeds,
              guint32         *next_id,
              GError         **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint64));
  gsize group = 0;

  while (group < n_seeds)
    {
      guint32 marker = regions[seeds[group]];
      gsize end = group + 1;

      while (end < n_seeds && regions[seeds[end]] == marker)
        end++;
      if (!relabel_piece (partition, regions, seeds[group], marker, SPLITTING, stack, error))
        return FALSE;
      for (gsize s = group + 1; s < end; s++)
        if (regions[seeds[s]] == marker)
          {
            if (*next_id >= SPLITTING - 1)
              {
                g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                             "Too many regions");
                return FALSE;
              }
            (*next_id)++;
            if (!relabel_piece (partition, regions, seeds[s], marker, *next_id, stack, error))
              return FALSE;
          }
      if (!relabel_piece (partition, regions, seeds[group], SPLITTING, marker, stack, error))
        return FALSE;
      group = end;
    }
  return TRUE;
}

/* Every face-connected part of the phase the flood did not reach becomes one
 * region, numbered after the markers in scan order; then OUTSIDE becomes 0. */
static gboolean
label_unmarked (const Partition *partition,
                guint32         *regions,
                guint32          n_markers,
                guint32         *n_regions,
                GError         **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint32 next = n_markers;

  for (gsize start = 0; start < partition->n; start++)
    {
      if (regions[start] != 0)
        continue;
      if (next >= SPLITTING - 1)
        {
          g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                       "More than %u regions", SPLITTING - 2);
          return FALSE;
        }
      next++;
      if (!relabel_piece (partition, regions, start, 0, next, stack, error))
        return FALSE;
    }
  for (gsize i = 0; i < partition->n; i++)
    if (regions[i] == OUTSIDE)
      regions[i] = 0;
  *n_regions = next;
  return TRUE;
}

/* The flood reads all over the volume; with 4 KiB pages nearly every read
 * also misses the TLB. Ask for huge pages where the kernel leaves that to
 * the program (Linux transparent huge pages in "madvise" mode); only advice,
 * it never fails the partition. Works for memory not yet written. */
static void
advise_huge_pages (gpointer data, gsize bytes)
{
#if defined(G_OS_UNIX) && defined(MADV_HUGEPAGE)
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) data + page - 1) / page * page;
  guintptr end = ((guintptr) data + bytes) / page * page;

  if (bytes >= (64u << 20) && end > start)
    madvise ((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/* ---- public -------------------------------------------------------------- */

void
cbd_partition_options_init (CbdPartitionOptions *options)
{
  g_return_if_fail (options != NULL);

  options->sigma = 0.4;
  options->r_max = 4.0;
  options->n_threads = 0;
}

static void
partition_clear (Partition *partition)
{
  g_clear_pointer (&partition->ball, g_free);
  if (partition->plane_peaks != NULL)
    {
      for (gsize z = 0; z < partition->nz; z++)
        if (partition->plane_peaks[z] != NULL)
          g_array_unref (partition->plane_peaks[z]);
      g_clear_pointer (&partition->plane_peaks, g_free);
    }
}

/**
 * cbd_partition_compute:
 * @volume: the label volume
 * @phase: which labels belong to the phase to partition
 * @options: (nullable): parameters, %NULL for the defaults
 * @regions_out: (out): one guint32 per voxel, x fastest like the labels:
 *   0 outside the phase, else the region id 1..n_regions
 * @distance_nm_out: (out) (optional): one float per voxel, the exact
 *   open-border distance map (nm) the watershed flooded
 * @summary: (out) (optional): region count and what the peak steps did
 * @cancellable: (nullable): polled between steps and during them
 * @progress: (nullable): called on this thread with the current step
 * @progress_data: for @progress
 * @error: return location for a #GError
 *
 * Splits the phase into pores by the SNOW algorithm; see the comment at the
 * top of cbd-partition.c for each step and its conventions. Every phase
 * voxel gets a region, every region is face-connected and lies in the phase,
 * and the result does not depend on @options->n_threads. A phase with no
 * other voxel in the volume (its distances are all +inf) is one region.
 *
 * Returns: %FALSE with @error set when out of memory (%CBD_EDT_ERROR or
 * %CBD_PARTITION_ERROR), cancelled (%G_IO_ERROR_CANCELLED), or the phase has
 * 2^32 or more voxels; the outputs are then undefined.
 */
gboolean
cbd_partition_compute (const CbdVolume           *volume,
                       const gboolean             phase[256],
                       const CbdPartitionOptions *options,
                       guint32                   *regions_out,
                       float                     *distance_nm_out,
                       CbdPartitionSummary       *summary,
                       GCancellable              *cancellable,
                       CbdProgressFunc            progress,
                       gpointer                   progress_data,
                       GError                   **error)
{
  CbdPartitionOptions defaults;
  CbdPartitionSummary result = { 0 };
  Partition partition = { 0 };
  g_autofree float *own_distance = NULL;
  g_autofree guint64 *peaks = NULL;
  g_autofree guint64 *peak_bits = NULL;
  g_autofree guint32 *plateau_of = NULL;
  g_autofree guint32 *marker_of = NULL;
  g_autofree gboolean *split_of = NULL;
  const guint32 *seed_marker;
  g_autofree gboolean *dropped = NULL;
  g_autoptr(GArray) plateaus = NULL;
  float *distance;
  gsize n, n_peaks = 0, n_words;
  guint n_threads;
  guint32 n_markers = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (phase != NULL, FALSE);
  g_return_val_if_fail (regions_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      cbd_partition_options_init (&defaults);
      options = &defaults;
    }
  if (!(options->sigma >= 0 && options->sigma <= 100) || !(options->r_max >= 0 && options->r_max <= 100))
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_INVALID_ARGUMENT,
                   "sigma and r_max must lie between 0 and 100 voxels (got %g and %g)",
                   options->sigma, options->r_max);
      return FALSE;
    }

  if (volume->dims[0] > COORD_MASK || volume->dims[1] > COORD_MASK || volume->dims[2] > COORD_MASK)
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                   "The partition handles at most %u voxels along an axis",
                   (guint) COORD_MASK);
      return FALSE;
    }

  n = cbd_volume_n_voxels (volume);
  for (gsize i = 0; i < n; i++)
    result.phase_voxels += phase[volume->labels[i]] ? 1 : 0;
  if (result.phase_voxels >= G_MAXUINT32)
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                   "The phase has %" G_GUINT64_FORMAT " voxels; the partition handles "
                   "fewer than 2^32 at a time", result.phase_voxels);
      return FALSE;
    }

  distance = distance_nm_out;
  if (distance == NULL)
    {
      distance = own_distance = g_try_malloc_n (MAX (n, 1), sizeof (float));
      if (distance == NULL)
        {
          g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                       "Not enough memory for the distance map (%" G_GSIZE_FORMAT " voxels)", n);
          return FALSE;
        }
    }

  advise_huge_pages (regions_out, n * sizeof (guint32));
  advise_huge_pages (distance, n * sizeof (float));

  n_threads = options->n_threads != 0 ? options->n_threads : MAX (1, g_get_num_processors ());
  n_threads = CLAMP (n_threads, 1, 256);

  cbd_progress_report (progress, progress_data, "Distance transform", 0.0);
  /* Cancellation and memory errors come back as the EDT reports them. */
  if (!cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, n_threads, distance,
                        cancellable, error))
    return FALSE;

  /* No phase, or nothing but phase: nothing to split. */
  if (result.phase_voxels == 0 || result.phase_voxels == n)
    {
      for (gsize i = 0; i < n; i++)
        regions_out[i] = result.phase_voxels == 0 ? 0 : 1;
      result.n_regions = result.n_unmarked = result.phase_voxels == 0 ? 0 : 1;
      goto done;
    }

  partition.volume = volume;
  partition.phase = phase;
  partition.nx = volume->dims[0];
  partition.ny = volume->dims[1];
  partition.nz = volume->dims[2];
  partition.n = n;
  partition.distance = distance;
  partition.cancellable = cancellable;

  /* The blurred map lives in the region array until the markers go in. */
  cbd_progress_report (progress, progress_data, "Smoothing", 0.25);
  if (options->sigma > 0)
    {
      partition.smoothed = (float *) regions_out;
      if (!blur (&partition, options->sigma, volume->voxel_nm, n_threads, error))
        goto out;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
    }
  else
    partition.smoothed = distance;

  cbd_progress_report (progress, progress_data, "Finding peaks", 0.35);
  if (partition.nz >= G_MAXINT / 2)
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_TOO_LARGE,
                   "Too many slices");
      goto out;
    }
  build_ball (&partition, options->r_max, volume->voxel_nm);
  partition.plane_peaks = g_new0 (GArray *, partition.nz);
  run_parallel (&partition, n_threads, (guint) partition.nz, find_peaks_unit);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  for (gsize z = 0; z < partition.nz; z++)
    n_peaks += partition.plane_peaks[z]->len;
  n_words = (n + 63) / 64;
  peaks = g_try_malloc_n (MAX (n_peaks, 1), sizeof (guint64));
  peak_bits = g_try_malloc0_n (n_words, sizeof (guint64));
  plateau_of = g_try_malloc_n (MAX (n_peaks, 1), sizeof (guint32));
  if (peaks == NULL || peak_bits == NULL || plateau_of == NULL)
    {
      g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                   "Not enough memory for %" G_GSIZE_FORMAT " peaks", n_peaks);
      goto out;
    }
  {
    gsize k = 0;

    for (gsize z = 0; z < partition.nz; z++)
      {
        GArray *plane = partition.plane_peaks[z];

        for (guint i = 0; i < plane->len; i++)
          {
            peaks[k] = g_array_index (plane, guint64, i);
            bit_set (peak_bits, peaks[k]);
            k++;
          }
        g_clear_pointer (&partition.plane_peaks[z], g_array_unref);
      }
  }

  cbd_progress_report (progress, progress_data, "Trimming peaks", 0.45);
  plateaus = g_array_new (FALSE, FALSE, sizeof (Plateau));
  if (!label_plateaus (&partition, peaks, n_peaks, peak_bits, plateau_of, plateaus, error))
    goto out;
  result.n_peak_plateaus = plateaus->len;
  {
    g_autofree guint64 *visited = g_try_malloc0_n (n_words, sizeof (guint64));

    if (visited == NULL)
      {
        g_set_error (error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                     "Not enough memory to trim the peaks");
        goto out;
      }
    if (!trim_saddles (&partition, peaks, n_peaks, peak_bits, visited, plateau_of,
                       plateaus, &result.n_saddles_removed, error))
      goto out;
  }
  g_clear_pointer (&peak_bits, g_free);
  dropped = g_new (gboolean, MAX (plateaus->len, 1));
  result.n_nearby_removed = trim_nearby (&partition, volume->voxel_nm, plateaus, dropped);

  /* Markers numbered in plateau order, i.e. by their first voxel. */
  marker_of = g_new0 (guint32, MAX (plateaus->len, 1));
  for (guint p = 0; p < plateaus->len; p++)
    if (g_array_index (plateaus, Plateau, p).keep && !dropped[p])
      marker_of[p] = ++n_markers;
  split_of = g_new0 (gboolean, n_markers + 1);
  for (guint p = 0; p < plateaus->len; p++)
    if (marker_of[p] != 0 && !g_array_index (plateaus, Plateau, p).face_connected)
      split_of[marker_of[p]] = TRUE;

  /* The blurred map is no longer needed: the array now holds regions. */
  partition.smoothed = NULL;
  {
    gsize n_seeds = 0;
    float largest = 0, smallest = G_MAXFLOAT;

    for (gsize i = 0; i < n; i++)
      if (phase[volume->labels[i]])
        {
          regions_out[i] = 0;
          largest = MAX (largest, distance[i]);
          smallest = MIN (smallest, distance[i]);
        }
      else
        regions_out[i] = OUTSIDE;

    for (gsize i = 0; i < n_peaks; i++)
      if (marker_of[plateau_of[i]] != 0)
        {
          regions_out[peaks[i]] = marker_of[plateau_of[i]];
          /* plateau_of now records the seed's marker */
          plateau_of[n_seeds] = marker_of[plateau_of[i]];
          peaks[n_seeds++] = peaks[i];
        }
    seed_marker = plateau_of;

    cbd_progress_report (progress, progress_data, "Watershed", 0.5);
    if (!flood (&partition, peaks, n_seeds, regions_out, largest, smallest, result.phase_voxels,
                progress, progress_data, error))
      goto out;

    /* Seeds of plateaus that are not face-connected, grouped by marker. */
    {
      g_autofree HeapEntry *split_seeds = g_new (HeapEntry, MAX (n_seeds, 1));
      gsize n_split_seeds = 0;
      guint32 next_id = n_markers;

      for (gsize i = 0; i < n_seeds; i++)
        if (split_of[seed_marker[i]])
          {
            split_seeds[n_split_seeds].key = (guint64) seed_marker[i];
            split_seeds[n_split_seeds].index = peaks[i];
            n_split_seeds++;
          }
      qsort (split_seeds, n_split_seeds, sizeof (HeapEntry), compare_marker_seeds);
      for (gsize i = 0; i < n_split_seeds; i++)
        peaks[i] = split_seeds[i].index;
      if (!split_pieces (&partition, regions_out, peaks, n_split_seeds, &next_id, error))
        goto out;
      result.n_split = next_id - n_markers;
      n_markers = next_id;
    }
  }
  g_clear_pointer (&peaks, g_free);
  g_clear_pointer (&plateau_of, g_free);

  cbd_progress_report (progress, progress_data, "Isolated pores", 0.95);
  if (!label_unmarked (&partition, regions_out, n_markers, &result.n_regions, error))
    goto out;
  result.n_markers = n_markers;
  result.n_unmarked = result.n_regions - n_markers;

done:
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  if (summary != NULL)
    *summary = result;
  ok = TRUE;

out:
  partition_clear (&partition);
  return ok;
}
