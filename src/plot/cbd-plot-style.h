/* cbd-plot-style.h — fonts and line widths shared by every figure
 *
 * Sizes are in the user units of the cairo context a figure is drawn to:
 * points when exporting (cbd-plot-export.h), device pixels in a widget.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     font_family[64];   /* fontconfig family, default "sans-serif" */
  double   font_size;         /* axis labels, legend; default 9 */
  double   tick_font_size;    /* tick labels; default 8 */
  double   line_width;        /* curves; default 1.0 (axes use 0.8 of it) */
  double   marker_size;       /* marker diameter; default 4.5 */
  gboolean grid;              /* light grid at the major ticks; default TRUE */
} CbdPlotStyle;

/* Sizes for a figure printed at about 4.5 x 3.4 inches (its export size
 * in points, cbd-plot-export.h), readable in a journal column. */
void cbd_plot_style_init        (CbdPlotStyle *style);

/* The same proportions for a screen: @font_size in device pixels. */
void cbd_plot_style_init_screen (CbdPlotStyle *style,
                                 double        font_size);

G_END_DECLS
