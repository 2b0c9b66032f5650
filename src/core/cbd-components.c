/* cbd-components.c — connected components of one phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-components"

#include "config.h"

#include <string.h>

#include "cbd-components.h"

G_DEFINE_QUARK (cbd-components-error-quark, cbd_components_error)

/* Two-pass labelling with union-find. The first pass gives each voxel the
 * provisional label of an earlier (in x-fastest scan order) neighbour, or a
 * new one, and merges the labels of all earlier neighbours; roots are always
 * the smaller label. A component's first voxel has no earlier neighbour in
 * the phase and so gets the component's smallest provisional label: numbering
 * the roots in increasing order numbers components by their first voxel. */

static guint32
find_root (guint32 *parent, guint32 label)
{
  guint32 root = label;

  while (parent[root] != root)
    root = parent[root];
  while (parent[label] != root)
    {
      guint32 next = parent[label];

      parent[label] = root;
      label = next;
    }
  return root;
}

static guint32
merge (guint32 *parent, guint32 a, guint32 b)
{
  guint32 root_a = find_root (parent, a);
  guint32 root_b = find_root (parent, b);

  if (root_a < root_b)
    {
      parent[root_b] = root_a;
      return root_a;
    }
  parent[root_a] = root_b;
  return root_b;
}

/**
 * cbd_components_label:
 * @volume: the label volume
 * @phase: which labels belong to the phase
 * @connectivity: 6 (faces) or 26 (faces, edges and corners)
 * @labels_out: (out): one guint32 per voxel, x fastest like the labels
 * @n_components: (out) (optional): the number of components
 * @sizes_out: (out) (optional) (transfer full): a g_free()able array of
 *   n_components + 1 voxel counts indexed by component label; entry 0 counts
 *   the voxels outside the phase
 * @error: return location for a #GError
 *
 * Labels the connected components of the phase: 0 outside the phase, 1..N
 * inside, numbered in the order of each component's first voxel in x-fastest
 * scan order, so the result is deterministic.
 *
 * Returns: %FALSE with @error set for a connectivity other than 6 or 26,
 * when out of memory, or with more than 2^32 - 2 provisional labels.
 */
gboolean
cbd_components_label (const CbdVolume *volume,
                      const gboolean   phase[256],
                      guint            connectivity,
                      guint32         *labels_out,
                      guint32         *n_components,
                      guint64        **sizes_out,
                      GError         **error)
{
  gsize nx, ny, nz, plane;
  gssize offsets[13];
  gint deltas[13][3];
  guint n_neighbours = 0;
  g_autofree guint32 *parent = NULL;
  gsize parent_capacity;
  guint32 n_provisional = 0;  /* label 0 is "outside" */
  guint32 n_final = 0;
  guint64 *sizes;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (phase != NULL, FALSE);
  g_return_val_if_fail (labels_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (connectivity != 6 && connectivity != 26)
    {
      g_set_error (error, CBD_COMPONENTS_ERROR, CBD_COMPONENTS_ERROR_INVALID_ARGUMENT,
                   "Connectivity must be 6 or 26, not %u", connectivity);
      return FALSE;
    }

  nx = volume->dims[0];
  ny = volume->dims[1];
  nz = volume->dims[2];
  plane = nx * ny;

  /* The neighbours that come earlier in scan order. */
  for (gint dz = -1; dz <= 0; dz++)
    for (gint dy = -1; dy <= 1; dy++)
      for (gint dx = -1; dx <= 1; dx++)
        {
          gint manhattan = ABS (dx) + ABS (dy) + ABS (dz);

          if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0)))
            continue;
          if (connectivity == 6 && manhattan != 1)
            continue;
          deltas[n_neighbours][0] = dx;
          deltas[n_neighbours][1] = dy;
          deltas[n_neighbours][2] = dz;
          offsets[n_neighbours] = dx + (gssize) nx * (dy + (gssize) ny * dz);
          n_neighbours++;
        }

  parent_capacity = 1024;
  parent = g_try_malloc_n (parent_capacity, sizeof (guint32));
  if (parent == NULL)
    goto no_memory;
  parent[0] = 0;

  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      {
        gsize row = nx * (y + ny * z);

        for (gsize x = 0; x < nx; x++)
          {
            gsize index = row + x;
            guint32 label = 0;

            if (!phase[volume->labels[index]])
              {
                labels_out[index] = 0;
                continue;
              }

            for (guint i = 0; i < n_neighbours; i++)
              {
                guint32 other;

                if ((deltas[i][0] < 0 && x == 0) || (deltas[i][0] > 0 && x + 1 == nx)
                    || (deltas[i][1] < 0 && y == 0) || (deltas[i][1] > 0 && y + 1 == ny)
                    || (deltas[i][2] < 0 && z == 0))
                  continue;
                other = labels_out[index + offsets[i]];
                if (other == 0)
                  continue;
                if (label == 0)
                  label = other;
                else if (other != label)
                  label = merge (parent, label, other);
              }

            if (label == 0)
              {
                if (n_provisional >= G_MAXUINT32 - 1)
                  {
                    g_set_error (error, CBD_COMPONENTS_ERROR, CBD_COMPONENTS_ERROR_TOO_MANY,
                                 "Too many provisional components for 32-bit labels");
                    return FALSE;
                  }
                n_provisional++;
                if (n_provisional >= parent_capacity)
                  {
                    gsize capacity = MIN ((gsize) G_MAXUINT32, parent_capacity * 2);
                    guint32 *grown = g_try_realloc_n (parent, capacity, sizeof (guint32));

                    if (grown == NULL)
                      goto no_memory;
                    parent = grown;
                    parent_capacity = capacity;
                  }
                parent[n_provisional] = n_provisional;
                label = n_provisional;
              }
            labels_out[index] = label;
          }
      }

  /* Resolve every label to its root (always the smaller label), then
   * number the roots in increasing order in place: a non-root's root comes
   * earlier and already holds its final number when the non-root is reached. */
  for (guint32 label = 1; label <= n_provisional; label++)
    parent[label] = find_root (parent, label);
  for (guint32 label = 1; label <= n_provisional; label++)
    parent[label] = (parent[label] == label) ? ++n_final : parent[parent[label]];

  if (sizes_out != NULL)
    {
      sizes = g_try_malloc0_n ((gsize) n_final + 1, sizeof (guint64));
      if (sizes == NULL)
        goto no_memory;
    }
  else
    sizes = NULL;

  for (gsize index = 0; index < plane * nz; index++)
    {
      guint32 label = parent[labels_out[index]];

      labels_out[index] = label;
      if (sizes != NULL)
        sizes[label]++;
    }

  if (n_components != NULL)
    *n_components = n_final;
  if (sizes_out != NULL)
    *sizes_out = sizes;
  return TRUE;

no_memory:
  g_set_error (error, CBD_COMPONENTS_ERROR, CBD_COMPONENTS_ERROR_NO_MEMORY,
               "Not enough memory for connected-component labelling");
  return FALSE;
}
