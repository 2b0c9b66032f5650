/* cbd-multigrid-box.h — the finest multigrid level on the full voxel box
 *
 * A dense phase has few voxels outside the conducting cluster, so the finest
 * level can live on the whole (padded) box instead of a list of unknowns:
 * no neighbour indices to read, unit-stride loads, whole vectors at a time.
 * Each colour of the red-black checkerboard has its own array; a row (y, z)
 * of the box holds its cells of that colour, cell x at j = x / 2. The ±x
 * neighbours of a cell are then j and j ± 1 of the other colour's row, its
 * ±y and ±z neighbours the same j in the neighbouring rows of the other
 * colour. Cells outside the cluster and the padding hold x = b = 0 and an
 * inverse diagonal of 0, so they stay 0 without a branch.
 *
 * Internal to cbd-multigrid.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CBD_MG_BOX_VECTOR 8      /* floats per vector step */
#define CBD_MG_BOX_ROW_OFFSET 8  /* j = 0 sits here in a row, after 8 cells of padding */

typedef struct
{
  gsize  dims[3];
  gsize  half_up;     /* cells per colour and row, (nx + 1) / 2, rounded up to whole vectors */
  gsize  row, plane;  /* strides of one colour's array */
  gsize  size;        /* floats per colour array */
  float  g[3];        /* conductance per axis */
  /* Each 2 × size: red array, then black array. */
  float *x, *b, *inverse;
  /* Red residual: row stride half_up, ny + 1 rows (the last one 0) per
   * plane, nz + 1 planes (the last one 0). */
  float *residual;
  /* The coarse level's x on its dense grid: row stride half_up, (ny + 1) / 2
   * rows per plane. */
  float *coarse_x;
} CbdMgBox;

/* The stride of one colour's row on a box @nx cells wide (with half_up). */
static inline gsize
cbd_mg_box_row_stride (gsize nx, gsize *half_up)
{
  gsize up = ((nx + 1) / 2 + CBD_MG_BOX_VECTOR - 1) / CBD_MG_BOX_VECTOR * CBD_MG_BOX_VECTOR;

  if (half_up != NULL)
    *half_up = up;
  /* A row's padding on the right is the next row's on the left. */
  return up + CBD_MG_BOX_ROW_OFFSET;
}

static inline gsize
cbd_mg_box_row_start (const CbdMgBox *box, guint colour, gsize y, gsize z)
{
  return colour * box->size + (z + 1) * box->plane + (y + 1) * box->row + CBD_MG_BOX_ROW_OFFSET;
}

/* One half-sweep of Gauss-Seidel over the cells of @colour in plane @z;
 * @from_zero: the other colour is 0 (x = b / diagonal). */
void cbd_mg_box_sweep_plane    (const CbdMgBox *box,
                                guint           colour,
                                gsize           z,
                                gboolean        from_zero);
/* The residual of the red cells of plane @z into box->residual (the black
 * residual is 0 after a black half-sweep). */
void cbd_mg_box_residual_plane (const CbdMgBox *box,
                                gsize           z);
/* x += @scale × the coarse x of each red cell's 2×2×2 block, in plane @z
 * (the black half-sweep that follows recomputes the black cells from the
 * red ones, so a correction to them would be overwritten unread). */
void cbd_mg_box_prolong_plane  (const CbdMgBox *box,
                                gsize           z,
                                float           scale);

G_END_DECLS
