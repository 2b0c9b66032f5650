/* cbd-solver.c — steady-state conduction through one voxel phase
 *
 * Finite volumes on voxel centres, unit conductance between face neighbours,
 * the driven faces held at 0 and 1 on the outer voxel face (half-voxel
 * conductance 2), no flux elsewhere: the TauFactor discretisation, so results
 * compare 1:1. Voxels not connected to both driven faces carry no current and
 * would make the system singular, so they are removed first.
 *
 * This first version uses conjugate gradients with a Jacobi preconditioner
 * on a compact list of active voxels; a multigrid preconditioner and threads
 * come next (issue 3).
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
  for (gsize index = 0; index < n_voxels; index++)
    {
      if (marks[index] == (REACHED_INLET | REACHED_OUTLET))
        {
          if (n_active >= G_MAXINT32)
            return out_of_memory (error, "active voxel list (over 2^31 voxels)");
          active_index[index] = n_active++;
        }
      else
        active_index[index] = -1;
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

  for (gsize index = 0; index < n_voxels; index++)
    {
      gint32 i = active_index[index];
      gsize coord[3];
      double diagonal = 0.0;

      if (i < 0)
        continue;
      coord[0] = index % grid->dims[0];
      coord[1] = (index / grid->dims[0]) % grid->dims[1];
      coord[2] = index / (grid->dims[0] * grid->dims[1]);
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

/* Preconditioned conjugate gradients from a linear ramp. */
static gboolean
solve_system (const System *system, const Grid *grid, const CbdSolverOptions *options,
              double *x, CbdAxisResult *result, GCancellable *cancellable,
              CbdProgressFunc progress, gpointer progress_data, GError **error)
{
  gsize n = system->n_active;
  g_autofree double *r = g_try_new (double, n);
  g_autofree double *z = g_try_new (double, n);
  g_autofree double *p = g_try_new (double, n);
  g_autofree double *q = g_try_new (double, n);
  double rhs_norm, rz, residual = 1.0;
  CbdAxis a = grid->axis;
  guint iteration = 0;

  if (!r || !z || !p || !q)
    return out_of_memory (error, "iteration vectors");

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
      z[i] = r[i] / system->diagonal[i];
      p[i] = z[i];
    }
  rhs_norm = sqrt (dot (system->rhs, system->rhs, n));
  rz = dot (r, z, n);
  residual = sqrt (dot (r, r, n)) / rhs_norm;

  while (residual > options->tolerance && iteration < options->max_iterations)
    {
      double alpha, beta, rz_next;

      apply_operator (system, p, q);
      alpha = rz / dot (p, q, n);
      for (gsize i = 0; i < n; i++)
        {
          x[i] += alpha * p[i];
          r[i] -= alpha * q[i];
          z[i] = r[i] / system->diagonal[i];
        }
      rz_next = dot (r, z, n);
      beta = rz_next / rz;
      rz = rz_next;
      for (gsize i = 0; i < n; i++)
        p[i] = z[i] + beta * p[i];
      residual = sqrt (dot (r, r, n)) / rhs_norm;
      iteration++;

      if (iteration % 16 == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (progress != NULL)
            {
              CbdProgress report = { "Solving", -1.0, iteration, residual };
              progress (&report, progress_data);
            }
        }
    }

  result->iterations = iteration;
  result->residual = residual;
  result->converged = residual <= options->tolerance;
  return TRUE;
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
