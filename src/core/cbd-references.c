/* cbd-references.c — literature values of sigma_rel against porosity,
 * loaded from data/references.csv
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-references"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-csv.h"
#include "cbd-references.h"

G_DEFINE_QUARK (cbd-references-error-quark, cbd_references_error)

void
cbd_reference_free (CbdReference *reference)
{
  if (reference == NULL)
    return;
  g_free (reference->key);
  g_free (reference->label);
  g_free (reference->citation);
  g_free (reference->doi);
  g_free (reference->note);
  g_free (reference);
}

const char *
cbd_reference_kind_to_string (CbdReferenceKind kind)
{
  switch (kind)
    {
    case CBD_REFERENCE_CURVE: return "curve";
    case CBD_REFERENCE_POINT: return "point";
    case CBD_REFERENCE_RANGE: return "range";
    default: return "unknown";
    }
}

enum
{
  COL_KEY, COL_LABEL, COL_KIND, COL_GAMMA, COL_ALPHA, COL_POROSITY_MIN, COL_POROSITY_MAX,
  COL_SIGMA_MIN, COL_SIGMA_MAX, COL_TAU_MIN, COL_TAU_MAX, COL_CITATION, COL_DOI, COL_NOTE,
  N_COLUMNS
};

static const char *const column_names[N_COLUMNS] = {
  "key", "label", "kind", "gamma", "alpha", "porosity_min", "porosity_max",
  "sigma_rel_min", "sigma_rel_max", "tau_min", "tau_max", "citation", "doi", "note",
};

static gboolean
column_required (guint column)
{
  return column == COL_KEY || column == COL_LABEL || column == COL_KIND || column == COL_CITATION;
}

static gboolean G_GNUC_PRINTF (4, 5)
fail (GError **error, const CbdCsv *csv, guint row, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID, "%s:%u: %s",
               cbd_csv_get_name (csv), cbd_csv_row_line (csv, row), message);
  return FALSE;
}

static char *
get_text (const CbdCsv *csv, const int columns[N_COLUMNS], guint row, guint column)
{
  g_autofree char *text = NULL;

  if (columns[column] < 0)
    return NULL;
  text = g_strstrip (g_strdup (cbd_csv_get (csv, row, columns[column])));
  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

/* A pair (min, max): a single value may be given as min alone. */
static gboolean
check_pair (const CbdCsv *csv, guint row, const char *what, double *lo, double *hi,
            gboolean single, GError **error)
{
  if (isnan (*lo) && !isnan (*hi))
    return fail (error, csv, row, "%s_max is given without %s_min", what, what);
  if (!isnan (*lo) && isnan (*hi))
    *hi = *lo;
  if (!isnan (*lo) && *lo > *hi)
    return fail (error, csv, row, "%s_min %g exceeds %s_max %g", what, *lo, what, *hi);
  if (single && !isnan (*lo) && *lo != *hi)
    return fail (error, csv, row, "a point has one %s, not the range %g-%g", what, *lo, *hi);
  return TRUE;
}

static gboolean
validate (const CbdCsv *csv, guint row, CbdReference *reference, GError **error)
{
  gboolean curve = reference->kind == CBD_REFERENCE_CURVE;
  gboolean point = reference->kind == CBD_REFERENCE_POINT;
  gboolean has_sigma, has_tau;

  if (!check_pair (csv, row, "porosity", &reference->porosity_min, &reference->porosity_max,
                   point, error) ||
      !check_pair (csv, row, "sigma_rel", &reference->sigma_rel_min, &reference->sigma_rel_max,
                   point, error) ||
      !check_pair (csv, row, "tau", &reference->tau_min, &reference->tau_max, point, error))
    return FALSE;

  if (!isnan (reference->porosity_min) &&
      !(reference->porosity_min > 0 && reference->porosity_max <= 1))
    return fail (error, csv, row, "porosity must be a fraction in (0, 1], not %g-%g",
                 reference->porosity_min, reference->porosity_max);
  if (!isnan (reference->sigma_rel_min) && !(reference->sigma_rel_min > 0))
    return fail (error, csv, row, "sigma_rel must be positive, not %g", reference->sigma_rel_min);
  if (!isnan (reference->tau_min) && !(reference->tau_min >= 1 && isfinite (reference->tau_max)))
    return fail (error, csv, row, "a tortuosity factor is at least 1, not %g", reference->tau_min);

  has_sigma = !isnan (reference->sigma_rel_min);
  has_tau = !isnan (reference->tau_min);
  if (curve)
    {
      if (!(isfinite (reference->gamma) && reference->gamma > 0) || !isfinite (reference->alpha))
        return fail (error, csv, row, "a curve needs a positive gamma and a finite alpha");
      if (has_sigma || has_tau)
        return fail (error, csv, row, "a curve takes gamma and alpha, not sigma_rel or tau values");
      return TRUE;
    }
  if (!isnan (reference->gamma) || !isnan (reference->alpha))
    return fail (error, csv, row, "gamma and alpha belong to curves only");
  if (has_sigma == has_tau)
    return fail (error, csv, row, "give either sigma_rel or tau values, exactly one of them");
  if (point && isnan (reference->porosity_min))
    return fail (error, csv, row, "a point needs its porosity");
  return TRUE;
}

GPtrArray *
cbd_references_parse (const char *text,
                      gssize      length,
                      const char *name,
                      GError    **error)
{
  g_autoptr(CbdCsv) csv = NULL;
  g_autoptr(GPtrArray) references = NULL;
  g_autoptr(GError) csv_error = NULL;
  int columns[N_COLUMNS];

  csv = cbd_csv_parse (text, length, name, &csv_error);
  if (csv == NULL)
    {
      /* one error domain per module: the CSV's message, this module's code */
      g_set_error_literal (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID,
                           csv_error->message);
      return NULL;
    }
  for (guint column = 0; column < N_COLUMNS; column++)
    {
      columns[column] = cbd_csv_find_column (csv, column_names[column]);
      if (columns[column] < 0 && column_required (column))
        {
          g_set_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID,
                       "%s: no column “%s” in the header", cbd_csv_get_name (csv),
                       column_names[column]);
          return NULL;
        }
    }

  references = g_ptr_array_new_with_free_func ((GDestroyNotify) cbd_reference_free);
  for (guint row = 0; row < cbd_csv_n_rows (csv); row++)
    {
      g_autoptr(CbdReference) reference = g_new0 (CbdReference, 1);
      g_autofree char *kind = get_text (csv, columns, row, COL_KIND);
      double *numbers[] = {
        [COL_GAMMA] = &reference->gamma, [COL_ALPHA] = &reference->alpha,
        [COL_POROSITY_MIN] = &reference->porosity_min, [COL_POROSITY_MAX] = &reference->porosity_max,
        [COL_SIGMA_MIN] = &reference->sigma_rel_min, [COL_SIGMA_MAX] = &reference->sigma_rel_max,
        [COL_TAU_MIN] = &reference->tau_min, [COL_TAU_MAX] = &reference->tau_max,
      };

      reference->key = get_text (csv, columns, row, COL_KEY);
      reference->label = get_text (csv, columns, row, COL_LABEL);
      reference->citation = get_text (csv, columns, row, COL_CITATION);
      reference->doi = get_text (csv, columns, row, COL_DOI);
      reference->note = get_text (csv, columns, row, COL_NOTE);
      if (reference->key == NULL || reference->label == NULL || reference->citation == NULL)
        {
          fail (error, csv, row, "key, label and citation must not be empty");
          return NULL;
        }
      for (const char *p = reference->key; *p; p++)
        if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_'))
          {
            fail (error, csv, row, "key “%s” may hold only letters, digits, - and _",
                  reference->key);
            return NULL;
          }
      if (cbd_references_lookup (references, reference->key) != NULL)
        {
          fail (error, csv, row, "key “%s” appears twice", reference->key);
          return NULL;
        }
      if (g_strcmp0 (kind, "curve") == 0)
        reference->kind = CBD_REFERENCE_CURVE;
      else if (g_strcmp0 (kind, "point") == 0)
        reference->kind = CBD_REFERENCE_POINT;
      else if (g_strcmp0 (kind, "range") == 0)
        reference->kind = CBD_REFERENCE_RANGE;
      else
        {
          fail (error, csv, row, "kind must be curve, point or range, not “%s”",
                kind != NULL ? kind : "");
          return NULL;
        }
      for (guint column = COL_GAMMA; column <= COL_TAU_MAX; column++)
        {
          g_autoptr(GError) local_error = NULL;

          *numbers[column] = NAN;
          if (columns[column] < 0)
            continue;
          if (!cbd_csv_get_double (csv, row, columns[column], TRUE, numbers[column], &local_error))
            {
              g_set_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID, "%s",
                           local_error->message);
              return NULL;
            }
          if (isinf (*numbers[column]))
            {
              fail (error, csv, row, "%s is infinite", column_names[column]);
              return NULL;
            }
        }
      if (!validate (csv, row, reference, error))
        return NULL;
      g_ptr_array_add (references, g_steal_pointer (&reference));
    }
  return g_steal_pointer (&references);
}

GPtrArray *
cbd_references_load (const char *path,
                     GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_NOT_FOUND, "%s",
                   local_error->message);
      return NULL;
    }
  return cbd_references_parse (contents, length, path, error);
}

char *
cbd_references_find_file (void)
{
  const char *override = g_getenv ("CBD_REFERENCES");
  const char *candidates[] = {
    PKGDATADIR G_DIR_SEPARATOR_S "references.csv",
    CBD_SOURCE_DATADIR G_DIR_SEPARATOR_S "references.csv",
  };

  if (override != NULL && override[0] != '\0')
    return g_strdup (override);
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
      return g_strdup (candidates[i]);
  return NULL;
}

GPtrArray *
cbd_references_load_default (GError **error)
{
  g_autofree char *path = cbd_references_find_file ();

  if (path == NULL)
    {
      g_set_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_NOT_FOUND,
                   "No references.csv in %s or %s (set CBD_REFERENCES to choose one)",
                   PKGDATADIR, CBD_SOURCE_DATADIR);
      return NULL;
    }
  return cbd_references_load (path, error);
}

const CbdReference *
cbd_references_lookup (GPtrArray  *references,
                       const char *key)
{
  g_return_val_if_fail (references != NULL, NULL);

  for (guint i = 0; i < references->len; i++)
    {
      const CbdReference *reference = references->pdata[i];

      if (g_strcmp0 (reference->key, key) == 0)
        return reference;
    }
  return NULL;
}

gboolean
cbd_reference_sigma_at (const CbdReference *reference,
                        double              porosity,
                        double             *sigma_min,
                        double             *sigma_max)
{
  double lo, hi;

  g_return_val_if_fail (reference != NULL, FALSE);

  if (!(porosity > 0))
    return FALSE;
  if (!isnan (reference->porosity_min) &&
      (porosity < reference->porosity_min || porosity > reference->porosity_max))
    return FALSE;
  if (reference->kind == CBD_REFERENCE_CURVE)
    lo = hi = reference->gamma * pow (porosity, reference->alpha);
  else if (!isnan (reference->sigma_rel_min))
    {
      lo = reference->sigma_rel_min;
      hi = reference->sigma_rel_max;
    }
  else
    {
      lo = porosity / reference->tau_max;
      hi = porosity / reference->tau_min;
    }
  if (sigma_min != NULL)
    *sigma_min = lo;
  if (sigma_max != NULL)
    *sigma_max = hi;
  return TRUE;
}
