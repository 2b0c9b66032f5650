/* test-fit.c — the power-law fit against exact data, hand-computed and
 * closed-form least squares, an independent Gauss-Newton, SciPy values and
 * the paper's numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-fit"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cbd-fit.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_rng, gsl_rng_free)

#define PAPER_GAMMA 1.95
#define PAPER_ALPHA 3.31

static void
assert_relative (double actual, double expected, double tolerance)
{
  if (!(fabs (actual - expected) <= tolerance * fabs (expected)))
    g_error ("%.17g differs from %.17g by more than %g relative", actual, expected, tolerance);
}

static CbdFitOptions
options_without_bootstrap (void)
{
  CbdFitOptions options;

  cbd_fit_options_init (&options);
  options.n_bootstrap = 0;
  return options;
}

/* Porosities spread over the paper's retained range, 14-56 %. */
static void
paper_porosities (double *eps, guint n)
{
  for (guint i = 0; i < n; i++)
    eps[i] = 0.14 + 0.42 * i / (n - 1);
}

static void
test_exact_power_law (void)
{
  const double truths[][2] = { { PAPER_GAMMA, PAPER_ALPHA }, { 1.0, 1.5 }, { 0.4, 0.8 } };
  double eps[15], sigma[15], std[15];

  paper_porosities (eps, G_N_ELEMENTS (eps));
  for (guint t = 0; t < G_N_ELEMENTS (truths); t++)
    for (guint weighted = 0; weighted < 2; weighted++)
      {
        g_autoptr(GError) error = NULL;
        CbdFitOptions options = options_without_bootstrap ();
        CbdFitResult result;

        for (guint i = 0; i < G_N_ELEMENTS (eps); i++)
          {
            sigma[i] = truths[t][0] * pow (eps[i], truths[t][1]);
            std[i] = 0.1 * sigma[i] * (1 + i % 3);
          }
        options.weighting = weighted ? CBD_FIT_WEIGHT_SPREAD : CBD_FIT_WEIGHT_NONE;
        g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, G_N_ELEMENTS (eps), &options,
                                          &result, &error));
        g_assert_no_error (error);
        assert_relative (result.gamma, truths[t][0], 1e-9);
        assert_relative (result.alpha, truths[t][1], 1e-9);
        assert_relative (result.loglog.gamma, truths[t][0], 1e-9);
        assert_relative (result.loglog.alpha, truths[t][1], 1e-9);
        g_assert_cmpfloat (result.gamma_se, <, 1e-9);
        g_assert_cmpfloat (result.alpha_se, <, 1e-9);
        g_assert_cmpfloat (fabs (result.r2 - 1.0), <, 1e-12);
        g_assert_cmpuint (result.n, ==, 15);
        g_assert_cmpuint (result.dof, ==, 13);
        g_assert_cmpint (result.weighting, ==, options.weighting);
      }
}

/* ln sigma = -1.4 + 1.9 ln eps with residuals +0.1, -0.3, +0.3, -0.1 at
 * ln eps = -3, -2, -1, 0. By hand: xbar = -1.5, ybar = -4.25, Sxx = 5,
 * Sxy = 9.5, so alpha = 1.9 and ln gamma = -1.4; SSres = 0.2, s^2 = 0.1,
 * se(alpha) = sqrt (0.1 / 5), se(ln gamma) = sqrt (0.1 (1/4 + 2.25/5)),
 * SStot = 18.25, R^2 = 1 - 0.2 / 18.25. */
static void
test_loglog_hand_computed (void)
{
  g_autoptr(GError) error = NULL;
  CbdFitOptions options = options_without_bootstrap ();
  const double ln_eps[4] = { -3, -2, -1, 0 };
  const double ln_sigma[4] = { -7.0, -5.5, -3.0, -1.5 };
  double eps[4], sigma[4];
  CbdFitResult result;

  for (guint i = 0; i < 4; i++)
    {
      eps[i] = exp (ln_eps[i]);
      sigma[i] = exp (ln_sigma[i]);
    }
  options.weighting = CBD_FIT_WEIGHT_NONE;
  g_assert_true (cbd_fit_power_law (eps, sigma, NULL, NULL, 4, &options, &result, &error));
  g_assert_no_error (error);
  assert_relative (result.loglog.alpha, 1.9, 1e-12);
  assert_relative (result.loglog.ln_gamma, -1.4, 1e-12);
  assert_relative (result.loglog.gamma, exp (-1.4), 1e-12);
  assert_relative (result.loglog.alpha_se, sqrt (0.02), 1e-12);
  assert_relative (result.loglog.ln_gamma_se, sqrt (0.07), 1e-12);
  assert_relative (result.loglog.r2, 1.0 - 0.2 / 18.25, 1e-12);
  /* Student t, 2 degrees of freedom, 97.5 %: 4.302652729749464 (tables) */
  assert_relative (result.t_quantile, 4.302652729749464, 1e-9);
  assert_relative (result.loglog.alpha_ci[0], 1.9 - 4.302652729749464 * sqrt (0.02), 1e-9);
  assert_relative (result.loglog.gamma_ci[1], exp (-1.4 + 4.302652729749464 * sqrt (0.07)), 1e-9);
}

/* Weighted least squares of a line by the closed-form normal equations. */
static void
closed_form_weighted_line (const double *x, const double *y, const double *w, guint n,
                           double *slope, double *intercept, double *slope_se)
{
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, delta, chi2 = 0;

  for (guint i = 0; i < n; i++)
    {
      sw += w[i];
      sx += w[i] * x[i];
      sy += w[i] * y[i];
      sxx += w[i] * x[i] * x[i];
      sxy += w[i] * x[i] * y[i];
    }
  delta = sw * sxx - sx * sx;
  *slope = (sw * sxy - sx * sy) / delta;
  *intercept = (sxx * sy - sx * sxy) / delta;
  for (guint i = 0; i < n; i++)
    chi2 += w[i] * pow (y[i] - *intercept - *slope * x[i], 2);
  *slope_se = sqrt (sw / delta * chi2 / (n - 2));
}

static const double scipy_eps[8] = { 0.15, 0.20, 0.26, 0.31, 0.37, 0.42, 0.48, 0.55 };
static const double scipy_sigma[8] = { 0.0035, 0.0098, 0.022, 0.041, 0.072, 0.110, 0.165, 0.270 };
static const double scipy_std[8] = { 0.0006, 0.0015, 0.004, 0.006, 0.012, 0.02, 0.025, 0.05 };

static void
test_loglog_weighted_closed_form (void)
{
  g_autoptr(GError) error = NULL;
  CbdFitOptions options = options_without_bootstrap ();
  double x[8], y[8], w[8], slope, intercept, slope_se;
  CbdFitResult result;

  /* every spread is above the 5 % floor, so w = 1/std^2, in log space
   * w sigma^2 = (sigma/std)^2 */
  for (guint i = 0; i < 8; i++)
    {
      x[i] = log (scipy_eps[i]);
      y[i] = log (scipy_sigma[i]);
      w[i] = pow (scipy_sigma[i] / scipy_std[i], 2);
    }
  closed_form_weighted_line (x, y, w, 8, &slope, &intercept, &slope_se);
  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options,
                                    &result, &error));
  g_assert_no_error (error);
  assert_relative (result.loglog.alpha, slope, 1e-12);
  assert_relative (result.loglog.ln_gamma, intercept, 1e-12);
  assert_relative (result.loglog.alpha_se, slope_se, 1e-10);
}

/* scipy.optimize.curve_fit (SciPy 1.10.1, NumPy 1.24.2, Debian 12's
 * /usr/bin/python3) on scipy_eps/scipy_sigma, model g * e**a, p0 = [2, 3],
 * xtol = ftol = gtol = 1e-15:
 *   weighted:   sigma=scipy_std, absolute_sigma=False
 *   unweighted: no sigma
 * printed as gamma, alpha, sqrt (pcov[0,0]), sqrt (pcov[1,1]), pcov[0,1]. */
static const double scipy_weighted[5] = {
  1.926045188791111, 3.306764024020815, 0.061200355009221746, 0.02576248833914239,
  0.0014856270413192995,
};
static const double scipy_unweighted[5] = {
  1.9826833255267138, 3.347595695652175, 0.07115696672378595, 0.05139921147226615,
  0.0035892822285858656,
};

static void
test_matches_scipy (void)
{
  for (guint weighted = 0; weighted < 2; weighted++)
    {
      g_autoptr(GError) error = NULL;
      CbdFitOptions options = options_without_bootstrap ();
      const double *expected = weighted ? scipy_weighted : scipy_unweighted;
      CbdFitResult result;

      options.weighting = weighted ? CBD_FIT_WEIGHT_SPREAD : CBD_FIT_WEIGHT_NONE;
      g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options,
                                        &result, &error));
      g_assert_no_error (error);
      assert_relative (result.gamma, expected[0], 1e-8);
      assert_relative (result.alpha, expected[1], 1e-8);
      assert_relative (result.gamma_se, expected[2], 1e-6);
      assert_relative (result.alpha_se, expected[3], 1e-6);
      assert_relative (result.covariance[0][1], expected[4], 1e-6);
      /* scipy.stats.t.ppf (0.975, 6) */
      assert_relative (result.t_quantile, 2.4469118487916806, 1e-8);
    }
}

/* An independent weighted Gauss-Newton: 2x2 normal equations solved by
 * Cramer's rule, started from the closed-form log-log line. */
static void
gauss_newton (const double *x, const double *y, const double *w, guint n,
              double *gamma, double *alpha, double covariance[2][2])
{
  double lx[64], ly[64], lw[64], slope, intercept, se, chi2 = 0;
  double a = 0, b = 0, c = 0, det;

  g_assert_cmpuint (n, <=, 64);
  for (guint i = 0; i < n; i++)
    {
      lx[i] = log (x[i]);
      ly[i] = log (y[i]);
      lw[i] = w[i] * y[i] * y[i];
    }
  closed_form_weighted_line (lx, ly, lw, n, &slope, &intercept, &se);
  *gamma = exp (intercept);
  *alpha = slope;
  for (guint iteration = 0; iteration < 100; iteration++)
    {
      double g0 = 0, g1 = 0, d0, d1;

      a = b = c = 0;
      for (guint i = 0; i < n; i++)
        {
          double p = pow (x[i], *alpha), r = y[i] - *gamma * p;
          double j0 = p, j1 = *gamma * p * log (x[i]);

          a += w[i] * j0 * j0;
          b += w[i] * j0 * j1;
          c += w[i] * j1 * j1;
          g0 += w[i] * j0 * r;
          g1 += w[i] * j1 * r;
        }
      det = a * c - b * b;
      d0 = (c * g0 - b * g1) / det;
      d1 = (a * g1 - b * g0) / det;
      *gamma += d0;
      *alpha += d1;
      if (fabs (d0) < 1e-15 * fabs (*gamma) && fabs (d1) < 1e-15 * fabs (*alpha))
        break;
    }
  for (guint i = 0; i < n; i++)
    chi2 += w[i] * pow (y[i] - *gamma * pow (x[i], *alpha), 2);
  det = a * c - b * b;
  covariance[0][0] = c / det * chi2 / (n - 2);
  covariance[1][1] = a / det * chi2 / (n - 2);
  covariance[0][1] = covariance[1][0] = -b / det * chi2 / (n - 2);
}

static void
test_matches_gauss_newton (void)
{
  g_autoptr(gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  double eps[40], sigma[40], std[40], w[40];

  gsl_rng_set (rng, 11);
  for (guint trial = 0; trial < 20; trial++)
    {
      g_autoptr(GError) error = NULL;
      CbdFitOptions options = options_without_bootstrap ();
      double gamma, alpha, covariance[2][2];
      CbdFitResult result;

      for (guint i = 0; i < 40; i++)
        {
          double truth;

          eps[i] = 0.14 + 0.42 * gsl_rng_uniform (rng);
          truth = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA);
          std[i] = truth * (0.06 + 0.3 * gsl_rng_uniform (rng));
          sigma[i] = truth + gsl_ran_gaussian (rng, std[i]);
          if (sigma[i] <= 0)
            sigma[i] = truth;
          w[i] = 1.0 / (std[i] * std[i]);
        }
      gauss_newton (eps, sigma, w, 40, &gamma, &alpha, covariance);
      g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, 40, &options, &result, &error));
      g_assert_no_error (error);
      assert_relative (result.gamma, gamma, 1e-9);
      assert_relative (result.alpha, alpha, 1e-9);
      assert_relative (result.covariance[0][0], covariance[0][0], 1e-6);
      assert_relative (result.covariance[1][1], covariance[1][1], 1e-6);
      assert_relative (result.covariance[0][1], covariance[0][1], 1e-6);
    }
}

/* Normal noise of known, point-dependent size, weighted correctly: the 95 %
 * intervals must hold the truth in about 95 % of independent data sets. */
static void
test_interval_coverage (void)
{
  g_autoptr(gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  const guint n_sets = 400, n = 30;
  guint gamma_hits = 0, alpha_hits = 0, band_hits = 0;

  gsl_rng_set (rng, 2024);
  for (guint set = 0; set < n_sets; set++)
    {
      g_autoptr(GError) error = NULL;
      CbdFitOptions options = options_without_bootstrap ();
      double eps[30], sigma[30], std[30], lower, upper;
      CbdFitResult result;

      for (guint i = 0; i < n; i++)
        {
          double truth;

          eps[i] = 0.14 + 0.42 * gsl_rng_uniform (rng);
          truth = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA);
          std[i] = 0.1 * truth;
          sigma[i] = truth + gsl_ran_gaussian (rng, std[i]);
        }
      g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, n, &options, &result, &error));
      g_assert_no_error (error);
      gamma_hits += result.gamma_ci[0] <= PAPER_GAMMA && PAPER_GAMMA <= result.gamma_ci[1];
      alpha_hits += result.alpha_ci[0] <= PAPER_ALPHA && PAPER_ALPHA <= result.alpha_ci[1];
      cbd_fit_evaluate (&result, 0.3368, &lower, &upper);
      band_hits += lower <= PAPER_GAMMA * pow (0.3368, PAPER_ALPHA) &&
                   PAPER_GAMMA * pow (0.3368, PAPER_ALPHA) <= upper;
    }
  g_test_message ("coverage of 95 %% intervals over %u sets: gamma %.3f, alpha %.3f, band %.3f",
                  n_sets, gamma_hits / (double) n_sets, alpha_hits / (double) n_sets,
                  band_hits / (double) n_sets);
  /* binomial(400, 0.95): sd 1.1 %; allow about 3 sd */
  g_assert_cmpfloat (gamma_hits / (double) n_sets, >, 0.91);
  g_assert_cmpfloat (alpha_hits / (double) n_sets, >, 0.91);
  g_assert_cmpfloat (band_hits / (double) n_sets, >, 0.91);
  g_assert_cmpfloat (alpha_hits / (double) n_sets, <, 0.99);
}

/* 151 cutouts as in the paper, generated from its fit with 15 % scatter:
 * the fit gives back gamma 1.95, alpha 3.31 within its intervals, and the
 * bootstrap agrees. */
static void
test_paper_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  double eps[151], sigma[151], std[151];
  CbdFitOptions options;
  CbdFitResult result;

  gsl_rng_set (rng, 151);
  for (guint i = 0; i < 151; i++)
    {
      double truth;

      eps[i] = 0.14 + 0.42 * gsl_rng_uniform (rng);
      truth = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA);
      std[i] = 0.15 * truth;
      sigma[i] = truth * exp (gsl_ran_gaussian (rng, 0.15) - 0.5 * 0.15 * 0.15);
    }
  cbd_fit_options_init (&options);
  g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, 151, &options, &result, &error));
  g_assert_no_error (error);
  g_test_message ("gamma %.4f [%.4f, %.4f] bootstrap [%.4f, %.4f]; alpha %.4f [%.4f, %.4f] "
                  "bootstrap [%.4f, %.4f]; R^2 %.4f; %u iterations",
                  result.gamma, result.gamma_ci[0], result.gamma_ci[1],
                  result.bootstrap_gamma_ci[0], result.bootstrap_gamma_ci[1],
                  result.alpha, result.alpha_ci[0], result.alpha_ci[1],
                  result.bootstrap_alpha_ci[0], result.bootstrap_alpha_ci[1], result.r2,
                  result.iterations);
  g_assert_cmpfloat (result.gamma_ci[0], <=, PAPER_GAMMA);
  g_assert_cmpfloat (result.gamma_ci[1], >=, PAPER_GAMMA);
  g_assert_cmpfloat (result.alpha_ci[0], <=, PAPER_ALPHA);
  g_assert_cmpfloat (result.alpha_ci[1], >=, PAPER_ALPHA);
  g_assert_cmpfloat (result.bootstrap_gamma_ci[0], <=, PAPER_GAMMA);
  g_assert_cmpfloat (result.bootstrap_gamma_ci[1], >=, PAPER_GAMMA);
  g_assert_cmpfloat (result.bootstrap_alpha_ci[0], <=, PAPER_ALPHA);
  g_assert_cmpfloat (result.bootstrap_alpha_ci[1], >=, PAPER_ALPHA);
  g_assert_cmpuint (result.bootstrap_used, ==, 1000);
  /* the bootstrap and the asymptotic interval describe the same spread */
  g_assert_cmpfloat (result.bootstrap_alpha_se / result.alpha_se, >, 0.6);
  g_assert_cmpfloat (result.bootstrap_alpha_se / result.alpha_se, <, 1.6);
  g_assert_cmpfloat (result.gamma_se, <, 0.1);
  g_assert_cmpfloat (result.alpha_se, <, 0.1);
}

/* The paper's own numbers hang together: its fit at its mean porosity
 * (33.68 %) gives about what its mean porosity over mean tortuosity (6.41)
 * gives, and Bruggeman there is eps^1.5. */
static void
test_paper_summary_consistency (void)
{
  CbdFitResult paper = { 0 };

  paper.gamma = PAPER_GAMMA;
  paper.alpha = PAPER_ALPHA;
  assert_relative (cbd_fit_evaluate (&paper, 0.3368, NULL, NULL), 0.3368 / 6.41, 0.02);
}

static void
test_summary (void)
{
  g_autoptr(GError) error = NULL;
  const double eps[3] = { 0.2, 0.4, 0.9 };
  const double sigma[3] = { 0.02, 0.1, 0.5 };
  const gboolean include[3] = { TRUE, TRUE, FALSE };
  CbdFitSummary summary;

  /* tau = 10 and 4 */
  g_assert_true (cbd_fit_summarize (eps, sigma, include, 3, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.n, ==, 2);
  assert_relative (summary.mean_porosity, 0.3, 1e-15);
  assert_relative (summary.mean_sigma_rel, 0.06, 1e-15);
  assert_relative (summary.mean_tau, 7.0, 1e-15);
  assert_relative (summary.mean_porosity_over_mean_tau, 0.3 / 7.0, 1e-15);
  assert_relative (summary.bruggeman_at_mean_porosity, 0.3 * sqrt (0.3), 1e-15);

  g_assert_false (cbd_fit_summarize (eps, (double[3]) { 0.02, 0, 0.5 }, NULL, 3, &summary, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (cbd_fit_summarize (eps, sigma, (gboolean[3]) { 0 }, 3, &summary, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS);
}

/* Exact data plus one wild point: with a spread ten times its value the
 * wild point barely moves the weighted fit; unweighted, it drags it. */
static void
test_outlier_weight (void)
{
  double eps[13], sigma[13], std[13];
  CbdFitResult weighted, unweighted;
  CbdFitOptions options = options_without_bootstrap ();
  g_autoptr(GError) error = NULL;

  paper_porosities (eps, 12);
  for (guint i = 0; i < 12; i++)
    {
      sigma[i] = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA);
      std[i] = 0.1 * sigma[i];
    }
  eps[12] = 0.45;
  sigma[12] = 3.0 * PAPER_GAMMA * pow (0.45, PAPER_ALPHA);
  std[12] = 10.0 * sigma[12];

  g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, 13, &options, &weighted, &error));
  options.weighting = CBD_FIT_WEIGHT_NONE;
  g_assert_true (cbd_fit_power_law (eps, sigma, std, NULL, 13, &options, &unweighted, &error));
  g_assert_no_error (error);
  g_test_message ("alpha weighted %.6f, unweighted %.6f", weighted.alpha, unweighted.alpha);
  /* w ratio (0.1 / 10 * 1/3)^2 ~ 1e-5: the shift stays below 1e-3 */
  g_assert_cmpfloat (fabs (weighted.alpha - PAPER_ALPHA), <, 1e-3);
  g_assert_cmpfloat (fabs (weighted.gamma - PAPER_GAMMA), <, 1e-3);
  g_assert_cmpfloat (fabs (unweighted.alpha - PAPER_ALPHA), >, 100 * fabs (weighted.alpha - PAPER_ALPHA));
}

/* The floor: a spread of 0 counts as 5 % of the value, i.e. the same as an
 * explicit 5 %; a missing spread counts as the median relative spread. */
static void
test_weight_floor_and_missing (void)
{
  g_autoptr(gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  double eps[9], sigma[9], std_a[9], std_b[9];
  CbdFitOptions options = options_without_bootstrap ();
  CbdFitResult a, b;
  g_autoptr(GError) error = NULL;

  gsl_rng_set (rng, 5);
  paper_porosities (eps, 9);
  for (guint i = 0; i < 9; i++)
    {
      sigma[i] = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA) * (1 + 0.2 * (gsl_rng_uniform (rng) - 0.5));
      std_a[i] = std_b[i] = sigma[i] * (0.1 + 0.02 * i);  /* relative 0.10 ... 0.26, median 0.18 */
    }
  std_a[3] = 0.0;
  std_b[3] = 0.05 * sigma[3];
  g_assert_true (cbd_fit_power_law (eps, sigma, std_a, NULL, 9, &options, &a, &error));
  g_assert_true (cbd_fit_power_law (eps, sigma, std_b, NULL, 9, &options, &b, &error));
  g_assert_no_error (error);
  assert_relative (a.alpha, b.alpha, 1e-12);
  assert_relative (a.gamma, b.gamma, 1e-12);

  /* median of the relative spreads other than point 4's: of 0.10, 0.12,
   * 0.14, 0.16, 0.20, 0.22, 0.24, 0.26 it is (0.16 + 0.20) / 2 = 0.18,
   * which is also point 4's own value */
  std_a[3] = std_b[3] = 0.16 * sigma[3];
  std_a[4] = NAN;
  g_assert_true (cbd_fit_power_law (eps, sigma, std_a, NULL, 9, &options, &a, &error));
  g_assert_true (cbd_fit_power_law (eps, sigma, std_b, NULL, 9, &options, &b, &error));
  g_assert_no_error (error);
  assert_relative (a.alpha, b.alpha, 1e-12);

  /* the floor is an option */
  options.std_floor_relative = 0.5;
  g_assert_true (cbd_fit_power_law (eps, sigma, std_b, NULL, 9, &options, &a, &error));
  options.weighting = CBD_FIT_WEIGHT_NONE;
  /* every spread below 50 %: weights 1/(0.5 sigma)^2, i.e. relative errors,
   * not the same as unweighted */
  g_assert_true (cbd_fit_power_law (eps, sigma, std_b, NULL, 9, &options, &b, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (a.alpha - b.alpha), >, 1e-6);

  /* no spreads at all: unweighted */
  options.weighting = CBD_FIT_WEIGHT_SPREAD;
  g_assert_true (cbd_fit_power_law (eps, sigma, NULL, NULL, 9, &options, &a, &error));
  g_assert_cmpint (a.weighting, ==, CBD_FIT_WEIGHT_NONE);
  assert_relative (a.alpha, b.alpha, 1e-12);
}

static void
test_include_flags (void)
{
  g_autoptr(GError) error = NULL;
  CbdFitOptions options = options_without_bootstrap ();
  double eps[10], sigma[10], std[10], sub_eps[6], sub_sigma[6], sub_std[6];
  gboolean include[10];
  CbdFitResult all, masked, subset;
  guint k = 0;

  paper_porosities (eps, 10);
  for (guint i = 0; i < 10; i++)
    {
      sigma[i] = PAPER_GAMMA * pow (eps[i], PAPER_ALPHA) * (1 + 0.1 * ((i * 7) % 5 - 2));
      std[i] = 0.1 * sigma[i] * (1 + i % 2);
      include[i] = (i % 5) != 1 && (i % 5) != 3;
      if (include[i])
        {
          sub_eps[k] = eps[i];
          sub_sigma[k] = sigma[i];
          sub_std[k] = std[i];
          k++;
        }
    }
  g_assert_cmpuint (k, ==, 6);
  /* excluded points may hold anything, even invalid values */
  sigma[1] = -1;
  g_assert_true (cbd_fit_power_law (eps, sigma, std, include, 10, &options, &masked, &error));
  g_assert_true (cbd_fit_power_law (sub_eps, sub_sigma, sub_std, NULL, 6, &options, &subset, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (masked.n, ==, 6);
  g_assert_cmpfloat (masked.gamma, ==, subset.gamma);
  g_assert_cmpfloat (masked.alpha, ==, subset.alpha);
  g_assert_false (cbd_fit_power_law (eps, sigma, std, NULL, 10, &options, &all, &error));
  g_assert_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA);
}

static void
test_bootstrap_deterministic (void)
{
  g_autoptr(GError) error = NULL;
  CbdFitOptions options;
  CbdFitResult a, b, c;

  cbd_fit_options_init (&options);
  options.n_bootstrap = 500;
  options.seed = 42;
  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options, &a, &error));
  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options, &b, &error));
  options.seed = 43;
  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.bootstrap_requested, ==, 500);
  g_assert_cmpuint (a.bootstrap_seed, ==, 42);
  g_assert_cmpuint (a.bootstrap_used, >, 490);
  g_assert_cmpfloat (a.bootstrap_alpha_ci[0], ==, b.bootstrap_alpha_ci[0]);
  g_assert_cmpfloat (a.bootstrap_alpha_ci[1], ==, b.bootstrap_alpha_ci[1]);
  g_assert_cmpfloat (a.bootstrap_gamma_ci[0], ==, b.bootstrap_gamma_ci[0]);
  g_assert_cmpfloat (a.bootstrap_alpha_ci[0], !=, c.bootstrap_alpha_ci[0]);
  g_assert_cmpfloat (a.bootstrap_alpha_ci[0], <, a.alpha);
  g_assert_cmpfloat (a.bootstrap_alpha_ci[1], >, a.alpha);
  g_assert_cmpfloat (a.bootstrap_gamma_ci[0], <, a.gamma);
  g_assert_cmpfloat (a.bootstrap_gamma_ci[1], >, a.gamma);

  /* no bootstrap: NaN intervals */
  options.n_bootstrap = 0;
  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options, &a, &error));
  g_assert_true (isnan (a.bootstrap_alpha_ci[0]) && isnan (a.bootstrap_gamma_se));
  g_assert_cmpuint (a.bootstrap_used, ==, 0);
}

static void
test_band (void)
{
  g_autoptr(GError) error = NULL;
  CbdFitOptions options = options_without_bootstrap ();
  CbdFitResult result;
  double lower, upper, value;

  g_assert_true (cbd_fit_power_law (scipy_eps, scipy_sigma, scipy_std, NULL, 8, &options,
                                    &result, &error));
  g_assert_no_error (error);
  /* at eps = 1 the curve is gamma and the gradient (1, 0): the band is the
   * interval of gamma */
  value = cbd_fit_evaluate (&result, 1.0, &lower, &upper);
  assert_relative (value, result.gamma, 1e-15);
  assert_relative (lower, result.gamma_ci[0], 1e-12);
  assert_relative (upper, result.gamma_ci[1], 1e-12);
  for (double eps = 0.1; eps < 0.7; eps += 0.05)
    {
      value = cbd_fit_evaluate (&result, eps, &lower, &upper);
      assert_relative (value, result.gamma * pow (eps, result.alpha), 1e-15);
      g_assert_cmpfloat (lower, <, value);
      g_assert_cmpfloat (upper, >, value);
      assert_relative (upper - value, value - lower, 1e-9);
    }
  /* one end alone */
  cbd_fit_evaluate (&result, 0.3, NULL, &upper);
  g_assert_cmpfloat (upper, >, cbd_fit_evaluate (&result, 0.3, NULL, NULL));
}

static void
assert_fit_fails (const double *eps, const double *sigma, const double *std, gsize n, int code,
                  const char *fragment)
{
  g_autoptr(GError) error = NULL;
  CbdFitResult result;

  g_assert_false (cbd_fit_power_law (eps, sigma, std, NULL, n, NULL, &result, &error));
  g_assert_error (error, CBD_FIT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  const double eps[4] = { 0.2, 0.3, 0.4, 0.5 };
  const double sigma[4] = { 0.01, 0.03, 0.06, 0.1 };

  assert_fit_fails (eps, sigma, NULL, 2, CBD_FIT_ERROR_TOO_FEW_POINTS, "at least 3");
  assert_fit_fails (eps, sigma, NULL, 0, CBD_FIT_ERROR_TOO_FEW_POINTS, "got 0");
  assert_fit_fails (eps, (double[4]) { 0.01, 0, 0.06, 0.1 }, NULL, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "positive");
  assert_fit_fails (eps, (double[4]) { 0.01, -0.03, 0.06, 0.1 }, NULL, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "positive");
  assert_fit_fails (eps, (double[4]) { 0.01, NAN, 0.06, 0.1 }, NULL, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "sigma_rel");
  assert_fit_fails ((double[4]) { 0.2, 33.0, 0.4, 0.5 }, sigma, NULL, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "(0, 1]");
  assert_fit_fails ((double[4]) { 0.2, 0.0, 0.4, 0.5 }, sigma, NULL, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "Porosity");
  assert_fit_fails (eps, sigma, (double[4]) { 0.001, -0.002, 0.003, 0.004 }, 4,
                    CBD_FIT_ERROR_INVALID_DATA, "sigma_rel_std");
  assert_fit_fails ((double[4]) { 0.3, 0.3, 0.3, 0.3 }, sigma, NULL, 4,
                    CBD_FIT_ERROR_DEGENERATE, "0.3");
}

/* Data a power law cannot describe still gives a converged fit (the best
 * one) with a poor R^2, not an error. */
static void
test_non_power_law_data (void)
{
  g_autoptr(GError) error = NULL;
  const double eps[6] = { 0.15, 0.25, 0.35, 0.45, 0.55, 0.65 };
  const double sigma[6] = { 0.2, 0.01, 0.2, 0.01, 0.2, 0.01 };
  CbdFitResult result;

  g_assert_true (cbd_fit_power_law (eps, sigma, NULL, NULL, 6, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (result.r2, <, 0.2);
  g_assert_true (isfinite (result.gamma_se) && isfinite (result.alpha_se));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gsl_set_error_handler_off ();

  g_test_add_func ("/fit/exact-power-law", test_exact_power_law);
  g_test_add_func ("/fit/loglog-hand-computed", test_loglog_hand_computed);
  g_test_add_func ("/fit/loglog-weighted-closed-form", test_loglog_weighted_closed_form);
  g_test_add_func ("/fit/matches-scipy", test_matches_scipy);
  g_test_add_func ("/fit/matches-gauss-newton", test_matches_gauss_newton);
  g_test_add_func ("/fit/interval-coverage", test_interval_coverage);
  g_test_add_func ("/fit/paper-values", test_paper_values);
  g_test_add_func ("/fit/paper-summary-consistency", test_paper_summary_consistency);
  g_test_add_func ("/fit/summary", test_summary);
  g_test_add_func ("/fit/outlier-weight", test_outlier_weight);
  g_test_add_func ("/fit/weight-floor-and-missing", test_weight_floor_and_missing);
  g_test_add_func ("/fit/include-flags", test_include_flags);
  g_test_add_func ("/fit/bootstrap-deterministic", test_bootstrap_deterministic);
  g_test_add_func ("/fit/band", test_band);
  g_test_add_func ("/fit/errors", test_errors);
  g_test_add_func ("/fit/non-power-law-data", test_non_power_law_data);
  return g_test_run ();
}
