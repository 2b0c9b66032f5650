/* cbd-solver.c — steady-state conduction through one voxel phase
 *
 * Finite volumes on voxel centres, unit conductance between face neighbours,
 * the driven faces held at 0 and 1 on the outer voxel face (half-voxel
 * conductance 2), no flux elsewhere: the TauFactor discretisation, so results
 * compare 1:1. Voxels not connected to both driven faces carry no current and
 * would make the system singular, so they are removed first.
 *
 * Conjugate gradients on a compact list of active voxels, preconditioned by
 * one V-cycle of aggregation multigrid (see "Multigrid preconditioner").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-solver"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-solver.h"

G_DEFINE_QUARK (cbd-solver-error-quark, cbd_solver_error)

enum { REACHED_INLET = 1, REACHED_OUTLET = 2 };

void
cbd_solver_options_init (CbdSolverOptions *options)
{
  options->tolerance = 1e-6;
  options->max_iterations = 100000;
  options->n_threads = 0;
}

typedef struct
{
  gsize   dims[3];
  gsize   stride[3];
  CbdAxis axis;
} Grid;

/* Marks with @bit every conducting voxel 6-connected to the face
 * axis == @face_index. */
static gboolean
flood_from_face (const Grid *grid, const guint8 *is_conducting, guint8 *marks,
                 gsize face_index, guint8 bit, gsize *queue)
{
  CbdAxis a = grid->axis, b = (a + 1) % 3, c = (a + 2) % 3;
  gsize head = 0, tail = 0;

  for (gsize j = 0; j < grid->dims[c]; j++)
    for (gsize i = 0; i < grid->dims[b]; i++)
      {
        gsize index = face_index * grid->stride[a] + i * grid->stride[b] + j * grid->stride[c];

        if (is_conducting[index] && !(marks[index] & bit))
          {
            marks[index] |= bit;
            queue[tail++] = index;
          }
      }

  while (head < tail)
    {
      gsize index = queue[head++];
      gsize coord[3] = {
        index % grid->dims[0],
        (index / grid->dims[0]) % grid->dims[1],
        index / (grid->dims[0] * grid->dims[1]),
      };

      for (guint d = 0; d < 3; d++)
        {
          if (coord[d] > 0)
            {
              gsize next = index - grid->stride[d];
              if (is_conducting[next] && !(marks[next] & bit))
                {
                  marks[next] |= bit;
                  queue[tail++] = next;
                }
            }
          if (coord[d] + 1 < grid->dims[d])
            {
              gsize next = index + grid->stride[d];
              if (is_conducting[next] && !(marks[next] & bit))
                {
                  marks[next] |= bit;
                  queue[tail++] = next;
                }
            }
        }
    }
  return TRUE;
}

/* The linear system on the active voxels only. */
typedef struct
{
  gsize    n_active;
  gsize    n_red;         /* active [0, n_red) have even coordinate sum */
  gint32  *neighbours;   /* 6 per active voxel, -1 where none */
  double  *diagonal;
  double  *rhs;
  guint8  *on_face;      /* bit 1 inlet, bit 2 outlet */
  gsize   *voxel;        /* active → volume index */
} System;

static void
system_clear (System *system)
{
  g_free (system->neighbours);
  g_free (system->diagonal);
  g_free (system->rhs);
  g_free (system->on_face);
  g_free (system->voxel);
}

static void
apply_operator (const System *system, const double *in, double *out)
{
  for (gsize i = 0; i < system->n_active; i++)
    {
      const gint32 *nb = &system->neighbours[6 * i];
      double sum = system->diagonal[i] * in[i];

      for (guint k = 0; k < 6; k++)
        if (nb[k] >= 0)
          sum -= in[nb[k]];
      out[i] = sum;
    }
}

static double
dot (const double *a, const double *b, gsize n)
{
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += a[i] * b[i];
  return sum;
}

static gboolean
out_of_memory (GError **error, const char *what)
{
  g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_NO_MEMORY,
               "Not enough memory for the %s of the transport solve", what);
  return FALSE;
}

static gboolean
build_system (const Grid *grid, const guint8 *marks, gsize n_voxels, System *system,
              GError **error)
{
  g_autofree gint32 *active_index = g_try_new (gint32, n_voxels);
  CbdAxis a = grid->axis;
  gsize n_active = 0;

  if (active_index == NULL)
    return out_of_memory (error, "voxel index");
  /* Red voxels (even coordinate sum) first, then black: the multigrid
   * smoother sweeps each colour as one contiguous block. */
  system->n_red = 0;
  for (guint colour = 0; colour < 2; colour++)
    {
      for (gsize cz = 0, index = 0; cz < grid->dims[2]; cz++)
        for (gsize cy = 0; cy < grid->dims[1]; cy++)
          for (gsize cx = 0; cx < grid->dims[0]; cx++, index++)
            {
              if (((cx + cy + cz) & 1) != colour)
                continue;
              if (marks[index] == (REACHED_INLET | REACHED_OUTLET))
                {
                  if (n_active >= G_MAXINT32)
                    return out_of_memory (error, "active voxel list (over 2^31 voxels)");
                  active_index[index] = n_active++;
                }
              else
                active_index[index] = -1;
            }
      if (colour == 0)
        system->n_red = n_active;
    }

  system->n_active = n_active;
  if (n_active == 0)
    return TRUE;
  system->neighbours = g_try_new (gint32, 6 * n_active);
  system->diagonal = g_try_new (double, n_active);
  system->rhs = g_try_new0 (double, n_active);
  system->on_face = g_try_new0 (guint8, n_active);
  system->voxel = g_try_new (gsize, n_active);
  if (!system->neighbours || !system->diagonal || !system->rhs || !system->on_face || !system->voxel)
    return out_of_memory (error, "linear system");

  for (gsize cz = 0, index = 0; cz < grid->dims[2]; cz++)
   for (gsize cy = 0; cy < grid->dims[1]; cy++)
    for (gsize cx = 0; cx < grid->dims[0]; cx++, index++)
    {
      gint32 i = active_index[index];
      gsize coord[3] = { cx, cy, cz };
      double diagonal = 0.0;

      if (i < 0)
        continue;
      system->voxel[i] = index;

      for (guint d = 0; d < 3; d++)
        {
          gint32 below = coord[d] > 0 ? active_index[index - grid->stride[d]] : -1;
          gint32 above = coord[d] + 1 < grid->dims[d] ? active_index[index + grid->stride[d]] : -1;

          system->neighbours[6 * i + 2 * d] = below;
          system->neighbours[6 * i + 2 * d + 1] = above;
          diagonal += (below >= 0) + (above >= 0);
        }
      /* Half a voxel to the driven face: conductance 2. */
      if (coord[a] == 0)
        {
          diagonal += 2.0;
          system->on_face[i] |= REACHED_INLET;
        }
      if (coord[a] == grid->dims[a] - 1)
        {
          diagonal += 2.0;
          system->rhs[i] = 2.0;   /* potential 1 at the outlet */
          system->on_face[i] |= REACHED_OUTLET;
        }
      system->diagonal[i] = diagonal;
    }
  return TRUE;
}

/* Multigrid preconditioner: unsmoothed aggregation of 2×2×2 blocks of active
 * voxels with the exact Galerkin coarse operator PᵀAP. Every level is again
 * a set of cells on a grid coupled to its 6 face neighbours, so each level is
 * stored like the fine system (6 neighbour indices and weights) and smoothed
 * by red-black Gauss-Seidel, red then black before the coarse correction and
 * black then red after it, which keeps the V-cycle symmetric for CG. The
 * coarsest level is factorised densely (Cholesky). */
#define MG_MAX_LEVELS 24
#define MG_COARSEST 700
#define MG_COARSE_SCALE 2.0
#define MG_SWEEPS 3

typedef struct
{
  gsize   n, n_red;
  gsize   dims[3];
  gsize  *cell;      /* index in this level's grid */
  double *diag;
  gint32 *nb;        /* 6 per cell, -1 where none */
  float  *w;         /* 6 per cell: conductance (integer sums, exact in float) */
  gint32 *agg;       /* cell → coarse cell; NULL on the coarsest level */
  double *b, *x, *r;
  double *chol;      /* coarsest only: n×n lower Cholesky factor */
  gboolean unit;     /* every existing weight is 1 (the fine level) */
  double *inv;       /* 1 / diag */
} Level;

typedef struct
{
  guint n_levels;
  Level level[MG_MAX_LEVELS];
  GThreadPool *pool;   /* NULL: one thread */
  guint n_workers;
} Multigrid;
/* Threads: every parallel loop is cut into PAR_CHUNKS fixed chunks, which
 * the threads take in any order; reductions are summed per chunk and then in
 * chunk order, so results do not depend on the number of threads. */
#define PAR_CHUNKS 16
#define PAR_MIN 32768

enum { K_SWEEP, K_FIRST_SWEEP, K_RESIDUAL, K_PROLONG, K_MATVEC, K_UPDATE, K_DOT, K_DIRECTION };

typedef struct
{
  guint         op;
  gsize         lo, count;
  Level        *lv, *cv;
  const double *a, *b;
  double       *x, *r, *p, *q;
  double        alpha;
  double        partial[PAR_CHUNKS];
} Kernel;

typedef struct
{
  Kernel *kernel;
  gint    next;
  guint   pushed, finished;
  GMutex  mutex;
  GCond   cond;
} Job;

static void level_sweep (Level *lv, gsize lo, gsize hi);

/* out = A in on the fine level, returns in·out; in[n] must be 0 */
static double
level_apply_unit (const Level *lv, const double *in, double *out, gsize lo, gsize hi)
{
  double dot_sum = 0.0;

  for (gsize i = lo; i < hi; i++)
    {
      const gint32 *ni = &lv->nb[6 * i];
      out[i] = lv->diag[i] * in[i] - (in[ni[0]] + in[ni[1]] + in[ni[2]] + in[ni[3]] + in[ni[4]] + in[ni[5]]);
      dot_sum += in[i] * out[i];
    }
  return dot_sum;
}

static void
kernel_chunk (Kernel *k, guint chunk)
{
  gsize lo = k->lo + k->count * chunk / PAR_CHUNKS;
  gsize hi = k->lo + k->count * (chunk + 1) / PAR_CHUNKS;
  Level *lv = k->lv;
  double sum = 0.0;

  switch (k->op)
    {
    case K_SWEEP:
      level_sweep (lv, lo, hi);
      break;
    case K_FIRST_SWEEP:   /* from x = 0 */
      for (gsize i = lo; i < hi; i++)
        lv->x[i] = lv->b[i] * lv->inv[i];
      break;
    case K_RESIDUAL:
      for (gsize i = lo; i < hi; i++)
        {
          const gint32 *ni = &lv->nb[6 * i];
          const double *x = lv->x;
          double s = lv->b[i] - lv->diag[i] * x[i];
          if (lv->unit)
            s += x[ni[0]] + x[ni[1]] + x[ni[2]] + x[ni[3]] + x[ni[4]] + x[ni[5]];
          else
            {
              const float *wi = &lv->w[6 * i];
              s += wi[0] * x[ni[0]] + wi[1] * x[ni[1]] + wi[2] * x[ni[2]]
                 + wi[3] * x[ni[3]] + wi[4] * x[ni[4]] + wi[5] * x[ni[5]];
            }
          lv->r[i] = s;
        }
      break;
    case K_PROLONG:
      for (gsize i = lo; i < hi; i++)
        lv->x[i] += MG_COARSE_SCALE * k->cv->x[lv->agg[i]];
      break;
    case K_MATVEC:
      sum = level_apply_unit (lv, k->p, k->q, lo, hi);
      break;
    case K_UPDATE:
      for (gsize i = lo; i < hi; i++)
        {
          k->x[i] += k->alpha * k->p[i];
          k->r[i] -= k->alpha * k->q[i];
          sum += k->r[i] * k->r[i];
        }
      break;
    case K_DOT:
      for (gsize i = lo; i < hi; i++)
        sum += k->a[i] * k->b[i];
      break;
    case K_DIRECTION:
      for (gsize i = lo; i < hi; i++)
        k->p[i] = k->a[i] + k->alpha * k->p[i];
      break;
    default:
      g_assert_not_reached ();
    }
  k->partial[chunk] = sum;
}

static void
job_work (Job *job)
{
  gint chunk;

  while ((chunk = g_atomic_int_add (&job->next, 1)) < PAR_CHUNKS)
    kernel_chunk (job->kernel, chunk);
}

static void
worker (gpointer data, gpointer user_data)
{
  Job *job = data;

  job_work (job);
  g_mutex_lock (&job->mutex);
  job->finished++;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->mutex);
}

/* Runs @k over its range; returns the sum of its partial reductions. */
static double
kernel_run (GThreadPool *pool, guint n_workers, Kernel *k)
{
  double sum = 0.0;

  if (pool == NULL || k->count < PAR_MIN)
    {
      for (guint c = 0; c < PAR_CHUNKS; c++)
        kernel_chunk (k, c);
    }
  else
    {
      Job job = { k, 0, 0, 0 };

      g_mutex_init (&job.mutex);
      g_cond_init (&job.cond);
      for (guint t = 0; t < n_workers; t++)
        if (g_thread_pool_push (pool, &job, NULL))
          job.pushed++;
      job_work (&job);
      g_mutex_lock (&job.mutex);
      while (job.finished < job.pushed)
        g_cond_wait (&job.cond, &job.mutex);
      g_mutex_unlock (&job.mutex);
      g_mutex_clear (&job.mutex);
      g_cond_clear (&job.cond);
    }
  for (guint c = 0; c < PAR_CHUNKS; c++)
    sum += k->partial[c];
  return sum;
}


static void
multigrid_clear (Multigrid *mg)
{
  for (guint l = 0; l < mg->n_levels; l++)
    {
      Level *lv = &mg->level[l];
      g_free (lv->cell);
      g_free (lv->diag);
      g_free (lv->nb);
      g_free (lv->w);
      g_free (lv->agg);
      g_free (lv->b);
      g_free (lv->x);
      g_free (lv->r);
      g_free (lv->chol);
      g_free (lv->inv);
    }
  mg->n_levels = 0;
}

static gboolean
level_alloc (Level *lv, gsize n, gboolean unit)
{
  lv->n = n;
  lv->cell = g_try_new (gsize, MAX (n, 1));
  lv->diag = g_try_new0 (double, MAX (n, 1));
  lv->nb = g_try_new (gint32, 6 * MAX (n, 1));
  /* A unit level has no weights stored: every existing one is 1. */
  lv->unit = unit;
  lv->w = unit ? NULL : g_try_new0 (float, 6 * MAX (n, 1));
  lv->b = g_try_new0 (double, n + 1);
  lv->x = g_try_new0 (double, n + 1);   /* x[n] = 0: the missing neighbour */
  lv->r = g_try_new0 (double, n + 1);
  return lv->cell && lv->diag && lv->nb && (unit || lv->w) && lv->b && lv->x && lv->r;
}

static gboolean
level_coarsen (const Level *fine, Level *coarse, gint32 **agg_out)
{
  gsize cd[3], n_cells, n = 0, n_red = 0;
  g_autofree gint32 *map = NULL;
  gint32 *agg;

  for (guint d = 0; d < 3; d++)
    cd[d] = (fine->dims[d] + 1) / 2;
  n_cells = cd[0] * cd[1] * cd[2];
  map = g_try_new (gint32, n_cells);
  agg = g_try_new (gint32, MAX (fine->n, 1));
  if (map == NULL || agg == NULL)
    {
      g_free (agg);
      return FALSE;
    }
  for (gsize c = 0; c < n_cells; c++)
    map[c] = -1;
  for (gsize i = 0; i < fine->n; i++)
    {
      gsize cell = fine->cell[i];
      gsize x = cell % fine->dims[0], y = (cell / fine->dims[0]) % fine->dims[1];
      gsize z = cell / (fine->dims[0] * fine->dims[1]);
      gsize c = x / 2 + cd[0] * (y / 2 + cd[1] * (z / 2));
      map[c] = -2;
      agg[i] = (gint32) c;   /* coarse grid cell for now */
    }
  for (guint colour = 0; colour < 2; colour++)
    for (gsize c = 0; c < n_cells; c++)
      {
        gsize x = c % cd[0], y = (c / cd[0]) % cd[1], z = c / (cd[0] * cd[1]);
        if (map[c] == -2 && ((x + y + z) & 1) == colour)
          {
            map[c] = (gint32) n++;
            n_red += colour == 0;
          }
      }
  memcpy (coarse->dims, cd, sizeof cd);
  if (!level_alloc (coarse, n, FALSE))
    {
      g_free (agg);
      return FALSE;
    }
  coarse->n_red = n_red;
  for (gsize c = 0; c < n_cells; c++)
    if (map[c] >= 0)
      coarse->cell[map[c]] = c;
  for (gsize I = 0; I < 6 * n; I++)
    coarse->nb[I] = (gint32) n;
  for (gsize i = 0; i < fine->n; i++)
    agg[i] = map[agg[i]];
  for (gsize i = 0; i < fine->n; i++)
    {
      gint32 I = agg[i];
      coarse->diag[I] += fine->diag[i];
      for (guint k = 0; k < 6; k++)
        {
          gint32 j = fine->nb[6 * i + k];
          gint32 J;
          if ((gsize) j >= fine->n)
            continue;
          J = agg[j];
          if (J == I)
            coarse->diag[I] -= fine->unit ? 1.0f : fine->w[6 * i + k];
          else
            {
              coarse->w[6 * (gsize) I + k] += fine->unit ? 1.0f : fine->w[6 * i + k];
              coarse->nb[6 * (gsize) I + k] = J;
            }
        }
    }
  *agg_out = agg;
  return TRUE;
}

static gboolean
level_factorise (Level *lv)
{
  gsize n = lv->n;

  lv->chol = g_try_new0 (double, MAX (n * n, 1));
  if (lv->chol == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      lv->chol[i * n + i] = lv->diag[i];
      for (guint k = 0; k < 6; k++)
        if ((gsize) lv->nb[6 * i + k] < n)
          lv->chol[i * n + lv->nb[6 * i + k]] -= lv->unit ? 1.0f : lv->w[6 * i + k];
    }
  for (gsize j = 0; j < n; j++)
    {
      double *Lj = &lv->chol[j * n];
      double s = Lj[j];
      for (gsize k = 0; k < j; k++)
        s -= Lj[k] * Lj[k];
      s = sqrt (MAX (s, G_MINDOUBLE));
      Lj[j] = s;
      for (gsize i = j + 1; i < n; i++)
        {
          double *Li = &lv->chol[i * n];
          double t = Li[j];
          for (gsize k = 0; k < j; k++)
            t -= Li[k] * Lj[k];
          Li[j] = t / s;
        }
    }
  return TRUE;
}

static gboolean
multigrid_build (Multigrid *mg, const System *system, const Grid *grid)
{
  Level *top = &mg->level[0];
  gsize n = system->n_active;

  memset (mg, 0, sizeof *mg);
  mg->n_levels = 1;
  memcpy (top->dims, grid->dims, sizeof top->dims);
  if (!level_alloc (top, n, TRUE))
    return FALSE;
  top->n_red = system->n_red;
  for (gsize i = 0; i < n; i++)
    {
      top->cell[i] = system->voxel[i];
      top->diag[i] = system->diagonal[i];
    }
  for (gsize i = 0; i < 6 * n; i++)
    {
      top->nb[i] = system->neighbours[i] >= 0 ? system->neighbours[i] : (gint32) n;
    }
  while (mg->level[mg->n_levels - 1].n > MG_COARSEST && mg->n_levels < MG_MAX_LEVELS)
    {
      Level *fine = &mg->level[mg->n_levels - 1];
      if (!level_coarsen (fine, &mg->level[mg->n_levels], &fine->agg))
        {
          mg->n_levels++;
          return FALSE;
        }
      mg->n_levels++;
    }
  for (guint l = 0; l < mg->n_levels; l++)
    {
      Level *lv = &mg->level[l];
      lv->inv = g_try_new (double, MAX (lv->n, 1));
      if (lv->inv == NULL)
        return FALSE;
      for (gsize i = 0; i < lv->n; i++)
        lv->inv[i] = 1.0 / lv->diag[i];
    }
  return level_factorise (&mg->level[mg->n_levels - 1]);
}

static void
level_sweep (Level *lv, gsize lo, gsize hi)
{
  const gint32 *nb = lv->nb;
  const float *w = lv->w;
  const double *b = lv->b;
  double *x = lv->x;

  /* Missing neighbours point at x[n] = 0, so no branches. */
  if (lv->unit)
    for (gsize i = lo; i < hi; i++)
      {
        const gint32 *ni = &nb[6 * i];
        double s = b[i] + x[ni[0]] + x[ni[1]] + x[ni[2]] + x[ni[3]] + x[ni[4]] + x[ni[5]];
        x[i] = s * lv->inv[i];
      }
  else
    for (gsize i = lo; i < hi; i++)
      {
        const gint32 *ni = &nb[6 * i];
        const float *wi = &w[6 * i];
        double s = b[i] + wi[0] * x[ni[0]] + wi[1] * x[ni[1]] + wi[2] * x[ni[2]]
                        + wi[3] * x[ni[3]] + wi[4] * x[ni[4]] + wi[5] * x[ni[5]];
        x[i] = s * lv->inv[i];
      }
}

static void
multigrid_vcycle (Multigrid *mg, guint l)
{
  Level *lv = &mg->level[l];
  gsize n = lv->n;

  if (l + 1 == mg->n_levels)
    {
      /* L Lᵀ x = b */
      double *x = lv->x;
      for (gsize i = 0; i < n; i++)
        {
          const double *Li = &lv->chol[i * n];
          double s = lv->b[i];
          for (gsize k = 0; k < i; k++)
            s -= Li[k] * x[k];
          x[i] = s / Li[i];
        }
      for (gsize i = n; i-- > 0;)
        {
          double s = x[i];
          for (gsize k = i + 1; k < n; k++)
            s -= lv->chol[k * n + i] * x[k];
          x[i] = s / lv->chol[i * n + i];
        }
      return;
    }

  {
    Level *cv = &mg->level[l + 1];

    Kernel red = { .op = K_SWEEP, .lo = 0, .count = lv->n_red, .lv = lv };
    Kernel black = { .op = K_SWEEP, .lo = lv->n_red, .count = n - lv->n_red, .lv = lv };
    Kernel all = { .op = K_RESIDUAL, .lo = 0, .count = n, .lv = lv, .cv = cv };

    Kernel first = { .op = K_FIRST_SWEEP, .lo = 0, .count = lv->n_red, .lv = lv };

    /* Red cells only see black ones: the first red sweep from x = 0 just
     * scales b; black x must be 0 until its own sweep. */
    memset (lv->x + lv->n_red, 0, (n - lv->n_red) * sizeof (double));
    kernel_run (mg->pool, mg->n_workers, &first);
    kernel_run (mg->pool, mg->n_workers, &black);
    for (guint s = 1; s < MG_SWEEPS; s++)
      {
        kernel_run (mg->pool, mg->n_workers, &red);
        kernel_run (mg->pool, mg->n_workers, &black);
      }
    kernel_run (mg->pool, mg->n_workers, &all);
    memset (cv->b, 0, cv->n * sizeof (double));
    for (gsize i = 0; i < n; i++)
      cv->b[lv->agg[i]] += lv->r[i];
    multigrid_vcycle (mg, l + 1);
    all.op = K_PROLONG;
    kernel_run (mg->pool, mg->n_workers, &all);
    for (guint s = 0; s < MG_SWEEPS; s++)
      {
        kernel_run (mg->pool, mg->n_workers, &black);
        kernel_run (mg->pool, mg->n_workers, &red);
      }
  }
}

/* z = M⁻¹ r, one V-cycle */
static void
multigrid_apply (Multigrid *mg, const double *r, double *z)
{
  Level *top = &mg->level[0];
  double *b = top->b, *x = top->x;

  /* Work in place: z needs the zero slot z[n] like every level's x. */
  top->b = (double *) r;
  top->x = z;
  multigrid_vcycle (mg, 0);
  top->b = b;
  top->x = x;
}

/* Preconditioned conjugate gradients from a linear ramp. */
static gboolean
solve_system (const System *system, const Grid *grid, const CbdSolverOptions *options,
              double *x, CbdAxisResult *result, GCancellable *cancellable,
              CbdProgressFunc progress, gpointer progress_data, GError **error)
{
  gsize n = system->n_active;
  g_autofree double *r = g_try_new (double, n);
  g_autofree double *z = g_try_new0 (double, n + 1);   /* z[n] = 0 */
  g_autofree double *p = g_try_new0 (double, n + 1);   /* p[n] = 0 */
  g_autofree double *q = g_try_new (double, n);
  double rhs_norm, rz, residual = 1.0;
  CbdAxis a = grid->axis;
  guint iteration = 0;
  Multigrid mg;
  gboolean ok = FALSE;

  if (!r || !z || !p || !q)
    return out_of_memory (error, "iteration vectors");
  gboolean built = multigrid_build (&mg, system, grid);
  guint n_threads = options->n_threads ? options->n_threads : g_get_num_processors ();
  Kernel k = { .lo = 0, .count = n, .lv = &mg.level[0], .x = x, .r = r, .p = p, .q = q };

  if (!built)
    {
      multigrid_clear (&mg);
      return out_of_memory (error, "multigrid hierarchy");
    }
  n_threads = CLAMP (n_threads, 1, 64);
  if (n_threads > 1 && n >= PAR_MIN)
    {
      mg.pool = g_thread_pool_new (worker, NULL, n_threads - 1, TRUE, NULL);
      mg.n_workers = mg.pool != NULL ? n_threads - 1 : 0;
    }

  for (gsize i = 0; i < n; i++)
    {
      gsize index = system->voxel[i];
      gsize coord = (index / grid->stride[a]) % grid->dims[a];
      x[i] = (coord + 0.5) / grid->dims[a];
    }

  apply_operator (system, x, q);
  for (gsize i = 0; i < n; i++)
    {
      r[i] = system->rhs[i] - q[i];
    }
  multigrid_apply (&mg, r, z);
  memcpy (p, z, n * sizeof (double));
  rhs_norm = sqrt (dot (system->rhs, system->rhs, n));
  rz = dot (r, z, n);
  residual = sqrt (dot (r, r, n)) / rhs_norm;

  while (residual > options->tolerance && iteration < options->max_iterations)
    {
      double alpha, beta, rz_next, rr = 0.0;

      k.op = K_MATVEC;
      alpha = rz / kernel_run (mg.pool, mg.n_workers, &k);
      k.op = K_UPDATE;
      k.alpha = alpha;
      rr = kernel_run (mg.pool, mg.n_workers, &k);
      multigrid_apply (&mg, r, z);
      k.op = K_DOT;
      k.a = r;
      k.b = z;
      rz_next = kernel_run (mg.pool, mg.n_workers, &k);
      beta = rz_next / rz;
      rz = rz_next;
      k.op = K_DIRECTION;
      k.a = z;
      k.alpha = beta;
      kernel_run (mg.pool, mg.n_workers, &k);
      residual = sqrt (rr) / rhs_norm;
      iteration++;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      if (progress != NULL)
        {
          CbdProgress report = { "Solving", -1.0, iteration, residual };
          progress (&report, progress_data);
        }
    }

  result->iterations = iteration;
  result->residual = residual;
  result->converged = residual <= options->tolerance;
  ok = TRUE;
out:
  if (mg.pool != NULL)
    g_thread_pool_free (mg.pool, FALSE, TRUE);
  multigrid_clear (&mg);
  return ok;
}

gboolean
cbd_solver_solve_axis (const CbdVolume        *volume,
                       const gboolean          conducting[256],
                       CbdAxis                 axis,
                       const CbdSolverOptions *options,
                       CbdAxisResult          *result,
                       float                 **potential,
                       GCancellable           *cancellable,
                       CbdProgressFunc         progress,
                       gpointer                progress_data,
                       GError                **error)
{
  gsize n_voxels = cbd_volume_n_voxels (volume);
  g_autofree guint8 *is_conducting = g_try_malloc (n_voxels);
  g_autofree guint8 *marks = g_try_malloc0 (n_voxels);
  g_autofree gsize *queue = NULL;
  g_autofree double *x = NULL;
  CbdSolverOptions defaults;
  System system = { 0 };
  Grid grid;
  gsize n_phase = 0, n_active, cross_section;
  double current_in = 0.0, current_out = 0.0, current;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = FALSE;

  if (options == NULL)
    {
      cbd_solver_options_init (&defaults);
      options = &defaults;
    }
  memset (result, 0, sizeof *result);
  result->tau = result->tau_percolating = NAN;
  if (potential != NULL)
    *potential = NULL;

  if (is_conducting == NULL || marks == NULL)
    return out_of_memory (error, "phase masks");

  memcpy (grid.dims, volume->dims, sizeof grid.dims);
  grid.stride[0] = 1;
  grid.stride[1] = volume->dims[0];
  grid.stride[2] = volume->dims[0] * volume->dims[1];
  grid.axis = axis;

  for (gsize index = 0; index < n_voxels; index++)
    {
      is_conducting[index] = conducting[volume->labels[index]] ? 1 : 0;
      n_phase += is_conducting[index];
    }
  result->eps = (double) n_phase / n_voxels;

  queue = g_try_new (gsize, MAX (n_phase, 1));
  if (queue == NULL)
    return out_of_memory (error, "flood-fill queue");
  cbd_progress_report (progress, progress_data, "Finding the percolating cluster", -1.0);
  flood_from_face (&grid, is_conducting, marks, 0, REACHED_INLET, queue);
  flood_from_face (&grid, is_conducting, marks, grid.dims[axis] - 1, REACHED_OUTLET, queue);
  g_clear_pointer (&queue, g_free);
  g_clear_pointer (&is_conducting, g_free);

  if (!build_system (&grid, marks, n_voxels, &system, error))
    goto out;
  n_active = system.n_active;
  result->eps_percolating = (double) n_active / n_voxels;
  result->dropped_fraction = (double) (n_phase - n_active) / n_voxels;

  if (n_active == 0)
    {
      /* Nothing connects the driven faces: no current, no tortuosity. */
      result->percolating = FALSE;
      result->converged = TRUE;
      ok = TRUE;
      goto out;
    }
  result->percolating = TRUE;

  x = g_try_new (double, n_active);
  if (x == NULL)
    {
      out_of_memory (error, "potential");
      goto out;
    }
  if (!solve_system (&system, &grid, options, x, result, cancellable, progress, progress_data, error))
    goto out;

  for (gsize i = 0; i < n_active; i++)
    {
      if (system.on_face[i] & REACHED_INLET)
        current_in += 2.0 * x[i];
      if (system.on_face[i] & REACHED_OUTLET)
        current_out += 2.0 * (1.0 - x[i]);
    }
  current = 0.5 * (current_in + current_out);
  cross_section = n_voxels / grid.dims[axis];
  result->sigma_rel = current * grid.dims[axis] / cross_section;
  result->imbalance = fabs (current_in - current_out) / MAX (current_in, G_MINDOUBLE);
  result->tau = result->eps / result->sigma_rel;
  result->tau_percolating = result->eps_percolating / result->sigma_rel;

  if (potential != NULL)
    {
      float *field = g_try_new (float, n_voxels);

      if (field == NULL)
        {
          out_of_memory (error, "potential field");
          goto out;
        }
      for (gsize index = 0; index < n_voxels; index++)
        field[index] = NAN;
      for (gsize i = 0; i < n_active; i++)
        field[system.voxel[i]] = x[i];
      *potential = field;
    }
  ok = TRUE;

out:
  system_clear (&system);
  result->seconds = (g_get_monotonic_time () - start) / 1e6;
  return ok;
}
