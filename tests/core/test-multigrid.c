/* test-multigrid.c — the multigrid's levels against aggregation and the
 * Galerkin product PᵀAP worked out here from their definitions
 *
 * Every level is modelled here as a sparse symmetric operator: per unknown
 * its cell on that level's grid, its diagonal and its links. Level 0 is the
 * driven matrix. The aggregates of a level are found here as the connected
 * parts of its 2×2×2 blocks (joined by links inside the block), or as whole
 * blocks where the parts would keep more than half the unknowns; the
 * library must map each aggregate's members onto one coarse unknown of its
 * own. The next level is the Galerkin product over those aggregates,
 * numbered as the library numbers them, and on every level each unknown's
 * cell, diagonal and links (as a set) must be the product's.
 *
 * Random grids are built once and driven along x, y, z and x in turn (as
 * the solver does for the three axes of a cutout), and once fresh for z;
 * each case asserts that it reaches what it is meant to exercise (split
 * blocks, more than 6 links, the fallback to whole blocks). Two channels
 * that meet only at one end check a split block with numbers by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-multigrid"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-multigrid.h"

/* As in cbd-multigrid.c: a level this small is solved directly, and a
 * coarsening into connected parts that keeps more than this fraction of
 * the unknowns takes whole blocks instead. */
#define COARSEST_SIZE 150
#define MAX_COARSE_FRACTION 0.5

/* The multigrid works in single precision. */
#define assert_close(got, expected) \
  g_assert_cmpfloat_with_epsilon ((got), (expected), 2e-5 * MAX (1.0, fabs (expected)))

static gsize
n_cells (const gsize dims[3])
{
  return dims[0] * dims[1] * dims[2];
}

static gsize
cell_coord (const gsize dims[3], gsize cell, guint d)
{
  return d == 0 ? cell % dims[0] : d == 1 ? cell / dims[0] % dims[1] : cell / (dims[0] * dims[1]);
}

static gsize
cell_at (const gsize dims[3], gsize x, gsize y, gsize z)
{
  return x + dims[0] * (y + dims[1] * z);
}

/* The cell beside @cell in direction @k (-x +x -y +y -z +z), or G_MAXSIZE
 * outside the grid. */
static gsize
neighbour_cell (const gsize dims[3], gsize cell, guint k)
{
  gsize stride[3] = { 1, dims[0], dims[0] * dims[1] };
  guint d = k / 2;
  gsize coord = cell_coord (dims, cell, d);

  if ((k & 1) ? coord + 1 >= dims[d] : coord == 0)
    return G_MAXSIZE;
  return (k & 1) ? cell + stride[d] : cell - stride[d];
}

/* The 2×2×2 block holding @cell: its cell on the next level's grid. */
static guint32
block_of (const gsize dims[3], gsize cell)
{
  gsize coarse_dims[3] = { (dims[0] + 1) / 2, (dims[1] + 1) / 2, (dims[2] + 1) / 2 };

  return (guint32) cell_at (coarse_dims, cell_coord (dims, cell, 0) / 2, cell_coord (dims, cell, 1) / 2,
                            cell_coord (dims, cell, 2) / 2);
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestGrid, test_grid_free)

/* The cells in @wanted conduct (those with no conducting neighbour are
 * left out); links get the axis conductances or, unless @uniform, random
 * ones per link, and each cell a random conductance to a driven face. */
static TestGrid *
test_grid_new (const gsize dims[3], const gboolean *wanted, gboolean uniform, GRand *rand)
{
  TestGrid *grid = g_new0 (TestGrid, 1);
  gsize n_all = n_cells (dims), n = 0;

  memcpy (grid->dims, dims, sizeof grid->dims);
  grid->uniform = uniform;
  grid->axis_g[0] = 1.0;
  grid->axis_g[1] = 1.3;
  grid->axis_g[2] = 0.7;
  grid->present = g_memdup2 (wanted, n_all * sizeof (gboolean));
  grid->link = g_new0 (double, 6 * n_all);
  grid->face_g = g_new (double, n_all);
  for (gsize c = 0; c < n_all; c++)
    grid->face_g[c] = uniform ? 0.0 : g_rand_double_range (rand, 1.0, 3.0);
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
  grid->cell = g_new (guint32, MAX (n_all, 1));
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
  memcpy (grid->matrix.dims, dims, sizeof grid->matrix.dims);
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

/* @fill of the cells wanted, at random. */
static TestGrid *
test_grid_new_random (gsize nx, gsize ny, gsize nz, double fill, gboolean uniform)
{
  gsize dims[3] = { nx, ny, nz };
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (nx * 131 + ny * 17 + nz));
  g_autofree gboolean *wanted = g_new (gboolean, n_cells (dims));

  for (gsize c = 0; c < n_cells (dims); c++)
    wanted[c] = g_rand_double (rand) < fill;
  return test_grid_new (dims, wanted, uniform, rand);
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

/* A symmetric operator on the cells of a grid, several unknowns per cell
 * allowed: per unknown its cell, its diagonal and its links (unknown i's
 * from link_start[i] to link_start[i + 1]; off-diagonal entries are
 * -link_g). */
typedef struct
{
  gsize    dims[3];
  gsize    n;
  guint32 *cell;
  double  *diagonal;
  gsize   *link_start;
  gint32  *link_to;
  double  *link_g;
} Operator;

static void
operator_clear (Operator *op)
{
  g_free (op->cell);
  g_free (op->diagonal);
  g_free (op->link_start);
  g_free (op->link_to);
  g_free (op->link_g);
  memset (op, 0, sizeof *op);
}

/* Level 0: the driven matrix, in its own order. */
static void
fine_operator (const TestGrid *grid, Operator *op)
{
  gsize n = grid->matrix.n, m = 0;

  memcpy (op->dims, grid->dims, sizeof op->dims);
  op->n = n;
  op->cell = g_memdup2 (grid->cell, MAX (n, 1) * sizeof (guint32));
  op->diagonal = g_memdup2 (grid->diagonal, MAX (n, 1) * sizeof (double));
  op->link_start = g_new (gsize, n + 1);
  op->link_to = g_new (gint32, 6 * MAX (n, 1));
  op->link_g = g_new (double, 6 * MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      op->link_start[i] = m;
      for (guint k = 0; k < 6; k++)
        if ((gsize) grid->neighbour[6 * i + k] < n)
          {
            op->link_to[m] = grid->neighbour[6 * i + k];
            op->link_g[m++] = grid->link[6 * grid->cell[i] + k];
          }
    }
  op->link_start[n] = m;
}

/* The connected parts of the blocks: a flood fill from each unknown not
 * yet reached, through links to unknowns of its own block. */
static gsize
connected_parts (const Operator *op, gint32 *part)
{
  g_autofree gsize *stack = g_new (gsize, MAX (op->n, 1));
  gsize n_parts = 0;

  for (gsize i = 0; i < op->n; i++)
    part[i] = -1;
  for (gsize seed = 0; seed < op->n; seed++)
    {
      gsize depth = 0;

      if (part[seed] >= 0)
        continue;
      part[seed] = (gint32) n_parts;
      stack[depth++] = seed;
      while (depth > 0)
        {
          gsize i = stack[--depth];

          for (gsize k = op->link_start[i]; k < op->link_start[i + 1]; k++)
            {
              gsize j = (gsize) op->link_to[k];

              if (part[j] < 0 && block_of (op->dims, op->cell[j]) == block_of (op->dims, op->cell[i]))
                {
                  part[j] = (gint32) n_parts;
                  stack[depth++] = j;
                }
            }
        }
      n_parts++;
    }
  return n_parts;
}

/* Each block one aggregate, whatever links its members. */
static gsize
whole_blocks (const Operator *op, gint32 *part)
{
  gsize coarse_dims[3] = { (op->dims[0] + 1) / 2, (op->dims[1] + 1) / 2, (op->dims[2] + 1) / 2 };
  g_autofree gint32 *part_of_block = g_new (gint32, n_cells (coarse_dims));
  gsize n_parts = 0;

  for (gsize b = 0; b < n_cells (coarse_dims); b++)
    part_of_block[b] = -1;
  for (gsize i = 0; i < op->n; i++)
    {
      guint32 block = block_of (op->dims, op->cell[i]);

      if (part_of_block[block] < 0)
        part_of_block[block] = (gint32) n_parts++;
      part[i] = part_of_block[block];
    }
  return n_parts;
}

/* The aggregates of @op (@part: unknown → aggregate, numbered in the
 * test's own order); @whole is set when they are whole blocks. */
static gsize
find_aggregates (const Operator *op, gint32 *part, gboolean *whole)
{
  gsize n_parts = connected_parts (op, part);

  *whole = n_parts > MAX_COARSE_FRACTION * op->n;
  return *whole ? whole_blocks (op, part) : n_parts;
}

/* Checks that level @l of @mg has the aggregates @part, each one its own
 * coarse unknown, and returns each unknown's coarse unknown. */
static gint32 *
match_aggregates (const CbdMultigrid *mg, guint l, const Operator *op, const gint32 *part, gsize n_parts)
{
  gsize coarse_dims[3];
  g_autofree gint32 *coarse_of_part = g_new (gint32, MAX (n_parts, 1));
  g_autofree gboolean *taken = g_new0 (gboolean, MAX (n_parts, 1));
  gint32 *coarse_of = g_new (gint32, MAX (op->n, 1));

  g_assert_cmpuint (cbd_multigrid_get_level_size (mg, l + 1, coarse_dims), ==, n_parts);
  for (gsize p = 0; p < n_parts; p++)
    coarse_of_part[p] = -1;
  for (gsize i = 0; i < op->n; i++)
    {
      gsize coarse = cbd_multigrid_get_aggregate (mg, l, i);

      g_assert_cmpuint (coarse, <, n_parts);
      if (coarse_of_part[part[i]] < 0)
        {
          /* The first member met: no other aggregate may have it. */
          g_assert_false (taken[coarse]);
          taken[coarse] = TRUE;
          coarse_of_part[part[i]] = (gint32) coarse;
        }
      g_assert_cmpint (coarse_of_part[part[i]], ==, coarse);
      coarse_of[i] = (gint32) coarse;
    }
  return coarse_of;
}

/* PᵀAP for the aggregation @coarse_of (unknown → coarse unknown, @n_coarse
 * of them): a coarse diagonal sums its members' diagonals less the links
 * among them (each seen from both sides), a coarse link sums the links
 * between the members of two aggregates, and a coarse unknown's cell is
 * its members' block. */
static void
galerkin (const Operator *fine, const gint32 *coarse_of, gsize n_coarse, Operator *coarse)
{
  g_autofree gsize *member_start = g_new0 (gsize, n_coarse + 1);
  g_autofree gsize *next_member = NULL, *member = g_new (gsize, MAX (fine->n, 1));
  g_autofree gint32 *last_row = g_new (gint32, MAX (n_coarse, 1));   /* the row that met J last */
  g_autofree gsize *slot = g_new (gsize, MAX (n_coarse, 1));         /* and where it put it */
  GArray *to = g_array_new (FALSE, FALSE, sizeof (gint32));
  GArray *g = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint d = 0; d < 3; d++)
    coarse->dims[d] = (fine->dims[d] + 1) / 2;
  coarse->n = n_coarse;
  coarse->cell = g_new (guint32, MAX (n_coarse, 1));
  coarse->diagonal = g_new0 (double, MAX (n_coarse, 1));
  coarse->link_start = g_new (gsize, n_coarse + 1);

  /* Each aggregate's members, grouped by counting. */
  for (gsize i = 0; i < fine->n; i++)
    member_start[coarse_of[i] + 1]++;
  for (gsize I = 0; I < n_coarse; I++)
    member_start[I + 1] += member_start[I];
  next_member = g_memdup2 (member_start, (n_coarse + 1) * sizeof (gsize));
  for (gsize i = 0; i < fine->n; i++)
    member[next_member[coarse_of[i]]++] = i;

  for (gsize J = 0; J < n_coarse; J++)
    last_row[J] = -1;
  for (gsize I = 0; I < n_coarse; I++)
    {
      coarse->link_start[I] = to->len;
      for (gsize m = member_start[I]; m < member_start[I + 1]; m++)
        {
          gsize i = member[m];

          coarse->cell[I] = block_of (fine->dims, fine->cell[i]);
          coarse->diagonal[I] += fine->diagonal[i];
          for (gsize k = fine->link_start[i]; k < fine->link_start[i + 1]; k++)
            {
              gint32 J = coarse_of[fine->link_to[k]];
              double zero = 0.0;

              if ((gsize) J == I)
                {
                  coarse->diagonal[I] -= fine->link_g[k];
                  continue;
                }
              if (last_row[J] != (gint32) I)
                {
                  last_row[J] = (gint32) I;
                  slot[J] = to->len;
                  g_array_append_val (to, J);
                  g_array_append_val (g, zero);
                }
              g_array_index (g, double, slot[J]) += fine->link_g[k];
            }
        }
    }
  coarse->link_start[n_coarse] = to->len;
  coarse->link_to = (gint32 *) (gpointer) g_array_free (to, FALSE);
  coarse->link_g = (double *) (gpointer) g_array_free (g, FALSE);
}

/* Unknown @i's links on level @l against @op's, as sets. */
static void
check_links (const CbdMultigrid *mg, guint l, const Operator *op, gsize i)
{
  gsize first = op->link_start[i], n_expected = op->link_start[i + 1] - first;
  g_autofree gint32 *to = g_new (gint32, MAX (n_expected, 1));
  g_autofree double *g = g_new (double, MAX (n_expected, 1));
  g_autofree gboolean *matched = g_new0 (gboolean, MAX (n_expected, 1));

  g_assert_cmpuint (cbd_multigrid_get_links (mg, l, i, to, g, n_expected), ==, n_expected);
  for (gsize k = 0; k < n_expected; k++)
    {
      gsize m = 0;

      while (m < n_expected && op->link_to[first + m] != to[k])
        m++;
      g_assert_cmpuint (m, <, n_expected);
      g_assert_false (matched[m]);
      matched[m] = TRUE;
      assert_close (g[k], op->link_g[first + m]);
    }
}

/* Level @l of @mg against @op: its grid, and per unknown its cell, its
 * diagonal and its links. */
static void
check_level (const CbdMultigrid *mg, guint l, const Operator *op)
{
  gsize dims[3], n = cbd_multigrid_get_level_size (mg, l, dims);

  for (guint d = 0; d < 3; d++)
    g_assert_cmpuint (dims[d], ==, op->dims[d]);
  g_assert_cmpuint (n, ==, op->n);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpuint (cbd_multigrid_get_cell (mg, l, i), ==, op->cell[i]);
      assert_close (cbd_multigrid_get_diagonal (mg, l, i), op->diagonal[i]);
      check_links (mg, l, op, i);
    }
}

/* What the hierarchies of a case went through, so that it can assert
 * that it tests what it is meant to. */
typedef struct
{
  gboolean split;          /* a coarse cell held several unknowns */
  gboolean whole_blocks;   /* a level fell back to whole blocks */
  gsize    most_links;     /* the most links of one coarse unknown */
} Shape;

static void
shape_add_level (Shape *shape, const Operator *op)
{
  g_autofree gsize *in_cell = g_new0 (gsize, n_cells (op->dims));

  for (gsize i = 0; i < op->n; i++)
    {
      shape->split |= ++in_cell[op->cell[i]] > 1;
      shape->most_links = MAX (shape->most_links, op->link_start[i + 1] - op->link_start[i]);
    }
}

/* Every level of @mg against the chain of aggregations and Galerkin
 * products from @grid's driven matrix; returns the number of levels. */
static guint
check_levels (const CbdMultigrid *mg, const TestGrid *grid, Shape *shape)
{
  Operator op = { { 0 } };
  guint n_levels = cbd_multigrid_get_n_levels (mg), l;

  fine_operator (grid, &op);
  for (l = 0; l < n_levels; l++)
    {
      g_autofree gint32 *part = g_new (gint32, MAX (op.n, 1)), *coarse_of = NULL;
      Operator coarse = { { 0 } };
      gboolean whole;
      gsize n_parts;

      check_level (mg, l, &op);
      if (l > 0)
        shape_add_level (shape, &op);
      if (op.n <= COARSEST_SIZE)
        break;
      n_parts = find_aggregates (&op, part, &whole);
      /* Nothing to merge: solved on this level. */
      if (n_parts == op.n)
        break;
      shape->whole_blocks |= whole;
      g_assert_cmpuint (l + 1, <, n_levels);
      coarse_of = match_aggregates (mg, l, &op, part, n_parts);
      galerkin (&op, coarse_of, n_parts, &coarse);
      operator_clear (&op);
      op = coarse;
    }
  operator_clear (&op);
  /* No level beyond the one the test stopped at. */
  g_assert_cmpuint (l + 1, ==, n_levels);
  return n_levels;
}

/* M⁻¹ applied to random vectors, as conjugate gradients needs it: the
 * same bits for any number of threads, symmetric (u·Mv = v·Mu; a
 * restriction that is not the prolongation's transpose, split blocks
 * included, breaks this) and positive, and the u·Mu it returns the one
 * summed here. */
static void
check_cycle (const TestGrid *grid, CbdMultigrid *mg)
{
  gsize n = grid->matrix.n;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) n);
  g_autofree float *u = g_new (float, n + 1), *v = g_new (float, n + 1);
  g_autofree float *mu = g_new0 (float, n + 1), *mv = g_new0 (float, n + 1);
  g_autofree float *mu_alone = g_new0 (float, n + 1);
  g_autoptr(CbdParallel) one = cbd_parallel_new (1);
  g_autoptr(CbdMultigrid) alone = cbd_multigrid_new (&grid->matrix, one);
  double u_mv = 0.0, v_mu = 0.0, u_mu = 0.0, v_mv = 0.0, returned;

  for (gsize i = 0; i < n; i++)
    {
      u[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
      v[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
    }
  u[n] = v[n] = 0.0f;
  returned = cbd_multigrid_apply (mg, u, mu);
  cbd_multigrid_apply (mg, v, mv);
  g_assert_nonnull (alone);
  cbd_multigrid_apply (alone, u, mu_alone);
  g_assert_cmpmem (mu, (n + 1) * sizeof (float), mu_alone, (n + 1) * sizeof (float));
  for (gsize i = 0; i < n; i++)
    {
      u_mv += (double) u[i] * mv[i];
      v_mu += (double) v[i] * mu[i];
      u_mu += (double) u[i] * mu[i];
      v_mv += (double) v[i] * mv[i];
    }
  g_assert_true (isfinite (u_mv) && isfinite (v_mu));
  g_assert_cmpfloat (u_mu, >, 0.0);
  g_assert_cmpfloat_with_epsilon (returned, u_mu, 1e-12 * u_mu);
  g_assert_cmpfloat (v_mv, >, 0.0);
  g_assert_cmpfloat (fabs (u_mv - v_mu), <=, 1e-5 * sqrt (u_mu * v_mv));
}

/* On a random grid, one hierarchy driven x, y, z, x in turn, and one
 * built for z directly. */
static void
check_grid (gsize nx, gsize ny, gsize nz, double fill, gboolean uniform, guint min_levels, Shape *shape)
{
  g_autoptr(TestGrid) grid = test_grid_new_random (nx, ny, nz, fill, uniform);
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
      g_assert_cmpuint (check_levels (mg, grid, shape), >=, min_levels);
    }
  test_grid_drive (grid, 2);
  fresh = cbd_multigrid_new (&grid->matrix, parallel);
  g_assert_nonnull (fresh);
  check_levels (fresh, grid, shape);
}

/* Dense: level 0 on the box; walls cut some blocks, so some coarse
 * unknowns share a cell and link to more than 6 others. Odd sizes leave
 * blocks cut by the grid's edge, and a grid one cell wide has no links
 * along x, on level 0's product by blocks too. */
static void
test_galerkin_dense (void)
{
  Shape shape = { 0 };

  check_grid (23, 19, 17, 0.8, TRUE, 3, &shape);
  check_grid (1, 40, 36, 0.8, TRUE, 3, &shape);
  check_grid (24, 20, 18, 0.8, TRUE, 3, &shape);
  g_assert_true (shape.split);
  g_assert_cmpuint (shape.most_links, >, 6);
}

/* Per-link conductances: level 0 as a list. */
static void
test_galerkin_linked (void)
{
  Shape shape = { 0 };

  check_grid (22, 18, 16, 0.8, FALSE, 3, &shape);
  g_assert_true (shape.split);
  g_assert_cmpuint (shape.most_links, >, 6);
}

/* Sparse (under 35 % of the box): level 0 as a list of uniform links.
 * Its blocks fall apart into more parts than half the unknowns on some
 * levels (levels 0 and 2 here), which then take whole blocks. */
static void
test_galerkin_sparse (void)
{
  Shape shape = { 0 };

  check_grid (26, 24, 20, 0.3, TRUE, 3, &shape);
  g_assert_true (shape.split);
  g_assert_true (shape.whole_blocks);
}

/* Two cells thick along z: from level 1 on, the cells on the face z = 0
 * are those on z = n - 1, and driving z adds both faces' terms. */
static void
test_galerkin_thin (void)
{
  Shape shape = { 0 };

  check_grid (40, 36, 2, 0.8, TRUE, 3, &shape);
  check_grid (40, 2, 36, 0.8, FALSE, 3, &shape);
  g_assert_true (shape.split);
}

/* Of @wanted, the cells connected to both faces normal to @axis, as the
 * solver keeps them: without them a cluster floats and the matrix is
 * singular. */
static void
keep_spanning (const gsize dims[3], gboolean *wanted, guint axis)
{
  gsize n_all = n_cells (dims);
  g_autofree guint8 *reach = g_new0 (guint8, n_all);
  g_autofree gsize *stack = g_new (gsize, n_all);

  for (guint side = 0; side < 2; side++)
    {
      gsize top = 0;

      for (gsize c = 0; c < n_all; c++)
        if (wanted[c] && cell_coord (dims, c, axis) == (side ? dims[axis] - 1 : 0))
          {
            reach[c] |= 1u << side;
            stack[top++] = c;
          }
      while (top > 0)
        {
          gsize c = stack[--top];

          for (guint k = 0; k < 6; k++)
            {
              gsize other = neighbour_cell (dims, c, k);

              if (other != G_MAXSIZE && wanted[other] && !(reach[other] & (1u << side)))
                {
                  reach[other] |= 1u << side;
                  stack[top++] = other;
                }
            }
        }
    }
  for (gsize c = 0; c < n_all; c++)
    wanted[c] = reach[c] == 3;
}

/* The cycle on grids the solver could pass, driven along z: a dense one
 * (level 0 on the box, split blocks), one with per-link conductances, a
 * sparse one (level 0 as a list, the whole-block fallback) and one with
 * planes so large that the passes of levels 0 and 1 run as pipelines of
 * stages (3 members on 3 threads) rather than in slabs of planes. */
static void
test_cycle (void)
{
  static const struct
  {
    gsize    dims[3];
    double   fill;
    gboolean uniform;
  } cases[] = {
    { { 24, 20, 18 }, 0.8, TRUE },
    { { 22, 18, 16 }, 0.8, FALSE },
    { { 26, 24, 20 }, 0.4, TRUE },
    { { 192, 176, 24 }, 0.8, TRUE },
  };

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (t + 1);
      gsize n_all = n_cells (cases[t].dims);
      g_autofree gboolean *wanted = g_new (gboolean, n_all);
      g_autoptr(TestGrid) grid = NULL;
      g_autoptr(CbdParallel) parallel = cbd_parallel_new (3);
      g_autoptr(CbdMultigrid) mg = NULL;

      for (gsize c = 0; c < n_all; c++)
        wanted[c] = g_rand_double (rand) < cases[t].fill;
      keep_spanning (cases[t].dims, wanted, 2);
      grid = test_grid_new (cases[t].dims, wanted, cases[t].uniform, rand);
      g_assert_cmpuint (grid->matrix.n, >, 1000);
      test_grid_drive (grid, 2);
      mg = cbd_multigrid_new (&grid->matrix, parallel);
      g_assert_nonnull (mg);
      g_assert_cmpuint (cbd_multigrid_get_n_levels (mg), >=, 3);
      check_cycle (grid, mg);
    }
}

static gsize
unknown_at (const TestGrid *grid, gsize x, gsize y, gsize z)
{
  gint32 i = grid->unknown_of[cell_at (grid->dims, x, y, z)];

  g_assert_cmpint (i, >=, 0);
  return (gsize) i;
}

/* Two channels along x, at (y, z) = (0, 0) and (1, 1): they touch only
 * along an edge, so no link joins them but through the cell (x, 1, 0) at
 * the far end. Each block holds a piece of both, apart, except the last,
 * where that cell joins them. Driven along x. */
static void
test_split_channels (void)
{
  /* 2 × 76 + 1 = 153 unknowns: just over COARSEST_SIZE, coarsened once. */
  enum { LENGTH = 76 };
  gsize dims[3] = { LENGTH, 2, 2 }, coarse_dims[3];
  g_autofree gboolean *wanted = g_new0 (gboolean, n_cells (dims));
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  g_autoptr(TestGrid) grid = NULL;
  g_autoptr(CbdParallel) parallel = cbd_parallel_new (2);
  g_autoptr(CbdMultigrid) mg = NULL;
  gsize lower, upper, last, in_first_block = 0;
  gint32 to[8];
  double g[8];
  Shape shape = { 0 };

  for (gsize x = 0; x < LENGTH; x++)
    wanted[cell_at (dims, x, 0, 0)] = wanted[cell_at (dims, x, 1, 1)] = TRUE;
  wanted[cell_at (dims, LENGTH - 1, 1, 0)] = TRUE;
  grid = test_grid_new (dims, wanted, TRUE, rand);
  test_grid_drive (grid, 0);
  mg = cbd_multigrid_new (&grid->matrix, parallel);
  g_assert_nonnull (mg);
  g_assert_cmpuint (check_levels (mg, grid, &shape), ==, 2);

  /* 37 blocks of two aggregates, and the last block of one. */
  g_assert_cmpuint (cbd_multigrid_get_level_size (mg, 0, coarse_dims), ==, 153);
  g_assert_cmpuint (cbd_multigrid_get_level_size (mg, 1, coarse_dims), ==, 75);
  lower = cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 0, 0, 0));
  upper = cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 0, 1, 1));
  g_assert_cmpuint (lower, !=, upper);
  g_assert_cmpuint (cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 1, 0, 0)), ==, lower);
  g_assert_cmpuint (cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 1, 1, 1)), ==, upper);
  for (gsize I = 0; I < 75; I++)
    in_first_block += cbd_multigrid_get_cell (mg, 1, I) == 0;
  g_assert_cmpuint (in_first_block, ==, 2);
  g_assert_cmpuint (cbd_multigrid_get_cell (mg, 1, lower), ==, 0);
  g_assert_cmpuint (cbd_multigrid_get_cell (mg, 1, upper), ==, 0);

  /* Each: its link onward (g_x = 1) and the inlet's 2 g_x; no link to the
   * other. */
  assert_close (cbd_multigrid_get_diagonal (mg, 1, lower), 3.0);
  g_assert_cmpuint (cbd_multigrid_get_links (mg, 1, lower, to, g, 8), ==, 1);
  g_assert_cmpint (to[0], ==, cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 2, 0, 0)));
  assert_close (g[0], 1.0);
  assert_close (cbd_multigrid_get_diagonal (mg, 1, upper), 3.0);
  g_assert_cmpuint (cbd_multigrid_get_links (mg, 1, upper, to, g, 8), ==, 1);
  g_assert_cmpint (to[0], ==, cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, 2, 1, 1)));
  assert_close (g[0], 1.0);

  /* The last block is one: two links back, three cells on the outlet. */
  last = cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, LENGTH - 1, 1, 0));
  g_assert_cmpuint (cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, LENGTH - 2, 0, 0)), ==, last);
  g_assert_cmpuint (cbd_multigrid_get_aggregate (mg, 0, unknown_at (grid, LENGTH - 2, 1, 1)), ==, last);
  assert_close (cbd_multigrid_get_diagonal (mg, 1, last), 2 * 1.0 + 3 * 2.0);
  g_assert_cmpuint (cbd_multigrid_get_links (mg, 1, last, to, g, 8), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/multigrid/galerkin-dense", test_galerkin_dense);
  g_test_add_func ("/multigrid/galerkin-linked", test_galerkin_linked);
  g_test_add_func ("/multigrid/galerkin-sparse", test_galerkin_sparse);
  g_test_add_func ("/multigrid/galerkin-thin", test_galerkin_thin);
  g_test_add_func ("/multigrid/split-channels", test_split_channels);
  g_test_add_func ("/multigrid/cycle", test_cycle);
  return g_test_run ();
}
