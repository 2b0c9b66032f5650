/* cbd-plot-export.h — writing a figure to PNG, SVG or PDF
 *
 * Files are written whole to a temporary file next to the target and
 * renamed over it, so a failed export never leaves a half-written figure
 * (nor destroys the previous one).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define CBD_PLOT_ERROR (cbd_plot_error_quark ())

typedef enum
{
  CBD_PLOT_ERROR_FORMAT,    /* unknown format or bad size */
  CBD_PLOT_ERROR_CAIRO,     /* cairo failed to draw or encode */
  CBD_PLOT_ERROR_IO,        /* the file could not be written */
} CbdPlotError;

typedef enum
{
  CBD_PLOT_FORMAT_PNG,
  CBD_PLOT_FORMAT_SVG,
  CBD_PLOT_FORMAT_PDF,
} CbdPlotFormat;

/* A figure's size when nothing else is asked for: 4.5 x 3.4 inches. */
#define CBD_PLOT_DEFAULT_WIDTH_PT  324.0
#define CBD_PLOT_DEFAULT_HEIGHT_PT 245.0
#define CBD_PLOT_DEFAULT_DPI       300.0
/* Double-column width, 7 x 4.2 inches: the size for a figure with many
 * legend entries (the correlation with every literature reference), which
 * at the default size has to shrink its legend or cover data. */
#define CBD_PLOT_WIDE_WIDTH_PT     504.0
#define CBD_PLOT_WIDE_HEIGHT_PT    302.0

/* Draws a figure into @cr, whose user units span @width x @height. */
typedef void (*CbdPlotDrawFunc) (gconstpointer figure,
                                 cairo_t      *cr,
                                 double        width,
                                 double        height);

GQuark      cbd_plot_error_quark      (void);

/* From the file name's extension (.png, .svg, .pdf; any case). */
gboolean    cbd_plot_format_from_path (const char    *path,
                                       CbdPlotFormat *format);
const char *cbd_plot_format_to_string (CbdPlotFormat  format);

/* Draws @figure at @width_pt x @height_pt points and writes it to @path.
 * PNG: (width_pt * dpi / 72) x (height_pt * dpi / 72) pixels on white,
 * with the resolution recorded in a pHYs chunk; SVG and PDF: vector, @dpi
 * unused. */
gboolean    cbd_plot_export           (CbdPlotDrawFunc draw,
                                       gconstpointer   figure,
                                       const char     *path,
                                       CbdPlotFormat   format,
                                       double          width_pt,
                                       double          height_pt,
                                       double          dpi,
                                       GError        **error);

G_END_DECLS
