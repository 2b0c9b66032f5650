/* cbd-plot-view.h — a libcbdplot figure (correlation or pore sizes) in a
 * widget, with hover names and clickable points
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-plot-correlation.h"
#include "cbd-plot-psd.h"

G_BEGIN_DECLS

#define CBD_TYPE_PLOT_VIEW (cbd_plot_view_get_type ())

G_DECLARE_FINAL_TYPE (CbdPlotView, cbd_plot_view, CBD, PLOT_VIEW, GtkWidget)

GtkWidget          *cbd_plot_view_new             (void);
/* Shows @plot (referenced; NULL: nothing) and redraws. */
void                cbd_plot_view_set_correlation (CbdPlotView        *self,
                                                   CbdPlotCorrelation *plot);
CbdPlotCorrelation *cbd_plot_view_get_correlation (CbdPlotView        *self);
void                cbd_plot_view_set_psd         (CbdPlotView        *self,
                                                   CbdPlotPsd         *plot);
CbdPlotPsd         *cbd_plot_view_get_psd         (CbdPlotView        *self);
/* Names shown when hovering point i (copied; NULL: none). */
void                cbd_plot_view_set_point_names (CbdPlotView        *self,
                                                   const char * const *names);
/* The point under widget position (@x, @y), -1 for none. */
gssize              cbd_plot_view_hit_test        (CbdPlotView        *self,
                                                   double              x,
                                                   double              y);
/* The tooltip at (@x, @y): the point's name, NULL off the points. */
char               *cbd_plot_view_dup_hover_text  (CbdPlotView        *self,
                                                   double              x,
                                                   double              y);

G_END_DECLS
