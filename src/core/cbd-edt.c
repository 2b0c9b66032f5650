/* cbd-edt.c — exact Euclidean distance transform of one phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-edt"

#include "config.h"

#include <math.h>

#include "cbd-edt.h"
#include "cbd-parallel.h"

G_DEFINE_QUARK (cbd-edt-error-quark, cbd_edt_error)

/* Separable exact squared EDT (Felzenszwalb & Huttenlocher, Theory of
 * Computing 8, 2012): one pass along x, then y, then z, each computing the
 * lower envelope of the parabolas (p - q)^2 + f(q) in nanometres. The output
 * array holds the squared distances between passes; the last pass takes the
 * square root. Every line is computed independently of the others, so the
 * result does not depend on the number of threads. */

/* Lines along y and z are gathered in blocks of consecutive x so each
 * row read from memory is contiguous. */
#define BLOCK_WIDTH 16
#define ROWS_PER_UNIT 16

typedef struct
{
  double *values;     /* n: the line's input, finite or +inf */
  double *out;        /* n */
  double *apex;       /* n + 2: envelope parabola positions */
  double *height;     /* n + 2: envelope parabola heights */
  double *bound;      /* n + 3: envelope interval boundaries */
  float  *block;      /* n * BLOCK_WIDTH */
} Scratch;

typedef struct
{
  const CbdVolume *volume;
  const gboolean  *phase;
  float           *data;
  GCancellable    *cancellable;
  gboolean         solid;
  guint            axis;
  guint            n_units;
  gint             next_unit;  /* atomic */
} Pass;

typedef struct
{
  Pass    *pass;
  Scratch *scratch;
} Worker;

/* Appends the parabola (p - position)^2 + value to the lower envelope whose
 * rightmost parabola is number *k (-1: empty). */
static inline void
envelope_push (double  *apex,
               double  *height,
               double  *bound,
               gssize  *k,
               double   position,
               double   value)
{
  double crossing;
  gssize top = *k;

  if (top < 0)
    {
      apex[0] = position;
      height[0] = value;
      bound[0] = -INFINITY;
      bound[1] = INFINITY;
      *k = 0;
      return;
    }
  for (;;)
    {
      /* Where this parabola meets the rightmost one of the envelope;
       * written without squaring positions to keep the precision. */
      crossing = 0.5 * ((value - height[top]) / (position - apex[top])
                        + position + apex[top]);
      if (crossing > bound[top])
        break;
      top--;  /* bound[0] is -inf, so top stays >= 0 */
    }
  top++;
  apex[top] = position;
  height[top] = value;
  bound[top] = crossing;
  bound[top + 1] = INFINITY;
  *k = top;
}

/* values[q] is the squared distance known at q*spacing (+inf: none yet);
 * with @solid, zero-valued samples sit just outside both ends. */
static void
envelope_1d (const double *values,
             gsize         n,
             double        spacing,
             gboolean      solid,
             Scratch      *scratch,
             double       *out)
{
  double *apex = scratch->apex;
  double *height = scratch->height;
  double *bound = scratch->bound;
  gssize k = -1;

  if (solid)
    envelope_push (apex, height, bound, &k, -spacing, 0.0);
  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      envelope_push (apex, height, bound, &k, (double) i * spacing, values[i]);
  if (solid)
    envelope_push (apex, height, bound, &k, (double) n * spacing, 0.0);

  if (k < 0)
    {
      for (gsize q = 0; q < n; q++)
        out[q] = INFINITY;
      return;
    }

  gsize j = 0;
  for (gsize q = 0; q < n; q++)
    {
      double position = (double) q * spacing;
      double offset;

      while (bound[j + 1] < position)
        j++;
      offset = position - apex[j];
      out[q] = offset * offset + height[j];
    }
}

static void
run_x_unit (Pass *pass, Scratch *scratch, guint unit)
{
  const CbdVolume *volume = pass->volume;
  gsize nx = volume->dims[0];
  gsize n_rows = volume->dims[1] * volume->dims[2];
  gsize first = (gsize) unit * ROWS_PER_UNIT;
  gsize last = MIN (first + ROWS_PER_UNIT, n_rows);

  for (gsize row = first; row < last; row++)
    {
      const guint8 *labels = volume->labels + row * nx;
      float *data = pass->data + row * nx;

      /* Along the first axis the input is binary: the nearest background
       * voxel in the row, found by one sweep each way, in voxels. */
      double *nearest = scratch->values;
      double background = pass->solid ? -1.0 : -INFINITY;
      double spacing = volume->voxel_nm[0];

      for (gsize x = 0; x < nx; x++)
        {
          if (!pass->phase[labels[x]])
            background = (double) x;
          nearest[x] = (double) x - background;
        }
      background = pass->solid ? (double) nx : INFINITY;
      for (gsize x = nx; x-- > 0;)
        {
          double offset;

          if (!pass->phase[labels[x]])
            background = (double) x;
          offset = MIN (nearest[x], background - (double) x) * spacing;
          data[x] = (float) (offset * offset);
        }
    }
}

/* Lines along y (axis 1) or z (axis 2): a unit is BLOCK_WIDTH lines of
 * consecutive x at one value of the remaining coordinate. */
static void
run_yz_unit (Pass *pass, Scratch *scratch, guint unit)
{
  const CbdVolume *volume = pass->volume;
  gsize nx = volume->dims[0];
  gsize ny = volume->dims[1];
  gsize blocks_per_row = (nx + BLOCK_WIDTH - 1) / BLOCK_WIDTH;
  gsize other = unit / blocks_per_row;
  gsize x0 = (unit % blocks_per_row) * BLOCK_WIDTH;
  gsize width = MIN ((gsize) BLOCK_WIDTH, nx - x0);
  gsize n, stride, base;
  gboolean last_pass = (pass->axis == 2);
  float *block = scratch->block;

  if (pass->axis == 1)
    {
      n = ny;
      stride = nx;
      base = x0 + nx * ny * other;
    }
  else
    {
      n = volume->dims[2];
      stride = nx * ny;
      base = x0 + nx * other;
    }

  for (gsize q = 0; q < n; q++)
    {
      const float *row = pass->data + base + q * stride;

      for (gsize b = 0; b < width; b++)
        block[q * BLOCK_WIDTH + b] = row[b];
    }

  for (gsize b = 0; b < width; b++)
    {
      for (gsize q = 0; q < n; q++)
        scratch->values[q] = block[q * BLOCK_WIDTH + b];
      envelope_1d (scratch->values, n, volume->voxel_nm[pass->axis],
                   pass->solid, scratch, scratch->out);
      for (gsize q = 0; q < n; q++)
        block[q * BLOCK_WIDTH + b] = (float) (last_pass ? sqrt (scratch->out[q])
                                                        : scratch->out[q]);
    }

  for (gsize q = 0; q < n; q++)
    {
      float *row = pass->data + base + q * stride;

      for (gsize b = 0; b < width; b++)
        row[b] = block[q * BLOCK_WIDTH + b];
    }
}

static gpointer
worker_run (gpointer user_data)
{
  Worker *worker = user_data;
  Pass *pass = worker->pass;

  for (;;)
    {
      gint unit = g_atomic_int_add (&pass->next_unit, 1);

      if (unit < 0 || (guint) unit >= pass->n_units)
        break;
      if (pass->cancellable != NULL && g_cancellable_is_cancelled (pass->cancellable))
        break;
      if (pass->axis == 0)
        run_x_unit (pass, worker->scratch, (guint) unit);
      else
        run_yz_unit (pass, worker->scratch, (guint) unit);
    }
  return NULL;
}

static void
scratch_clear (Scratch *scratch)
{
  g_clear_pointer (&scratch->values, g_free);
  g_clear_pointer (&scratch->out, g_free);
  g_clear_pointer (&scratch->apex, g_free);
  g_clear_pointer (&scratch->height, g_free);
  g_clear_pointer (&scratch->bound, g_free);
  g_clear_pointer (&scratch->block, g_free);
}

static gboolean
scratch_init (Scratch *scratch, gsize n)
{
  scratch->values = g_try_malloc_n (n, sizeof (double));
  scratch->out = g_try_malloc_n (n, sizeof (double));
  scratch->apex = g_try_malloc_n (n + 2, sizeof (double));
  scratch->height = g_try_malloc_n (n + 2, sizeof (double));
  scratch->bound = g_try_malloc_n (n + 3, sizeof (double));
  scratch->block = g_try_malloc_n (n, BLOCK_WIDTH * sizeof (float));
  return scratch->values != NULL && scratch->out != NULL && scratch->apex != NULL
         && scratch->height != NULL && scratch->bound != NULL && scratch->block != NULL;
}

/**
 * cbd_edt_compute:
 * @volume: the label volume
 * @phase: which labels belong to the phase
 * @border: what lies beyond the volume's faces, see #CbdEdtBorder
 * @n_threads: worker threads, 0 for one per processor
 * @distance_nm: (out): one float per voxel, x fastest like the labels
 * @cancellable: (nullable): polled between lines
 * @error: return location for a #GError
 *
 * For every voxel of the phase, the Euclidean distance in nanometres (with
 * each axis's voxel_nm) from its centre to the centre of the nearest voxel
 * not in the phase; 0 for voxels outside the phase. With
 * %CBD_EDT_BORDER_OPEN and no background voxel at all, every phase voxel gets
 * +INFINITY (never NaN). The result does not depend on @n_threads.
 *
 * Returns: %FALSE with @error set when out of memory or cancelled; the
 * contents of @distance_nm are then undefined.
 */
gboolean
cbd_edt_compute (const CbdVolume *volume,
                 const gboolean   phase[256],
                 CbdEdtBorder     border,
                 guint            n_threads,
                 float           *distance_nm,
                 GCancellable    *cancellable,
                 GError         **error)
{
  gsize nx, ny, nz, longest;
  gsize blocks_per_row;
  g_autofree Scratch *scratch = NULL;
  g_autofree Worker *workers = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (phase != NULL, FALSE);
  g_return_val_if_fail (distance_nm != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nx = volume->dims[0];
  ny = volume->dims[1];
  nz = volume->dims[2];
  longest = MAX (nx, MAX (ny, nz));
  blocks_per_row = (nx + BLOCK_WIDTH - 1) / BLOCK_WIDTH;

  guint units[3];
  gsize units_wide[3] = {
    (ny * nz + ROWS_PER_UNIT - 1) / ROWS_PER_UNIT,
    blocks_per_row * nz,
    blocks_per_row * ny,
  };
  for (guint axis = 0; axis < 3; axis++)
    {
      /* Work units are counted in a gint; lines per unit grow with size. */
      g_return_val_if_fail (units_wide[axis] < G_MAXINT / 2, FALSE);
      units[axis] = (guint) units_wide[axis];
    }

  if (n_threads == 0)
    n_threads = MAX (1, g_get_num_processors ());
  n_threads = MIN (n_threads, MAX (units[0], MAX (units[1], units[2])));
  n_threads = MAX (n_threads, 1);

  scratch = g_new0 (Scratch, n_threads);
  workers = g_new0 (Worker, n_threads);
  for (guint t = 0; t < n_threads; t++)
    if (!scratch_init (&scratch[t], longest))
      {
        g_set_error (error, CBD_EDT_ERROR, CBD_EDT_ERROR_NO_MEMORY,
                     "Not enough memory for the distance transform's line buffers");
        ok = FALSE;
        break;
      }

  for (guint axis = 0; ok && axis < 3; axis++)
    {
      Pass pass = {
        .volume = volume,
        .phase = phase,
        .data = distance_nm,
        .cancellable = cancellable,
        .solid = (border == CBD_EDT_BORDER_SOLID),
        .axis = axis,
        .n_units = units[axis],
        .next_unit = 0,
      };

      for (guint t = 0; t < n_threads; t++)
        {
          workers[t].pass = &pass;
          workers[t].scratch = &scratch[t];
        }
      cbd_parallel_run_workers ("cbd-edt", worker_run, workers, sizeof workers[0], n_threads);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
    }

  for (guint t = 0; t < n_threads; t++)
    scratch_clear (&scratch[t]);
  return ok;
}
