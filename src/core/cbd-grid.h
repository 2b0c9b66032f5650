/* cbd-grid.h — voxel index to coordinates without integer division
 *
 * Hot loops turn linear indices into (x, y, z); two 64-bit divisions per
 * voxel cost more than the rest of the loop. A multiplication by the
 * reciprocal, corrected by one step, gives the exact quotient.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

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

G_END_DECLS
