/* test-envelope.c — envelope boxes, the cutout's pores and the caches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-envelope"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-envelope.h"
#include "cbd-partition.h"

/* Label 0 is pore, 1 solid. */
static CbdVolume *
new_solid_volume (gsize n, double voxel_nm)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (n, n, n, &error);

  g_assert_no_error (error);
  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = voxel_nm;
  return volume;
}

static void
carve_ball (CbdVolume *volume, const gint centre[3], gint radius)
{
  for (gint dz = -radius; dz <= radius; dz++)
    for (gint dy = -radius; dy <= radius; dy++)
      for (gint dx = -radius; dx <= radius; dx++)
        {
          gint x = centre[0] + dx, y = centre[1] + dy, z = centre[2] + dz;

          if (dx * dx + dy * dy + dz * dz > radius * radius ||
              x < 0 || y < 0 || z < 0 || (gsize) x >= volume->dims[0] ||
              (gsize) y >= volume->dims[1] || (gsize) z >= volume->dims[2])
            continue;
          volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
        }
}

/* A porous volume of overlapping random balls (seeded), about half pore. */
static CbdVolume *
new_porous_volume (gsize n, guint32 seed)
{
  CbdVolume *volume = new_solid_volume (n, 10.0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint n_balls = (guint) (n * n * n / 150);

  for (guint i = 0; i < n_balls; i++)
    {
      gint centre[3];

      for (guint axis = 0; axis < 3; axis++)
        centre[axis] = g_rand_int_range (rand, 0, (gint32) n);
      carve_ball (volume, centre, g_rand_int_range (rand, 1, 5));
    }
  return volume;
}

static void
pore_phase (gboolean phase[256])
{
  for (guint label = 0; label < 256; label++)
    phase[label] = label == 0;
}

static void
options_for_tests (CbdEnvelopeOptions *options, gsize edge, gsize snap)
{
  cbd_envelope_options_init (options);
  options->edge = edge;
  options->snap = snap;
  options->partition.n_threads = 2;
}

/* The partition and cutout: everything but where it came from, how long it
 * took and the inputs' hash (made only for a cache). */
static void
assert_same_partition (const CbdEnvelope *a, const CbdEnvelope *b)
{
  gsize n = cbd_envelope_cutout_voxels (a);

  for (guint axis = 0; axis < 3; axis++)
    {
      g_assert_cmpuint (a->origin[axis], ==, b->origin[axis]);
      g_assert_cmpuint (a->size[axis], ==, b->size[axis]);
      g_assert_cmpuint (a->cutout_origin[axis], ==, b->cutout_origin[axis]);
      g_assert_cmpuint (a->cutout_size[axis], ==, b->cutout_size[axis]);
      g_assert_cmpuint (a->stack_dims[axis], ==, b->stack_dims[axis]);
    }
  g_assert_cmpuint (a->stack_faces, ==, b->stack_faces);
  g_assert_cmpuint (a->n_regions, ==, b->n_regions);
  g_assert_cmpuint (a->summary.n_markers, ==, b->summary.n_markers);
  g_assert_cmpuint (a->summary.phase_voxels, ==, b->summary.phase_voxels);
  g_assert_cmpuint (a->n_pores, ==, b->n_pores);
  g_assert_cmpmem (a->cutout_pores, n * sizeof (guint32), b->cutout_pores, n * sizeof (guint32));
  g_assert_cmpmem (a->pores, a->n_pores * sizeof (CbdEnvelopePore),
                   b->pores, b->n_pores * sizeof (CbdEnvelopePore));
}

/* The same and of the same inputs. */
static void
assert_same_envelope (const CbdEnvelope *a, const CbdEnvelope *b)
{
  assert_same_partition (a, b);
  g_assert_cmpuint (a->input_hash[0], ==, b->input_hash[0]);
  g_assert_cmpuint (a->input_hash[1], ==, b->input_hash[1]);
}

static CbdEnvelope *
compute_or_fail (const CbdVolume *volume, const gsize origin[3], gsize edge,
                 const CbdEnvelopeOptions *options, CbdEnvelopeCache *cache)
{
  g_autoptr(GError) error = NULL;
  const gsize size[3] = { edge, edge, edge };
  gboolean phase[256];
  CbdEnvelope *envelope;

  pore_phase (phase);
  envelope = cbd_envelope_compute (volume, phase, origin, size, options, cache, NULL, NULL, NULL,
                                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (envelope);
  return envelope;
}

/* ---- boxes ---------------------------------------------------------------- */

static void
test_box_centred_and_clipped (void)
{
  const gsize dims[3] = { 300, 200, 100 };
  const gsize size[3] = { 32, 32, 32 };
  CbdEnvelopeOptions options;
  gsize origin[3], box[3];
  guint faces;
  g_autoptr(GError) error = NULL;

  /* centred: (96 - 32) / 2 = 32 voxels each side; clipped at 0 in z and
   * at 200 in y */
  options_for_tests (&options, 96, 0);
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 100, 150, 10 }, size, &options,
                                   origin, box, &faces, &error));
  g_assert_cmpuint (origin[0], ==, 68);
  g_assert_cmpuint (box[0], ==, 96);
  g_assert_cmpuint (origin[1], ==, 118);
  g_assert_cmpuint (box[1], ==, 82);
  g_assert_cmpuint (origin[2], ==, 0);
  g_assert_cmpuint (box[2], ==, 74);
  g_assert_cmpuint (faces, ==, CBD_FACE_Y_HIGH | CBD_FACE_Z_LOW);

  /* odd margin: (97 - 32) / 2 = 32 below, 33 above */
  options.edge = 97;
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 100, 100, 34 }, size, &options,
                                   origin, box, &faces, &error));
  g_assert_cmpuint (origin[0], ==, 68);
  g_assert_cmpuint (box[0], ==, 97);
  g_assert_cmpuint (faces, ==, 0);

  /* an envelope larger than the stack is the stack */
  options.edge = 1000;
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 0, 0, 0 }, size, &options,
                                   origin, box, &faces, &error));
  g_assert_cmpuint (box[0], ==, 300);
  g_assert_cmpuint (box[1], ==, 200);
  g_assert_cmpuint (box[2], ==, 100);
  g_assert_cmpuint (faces, ==, 0x3F);

  /* the cutout must fit the stack, the envelope the cutout */
  options.edge = 96;
  g_assert_false (cbd_envelope_box (dims, (gsize[3]) { 280, 0, 0 }, size, &options,
                                    origin, box, &faces, &error));
  g_assert_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cbd_envelope_box (dims, (gsize[3]) { 0, 0, 0 }, (gsize[3]) { 0, 4, 4 }, &options,
                                    origin, box, &faces, &error));
  g_assert_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  options.edge = 16;
  g_assert_false (cbd_envelope_box (dims, (gsize[3]) { 0, 0, 0 }, size, &options,
                                    origin, box, &faces, &error));
  g_assert_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT);
}

/* Snapping: cutouts whose centres share a cell share the box, and every
 * cutout keeps at least (edge - cutout - snap) / 2 voxels on each side that
 * is not clipped. Checked on many seeded positions, plus the defaults'
 * 272 voxels for a 128 cutout in an 800 envelope snapped to 128. */
static void
test_box_snapped (void)
{
  const gsize dims[3] = { 3000, 2000, 1500 };
  CbdEnvelopeOptions options;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gsize a[3], b[3], size_a[3], size_b[3];
  g_autoptr(GError) error = NULL;

  cbd_envelope_options_init (&options);
  g_assert_cmpuint (options.edge, ==, 800);
  g_assert_cmpuint (options.snap, ==, 128);

  /* centres 1064 and 1100 lie in the cell [1024, 1152) on x */
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 1000, 1000, 700 }, (gsize[3]) { 128, 128, 128 },
                                   &options, a, size_a, NULL, &error));
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 1036, 1000, 700 }, (gsize[3]) { 128, 128, 128 },
                                   &options, b, size_b, NULL, &error));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpmem (size_a, sizeof size_a, size_b, sizeof size_b);
  /* the cell's centre 1088 - 400 */
  g_assert_cmpuint (a[0], ==, 688);
  /* centre 1160: the next cell */
  g_assert_true (cbd_envelope_box (dims, (gsize[3]) { 1096, 1000, 700 }, (gsize[3]) { 128, 128, 128 },
                                   &options, b, size_b, NULL, &error));
  g_assert_cmpuint (b[0], ==, 688 + 128);

  for (guint trial = 0; trial < 2000; trial++)
    {
      gsize n = (gsize) g_rand_int_range (rand, 1, 200);
      gsize edge = n + (gsize) g_rand_int_range (rand, 0, 700);
      gsize snap = (gsize) g_rand_int_range (rand, 0, 300);
      gsize cutout[3], origin[3], box[3], other[3], other_box[3];

      options.edge = edge;
      options.snap = snap;
      for (guint axis = 0; axis < 3; axis++)
        cutout[axis] = (gsize) g_rand_int_range (rand, 0, (gint32) (dims[axis] - n));
      g_assert_true (cbd_envelope_box (dims, cutout, (gsize[3]) { n, n, n }, &options,
                                       origin, box, NULL, &error));
      for (guint axis = 0; axis < 3; axis++)
        {
          gboolean snapped = snap > 0 && edge >= n + snap;
          gsize margin = snapped ? (edge - n - snap) / 2 : (edge - n) / 2;
          gsize low = cutout[axis] - origin[axis];
          gsize high = origin[axis] + box[axis] - cutout[axis] - n;

          g_assert_cmpuint (origin[axis], <=, cutout[axis]);
          g_assert_cmpuint (origin[axis] + box[axis], >=, cutout[axis] + n);
          g_assert_cmpuint (box[axis], <=, edge);
          if (origin[axis] > 0)
            g_assert_cmpuint (low, >=, margin);
          if (origin[axis] + box[axis] < dims[axis])
            g_assert_cmpuint (high, >=, margin);
          if (!snapped && origin[axis] > 0 && origin[axis] + box[axis] < dims[axis])
            g_assert_cmpuint (low, ==, (edge - n) / 2);
        }
      /* a cutout moved within its cell gets the same box */
      if (snap > 0 && edge >= n + snap)
        {
          gsize moved[3];

          for (guint axis = 0; axis < 3; axis++)
            {
              gsize centre = cutout[axis] + n / 2, cell_start = centre / snap * snap;
              gsize new_centre = cell_start + (gsize) g_rand_int_range (rand, 0, (gint32) snap);

              moved[axis] = new_centre >= n / 2 ? new_centre - n / 2 : 0;
              if (moved[axis] + n > dims[axis] || moved[axis] + n / 2 != new_centre)
                moved[axis] = cutout[axis];
            }
          g_assert_true (cbd_envelope_box (dims, moved, (gsize[3]) { n, n, n }, &options,
                                           other, other_box, NULL, &error));
          g_assert_cmpmem (origin, sizeof origin, other, sizeof other);
          g_assert_cmpmem (box, sizeof box, other_box, sizeof other_box);
        }
    }
}

/* ---- the cutout's pores ---------------------------------------------------- */

/* Three isolated balls of 20 nm voxels in a 60^3 stack; a 16^3 cutout at
 * (20, 20, 20) in an envelope of edge 36 (margin 10: [10, 46)). The pores'
 * numbers follow from the balls: centroids at their centres in stack nm,
 * volumes and boxes by enumeration. A fourth ball outside the cutout is a
 * region of the envelope but no pore of the cutout. */
static void
test_pores_by_hand (void)
{
  static const struct { gint centre[3]; gint radius; } balls[] = {
    { { 22, 27, 30 }, 3 },   /* crosses the cutout's x = 20 face */
    { { 29, 29, 27 }, 2 },   /* inside */
    { { 37, 22, 25 }, 3 },   /* beyond the face at x = 35.5: centred outside */
    { { 14, 14, 40 }, 2 },   /* envelope only */
  };
  g_autoptr(CbdVolume) volume = new_solid_volume (60, 20.0);
  const gsize origin[3] = { 20, 20, 20 };
  CbdEnvelopeOptions options;
  g_autoptr(CbdEnvelope) envelope = NULL;
  guint matched = 0;

  for (guint b = 0; b < G_N_ELEMENTS (balls); b++)
    carve_ball (volume, balls[b].centre, balls[b].radius);
  options_for_tests (&options, 36, 0);
  envelope = compute_or_fail (volume, origin, 16, &options, NULL);

  g_assert_cmpuint (envelope->origin[0], ==, 10);
  g_assert_cmpuint (envelope->size[0], ==, 36);
  g_assert_cmpuint (envelope->n_regions, ==, 4);
  g_assert_cmpuint (envelope->n_pores, ==, 3);
  g_assert_cmpuint (envelope->source, ==, CBD_ENVELOPE_COMPUTED);
  g_assert_null (envelope->cache_path);

  for (guint b = 0; b < 3; b++)
    {
      gint r = balls[b].radius;
      guint64 volume_voxels = 0, inside = 0;
      guint32 index = 0;

      for (gint dz = -r; dz <= r; dz++)
        for (gint dy = -r; dy <= r; dy++)
          for (gint dx = -r; dx <= r; dx++)
            {
              gint x = balls[b].centre[0] + dx, y = balls[b].centre[1] + dy, z = balls[b].centre[2] + dz;

              if (dx * dx + dy * dy + dz * dz > r * r)
                continue;
              volume_voxels++;
              if (x >= 20 && x < 36 && y >= 20 && y < 36 && z >= 20 && z < 36)
                {
                  guint32 p = envelope->cutout_pores[(x - 20) + 16 * ((y - 20) + 16 * (z - 20))];

                  inside++;
                  g_assert_cmpuint (p, !=, 0);
                  if (index == 0)
                    index = p;
                  g_assert_cmpuint (p, ==, index);
                }
            }
      {
        const CbdEnvelopePore *pore = &envelope->pores[index - 1];

        g_assert_cmpuint (pore->volume_voxels, ==, volume_voxels);
        g_assert_cmpfloat_with_epsilon (pore->volume_nm3, volume_voxels * 8000.0, 1e-6);
        g_assert_cmpuint (pore->cutout_voxels, ==, inside);
        for (guint axis = 0; axis < 3; axis++)
          {
            g_assert_cmpfloat_with_epsilon (pore->centroid_nm[axis], balls[b].centre[axis] * 20.0, 1e-9);
            g_assert_cmpuint (pore->bbox_min[axis], ==, (gsize) (balls[b].centre[axis] - r));
            g_assert_cmpuint (pore->bbox_max[axis], ==, (gsize) (balls[b].centre[axis] + r));
          }
        g_assert_cmpfloat_with_epsilon (pore->inscribed_diameter_nm, 2 * sqrt (r * r + 1.0) * 20, 1e-3);
        g_assert_cmpfloat_with_epsilon (pore->equivalent_diameter_nm,
                                        cbrt (6 * volume_voxels * 8000.0 / G_PI), 1e-6);
        g_assert_cmpuint (pore->envelope_faces, ==, 0);
        g_assert_cmpuint (pore->n_neighbours, ==, 0);
        /* the cutout's outer faces at 19.5 and 35.5 voxels */
        g_assert_cmpint (pore->centroid_in_cutout, ==, b != 2);
        matched++;
      }
    }
  g_assert_cmpuint (matched, ==, 3);
  /* pores are ordered by region id, region ids are distinct */
  for (guint32 p = 1; p < envelope->n_pores; p++)
    g_assert_cmpuint (envelope->pores[p - 1].region, <, envelope->pores[p].region);
}

/* The cutout's pore map is the partition of the cropped envelope read
 * through the pore table: same voxels, same regions. */
static void
test_matches_direct_partition (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (64, 3);
  CbdEnvelopeOptions options;
  g_autoptr(CbdEnvelope) envelope = NULL;
  g_autoptr(CbdVolume) crop = NULL;
  g_autofree guint32 *regions = NULL;
  g_autoptr(GError) error = NULL;
  CbdPartitionSummary summary;
  gboolean phase[256];
  const gsize cutout[3] = { 30, 8, 40 };

  options_for_tests (&options, 40, 0);
  envelope = compute_or_fail (volume, cutout, 20, &options, NULL);
  /* [20, 60) x [0, 38) x [30, 64): clipped at y = 0 and z = 64 */
  g_assert_cmpuint (envelope->origin[1], ==, 0);
  g_assert_cmpuint (envelope->size[1], ==, 38);
  g_assert_cmpuint (envelope->origin[2], ==, 30);
  g_assert_cmpuint (envelope->size[2], ==, 34);
  g_assert_cmpuint (envelope->stack_faces, ==, CBD_FACE_Y_LOW | CBD_FACE_Z_HIGH);

  pore_phase (phase);
  crop = cbd_volume_crop (volume, envelope->origin, envelope->size, &error);
  g_assert_no_error (error);
  regions = g_new (guint32, cbd_volume_n_voxels (crop));
  g_assert_true (cbd_partition_compute (crop, phase, &options.partition, regions, NULL, &summary,
                                        NULL, NULL, NULL, &error));
  g_assert_cmpuint (summary.n_regions, ==, envelope->n_regions);
  for (gsize z = 0; z < 20; z++)
    for (gsize y = 0; y < 20; y++)
      for (gsize x = 0; x < 20; x++)
        {
          guint32 p = envelope->cutout_pores[x + 20 * (y + 20 * z)];
          guint32 id = regions[cbd_volume_index (crop, cutout[0] + x - envelope->origin[0],
                                                 cutout[1] + y - envelope->origin[1],
                                                 cutout[2] + z - envelope->origin[2])];

          g_assert_cmpuint (p == 0 ? 0 : envelope->pores[p - 1].region, ==, id);
          g_assert_cmpint (p != 0, ==, volume->labels[cbd_volume_index (volume, cutout[0] + x,
                                                                        cutout[1] + y,
                                                                        cutout[2] + z)] == 0);
        }
}

/* ---- caches ------------------------------------------------------------------ */

static void
test_memory_cache (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (64, 5);
  g_autoptr(CbdVolume) edited = NULL;
  g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  g_autoptr(CbdEnvelopeCache) tiny = cbd_envelope_cache_new (NULL, 1000);
  g_autoptr(CbdEnvelope) first = NULL, again = NULL, nudged = NULL, nudged_fresh = NULL;
  g_autoptr(CbdEnvelope) other = NULL, tiny_a = NULL, tiny_b = NULL;
  g_autoptr(GError) error = NULL;
  CbdEnvelopeOptions options;
  CbdEnvelopeCacheStats stats;

  /* edge 48, snap 16, cutout 16: centres 24 and 30 share the cell [16, 32) */
  options_for_tests (&options, 48, 16);
  first = compute_or_fail (volume, (gsize[3]) { 16, 16, 16 }, 16, &options, cache);
  again = compute_or_fail (volume, (gsize[3]) { 16, 16, 16 }, 16, &options, cache);
  nudged = compute_or_fail (volume, (gsize[3]) { 22, 19, 16 }, 16, &options, cache);
  nudged_fresh = compute_or_fail (volume, (gsize[3]) { 22, 19, 16 }, 16, &options, NULL);
  g_assert_cmpuint (first->source, ==, CBD_ENVELOPE_COMPUTED);
  g_assert_cmpuint (again->source, ==, CBD_ENVELOPE_FROM_MEMORY);
  g_assert_cmpuint (nudged->source, ==, CBD_ENVELOPE_FROM_MEMORY);
  g_assert_cmpuint (nudged_fresh->source, ==, CBD_ENVELOPE_COMPUTED);
  assert_same_envelope (first, again);
  assert_same_partition (nudged, nudged_fresh);
  g_assert_cmpmem (first->origin, sizeof first->origin, nudged->origin, sizeof nudged->origin);
  g_assert_cmpfloat (again->partition_seconds, ==, first->partition_seconds);

  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.computed, ==, 1);
  g_assert_cmpuint (stats.memory_hits, ==, 2);
  g_assert_cmpuint (stats.memory_entries, ==, 1);
  /* run-length coded: well under the 4 bytes per voxel of raw ids */
  g_test_message ("48^3 envelope cached in %" G_GUINT64_FORMAT " bytes", stats.memory_bytes);
  g_assert_cmpuint (stats.memory_bytes, <, 48 * 48 * 48 * 4 / 2);

  /* a copy with one voxel changed outside the envelope [0, 48)^3: the same
   * key; one changed inside: a different one */
  edited = cbd_volume_crop (volume, (gsize[3]) { 0, 0, 0 }, volume->dims, &error);
  g_assert_no_error (error);
  edited->labels[cbd_volume_index (edited, 50, 50, 50)] ^= 1;
  other = compute_or_fail (edited, (gsize[3]) { 16, 16, 16 }, 16, &options, cache);
  g_assert_cmpuint (other->source, ==, CBD_ENVELOPE_FROM_MEMORY);
  g_clear_pointer (&other, cbd_envelope_unref);
  edited->labels[cbd_volume_index (edited, 47, 0, 30)] ^= 1;
  other = compute_or_fail (edited, (gsize[3]) { 16, 16, 16 }, 16, &options, cache);
  g_assert_cmpuint (other->source, ==, CBD_ENVELOPE_COMPUTED);
  g_assert_true (other->input_hash[0] != first->input_hash[0]);

  /* other SNOW options: a different key */
  options.partition.r_max = 3;
  g_clear_pointer (&other, cbd_envelope_unref);
  other = compute_or_fail (volume, (gsize[3]) { 16, 16, 16 }, 16, &options, cache);
  g_assert_cmpuint (other->source, ==, CBD_ENVELOPE_COMPUTED);
  options.partition.r_max = 4;

  /* a budget too small to keep anything */
  tiny_a = compute_or_fail (volume, (gsize[3]) { 16, 16, 16 }, 16, &options, tiny);
  tiny_b = compute_or_fail (volume, (gsize[3]) { 16, 16, 16 }, 16, &options, tiny);
  g_assert_cmpuint (tiny_b->source, ==, CBD_ENVELOPE_COMPUTED);
  assert_same_envelope (tiny_a, first);
  cbd_envelope_cache_get_stats (tiny, &stats);
  g_assert_cmpuint (stats.memory_entries, ==, 0);

  cbd_envelope_cache_clear (cache);
  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.memory_entries, ==, 0);
  g_assert_cmpuint (stats.memory_bytes, ==, 0);
  g_assert_cmpuint (stats.computed, ==, 3);
  g_assert_cmpuint (stats.memory_hits, ==, 3);
}

typedef struct
{
  const CbdVolume          *volume;
  gsize                     origin[3];
  const CbdEnvelopeOptions *options;
  CbdEnvelopeCache         *cache;
  CbdEnvelope              *envelope;
} ConcurrentJob;

static gpointer
concurrent_compute (gpointer data)
{
  ConcurrentJob *job = data;

  job->envelope = compute_or_fail (job->volume, job->origin, 16, job->options, job->cache);
  return NULL;
}

/* Two workers on cutouts of one envelope at the same time (the app's
 * analysis pool): one partitions it, the other waits and takes it from
 * memory, instead of both holding an envelope's worth of arrays. */
static void
test_concurrent_same_envelope (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (80, 13);
  g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  CbdEnvelopeOptions options;
  CbdEnvelopeCacheStats stats;
  ConcurrentJob jobs[2] = {
    { volume, { 16, 16, 16 }, &options, cache, NULL },
    { volume, { 22, 19, 16 }, &options, cache, NULL },
  };
  GThread *threads[2];

  options_for_tests (&options, 64, 16);
  options.partition.n_threads = 1;
  for (guint t = 0; t < 2; t++)
    threads[t] = g_thread_new ("test-envelope", concurrent_compute, &jobs[t]);
  for (guint t = 0; t < 2; t++)
    g_thread_join (threads[t]);

  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.computed, ==, 1);
  g_assert_cmpuint (stats.memory_hits, ==, 1);
  g_assert_cmpuint (jobs[0].envelope->source + jobs[1].envelope->source, ==,
                    CBD_ENVELOPE_COMPUTED + CBD_ENVELOPE_FROM_MEMORY);
  for (guint t = 0; t < 2; t++)
    {
      g_autoptr(CbdEnvelope) fresh = compute_or_fail (volume, jobs[t].origin, 16, &options, NULL);

      assert_same_partition (jobs[t].envelope, fresh);
      cbd_envelope_unref (jobs[t].envelope);
    }
}

static void
rewrite_file (const char *path, gsize offset, gssize truncate_to, const char *replacement)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  if (replacement != NULL)
    {
      g_assert_true (g_file_set_contents (path, replacement, -1, &error));
      return;
    }
  if (truncate_to >= 0)
    len = (gsize) truncate_to;
  else
    contents[MIN (offset, len - 1)] ^= 0x10;
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, &error));
}

static void
remove_directory (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

static void
expect_rejected (const CbdVolume *volume, const gsize cutout[3], const CbdEnvelopeOptions *options,
                 const char *directory, const CbdEnvelope *truth)
{
  g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (directory, 0);
  g_autoptr(CbdEnvelope) envelope = NULL;
  CbdEnvelopeCacheStats stats;

  g_test_expect_message ("cbd-envelope", G_LOG_LEVEL_WARNING, "*Ignoring the envelope cache file*");
  envelope = compute_or_fail (volume, cutout, 16, options, cache);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (envelope->source, ==, CBD_ENVELOPE_COMPUTED);
  assert_same_envelope (envelope, truth);
  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.rejected_files, ==, 1);
}

static void
test_disk_cache (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (64, 9);
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("cbd-envelope-XXXXXX", &error);
  g_autofree char *path = NULL, *other_path = NULL;
  g_autoptr(CbdEnvelope) first = NULL, from_disk = NULL, other = NULL, reread = NULL;
  const gsize cutout[3] = { 20, 24, 24 }, other_cutout[3] = { 30, 24, 24 };
  CbdEnvelopeOptions options;
  gsize file_size;

  g_assert_no_error (error);
  options_for_tests (&options, 48, 0);

  {
    /* budget 0: nothing in memory, so every hit below is the file's */
    g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (directory, 0);

    first = compute_or_fail (volume, cutout, 16, &options, cache);
    g_assert_cmpuint (first->source, ==, CBD_ENVELOPE_COMPUTED);
    g_assert_nonnull (first->cache_path);
    g_assert_true (g_file_test (first->cache_path, G_FILE_TEST_IS_REGULAR));
    path = g_strdup (first->cache_path);
    from_disk = compute_or_fail (volume, cutout, 16, &options, cache);
    g_assert_cmpuint (from_disk->source, ==, CBD_ENVELOPE_FROM_DISK);
    g_assert_cmpstr (from_disk->cache_path, ==, path);
    assert_same_envelope (first, from_disk);
    g_assert_cmpfloat (from_disk->partition_seconds, ==, first->partition_seconds);

    other = compute_or_fail (volume, other_cutout, 16, &options, cache);
    other_path = g_strdup (other->cache_path);
    g_assert_cmpstr (other_path, !=, path);
  }
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, &file_size, NULL));
    g_test_message ("cache file of a 16^3 cutout: %" G_GSIZE_FORMAT " bytes", file_size);
  }

  /* a flipped bit anywhere: in the header, a pore, the voxel code, the
   * checksum itself */
  {
    gsize offsets[] = { 9, 60, file_size / 2, file_size - 100, file_size - 3 };

    for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
      {
        rewrite_file (path, offsets[i], -1, NULL);
        expect_rejected (volume, cutout, &options, directory, first);
        /* the recomputed result was written back: a clean file again */
        {
          g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (directory, 0);

          g_clear_pointer (&reread, cbd_envelope_unref);
          reread = compute_or_fail (volume, cutout, 16, &options, cache);
          g_assert_cmpuint (reread->source, ==, CBD_ENVELOPE_FROM_DISK);
          assert_same_envelope (reread, first);
        }
      }
  }

  /* truncated, foreign, empty, and a valid file of another cutout */
  rewrite_file (path, 0, (gssize) file_size / 3, NULL);
  expect_rejected (volume, cutout, &options, directory, first);
  rewrite_file (path, 0, -1, "not a cache file at all");
  expect_rejected (volume, cutout, &options, directory, first);
  rewrite_file (path, 0, 0, NULL);
  expect_rejected (volume, cutout, &options, directory, first);
  {
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (other_path, &contents, &len, NULL));
    g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
    expect_rejected (volume, cutout, &options, directory, first);
  }

  remove_directory (directory);
}

/* ---- cancellation and progress --------------------------------------------- */

typedef struct
{
  GCancellable *cancellable;
  const char   *cancel_at;
  double        last_fraction;
  guint         n_calls;
  gboolean      monotonic;
} ProgressLog;

static void
log_progress (const CbdProgress *progress, gpointer user_data)
{
  ProgressLog *log = user_data;

  log->n_calls++;
  if (progress->fraction >= 0)
    {
      if (progress->fraction < log->last_fraction)
        log->monotonic = FALSE;
      log->last_fraction = progress->fraction;
    }
  if (log->cancel_at != NULL && strstr (progress->stage, log->cancel_at) != NULL)
    g_cancellable_cancel (log->cancellable);
}

static void
test_cancel_and_progress (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (64, 11);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  const gsize cutout[3] = { 24, 24, 24 }, size[3] = { 16, 16, 16 };
  const char *stages[] = { "Hashing", "Cropping", "Distance", "peaks", "Measuring" };
  CbdEnvelopeOptions options;
  CbdEnvelopeCacheStats stats;
  gboolean phase[256];

  pore_phase (phase);
  options_for_tests (&options, 48, 0);

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdEnvelope) envelope = NULL;
      ProgressLog log = { cancellable, stages[i], 0, 0, TRUE };

      g_cancellable_reset (cancellable);
      envelope = cbd_envelope_compute (volume, phase, cutout, size, &options, cache, cancellable,
                                       log_progress, &log, &error);
      g_test_message ("cancelled at %s", stages[i]);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (envelope);
    }
  /* nothing half-done was cached */
  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.memory_entries, ==, 0);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CbdEnvelope) envelope = NULL;
    ProgressLog log = { cancellable, NULL, 0, 0, TRUE };

    g_cancellable_reset (cancellable);
    envelope = cbd_envelope_compute (volume, phase, cutout, size, &options, cache, cancellable,
                                     log_progress, &log, &error);
    g_assert_no_error (error);
    g_assert_true (log.monotonic);
    g_assert_cmpuint (log.n_calls, >=, 5);
    g_assert_cmpfloat (log.last_fraction, ==, 1.0);
  }
}

/* Without a cache that keeps partitions nothing is looked up, so the
 * envelope is not hashed (a hash stage would cancel the call here), and
 * the partition is the one a memory or disk cache computes and hands back. */
static void
test_no_cache_no_hash (void)
{
  g_autoptr(CbdVolume) volume = new_porous_volume (64, 7);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(CbdEnvelopeCache) keeps_nothing = cbd_envelope_cache_new (NULL, 0);
  g_autoptr(CbdEnvelopeCache) memory = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  g_autofree char *directory = g_dir_make_tmp ("cbd-envelope-XXXXXX", NULL);
  g_autoptr(CbdEnvelopeCache) disk = cbd_envelope_cache_new (directory, 0);
  const gsize cutout[3] = { 20, 24, 16 }, size[3] = { 16, 16, 16 };
  CbdEnvelopeCache *uncached[] = { NULL, keeps_nothing };
  g_autoptr(CbdEnvelope) plain = NULL, computed = NULL, from_memory = NULL, from_disk = NULL;
  CbdEnvelopeCacheStats stats;
  CbdEnvelopeOptions options;
  gboolean phase[256];

  pore_phase (phase);
  options_for_tests (&options, 48, 0);
  for (guint i = 0; i < G_N_ELEMENTS (uncached); i++)
    {
      g_autoptr(GError) error = NULL;
      ProgressLog log = { cancellable, "Hashing", 0, 0, TRUE };
      CbdEnvelope *envelope;

      envelope = cbd_envelope_compute (volume, phase, cutout, size, &options, uncached[i],
                                       cancellable, log_progress, &log, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (envelope->source, ==, CBD_ENVELOPE_COMPUTED);
      g_assert_cmpuint (envelope->input_hash[0] | envelope->input_hash[1], ==, 0);
      if (plain == NULL)
        plain = envelope;
      else
        {
          assert_same_envelope (plain, envelope);
          cbd_envelope_unref (envelope);
        }
    }
  cbd_envelope_cache_get_stats (keeps_nothing, &stats);
  g_assert_cmpuint (stats.computed, ==, 1);

  /* a cache that can answer hashes first: the stage is reported */
  {
    g_autoptr(GError) error = NULL;
    ProgressLog log = { cancellable, "Hashing", 0, 0, TRUE };

    g_assert_null (cbd_envelope_compute (volume, phase, cutout, size, &options, memory,
                                         cancellable, log_progress, &log, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }

  computed = compute_or_fail (volume, cutout, 16, &options, memory);
  from_memory = compute_or_fail (volume, cutout, 16, &options, memory);
  g_assert_cmpuint (computed->source, ==, CBD_ENVELOPE_COMPUTED);
  g_assert_cmpuint (from_memory->source, ==, CBD_ENVELOPE_FROM_MEMORY);
  g_assert_cmpuint (computed->input_hash[0] | computed->input_hash[1], !=, 0);
  assert_same_partition (plain, computed);
  assert_same_envelope (computed, from_memory);
  g_clear_pointer (&computed, cbd_envelope_unref);
  computed = compute_or_fail (volume, cutout, 16, &options, disk);
  from_disk = compute_or_fail (volume, cutout, 16, &options, disk);
  g_assert_cmpuint (from_disk->source, ==, CBD_ENVELOPE_FROM_DISK);
  assert_same_partition (plain, from_disk);
  assert_same_envelope (computed, from_disk);

  g_unlink (computed->cache_path);
  g_rmdir (directory);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/envelope/box-centred-and-clipped", test_box_centred_and_clipped);
  g_test_add_func ("/envelope/box-snapped", test_box_snapped);
  g_test_add_func ("/envelope/pores-by-hand", test_pores_by_hand);
  g_test_add_func ("/envelope/matches-direct-partition", test_matches_direct_partition);
  g_test_add_func ("/envelope/memory-cache", test_memory_cache);
  g_test_add_func ("/envelope/concurrent-same-envelope", test_concurrent_same_envelope);
  g_test_add_func ("/envelope/disk-cache", test_disk_cache);
  g_test_add_func ("/envelope/cancel-and-progress", test_cancel_and_progress);
  g_test_add_func ("/envelope/no-cache-no-hash", test_no_cache_no_hash);

  return g_test_run ();
}
