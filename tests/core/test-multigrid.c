/* test-multigrid.c — the multigrid's levels against the Galerkin product
 * PᵀAP worked out on the grid, for each driven axis in turn
 *
 * The hierarchy is built once and driven along x, y and z one after the
 * other (as the solver does for the three axes of a cutout); after each
 * drive every level's diagonals must be those of the Galerkin product of
 * the matrix driven along that axis, computed here on the grid from the
 * definition: a coarse cell's diagonal sums its members' diagonals less the
 * links inside the block, seen from both sides.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-multigrid"

#include "config.h"

#include <math.h>

#include "cbd-multigrid.h"

/* A 7-point operator on a grid: per cell its diagonal and its conductances
 * to the 6 face neighbours (-x +x -y +y -z +z), 0 where there is none. */
typedef struct
{
  gsize     dims[3];
  gboolean *present;
  double   *diagonal;
  double   *link;
} GridOperator;

static void
grid_operator_clear (GridOperator *op)
{
  g_free (op->present);
  g_free (op->diagonal);
  g_free (op->link);
}

static gsize
n_cells (const gsize dims[3])
{
  return dims[0] * dims[1] * dims[2];
}

/* The cell beside @cell in direction @k, or G_MAXSIZE outside the grid. */
static gsize
neighbour_cell (const gsize dims[3], gsize cell, guint k)
{
  gsize coord[3] = { cell % dims[0], cell / dims[0] % dims[1], cell / (dims[0] * dims[1]) };
  gsize stride[3] = { 1, dims[0], dims[0] * dims[1] };
  guint d = k / 2;

  if ((k & 1) ? coord[d] + 1 >= dims[d] : coord[d] == 0)
    return G_MAXSIZE;
  return (k & 1) ? cell + stride[d] : cell - stride[d];
}

static gsize
block_of (const gsize dims[3], const gsize coarse_dims[3], gsize cell)
{
  gsize x = cell % dims[0], y = cell / dims[0] % dims[1], z = cell / (dims[0] * dims[1]);

  return x / 2 + coarse_dims[0] * (y / 2 + coarse_dims[1] * (z / 2));
}

/* PᵀAP for the aggregates of 2×2×2 cells. */
static void
galerkin (const GridOperator *fine, GridOperator *coarse)
{
  for (guint d = 0; d < 3; d++)
    coarse->dims[d] = (fine->dims[d] + 1) / 2;
  coarse->present = g_new0 (gboolean, n_cells (coarse->dims));
  coarse->diagonal = g_new0 (double, n_cells (coarse->dims));
  coarse->link = g_new0 (double, 6 * n_cells (coarse->dims));
  for (gsize c = 0; c < n_cells (fine->dims); c++)
    {
      gsize block = block_of (fine->dims, coarse->dims, c);

      if (!fine->present[c])
        continue;
      coarse->present[block] = TRUE;
      coarse->diagonal[block] += fine->diagonal[c];
      for (guint k = 0; k < 6; k++)
        {
          gsize other = neighbour_cell (fine->dims, c, k);
          double g = fine->link[6 * c + k];

          if (g == 0.0)
            continue;
          if (block_of (fine->dims, coarse->dims, other) == block)
            coarse->diagonal[block] -= g;
          else
            coarse->link[6 * block + k] += g;
        }
    }
}

/* A voxel grid with its conductances, and the matrix the multigrid sees
 * (the solver's form: unknowns red first, then black, each in grid
 * order). */
typedef struct
{
  gsize     dims[3];
  gboolean  uniform;
  double    axis_g[3];
  double   *link;          /* 6 per cell */
  double   *face_g;        /* per cell: its conductance to a driven face */
  gboolean *present;
  gint32   *unknown_of;    /* per cell, -1 where none */
  guint32  *cell;
  gint32   *neighbour;
  double   *conductance;   /* NULL when uniform */
  double   *diagonal;
  guint8   *pattern;
  gint32   *face[6];
  double   *face_conductance[2];
  CbdMgMatrix matrix;
} TestGrid;

static void
test_grid_free (TestGrid *grid)
{
  g_free (grid->link);
  g_free (grid->face_g);
  g_free (grid->present);
  g_free (grid->unknown_of);
  g_free (grid->cell);
  g_free (grid->neighbour);
  g_free (grid->conductance);
  g_free (grid->diagonal);
  g_free (grid->pattern);
  for (guint f = 0; f < 6; f++)
    g_free (grid->face[f]);
  for (guint side = 0; side < 2; side++)
    g_free (grid->face_conductance[side]);
  g_free (grid);
}

static gsize
cell_coord (const gsize dims[3], gsize cell, guint d)
{
  return d == 0 ? cell % dims[0] : d == 1 ? cell / dims[0] % dims[1] : cell / (dims[0] * dims[1]);
}

/* @fill of the cells conduct (those with no conducting neighbour are
 * left out); links get the axis conductances or, unless @uniform, random
 * ones per link, and each cell a random conductance to a driven face. */
static TestGrid *
test_grid_new (gsize nx, gsize ny, gsize nz, double fill, gboolean uniform, guint32 seed)
{
  TestGrid *grid = g_new0 (TestGrid, 1);
  gsize dims[3] = { nx, ny, nz }, n_all = nx * ny * nz, n = 0;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  memcpy (grid->dims, dims, sizeof dims);
  grid->uniform = uniform;
  grid->axis_g[0] = 1.0;
  grid->axis_g[1] = 1.3;
  grid->axis_g[2] = 0.7;
  grid->present = g_new0 (gboolean, n_all);
  grid->link = g_new0 (double, 6 * n_all);
  grid->face_g = g_new (double, n_all);
  for (gsize c = 0; c < n_all; c++)
    {
      grid->present[c] = g_rand_double (rand) < fill;
      grid->face_g[c] = uniform ? 0.0 : g_rand_double_range (rand, 1.0, 3.0);
    }
  for (gsize c = 0; c < n_all; c++)
    for (guint k = 1; k < 6; k += 2)
      {
        gsize other = neighbour_cell (dims, c, k);
        double g = uniform ? grid->axis_g[k / 2] : g_rand_double_range (rand, 0.5, 2.0);

        if (other == G_MAXSIZE || !grid->present[c] || !grid->present[other])
          continue;
        grid->link[6 * c + k] = g;
        grid->link[6 * other + k - 1] = g;
      }
  for (gsize c = 0; c < n_all; c++)
    {
      gboolean linked = FALSE;

      for (guint k = 0; k < 6; k++)
        linked |= grid->link[6 * c + k] != 0.0;
      grid->present[c] &= linked;
    }

  grid->unknown_of = g_new (gint32, n_all);
  grid->cell = g_new (guint32, n_all);
  for (guint colour = 0; colour < 2; colour++)
    {
      for (gsize c = 0; c < n_all; c++)
        if (grid->present[c] &&
            ((cell_coord (dims, c, 0) + cell_coord (dims, c, 1) + cell_coord (dims, c, 2)) & 1) == colour)
          {
            grid->unknown_of[c] = (gint32) n;
            grid->cell[n++] = (guint32) c;
          }
        else if (!grid->present[c])
          grid->unknown_of[c] = -1;
      if (colour == 0)
        grid->matrix.n_red = n;
    }
  grid->matrix.n = n;
  memcpy (grid->matrix.dims, dims, sizeof dims);
  grid->neighbour = g_new (gint32, 6 * MAX (n, 1));
  grid->pattern = g_new0 (guint8, MAX (n, 1));
  grid->diagonal = g_new0 (double, MAX (n, 1));
  grid->conductance = uniform ? NULL : g_new0 (double, 6 * MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    for (guint k = 0; k < 6; k++)
      {
        gsize other = neighbour_cell (dims, grid->cell[i], k);
        double g = grid->link[6 * grid->cell[i] + k];

        grid->neighbour[6 * i + k] = g != 0.0 ? grid->unknown_of[other] : (gint32) n;
        if (g != 0.0)
          grid->pattern[i] |= 1u << k;
        if (grid->conductance != NULL)
          grid->conductance[6 * i + k] = g;
      }
  for (guint f = 0; f < 6; f++)
    {
      gsize m = 0;

      grid->face[f] = g_new (gint32, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        if (cell_coord (dims, grid->cell[i], f / 2) == ((f & 1) ? dims[f / 2] - 1 : 0))
          grid->face[f][m++] = (gint32) i;
      grid->matrix.face[f] = grid->face[f];
      grid->matrix.face_n[f] = m;
    }
  for (guint side = 0; side < 2; side++)
    {
      grid->face_conductance[side] = g_new (double, MAX (n, 1));
      grid->matrix.face_conductance[side] = grid->face_conductance[side];
    }
  grid->matrix.cell = grid->cell;
  grid->matrix.neighbour = grid->neighbour;
  grid->matrix.conductance = grid->conductance;
  grid->matrix.diagonal = uniform ? NULL : grid->diagonal;
  grid->matrix.pattern = grid->pattern;
  for (guint d = 0; d < 3; d++)
    grid->matrix.axis_conductance[d] = grid->axis_g[d];
  return grid;
}

/* The faces normal to @axis driven, as the solver sets them. */
static void
test_grid_drive (TestGrid *grid, guint axis)
{
  for (gsize i = 0; i < grid->matrix.n; i++)
    grid->pattern[i] &= ~(CBD_MG_INLET | CBD_MG_OUTLET);
  for (guint side = 0; side < 2; side++)
    {
      guint f = 2 * axis + side;

      for (gsize k = 0; k < grid->matrix.face_n[f]; k++)
        {
          gsize i = (gsize) grid->face[f][k];

          grid->pattern[i] |= side == 0 ? CBD_MG_INLET : CBD_MG_OUTLET;
          grid->face_conductance[side][k] = grid->uniform ? 2.0 * grid->axis_g[axis]
                                                          : grid->face_g[grid->cell[i]];
        }
    }
  for (gsize i = 0; i < grid->matrix.n; i++)
    {
      double sum = 0.0;

      for (guint k = 0; k < 6; k++)
        sum += grid->link[6 * grid->cell[i] + k];
      for (guint side = 0; side < 2; side++)
        if (grid->pattern[i] & (side == 0 ? CBD_MG_INLET : CBD_MG_OUTLET))
          sum += grid->uniform ? 2.0 * grid->axis_g[axis] : grid->face_g[grid->cell[i]];
      grid->diagonal[i] = sum;
    }
  for (guint p = 0; p < 256; p++)
    {
      double sum = 0.0;

      for (guint k = 0; k < 6; k++)
        if (p & (1u << k))
          sum += grid->axis_g[k / 2];
      if (p & CBD_MG_INLET)
        sum += 2.0 * grid->axis_g[axis];
      if (p & CBD_MG_OUTLET)
        sum += 2.0 * grid->axis_g[axis];
      grid->matrix.pattern_diagonal[p] = sum;
    }
  grid->matrix.driven_axis = axis;
}

/* Level 0 of the Galerkin chain: the driven matrix on the grid. */
static void
fine_operator (const TestGrid *grid, GridOperator *op)
{
  gsize n_all = n_cells (grid->dims);

  memcpy (op->dims, grid->dims, sizeof op->dims);
  op->present = g_memdup2 (grid->present, n_all * sizeof (gboolean));
  op->diagonal = g_new0 (double, n_all);
  op->link = g_memdup2 (grid->link, 6 * n_all * sizeof (double));
  for (gsize i = 0; i < grid->matrix.n; i++)
    op->diagonal[grid->cell[i]] = grid->diagonal[i];
}

/* Every level's diagonals against the Galerkin product; returns the number
 * of levels checked. */
static guint
check_levels (const CbdMultigrid *mg, const TestGrid *grid)
{
  GridOperator op = { { 0 } };
  guint n_levels = cbd_multigrid_get_n_levels (mg);

  fine_operator (grid, &op);
  for (guint l = 0; l < n_levels; l++)
    {
      gsize dims[3], n = cbd_multigrid_get_level_size (mg, l, dims), expected_n = 0;

      g_assert_cmpuint (dims[0], ==, op.dims[0]);
      g_assert_cmpuint (dims[1], ==, op.dims[1]);
      g_assert_cmpuint (dims[2], ==, op.dims[2]);
      for (gsize c = 0; c < n_cells (op.dims); c++)
        expected_n += op.present[c];
      g_assert_cmpuint (n, ==, expected_n);
      for (gsize i = 0; i < n; i++)
        {
          guint32 cell = cbd_multigrid_get_cell (mg, l, i);
          double expected = op.diagonal[cell], got = cbd_multigrid_get_diagonal (mg, l, i);

          g_assert_true (op.present[cell]);
          /* Single precision in the multigrid. */
          g_assert_cmpfloat_with_epsilon (got, expected, 2e-5 * MAX (1.0, fabs (expected)));
        }
      if (l + 1 < n_levels)
        {
          GridOperator coarse = { { 0 } };

          galerkin (&op, &coarse);
          grid_operator_clear (&op);
          op = coarse;
        }
    }
  grid_operator_clear (&op);
  return n_levels;
}

/* One hierarchy driven x, y, z, x in turn, and one built for z directly. */
static void
check_grid (gsize nx, gsize ny, gsize nz, double fill, gboolean uniform, guint min_levels)
{
  TestGrid *grid = test_grid_new (nx, ny, nz, fill, uniform, (guint32) (nx * 131 + ny * 17 + nz));
  g_autoptr(CbdParallel) parallel = cbd_parallel_new (2);
  g_autoptr(CbdMultigrid) mg = NULL, fresh = NULL;
  static const guint axes[] = { 0, 1, 2, 0 };

  for (guint s = 0; s < G_N_ELEMENTS (axes); s++)
    {
      test_grid_drive (grid, axes[s]);
      if (mg == NULL)
        mg = cbd_multigrid_new (&grid->matrix, parallel);
      else
        g_assert_true (cbd_multigrid_drive (mg, &grid->matrix));
      g_assert_nonnull (mg);
      g_assert_cmpuint (check_levels (mg, grid), >=, min_levels);
    }
  test_grid_drive (grid, 2);
  fresh = cbd_multigrid_new (&grid->matrix, parallel);
  g_assert_nonnull (fresh);
  check_levels (fresh, grid);
  test_grid_free (grid);
}

/* Dense: level 0 and the first coarse levels on the full box. */
static void
test_galerkin_dense (void)
{
  check_grid (24, 20, 18, 0.8, TRUE, 3);
}

/* Per-link conductances: level 0 as a list, coarse levels on the box. */
static void
test_galerkin_linked (void)
{
  check_grid (22, 18, 16, 0.8, FALSE, 3);
}

/* Sparse (under 35 % of the box): level 0 as a list of uniform links. */
static void
test_galerkin_sparse (void)
{
  check_grid (26, 24, 20, 0.3, TRUE, 3);
}

/* Two cells thick along z: from level 1 on, the cells on the face z = 0
 * are those on z = n - 1, and driving z adds both faces' terms. */
static void
test_galerkin_thin (void)
{
  check_grid (40, 36, 2, 0.8, TRUE, 3);
  check_grid (40, 2, 36, 0.8, FALSE, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/multigrid/galerkin-dense", test_galerkin_dense);
  g_test_add_func ("/multigrid/galerkin-linked", test_galerkin_linked);
  g_test_add_func ("/multigrid/galerkin-sparse", test_galerkin_sparse);
  g_test_add_func ("/multigrid/galerkin-thin", test_galerkin_thin);
  return g_test_run ();
}
