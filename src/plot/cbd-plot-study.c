/* cbd-plot-study.c — the figures of a study
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <errno.h>
#include <math.h>

#include <glib/gstdio.h>

#include "cbd-plot-study.h"

static const char *const figure_names[CBD_STUDY_N_FIGURES] = {
  [CBD_STUDY_FIGURE_ALL_CUTOUTS] = "correlation-all",
  [CBD_STUDY_FIGURE_FIT] = "correlation-fit",
  [CBD_STUDY_FIGURE_LITERATURE] = "correlation-literature",
  [CBD_STUDY_FIGURE_PSD] = "psd",
};

const char *
cbd_study_figure_name (CbdStudyFigure figure)
{
  g_return_val_if_fail (figure < CBD_STUDY_N_FIGURES, NULL);
  return figure_names[figure];
}

/* One point per cutout, in study order (so a point's index is its cutout's):
 * NaN for cutouts not analysed yet, which are not drawn. */
static void
set_points (CbdPlotCorrelation *plot, CbdStudy *study)
{
  guint n = cbd_study_get_n_cutouts (study);
  g_autofree double *porosity = g_new (double, MAX (n, 1));
  g_autofree double *sigma = g_new (double, MAX (n, 1));
  g_autofree double *std = g_new (double, MAX (n, 1));
  g_autofree gboolean *accepted = g_new (gboolean, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      if (cbd_study_get_result (study, i, &result))
        {
          porosity[i] = result.porosity;
          sigma[i] = result.sigma_rel_mean;
          std[i] = result.sigma_rel_std;
        }
      else
        porosity[i] = sigma[i] = std[i] = NAN;
      accepted[i] = cbd_cutout_result_is_accepted (&result);
    }
  cbd_plot_correlation_set_points (plot, porosity, sigma, std, accepted, n);
}

CbdPlotCorrelation *
cbd_plot_study_correlation (CbdStudy       *study,
                            CbdStudyFigure  figure,
                            GPtrArray      *references)
{
  CbdPlotCorrelation *plot;
  CbdFitResult fit;
  CbdFitSummary summary;
  gboolean have_fit;

  g_return_val_if_fail (study != NULL, NULL);

  if (figure != CBD_STUDY_FIGURE_ALL_CUTOUTS && figure != CBD_STUDY_FIGURE_FIT &&
      figure != CBD_STUDY_FIGURE_LITERATURE)
    return NULL;

  plot = cbd_plot_correlation_new ();
  set_points (plot, study);
  have_fit = cbd_study_fit (study, TRUE, &fit, &summary, NULL);
  if (have_fit)
    {
      cbd_plot_correlation_set_fit (plot, &fit);
      cbd_plot_correlation_set_summary (plot, &summary);
    }

  switch (figure)
    {
    case CBD_STUDY_FIGURE_ALL_CUTOUTS:
      cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_REJECTED |
                                             CBD_PLOT_LAYER_ERROR_BARS | CBD_PLOT_LAYER_LEGEND);
      break;
    case CBD_STUDY_FIGURE_FIT:
      cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_ERROR_BARS |
                                             CBD_PLOT_LAYER_FIT | CBD_PLOT_LAYER_FIT_BAND |
                                             CBD_PLOT_LAYER_MEAN | CBD_PLOT_LAYER_LEGEND |
                                             CBD_PLOT_LAYER_FIT_TEXT);
      break;
    case CBD_STUDY_FIGURE_LITERATURE:
      if (references != NULL)
        cbd_plot_correlation_set_references (plot, references);
      cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_FIT |
                                             CBD_PLOT_LAYER_FIT_BAND | CBD_PLOT_LAYER_MEAN |
                                             CBD_PLOT_LAYER_BRUGGEMAN |
                                             CBD_PLOT_LAYER_REFERENCES | CBD_PLOT_LAYER_LEGEND);
      /* the literature spans two decades of sigma_rel */
      cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LINEAR, CBD_PLOT_SCALE_LOG);
      break;
    default:
      g_assert_not_reached ();
    }
  return plot;
}

CbdPlotPsd *
cbd_plot_study_psd (CbdStudy *study)
{
  static const struct
  {
    CbdStudyPsdKind kind;
    const char     *intrusion_label;
    const char     *thickness_label;
  } kinds[] = {
    { CBD_STUDY_PSD_STACK, "Intrusion, whole stack", "Local thickness, whole stack" },
    { CBD_STUDY_PSD_ACCEPTED, "Intrusion, accepted cutouts", "Local thickness, accepted cutouts" },
  };
  CbdPlotPsd *plot = NULL;

  g_return_val_if_fail (study != NULL, NULL);

  for (guint pass = 0; pass < 2; pass++)
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        g_autoptr(CbdStudyPsd) psd = cbd_study_get_psd (study, kinds[k].kind);

        gsize first = 0;

        if (psd == NULL)
          continue;
        if (plot == NULL)
          plot = cbd_plot_psd_new ();
        /* the diameters run up to the stack's edge: start one row above the
         * largest pore, so the axis spans the pores, not the empty rows */
        while (first + 1 < psd->n_diameters && psd->thickness_cumulative[first + 1] == 0 &&
               psd->intruded_fraction[first + 1] == 0)
          first++;
        /* intrusion curves first, then the local thickness ones */
        if (pass == 0)
          cbd_plot_psd_add_series (plot, kinds[k].intrusion_label, psd->diameter_nm + first,
                                   psd->intruded_fraction + first, psd->dv_dlogd + first,
                                   psd->n_diameters - first);
        else
          cbd_plot_psd_add_series (plot, kinds[k].thickness_label, psd->diameter_nm + first,
                                   psd->thickness_cumulative + first,
                                   psd->thickness_dv_dlogd + first, psd->n_diameters - first);
      }
  return plot;
}

gboolean
cbd_plot_study_export_figures (CbdStudy   *study,
                               GPtrArray  *references,
                               const char *directory,
                               GPtrArray  *written,
                               GError    **error)
{
  static const CbdPlotFormat formats[] = {
    CBD_PLOT_FORMAT_SVG, CBD_PLOT_FORMAT_PNG, CBD_PLOT_FORMAT_PDF,
  };

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);

  if (g_mkdir_with_parents (directory, 0777) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the folder %s: %s", directory, g_strerror (saved));
      return FALSE;
    }

  for (guint figure = 0; figure < CBD_STUDY_N_FIGURES; figure++)
    {
      g_autoptr(CbdPlotCorrelation) correlation = NULL;
      g_autoptr(CbdPlotPsd) psd = NULL;

      if (figure == CBD_STUDY_FIGURE_PSD)
        {
          psd = cbd_plot_study_psd (study);
          if (psd == NULL)
            continue;
        }
      else
        correlation = cbd_plot_study_correlation (study, figure, references);

      for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", figure_names[figure],
                                                   cbd_plot_format_to_string (formats[f]));
          g_autofree char *path = g_build_filename (directory, name, NULL);
          gboolean ok;

          if (psd != NULL)
            ok = cbd_plot_psd_export (psd, path, formats[f], CBD_PLOT_DEFAULT_WIDTH_PT,
                                      CBD_PLOT_DEFAULT_HEIGHT_PT * 1.4, CBD_PLOT_DEFAULT_DPI,
                                      error);
          else
            {
              /* the literature's long legend needs room beside the data */
              double scale = figure == CBD_STUDY_FIGURE_LITERATURE ? 1.35 : 1.0;

              ok = cbd_plot_correlation_export (correlation, path, formats[f],
                                                scale * CBD_PLOT_DEFAULT_WIDTH_PT,
                                                scale * CBD_PLOT_DEFAULT_HEIGHT_PT,
                                                CBD_PLOT_DEFAULT_DPI, error);
            }
          if (!ok)
            return FALSE;
          if (written != NULL)
            g_ptr_array_add (written, g_steal_pointer (&path));
        }
    }
  return TRUE;
}
