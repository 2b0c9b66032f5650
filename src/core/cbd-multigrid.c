/* cbd-multigrid.c — aggregation multigrid preconditioner for voxel conduction
 *
 * Unsmoothed aggregation with the exact Galerkin coarse operator PᵀAP. An
 * aggregate is a connected part of a 2×2×2 block of cells (see "The
 * coarsening" below), so every level is again a set of unknowns on a grid,
 * each coupled only to unknowns of its 6 neighbouring cells, and is
 * smoothed by red-black Gauss-Seidel: red then black before the coarse
 * correction, black then red after it, which keeps the V-cycle symmetric as
 * conjugate gradients need. The coarse correction is scaled by about 2,
 * the usual remedy for the too-weak correction of unsmoothed aggregation.
 * Each coarse problem is solved by two cycles (a W-cycle), which stays
 * symmetric too. The coarsest level is factorised densely (Cholesky).
 *
 * The vectors are single precision: a preconditioner only has to be a good
 * approximation, and halving the bytes moved is what makes it fast.
 *
 * The solve is bound by memory traffic, so two layouts and one schedule
 * (in two forms) serve it:
 * - a level is a list of unknowns (red first, then black, each in grid
 *   order) with 6 link slots each (and a side table for the rare coarse
 *   unknown with more links), or, for a level 0 with uniform conductances
 *   of which at least BOX_MIN_FILL of the box is unknowns, the box itself
 *   in checkerboard-split rows (cbd-multigrid-box.h): no indices, whole
 *   vectors.
 * - every pre-smoothing (its half-sweeps and the residual) and every
 *   post-smoothing (the prolongation and its half-sweeps) is one wavefront
 *   through the planes of the level, so the planes it works on stay in cache
 *   between stages (see "Smoothing passes" below): the threads take slabs
 *   of planes, or, where planes are large, shares of the stages. The
 *   arithmetic is that of the stages one after the other, so results do
 *   not depend on the number of threads.
 *
 * The solver drives one axis after another through the same unknowns, so
 * the hierarchy is built without the driven faces' terms in its diagonals,
 * and cbd_multigrid_drive adds them per axis: on each level only to the
 * unknowns they reach (the aggregates of those on a face), as the Galerkin
 * product would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-multigrid"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-grid.h"
#include "cbd-multigrid.h"
#include "cbd-multigrid-box.h"


#define MAX_LEVELS 24
#define COARSEST_SIZE 150      /* unknowns factorised directly */
/* The coarse correction's scale, into level 0 and into the coarser
 * levels: 2 is the usual remedy for the too-weak correction of unsmoothed
 * aggregation; on the coarser levels, whose aggregates span more cells,
 * 2.1 takes as many iterations or one fewer in every case measured (the
 * 128³ cutout 16 → 15 over three axes, the CAM phase 7 → 6, random fields
 * of 30 and 50 % 7 → 6 and 5 → 4), while 2.2 already costs the CBD phase
 * two more (8 → 10). */
#define FINE_CORRECTION_SCALE 2.0f
#define COARSE_CORRECTION_SCALE 2.1f
#define FINE_SWEEPS 3          /* red-black sweeps per side on the finest level */
/* The same when the finest level is a list: its sweeps gather through
 * indices and cost more per unknown than the box's, so fewer of them and a
 * few more iterations are cheaper (a box level 0 loses with 2: 9 → 10-11
 * iterations on the 128³ cutout). */
#define FINE_LIST_SWEEPS 2
/* On the coarse levels, which the W-cycle visits twice per visit of the
 * level above: 2 sweeps cost an iteration now and then (128³ cutout: 5, 6
 * and 5 iterations for x, y, z against 5 each with 3) and still save 6-7 %
 * of the time; 1 sweep needs 7 iterations and is slower again. */
#define COARSE_SWEEPS 2
#define W_CYCLES 2             /* cycles solving each coarse problem */
/* The finest level lives on the full box when at least this fraction of the
 * box is unknowns (and the conductances are uniform per axis). */
#define BOX_MIN_FILL 0.35
/* A coarsening that keeps more than this fraction of the unknowns takes
 * whole blocks instead of their connected parts. */
#define MAX_COARSE_FRACTION 0.5
/* A pass on a level runs as a pipeline of stages (pass_member_pipeline)
 * when the planes that one thread's slab would keep in flight take more
 * than this many bytes: then the threads' slabs no longer fit the cache
 * they share (the 256³ volume's level 0: about a third less time; the
 * 128³ cutout's: 7 % more as a pipeline). */
#define PIPELINE_MIN_WINDOW (4 << 20)
/* Levels with fewer unknowns run on one thread. */
#define PARALLEL_MIN_UNKNOWNS 8192

/* One level: the matrix in single precision. Level 0 borrows the solver's
 * cells, neighbours and patterns; coarse levels own theirs, as rows of
 * links (an aggregate may border several of a neighbouring block's). */
typedef struct
{
  gsize          n, n_red, dims[3];
  const guint32 *cell;          /* grid cell per unknown; coarse: its block's, shared by its parts */
  const gint32  *neighbour;     /* 6 per unknown, n where none */
  float         *conductance;   /* 6 per unknown, or NULL: axis_conductance (level 0) */
  float          axis_conductance[3];
  gint32        *own_neighbour;
  /* The links of a coarse unknown beyond its first 6 (where blocks split):
   * extra_column[k], extra_value[k] for k from extra_start[i] to
   * extra_start[i + 1]; extra_start is NULL when no unknown has any. The
   * sweeps add them apart, after the 6 slots, for the rows in extra_row
   * (ascending), so that their main loop has no branch. */
  gsize         *extra_start;
  gint32        *extra_row;
  gsize          n_extra_rows;
  gint32        *extra_column;
  float         *extra_value;
  float         *diagonal;      /* per unknown, or NULL: from the pattern */
  float         *inverse_diagonal;
  const guint8  *pattern;
  float          pattern_diagonal[256], pattern_inverse[256];
  guint32       *own_cell;
  float         *x, *b, *r;     /* x holds n + 1 values, x[n] = 0 */
  gint32        *aggregate;     /* unknown → coarse unknown */
  double        *cholesky;      /* coarsest level: n×n lower factor, then n of scratch */
  guint          sweeps;
  float          correction_scale;
  gboolean       pipeline;      /* passes as pipelines of stages, not slabs of planes */
  /* Unknowns of plane z (the grid's slowest axis): red ones from
   * plane_start[z] to plane_start[z + 1], black ones from
   * plane_start[nz + 1 + z] to plane_start[nz + 2 + z]. */
  gsize         *plane_start;
  gint          *plane_done;    /* stages finished per plane during a pass */
  double        *plane_dot;     /* level 0: b·x per plane, as the cycle leaves x */
  /* Level 0 on the full box (cbd-multigrid-box.h), or box.x == NULL; its
   * x and b (the solver's vectors) are copied in and out. */
  CbdMgBox       box;
  guint32       *box_position;     /* unknown → its box cell */
  guint32       *coarse_dense;     /* next level's unknown → box.coarse_x */
  guint32       *coarse_residual;  /* next level's unknown → its block in box.residual, or SPLIT */
  /* The box restricts and prolongs whole blocks; the parts of a block
   * split into several aggregates go through these lists instead: per
   * split aggregate s (split_coarse[s]) the residual offsets of its red
   * members (split_offset[split_start[s]] ..), and per plane z the same
   * red members (split_cell_start[z] ..) with their box cells and
   * aggregates. */
  gsize          n_split;
  gint32        *split_coarse;
  gsize         *split_start;
  guint32       *split_offset;
  gsize         *split_cell_start;
  guint32       *split_cell_position;
  gint32        *split_cell_coarse;
  /* Per face of the grid (2 d + side): the unknowns whose diagonal holds a
   * term of that face when it is driven (level 0: those on the face; below:
   * the aggregates holding such unknowns), their diagonals without it (coarse
   * levels), each one's place in the next level's list, and while the
   * faces of an axis are driven, their terms. */
  const gint32  *face[6];
  gint32        *own_face[6];
  gsize          face_n[6];
  float         *face_base[6];
  guint32       *face_parent[6];
  float         *face_term[2];
} Level;

#define SPLIT G_MAXUINT32

static inline float
level_diagonal (const Level *lv, gsize i)
{
  return lv->diagonal != NULL ? lv->diagonal[i] : lv->pattern_diagonal[lv->pattern[i]];
}

static inline float
level_inverse_diagonal (const Level *lv, gsize i)
{
  return lv->inverse_diagonal != NULL ? lv->inverse_diagonal[i] : lv->pattern_inverse[lv->pattern[i]];
}

struct _CbdMultigrid
{
  guint        n_levels;
  Level        level[MAX_LEVELS];
  CbdParallel *parallel;
  float       *face_sum;   /* scratch for cbd_multigrid_drive, one per level-1 unknown */
};

typedef struct
{
  Level *level, *coarse;
} LevelJob;

static inline gboolean
level_on_box (const Level *lv)
{
  return lv->box.x != NULL;
}

/* The links of unknown @i, in two segments: @segment 0 its 6 slots (@to
 * n where there is none), 1 its extra links. @uniform receives level 0's
 * axis conductances when they are the same for every link. */
static inline gsize
level_links (const Level *lv, gsize i, guint segment, const gint32 **to, const float **g,
             float uniform[6])
{
  if (segment == 1)
    {
      if (lv->extra_start == NULL)
        return 0;
      *to = lv->extra_column + lv->extra_start[i];
      *g = lv->extra_value + lv->extra_start[i];
      return lv->extra_start[i + 1] - lv->extra_start[i];
    }
  *to = lv->neighbour + 6 * i;
  if (lv->conductance != NULL)
    *g = lv->conductance + 6 * i;
  else
    {
      for (guint k = 0; k < 6; k++)
        uniform[k] = lv->axis_conductance[k / 2];
      *g = uniform;
    }
  return 6;
}

/* The neighbours of one unknown weighted by per-axis conductances. */
static inline float
uniform_neighbour_sum (const gint32 *n6, const float *x, float g0, float g1, float g2)
{
  return g0 * (x[n6[0]] + x[n6[1]]) + g1 * (x[n6[2]] + x[n6[3]]) + g2 * (x[n6[4]] + x[n6[5]]);
}

/* The 6 slots of a row weighted by their conductances, as a tree: shorter
 * chains of dependent additions than one after the other. */
static inline float
slot_sum (const gint32 *n6, const float *g6, const float *x)
{
  return (g6[0] * x[n6[0]] + g6[1] * x[n6[1]]) + (g6[2] * x[n6[2]] + g6[3] * x[n6[3]])
         + (g6[4] * x[n6[4]] + g6[5] * x[n6[5]]);
}

/* Unknown i's extra links weighted by their conductances. */
static inline float
extra_sum (const Level *a, const float *x, gsize i)
{
  float sum = 0.0f;

  for (gsize k = a->extra_start[i]; k < a->extra_start[i + 1]; k++)
    sum += a->extra_value[k] * x[a->extra_column[k]];
  return sum;
}

double
cbd_mg_matrix_apply (const CbdMgMatrix *a, const float *x, double *y, gsize lo, gsize hi)
{
  const float *restrict in = x;
  double *restrict out = y;
  const gint32 *restrict nb = a->neighbour;
  double dot = 0.0;

  if (a->conductance == NULL && a->diagonal == NULL)
    {
      const guint8 *restrict pattern = a->pattern;
      const double g0 = a->axis_conductance[0], g1 = a->axis_conductance[1];
      const double g2 = a->axis_conductance[2];
      const double *diagonal = a->pattern_diagonal;

      for (gsize i = lo; i < hi; i++)
        {
          const gint32 *n6 = &nb[6 * i];
          double sum = g0 * ((double) in[n6[0]] + in[n6[1]]) + g1 * ((double) in[n6[2]] + in[n6[3]])
                       + g2 * ((double) in[n6[4]] + in[n6[5]]);
          out[i] = diagonal[pattern[i]] * in[i] - sum;
          dot += in[i] * out[i];
        }
    }
  else
    for (gsize i = lo; i < hi; i++)
      {
        const gint32 *n6 = &nb[6 * i];
        const double *g6 = &a->conductance[6 * i];
        double sum = g6[0] * in[n6[0]] + g6[1] * in[n6[1]] + g6[2] * in[n6[2]]
                   + g6[3] * in[n6[3]] + g6[4] * in[n6[4]] + g6[5] * in[n6[5]];
        out[i] = a->diagonal[i] * in[i] - sum;
        dot += in[i] * out[i];
      }
  return dot;
}

/* The first of @lv's rows with extra links at or after row @i. */
static gsize
first_extra_row (const Level *lv, gsize i)
{
  gsize lo = 0, hi = lv->n_extra_rows;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if ((gsize) lv->extra_row[mid] < i)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* One Gauss-Seidel pass over one colour. Everything the loop reads is copied
 * into locals first: the stores to x could otherwise alias them (the build
 * uses -fno-strict-aliasing) and force reloads in every iteration. */
static void
sweep_range (const Level *lv, gsize first, gsize last)
{
  float *restrict x = lv->x;
  const float *restrict b = lv->b;
  const gint32 *restrict nb = lv->neighbour;

  if (lv->conductance == NULL)
    {
      const guint8 *restrict pattern = lv->pattern;
      const float g0 = lv->axis_conductance[0], g1 = lv->axis_conductance[1];
      const float g2 = lv->axis_conductance[2];
      float inverse[256];

      memcpy (inverse, lv->pattern_inverse, sizeof inverse);
      for (gsize i = first; i < last; i++)
        x[i] = (b[i] + uniform_neighbour_sum (&nb[6 * i], x, g0, g1, g2)) * inverse[pattern[i]];
    }
  else
    {
      const float *restrict g = lv->conductance;
      const float *restrict inverse = lv->inverse_diagonal;

      for (gsize i = first; i < last; i++)
        x[i] = (b[i] + slot_sum (&nb[6 * i], &g[6 * i], x)) * inverse[i];
      /* The rows' extra links link to the other colour too, which this
       * half-sweep leaves as it is: adding them now is the same update. */
      for (gsize k = first_extra_row (lv, first);
           k < lv->n_extra_rows && (gsize) lv->extra_row[k] < last; k++)
        {
          gsize i = (gsize) lv->extra_row[k];

          x[i] += extra_sum (lv, x, i) * inverse[i];
        }
    }
}

/* The first red sweep from x = 0 only scales b. */
static void
first_sweep_range (const Level *lv, gsize lo, gsize hi)
{
  for (gsize i = lo; i < hi; i++)
    lv->x[i] = lv->b[i] * level_inverse_diagonal (lv, i);
}

/* The residual, streamed, then summed per aggregate by the coarse level: both
 * passes stay in memory order where it matters (the fine arrays). */
static void
residual_range (const Level *lv, gsize lo, gsize hi)
{
  const float *restrict x = lv->x;
  const float *restrict b = lv->b;
  float *restrict r = lv->r;

  if (lv->conductance == NULL)
    {
      const gint32 *restrict nb = lv->neighbour;
      const guint8 *restrict pattern = lv->pattern;
      const float g0 = lv->axis_conductance[0], g1 = lv->axis_conductance[1];
      const float g2 = lv->axis_conductance[2];
      float diagonal[256];

      memcpy (diagonal, lv->pattern_diagonal, sizeof diagonal);
      for (gsize i = lo; i < hi; i++)
        r[i] = b[i] - diagonal[pattern[i]] * x[i] + uniform_neighbour_sum (&nb[6 * i], x, g0, g1, g2);
    }
  else
    {
      const gint32 *restrict nb = lv->neighbour;
      const float *restrict g = lv->conductance, *restrict diagonal = lv->diagonal;

      for (gsize i = lo; i < hi; i++)
        r[i] = b[i] - diagonal[i] * x[i] + slot_sum (&nb[6 * i], &g[6 * i], x);
      for (gsize k = first_extra_row (lv, lo);
           k < lv->n_extra_rows && (gsize) lv->extra_row[k] < hi; k++)
        r[lv->extra_row[k]] += extra_sum (lv, x, (gsize) lv->extra_row[k]);
    }
}

/* The coarse right-hand side: each thread takes whole pairs of fine planes
 * (whole blocks) and adds the red residuals of their unknowns in order to
 * their aggregates, so each aggregate sums its members in the same order
 * for any number of threads (the black residual is 0). */
static void
restrict_member (gpointer data, guint member, guint n_members)
{
  const LevelJob *job = data;
  const Level *lv = job->level, *cv = job->coarse;
  const float *restrict r = lv->r;
  const gint32 *restrict aggregate = lv->aggregate;
  gsize nz = lv->dims[2], pairs = (nz + 1) / 2, cnz = cv->dims[2];
  gsize c0 = pairs * member / n_members, c1 = pairs * (member + 1) / n_members;
  gsize z0 = 2 * c0, z1 = MIN (2 * c1, nz);
  float *restrict b = cv->b;

  for (guint colour = 0; colour < 2; colour++)
    for (gsize I = cv->plane_start[colour * (cnz + 1) + c0]; I < cv->plane_start[colour * (cnz + 1) + c1]; I++)
      b[I] = 0.0f;
  for (gsize i = lv->plane_start[z0]; i < lv->plane_start[z1]; i++)
    b[aggregate[i]] += r[i];
}

static void
restrict_run (CbdMultigrid *mg, Level *lv, Level *cv)
{
  LevelJob job = { lv, cv };
  guint max_members = 1;

  if (lv->n >= PARALLEL_MIN_UNKNOWNS)
    max_members = (guint) MIN ((lv->dims[2] + 1) / 2, G_MAXUINT);
  cbd_parallel_team (mg->parallel, max_members, restrict_member, &job);
}

/* The coarse right-hand side from the box's red residual: each 2×2×2 block
 * has its 4 red cells at the same j in 4 rows. The parts of split blocks
 * are left to box_restrict_split_chunk. */
static double
box_restrict_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  const Level *lv = job->level;
  const float *restrict r = lv->box.residual;
  const guint32 *restrict block_start = lv->coarse_residual;
  float *restrict b = job->coarse->b;
  gsize row = lv->box.half_up, plane = (lv->box.dims[1] + 1) * row;

  for (gsize I = lo; I < hi; I++)
    if (block_start[I] != SPLIT)
      {
        const float *block = r + block_start[I];
        b[I] = (block[0] + block[row]) + (block[plane] + block[plane + row]);
      }
  return 0.0;
}

/* The same for the aggregates of split blocks, from their own members. */
static double
box_restrict_split_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  const Level *lv = job->level;
  const float *restrict r = lv->box.residual;
  float *restrict b = job->coarse->b;

  for (gsize s = lo; s < hi; s++)
    {
      float sum = 0.0f;

      for (gsize k = lv->split_start[s]; k < lv->split_start[s + 1]; k++)
        sum += r[lv->split_offset[k]];
      b[lv->split_coarse[s]] = sum;
    }
  return 0.0;
}

/* The coarse x onto the dense grid of blocks for the box's prolongation;
 * split blocks stay 0 there. */
static double
box_expand_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  const Level *lv = job->level;
  float *restrict dense = lv->box.coarse_x;
  const guint32 *restrict dense_index = lv->coarse_dense;
  const float *restrict x = job->coarse->x;

  for (gsize I = lo; I < hi; I++)
    if (lv->coarse_residual[I] != SPLIT)
      dense[dense_index[I]] = x[I];
  return 0.0;
}

/* The prolongation to the red members of split blocks in box plane @z. */
static void
box_prolong_split (const Level *lv, const Level *coarse, gsize z)
{
  float *restrict x = lv->box.x;

  for (gsize k = lv->split_cell_start[z]; k < lv->split_cell_start[z + 1]; k++)
    x[lv->split_cell_position[k]] += lv->correction_scale * coarse->x[lv->split_cell_coarse[k]];
}

static void
prolong_range (const Level *lv, const Level *coarse, gsize lo, gsize hi)
{
  float *restrict x = lv->x;
  const gint32 *restrict aggregate = lv->aggregate;
  const float *restrict coarse_x = coarse->x;
  const float scale = lv->correction_scale;

  for (gsize i = lo; i < hi; i++)
    x[i] += scale * coarse_x[aggregate[i]];
}

/* Smoothing passes ----------------------------------------------------------
 *
 * A pass is a list of stages (half-sweeps of one colour, the residual, the
 * prolongation), each applied to every plane z of the level. Stage k on
 * plane z reads planes z - 1 .. z + 1 as stage k - 1 left them and
 * overwrites what stage k - 1 on its neighbours read, so it may run as soon
 * as stage k - 1 is done on z - 1, z and z + 1. A wavefront through the
 * planes then does all stages while a few planes stay in cache, instead of
 * streaming the level through memory once per stage. Every value is
 * computed from the same inputs as with one stage after the other, so the
 * result does not depend on the order or the number of threads.
 *
 * Threads take one slab of planes each, in opposite directions on
 * neighbouring slabs, and wait at the slab borders for the neighbour's
 * stage counter. Where the planes are so large that each thread's few
 * planes in flight would crowd the others' out of the shared cache, they
 * take a share of the stages instead and follow each other through all
 * planes (pass_member_pipeline). */

typedef enum
{
  STAGE_SCATTER,     /* level 0 on the box: the solver's b into the box */
  STAGE_FIRST_RED,   /* red from x = 0 (black x is not read before its sweep) */
  STAGE_RED,
  STAGE_BLACK,
  STAGE_RESIDUAL,
  STAGE_PROLONG,
  STAGE_GATHER,      /* level 0 on the box: x out of the box to the solver, and b·x */
  STAGE_DOT,         /* level 0 as a list: b·x */
} Stage;

#define MAX_STAGES (4 * MAX (FINE_SWEEPS, COARSE_SWEEPS) + 4)
#define MIN_SLAB_PLANES 8

typedef struct
{
  Level       *level;
  const Level *coarse;
  guint8       stage[MAX_STAGES];
  guint        n_stages;
} Pass;

static void
stage_run (const Pass *pass, Stage stage, gsize z)
{
  const Level *lv = pass->level;
  gsize nz = lv->dims[2];
  gsize red_lo = lv->plane_start[z], red_hi = lv->plane_start[z + 1];
  gsize black_lo = lv->plane_start[nz + 1 + z], black_hi = lv->plane_start[nz + 2 + z];

  if (level_on_box (lv))
    switch (stage)
      {
      case STAGE_SCATTER:
        {
          const guint32 *restrict position = lv->box_position;
          const float *restrict b = lv->b;
          float *restrict box_b = lv->box.b;

          for (gsize i = red_lo; i < red_hi; i++)
            box_b[position[i]] = b[i];
          for (gsize i = black_lo; i < black_hi; i++)
            box_b[position[i]] = b[i];
        }
        return;
      case STAGE_FIRST_RED:
        cbd_mg_box_sweep_plane (&lv->box, 0, z, TRUE);
        return;
      case STAGE_RED:
        cbd_mg_box_sweep_plane (&lv->box, 0, z, FALSE);
        return;
      case STAGE_BLACK:
        cbd_mg_box_sweep_plane (&lv->box, 1, z, FALSE);
        return;
      case STAGE_RESIDUAL:
        cbd_mg_box_residual_plane (&lv->box, z);
        return;
      case STAGE_PROLONG:
        cbd_mg_box_prolong_plane (&lv->box, z, lv->correction_scale);
        box_prolong_split (lv, pass->coarse, z);
        return;
      case STAGE_GATHER:
        {
          const guint32 *restrict position = lv->box_position;
          const float *restrict b = lv->b;
          float *restrict x = lv->x;
          const float *restrict box_x = lv->box.x;
          double dot = 0.0;

          for (gsize i = red_lo; i < red_hi; i++)
            {
              x[i] = box_x[position[i]];
              dot += (double) b[i] * x[i];
            }
          for (gsize i = black_lo; i < black_hi; i++)
            {
              x[i] = box_x[position[i]];
              dot += (double) b[i] * x[i];
            }
          lv->plane_dot[z] = dot;
        }
        return;
      default:
        g_assert_not_reached ();
      }

  switch (stage)
    {
    case STAGE_FIRST_RED:
      first_sweep_range (lv, red_lo, red_hi);
      break;
    case STAGE_RED:
      sweep_range (lv, red_lo, red_hi);
      break;
    case STAGE_BLACK:
      sweep_range (lv, black_lo, black_hi);
      break;
    case STAGE_RESIDUAL:
      /* After a black half-sweep the black residual is 0; r was allocated
       * zeroed and its black part is never written. */
      residual_range (lv, red_lo, red_hi);
      break;
    case STAGE_PROLONG:
      /* Red only: the black half-sweep that follows (post-smoothing
       * starts with one) recomputes the black unknowns from the red. */
      prolong_range (lv, pass->coarse, red_lo, red_hi);
      break;
    case STAGE_DOT:
      {
        double dot = 0.0;

        for (gsize i = red_lo; i < red_hi; i++)
          dot += (double) lv->b[i] * lv->x[i];
        for (gsize i = black_lo; i < black_hi; i++)
          dot += (double) lv->b[i] * lv->x[i];
        lv->plane_dot[z] = dot;
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static inline void
plane_wait (gint *done, gint stages)
{
  guint spins = 0;

  while (g_atomic_int_get (done) < stages)
    if (++spins >= 64)
      {
        g_thread_yield ();
        spins = 0;
      }
}

static void
pass_member (gpointer data, guint member, guint n_members)
{
  const Pass *pass = data;
  const Level *lv = pass->level;
  gsize nz = lv->dims[2];
  gsize lo = nz * member / n_members, hi = nz * (member + 1) / n_members;
  gsize n_planes = hi - lo, n_stages = pass->n_stages;
  gboolean ascending = member % 2 == 0;
  gint *done = lv->plane_done;

  for (gsize t = 0; t + 1 < n_planes + n_stages; t++)
    for (gsize k = 0; k < n_stages && k <= t; k++)
      {
        gsize offset = t - k, z;

        if (offset >= n_planes)
          continue;
        z = ascending ? lo + offset : hi - 1 - offset;
        if (k > 0)
          {
            /* Planes of this slab are ready by the order; only the
             * neighbouring slab's border plane may lag behind. */
            if (z > 0 && z == lo)
              plane_wait (&done[z - 1], (gint) k);
            if (z + 1 < nz && z + 1 == hi)
              plane_wait (&done[z + 1], (gint) k);
          }
        stage_run (pass, pass->stage[k], z);
        g_atomic_int_set (&done[z], (gint) k + 1);
      }
}

/* The rough cost of a stage per plane, for sharing a pass's stages. */
static guint
stage_weight (Stage stage)
{
  return stage == STAGE_RED || stage == STAGE_BLACK || stage == STAGE_RESIDUAL ? 2 : 1;
}

/* A pass as a pipeline: member m runs its share of the stages, in order,
 * through all planes, a few planes behind member m - 1. The members then
 * work on the same planes, which stay in cache once for all of them
 * instead of once per member's slab. */
static void
pass_member_pipeline (gpointer data, guint member, guint n_members)
{
  const Pass *pass = data;
  const Level *lv = pass->level;
  gsize nz = lv->dims[2], k0 = pass->n_stages, k1 = pass->n_stages, total = 0, sum = 0;
  gint *done = lv->plane_done;

  for (guint k = 0; k < pass->n_stages; k++)
    total += stage_weight (pass->stage[k]);
  /* Member m takes the stages whose middles fall in its share of the
   * weight, [k0, k1). */
  for (guint k = 0; k < pass->n_stages; k++)
    {
      gsize w = stage_weight (pass->stage[k]);
      gsize owner = (2 * sum + w) * n_members / (2 * total);

      if (owner >= member && k0 == pass->n_stages)
        k0 = k;
      if (owner > member)
        {
          k1 = k;
          break;
        }
      sum += w;
    }
  for (gsize t = 0; t + k0 < nz + k1; t++)
    for (gsize k = k0; k < k1 && k - k0 <= t; k++)
      {
        gsize z = t - (k - k0);

        if (z >= nz)
          continue;
        /* The member before has done its stages on z + 1, and so (by
         * its order) on every plane below. */
        if (k == k0 && k0 > 0)
          plane_wait (&done[MIN (z + 1, nz - 1)], (gint) k0);
        stage_run (pass, pass->stage[k], z);
        g_atomic_int_set (&done[z], (gint) k + 1);
      }
}

/* The bytes of the planes one thread's slab keeps in flight during a
 * pass (about one plane per stage and two more): per box cell its x, b,
 * inverse diagonal and half a residual; per unknown of a list also its
 * links. */
static gsize
level_window_bytes (const Level *lv, gboolean on_box)
{
  gsize plane = on_box ? lv->dims[0] * lv->dims[1] * 14 : lv->n / MAX (lv->dims[2], 1) * 64;

  return plane * (2 * lv->sweeps + 4);
}

static void
pass_run (CbdMultigrid *mg, Pass *pass)
{
  Level *lv = pass->level;
  gsize nz = lv->dims[2];
  guint max_members = 1;

  if (lv->n >= PARALLEL_MIN_UNKNOWNS)
    max_members = (guint) MIN (nz / MIN_SLAB_PLANES, G_MAXUINT);
  memset (lv->plane_done, 0, nz * sizeof (gint));
  if (lv->pipeline)
    cbd_parallel_team (mg->parallel, MIN (max_members, pass->n_stages), pass_member_pipeline, pass);
  else
    cbd_parallel_team (mg->parallel, max_members, pass_member, pass);
}

static void
pass_add (Pass *pass, Stage stage)
{
  g_assert (pass->n_stages < MAX_STAGES);
  pass->stage[pass->n_stages++] = stage;
}

static void
level_clear (Level *lv)
{
  g_free (lv->own_cell);
  g_free (lv->conductance);
  g_free (lv->own_neighbour);
  g_free (lv->extra_start);
  g_free (lv->extra_row);
  g_free (lv->extra_column);
  g_free (lv->extra_value);
  g_free (lv->diagonal);
  g_free (lv->inverse_diagonal);
  g_free (lv->r);
  g_free (lv->aggregate);
  g_free (lv->cholesky);
  g_free (lv->plane_start);
  g_free (lv->plane_done);
  g_free (lv->plane_dot);
  g_free (lv->box.x);
  g_free (lv->box.b);
  g_free (lv->box.inverse);
  g_free (lv->box.residual);
  g_free (lv->box.coarse_x);
  g_free (lv->box_position);
  g_free (lv->coarse_dense);
  g_free (lv->coarse_residual);
  g_free (lv->split_coarse);
  g_free (lv->split_start);
  g_free (lv->split_offset);
  g_free (lv->split_cell_start);
  g_free (lv->split_cell_position);
  g_free (lv->split_cell_coarse);
  for (guint f = 0; f < 6; f++)
    {
      g_free (lv->own_face[f]);
      g_free (lv->face_base[f]);
      g_free (lv->face_parent[f]);
    }
  for (guint side = 0; side < 2; side++)
    g_free (lv->face_term[side]);
}

void
cbd_multigrid_free (CbdMultigrid *mg)
{
  if (mg == NULL)
    return;
  for (guint l = 0; l < mg->n_levels; l++)
    {
      Level *lv = &mg->level[l];
      if (l > 0)
        {
          g_free (lv->x);
          g_free (lv->b);
        }
      level_clear (lv);
    }
  g_free (mg->face_sum);
  g_free (mg);
}

guint
cbd_multigrid_get_n_levels (const CbdMultigrid *mg)
{
  return mg->n_levels;
}

gsize
cbd_multigrid_get_level_size (const CbdMultigrid *mg,
                              guint               l,
                              gsize               dims[3])
{
  g_return_val_if_fail (l < mg->n_levels, 0);

  memcpy (dims, mg->level[l].dims, sizeof mg->level[l].dims);
  return mg->level[l].n;
}

guint32
cbd_multigrid_get_cell (const CbdMultigrid *mg,
                        guint               l,
                        gsize               i)
{
  g_return_val_if_fail (l < mg->n_levels && i < mg->level[l].n, 0);

  return mg->level[l].cell[i];
}

double
cbd_multigrid_get_diagonal (const CbdMultigrid *mg,
                            guint               l,
                            gsize               i)
{
  const Level *lv;

  g_return_val_if_fail (l < mg->n_levels && i < mg->level[l].n, NAN);

  /* What the smoother divides by: on the box, the box's inverse. */
  lv = &mg->level[l];
  if (level_on_box (lv))
    return 1.0 / lv->box.inverse[lv->box_position[i]];
  return level_diagonal (lv, i);
}

gsize
cbd_multigrid_get_links (const CbdMultigrid *mg,
                         guint               l,
                         gsize               i,
                         gint32             *to,
                         double             *g,
                         gsize               room)
{
  const Level *lv;
  gsize count = 0;

  g_return_val_if_fail (l < mg->n_levels && i < mg->level[l].n, 0);
  lv = &mg->level[l];

  for (guint segment = 0; segment < 2; segment++)
    {
      const gint32 *link_to;
      const float *link_g;
      float uniform[6];
      gsize m = level_links (lv, i, segment, &link_to, &link_g, uniform);

      for (gsize k = 0; k < m; k++)
        if ((gsize) link_to[k] < lv->n)
          {
            if (count < room)
              {
                to[count] = link_to[k];
                g[count] = link_g[k];
              }
            count++;
          }
    }
  return count;
}

gsize
cbd_multigrid_get_aggregate (const CbdMultigrid *mg,
                             guint               l,
                             gsize               i)
{
  g_return_val_if_fail (l + 1 < mg->n_levels && i < mg->level[l].n, 0);

  return (gsize) mg->level[l].aggregate[i];
}

/* The diagonal before any face is driven (cbd_multigrid_drive adds those
 * terms later, level by level). */
static inline float
level_base_diagonal (const Level *lv, gsize i)
{
  if (lv->diagonal == NULL)
    return lv->pattern_diagonal[lv->pattern[i] & ~(CBD_MG_INLET | CBD_MG_OUTLET)];
  return lv->diagonal[i];
}

/* The coarsening. An aggregate is a connected part of a 2×2×2 block of
 * the fine level's cells: where walls cut a block (two pores side by
 * side), one coarse value for both would couple what is far apart along
 * the conducting path, and the cycle would lose the modes that live on
 * one side (9 → 5 iterations on the 128³ cutout). A coarse level is then
 * again a set of unknowns on a grid, several per cell where blocks split,
 * each linked only to unknowns of the 6 neighbouring cells, so red-black
 * ordering and the plane wavefront carry over.
 *
 * Threads take whole pairs of planes (whole blocks) and within them the
 * red unknowns, then the black ones: every block sees its members in the
 * same order as one thread would, and no two threads write the same block. */

/* A link of coarse unknown @row beyond its 6 slots; @member and @k order
 * them as one thread would: the fine unknown and its link that added it,
 * or, by blocks (add_block_links), the octant and the direction. */
typedef struct
{
  gint32 row, to, member;
  guint  k;
  float  g;
} ExtraLink;

typedef struct
{
  Level   *fine, *coarse;
  gsize    cd[3];          /* the grid of blocks */
  gint32  *parent;         /* union-find over the fine unknowns, within blocks */
  gint32  *count;          /* per block: its aggregates, then its next coarse unknown */
  guint8  *mask;           /* level 0: per block, which of its cells are unknowns */
  gsize   *plane_first;    /* while numbering: per plane of blocks, its first red and black */
  gboolean connected;      /* aggregates are the connected parts of blocks */
  /* Links of coarse rows beyond their 6 slots, as the threads meet them. */
  GMutex     extra_lock;
  ExtraLink *extra;
  gsize      n_extra, extra_room;
  gboolean   out_of_memory;
} CoarsenJob;

typedef void (*CoarsenFunc) (CoarsenJob *job, gsize i, const gsize *xyz);

/* Calls @func for each fine unknown of @member's pairs of planes (@xyz:
 * its coordinates, when @walk). */
static void
coarsen_each (CoarsenJob *job, guint member, guint n_members, gboolean walk, CoarsenFunc func)
{
  const Level *fine = job->fine;
  gsize nz = fine->dims[2], pairs = (nz + 1) / 2;
  gsize z0 = 2 * (pairs * member / n_members), z1 = MIN (2 * (pairs * (member + 1) / n_members), nz);
  CbdGridWalker walker;

  cbd_grid_walker_init (&walker, fine->dims);
  for (guint colour = 0; colour < 2; colour++)
    for (gsize i = fine->plane_start[colour * (nz + 1) + z0];
         i < fine->plane_start[colour * (nz + 1) + z1]; i++)
      func (job, i, walk ? cbd_grid_walk (&walker, fine->cell[i]) : NULL);
}

/* On level 0, whose slot k is the link in direction k (-x +x -y +y -z
 * +z): whether it stays inside the 2×2×2 block, from the parity of the
 * coordinate along it; no lookup of the neighbour needed. */
static inline gboolean
link_inside_block (const gsize *xyz, gsize k)
{
  return ((xyz[k / 2] & 1) ^ (k & 1)) != 0;
}

static gint32
find_root (gint32 *parent, gint32 i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

/* The block of the cell at @xyz. */
static inline gsize
block_of (const CoarsenJob *job, const gsize *xyz)
{
  const gsize *cd = job->cd;

  return xyz[0] / 2 + cd[0] * (xyz[1] / 2 + cd[1] * (xyz[2] / 2));
}

/* Each unknown keeps its block in aggregate[] for now. */
static void
find_block (CoarsenJob *job, gsize i, const gsize *xyz)
{
  job->fine->aggregate[i] = (gint32) block_of (job, xyz);
  job->parent[i] = (gint32) i;
}

/* Joins @i with the members of its block it links to, or, when not
 * @connected, with the block's first member (count[] holds it). The
 * smaller index becomes the root, so every aggregate's root is its first
 * member whatever the order of joining. */
static void
join_block (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const Level *fine = job->fine;
  gint32 block = fine->aggregate[i];

  if (!job->connected)
    {
      if (job->count[block] < 0)
        job->count[block] = (gint32) i;
      job->parent[i] = job->count[block];
      return;
    }
  for (guint segment = 0; segment < 2; segment++)
    {
      const gint32 *to;
      const float *g;
      float uniform[6];
      gsize m = level_links (fine, i, segment, &to, &g, uniform);

      for (gsize k = 0; k < m; k++)
        if ((gsize) to[k] < fine->n && fine->aggregate[to[k]] == block)
          {
            gint32 a = find_root (job->parent, (gint32) i), b = find_root (job->parent, to[k]);

            if (a != b)
              job->parent[MAX (a, b)] = MIN (a, b);
          }
    }
}

static void
count_aggregate (CoarsenJob *job, gsize i, const gsize *xyz)
{
  if (find_root (job->parent, (gint32) i) == (gint32) i)
    job->count[job->fine->aggregate[i]]++;
}

/* Aggregates take their block's coarse unknowns in turn, in the order of
 * their roots; a root is its aggregate's smallest index, so it comes
 * before its members. */
static void
number_aggregate (CoarsenJob *job, gsize i, const gsize *xyz)
{
  gint32 root = find_root (job->parent, (gint32) i);

  if (root == (gint32) i)
    job->fine->aggregate[i] = job->count[job->fine->aggregate[i]]++;
  else
    job->fine->aggregate[i] = job->fine->aggregate[root];
}

/* One team function per step, so that each loop is compiled with its step
 * inlined (an indirect call per unknown would cost more than the step). */
static void
find_blocks (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, TRUE, find_block);
}

static void
join_blocks (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, FALSE, join_block);
}

static void
count_aggregates (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, FALSE, count_aggregate);
}

static void
number_aggregates (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, FALSE, number_aggregate);
}

static void
coarsen_run (CbdParallel *parallel, CoarsenJob *job, CbdTeamFunc func)
{
  guint max_members = 1;

  if (job->fine->n >= PARALLEL_MIN_UNKNOWNS)
    max_members = (guint) MIN ((job->fine->dims[2] + 1) / 2, G_MAXUINT);
  cbd_parallel_team (parallel, max_members, func, job);
}

/* Galerkin, PᵀAP, streamed over the fine unknowns: a coarse diagonal sums
 * its members' diagonals less the links among them (seen from both
 * sides); links to other aggregates add up per aggregate. Slot k of a
 * row holds the link in direction k (-x +x -y +y -z +z), as on level 0;
 * a second aggregate in the same direction (a split neighbouring block)
 * goes to the extra links. */
static void
add_coarse_link (CoarsenJob *job, gint32 I, gint32 J, float g, guint direction, gint32 member, guint k)
{
  gint32 *to = &job->coarse->own_neighbour[6 * (gsize) I + direction];
  float *slot = &job->coarse->conductance[6 * (gsize) I + direction];

  /* A free slot has conductance 0. */
  if (*slot == 0.0f || *to == J)
    {
      *to = J;
      *slot += g;
      return;
    }
  g_mutex_lock (&job->extra_lock);
  if (job->n_extra == job->extra_room)
    {
      gsize room = MAX (2 * job->extra_room, 256);
      ExtraLink *grown = g_try_renew (ExtraLink, job->extra, room);

      if (grown == NULL)
        job->out_of_memory = TRUE;
      else
        {
          job->extra = grown;
          job->extra_room = room;
        }
    }
  if (job->n_extra < job->extra_room)
    job->extra[job->n_extra++] = (ExtraLink) { I, J, member, k, g };
  g_mutex_unlock (&job->extra_lock);
}

/* The direction of the link from fine unknown @i to @j, neighbours on the
 * grid (a grid one cell wide along an axis has no links along it). */
static guint
link_direction (const Level *fine, gsize i, gsize j)
{
  gsize a = fine->cell[i], b = fine->cell[j], step = MAX (a, b) - MIN (a, b);
  guint d = step == 1 && fine->dims[0] > 1 ? 0 : step == fine->dims[0] && fine->dims[1] > 1 ? 1 : 2;

  return 2 * d + (b > a);
}

/* One fine unknown's part of the product, on a coarse level. */
static void
add_member (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const Level *fine = job->fine;
  gint32 I = fine->aggregate[i];
  float diagonal = job->coarse->diagonal[I] + level_base_diagonal (fine, i);
  guint k_all = 0;

  for (guint segment = 0; segment < 2; segment++)
    {
      const gint32 *to;
      const float *g;
      float uniform[6];
      gsize m = level_links (fine, i, segment, &to, &g, uniform);

      for (gsize k = 0; k < m; k++, k_all++)
        {
          gint32 J;

          if ((gsize) to[k] >= fine->n)
            continue;
          J = fine->aggregate[to[k]];
          if (J == I)
            diagonal -= g[k];
          else
            add_coarse_link (job, I, J, g[k], segment == 0 ? (guint) k : link_direction (fine, i, to[k]),
                             (gint32) i, k_all);
        }
    }
  job->coarse->diagonal[I] = diagonal;
}

/* add_member on level 0, where bit k of an unknown's pattern tells whether
 * it has a link in direction k: the links inside the block (from the
 * parities) are subtracted without a branch, only those leaving it are
 * looked up. The same arithmetic in the same order as add_member. */
static void
add_top_member (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const Level *fine = job->fine;
  gint32 I = fine->aggregate[i];
  guint present = fine->pattern[i] & 0x3f, inside = 0;
  float diagonal = job->coarse->diagonal[I] + level_base_diagonal (fine, i);
  const gint32 *to;
  const float *g;
  float uniform[6];

  level_links (fine, i, 0, &to, &g, uniform);
  for (guint k = 0; k < 6; k++)
    inside |= (guint) link_inside_block (xyz, k) << k;
  for (guint k = 0; k < 6; k++)
    diagonal -= g[k] * (float) ((present & inside) >> k & 1);
  for (guint out = present & ~inside; out != 0; out &= out - 1)
    {
      guint k = (guint) g_bit_nth_lsf (out, -1);

      add_coarse_link (job, I, fine->aggregate[to[k]], g[k], k, (gint32) i, k);
    }
  job->coarse->diagonal[I] = diagonal;
}

static void
add_members (gpointer data, guint member, guint n_members)
{
  CoarsenJob *job = data;

  if (job->fine->pattern != NULL)
    coarsen_each (job, member, n_members, TRUE, add_top_member);
  else
    coarsen_each (job, member, n_members, FALSE, add_member);
}

static int
extra_link_compare (gconstpointer a, gconstpointer b)
{
  const ExtraLink *x = a, *y = b;

  if (x->row != y->row)
    return x->row < y->row ? -1 : 1;
  if (x->member != y->member)
    return x->member < y->member ? -1 : 1;
  return x->k < y->k ? -1 : x->k > y->k;
}

/* The extra links into the coarse level's side table, each row's in the
 * order its members met them, repeated neighbours summed. FALSE when out
 * of memory. */
static gboolean
store_extra_links (CoarsenJob *job)
{
  Level *coarse = job->coarse;
  gsize n = coarse->n, m = 0;

  if (job->n_extra == 0)
    return TRUE;
  qsort (job->extra, job->n_extra, sizeof *job->extra, extra_link_compare);
  coarse->extra_start = g_try_new0 (gsize, n + 1);
  coarse->extra_column = g_try_new (gint32, job->n_extra);
  coarse->extra_value = g_try_new (float, job->n_extra);
  if (!coarse->extra_start || !coarse->extra_column || !coarse->extra_value)
    return FALSE;
  for (gsize e = 0, row_first = 0; e < job->n_extra; e++)
    {
      const ExtraLink *link = &job->extra[e];
      gsize l;

      if (e == 0 || link->row != job->extra[e - 1].row)
        row_first = m;
      for (l = row_first; l < m && coarse->extra_column[l] != link->to; l++)
        ;
      if (l == m)
        {
          coarse->extra_column[m] = link->to;
          coarse->extra_value[m++] = 0.0f;
          coarse->extra_start[link->row + 1]++;
        }
      coarse->extra_value[l] += link->g;
    }
  for (gsize I = 0; I < n; I++)
    {
      coarse->n_extra_rows += coarse->extra_start[I + 1] > 0;
      coarse->extra_start[I + 1] += coarse->extra_start[I];
    }
  coarse->extra_row = g_try_new (gint32, coarse->n_extra_rows);
  if (coarse->extra_row == NULL)
    return FALSE;
  for (gsize I = 0, k = 0; I < n; I++)
    if (coarse->extra_start[I + 1] > coarse->extra_start[I])
      coarse->extra_row[k++] = (gint32) I;
  return TRUE;
}

/* Each plane of blocks' count of red and black aggregates. */
static double
count_plane_aggregates (gpointer data, gsize lo, gsize hi)
{
  CoarsenJob *job = data;
  const gsize *cd = job->cd;

  for (gsize z = lo; z < hi; z++)
    {
      gsize count[2] = { 0, 0 }, c = z * cd[0] * cd[1];

      for (gsize y = 0; y < cd[1]; y++)
        for (gsize x = 0; x < cd[0]; x++, c++)
          count[(x + y + z) & 1] += (gsize) job->count[c];
      job->plane_first[2 * z] = count[0];
      job->plane_first[2 * z + 1] = count[1];
    }
  return 0.0;
}

/* Each block's first coarse unknown from its plane's first ones. */
static double
number_plane_aggregates (gpointer data, gsize lo, gsize hi)
{
  CoarsenJob *job = data;
  const gsize *cd = job->cd;
  guint32 *own_cell = job->coarse->own_cell;

  for (gsize z = lo; z < hi; z++)
    {
      gsize next[2] = { job->plane_first[2 * z], job->plane_first[2 * z + 1] };
      gsize c = z * cd[0] * cd[1];

      for (gsize y = 0; y < cd[1]; y++)
        for (gsize x = 0; x < cd[0]; x++, c++)
          {
            gsize *first = &next[(x + y + z) & 1];
            gint32 parts = job->count[c];

            job->count[c] = (gint32) *first;
            for (gint32 p = 0; p < parts; p++)
              own_cell[(*first)++] = (guint32) c;
          }
    }
  return 0.0;
}

/* Turns count[] (each block's number of aggregates) into each block's
 * first coarse unknown, red blocks (even coordinate sum) first, then black
 * ones, each in grid order, and gives every coarse unknown its block as
 * its cell; by planes of blocks on all threads. Returns the number of
 * coarse unknowns, or 0 when out of memory. */
static gsize
number_blocks (CbdParallel *parallel, CoarsenJob *job, gsize *n_red)
{
  gsize nz = job->cd[2], n_blocks = job->cd[0] * job->cd[1] * nz, n;
  g_autofree gsize *plane_first = job->plane_first = g_try_new (gsize, 2 * MAX (nz, 1));

  if (plane_first == NULL)
    return 0;
  cbd_parallel_for_large (parallel, nz, n_blocks, count_plane_aggregates, job);
  n = cbd_grid_number_planes (plane_first, nz, n_red);
  job->coarse->own_cell = cbd_grid_try_new (guint32, MAX (n, 1));
  if (job->coarse->own_cell != NULL)
    cbd_parallel_for_large (parallel, nz, n_blocks, number_plane_aggregates, job);
  job->plane_first = NULL;
  return job->coarse->own_cell != NULL ? n : 0;
}

/* Numbers the aggregates of @job by a union-find, within a block by their
 * first member: the connected parts of each block, or whole blocks when
 * the parts would keep more than MAX_COARSE_FRACTION of the unknowns (a
 * sparse phase of thin strands, whose levels would barely shrink). */
static gsize
number_coarse (CbdParallel *parallel, CoarsenJob *job, gsize *n_red)
{
  gsize n, n_cells = job->cd[0] * job->cd[1] * job->cd[2];

  for (;;)
    {
      gsize parts = 0;

      coarsen_run (parallel, job, find_blocks);
      for (gsize c = 0; c < n_cells; c++)
        job->count[c] = -1;
      coarsen_run (parallel, job, join_blocks);
      memset (job->count, 0, n_cells * sizeof *job->count);
      coarsen_run (parallel, job, count_aggregates);
      for (gsize c = 0; c < n_cells; c++)
        parts += (gsize) job->count[c];
      if (!job->connected || parts <= MAX_COARSE_FRACTION * job->fine->n)
        break;
      job->connected = FALSE;
    }
  if ((n = number_blocks (parallel, job, n_red)) == 0)
    return 0;
  coarsen_run (parallel, job, number_aggregates);
  return n;
}

/* Level 0's parts of blocks without a union-find: its links inside a
 * block are exactly the pairs of neighbouring cells that are both
 * unknowns, so a block's parts follow from which of its 8 cells are
 * unknowns (@mask, bit (x & 1) + 2 (y & 1) + 4 (z & 1)): part_of[mask][bit]
 * numbers them in bit order, n_parts[mask] counts them. */
static struct
{
  guint8 part_of[256][8];
  guint8 n_parts[256];
} block_parts;

static void
block_parts_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  for (guint mask = 0; mask < 256; mask++)
    {
      guint8 parts = 0;

      memset (block_parts.part_of[mask], 0xff, 8);
      for (guint seed = 0; seed < 8; seed++)
        {
          guint stack[8], top = 0;

          if (!(mask & (1u << seed)) || block_parts.part_of[mask][seed] != 0xff)
            continue;
          block_parts.part_of[mask][seed] = parts;
          stack[top++] = seed;
          while (top > 0)
            {
              guint cell = stack[--top];

              /* Neighbours in a 2×2×2 block differ in one bit. */
              for (guint d = 0; d < 3; d++)
                {
                  guint other = cell ^ (1u << d);

                  if ((mask & (1u << other)) && block_parts.part_of[mask][other] == 0xff)
                    {
                      block_parts.part_of[mask][other] = parts;
                      stack[top++] = other;
                    }
                }
            }
          parts++;
        }
      block_parts.n_parts[mask] = parts;
    }
  g_once_init_leave (&done, 1);
}

static inline guint
octant_bit (const gsize *xyz)
{
  return (guint) ((xyz[0] & 1) | (xyz[1] & 1) << 1 | (xyz[2] & 1) << 2);
}

/* Each block's cells in mask[]. */
static void
mark_cell (CoarsenJob *job, gsize i, const gsize *xyz)
{
  job->mask[block_of (job, xyz)] |= (guint8) (1u << octant_bit (xyz));
}

static void
number_part (CoarsenJob *job, gsize i, const gsize *xyz)
{
  gsize block = block_of (job, xyz);

  job->fine->aggregate[i] = job->count[block]
                          + (job->connected ? block_parts.part_of[job->mask[block]][octant_bit (xyz)] : 0);
}

static void
mark_cells (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, TRUE, mark_cell);
}

static void
number_parts (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, TRUE, number_part);
}

/* The Galerkin product of level 0 with uniform conductances, by blocks
 * instead of by unknowns: two cells that are both unknowns are linked, so
 * the fine links between neighbouring blocks follow from their masks (the
 * 4 pairs of cells facing each other), and a part's diagonal, its members'
 * links less those inside it, is the sum of its links leaving the block.
 * Each block writes only its own parts' rows. */
static void
add_block_links (gpointer data, guint member, guint n_members)
{
  CoarsenJob *job = data;
  const Level *fine = job->fine;
  Level *coarse = job->coarse;
  const gsize *cd = job->cd;
  const gsize block_stride[3] = { 1, cd[0], cd[0] * cd[1] };
  const gint32 n = (gint32) coarse->n;
  /* The octants with bit d set: the upper half of a block along d. */
  static const guint upper_half[3] = { 0xaa, 0xcc, 0xf0 };
  gsize z0 = cd[2] * member / n_members, z1 = cd[2] * (member + 1) / n_members;

  for (gsize bz = z0; bz < z1; bz++)
    for (gsize by = 0; by < cd[1]; by++)
      for (gsize bx = 0; bx < cd[0]; bx++)
        {
          const gsize xyz[3] = { bx, by, bz };
          gsize block = bx + block_stride[1] * by + block_stride[2] * bz;
          guint mask = job->mask[block];
          gint32 first = job->count[block];
          guint n_parts = job->connected ? block_parts.n_parts[mask] : mask != 0;

          for (gint32 I = first; I < first + (gint32) n_parts; I++)
            {
              for (guint k = 0; k < 6; k++)
                coarse->own_neighbour[6 * (gsize) I + k] = n;
              coarse->diagonal[I] = 0.0f;
            }
          for (guint k = 0; k < 6 && mask != 0; k++)
            {
              guint d = k / 2, side = k & 1, shift = 1u << d;
              gsize other;
              guint other_mask, linked;
              gint32 J0;
              float g = fine->axis_conductance[d];

              if (side == 0 ? xyz[d] == 0 : xyz[d] + 1 == cd[d])
                continue;
              other = side == 0 ? block - block_stride[d] : block + block_stride[d];
              other_mask = job->mask[other];
              /* The cells on this face whose facing cell is an unknown. */
              linked = side == 0 ? mask & ~upper_half[d] & (other_mask >> shift)
                                 : mask & upper_half[d] & (other_mask << shift);
              if (linked == 0)
                continue;
              J0 = job->count[other];
              if (!job->connected ||
                  (block_parts.n_parts[mask] == 1 && block_parts.n_parts[other_mask] == 1))
                {
                  /* One part on each side: all the links join the same two. */
                  float n_links = 0.0f;

                  for (guint bits = linked; bits != 0; bits &= bits - 1)
                    n_links += 1.0f;
                  add_coarse_link (job, first, J0, n_links * g, k, 0, k);
                  coarse->diagonal[first] += n_links * g;
                  continue;
                }
              for (guint bits = linked; bits != 0; bits &= bits - 1)
                {
                  guint o = (guint) g_bit_nth_lsf (bits, -1);
                  gint32 I = first + block_parts.part_of[mask][o];
                  gint32 J = J0 + block_parts.part_of[other_mask][o ^ shift];

                  add_coarse_link (job, I, J, g, k, (gint32) o, k);
                  coarse->diagonal[I] += g;
                }
            }
        }
}

/* The parts of blocks [lo, hi), from their masks. */
static double
count_block_parts (gpointer data, gsize lo, gsize hi)
{
  const CoarsenJob *job = data;
  gsize parts = 0;

  for (gsize c = lo; c < hi; c++)
    parts += block_parts.n_parts[job->mask[c]];
  return (double) parts;
}

/* Each block's number of aggregates: its parts, or 1 for a whole block. */
static double
set_block_counts (gpointer data, gsize lo, gsize hi)
{
  CoarsenJob *job = data;

  for (gsize c = lo; c < hi; c++)
    job->count[c] = job->connected ? block_parts.n_parts[job->mask[c]] : job->mask[c] != 0;
  return 0.0;
}

/* number_coarse for level 0 by the table. */
static gsize
number_coarse_top (CbdParallel *parallel, CoarsenJob *job, gsize *n_red)
{
  gsize n, n_cells = job->cd[0] * job->cd[1] * job->cd[2], parts = 0;

  block_parts_init ();
  coarsen_run (parallel, job, mark_cells);
  parts = (gsize) cbd_parallel_for (parallel, n_cells, count_block_parts, job);
  job->connected = parts <= MAX_COARSE_FRACTION * job->fine->n;
  cbd_parallel_for (parallel, n_cells, set_block_counts, job);
  if ((n = number_blocks (parallel, job, n_red)) == 0)
    return 0;
  coarsen_run (parallel, job, number_parts);
  return n;
}

/* Builds @coarse from the connected parts of 2×2×2 blocks of @fine (or
 * whole blocks, see number_coarse); FALSE when out of memory. @lists: also the
 * fine residual, for the list form's restriction (the box restricts on its
 * own). */
static gboolean
level_coarsen (Level *fine, Level *coarse, gboolean lists, CbdParallel *parallel)
{
  CoarsenJob job = { .fine = fine, .coarse = coarse, .connected = TRUE };
  g_autofree gint32 *count = NULL, *parent = NULL;
  g_autofree guint8 *mask = NULL;
  gsize n_cells, n, n_red = 0;
  gboolean ok;

  for (guint d = 0; d < 3; d++)
    job.cd[d] = (fine->dims[d] + 1) / 2;
  n_cells = job.cd[0] * job.cd[1] * job.cd[2];
  job.count = count = cbd_grid_try_new (gint32, MAX (n_cells, 1));
  fine->aggregate = cbd_grid_try_new (gint32, MAX (fine->n, 1));
  if (count == NULL || fine->aggregate == NULL)
    return FALSE;

  if (fine->pattern != NULL)
    {
      job.mask = mask = cbd_grid_try_new0 (guint8, MAX (n_cells, 1));
      if (mask == NULL || (n = number_coarse_top (parallel, &job, &n_red)) == 0)
        return FALSE;
    }
  else
    {
      job.parent = parent = cbd_grid_try_new (gint32, MAX (fine->n, 1));
      if (parent == NULL || (n = number_coarse (parallel, &job, &n_red)) == 0)
        return FALSE;
    }
  memcpy (coarse->dims, job.cd, sizeof job.cd);
  coarse->n = n;
  coarse->n_red = n_red;
  coarse->cell = coarse->own_cell;

  coarse->own_neighbour = cbd_grid_try_new (gint32, 6 * MAX (n, 1));
  coarse->conductance = cbd_grid_try_new0 (float, 6 * MAX (n, 1));
  coarse->diagonal = cbd_grid_try_new0 (float, MAX (n, 1));
  coarse->x = cbd_grid_try_new0 (float, n + 1);
  coarse->b = cbd_grid_try_new0 (float, n + 1);
  if (lists)
    fine->r = cbd_grid_try_new0 (float, MAX (fine->n, 1));
  if (!coarse->own_neighbour || !coarse->conductance || !coarse->diagonal ||
      !coarse->x || !coarse->b || (lists && !fine->r))
    return FALSE;
  coarse->neighbour = coarse->own_neighbour;

  g_mutex_init (&job.extra_lock);
  if (job.mask != NULL && fine->conductance == NULL)
    coarsen_run (parallel, &job, add_block_links);
  else
    {
      coarsen_run (parallel, &job, add_members);
      for (gsize k = 0; k < 6 * n; k++)
        if (coarse->conductance[k] == 0.0f)
          coarse->own_neighbour[k] = (gint32) n;
    }
  g_mutex_clear (&job.extra_lock);
  ok = !job.out_of_memory && store_extra_links (&job);
  g_free (job.extra);
  return ok;
}

static gboolean
level_factorise (Level *lv)
{
  const Level *a = lv;
  gsize n = a->n;
  double *L;

  L = lv->cholesky = g_try_new0 (double, n * n + MAX (n, 1));
  if (L == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      L[i * n + i] = level_diagonal (a, i);
      for (guint segment = 0; segment < 2; segment++)
        {
          const gint32 *to;
          const float *g;
          float uniform[6];
          gsize m = level_links (a, i, segment, &to, &g, uniform);

          for (gsize k = 0; k < m; k++)
            if ((gsize) to[k] < n)
              L[i * n + to[k]] -= g[k];
        }
    }
  for (gsize j = 0; j < n; j++)
    {
      double *Lj = &L[j * n];
      double s = Lj[j];

      for (gsize k = 0; k < j; k++)
        s -= Lj[k] * Lj[k];
      s = sqrt (MAX (s, G_MINDOUBLE));
      Lj[j] = s;
      for (gsize i = j + 1; i < n; i++)
        {
          double *Li = &L[i * n];
          double t = Li[j];

          for (gsize k = 0; k < j; k++)
            t -= Li[k] * Lj[k];
          Li[j] = t / s;
        }
    }
  return TRUE;
}

static void
level_solve_directly (Level *lv)
{
  gsize n = lv->n;
  const double *L = lv->cholesky;
  double *y = lv->cholesky + n * n;

  for (gsize i = 0; i < n; i++)
    {
      double s = lv->b[i];
      for (gsize k = 0; k < i; k++)
        s -= L[i * n + k] * y[k];
      y[i] = s / L[i * n + i];
    }
  for (gsize i = n; i-- > 0;)
    {
      double s = y[i];
      for (gsize k = i + 1; k < n; k++)
        s -= L[k * n + i] * y[k];
      y[i] = s / L[i * n + i];
      lv->x[i] = (float) y[i];
    }
}

/* The lists of level @coarse's unknowns that hold a face term (see Level):
 * the aggregates of the fine level's, each once, in their order. @slot: one
 * per coarse unknown, all -1 (and so left). FALSE when out of memory. */
static gboolean
level_find_faces (Level *fine, Level *coarse, gint32 *slot)
{
  for (guint f = 0; f < 6; f++)
    {
      gsize m = 0;

      coarse->own_face[f] = g_try_new (gint32, MAX (fine->face_n[f], 1));
      fine->face_parent[f] = g_try_new (guint32, MAX (fine->face_n[f], 1));
      if (coarse->own_face[f] == NULL || fine->face_parent[f] == NULL)
        return FALSE;
      for (gsize k = 0; k < fine->face_n[f]; k++)
        {
          gint32 I = fine->aggregate[fine->face[f][k]];

          if (slot[I] < 0)
            {
              slot[I] = (gint32) m;
              coarse->own_face[f][m++] = I;
            }
          fine->face_parent[f][k] = (guint32) slot[I];
        }
      coarse->face[f] = coarse->own_face[f];
      coarse->face_n[f] = m;
      coarse->face_base[f] = g_try_new (float, MAX (m, 1));
      if (coarse->face_base[f] == NULL)
        return FALSE;
      for (gsize k = 0; k < m; k++)
        {
          coarse->face_base[f][k] = coarse->diagonal[coarse->face[f][k]];
          slot[coarse->face[f][k]] = -1;
        }
    }
  return TRUE;
}

/* The range of unknowns per plane and colour: cells are numbered red first,
 * then black, each in grid order. */
static gboolean
level_find_planes (Level *lv)
{
  gsize nz = lv->dims[2], nxy = lv->dims[0] * lv->dims[1];

  lv->plane_start = g_try_new0 (gsize, 2 * (nz + 1));
  lv->plane_done = g_try_new0 (gint, MAX (nz, 1));
  if (lv->plane_start == NULL || lv->plane_done == NULL)
    return FALSE;
  for (guint colour = 0; colour < 2; colour++)
    {
      gsize *start = &lv->plane_start[colour * (nz + 1)];
      gsize first = colour == 0 ? 0 : lv->n_red, last = colour == 0 ? lv->n_red : lv->n;
      gsize i = first;

      for (gsize z = 0; z < nz; z++)
        {
          start[z] = i;
          while (i < last && lv->cell[i] < (z + 1) * nxy)
            i++;
        }
      start[nz] = last;
      g_assert (i == last);
    }
  return TRUE;
}

/* Level 0: float copies of the solver's matrix. */
static gboolean
level_init_top (Level *top, const CbdMgMatrix *matrix)
{
  gsize n = matrix->n;

  top->n = n;
  top->n_red = matrix->n_red;
  memcpy (top->dims, matrix->dims, sizeof top->dims);
  top->cell = matrix->cell;
  top->neighbour = matrix->neighbour;
  top->pattern = matrix->pattern;
  for (guint d = 0; d < 3; d++)
    top->axis_conductance[d] = (float) matrix->axis_conductance[d];
  for (guint p = 0; p < 256; p++)
    {
      top->pattern_diagonal[p] = (float) matrix->pattern_diagonal[p];
      top->pattern_inverse[p] = (float) (1.0 / matrix->pattern_diagonal[p]);
    }
  if (matrix->diagonal != NULL)
    {
      top->diagonal = cbd_grid_try_new (float, MAX (n, 1));
      top->inverse_diagonal = cbd_grid_try_new (float, MAX (n, 1));
      if (top->diagonal == NULL || top->inverse_diagonal == NULL)
        return FALSE;
      /* Without the driven faces' terms, for the coarse levels'
       * Galerkin products: the links' sum (0 where there is none), as the
       * solver sums them. cbd_multigrid_drive sets the faces. */
      for (gsize i = 0; i < n; i++)
        {
          const double *g = &matrix->conductance[6 * i];
          double links = 0.0;

          for (guint k = 0; k < 6; k++)
            links += g[k];
          top->diagonal[i] = (float) links;
          top->inverse_diagonal[i] = (float) (1.0 / links);
        }
    }
  for (guint f = 0; f < 6; f++)
    {
      top->face[f] = matrix->face[f];
      top->face_n[f] = matrix->face_n[f];
    }
  if (matrix->conductance != NULL)
    {
      top->conductance = cbd_grid_try_new (float, 6 * MAX (n, 1));
      if (top->conductance == NULL)
        return FALSE;
      for (gsize k = 0; k < 6 * n; k++)
        top->conductance[k] = (float) matrix->conductance[k];
    }
  return TRUE;
}

/* Where the unknowns sit in the box, with their inverse diagonals. */
static double
box_place_chunk (gpointer data, gsize lo, gsize hi)
{
  Level *lv = data;
  CbdMgBox *box = &lv->box;
  CbdGridWalker walker;

  cbd_grid_walker_init (&walker, lv->dims);
  for (gsize i = lo; i < hi; i++)
    {
      const gsize *xyz = cbd_grid_walk (&walker, lv->cell[i]);
      gsize position = cbd_mg_box_row_start (box, (xyz[0] + xyz[1] + xyz[2]) & 1, xyz[1], xyz[2]) + xyz[0] / 2;

      lv->box_position[i] = (guint32) position;
      box->inverse[position] = level_inverse_diagonal (lv, i);
    }
  return 0.0;
}

/* Where each unknown of the next level finds its block: in the dense grid
 * of blocks for the prolongation, in the box's red residual rows for the
 * restriction. */
static double
box_place_coarse_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  Level *lv = job->level;
  const Level *coarse = job->coarse;
  gsize half_up = lv->box.half_up, cy = (lv->dims[1] + 1) / 2, ny = lv->dims[1];
  CbdGridWalker walker;

  cbd_grid_walker_init (&walker, coarse->dims);
  for (gsize I = lo; I < hi; I++)
    {
      const gsize *xyz = cbd_grid_walk (&walker, coarse->cell[I]);

      lv->coarse_dense[I] = (guint32) (xyz[0] + half_up * (xyz[1] + cy * xyz[2]));
      lv->coarse_residual[I] = (guint32) (xyz[0] + half_up * (2 * xyz[1] + (ny + 1) * 2 * xyz[2]));
    }
  return 0.0;
}

/* The lists for the members of split blocks (see Level): their aggregates
 * are marked SPLIT in coarse_residual. FALSE when out of memory. */
static gboolean
box_split_setup (Level *lv, const Level *coarse)
{
  const gsize *dims = lv->dims;
  gsize nz = dims[2], n_cells = 0;
  g_autofree gint32 *split_of = cbd_grid_try_new (gint32, MAX (coarse->n, 1));
  CbdGridWalker walker;

  if (split_of == NULL)
    return FALSE;
  for (gsize I = 0; I < coarse->n; I++)
    {
      gboolean split = (I > 0 && coarse->cell[I - 1] == coarse->cell[I]) ||
                       (I + 1 < coarse->n && coarse->cell[I + 1] == coarse->cell[I]);

      split_of[I] = split ? (gint32) lv->n_split++ : -1;
      if (split)
        lv->coarse_residual[I] = SPLIT;
    }
  lv->split_coarse = g_try_new (gint32, MAX (lv->n_split, 1));
  lv->split_start = g_try_new0 (gsize, lv->n_split + 1);
  lv->split_cell_start = g_try_new0 (gsize, nz + 1);
  if (!lv->split_coarse || !lv->split_start || !lv->split_cell_start)
    return FALSE;
  for (gsize I = 0; I < coarse->n; I++)
    if (split_of[I] >= 0)
      lv->split_coarse[split_of[I]] = (gint32) I;

  /* Count, then place the red members (the residual and the correction
   * live on the red cells), per aggregate and per plane. */
  cbd_grid_walker_init (&walker, dims);
  for (gsize i = 0; i < lv->n_red; i++)
    {
      gint32 s = split_of[lv->aggregate[i]];
      const gsize *xyz;

      /* Few unknowns are in split blocks: walk to those only. */
      if (s < 0)
        continue;
      xyz = cbd_grid_walk (&walker, lv->cell[i]);
      lv->split_start[s + 1]++;
      lv->split_cell_start[xyz[2] + 1]++;
      n_cells++;
    }
  for (gsize s = 0; s < lv->n_split; s++)
    lv->split_start[s + 1] += lv->split_start[s];
  for (gsize z = 0; z < nz; z++)
    lv->split_cell_start[z + 1] += lv->split_cell_start[z];
  lv->split_offset = g_try_new (guint32, MAX (lv->split_start[lv->n_split], 1));
  lv->split_cell_position = g_try_new (guint32, MAX (n_cells, 1));
  lv->split_cell_coarse = g_try_new (gint32, MAX (n_cells, 1));
  if (!lv->split_offset || !lv->split_cell_position || !lv->split_cell_coarse)
    return FALSE;
  {
    g_autofree gsize *next_offset = g_try_new (gsize, lv->n_split + 1);
    g_autofree gsize *next_cell = g_try_new (gsize, nz + 1);

    if (next_offset == NULL || next_cell == NULL)
      return FALSE;
    memcpy (next_offset, lv->split_start, (lv->n_split + 1) * sizeof (gsize));
    memcpy (next_cell, lv->split_cell_start, (nz + 1) * sizeof (gsize));
    cbd_grid_walker_init (&walker, dims);
    for (gsize i = 0; i < lv->n_red; i++)
      {
        gint32 I = lv->aggregate[i], s = split_of[I];
        const gsize *xyz;
        gsize at;

        if (s < 0)
          continue;
        xyz = cbd_grid_walk (&walker, lv->cell[i]);
        lv->split_offset[next_offset[s]++] =
          (guint32) (xyz[0] / 2 + lv->box.half_up * (xyz[1] + (dims[1] + 1) * xyz[2]));
        at = next_cell[xyz[2]]++;
        lv->split_cell_position[at] = lv->box_position[i];
        lv->split_cell_coarse[at] = I;
      }
  }
  return TRUE;
}

/* Moves level 0 onto the box: its inverse diagonal per cell, where each
 * unknown sits, where each unknown of the next level has its block. FALSE
 * when out of memory. */
static gboolean
box_setup (CbdMultigrid *mg)
{
  Level *lv = &mg->level[0], *coarse = &mg->level[1];
  CbdMgBox *box = &lv->box;
  const gsize *dims = lv->dims;
  gsize cy = (dims[1] + 1) / 2, cz = (dims[2] + 1) / 2;

  box->row = cbd_mg_box_row_stride (dims[0], &box->half_up);
  box->plane = box->row * (dims[1] + 2);
  box->size = box->plane * (dims[2] + 2);
  memcpy (box->dims, dims, sizeof box->dims);
  memcpy (box->g, lv->axis_conductance, sizeof box->g);
  box->x = cbd_grid_try_new0 (float, 2 * box->size);
  box->b = cbd_grid_try_new0 (float, 2 * box->size);
  box->inverse = cbd_grid_try_new0 (float, 2 * box->size);
  box->residual = cbd_grid_try_new0 (float, (dims[2] + 1) * (dims[1] + 1) * box->half_up);
  box->coarse_x = cbd_grid_try_new0 (float, cz * cy * box->half_up);
  lv->box_position = cbd_grid_try_new (guint32, MAX (lv->n, 1));
  lv->coarse_dense = cbd_grid_try_new (guint32, MAX (coarse->n, 1));
  lv->coarse_residual = cbd_grid_try_new (guint32, MAX (coarse->n, 1));
  if (!box->x || !box->b || !box->inverse || !box->residual || !box->coarse_x ||
      !lv->box_position || !lv->coarse_dense || !lv->coarse_residual)
    return FALSE;

  cbd_parallel_for (mg->parallel, lv->n, box_place_chunk, lv);
  {
    LevelJob job = { lv, coarse };

    cbd_parallel_for (mg->parallel, coarse->n, box_place_coarse_chunk, &job);
  }
  return box_split_setup (lv, coarse);
}

/* Level 0 goes onto the box when it is dense (at least BOX_MIN_FILL of
 * its box cells are unknowns) and its conductances are uniform per axis. */
static gboolean
box_wanted (const Level *top, const CbdMgMatrix *matrix)
{
  gsize n_cells = top->dims[0] * top->dims[1] * top->dims[2];
  gsize row = cbd_mg_box_row_stride (top->dims[0], NULL);

  return top->n >= BOX_MIN_FILL * n_cells &&
         2.0 * row * (top->dims[1] + 2) * (top->dims[2] + 2) < (double) G_MAXUINT32 &&
         matrix->conductance == NULL && matrix->diagonal == NULL;
}

/* Drops a coarse level again, with the fine level's map onto it. */
static void
level_drop_coarse (Level *fine, Level *coarse)
{
  level_clear (coarse);
  g_free (coarse->x);
  g_free (coarse->b);
  memset (coarse, 0, sizeof *coarse);
  g_clear_pointer (&fine->aggregate, g_free);
  g_clear_pointer (&fine->r, g_free);
}

CbdMultigrid *
cbd_multigrid_new (const CbdMgMatrix *matrix,
                   CbdParallel       *parallel)
{
  g_autoptr(CbdMultigrid) mg = g_try_new0 (CbdMultigrid, 1);
  g_autofree gint32 *slot = NULL;
  gboolean top_on_box;

  if (mg == NULL)
    return NULL;
  mg->parallel = parallel;
  mg->n_levels = 1;
  if (!level_init_top (&mg->level[0], matrix))
    return NULL;
  top_on_box = box_wanted (&mg->level[0], matrix);

  while (mg->level[mg->n_levels - 1].n > COARSEST_SIZE && mg->n_levels < MAX_LEVELS)
    {
      Level *fine = &mg->level[mg->n_levels - 1];
      Level *coarse = &mg->level[mg->n_levels];
      gboolean lists = mg->n_levels > 1 || !top_on_box;

      mg->n_levels++;
      if ((fine->plane_start == NULL && !level_find_planes (fine)) ||
          !level_coarsen (fine, coarse, lists, parallel))
        return NULL;
      if (coarse->n == fine->n)
        {
          /* Nothing left to merge (a grid of single cells): solve here. */
          level_drop_coarse (fine, coarse);
          mg->n_levels--;
          break;
        }
      if (mg->n_levels == 2)
        {
          mg->face_sum = g_try_new (float, MAX (coarse->n, 1));
          slot = g_try_new (gint32, MAX (coarse->n, 1));
          if (mg->face_sum == NULL || slot == NULL)
            return NULL;
          for (gsize I = 0; I < coarse->n; I++)
            slot[I] = -1;
        }
      if (!level_find_faces (fine, coarse, slot))
        return NULL;
    }
  g_clear_pointer (&slot, g_free);

  for (guint l = 0; l < mg->n_levels; l++)
    {
      Level *lv = &mg->level[l];

      lv->sweeps = l > 0 ? COARSE_SWEEPS : top_on_box ? FINE_SWEEPS : FINE_LIST_SWEEPS;
      lv->correction_scale = l > 0 ? COARSE_CORRECTION_SCALE : FINE_CORRECTION_SCALE;
      if (lv->plane_start == NULL && !level_find_planes (lv))
        return NULL;
      if (l == 0 && (lv->plane_dot = g_try_new0 (double, MAX (lv->dims[2], 1))) == NULL)
        return NULL;
      lv->pipeline = level_window_bytes (lv, l == 0 && top_on_box) > PIPELINE_MIN_WINDOW;
      for (guint side = 0; side < 2; side++)
        {
          gsize most = 1;

          for (guint f = 0; f < 6; f++)
            most = MAX (most, lv->face_n[f]);
          if ((lv->face_term[side] = g_try_new (float, most)) == NULL)
            return NULL;
        }
      if (l == 0)
        continue;
      lv->inverse_diagonal = cbd_grid_try_new (float, MAX (lv->n, 1));
      if (lv->inverse_diagonal == NULL)
        return NULL;
      for (gsize i = 0; i < lv->n; i++)
        lv->inverse_diagonal[i] = 1.0f / lv->diagonal[i];
    }
  /* The coarsest level is solved directly, never on a box. */
  if (top_on_box && mg->n_levels > 1 && !box_setup (mg))
    return NULL;
  if (!cbd_multigrid_drive (mg, matrix))
    return NULL;
  for (guint l = 0; l < mg->n_levels; l++)
    g_debug ("level %u: %" G_GSIZE_FORMAT " unknowns", l, mg->level[l].n);
  return g_steal_pointer (&mg);
}

gboolean
cbd_multigrid_drive (CbdMultigrid      *mg,
                     const CbdMgMatrix *matrix)
{
  Level *top = &mg->level[0];
  guint a = matrix->driven_axis;

  /* Level 0: the matrix's own diagonals. */
  for (guint p = 0; p < 256; p++)
    {
      top->pattern_diagonal[p] = (float) matrix->pattern_diagonal[p];
      top->pattern_inverse[p] = (float) (1.0 / matrix->pattern_diagonal[p]);
    }
  for (guint f = 0; f < 6; f++)
    for (gsize k = 0; k < top->face_n[f]; k++)
      {
        gsize i = (gsize) top->face[f][k];

        if (top->diagonal != NULL)
          {
            top->diagonal[i] = (float) matrix->diagonal[i];
            top->inverse_diagonal[i] = (float) (1.0 / matrix->diagonal[i]);
          }
        if (level_on_box (top))
          top->box.inverse[top->box_position[i]] = level_inverse_diagonal (top, i);
      }
  for (guint side = 0; side < 2; side++)
    for (gsize k = 0; k < top->face_n[2 * a + side]; k++)
      top->face_term[side][k] = (float) matrix->face_conductance[side][k];

  /* Below: the diagonal without face terms plus the members' terms, as the
   * Galerkin product adds them (an unknown may lie on both driven faces). */
  for (guint l = 1; l < mg->n_levels; l++)
    {
      Level *lv = &mg->level[l], *fine = &mg->level[l - 1];
      float *sum = mg->face_sum;

      for (guint side = 0; side < 2; side++)
        {
          guint f = 2 * a + side;

          memset (lv->face_term[side], 0, MAX (lv->face_n[f], 1) * sizeof (float));
          for (gsize k = 0; k < fine->face_n[f]; k++)
            lv->face_term[side][fine->face_parent[f][k]] += fine->face_term[side][k];
        }
      for (guint f = 0; f < 6; f++)
        for (gsize k = 0; k < lv->face_n[f]; k++)
          sum[lv->face[f][k]] = 0.0f;
      for (guint side = 0; side < 2; side++)
        for (gsize k = 0; k < lv->face_n[2 * a + side]; k++)
          sum[lv->face[2 * a + side][k]] += lv->face_term[side][k];
      for (guint f = 0; f < 6; f++)
        for (gsize k = 0; k < lv->face_n[f]; k++)
          {
            gsize I = (gsize) lv->face[f][k];
            float diagonal = lv->face_base[f][k] + sum[I];

            lv->diagonal[I] = diagonal;
            lv->inverse_diagonal[I] = 1.0f / diagonal;
          }
    }

  g_clear_pointer (&mg->level[mg->n_levels - 1].cholesky, g_free);
  return level_factorise (&mg->level[mg->n_levels - 1]);
}

static void
run (CbdMultigrid *mg, CbdChunkFunc func, Level *lv, Level *coarse, gsize count)
{
  LevelJob job = { lv, coarse };

  cbd_parallel_for (mg->parallel, count, func, &job);
}

/* One cycle on level @l for its b, from x = 0 or from the current x. The
 * coarse problem is solved by W_CYCLES cycles (1: V-cycle, 2: W-cycle); the
 * result stays symmetric either way. */
static void
cycle (CbdMultigrid *mg, guint l, gboolean from_zero)
{
  Level *lv = &mg->level[l];
  Level *cv = &mg->level[l + 1];
  Pass pre = { lv, NULL, { 0 }, 0 }, post = { lv, cv, { 0 }, 0 };
  guint s = 0;

  if (l + 1 == mg->n_levels)
    {
      level_solve_directly (lv);
      return;
    }

  /* Red then black before, black then red after: a symmetric cycle. On
   * the box, level 0 copies the solver's vectors in and out. */
  if (level_on_box (lv) && l == 0)
    pass_add (&pre, STAGE_SCATTER);
  if (from_zero)
    {
      pass_add (&pre, STAGE_FIRST_RED);
      pass_add (&pre, STAGE_BLACK);
      s = 1;
    }
  for (; s < lv->sweeps; s++)
    {
      pass_add (&pre, STAGE_RED);
      pass_add (&pre, STAGE_BLACK);
    }
  pass_add (&pre, STAGE_RESIDUAL);
  pass_run (mg, &pre);
  if (level_on_box (lv))
    {
      run (mg, box_restrict_chunk, lv, cv, cv->n);
      run (mg, box_restrict_split_chunk, lv, cv, lv->n_split);
    }
  else
    restrict_run (mg, lv, cv);
  cycle (mg, l + 1, TRUE);
  for (guint c = 1; c < W_CYCLES && l + 2 < mg->n_levels; c++)
    cycle (mg, l + 1, FALSE);
  if (level_on_box (lv))
    run (mg, box_expand_chunk, lv, cv, cv->n);
  pass_add (&post, STAGE_PROLONG);
  for (s = 0; s < lv->sweeps; s++)
    {
      pass_add (&post, STAGE_BLACK);
      pass_add (&post, STAGE_RED);
    }
  if (l == 0)
    pass_add (&post, level_on_box (lv) ? STAGE_GATHER : STAGE_DOT);
  pass_run (mg, &post);
}

double
cbd_multigrid_apply (CbdMultigrid *mg,
                     const float  *r,
                     float        *z)
{
  Level *top = &mg->level[0];
  double dot = 0.0;

  top->b = (float *) r;
  top->x = z;
  cycle (mg, 0, TRUE);
  /* The last pass summed r·z per plane, unless there was none. */
  if (mg->n_levels == 1)
    for (gsize i = 0; i < top->n; i++)
      dot += (double) r[i] * z[i];
  else
    for (gsize plane = 0; plane < top->dims[2]; plane++)
      dot += top->plane_dot[plane];
  top->b = NULL;
  top->x = NULL;
  return dot;
}
