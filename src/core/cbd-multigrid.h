/* cbd-multigrid.h — aggregation multigrid preconditioner for voxel conduction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-parallel.h"

G_BEGIN_DECLS

/* A symmetric conduction matrix on cells of a grid: every unknown couples to
 * at most its 6 face neighbours, off-diagonal entries are -conductance. The
 * solver applies it exactly (double); the multigrid keeps float copies.
 * Neighbouring unknowns are always linked (a positive conductance), which
 * the multigrid's first coarsening relies on, and every cluster of them
 * touches a driven face, so that the matrix is positive definite. */
typedef struct
{
  gsize          n;               /* unknowns */
  gsize          n_red;           /* [0, n_red) have an even coordinate sum */
  gsize          dims[3];         /* the grid the cells live on */
  const guint32 *cell;            /* grid index of each unknown */
  const gint32  *neighbour;       /* 6 per unknown (-x +x -y +y -z +z), n where none */
  const double  *conductance;     /* 6 per unknown, or NULL: axis_conductance */
  double         axis_conductance[3];
  /* Per unknown: bit k set when neighbour k exists, CBD_MG_INLET and
   * CBD_MG_OUTLET when it lies on a driven face. */
  const guint8  *pattern;
  /* The diagonal per unknown, or NULL when it follows from the pattern
   * (uniform conductances): pattern_diagonal[pattern[i]]. Either both
   * conductance and diagonal are NULL or neither is. */
  const double  *diagonal;
  double         pattern_diagonal[256];
  /* The unknowns on each face of the grid (face 2 d + side for the side
   * 0, 1 normal to axis d), the axis whose faces are driven, and for its
   * faces each unknown's conductance to the face (the term in its
   * diagonal). */
  const gint32  *face[6];
  gsize          face_n[6];
  guint          driven_axis;
  const double  *face_conductance[2];
} CbdMgMatrix;

#define CBD_MG_INLET  0x40
#define CBD_MG_OUTLET 0x80

static inline double
cbd_mg_matrix_diagonal (const CbdMgMatrix *matrix, gsize i)
{
  return matrix->diagonal != NULL ? matrix->diagonal[i] : matrix->pattern_diagonal[matrix->pattern[i]];
}

typedef struct _CbdMultigrid CbdMultigrid;

CbdMultigrid *cbd_multigrid_new   (const CbdMgMatrix *matrix,
                                   CbdParallel       *parallel);
/* @matrix, the one the hierarchy was built from (level 0 keeps pointers to
 * its cell, pattern and face arrays), is driven along another axis now: its
 * pattern, diagonal, pattern_diagonal, driven_axis and face_conductance
 * were set again in place, with the same unknowns and links. Sets the
 * diagonals that depend on it on every level, as cbd_multigrid_new would
 * have them. FALSE when out of memory. */
gboolean      cbd_multigrid_drive (CbdMultigrid      *multigrid,
                                   const CbdMgMatrix *matrix);
void          cbd_multigrid_free  (CbdMultigrid      *multigrid);
guint         cbd_multigrid_get_n_levels (const CbdMultigrid *multigrid);
/* For tests: level @l's number of unknowns (and its grid), each unknown's
 * grid cell (on a coarse level its block's, which the block's aggregates
 * share), the diagonal its smoother divides by, its links to other
 * unknowns (the count; the first @room in @to and @g), and the unknown of
 * level @l + 1 it belongs to. */
gsize         cbd_multigrid_get_level_size (const CbdMultigrid *multigrid,
                                            guint               l,
                                            gsize               dims[3]);
guint32       cbd_multigrid_get_cell       (const CbdMultigrid *multigrid,
                                            guint               l,
                                            gsize               i);
double        cbd_multigrid_get_diagonal   (const CbdMultigrid *multigrid,
                                            guint               l,
                                            gsize               i);
gsize         cbd_multigrid_get_links      (const CbdMultigrid *multigrid,
                                            guint               l,
                                            gsize               i,
                                            gint32             *to,
                                            double             *g,
                                            gsize               room);
gsize         cbd_multigrid_get_aggregate  (const CbdMultigrid *multigrid,
                                            guint               l,
                                            gsize               i);

/* z = M⁻¹ r (one symmetric W-cycle); returns r·z, summed in double
 * precision in the same order for any number of threads. @z holds n + 1
 * values; z[n] stays 0. */
double        cbd_multigrid_apply (CbdMultigrid      *multigrid,
                                   const float       *r,
                                   float             *z);

/* Helpers shared with the solver: y = A x and its dot product x·Ax over
 * [lo, hi), in double precision, where x[n] must be 0. */
double        cbd_mg_matrix_apply (const CbdMgMatrix *matrix,
                                   const float       *x,
                                   double            *y,
                                   gsize              lo,
                                   gsize              hi);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdMultigrid, cbd_multigrid_free)

G_END_DECLS
