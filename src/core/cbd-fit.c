/* cbd-fit.c — the power law sigma_rel = gamma * eps^alpha, fitted by weighted
 * nonlinear least squares (GSL), with intervals, a log-log comparison fit and
 * a bootstrap over points
 *
 * The nonlinear fit starts from the log-log line, so it needs no user guess.
 * The covariance is (J^T W J)^-1 scaled by the reduced chi^2, i.e. the
 * weights set the relative trust between points and the scatter about the
 * curve sets the overall scale (scipy's curve_fit with absolute_sigma=False).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-fit"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cbd-fit.h"

#define MAX_ITERATIONS 200
#define X_TOLERANCE 1e-12
#define G_TOLERANCE 1e-12
/* Cosine between the residual and any Jacobian column below which a point
 * where no step lowers the cost counts as the minimum (rounding-limited). */
#define STATIONARY_COSINE 1e-7

G_DEFINE_QUARK (cbd-fit-error-quark, cbd_fit_error)

void
cbd_fit_options_init (CbdFitOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->weighting = CBD_FIT_WEIGHT_SPREAD;
  options->std_floor_relative = 0.05;
  options->confidence = 0.95;
  options->n_bootstrap = 1000;
  options->seed = 1;
}

const char *
cbd_fit_weighting_to_string (CbdFitWeighting weighting)
{
  switch (weighting)
    {
    case CBD_FIT_WEIGHT_SPREAD: return "spread";
    case CBD_FIT_WEIGHT_NONE: return "none";
    default: return "unknown";
    }
}

/* The included points, copied out, with their weights. */
typedef struct
{
  gsize   n;
  double *x;   /* porosity */
  double *lx;  /* ln porosity */
  double *y;   /* sigma_rel */
  double *w;   /* weight */
} Points;

static void
points_clear (Points *points)
{
  g_clear_pointer (&points->x, g_free);
  g_clear_pointer (&points->lx, g_free);
  g_clear_pointer (&points->y, g_free);
  g_clear_pointer (&points->w, g_free);
}

static int
compare_doubles (const void *a, const void *b)
{
  double da = *(const double *) a, db = *(const double *) b;
  return (da > db) - (da < db);
}

static gboolean
collect_points (const double        *porosity,
                const double        *sigma_rel,
                const double        *sigma_rel_std,
                const gboolean      *include,
                gsize                n_points,
                const CbdFitOptions *options,
                Points              *points,
                CbdFitWeighting     *weighting,
                GError             **error)
{
  g_autofree double *relative_spread = NULL;
  gsize n = 0, n_spread = 0;
  double median_spread = NAN, first_x = NAN;
  gboolean distinct = FALSE;

  for (gsize i = 0; i < n_points; i++)
    if (include == NULL || include[i])
      n++;
  if (n < 3)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS,
                   "A power-law fit needs at least 3 points, got %" G_GSIZE_FORMAT, n);
      return FALSE;
    }

  points->n = n;
  points->x = g_new (double, n);
  points->lx = g_new (double, n);
  points->y = g_new (double, n);
  points->w = g_new (double, n);
  relative_spread = g_new (double, n);

  n = 0;
  for (gsize i = 0; i < n_points; i++)
    {
      double std = sigma_rel_std != NULL ? sigma_rel_std[i] : NAN;

      if (include != NULL && !include[i])
        continue;
      if (!(isfinite (porosity[i]) && porosity[i] > 0 && porosity[i] <= 1))
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA,
                       "Porosity of point %" G_GSIZE_FORMAT " is %g; it must be a fraction in (0, 1]",
                       i + 1, porosity[i]);
          return FALSE;
        }
      if (!(isfinite (sigma_rel[i]) && sigma_rel[i] > 0))
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA,
                       "sigma_rel of point %" G_GSIZE_FORMAT " is %g; it must be positive "
                       "(leave non-percolating cutouts out of the fit)", i + 1, sigma_rel[i]);
          return FALSE;
        }
      if (!isnan (std) && !(std >= 0 && isfinite (std)))
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA,
                       "sigma_rel_std of point %" G_GSIZE_FORMAT " is %g; it must be "
                       "non-negative or missing", i + 1, std);
          return FALSE;
        }
      points->x[n] = porosity[i];
      points->lx[n] = log (porosity[i]);
      points->y[n] = sigma_rel[i];
      relative_spread[n] = std / sigma_rel[i];  /* NaN when missing */
      if (!isnan (relative_spread[n]))
        n_spread++;
      if (n == 0)
        first_x = porosity[i];
      else if (porosity[i] != first_x)
        distinct = TRUE;
      n++;
    }
  if (!distinct)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_DEGENERATE,
                   "Every point has the porosity %g; the exponent cannot be fitted", first_x);
      return FALSE;
    }

  *weighting = options->weighting;
  if (n_spread == 0)
    *weighting = CBD_FIT_WEIGHT_NONE;
  if (*weighting == CBD_FIT_WEIGHT_NONE)
    {
      for (gsize i = 0; i < n; i++)
        points->w[i] = 1.0;
      return TRUE;
    }

  /* Missing spreads stand in for the typical (median) relative spread. */
  {
    g_autofree double *known = g_new (double, n_spread);
    gsize k = 0;

    for (gsize i = 0; i < n; i++)
      if (!isnan (relative_spread[i]))
        known[k++] = relative_spread[i];
    qsort (known, n_spread, sizeof (double), compare_doubles);
    median_spread = gsl_stats_median_from_sorted_data (known, 1, n_spread);
  }
  for (gsize i = 0; i < n; i++)
    {
      double relative = isnan (relative_spread[i]) ? median_spread : relative_spread[i];
      double s = MAX (relative, options->std_floor_relative) * points->y[i];

      points->w[i] = 1.0 / (s * s);
    }
  return TRUE;
}

/* The model and its Jacobian for GSL; residuals are unweighted here, GSL
 * applies sqrt (w). eps^alpha as exp (alpha ln eps) with ln eps computed
 * once: pow () dominated the run time (1000 bootstrap refits). */
typedef struct
{
  const double *lx;
  const double *y;
} ModelData;

static int
power_law_f (const gsl_vector *parameters, void *user_data, gsl_vector *f)
{
  const ModelData *data = user_data;
  double gamma = gsl_vector_get (parameters, 0);
  double alpha = gsl_vector_get (parameters, 1);

  for (gsize i = 0; i < f->size; i++)
    {
      double value = gamma * exp (alpha * data->lx[i]) - data->y[i];

      if (!isfinite (value))
        return GSL_EDOM;
      gsl_vector_set (f, i, value);
    }
  return GSL_SUCCESS;
}

static int
power_law_df (const gsl_vector *parameters, void *user_data, gsl_matrix *jacobian)
{
  const ModelData *data = user_data;
  double gamma = gsl_vector_get (parameters, 0);
  double alpha = gsl_vector_get (parameters, 1);

  for (gsize i = 0; i < jacobian->size1; i++)
    {
      double power = exp (alpha * data->lx[i]);

      if (!isfinite (power))
        return GSL_EDOM;
      gsl_matrix_set (jacobian, i, 0, power);
      gsl_matrix_set (jacobian, i, 1, gamma * power * data->lx[i]);
    }
  return GSL_SUCCESS;
}

/* MINPACK's optimality measure: the largest cosine between the (weighted)
 * residual vector and a column of the (weighted) Jacobian. Zero at an exact
 * minimum, and for a perfect fit. */
static gboolean
is_stationary (gsl_multifit_nlinear_workspace *workspace)
{
  gsl_matrix *jacobian = gsl_multifit_nlinear_jac (workspace);
  gsl_vector *residual = gsl_multifit_nlinear_residual (workspace);
  double residual_norm = gsl_blas_dnrm2 (residual);

  if (residual_norm == 0)
    return TRUE;
  for (gsize j = 0; j < jacobian->size2; j++)
    {
      gsl_vector_view column = gsl_matrix_column (jacobian, j);
      double column_norm = gsl_blas_dnrm2 (&column.vector);
      double dot;

      gsl_blas_ddot (&column.vector, residual, &dot);
      if (column_norm > 0 && fabs (dot) > STATIONARY_COSINE * column_norm * residual_norm)
        return FALSE;
    }
  return TRUE;
}

static double
weighted_cost (const ModelData *data, const double *w, gsize n, double gamma, double alpha)
{
  double cost = 0;

  for (gsize i = 0; i < n; i++)
    {
      double r = gamma * exp (alpha * data->lx[i]) - data->y[i];
      cost += w[i] * r * r;
    }
  return cost;
}

/* Plain Gauss-Newton steps, kept only while the cost does not rise beyond
 * rounding. TRUE when the steps became negligible (converged), FALSE when
 * a step would raise the cost, the normal equations are singular or
 * @max_iterations ran out; the parameters then hold the last good point.
 *
 * Used twice. After Levenberg-Marquardt: near the minimum the cost changes
 * by less than its rounding error, so LM (which accepts a step only when
 * the cost drops) stops with the parameters good to about
 * sqrt (DBL_EPSILON), and solving the normal equations directly gets them
 * to full precision. And for the bootstrap refits, which start next to
 * their minimum (the full fit) where Gauss-Newton converges in a few steps
 * without LM's overhead; LM takes over when it does not. */
static gboolean
gauss_newton (const ModelData *data, const double *w, gsize n, double *gamma, double *alpha,
              guint max_iterations)
{
  double cost = weighted_cost (data, w, n, *gamma, *alpha);

  for (guint iteration = 0; iteration < max_iterations; iteration++)
    {
      double a = 0, b = 0, c = 0, g0 = 0, g1 = 0, det, d0, d1, next_cost;

      for (gsize i = 0; i < n; i++)
        {
          double power = exp (*alpha * data->lx[i]);
          double j0 = power, j1 = *gamma * power * data->lx[i];
          double r = data->y[i] - *gamma * power;

          a += w[i] * j0 * j0;
          b += w[i] * j0 * j1;
          c += w[i] * j1 * j1;
          g0 += w[i] * j0 * r;
          g1 += w[i] * j1 * r;
        }
      det = a * c - b * b;
      if (!(det > 0))
        return FALSE;
      d0 = (c * g0 - b * g1) / det;
      d1 = (a * g1 - b * g0) / det;
      if (fabs (d0) <= 1e-13 * fabs (*gamma) && fabs (d1) <= 1e-13 * (fabs (*alpha) + 1e-3))
        {
          /* below rounding: take it if it does not hurt, and stop */
          if (weighted_cost (data, w, n, *gamma + d0, *alpha + d1) <= cost)
            {
              *gamma += d0;
              *alpha += d1;
            }
          return TRUE;
        }
      next_cost = weighted_cost (data, w, n, *gamma + d0, *alpha + d1);
      if (!isfinite (next_cost) || next_cost > cost * (1 + 1e-12))
        return FALSE;
      *gamma += d0;
      *alpha += d1;
      cost = next_cost;
    }
  return FALSE;
}

typedef struct
{
  double gamma, alpha;
  double chi2;
  double covariance[2][2];  /* unscaled (J^T W J)^-1 */
  guint  iterations;
} CoreFit;

/* One Levenberg-Marquardt fit from @start. Our own loop instead of
 * gsl_multifit_nlinear_driver: when the start is already the minimum (exact
 * power-law data, where the log-log line is exact) the first iteration finds
 * no step that lowers the cost, which the driver reports as failure. */
static gboolean
fit_nonlinear (gsl_multifit_nlinear_workspace *workspace,
               const gsl_vector               *weights,
               gsl_multifit_nlinear_fdf       *fdf,
               const double                    start[2],
               CoreFit                        *fit,
               GError                        **error)
{
  double start_values[2] = { start[0], start[1] };
  gsl_vector_view start_view = gsl_vector_view_array (start_values, 2);
  gboolean converged = FALSE;
  guint no_progress = 0, iteration;
  gsl_matrix *covariance;
  gsl_vector *position;
  int status;

  status = gsl_multifit_nlinear_winit (&start_view.vector, weights, fdf, workspace);
  if (status != GSL_SUCCESS)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "The power law cannot be evaluated at the starting point "
                   "gamma %g, alpha %g: %s", start[0], start[1], gsl_strerror (status));
      return FALSE;
    }

  for (iteration = 0; iteration < MAX_ITERATIONS && !converged; iteration++)
    {
      int info;

      status = gsl_multifit_nlinear_iterate (workspace);
      if (status == GSL_ENOPROG)
        {
          gsl_vector *at = gsl_multifit_nlinear_position (workspace);
          double gamma = gsl_vector_get (at, 0), alpha = gsl_vector_get (at, 1);

          /* No step lowers the cost: a minimum if the gradient vanishes,
           * or if Gauss-Newton's steps from here are negligible (a fit so
           * good that the residuals are rounding noise, which makes the
           * gradient test meaningless). */
          if (is_stationary (workspace) ||
              gauss_newton (fdf->params, weights->data, fdf->n, &gamma, &alpha, 8))
            converged = TRUE;
          else if (++no_progress >= 3)
            break;
          continue;
        }
      if (status != GSL_SUCCESS)
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                       "The power-law fit failed in iteration %u: %s",
                       iteration + 1, gsl_strerror (status));
          return FALSE;
        }
      no_progress = 0;
      status = gsl_multifit_nlinear_test (X_TOLERANCE, G_TOLERANCE, 0.0, &info, workspace);
      if (status == GSL_SUCCESS)
        converged = TRUE;
      else if (status != GSL_CONTINUE)
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                       "The power-law fit's convergence test failed: %s", gsl_strerror (status));
          return FALSE;
        }
    }
  if (!converged)
    {
      position = gsl_multifit_nlinear_position (workspace);
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_NO_CONVERGENCE,
                   "The power-law fit did not converge in %u iterations "
                   "(last gamma %g, alpha %g)%s", iteration,
                   gsl_vector_get (position, 0), gsl_vector_get (position, 1),
                   fabs (gsl_vector_get (position, 1)) > 30
                   ? ": the exponent runs away, as when one point (the largest sigma_rel, or "
                     "an outlier) outweighs all others; check for outliers or weight the points"
                   : "");
      return FALSE;
    }

  position = gsl_multifit_nlinear_position (workspace);
  fit->gamma = gsl_vector_get (position, 0);
  fit->alpha = gsl_vector_get (position, 1);
  fit->iterations = (guint) gsl_multifit_nlinear_niter (workspace);
  gauss_newton (fdf->params, weights->data, fdf->n, &fit->gamma, &fit->alpha, 8);
  /* residual and Jacobian at the polished point, for chi^2 and covariance */
  start_values[0] = fit->gamma;
  start_values[1] = fit->alpha;
  status = gsl_multifit_nlinear_winit (&start_view.vector, weights, fdf, workspace);
  if (status != GSL_SUCCESS)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "The power law cannot be evaluated at its fit "
                   "gamma %g, alpha %g: %s", fit->gamma, fit->alpha, gsl_strerror (status));
      return FALSE;
    }
  fit->chi2 = pow (gsl_blas_dnrm2 (gsl_multifit_nlinear_residual (workspace)), 2);
  if (!(isfinite (fit->gamma) && isfinite (fit->alpha) && fit->gamma > 0))
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "The power-law fit ended at an invalid point (gamma %g, alpha %g)",
                   fit->gamma, fit->alpha);
      return FALSE;
    }

  covariance = gsl_matrix_alloc (2, 2);
  if (covariance == NULL)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED, "Out of memory for the covariance");
      return FALSE;
    }
  status = gsl_multifit_nlinear_covar (gsl_multifit_nlinear_jac (workspace), 0.0, covariance);
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 2; c++)
      fit->covariance[r][c] = gsl_matrix_get (covariance, r, c);
  gsl_matrix_free (covariance);
  if (status != GSL_SUCCESS || !isfinite (fit->covariance[0][0]) ||
      !isfinite (fit->covariance[1][1]))
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "The covariance of the power-law fit cannot be computed: %s",
                   status != GSL_SUCCESS ? gsl_strerror (status) : "singular Jacobian");
      return FALSE;
    }
  return TRUE;
}

static gboolean
fit_loglog (const Points   *points,
            CbdFitWeighting weighting,
            double          t_quantile,
            CbdFitLogLog   *loglog,
            GError        **error)
{
  gsize n = points->n;
  g_autofree double *lx = g_new (double, n);
  g_autofree double *ly = g_new (double, n);
  g_autofree double *lw = g_new (double, n);
  double c0, c1, cov00, cov01, cov11, chi2, scale;
  double sum_w = 0, mean = 0, total = 0;
  int status;

  for (gsize i = 0; i < n; i++)
    {
      lx[i] = log (points->x[i]);
      ly[i] = log (points->y[i]);
      /* var (ln y) = var (y) / y^2 to first order */
      lw[i] = weighting == CBD_FIT_WEIGHT_NONE ? 1.0 : points->w[i] * points->y[i] * points->y[i];
      sum_w += lw[i];
      mean += lw[i] * ly[i];
    }
  status = gsl_fit_wlinear (lx, 1, lw, 1, ly, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &chi2);
  if (status != GSL_SUCCESS || !isfinite (c0) || !isfinite (c1))
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "The log-log line cannot be fitted: %s",
                   status != GSL_SUCCESS ? gsl_strerror (status) : "non-finite result");
      return FALSE;
    }
  mean /= sum_w;
  for (gsize i = 0; i < n; i++)
    total += lw[i] * (ly[i] - mean) * (ly[i] - mean);

  scale = chi2 / (double) (n - 2);
  loglog->ln_gamma = c0;
  loglog->alpha = c1;
  loglog->gamma = exp (c0);
  loglog->ln_gamma_se = sqrt (cov00 * scale);
  loglog->alpha_se = sqrt (cov11 * scale);
  loglog->gamma_ci[0] = exp (c0 - t_quantile * loglog->ln_gamma_se);
  loglog->gamma_ci[1] = exp (c0 + t_quantile * loglog->ln_gamma_se);
  loglog->alpha_ci[0] = c1 - t_quantile * loglog->alpha_se;
  loglog->alpha_ci[1] = c1 + t_quantile * loglog->alpha_se;
  loglog->r2 = total > 0 ? 1.0 - chi2 / total : NAN;
  return TRUE;
}

static double
sorted_quantile (double *values, gsize n, double fraction)
{
  return gsl_stats_quantile_from_sorted_data (values, 1, n, fraction);
}

static void
bootstrap (const Points                   *points,
           const CbdFitOptions            *options,
           const double                    start[2],
           gsl_multifit_nlinear_workspace *workspace,
           CbdFitResult                   *result)
{
  gsize n = points->n;
  g_autofree double *x = g_new (double, n);
  g_autofree double *lx = g_new (double, n);
  g_autofree double *y = g_new (double, n);
  g_autofree double *w = g_new (double, n);
  g_autofree double *gammas = g_try_new (double, options->n_bootstrap);
  g_autofree double *alphas = g_try_new (double, options->n_bootstrap);
  gsl_vector_view weights = gsl_vector_view_array (w, n);
  ModelData data = { lx, y };
  gsl_multifit_nlinear_fdf fdf = {
    .f = power_law_f, .df = power_law_df, .fvv = NULL, .n = n, .p = 2, .params = &data,
  };
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  double tail = (1.0 - options->confidence) / 2.0;
  guint used = 0;

  if (rng == NULL || gammas == NULL || alphas == NULL)
    {
      /* out of memory: no bootstrap, bootstrap_used stays 0 */
      if (rng != NULL)
        gsl_rng_free (rng);
      return;
    }
  gsl_rng_set (rng, (unsigned long) options->seed);
  for (guint b = 0; b < options->n_bootstrap; b++)
    {
      gboolean distinct = FALSE;
      CoreFit fit;

      for (gsize i = 0; i < n; i++)
        {
          gsize k = gsl_rng_uniform_int (rng, n);

          x[i] = points->x[k];
          lx[i] = points->lx[k];
          y[i] = points->y[k];
          w[i] = points->w[k];
          distinct |= (x[i] != x[0]);
        }
      /* A resample of one porosity says nothing about alpha; a failed fit
       * is left out too (counted in bootstrap_used). */
      if (!distinct)
        continue;
      fit.gamma = start[0];
      fit.alpha = start[1];
      if (!gauss_newton (&data, w, n, &fit.gamma, &fit.alpha, 30) ||
          !(fit.gamma > 0 && isfinite (fit.gamma) && isfinite (fit.alpha)))
        {
          if (!fit_nonlinear (workspace, &weights.vector, &fdf, start, &fit, NULL))
            continue;
        }
      gammas[used] = fit.gamma;
      alphas[used] = fit.alpha;
      used++;
    }
  gsl_rng_free (rng);

  result->bootstrap_used = used;
  if (used < 2)
    return;
  qsort (gammas, used, sizeof (double), compare_doubles);
  qsort (alphas, used, sizeof (double), compare_doubles);
  result->bootstrap_gamma_ci[0] = sorted_quantile (gammas, used, tail);
  result->bootstrap_gamma_ci[1] = sorted_quantile (gammas, used, 1.0 - tail);
  result->bootstrap_alpha_ci[0] = sorted_quantile (alphas, used, tail);
  result->bootstrap_alpha_ci[1] = sorted_quantile (alphas, used, 1.0 - tail);
  result->bootstrap_gamma_se = gsl_stats_sd (gammas, 1, used);
  result->bootstrap_alpha_se = gsl_stats_sd (alphas, 1, used);
}

gboolean
cbd_fit_power_law (const double        *porosity,
                   const double        *sigma_rel,
                   const double        *sigma_rel_std,
                   const gboolean      *include,
                   gsize                n_points,
                   const CbdFitOptions *options,
                   CbdFitResult        *result,
                   GError             **error)
{
  CbdFitOptions defaults;
  Points points = { 0 };
  CbdFitWeighting weighting;
  gsl_multifit_nlinear_parameters parameters;
  gsl_multifit_nlinear_workspace *workspace = NULL;
  gsl_multifit_nlinear_fdf fdf;
  gsl_vector_view weights;
  ModelData data;
  CoreFit fit;
  double start[2], scale, sum_w = 0, mean = 0, total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (n_points == 0 || (porosity != NULL && sigma_rel != NULL), FALSE);
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      cbd_fit_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->confidence > 0 && options->confidence < 1, FALSE);
  g_return_val_if_fail (options->std_floor_relative >= 0, FALSE);

  memset (result, 0, sizeof *result);
  result->bootstrap_gamma_ci[0] = result->bootstrap_gamma_ci[1] = NAN;
  result->bootstrap_alpha_ci[0] = result->bootstrap_alpha_ci[1] = NAN;
  result->bootstrap_gamma_se = result->bootstrap_alpha_se = NAN;

  if (!collect_points (porosity, sigma_rel, sigma_rel_std, include, n_points, options,
                       &points, &weighting, error))
    goto out;

  result->n = points.n;
  result->dof = points.n - 2;
  result->weighting = weighting;
  result->confidence = options->confidence;
  result->t_quantile = gsl_cdf_tdist_Pinv ((1.0 + options->confidence) / 2.0, result->dof);

  if (!fit_loglog (&points, weighting, result->t_quantile, &result->loglog, error))
    goto out;

  data = (ModelData) { points.lx, points.y };
  fdf = (gsl_multifit_nlinear_fdf) {
    .f = power_law_f, .df = power_law_df, .fvv = NULL, .n = points.n, .p = 2, .params = &data,
  };
  weights = gsl_vector_view_array (points.w, points.n);
  parameters = gsl_multifit_nlinear_default_parameters ();
  parameters.trs = gsl_multifit_nlinear_trs_lm;
  /* GSL's default QR solver: Cholesky is faster but fails ("not positive
   * definite") on a near-perfect fit */
  workspace = gsl_multifit_nlinear_alloc (gsl_multifit_nlinear_trust, &parameters, points.n, 2);
  if (workspace == NULL)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_FAILED,
                   "Cannot allocate the fit workspace for %" G_GSIZE_FORMAT " points", points.n);
      goto out;
    }

  start[0] = result->loglog.gamma;
  start[1] = result->loglog.alpha;
  if (!fit_nonlinear (workspace, &weights.vector, &fdf, start, &fit, error))
    goto out;

  result->gamma = fit.gamma;
  result->alpha = fit.alpha;
  result->iterations = fit.iterations;
  result->chi2 = fit.chi2;
  result->chi2_reduced = fit.chi2 / result->dof;
  scale = result->chi2_reduced;
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 2; c++)
      result->covariance[r][c] = fit.covariance[r][c] * scale;
  result->gamma_se = sqrt (result->covariance[0][0]);
  result->alpha_se = sqrt (result->covariance[1][1]);
  result->gamma_ci[0] = result->gamma - result->t_quantile * result->gamma_se;
  result->gamma_ci[1] = result->gamma + result->t_quantile * result->gamma_se;
  result->alpha_ci[0] = result->alpha - result->t_quantile * result->alpha_se;
  result->alpha_ci[1] = result->alpha + result->t_quantile * result->alpha_se;

  for (gsize i = 0; i < points.n; i++)
    {
      sum_w += points.w[i];
      mean += points.w[i] * points.y[i];
    }
  mean /= sum_w;
  for (gsize i = 0; i < points.n; i++)
    total += points.w[i] * (points.y[i] - mean) * (points.y[i] - mean);
  result->r2 = total > 0 ? 1.0 - result->chi2 / total : NAN;

  result->bootstrap_requested = options->n_bootstrap;
  result->bootstrap_seed = options->seed;
  if (options->n_bootstrap > 0)
    {
      double fitted[2] = { result->gamma, result->alpha };
      bootstrap (&points, options, fitted, workspace, result);
    }
  ok = TRUE;

out:
  if (workspace != NULL)
    gsl_multifit_nlinear_free (workspace);
  points_clear (&points);
  return ok;
}

double
cbd_fit_evaluate (const CbdFitResult *result,
                  double              porosity,
                  double             *lower,
                  double             *upper)
{
  double power, value, g0, g1, variance, half_width;

  g_return_val_if_fail (result != NULL, NAN);

  power = pow (porosity, result->alpha);
  value = result->gamma * power;
  if (lower == NULL && upper == NULL)
    return value;

  g0 = power;
  g1 = value * log (porosity);
  variance = g0 * g0 * result->covariance[0][0]
             + 2.0 * g0 * g1 * result->covariance[0][1]
             + g1 * g1 * result->covariance[1][1];
  half_width = result->t_quantile * sqrt (MAX (variance, 0.0));
  if (lower != NULL)
    *lower = value - half_width;
  if (upper != NULL)
    *upper = value + half_width;
  return value;
}

gboolean
cbd_fit_summarize (const double   *porosity,
                   const double   *sigma_rel,
                   const gboolean *include,
                   gsize           n_points,
                   CbdFitSummary  *summary,
                   GError        **error)
{
  double sum_eps = 0, sum_sigma = 0, sum_tau = 0;
  guint n = 0;

  g_return_val_if_fail (summary != NULL, FALSE);
  g_return_val_if_fail (n_points == 0 || (porosity != NULL && sigma_rel != NULL), FALSE);

  memset (summary, 0, sizeof *summary);
  for (gsize i = 0; i < n_points; i++)
    {
      if (include != NULL && !include[i])
        continue;
      if (!(isfinite (porosity[i]) && porosity[i] > 0 && porosity[i] <= 1) ||
          !(isfinite (sigma_rel[i]) && sigma_rel[i] > 0))
        {
          g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_INVALID_DATA,
                       "Point %" G_GSIZE_FORMAT " (porosity %g, sigma_rel %g) has no finite "
                       "tortuosity; porosity must lie in (0, 1] and sigma_rel be positive",
                       i, porosity[i], sigma_rel[i]);
          return FALSE;
        }
      sum_eps += porosity[i];
      sum_sigma += sigma_rel[i];
      sum_tau += porosity[i] / sigma_rel[i];
      n++;
    }
  if (n == 0)
    {
      g_set_error (error, CBD_FIT_ERROR, CBD_FIT_ERROR_TOO_FEW_POINTS,
                   "No points to summarise");
      return FALSE;
    }
  summary->n = n;
  summary->mean_porosity = sum_eps / n;
  summary->mean_sigma_rel = sum_sigma / n;
  summary->mean_tau = sum_tau / n;
  summary->mean_porosity_over_mean_tau = summary->mean_porosity / summary->mean_tau;
  summary->bruggeman_at_mean_porosity = pow (summary->mean_porosity, 1.5);
  return TRUE;
}

static void
json_interval (CbdJsonWriter *writer, const char *key, const double interval[2])
{
  cbd_json_key (writer, key);
  cbd_json_begin_array (writer);
  cbd_json_double (writer, interval[0]);
  cbd_json_double (writer, interval[1]);
  cbd_json_end_array (writer);
}

void
cbd_fit_result_write_json (const CbdFitResult *result,
                           CbdJsonWriter      *writer)
{
  g_return_if_fail (result != NULL);
  g_return_if_fail (writer != NULL);

  cbd_json_member_double (writer, "gamma", result->gamma);
  cbd_json_member_double (writer, "alpha", result->alpha);
  cbd_json_member_double (writer, "gamma_se", result->gamma_se);
  cbd_json_member_double (writer, "alpha_se", result->alpha_se);
  cbd_json_member_double (writer, "r2", result->r2);
  cbd_json_member_int (writer, "n", result->n);
  cbd_json_member_double (writer, "confidence", result->confidence);
  json_interval (writer, "gamma_ci", result->gamma_ci);
  json_interval (writer, "alpha_ci", result->alpha_ci);
  cbd_json_key (writer, "covariance");
  cbd_json_begin_array (writer);
  for (guint r = 0; r < 2; r++)
    {
      cbd_json_begin_array (writer);
      cbd_json_double (writer, result->covariance[r][0]);
      cbd_json_double (writer, result->covariance[r][1]);
      cbd_json_end_array (writer);
    }
  cbd_json_end_array (writer);
  cbd_json_member_double (writer, "chi2", result->chi2);
  cbd_json_member_double (writer, "chi2_reduced", result->chi2_reduced);
  cbd_json_member_int (writer, "dof", result->dof);
  cbd_json_member_double (writer, "t_quantile", result->t_quantile);
  cbd_json_member_int (writer, "iterations", result->iterations);
  cbd_json_member_string (writer, "weighting", cbd_fit_weighting_to_string (result->weighting));

  cbd_json_key (writer, "loglog");
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "gamma", result->loglog.gamma);
  cbd_json_member_double (writer, "alpha", result->loglog.alpha);
  cbd_json_member_double (writer, "ln_gamma", result->loglog.ln_gamma);
  cbd_json_member_double (writer, "ln_gamma_se", result->loglog.ln_gamma_se);
  cbd_json_member_double (writer, "alpha_se", result->loglog.alpha_se);
  json_interval (writer, "gamma_ci", result->loglog.gamma_ci);
  json_interval (writer, "alpha_ci", result->loglog.alpha_ci);
  cbd_json_member_double (writer, "r2", result->loglog.r2);
  cbd_json_end_object (writer);

  cbd_json_key (writer, "bootstrap");
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "resamples", result->bootstrap_requested);
  cbd_json_member_int (writer, "used", result->bootstrap_used);
  cbd_json_member_int (writer, "seed", (gint64) result->bootstrap_seed);
  json_interval (writer, "gamma_ci", result->bootstrap_gamma_ci);
  json_interval (writer, "alpha_ci", result->bootstrap_alpha_ci);
  cbd_json_member_double (writer, "gamma_se", result->bootstrap_gamma_se);
  cbd_json_member_double (writer, "alpha_se", result->bootstrap_alpha_se);
  cbd_json_end_object (writer);
}

void
cbd_fit_summary_write_json (const CbdFitSummary *summary,
                            const CbdFitResult  *result,
                            CbdJsonWriter       *writer)
{
  g_return_if_fail (writer != NULL);

  cbd_json_key (writer, "summary");
  if (summary == NULL)
    {
      cbd_json_null (writer);
      return;
    }
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "n", summary->n);
  cbd_json_member_double (writer, "mean_porosity", summary->mean_porosity);
  cbd_json_member_double (writer, "mean_sigma_rel", summary->mean_sigma_rel);
  cbd_json_member_double (writer, "mean_tau", summary->mean_tau);
  cbd_json_member_double (writer, "mean_porosity_over_mean_tau",
                          summary->mean_porosity_over_mean_tau);
  cbd_json_member_double (writer, "bruggeman_at_mean_porosity",
                          summary->bruggeman_at_mean_porosity);
  /* NaN is written as null */
  cbd_json_member_double (writer, "fit_at_mean_porosity",
                          result != NULL ? cbd_fit_evaluate (result, summary->mean_porosity, NULL, NULL)
                                         : NAN);
  cbd_json_end_object (writer);
}
