/* cbd-plot-private.h — drawing helpers shared by the figures: rich text,
 * markers, colours, axes frames, legend and text boxes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "cbd-plot-axis.h"
#include "cbd-plot-style.h"

G_BEGIN_DECLS

typedef struct
{
  double r, g, b, a;
} PlotColor;

/* Okabe & Ito's colour-blind-safe palette, plus greys. */
extern const PlotColor plot_black, plot_grey, plot_light_grey, plot_white;
extern const PlotColor plot_orange, plot_sky_blue, plot_green, plot_blue;
extern const PlotColor plot_vermillion, plot_purple, plot_yellow, plot_brown;

void plot_set_color (cairo_t *cr, const PlotColor *color, double alpha_scale);

/* Font face and options (no hinting of metrics, so sizes measured on one
 * surface hold on every other: PNG, SVG, PDF, a widget). */
void     plot_setup_context   (cairo_t            *cr,
                               const CbdPlotStyle *style);
/* A scratch context for measuring text when nothing is being drawn. */
cairo_t *plot_measure_context (const CbdPlotStyle *style);

/* Text with _{subscript} and ^{superscript} runs, in UTF-8.
 * plot_text_size: advance width and the height of capitals at @size. */
void plot_text_size (cairo_t    *cr,
                     double      size,
                     const char *markup,
                     double     *width,
                     double     *cap_height);
/* @halign 0 left, 0.5 centre, 1 right of @x; @valign 0 puts the top of the
 * capitals at @y, 0.5 their middle, 1 the baseline. */
void plot_text_draw (cairo_t    *cr,
                     double      size,
                     const char *markup,
                     double      x,
                     double      y,
                     double      halign,
                     double      valign);

typedef enum
{
  PLOT_MARKER_NONE,
  PLOT_MARKER_CIRCLE,
  PLOT_MARKER_SQUARE,
  PLOT_MARKER_DIAMOND,
  PLOT_MARKER_TRIANGLE_UP,
  PLOT_MARKER_TRIANGLE_DOWN,
  PLOT_MARKER_STAR,
} PlotMarker;

void plot_marker_path (cairo_t   *cr,
                       PlotMarker marker,
                       double     x,
                       double     y,
                       double     size);
/* Filled with @fill when not NULL, outlined with @stroke when not NULL. */
void plot_draw_marker (cairo_t         *cr,
                       PlotMarker       marker,
                       double           x,
                       double           y,
                       double           size,
                       const PlotColor *fill,
                       const PlotColor *stroke,
                       double           line_width);

/* The plot area and its two axes. */
typedef struct
{
  double      x, y, width, height;
  CbdPlotAxis x_axis, y_axis;
  GArray     *x_ticks, *y_ticks;  /* CbdPlotTick */
} PlotFrame;

void plot_frame_clear (PlotFrame *frame);

/* Axis ranges from data extents (NaN extents: @fallback_lo..hi) or the
 * caller's fixed ends (non-NaN @fixed_lo/@fixed_hi). */
void plot_axis_range  (CbdPlotScale scale,
                       double       data_lo,
                       double       data_hi,
                       double       fixed_lo,
                       double       fixed_hi,
                       double       fallback_lo,
                       double       fallback_hi,
                       double      *lo,
                       double      *hi);

/* Margins for the tick labels and axis titles, then the mapping: fills
 * @frame (ticks computed here) inside the rectangle x0, y0, w, h. */
void plot_frame_layout (PlotFrame          *frame,
                        cairo_t            *measure,
                        const CbdPlotStyle *style,
                        CbdPlotScale        x_scale,
                        double              x_min,
                        double              x_max,
                        CbdPlotScale        y_scale,
                        double              y_min,
                        double              y_max,
                        gboolean            x_title,
                        gboolean            x_tick_labels,
                        gboolean            y_title,
                        double              x0,
                        double              y0,
                        double              w,
                        double              h);
void plot_frame_draw_grid (cairo_t            *cr,
                           const CbdPlotStyle *style,
                           const PlotFrame    *frame);
void plot_frame_draw_axes (cairo_t            *cr,
                           const CbdPlotStyle *style,
                           const PlotFrame    *frame,
                           const char         *x_title,
                           gboolean            x_tick_labels,
                           const char         *y_title);
void plot_frame_clip      (cairo_t            *cr,
                           const PlotFrame    *frame);

/* Legend and text boxes: rows of an optional symbol and a line of text. */
typedef enum
{
  PLOT_SYMBOL_NONE,
  PLOT_SYMBOL_MARKER,
  PLOT_SYMBOL_LINE,
  PLOT_SYMBOL_BAND,
  PLOT_SYMBOL_BAR,      /* a vertical range bar with caps */
} PlotSymbolKind;

typedef struct
{
  PlotSymbolKind kind;
  PlotMarker     marker;
  PlotColor      fill, stroke;
  gboolean       filled;
  double         dash;          /* 0 solid, else dash length in line widths */
  char          *text;
} PlotBoxRow;

#define PLOT_BOX_MAX_COLUMNS 4

typedef struct
{
  GArray *rows;                 /* PlotBoxRow */
  guint   columns;              /* rows fill columns top to bottom; default 1 */
  double  scale;                /* of the style's font size; default 1 */
  double  column_width[PLOT_BOX_MAX_COLUMNS];
  double  width, height;        /* after plot_box_measure */
  double  x, y;                 /* top-left after placement */
} PlotBox;

void plot_box_init     (PlotBox *box);
void plot_box_clear    (PlotBox *box);
PlotBoxRow *plot_box_add (PlotBox        *box,
                          PlotSymbolKind  kind,
                          const char     *text);
void plot_box_measure  (PlotBox            *box,
                        cairo_t            *measure,
                        const CbdPlotStyle *style);
/* Puts @box inside @frame where it hides the fewest data @points (device x,
 * y pairs; they count most), then the fewest @curve samples, overlapping
 * none of the @taken boxes; candidates are the corners and edge middles,
 * preferred in the order upper left, lower right, upper right, lower left.
 * Either array may be NULL. Sets *@points_hidden (may be NULL). FALSE when
 * the box does not fit in the plot area at all. */
gboolean plot_box_place (PlotBox          *box,
                         const PlotFrame  *frame,
                         const GArray     *points,
                         const GArray     *curves,
                         const PlotBox   **taken,
                         guint             n_taken,
                         double            margin,
                         gsize            *points_hidden);
void plot_box_draw     (cairo_t            *cr,
                        const CbdPlotStyle *style,
                        const PlotBox      *box);

void plot_set_dash (cairo_t *cr, double dash, double line_width);

G_END_DECLS
