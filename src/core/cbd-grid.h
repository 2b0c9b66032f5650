/* cbd-grid.h — voxel index to coordinates without integer division, and
 * large arrays on huge pages
 *
 * Hot loops turn linear indices into (x, y, z); two 64-bit divisions per
 * voxel cost more than the rest of the loop. A multiplication by the
 * reciprocal, corrected by one step, gives the exact quotient. Lists of
 * indices in increasing order (a colour of the solver's unknowns) are
 * cheaper still to walk: the coordinates advance by the small difference.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

G_BEGIN_DECLS

typedef struct
{
  gsize  nx, nxy;
  double inverse_nx, inverse_nxy;
} CbdGridDivider;

static inline void
cbd_grid_divider_init (CbdGridDivider *divider, const gsize dims[3])
{
  divider->nx = dims[0];
  divider->nxy = dims[0] * dims[1];
  divider->inverse_nx = 1.0 / dims[0];
  divider->inverse_nxy = 1.0 / (dims[0] * dims[1]);
}

/* Exact for indices below 2^50. */
static inline gsize
cbd_grid_quotient (gsize index, gsize divisor, double inverse)
{
  gsize q = (gsize) ((double) index * inverse);

  if (q * divisor > index)
    q--;
  else if ((q + 1) * divisor <= index)
    q++;
  return q;
}

static inline void
cbd_grid_coords (const CbdGridDivider *divider, gsize index, gsize coord[3])
{
  gsize z = cbd_grid_quotient (index, divider->nxy, divider->inverse_nxy);
  gsize rest = index - z * divider->nxy;
  gsize y = cbd_grid_quotient (rest, divider->nx, divider->inverse_nx);

  coord[0] = rest - y * divider->nx;
  coord[1] = y;
  coord[2] = z;
}

typedef struct
{
  CbdGridDivider divider;
  gsize          dims[3];
  gsize          index, coord[3];
} CbdGridWalker;

static inline void
cbd_grid_walker_init (CbdGridWalker *walker, const gsize dims[3])
{
  cbd_grid_divider_init (&walker->divider, dims);
  memcpy (walker->dims, dims, sizeof walker->dims);
  walker->index = walker->coord[0] = walker->coord[1] = walker->coord[2] = 0;
}

/* The coordinates of @index: from the last index when it is at most a row
 * further, else by division. */
static inline const gsize *
cbd_grid_walk (CbdGridWalker *walker, gsize index)
{
  gsize step = index - walker->index;

  if (index >= walker->index && step < walker->dims[0])
    {
      walker->coord[0] += step;
      if (walker->coord[0] >= walker->dims[0])
        {
          walker->coord[0] -= walker->dims[0];
          if (++walker->coord[1] == walker->dims[1])
            {
              walker->coord[1] = 0;
              walker->coord[2]++;
            }
        }
    }
  else
    cbd_grid_coords (&walker->divider, index, walker->coord);
  walker->index = index;
  return walker->coord;
}

/* The solver's large arrays: @n elements of @size bytes, or NULL when out of
 * memory; zeroed when @zero. Freed with g_free. Where the kernel offers
 * transparent huge pages on request, the whole 2 MiB pages inside the array
 * are asked for before it is touched: a fresh array of a few hundred MB then
 * costs hundreds of times fewer page faults, and the sweeps, whose ±y and ±z
 * neighbours lie a row and a plane away, fewer TLB misses. */
static inline gpointer
cbd_grid_try_alloc (gsize n, gsize size, gboolean zero)
{
  gsize bytes;
  guint8 *block;

  if (size != 0 && n > G_MAXSIZE / size)
    return NULL;
  bytes = MAX (n * size, 1);
  /* calloc leaves a fresh mapping untouched: the advice still applies. */
  block = zero ? g_try_malloc0 (bytes) : g_try_malloc (bytes);
  if (block == NULL)
    return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  {
    const guintptr huge = (guintptr) 2 << 20;
    guintptr first = ((guintptr) block + huge - 1) & ~(huge - 1);
    guintptr last = ((guintptr) block + bytes) & ~(huge - 1);

    if (last > first)
      madvise ((void *) first, last - first, MADV_HUGEPAGE);
  }
#endif
  return block;
}

/* Red-black numbering by planes: @plane_first holds per plane z its
 * count of red ([2 z]) and black ([2 z + 1]) items and receives, in their
 * place, the number of each plane's first red and first black one, all
 * red before all black. Returns the total; *@n_red the red ones. */
static inline gsize
cbd_grid_number_planes (gsize *plane_first, gsize nz, gsize *n_red)
{
  gsize red = 0, black = 0;

  for (gsize z = 0; z < nz; z++)
    black += plane_first[2 * z];
  *n_red = black;
  for (gsize z = 0; z < nz; z++)
    {
      gsize n_plane_red = plane_first[2 * z], n_plane_black = plane_first[2 * z + 1];

      plane_first[2 * z] = red;
      plane_first[2 * z + 1] = black;
      red += n_plane_red;
      black += n_plane_black;
    }
  return black;
}

#define cbd_grid_try_new(type, n)  ((type *) cbd_grid_try_alloc ((n), sizeof (type), FALSE))
#define cbd_grid_try_new0(type, n) ((type *) cbd_grid_try_alloc ((n), sizeof (type), TRUE))

G_END_DECLS
