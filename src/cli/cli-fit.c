/* cli-fit.c — `cbdscope-cli fit POINTS.csv`: the power law
 * sigma_rel = gamma * eps^alpha over any table of points
 *
 * Columns by header name, in any order, extra columns ignored: porosity,
 * sigma_rel, optionally sigma_rel_std (the x/y/z spread, the weights) and
 * accepted (true/false, yes/no, 1/0: rows marked false are left out and
 * not checked).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <math.h>

#include "cbd-csv.h"
#include "cbd-fit.h"
#include "cli-common.h"

typedef struct
{
  GArray *porosity;   /* double, accepted rows only */
  GArray *sigma_rel;
  GArray *sigma_rel_std;
  guint   n_rows;
  guint   n_excluded;
  gboolean has_std;
} Points;

static void
points_clear (Points *points)
{
  g_clear_pointer (&points->porosity, g_array_unref);
  g_clear_pointer (&points->sigma_rel, g_array_unref);
  g_clear_pointer (&points->sigma_rel_std, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Points, points_clear)

static gboolean G_GNUC_PRINTF (4, 5)
row_error (GError **error, const CbdCsv *csv, guint row, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE, "%s:%u: %s",
               cbd_csv_get_name (csv), cbd_csv_row_line (csv, row), message);
  return FALSE;
}

static gboolean
read_points (const char *path, Points *points, GError **error)
{
  g_autoptr(CbdCsv) csv = cbd_csv_load (path, error);
  guint porosity_column, sigma_column;
  int std_column, accepted_column;

  if (csv == NULL ||
      !cbd_csv_require_column (csv, "porosity", &porosity_column, error) ||
      !cbd_csv_require_column (csv, "sigma_rel", &sigma_column, error))
    return FALSE;
  std_column = cbd_csv_find_column (csv, "sigma_rel_std");
  accepted_column = cbd_csv_find_column (csv, "accepted");

  points->porosity = g_array_new (FALSE, FALSE, sizeof (double));
  points->sigma_rel = g_array_new (FALSE, FALSE, sizeof (double));
  points->sigma_rel_std = g_array_new (FALSE, FALSE, sizeof (double));
  points->has_std = std_column >= 0;
  points->n_rows = cbd_csv_n_rows (csv);

  for (guint row = 0; row < cbd_csv_n_rows (csv); row++)
    {
      gboolean accepted = TRUE;
      double porosity, sigma, std = NAN;

      if (accepted_column >= 0 &&
          !cbd_csv_get_boolean (csv, row, accepted_column, &accepted, error))
        return FALSE;
      if (!accepted)
        {
          points->n_excluded++;
          continue;
        }
      if (!cbd_csv_get_double (csv, row, porosity_column, FALSE, &porosity, error) ||
          !cbd_csv_get_double (csv, row, sigma_column, FALSE, &sigma, error) ||
          (std_column >= 0 && !cbd_csv_get_double (csv, row, std_column, TRUE, &std, error)))
        return FALSE;
      if (!(isfinite (porosity) && porosity > 0 && porosity <= 1))
        return row_error (error, csv, row, "porosity %g is not a fraction in (0, 1]%s", porosity,
                          porosity > 1 && porosity <= 100 ? " (percent? give 0.337, not 33.7)" : "");
      if (!(isfinite (sigma) && sigma > 0))
        return row_error (error, csv, row, "sigma_rel %g must be positive; leave non-percolating "
                          "rows out with an “accepted” column set to false", sigma);
      if (!isnan (std) && !(isfinite (std) && std >= 0))
        return row_error (error, csv, row, "sigma_rel_std %g must be non-negative or empty", std);
      g_array_append_val (points->porosity, porosity);
      g_array_append_val (points->sigma_rel, sigma);
      g_array_append_val (points->sigma_rel_std, std);
    }
  return TRUE;
}

static void
print_json (const char *path, const Points *points, const CbdFitOptions *options,
            const CbdFitResult *fit, const CbdFitSummary *summary)
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

  cbd_json_begin_object (writer);
  cbd_json_member_string (writer, "file", path);
  cbd_fit_result_write_json (fit, writer);
  cbd_json_member_double (writer, "std_floor_relative", options->std_floor_relative);
  cbd_json_member_int (writer, "rows", points->n_rows);
  cbd_json_member_int (writer, "rows_excluded", points->n_excluded);

  cbd_fit_summary_write_json (summary, fit, writer);
  cbd_json_end_object (writer);
  cli_print_json (writer);
}

static void
print_text (const char *path, const Points *points, const CbdFitResult *fit,
            const CbdFitSummary *summary)
{
  int percent = (int) lround (fit->confidence * 100);

  g_print ("%s: %u points fitted (%u rows, %u left out), weighting %s\n", path, fit->n,
           points->n_rows, points->n_excluded, cbd_fit_weighting_to_string (fit->weighting));
  g_print ("  sigma_rel = gamma * eps^alpha\n");
  g_print ("  gamma %.4f ± %.4f  (%d %% interval %.4f to %.4f)\n", fit->gamma, fit->gamma_se,
           percent, fit->gamma_ci[0], fit->gamma_ci[1]);
  g_print ("  alpha %.4f ± %.4f  (%d %% interval %.4f to %.4f)\n", fit->alpha, fit->alpha_se,
           percent, fit->alpha_ci[0], fit->alpha_ci[1]);
  g_print ("  R^2 %.4f, reduced chi^2 %.4g, %u iterations\n", fit->r2, fit->chi2_reduced,
           fit->iterations);
  if (fit->bootstrap_used > 1)
    g_print ("  bootstrap (%u of %u resamples, seed %" G_GUINT64_FORMAT "): "
             "gamma %.4f to %.4f, alpha %.4f to %.4f\n",
             fit->bootstrap_used, fit->bootstrap_requested, fit->bootstrap_seed,
             fit->bootstrap_gamma_ci[0], fit->bootstrap_gamma_ci[1],
             fit->bootstrap_alpha_ci[0], fit->bootstrap_alpha_ci[1]);
  g_print ("  log-log line: gamma %.4f, alpha %.4f ± %.4f, R^2 %.4f\n", fit->loglog.gamma,
           fit->loglog.alpha, fit->loglog.alpha_se, fit->loglog.r2);
  g_print ("  mean porosity %.4f, mean tau %.4f, mean eps / mean tau %.4f, fit there %.4f, "
           "Bruggeman there %.4f\n", summary->mean_porosity, summary->mean_tau,
           summary->mean_porosity_over_mean_tau,
           cbd_fit_evaluate (fit, summary->mean_porosity, NULL, NULL),
           summary->bruggeman_at_mean_porosity);
}

int
cli_command_fit (int argc, char **argv)
{
  gboolean unweighted = FALSE;
  int n_bootstrap = 1000;
  gint64 seed = 1;
  double std_floor = 0.05;
  GOptionEntry entries[] = {
    { "unweighted", 0, 0, G_OPTION_ARG_NONE, &unweighted,
      "Weigh every point alike (default: 1/spread², the spread at least 5 % of sigma_rel)", NULL },
    { "bootstrap", 'b', 0, G_OPTION_ARG_INT, &n_bootstrap,
      "Bootstrap resamples for the intervals (default 1000, 0 for none)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the bootstrap (default 1)", "S" },
    { "std-floor", 0, 0, G_OPTION_ARG_DOUBLE, &std_floor,
      "Smallest spread a point is given, as a fraction of its sigma_rel (default 0.05)", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_auto(Points) points = { 0 };
  CbdFitOptions options;
  CbdFitResult fit;
  CbdFitSummary summary;

  if (!cli_parse_options ("fit", "POINTS.csv",
                          "Fit sigma_rel = gamma * eps^alpha by weighted nonlinear least squares.\n"
                          "Columns by name: porosity, sigma_rel, optional sigma_rel_std (weights)\n"
                          "and accepted (rows marked false are left out); others are ignored.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("fit", "expected one POINTS.csv");
  if (n_bootstrap < 0 || n_bootstrap > 1000000)
    return cli_usage_error ("fit", "--bootstrap must lie between 0 and 1000000");
  if (seed < 0)
    return cli_usage_error ("fit", "--seed must not be negative");
  if (!(std_floor >= 0 && std_floor < 10))
    return cli_usage_error ("fit", "--std-floor must lie between 0 and 10");

  if (!read_points (argv[1], &points, &error))
    return cli_fail ("fit", error);

  cbd_fit_options_init (&options);
  options.weighting = unweighted ? CBD_FIT_WEIGHT_NONE : CBD_FIT_WEIGHT_SPREAD;
  options.n_bootstrap = n_bootstrap;
  options.seed = (guint64) seed;
  options.std_floor_relative = std_floor;

  if (!cbd_fit_power_law ((const double *) points.porosity->data,
                          (const double *) points.sigma_rel->data,
                          points.has_std ? (const double *) points.sigma_rel_std->data : NULL,
                          NULL, points.porosity->len, &options, &fit, &error) ||
      !cbd_fit_summarize ((const double *) points.porosity->data,
                          (const double *) points.sigma_rel->data, NULL, points.porosity->len,
                          &summary, &error))
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_fail ("fit", error);
    }

  if (cli_json_output)
    print_json (argv[1], &points, &options, &fit, &summary);
  else
    print_text (argv[1], &points, &fit, &summary);
  return CLI_EXIT_OK;
}
