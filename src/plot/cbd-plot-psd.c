/* cbd-plot-psd.c — pore size distributions: cumulative volume and
 * dV/dlog D against the pore diameter on a log axis
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-plot-private.h"
#include "cbd-plot-psd.h"

#define DEFAULT_DIAMETER_TITLE "Pore diameter D (nm)"
#define DEFAULT_CUMULATIVE_TITLE "Cumulative pore volume (–)"
#define DEFAULT_DENSITY_TITLE "dV/dlog D (–)"

typedef struct
{
  char   *label;
  GArray *diameter;    /* double, sorted ascending */
  GArray *cumulative;  /* double or NULL */
  GArray *density;     /* double or NULL */
} Series;

struct _CbdPlotPsd
{
  gatomicrefcount ref_count;
  GArray         *series;  /* Series */
  char           *titles[3];
  double          d_min, d_max;
  CbdPlotStyle    style;
};

static const PlotColor *const series_colors[] = {
  &plot_blue, &plot_vermillion, &plot_green, &plot_purple, &plot_orange, &plot_sky_blue, &plot_black,
};
static const double series_dashes[] = { 0, 4, -2.2, 2.2 };

static void
series_clear (Series *series)
{
  g_clear_pointer (&series->label, g_free);
  g_clear_pointer (&series->diameter, g_array_unref);
  g_clear_pointer (&series->cumulative, g_array_unref);
  g_clear_pointer (&series->density, g_array_unref);
}

CbdPlotPsd *
cbd_plot_psd_new (void)
{
  CbdPlotPsd *plot = g_new0 (CbdPlotPsd, 1);

  g_atomic_ref_count_init (&plot->ref_count);
  plot->series = g_array_new (FALSE, TRUE, sizeof (Series));
  g_array_set_clear_func (plot->series, (GDestroyNotify) series_clear);
  plot->d_min = plot->d_max = NAN;
  cbd_plot_style_init (&plot->style);
  return plot;
}

CbdPlotPsd *
cbd_plot_psd_ref (CbdPlotPsd *plot)
{
  g_return_val_if_fail (plot != NULL, NULL);
  g_atomic_ref_count_inc (&plot->ref_count);
  return plot;
}

void
cbd_plot_psd_unref (CbdPlotPsd *plot)
{
  if (plot == NULL || !g_atomic_ref_count_dec (&plot->ref_count))
    return;
  g_array_unref (plot->series);
  for (guint i = 0; i < 3; i++)
    g_free (plot->titles[i]);
  g_free (plot);
}

void
cbd_plot_psd_clear (CbdPlotPsd *plot)
{
  g_return_if_fail (plot != NULL);
  g_array_set_size (plot->series, 0);
}

typedef struct
{
  double d, cumulative, density;
} Sample;

static int
compare_samples (gconstpointer a, gconstpointer b)
{
  double da = ((const Sample *) a)->d, db = ((const Sample *) b)->d;
  return (da > db) - (da < db);
}

void
cbd_plot_psd_add_series (CbdPlotPsd   *plot,
                         const char   *label,
                         const double *diameter_nm,
                         const double *cumulative,
                         const double *density,
                         gsize         n)
{
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  Series series = { 0 };

  g_return_if_fail (plot != NULL);
  g_return_if_fail (n == 0 || diameter_nm != NULL);

  for (gsize i = 0; i < n; i++)
    if (isfinite (diameter_nm[i]) && diameter_nm[i] > 0)
      {
        Sample sample = { diameter_nm[i], cumulative != NULL ? cumulative[i] : NAN,
                          density != NULL ? density[i] : NAN };
        g_array_append_val (samples, sample);
      }
  g_array_sort (samples, compare_samples);

  series.label = g_strdup (label != NULL ? label : "");
  series.diameter = g_array_new (FALSE, FALSE, sizeof (double));
  if (cumulative != NULL)
    series.cumulative = g_array_new (FALSE, FALSE, sizeof (double));
  if (density != NULL)
    series.density = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *sample = &g_array_index (samples, Sample, i);

      g_array_append_val (series.diameter, sample->d);
      if (series.cumulative != NULL)
        g_array_append_val (series.cumulative, sample->cumulative);
      if (series.density != NULL)
        g_array_append_val (series.density, sample->density);
    }
  g_array_append_val (plot->series, series);
}

void
cbd_plot_psd_set_titles (CbdPlotPsd *plot,
                         const char *diameter_title,
                         const char *cumulative_title,
                         const char *density_title)
{
  const char *titles[3] = { diameter_title, cumulative_title, density_title };

  g_return_if_fail (plot != NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_free (plot->titles[i]);
      plot->titles[i] = g_strdup (titles[i]);
    }
}

void
cbd_plot_psd_set_diameter_range (CbdPlotPsd *plot,
                                 double      min_nm,
                                 double      max_nm)
{
  g_return_if_fail (plot != NULL);
  plot->d_min = min_nm;
  plot->d_max = max_nm;
}

void
cbd_plot_psd_set_style (CbdPlotPsd         *plot,
                        const CbdPlotStyle *style)
{
  g_return_if_fail (plot != NULL);
  g_return_if_fail (style != NULL);
  plot->style = *style;
}

static const char *
title (const CbdPlotPsd *plot, guint which)
{
  static const char *const defaults[3] = {
    DEFAULT_DIAMETER_TITLE, DEFAULT_CUMULATIVE_TITLE, DEFAULT_DENSITY_TITLE,
  };
  return plot->titles[which] != NULL ? plot->titles[which] : defaults[which];
}

/* Value extents of one quantity (0 cumulative, 1 density) over all series. */
static gboolean
value_extent (const CbdPlotPsd *plot, guint which, double *lo, double *hi)
{
  gboolean any = FALSE;

  *lo = 0.0;  /* both quantities are drawn from zero */
  *hi = -INFINITY;
  for (guint s = 0; s < plot->series->len; s++)
    {
      const Series *series = &g_array_index (plot->series, Series, s);
      GArray *values = which == 0 ? series->cumulative : series->density;

      if (values == NULL)
        continue;
      for (guint i = 0; i < values->len; i++)
        {
          double v = g_array_index (values, double, i);

          if (!isfinite (v))
            continue;
          any = TRUE;
          *lo = MIN (*lo, v);
          *hi = MAX (*hi, v);
        }
    }
  if (any && *hi <= *lo)
    *hi = *lo + 1.0;
  return any;
}

typedef struct
{
  PlotFrame panels[2];   /* 0 cumulative (top), 1 density (bottom) */
  gboolean  shown[2];
} Layout;

static void
layout_clear (Layout *layout)
{
  plot_frame_clear (&layout->panels[0]);
  plot_frame_clear (&layout->panels[1]);
}

static void
compute_layout (const CbdPlotPsd *plot, cairo_t *measure, double width, double height,
                Layout *layout)
{
  double d_lo = INFINITY, d_hi = -INFINITY, x_lo, x_hi, y_lo[2], y_hi[2];
  double gap = 0.8 * plot->style.font_size, top_height;
  guint n_shown;

  for (guint s = 0; s < plot->series->len; s++)
    {
      const Series *series = &g_array_index (plot->series, Series, s);

      if (series->diameter->len > 0)
        {
          d_lo = MIN (d_lo, g_array_index (series->diameter, double, 0));
          d_hi = MAX (d_hi, g_array_index (series->diameter, double, series->diameter->len - 1));
        }
    }
  plot_axis_range (CBD_PLOT_SCALE_LOG, d_lo, d_hi, plot->d_min, plot->d_max, 10.0, 1000.0,
                   &x_lo, &x_hi);
  for (guint which = 0; which < 2; which++)
    {
      double lo, hi;

      layout->shown[which] = value_extent (plot, which, &lo, &hi);
      plot_axis_range (CBD_PLOT_SCALE_LINEAR, layout->shown[which] ? lo : NAN,
                       layout->shown[which] ? hi : NAN, NAN, NAN, 0.0, 1.0,
                       &y_lo[which], &y_hi[which]);
    }
  /* no data at all: both empty panels, so the figure still shows its axes */
  if (!layout->shown[0] && !layout->shown[1])
    layout->shown[0] = layout->shown[1] = TRUE;
  n_shown = layout->shown[0] + layout->shown[1];
  top_height = n_shown == 2 ? 0.5 * (height - gap) : height;

  if (layout->shown[0])
    plot_frame_layout (&layout->panels[0], measure, &plot->style, CBD_PLOT_SCALE_LOG, x_lo, x_hi,
                       CBD_PLOT_SCALE_LINEAR, y_lo[0], y_hi[0], !layout->shown[1], !layout->shown[1],
                       TRUE, 0, 0, width, top_height);
  if (layout->shown[1])
    plot_frame_layout (&layout->panels[1], measure, &plot->style, CBD_PLOT_SCALE_LOG, x_lo, x_hi,
                       CBD_PLOT_SCALE_LINEAR, y_lo[1], y_hi[1], TRUE, TRUE, TRUE,
                       0, layout->shown[0] ? top_height + gap : 0, width,
                       layout->shown[0] ? height - top_height - gap : height);

  /* one diameter axis: the same left and right edges in both panels */
  if (n_shown == 2)
    {
      PlotFrame *top = &layout->panels[0], *bottom = &layout->panels[1];
      double left = MAX (top->x, bottom->x);
      double right = MIN (top->x + top->width, bottom->x + bottom->width);

      for (guint which = 0; which < 2; which++)
        {
          PlotFrame *frame = &layout->panels[which];

          frame->x = left;
          frame->width = MAX (right - left, 1.0);
          frame->x_axis.pixel_min = left;
          frame->x_axis.pixel_max = left + frame->width;
        }
    }
}

static void
to_public (const PlotFrame *frame, gboolean shown, double width, double height, CbdPlotLayout *out)
{
  if (out == NULL)
    return;
  if (!shown)
    {
      memset (out, 0, sizeof *out);
      out->width = width;
      out->height = height;
      return;
    }
  *out = (CbdPlotLayout) {
    width, height, frame->x, frame->y, frame->width, frame->height, frame->x_axis, frame->y_axis,
  };
}

void
cbd_plot_psd_get_layout (const CbdPlotPsd *plot,
                         double            width,
                         double            height,
                         CbdPlotLayout    *cumulative,
                         CbdPlotLayout    *density)
{
  Layout layout = { 0 };
  cairo_t *measure;

  g_return_if_fail (plot != NULL);

  measure = plot_measure_context (&plot->style);
  compute_layout (plot, measure, width, height, &layout);
  cairo_destroy (measure);
  to_public (&layout.panels[0], layout.shown[0], width, height, cumulative);
  to_public (&layout.panels[1], layout.shown[1], width, height, density);
  layout_clear (&layout);
}

static void
draw_series (cairo_t *cr, const CbdPlotStyle *style, const PlotFrame *frame, const Series *series,
             GArray *values, guint index, GArray *obstacles)
{
  const PlotColor *color = series_colors[index % G_N_ELEMENTS (series_colors)];
  double dash = series_dashes[index / G_N_ELEMENTS (series_colors) % G_N_ELEMENTS (series_dashes)];
  gboolean pen_down = FALSE, markers = series->diameter->len <= 40;

  cairo_save (cr);
  plot_set_color (cr, color, 1.0);
  cairo_set_line_width (cr, 1.2 * style->line_width);
  plot_set_dash (cr, dash, style->line_width);
  for (guint i = 0; i < series->diameter->len; i++)
    {
      double px = cbd_plot_axis_to_pixel (&frame->x_axis, g_array_index (series->diameter, double, i));
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, g_array_index (values, double, i));

      if (!isfinite (px) || !isfinite (py))
        {
          pen_down = FALSE;
          continue;
        }
      if (pen_down)
        cairo_line_to (cr, px, py);
      else
        cairo_move_to (cr, px, py);
      pen_down = TRUE;
      g_array_append_val (obstacles, px);
      g_array_append_val (obstacles, py);
    }
  cairo_stroke (cr);
  if (markers)
    for (guint i = 0; i < series->diameter->len; i++)
      {
        double px = cbd_plot_axis_to_pixel (&frame->x_axis, g_array_index (series->diameter, double, i));
        double py = cbd_plot_axis_to_pixel (&frame->y_axis, g_array_index (values, double, i));

        if (isfinite (px) && isfinite (py))
          plot_draw_marker (cr, PLOT_MARKER_CIRCLE, px, py, 0.7 * style->marker_size, color,
                            NULL, 0);
      }
  cairo_restore (cr);
}

void
cbd_plot_psd_draw (const CbdPlotPsd *plot,
                   cairo_t          *cr,
                   double            width,
                   double            height)
{
  Layout layout = { 0 };
  PlotBox legend;
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (double));
  int legend_panel = -1;

  g_return_if_fail (plot != NULL);
  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  plot_setup_context (cr, &plot->style);
  compute_layout (plot, cr, width, height, &layout);
  plot_box_init (&legend);

  for (guint which = 0; which < 2; which++)
    {
      const PlotFrame *frame = &layout.panels[which];
      gboolean bottom = which == 1 || !layout.shown[1];

      if (!layout.shown[which])
        continue;
      plot_frame_draw_grid (cr, &plot->style, frame);
      cairo_save (cr);
      plot_frame_clip (cr, frame);
      for (guint s = 0; s < plot->series->len; s++)
        {
          const Series *series = &g_array_index (plot->series, Series, s);
          GArray *values = which == 0 ? series->cumulative : series->density;

          if (values != NULL)
            draw_series (cr, &plot->style, frame, series, values, s, obstacles);
        }
      cairo_restore (cr);
      plot_frame_draw_axes (cr, &plot->style, frame, bottom ? title (plot, 0) : NULL, bottom,
                            title (plot, 1 + which));
      if (legend_panel < 0)
        legend_panel = (int) which;
      if (legend_panel == (int) which)
        {
          /* the legend goes in the first panel, away from its curves */
          for (guint s = 0; s < plot->series->len; s++)
            {
              const Series *series = &g_array_index (plot->series, Series, s);
              PlotBoxRow *row;

              if (series->label[0] == '\0')
                continue;
              row = plot_box_add (&legend, PLOT_SYMBOL_LINE, series->label);
              row->stroke = *series_colors[s % G_N_ELEMENTS (series_colors)];
              row->dash = series_dashes[s / G_N_ELEMENTS (series_colors) % G_N_ELEMENTS (series_dashes)];
            }
          plot_box_measure (&legend, cr, &plot->style);
          if (plot_box_place (&legend, frame, NULL, obstacles, NULL, 0,
                              0.4 * plot->style.font_size, NULL))
            plot_box_draw (cr, &plot->style, &legend);
        }
      g_array_set_size (obstacles, 0);
    }

  plot_box_clear (&legend);
  layout_clear (&layout);
  cairo_restore (cr);
}

static void
draw_figure (gconstpointer figure, cairo_t *cr, double width, double height)
{
  cbd_plot_psd_draw (figure, cr, width, height);
}

gboolean
cbd_plot_psd_export (const CbdPlotPsd *plot,
                     const char       *path,
                     CbdPlotFormat     format,
                     double            width_pt,
                     double            height_pt,
                     double            dpi,
                     GError          **error)
{
  g_return_val_if_fail (plot != NULL, FALSE);
  return cbd_plot_export (draw_figure, plot, path, format, width_pt, height_pt, dpi, error);
}
