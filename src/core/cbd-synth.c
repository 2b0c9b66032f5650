/* cbd-synth.c — a seeded synthetic three-phase FIB-SEM-like cathode volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How the volume is built:
 *
 * 1. The CBD's local inner porosity target is a low-frequency sum of random
 *    cosines, evaluated on a coarse grid, mapped linearly onto
 *    [cbd_porosity_min, cbd_porosity_max] and interpolated trilinearly.
 * 2. A few 136^3 "CBD-rich" boxes are reserved, placed so that their mean
 *    targets spread over the porosity range; no CAM particle may touch them,
 *    so CAM-free 128^3 cutouts with different porosities exist wherever the
 *    box allows (two or more from 256^3 on).
 * 3. CAM particles (randomly rotated ellipsoids, polydisperse, micrometre
 *    size, shrunk in boxes under 400 voxels) are placed by random sequential
 *    addition with limited overlap, centres allowed outside the box, until a
 *    coarse sample of the volume reaches the target CAM fraction.
 * 4. The nanostructure (aggregated 30-50 nm carbon particles and binder) is a
 *    level set of a Gaussian random field: white noise blurred with a
 *    separable, periodic Gaussian kernel normalised to unit variance (the
 *    primary particles, 14 nm blur), plus a 35 nm-blurred field on a grid of
 *    half the resolution, interpolated and rescaled to unit variance (the
 *    aggregates and the larger pores between them), mixed 65:35 in variance.
 *    The sum is standard normal at every voxel, so a voxel is solid where
 *    noise < Phi^-1(1 - porosity) and the local porosity follows the target
 *    field without any calibration.
 * 5. Macropores (spheres centred outside CAM) are carved out of the CBD
 *    until the coarse sample says they hold macropore_fraction of the space
 *    outside CAM.
 *
 * Every random choice is either drawn serially from one seeded generator or
 * is a hash of (seed, voxel index), so the result does not depend on the
 * number of threads.  Extra memory is one float per voxel, which becomes the
 * returned porosity field, plus half a byte per voxel for the aggregate grid.
 */
#define G_LOG_DOMAIN "cbd-synth"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cbd-synth.h"
#include "cbd-parallel.h"

G_DEFINE_QUARK (cbd-synth-error-quark, cbd_synth_error)

#define RESERVED_EDGE      136     /* a 128^3 cutout plus some slack */
#define RESERVED_SHARE     0.25    /* of the volume, in large boxes */
#define TRUTH_STEP         8       /* coarse grid of the porosity target */
#define TRUTH_MODES        7
#define PINV_TABLE_SIZE    4096
#define CAM_RADIUS_MIN_NM  600.0
#define CAM_RADIUS_MAX_NM  1500.0
#define MACRO_RADIUS_MIN_NM 200.0
#define MACRO_RADIUS_MAX_NM 500.0
#define CARBON_SIGMA_NM    14.0    /* blur of the primary-particle field */
#define AGGREGATE_SIGMA_NM 35.0    /* blur of the aggregate field */
#define AGGREGATE_SHARE    0.35    /* its share of the variance */

/* ---- random numbers ---------------------------------------------------- */

static inline guint64
splitmix64_mix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

typedef struct
{
  guint64 state;
} SynthRng;

static guint64
rng_next (SynthRng *rng)
{
  rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return splitmix64_mix (rng->state);
}

static void
rng_seed (SynthRng *rng, guint64 seed, guint64 stream)
{
  rng->state = splitmix64_mix (seed + G_GUINT64_CONSTANT (0x243f6a8885a308d3))
               ^ splitmix64_mix (stream * G_GUINT64_CONSTANT (0xd1b54a32d192ed03));
}

/* Uniform in [0, 1). */
static double
rng_uniform (SynthRng *rng)
{
  return (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static double
rng_range (SynthRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * rng_uniform (rng);
}

static double
rng_normal (SynthRng *rng)
{
  double u1 = 1.0 - rng_uniform (rng);
  double u2 = rng_uniform (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* ---- shapes -------------------------------------------------------------- */

/* Ellipsoid { p : (p-c)^T A (p-c) <= 1 }, A symmetric positive definite. */
typedef struct
{
  double centre[3];
  double a[3][3];
  double bound;          /* radius of a sphere that holds it */
} Ellipsoid;

static void
ellipsoid_init (Ellipsoid    *shape,
                const double  centre[3],
                const double  semi_axes[3],
                SynthRng     *rng)
{
  double q[4], norm = 0, rot[3][3];

  /* A uniformly random rotation from a normalised Gaussian quaternion. */
  for (guint i = 0; i < 4; i++)
    {
      q[i] = rng_normal (rng);
      norm += q[i] * q[i];
    }
  norm = sqrt (norm);
  if (norm < 1e-12)
    {
      q[0] = 1;
      q[1] = q[2] = q[3] = 0;
      norm = 1;
    }
  for (guint i = 0; i < 4; i++)
    q[i] /= norm;

  rot[0][0] = 1 - 2 * (q[2] * q[2] + q[3] * q[3]);
  rot[0][1] = 2 * (q[1] * q[2] - q[0] * q[3]);
  rot[0][2] = 2 * (q[1] * q[3] + q[0] * q[2]);
  rot[1][0] = 2 * (q[1] * q[2] + q[0] * q[3]);
  rot[1][1] = 1 - 2 * (q[1] * q[1] + q[3] * q[3]);
  rot[1][2] = 2 * (q[2] * q[3] - q[0] * q[1]);
  rot[2][0] = 2 * (q[1] * q[3] - q[0] * q[2]);
  rot[2][1] = 2 * (q[2] * q[3] + q[0] * q[1]);
  rot[2][2] = 1 - 2 * (q[1] * q[1] + q[2] * q[2]);

  shape->bound = 0;
  for (guint i = 0; i < 3; i++)
    {
      shape->centre[i] = centre[i];
      shape->bound = MAX (shape->bound, semi_axes[i]);
    }
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      {
        double sum = 0;

        for (guint k = 0; k < 3; k++)
          sum += rot[i][k] * rot[j][k] / (semi_axes[k] * semi_axes[k]);
        shape->a[i][j] = sum;
      }
}

static void
sphere_init (Ellipsoid    *shape,
             const double  centre[3],
             double        radius)
{
  memset (shape, 0, sizeof *shape);
  for (guint i = 0; i < 3; i++)
    {
      shape->centre[i] = centre[i];
      shape->a[i][i] = 1.0 / (radius * radius);
    }
  shape->bound = radius;
}

static gboolean
ellipsoid_contains (const Ellipsoid *shape,
                    double x, double y, double z)
{
  double d[3] = { x - shape->centre[0], y - shape->centre[1], z - shape->centre[2] };
  double sum = 0;

  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      sum += d[i] * shape->a[i][j] * d[j];
  return sum <= 1.0;
}

/* The voxels [*x0, *x1) of row (y, z) inside the shape; FALSE if none. */
static gboolean
ellipsoid_row_span (const Ellipsoid *shape,
                    gsize            nx,
                    double           y,
                    double           z,
                    gsize           *x0,
                    gsize           *x1)
{
  double dy = y - shape->centre[1], dz = z - shape->centre[2];
  double a = shape->a[0][0];
  double b = shape->a[0][1] * dy + shape->a[0][2] * dz;
  double c = shape->a[1][1] * dy * dy + 2 * shape->a[1][2] * dy * dz
             + shape->a[2][2] * dz * dz;
  double disc = b * b - a * (c - 1.0);
  double root, lo, hi;

  if (disc < 0)
    return FALSE;
  root = sqrt (disc);
  lo = ceil (shape->centre[0] + (-b - root) / a);
  hi = floor (shape->centre[0] + (-b + root) / a);
  if (hi < 0 || lo > (double) nx - 1 || hi < lo)
    return FALSE;
  *x0 = lo < 0 ? 0 : (gsize) lo;
  *x1 = hi > (double) nx - 1 ? nx : (gsize) hi + 1;
  return TRUE;
}

/* ---- the generator's state ------------------------------------------------ */

/* Coarse occupancy sample used to steer the CAM fraction. */
typedef struct
{
  gsize   step;
  gsize   dims[3];
  guint8 *hit;            /* 0 free, 1 CAM, 2 macropore */
  gsize   n_total;
} Sample;

typedef struct
{
  double origin[3];
  double edge;
} Box;

/* A periodic, unit-variance Gaussian random field on a grid. */
typedef struct
{
  float   *data;
  gsize    n[3];
  float   *kernel;          /* 2 * radius + 1 taps, sum of squares 1 */
  guint    radius;
  guint64  key;
} NoiseGrid;

typedef struct
{
  CbdSynthParams params;
  gsize          nx, ny, nz;

  GArray        *reserved;    /* Box */
  GArray        *particles;   /* Ellipsoid */
  GArray        *macropores;  /* Ellipsoid (spheres) */
  Sample        *sample;      /* coarse CAM/macropore occupancy */

  /* porosity target on a coarse grid, node (i, j, k) at voxel i*TRUTH_STEP… */
  float         *truth;
  gsize          tdims[3];

  double         pinv[PINV_TABLE_SIZE + 1]; /* Phi^-1 of the solid fraction */

  /* Primary particles: full resolution; its data become the porosity field.
   * Aggregates: half resolution, interpolated, scaled to unit variance. */
  NoiseGrid      fine;
  NoiseGrid      medium;
  double         medium_inv_std[2];        /* at offset 0 and 1/2 per axis */

  float         *field;       /* fine noise, then the porosity target */
  guint8        *labels;
} Synth;

static void
synth_clear (Synth *synth)
{
  g_clear_pointer (&synth->reserved, g_array_unref);
  g_clear_pointer (&synth->particles, g_array_unref);
  g_clear_pointer (&synth->macropores, g_array_unref);
  if (synth->sample != NULL)
    {
      g_free (synth->sample->hit);
      g_clear_pointer (&synth->sample, g_free);
    }
  g_clear_pointer (&synth->truth, g_free);
  g_clear_pointer (&synth->fine.kernel, g_free);
  g_clear_pointer (&synth->medium.kernel, g_free);
  g_clear_pointer (&synth->medium.data, g_free);
  g_clear_pointer (&synth->field, g_free);
  g_clear_pointer (&synth->labels, g_free);
}

/* ---- parameters -------------------------------------------------------- */

void
cbd_synth_params_init (CbdSynthParams *params,
                       gsize           size)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->dims[0] = params->dims[1] = params->dims[2] = size;
  params->seed = 1;
  params->voxel_nm = CBD_DEFAULT_VOXEL_NM;
  params->cam_fraction = 0.35;
  params->cbd_porosity_min = 0.10;
  params->cbd_porosity_max = 0.70;
  params->macropore_fraction = 0.05;
  params->n_threads = 0;
}

static gboolean
fraction_valid (double value)
{
  return isfinite (value) && value >= 0.0 && value <= 1.0;
}

static gboolean
params_validate (const CbdSynthParams *params,
                 GError              **error)
{
  gsize count;

  if (params->dims[0] == 0 || params->dims[1] == 0 || params->dims[2] == 0)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Synthetic volume size %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " x %" G_GSIZE_FORMAT " has a zero edge",
                   params->dims[0], params->dims[1], params->dims[2]);
      return FALSE;
    }
  if (!g_size_checked_mul (&count, params->dims[0], params->dims[1])
      || !g_size_checked_mul (&count, count, params->dims[2])
      || !g_size_checked_mul (&count, count, sizeof (float))
      || params->dims[0] > G_MAXINT || params->dims[1] > G_MAXINT
      || params->dims[2] > G_MAXINT)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Synthetic volume size %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " x %" G_GSIZE_FORMAT " is too large",
                   params->dims[0], params->dims[1], params->dims[2]);
      return FALSE;
    }
  if (!isfinite (params->voxel_nm) || params->voxel_nm <= 0)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Voxel size %g nm must be positive", params->voxel_nm);
      return FALSE;
    }
  if (!fraction_valid (params->cam_fraction))
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "CAM fraction %g is outside [0, 1]", params->cam_fraction);
      return FALSE;
    }
  if (!fraction_valid (params->cbd_porosity_min)
      || !fraction_valid (params->cbd_porosity_max))
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "CBD porosity range %g-%g is outside [0, 1]",
                   params->cbd_porosity_min, params->cbd_porosity_max);
      return FALSE;
    }
  if (params->cbd_porosity_min > params->cbd_porosity_max)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "CBD porosity minimum %g is above the maximum %g",
                   params->cbd_porosity_min, params->cbd_porosity_max);
      return FALSE;
    }
  if (!fraction_valid (params->macropore_fraction))
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Macropore fraction %g is outside [0, 1]",
                   params->macropore_fraction);
      return FALSE;
    }
  return TRUE;
}

/* ---- layout: reserved boxes, CAM particles, macropores ------------------ */

static double
box_distance (const Box *box, const double point[3])
{
  double sum = 0;

  for (guint i = 0; i < 3; i++)
    {
      double lo = box->origin[i], hi = box->origin[i] + box->edge - 1;
      double d = 0;

      if (point[i] < lo)
        d = lo - point[i];
      else if (point[i] > hi)
        d = point[i] - hi;
      sum += d * d;
    }
  return sqrt (sum);
}

/* Mean porosity target over the coarse nodes inside a box. */
static double
box_mean_truth (const Synth *synth, const Box *box)
{
  gsize lo[3], hi[3];
  double sum = 0, count = 0;

  for (guint i = 0; i < 3; i++)
    {
      lo[i] = (gsize) ceil (box->origin[i] / TRUTH_STEP);
      hi[i] = MIN ((gsize) floor ((box->origin[i] + box->edge - 1) / TRUTH_STEP),
                   synth->tdims[i] - 1);
    }
  for (gsize k = lo[2]; k <= hi[2]; k++)
    for (gsize j = lo[1]; j <= hi[1]; j++)
      for (gsize i = lo[0]; i <= hi[0]; i++)
        {
          sum += synth->truth[i + synth->tdims[0] * (j + synth->tdims[1] * k)];
          count++;
        }
  return count > 0 ? sum / count : 0.5 * (synth->params.cbd_porosity_min
                                          + synth->params.cbd_porosity_max);
}

static void
place_reserved (Synth *synth, SynthRng *rng)
{
  const gsize dims[3] = { synth->nx, synth->ny, synth->nz };
  gsize min_dim = MIN (dims[0], MIN (dims[1], dims[2]));
  double edge, volume = (double) dims[0] * dims[1] * dims[2];
  double pmin = synth->params.cbd_porosity_min;
  double pmax = synth->params.cbd_porosity_max;
  guint wanted, *order;

  synth->reserved = g_array_new (FALSE, FALSE, sizeof (Box));
  if (synth->params.cam_fraction <= 0)
    return;
  if (min_dim >= RESERVED_EDGE)
    edge = RESERVED_EDGE;
  else if (min_dim >= 128)
    edge = min_dim;
  else
    return;   /* no 128^3 cutout fits anyway */
  /* A box not much bigger than a cutout is better spent on the CAM target. */
  if (edge * edge * edge > 0.5 * volume)
    return;

  wanted = (guint) MAX (2.0, round (RESERVED_SHARE * volume / (edge * edge * edge)));
  order = g_new (guint, wanted);
  for (guint k = 0; k < wanted; k++)
    order[k] = k;
  for (guint k = wanted - 1; k > 0; k--)
    {
      guint j = (guint) (rng_uniform (rng) * (k + 1)), tmp = order[k];

      order[k] = order[j];
      order[j] = tmp;
    }

  /* The regions should span the porosity range, not all sit where the
   * target happens to be middling: region k goes, among a few random
   * candidates, to the one whose mean target is nearest its own level. */
  for (guint k = 0; k < wanted; k++)
    {
      double level = pmin + (pmax - pmin) * (order[k] + 0.5) / wanted;
      double best_error = G_MAXDOUBLE;
      guint n_candidates = 0;
      Box best = { { 0, 0, 0 }, edge };

      for (guint attempt = 0; attempt < 400 && n_candidates < 24; attempt++)
        {
          Box box;
          gboolean ok = TRUE;
          double error;

          box.edge = edge;
          for (guint i = 0; i < 3; i++)
            box.origin[i] = floor (rng_uniform (rng) * (dims[i] - edge + 1));

          /* Distinct regions: at most a third of a box shared with another. */
          for (guint j = 0; j < synth->reserved->len && ok; j++)
            {
              const Box *other = &g_array_index (synth->reserved, Box, j);
              double shared = 1;

              for (guint i = 0; i < 3; i++)
                shared *= MAX (0.0, edge - fabs (box.origin[i] - other->origin[i]));
              if (shared > edge * edge * edge / 3.0)
                ok = FALSE;
            }
          if (!ok)
            continue;
          n_candidates++;
          error = fabs (box_mean_truth (synth, &box) - level);
          if (error < best_error)
            {
              best_error = error;
              best = box;
            }
        }
      if (n_candidates > 0)
        g_array_append_val (synth->reserved, best);
    }
  g_free (order);
  /* A box too small for two distinct regions still gets one. */
  if (synth->reserved->len == 0)
    {
      Box box = { { 0, 0, 0 }, edge };

      g_array_append_val (synth->reserved, box);
    }
}


static void
sample_init (Sample *sample, const gsize dims[3])
{
  double volume = (double) dims[0] * dims[1] * dims[2];

  sample->step = MAX (2, (gsize) ceil (cbrt (volume / 2.0e6)));
  sample->n_total = 1;
  for (guint i = 0; i < 3; i++)
    {
      sample->dims[i] = (dims[i] + sample->step - 1) / sample->step;
      sample->n_total *= sample->dims[i];
    }
  sample->hit = g_malloc0 (sample->n_total);
}

static double
sample_coord (const Sample *sample, gsize index)
{
  return (double) (index * sample->step + sample->step / 2);
}

/* Marks the unmarked sample points inside the shape; returns how many. */
static gsize
sample_add (Sample *sample, const Ellipsoid *shape, guint8 mark)
{
  gsize lo[3], hi[3], added = 0;

  for (guint i = 0; i < 3; i++)
    {
      double a = (shape->centre[i] - shape->bound) / sample->step - 1;
      double b = (shape->centre[i] + shape->bound) / sample->step + 1;

      lo[i] = a < 0 ? 0 : (gsize) a;
      hi[i] = b < 0 ? 0 : MIN ((gsize) b, sample->dims[i]);
    }
  for (gsize k = lo[2]; k < hi[2]; k++)
    for (gsize j = lo[1]; j < hi[1]; j++)
      for (gsize i = lo[0]; i < hi[0]; i++)
        {
          gsize idx = i + sample->dims[0] * (j + sample->dims[1] * k);

          if (!sample->hit[idx]
              && ellipsoid_contains (shape, sample_coord (sample, i),
                                     sample_coord (sample, j),
                                     sample_coord (sample, k)))
            {
              sample->hit[idx] = mark;
              added++;
            }
        }
  return added;
}

static gboolean
point_in_particles (const Synth *synth, const double point[3])
{
  for (guint k = 0; k < synth->particles->len; k++)
    if (ellipsoid_contains (&g_array_index (synth->particles, Ellipsoid, k),
                            point[0], point[1], point[2]))
      return TRUE;
  return FALSE;
}

/* Shrinks the micrometre sizes in boxes too small to hold several. */
static double
size_scale (const Synth *synth)
{
  gsize min_dim = MIN (synth->nx, MIN (synth->ny, synth->nz));

  return MIN (1.0, (double) min_dim / 400.0);
}

static void
place_particles (Synth *synth, SynthRng *rng)
{
  const gsize dims[3] = { synth->nx, synth->ny, synth->nz };
  double scale = size_scale (synth) / synth->params.voxel_nm;
  double r_min = MAX (3.0, CAM_RADIUS_MIN_NM * scale);
  double r_max = MAX (r_min, CAM_RADIUS_MAX_NM * scale);
  double overlap = 0.85;     /* allowed: distance >= overlap * (R1 + R2) */
  guint failures = 0;
  gsize n_hit = 0;
  Sample *sample = synth->sample;

  synth->particles = g_array_new (FALSE, FALSE, sizeof (Ellipsoid));
  if (synth->params.cam_fraction <= 0)
    return;

  for (guint attempt = 0; attempt < 200000; attempt++)
    {
      double target = synth->params.cam_fraction * sample->n_total;
      double radius, centre[3], semi[3];
      gboolean ok = TRUE;
      Ellipsoid shape;

      if (n_hit >= target)
        break;

      /* Log-uniform radii; bigger ones first while space is plenty. */
      radius = r_min * pow (r_max / r_min, rng_uniform (rng));
      semi[0] = radius;
      semi[1] = radius * rng_range (rng, 0.75, 1.0);
      semi[2] = radius * rng_range (rng, 0.7, 1.0);
      /* Centres may lie outside the box: most particles are cut by it. */
      for (guint i = 0; i < 3; i++)
        centre[i] = rng_range (rng, -0.4 * radius, dims[i] - 1 + 0.4 * radius);

      for (guint k = 0; k < synth->reserved->len && ok; k++)
        if (box_distance (&g_array_index (synth->reserved, Box, k), centre) < radius + 1.5)
          ok = FALSE;
      for (guint k = 0; k < synth->particles->len && ok; k++)
        {
          const Ellipsoid *other = &g_array_index (synth->particles, Ellipsoid, k);
          double d2 = 0;

          for (guint i = 0; i < 3; i++)
            d2 += (centre[i] - other->centre[i]) * (centre[i] - other->centre[i]);
          if (d2 < overlap * overlap * (radius + other->bound) * (radius + other->bound))
            ok = FALSE;
        }
      if (!ok)
        {
          /* Crowded: accept more overlap rather than miss the CAM target. */
          if (++failures >= 500 && overlap > 0.3)
            {
              overlap *= 0.92;
              failures = 0;
            }
          continue;
        }
      failures = 0;
      ellipsoid_init (&shape, centre, semi, rng);
      g_array_append_val (synth->particles, shape);
      n_hit += sample_add (sample, &shape, 1);
    }
}

static void
place_macropores (Synth *synth, SynthRng *rng)
{
  const gsize dims[3] = { synth->nx, synth->ny, synth->nz };
  double scale = size_scale (synth) / synth->params.voxel_nm;
  double r_min = MAX (2.0, MACRO_RADIUS_MIN_NM * scale);
  double r_max = MAX (r_min, MACRO_RADIUS_MAX_NM * scale);
  Sample *sample = synth->sample;
  gsize outside_cam = 0, carved = 0;
  double wanted;

  synth->macropores = g_array_new (FALSE, FALSE, sizeof (Ellipsoid));
  for (gsize n = 0; n < sample->n_total; n++)
    outside_cam += sample->hit[n] == 0;
  wanted = synth->params.macropore_fraction * outside_cam;
  for (guint attempt = 0; attempt < 100000 && carved < wanted; attempt++)
    {
      double radius = rng_range (rng, r_min, r_max);
      double centre[3];
      Ellipsoid shape;

      for (guint i = 0; i < 3; i++)
        centre[i] = rng_range (rng, 0, dims[i] - 1);
      /* Macropores sit between particles, not inside them. */
      if (point_in_particles (synth, centre))
        continue;
      sphere_init (&shape, centre, radius);
      g_array_append_val (synth->macropores, shape);
      carved += sample_add (sample, &shape, 2);
    }
}

/* ---- porosity target ------------------------------------------------------ */

static void
build_truth (Synth *synth, SynthRng *rng)
{
  const gsize dims[3] = { synth->nx, synth->ny, synth->nz };
  double mean_dim = (dims[0] + dims[1] + dims[2]) / 3.0;
  double length = MIN (mean_dim, 500.0);
  double wave[TRUTH_MODES][3], phase[TRUTH_MODES], amp[TRUTH_MODES];
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  double pmin = synth->params.cbd_porosity_min;
  double pmax = synth->params.cbd_porosity_max;
  gsize count = 1;

  for (guint m = 0; m < TRUTH_MODES; m++)
    {
      double dir[3], norm = 0, wavelength;

      for (guint i = 0; i < 3; i++)
        {
          dir[i] = rng_normal (rng);
          norm += dir[i] * dir[i];
        }
      norm = MAX (sqrt (norm), 1e-9);
      wavelength = length * rng_range (rng, 0.6, 1.6);
      for (guint i = 0; i < 3; i++)
        wave[m][i] = 2 * G_PI * dir[i] / norm / wavelength;
      phase[m] = rng_range (rng, 0, 2 * G_PI);
      amp[m] = rng_range (rng, 0.5, 1.0);
    }

  for (guint i = 0; i < 3; i++)
    {
      synth->tdims[i] = (dims[i] - 1) / TRUTH_STEP + 2;
      count *= synth->tdims[i];
    }
  synth->truth = g_new (float, count);
  for (gsize k = 0; k < synth->tdims[2]; k++)
    for (gsize j = 0; j < synth->tdims[1]; j++)
      for (gsize i = 0; i < synth->tdims[0]; i++)
        {
          double p[3] = { (double) i * TRUTH_STEP, (double) j * TRUTH_STEP,
                          (double) k * TRUTH_STEP };
          double value = 0;

          for (guint m = 0; m < TRUTH_MODES; m++)
            value += amp[m] * cos (wave[m][0] * p[0] + wave[m][1] * p[1]
                                   + wave[m][2] * p[2] + phase[m]);
          synth->truth[i + synth->tdims[0] * (j + synth->tdims[1] * k)] = value;
          /* The range over the nodes inside the box is what gets mapped. */
          if (p[0] < dims[0] + TRUTH_STEP && p[1] < dims[1] + TRUTH_STEP
              && p[2] < dims[2] + TRUTH_STEP)
            {
              lo = MIN (lo, value);
              hi = MAX (hi, value);
            }
        }
  for (gsize n = 0; n < count; n++)
    {
      double t = hi > lo ? (synth->truth[n] - lo) / (hi - lo) : 0.5;

      synth->truth[n] = pmin + (pmax - pmin) * CLAMP (t, 0.0, 1.0);
    }
}

static void
noise_grid_init (NoiseGrid *grid,
                 gsize      nx,
                 gsize      ny,
                 gsize      nz,
                 double     sigma,
                 guint64    seed,
                 guint64    stream)
{
  guint radius = (guint) ceil (3.0 * sigma);
  double sum = 0;

  grid->n[0] = nx;
  grid->n[1] = ny;
  grid->n[2] = nz;
  grid->key = splitmix64_mix (seed ^ G_GUINT64_CONSTANT (0x5ca1ab1e0ddba11))
              ^ splitmix64_mix (stream);
  /* Unit-sum-of-squares taps: three passes over unit-variance white noise
   * then give a unit-variance field. */
  grid->radius = radius;
  grid->kernel = g_new (float, 2 * radius + 1);
  for (guint k = 0; k <= 2 * radius; k++)
    {
      double d = (double) k - radius;
      double w = exp (-0.5 * d * d / (sigma * sigma));

      grid->kernel[k] = w;
      sum += w * w;
    }
  for (guint k = 0; k <= 2 * radius; k++)
    grid->kernel[k] /= sqrt (sum);
}

static gsize
noise_grid_scratch (const NoiseGrid *grid)
{
  gsize r = grid->radius;

  return MAX (grid->n[0] * (grid->n[1] + 2 * r),
              MAX (grid->n[0] * (grid->n[2] + 2 * r), grid->n[0] + 2 * r));
}

static void
build_tables (Synth *synth)
{
  double sigma = MAX (0.7, CARBON_SIGMA_NM / synth->params.voxel_nm);
  double rho = 0;

  for (guint n = 0; n <= PINV_TABLE_SIZE; n++)
    {
      double solid = (double) n / PINV_TABLE_SIZE;

      if (n == 0)
        synth->pinv[n] = -1e30;
      else if (n == PINV_TABLE_SIZE)
        synth->pinv[n] = 1e30;
      else
        synth->pinv[n] = gsl_cdf_ugaussian_Pinv (solid);
    }

  /* The fine grid is the voxel grid; the medium one has half the
   * resolution and a margin so that interpolation never leaves it. */
  noise_grid_init (&synth->fine, synth->nx, synth->ny, synth->nz, sigma,
                   synth->params.seed, 11);
  noise_grid_init (&synth->medium, synth->nx / 2 + 2, synth->ny / 2 + 2,
                   synth->nz / 2 + 2,
                   MAX (0.7, AGGREGATE_SIGMA_NM / (2 * synth->params.voxel_nm)),
                   synth->params.seed, 12);

  /* Trilinear interpolation halfway between two nodes of correlation rho
   * has variance (1 + rho) / 2 per axis; dividing by it keeps the field
   * standard normal at every voxel. */
  for (guint k = 0; k + 1 <= 2 * synth->medium.radius; k++)
    rho += (double) synth->medium.kernel[k] * synth->medium.kernel[k + 1];
  synth->medium_inv_std[0] = 1.0;
  synth->medium_inv_std[1] = 1.0 / sqrt (0.5 * (1.0 + rho));
}

/* Phi^-1 (solid), interpolated; the ends stay "never" and "always". */
static inline double
solid_threshold (const Synth *synth, double porosity)
{
  double pos = (1.0 - porosity) * PINV_TABLE_SIZE;
  gsize n;
  double t;

  /* The end intervals would interpolate towards infinity: round instead. */
  if (pos < 1)
    return pos < 0.5 ? synth->pinv[0] : synth->pinv[1];
  if (pos > PINV_TABLE_SIZE - 1)
    return pos > PINV_TABLE_SIZE - 0.5 ? synth->pinv[PINV_TABLE_SIZE]
                                       : synth->pinv[PINV_TABLE_SIZE - 1];
  n = (gsize) pos;
  t = pos - n;
  return synth->pinv[n] + t * (synth->pinv[n + 1] - synth->pinv[n]);
}

/* ---- parallel stages ------------------------------------------------------ */

typedef void (*SlabFunc) (Synth *synth, gsize item, float *scratch);

typedef struct
{
  Synth           *synth;
  SlabFunc         func;
  gint             n_items;
  gint             next;
  gint             done;
  gint             abort;
  gsize            scratch_floats;
  GCancellable    *cancellable;
  CbdProgressFunc  progress;
  gpointer         progress_data;
  const char      *stage;
  double           base, span;
} Stage;

/* One worker of a stage. Its scratch is allocated when it takes its first
 * item, so a worker that finds no items left allocates nothing. Only
 * worker 0 (the calling thread) reports progress. */
typedef struct
{
  Stage    *stage;
  float    *scratch;
  gboolean  reports;
} StageWorker;

static gpointer
stage_worker (gpointer data)
{
  StageWorker *worker = data;
  Stage *stage = worker->stage;

  for (;;)
    {
      gint item;

      if (g_atomic_int_get (&stage->abort))
        break;
      if (g_cancellable_is_cancelled (stage->cancellable))
        {
          g_atomic_int_set (&stage->abort, 1);
          break;
        }
      item = g_atomic_int_add (&stage->next, 1);
      if (item >= stage->n_items)
        break;
      if (worker->scratch == NULL)
        worker->scratch = g_try_malloc_n (MAX (stage->scratch_floats, 1), sizeof (float));
      if (worker->scratch == NULL)
        {
          g_atomic_int_set (&stage->abort, 2);
          break;
        }
      stage->func (stage->synth, (gsize) item, worker->scratch);
      g_atomic_int_inc (&stage->done);
      if (worker->reports && stage->progress != NULL)
        cbd_progress_report (stage->progress, stage->progress_data, stage->stage,
                             stage->base + stage->span * g_atomic_int_get (&stage->done)
                                                       / stage->n_items);
    }
  return NULL;
}

static gboolean
run_stage (Synth           *synth,
           SlabFunc         func,
           gsize            n_items,
           gsize            scratch_floats,
           const char      *name,
           double           base,
           double           span,
           GCancellable    *cancellable,
           CbdProgressFunc  progress,
           gpointer         progress_data,
           GError         **error)
{
  Stage stage = { 0 };
  guint n_threads = synth->params.n_threads;
  g_autofree StageWorker *workers = NULL;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, 64);

  stage.synth = synth;
  stage.func = func;
  stage.n_items = (gint) n_items;
  stage.scratch_floats = scratch_floats;
  stage.cancellable = cancellable;
  stage.progress = progress;
  stage.progress_data = progress_data;
  stage.stage = name;
  stage.base = base;
  stage.span = span;

  cbd_progress_report (progress, progress_data, name, base);
  workers = g_new0 (StageWorker, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t].stage = &stage;
      workers[t].reports = (t == 0);
    }
  /* Helpers the system will not start (a thread or address-space limit) run
   * on this thread after worker 0, which has left them no items. */
  cbd_parallel_run_workers ("cbd-synth", stage_worker, workers, sizeof workers[0], n_threads);
  for (guint t = 0; t < n_threads; t++)
    g_free (workers[t].scratch);

  if (stage.abort == 2)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Out of memory for the synthetic volume's work buffers");
      return FALSE;
    }
  if (stage.abort == 1 || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_CANCELLED,
                   "Generating the synthetic volume was cancelled");
      return FALSE;
    }
  cbd_progress_report (progress, progress_data, name, base + span);
  return TRUE;
}

/* Slice z: white noise, then the x and y passes of the blur. */

/* One blur pass across rows: @padded holds @n_rows + taps - 1 rows of @nx
 * floats (periodically wrapped); output row i goes to out + i * out_step. */
static void
convolve_padded_rows (const float *padded, gsize nx, gsize n_rows, const float *w, guint taps,
                      float *out, gsize out_step)
{
  for (gsize i = 0; i < n_rows; i++)
    {
      float *row = out + out_step * i;

      for (gsize x = 0; x < nx; x++)
        row[x] = 0;
      for (guint k = 0; k < taps; k++)
        {
          const float *src = padded + nx * (i + k);
          float wk = w[k];

          for (gsize x = 0; x < nx; x++)
            row[x] += wk * src[x];
        }
    }
}

static void
grid_noise_xy (NoiseGrid *grid, gsize z, float *scratch)
{
  const gsize nx = grid->n[0], ny = grid->n[1];
  const guint r = grid->radius, taps = 2 * r + 1;
  const float *w = grid->kernel;
  float *slice = grid->data + nx * ny * z;
  guint64 key = grid->key;
  const double scale = sqrt (12.0) / 16777216.0;

  for (gsize n = 0; n < nx * ny; n++)
    {
      guint64 h = splitmix64_mix (key + (guint64) (nx * ny * z + n) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

      slice[n] = (float) (((double) (h >> 40) - 8388608.0) * scale);
    }

  /* x pass, periodic */
  for (gsize y = 0; y < ny; y++)
    {
      float *row = slice + nx * y;

      for (gsize i = 0; i < nx + 2 * r; i++)
        scratch[i] = row[((i + nx * (r / nx + 1)) - r) % nx];
      for (gsize x = 0; x < nx; x++)
        {
          float sum = 0;

          for (guint k = 0; k < taps; k++)
            sum += w[k] * scratch[x + k];
          row[x] = sum;
        }
    }

  /* y pass, periodic */
  for (gsize i = 0; i < ny + 2 * r; i++)
    memcpy (scratch + nx * i, slice + nx * (((i + ny * (r / ny + 1)) - r) % ny),
            nx * sizeof (float));
  convolve_padded_rows (scratch, nx, ny, w, taps, slice, nx);
}

/* Row y of every slice: the z pass of the blur. */
static void
grid_blur_z (NoiseGrid *grid, gsize y, float *scratch)
{
  const gsize nx = grid->n[0], ny = grid->n[1], nz = grid->n[2];
  const guint r = grid->radius, taps = 2 * r + 1;
  const float *w = grid->kernel;

  for (gsize i = 0; i < nz + 2 * r; i++)
    {
      gsize z = ((i + nz * (r / nz + 1)) - r) % nz;

      memcpy (scratch + nx * i, grid->data + nx * (y + ny * z), nx * sizeof (float));
    }
  convolve_padded_rows (scratch, nx, nz, w, taps, grid->data + nx * y, nx * ny);
}

static void
slab_fine_xy (Synth *synth, gsize z, float *scratch)
{
  grid_noise_xy (&synth->fine, z, scratch);
}

static void
slab_fine_z (Synth *synth, gsize y, float *scratch)
{
  grid_blur_z (&synth->fine, y, scratch);
}

static void
slab_medium_xy (Synth *synth, gsize z, float *scratch)
{
  grid_noise_xy (&synth->medium, z, scratch);
}

static void
slab_medium_z (Synth *synth, gsize y, float *scratch)
{
  grid_blur_z (&synth->medium, y, scratch);
}

static void
paint_shape (const Synth     *synth,
             const Ellipsoid *shape,
             gsize            z,
             guint8          *slice,
             guint8           label)
{
  double dz = (double) z - shape->centre[2];
  double reach, ylo, yhi;

  if (fabs (dz) > shape->bound)
    return;
  reach = sqrt (shape->bound * shape->bound - dz * dz);
  ylo = ceil (shape->centre[1] - reach);
  yhi = floor (shape->centre[1] + reach);
  if (yhi < 0 || ylo > (double) synth->ny - 1)
    return;
  for (gsize y = ylo < 0 ? 0 : (gsize) ylo; y < synth->ny && (double) y <= yhi; y++)
    {
      gsize x0, x1;

      if (ellipsoid_row_span (shape, synth->nx, (double) y, (double) z, &x0, &x1))
        memset (slice + synth->nx * y + x0, label, x1 - x0);
    }
}

/* Slice z: porosity target, level set, macropores, CAM. */
static void
slab_label (Synth *synth, gsize z, float *scratch)
{
  const gsize nx = synth->nx, ny = synth->ny;
  const gsize tx = synth->tdims[0], ty = synth->tdims[1];
  float *field = synth->field + nx * ny * z;
  guint8 *slice = synth->labels + nx * ny * z;
  gsize kz = z / TRUTH_STEP;
  float tz = (float) (z % TRUTH_STEP) / TRUTH_STEP;
  const gsize mx = synth->medium.n[0], my = synth->medium.n[1];
  float *aggregate = scratch + tx;
  const float fine_weight = sqrt (1.0 - AGGREGATE_SHARE);
  const float medium_weight = sqrt (AGGREGATE_SHARE);

  for (gsize y = 0; y < ny; y++)
    {
      const float *m00 = synth->medium.data + mx * (y / 2 + my * (z / 2));
      const float *m10 = m00 + mx, *m01 = m00 + mx * my, *m11 = m01 + mx;
      float my_frac = (y & 1) ? 0.5f : 0.0f, mz_frac = (z & 1) ? 0.5f : 0.0f;
      float yz_scale = medium_weight * synth->medium_inv_std[y & 1]
                       * synth->medium_inv_std[z & 1];
      gsize ky = y / TRUTH_STEP;
      float ty_frac = (float) (y % TRUTH_STEP) / TRUTH_STEP;
      const float *t00 = synth->truth + tx * (ky + ty * kz);
      const float *t10 = t00 + tx;
      const float *t01 = t00 + tx * ty;
      const float *t11 = t01 + tx;

      /* Interpolate along y and z once per coarse column. */
      for (gsize kx = 0; kx < tx; kx++)
        {
          float a = t00[kx] + ty_frac * (t10[kx] - t00[kx]);
          float b = t01[kx] + ty_frac * (t11[kx] - t01[kx]);

          scratch[kx] = a + tz * (b - a);
        }
      for (gsize kx = 0; kx < mx; kx++)
        {
          float a = m00[kx] + my_frac * (m10[kx] - m00[kx]);
          float b = m01[kx] + my_frac * (m11[kx] - m01[kx]);

          aggregate[kx] = (a + mz_frac * (b - a)) * yz_scale;
        }
      for (gsize x = 0; x < nx; x++)
        {
          gsize n = nx * y + x, kx = x / TRUTH_STEP, hx = x / 2;
          float tx_frac = (float) (x % TRUTH_STEP) / TRUTH_STEP;
          float porosity = scratch[kx] + tx_frac * (scratch[kx + 1] - scratch[kx]);
          float medium = (x & 1)
                         ? 0.5f * (aggregate[hx] + aggregate[hx + 1])
                           * (float) synth->medium_inv_std[1]
                         : aggregate[hx];
          float noise = fine_weight * field[n] + medium;

          slice[n] = noise < solid_threshold (synth, porosity)
                     ? CBD_SYNTH_CBD : CBD_SYNTH_PORE;
          field[n] = porosity;
        }
    }

  for (guint k = 0; k < synth->macropores->len; k++)
    paint_shape (synth, &g_array_index (synth->macropores, Ellipsoid, k), z, slice,
                 CBD_SYNTH_PORE);
  for (guint k = 0; k < synth->particles->len; k++)
    paint_shape (synth, &g_array_index (synth->particles, Ellipsoid, k), z, slice,
                 CBD_SYNTH_CAM);
}

/* ---- entry point --------------------------------------------------------- */

CbdVolume *
cbd_synth_generate (const CbdSynthParams  *params,
                    float                **porosity_field,
                    GCancellable          *cancellable,
                    CbdProgressFunc        progress,
                    gpointer               progress_data,
                    GError               **error)
{
  Synth synth = { 0 };
  SynthRng rng;
  CbdVolume *volume;
  gsize n_voxels, scratch;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (porosity_field != NULL)
    *porosity_field = NULL;
  if (!params_validate (params, error))
    return NULL;

  synth.params = *params;
  synth.nx = params->dims[0];
  synth.ny = params->dims[1];
  synth.nz = params->dims[2];
  n_voxels = synth.nx * synth.ny * synth.nz;

  cbd_progress_report (progress, progress_data, "Placing particles", 0.0);
  /* One stream per step, so that changing one parameter (say, no
   * macropores) leaves the other steps' draws alone. */
  rng_seed (&rng, params->seed, 4);
  build_truth (&synth, &rng);
  rng_seed (&rng, params->seed, 1);
  place_reserved (&synth, &rng);
  synth.sample = g_new0 (Sample, 1);
  sample_init (synth.sample, params->dims);
  rng_seed (&rng, params->seed, 2);
  place_particles (&synth, &rng);
  rng_seed (&rng, params->seed, 3);
  place_macropores (&synth, &rng);
  build_tables (&synth);

  synth.field = g_try_malloc_n (n_voxels, sizeof (float));
  synth.labels = g_try_malloc (n_voxels);
  synth.medium.data = g_try_malloc_n (synth.medium.n[0] * synth.medium.n[1],
                                      synth.medium.n[2] * sizeof (float));
  if (synth.field == NULL || synth.labels == NULL || synth.medium.data == NULL)
    {
      g_set_error (error, CBD_SYNTH_ERROR, CBD_SYNTH_ERROR_INVALID,
                   "Not enough memory for a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " x %" G_GSIZE_FORMAT " synthetic volume",
                   synth.nx, synth.ny, synth.nz);
      synth_clear (&synth);
      return NULL;
    }

  synth.fine.data = synth.field;
  scratch = MAX (noise_grid_scratch (&synth.fine), noise_grid_scratch (&synth.medium));
  if (!run_stage (&synth, slab_medium_xy, synth.medium.n[2], scratch, "Carbon-binder noise",
                  0.02, 0.04, cancellable, progress, progress_data, error)
      || !run_stage (&synth, slab_medium_z, synth.medium.n[1], scratch, "Carbon-binder noise",
                     0.06, 0.04, cancellable, progress, progress_data, error)
      || !run_stage (&synth, slab_fine_xy, synth.nz, scratch, "Carbon-binder noise",
                     0.10, 0.35, cancellable, progress, progress_data, error)
      || !run_stage (&synth, slab_fine_z, synth.ny, scratch, "Carbon-binder noise",
                     0.45, 0.27, cancellable, progress, progress_data, error)
      || !run_stage (&synth, slab_label, synth.nz, synth.tdims[0] + synth.medium.n[0] + 1,
                     "Labelling", 0.72, 0.28, cancellable, progress, progress_data, error))
    {
      synth_clear (&synth);
      return NULL;
    }

  volume = cbd_volume_new_for_data (synth.nx, synth.ny, synth.nz,
                                    g_steal_pointer (&synth.labels), g_free);
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = params->voxel_nm;
  if (porosity_field != NULL)
    *porosity_field = g_steal_pointer (&synth.field);
  synth_clear (&synth);
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  return volume;
}
