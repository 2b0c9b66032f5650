/* test-references.c — the literature table and the CSV reader under it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-references"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-csv.h"
#include "cbd-references.h"

static char *
source_references_path (void)
{
  const char *source_dir = g_getenv ("CBD_SOURCE_DIR");

  return source_dir != NULL ? g_build_filename (source_dir, "data", "references.csv", NULL)
                            : g_build_filename (CBD_SOURCE_DATADIR, "references.csv", NULL);
}

static void
test_csv_quoting (void)
{
  g_autoptr(GError) error = NULL;
  const char *text =
    "\xef\xbb\xbf" "a, B ,c\r\n"
    "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
    "\n"
    "2,\"two\nlines\",\r\n"
    "3,,\" 4.5 \"\n";
  g_autoptr(CbdCsv) csv = cbd_csv_parse (text, -1, "quoting.csv", &error);
  double value;
  gboolean flag;
  guint column;

  g_assert_no_error (error);
  g_assert_cmpuint (cbd_csv_n_columns (csv), ==, 3);
  g_assert_cmpstr (cbd_csv_column_name (csv, 1), ==, "B");
  g_assert_cmpint (cbd_csv_find_column (csv, "b"), ==, 1);
  g_assert_cmpint (cbd_csv_find_column (csv, "d"), ==, -1);
  g_assert_cmpuint (cbd_csv_n_rows (csv), ==, 3);
  g_assert_cmpstr (cbd_csv_get (csv, 0, 1), ==, "x, y");
  g_assert_cmpstr (cbd_csv_get (csv, 0, 2), ==, "say \"hi\"");
  g_assert_cmpstr (cbd_csv_get (csv, 1, 1), ==, "two\nlines");
  g_assert_cmpstr (cbd_csv_get (csv, 1, 2), ==, "");
  /* lines: header 1, row 2, blank 3, row 4-5, row 6 */
  g_assert_cmpuint (cbd_csv_row_line (csv, 0), ==, 2);
  g_assert_cmpuint (cbd_csv_row_line (csv, 1), ==, 4);
  g_assert_cmpuint (cbd_csv_row_line (csv, 2), ==, 6);

  g_assert_true (cbd_csv_get_double (csv, 2, 2, FALSE, &value, &error));
  g_assert_cmpfloat (value, ==, 4.5);
  g_assert_true (cbd_csv_get_double (csv, 2, 1, TRUE, &value, &error));
  g_assert_true (isnan (value));
  g_assert_false (cbd_csv_get_double (csv, 2, 1, FALSE, &value, &error));
  g_assert_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "quoting.csv:6"));
  g_clear_error (&error);
  g_assert_false (cbd_csv_get_double (csv, 0, 1, FALSE, &value, &error));
  g_assert_nonnull (strstr (error->message, "quoting.csv:2: column “B”: “x, y” is not a number"));
  g_clear_error (&error);

  g_assert_true (cbd_csv_get_boolean (csv, 0, 0, &flag, &error));
  g_assert_true (flag);
  g_assert_false (cbd_csv_get_boolean (csv, 1, 0, &flag, &error));
  g_assert_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE);
  g_clear_error (&error);

  g_assert_false (cbd_csv_require_column (csv, "porosity", &column, &error));
  g_assert_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_COLUMN);
  g_assert_nonnull (strstr (error->message, "porosity"));
}

static void
test_csv_errors (void)
{
  const struct { const char *text; const char *fragment; } cases[] = {
    { "", "empty" },
    { "\n\n", "empty" },
    { "a,b\n1,2\n3\n", "t.csv:3: 1 fields, but the header has 2" },
    { "a,b\n1,\"2\n", "t.csv:2: a quoted field is never closed" },
    { "a,b\n1,\"2\"x\n", "t.csv:2: text after a closing quote" },
    { "a,b\n1,\xff\n", "UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdCsv) csv = cbd_csv_parse (cases[i].text, -1, "t.csv", &error);

      g_assert_null (csv);
      g_assert_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].fragment);
    }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (cbd_csv_load ("/nonexistent/points.csv", &error));
    g_assert_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "/nonexistent/points.csv"));
  }
}

/* The bundled table holds what the paper compares against, with the
 * numbers it quotes. */
static void
test_bundled_table (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = source_references_path ();
  g_autoptr(GPtrArray) references = cbd_references_load (path, &error);
  const CbdReference *reference;
  double lo, hi;

  g_assert_no_error (error);
  g_assert_cmpuint (references->len, ==, 9);

  reference = cbd_references_lookup (references, "bruggeman");
  g_assert_nonnull (reference);
  g_assert_cmpint (reference->kind, ==, CBD_REFERENCE_CURVE);
  g_assert_cmpfloat (reference->gamma, ==, 1.0);
  g_assert_cmpfloat (reference->alpha, ==, 1.5);
  g_assert_cmpstr (reference->doi, ==, "10.1002/andp.19354160705");
  g_assert_true (cbd_reference_sigma_at (reference, 0.25, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0.125);
  g_assert_cmpfloat (hi, ==, 0.125);

  reference = cbd_references_lookup (references, "prasad");
  g_assert_cmpfloat (reference->gamma, ==, 1.95);
  g_assert_cmpfloat (reference->alpha, ==, 3.31);
  g_assert_false (cbd_reference_sigma_at (reference, 0.6, &lo, &hi));  /* beyond 14-56 % */

  /* tau = 0.72 eps^-0.97  =>  sigma = eps / tau = eps^1.97 / 0.72 */
  reference = cbd_references_lookup (references, "ge2023");
  g_assert_true (cbd_reference_sigma_at (reference, 0.4, &lo, NULL));
  g_assert_cmpfloat (fabs (lo - 0.4 / (0.72 * pow (0.4, -0.97))), <, 1e-15);

  reference = cbd_references_lookup (references, "vierrath2015");
  g_assert_cmpint (reference->kind, ==, CBD_REFERENCE_RANGE);
  g_assert_cmpfloat (reference->sigma_rel_min, ==, 0.30);
  g_assert_cmpfloat (reference->sigma_rel_max, ==, 0.37);
  g_assert_nonnull (strstr (reference->citation, "Electrochemistry Communications 60 (2015)"));

  reference = cbd_references_lookup (references, "stephenson2011");
  g_assert_cmpfloat (reference->porosity_min, ==, 0.63);
  g_assert_cmpfloat (reference->sigma_rel_min, ==, 0.03);
  g_assert_cmpfloat (reference->sigma_rel_max, ==, 0.05);
  g_assert_true (cbd_reference_sigma_at (reference, 0.63, &lo, &hi));
  g_assert_false (cbd_reference_sigma_at (reference, 0.5, &lo, &hi));

  reference = cbd_references_lookup (references, "prifling2023a");
  g_assert_cmpint (reference->kind, ==, CBD_REFERENCE_POINT);
  g_assert_cmpfloat (reference->porosity_min, ==, 0.5);
  g_assert_cmpfloat (reference->sigma_rel_min, ==, 0.089);
  g_assert_cmpstr (reference->doi, ==, "10.1002/ente.202200784");
  reference = cbd_references_lookup (references, "prifling2023b");
  g_assert_cmpfloat (reference->sigma_rel_min, ==, 0.045);

  /* no porosity reported: a band everywhere */
  reference = cbd_references_lookup (references, "zielke2015");
  g_assert_true (isnan (reference->porosity_min));
  g_assert_true (cbd_reference_sigma_at (reference, 0.2, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0.05);
  g_assert_cmpfloat (hi, ==, 0.25);

  /* a tau range without porosity: the wedge eps/1.81 .. eps/1.42 */
  reference = cbd_references_lookup (references, "usseglio2018");
  g_assert_true (cbd_reference_sigma_at (reference, 0.5, &lo, &hi));
  g_assert_cmpfloat (fabs (lo - 0.5 / 1.81), <, 1e-15);
  g_assert_cmpfloat (fabs (hi - 0.5 / 1.42), <, 1e-15);

  for (guint i = 0; i < references->len; i++)
    {
      reference = references->pdata[i];
      g_assert_true (g_utf8_validate (reference->label, -1, NULL));
      g_assert_cmpuint (strlen (reference->citation), >, 20);
    }
}

static void
test_default_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GPtrArray) references = NULL;

  /* the override wins */
  g_setenv ("CBD_REFERENCES", "/nonexistent/refs.csv", TRUE);
  found = cbd_references_find_file ();
  g_assert_cmpstr (found, ==, "/nonexistent/refs.csv");
  g_assert_null (cbd_references_load_default (&error));
  g_assert_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_unsetenv ("CBD_REFERENCES");

  /* uninstalled, the source tree's copy is found */
  references = cbd_references_load_default (&error);
  g_assert_no_error (error);
  g_assert_nonnull (cbd_references_lookup (references, "bruggeman"));
}

static void
test_invalid_rows (void)
{
  const char *header = "key,label,kind,gamma,alpha,porosity_min,porosity_max,"
                       "sigma_rel_min,sigma_rel_max,tau_min,tau_max,citation\n";
  const struct { const char *row; const char *fragment; } cases[] = {
    { "a,A,line,1,1,,,,,,,C\n", "kind must be curve, point or range" },
    { "a,A,curve,,1.5,,,,,,,C\n", "positive gamma" },
    { "a,A,curve,-1,1.5,,,,,,,C\n", "positive gamma" },
    { "a,A,curve,1,1.5,,,0.1,,,,C\n", "not sigma_rel or tau" },
    { "a,A,point,,,,,0.1,,,,C\n", "needs its porosity" },
    { "a,A,point,,,0.5,0.6,0.1,,,,C\n", "one porosity" },
    { "a,A,point,1,,0.5,,0.1,,,,C\n", "curves only" },
    { "a,A,range,,,0.5,,,,,,C\n", "exactly one" },
    { "a,A,range,,,0.5,,0.1,0.2,1.5,2,C\n", "exactly one" },
    { "a,A,range,,,,,0.3,0.2,,,C\n", "sigma_rel_min 0.3 exceeds sigma_rel_max 0.2" },
    { "a,A,range,,,,0.5,0.1,0.2,,,C\n", "porosity_max is given without porosity_min" },
    { "a,A,range,,,50,50,0.1,0.2,,,C\n", "fraction in (0, 1]" },
    { "a,A,range,,,,,,,0.5,2,C\n", "at least 1" },
    { "a,A,range,,,,,-0.1,0.2,,,C\n", "positive" },
    { "a,A,range,,,,,abc,0.2,,,C\n", "“abc” is not a number" },
    { "a,A,range,,,,,inf,0.2,,,C\n", "infinite" },
    { "a b,A,curve,1,1,,,,,,,C\n", "letters, digits" },
    { ",A,curve,1,1,,,,,,,C\n", "must not be empty" },
    { "a,A,curve,1,1,,,,,,,\n", "must not be empty" },
    { "a,A,curve,1,1,,,,,,,C\na,B,curve,1,1,,,,,,,C\n", "appears twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strconcat (header, cases[i].row, NULL);
      g_autoptr(GPtrArray) references = cbd_references_parse (text, -1, "refs.csv", &error);

      g_assert_null (references);
      g_assert_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID);
      if (strstr (error->message, cases[i].fragment) == NULL || strstr (error->message, "refs.csv:") == NULL)
        g_error ("case %u: “%s” lacks “%s” or the file and line", i, error->message,
                 cases[i].fragment);
    }

  {
    /* a file that is not CSV at all: still this module's error, file and line named */
    g_autoptr(GError) error = NULL;
    g_assert_null (cbd_references_parse ("key,label,kind,citation\n\"a,A,curve,C\n", -1,
                                         "refs.csv", &error));
    g_assert_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "refs.csv:2"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (cbd_references_parse ("key,label,kind\n", -1, "refs.csv", &error));
    g_assert_error (error, CBD_REFERENCES_ERROR, CBD_REFERENCES_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "citation"));
  }
  {
    /* columns in any order, optional ones absent, a point given by tau */
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) references = cbd_references_parse (
        "citation,kind,key,label,porosity_min,tau_min\nSomeone 2020,point,p,P,0.4,4\n", -1,
        "refs.csv", &error);
    double lo, hi;

    g_assert_no_error (error);
    g_assert_cmpuint (references->len, ==, 1);
    g_assert_true (cbd_reference_sigma_at (references->pdata[0], 0.4, &lo, &hi));
    g_assert_cmpfloat (lo, ==, 0.1);
    g_assert_cmpfloat (hi, ==, 0.1);
    g_assert_null (((CbdReference *) references->pdata[0])->doi);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/quoting", test_csv_quoting);
  g_test_add_func ("/csv/errors", test_csv_errors);
  g_test_add_func ("/references/bundled-table", test_bundled_table);
  g_test_add_func ("/references/default-file", test_default_file);
  g_test_add_func ("/references/invalid-rows", test_invalid_rows);
  return g_test_run ();
}
