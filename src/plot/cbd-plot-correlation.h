/* cbd-plot-correlation.h — relative ionic conductivity against porosity:
 * the cutouts, the weighted power-law fit with its confidence band, the mean
 * point, Bruggeman and the literature (the paper's Figures 2a, 3a and 4)
 *
 * A CbdPlotCorrelation holds copies of its data and is drawn to any cairo
 * context at any size; the layout (and so hit-testing) depends only on the
 * data, the options and the size. Not thread-safe: use one per thread, or
 * the main thread only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "cbd-fit.h"
#include "cbd-plot-axis.h"
#include "cbd-plot-export.h"
#include "cbd-plot-style.h"

G_BEGIN_DECLS

typedef struct _CbdPlotCorrelation CbdPlotCorrelation;

/* What is drawn; all but CBD_PLOT_LAYER_REJECTED by default (Fig. 3a
 * without the literature, which is Fig. 4). */
typedef enum
{
  CBD_PLOT_LAYER_ACCEPTED   = 1 << 0,
  CBD_PLOT_LAYER_REJECTED   = 1 << 1,
  CBD_PLOT_LAYER_ERROR_BARS = 1 << 2,
  CBD_PLOT_LAYER_FIT        = 1 << 3,
  CBD_PLOT_LAYER_FIT_BAND   = 1 << 4,
  CBD_PLOT_LAYER_MEAN       = 1 << 5,
  CBD_PLOT_LAYER_BRUGGEMAN  = 1 << 6,
  CBD_PLOT_LAYER_REFERENCES = 1 << 7,
  CBD_PLOT_LAYER_LEGEND     = 1 << 8,
  CBD_PLOT_LAYER_FIT_TEXT   = 1 << 9,
} CbdPlotLayers;

#define CBD_PLOT_LAYERS_DEFAULT                                                   \
  (CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_ERROR_BARS | CBD_PLOT_LAYER_FIT |     \
   CBD_PLOT_LAYER_FIT_BAND | CBD_PLOT_LAYER_MEAN | CBD_PLOT_LAYER_BRUGGEMAN |     \
   CBD_PLOT_LAYER_LEGEND | CBD_PLOT_LAYER_FIT_TEXT)

CbdPlotCorrelation *cbd_plot_correlation_new   (void);
CbdPlotCorrelation *cbd_plot_correlation_ref   (CbdPlotCorrelation *plot);
void                cbd_plot_correlation_unref (CbdPlotCorrelation *plot);

/* The cutouts: porosity, sigma_rel, its x/y/z spread (NULL or NaN for no
 * error bar) and whether each was accepted (NULL: all). Copied. Points
 * with a non-finite or, on a log axis, non-positive value are not drawn. */
void cbd_plot_correlation_set_points     (CbdPlotCorrelation *plot,
                                          const double       *porosity,
                                          const double       *sigma_rel,
                                          const double       *sigma_rel_std,
                                          const gboolean     *accepted,
                                          gsize               n_points);
/* NULL removes the fit. Copied. */
void cbd_plot_correlation_set_fit        (CbdPlotCorrelation *plot,
                                          const CbdFitResult *fit);
/* The mean point: mean porosity and mean porosity over mean tortuosity
 * (the sigma_rel the means imply); NULL removes it. The mean tortuosity is
 * also shown in the fit text. Copied. */
void cbd_plot_correlation_set_summary    (CbdPlotCorrelation  *plot,
                                          const CbdFitSummary *summary);
/* A GPtrArray of CbdReference (cbd-references.h), kept by reference; NULL
 * removes them. The "bruggeman" row is drawn by CBD_PLOT_LAYER_BRUGGEMAN
 * (built in when no table is set), the others by
 * CBD_PLOT_LAYER_REFERENCES. */
void cbd_plot_correlation_set_references (CbdPlotCorrelation *plot,
                                          GPtrArray          *references);
/* Hide or show one reference by key (all are shown by default). */
void cbd_plot_correlation_set_reference_visible (CbdPlotCorrelation *plot,
                                                 const char         *key,
                                                 gboolean            visible);
void cbd_plot_correlation_set_layers     (CbdPlotCorrelation *plot,
                                          CbdPlotLayers       layers);
CbdPlotLayers cbd_plot_correlation_get_layers (CbdPlotCorrelation *plot);
void cbd_plot_correlation_set_scales     (CbdPlotCorrelation *plot,
                                          CbdPlotScale        x_scale,
                                          CbdPlotScale        y_scale);
/* Fixed axis ends; NaN for automatic (nice ends around what is shown). */
void cbd_plot_correlation_set_range      (CbdPlotCorrelation *plot,
                                          double              x_min,
                                          double              x_max,
                                          double              y_min,
                                          double              y_max);
/* A point drawn with a ring (the GUI's selection); -1 for none. */
void cbd_plot_correlation_set_highlight  (CbdPlotCorrelation *plot,
                                          gssize              index);
void cbd_plot_correlation_set_style      (CbdPlotCorrelation *plot,
                                          const CbdPlotStyle *style);
/* Axis titles; NULL restores the defaults ("Porosity ε (–)" and
 * "Relative ionic conductivity σ_{rel} (–)"). */
void cbd_plot_correlation_set_titles     (CbdPlotCorrelation *plot,
                                          const char         *x_title,
                                          const char         *y_title);

void cbd_plot_correlation_draw           (const CbdPlotCorrelation *plot,
                                          cairo_t                  *cr,
                                          double                    width,
                                          double                    height);
void cbd_plot_correlation_get_layout     (const CbdPlotCorrelation *plot,
                                          double                    width,
                                          double                    height,
                                          CbdPlotLayout            *layout);
/* The index of the drawn point nearest to (@x, @y) within @radius, in the
 * same user units as drawing at @width x @height; -1 when none is. Only
 * points that are drawn count (rejected ones only with their layer on). */
gssize cbd_plot_correlation_hit_test     (const CbdPlotCorrelation *plot,
                                          double                    width,
                                          double                    height,
                                          double                    x,
                                          double                    y,
                                          double                    radius);

gboolean cbd_plot_correlation_export     (const CbdPlotCorrelation *plot,
                                          const char               *path,
                                          CbdPlotFormat             format,
                                          double                    width_pt,
                                          double                    height_pt,
                                          double                    dpi,
                                          GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdPlotCorrelation, cbd_plot_correlation_unref)

G_END_DECLS
