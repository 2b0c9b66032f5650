/* cbd-solver.c — steady-state conduction through one voxel phase
 *
 * Finite volumes on voxel centres, unit conductance between face neighbours,
 * the driven faces held at 0 and 1 on the outer voxel face (half-voxel
 * conductance 2), no flux elsewhere: the TauFactor discretisation, so results
 * compare 1:1. Voxels not connected to both driven faces carry no current and
 * would make the system singular, so they are removed first (union-find in
 * memory order, by threads in slabs of planes, finds the clusters touching
 * both faces).
 *
 * Anisotropic voxels scale the conductance along axis d by h_b h_c / h_d
 * (face area over length), divided by the geometric mean voxel edge so that
 * cubic voxels keep unit conductances. Two voxels of different conductivity
 * are two half-voxel conductors in series (a harmonic mean).
 *
 * Conjugate gradients on the compact list of active voxels, with the
 * potential, the residual and every reduction in double precision (the
 * search direction in single), preconditioned by one W-cycle of
 * aggregation multigrid in single precision (cbd-multigrid.c), on all
 * cores with bit-identical results for any thread count (cbd-parallel.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-solver"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-grid.h"
#include "cbd-multigrid.h"
#include "cbd-parallel.h"
#include "cbd-solver.h"

G_DEFINE_QUARK (cbd-solver-error-quark, cbd_solver_error)

/* Current in must equal current out to this, relatively, as well as the
 * residual meeting the tolerance. */
#define MAX_IMBALANCE 1e-4

/* The faces of the box, numbered 2 d + side for the face side = 0, 1
 * normal to axis d. Per voxel while the system is set up: the faces its
 * cluster touches (FACE_BIT) and whether it conducts. */
#define FACE_INDEX(d, side) (2 * (d) + (side))
#define FACE_BIT(d, side)   (1u << FACE_INDEX (d, side))
#define AXIS_FACES(d)       (FACE_BIT (d, 0) | FACE_BIT (d, 1))
#define ALL_FACES           0x3fu
#define CONDUCTS            0x40u

void
cbd_solver_options_init (CbdSolverOptions *options)
{
  options->tolerance = 1e-6;
  options->max_iterations = 1000;
  options->n_threads = 0;
  options->conductivity = NULL;
}

/* The problem as posed: grid, axis, per-label conductivity, geometry. */
typedef struct
{
  gsize   dims[3];
  gsize   stride[3];
  CbdAxis axis;
  double  label_conductivity[256];
  gboolean uniform;            /* every conducting label has the same value */
  double  phase_conductivity;  /* that value, when uniform */
  double  axis_conductance[3]; /* geometric factor per axis (1 for cubes) */
  double  voxel_nm[3];
  double  reference_length;    /* nm; geometric mean voxel edge */
  const guint8 *labels;
} Problem;

/* The linear system on the active voxels only. */
typedef struct
{
  CbdMgMatrix matrix;
  guint32    *voxel;         /* active → volume index */
  gint32     *neighbour;
  double     *conductance;   /* NULL when uniform */
  double     *diagonal;      /* NULL when uniform: it follows from the pattern */
  guint8     *pattern;       /* neighbours present, CBD_MG_INLET, CBD_MG_OUTLET */
  double      rhs_norm;
  /* The unknowns on each face of the box (face 2 d + side; their number
   * in matrix.face_n), for driving another axis without building the
   * system again, and the driven faces' conductances (matrix.face_*). */
  gint32     *face[6];
  double     *face_conductance[2];
} System;

static void
system_clear (System *system)
{
  g_free (system->voxel);
  g_free (system->neighbour);
  g_free (system->conductance);
  g_free (system->diagonal);
  g_free (system->pattern);
  for (guint f = 0; f < 6; f++)
    g_free (system->face[f]);
  for (guint side = 0; side < 2; side++)
    g_free (system->face_conductance[side]);
  memset (system, 0, sizeof *system);
}

static gboolean
out_of_memory (GError **error, const char *what)
{
  g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_NO_MEMORY,
               "Not enough memory for the %s of the transport solve", what);
  return FALSE;
}

/* Conductance of the link between two conducting voxels along axis d. */
static inline double
link_conductance (const Problem *problem, guint8 label_i, guint8 label_j, guint d)
{
  double si = problem->label_conductivity[label_i];
  double sj = problem->label_conductivity[label_j];

  return problem->axis_conductance[d] * 2.0 * si * sj / (si + sj);
}

/* The half voxel between a voxel and its driven face. */
static inline double
face_conductance (const Problem *problem, guint8 label)
{
  return 2.0 * problem->axis_conductance[problem->axis] * problem->label_conductivity[label];
}

/* Union-find over the conducting voxels (CONDUCTS in @marks, set by the
 * caller): the root of a cluster is its first voxel in memory order. */
#define NO_VOXEL G_MAXUINT32

static inline guint32
cluster_root (guint32 *parent, guint32 v)
{
  while (parent[v] != v)
    {
      parent[v] = parent[parent[v]];   /* path halving */
      v = parent[v];
    }
  return v;
}

static inline void
cluster_join (guint32 *parent, guint32 a, guint32 b)
{
  a = cluster_root (parent, a);
  b = cluster_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

/* The root of @v without shortening the path (read-only, for threads). */
static inline guint32
cluster_root_read (const guint32 *parent, guint32 v)
{
  while (parent[v] != v)
    v = parent[v];
  return v;
}

typedef struct
{
  const Problem  *problem;
  const gboolean *conducts;     /* per label */
  guint8         *marks;
  guint32        *parent;
  guint           axes;         /* the axes to be solved that percolate, bit d for axis d */
  gsize           n_conducting[CBD_PARALLEL_CHUNKS];   /* per slab */
} Percolation;

/* Marks the conducting voxels of one slab of planes (CONDUCTS) and joins
 * them to their -x, -y, -z neighbours within the slab, in memory order (no
 * queue jumping through the volume as a flood fill would). */
static void
percolation_slab (gpointer data, guint member, guint n_members)
{
  Percolation *job = data;
  const gsize *dims = job->problem->dims, *stride = job->problem->stride;
  const guint8 *labels = job->problem->labels;
  guint8 *marks = job->marks;
  guint32 *parent = job->parent;
  gsize z0 = dims[2] * member / n_members, z1 = dims[2] * (member + 1) / n_members;
  gsize n_conducting = 0;

  for (gsize z = z0, index = z0 * stride[2]; z < z1; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++, index++)
        {
          guint32 v = (guint32) index;

          marks[index] = job->conducts[labels[index]] ? CONDUCTS : 0;
          if (!marks[index])
            {
              parent[index] = NO_VOXEL;
              continue;
            }
          n_conducting++;
          /* Along a run in x the voxel joins its left neighbour's root. */
          parent[index] = x > 0 && (marks[index - 1] & CONDUCTS) ? cluster_root (parent, v - 1) : v;
          if (y > 0 && (marks[index - stride[1]] & CONDUCTS))
            cluster_join (parent, v, (guint32) (index - stride[1]));
          if (z > z0 && (marks[index - stride[2]] & CONDUCTS))
            cluster_join (parent, v, (guint32) (index - stride[2]));
        }
  job->n_conducting[member] = n_conducting;
}

/* The axes (bit d for axis d) along which a voxel with @marks conducts
 * current: its cluster touches both faces normal to the axis. */
static inline guint
active_axes (guint marks)
{
  guint axes = 0;

  for (guint d = 0; d < 3; d++)
    if ((marks & AXIS_FACES (d)) == AXIS_FACES (d))
      axes |= 1u << d;
  return axes;
}

/* Every voxel gets its cluster's face bits (roots have them already, so
 * no thread writes what another reads). Returns how many voxels carry
 * current along some but not all of the percolating axes to be solved. */
static double
percolation_spread (gpointer data, gsize lo, gsize hi)
{
  Percolation *job = data;
  guint8 *marks = job->marks;
  const guint32 *parent = job->parent;
  gsize differing = 0;

  for (gsize index = lo; index < hi; index++)
    if (parent[index] != NO_VOXEL)
      {
        guint8 bits = marks[cluster_root_read (parent, (guint32) index)] & ALL_FACES;
        guint axes;

        if (bits & ~marks[index])
          marks[index] |= bits;
        axes = active_axes (bits) & job->axes;
        differing += axes != 0 && axes != job->axes;
      }
  return (double) differing;
}

/* Marks the voxels of labels that @conducts (CONDUCTS), and every one of
 * them with the faces of the box its 6-connected cluster touches
 * (FACE_BIT): union-find in slabs of planes by threads, the slabs joined
 * across their borders, the clusters touching a face marked at their
 * roots, and the marks spread to every voxel. Connectivity decides the
 * result, not the order of the joins, so it is the same for any number of
 * threads. @marks, @parent: one per voxel. @percolating: the axes (bit d
 * for axis d) along which a cluster joins both faces. @n_conducting: the
 * voxels that conduct. Returns TRUE when the same voxels carry current
 * along each of @axes that percolates, so that one linear system serves
 * them all. */
static gboolean
find_percolating (const Problem *problem, const gboolean conducts[256], guint8 *marks,
                  guint32 *parent, guint axes, guint *percolating, gsize *n_conducting,
                  CbdParallel *parallel)
{
  const gsize *dims = problem->dims, *stride = problem->stride;
  Percolation job = { problem, conducts, marks, parent, 0, { 0 } };
  guint n_slabs;

  n_slabs = cbd_parallel_team (parallel, (guint) MIN (MAX (dims[2] / 16, 1), CBD_PARALLEL_CHUNKS),
                               percolation_slab, &job);
  *n_conducting = 0;
  for (guint s = 0; s < n_slabs; s++)
    *n_conducting += job.n_conducting[s];
  for (guint s = 1; s < n_slabs; s++)
    {
      gsize z = dims[2] * s / n_slabs;   /* as percolation_slab cuts them */

      for (gsize index = z * stride[2]; index < (z + 1) * stride[2]; index++)
        if ((marks[index] & CONDUCTS) && (marks[index - stride[2]] & CONDUCTS))
          cluster_join (parent, (guint32) index, (guint32) (index - stride[2]));
    }

  for (guint a = 0; a < 3; a++)
    for (guint side = 0; side < 2; side++)
      {
        guint b = (a + 1) % 3, c = (a + 2) % 3;
        gsize face = side == 0 ? 0 : dims[a] - 1;

        for (gsize j = 0; j < dims[c]; j++)
          for (gsize i = 0; i < dims[b]; i++)
            {
              gsize index = face * stride[a] + i * stride[b] + j * stride[c];

              if (marks[index] & CONDUCTS)
                marks[cluster_root (parent, (guint32) index)] |= FACE_BIT (a, side);
            }
      }

  /* An axis percolates where a cluster on its first face reaches its last. */
  *percolating = 0;
  for (guint a = 0; a < 3; a++)
    {
      guint b = (a + 1) % 3, c = (a + 2) % 3;

      for (gsize j = 0; j < dims[c] && !(*percolating & (1u << a)); j++)
        for (gsize i = 0; i < dims[b]; i++)
          {
            gsize index = i * stride[b] + j * stride[c];

            if ((marks[index] & CONDUCTS) &&
                (marks[cluster_root (parent, (guint32) index)] & FACE_BIT (a, 1)))
              {
                *percolating |= 1u << a;
                break;
              }
          }
    }
  job.axes = axes & *percolating;
  return cbd_parallel_for (parallel, dims[0] * dims[1] * dims[2], percolation_spread, &job) == 0.0;
}

typedef struct
{
  const Problem *problem;
  const gint32  *active_index;
  System        *system;
  gsize          n;
} SystemFill;

/* The neighbours, link patterns (and conductances) of the active voxels
 * among volume indices [lo, hi). The driven faces come later
 * (system_drive_axis). */
static double
fill_chunk (gpointer data, gsize lo, gsize hi)
{
  const SystemFill *fill = data;
  const Problem *problem = fill->problem;
  System *system = fill->system;
  /* Locals, so that the stores (which may alias anything under
   * -fno-strict-aliasing) do not force reloads in every step. */
  const gint32 *restrict active_index = fill->active_index;
  const guint8 *restrict labels = problem->labels;
  guint32 *restrict voxel = system->voxel;
  gint32 *restrict neighbour = system->neighbour;
  guint8 *restrict pattern = system->pattern;
  double *restrict conductance = system->conductance;
  double *restrict diagonal_out = system->diagonal;
  const gsize *dims = problem->dims, *stride = problem->stride;
  const gboolean uniform = problem->uniform;
  const gint32 n = (gint32) fill->n;
  double axis_g[3];
  CbdGridWalker walker;

  for (guint d = 0; d < 3; d++)
    axis_g[d] = problem->axis_conductance[d] * problem->phase_conductivity;
  cbd_grid_walker_init (&walker, dims);
  for (gsize index = lo; index < hi; index++)
    {
      gint32 i = active_index[index];
      const gsize *coord;
      guint8 links = 0;
      double diagonal = 0.0;

      if (i < 0)
        continue;
      coord = cbd_grid_walk (&walker, index);
      voxel[i] = (guint32) index;
      for (guint d = 0; d < 3; d++)
        for (guint side = 0; side < 2; side++)
          {
            gsize k = 6 * (gsize) i + 2 * d + side;
            gint32 j = -1;
            double g;

            if (side == 0 && coord[d] > 0)
              j = active_index[index - stride[d]];
            else if (side == 1 && coord[d] + 1 < dims[d])
              j = active_index[index + stride[d]];
            neighbour[k] = j >= 0 ? j : n;
            if (j < 0)
              continue;
            links |= 1 << (2 * d + side);
            g = uniform ? axis_g[d]
                        : link_conductance (problem, labels[index],
                                            labels[side ? index + stride[d] : index - stride[d]], d);
            if (conductance != NULL)
              conductance[k] = g;
            diagonal += g;
          }
      pattern[i] = links;
      if (diagonal_out != NULL)
        diagonal_out[i] = diagonal;
    }
  return 0.0;
}

/* The active unknowns on each face of the box, in the face's memory order. */
static gboolean
find_faces (const Problem *problem, const gint32 *active_index, System *system)
{
  const gsize *dims = problem->dims, *stride = problem->stride;

  for (guint a = 0; a < 3; a++)
    {
      guint b = (a + 1) % 3, c = (a + 2) % 3;
      guint lo = MIN (b, c), hi = MAX (b, c);

      for (guint side = 0; side < 2; side++)
        {
          gsize base = (side == 0 ? 0 : dims[a] - 1) * stride[a], n = 0;
          gint32 *face = cbd_grid_try_new (gint32, MAX (dims[lo] * dims[hi], 1));

          if (face == NULL)
            return FALSE;
          for (gsize j = 0; j < dims[hi]; j++)
            for (gsize i = 0; i < dims[lo]; i++)
              {
                gint32 active = active_index[base + i * stride[lo] + j * stride[hi]];

                if (active >= 0)
                  face[n++] = active;
              }
          system->face[FACE_INDEX (a, side)] = face;
          system->matrix.face[FACE_INDEX (a, side)] = face;
          system->matrix.face_n[FACE_INDEX (a, side)] = n;
        }
    }
  for (guint side = 0; side < 2; side++)
    {
      gsize most = 1;

      for (guint f = 0; f < 6; f++)
        most = MAX (most, system->matrix.face_n[f]);
      system->face_conductance[side] = cbd_grid_try_new (double, most);
      system->matrix.face_conductance[side] = system->face_conductance[side];
      if (system->face_conductance[side] == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Numbering the unknowns by planes: each plane's count of red and black
 * unknowns, then, from their running sums, the numbers themselves. */
typedef struct
{
  const Problem *problem;
  const guint8  *marks;
  guint          faces;
  gint32        *active_index;
  gsize         *plane_first;   /* per plane z: [2 z] red, [2 z + 1] black */
} Numbering;

static double
count_plane_unknowns (gpointer data, gsize lo, gsize hi)
{
  Numbering *job = data;
  const gsize *dims = job->problem->dims;
  const guint8 *restrict marks = job->marks;
  const guint faces = job->faces;

  for (gsize z = lo; z < hi; z++)
    {
      gsize count[2] = { 0, 0 };

      for (gsize y = 0; y < dims[1]; y++)
        {
          const guint8 *row = marks + (z * dims[1] + y) * dims[0];
          /* Even and odd x apart: no store to count[] in the loop. */
          gsize even = 0, odd = 0, x;

          for (x = 0; x + 1 < dims[0]; x += 2)
            {
              even += (row[x] & faces) == faces;
              odd += (row[x + 1] & faces) == faces;
            }
          if (x < dims[0])
            even += (row[x] & faces) == faces;
          count[(y + z) & 1] += even;
          count[(y + z + 1) & 1] += odd;
        }
      job->plane_first[2 * z] = count[0];
      job->plane_first[2 * z + 1] = count[1];
    }
  return 0.0;
}

static double
number_plane_unknowns (gpointer data, gsize lo, gsize hi)
{
  Numbering *job = data;
  const gsize *dims = job->problem->dims;
  const guint8 *restrict marks = job->marks;
  gint32 *restrict active_index = job->active_index;
  const guint faces = job->faces;

  for (gsize z = lo; z < hi; z++)
    {
      gsize next[2] = { job->plane_first[2 * z], job->plane_first[2 * z + 1] };
      gsize index = z * dims[0] * dims[1];

      for (gsize y = 0; y < dims[1]; y++)
        {
          /* The numbers of even and odd x, branch-free. */
          gsize even = next[(y + z) & 1], odd = next[(y + z + 1) & 1], x;

          for (x = 0; x + 1 < dims[0]; x += 2, index += 2)
            {
              gboolean active_even = (marks[index] & faces) == faces;
              gboolean active_odd = (marks[index + 1] & faces) == faces;

              active_index[index] = active_even ? (gint32) even : -1;
              active_index[index + 1] = active_odd ? (gint32) odd : -1;
              even += active_even;
              odd += active_odd;
            }
          if (x < dims[0])
            {
              gboolean active = (marks[index] & faces) == faces;

              active_index[index++] = active ? (gint32) even : -1;
              even += active;
            }
          next[(y + z) & 1] = even;
          next[(y + z + 1) & 1] = odd;
        }
    }
  return 0.0;
}

/* The voxels whose marks have all of @faces (the cluster touches them)
 * become the unknowns, numbered red (even coordinate sum) first, then
 * black, each in grid order: the multigrid smoother sweeps each colour as
 * one contiguous block. @active_index: scratch, one per voxel (the cluster
 * labels' memory, so no new pages to fault in). */
static gboolean
build_system (const Problem *problem, const guint8 *marks, guint faces, gsize n_voxels,
              gint32 *active_index, CbdParallel *parallel, System *system, GError **error)
{
  const gsize *dims = problem->dims;
  g_autofree gsize *plane_first = g_try_new (gsize, 2 * dims[2]);
  Numbering numbering = { problem, marks, faces, active_index, plane_first };
  gsize n, n_red;

  system_clear (system);
  if (plane_first == NULL)
    return out_of_memory (error, "linear system");
  cbd_parallel_for_large (parallel, dims[2], n_voxels, count_plane_unknowns, &numbering);
  n = cbd_grid_number_planes (plane_first, dims[2], &n_red);
  if (n >= G_MAXINT32 - 1)
    {
      g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_TOO_LARGE,
                   "Over 2³¹ conducting voxels: crop the volume for the transport solve");
      return FALSE;
    }
  cbd_parallel_for_large (parallel, dims[2], n_voxels, number_plane_unknowns, &numbering);

  system->matrix.n = n;
  system->matrix.n_red = n_red;
  memcpy (system->matrix.dims, dims, sizeof system->matrix.dims);
  if (n == 0)
    return TRUE;
  system->voxel = cbd_grid_try_new (guint32, n);
  system->neighbour = cbd_grid_try_new (gint32, 6 * n);
  system->pattern = cbd_grid_try_new0 (guint8, n);
  if (!problem->uniform)
    {
      system->conductance = cbd_grid_try_new0 (double, 6 * n);
      system->diagonal = cbd_grid_try_new0 (double, n);
    }
  if (!system->voxel || !system->neighbour || !system->pattern ||
      (!problem->uniform && (!system->conductance || !system->diagonal)) ||
      !find_faces (problem, active_index, system))
    return out_of_memory (error, "linear system");

  {
    SystemFill fill = { problem, active_index, system, n };

    cbd_parallel_for (parallel, n_voxels, fill_chunk, &fill);
  }

  system->matrix.cell = system->voxel;
  system->matrix.neighbour = system->neighbour;
  system->matrix.conductance = system->conductance;
  system->matrix.diagonal = system->diagonal;
  system->matrix.pattern = system->pattern;
  for (guint d = 0; d < 3; d++)
    system->matrix.axis_conductance[d] = problem->axis_conductance[d] * problem->phase_conductivity;
  return TRUE;
}

/* Drives the faces normal to problem->axis: the face voxels' inlet and
 * outlet marks and diagonals (the half voxel to the face in series), the
 * diagonal per pattern when the conductances are uniform, and the norm of
 * the right-hand side (the outlet's conductances at potential 1). Every
 * face is set again, so the system may have served another axis before. */
static void
system_drive_axis (const Problem *problem, System *system)
{
  CbdAxis a = problem->axis;
  double rhs_sum = 0.0;

  for (guint f = 0; f < 6; f++)
    for (gsize k = 0; k < system->matrix.face_n[f]; k++)
      {
        gsize i = (gsize) system->face[f][k];

        system->pattern[i] &= ~(CBD_MG_INLET | CBD_MG_OUTLET);
      }
  for (guint side = 0; side < 2; side++)
    {
      guint f = FACE_INDEX (a, side);

      for (gsize k = 0; k < system->matrix.face_n[f]; k++)
        system->pattern[system->face[f][k]] |= side == 0 ? CBD_MG_INLET : CBD_MG_OUTLET;
    }
  for (guint f = 0; f < 6; f++)
    for (gsize k = 0; k < system->matrix.face_n[f]; k++)
      {
        gsize i = (gsize) system->face[f][k];
        double g = face_conductance (problem, problem->labels[system->voxel[i]]);
        guint8 pattern = system->pattern[i];

        if (f == FACE_INDEX (a, 0))
          system->face_conductance[0][k] = g;
        if (f == FACE_INDEX (a, 1))
          {
            system->face_conductance[1][k] = g;
            rhs_sum += g * g;
          }
        if (system->diagonal == NULL)
          continue;
        /* Links, then the faces, in the order the matrix always used. */
        system->diagonal[i] = 0.0;
        for (guint l = 0; l < 6; l++)
          system->diagonal[i] += system->conductance[6 * i + l];
        if (pattern & CBD_MG_INLET)
          system->diagonal[i] += g;
        if (pattern & CBD_MG_OUTLET)
          system->diagonal[i] += g;
      }

  for (guint p = 0; p < 256; p++)
    {
      double g = problem->phase_conductivity, sum = 0.0;

      for (guint k = 0; k < 6; k++)
        if (p & (1u << k))
          sum += problem->axis_conductance[k / 2] * g;
      if (p & CBD_MG_INLET)
        sum += 2.0 * problem->axis_conductance[a] * g;
      if (p & CBD_MG_OUTLET)
        sum += 2.0 * problem->axis_conductance[a] * g;
      system->matrix.pattern_diagonal[p] = sum;
    }
  system->rhs_norm = sqrt (rhs_sum);
  system->matrix.driven_axis = a;
}

/* Conjugate gradients ------------------------------------------------------ */

typedef struct
{
  const Problem *problem;
  const System  *system;
  double        *x, *r, *q;
  /* Single precision where rounding does no harm: z is the
   * preconditioner's, and q = A p is computed in double from the rounded
   * p, the same p that moves x, so x and r stay consistent.
   * p[n] = z[n] = 0. */
  float         *p, *z, *r_single;
  double         alpha;
  double         current_in, current_out;
} Cg;

static double
matvec_chunk (gpointer data, gsize lo, gsize hi)
{
  Cg *cg = data;

  return cbd_mg_matrix_apply (&cg->system->matrix, cg->p, cg->q, lo, hi);
}

static double
update_chunk (gpointer data, gsize lo, gsize hi)
{
  const Cg *cg = data;
  double *restrict x = cg->x, *restrict r = cg->r;
  const double *restrict q = cg->q;
  const float *restrict p = cg->p;
  float *restrict r_single = cg->r_single;
  const double alpha = cg->alpha;
  double rr = 0.0;

  for (gsize i = lo; i < hi; i++)
    {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      r_single[i] = (float) r[i];
      rr += r[i] * r[i];
    }
  return rr;
}

static double
direction_chunk (gpointer data, gsize lo, gsize hi)
{
  const Cg *cg = data;
  float *restrict p = cg->p;
  const float *restrict z = cg->z;
  const double beta = cg->alpha;

  for (gsize i = lo; i < hi; i++)
    p[i] = (float) (z[i] + beta * p[i]);
  return 0.0;
}

/* The first direction, p = z. */
static double
first_direction_chunk (gpointer data, gsize lo, gsize hi)
{
  const Cg *cg = data;

  memcpy (cg->p + lo, cg->z + lo, (hi - lo) * sizeof (float));
  return 0.0;
}

/* The start: the potential of a homogeneous block, a linear ramp along the
 * driven axis a, and its residual r = b - A x, where b is the outlet's
 * conductance times its potential 1. The ramp changes by 1/n_a along a
 * link on axis a and not at all along the others, so A x needs no
 * neighbour's value: exact for a block, where the ramp is the answer. */
static double
start_chunk (gpointer data, gsize lo, gsize hi)
{
  Cg *cg = data;
  const Problem *problem = cg->problem;
  const System *system = cg->system;
  CbdAxis a = problem->axis;
  double step = 1.0 / problem->dims[a], rr = 0.0;
  CbdGridWalker walker;

  cbd_grid_walker_init (&walker, problem->dims);
  for (gsize i = lo; i < hi; i++)
    {
      guint8 pattern = system->pattern[i];
      double x = (cbd_grid_walk (&walker, system->voxel[i])[a] + 0.5) * step, ax = 0.0, b = 0.0;

      for (guint side = 0; side < 2; side++)
        if (pattern & (1u << (2 * a + side)))
          {
            double g = system->conductance != NULL ? system->conductance[6 * i + 2 * a + side]
                                                   : system->matrix.axis_conductance[a];

            ax += side == 0 ? g * step : -g * step;
          }
      if (pattern & (CBD_MG_INLET | CBD_MG_OUTLET))
        {
          double g = face_conductance (problem, problem->labels[system->voxel[i]]);

          if (pattern & CBD_MG_INLET)
            ax += g * x;
          if (pattern & CBD_MG_OUTLET)
            {
              ax += g * x;
              b = g;
            }
        }
      cg->x[i] = x;
      cg->r[i] = b - ax;
      cg->r_single[i] = (float) cg->r[i];
      rr += cg->r[i] * cg->r[i];
    }
  return rr;
}

static void
measure_currents (Cg *cg)
{
  const System *system = cg->system;

  cg->current_in = cg->current_out = 0.0;
  for (gsize i = 0; i < system->matrix.n; i++)
    if (system->pattern[i] & (CBD_MG_INLET | CBD_MG_OUTLET))
      {
        double g = face_conductance (cg->problem, cg->problem->labels[system->voxel[i]]);
        if (system->pattern[i] & CBD_MG_INLET)
          cg->current_in += g * cg->x[i];
        if (system->pattern[i] & CBD_MG_OUTLET)
          cg->current_out += g * (1.0 - cg->x[i]);
      }
}

static double
imbalance (const Cg *cg)
{
  return fabs (cg->current_in - cg->current_out) / MAX (cg->current_in, G_MINDOUBLE);
}

/* The vectors of conjugate gradients, kept from one axis to the next: a
 * fresh array costs its page faults again. */
typedef struct
{
  double *x, *r, *q;
  float  *p, *z, *r_single;
  gsize   capacity;
} Vectors;

static void
vectors_clear (Vectors *v)
{
  g_free (v->x);
  g_free (v->r);
  g_free (v->p);
  g_free (v->q);
  g_free (v->z);
  g_free (v->r_single);
  memset (v, 0, sizeof *v);
}

/* For the same reason x takes @spare, memory already touched that the
 * caller no longer needs (the cluster labels), where it is large enough and
 * not much larger (a third to half of the volume conducting); *@spare is
 * then NULL. */
static gboolean
vectors_reserve (Vectors *v, gsize n, gpointer *spare, gsize spare_bytes)
{
  if (v->capacity >= n + 1)
    return TRUE;
  vectors_clear (v);
  if (*spare != NULL && spare_bytes >= (n + 1) * sizeof (double) &&
      spare_bytes <= 1.5 * (n + 1) * sizeof (double))
    v->x = g_steal_pointer (spare);
  else
    v->x = cbd_grid_try_new (double, n + 1);
  v->r = cbd_grid_try_new (double, n + 1);
  v->p = cbd_grid_try_new (float, n + 1);
  v->q = cbd_grid_try_new (double, n + 1);
  v->z = cbd_grid_try_new (float, n + 1);
  v->r_single = cbd_grid_try_new (float, n + 1);
  if (!v->x || !v->r || !v->p || !v->q || !v->z || !v->r_single)
    {
      vectors_clear (v);
      return FALSE;
    }
  v->capacity = n + 1;
  return TRUE;
}

/* Where one axis's solve reports: its share [lo, hi) of the whole call. */
typedef struct
{
  CbdProgressFunc func;
  gpointer        data;
  const char     *stage;
  double          lo, hi;
} Reporter;

/* @multigrid: the preconditioner of @system, built here when NULL, else
 * driven along the system's axis. */
static gboolean
solve_system (const Problem *problem, const System *system, const CbdSolverOptions *options,
              CbdParallel *parallel, Vectors *vectors, CbdMultigrid **multigrid,
              CbdAxisResult *result, Cg *cg_out, GCancellable *cancellable,
              const Reporter *reporter, GError **error)
{
  gsize n = system->matrix.n;
  double *x = vectors->x;
  float *p = vectors->p, *z = vectors->z, *r_single = vectors->r_single;
  Cg cg = { problem, system, x, vectors->r, vectors->q, p, z, r_single, 0.0, 0.0, 0.0 };
  double rz = 0.0, rz_next, rr, residual;
  guint iteration = 0;
  gboolean measured;

  if (*multigrid != NULL && !cbd_multigrid_drive (*multigrid, &system->matrix))
    g_clear_pointer (multigrid, cbd_multigrid_free);
  if (*multigrid == NULL && (*multigrid = cbd_multigrid_new (&system->matrix, parallel)) == NULL)
    return out_of_memory (error, "multigrid hierarchy");

  /* The entries past the last unknown stand for absent neighbours. */
  p[n] = z[n] = 0.0f;
  rr = cbd_parallel_for (parallel, n, start_chunk, &cg);
  residual = sqrt (rr) / system->rhs_norm;

  for (;;)
    {
      measured = residual <= options->tolerance;
      if (measured)
        {
          measure_currents (&cg);
          if (imbalance (&cg) <= MAX_IMBALANCE)
            break;
        }
      if (iteration >= options->max_iterations)
        break;

      /* The next direction from the preconditioned residual, only once it
       * is known to be needed: after the last step it would be wasted (a
       * whole cycle per axis). The cycle sums r·z as it leaves z (with r
       * rounded to single precision, as the cycle sees it). */
      rz_next = cbd_multigrid_apply (*multigrid, r_single, z);
      if (iteration == 0)
        cbd_parallel_for (parallel, n, first_direction_chunk, &cg);
      else
        {
          cg.alpha = rz_next / rz;
          cbd_parallel_for (parallel, n, direction_chunk, &cg);
        }
      rz = rz_next;

      cg.alpha = rz / cbd_parallel_for (parallel, n, matvec_chunk, &cg);
      rr = cbd_parallel_for (parallel, n, update_chunk, &cg);
      residual = sqrt (rr) / system->rhs_norm;
      iteration++;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (reporter->func != NULL)
        {
          /* Residuals fall about geometrically: log scale as the fraction. */
          double fraction = log (MAX (residual, 1e-300)) / log (options->tolerance);
          CbdProgress report = { reporter->stage,
                                 reporter->lo + (reporter->hi - reporter->lo) * CLAMP (fraction, 0.0, 1.0),
                                 iteration, residual };
          reporter->func (&report, reporter->data);
        }
    }

  if (!measured)
    measure_currents (&cg);
  result->iterations = iteration;
  result->residual = residual;
  result->imbalance = imbalance (&cg);
  result->converged = residual <= options->tolerance && result->imbalance <= MAX_IMBALANCE;
  *cg_out = cg;
  return TRUE;
}

/* Fields for display ------------------------------------------------------- */

static gboolean
make_potential (const System *system, const double *x, gsize n_voxels, float **out,
                GError **error)
{
  float *field = g_try_new (float, MAX (n_voxels, 1));

  if (field == NULL)
    return out_of_memory (error, "potential field");
  for (gsize index = 0; index < n_voxels; index++)
    field[index] = NAN;
  for (gsize i = 0; i < system->matrix.n; i++)
    field[system->voxel[i]] = (float) x[i];
  *out = field;
  return TRUE;
}

/* |j| at voxel centres: per axis the mean of the fluxes through the voxel's
 * two faces over the face area, relative to the bulk's mean density. With
 * sigma_ref = 1 and unit voltage a link of conductance G carries the physical
 * current G Δφ h_ref, and the bulk density is 1 / (n_a h_a). */
static gboolean
make_current_density (const Problem *problem, const System *system, const double *x,
                      const gboolean conducts[256], gsize n_voxels, float **out, GError **error)
{
  float *field = g_try_new (float, MAX (n_voxels, 1));
  const double *h = problem->voxel_nm;
  CbdAxis a = problem->axis;
  gsize n = system->matrix.n;

  if (field == NULL)
    return out_of_memory (error, "current density field");
  for (gsize index = 0; index < n_voxels; index++)
    field[index] = conducts[problem->labels[index]] ? 0.0f : NAN;

  for (gsize i = 0; i < n; i++)
    {
      gsize index = system->voxel[i];
      gsize coord_a = (index / problem->stride[a]) % problem->dims[a];
      double face_g = face_conductance (problem, problem->labels[index]);
      double sum_squares = 0.0;

      for (guint d = 0; d < 3; d++)
        {
          double flux[2] = { 0.0, 0.0 };   /* along +d through the lower, upper face */
          double scale = problem->reference_length * problem->dims[a] * h[a]
                         / (h[(d + 1) % 3] * h[(d + 2) % 3]);

          for (guint side = 0; side < 2; side++)
            {
              gsize k = 6 * i + 2 * d + side;
              gsize j = (gsize) system->neighbour[k];
              double g = system->conductance ? system->conductance[k] : system->matrix.axis_conductance[d];

              if (j < n)
                flux[side] = side == 0 ? g * (x[j] - x[i]) : g * (x[i] - x[j]);
              else if (d == a && side == 0 && coord_a == 0)
                flux[side] = face_g * (0.0 - x[i]);
              else if (d == a && side == 1 && coord_a == problem->dims[a] - 1)
                flux[side] = face_g * (x[i] - 1.0);
            }
          sum_squares += pow (0.5 * (flux[0] + flux[1]) * scale, 2);
        }
      field[index] = (float) sqrt (sum_squares);
    }
  *out = field;
  return TRUE;
}

/* Public entry -------------------------------------------------------------- */

static gboolean
pose_problem (const CbdVolume *volume, const gboolean conducting[256], CbdAxis axis,
              const CbdSolverOptions *options, Problem *problem, gboolean conducts[256],
              GError **error)
{
  const double *h = volume->voxel_nm;
  double first = NAN;

  memcpy (problem->dims, volume->dims, sizeof problem->dims);
  problem->stride[0] = 1;
  problem->stride[1] = volume->dims[0];
  problem->stride[2] = volume->dims[0] * volume->dims[1];
  problem->axis = axis;
  problem->labels = volume->labels;
  problem->uniform = TRUE;

  for (guint label = 0; label < 256; label++)
    {
      double s = conducting[label] ? 1.0 : 0.0;

      if (conducting[label] && options->conductivity != NULL)
        {
          s = options->conductivity[label];
          if (!isfinite (s) || s < 0.0)
            {
              g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_INVALID_ARGUMENT,
                           "The conductivity of label %u must be a finite number ≥ 0, not %g",
                           label, s);
              return FALSE;
            }
        }
      problem->label_conductivity[label] = s;
      conducts[label] = s > 0.0;
      if (s > 0.0)
        {
          if (isnan (first))
            first = s;
          else if (s != first)
            problem->uniform = FALSE;
        }
    }
  problem->phase_conductivity = problem->uniform && !isnan (first) ? first : 1.0;

  for (guint d = 0; d < 3; d++)
    if (!(h[d] > 0.0) || !isfinite (h[d]))
      {
        g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_INVALID_ARGUMENT,
                     "The voxel size must be positive, not %g nm along %c", h[d], "xyz"[d]);
        return FALSE;
      }
  memcpy (problem->voxel_nm, h, sizeof problem->voxel_nm);
  problem->reference_length = cbrt (h[0] * h[1] * h[2]);
  for (guint d = 0; d < 3; d++)
    problem->axis_conductance[d] = h[(d + 1) % 3] * h[(d + 2) % 3] / (h[d] * problem->reference_length);
  return TRUE;
}

/* Solves along each axis d with bit d in @axes (at least one; exactly one
 * when fields are asked for). The axes share the search for the
 * percolating clusters and, when the same voxels carry current along each
 * of them (the usual case), the linear system: only its driven faces
 * change. */
static gboolean
solve_axes (const CbdVolume        *volume,
            const gboolean          conducting[256],
            guint                   axes,
            const CbdSolverOptions *options,
            CbdAxisResult           results[3],
            float                 **potential,
            float                 **current_density,
            GCancellable           *cancellable,
            CbdProgressFunc         progress,
            gpointer                progress_data,
            GError                **error)
{
  gsize n_voxels = cbd_volume_n_voxels (volume);
  g_autofree guint8 *marks = NULL;
  g_autofree guint32 *parent = NULL;
  g_autoptr(CbdParallel) parallel = NULL;
  g_autoptr(CbdMultigrid) multigrid = NULL;
  gboolean conducts[256];
  CbdSolverOptions defaults;
  Problem problem;
  System system = { 0 };
  Vectors vectors = { 0 };
  gsize n_phase = 0;
  guint n_axes = 0, n_done = 0;
  const double *h = volume->voxel_nm;
  gint64 start = g_get_monotonic_time ();
  double shared_seconds;
  guint percolating;
  gboolean one_system, built = FALSE, ok = FALSE;

  g_return_val_if_fail (axes != 0 && axes < 8, FALSE);
  g_return_val_if_fail ((potential == NULL && current_density == NULL) ||
                        (axes & (axes - 1)) == 0, FALSE);

  if (options == NULL)
    {
      cbd_solver_options_init (&defaults);
      options = &defaults;
    }
  for (guint d = 0; d < 3; d++)
    {
      memset (&results[d], 0, sizeof results[d]);
      results[d].tau = results[d].tau_percolating = NAN;
      n_axes += (axes >> d) & 1;
    }
  if (potential != NULL)
    *potential = NULL;
  if (current_density != NULL)
    *current_density = NULL;

  if (!pose_problem (volume, conducting, CBD_AXIS_X, options, &problem, conducts, error))
    return FALSE;
  if (n_voxels > G_MAXUINT32)
    {
      g_set_error (error, CBD_SOLVER_ERROR, CBD_SOLVER_ERROR_TOO_LARGE,
                   "The volume has %" G_GSIZE_FORMAT " voxels, over the solver's 2³² limit: crop it",
                   n_voxels);
      return FALSE;
    }

  marks = cbd_grid_try_new (guint8, MAX (n_voxels, 1));
  parent = cbd_grid_try_new (guint32, MAX (n_voxels, 1));
  if (marks == NULL || parent == NULL)
    return out_of_memory (error, "cluster labels");
  parallel = cbd_parallel_new (options->n_threads);
  cbd_progress_report (progress, progress_data, "Finding the percolating cluster", -1.0);
  one_system = find_percolating (&problem, conducts, marks, parent, axes, &percolating, &n_phase,
                                 parallel);
  shared_seconds = (g_get_monotonic_time () - start) / 1e6 / MAX (n_axes, 1);

  for (CbdAxis axis = CBD_AXIS_X; axis <= CBD_AXIS_Z; axis++)
    {
      CbdAxisResult *result = &results[axis];
      /* An axis nothing spans needs no system (and leaves the others'
       * one to share). */
      const System no_system = { 0 };
      gboolean carries = (percolating >> axis) & 1;
      const System *used = carries ? &system : &no_system;
      gsize n_a = volume->dims[axis], n_b = volume->dims[(axis + 1) % 3], n_c = volume->dims[(axis + 2) % 3];
      gint64 axis_start = g_get_monotonic_time ();
      char stage[32];
      Reporter reporter = { progress, progress_data, stage,
                            (double) n_done / n_axes, (double) (n_done + 1) / n_axes };
      Cg cg;

      if (!(axes & (1u << axis)))
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      problem.axis = axis;
      if (carries && (!built || !one_system))
        {
          /* The cluster labels' memory serves as scratch (kept for building
           * again, or else given to x below); only the marks stay. */
          g_clear_pointer (&multigrid, cbd_multigrid_free);
          if (!build_system (&problem, marks, AXIS_FACES (axis), n_voxels, (gint32 *) parent,
                             parallel, &system, error))
            goto out;
          built = TRUE;
          if (one_system)
            g_clear_pointer (&marks, g_free);
        }
      if (carries)
        system_drive_axis (&problem, &system);
      result->eps = (double) n_phase / n_voxels;
      result->eps_percolating = (double) used->matrix.n / n_voxels;
      result->dropped_fraction = (double) (n_phase - used->matrix.n) / n_voxels;
      result->percolating = used->matrix.n > 0;

      if (!result->percolating)
        /* Nothing connects the driven faces: no current, no tortuosity. */
        result->converged = TRUE;
      else
        {
          /* Scratch that no other build needs becomes x, where it fits. */
          gpointer spare = one_system ? g_steal_pointer (&parent) : NULL;
          gboolean reserved = vectors_reserve (&vectors, system.matrix.n, &spare,
                                               n_voxels * sizeof (guint32));

          g_free (spare);
          if (!reserved)
            {
              out_of_memory (error, "iteration vectors");
              goto out;
            }
          g_snprintf (stage, sizeof stage, "Solving along %c", "xyz"[axis]);
          if (!solve_system (&problem, &system, options, parallel, &vectors, &multigrid, result,
                             &cg, cancellable, &reporter, error))
            goto out;

          /* sigma_eff = I L / (A ΔV); conductances carry a factor 1 / h_ref. */
          result->sigma_rel = 0.5 * (cg.current_in + cg.current_out) * problem.reference_length
                              * n_a * h[axis] / (n_b * h[(axis + 1) % 3] * n_c * h[(axis + 2) % 3]);
          if (problem.uniform)
            {
              result->tau = result->eps * problem.phase_conductivity / result->sigma_rel;
              result->tau_percolating = result->eps_percolating * problem.phase_conductivity
                                        / result->sigma_rel;
            }
        }

      if (potential != NULL && !make_potential (used, vectors.x, n_voxels, potential, error))
        goto out;
      if (current_density != NULL &&
          !make_current_density (&problem, used, vectors.x, conducts, n_voxels,
                                 current_density, error))
        {
          g_clear_pointer (potential, g_free);
          goto out;
        }
      result->seconds = shared_seconds + (g_get_monotonic_time () - axis_start) / 1e6;
      n_done++;
    }
  ok = TRUE;

out:
  g_clear_pointer (&multigrid, cbd_multigrid_free);
  system_clear (&system);
  vectors_clear (&vectors);
  return ok;
}

gboolean
cbd_solver_solve_axis (const CbdVolume        *volume,
                       const gboolean          conducting[256],
                       CbdAxis                 axis,
                       const CbdSolverOptions *options,
                       CbdAxisResult          *result,
                       float                 **potential,
                       float                 **current_density,
                       GCancellable           *cancellable,
                       CbdProgressFunc         progress,
                       gpointer                progress_data,
                       GError                **error)
{
  CbdAxisResult results[3];
  gboolean ok = solve_axes (volume, conducting, 1u << axis, options, results, potential,
                            current_density, cancellable, progress, progress_data, error);

  *result = results[axis];
  return ok;
}

gboolean
cbd_solver_solve_axes (const CbdVolume        *volume,
                       const gboolean          conducting[256],
                       const gboolean          axes[3],
                       const CbdSolverOptions *options,
                       CbdAxisResult           results[3],
                       GCancellable           *cancellable,
                       CbdProgressFunc         progress,
                       gpointer                progress_data,
                       GError                **error)
{
  guint mask = 0;

  for (guint d = 0; d < 3; d++)
    mask |= axes[d] ? 1u << d : 0;
  return solve_axes (volume, conducting, mask, options, results, NULL, NULL, cancellable,
                     progress, progress_data, error);
}
