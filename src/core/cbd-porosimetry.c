/* cbd-porosimetry.c — pore size distributions: simulated mercury intrusion
 * (morphological drainage) and local thickness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-porosimetry"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-edt.h"
#include "cbd-json.h"
#include "cbd-parallel.h"
#include "cbd-porosimetry.h"

G_DEFINE_QUARK (cbd-porosimetry-error-quark, cbd_porosimetry_error)

/* The method, in four steps, each linear or near-linear in the volume:
 *
 * 1. Distance. dt(c) = distance from the centre of pore voxel c to the
 *    nearest non-pore voxel centre (exact EDT, open border), lowered to the
 *    distance to the one-voxel layer beyond each sealed (non-inlet) face.
 *    A sphere of radius R centred on c "fits" when dt(c) >= R; it then covers
 *    the voxels whose centres lie strictly within R of c, all of them pore.
 *
 * 2. Access. A sphere of radius R reaches c when c is joined to a pore voxel
 *    on an inlet face by a path of face neighbours on each of which it fits.
 *    The largest such R is the widest-path (bottleneck) value
 *    a(c) = max over paths of min dt along the path, computed for every
 *    voxel at once by label correcting from the inlet faces: raster sweeps,
 *    then a work list until nothing changes (exact at the fixed point).
 *
 * 3. Max ball. Mercury that entered at some pressure stays when the
 *    pressure rises, so the voxel v is intruded at every radius up to
 *    R(v) = max { a(c) : |v - c| < a(c) }, the largest reachable sphere
 *    covering v. Local thickness is the same with dt in place of a. Both are
 *    computed by stamping balls (row spans, out = max (out, radius)) in the
 *    order of their centres, so rows stay in the cache and the result is
 *    independent of order and threads. Only the balls not implied by a
 *    neighbour's are stamped:
 *    - rule A: if every face neighbour n (inside the volume) has
 *      a(n) >= a(c), any voxel v != c of c's ball is covered at least as
 *      well by the ball of the neighbour one step towards v;
 *    - rule B: if c's ball is a subset of another ball, it never matters.
 *      Tested exactly on the lattice: against the balls of the 3 x 3 x 3
 *      neighbourhood (the 7 x 7 x 7 one for balls of 8+ voxels) with a table
 *      of the farthest ball point from each offset per squared radius, and
 *      for balls of 8+ voxels against the ball at the top of a climb up the
 *      field (the centre of a round pore) row by row.
 *    A maximising ball for v that is closest to v among the maximisers can
 *    be pruned by neither rule (a subset ball of another centre has a
 *    strictly larger radius), so the result is exact; a voxel also keeps its
 *    own value. Typically a third of the pore voxels, mostly small balls,
 *    are stamped.
 *
 * 4. Diameters. The ball of radius R is reported as diameter 2 R - h (h the
 *    smallest voxel edge; see the header), intruded fractions per diameter
 *    and local-thickness histograms follow by counting.
 *
 * Squared radii are shrunk by a relative 1e-6 before use, so float rounding
 * of the distances can never let a ball include the solid voxel that bounds
 * it. */

#define BALL_TOLERANCE 1e-6
#define TABLE_MARGIN 1e-12
#define TABLE_MAX_RADIUS_VOXELS 128
#define BIN_TOLERANCE 1e-6

static inline double
ball_s (float radius)
{
  return (double) radius * (double) radius * (1.0 - BALL_TOLERANCE);
}

/* ------------------------------------------------------------------------ */
/* Options, faces, Washburn, diameter lists                                 */

void
cbd_porosimetry_options_init (CbdPorosimetryOptions *options)
{
  g_return_if_fail (options != NULL);

  options->inlets = CBD_FACES_ALL;
  options->surface_tension_n_per_m = CBD_MERCURY_SURFACE_TENSION_N_PER_M;
  options->contact_angle_deg = CBD_MERCURY_CONTACT_ANGLE_DEG;
  options->n_threads = 0;
  options->points_per_decade = CBD_PSD_POINTS_PER_DECADE;
}

static const struct
{
  const char *name;
  CbdFaces    faces;
} face_names[] = {
  { "x-", CBD_FACE_X_MIN }, { "x+", CBD_FACE_X_MAX },
  { "y-", CBD_FACE_Y_MIN }, { "y+", CBD_FACE_Y_MAX },
  { "z-", CBD_FACE_Z_MIN }, { "z+", CBD_FACE_Z_MAX },
  { "x", CBD_FACE_X_MIN | CBD_FACE_X_MAX },
  { "y", CBD_FACE_Y_MIN | CBD_FACE_Y_MAX },
  { "z", CBD_FACE_Z_MIN | CBD_FACE_Z_MAX },
  { "all", CBD_FACES_ALL },
  { "none", CBD_FACES_NONE },
};

gboolean
cbd_faces_parse (const char  *spec,
                 CbdFaces    *faces,
                 GError     **error)
{
  g_auto(GStrv) parts = NULL;
  guint result = 0;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (faces != NULL, FALSE);

  parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      gboolean found = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (face_names); j++)
        if (g_ascii_strcasecmp (part, face_names[j].name) == 0)
          {
            result |= face_names[j].faces;
            found = TRUE;
            break;
          }
      if (!found)
        {
          g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                       "Unknown face “%s” (expected all, none, x, y, z, x-, x+, y-, y+, z- or z+)",
                       part);
          return FALSE;
        }
    }
  if (parts[0] == NULL)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "Empty list of faces");
      return FALSE;
    }
  *faces = (CbdFaces) result;
  return TRUE;
}

char *
cbd_faces_to_string (CbdFaces faces)
{
  GString *out;

  if ((faces & CBD_FACES_ALL) == CBD_FACES_ALL)
    return g_strdup ("all");
  if ((faces & CBD_FACES_ALL) == 0)
    return g_strdup ("none");
  out = g_string_new (NULL);
  for (guint j = 0; j < 6; j++)
    if (faces & face_names[j].faces)
      {
        if (out->len > 0)
          g_string_append_c (out, ',');
        g_string_append (out, face_names[j].name);
      }
  return g_string_free (out, FALSE);
}

double
cbd_washburn_pressure_mpa (double diameter_nm,
                           double surface_tension_n_per_m,
                           double contact_angle_deg)
{
  double cos_theta = cos (contact_angle_deg * G_PI / 180.0);

  /* N/m over nm gives 1e9 Pa = 1e3 MPa */
  return -4.0 * surface_tension_n_per_m * cos_theta / diameter_nm * 1e3;
}

double
cbd_washburn_diameter_nm (double pressure_mpa,
                          double surface_tension_n_per_m,
                          double contact_angle_deg)
{
  double cos_theta = cos (contact_angle_deg * G_PI / 180.0);

  return -4.0 * surface_tension_n_per_m * cos_theta / pressure_mpa * 1e3;
}

double *
cbd_porosimetry_log_diameters (double  largest_nm,
                               double  smallest_nm,
                               guint   per_decade,
                               gsize  *n_diameters)
{
  double *diameters;
  double decades;
  gsize n;

  g_return_val_if_fail (n_diameters != NULL, NULL);
  g_return_val_if_fail (largest_nm > 0 && smallest_nm > 0, NULL);
  g_return_val_if_fail (isfinite (largest_nm) && isfinite (smallest_nm), NULL);
  g_return_val_if_fail (per_decade > 0, NULL);

  if (largest_nm < smallest_nm)
    {
      double swap = largest_nm;

      largest_nm = smallest_nm;
      smallest_nm = swap;
    }
  decades = log10 (largest_nm / smallest_nm);
  n = (decades > 0) ? (gsize) MAX (ceil (decades * per_decade - 1e-9), 1.0) + 1 : 1;
  diameters = g_new (double, n);
  for (gsize k = 0; k < n; k++)
    diameters[k] = largest_nm * pow (smallest_nm / largest_nm, n > 1 ? (double) k / (n - 1) : 0.0);
  diameters[0] = largest_nm;
  diameters[n - 1] = (n > 1) ? smallest_nm : largest_nm;
  *n_diameters = n;
  return diameters;
}

double
cbd_porosimetry_voxel_correction_nm (const CbdVolume *volume)
{
  g_return_val_if_fail (volume != NULL, 0.0);

  return MIN (volume->voxel_nm[0], MIN (volume->voxel_nm[1], volume->voxel_nm[2]));
}

static gboolean
check_washburn (const CbdPorosimetryOptions *options,
                GError                     **error)
{
  if (!(options->surface_tension_n_per_m > 0) || !isfinite (options->surface_tension_n_per_m))
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The surface tension must be positive, not %g N/m",
                   options->surface_tension_n_per_m);
      return FALSE;
    }
  if (!(options->contact_angle_deg > 90 && options->contact_angle_deg <= 180))
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The contact angle must lie above 90° (a non-wetting liquid) and at most "
                   "180°, not %g°", options->contact_angle_deg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_options (const CbdVolume             *volume,
               const CbdPorosimetryOptions *options,
               GError                     **error)
{
  gsize n = cbd_volume_n_voxels (volume);

  if (!check_washburn (options, error))
    return FALSE;
  for (guint axis = 0; axis < 3; axis++)
    if (!(volume->voxel_nm[axis] > 0) || !isfinite (volume->voxel_nm[axis]))
      {
        g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                     "The voxel size must be positive and finite");
        return FALSE;
      }
  /* Voxel indices are held in 32 bits. */
  if (n == 0 || n >= G_MAXUINT32)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_TOO_LARGE,
                   "Porosimetry handles volumes of 1 to 4 294 967 294 voxels, not %" G_GSIZE_FORMAT
                   " (crop or downsample the volume)", n);
      return FALSE;
    }
  return TRUE;
}

static void
set_no_memory (GError **error, const char *what)
{
  g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_NO_MEMORY,
               "Not enough memory for the %s", what);
}

/* ------------------------------------------------------------------------ */
/* A minimal parallel loop: units handed out by an atomic counter. Only
 * worker 0 (the calling thread) reports progress.                          */

typedef void (*UnitFunc) (gpointer data, guint unit);

typedef struct
{
  UnitFunc         func;
  gpointer         data;
  guint            n_units;
  gint             next_unit;  /* atomic */
  GCancellable    *cancellable;
  CbdProgressFunc  progress;
  gpointer         progress_data;
  const char      *stage;
  double           fraction_start;
  double           fraction_span;
} Parallel;

typedef struct
{
  Parallel *parallel;
  gboolean  reports;
} ParallelWorker;

static gpointer
parallel_worker (gpointer user_data)
{
  ParallelWorker *worker = user_data;
  Parallel *parallel = worker->parallel;

  for (;;)
    {
      gint unit = g_atomic_int_add (&parallel->next_unit, 1);

      if (unit < 0 || (guint) unit >= parallel->n_units)
        break;
      if (parallel->cancellable != NULL && g_cancellable_is_cancelled (parallel->cancellable))
        break;
      parallel->func (parallel->data, (guint) unit);
      if (worker->reports && parallel->progress != NULL)
        cbd_progress_report (parallel->progress, parallel->progress_data, parallel->stage,
                             parallel->fraction_start
                             + parallel->fraction_span * (unit + 1) / parallel->n_units);
    }
  return NULL;
}

static guint
resolve_threads (guint n_threads)
{
  return n_threads == 0 ? MAX (1, g_get_num_processors ()) : n_threads;
}

static void
parallel_run (guint            n_threads,
              guint            n_units,
              UnitFunc         func,
              gpointer         data,
              GCancellable    *cancellable,
              CbdProgressFunc  progress,
              gpointer         progress_data,
              const char      *stage,
              double           fraction_start,
              double           fraction_span)
{
  Parallel parallel = {
    .func = func, .data = data, .n_units = n_units, .next_unit = 0,
    .cancellable = cancellable, .progress = progress, .progress_data = progress_data,
    .stage = stage, .fraction_start = fraction_start, .fraction_span = fraction_span,
  };
  g_autofree ParallelWorker *workers = NULL;

  n_threads = MIN (resolve_threads (n_threads), MAX (n_units, 1));
  workers = g_new0 (ParallelWorker, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t].parallel = &parallel;
      workers[t].reports = (t == 0);
    }
  cbd_parallel_run_workers ("cbd-porosimetry", parallel_worker, workers, sizeof workers[0],
                            n_threads);
}

/* ------------------------------------------------------------------------ */
/* Step 1: distances with sealed faces                                      */

typedef struct
{
  const CbdVolume *volume;
  const gboolean  *phase;
  CbdFaces         walls;
  float           *distance;
} WallPass;

static void
wall_plane (gpointer data, guint z)
{
  WallPass *pass = data;
  const CbdVolume *volume = pass->volume;
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  const double *h = volume->voxel_nm;

  for (gsize y = 0; y < ny; y++)
    {
      gsize row = nx * (y + ny * z);
      double wall_yz = INFINITY;

      if (pass->walls & CBD_FACE_Y_MIN)
        wall_yz = MIN (wall_yz, (double) (y + 1) * h[1]);
      if (pass->walls & CBD_FACE_Y_MAX)
        wall_yz = MIN (wall_yz, (double) (ny - y) * h[1]);
      if (pass->walls & CBD_FACE_Z_MIN)
        wall_yz = MIN (wall_yz, (double) (z + 1) * h[2]);
      if (pass->walls & CBD_FACE_Z_MAX)
        wall_yz = MIN (wall_yz, (double) (nz - z) * h[2]);

      for (gsize x = 0; x < nx; x++)
        {
          double wall = wall_yz;

          if (!pass->phase[volume->labels[row + x]])
            continue;
          if (pass->walls & CBD_FACE_X_MIN)
            wall = MIN (wall, (double) (x + 1) * h[0]);
          if (pass->walls & CBD_FACE_X_MAX)
            wall = MIN (wall, (double) (nx - x) * h[0]);
          if (wall < pass->distance[row + x])
            pass->distance[row + x] = (float) wall;
        }
    }
}

static gboolean
distance_with_walls (const CbdVolume *volume,
                     const gboolean   phase[256],
                     CbdFaces         inlets,
                     guint            n_threads,
                     float           *distance,
                     GCancellable    *cancellable,
                     GError         **error)
{
  WallPass pass = { volume, phase, (CbdFaces) (~inlets & CBD_FACES_ALL), distance };

  /* The distance to a union of sets is the minimum of the distances: the
   * open-border EDT, then each sealed face's outside layer. */
  if (!cbd_edt_compute (volume, phase, CBD_EDT_BORDER_OPEN, n_threads, distance, cancellable, error))
    return FALSE;
  if (pass.walls != 0)
    parallel_run (n_threads, (guint) volume->dims[2], wall_plane, &pass, cancellable,
                  NULL, NULL, NULL, 0, 0);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* ------------------------------------------------------------------------ */
/* Step 2: widest-path access from the inlet faces                          */

/* One raster sweep of a(v) = max (a(v), min (dt(v), a(u))) over the face
 * neighbours u that come before v (forward) or after it (backward). Paths
 * that keep their direction along every axis are settled by one sweep;
 * returns the number of voxels raised. */
static gsize
access_sweep (const CbdVolume *volume, const float *distance, float *access, gboolean forward)
{
  gssize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gssize plane = nx * ny;
  gssize step = forward ? 1 : -1;
  gsize changed = 0;

  for (gssize z = forward ? 0 : nz - 1; z >= 0 && z < nz; z += step)
    for (gssize y = forward ? 0 : ny - 1; y >= 0 && y < ny; y += step)
      {
        gssize row = nx * (y + ny * z);
        gboolean has_y = forward ? y > 0 : y + 1 < ny;
        gboolean has_z = forward ? z > 0 : z + 1 < nz;

        for (gssize x = forward ? 0 : nx - 1; x >= 0 && x < nx; x += step)
          {
            gssize i = row + x;
            float best = 0.0f, candidate;

            if (distance[i] <= 0)
              continue;  /* not pore */
            if (forward ? x > 0 : x + 1 < nx)
              best = access[i - step];
            if (has_y)
              best = MAX (best, access[i - step * nx]);
            if (has_z)
              best = MAX (best, access[i - step * plane]);
            candidate = MIN (best, distance[i]);
            if (candidate > access[i])
              {
                access[i] = candidate;
                changed++;
              }
          }
      }
  return changed;
}

typedef struct
{
  guint32 *items;
  gsize    length;
  gsize    capacity;
} VoxelList;

static gboolean
voxel_list_push (VoxelList *list, gsize voxel)
{
  if (list->length == list->capacity)
    {
      gsize capacity = MAX (1024, list->capacity * 2);
      guint32 *items = g_try_realloc_n (list->items, capacity, sizeof (guint32));

      if (items == NULL)
        return FALSE;
      list->items = items;
      list->capacity = capacity;
    }
  list->items[list->length++] = (guint32) voxel;
  return TRUE;
}

/* access[i]: the widest-path value a(i), 0 outside the phase and for pore
 * that no inlet reaches; never above distance[i]. Label correcting from
 * below: every value held is achieved by some path, and at the fixed point
 * a(v) >= min (a(u), dt(v)) for all face neighbours, so the values are
 * exact whatever the order of the updates. A few raster sweeps settle
 * nearly everything in cache-friendly order; a work list of the voxels that
 * can still raise a neighbour finishes the paths that turn back. @queued:
 * one byte per voxel. */
static gboolean
access_flood (const CbdVolume *volume,
              CbdFaces         inlets,
              const float     *distance,
              float           *access,
              guint8          *queued,
              GCancellable    *cancellable,
              CbdProgressFunc  progress,
              gpointer         progress_data,
              double           fraction_start,
              double           fraction_span,
              GError         **error)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gsize plane = nx * ny, n = plane * nz;
  VoxelList current = { 0 }, next = { 0 };
  gsize changed = 1;
  gboolean ok = TRUE;

  cbd_progress_report (progress, progress_data, "Finding what the inlets reach", fraction_start);
  memset (access, 0, n * sizeof (float));
  /* Seeds: the pore voxels of every inlet face, at their own distance. */
  for (guint face = 0; face < 6; face++)
    {
      guint axis = face / 2;
      gsize fixed, n_u, n_v;

      if (!(inlets & (1u << face)))
        continue;
      fixed = (face % 2 == 0) ? 0 : volume->dims[axis] - 1;
      n_u = volume->dims[(axis + 1) % 3];
      n_v = volume->dims[(axis + 2) % 3];
      for (gsize v = 0; v < n_v; v++)
        for (gsize u = 0; u < n_u; u++)
          {
            gsize c[3];
            gsize i;

            c[axis] = fixed;
            c[(axis + 1) % 3] = u;
            c[(axis + 2) % 3] = v;
            i = c[0] + nx * (c[1] + ny * c[2]);
            access[i] = distance[i];
          }
    }

  for (guint pass = 0; pass < 4 && changed > 0; pass++)
    {
      changed = access_sweep (volume, distance, access, pass % 2 == 0);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      cbd_progress_report (progress, progress_data, "Finding what the inlets reach",
                           fraction_start + fraction_span * 0.2 * (pass + 1));
    }

  /* The voxels that can still raise a neighbour. */
  memset (queued, 0, n);
  for (gsize z = 0; z < nz && ok; z++)
    for (gsize y = 0; y < ny && ok; y++)
      for (gsize x = 0; x < nx && ok; x++)
        {
          gsize i = x + nx * (y + ny * z);
          float value = access[i];
          gboolean raises = FALSE;

          if (!(value > 0))
            continue;
#define RAISES(condition, other) \
          ((condition) && MIN (value, distance[(other)]) > access[(other)])
          raises = RAISES (x > 0, i - 1) || RAISES (x + 1 < nx, i + 1)
                   || RAISES (y > 0, i - nx) || RAISES (y + 1 < ny, i + nx)
                   || RAISES (z > 0, i - plane) || RAISES (z + 1 < nz, i + plane);
#undef RAISES
          if (raises)
            {
              queued[i] = 1;
              ok = voxel_list_push (&current, i);
            }
        }

  while (ok && current.length > 0)
    {
      next.length = 0;
      for (gsize k = 0; k < current.length && ok; k++)
        {
          gsize i = current.items[k];
          gsize x = i % nx, y = (i / nx) % ny, z = i / plane;
          float value = access[i];

          queued[i] = 0;
#define RAISE(condition, offset)                                              \
          if ((condition) && MIN (value, distance[(offset)]) > access[(offset)]) \
            {                                                                 \
              gsize other = (offset);                                         \
              access[other] = MIN (value, distance[other]);                   \
              if (!queued[other])                                             \
                {                                                             \
                  queued[other] = 1;                                          \
                  ok = ok && voxel_list_push (&next, other);                  \
                }                                                             \
            }
          RAISE (x > 0, i - 1)
          RAISE (x + 1 < nx, i + 1)
          RAISE (y > 0, i - nx)
          RAISE (y + 1 < ny, i + nx)
          RAISE (z > 0, i - plane)
          RAISE (z + 1 < nz, i + plane)
#undef RAISE
        }
      {
        VoxelList swap = current;

        current = next;
        next = swap;
      }
      if (g_cancellable_is_cancelled (cancellable))
        break;
    }
  g_free (current.items);
  g_free (next.items);
  if (!ok)
    {
      set_no_memory (error, "intrusion front");
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* ------------------------------------------------------------------------ */
/* Step 3: max ball                                                         */

/* Neighbour offsets tested by rule B: all 26 for every ball, then the rest
 * of the 7 x 7 x 7 cube for balls of at least EXTENDED_RADIUS_VOXELS, whose
 * stamps cost most (digital balls of large radius are rarely inside a face,
 * edge or corner neighbour's, but often inside one two or three voxels
 * away). */
#define NEAR_REACH 1
#define FAR_REACH 3
#define EXTENDED_RADIUS_VOXELS 8.0
#define CLIMB_RADIUS_VOXELS 8.0
#define N_CLASSES ((FAR_REACH + 1) * (FAR_REACH + 1) * (FAR_REACH + 1))

static inline guint
offset_class (gint dx, gint dy, gint dz)
{
  return (guint) (ABS (dx) + (FAR_REACH + 1) * (ABS (dy) + (FAR_REACH + 1) * ABS (dz)));
}

/* For each squared radius S (bucketed) and each offset class e (|dx|, |dy|,
 * |dz| up to FAR_REACH), an upper bound of
 * max { |w - e|^2 : lattice w, |w|^2 < S }, the farthest point of a ball of
 * squared radius S from a centre at offset e. By the sign symmetry of the
 * lattice it is enough to look at w in the octant opposite to e. For cubic
 * voxels the buckets are the integer squared lengths (exact); otherwise
 * they are h_min^2 / 2 wide and a partial bucket is counted in full, which
 * only errs towards stamping more balls. Values are floats rounded up. */
typedef struct
{
  double   delta;
  gboolean rounded;
  gsize    n_buckets;
  float   *prefix_max;  /* n_buckets x N_CLASSES */
} ContainmentTable;

static inline gsize
table_bucket_of (const ContainmentTable *table, double q)
{
  return (gsize) (table->rounded ? floor (q / table->delta + 0.5) : floor (q / table->delta));
}

/* The last bucket holding points of the ball of squared radius s, or
 * G_MAXSIZE when the table does not reach that far. */
static inline gsize
table_query (const ContainmentTable *table, double s)
{
  double x = s * (1.0 + TABLE_MARGIN) / table->delta;
  double b = table->rounded ? ceil (x) - 1.0 : floor (x);

  if (!(b < (double) table->n_buckets) || b < 0)
    return G_MAXSIZE;
  return (gsize) b;
}

static gboolean
table_init (ContainmentTable *table,
            const double      h[3],
            double            max_radius_nm)
{
  double h_min = MIN (h[0], MIN (h[1], h[2]));
  double radius = MIN (max_radius_nm, TABLE_MAX_RADIUS_VOXELS * h_min);
  double s_max, q_max, h2[3];
  gsize extent[3];
  g_autofree double *raw = NULL;

  memset (table, 0, sizeof *table);
  if (!(radius > h_min))
    return TRUE;  /* every ball is a single voxel or unbounded: no table needed */

  for (guint axis = 0; axis < 3; axis++)
    h2[axis] = h[axis] * h[axis];
  table->rounded = (h[0] == h[1] && h[1] == h[2]);
  table->delta = table->rounded ? h_min * h_min : h_min * h_min / 2.0;
  s_max = radius * radius;
  table->n_buckets = (gsize) (s_max * (1.0 + TABLE_MARGIN) / table->delta) + 2;
  q_max = (double) (table->n_buckets + 1) * table->delta;
  for (guint axis = 0; axis < 3; axis++)
    extent[axis] = (gsize) (sqrt (q_max) / h[axis]) + 1;

  raw = g_try_malloc_n (table->n_buckets * N_CLASSES, sizeof (double));
  table->prefix_max = g_try_malloc_n (table->n_buckets * N_CLASSES, sizeof (float));
  if (raw == NULL || table->prefix_max == NULL)
    return FALSE;
  for (gsize i = 0; i < table->n_buckets * N_CLASSES; i++)
    raw[i] = -1.0;

  for (gsize mz = 0; mz <= extent[2]; mz++)
    for (gsize my = 0; my <= extent[1]; my++)
      {
        double qyz = h2[1] * (double) (my * my) + h2[2] * (double) (mz * mz);

        if (qyz > q_max)
          break;
        for (gsize mx = 0; mx <= extent[0]; mx++)
          {
            double q = h2[0] * (double) (mx * mx) + qyz;
            double *row;
            gsize b;

            if (q > q_max)
              break;
            b = table_bucket_of (table, q);
            if (b >= table->n_buckets)
              continue;
            row = raw + b * N_CLASSES;
            for (guint ez = 0; ez <= FAR_REACH; ez++)
              for (guint ey = 0; ey <= FAR_REACH; ey++)
                {
                  double fy = (double) (my + ey), fz = (double) (mz + ez);
                  double fyz = h2[1] * fy * fy + h2[2] * fz * fz;

                  for (guint ex = 0; ex <= FAR_REACH; ex++)
                    {
                      double fx = (double) (mx + ex);
                      double f = h2[0] * fx * fx + fyz;
                      guint e = offset_class (ex, ey, ez);

                      row[e] = MAX (row[e], f);
                    }
                }
          }
      }
  for (gsize b = 0; b < table->n_buckets; b++)
    for (guint e = 0; e < N_CLASSES; e++)
      {
        double value = raw[b * N_CLASSES + e];

        if (b > 0)
          value = MAX (value, raw[(b - 1) * N_CLASSES + e]);
        raw[b * N_CLASSES + e] = value;
        /* Rounded up so the bound stays a bound. */
        table->prefix_max[b * N_CLASSES + e] = nextafterf ((float) value, INFINITY);
      }
  return TRUE;
}

static void
table_clear (ContainmentTable *table)
{
  g_clear_pointer (&table->prefix_max, g_free);
}

/* The largest k <= limit with (k h)^2 < rem (rem > 0). */
static inline gsize
half_extent (double rem, double h, gsize limit)
{
  double reach = (double) limit * h;
  gsize k;

  if (reach * reach < rem)
    return limit;
  k = (gsize) (sqrt (rem) / h);
  while (k > 0 && ((double) k * h) * ((double) k * h) >= rem)
    k--;
  while (k < limit && ((double) (k + 1) * h) * ((double) (k + 1) * h) < rem)
    k++;
  return k;
}

typedef struct
{
  double  s;        /* squared radius, shrunk */
  guint32 x, y;     /* centre; z is the plane the stamp is listed under */
  guint32 reach_z;  /* planes above and below that the ball touches */
  float   radius;
} Stamp;

typedef struct
{
  gint   d[3];
  gssize step;   /* index offset */
  guint  e;      /* offset class */
} Offset;

typedef struct
{
  const CbdVolume        *volume;
  float                  *field;     /* radius per voxel; becomes the max-ball radius */
  guint8                 *needed;    /* per voxel: the ball is stamped */
  const ContainmentTable *table;
  gsize                  *plane_start;  /* per plane: count, then first stamp */
  guint32                *plane_reach;  /* per plane: largest z half-extent of its stamps */
  Stamp                  *stamps;
  guint                   planes_per_block;
  guint32                 max_reach;
  double                  h_min;
  Offset                  near[26];
  Offset                  far[342 - 26];
  guint                   n_far;
} MaxBall;

/* Rule B over a list of offsets: is the ball of (s, radius) at (x, y, z)
 * inside the ball of one of the listed neighbours? */
static inline gboolean
inside_neighbour (const MaxBall *job, const Offset *offsets, guint n_offsets, gboolean interior,
                  gsize x, gsize y, gsize z, gsize i, float radius, const float *farthest)
{
  const CbdVolume *volume = job->volume;
  const float *field = job->field;

  for (guint k = 0; k < n_offsets; k++)
    {
      const Offset *o = &offsets[k];
      float other;

      if (!interior &&
          ((gssize) x + o->d[0] < 0 || (gssize) x + o->d[0] >= (gssize) volume->dims[0] ||
           (gssize) y + o->d[1] < 0 || (gssize) y + o->d[1] >= (gssize) volume->dims[1] ||
           (gssize) z + o->d[2] < 0 || (gssize) z + o->d[2] >= (gssize) volume->dims[2]))
        continue;
      other = field[(gssize) i + o->step];
      if (other > radius && ball_s (other) > farthest[o->e] * (1.0 + TABLE_MARGIN))
        return TRUE;
    }
  return FALSE;
}

/* Follows the largest of the 26 neighbours while it is larger; @at is
 * moved to the top. Returns its index. */
static gsize
climb (const MaxBall *job, gssize at[3])
{
  const CbdVolume *volume = job->volume;
  gssize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gsize i = at[0] + nx * (at[1] + ny * at[2]);

  for (guint step = 0; step < 4096; step++)
    {
      gsize best = i;
      gssize best_at[3] = { at[0], at[1], at[2] };

      for (guint k = 0; k < G_N_ELEMENTS (job->near); k++)
        {
          const Offset *o = &job->near[k];
          gssize p[3] = { at[0] + o->d[0], at[1] + o->d[1], at[2] + o->d[2] };
          gsize j;

          if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= nx || p[1] >= ny || p[2] >= nz)
            continue;
          j = (gsize) ((gssize) i + o->step);
          if (job->field[j] > job->field[best])
            {
              best = j;
              memcpy (best_at, p, sizeof best_at);
            }
        }
      if (best == i)
        break;
      i = best;
      memcpy (at, best_at, sizeof best_at);
    }
  return i;
}

/* Is the ball of squared radius @s_inner at the origin inside the ball of
 * squared radius @s_outer at @offset (in voxels)? Exact on the lattice: the
 * point of each row of the inner ball farthest from the outer centre is
 * one of the row's ends. */
static gboolean
ball_inside (const double h[3], double s_inner, const gssize offset[3], double s_outer)
{
  gsize kz = half_extent (s_inner, h[2], (gsize) (sqrt (s_inner) / h[2]) + 1);
  double ex = (double) ABS (offset[0]);
  double exy = hypot (offset[0] * h[0], offset[1] * h[1]);

  /* The far side first: a ball that pokes out usually does so there. */
  for (gsize step = 0; step <= 2 * kz; step++)
    {
      gssize dz = offset[2] > 0 ? (gssize) step - (gssize) kz : (gssize) kz - (gssize) step;
      double ddz = (double) dz * h[2], rem = s_inner - ddz * ddz;
      double fz = ((double) (dz - offset[2])) * h[2];
      double bound;
      gsize ky, kx;

      if (!(rem > 0))
        continue;
      /* The continuous disc holds the plane's rows: if its farthest point
       * is inside, so are they. */
      bound = sqrt (rem) + exy;
      if ((bound * bound + fz * fz) * (1.0 + TABLE_MARGIN) < s_outer)
        continue;
      ky = half_extent (rem, h[1], (gsize) (sqrt (rem) / h[1]) + 1);
      kx = half_extent (rem, h[0], (gsize) (sqrt (rem) / h[0]) + 1);
      /* Rows from the middle outwards, half-widths only shrinking. */
      for (gint direction = -1; direction <= 1; direction += 2)
        {
          gsize width = kx;

          for (gsize dy = (direction < 0) ? 0 : 1; dy <= ky; dy++)
            {
              double ddy = (double) dy * h[1], rem_row = rem - ddy * ddy;
              double fy = ((double) (direction * (gssize) dy - offset[1])) * h[1];
              double fx;

              while (width > 0 && ((double) width * h[0]) * ((double) width * h[0]) >= rem_row)
                width--;
              fx = ((double) width + ex) * h[0];
              if ((fx * fx + fy * fy + fz * fz) * (1.0 + TABLE_MARGIN) >= s_outer)
                return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
is_stamp_needed (const MaxBall *job, gsize x, gsize y, gsize z, gsize i, float radius)
{
  const CbdVolume *volume = job->volume;
  const float *field = job->field;
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gsize plane = nx * ny;
  double s = ball_s (radius);
  gsize bucket;
  const float *farthest;

  /* A ball holding only its own voxel changes nothing: voxels keep their
   * own value anyway. */
  if (s <= job->h_min * job->h_min)
    return FALSE;

  /* Rule A */
  if ((x == 0 || field[i - 1] >= radius) && (x + 1 == nx || field[i + 1] >= radius)
      && (y == 0 || field[i - nx] >= radius) && (y + 1 == ny || field[i + nx] >= radius)
      && (z == 0 || field[i - plane] >= radius) && (z + 1 == nz || field[i + plane] >= radius))
    return FALSE;

  if (!isfinite (radius))
    return TRUE;

  /* Rule B */
  bucket = job->table->prefix_max != NULL ? table_query (job->table, s) : G_MAXSIZE;
  if (bucket != G_MAXSIZE)
    {
      farthest = job->table->prefix_max + bucket * N_CLASSES;
      if (inside_neighbour (job, job->near, G_N_ELEMENTS (job->near),
                            x >= NEAR_REACH && y >= NEAR_REACH && z >= NEAR_REACH
                            && x + NEAR_REACH < nx && y + NEAR_REACH < ny && z + NEAR_REACH < nz,
                            x, y, z, i, radius, farthest))
        return FALSE;
      if (radius >= EXTENDED_RADIUS_VOXELS * job->h_min &&
          inside_neighbour (job, job->far, job->n_far,
                            x >= FAR_REACH && y >= FAR_REACH && z >= FAR_REACH
                            && x + FAR_REACH < nx && y + FAR_REACH < ny && z + FAR_REACH < nz,
                            x, y, z, i, radius, farthest))
        return FALSE;
    }

  /* Rule B again for large balls, against the farther ball at the top of a
   * climb up the field (in a round pore, the ball at its centre). */
  if (radius >= CLIMB_RADIUS_VOXELS * job->h_min)
    {
      gssize at[3] = { (gssize) x, (gssize) y, (gssize) z };
      gsize top = climb (job, at);

      if (field[top] > radius)
        {
          gssize offset[3] = { at[0] - (gssize) x, at[1] - (gssize) y, at[2] - (gssize) z };

          if (ball_inside (volume->voxel_nm, s, offset, ball_s (field[top])))
            return FALSE;
        }
    }
  return TRUE;
}

static void
ridge_plane (gpointer data, guint z)
{
  MaxBall *job = data;
  const CbdVolume *volume = job->volume;
  gsize nx = volume->dims[0], ny = volume->dims[1];
  gsize count = 0;

  for (gsize y = 0; y < ny; y++)
    {
      gsize row = nx * (y + ny * z);

      for (gsize x = 0; x < nx; x++)
        {
          float radius = job->field[row + x];
          gboolean needed = radius > 0 && is_stamp_needed (job, x, y, z, row + x, radius);

          job->needed[row + x] = needed;
          count += needed;
        }
    }
  job->plane_start[z] = count;
}

static void
collect_plane (gpointer data, guint z)
{
  MaxBall *job = data;
  const CbdVolume *volume = job->volume;
  gsize plane = volume->dims[0] * volume->dims[1];
  gsize next = job->plane_start[z];
  guint32 reach = 0;

  for (gsize i = plane * z; i < plane * (z + 1); i++)
    if (job->needed[i])
      {
        Stamp *stamp = &job->stamps[next++];

        stamp->radius = job->field[i];
        stamp->s = ball_s (stamp->radius);
        stamp->x = (guint32) (i % volume->dims[0]);
        stamp->y = (guint32) ((i / volume->dims[0]) % volume->dims[1]);
        stamp->reach_z = (guint32) half_extent (stamp->s, volume->voxel_nm[2], volume->dims[2]);
        reach = MAX (reach, stamp->reach_z);
      }
  job->plane_reach[z] = reach;
}

/* out[x] = max (out[x], value) over a row span; vectorises. */
static inline void
raise_span (float *out, gsize first, gsize last, float value)
{
  for (gsize x = first; x <= last; x++)
    out[x] = out[x] > value ? out[x] : value;
}

/* The disc of one ball in plane z: rows from the centre outwards, the row
 * half-width only shrinking with |dy|. */
static void
stamp_disc (const MaxBall *job, gsize cx, gsize cy, double rem, float radius, float *plane_out)
{
  const CbdVolume *volume = job->volume;
  gsize nx = volume->dims[0], ny = volume->dims[1];
  double hx = volume->voxel_nm[0], hy = volume->voxel_nm[1];
  gsize ky = half_extent (rem, hy, ny);
  gsize kx0 = half_extent (rem, hx, nx);

  for (gint direction = -1; direction <= 1; direction += 2)
    {
      gsize kx = kx0;

      for (gsize dy = (direction < 0) ? 0 : 1; dy <= ky; dy++)
        {
          double ddy = (double) dy * hy;
          double rem_row = rem - ddy * ddy;
          gsize y;

          if (direction < 0 ? dy > cy : cy + dy >= ny)
            break;
          y = direction < 0 ? cy - dy : cy + dy;
          while (kx > 0 && ((double) kx * hx) * ((double) kx * hx) >= rem_row)
            kx--;
          raise_span (plane_out + nx * y, cx > kx ? cx - kx : 0, MIN (nx - 1, cx + kx), radius);
        }
    }
}

static void
stamp_block (gpointer data, guint block)
{
  MaxBall *job = data;
  const CbdVolume *volume = job->volume;
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  double hz = volume->voxel_nm[2];
  gsize z_first = (gsize) block * job->planes_per_block;
  gsize z_end = MIN (nz, z_first + job->planes_per_block);
  gsize source_first = z_first > job->max_reach ? z_first - job->max_reach : 0;
  gsize source_end = MIN (nz, z_end + job->max_reach);

  /* Balls in the order of their centres, so the rows they touch stay in
   * the cache; max is order-independent. */
  for (gsize source = source_first; source < source_end; source++)
    {
      gsize reach = job->plane_reach[source];

      if (source + reach < z_first || source >= z_end + reach)
        continue;
      for (gsize k = job->plane_start[source]; k < job->plane_start[source + 1]; k++)
        {
          const Stamp *stamp = &job->stamps[k];
          gsize z_lo = MAX (z_first, source > stamp->reach_z ? source - stamp->reach_z : 0);
          gsize z_hi = MIN (z_end, source + stamp->reach_z + 1);

          for (gsize z = z_lo; z < z_hi; z++)
            {
              double dz = ((double) z - (double) source) * hz;
              double rem = stamp->s - dz * dz;

              if (rem > 0)
                stamp_disc (job, stamp->x, stamp->y, rem, stamp->radius, job->field + nx * ny * z);
            }
        }
    }
}

/* Replaces each voxel's radius in @field by the largest radius of a ball
 * (of the field's radii) that covers it, its own included. @scratch: one
 * byte per voxel. */
static gboolean
max_ball_in_place (const CbdVolume *volume,
                   float           *field,
                   guint8          *scratch,
                   guint            n_threads,
                   GCancellable    *cancellable,
                   CbdProgressFunc  progress,
                   gpointer         progress_data,
                   const char      *stage,
                   double           fraction_start,
                   double           fraction_span,
                   GError         **error)
{
  gsize nx = volume->dims[0], ny = volume->dims[1], nz = volume->dims[2];
  gsize n = nx * ny * nz;
  ContainmentTable table;
  g_autofree gsize *plane_start = NULL;
  g_autofree guint32 *plane_reach = NULL;
  g_autofree Stamp *stamps = NULL;
  double max_radius = 0;
  gsize total = 0;
  MaxBall job = { 0 };
  guint n_near = 0;

  for (gsize i = 0; i < n; i++)
    if (isfinite (field[i]))
      max_radius = MAX (max_radius, field[i]);
  if (!table_init (&table, volume->voxel_nm, max_radius))
    {
      table_clear (&table);
      set_no_memory (error, "ball containment table");
      return FALSE;
    }

  plane_start = g_try_malloc_n (nz + 1, sizeof (gsize));
  plane_reach = g_try_malloc_n (nz, sizeof (guint32));
  if (plane_start == NULL || plane_reach == NULL)
    {
      table_clear (&table);
      set_no_memory (error, "ball list");
      return FALSE;
    }
  job.volume = volume;
  job.field = field;
  job.needed = scratch;
  job.table = &table;
  job.plane_start = plane_start;
  job.plane_reach = plane_reach;
  job.h_min = MIN (volume->voxel_nm[0], MIN (volume->voxel_nm[1], volume->voxel_nm[2]));
  for (gint dz = -FAR_REACH; dz <= FAR_REACH; dz++)
    for (gint dy = -FAR_REACH; dy <= FAR_REACH; dy++)
      for (gint dx = -FAR_REACH; dx <= FAR_REACH; dx++)
        {
          gint reach = MAX (ABS (dx), MAX (ABS (dy), ABS (dz)));
          Offset offset = {
            { dx, dy, dz }, dx + (gssize) nx * (dy + (gssize) ny * dz), offset_class (dx, dy, dz)
          };

          if (reach == 0)
            continue;
          if (reach <= NEAR_REACH)
            job.near[n_near++] = offset;
          else
            job.far[job.n_far++] = offset;
        }

  parallel_run (n_threads, (guint) nz, ridge_plane, &job, cancellable, progress, progress_data,
                stage, fraction_start, 0.3 * fraction_span);
  table_clear (&table);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  for (gsize z = 0; z < nz; z++)
    {
      gsize count = plane_start[z];

      plane_start[z] = total;
      total += count;
    }
  plane_start[nz] = total;
  stamps = g_try_malloc_n (MAX (total, 1), sizeof (Stamp));
  if (stamps == NULL)
    {
      set_no_memory (error, "ball list");
      return FALSE;
    }
  job.stamps = stamps;
  parallel_run (n_threads, (guint) nz, collect_plane, &job, cancellable, NULL, NULL, NULL, 0, 0);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  for (gsize z = 0; z < nz; z++)
    job.max_reach = MAX (job.max_reach, plane_reach[z]);

  /* Each block of planes is written by one thread only. */
  job.planes_per_block = 2;
  parallel_run (n_threads, (guint) ((nz + job.planes_per_block - 1) / job.planes_per_block),
                stamp_block, &job, cancellable, progress, progress_data, stage,
                fraction_start + 0.3 * fraction_span, 0.7 * fraction_span);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Radius to reported diameter, in place. */
static void
radius_to_diameter (float *field, gsize n, double correction)
{
  for (gsize i = 0; i < n; i++)
    if (field[i] > 0)
      field[i] = (float) (2.0 * field[i] - correction);
}

/* ------------------------------------------------------------------------ */
/* Maps                                                                     */

/**
 * cbd_porosimetry_maps:
 * @volume: the label volume
 * @phase: which labels are pore
 * @options: (nullable): inlets, Washburn parameters (unused here), threads
 * @intrusion_diameter_nm: (out) (optional): one float per voxel
 * @local_thickness_nm: (out) (optional): one float per voxel
 * @cancellable: (nullable): polled between units of work
 * @progress: (nullable): stage and fraction, from the calling thread
 * @progress_data: for @progress
 * @error: return location for a #GError
 *
 * See the header for what the maps hold. Memory: besides the outputs, one
 * byte per voxel (and one float more when @local_thickness_nm is %NULL),
 * the work list of the access step and the list of balls to stamp (24
 * bytes per ball, typically for a third of the pore voxels).
 *
 * Returns: %FALSE with @error set on bad options, too large a volume, no
 * memory or cancellation.
 */
gboolean
cbd_porosimetry_maps (const CbdVolume             *volume,
                      const gboolean               phase[256],
                      const CbdPorosimetryOptions *options,
                      float                       *intrusion_diameter_nm,
                      float                       *local_thickness_nm,
                      GCancellable                *cancellable,
                      CbdProgressFunc              progress,
                      gpointer                     progress_data,
                      GError                     **error)
{
  CbdPorosimetryOptions defaults;
  g_autofree float *own_distance = NULL;
  g_autofree guint8 *scratch = NULL;
  float *distance;
  gsize n;
  double correction;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (phase != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      cbd_porosimetry_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (volume, options, error))
    return FALSE;
  if (intrusion_diameter_nm == NULL && local_thickness_nm == NULL)
    return TRUE;

  n = cbd_volume_n_voxels (volume);
  correction = cbd_porosimetry_voxel_correction_nm (volume);
  distance = local_thickness_nm;
  if (distance == NULL)
    {
      distance = own_distance = g_try_malloc_n (n, sizeof (float));
      if (distance == NULL)
        {
          set_no_memory (error, "distance map");
          return FALSE;
        }
    }
  /* The flood's work-list flags, then the stamp flags. */
  scratch = g_try_malloc_n (n, sizeof (guint8));
  if (scratch == NULL)
    {
      set_no_memory (error, "ball bookkeeping");
      return FALSE;
    }

  cbd_progress_report (progress, progress_data, "Distance transform", 0.0);
  if (!distance_with_walls (volume, phase, options->inlets, options->n_threads, distance,
                            cancellable, error))
    return FALSE;

  if (intrusion_diameter_nm != NULL)
    {
      double span = local_thickness_nm != NULL ? 0.5 : 0.9;

      if (!access_flood (volume, options->inlets, distance, intrusion_diameter_nm,
                         (guint8 *) scratch, cancellable, progress, progress_data, 0.1, 0.3 * span,
                         error) ||
          !max_ball_in_place (volume, intrusion_diameter_nm, scratch, options->n_threads,
                              cancellable, progress, progress_data, "Intrusion",
                              0.1 + 0.3 * span, 0.7 * span, error))
        return FALSE;
      radius_to_diameter (intrusion_diameter_nm, n, correction);
    }
  if (local_thickness_nm != NULL)
    {
      double start = intrusion_diameter_nm != NULL ? 0.55 : 0.1;

      if (!max_ball_in_place (volume, local_thickness_nm, scratch, options->n_threads,
                              cancellable, progress, progress_data, "Local thickness",
                              start, 1.0 - start, error))
        return FALSE;
      radius_to_diameter (local_thickness_nm, n, correction);
    }
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Distributions                                                            */

static CbdPsd *
psd_alloc (gsize n_diameters)
{
  CbdPsd *psd = g_new0 (CbdPsd, 1);
  double **columns[] = {
    &psd->diameter_nm, &psd->pressure_mpa, &psd->intruded_fraction,
    &psd->intruded_volume_fraction, &psd->intruded_increment, &psd->dv_dlogd,
    &psd->local_thickness_fraction, &psd->local_thickness_cumulative,
    &psd->local_thickness_dv_dlogd,
  };
  gboolean ok = TRUE;

  g_atomic_ref_count_init (&psd->ref_count);
  psd->n_diameters = n_diameters;
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    ok &= (*columns[c] = g_try_malloc0_n (n_diameters, sizeof (double))) != NULL;
  ok &= (psd->intruded_voxels = g_try_malloc0_n (n_diameters, sizeof (guint64))) != NULL;
  ok &= (psd->local_thickness_voxels = g_try_malloc0_n (n_diameters, sizeof (guint64))) != NULL;
  if (!ok)
    {
      cbd_psd_unref (psd);
      return NULL;
    }
  return psd;
}

CbdPsd *
cbd_psd_ref (CbdPsd *psd)
{
  g_return_val_if_fail (psd != NULL, NULL);

  g_atomic_ref_count_inc (&psd->ref_count);
  return psd;
}

void
cbd_psd_unref (CbdPsd *psd)
{
  g_return_if_fail (psd != NULL);

  if (!g_atomic_ref_count_dec (&psd->ref_count))
    return;
  g_free (psd->diameter_nm);
  g_free (psd->pressure_mpa);
  g_free (psd->intruded_voxels);
  g_free (psd->local_thickness_voxels);
  g_free (psd->intruded_fraction);
  g_free (psd->intruded_volume_fraction);
  g_free (psd->intruded_increment);
  g_free (psd->dv_dlogd);
  g_free (psd->local_thickness_fraction);
  g_free (psd->local_thickness_cumulative);
  g_free (psd->local_thickness_dv_dlogd);
  g_free (psd);
}

/* Everything that follows from the diameters, the counts and the
 * parameters. dV/dlogD at row k >= 1 is the backward difference
 * (F_k - F_{k-1}) / log10 (d_{k-1} / d_k): the pore fraction intruded
 * between the previous, larger diameter and this one, per decade. */
static void
psd_finish (CbdPsd *psd)
{
  double pore = (double) psd->n_pore_voxels;
  double all = (double) psd->n_voxels;

  psd->porosity = all > 0 ? pore / all : 0.0;
  for (gsize k = 0; k < psd->n_diameters; k++)
    {
      double fraction = pore > 0 ? psd->intruded_voxels[k] / pore : 0.0;
      double thickness = pore > 0 ? psd->local_thickness_voxels[k] / pore : 0.0;
      double previous = k > 0 ? psd->intruded_fraction[k - 1] : 0.0;
      double previous_thickness = k > 0 ? psd->local_thickness_cumulative[k - 1] : 0.0;

      psd->pressure_mpa[k] = cbd_washburn_pressure_mpa (psd->diameter_nm[k],
                                                        psd->surface_tension_n_per_m,
                                                        psd->contact_angle_deg);
      psd->intruded_fraction[k] = fraction;
      psd->intruded_volume_fraction[k] = all > 0 ? psd->intruded_voxels[k] / all : 0.0;
      psd->intruded_increment[k] = fraction - previous;
      psd->local_thickness_cumulative[k] = thickness;
      psd->local_thickness_fraction[k] = thickness - previous_thickness;
      if (k == 0)
        {
          psd->dv_dlogd[k] = NAN;
          psd->local_thickness_dv_dlogd[k] = NAN;
        }
      else
        {
          double width = log10 (psd->diameter_nm[k - 1] / psd->diameter_nm[k]);

          psd->dv_dlogd[k] = (fraction - previous) / width;
          psd->local_thickness_dv_dlogd[k] = (thickness - previous_thickness) / width;
        }
    }
}

/* A given list of diameters: not empty, positive, finite, decreasing. */
static gboolean
check_diameters (const double *diameters_nm,
                 gsize         n_diameters,
                 GError      **error)
{
  if (n_diameters == 0)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The list of diameters is empty");
      return FALSE;
    }
  for (gsize k = 0; k < n_diameters; k++)
    if (!(diameters_nm[k] > 0) || !isfinite (diameters_nm[k]) ||
        (k > 0 && !(diameters_nm[k] < diameters_nm[k - 1])))
      {
        g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                     "Diameters must be positive, finite and strictly decreasing "
                     "(entry %" G_GSIZE_FORMAT ": %g nm)", k + 1, diameters_nm[k]);
        return FALSE;
      }
  return TRUE;
}

/* Either the default list, which needs a usable density, or a given one. */
static gboolean
check_diameter_choice (const CbdPorosimetryOptions *options,
                       const double                *diameters_nm,
                       gsize                        n_diameters,
                       GError                     **error)
{
  if (diameters_nm != NULL)
    return check_diameters (diameters_nm, n_diameters, error);
  if (options->points_per_decade < 1 || options->points_per_decade > CBD_PSD_MAX_POINTS_PER_DECADE)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The default diameters take 1 to %d points per decade, not %u",
                   CBD_PSD_MAX_POINTS_PER_DECADE, options->points_per_decade);
      return FALSE;
    }
  return TRUE;
}

/* The first row k with value >= d_k (up to rounding), n if none. */
static inline gsize
first_row_reached (const double *diameters, gsize n, double value)
{
  gsize lo = 0, hi = n;

  if (!(value > 0))
    return n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (value >= diameters[mid] * (1.0 - BIN_TOLERANCE))
        hi = mid;
      else
        lo = mid + 1;
    }
  return lo;
}

CbdPsd *
cbd_psd_new_from_maps (const CbdVolume             *volume,
                       const gboolean               phase[256],
                       const CbdPorosimetryOptions *options,
                       const float                 *intrusion_diameter_nm,
                       const float                 *local_thickness_nm,
                       const double                *diameters_nm,
                       gsize                        n_diameters,
                       GError                     **error)
{
  CbdPorosimetryOptions defaults;
  g_autoptr(CbdPsd) psd = NULL;
  g_autofree double *default_diameters = NULL;
  g_autofree guint64 *intruded_rows = NULL, *thickness_rows = NULL;
  gsize n;
  guint64 n_pore = 0, n_reached = 0;
  double max_thickness = 0, max_intrusion = 0, correction;
  gboolean unbounded = FALSE;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (phase != NULL, NULL);
  g_return_val_if_fail (intrusion_diameter_nm != NULL, NULL);
  g_return_val_if_fail (local_thickness_nm != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      cbd_porosimetry_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (volume, options, error) ||
      !check_diameter_choice (options, diameters_nm, n_diameters, error))
    return NULL;

  n = cbd_volume_n_voxels (volume);
  correction = cbd_porosimetry_voxel_correction_nm (volume);
  for (gsize i = 0; i < n; i++)
    if (phase[volume->labels[i]])
      {
        float thickness = local_thickness_nm[i], intrusion = intrusion_diameter_nm[i];

        n_pore++;
        n_reached += intrusion > 0;
        if (isfinite (thickness))
          max_thickness = MAX (max_thickness, thickness);
        else
          unbounded = TRUE;
        if (isfinite (intrusion))
          max_intrusion = MAX (max_intrusion, intrusion);
      }

  if (diameters_nm == NULL)
    {
      double largest = max_thickness;

      if (unbounded && largest == 0)
        for (guint axis = 0; axis < 3; axis++)
          largest = MAX (largest, volume->dims[axis] * volume->voxel_nm[axis]);
      largest = MAX (largest, correction);
      default_diameters = cbd_porosimetry_log_diameters (largest, correction,
                                                         options->points_per_decade, &n_diameters);
      diameters_nm = default_diameters;
    }

  psd = psd_alloc (n_diameters);
  intruded_rows = g_try_malloc0_n (n_diameters + 1, sizeof (guint64));
  thickness_rows = g_try_malloc0_n (n_diameters + 1, sizeof (guint64));
  if (psd == NULL || intruded_rows == NULL || thickness_rows == NULL)
    {
      set_no_memory (error, "pore size distribution");
      return NULL;
    }
  memcpy (psd->diameter_nm, diameters_nm, n_diameters * sizeof (double));

  for (gsize i = 0; i < n; i++)
    if (phase[volume->labels[i]])
      {
        intruded_rows[first_row_reached (diameters_nm, n_diameters, intrusion_diameter_nm[i])]++;
        thickness_rows[first_row_reached (diameters_nm, n_diameters, local_thickness_nm[i])]++;
      }
  for (gsize k = 0; k < n_diameters; k++)
    {
      psd->intruded_voxels[k] = intruded_rows[k] + (k > 0 ? psd->intruded_voxels[k - 1] : 0);
      psd->local_thickness_voxels[k] = thickness_rows[k]
                                       + (k > 0 ? psd->local_thickness_voxels[k - 1] : 0);
    }

  psd->n_voxels = n;
  psd->n_pore_voxels = n_pore;
  psd->n_reachable_voxels = n_reached;
  psd->max_local_thickness_nm = max_thickness;
  psd->max_intrusion_diameter_nm = max_intrusion;
  psd->voxel_correction_nm = correction;
  psd->surface_tension_n_per_m = options->surface_tension_n_per_m;
  psd->contact_angle_deg = options->contact_angle_deg;
  psd->inlets = options->inlets;
  psd_finish (psd);
  return g_steal_pointer (&psd);
}

/* Cumulative counts (the voxels at d_k or larger) cannot fall as d_k falls,
 * nor pass the pore voxels they are part of. @what names them. */
static gboolean
check_cumulative (const char    *what,
                  const double  *diameters_nm,
                  const guint64 *counts,
                  gsize          n_diameters,
                  guint64        n_pore_voxels,
                  GError       **error)
{
  for (gsize k = 1; k < n_diameters; k++)
    if (counts[k] < counts[k - 1])
      {
        g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                     "The cumulative count of %s falls from %" G_GUINT64_FORMAT " voxels at %g nm "
                     "to %" G_GUINT64_FORMAT " at %g nm (row %" G_GSIZE_FORMAT "); it must not "
                     "fall as the diameter decreases", what, counts[k - 1], diameters_nm[k - 1],
                     counts[k], diameters_nm[k], k + 1);
        return FALSE;
      }
  if (n_diameters > 0 && counts[n_diameters - 1] > n_pore_voxels)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The cumulative count of %s, %" G_GUINT64_FORMAT " voxels at %g nm, exceeds "
                   "the %" G_GUINT64_FORMAT " pore voxels", what, counts[n_diameters - 1],
                   diameters_nm[n_diameters - 1], n_pore_voxels);
      return FALSE;
    }
  return TRUE;
}

gboolean
cbd_psd_check_counts (const double   *diameters_nm,
                      gsize           n_diameters,
                      const guint64  *intruded_voxels,
                      const guint64  *local_thickness_voxels,
                      guint64         n_pore_voxels,
                      guint64         n_voxels,
                      GError        **error)
{
  g_return_val_if_fail (diameters_nm != NULL, FALSE);
  g_return_val_if_fail (intruded_voxels != NULL && local_thickness_voxels != NULL, FALSE);

  if (!check_diameters (diameters_nm, n_diameters, error))
    return FALSE;
  if (n_pore_voxels > n_voxels)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "The %" G_GUINT64_FORMAT " pore voxels exceed the %" G_GUINT64_FORMAT
                   " voxels they are part of", n_pore_voxels, n_voxels);
      return FALSE;
    }
  return check_cumulative ("intruded voxels", diameters_nm, intruded_voxels, n_diameters,
                           n_pore_voxels, error) &&
         check_cumulative ("voxels of a local thickness", diameters_nm, local_thickness_voxels,
                           n_diameters, n_pore_voxels, error);
}

CbdPsd *
cbd_psd_new_from_counts (const double                *diameters_nm,
                         gsize                        n_diameters,
                         const guint64               *intruded_voxels,
                         const guint64               *local_thickness_voxels,
                         guint64                      n_pore_voxels,
                         guint64                      n_voxels,
                         const CbdPorosimetryOptions *options,
                         GError                     **error)
{
  CbdPorosimetryOptions defaults;
  CbdPsd *psd;

  g_return_val_if_fail (diameters_nm != NULL, NULL);
  g_return_val_if_fail (intruded_voxels != NULL && local_thickness_voxels != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      cbd_porosimetry_options_init (&defaults);
      options = &defaults;
    }
  if (!check_washburn (options, error) ||
      !cbd_psd_check_counts (diameters_nm, n_diameters, intruded_voxels, local_thickness_voxels,
                             n_pore_voxels, n_voxels, error))
    return NULL;
  psd = psd_alloc (n_diameters);
  if (psd == NULL)
    {
      set_no_memory (error, "pore size distribution");
      return NULL;
    }
  memcpy (psd->diameter_nm, diameters_nm, n_diameters * sizeof (double));
  memcpy (psd->intruded_voxels, intruded_voxels, n_diameters * sizeof (guint64));
  memcpy (psd->local_thickness_voxels, local_thickness_voxels, n_diameters * sizeof (guint64));
  psd->n_pore_voxels = n_pore_voxels;
  psd->n_voxels = n_voxels;
  psd->surface_tension_n_per_m = options->surface_tension_n_per_m;
  psd->contact_angle_deg = options->contact_angle_deg;
  psd->inlets = options->inlets;
  psd_finish (psd);
  return psd;
}

/**
 * cbd_psd_compute:
 *
 * The maps of cbd_porosimetry_maps() summarised on @diameters_nm; see the
 * header. Memory: two floats and one byte per voxel plus the work list and
 * the list of balls.
 */
CbdPsd *
cbd_psd_compute (const CbdVolume             *volume,
                 const gboolean               phase[256],
                 const CbdPorosimetryOptions *options,
                 const double                *diameters_nm,
                 gsize                        n_diameters,
                 GCancellable                *cancellable,
                 CbdProgressFunc              progress,
                 gpointer                     progress_data,
                 GError                     **error)
{
  CbdPorosimetryOptions defaults;
  g_autofree float *intrusion = NULL, *thickness = NULL;
  gint64 start = g_get_monotonic_time ();
  CbdPsd *psd;
  gsize n;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (phase != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      cbd_porosimetry_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (volume, options, error))
    return NULL;
  /* A bad list fails now, not after the maps' minutes of work. */
  if (!check_diameter_choice (options, diameters_nm, n_diameters, error))
    return NULL;
  n = cbd_volume_n_voxels (volume);
  intrusion = g_try_malloc_n (n, sizeof (float));
  thickness = g_try_malloc_n (n, sizeof (float));
  if (intrusion == NULL || thickness == NULL)
    {
      set_no_memory (error, "porosimetry maps");
      return NULL;
    }
  if (!cbd_porosimetry_maps (volume, phase, options, intrusion, thickness, cancellable,
                             progress, progress_data, error))
    return NULL;
  psd = cbd_psd_new_from_maps (volume, phase, options, intrusion, thickness, diameters_nm,
                               n_diameters, error);
  if (psd != NULL)
    psd->seconds = (g_get_monotonic_time () - start) / 1e6;
  return psd;
}

CbdPsd *
cbd_psd_merge (CbdPsd * const *parts,
               gsize           n_parts,
               GError        **error)
{
  g_autofree guint64 *intruded = NULL;
  g_autofree guint64 *thickness = NULL;
  CbdPorosimetryOptions options;
  guint64 n_voxels = 0, n_pore_voxels = 0;
  CbdPsd *merged;
  const CbdPsd *first;

  g_return_val_if_fail (parts != NULL || n_parts == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_parts == 0)
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
                   "No pore size distributions to merge");
      return NULL;
    }
  first = parts[0];
  for (gsize p = 1; p < n_parts; p++)
    {
      const CbdPsd *part = parts[p];

      if (part->n_diameters != first->n_diameters ||
          memcmp (part->diameter_nm, first->diameter_nm, first->n_diameters * sizeof (double)) != 0 ||
          part->surface_tension_n_per_m != first->surface_tension_n_per_m ||
          part->contact_angle_deg != first->contact_angle_deg ||
          part->voxel_correction_nm != first->voxel_correction_nm)
        {
          g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_MISMATCH,
                       "Pore size distribution %" G_GSIZE_FORMAT " has other diameters, voxel "
                       "size or Washburn parameters than the first", p + 1);
          return NULL;
        }
      /* One set of inlet faces describes the merged intrusion, or none. */
      if (part->inlets != first->inlets)
        {
          g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_MISMATCH,
                       "Pore size distribution %" G_GSIZE_FORMAT " was intruded from other "
                       "faces than the first", p + 1);
          return NULL;
        }
    }

  intruded = g_try_malloc0_n (first->n_diameters, sizeof (guint64));
  thickness = g_try_malloc0_n (first->n_diameters, sizeof (guint64));
  if (intruded == NULL || thickness == NULL)
    {
      set_no_memory (error, "pore size distribution");
      return NULL;
    }
  for (gsize p = 0; p < n_parts; p++)
    {
      for (gsize k = 0; k < first->n_diameters; k++)
        {
          intruded[k] += parts[p]->intruded_voxels[k];
          thickness[k] += parts[p]->local_thickness_voxels[k];
        }
      n_voxels += parts[p]->n_voxels;
      n_pore_voxels += parts[p]->n_pore_voxels;
    }
  cbd_porosimetry_options_init (&options);
  options.surface_tension_n_per_m = first->surface_tension_n_per_m;
  options.contact_angle_deg = first->contact_angle_deg;
  options.inlets = first->inlets;
  merged = cbd_psd_new_from_counts (first->diameter_nm, first->n_diameters, intruded, thickness,
                                    n_pore_voxels, n_voxels, &options, error);
  if (merged == NULL)
    return NULL;
  /* what counts do not tell */
  merged->voxel_correction_nm = first->voxel_correction_nm;
  for (gsize p = 0; p < n_parts; p++)
    {
      const CbdPsd *part = parts[p];

      merged->n_reachable_voxels += part->n_reachable_voxels;
      merged->max_local_thickness_nm = MAX (merged->max_local_thickness_nm,
                                            part->max_local_thickness_nm);
      merged->max_intrusion_diameter_nm = MAX (merged->max_intrusion_diameter_nm,
                                               part->max_intrusion_diameter_nm);
      merged->seconds += part->seconds;
    }
  return merged;
}

double
cbd_psd_intrusion_quantile_nm (const CbdPsd *psd,
                               double        fraction)
{
  g_return_val_if_fail (psd != NULL, NAN);

  if (!(fraction > 0 && fraction <= 1))
    return NAN;
  for (gsize k = 0; k < psd->n_diameters; k++)
    if (psd->intruded_fraction[k] >= fraction)
      {
        double below, above, t;

        if (k == 0)
          return psd->diameter_nm[0];
        below = psd->intruded_fraction[k - 1];
        above = psd->intruded_fraction[k];
        t = (fraction - below) / (above - below);
        return exp (log (psd->diameter_nm[k - 1])
                    + t * (log (psd->diameter_nm[k]) - log (psd->diameter_nm[k - 1])));
      }
  return NAN;
}

/* The fewest digits that read back as the same double; empty for a value
 * that does not exist. */
static void
append_number (GString *out, double value)
{
  char buffer[CBD_NUMBER_BUF_SIZE];

  if (isfinite (value))
    g_string_append (out, cbd_format_double (buffer, value));
}

char *
cbd_psd_to_csv (const CbdPsd *psd)
{
  GString *out = g_string_new ("diameter_nm,pressure_MPa,pressure_psi,intruded_fraction,"
                               "intruded_volume_fraction,intruded_increment,dV_dlogD,"
                               "local_thickness_fraction,local_thickness_cumulative,"
                               "local_thickness_dV_dlogD\n");

  g_return_val_if_fail (psd != NULL, NULL);

  for (gsize k = 0; k < psd->n_diameters; k++)
    {
      double row[] = {
        psd->diameter_nm[k], psd->pressure_mpa[k], psd->pressure_mpa[k] * CBD_PSI_PER_MPA,
        psd->intruded_fraction[k], psd->intruded_volume_fraction[k], psd->intruded_increment[k],
        psd->dv_dlogd[k], psd->local_thickness_fraction[k], psd->local_thickness_cumulative[k],
        psd->local_thickness_dv_dlogd[k],
      };

      for (guint c = 0; c < G_N_ELEMENTS (row); c++)
        {
          if (c > 0)
            g_string_append_c (out, ',');
          append_number (out, row[c]);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gboolean
cbd_psd_write_csv (const CbdPsd *psd,
                   const char   *path,
                   GError      **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (psd != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = cbd_psd_to_csv (psd);
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents (path, text, -1, &local_error))
    {
      g_set_error (error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_WRITE_FAILED,
                   "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
write_column (CbdJsonWriter *writer, const char *key, const double *values, gsize n)
{
  cbd_json_key (writer, key);
  cbd_json_begin_array (writer);
  for (gsize k = 0; k < n; k++)
    cbd_json_double (writer, values[k]);
  cbd_json_end_array (writer);
}

void
cbd_psd_write_json (const CbdPsd  *psd,
                    CbdJsonWriter *writer)
{
  g_autofree char *inlets = NULL;
  g_autofree double *psi = NULL;
  gsize n;

  g_return_if_fail (psd != NULL);
  g_return_if_fail (writer != NULL);

  n = psd->n_diameters;
  inlets = cbd_faces_to_string (psd->inlets);
  psi = g_new (double, n);
  for (gsize k = 0; k < n; k++)
    psi[k] = psd->pressure_mpa[k] * CBD_PSI_PER_MPA;

  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "voxels", (gint64) psd->n_voxels);
  cbd_json_member_int (writer, "pore_voxels", (gint64) psd->n_pore_voxels);
  cbd_json_member_int (writer, "reachable_voxels", (gint64) psd->n_reachable_voxels);
  cbd_json_member_double (writer, "porosity", psd->porosity);
  cbd_json_member_double (writer, "reachable_fraction",
                          psd->n_pore_voxels > 0 ? (double) psd->n_reachable_voxels / psd->n_pore_voxels : NAN);
  cbd_json_member_double (writer, "max_local_thickness_nm", psd->max_local_thickness_nm);
  cbd_json_member_double (writer, "max_intrusion_diameter_nm", psd->max_intrusion_diameter_nm);
  cbd_json_member_double (writer, "d10_intrusion_nm", cbd_psd_intrusion_quantile_nm (psd, 0.1));
  cbd_json_member_double (writer, "d50_intrusion_nm", cbd_psd_intrusion_quantile_nm (psd, 0.5));
  cbd_json_member_double (writer, "d90_intrusion_nm", cbd_psd_intrusion_quantile_nm (psd, 0.9));
  cbd_json_member_double (writer, "voxel_correction_nm", psd->voxel_correction_nm);
  cbd_json_member_double (writer, "surface_tension_N_per_m", psd->surface_tension_n_per_m);
  cbd_json_member_double (writer, "contact_angle_deg", psd->contact_angle_deg);
  cbd_json_member_string (writer, "inlets", inlets);
  cbd_json_member_double (writer, "seconds", psd->seconds);
  write_column (writer, "diameter_nm", psd->diameter_nm, n);
  write_column (writer, "pressure_MPa", psd->pressure_mpa, n);
  write_column (writer, "pressure_psi", psi, n);
  write_column (writer, "intruded_fraction", psd->intruded_fraction, n);
  write_column (writer, "intruded_volume_fraction", psd->intruded_volume_fraction, n);
  write_column (writer, "intruded_increment", psd->intruded_increment, n);
  write_column (writer, "dV_dlogD", psd->dv_dlogd, n);
  write_column (writer, "local_thickness_fraction", psd->local_thickness_fraction, n);
  write_column (writer, "local_thickness_cumulative", psd->local_thickness_cumulative, n);
  write_column (writer, "local_thickness_dV_dlogD", psd->local_thickness_dv_dlogd, n);
  cbd_json_end_object (writer);
}
