/* cbd-multigrid.c — aggregation multigrid preconditioner for voxel conduction
 *
 * Unsmoothed aggregation of 2×2×2 blocks of cells with the exact Galerkin
 * coarse operator PᵀAP. Every level is again a set of cells on a grid coupled
 * to its 6 face neighbours, so each is stored like the fine matrix and
 * smoothed by red-black Gauss-Seidel: red then black before the coarse
 * correction, black then red after it, which keeps the V-cycle symmetric as
 * conjugate gradients need. The coarse correction is scaled by 2, the usual
 * remedy for the too-weak correction of unsmoothed aggregation. Each coarse
 * problem is solved by two cycles (a W-cycle), which stays symmetric too. The
 * coarsest level is factorised densely (Cholesky).
 *
 * The vectors are single precision: a preconditioner only has to be a good
 * approximation, and halving the bytes moved is what makes it fast.
 *
 * The solve is bound by memory traffic, so two layouts and one schedule
 * serve it:
 * - a level is a list of unknowns (red first, then black, each in grid
 *   order) with 6 neighbour indices, or, when at least BOX_MIN_FILL of its
 *   box is unknowns, the box itself in checkerboard-split rows
 *   (cbd-multigrid-box.h): no indices, whole vectors. Level 0 goes there
 *   with uniform conductances, levels 1 and 2 with their links per cell.
 * - every pre-smoothing (its half-sweeps and the residual) and every
 *   post-smoothing (the prolongation and its half-sweeps) is one wavefront
 *   through the planes of the level, so the planes it works on stay in cache
 *   between stages (see "Smoothing passes" below). The arithmetic is that of
 *   the stages one after the other, so results do not depend on the number
 *   of threads.
 *
 * The solver drives one axis after another through the same unknowns, so
 * the hierarchy is built without the driven faces' terms in its diagonals,
 * and cbd_multigrid_drive adds them per axis: on each level only to the
 * unknowns they reach (the blocks of those on a face), as the Galerkin
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
#define COARSE_SCALE 2.0f
#define FINE_SWEEPS 3          /* red-black sweeps per side on the finest level */
/* The same when the finest level is a list: its sweeps gather through
 * indices and cost more per unknown than the box's, so fewer of them and a
 * few more iterations are cheaper (a box level 0 loses with 2: 9 → 10-11
 * iterations on the 128³ cutout). */
#define FINE_LIST_SWEEPS 2
#define COARSE_SWEEPS 3
#define W_CYCLES 2             /* cycles solving each coarse problem */
/* The finest level lives on the full box when at least this fraction of the
 * box is unknowns (and the conductances are uniform per axis). */
#define BOX_MIN_FILL 0.35
#define MAX_BOX_LEVEL 2        /* the coarser levels are small enough as lists */
/* Levels with fewer unknowns run on one thread. */
#define PARALLEL_MIN_UNKNOWNS 32768

/* One level: the matrix in single precision. Level 0 borrows the solver's
 * cells, neighbours and patterns; coarse levels own theirs. */
typedef struct
{
  gsize          n, n_red, dims[3];
  const guint32 *cell;
  const gint32  *neighbour;
  float         *conductance;   /* 6 per unknown, or NULL: axis_conductance */
  float          axis_conductance[3];
  float         *diagonal;      /* per unknown, or NULL: from the pattern */
  float         *inverse_diagonal;
  const guint8  *pattern;
  float          pattern_diagonal[256], pattern_inverse[256];
  guint32       *own_cell;
  gint32        *own_neighbour;
  float         *x, *b, *r;     /* x holds n + 1 values, x[n] = 0 */
  gint32        *aggregate;     /* unknown → coarse unknown */
  double        *cholesky;      /* coarsest level: n×n lower factor */
  guint          sweeps;
  /* Unknowns of plane z (the grid's slowest axis): red ones from
   * plane_start[z] to plane_start[z + 1], black ones from
   * plane_start[nz + 1 + z] to plane_start[nz + 2 + z]. */
  gsize         *plane_start;
  gint          *plane_done;    /* stages finished per plane during a pass */
  /* The level on the full box (cbd-multigrid-box.h), or box.x == NULL; its
   * x and b are then the box's, except on level 0, whose x and b (the
   * solver's vectors) are copied in and out. */
  CbdMgBox       box;
  guint32       *box_position;     /* unknown → its box cell */
  guint32       *coarse_dense;     /* next level's unknown → box.coarse_x */
  guint32       *coarse_residual;  /* next level's unknown → its block in box.residual */
  /* Per face of the grid (2 d + side): the unknowns whose diagonal holds a
   * term of that face when it is driven (level 0: those on the face; below:
   * the blocks holding such unknowns), their diagonals without it (coarse
   * levels), each one's place in the next level's list, and while the
   * faces of an axis are driven, their terms. */
  const gint32  *face[6];
  gint32        *own_face[6];
  gsize          face_n[6];
  float         *face_base[6];
  guint32       *face_parent[6];
  float         *face_term[2];
} Level;

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

/* The neighbours of one unknown weighted by per-axis conductances. */
static inline float
uniform_neighbour_sum (const gint32 *n6, const float *x, float g0, float g1, float g2)
{
  return g0 * (x[n6[0]] + x[n6[1]]) + g1 * (x[n6[2]] + x[n6[3]]) + g2 * (x[n6[4]] + x[n6[5]]);
}

/* The weighted sum of the neighbours of unknown i. */
static inline float
neighbour_sum (const Level *a, const float *x, gsize i)
{
  const gint32 *nb = &a->neighbour[6 * i];

  if (a->conductance == NULL)
    return uniform_neighbour_sum (nb, x, a->axis_conductance[0], a->axis_conductance[1],
                                  a->axis_conductance[2]);
  else
    {
      const float *g = &a->conductance[6 * i];
      return g[0] * x[nb[0]] + g[1] * x[nb[1]] + g[2] * x[nb[2]]
           + g[3] * x[nb[3]] + g[4] * x[nb[4]] + g[5] * x[nb[5]];
    }
}

double
cbd_mg_matrix_apply (const CbdMgMatrix *a, const double *x, double *y, gsize lo, gsize hi)
{
  const double *restrict in = x;
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
          double sum = g0 * (in[n6[0]] + in[n6[1]]) + g1 * (in[n6[2]] + in[n6[3]]) + g2 * (in[n6[4]] + in[n6[5]]);
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

/* One Gauss-Seidel pass over one colour. Everything the loop reads is copied
 * into locals first: the stores to x could otherwise alias them (the build
 * uses -fno-strict-aliasing) and force reloads in every iteration. */
static void
sweep_range (const Level *lv, gsize first, gsize last)
{
  float *restrict x = lv->x;
  const float *restrict b = lv->b;
  const gint32 *restrict nb = lv->neighbour;

  if (lv->conductance == NULL && lv->inverse_diagonal == NULL)
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
        {
          const gint32 *n6 = &nb[6 * i];
          const float *g6 = &g[6 * i];
          float sum = g6[0] * x[n6[0]] + g6[1] * x[n6[1]] + g6[2] * x[n6[2]]
                    + g6[3] * x[n6[3]] + g6[4] * x[n6[4]] + g6[5] * x[n6[5]];
          x[i] = (b[i] + sum) * inverse[i];
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

/* The residual, streamed, then summed per block by the coarse level: both
 * passes stay in memory order where it matters (the fine arrays). */
static void
residual_range (const Level *lv, gsize lo, gsize hi)
{
  const float *restrict x = lv->x;
  const float *restrict b = lv->b;
  float *restrict r = lv->r;

  if (lv->conductance == NULL && lv->diagonal == NULL)
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
    for (gsize i = lo; i < hi; i++)
      r[i] = b[i] - level_diagonal (lv, i) * x[i] + neighbour_sum (lv, x, i);
}

/* The coarse right-hand side: each thread takes whole pairs of fine planes
 * (whole blocks) and adds the red residuals of their unknowns in order to
 * their blocks, so each block sums its members in the same order for any
 * number of threads (the black residual is 0). */
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
  float *restrict b = level_on_box (cv) ? cv->box.b : cv->b;
  const guint32 *restrict position = level_on_box (cv) ? cv->box_position : NULL;

  for (guint colour = 0; colour < 2; colour++)
    for (gsize I = cv->plane_start[colour * (cnz + 1) + c0]; I < cv->plane_start[colour * (cnz + 1) + c1]; I++)
      b[position != NULL ? position[I] : I] = 0.0f;
  for (gsize i = lv->plane_start[z0]; i < lv->plane_start[z1]; i++)
    {
      gsize I = (gsize) aggregate[i];
      b[position != NULL ? position[I] : I] += r[i];
    }
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
 * has its 4 red cells at the same j in 4 rows. */
static double
box_restrict_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  const Level *lv = job->level, *cv = job->coarse;
  const float *restrict r = lv->box.residual;
  const guint32 *restrict block_start = lv->coarse_residual;
  gsize row = lv->box.half_up, plane = (lv->box.dims[1] + 1) * row;

  for (gsize I = lo; I < hi; I++)
    {
      const float *block = r + block_start[I];
      float sum = (block[0] + block[row]) + (block[plane] + block[plane + row]);

      if (level_on_box (cv))
        cv->box.b[cv->box_position[I]] = sum;
      else
        cv->b[I] = sum;
    }
  return 0.0;
}

static double
box_expand_chunk (gpointer data, gsize lo, gsize hi)
{
  const LevelJob *job = data;
  const Level *lv = job->level, *cv = job->coarse;
  float *restrict dense = lv->box.coarse_x;
  const guint32 *restrict dense_index = lv->coarse_dense;

  for (gsize I = lo; I < hi; I++)
    dense[dense_index[I]] = level_on_box (cv) ? cv->box.x[cv->box_position[I]] : cv->x[I];
  return 0.0;
}

static void
prolong_range (const Level *lv, const Level *coarse, gsize lo, gsize hi)
{
  float *restrict x = lv->x;
  const gint32 *restrict aggregate = lv->aggregate;

  if (level_on_box (coarse))
    {
      const float *restrict coarse_x = coarse->box.x;
      const guint32 *restrict position = coarse->box_position;

      for (gsize i = lo; i < hi; i++)
        x[i] += COARSE_SCALE * coarse_x[position[aggregate[i]]];
    }
  else
    {
      const float *restrict coarse_x = coarse->x;

      for (gsize i = lo; i < hi; i++)
        x[i] += COARSE_SCALE * coarse_x[aggregate[i]];
    }
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
 * stage counter. */

typedef enum
{
  STAGE_SCATTER,     /* level 0 on the box: the solver's b into the box */
  STAGE_FIRST_RED,   /* red from x = 0 (black x is not read before its sweep) */
  STAGE_RED,
  STAGE_BLACK,
  STAGE_RESIDUAL,
  STAGE_PROLONG,
  STAGE_GATHER,      /* level 0 on the box: x out of the box to the solver */
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
        cbd_mg_box_prolong_plane (&lv->box, z, COARSE_SCALE);
        return;
      case STAGE_GATHER:
        {
          const guint32 *restrict position = lv->box_position;
          float *restrict x = lv->x;
          const float *restrict box_x = lv->box.x;

          for (gsize i = red_lo; i < red_hi; i++)
            x[i] = box_x[position[i]];
          for (gsize i = black_lo; i < black_hi; i++)
            x[i] = box_x[position[i]];
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
      prolong_range (lv, pass->coarse, red_lo, red_hi);
      prolong_range (lv, pass->coarse, black_lo, black_hi);
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

static void
pass_run (CbdMultigrid *mg, Pass *pass)
{
  Level *lv = pass->level;
  gsize nz = lv->dims[2];
  guint max_members = 1;

  if (lv->n >= PARALLEL_MIN_UNKNOWNS)
    max_members = (guint) MIN (nz / MIN_SLAB_PLANES, G_MAXUINT);
  memset (lv->plane_done, 0, nz * sizeof (gint));
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
  g_free (lv->own_neighbour);
  g_free (lv->conductance);
  g_free (lv->diagonal);
  g_free (lv->inverse_diagonal);
  g_free (lv->r);
  g_free (lv->aggregate);
  g_free (lv->cholesky);
  g_free (lv->plane_start);
  g_free (lv->plane_done);
  g_free (lv->box.x);
  g_free (lv->box.b);
  g_free (lv->box.inverse);
  for (guint d = 0; d < 3; d++)
    g_free (lv->box.link[d]);
  g_free (lv->box.residual);
  g_free (lv->box.coarse_x);
  g_free (lv->box_position);
  g_free (lv->coarse_dense);
  g_free (lv->coarse_residual);
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
  const Level *lv = &mg->level[l];

  g_return_val_if_fail (l < mg->n_levels && i < lv->n, NAN);

  /* A box level keeps only the inverse (its list form is gone). */
  if (level_on_box (lv))
    return 1.0 / lv->box.inverse[lv->box_position[i]];
  return level_diagonal (lv, i);
}

static float
link_conductance (const Level *a, gsize i, guint k)
{
  return a->conductance != NULL ? a->conductance[6 * i + k] : a->axis_conductance[k / 2];
}

/* The coarsening, by threads: each takes whole pairs of planes (whole
 * 2×2×2 blocks) and within them the red unknowns, then the black ones, so
 * every block sees its members in the same order as one thread would, and
 * no two threads write the same block. */
typedef struct
{
  Level        *fine, *coarse;
  gint32       *map;        /* coarse grid cell → coarse unknown */
  gsize         cd[3];      /* the coarse grid */
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

/* Marks the occupied coarse cells; each unknown keeps its cell for now. */
static void
mark_block (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const gsize *cd = job->cd;
  gsize c = xyz[0] / 2 + cd[0] * (xyz[1] / 2 + cd[1] * (xyz[2] / 2));

  job->map[c] = -2;
  job->fine->aggregate[i] = (gint32) c;
}

static void
number_block (CoarsenJob *job, gsize i, const gsize *xyz)
{
  job->fine->aggregate[i] = job->map[job->fine->aggregate[i]];
}

/* Galerkin, uniform per axis with the neighbours known from the pattern:
 * whether a link stays inside the block follows from the coordinate's
 * parity. The diagonal without the driven faces' terms (cbd_multigrid_drive
 * adds them). */
static void
add_uniform_member (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const Level *fine = job->fine;
  Level *coarse = job->coarse;
  gsize I = (gsize) fine->aggregate[i];
  guint pattern = fine->pattern[i] & ~(CBD_MG_INLET | CBD_MG_OUTLET);
  float diagonal = coarse->diagonal[I] + fine->pattern_diagonal[pattern];
  float *conductance = &coarse->conductance[6 * I];

  /* Without branches (the patterns are irregular): a link adds g × 0
   * where it does not apply, which changes nothing. */
  for (guint k = 0; k < 6; k++)
    {
      guint present = (pattern >> k) & 1;
      guint inside = (guint) (xyz[k / 2] & 1) ^ (k & 1);
      float g = fine->axis_conductance[k / 2];

      diagonal -= g * (float) (present & inside);
      conductance[k] += g * (float) (present & (inside ^ 1));
    }
  coarse->diagonal[I] = diagonal;
}

/* Galerkin with conductances per link and the neighbours from the lists. */
static void
add_linked_member (CoarsenJob *job, gsize i, const gsize *xyz)
{
  const Level *fine = job->fine;
  Level *coarse = job->coarse;
  gint32 I = fine->aggregate[i];
  float diagonal = coarse->diagonal[I] + level_diagonal (fine, i);

  for (guint k = 0; k < 6; k++)
    {
      gint32 j = fine->neighbour[6 * i + k];
      float g;

      if ((gsize) j >= fine->n)
        continue;
      g = link_conductance (fine, i, k);
      if (fine->aggregate[j] == I)
        diagonal -= g;
      else
        {
          coarse->conductance[6 * (gsize) I + k] += g;
          coarse->own_neighbour[6 * (gsize) I + k] = fine->aggregate[j];
        }
    }
  coarse->diagonal[I] = diagonal;
}

/* One team function per step, so that each loop is compiled with its step
 * inlined (an indirect call per unknown would cost more than the step). */
static void
mark_member (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, TRUE, mark_block);
}

static void
number_member (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, FALSE, number_block);
}

static void
add_uniform_members (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, TRUE, add_uniform_member);
}

static void
add_linked_members (gpointer data, guint member, guint n_members)
{
  coarsen_each (data, member, n_members, FALSE, add_linked_member);
}

/* The coarse neighbours of a uniform level's coarsening, looked up once per
 * coarse link. */
static void
find_coarse_neighbours (gpointer data, guint member, guint n_members)
{
  CoarsenJob *job = data;
  Level *coarse = job->coarse;
  gsize cstride[3] = { 1, job->cd[0], job->cd[0] * job->cd[1] };
  gsize lo = coarse->n * member / n_members, hi = coarse->n * (member + 1) / n_members;

  for (gsize I = lo; I < hi; I++)
    for (guint k = 0; k < 6; k++)
      {
        gsize c = coarse->own_cell[I];

        coarse->own_neighbour[6 * I + k] = coarse->conductance[6 * I + k] != 0.0f
          ? job->map[(k & 1) ? c + cstride[k / 2] : c - cstride[k / 2]] : (gint32) coarse->n;
      }
}

static void
coarsen_run (CbdParallel *parallel, CoarsenJob *job, CbdTeamFunc func)
{
  guint max_members = 1;

  if (job->fine->n >= PARALLEL_MIN_UNKNOWNS)
    max_members = (guint) MIN ((job->fine->dims[2] + 1) / 2, G_MAXUINT);
  cbd_parallel_team (parallel, max_members, func, job);
}

/* Builds @coarse from 2×2×2 blocks of @fine; FALSE when out of memory.
 * @lists: also the fine residual, for the list form's restriction (a box
 * level restricts on its own). */
static gboolean
level_coarsen (Level *fine, Level *coarse, gboolean lists, CbdParallel *parallel)
{
  const Level *fa = fine;
  Level *ca = coarse;
  gsize cd[3], n_cells, n = 0, n_red = 0;
  g_autofree gint32 *map = NULL;
  gboolean uniform = fa->conductance == NULL && fa->pattern != NULL;
  CoarsenJob job = { fine, coarse, NULL, { 0 } };

  for (guint d = 0; d < 3; d++)
    cd[d] = (fa->dims[d] + 1) / 2;
  n_cells = cd[0] * cd[1] * cd[2];
  map = cbd_grid_try_new (gint32, n_cells);
  fine->aggregate = cbd_grid_try_new (gint32, MAX (fa->n, 1));
  if (map == NULL || fine->aggregate == NULL)
    return FALSE;

  for (gsize c = 0; c < n_cells; c++)
    map[c] = -1;
  job.map = map;
  memcpy (job.cd, cd, sizeof cd);
  coarsen_run (parallel, &job, mark_member);
  /* Number the occupied coarse cells, red (even coordinate sum) first. */
  for (guint colour = 0; colour < 2; colour++)
    for (gsize z = 0, c = 0; z < cd[2]; z++)
      for (gsize y = 0; y < cd[1]; y++)
        for (gsize x = 0; x < cd[0]; x++, c++)
          if (map[c] == -2 && ((x + y + z) & 1) == colour)
            {
              map[c] = (gint32) n++;
              n_red += colour == 0;
            }

  memcpy (ca->dims, cd, sizeof cd);
  ca->n = n;
  ca->n_red = n_red;
  coarse->own_cell = cbd_grid_try_new (guint32, MAX (n, 1));
  coarse->own_neighbour = cbd_grid_try_new (gint32, 6 * MAX (n, 1));
  coarse->conductance = cbd_grid_try_new0 (float, 6 * MAX (n, 1));
  coarse->diagonal = cbd_grid_try_new0 (float, MAX (n, 1));
  coarse->x = cbd_grid_try_new0 (float, n + 1);
  coarse->b = cbd_grid_try_new0 (float, n + 1);
  if (lists)
    fine->r = cbd_grid_try_new0 (float, MAX (fa->n, 1));
  if (!coarse->own_cell || !coarse->own_neighbour || !coarse->conductance ||
      !coarse->diagonal || !coarse->x || !coarse->b || (lists && !fine->r))
    return FALSE;
  ca->cell = coarse->own_cell;
  ca->neighbour = coarse->own_neighbour;

  for (gsize c = 0; c < n_cells; c++)
    if (map[c] >= 0)
      coarse->own_cell[map[c]] = (guint32) c;
  coarsen_run (parallel, &job, number_member);
  /* Galerkin: the diagonal sums the block's diagonals less its inner links
   * (seen from both sides); links leaving the block add up per direction. */
  if (uniform)
    {
      coarsen_run (parallel, &job, add_uniform_members);
      coarsen_run (parallel, &job, find_coarse_neighbours);
    }
  else
    {
      for (gsize k = 0; k < 6 * n; k++)
        coarse->own_neighbour[k] = (gint32) n;
      coarsen_run (parallel, &job, add_linked_members);
    }
  return TRUE;
}

static gboolean
level_factorise (Level *lv)
{
  const Level *a = lv;
  gsize n = a->n;
  double *L;

  L = lv->cholesky = g_try_new0 (double, MAX (n * n, 1));
  if (L == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      L[i * n + i] = level_diagonal (a, i);
      for (guint k = 0; k < 6; k++)
        if ((gsize) a->neighbour[6 * i + k] < n)
          L[i * n + a->neighbour[6 * i + k]] -= link_conductance (a, i, k);
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
  g_autofree double *y = g_new (double, MAX (n, 1));

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
 * the blocks of the fine level's, each once, in their order. @slot: one
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

/* Where the unknowns sit in the box, with their inverse diagonals and links. */
static double
box_place_chunk (gpointer data, gsize lo, gsize hi)
{
  Level *lv = data;
  CbdMgBox *box = &lv->box;
  gboolean links = lv->conductance != NULL;
  CbdGridWalker walker;

  cbd_grid_walker_init (&walker, lv->dims);
  for (gsize i = lo; i < hi; i++)
    {
      const gsize *xyz = cbd_grid_walk (&walker, lv->cell[i]);
      gsize position = cbd_mg_box_row_start (box, (xyz[0] + xyz[1] + xyz[2]) & 1, xyz[1], xyz[2]) + xyz[0] / 2;

      lv->box_position[i] = (guint32) position;
      box->inverse[position] = level_inverse_diagonal (lv, i);
      for (guint d = 0; d < 3 && links; d++)
        box->link[d][position] = lv->conductance[6 * i + 2 * d + 1];
    }
  return 0.0;
}

/* Moves level @l onto the box: its inverse diagonal (and on a coarse level
 * its links) per cell, where each unknown sits, where each unknown of the
 * next level has its block. FALSE when out of memory. */
static gboolean
box_setup (CbdMultigrid *mg, guint l)
{
  Level *lv = &mg->level[l], *coarse = &mg->level[l + 1];
  CbdMgBox *box = &lv->box;
  const gsize *dims = lv->dims;
  gsize cy = (dims[1] + 1) / 2, cz = (dims[2] + 1) / 2;
  gboolean links = lv->conductance != NULL;
  CbdGridWalker walker;

  box->row = cbd_mg_box_row_stride (dims[0], &box->half_up);
  box->plane = box->row * (dims[1] + 2);
  box->size = box->plane * (dims[2] + 2);
  memcpy (box->dims, dims, sizeof box->dims);
  memcpy (box->g, lv->axis_conductance, sizeof box->g);
  box->x = cbd_grid_try_new0 (float, 2 * box->size);
  box->b = cbd_grid_try_new0 (float, 2 * box->size);
  box->inverse = cbd_grid_try_new0 (float, 2 * box->size);
  for (guint d = 0; d < 3 && links; d++)
    if ((box->link[d] = cbd_grid_try_new0 (float, 2 * box->size)) == NULL)
      return FALSE;
  box->residual = cbd_grid_try_new0 (float, (dims[2] + 1) * (dims[1] + 1) * box->half_up);
  box->coarse_x = cbd_grid_try_new0 (float, cz * cy * box->half_up);
  lv->box_position = cbd_grid_try_new (guint32, MAX (lv->n, 1));
  lv->coarse_dense = cbd_grid_try_new (guint32, MAX (coarse->n, 1));
  lv->coarse_residual = cbd_grid_try_new (guint32, MAX (coarse->n, 1));
  if (!box->x || !box->b || !box->inverse || !box->residual || !box->coarse_x ||
      !lv->box_position || !lv->coarse_dense || !lv->coarse_residual)
    return FALSE;

  cbd_parallel_for (mg->parallel, lv->n, box_place_chunk, lv);
  cbd_grid_walker_init (&walker, coarse->dims);
  for (gsize I = 0; I < coarse->n; I++)
    {
      const gsize *xyz = cbd_grid_walk (&walker, coarse->cell[I]);

      lv->coarse_dense[I] = (guint32) (xyz[0] + box->half_up * (xyz[1] + cy * xyz[2]));
      lv->coarse_residual[I] = (guint32) (xyz[0] + box->half_up * (2 * xyz[1] + (dims[1] + 1) * 2 * xyz[2]));
    }
  return TRUE;
}

/* The list form's arrays the box level does not use any more. */
static void
box_drop_lists (Level *lv)
{
  if (lv->own_neighbour != NULL)
    {
      /* A coarse level: the box holds all of it. */
      g_clear_pointer (&lv->own_neighbour, g_free);
      g_clear_pointer (&lv->conductance, g_free);
      g_clear_pointer (&lv->diagonal, g_free);
      g_clear_pointer (&lv->inverse_diagonal, g_free);
      g_clear_pointer (&lv->x, g_free);
      g_clear_pointer (&lv->b, g_free);
      lv->neighbour = NULL;
    }
  g_clear_pointer (&lv->r, g_free);
  g_clear_pointer (&lv->aggregate, g_free);
}

/* A level goes onto the box when it is dense: at least BOX_MIN_FILL of its
 * box cells are unknowns. Level 0 also needs uniform conductances (the
 * per-link form is for the coarse levels); a coarse level may sit below a
 * list level (a sparse phase's first coarse level is denser). */
static gboolean
box_wanted (const CbdMultigrid *mg, guint l, const CbdMgMatrix *matrix)
{
  const Level *lv = &mg->level[l];
  gsize n_cells = lv->dims[0] * lv->dims[1] * lv->dims[2];
  gsize row = cbd_mg_box_row_stride (lv->dims[0], NULL);

  if (lv->n < BOX_MIN_FILL * n_cells ||
      2.0 * row * (lv->dims[1] + 2) * (lv->dims[2] + 2) >= (double) G_MAXUINT32)
    return FALSE;
  if (l == 0)
    return matrix->conductance == NULL && matrix->diagonal == NULL;
  return l <= MAX_BOX_LEVEL;
}

CbdMultigrid *
cbd_multigrid_new (const CbdMgMatrix *matrix,
                   CbdParallel       *parallel)
{
  g_autoptr(CbdMultigrid) mg = g_new0 (CbdMultigrid, 1);
  g_autofree gint32 *slot = NULL;
  gboolean on_box[MAX_LEVELS] = { FALSE };

  mg->parallel = parallel;
  mg->n_levels = 1;
  if (!level_init_top (&mg->level[0], matrix))
    return NULL;

  while (mg->level[mg->n_levels - 1].n > COARSEST_SIZE && mg->n_levels < MAX_LEVELS)
    {
      Level *fine = &mg->level[mg->n_levels - 1];
      Level *coarse = &mg->level[mg->n_levels];

      on_box[mg->n_levels - 1] = box_wanted (mg, mg->n_levels - 1, matrix);
      mg->n_levels++;
      if ((fine->plane_start == NULL && !level_find_planes (fine)) ||
          !level_coarsen (fine, coarse, !on_box[mg->n_levels - 2], parallel))
        return NULL;
      if (coarse->n == fine->n)
        {
          /* Nothing left to merge (a grid of single cells): solve here. */
          level_clear (coarse);
          g_free (coarse->x);
          g_free (coarse->b);
          memset (coarse, 0, sizeof *coarse);
          g_clear_pointer (&fine->aggregate, g_free);
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

      lv->sweeps = l > 0 ? COARSE_SWEEPS : on_box[0] ? FINE_SWEEPS : FINE_LIST_SWEEPS;
      if (lv->plane_start == NULL && !level_find_planes (lv))
        return NULL;
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
  for (guint l = 0; l + 1 < mg->n_levels; l++)
    {
      if (!on_box[l])
        continue;
      if (!box_setup (mg, l))
        return NULL;
      box_drop_lists (&mg->level[l]);
    }
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

            if (level_on_box (lv))
              lv->box.inverse[lv->box_position[I]] = 1.0f / diagonal;
            else
              {
                lv->diagonal[I] = diagonal;
                lv->inverse_diagonal[I] = 1.0f / diagonal;
              }
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
    run (mg, box_restrict_chunk, lv, cv, cv->n);
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
  if (level_on_box (lv) && l == 0)
    pass_add (&post, STAGE_GATHER);
  pass_run (mg, &post);
}

void
cbd_multigrid_apply (CbdMultigrid *mg,
                     const float  *r,
                     float        *z)
{
  Level *top = &mg->level[0];

  top->b = (float *) r;
  top->x = z;
  cycle (mg, 0, TRUE);
  top->b = NULL;
  top->x = NULL;
}
