/* cbd-volume-downsample.c — a smaller label volume for the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A volume larger than the GPU's 3D texture limit or the view's memory
 * budget is shown at 1/f resolution: each f × f × f block (cut short at
 * the far borders) becomes its most frequent label. Ties go to the phase
 * that matters most for picking cutouts, CAM, then CBD, then pore, then
 * other labels, and then to the smaller label, so thin CAM is not lost
 * against an equal share of pore. Labels stay labels: no averaging.
 */
#define G_LOG_DOMAIN "cbd-volume-downsample"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cbd-parallel.h"
#include "cbd-volume-downsample.h"

/* Higher wins a tie. */
static const guint phase_rank[CBD_N_PHASES] = {
  [CBD_PHASE_OTHER] = 0,
  [CBD_PHASE_PORE] = 1,
  [CBD_PHASE_CBD] = 2,
  [CBD_PHASE_CAM] = 3,
};

/**
 * cbd_downsample_choose_factor:
 * @max_edge: the largest texture edge (GL_MAX_3D_TEXTURE_SIZE)
 * @budget_bytes: the most texture memory to use, one byte a voxel
 *
 * Returns: the smallest factor f ≥ 1 with every ceil(dims/f) ≤ @max_edge
 *   and their product ≤ @budget_bytes
 */
guint
cbd_downsample_choose_factor (const gsize dims[3],
                              gsize       max_edge,
                              guint64     budget_bytes)
{
  for (guint factor = 1; ; factor++)
    {
      guint64 n_voxels = 1;
      gboolean fits = TRUE;

      for (guint axis = 0; axis < 3; axis++)
        {
          guint64 edge = (dims[axis] + factor - 1) / factor;

          fits &= edge <= max_edge;
          n_voxels *= MAX (edge, 1);
        }
      if (fits && n_voxels <= MAX (budget_bytes, 1))
        return factor;
    }
}

typedef struct
{
  const CbdVolume *volume;
  guint            factor;
  gsize            out_dims[3];
  guint            rank[256];
  guint8          *out;
  GCancellable    *cancellable;
  gsize            bz_begin;
  gsize            bz_end;
  gboolean         cancelled;
} Range;

/* The block modes of z-blocks [bz_begin, bz_end). */
static gpointer
downsample_range (gpointer data)
{
  Range *range = data;
  const CbdVolume *volume = range->volume;
  guint factor = range->factor;
  const gsize *out_dims = range->out_dims;
  guint counts[256] = { 0 };
  guint8 touched[256];

  for (gsize bz = range->bz_begin; bz < range->bz_end; bz++)
    {
      gsize z_end = MIN (volume->dims[2], (bz + 1) * factor);

      if (g_cancellable_is_cancelled (range->cancellable))
        {
          range->cancelled = TRUE;
          return NULL;
        }

      for (gsize by = 0; by < out_dims[1]; by++)
        {
          gsize y_end = MIN (volume->dims[1], (by + 1) * factor);

          for (gsize bx = 0; bx < out_dims[0]; bx++)
            {
              gsize x_begin = bx * factor, x_end = MIN (volume->dims[0], x_begin + factor);
              guint n_touched = 0, best_count = 0;
              guint8 best = 0;

              for (gsize z = bz * factor; z < z_end; z++)
                for (gsize y = by * factor; y < y_end; y++)
                  {
                    const guint8 *row = &volume->labels[cbd_volume_index (volume, 0, y, z)];

                    for (gsize x = x_begin; x < x_end; x++)
                      {
                        guint8 label = row[x];

                        if (counts[label]++ == 0)
                          touched[n_touched++] = label;
                      }
                  }

              for (guint i = 0; i < n_touched; i++)
                {
                  guint8 label = touched[i];

                  if (counts[label] > best_count
                      || (counts[label] == best_count && range->rank[label] > range->rank[best]))
                    {
                      best = label;
                      best_count = counts[label];
                    }
                  counts[label] = 0;
                }
              range->out[bx + out_dims[0] * (by + out_dims[1] * bz)] = best;
            }
        }
    }
  return NULL;
}

/**
 * cbd_downsample_labels:
 * @map: (nullable): phases for breaking ties; %NULL: the larger label wins
 * @out_dims: (out): the result's size, ceil(dims / factor)
 *
 * Slabs of z-blocks go to one thread per processor.
 *
 * Returns: (transfer full): the block modes, x fastest, or %NULL on
 *   cancellation or when memory runs out
 */
guint8 *
cbd_downsample_labels (const CbdVolume   *volume,
                       const CbdLabelMap *map,
                       guint              factor,
                       gsize              out_dims[3],
                       GCancellable      *cancellable,
                       GError           **error)
{
  guint n_threads;
  Range *ranges;
  guint8 *out;
  gboolean cancelled = FALSE;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (factor >= 1, NULL);

  for (guint axis = 0; axis < 3; axis++)
    out_dims[axis] = (volume->dims[axis] + factor - 1) / factor;

  out = g_try_malloc_n (out_dims[0] * out_dims[1], MAX (out_dims[2], 1));
  if (out == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Not enough memory for a %zu × %zu × %zu view of the volume"),
                   out_dims[0], out_dims[1], out_dims[2]);
      return NULL;
    }

  n_threads = (guint) CLAMP (out_dims[2], 1, (gsize) MAX (g_get_num_processors (), 1));
  ranges = g_new0 (Range, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      Range *range = &ranges[t];

      range->volume = volume;
      range->factor = factor;
      memcpy (range->out_dims, out_dims, sizeof range->out_dims);
      for (guint label = 0; label < 256; label++)
        range->rank[label] = map != NULL ? phase_rank[map->phase[label]] * 512 + 256 - label : label;
      range->out = out;
      range->cancellable = cancellable;
      range->bz_begin = out_dims[2] * t / n_threads;
      range->bz_end = out_dims[2] * (t + 1) / n_threads;
    }
  cbd_parallel_run_workers ("cbd-downsample", downsample_range, ranges, sizeof ranges[0],
                            n_threads);
  for (guint t = 0; t < n_threads; t++)
    cancelled |= ranges[t].cancelled;
  g_free (ranges);

  if (cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      g_free (out);
      return NULL;
    }
  return out;
}
