/* cbd-plot-draw.c — drawing helpers shared by the figures: rich text,
 * markers, colours, axes frames, legend and text boxes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-plot-private.h"

const PlotColor plot_black = { 0, 0, 0, 1 };
const PlotColor plot_grey = { 0.55, 0.55, 0.55, 1 };
const PlotColor plot_light_grey = { 0.88, 0.88, 0.88, 1 };
const PlotColor plot_white = { 1, 1, 1, 1 };
const PlotColor plot_orange = { 0.902, 0.624, 0.0, 1 };
const PlotColor plot_sky_blue = { 0.337, 0.706, 0.914, 1 };
const PlotColor plot_green = { 0.0, 0.620, 0.451, 1 };
const PlotColor plot_yellow = { 0.941, 0.894, 0.259, 1 };
const PlotColor plot_blue = { 0.0, 0.447, 0.698, 1 };
const PlotColor plot_vermillion = { 0.835, 0.369, 0.0, 1 };
const PlotColor plot_purple = { 0.800, 0.475, 0.655, 1 };
const PlotColor plot_brown = { 0.55, 0.34, 0.16, 1 };

/* Relative to the font size: sub/superscripts and the layout spacings. */
#define SCRIPT_SCALE 0.7
#define SUPERSCRIPT_RISE 0.38
#define SUBSCRIPT_DROP 0.16

void
cbd_plot_style_init (CbdPlotStyle *style)
{
  g_return_if_fail (style != NULL);

  memset (style, 0, sizeof *style);
  g_strlcpy (style->font_family, "sans-serif", sizeof style->font_family);
  style->font_size = 9.0;
  style->tick_font_size = 8.0;
  style->line_width = 1.0;
  style->marker_size = 4.5;
  style->grid = TRUE;
}

void
cbd_plot_style_init_screen (CbdPlotStyle *style,
                            double        font_size)
{
  double scale = font_size / 9.0;

  cbd_plot_style_init (style);
  style->font_size = font_size;
  style->tick_font_size = 8.0 * scale;
  style->line_width = 1.0 * scale;
  style->marker_size = 4.5 * scale;
}

void
plot_set_color (cairo_t *cr, const PlotColor *color, double alpha_scale)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, color->a * alpha_scale);
}

void
plot_set_dash (cairo_t *cr, double dash, double line_width)
{
  if (dash > 0)
    {
      double pattern[2] = { dash * line_width, 0.6 * dash * line_width };
      cairo_set_dash (cr, pattern, 2, 0);
    }
  else if (dash < 0)
    {
      /* dotted: round dots */
      double pattern[2] = { 0.01, -dash * line_width };
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_dash (cr, pattern, 2, 0);
    }
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

void
plot_setup_context (cairo_t            *cr,
                    const CbdPlotStyle *style)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
  cairo_select_font_face (cr, style->font_family, CAIRO_FONT_SLANT_NORMAL,
                          CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
}

cairo_t *
plot_measure_context (const CbdPlotStyle *style)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  plot_setup_context (cr, style);
  return cr;
}

/* Runs of the markup: plain text, _{sub}, ^{sup}. */
typedef struct
{
  char *text;
  int   shift;   /* 0 plain, -1 sub, +1 sup */
} Run;

static GArray *
parse_markup (const char *markup)
{
  GArray *runs = g_array_new (FALSE, FALSE, sizeof (Run));
  GString *plain = g_string_new (NULL);
  const char *p = markup;

  while (*p)
    {
      if ((p[0] == '_' || p[0] == '^') && p[1] == '{')
        {
          const char *close = strchr (p + 2, '}');

          if (close != NULL)
            {
              Run run;

              if (plain->len > 0)
                {
                  run = (Run) { g_strndup (plain->str, plain->len), 0 };
                  g_array_append_val (runs, run);
                  g_string_truncate (plain, 0);
                }
              run = (Run) { g_strndup (p + 2, close - (p + 2)), p[0] == '^' ? 1 : -1 };
              g_array_append_val (runs, run);
              p = close + 1;
              continue;
            }
        }
      g_string_append_c (plain, *p);
      p++;
    }
  if (plain->len > 0)
    {
      Run run = { g_strndup (plain->str, plain->len), 0 };
      g_array_append_val (runs, run);
    }
  g_string_free (plain, TRUE);
  return runs;
}

static void
free_runs (GArray *runs)
{
  for (guint i = 0; i < runs->len; i++)
    g_free (g_array_index (runs, Run, i).text);
  g_array_unref (runs);
}

static double
cap_height (cairo_t *cr, double size)
{
  cairo_text_extents_t extents;

  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, "H", &extents);
  return -extents.y_bearing;
}

void
plot_text_size (cairo_t    *cr,
                double      size,
                const char *markup,
                double     *width,
                double     *cap)
{
  GArray *runs = parse_markup (markup);
  double total = 0;

  for (guint i = 0; i < runs->len; i++)
    {
      const Run *run = &g_array_index (runs, Run, i);
      cairo_text_extents_t extents;

      cairo_set_font_size (cr, run->shift != 0 ? size * SCRIPT_SCALE : size);
      cairo_text_extents (cr, run->text, &extents);
      total += extents.x_advance;
    }
  free_runs (runs);
  if (width != NULL)
    *width = total;
  if (cap != NULL)
    *cap = cap_height (cr, size);
}

void
plot_text_draw (cairo_t    *cr,
                double      size,
                const char *markup,
                double      x,
                double      y,
                double      halign,
                double      valign)
{
  GArray *runs;
  double width, cap, baseline, pen;

  plot_text_size (cr, size, markup, &width, &cap);
  baseline = y + (1.0 - valign) * cap;
  pen = x - halign * width;
  runs = parse_markup (markup);
  for (guint i = 0; i < runs->len; i++)
    {
      const Run *run = &g_array_index (runs, Run, i);
      double shift = run->shift > 0 ? -SUPERSCRIPT_RISE * size
                   : run->shift < 0 ? SUBSCRIPT_DROP * size : 0.0;
      cairo_text_extents_t extents;

      cairo_set_font_size (cr, run->shift != 0 ? size * SCRIPT_SCALE : size);
      cairo_text_extents (cr, run->text, &extents);
      cairo_move_to (cr, pen, baseline + shift);
      cairo_show_text (cr, run->text);
      pen += extents.x_advance;
    }
  cairo_new_path (cr);
  free_runs (runs);
}

void
plot_marker_path (cairo_t   *cr,
                  PlotMarker marker,
                  double     x,
                  double     y,
                  double     size)
{
  double r = size / 2;

  switch (marker)
    {
    case PLOT_MARKER_NONE:
      break;
    case PLOT_MARKER_CIRCLE:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      cairo_close_path (cr);
      break;
    case PLOT_MARKER_SQUARE:
      r *= 0.9;
      cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
      break;
    case PLOT_MARKER_DIAMOND:
      r *= 1.25;
      cairo_move_to (cr, x, y - r);
      cairo_line_to (cr, x + r * 0.8, y);
      cairo_line_to (cr, x, y + r);
      cairo_line_to (cr, x - r * 0.8, y);
      cairo_close_path (cr);
      break;
    case PLOT_MARKER_TRIANGLE_UP:
    case PLOT_MARKER_TRIANGLE_DOWN:
      {
        double s = marker == PLOT_MARKER_TRIANGLE_UP ? 1 : -1;

        r *= 1.2;
        cairo_move_to (cr, x, y - s * r);
        cairo_line_to (cr, x + 0.866 * r, y + s * 0.5 * r);
        cairo_line_to (cr, x - 0.866 * r, y + s * 0.5 * r);
        cairo_close_path (cr);
      }
      break;
    case PLOT_MARKER_STAR:
      r *= 1.5;
      for (int i = 0; i < 10; i++)
        {
          double angle = -G_PI / 2 + i * G_PI / 5;
          double radius = (i % 2 == 0) ? r : 0.45 * r;

          if (i == 0)
            cairo_move_to (cr, x + radius * cos (angle), y + radius * sin (angle));
          else
            cairo_line_to (cr, x + radius * cos (angle), y + radius * sin (angle));
        }
      cairo_close_path (cr);
      break;
    }
}

void
plot_draw_marker (cairo_t         *cr,
                  PlotMarker       marker,
                  double           x,
                  double           y,
                  double           size,
                  const PlotColor *fill,
                  const PlotColor *stroke,
                  double           line_width)
{
  if (marker == PLOT_MARKER_NONE)
    return;
  plot_marker_path (cr, marker, x, y, size);
  if (fill != NULL)
    {
      plot_set_color (cr, fill, 1.0);
      if (stroke != NULL)
        cairo_fill_preserve (cr);
      else
        cairo_fill (cr);
    }
  if (stroke != NULL)
    {
      plot_set_color (cr, stroke, 1.0);
      cairo_set_line_width (cr, line_width);
      plot_set_dash (cr, 0, line_width);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);
}

void
plot_frame_clear (PlotFrame *frame)
{
  g_clear_pointer (&frame->x_ticks, g_array_unref);
  g_clear_pointer (&frame->y_ticks, g_array_unref);
}

void
plot_axis_range (CbdPlotScale scale,
                 double       data_lo,
                 double       data_hi,
                 double       fixed_lo,
                 double       fixed_hi,
                 double       fallback_lo,
                 double       fallback_hi,
                 double      *lo,
                 double      *hi)
{
  double nice_lo, nice_hi;

  if (!isfinite (data_lo) || !isfinite (data_hi) ||
      (scale == CBD_PLOT_SCALE_LOG && !(data_lo > 0)))
    {
      data_lo = fallback_lo;
      data_hi = fallback_hi;
    }
  if (!isnan (fixed_lo))
    data_lo = fixed_lo;
  if (!isnan (fixed_hi))
    data_hi = fixed_hi;
  if (data_hi < data_lo)
    {
      double swap = data_lo;
      data_lo = data_hi;
      data_hi = swap;
    }
  if (!cbd_plot_nice_range (scale, data_lo, data_hi, 5, &nice_lo, &nice_hi))
    {
      nice_lo = fallback_lo;
      nice_hi = fallback_hi;
    }
  /* the caller's ends stay where they were put */
  *lo = !isnan (fixed_lo) && (scale != CBD_PLOT_SCALE_LOG || fixed_lo > 0) ? fixed_lo : nice_lo;
  *hi = !isnan (fixed_hi) && (scale != CBD_PLOT_SCALE_LOG || fixed_hi > 0) ? fixed_hi : nice_hi;
  if (!(*hi > *lo))
    {
      *lo = nice_lo;
      *hi = nice_hi;
    }
}

static double
max_label_width (cairo_t *measure, double size, GArray *ticks)
{
  double widest = 0;

  for (guint i = 0; i < ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (ticks, CbdPlotTick, i);
      double width;

      if (!tick->major || tick->label[0] == '\0')
        continue;
      plot_text_size (measure, size, tick->label, &width, NULL);
      widest = MAX (widest, width);
    }
  return widest;
}

static const CbdPlotTick *
last_major (GArray *ticks)
{
  for (guint i = ticks->len; i > 0; i--)
    if (g_array_index (ticks, CbdPlotTick, i - 1).major)
      return &g_array_index (ticks, CbdPlotTick, i - 1);
  return NULL;
}

void
plot_frame_layout (PlotFrame          *frame,
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
                   double              h)
{
  double pad = 0.4 * style->font_size, gap = 0.45 * style->tick_font_size;
  double tick_cap, title_cap, left, bottom, top, right;
  const CbdPlotTick *last;

  plot_frame_clear (frame);
  frame->x_axis = (CbdPlotAxis) { x_scale, x_min, x_max, 0, 1 };
  frame->y_axis = (CbdPlotAxis) { y_scale, y_min, y_max, 1, 0 };
  frame->x_ticks = cbd_plot_axis_ticks (&frame->x_axis, 6);
  frame->y_ticks = cbd_plot_axis_ticks (&frame->y_axis, 5);

  plot_text_size (measure, style->tick_font_size, "0", NULL, &tick_cap);
  plot_text_size (measure, style->font_size, "H", NULL, &title_cap);

  left = pad + max_label_width (measure, style->tick_font_size, frame->y_ticks) + gap;
  if (y_title)
    left += 1.6 * title_cap + gap;
  bottom = pad;
  if (x_tick_labels)
    bottom += tick_cap * 1.45 + gap;   /* room for a superscript */
  if (x_title)
    bottom += 1.9 * title_cap + gap;
  top = pad + 0.6 * tick_cap;
  right = pad;
  last = last_major (frame->x_ticks);
  if (x_tick_labels && last != NULL && last->value >= x_max - 1e-9 * fabs (x_max - x_min))
    {
      double width;

      plot_text_size (measure, style->tick_font_size, last->label, &width, NULL);
      right = MAX (right, 0.5 * width + 1);
    }

  frame->x = x0 + left;
  frame->y = y0 + top;
  frame->width = MAX (w - left - right, 1.0);
  frame->height = MAX (h - top - bottom, 1.0);
  frame->x_axis.pixel_min = frame->x;
  frame->x_axis.pixel_max = frame->x + frame->width;
  frame->y_axis.pixel_min = frame->y + frame->height;
  frame->y_axis.pixel_max = frame->y;
}

void
plot_frame_clip (cairo_t *cr, const PlotFrame *frame)
{
  cairo_rectangle (cr, frame->x, frame->y, frame->width, frame->height);
  cairo_clip (cr);
}

void
plot_frame_draw_grid (cairo_t            *cr,
                      const CbdPlotStyle *style,
                      const PlotFrame    *frame)
{
  if (!style->grid)
    return;
  cairo_save (cr);
  plot_set_color (cr, &plot_light_grey, 1.0);
  cairo_set_line_width (cr, 0.5 * style->line_width);
  plot_set_dash (cr, 0, 1);
  for (guint i = 0; i < frame->x_ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (frame->x_ticks, CbdPlotTick, i);
      double px = cbd_plot_axis_to_pixel (&frame->x_axis, tick->value);

      if (tick->major)
        {
          cairo_move_to (cr, px, frame->y);
          cairo_line_to (cr, px, frame->y + frame->height);
        }
    }
  for (guint i = 0; i < frame->y_ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (frame->y_ticks, CbdPlotTick, i);
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, tick->value);

      if (tick->major)
        {
          cairo_move_to (cr, frame->x, py);
          cairo_line_to (cr, frame->x + frame->width, py);
        }
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
plot_frame_draw_axes (cairo_t            *cr,
                      const CbdPlotStyle *style,
                      const PlotFrame    *frame,
                      const char         *x_title,
                      gboolean            x_tick_labels,
                      const char         *y_title)
{
  double major = 0.5 * style->tick_font_size, minor = 0.28 * style->tick_font_size;
  double gap = 0.45 * style->tick_font_size, tick_cap, title_cap, widest;
  double axis_width = 0.8 * style->line_width;

  cairo_save (cr);
  plot_set_color (cr, &plot_black, 1.0);
  cairo_set_line_width (cr, axis_width);
  plot_set_dash (cr, 0, 1);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  cairo_rectangle (cr, frame->x, frame->y, frame->width, frame->height);
  cairo_stroke (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);

  /* ticks inside, on all four sides */
  for (guint i = 0; i < frame->x_ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (frame->x_ticks, CbdPlotTick, i);
      double px = cbd_plot_axis_to_pixel (&frame->x_axis, tick->value);
      double length = tick->major ? major : minor;

      cairo_move_to (cr, px, frame->y + frame->height);
      cairo_line_to (cr, px, frame->y + frame->height - length);
      cairo_move_to (cr, px, frame->y);
      cairo_line_to (cr, px, frame->y + length);
    }
  for (guint i = 0; i < frame->y_ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (frame->y_ticks, CbdPlotTick, i);
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, tick->value);
      double length = tick->major ? major : minor;

      cairo_move_to (cr, frame->x, py);
      cairo_line_to (cr, frame->x + length, py);
      cairo_move_to (cr, frame->x + frame->width, py);
      cairo_line_to (cr, frame->x + frame->width - length, py);
    }
  cairo_stroke (cr);

  plot_text_size (cr, style->tick_font_size, "0", NULL, &tick_cap);
  plot_text_size (cr, style->font_size, "H", NULL, &title_cap);
  if (x_tick_labels)
    for (guint i = 0; i < frame->x_ticks->len; i++)
      {
        const CbdPlotTick *tick = &g_array_index (frame->x_ticks, CbdPlotTick, i);

        if (tick->major && tick->label[0] != '\0')
          plot_text_draw (cr, style->tick_font_size, tick->label,
                          cbd_plot_axis_to_pixel (&frame->x_axis, tick->value),
                          frame->y + frame->height + gap + 0.45 * tick_cap, 0.5, 0.0);
      }
  widest = 0;
  for (guint i = 0; i < frame->y_ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (frame->y_ticks, CbdPlotTick, i);
      double width;

      if (!tick->major || tick->label[0] == '\0')
        continue;
      plot_text_draw (cr, style->tick_font_size, tick->label, frame->x - gap,
                      cbd_plot_axis_to_pixel (&frame->y_axis, tick->value), 1.0, 0.5);
      plot_text_size (cr, style->tick_font_size, tick->label, &width, NULL);
      widest = MAX (widest, width);
    }

  if (x_title != NULL)
    plot_text_draw (cr, style->font_size, x_title, frame->x + frame->width / 2,
                    frame->y + frame->height + gap + (x_tick_labels ? 1.45 * tick_cap + gap : 0)
                    + 0.5 * title_cap, 0.5, 0.0);
  if (y_title != NULL)
    {
      cairo_save (cr);
      cairo_translate (cr, frame->x - gap - widest - gap - 0.4 * title_cap,
                       frame->y + frame->height / 2);
      cairo_rotate (cr, -G_PI / 2);
      plot_text_draw (cr, style->font_size, y_title, 0, 0, 0.5, 1.0);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

void
plot_box_init (PlotBox *box)
{
  memset (box, 0, sizeof *box);
  box->rows = g_array_new (FALSE, TRUE, sizeof (PlotBoxRow));
  box->columns = 1;
  box->scale = 1.0;
}

void
plot_box_clear (PlotBox *box)
{
  if (box->rows == NULL)
    return;
  for (guint i = 0; i < box->rows->len; i++)
    g_free (g_array_index (box->rows, PlotBoxRow, i).text);
  g_clear_pointer (&box->rows, g_array_unref);
}

PlotBoxRow *
plot_box_add (PlotBox        *box,
              PlotSymbolKind  kind,
              const char     *text)
{
  PlotBoxRow row = { 0 };

  row.kind = kind;
  row.text = g_strdup (text);
  row.stroke = plot_black;
  g_array_append_val (box->rows, row);
  return &g_array_index (box->rows, PlotBoxRow, box->rows->len - 1);
}

static gboolean
box_has_symbols (const PlotBox *box)
{
  for (guint i = 0; i < box->rows->len; i++)
    if (g_array_index (box->rows, PlotBoxRow, i).kind != PLOT_SYMBOL_NONE)
      return TRUE;
  return FALSE;
}

void
plot_box_measure (PlotBox            *box,
                  cairo_t            *measure,
                  const CbdPlotStyle *style)
{
  double font = style->font_size * box->scale;
  double pad = 0.5 * font, symbol = box_has_symbols (box) ? 2.6 * font : 0;
  guint columns = CLAMP (box->columns, 1, PLOT_BOX_MAX_COLUMNS);
  guint per_column = (box->rows->len + columns - 1) / columns;

  box->width = box->height = 0;
  if (box->rows->len == 0)
    return;
  for (guint c = 0; c < columns; c++)
    box->column_width[c] = 0;
  for (guint i = 0; i < box->rows->len; i++)
    {
      double width;

      plot_text_size (measure, font, g_array_index (box->rows, PlotBoxRow, i).text,
                      &width, NULL);
      box->column_width[i / per_column] = MAX (box->column_width[i / per_column], symbol + width);
    }
  box->width = 2 * pad;
  for (guint c = 0; c < columns; c++)
    if (box->column_width[c] > 0)
      box->width += box->column_width[c] + (c > 0 ? 2 * pad : 0);
  box->height = 2 * pad + per_column * 1.4 * font - 0.4 * font;
}

static gboolean
rectangles_overlap (double ax, double ay, double aw, double ah,
                    double bx, double by, double bw, double bh)
{
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

static gsize
count_inside (const GArray *pairs, double x, double y, double width, double height, double margin)
{
  gsize n = 0;

  if (pairs == NULL)
    return 0;
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      double ox = g_array_index (pairs, double, i), oy = g_array_index (pairs, double, i + 1);

      if (ox >= x - margin && ox <= x + width + margin && oy >= y - margin && oy <= y + height + margin)
        n++;
    }
  return n;
}

gboolean
plot_box_place (PlotBox          *box,
                const PlotFrame  *frame,
                const GArray     *points,
                const GArray     *curves,
                const PlotBox   **taken,
                guint             n_taken,
                double            margin,
                gsize            *points_hidden)
{
  double left = frame->x + margin, top = frame->y + margin;
  double right = frame->x + frame->width - margin - box->width;
  double bottom = frame->y + frame->height - margin - box->height;
  double centre = 0.5 * (left + right), middle = 0.5 * (top + bottom);
  const double candidates[8][2] = {
    { left, top }, { right, bottom }, { right, top }, { left, bottom },
    { centre, top }, { centre, bottom }, { left, middle }, { right, middle },
  };
  double best_score = INFINITY;
  gsize best_points = 0;
  int best = -1;

  if (box->rows->len == 0 || right < left || bottom < top)
    return FALSE;
  for (int c = 0; c < 8; c++)
    {
      gboolean blocked = FALSE;
      gsize n_points;
      double score;

      for (guint t = 0; t < n_taken; t++)
        if (taken[t] != NULL && taken[t]->rows->len > 0 &&
            rectangles_overlap (candidates[c][0], candidates[c][1], box->width, box->height,
                                taken[t]->x, taken[t]->y, taken[t]->width, taken[t]->height))
          blocked = TRUE;
      if (blocked)
        continue;
      n_points = count_inside (points, candidates[c][0], candidates[c][1], box->width,
                               box->height, margin);
      score = 1e6 * n_points + count_inside (curves, candidates[c][0], candidates[c][1],
                                             box->width, box->height, 0.5 * margin);
      if (score < best_score)
        {
          best_score = score;
          best_points = n_points;
          best = c;
        }
    }
  if (best < 0)
    return FALSE;
  box->x = candidates[best][0];
  box->y = candidates[best][1];
  if (points_hidden != NULL)
    *points_hidden = best_points;
  return TRUE;
}

static void
draw_symbol (cairo_t *cr, const CbdPlotStyle *style, double scale, const PlotBoxRow *row,
             double x, double y, double width)
{
  double lw = style->line_width, h = 0.55 * style->font_size * scale;

  cairo_save (cr);
  switch (row->kind)
    {
    case PLOT_SYMBOL_NONE:
      break;
    case PLOT_SYMBOL_MARKER:
      plot_draw_marker (cr, row->marker, x + width / 2, y, style->marker_size * MIN (scale, 1.0),
                        row->filled ? &row->fill : NULL, &row->stroke, 0.7 * lw);
      break;
    case PLOT_SYMBOL_BAND:
      plot_set_color (cr, &row->fill, 1.0);
      cairo_rectangle (cr, x, y - h / 2, width, h);
      cairo_fill (cr);
      /* a band with a stroke colour has its curve drawn through it */
      if (row->stroke.a <= 0)
        break;
      G_GNUC_FALLTHROUGH;
    case PLOT_SYMBOL_LINE:
      plot_set_color (cr, &row->stroke, 1.0);
      cairo_set_line_width (cr, lw);
      plot_set_dash (cr, row->dash, lw);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + width, y);
      cairo_stroke (cr);
      break;
    case PLOT_SYMBOL_BAR:
      plot_set_color (cr, &row->stroke, 1.0);
      cairo_set_line_width (cr, 1.4 * lw);
      cairo_move_to (cr, x + width / 2, y - h);
      cairo_line_to (cr, x + width / 2, y + h);
      cairo_move_to (cr, x + width / 2 - h / 2, y - h);
      cairo_line_to (cr, x + width / 2 + h / 2, y - h);
      cairo_move_to (cr, x + width / 2 - h / 2, y + h);
      cairo_line_to (cr, x + width / 2 + h / 2, y + h);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

void
plot_box_draw (cairo_t            *cr,
               const CbdPlotStyle *style,
               const PlotBox      *box)
{
  double font = style->font_size * box->scale;
  double pad = 0.5 * font, line = 1.4 * font;
  double symbol = box_has_symbols (box) ? 2.6 * font : 0;

  if (box->rows->len == 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, box->x, box->y, box->width, box->height);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.88);
  cairo_fill_preserve (cr);
  plot_set_color (cr, &plot_grey, 1.0);
  cairo_set_line_width (cr, 0.5 * style->line_width);
  plot_set_dash (cr, 0, 1);
  cairo_stroke (cr);

  {
    guint columns = CLAMP (box->columns, 1, PLOT_BOX_MAX_COLUMNS);
    guint per_column = (box->rows->len + columns - 1) / columns;
    double left = box->x + pad;

    for (guint i = 0; i < box->rows->len; i++)
      {
        const PlotBoxRow *row = &g_array_index (box->rows, PlotBoxRow, i);
        double middle = box->y + pad + (i % per_column) * line + 0.5 * 0.72 * font;

        if (i > 0 && i % per_column == 0)
          left += box->column_width[i / per_column - 1] + 2 * pad;
        draw_symbol (cr, style, box->scale, row, left, middle, symbol - 0.6 * font);
        plot_set_color (cr, &plot_black, 1.0);
        plot_text_draw (cr, font, row->text, left + symbol, middle, 0.0, 0.5);
      }
  }
  cairo_restore (cr);
}
