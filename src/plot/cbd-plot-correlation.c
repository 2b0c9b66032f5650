/* cbd-plot-correlation.c — relative ionic conductivity against porosity:
 * the cutouts, the weighted power-law fit with its confidence band, the mean
 * point, Bruggeman and the literature
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-plot-correlation.h"
#include "cbd-plot-private.h"
#include "cbd-references.h"

#define DEFAULT_X_TITLE "Porosity ε (–)"
#define DEFAULT_Y_TITLE "Relative ionic conductivity σ_{rel} (–)"

struct _CbdPlotCorrelation
{
  gatomicrefcount ref_count;

  GArray         *porosity;   /* double */
  GArray         *sigma_rel;  /* double */
  GArray         *std;        /* double, NaN: none */
  GArray         *accepted;   /* gboolean */

  gboolean        has_fit;
  CbdFitResult    fit;
  gboolean        has_summary;
  CbdFitSummary   summary;

  GPtrArray      *references;
  GHashTable     *hidden;     /* keys of hidden references */

  CbdPlotLayers   layers;
  CbdPlotScale    x_scale, y_scale;
  double          x_min, x_max, y_min, y_max;
  gssize          highlight;
  CbdPlotStyle    style;
  char           *x_title, *y_title;
};

/* Colours, dashes and markers for the literature, in table order. */
static const PlotColor *const reference_colors[] = {
  &plot_green, &plot_purple, &plot_sky_blue, &plot_orange, &plot_grey, &plot_black,
  &plot_yellow, &plot_brown,
};
/* Opacity of literature bands (ranges reported without a porosity). */
#define BAND_ALPHA 0.22
static const double reference_dashes[] = { 5, -2.2, 2.2, 8 };
static const PlotMarker reference_markers[] = {
  PLOT_MARKER_TRIANGLE_UP, PLOT_MARKER_SQUARE, PLOT_MARKER_TRIANGLE_DOWN, PLOT_MARKER_DIAMOND,
};

CbdPlotCorrelation *
cbd_plot_correlation_new (void)
{
  CbdPlotCorrelation *plot = g_new0 (CbdPlotCorrelation, 1);

  g_atomic_ref_count_init (&plot->ref_count);
  plot->porosity = g_array_new (FALSE, FALSE, sizeof (double));
  plot->sigma_rel = g_array_new (FALSE, FALSE, sizeof (double));
  plot->std = g_array_new (FALSE, FALSE, sizeof (double));
  plot->accepted = g_array_new (FALSE, FALSE, sizeof (gboolean));
  plot->hidden = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  plot->layers = CBD_PLOT_LAYERS_DEFAULT;
  plot->x_scale = plot->y_scale = CBD_PLOT_SCALE_LINEAR;
  plot->x_min = plot->x_max = plot->y_min = plot->y_max = NAN;
  plot->highlight = -1;
  cbd_plot_style_init (&plot->style);
  return plot;
}

CbdPlotCorrelation *
cbd_plot_correlation_ref (CbdPlotCorrelation *plot)
{
  g_return_val_if_fail (plot != NULL, NULL);
  g_atomic_ref_count_inc (&plot->ref_count);
  return plot;
}

void
cbd_plot_correlation_unref (CbdPlotCorrelation *plot)
{
  if (plot == NULL || !g_atomic_ref_count_dec (&plot->ref_count))
    return;
  g_array_unref (plot->porosity);
  g_array_unref (plot->sigma_rel);
  g_array_unref (plot->std);
  g_array_unref (plot->accepted);
  g_clear_pointer (&plot->references, g_ptr_array_unref);
  g_hash_table_unref (plot->hidden);
  g_free (plot->x_title);
  g_free (plot->y_title);
  g_free (plot);
}

void
cbd_plot_correlation_set_points (CbdPlotCorrelation *plot,
                                 const double       *porosity,
                                 const double       *sigma_rel,
                                 const double       *sigma_rel_std,
                                 const gboolean     *accepted,
                                 gsize               n_points)
{
  g_return_if_fail (plot != NULL);
  g_return_if_fail (n_points == 0 || (porosity != NULL && sigma_rel != NULL));

  g_array_set_size (plot->porosity, 0);
  g_array_set_size (plot->sigma_rel, 0);
  g_array_set_size (plot->std, 0);
  g_array_set_size (plot->accepted, 0);
  for (gsize i = 0; i < n_points; i++)
    {
      double std = sigma_rel_std != NULL ? sigma_rel_std[i] : NAN;
      gboolean ok = accepted != NULL ? accepted[i] : TRUE;

      g_array_append_val (plot->porosity, porosity[i]);
      g_array_append_val (plot->sigma_rel, sigma_rel[i]);
      g_array_append_val (plot->std, std);
      g_array_append_val (plot->accepted, ok);
    }
  if (plot->highlight >= (gssize) n_points)
    plot->highlight = -1;
}

void
cbd_plot_correlation_set_fit (CbdPlotCorrelation *plot,
                              const CbdFitResult *fit)
{
  g_return_if_fail (plot != NULL);

  plot->has_fit = fit != NULL;
  if (fit != NULL)
    plot->fit = *fit;
}

void
cbd_plot_correlation_set_summary (CbdPlotCorrelation  *plot,
                                  const CbdFitSummary *summary)
{
  g_return_if_fail (plot != NULL);

  plot->has_summary = summary != NULL;
  if (summary != NULL)
    plot->summary = *summary;
}

void
cbd_plot_correlation_set_references (CbdPlotCorrelation *plot,
                                     GPtrArray          *references)
{
  g_return_if_fail (plot != NULL);

  if (references != NULL)
    g_ptr_array_ref (references);
  g_clear_pointer (&plot->references, g_ptr_array_unref);
  plot->references = references;
}

void
cbd_plot_correlation_set_reference_visible (CbdPlotCorrelation *plot,
                                            const char         *key,
                                            gboolean            visible)
{
  g_return_if_fail (plot != NULL);
  g_return_if_fail (key != NULL);

  if (visible)
    g_hash_table_remove (plot->hidden, key);
  else
    g_hash_table_add (plot->hidden, g_strdup (key));
}

void
cbd_plot_correlation_set_layers (CbdPlotCorrelation *plot,
                                 CbdPlotLayers       layers)
{
  g_return_if_fail (plot != NULL);
  plot->layers = layers;
}

CbdPlotLayers
cbd_plot_correlation_get_layers (CbdPlotCorrelation *plot)
{
  g_return_val_if_fail (plot != NULL, 0);
  return plot->layers;
}

void
cbd_plot_correlation_set_scales (CbdPlotCorrelation *plot,
                                 CbdPlotScale        x_scale,
                                 CbdPlotScale        y_scale)
{
  g_return_if_fail (plot != NULL);
  plot->x_scale = x_scale;
  plot->y_scale = y_scale;
}

void
cbd_plot_correlation_set_range (CbdPlotCorrelation *plot,
                                double              x_min,
                                double              x_max,
                                double              y_min,
                                double              y_max)
{
  g_return_if_fail (plot != NULL);
  plot->x_min = x_min;
  plot->x_max = x_max;
  plot->y_min = y_min;
  plot->y_max = y_max;
}

void
cbd_plot_correlation_set_highlight (CbdPlotCorrelation *plot,
                                    gssize              index)
{
  g_return_if_fail (plot != NULL);
  plot->highlight = index >= 0 && (gsize) index < plot->porosity->len ? index : -1;
}

void
cbd_plot_correlation_set_style (CbdPlotCorrelation *plot,
                                const CbdPlotStyle *style)
{
  g_return_if_fail (plot != NULL);
  g_return_if_fail (style != NULL);
  plot->style = *style;
}

void
cbd_plot_correlation_set_titles (CbdPlotCorrelation *plot,
                                 const char         *x_title,
                                 const char         *y_title)
{
  g_return_if_fail (plot != NULL);
  g_free (plot->x_title);
  g_free (plot->y_title);
  plot->x_title = g_strdup (x_title);
  plot->y_title = g_strdup (y_title);
}

/* --- what is drawn ----------------------------------------------------- */

static gboolean
has_layer (const CbdPlotCorrelation *plot, CbdPlotLayers layer)
{
  return (plot->layers & layer) != 0;
}

static double
point_value (const GArray *array, gsize i)
{
  return g_array_index (array, double, i);
}

/* A point is drawn when its layer is on and it can be placed. */
static gboolean
point_drawn (const CbdPlotCorrelation *plot, gsize i)
{
  double x = point_value (plot->porosity, i), y = point_value (plot->sigma_rel, i);
  gboolean accepted = g_array_index (plot->accepted, gboolean, i);

  if (!has_layer (plot, accepted ? CBD_PLOT_LAYER_ACCEPTED : CBD_PLOT_LAYER_REJECTED))
    return FALSE;
  if (!isfinite (x) || !isfinite (y))
    return FALSE;
  if (plot->x_scale == CBD_PLOT_SCALE_LOG && !(x > 0))
    return FALSE;
  if (plot->y_scale == CBD_PLOT_SCALE_LOG && !(y > 0))
    return FALSE;
  return TRUE;
}

static gboolean
mean_drawn (const CbdPlotCorrelation *plot)
{
  return has_layer (plot, CBD_PLOT_LAYER_MEAN) && plot->has_summary &&
         isfinite (plot->summary.mean_porosity) &&
         isfinite (plot->summary.mean_porosity_over_mean_tau) &&
         plot->summary.mean_porosity > 0 && plot->summary.mean_porosity_over_mean_tau > 0;
}

static gboolean
is_bruggeman (const CbdReference *reference)
{
  return g_strcmp0 (reference->key, "bruggeman") == 0;
}

static gboolean
reference_drawn (const CbdPlotCorrelation *plot, const CbdReference *reference)
{
  if (g_hash_table_contains (plot->hidden, reference->key))
    return FALSE;
  return has_layer (plot, is_bruggeman (reference) ? CBD_PLOT_LAYER_BRUGGEMAN
                                                   : CBD_PLOT_LAYER_REFERENCES);
}

/* The porosity range over which the fit is drawn: that of the accepted
 * points (the fit says nothing beyond them). */
static gboolean
fit_span (const CbdPlotCorrelation *plot, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (gsize i = 0; i < plot->porosity->len; i++)
    {
      double x = point_value (plot->porosity, i);

      if (g_array_index (plot->accepted, gboolean, i) && x > 0 && x <= 1 &&
          isfinite (point_value (plot->sigma_rel, i)))
        {
          *lo = MIN (*lo, x);
          *hi = MAX (*hi, x);
        }
    }
  if (*hi < *lo)
    {
      *lo = 1e-3;
      *hi = 1.0;
    }
  return plot->has_fit && has_layer (plot, CBD_PLOT_LAYER_FIT);
}

/* --- layout ---------------------------------------------------------------- */

typedef struct
{
  double lo, hi;
} Extent;

static void
extend (Extent *extent, double value, CbdPlotScale scale)
{
  if (!isfinite (value) || (scale == CBD_PLOT_SCALE_LOG && !(value > 0)))
    return;
  extent->lo = MIN (extent->lo, value);
  extent->hi = MAX (extent->hi, value);
}

static void
compute_frame (const CbdPlotCorrelation *plot, cairo_t *measure, double width, double height,
               PlotFrame *frame)
{
  Extent x = { INFINITY, -INFINITY }, y = { INFINITY, -INFINITY };
  double x_lo, x_hi, y_lo, y_hi;

  for (gsize i = 0; i < plot->porosity->len; i++)
    {
      double sigma = point_value (plot->sigma_rel, i), std = point_value (plot->std, i);

      if (!point_drawn (plot, i))
        continue;
      extend (&x, point_value (plot->porosity, i), plot->x_scale);
      extend (&y, sigma, plot->y_scale);
      if (has_layer (plot, CBD_PLOT_LAYER_ERROR_BARS) && isfinite (std))
        {
          extend (&y, sigma + std, plot->y_scale);
          extend (&y, sigma - std, plot->y_scale);
        }
    }
  if (mean_drawn (plot))
    {
      extend (&x, plot->summary.mean_porosity, plot->x_scale);
      extend (&y, plot->summary.mean_porosity_over_mean_tau, plot->y_scale);
    }
  if (plot->references != NULL)
    for (guint r = 0; r < plot->references->len; r++)
      {
        const CbdReference *reference = plot->references->pdata[r];
        double lo, hi;

        /* points and ranges at a stated porosity; curves and bands span
         * whatever is shown anyway */
        if (!reference_drawn (plot, reference) || reference->kind == CBD_REFERENCE_CURVE ||
            isnan (reference->porosity_min))
          continue;
        extend (&x, reference->porosity_min, plot->x_scale);
        extend (&x, reference->porosity_max, plot->x_scale);
        if (cbd_reference_sigma_at (reference, reference->porosity_min, &lo, &hi))
          {
            extend (&y, lo, plot->y_scale);
            extend (&y, hi, plot->y_scale);
          }
      }

  if (plot->x_scale == CBD_PLOT_SCALE_LINEAR)
    x.hi = MIN (x.hi, 1.0);
  /* a linear conductivity axis starts at 0 */
  if (plot->y_scale == CBD_PLOT_SCALE_LINEAR && isfinite (y.lo))
    y.lo = MIN (y.lo, 0.0);
  plot_axis_range (plot->x_scale, x.lo, x.hi, plot->x_min, plot->x_max,
                   plot->x_scale == CBD_PLOT_SCALE_LOG ? 0.1 : 0.0, 1.0, &x_lo, &x_hi);
  plot_axis_range (plot->y_scale, y.lo, y.hi, plot->y_min, plot->y_max,
                   plot->y_scale == CBD_PLOT_SCALE_LOG ? 1e-3 : 0.0, 1.0, &y_lo, &y_hi);
  plot_frame_layout (frame, measure, &plot->style, plot->x_scale, x_lo, x_hi,
                     plot->y_scale, y_lo, y_hi, TRUE, TRUE, TRUE, 0, 0, width, height);
}


/* --- drawing ----------------------------------------------------------- */

/* Keeps far-off samples near the plot (cairo's fixed-point coordinates
 * overflow around 8e6) without bending what is visible. */
static double
clamp_to_frame (const PlotFrame *frame, double py)
{
  return CLAMP (py, frame->y - 4 * frame->height, frame->y + 5 * frame->height);
}

typedef double (*CurveFunc) (gconstpointer data, double porosity);

/* Traces y = func (x) over [x_lo, x_hi] ∩ the x axis, in steps of about
 * one unit, breaking the path where the value cannot be drawn; the samples
 * are appended to @obstacles when it is not NULL. */
static void
trace_curve (cairo_t *cr, const PlotFrame *frame, CurveFunc func, gconstpointer data,
             double x_lo, double x_hi, GArray *obstacles)
{
  double p_lo = cbd_plot_axis_to_pixel (&frame->x_axis, MAX (x_lo, frame->x_axis.min));
  double p_hi = cbd_plot_axis_to_pixel (&frame->x_axis, MIN (x_hi, frame->x_axis.max));
  int n = (int) CLAMP (ceil (p_hi - p_lo), 2, 4000);
  gboolean pen_down = FALSE;

  if (!(p_hi > p_lo))
    return;
  for (int k = 0; k <= n; k++)
    {
      double px = p_lo + (p_hi - p_lo) * k / n;
      double x = cbd_plot_axis_from_pixel (&frame->x_axis, px);
      double value = x > 0 ? func (data, x) : NAN;
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, value);

      if (!isfinite (py))
        {
          pen_down = FALSE;
          continue;
        }
      py = clamp_to_frame (frame, py);
      if (cr != NULL)
        {
          if (pen_down)
            cairo_line_to (cr, px, py);
          else
            cairo_move_to (cr, px, py);
        }
      pen_down = TRUE;
      if (obstacles != NULL && k % 3 == 0)
        {
          g_array_append_val (obstacles, px);
          g_array_append_val (obstacles, py);
        }
    }
}

static double
fit_value (gconstpointer data, double porosity)
{
  return cbd_fit_evaluate (data, porosity, NULL, NULL);
}

static double
fit_lower (gconstpointer data, double porosity)
{
  double lower;

  cbd_fit_evaluate (data, porosity, &lower, NULL);
  return lower;
}

static double
fit_upper (gconstpointer data, double porosity)
{
  double upper;

  cbd_fit_evaluate (data, porosity, NULL, &upper);
  return upper;
}

static double
reference_lower (gconstpointer data, double porosity)
{
  double lo;

  return cbd_reference_sigma_at (data, porosity, &lo, NULL) ? lo : NAN;
}

static double
reference_upper (gconstpointer data, double porosity)
{
  double hi;

  return cbd_reference_sigma_at (data, porosity, NULL, &hi) ? hi : NAN;
}

static double
bruggeman (gconstpointer data, double porosity)
{
  return pow (porosity, 1.5);
}

/* A band between two curves: the upper traced forwards, the lower back. */
static void
fill_between (cairo_t *cr, const PlotFrame *frame, CurveFunc lower, CurveFunc upper,
              gconstpointer data, double x_lo, double x_hi)
{
  double p_lo = cbd_plot_axis_to_pixel (&frame->x_axis, MAX (x_lo, frame->x_axis.min));
  double p_hi = cbd_plot_axis_to_pixel (&frame->x_axis, MIN (x_hi, frame->x_axis.max));
  int n = (int) CLAMP (ceil (p_hi - p_lo), 2, 4000);
  double bottom = frame->y + 5 * frame->height;

  if (!(p_hi > p_lo))
    return;
  for (int k = 0; k <= n; k++)
    {
      double px = p_lo + (p_hi - p_lo) * k / n;
      double x = cbd_plot_axis_from_pixel (&frame->x_axis, px);
      double py = x > 0 ? cbd_plot_axis_to_pixel (&frame->y_axis, upper (data, x)) : NAN;

      py = isfinite (py) ? clamp_to_frame (frame, py) : bottom;
      if (k == 0)
        cairo_move_to (cr, px, py);
      else
        cairo_line_to (cr, px, py);
    }
  for (int k = n; k >= 0; k--)
    {
      double px = p_lo + (p_hi - p_lo) * k / n;
      double x = cbd_plot_axis_from_pixel (&frame->x_axis, px);
      double py = x > 0 ? cbd_plot_axis_to_pixel (&frame->y_axis, lower (data, x)) : NAN;

      /* a lower end at or below zero on a log axis: the bottom edge */
      py = isfinite (py) ? clamp_to_frame (frame, py) : bottom;
      cairo_line_to (cr, px, py);
    }
  cairo_close_path (cr);
  cairo_fill (cr);
}

typedef struct
{
  const PlotColor *color;
  double           dash;
  PlotMarker       marker;
} ReferenceLook;

static ReferenceLook
reference_look (guint index)
{
  return (ReferenceLook) {
    reference_colors[index % G_N_ELEMENTS (reference_colors)],
    reference_dashes[index % G_N_ELEMENTS (reference_dashes)],
    reference_markers[index % G_N_ELEMENTS (reference_markers)],
  };
}

/* Adds a vertical bar with caps to the path (stroked by the caller: many
 * bars in one stroke rasterise much faster than one stroke each). */
static void
add_vertical_bar (cairo_t *cr, const PlotFrame *frame, double x, double lo, double hi, double cap)
{
  double px = cbd_plot_axis_to_pixel (&frame->x_axis, x);
  double p_lo = cbd_plot_axis_to_pixel (&frame->y_axis, lo);
  double p_hi = cbd_plot_axis_to_pixel (&frame->y_axis, hi);

  if (!isfinite (px))
    return;
  if (!isfinite (p_lo))
    p_lo = frame->y + frame->height;  /* non-positive on a log axis */
  if (!isfinite (p_hi))
    return;
  p_lo = clamp_to_frame (frame, p_lo);
  p_hi = clamp_to_frame (frame, p_hi);
  cairo_move_to (cr, px, p_lo);
  cairo_line_to (cr, px, p_hi);
  if (cap > 0)
    {
      cairo_move_to (cr, px - cap, p_lo);
      cairo_line_to (cr, px + cap, p_lo);
      cairo_move_to (cr, px - cap, p_hi);
      cairo_line_to (cr, px + cap, p_hi);
    }
}

static void
draw_vertical_bar (cairo_t *cr, const PlotFrame *frame, double x, double lo, double hi,
                   double cap, double line_width)
{
  cairo_set_line_width (cr, line_width);
  add_vertical_bar (cr, frame, x, lo, hi, cap);
  cairo_stroke (cr);
}

/* Draws (cr not NULL) or only collects the samples of one reference
 * (curves and bands into @curves, points and bars into @points). */
static void
draw_reference (cairo_t *cr, const CbdPlotCorrelation *plot, const PlotFrame *frame,
                const CbdReference *reference, ReferenceLook look, GArray *points, GArray *curves)
{
  const CbdPlotStyle *style = &plot->style;
  double lw = style->line_width;
  gboolean at_porosity = !isnan (reference->porosity_min);

  if (reference->kind == CBD_REFERENCE_CURVE)
    {
      double lo = at_porosity ? reference->porosity_min : frame->x_axis.min;
      double hi = at_porosity ? reference->porosity_max : frame->x_axis.max;

      if (cr != NULL)
        {
          cairo_save (cr);
          plot_set_color (cr, look.color, 1.0);
          cairo_set_line_width (cr, lw);
          plot_set_dash (cr, look.dash, lw);
        }
      trace_curve (cr, frame, reference_lower, reference, lo, hi, curves);
      if (cr != NULL)
        {
          cairo_stroke (cr);
          cairo_restore (cr);
        }
      return;
    }

  if (!at_porosity)
    {
      /* a band at every porosity (a sigma_rel range) or a wedge (tau); its
       * area is no obstacle, a legend may sit on it */
      if (cr == NULL)
        return;
      cairo_save (cr);
      plot_set_color (cr, look.color, BAND_ALPHA);
      fill_between (cr, frame, reference_lower, reference_upper, reference,
                    frame->x_axis.min, frame->x_axis.max);
      plot_set_color (cr, look.color, 0.8);
      cairo_set_line_width (cr, 0.5 * lw);
      trace_curve (cr, frame, reference_lower, reference, frame->x_axis.min, frame->x_axis.max, NULL);
      cairo_stroke (cr);
      trace_curve (cr, frame, reference_upper, reference, frame->x_axis.min, frame->x_axis.max, NULL);
      cairo_stroke (cr);
      cairo_restore (cr);
      return;
    }

  /* at a stated porosity: a marker (point) or a bar (range) */
  {
    double x = 0.5 * (reference->porosity_min + reference->porosity_max), lo, hi;
    double px, py;

    if (!cbd_reference_sigma_at (reference, x, &lo, &hi))
      return;
    px = cbd_plot_axis_to_pixel (&frame->x_axis, x);
    if (points != NULL)
      for (int end = 0; end < 2; end++)
        {
          py = cbd_plot_axis_to_pixel (&frame->y_axis, end ? hi : lo);
          if (isfinite (px) && isfinite (py))
            {
              g_array_append_val (points, px);
              g_array_append_val (points, py);
            }
        }
    if (cr == NULL)
      return;
    cairo_save (cr);
    if (reference->kind == CBD_REFERENCE_POINT)
      plot_draw_marker (cr, look.marker, px, cbd_plot_axis_to_pixel (&frame->y_axis, lo),
                        1.2 * style->marker_size, look.color, &plot_black, 0.5 * lw);
    else
      {
        plot_set_color (cr, look.color, 1.0);
        draw_vertical_bar (cr, frame, x, lo, hi, 0.45 * style->marker_size, 1.6 * lw);
      }
    cairo_restore (cr);
  }
}

static void
add_reference_row (PlotBox *legend, const CbdReference *reference, ReferenceLook look)
{
  PlotBoxRow *row;

  if (reference->kind == CBD_REFERENCE_CURVE)
    {
      row = plot_box_add (legend, PLOT_SYMBOL_LINE, reference->label);
      row->stroke = *look.color;
      row->dash = look.dash;
    }
  else if (isnan (reference->porosity_min))
    {
      row = plot_box_add (legend, PLOT_SYMBOL_BAND, reference->label);
      row->fill = *look.color;
      row->fill.a = BAND_ALPHA;
      row->stroke = *look.color;
      row->stroke.a = 0;
    }
  else if (reference->kind == CBD_REFERENCE_POINT)
    {
      row = plot_box_add (legend, PLOT_SYMBOL_MARKER, reference->label);
      row->marker = look.marker;
      row->filled = TRUE;
      row->fill = *look.color;
    }
  else
    {
      row = plot_box_add (legend, PLOT_SYMBOL_BAR, reference->label);
      row->stroke = *look.color;
    }
}

static const CbdReference *
bruggeman_reference (const CbdPlotCorrelation *plot)
{
  if (plot->references != NULL)
    for (guint r = 0; r < plot->references->len; r++)
      if (is_bruggeman (plot->references->pdata[r]))
        return plot->references->pdata[r];
  return NULL;
}

static gboolean
bruggeman_drawn (const CbdPlotCorrelation *plot)
{
  const CbdReference *row = bruggeman_reference (plot);

  return has_layer (plot, CBD_PLOT_LAYER_BRUGGEMAN) && (row == NULL || reference_drawn (plot, row));
}

/* Every drawing step; with cr == NULL only the device positions of points
 * and curve samples are collected (@points, @curves: x, y pairs, may be
 * NULL), which the placement of the boxes avoids. */
static void
draw_data (cairo_t *cr, const CbdPlotCorrelation *plot, const PlotFrame *frame,
           GArray *points, GArray *curves)
{
  const CbdPlotStyle *style = &plot->style;
  double lw = style->line_width, fit_lo, fit_hi;
  gboolean show_fit = fit_span (plot, &fit_lo, &fit_hi);
  guint look_index = 0;

  /* the fit's band under everything */
  if (show_fit && has_layer (plot, CBD_PLOT_LAYER_FIT_BAND) && cr != NULL)
    {
      cairo_save (cr);
      plot_set_color (cr, &plot_vermillion, 0.2);
      fill_between (cr, frame, fit_lower, fit_upper, &plot->fit, fit_lo, fit_hi);
      cairo_restore (cr);
    }

  /* the literature, then Bruggeman */
  if (plot->references != NULL)
    for (guint r = 0; r < plot->references->len; r++)
      {
        const CbdReference *reference = plot->references->pdata[r];

        if (is_bruggeman (reference) || !reference_drawn (plot, reference))
          continue;
        draw_reference (cr, plot, frame, reference, reference_look (look_index++), points, curves);
      }
  if (bruggeman_drawn (plot))
    {
      if (cr != NULL)
        {
          cairo_save (cr);
          plot_set_color (cr, &plot_black, 1.0);
          cairo_set_line_width (cr, lw);
          plot_set_dash (cr, 4, lw);
        }
      trace_curve (cr, frame, bruggeman, NULL, frame->x_axis.min, frame->x_axis.max, curves);
      if (cr != NULL)
        {
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }

  /* the fit */
  if (show_fit)
    {
      if (cr != NULL)
        {
          cairo_save (cr);
          plot_set_color (cr, &plot_vermillion, 1.0);
          cairo_set_line_width (cr, 1.4 * lw);
        }
      trace_curve (cr, frame, fit_value, &plot->fit, fit_lo, fit_hi, curves);
      if (cr != NULL)
        {
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }

  /* error bars, then points: rejected under accepted; each group is one
   * path */
  if (cr != NULL && has_layer (plot, CBD_PLOT_LAYER_ERROR_BARS))
    for (int pass = 0; pass < 2; pass++)
      {
        cairo_save (cr);
        for (gsize i = 0; i < plot->porosity->len; i++)
          {
            double sigma = point_value (plot->sigma_rel, i), std = point_value (plot->std, i);

            if (g_array_index (plot->accepted, gboolean, i) != (pass == 1) ||
                !point_drawn (plot, i) || !(std > 0))
              continue;
            add_vertical_bar (cr, frame, point_value (plot->porosity, i), sigma - std, sigma + std,
                              0.3 * style->marker_size);
          }
        plot_set_color (cr, pass == 1 ? &plot_blue : &plot_grey, 0.7);
        cairo_set_line_width (cr, 0.6 * lw);
        cairo_stroke (cr);
        cairo_restore (cr);
      }
  for (int pass = 0; pass < 2; pass++)
    {
      for (gsize i = 0; i < plot->porosity->len; i++)
      {
        gboolean accepted = g_array_index (plot->accepted, gboolean, i);
        double px, py;

        if (accepted != (pass == 1) || !point_drawn (plot, i))
          continue;
        px = cbd_plot_axis_to_pixel (&frame->x_axis, point_value (plot->porosity, i));
        py = cbd_plot_axis_to_pixel (&frame->y_axis, point_value (plot->sigma_rel, i));
        if (points != NULL)
          {
            double std = point_value (plot->std, i);

            g_array_append_val (points, px);
            g_array_append_val (points, py);
            /* the ends of its error bar are data too */
            if (has_layer (plot, CBD_PLOT_LAYER_ERROR_BARS) && std > 0)
              for (int sign = -1; sign <= 1; sign += 2)
                {
                  double end = cbd_plot_axis_to_pixel (&frame->y_axis,
                                                       point_value (plot->sigma_rel, i) + sign * std);
                  if (isfinite (end))
                    {
                      g_array_append_val (points, px);
                      g_array_append_val (points, end);
                    }
                }
          }
        if (cr != NULL)
          plot_marker_path (cr, PLOT_MARKER_CIRCLE, px, py, style->marker_size);
      }
      if (cr != NULL)
        {
          /* one fill and one stroke for the whole group; overlapping markers
           * then share an outline, which reads fine at these sizes */
          cairo_save (cr);
          plot_set_color (cr, pass == 1 ? &plot_blue : &plot_white, 1.0);
          cairo_fill_preserve (cr);
          plot_set_color (cr, pass == 1 ? &plot_black : &plot_grey, 1.0);
          cairo_set_line_width (cr, (pass == 1 ? 0.35 : 0.6) * lw);
          plot_set_dash (cr, 0, lw);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }

  if (mean_drawn (plot))
    {
      double px = cbd_plot_axis_to_pixel (&frame->x_axis, plot->summary.mean_porosity);
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, plot->summary.mean_porosity_over_mean_tau);

      if (points != NULL)
        {
          g_array_append_val (points, px);
          g_array_append_val (points, py);
        }
      if (cr != NULL)
        plot_draw_marker (cr, PLOT_MARKER_STAR, px, py, 1.5 * style->marker_size, &plot_orange,
                          &plot_black, 0.5 * lw);
    }

  if (cr != NULL && plot->highlight >= 0 && point_drawn (plot, plot->highlight))
    {
      double px = cbd_plot_axis_to_pixel (&frame->x_axis, point_value (plot->porosity, plot->highlight));
      double py = cbd_plot_axis_to_pixel (&frame->y_axis, point_value (plot->sigma_rel, plot->highlight));

      plot_draw_marker (cr, PLOT_MARKER_CIRCLE, px, py, 2.4 * style->marker_size, NULL,
                        &plot_black, 1.2 * lw);
    }
}

/* The legend, in the order a reader meets the data. */
static void
fill_legend (const CbdPlotCorrelation *plot, PlotBox *legend)
{
  const CbdReference *bruggeman_row = bruggeman_reference (plot);
  double fit_lo, fit_hi;
  guint n_accepted = 0, n_rejected = 0, look_index = 0;
  PlotBoxRow *row;

  for (gsize i = 0; i < plot->porosity->len; i++)
    if (point_drawn (plot, i))
      {
        if (g_array_index (plot->accepted, gboolean, i))
          n_accepted++;
        else
          n_rejected++;
      }
  if (n_accepted > 0)
    {
      g_autofree char *text = n_rejected > 0
                              ? g_strdup_printf ("Accepted cutouts (%u)", n_accepted)
                              : g_strdup_printf ("Cutouts (%u)", n_accepted);

      row = plot_box_add (legend, PLOT_SYMBOL_MARKER, text);
      row->marker = PLOT_MARKER_CIRCLE;
      row->filled = TRUE;
      row->fill = plot_blue;
    }
  if (n_rejected > 0)
    {
      g_autofree char *text = g_strdup_printf ("Rejected cutouts (%u)", n_rejected);

      row = plot_box_add (legend, PLOT_SYMBOL_MARKER, text);
      row->marker = PLOT_MARKER_CIRCLE;
      row->filled = TRUE;
      row->fill = plot_white;
      row->stroke = plot_grey;
    }
  if (fit_span (plot, &fit_lo, &fit_hi))
    {
      gboolean band = has_layer (plot, CBD_PLOT_LAYER_FIT_BAND);
      const char *kind = plot->fit.weighting == CBD_FIT_WEIGHT_NONE ? "Unweighted" : "Weighted";
      g_autofree char *text = NULL;

      if (band)
        {
          char percent[G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_formatd (percent, sizeof percent, "%g", 100 * plot->fit.confidence);
          text = g_strdup_printf ("%s fit γ ε^{α}, %s %% band", kind, percent);
        }
      else
        text = g_strdup_printf ("%s fit γ ε^{α}", kind);
      row = plot_box_add (legend, band ? PLOT_SYMBOL_BAND : PLOT_SYMBOL_LINE, text);
      row->stroke = plot_vermillion;
      row->fill = plot_vermillion;
      row->fill.a = 0.2;
    }
  if (mean_drawn (plot))
    {
      row = plot_box_add (legend, PLOT_SYMBOL_MARKER, "Mean ε, mean ε / mean τ");
      row->marker = PLOT_MARKER_STAR;
      row->filled = TRUE;
      row->fill = plot_orange;
    }
  if (bruggeman_drawn (plot))
    {
      row = plot_box_add (legend, PLOT_SYMBOL_LINE,
                          bruggeman_row != NULL ? bruggeman_row->label : "Bruggeman (γ = 1, α = 1.5)");
      row->stroke = plot_black;
      row->dash = 4;
    }
  if (plot->references != NULL)
    for (guint r = 0; r < plot->references->len; r++)
      {
        const CbdReference *reference = plot->references->pdata[r];

        if (is_bruggeman (reference) || !reference_drawn (plot, reference))
          continue;
        add_reference_row (legend, reference, reference_look (look_index++));
      }
}

/* "1.926 ± 0.061": two significant digits of the error. */
static char *
format_estimate (const char *name, double value, double error)
{
  int decimals = error > 0 && isfinite (error) ? CLAMP (1 - (int) floor (log10 (error)), 0, 6) : 3;
  char value_text[G_ASCII_DTOSTR_BUF_SIZE], error_text[G_ASCII_DTOSTR_BUF_SIZE], format[16];

  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_ascii_formatd (value_text, sizeof value_text, format, value);
  g_ascii_formatd (error_text, sizeof error_text, format, isfinite (error) ? error : 0.0);
  return g_strdup_printf ("%s = %s ± %s", name, value_text, error_text);
}

static void
fill_fit_text (const CbdPlotCorrelation *plot, PlotBox *box)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  if (plot->has_fit)
    {
      g_autofree char *gamma = format_estimate ("γ", plot->fit.gamma, plot->fit.gamma_se);
      g_autofree char *alpha = format_estimate ("α", plot->fit.alpha, plot->fit.alpha_se);
      g_autofree char *quality = NULL;

      g_ascii_formatd (a, sizeof a, "%.3f", plot->fit.r2);
      quality = g_strdup_printf ("R^{2} = %s, N = %u", a, plot->fit.n);
      plot_box_add (box, PLOT_SYMBOL_NONE, gamma);
      plot_box_add (box, PLOT_SYMBOL_NONE, alpha);
      plot_box_add (box, PLOT_SYMBOL_NONE, quality);
    }
  if (plot->has_summary && isfinite (plot->summary.mean_porosity))
    {
      g_autofree char *means = NULL;

      g_ascii_formatd (a, sizeof a, "%.3f", plot->summary.mean_porosity);
      g_ascii_formatd (b, sizeof b, "%.2f", plot->summary.mean_tau);
      means = g_strdup_printf ("mean ε = %s, mean τ = %s", a, b);
      plot_box_add (box, PLOT_SYMBOL_NONE, means);
    }
}


/* The whole arrangement for one size: the plot area, and the legend and
 * fit text inside it where they hide no data, else in a column to its
 * right (as long as the plot keeps at least half the width). */
typedef struct
{
  PlotFrame frame;
  PlotBox   legend, text;
} Figure;

static void
figure_clear (Figure *figure)
{
  plot_frame_clear (&figure->frame);
  plot_box_clear (&figure->legend);
  plot_box_clear (&figure->text);
}

static void
place_inside (const CbdPlotCorrelation *plot, Figure *figure, gboolean legend_inside,
              gboolean text_inside, gsize *legend_hides, gsize *text_hides)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) curves = g_array_new (FALSE, FALSE, sizeof (double));
  double margin = 0.4 * plot->style.font_size;
  const PlotBox *taken[1] = { NULL };

  draw_data (NULL, plot, &figure->frame, points, curves);
  *legend_hides = *text_hides = 0;
  if (legend_inside && figure->legend.rows->len > 0)
    {
      if (plot_box_place (&figure->legend, &figure->frame, points, curves, NULL, 0, margin,
                          legend_hides))
        taken[0] = &figure->legend;
      else
        *legend_hides = G_MAXSIZE;  /* does not fit */
    }
  if (text_inside && figure->text.rows->len > 0 &&
      !plot_box_place (&figure->text, &figure->frame, points, curves, taken, 1, margin, text_hides))
    *text_hides = G_MAXSIZE;
}

/* Below the plot: the boxes that hide data, the legend in as many columns
 * as fit, side by side when they fit, else stacked. FALSE when the plot
 * would keep less than 45 % of the height. */
static gboolean
place_below (const CbdPlotCorrelation *plot, cairo_t *measure, double width, double height,
             Figure *figure, gboolean legend_out, gboolean text_out)
{
  double pad = 0.4 * plot->style.font_size, gap = 0.6 * plot->style.font_size;
  double available = width - 2 * pad, block_width, block_height, x, y;
  gboolean side_by_side;
  gsize legend_hides, text_hides;

  if (legend_out)
    for (guint columns = 3; columns >= 1; columns--)
      {
        figure->legend.columns = MIN (columns, MAX (figure->legend.rows->len, 1));
        plot_box_measure (&figure->legend, measure, &plot->style);
        if (figure->legend.width <= available)
          break;
      }
  side_by_side = legend_out && text_out &&
                 figure->legend.width + gap + figure->text.width <= available;
  if (side_by_side)
    {
      block_width = figure->legend.width + gap + figure->text.width;
      block_height = MAX (figure->legend.height, figure->text.height);
    }
  else
    {
      block_width = MAX (legend_out ? figure->legend.width : 0, text_out ? figure->text.width : 0);
      block_height = (legend_out ? figure->legend.height : 0) + (text_out ? figure->text.height : 0)
                     + (legend_out && text_out ? gap : 0);
    }
  if (block_width > available || height - block_height - gap < 0.45 * height)
    {
      figure->legend.columns = 1;
      plot_box_measure (&figure->legend, measure, &plot->style);
      return FALSE;
    }

  compute_frame (plot, measure, width, height - block_height - gap, &figure->frame);
  /* the y axis title must still fit along the plot */
  {
    double title_width;

    plot_text_size (measure, plot->style.font_size,
                    plot->y_title != NULL ? plot->y_title : DEFAULT_Y_TITLE, &title_width, NULL);
    if (figure->frame.height < title_width + plot->style.font_size)
      {
        figure->legend.columns = 1;
        plot_box_measure (&figure->legend, measure, &plot->style);
        return FALSE;
      }
  }
  place_inside (plot, figure, !legend_out, !text_out, &legend_hides, &text_hides);
  x = CLAMP (figure->frame.x, pad, width - pad - block_width);
  y = height - block_height - 0.5 * pad;
  if (legend_out)
    {
      figure->legend.x = x;
      figure->legend.y = y;
    }
  if (text_out)
    {
      figure->text.x = side_by_side ? x + figure->legend.width + gap : x;
      figure->text.y = side_by_side || !legend_out ? y : y + figure->legend.height + gap;
    }
  return TRUE;
}

/* One attempt at @scale of the font for the boxes: inside where they hide
 * no data, else beside or below the plot. FALSE when neither works (the
 * figure then holds the inside placement, hiding data). */
static gboolean
try_layout (const CbdPlotCorrelation *plot, cairo_t *measure, double width, double height,
            Figure *figure, double scale)
{
  double gap = 0.6 * plot->style.font_size, column = 0;
  gsize legend_hides, text_hides;
  gboolean legend_out, text_out;

  figure->legend.scale = figure->text.scale = scale;
  figure->legend.columns = 1;
  plot_box_measure (&figure->legend, measure, &plot->style);
  plot_box_measure (&figure->text, measure, &plot->style);

  compute_frame (plot, measure, width, height, &figure->frame);
  place_inside (plot, figure, TRUE, TRUE, &legend_hides, &text_hides);
  legend_out = legend_hides > 0;
  text_out = text_hides > 0;
  if (legend_out && figure->text.rows->len > 0)
    {
      /* with the legend gone the text may find a place; if not, it joins
       * the legend outside */
      place_inside (plot, figure, FALSE, TRUE, &legend_hides, &text_hides);
      text_out = text_hides > 0;
    }
  if (!legend_out && !text_out)
    return TRUE;

  /* beside the plot, in a column on the right */
  if (legend_out)
    column = MAX (column, figure->legend.width);
  if (text_out)
    column = MAX (column, figure->text.width);
  if (width - column - gap >= 0.55 * width)
    {
      double x = width - column - 0.5 * gap, y;

      compute_frame (plot, measure, width - column - gap, height, &figure->frame);
      place_inside (plot, figure, !legend_out, !text_out, &legend_hides, &text_hides);
      y = figure->frame.y;
      if (legend_out)
        {
          figure->legend.x = x;
          figure->legend.y = y;
          y += figure->legend.height + gap;
        }
      if (text_out)
        {
          figure->text.x = x;
          figure->text.y = y;
        }
      return TRUE;
    }

  if (place_below (plot, measure, width, height, figure, legend_out, text_out))
    return TRUE;

  compute_frame (plot, measure, width, height, &figure->frame);
  place_inside (plot, figure, TRUE, TRUE, &legend_hides, &text_hides);
  return FALSE;
}

static void
figure_layout (const CbdPlotCorrelation *plot, cairo_t *measure, double width, double height,
               Figure *figure)
{
  /* smaller type for the boxes before giving up on a clear figure */
  static const double scales[] = { 1.0, 0.88, 0.76 };
  gsize legend_hides, text_hides;

  memset (figure, 0, sizeof *figure);
  plot_box_init (&figure->legend);
  plot_box_init (&figure->text);
  if (has_layer (plot, CBD_PLOT_LAYER_LEGEND))
    fill_legend (plot, &figure->legend);
  if (has_layer (plot, CBD_PLOT_LAYER_FIT_TEXT))
    fill_fit_text (plot, &figure->text);

  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      if (try_layout (plot, measure, width, height, figure, scales[i]))
        return;
      plot_frame_clear (&figure->frame);
    }

  /* Still no room: the legend at its best place inside, hiding data, and
   * the fit text only where it overlaps neither the legend nor data. */
  compute_frame (plot, measure, width, height, &figure->frame);
  place_inside (plot, figure, TRUE, TRUE, &legend_hides, &text_hides);
  if (legend_hides == G_MAXSIZE)
    g_array_set_size (figure->legend.rows, 0);
  if (text_hides > 0)
    g_array_set_size (figure->text.rows, 0);
}

void
cbd_plot_correlation_get_layout (const CbdPlotCorrelation *plot,
                                 double                    width,
                                 double                    height,
                                 CbdPlotLayout            *layout)
{
  cairo_t *measure;
  Figure figure;

  g_return_if_fail (plot != NULL);
  g_return_if_fail (layout != NULL);

  measure = plot_measure_context (&plot->style);
  figure_layout (plot, measure, width, height, &figure);
  cairo_destroy (measure);
  *layout = (CbdPlotLayout) {
    width, height, figure.frame.x, figure.frame.y, figure.frame.width, figure.frame.height,
    figure.frame.x_axis, figure.frame.y_axis,
  };
  figure_clear (&figure);
}

gssize
cbd_plot_correlation_hit_test (const CbdPlotCorrelation *plot,
                               double                    width,
                               double                    height,
                               double                    x,
                               double                    y,
                               double                    radius)
{
  CbdPlotLayout layout;
  double best = radius * radius;
  gssize hit = -1;

  g_return_val_if_fail (plot != NULL, -1);

  cbd_plot_correlation_get_layout (plot, width, height, &layout);
  for (gsize i = 0; i < plot->porosity->len; i++)
    {
      double px, py, d2;

      if (!point_drawn (plot, i))
        continue;
      px = cbd_plot_axis_to_pixel (&layout.x_axis, point_value (plot->porosity, i));
      py = cbd_plot_axis_to_pixel (&layout.y_axis, point_value (plot->sigma_rel, i));
      /* only what is inside the plot area can be seen, and so hit */
      if (px < layout.plot_x - 0.5 || px > layout.plot_x + layout.plot_width + 0.5 ||
          py < layout.plot_y - 0.5 || py > layout.plot_y + layout.plot_height + 0.5)
        continue;
      d2 = (px - x) * (px - x) + (py - y) * (py - y);
      if (d2 <= best)
        {
          best = d2;
          hit = (gssize) i;
        }
    }
  return hit;
}

void
cbd_plot_correlation_draw (const CbdPlotCorrelation *plot,
                           cairo_t                  *cr,
                           double                    width,
                           double                    height)
{
  Figure figure;

  g_return_if_fail (plot != NULL);
  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  plot_setup_context (cr, &plot->style);
  figure_layout (plot, cr, width, height, &figure);

  plot_frame_draw_grid (cr, &plot->style, &figure.frame);
  cairo_save (cr);
  plot_frame_clip (cr, &figure.frame);
  draw_data (cr, plot, &figure.frame, NULL, NULL);
  cairo_restore (cr);
  plot_frame_draw_axes (cr, &plot->style, &figure.frame,
                        plot->x_title != NULL ? plot->x_title : DEFAULT_X_TITLE, TRUE,
                        plot->y_title != NULL ? plot->y_title : DEFAULT_Y_TITLE);
  plot_box_draw (cr, &plot->style, &figure.legend);
  plot_box_draw (cr, &plot->style, &figure.text);

  figure_clear (&figure);
  cairo_restore (cr);
}

static void
draw_figure (gconstpointer figure, cairo_t *cr, double width, double height)
{
  cbd_plot_correlation_draw (figure, cr, width, height);
}

gboolean
cbd_plot_correlation_export (const CbdPlotCorrelation *plot,
                             const char               *path,
                             CbdPlotFormat             format,
                             double                    width_pt,
                             double                    height_pt,
                             double                    dpi,
                             GError                  **error)
{
  g_return_val_if_fail (plot != NULL, FALSE);
  return cbd_plot_export (draw_figure, plot, path, format, width_pt, height_pt, dpi, error);
}
