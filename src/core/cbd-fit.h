/* cbd-fit.h — the power law sigma_rel = gamma * eps^alpha, fitted by weighted
 * nonlinear least squares (GSL), with intervals, a log-log comparison fit and
 * a bootstrap over points
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-json.h"

G_BEGIN_DECLS

#define CBD_FIT_ERROR (cbd_fit_error_quark ())

typedef enum
{
  CBD_FIT_ERROR_TOO_FEW_POINTS,   /* fewer than 3 included points */
  CBD_FIT_ERROR_INVALID_DATA,     /* non-finite or out-of-range value */
  CBD_FIT_ERROR_DEGENERATE,       /* every porosity the same: alpha undefined */
  CBD_FIT_ERROR_NO_CONVERGENCE,
  CBD_FIT_ERROR_FAILED,           /* GSL reported an error */
} CbdFitError;

/* How points are weighted.
 *
 * CBD_FIT_WEIGHT_SPREAD (default): w_i = 1 / s_i^2 with
 *   s_i = max (sigma_rel_std_i, std_floor_relative * sigma_rel_i),
 *   i.e. the x/y/z spread of a cutout is its uncertainty, but no cutout is
 *   trusted more than to std_floor_relative (default 5 %) of its own value,
 *   so one whose three axes happen to agree cannot dominate the fit. A point
 *   whose spread is missing (NaN) gets the median relative spread of the
 *   others. Without any spread (sigma_rel_std NULL or all NaN) the fit is
 *   unweighted.
 * CBD_FIT_WEIGHT_NONE: every point weighs 1 (ordinary least squares in
 *   sigma_rel). */
typedef enum
{
  CBD_FIT_WEIGHT_SPREAD,
  CBD_FIT_WEIGHT_NONE,
} CbdFitWeighting;

typedef struct
{
  CbdFitWeighting weighting;
  double          std_floor_relative;  /* default 0.05 */
  double          confidence;          /* default 0.95 */
  guint           n_bootstrap;         /* resamples; 0 = none; default 1000 */
  guint64         seed;                /* bootstrap seed; default 1 */
} CbdFitOptions;

/* The log-log line ln sigma_rel = ln gamma + alpha ln eps, fitted by linear
 * least squares with weights w_i * sigma_rel_i^2 (the same relative
 * uncertainties carried into log space; 1 when unweighted). */
typedef struct
{
  double gamma, alpha;
  double ln_gamma, ln_gamma_se, alpha_se;
  double gamma_ci[2], alpha_ci[2];    /* gamma's interval is exp of ln gamma's */
  double r2;                          /* in log space */
} CbdFitLogLog;

typedef struct
{
  guint           n;                  /* points fitted */
  guint           dof;                /* n - 2 */
  CbdFitWeighting weighting;          /* what was actually used */
  double          confidence;
  double          t_quantile;         /* Student t at (1 + confidence) / 2, dof */

  double          gamma, alpha;
  double          gamma_se, alpha_se; /* sqrt (diag (covariance)) */
  double          gamma_ci[2], alpha_ci[2];
  /* of (gamma, alpha): (J^T W J)^-1 scaled by the reduced chi^2 */
  double          covariance[2][2];
  double          chi2;               /* sum w_i (model_i - sigma_rel_i)^2 */
  double          chi2_reduced;
  double          r2;                 /* 1 - chi2 / sum w_i (sigma_i - weighted mean)^2 */
  guint           iterations;

  CbdFitLogLog    loglog;

  /* Percentile intervals over resamples of the points (with replacement),
   * each refitted like the full set; NaN without a bootstrap. */
  guint           bootstrap_requested;
  guint           bootstrap_used;     /* resamples that gave a fit */
  guint64         bootstrap_seed;
  double          bootstrap_gamma_ci[2], bootstrap_alpha_ci[2];
  double          bootstrap_gamma_se, bootstrap_alpha_se;
} CbdFitResult;

/* Mean quantities the paper reports, over the included points. */
typedef struct
{
  guint  n;
  double mean_porosity;
  double mean_sigma_rel;
  double mean_tau;                     /* mean of eps_i / sigma_rel_i */
  double mean_porosity_over_mean_tau;  /* sigma_rel implied by the means */
  double bruggeman_at_mean_porosity;   /* mean_porosity^1.5 */
} CbdFitSummary;

GQuark   cbd_fit_error_quark   (void);

void     cbd_fit_options_init  (CbdFitOptions *options);

/* Fits sigma_rel = gamma * porosity^alpha over the points with include[i]
 * (all when include is NULL). Porosities must lie in (0, 1], sigma_rel be
 * positive and finite, spreads non-negative or NaN (missing);
 * sigma_rel_std may be NULL. @options may be NULL for the defaults. */
gboolean cbd_fit_power_law     (const double        *porosity,
                                const double        *sigma_rel,
                                const double        *sigma_rel_std,
                                const gboolean      *include,
                                gsize                n_points,
                                const CbdFitOptions *options,
                                CbdFitResult        *result,
                                GError             **error);

/* The fitted sigma_rel at @porosity; with @lower/@upper (either may be NULL)
 * the confidence band of the fitted curve there (delta method:
 * f +- t * sqrt (g^T C g), g = (eps^alpha, gamma eps^alpha ln eps)). */
double   cbd_fit_evaluate      (const CbdFitResult  *result,
                                double               porosity,
                                double              *lower,
                                double              *upper);

gboolean cbd_fit_summarize     (const double        *porosity,
                                const double        *sigma_rel,
                                const gboolean      *include,
                                gsize                n_points,
                                CbdFitSummary       *summary,
                                GError             **error);

const char *cbd_fit_weighting_to_string (CbdFitWeighting weighting);

/* The members of a fit into an open JSON object: gamma, alpha, gamma_se,
 * alpha_se, r2, n, confidence, gamma_ci, alpha_ci, covariance, chi2,
 * chi2_reduced, dof, t_quantile, iterations, weighting, loglog{} and
 * bootstrap{} (the same keys in `cbdscope-cli fit --json` and fit.json). */
void cbd_fit_result_write_json  (const CbdFitResult  *result,
                                 CbdJsonWriter       *writer);
/* The member "summary": {n, mean_porosity, mean_sigma_rel, mean_tau,
 * mean_porosity_over_mean_tau, bruggeman_at_mean_porosity,
 * fit_at_mean_porosity (null without @result)}, or null without @summary. */
void cbd_fit_summary_write_json (const CbdFitSummary *summary,
                                 const CbdFitResult  *result,
                                 CbdJsonWriter       *writer);

G_END_DECLS
