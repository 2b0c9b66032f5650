/* cbd-filter.c — the macropore filter: which pore space of a cutout belongs
 * to the carbon-binder domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-filter"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cbd-filter.h"

G_DEFINE_QUARK (cbd-filter-error-quark, cbd_filter_error)

/* The per-pore decision is O(pores); the classification is one table
 * look-up per cutout voxel. Nothing here depends on the partition, so a
 * threshold change costs milliseconds (see bench-filter). */

void
cbd_filter_thresholds_init (CbdFilterThresholds *thresholds)
{
  g_return_if_fail (thresholds != NULL);
  thresholds->f_inside = 0.5;
  thresholds->d_max_nm = 400.0;
  thresholds->v_max_nm3 = INFINITY;
  thresholds->exclude_truncated = TRUE;
  thresholds->stack_border_truncates = FALSE;
  thresholds->max_excluded = 0.25;
}

gboolean
cbd_filter_thresholds_check (const CbdFilterThresholds *thresholds,
                             GError                   **error)
{
  g_return_val_if_fail (thresholds != NULL, FALSE);

  if (!(thresholds->f_inside >= 0.0 && thresholds->f_inside <= 1.0))
    {
      g_set_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT,
                   "f_inside must lie between 0 and 1 (got %g)", thresholds->f_inside);
      return FALSE;
    }
  if (!(thresholds->d_max_nm > 0.0))
    {
      g_set_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT,
                   "d_max must be a positive length in nm (got %g)", thresholds->d_max_nm);
      return FALSE;
    }
  if (!(thresholds->v_max_nm3 > 0.0))
    {
      g_set_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT,
                   "v_max must be a positive volume in nm³ (got %g)", thresholds->v_max_nm3);
      return FALSE;
    }
  if (!(thresholds->max_excluded >= 0.0 && thresholds->max_excluded <= 1.0))
    {
      g_set_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT,
                   "max_excluded must lie between 0 and 1 (got %g)", thresholds->max_excluded);
      return FALSE;
    }
  return TRUE;
}

const char *
cbd_filter_rule_to_string (CbdFilterRule rule)
{
  switch (rule)
    {
    case CBD_FILTER_RULE_CENTRE:
      return "centre";
    case CBD_FILTER_RULE_DIAMETER:
      return "diameter";
    case CBD_FILTER_RULE_VOLUME:
      return "volume";
    case CBD_FILTER_RULE_TRUNCATED:
      return "truncated";
    case CBD_FILTER_N_RULES:
    default:
      break;
    }
  return "unknown";
}

guint
cbd_filter_judge_pore (const CbdEnvelope         *envelope,
                       const CbdEnvelopePore     *pore,
                       const CbdFilterThresholds *thresholds)
{
  guint rules = 0;
  guint cutting_faces;

  g_return_val_if_fail (envelope != NULL && pore != NULL && thresholds != NULL, 0);

  if (!pore->centroid_in_cutout &&
      (double) pore->cutout_voxels < thresholds->f_inside * (double) pore->volume_voxels)
    rules |= 1u << CBD_FILTER_RULE_CENTRE;
  if (pore->inscribed_diameter_nm > thresholds->d_max_nm)
    rules |= 1u << CBD_FILTER_RULE_DIAMETER;
  if (pore->volume_nm3 > thresholds->v_max_nm3)
    rules |= 1u << CBD_FILTER_RULE_VOLUME;
  cutting_faces = thresholds->stack_border_truncates ? 0x3F : 0x3F & ~envelope->stack_faces;
  if (thresholds->exclude_truncated && (pore->envelope_faces & cutting_faces) != 0)
    rules |= 1u << CBD_FILTER_RULE_TRUNCATED;
  return rules;
}

typedef struct
{
  double  diameter;
  guint64 weight;
} WeightedDiameter;

static int
compare_diameters (const void *a, const void *b)
{
  const WeightedDiameter *x = a, *y = b;

  return (x->diameter > y->diameter) - (x->diameter < y->diameter);
}

/* The smallest diameter whose cumulative weight reaches q of the total. */
static double
weighted_quantile (const WeightedDiameter *sorted, guint n, guint64 total, double q)
{
  double target = q * (double) total;
  guint64 cumulative = 0;

  for (guint i = 0; i < n; i++)
    {
      cumulative += sorted[i].weight;
      if ((double) cumulative >= target)
        return sorted[i].diameter;
    }
  return n > 0 ? sorted[n - 1].diameter : NAN;
}

gboolean
cbd_filter_evaluate (const CbdEnvelope         *envelope,
                     const CbdFilterThresholds *thresholds,
                     guint8                    *classes,
                     guint8                    *pore_rules,
                     CbdFilterResult           *result,
                     GError                   **error)
{
  CbdFilterThresholds defaults;
  g_autofree guint8 *class_of = NULL;
  g_autofree WeightedDiameter *retained = NULL;
  gint64 start = g_get_monotonic_time ();
  gsize n;
  guint n_retained = 0;

  g_return_val_if_fail (envelope != NULL && result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (thresholds == NULL)
    {
      cbd_filter_thresholds_init (&defaults);
      thresholds = &defaults;
    }
  if (!cbd_filter_thresholds_check (thresholds, error))
    return FALSE;
  if (classes != NULL && envelope->cutout_pores == NULL)
    {
      g_set_error_literal (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_INVALID_ARGUMENT,
                           "A pore table has no voxels to classify: the cutout's partition is "
                           "needed for that");
      return FALSE;
    }

  memset (result, 0, sizeof *result);
  n = cbd_envelope_cutout_voxels (envelope);
  result->cutout_voxels = n;
  result->n_pores = envelope->n_pores;

  /* class_of[1 + p]: the class of pore p; class_of[0] is solid */
  class_of = g_try_new (guint8, (gsize) envelope->n_pores + 1);
  retained = g_try_new (WeightedDiameter, MAX (envelope->n_pores, 1));
  if (class_of == NULL || retained == NULL)
    {
      g_set_error (error, CBD_FILTER_ERROR, CBD_FILTER_ERROR_NO_MEMORY,
                   "Not enough memory for the filter's tables of %u pores", envelope->n_pores);
      return FALSE;
    }
  class_of[0] = CBD_FILTER_SOLID;
  for (guint32 p = 0; p < envelope->n_pores; p++)
    {
      const CbdEnvelopePore *pore = &envelope->pores[p];
      guint rules = cbd_filter_judge_pore (envelope, pore, thresholds);

      if (pore_rules != NULL)
        pore_rules[p] = (guint8) rules;
      result->pore_voxels += pore->cutout_voxels;
      for (guint rule = 0; rule < CBD_FILTER_N_RULES; rule++)
        if (rules & (1u << rule))
          {
            result->rule_pores[rule]++;
            result->rule_voxels[rule] += pore->cutout_voxels;
          }
      if (rules != 0)
        {
          class_of[p + 1] = CBD_FILTER_EXCLUDED;
          result->n_excluded++;
          result->excluded_voxels += pore->cutout_voxels;
        }
      else
        {
          class_of[p + 1] = CBD_FILTER_RETAINED;
          result->n_retained++;
          result->retained_voxels += pore->cutout_voxels;
          retained[n_retained++] = (WeightedDiameter) { pore->inscribed_diameter_nm, pore->cutout_voxels };
        }
    }

  result->porosity = n > 0 ? (double) result->pore_voxels / (double) n : 0.0;
  result->retained_porosity = n > 0 ? (double) result->retained_voxels / (double) n : 0.0;
  result->excluded_fraction = result->pore_voxels > 0
                              ? (double) result->excluded_voxels / (double) result->pore_voxels : 0.0;
  result->accepted = result->excluded_fraction <= thresholds->max_excluded;

  qsort (retained, n_retained, sizeof *retained, compare_diameters);
  result->d10_nm = weighted_quantile (retained, n_retained, result->retained_voxels, 0.1);
  result->d50_nm = weighted_quantile (retained, n_retained, result->retained_voxels, 0.5);
  result->d90_nm = weighted_quantile (retained, n_retained, result->retained_voxels, 0.9);

  if (classes != NULL)
    {
      const guint32 *pores = envelope->cutout_pores;

      for (gsize i = 0; i < n; i++)
        classes[i] = class_of[pores[i]];
    }
  result->seconds = (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}
