/* test-filter.c — the macropore filter on hand-built pores whose classes
 * follow from the rules by construction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-filter"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-envelope.h"
#include "cbd-filter.h"

/* Label 0 is pore, 1 solid. Balls of integer radius r centred on a voxel:
 * the voxels with |d|^2 <= r^2. Their largest distance to the solid is to
 * the nearest voxel outside, at |d|^2 = r^2 + 1, so the inscribed diameter
 * is 2 sqrt(r^2 + 1) voxels. Balls lie at least two voxels apart, so each
 * is a phase component of its own and one pore of the partition. */
typedef struct
{
  const char *name;
  gint        centre[3];
  gint        radius;
  guint       expected_rules;  /* with the default thresholds */
} Ball;

#define VOXEL_NM 50.0
#define RULE(r) (1u << CBD_FILTER_RULE_##r)

/* The main scene: an 80^3 stack, the cutout [28, 52)^3, the envelope of
 * edge 64 centred on it ([8, 72)^3, no snap), so no envelope face is on the
 * stack border and every ball lies wholly inside the envelope. */
static const Ball scene[] = {
  /* a macropore (inscribed diameter 2 sqrt 50 x 50 nm = 707 nm > 400)
   * reaching across the cutout's x = 28 face, centred inside */
  { "big", { 30, 40, 40 }, 7, RULE (DIAMETER) },
  /* small inner pores (224 nm), wholly inside */
  { "small-1", { 40, 31, 31 }, 2, 0 },
  { "small-2", { 40, 31, 47 }, 2, 0 },
  { "small-3", { 33, 47, 30 }, 2, 0 },
  { "small-4", { 46, 46, 30 }, 2, 0 },
  /* radius 3 (316 nm), centred inside at x = 50, two of its x slices
   * beyond the cutout's last voxel (51) */
  { "inside-centred", { 50, 38, 48 }, 3, 0 },
  /* centred at x = 54, outside: only its x = 51 cap (1 voxel) inside */
  { "outside", { 54, 32, 32 }, 3, RULE (CENTRE) },
  /* centred at x = 52, just outside the cutout's face at 51.5: 47 of its
   * 123 voxels (the slices x <= 51) inside, 38 % */
  { "outside-edge", { 52, 46, 40 }, 3, RULE (CENTRE) },
};

static CbdVolume *
new_solid_volume (gsize n)
{
  g_autoptr(GError) error = NULL;
  CbdVolume *volume = cbd_volume_new (n, n, n, &error);

  g_assert_no_error (error);
  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = VOXEL_NM;
  return volume;
}

static gboolean
in_ball (const Ball *ball, gsize x, gsize y, gsize z)
{
  gint64 dx = (gint64) x - ball->centre[0], dy = (gint64) y - ball->centre[1];
  gint64 dz = (gint64) z - ball->centre[2];

  return dx * dx + dy * dy + dz * dz <= ball->radius * ball->radius;
}

static void
carve_balls (CbdVolume *volume, const Ball *balls, guint n_balls)
{
  for (guint b = 0; b < n_balls; b++)
    {
      gint r = balls[b].radius;

      for (gint z = balls[b].centre[2] - r; z <= balls[b].centre[2] + r; z++)
        for (gint y = balls[b].centre[1] - r; y <= balls[b].centre[1] + r; y++)
          for (gint x = balls[b].centre[0] - r; x <= balls[b].centre[0] + r; x++)
            if (x >= 0 && y >= 0 && z >= 0 && (gsize) x < volume->dims[0] &&
                (gsize) y < volume->dims[1] && (gsize) z < volume->dims[2] &&
                in_ball (&balls[b], x, y, z))
              volume->labels[cbd_volume_index (volume, x, y, z)] = 0;
    }
}

static void
check_separated (const Ball *balls, guint n_balls)
{
  for (guint a = 0; a < n_balls; a++)
    for (guint b = a + 1; b < n_balls; b++)
      {
        double d = 0;

        for (guint axis = 0; axis < 3; axis++)
          d += (double) (balls[a].centre[axis] - balls[b].centre[axis]) *
               (balls[a].centre[axis] - balls[b].centre[axis]);
        g_assert_cmpfloat (sqrt (d), >, balls[a].radius + balls[b].radius + 2);
      }
}

static guint64
ball_voxels_in_box (const Ball *ball, const gsize origin[3], gsize edge)
{
  guint64 count = 0;

  for (gsize z = origin[2]; z < origin[2] + edge; z++)
    for (gsize y = origin[1]; y < origin[1] + edge; y++)
      for (gsize x = origin[0]; x < origin[0] + edge; x++)
        count += in_ball (ball, x, y, z) ? 1 : 0;
  return count;
}

static guint64
ball_voxels (const Ball *ball)
{
  guint64 count = 0;
  gint r = ball->radius;

  for (gint dz = -r; dz <= r; dz++)
    for (gint dy = -r; dy <= r; dy++)
      for (gint dx = -r; dx <= r; dx++)
        count += dx * dx + dy * dy + dz * dz <= r * r ? 1 : 0;
  return count;
}

static double
ball_inscribed_nm (const Ball *ball)
{
  return 2.0 * sqrt ((double) ball->radius * ball->radius + 1.0) * VOXEL_NM;
}

static void
pore_phase (gboolean phase[256])
{
  for (guint label = 0; label < 256; label++)
    phase[label] = label == 0;
}

static CbdEnvelope *
compute (const CbdVolume *volume, const gsize origin[3], gsize edge, gsize envelope_edge)
{
  g_autoptr(GError) error = NULL;
  CbdEnvelopeOptions options;
  gboolean phase[256];
  const gsize size[3] = { edge, edge, edge };
  CbdEnvelope *envelope;

  cbd_envelope_options_init (&options);
  options.edge = envelope_edge;
  options.snap = 0;
  options.partition.n_threads = 2;
  pore_phase (phase);
  envelope = cbd_envelope_compute (volume, phase, origin, size, &options, NULL, NULL, NULL, NULL,
                                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (envelope);
  return envelope;
}

/* The pore index holding the ball's voxels in the cutout (all of them). */
static guint32
ball_pore (const CbdEnvelope *envelope, const Ball *ball)
{
  guint32 index = 0;
  const gsize *o = envelope->cutout_origin, *s = envelope->cutout_size;

  for (gsize z = 0; z < s[2]; z++)
    for (gsize y = 0; y < s[1]; y++)
      for (gsize x = 0; x < s[0]; x++)
        if (in_ball (ball, o[0] + x, o[1] + y, o[2] + z))
          {
            guint32 p = envelope->cutout_pores[x + s[0] * (y + s[1] * z)];

            g_assert_cmpuint (p, !=, 0);
            if (index == 0)
              index = p;
            g_assert_cmpuint (p, ==, index);
          }
  return index;
}

static CbdEnvelope *
scene_envelope (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (80);
  const gsize origin[3] = { 28, 28, 28 };

  check_separated (scene, G_N_ELEMENTS (scene));
  carve_balls (volume, scene, G_N_ELEMENTS (scene));
  return compute (volume, origin, 24, 64);
}

static void
test_scene_defaults (void)
{
  g_autoptr(CbdEnvelope) envelope = scene_envelope ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *classes = g_new (guint8, 24 * 24 * 24);
  g_autofree guint8 *pore_rules = g_new (guint8, envelope->n_pores);
  const gsize *o = envelope->cutout_origin;
  guint64 pore = 0, retained = 0, excluded = 0, rule_voxels[CBD_FILTER_N_RULES] = { 0 };
  guint rule_pores[CBD_FILTER_N_RULES] = { 0 };
  CbdFilterResult result;

  g_assert_cmpuint (envelope->origin[0], ==, 8);
  g_assert_cmpuint (envelope->size[0], ==, 64);
  g_assert_cmpuint (envelope->stack_faces, ==, 0);
  g_assert_cmpuint (envelope->n_pores, ==, G_N_ELEMENTS (scene));

  g_assert_true (cbd_filter_evaluate (envelope, NULL, classes, pore_rules, &result, &error));
  g_assert_no_error (error);

  for (guint b = 0; b < G_N_ELEMENTS (scene); b++)
    {
      const Ball *ball = &scene[b];
      guint32 p = ball_pore (envelope, ball);
      const CbdEnvelopePore *entry = &envelope->pores[p - 1];
      guint64 inside = ball_voxels_in_box (ball, o, 24);

      g_test_message ("%s: pore %u, %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                      " voxels inside, d %.1f nm, rules %u", ball->name, p, inside,
                      ball_voxels (ball), entry->inscribed_diameter_nm, pore_rules[p - 1]);
      g_assert_cmpuint (entry->cutout_voxels, ==, inside);
      g_assert_cmpuint (entry->volume_voxels, ==, ball_voxels (ball));
      g_assert_cmpfloat_with_epsilon (entry->inscribed_diameter_nm, ball_inscribed_nm (ball), 1e-3);
      for (guint axis = 0; axis < 3; axis++)
        g_assert_cmpfloat_with_epsilon (entry->centroid_nm[axis], ball->centre[axis] * VOXEL_NM, 1e-9);
      g_assert_cmpuint (pore_rules[p - 1], ==, ball->expected_rules);

      pore += inside;
      if (ball->expected_rules == 0)
        retained += inside;
      else
        excluded += inside;
      for (guint rule = 0; rule < CBD_FILTER_N_RULES; rule++)
        if (ball->expected_rules & (1u << rule))
          {
            rule_pores[rule]++;
            rule_voxels[rule] += inside;
          }
    }
  /* the hand counts behind the numbers below */
  g_assert_cmpuint (ball_voxels_in_box (&scene[6], o, 24), ==, 1);
  g_assert_cmpuint (ball_voxels_in_box (&scene[7], o, 24), ==, 47);
  g_assert_cmpuint (ball_voxels_in_box (&scene[5], o, 24), ==, 101);

  g_assert_cmpuint (result.cutout_voxels, ==, 24 * 24 * 24);
  g_assert_cmpuint (result.pore_voxels, ==, pore);
  g_assert_cmpuint (result.retained_voxels, ==, retained);
  g_assert_cmpuint (result.excluded_voxels, ==, excluded);
  g_assert_cmpuint (retained, ==, 4 * 33 + 101);
  g_assert_cmpfloat_with_epsilon (result.retained_porosity, retained / 13824.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (result.porosity, pore / 13824.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (result.excluded_fraction, (double) excluded / pore, 1e-15);
  g_assert_cmpuint (result.n_pores, ==, 8);
  g_assert_cmpuint (result.n_retained, ==, 5);
  g_assert_cmpuint (result.n_excluded, ==, 3);
  for (guint rule = 0; rule < CBD_FILTER_N_RULES; rule++)
    {
      g_assert_cmpuint (result.rule_pores[rule], ==, rule_pores[rule]);
      g_assert_cmpuint (result.rule_voxels[rule], ==, rule_voxels[rule]);
    }
  g_assert_cmpuint (result.rule_pores[CBD_FILTER_RULE_CENTRE], ==, 2);
  g_assert_cmpuint (result.rule_voxels[CBD_FILTER_RULE_CENTRE], ==, 48);

  /* weights 33, 33, 33, 33 at 223.6 nm and 101 at 316.2 nm (233 in all):
   * 10 % (23.3) and 50 % (116.5) are reached among the small ones, 90 %
   * (209.7) only with the larger */
  g_assert_cmpfloat_with_epsilon (result.d10_nm, 2 * sqrt (5.0) * VOXEL_NM, 1e-3);
  g_assert_cmpfloat_with_epsilon (result.d50_nm, 2 * sqrt (5.0) * VOXEL_NM, 1e-3);
  g_assert_cmpfloat_with_epsilon (result.d90_nm, 2 * sqrt (10.0) * VOXEL_NM, 1e-3);

  /* the macropore dominates: 1074 of its voxels, 1 + 47 of the pores
   * centred outside, of 1355 pore voxels; rejected at the default 0.25 */
  g_assert_cmpuint (ball_voxels_in_box (&scene[0], o, 24), ==, 1074);
  g_assert_cmpuint (pore, ==, 1355);
  g_assert_cmpfloat_with_epsilon (result.excluded_fraction, 1122.0 / 1355.0, 1e-15);
  g_assert_false (result.accepted);

  /* every voxel's class by geometry */
  for (gsize z = 0; z < 24; z++)
    for (gsize y = 0; y < 24; y++)
      for (gsize x = 0; x < 24; x++)
        {
          guint8 expected = CBD_FILTER_SOLID;

          for (guint b = 0; b < G_N_ELEMENTS (scene); b++)
            if (in_ball (&scene[b], o[0] + x, o[1] + y, o[2] + z))
              expected = scene[b].expected_rules ? CBD_FILTER_EXCLUDED : CBD_FILTER_RETAINED;
          g_assert_cmpuint (classes[x + 24 * (y + 24 * z)], ==, expected);
        }
}

/* Which of the scene's balls a threshold set excludes, by name order. */
static guint
excluded_mask (const CbdEnvelope *envelope, const CbdFilterThresholds *thresholds,
               CbdFilterResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pore_rules = g_new (guint8, envelope->n_pores);
  guint mask = 0;

  g_assert_true (cbd_filter_evaluate (envelope, thresholds, NULL, pore_rules, result, &error));
  g_assert_no_error (error);
  for (guint b = 0; b < G_N_ELEMENTS (scene); b++)
    if (pore_rules[ball_pore (envelope, &scene[b]) - 1] != 0)
      mask |= 1u << b;
  return mask;
}

static void
test_scene_thresholds (void)
{
  g_autoptr(CbdEnvelope) envelope = scene_envelope ();
  CbdFilterThresholds thresholds;
  CbdFilterResult result, defaults;
  const guint big = 1u << 0, smalls = 0x1Eu, inside_centred = 1u << 5;
  const guint outside = 1u << 6, outside_edge = 1u << 7;

  cbd_filter_thresholds_init (&thresholds);
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &defaults), ==, big | outside | outside_edge);

  /* f_inside: the edge pore has 47/123 = 0.38 inside, the other 1/123 */
  thresholds.f_inside = 0.3;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==, big | outside);
  thresholds.f_inside = 0.0;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==, big);
  g_assert_cmpuint (result.rule_pores[CBD_FILTER_RULE_CENTRE], ==, 0);
  thresholds.f_inside = 1.0;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==, big | outside | outside_edge);
  cbd_filter_thresholds_init (&thresholds);

  /* d_max between the diameters 223.6, 316.2 and 707.1 nm */
  thresholds.d_max_nm = 1000;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==, outside | outside_edge);
  thresholds.d_max_nm = 250;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==,
                    big | inside_centred | outside | outside_edge);
  g_assert_cmpuint (result.rule_pores[CBD_FILTER_RULE_DIAMETER], ==, 4);
  thresholds.d_max_nm = 200;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==,
                    big | smalls | inside_centred | outside | outside_edge);
  g_assert_cmpuint (result.retained_voxels, ==, 0);
  g_assert_true (isnan (result.d50_nm));
  g_assert_cmpfloat (result.retained_porosity, ==, 0.0);
  cbd_filter_thresholds_init (&thresholds);

  /* v_max between 33 and 123 voxels of 125000 nm^3 */
  thresholds.v_max_nm3 = 1e7;
  g_assert_cmpuint (excluded_mask (envelope, &thresholds, &result), ==,
                    big | inside_centred | outside | outside_edge);
  g_assert_cmpuint (result.rule_pores[CBD_FILTER_RULE_VOLUME], ==, 4);
  g_assert_cmpuint (result.retained_voxels, ==, 4 * 33);
  g_assert_cmpfloat_with_epsilon (result.d90_nm, 2 * sqrt (5.0) * VOXEL_NM, 1e-3);
  cbd_filter_thresholds_init (&thresholds);

  /* acceptance flips where max_excluded crosses the excluded fraction */
  thresholds.max_excluded = defaults.excluded_fraction;
  excluded_mask (envelope, &thresholds, &result);
  g_assert_true (result.accepted);
  thresholds.max_excluded = defaults.excluded_fraction * 0.999;
  excluded_mask (envelope, &thresholds, &result);
  g_assert_false (result.accepted);
  g_assert_cmpfloat (result.excluded_fraction, ==, defaults.excluded_fraction);
}

static void
test_invalid_thresholds (void)
{
  g_autoptr(CbdEnvelope) envelope = scene_envelope ();
  CbdFilterThresholds thresholds;
  CbdFilterResult result;
  struct { double f_inside, d_max, v_max, max_excluded; } cases[] = {
    { -0.1, 400, INFINITY, 0.25 },
    { 1.5, 400, INFINITY, 0.25 },
    { NAN, 400, INFINITY, 0.25 },
    { 0.5, 0, INFINITY, 0.25 },
    { 0.5, -3, INFINITY, 0.25 },
    { 0.5, 400, 0, 0.25 },
    { 0.5, 400, NAN, 0.25 },
    { 0.5, 400, INFINITY, 1.01 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      cbd_filter_thresholds_init (&thresholds);
      thresholds.f_inside = cases[i].f_inside;
      thresholds.d_max_nm = cases[i].d_max;
      thresholds.v_max_nm3 = cases[i].v_max;
      thresholds.max_excluded = cases[i].max_excluded;
      g_assert_false (cbd_filter_evaluate (envelope, &thresholds, NULL, NULL, &result, &error));
      g_assert_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT);
    }
  g_assert_cmpstr (cbd_filter_rule_to_string (CBD_FILTER_RULE_TRUNCATED), ==, "truncated");
}

/* Truncation: a 24^3 cutout at (28, 28, 28) in an envelope of edge 28
 * ([26, 54)^3). A radius-3 ball centred inside at x = 50 reaches x = 53,
 * the envelope's last slice: cut by an envelope face inside the stack. */
static void
test_truncated_by_envelope (void)
{
  static const Ball balls[] = {
    { "cut", { 50, 36, 36 }, 3, RULE (TRUNCATED) },
    { "inner", { 40, 44, 44 }, 2, 0 },
  };
  g_autoptr(CbdVolume) volume = new_solid_volume (80);
  const gsize origin[3] = { 28, 28, 28 };
  g_autoptr(CbdEnvelope) envelope = NULL;
  CbdFilterThresholds thresholds;
  CbdFilterResult result;
  g_autoptr(GError) error = NULL;
  guint8 rules[2];
  guint32 cut, inner;

  carve_balls (volume, balls, G_N_ELEMENTS (balls));
  envelope = compute (volume, origin, 24, 28);
  g_assert_cmpuint (envelope->origin[0], ==, 26);
  g_assert_cmpuint (envelope->size[0], ==, 28);
  g_assert_cmpuint (envelope->stack_faces, ==, 0);
  g_assert_cmpuint (envelope->n_pores, ==, 2);
  cut = ball_pore (envelope, &balls[0]);
  inner = ball_pore (envelope, &balls[1]);
  g_assert_cmpuint (envelope->pores[cut - 1].envelope_faces, ==, CBD_FACE_X_HIGH);
  g_assert_cmpuint (envelope->pores[inner - 1].envelope_faces, ==, 0);

  cbd_filter_thresholds_init (&thresholds);
  g_assert_true (cbd_filter_evaluate (envelope, &thresholds, NULL, rules, &result, &error));
  g_assert_cmpuint (rules[cut - 1], ==, RULE (TRUNCATED));
  g_assert_cmpuint (rules[inner - 1], ==, 0);
  g_assert_cmpuint (result.rule_pores[CBD_FILTER_RULE_TRUNCATED], ==, 1);
  /* the ball's slices x = 47..51 are in the cutout: 123 - 21 - 1 */
  g_assert_cmpuint (result.rule_voxels[CBD_FILTER_RULE_TRUNCATED], ==, 101);
  g_assert_cmpuint (result.excluded_voxels, ==, 101);
  g_assert_cmpuint (result.retained_voxels, ==, 33);

  thresholds.exclude_truncated = FALSE;
  g_assert_true (cbd_filter_evaluate (envelope, &thresholds, NULL, rules, &result, &error));
  g_assert_cmpuint (rules[cut - 1], ==, 0);
  g_assert_cmpuint (result.retained_voxels, ==, 134);
}

/* The stack border: a 24^3 cutout in the corner of a 40^3 stack; the
 * envelope of edge 64 is clipped to the whole stack, all six faces on the
 * border. A ball touching the face x = 0 is not truncated by default. */
static void
test_stack_border (void)
{
  static const Ball balls[] = {
    { "border", { 1, 10, 10 }, 2, 0 },
    { "inner", { 12, 12, 12 }, 2, 0 },
  };
  g_autoptr(CbdVolume) volume = new_solid_volume (40);
  const gsize origin[3] = { 0, 0, 0 };
  g_autoptr(CbdEnvelope) envelope = NULL;
  CbdFilterThresholds thresholds;
  CbdFilterResult result;
  g_autoptr(GError) error = NULL;
  guint8 rules[2];
  guint32 border;

  carve_balls (volume, balls, G_N_ELEMENTS (balls));
  envelope = compute (volume, origin, 24, 64);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_assert_cmpuint (envelope->origin[axis], ==, 0);
      g_assert_cmpuint (envelope->size[axis], ==, 40);
    }
  g_assert_cmpuint (envelope->stack_faces, ==, 0x3F);
  border = ball_pore (envelope, &balls[0]);
  g_assert_cmpuint (envelope->pores[border - 1].envelope_faces, ==, CBD_FACE_X_LOW);
  /* a ball cut by the face: 33 less its tip at x = -1 */
  g_assert_cmpuint (envelope->pores[border - 1].volume_voxels, ==, 32);

  cbd_filter_thresholds_init (&thresholds);
  g_assert_true (cbd_filter_evaluate (envelope, &thresholds, NULL, rules, &result, &error));
  g_assert_cmpuint (rules[border - 1], ==, 0);
  g_assert_cmpuint (result.retained_voxels, ==, 32 + 33);
  thresholds.stack_border_truncates = TRUE;
  g_assert_true (cbd_filter_evaluate (envelope, &thresholds, NULL, rules, &result, &error));
  g_assert_cmpuint (rules[border - 1], ==, RULE (TRUNCATED));
  g_assert_cmpuint (result.retained_voxels, ==, 33);
  g_assert_cmpuint (result.excluded_voxels, ==, 32);
}

/* No pore at all: porosity 0, nothing excluded, accepted, no diameters. */
static void
test_no_pores (void)
{
  g_autoptr(CbdVolume) volume = new_solid_volume (40);
  const gsize origin[3] = { 8, 8, 8 };
  g_autoptr(CbdEnvelope) envelope = compute (volume, origin, 24, 32);
  g_autofree guint8 *classes = g_new (guint8, 24 * 24 * 24);
  g_autoptr(GError) error = NULL;
  CbdFilterResult result;

  g_assert_cmpuint (envelope->n_pores, ==, 0);
  g_assert_true (cbd_filter_evaluate (envelope, NULL, classes, NULL, &result, &error));
  g_assert_cmpuint (result.pore_voxels, ==, 0);
  g_assert_cmpfloat (result.excluded_fraction, ==, 0.0);
  g_assert_true (result.accepted);
  g_assert_true (isnan (result.d10_nm));
  for (gsize i = 0; i < 24 * 24 * 24; i++)
    g_assert_cmpuint (classes[i], ==, CBD_FILTER_SOLID);
}

/* Many cutouts of one stack: a "CBD" of small pores on a lattice (radius-2
 * balls centred at 3 mod 6, so none crosses a multiple of 6) with three
 * macropores (radius 11, 552 nm at 25 nm voxels) centred in three of the 27
 * cutouts of 30^3 at multiples of 30; lattice balls within 15 voxels of a
 * macropore's centre are left out so it stays a pore of its own. The
 * default envelope is the whole 90^3 stack, partitioned once through the
 * cache. By construction the three cutouts with a macropore, and only they,
 * are rejected, and every other keeps its 125 lattice pores: a retained
 * porosity of 125 x 33 / 27000. */
static void
test_cutout_survey (void)
{
  static const gint macro_cells[3][3] = { { 0, 0, 0 }, { 1, 2, 1 }, { 2, 1, 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (90, 90, 90, &error);
  g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (NULL, CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);
  CbdEnvelopeCacheStats stats;
  Ball macro[3];
  gboolean phase[256];
  double min_rejected = INFINITY, max_accepted = 0;

  g_assert_no_error (error);
  memset (volume->labels, 1, cbd_volume_n_voxels (volume));
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 25.0;
  for (guint m = 0; m < 3; m++)
    {
      macro[m] = (Ball) { "macro", { 0, 0, 0 }, 11, RULE (DIAMETER) };
      for (guint axis = 0; axis < 3; axis++)
        macro[m].centre[axis] = 30 * macro_cells[m][axis] + 15;
    }
  for (gint z = 3; z < 90; z += 6)
    for (gint y = 3; y < 90; y += 6)
      for (gint x = 3; x < 90; x += 6)
        {
          Ball small = { "lattice", { x, y, z }, 2, 0 };
          gboolean near = FALSE;

          for (guint m = 0; m < 3; m++)
            near |= (x - macro[m].centre[0]) * (x - macro[m].centre[0]) +
                    (y - macro[m].centre[1]) * (y - macro[m].centre[1]) +
                    (z - macro[m].centre[2]) * (z - macro[m].centre[2]) <= 15 * 15;
          if (!near)
            carve_balls (volume, &small, 1);
        }
  carve_balls (volume, macro, 3);
  pore_phase (phase);

  for (gsize cz = 0; cz < 3; cz++)
    for (gsize cy = 0; cy < 3; cy++)
      for (gsize cx = 0; cx < 3; cx++)
        {
          const gsize origin[3] = { 30 * cx, 30 * cy, 30 * cz }, size[3] = { 30, 30, 30 };
          g_autoptr(CbdEnvelope) envelope = NULL;
          CbdFilterResult result;
          gint host = -1;
          guint64 pore = 0, macro_voxels = 0;

          envelope = cbd_envelope_compute (volume, phase, origin, size, NULL, cache, NULL, NULL,
                                           NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (envelope->size[0], ==, 90);
          g_assert_true (cbd_filter_evaluate (envelope, NULL, NULL, NULL, &result, &error));
          for (guint m = 0; m < 3; m++)
            if ((gsize) macro_cells[m][0] == cx && (gsize) macro_cells[m][1] == cy &&
                (gsize) macro_cells[m][2] == cz)
              host = (gint) m;
          for (gsize i = 0; i < 30 * 30 * 30; i++)
            pore += volume->labels[cbd_volume_index (volume, origin[0] + i % 30, origin[1] + i / 30 % 30,
                                                     origin[2] + i / 900)] == 0;
          if (host >= 0)
            macro_voxels = ball_voxels (&macro[host]);

          g_assert_cmpuint (result.pore_voxels, ==, pore);
          g_assert_cmpuint (result.excluded_voxels, ==, macro_voxels);
          g_assert_cmpuint (result.rule_voxels[CBD_FILTER_RULE_DIAMETER], ==, macro_voxels);
          g_assert_cmpuint (result.retained_voxels, ==, pore - macro_voxels);
          g_assert_cmpint (result.accepted, ==, host < 0);
          if (host < 0)
            {
              g_assert_cmpuint (result.retained_voxels, ==, 125 * 33);
              g_assert_cmpuint (result.n_pores, ==, 125);
              max_accepted = MAX (max_accepted, result.porosity);
            }
          else
            min_rejected = MIN (min_rejected, result.porosity);
        }
  /* the rejected ones are the porous ones */
  g_test_message ("accepted porosity up to %.4f, rejected from %.4f", max_accepted, min_rejected);
  g_assert_cmpfloat (max_accepted, <, min_rejected);
  cbd_envelope_cache_get_stats (cache, &stats);
  g_assert_cmpuint (stats.computed, ==, 1);
  g_assert_cmpuint (stats.memory_hits, ==, 26);
}

/* Every number but the time. */
static void
assert_same_filter (const CbdFilterResult *a, const CbdFilterResult *b)
{
  CbdFilterResult x = *a, y = *b;

  x.seconds = y.seconds = 0;
  /* NaN != NaN (no pore retained), so compare bytes */
  g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
}

/* The table judges @envelope's cutout as the envelope does, pore by pore;
 * so does one built from its parts, whose box and stack faces follow from
 * @options alone. Both hold copies of the envelope's pores, so one
 * evaluation each shows they need no per-voxel array. */
static void
check_tables_judge_alike (const CbdEnvelope *envelope, const CbdEnvelopeOptions *options)
{
  g_autoptr(CbdEnvelope) table = cbd_envelope_dup_table (envelope);
  g_autoptr(CbdEnvelope) built = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *rules = g_new (guint8, MAX (envelope->n_pores, 1));
  g_autofree guint8 *table_rules = g_new (guint8, MAX (envelope->n_pores, 1));
  CbdFilterResult truth, from_table, from_built;

  built = cbd_envelope_new_table (envelope->stack_dims, envelope->voxel_nm, envelope->cutout_origin,
                                  envelope->cutout_size, options, envelope->pores, envelope->n_pores,
                                  &error);
  g_assert_no_error (error);
  g_assert_null (table->cutout_pores);
  g_assert_null (built->cutout_pores);
  g_assert_cmpmem (built->origin, sizeof built->origin, envelope->origin, sizeof envelope->origin);
  g_assert_cmpmem (built->size, sizeof built->size, envelope->size, sizeof envelope->size);
  g_assert_cmpuint (built->stack_faces, ==, envelope->stack_faces);
  g_assert_cmpmem (built->pores, envelope->n_pores * sizeof (CbdEnvelopePore), envelope->pores,
                   envelope->n_pores * sizeof (CbdEnvelopePore));

  g_assert_true (cbd_filter_evaluate (envelope, NULL, NULL, rules, &truth, &error));
  g_assert_true (cbd_filter_evaluate (table, NULL, NULL, table_rules, &from_table, &error));
  g_assert_no_error (error);
  assert_same_filter (&from_table, &truth);
  g_assert_cmpmem (table_rules, envelope->n_pores, rules, envelope->n_pores);
  g_assert_true (cbd_filter_evaluate (built, NULL, NULL, table_rules, &from_built, &error));
  g_assert_no_error (error);
  assert_same_filter (&from_built, &truth);
  g_assert_cmpmem (table_rules, envelope->n_pores, rules, envelope->n_pores);

  /* the voxels' classes need the per-voxel array */
  {
    g_autofree guint8 *classes = g_new (guint8, cbd_envelope_cutout_voxels (envelope));
    CbdFilterResult result;

    g_assert_false (cbd_filter_evaluate (table, NULL, classes, NULL, &result, &error));
    g_assert_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT);
  }
}

/* Pore tables, on the scene (no face on the stack border), a cut pore and
 * a cutout in the stack's corner (every face on the border). */
static void
test_pore_table (void)
{
  static const Ball cut[] = {
    { "cut", { 50, 36, 36 }, 3, RULE (TRUNCATED) },
    { "inner", { 40, 44, 44 }, 2, 0 },
  };
  static const Ball corner[] = {
    { "border", { 1, 10, 10 }, 2, 0 },
    { "inner", { 12, 12, 12 }, 2, 0 },
  };
  const gsize middle[3] = { 28, 28, 28 }, origin[3] = { 0, 0, 0 };
  CbdEnvelopeOptions options;
  g_autoptr(CbdVolume) cut_volume = new_solid_volume (80);
  g_autoptr(CbdVolume) corner_volume = new_solid_volume (40);
  g_autoptr(CbdEnvelope) scene_env = scene_envelope ();
  g_autoptr(CbdEnvelope) cut_env = NULL;
  g_autoptr(CbdEnvelope) corner_env = NULL;

  cbd_envelope_options_init (&options);
  options.snap = 0;
  carve_balls (cut_volume, cut, G_N_ELEMENTS (cut));
  carve_balls (corner_volume, corner, G_N_ELEMENTS (corner));
  cut_env = compute (cut_volume, middle, 24, 28);
  corner_env = compute (corner_volume, origin, 24, 64);
  g_assert_cmpuint (corner_env->stack_faces, ==, 0x3F);

  options.edge = 64;
  check_tables_judge_alike (scene_env, &options);
  options.edge = 28;
  check_tables_judge_alike (cut_env, &options);
  options.edge = 64;
  check_tables_judge_alike (corner_env, &options);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/filter/scene-defaults", test_scene_defaults);
  g_test_add_func ("/filter/scene-thresholds", test_scene_thresholds);
  g_test_add_func ("/filter/invalid-thresholds", test_invalid_thresholds);
  g_test_add_func ("/filter/truncated-by-envelope", test_truncated_by_envelope);
  g_test_add_func ("/filter/stack-border", test_stack_border);
  g_test_add_func ("/filter/no-pores", test_no_pores);
  g_test_add_func ("/filter/cutout-survey", test_cutout_survey);
  g_test_add_func ("/filter/pore-table", test_pore_table);

  return g_test_run ();
}
