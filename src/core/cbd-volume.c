/* cbd-volume.c — a segmented label volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-volume"

#include "config.h"

#include <string.h>

#include "cbd-volume.h"

G_DEFINE_QUARK (cbd-volume-error-quark, cbd_volume_error)

static gboolean
checked_voxel_count (gsize nx, gsize ny, gsize nz, gsize *count)
{
  gsize plane;

  if (nx == 0 || ny == 0 || nz == 0)
    return FALSE;
  if (!g_size_checked_mul (&plane, nx, ny))
    return FALSE;
  return g_size_checked_mul (count, plane, nz);
}

static CbdVolume *
volume_alloc_struct (gsize nx, gsize ny, gsize nz)
{
  CbdVolume *volume = g_new0 (CbdVolume, 1);

  g_atomic_ref_count_init (&volume->ref_count);
  volume->dims[0] = nx;
  volume->dims[1] = ny;
  volume->dims[2] = nz;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = CBD_DEFAULT_VOXEL_NM;
  for (guint value = 0; value < 256; value++)
    volume->source_value[value] = value;
  return volume;
}

/**
 * cbd_volume_new:
 *
 * Allocates a zero-filled volume. Running out of memory is a #GError, not an
 * abort: the caller may be asked for a 6 G voxel stack.
 */
CbdVolume *
cbd_volume_new (gsize    nx,
                gsize    ny,
                gsize    nz,
                GError **error)
{
  gsize count;
  guint8 *labels;
  CbdVolume *volume;

  if (!checked_voxel_count (nx, ny, nz, &count))
    {
      g_set_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_INVALID_SIZE,
                   "Invalid volume size %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " × %" G_GSIZE_FORMAT, nx, ny, nz);
      return NULL;
    }

  labels = g_try_malloc0 (count);
  if (labels == NULL)
    {
      g_autofree char *size = g_format_size (count);

      g_set_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_NO_MEMORY,
                   "Not enough memory for a %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " × %" G_GSIZE_FORMAT " volume (%s)", nx, ny, nz, size);
      return NULL;
    }

  volume = volume_alloc_struct (nx, ny, nz);
  volume->labels = labels;
  volume->labels_free = g_free;
  return volume;
}

/**
 * cbd_volume_new_for_data:
 * @labels: (transfer full): nx*ny*nz bytes, freed with @labels_free
 *
 * Wraps an existing buffer (for example a memory-mapped file) without copying.
 */
CbdVolume *
cbd_volume_new_for_data (gsize          nx,
                         gsize          ny,
                         gsize          nz,
                         guint8        *labels,
                         GDestroyNotify labels_free)
{
  CbdVolume *volume;

  g_return_val_if_fail (labels != NULL, NULL);

  volume = volume_alloc_struct (nx, ny, nz);
  volume->labels = labels;
  volume->labels_free = labels_free;
  return volume;
}

CbdVolume *
cbd_volume_ref (CbdVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  g_atomic_ref_count_inc (&volume->ref_count);
  return volume;
}

void
cbd_volume_unref (CbdVolume *volume)
{
  g_return_if_fail (volume != NULL);

  if (g_atomic_ref_count_dec (&volume->ref_count))
    {
      if (volume->labels_free != NULL)
        volume->labels_free (volume->labels);
      g_free (volume);
    }
}

void
cbd_volume_histogram (const CbdVolume *volume,
                      guint64          counts[256])
{
  gsize n = cbd_volume_n_voxels (volume);
  /* Four interleaved tables avoid the store-to-load stall on runs of one label. */
  guint64 partial[4][256] = { { 0 } };
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      partial[0][volume->labels[i]]++;
      partial[1][volume->labels[i + 1]]++;
      partial[2][volume->labels[i + 2]]++;
      partial[3][volume->labels[i + 3]]++;
    }
  for (; i < n; i++)
    partial[0][volume->labels[i]]++;

  for (guint value = 0; value < 256; value++)
    counts[value] = partial[0][value] + partial[1][value] + partial[2][value] + partial[3][value];
}

/* Voxel size and label provenance, everything but the dims and the data. */
void
cbd_volume_copy_metadata (CbdVolume       *dest,
                          const CbdVolume *src)
{
  memcpy (dest->voxel_nm, src->voxel_nm, sizeof dest->voxel_nm);
  memcpy (dest->source_value, src->source_value, sizeof dest->source_value);
  dest->remapped = src->remapped;
}

/**
 * cbd_volume_crop:
 *
 * Copies the box at @origin of @size. A box that does not lie wholly inside
 * the volume is an error that gives both, since users type these numbers.
 */
CbdVolume *
cbd_volume_crop (const CbdVolume *volume,
                 const gsize      origin[3],
                 const gsize      size[3],
                 GError         **error)
{
  g_autoptr(CbdVolume) crop = NULL;

  for (guint axis = 0; axis < 3; axis++)
    {
      if (size[axis] == 0 || origin[axis] >= volume->dims[axis] ||
          size[axis] > volume->dims[axis] - origin[axis])
        {
          g_set_error (error, CBD_VOLUME_ERROR, CBD_VOLUME_ERROR_OUT_OF_BOUNDS,
                       "The box at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                       ") of size %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                       " does not fit in the %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                       " volume",
                       origin[0], origin[1], origin[2], size[0], size[1], size[2],
                       volume->dims[0], volume->dims[1], volume->dims[2]);
          return NULL;
        }
    }

  crop = cbd_volume_new (size[0], size[1], size[2], error);
  if (crop == NULL)
    return NULL;
  cbd_volume_copy_metadata (crop, volume);

  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      memcpy (&crop->labels[cbd_volume_index (crop, 0, y, z)],
              &volume->labels[cbd_volume_index (volume, origin[0], origin[1] + y, origin[2] + z)],
              size[0]);

  return g_steal_pointer (&crop);
}

/**
 * cbd_volume_permute:
 * @order: new axis i is old axis order[i]
 *
 * Returns a copy with the axes reordered, voxel sizes following their axes.
 */
CbdVolume *
cbd_volume_permute (const CbdVolume *volume,
                    const CbdAxis    order[3],
                    GError         **error)
{
  g_autoptr(CbdVolume) result = NULL;
  gsize stride_old[3] = { 1, volume->dims[0], volume->dims[0] * volume->dims[1] };
  gsize step[3];

  g_return_val_if_fail (order[0] != order[1] && order[1] != order[2] && order[0] != order[2], NULL);

  result = cbd_volume_new (volume->dims[order[0]], volume->dims[order[1]],
                           volume->dims[order[2]], error);
  if (result == NULL)
    return NULL;
  cbd_volume_copy_metadata (result, volume);
  for (guint axis = 0; axis < 3; axis++)
    {
      result->voxel_nm[axis] = volume->voxel_nm[order[axis]];
      step[axis] = stride_old[order[axis]];
    }

  for (gsize k = 0; k < result->dims[2]; k++)
    for (gsize j = 0; j < result->dims[1]; j++)
      {
        guint8 *out = &result->labels[cbd_volume_index (result, 0, j, k)];
        const guint8 *in = &volume->labels[j * step[1] + k * step[2]];

        for (gsize i = 0; i < result->dims[0]; i++)
          out[i] = in[i * step[0]];
      }

  return g_steal_pointer (&result);
}

/**
 * cbd_volume_slice_size:
 *
 * The in-plane size of a slice normal to @normal: z-slices are nx × ny,
 * y-slices nx × nz, x-slices ny × nz (the first in-plane axis runs fastest).
 */
gsize
cbd_volume_slice_size (const CbdVolume *volume,
                       CbdAxis          normal,
                       gsize           *width,
                       gsize           *height)
{
  gsize w = normal == CBD_AXIS_X ? volume->dims[1] : volume->dims[0];
  gsize h = normal == CBD_AXIS_Z ? volume->dims[1] : volume->dims[2];

  if (width)
    *width = w;
  if (height)
    *height = h;
  return w * h;
}

/**
 * cbd_volume_extract_slice:
 * @out: cbd_volume_slice_size() bytes
 *
 * Returns %FALSE when @index is outside the volume.
 */
gboolean
cbd_volume_extract_slice (const CbdVolume *volume,
                          CbdAxis          normal,
                          gsize            index,
                          guint8          *out)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];

  if (index >= volume->dims[normal])
    return FALSE;

  switch (normal)
    {
    case CBD_AXIS_Z:
      memcpy (out, &volume->labels[cbd_volume_index (volume, 0, 0, index)], nx * ny);
      break;
    case CBD_AXIS_Y:
      for (gsize z = 0; z < nz; z++)
        memcpy (&out[z * nx], &volume->labels[cbd_volume_index (volume, 0, index, z)], nx);
      break;
    case CBD_AXIS_X:
      for (gsize z = 0; z < nz; z++)
        {
          const guint8 *in = &volume->labels[cbd_volume_index (volume, index, 0, z)];
          for (gsize y = 0; y < ny; y++)
            out[y + ny * z] = in[y * nx];
        }
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  return TRUE;
}
