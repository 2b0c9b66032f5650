/* cbd-plot-study.h — the figures of a study, set up the same way for the
 * CLI's `analyze` and the app's export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-plot-correlation.h"
#include "cbd-plot-psd.h"
#include "cbd-study.h"

G_BEGIN_DECLS

typedef enum
{
  CBD_STUDY_FIGURE_ALL_CUTOUTS,  /* sigma_rel vs porosity of every cutout, accepted
                                  * and rejected (the paper's Fig. 2a) */
  CBD_STUDY_FIGURE_FIT,          /* accepted cutouts, the weighted fit, its band and
                                  * the mean point (Fig. 3a) */
  CBD_STUDY_FIGURE_LITERATURE,   /* the fit against Bruggeman and the literature,
                                  * log sigma_rel (Fig. 4) */
  CBD_STUDY_FIGURE_PSD,          /* simulated intrusion and local thickness of the
                                  * stack and of the accepted cutouts (Fig. 2b) */
  CBD_STUDY_N_FIGURES
} CbdStudyFigure;

/* The file name without extension: "correlation-all", "correlation-fit",
 * "correlation-literature", "psd". */
const char         *cbd_study_figure_name           (CbdStudyFigure figure);

/* A plot holding the study's current results (NULL for the PSD figure
 * or the other kind). @references: (nullable) the literature table
 * (cbd-references.h), used by the literature figure. */
CbdPlotCorrelation *cbd_plot_study_correlation      (CbdStudy       *study,
                                                     CbdStudyFigure  figure,
                                                     GPtrArray      *references);
/* NULL when the study has no distribution yet. */
CbdPlotPsd         *cbd_plot_study_psd              (CbdStudy       *study);

/* Every figure as SVG, PNG (300 dpi) and PDF at the default size into
 * @directory (created when missing); the paths written are appended to
 * @written (nullable, g_free()d strings). A figure without data (the PSD
 * before any distribution) is skipped. */
gboolean            cbd_plot_study_export_figures   (CbdStudy       *study,
                                                     GPtrArray      *references,
                                                     const char     *directory,
                                                     GPtrArray      *written,
                                                     GError        **error);

G_END_DECLS
