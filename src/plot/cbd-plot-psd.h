/* cbd-plot-psd.h — pore size distributions: cumulative volume (top) and
 * dV/dlog D (bottom) against the pore diameter in nm on a log axis, one
 * curve per series (e.g. simulated intrusion of the whole stack and of the
 * accepted cutouts, local thickness) — the paper's Figure 2b
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "cbd-plot-axis.h"
#include "cbd-plot-export.h"
#include "cbd-plot-style.h"

G_BEGIN_DECLS

typedef struct _CbdPlotPsd CbdPlotPsd;

CbdPlotPsd *cbd_plot_psd_new        (void);
CbdPlotPsd *cbd_plot_psd_ref        (CbdPlotPsd *plot);
void        cbd_plot_psd_unref      (CbdPlotPsd *plot);

void        cbd_plot_psd_clear      (CbdPlotPsd *plot);
/* One series: @n diameters (nm; non-positive or non-finite ones are
 * skipped) with the cumulative volume and dV/dlog D at each; either array
 * may be NULL when the series has no such curve. Points are drawn in order
 * of diameter. Copied. */
void        cbd_plot_psd_add_series (CbdPlotPsd   *plot,
                                     const char   *label,
                                     const double *diameter_nm,
                                     const double *cumulative,
                                     const double *density,
                                     gsize         n);
/* Axis titles; NULL restores the defaults ("Pore diameter D (nm)",
 * "Cumulative pore volume (–)", "dV/dlog D (–)"). */
void        cbd_plot_psd_set_titles (CbdPlotPsd   *plot,
                                     const char   *diameter_title,
                                     const char   *cumulative_title,
                                     const char   *density_title);
/* Fixed diameter range in nm; NaN for automatic (whole decades). */
void        cbd_plot_psd_set_diameter_range (CbdPlotPsd *plot,
                                             double      min_nm,
                                             double      max_nm);
void        cbd_plot_psd_set_style  (CbdPlotPsd         *plot,
                                     const CbdPlotStyle *style);

void        cbd_plot_psd_draw       (const CbdPlotPsd *plot,
                                     cairo_t          *cr,
                                     double            width,
                                     double            height);
/* The two panels' areas and axes (a panel without data has zero size). */
void        cbd_plot_psd_get_layout (const CbdPlotPsd *plot,
                                     double            width,
                                     double            height,
                                     CbdPlotLayout    *cumulative,
                                     CbdPlotLayout    *density);
gboolean    cbd_plot_psd_export     (const CbdPlotPsd *plot,
                                     const char       *path,
                                     CbdPlotFormat     format,
                                     double            width_pt,
                                     double            height_pt,
                                     double            dpi,
                                     GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdPlotPsd, cbd_plot_psd_unref)

G_END_DECLS
