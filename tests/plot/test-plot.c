/* test-plot.c — tick choice, data-to-pixel mapping, hit-testing, what lands
 * on the pixels, and the exported PNG, SVG and PDF files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "cbd-fit.h"
#include "cbd-plot-axis.h"
#include "cbd-plot-correlation.h"
#include "cbd-plot-export.h"
#include "cbd-plot-psd.h"
#include "cbd-references.h"

/* The data set of tests/core/test-fit.c (SciPy comparison). */
static const double eps[8] = { 0.15, 0.20, 0.26, 0.31, 0.37, 0.42, 0.48, 0.55 };
static const double sigma[8] = { 0.0035, 0.0098, 0.022, 0.041, 0.072, 0.110, 0.165, 0.270 };
static const double spread[8] = { 0.0006, 0.0015, 0.004, 0.006, 0.012, 0.02, 0.025, 0.05 };

static char *tmp_dir;

static void
assert_close (double actual, double expected, double tolerance)
{
  if (!(fabs (actual - expected) <= tolerance))
    g_error ("%.17g differs from %.17g by more than %g", actual, expected, tolerance);
}

/* --- ticks ---------------------------------------------------------------- */

static void
test_nice_step (void)
{
  assert_close (cbd_plot_nice_step (1.0, 6), 0.2, 1e-15);
  assert_close (cbd_plot_nice_step (0.42, 6), 0.1, 1e-15);     /* raw 0.084 -> 0.1 */
  assert_close (cbd_plot_nice_step (0.42, 5), 0.1, 1e-15);     /* raw 0.105 -> 0.1 */
  assert_close (cbd_plot_nice_step (0.27, 5), 0.05, 1e-15);    /* raw 0.0675 -> 0.05 */
  assert_close (cbd_plot_nice_step (10.3, 5), 2.0, 1e-15);     /* raw 2.575 -> 2 */
  assert_close (cbd_plot_nice_step (3e7, 6), 5e6, 1e-6);       /* raw 6e6 -> 5e6 */
  assert_close (cbd_plot_nice_step (9.0, 2), 10.0, 1e-12);     /* raw 9 -> 10 */
}

static void
test_nice_range (void)
{
  double lo, hi;

  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 0.14, 0.56, 5, &lo, &hi));
  assert_close (lo, 0.1, 1e-12);
  assert_close (hi, 0.6, 1e-12);
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 0.0, 0.27, 5, &lo, &hi));
  assert_close (lo, 0.0, 0);
  assert_close (hi, 0.3, 1e-12);
  /* step 2 gives [-4, 8], whose own step is 5: [-5, 10] */
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, -3.0, 7.3, 5, &lo, &hi));
  assert_close (lo, -5.0, 1e-12);
  assert_close (hi, 10.0, 1e-12);
  /* a single value is widened around itself */
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 5.0, 5.0, 5, &lo, &hi));
  g_assert_cmpfloat (lo, <, 5.0);
  g_assert_cmpfloat (hi, >, 5.0);
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 0.0, 0.0, 5, &lo, &hi));
  g_assert_cmpfloat (lo, <, 0.0);
  g_assert_cmpfloat (hi, >, 0.0);

  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, 0.0035, 0.27, 5, &lo, &hi));
  assert_close (lo, 0.001, 1e-18);
  assert_close (hi, 1.0, 1e-15);
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, 0.001, 1.0, 5, &lo, &hi));
  assert_close (lo, 0.001, 1e-18);
  assert_close (hi, 1.0, 1e-15);
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, 5.0, 5.0, 5, &lo, &hi));
  assert_close (lo, 1.0, 1e-15);
  assert_close (hi, 10.0, 1e-14);
  g_assert_true (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, 10.0, 10.0, 5, &lo, &hi));
  assert_close (lo, 10.0, 1e-14);
  assert_close (hi, 100.0, 1e-13);

  g_assert_false (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 2.0, 1.0, 5, &lo, &hi));
  g_assert_false (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, NAN, 1.0, 5, &lo, &hi));
  g_assert_false (cbd_plot_nice_range (CBD_PLOT_SCALE_LINEAR, 0.0, INFINITY, 5, &lo, &hi));
  g_assert_false (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, 0.0, 1.0, 5, &lo, &hi));
  g_assert_false (cbd_plot_nice_range (CBD_PLOT_SCALE_LOG, -1.0, 1.0, 5, &lo, &hi));
}

/* Majors of an axis as "label label ...", minors counted. */
static char *
describe_ticks (CbdPlotScale scale, double min, double max, guint target, guint *n_minor)
{
  CbdPlotAxis axis = { scale, min, max, 0, 1 };
  g_autoptr(GArray) ticks = cbd_plot_axis_ticks (&axis, target);
  GString *text = g_string_new (NULL);

  *n_minor = 0;
  for (guint i = 0; i < ticks->len; i++)
    {
      const CbdPlotTick *tick = &g_array_index (ticks, CbdPlotTick, i);

      if (i > 0)
        g_assert_cmpfloat (tick->value, >, g_array_index (ticks, CbdPlotTick, i - 1).value);
      g_assert_cmpfloat (tick->value, >=, min - 1e-12 * fabs (max - min));
      g_assert_cmpfloat (tick->value, <=, max + 1e-12 * fabs (max - min));
      if (!tick->major)
        {
          g_assert_cmpstr (tick->label, ==, "");
          (*n_minor)++;
          continue;
        }
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, tick->label);
    }
  return g_string_free (text, FALSE);
}

static void
assert_ticks (CbdPlotScale scale, double min, double max, guint target, const char *majors,
              guint n_minor)
{
  guint minor;
  g_autofree char *text = describe_ticks (scale, min, max, target, &minor);

  if (g_strcmp0 (text, majors) != 0 || minor != n_minor)
    g_error ("[%g, %g]: majors “%s” and %u minors, expected “%s” and %u", min, max, text, minor,
             majors, n_minor);
}

static void
test_ticks (void)
{
  /* linear: steps of 1, 2 or 5, as many decimals as the step needs */
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 1, 6, "0.0 0.2 0.4 0.6 0.8 1.0", 15);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0.1, 0.6, 6, "0.1 0.2 0.3 0.4 0.5 0.6", 20);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 0.3, 5, "0.0 0.1 0.2 0.3", 12);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 0.2, 5, "0.00 0.05 0.10 0.15 0.20", 16);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, -1, 1, 5, "-1.0 -0.5 0.0 0.5 1.0", 16);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, -5, 10, 5, "-5 0 5 10", 12);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, -4, 4, 5, "-4 -2 0 2 4", 12);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 100, 5, "0 20 40 60 80 100", 15);
  /* ends between ticks */
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0.13, 0.57, 6, "0.2 0.3 0.4 0.5", 18);
  /* very large and very small steps in powers of ten */
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 2e7, 5, "0 5×10^{6} 10×10^{6} 15×10^{6} 20×10^{6}", 16);
  assert_ticks (CBD_PLOT_SCALE_LINEAR, 0, 4e-5, 5, "0 1×10^{-5} 2×10^{-5} 3×10^{-5} 4×10^{-5}", 16);

  /* log: decades with 2-9 minors */
  assert_ticks (CBD_PLOT_SCALE_LOG, 0.001, 1, 5, "0.001 0.01 0.1 1", 24);
  assert_ticks (CBD_PLOT_SCALE_LOG, 10, 1000, 5, "10 100 1000", 16);
  /* many decades: every second labelled, far ones as powers of ten */
  assert_ticks (CBD_PLOT_SCALE_LOG, 1e-8, 1, 5, "10^{-8} 10^{-6} 0.0001 0.01 1", 64 + 4);
  /* inside one decade: 1-2-5 */
  assert_ticks (CBD_PLOT_SCALE_LOG, 0.15, 0.55, 5, "0.2 0.5", 2);
  assert_ticks (CBD_PLOT_SCALE_LOG, 0.1, 1, 5, "0.1 0.2 0.5 1", 6);
  /* narrower still: linear steps */
  assert_ticks (CBD_PLOT_SCALE_LOG, 0.3, 0.45, 5, "0.30 0.35 0.40 0.45", 0);

  /* nothing for an empty or impossible axis */
  {
    CbdPlotAxis axis = { CBD_PLOT_SCALE_LOG, -1, 1, 0, 1 };
    g_autoptr(GArray) none = cbd_plot_axis_ticks (&axis, 5);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

static void
test_format_tick (void)
{
  char buffer[32];

  cbd_plot_format_tick (-1e-17, 0.1, buffer, sizeof buffer);
  g_assert_cmpstr (buffer, ==, "0.0");
  cbd_plot_format_tick (-0.0, 1, buffer, sizeof buffer);
  g_assert_cmpstr (buffer, ==, "0");
  cbd_plot_format_tick (0.30000000000000004, 0.05, buffer, sizeof buffer);
  g_assert_cmpstr (buffer, ==, "0.30");
  cbd_plot_format_tick (1500, 500, buffer, sizeof buffer);
  g_assert_cmpstr (buffer, ==, "1500");
  cbd_plot_format_tick (-2.5, 0.5, buffer, sizeof buffer);
  g_assert_cmpstr (buffer, ==, "-2.5");
}

/* --- mapping ---------------------------------------------------------------- */

static void
test_axis_mapping (void)
{
  CbdPlotAxis linear = { CBD_PLOT_SCALE_LINEAR, 0, 1, 100, 300 };
  CbdPlotAxis log_axis = { CBD_PLOT_SCALE_LOG, 0.001, 1, 0, 300 };
  CbdPlotAxis y = { CBD_PLOT_SCALE_LINEAR, 0, 1, 400, 100 };

  assert_close (cbd_plot_axis_to_pixel (&linear, 0.5), 200, 1e-12);
  assert_close (cbd_plot_axis_to_pixel (&linear, 1.5), 400, 1e-12);
  assert_close (cbd_plot_axis_from_pixel (&linear, 250), 0.75, 1e-12);
  assert_close (cbd_plot_axis_to_pixel (&log_axis, 0.01), 100, 1e-9);
  assert_close (cbd_plot_axis_to_pixel (&log_axis, 0.1), 200, 1e-9);
  assert_close (cbd_plot_axis_from_pixel (&log_axis, 200), 0.1, 1e-12);
  g_assert_true (isnan (cbd_plot_axis_to_pixel (&log_axis, 0.0)));
  g_assert_true (isnan (cbd_plot_axis_to_pixel (&log_axis, -1.0)));
  assert_close (cbd_plot_axis_to_pixel (&y, 0.25), 325, 1e-12);
  assert_close (cbd_plot_axis_from_pixel (&y, 100), 1.0, 1e-12);
  for (double v = 0.002; v < 1; v *= 1.7)
    assert_close (cbd_plot_axis_from_pixel (&log_axis, cbd_plot_axis_to_pixel (&log_axis, v)), v,
                  1e-12 * v);
}

static CbdPlotCorrelation *
sample_plot (gboolean with_rejected)
{
  g_autoptr(GError) error = NULL;
  CbdPlotCorrelation *plot = cbd_plot_correlation_new ();
  gboolean accepted[8] = { TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE };
  CbdFitOptions options;
  CbdFitResult fit;
  CbdFitSummary summary;

  if (with_rejected)
    accepted[2] = accepted[5] = FALSE;
  cbd_fit_options_init (&options);
  options.n_bootstrap = 0;
  g_assert_true (cbd_fit_power_law (eps, sigma, spread, accepted, 8, &options, &fit, &error));
  g_assert_true (cbd_fit_summarize (eps, sigma, accepted, 8, &summary, &error));
  g_assert_no_error (error);
  cbd_plot_correlation_set_points (plot, eps, sigma, spread, accepted, 8);
  cbd_plot_correlation_set_fit (plot, &fit);
  cbd_plot_correlation_set_summary (plot, &summary);
  return plot;
}

static void
test_correlation_layout (void)
{
  g_autoptr(CbdPlotCorrelation) plot = sample_plot (FALSE);
  CbdPlotLayout layout;

  cbd_plot_correlation_get_layout (plot, 400, 300, &layout);
  g_test_message ("plot area %.1f,%.1f %.1fx%.1f", layout.plot_x, layout.plot_y, layout.plot_width,
                  layout.plot_height);
  /* the area sits inside with room for labels on the left and bottom */
  g_assert_cmpfloat (layout.plot_x, >, 20);
  g_assert_cmpfloat (layout.plot_y, >, 0);
  g_assert_cmpfloat (layout.plot_x + layout.plot_width, <, 400);
  g_assert_cmpfloat (layout.plot_y + layout.plot_height, <, 280);
  g_assert_cmpfloat (layout.plot_width, >, 250);
  g_assert_cmpfloat (layout.plot_height, >, 200);
  /* nice ends around the data: porosity 0.15-0.55 (mean 0.34); sigma up to
   * 0.32 with its bar, in steps of 0.1 */
  assert_close (layout.x_axis.min, 0.1, 1e-12);
  assert_close (layout.x_axis.max, 0.6, 1e-12);
  assert_close (layout.y_axis.min, 0.0, 0);
  assert_close (layout.y_axis.max, 0.4, 1e-12);
  /* the axes map the ends onto the area's edges, y upwards */
  assert_close (cbd_plot_axis_to_pixel (&layout.x_axis, 0.1), layout.plot_x, 1e-9);
  assert_close (cbd_plot_axis_to_pixel (&layout.x_axis, 0.6), layout.plot_x + layout.plot_width, 1e-9);
  assert_close (cbd_plot_axis_to_pixel (&layout.y_axis, 0.0), layout.plot_y + layout.plot_height, 1e-9);
  assert_close (cbd_plot_axis_to_pixel (&layout.y_axis, 0.4), layout.plot_y, 1e-9);

  /* log axes, fixed ends */
  cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LOG, CBD_PLOT_SCALE_LOG);
  cbd_plot_correlation_get_layout (plot, 400, 300, &layout);
  assert_close (layout.x_axis.min, 0.1, 1e-15);
  assert_close (layout.x_axis.max, 1.0, 1e-15);
  assert_close (layout.y_axis.min, 0.001, 1e-18);
  assert_close (layout.y_axis.max, 1.0, 1e-15);
  cbd_plot_correlation_set_range (plot, 0.12, 0.7, NAN, 0.5);
  cbd_plot_correlation_get_layout (plot, 400, 300, &layout);
  assert_close (layout.x_axis.min, 0.12, 0);
  assert_close (layout.x_axis.max, 0.7, 0);
  assert_close (layout.y_axis.min, 0.001, 1e-18);
  assert_close (layout.y_axis.max, 0.5, 0);

  /* the layout scales with the size */
  {
    CbdPlotLayout small, large;

    cbd_plot_correlation_get_layout (plot, 200, 150, &small);
    cbd_plot_correlation_get_layout (plot, 800, 600, &large);
    g_assert_cmpfloat (large.plot_width, >, 3 * small.plot_width);
  }
}

static void
test_hit_test (void)
{
  g_autoptr(CbdPlotCorrelation) plot = sample_plot (TRUE);

  for (int scales = 0; scales < 2; scales++)
    {
      CbdPlotLayout layout;

      if (scales == 1)
        cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LOG, CBD_PLOT_SCALE_LOG);
      cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYERS_DEFAULT | CBD_PLOT_LAYER_REJECTED);
      cbd_plot_correlation_get_layout (plot, 500, 400, &layout);
      for (guint i = 0; i < 8; i++)
        {
          double px = cbd_plot_axis_to_pixel (&layout.x_axis, eps[i]);
          double py = cbd_plot_axis_to_pixel (&layout.y_axis, sigma[i]);

          g_assert_cmpint (cbd_plot_correlation_hit_test (plot, 500, 400, px + 1.5, py - 1.5, 4), ==, i);
          g_assert_cmpint (cbd_plot_correlation_hit_test (plot, 500, 400, px + 6, py, 4), ==, -1);
        }
      /* nothing in the empty corner, nor outside the figure */
      g_assert_cmpint (cbd_plot_correlation_hit_test (plot, 500, 400, layout.plot_x + 3, layout.plot_y + 3, 4),
                       ==, -1);
      g_assert_cmpint (cbd_plot_correlation_hit_test (plot, 500, 400, -100, -100, 4), ==, -1);

      /* rejected points cannot be hit while they are hidden */
      cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYERS_DEFAULT);
      cbd_plot_correlation_get_layout (plot, 500, 400, &layout);
      {
        double px = cbd_plot_axis_to_pixel (&layout.x_axis, eps[2]);
        double py = cbd_plot_axis_to_pixel (&layout.y_axis, sigma[2]);

        g_assert_cmpint (cbd_plot_correlation_hit_test (plot, 500, 400, px, py, 3), ==, -1);
      }
    }

  /* the nearest of two close points wins */
  {
    g_autoptr(CbdPlotCorrelation) pair = cbd_plot_correlation_new ();
    const double x[2] = { 0.30, 0.302 }, y[2] = { 0.05, 0.05 };
    CbdPlotLayout layout;
    double p0, p1;

    cbd_plot_correlation_set_points (pair, x, y, NULL, NULL, 2);
    cbd_plot_correlation_get_layout (pair, 400, 300, &layout);
    p0 = cbd_plot_axis_to_pixel (&layout.x_axis, x[0]);
    p1 = cbd_plot_axis_to_pixel (&layout.x_axis, x[1]);
    g_assert_cmpfloat (p1 - p0, >, 0.5);
    g_assert_cmpint (cbd_plot_correlation_hit_test (pair, 400, 300, p0 - 0.2,
                                                   cbd_plot_axis_to_pixel (&layout.y_axis, 0.05), 10), ==, 0);
    g_assert_cmpint (cbd_plot_correlation_hit_test (pair, 400, 300, p1 + 0.2,
                                                   cbd_plot_axis_to_pixel (&layout.y_axis, 0.05), 10), ==, 1);
  }
}

/* --- pixels ------------------------------------------------------------------ */

static guint32
pixel_at (cairo_surface_t *surface, double x, double y)
{
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);

  return *(const guint32 *) (data + (int) floor (y) * stride + 4 * (int) floor (x));
}

static void
assert_rgb (guint32 pixel, int r, int g, int b, int tolerance)
{
  int pr = (pixel >> 16) & 0xff, pg = (pixel >> 8) & 0xff, pb = pixel & 0xff;

  if (abs (pr - r) > tolerance || abs (pg - g) > tolerance || abs (pb - b) > tolerance)
    g_error ("pixel %02x%02x%02x is not near %02x%02x%02x", pr, pg, pb, r, g, b);
}

static cairo_surface_t *
render (const CbdPlotCorrelation *plot, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cbd_plot_correlation_draw (plot, cr, width, height);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* What the layout says is where the drawing puts it: accepted points in
 * blue at their mapped pixels, rejected ones hollow, the frame in black. */
static void
test_pixels_follow_layout (void)
{
  g_autoptr(CbdPlotCorrelation) plot = sample_plot (TRUE);
  cairo_surface_t *surface;
  CbdPlotLayout layout;
  CbdPlotStyle style;

  cbd_plot_style_init_screen (&style, 12);
  style.marker_size = 9;
  style.grid = FALSE;
  cbd_plot_correlation_set_style (plot, &style);
  cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_REJECTED);
  cbd_plot_correlation_get_layout (plot, 600, 450, &layout);
  surface = render (plot, 600, 450);
  for (guint i = 0; i < 8; i++)
    {
      double px = cbd_plot_axis_to_pixel (&layout.x_axis, eps[i]);
      double py = cbd_plot_axis_to_pixel (&layout.y_axis, sigma[i]);

      if (i == 2 || i == 5)
        assert_rgb (pixel_at (surface, px, py), 255, 255, 255, 2);   /* hollow */
      else
        assert_rgb (pixel_at (surface, px, py), 0, 114, 178, 3);      /* Okabe-Ito blue */
      /* a marker radius away: background */
      assert_rgb (pixel_at (surface, px - 8, py - 8), 255, 255, 255, 2);
    }
  /* the frame's left edge, half way up */
  assert_rgb (pixel_at (surface, layout.plot_x, layout.plot_y + layout.plot_height / 2), 0, 0, 0, 60);
  cairo_surface_destroy (surface);

  /* the fit curve passes through its value, in vermillion */
  cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_FIT);
  cbd_plot_correlation_get_layout (plot, 600, 450, &layout);
  surface = render (plot, 600, 450);
  {
    CbdFitResult fit;
    g_autoptr(GError) error = NULL;
    double x = 0.45, px, py;

    g_assert_true (cbd_fit_power_law (eps, sigma, spread, (gboolean[8]) { 1, 1, 0, 1, 1, 0, 1, 1 },
                                      8, NULL, &fit, &error));
    px = cbd_plot_axis_to_pixel (&layout.x_axis, x);
    py = cbd_plot_axis_to_pixel (&layout.y_axis, cbd_fit_evaluate (&fit, x, NULL, NULL));
    assert_rgb (pixel_at (surface, px, py), 213, 94, 0, 40);
    assert_rgb (pixel_at (surface, px, py - 10), 255, 255, 255, 2);
  }
  cairo_surface_destroy (surface);

  /* the highlight ring */
  cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYER_ACCEPTED);
  cbd_plot_correlation_set_highlight (plot, 4);
  cbd_plot_correlation_get_layout (plot, 600, 450, &layout);
  surface = render (plot, 600, 450);
  {
    double px = cbd_plot_axis_to_pixel (&layout.x_axis, eps[4]);
    double py = cbd_plot_axis_to_pixel (&layout.y_axis, sigma[4]);

    assert_rgb (pixel_at (surface, px + 0.5 * 2.4 * 9 - 0.2, py), 0, 0, 0, 80);
  }
  cairo_surface_destroy (surface);
}

/* --- files ------------------------------------------------------------------ */

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
assert_png (const char *path, guint32 width, guint32 height, guint32 pixels_per_metre)
{
  g_autofree guint8 *data = NULL;
  gsize length;
  gboolean found_phys = FALSE;

  g_assert_true (g_file_get_contents (path, (char **) &data, &length, NULL));
  g_assert_cmpuint (length, >, 100);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpuint (be32 (data + 16), ==, width);
  g_assert_cmpuint (be32 (data + 20), ==, height);
  /* walk the chunks up to IEND */
  for (gsize offset = 8; offset + 12 <= length;)
    {
      guint32 chunk_length = be32 (data + offset);

      if (memcmp (data + offset + 4, "pHYs", 4) == 0)
        {
          g_assert_cmpuint (be32 (data + offset + 8), ==, pixels_per_metre);
          g_assert_cmpuint (be32 (data + offset + 12), ==, pixels_per_metre);
          g_assert_cmpuint (data[offset + 16], ==, 1);
          found_phys = TRUE;
        }
      if (memcmp (data + offset + 4, "IEND", 4) == 0)
        {
          g_assert_cmpuint (offset + 12, ==, length);
          g_assert_true (found_phys);
          return;
        }
      offset += 12 + chunk_length;
    }
  g_error ("%s: no IEND chunk", path);
}

typedef struct
{
  char    *root;
  gboolean saw_path;
} SvgScan;

static void
svg_start (GMarkupParseContext *context, const char *element, const char **names,
           const char **values, gpointer user_data, GError **error)
{
  SvgScan *scan = user_data;

  if (scan->root == NULL)
    {
      scan->root = g_strdup (element);
      for (guint i = 0; names[i] != NULL; i++)
        if (strcmp (names[i], "width") == 0)
          g_assert_cmpstr (values[i], ==, "324pt");
    }
  if (strcmp (element, "path") == 0)
    scan->saw_path = TRUE;
}

static void
assert_svg (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
  SvgScan scan = { NULL, FALSE };
  GMarkupParseContext *context;
  gsize length;

  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  g_assert_true (g_str_has_prefix (text, "<?xml"));
  context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
  g_assert_true (g_markup_parse_context_parse (context, text, length, &error) &&
                 g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);
  g_assert_cmpstr (scan.root, ==, "svg");
  g_assert_true (scan.saw_path);
  g_free (scan.root);
}

/* Binary-safe (PDF streams hold NUL bytes). */
static gboolean
contains (const char *data, gsize length, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_pdf (const char *path)
{
  g_autofree char *text = NULL;
  gsize length;
  const char *tail;

  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  g_assert_cmpuint (length, >, 500);
  g_assert_true (g_str_has_prefix (text, "%PDF-1."));
  tail = text + length - MIN (length, 64);
  g_assert_true (contains (tail, text + length - tail, "startxref"));
  g_assert_true (contains (tail, text + length - tail, "%%EOF"));
  g_assert_true (contains (text, length, "/MediaBox [ 0 0 324 245 ]"));
}

static guint
count_files (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_export_correlation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPlotCorrelation) plot = sample_plot (TRUE);
  g_autofree char *dir = g_build_filename (tmp_dir, "correlation", NULL);
  g_autofree char *png = g_build_filename (dir, "fig3a.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "fig3a.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "fig3a.pdf", NULL);
  g_autofree char *source = g_build_filename (g_getenv ("CBD_SOURCE_DIR") != NULL
                                              ? g_getenv ("CBD_SOURCE_DIR") : CBD_SOURCE_DATADIR "/..",
                                              "data", "references.csv", NULL);
  g_autoptr(GPtrArray) references = cbd_references_load (source, &error);
  CbdPlotFormat format;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  cbd_plot_correlation_set_references (plot, references);
  cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYERS_DEFAULT | CBD_PLOT_LAYER_REJECTED |
                                         CBD_PLOT_LAYER_REFERENCES);

  g_assert_true (cbd_plot_format_from_path (png, &format));
  g_assert_cmpint (format, ==, CBD_PLOT_FORMAT_PNG);
  g_assert_true (cbd_plot_correlation_export (plot, png, format, CBD_PLOT_DEFAULT_WIDTH_PT,
                                              CBD_PLOT_DEFAULT_HEIGHT_PT, 150, &error));
  g_assert_no_error (error);
  /* 324 x 245 pt at 150 dpi: ceil (675.0) x ceil (510.4); 150 / 0.0254 = 5905.5 per metre */
  assert_png (png, 675, 511, 5906);

  g_assert_true (cbd_plot_format_from_path (svg, &format));
  g_assert_true (cbd_plot_correlation_export (plot, svg, format, 324, 245, 0, &error));
  g_assert_no_error (error);
  assert_svg (svg);

  g_assert_true (cbd_plot_format_from_path (pdf, &format));
  g_assert_true (cbd_plot_correlation_export (plot, pdf, format, 324, 245, 0, &error));
  g_assert_no_error (error);
  assert_pdf (pdf);

  /* written in place: no temporary files left behind */
  g_assert_cmpuint (count_files (dir), ==, 3);

  /* log axes and the literature draw as well */
  cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LOG, CBD_PLOT_SCALE_LOG);
  g_assert_true (cbd_plot_correlation_export (plot, png, CBD_PLOT_FORMAT_PNG, 324, 245, 72, &error));
  g_assert_no_error (error);
  assert_png (png, 324, 245, 2835);
}

static void
test_export_errors (void)
{
  g_autoptr(CbdPlotCorrelation) plot = sample_plot (FALSE);
  g_autofree char *dir = g_build_filename (tmp_dir, "errors", NULL);
  g_autofree char *existing = g_build_filename (dir, "keep.png", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "dir", "x.pdf", NULL);
  g_autofree char *contents = NULL;
  CbdPlotFormat format;
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (existing, "previous figure", -1, NULL));

  /* a size or resolution that cannot be drawn leaves the old file alone */
  g_assert_false (cbd_plot_correlation_export (plot, existing, CBD_PLOT_FORMAT_PNG, 324, 245,
                                               5000, &error));
  g_assert_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "keep.png"));
  g_clear_error (&error);
  g_assert_false (cbd_plot_correlation_export (plot, existing, CBD_PLOT_FORMAT_PDF, 0, 245, 0, &error));
  g_assert_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "previous figure");

  /* an unwritable place */
  g_assert_false (cbd_plot_correlation_export (plot, missing, CBD_PLOT_FORMAT_PDF, 324, 245, 0, &error));
  g_assert_error (error, CBD_PLOT_ERROR, CBD_PLOT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "x.pdf"));
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 1);

  g_assert_false (cbd_plot_format_from_path ("figure.jpeg", &format));
  g_assert_false (cbd_plot_format_from_path ("figure", &format));
  g_assert_false (cbd_plot_format_from_path ("dir.png/figure", &format));
  g_assert_true (cbd_plot_format_from_path ("FIGURE.PDF", &format));
  g_assert_cmpint (format, ==, CBD_PLOT_FORMAT_PDF);
  g_assert_cmpstr (cbd_plot_format_to_string (CBD_PLOT_FORMAT_SVG), ==, "svg");
}

/* No data, or data a log axis cannot show: still a figure with axes. */
static void
test_degenerate_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPlotCorrelation) empty = cbd_plot_correlation_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "empty.svg", NULL);
  const double x[3] = { 0.2, NAN, 0.4 }, y[3] = { 0.0, 0.1, -0.1 };
  CbdPlotLayout layout;
  cairo_surface_t *surface;

  g_assert_true (cbd_plot_correlation_export (empty, path, CBD_PLOT_FORMAT_SVG, 200, 150, 0, &error));
  g_assert_no_error (error);
  assert_close (cbd_plot_correlation_hit_test (empty, 200, 150, 100, 75, 50), -1, 0);

  cbd_plot_correlation_set_points (empty, x, y, NULL, NULL, 3);
  cbd_plot_correlation_set_scales (empty, CBD_PLOT_SCALE_LINEAR, CBD_PLOT_SCALE_LOG);
  cbd_plot_correlation_get_layout (empty, 300, 200, &layout);
  g_assert_cmpfloat (layout.y_axis.min, >, 0);
  surface = render (empty, 300, 200);
  cairo_surface_destroy (surface);
  /* tiny canvases do not crash */
  surface = render (empty, 10, 10);
  cairo_surface_destroy (surface);
}

static void
test_psd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPlotPsd) plot = cbd_plot_psd_new ();
  g_autofree char *png = g_build_filename (tmp_dir, "psd.png", NULL);
  g_autofree char *svg = g_build_filename (tmp_dir, "psd.svg", NULL);
  g_autofree char *pdf = g_build_filename (tmp_dir, "psd.pdf", NULL);
  double d[30], cumulative[30], density[30], cumulative2[30];
  CbdPlotLayout top, bottom;

  /* a log-normal distribution around 150 nm, and a narrower one */
  for (guint i = 0; i < 30; i++)
    {
      double ln_d = log (20) + (log (2000) - log (20)) * i / 29;
      d[29 - i] = exp (ln_d);  /* descending, as intrusion lists them */
      density[29 - i] = exp (-pow (ln_d - log (150), 2) / (2 * 0.5 * 0.5));
      cumulative[29 - i] = 0.5 * erfc ((ln_d - log (150)) / (0.5 * sqrt (2)));
      cumulative2[29 - i] = 0.5 * erfc ((ln_d - log (90)) / (0.3 * sqrt (2)));
    }
  cbd_plot_psd_add_series (plot, "Whole stack", d, cumulative, density, 30);
  cbd_plot_psd_add_series (plot, "Accepted cutouts", d, cumulative2, NULL, 30);
  cbd_plot_psd_get_layout (plot, 324, 400, &top, &bottom);
  /* one diameter axis for both panels, whole decades 10-10000 nm */
  assert_close (top.plot_x, bottom.plot_x, 1e-9);
  assert_close (top.plot_width, bottom.plot_width, 1e-9);
  assert_close (top.x_axis.min, 10, 1e-12);
  assert_close (top.x_axis.max, 10000, 1e-9);
  g_assert_cmpint (top.x_axis.scale, ==, CBD_PLOT_SCALE_LOG);
  g_assert_cmpfloat (top.plot_y + top.plot_height, <, bottom.plot_y);
  assert_close (top.y_axis.min, 0, 0);
  assert_close (top.y_axis.max, 1.0, 1e-12);
  assert_close (cbd_plot_axis_to_pixel (&bottom.x_axis, 100), bottom.plot_x + bottom.plot_width / 3, 1e-9);

  g_assert_true (cbd_plot_psd_export (plot, png, CBD_PLOT_FORMAT_PNG, 324, 400, 300, &error));
  g_assert_true (cbd_plot_psd_export (plot, svg, CBD_PLOT_FORMAT_SVG, 324, 400, 0, &error));
  g_assert_true (cbd_plot_psd_export (plot, pdf, CBD_PLOT_FORMAT_PDF, 324, 245, 0, &error));
  g_assert_no_error (error);
  assert_png (png, 1350, 1667, 11811);
  assert_svg (svg);
  assert_pdf (pdf);

  /* a fixed range, only cumulative curves: one panel over the whole height */
  cbd_plot_psd_clear (plot);
  cbd_plot_psd_add_series (plot, "Intrusion", d, cumulative, NULL, 30);
  cbd_plot_psd_set_diameter_range (plot, 30, 3000);
  cbd_plot_psd_get_layout (plot, 324, 245, &top, &bottom);
  assert_close (top.x_axis.min, 30, 0);
  assert_close (top.x_axis.max, 3000, 0);
  g_assert_cmpfloat (bottom.plot_width, ==, 0);
  g_assert_cmpfloat (top.plot_height, >, 150);

  /* nothing at all */
  cbd_plot_psd_clear (plot);
  g_assert_true (cbd_plot_psd_export (plot, svg, CBD_PLOT_FORMAT_SVG, 324, 245, 0, &error));
  g_assert_no_error (error);
}

/* CBD_PLOT_FIGURES=DIR keeps the sample figures for a look. */
static void
test_keep_figures (void)
{
  const char *dir = g_getenv ("CBD_PLOT_FIGURES");
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdPlotCorrelation) plot = NULL;
  g_autoptr(GPtrArray) references = NULL;

  if (dir == NULL)
    {
      g_test_skip ("set CBD_PLOT_FIGURES=DIR to keep sample figures");
      return;
    }
  references = cbd_references_load_default (&error);
  g_assert_no_error (error);
  plot = sample_plot (TRUE);
  cbd_plot_correlation_set_references (plot, references);
  for (int variant = 0; variant < 3; variant++)
    {
      const char *names[3] = { "fig2a-all", "fig3a-fit", "fig4-literature" };
      CbdPlotLayers layers[3] = {
        CBD_PLOT_LAYER_ACCEPTED | CBD_PLOT_LAYER_REJECTED | CBD_PLOT_LAYER_ERROR_BARS |
          CBD_PLOT_LAYER_LEGEND,
        CBD_PLOT_LAYERS_DEFAULT,
        CBD_PLOT_LAYERS_DEFAULT | CBD_PLOT_LAYER_REFERENCES,
      };

      cbd_plot_correlation_set_layers (plot, layers[variant]);
      for (int scale = 0; scale < 2; scale++)
        for (int format = 0; format < 3; format++)
          {
            g_autofree char *name = g_strdup_printf ("%s%s.%s", names[variant], scale ? "-log" : "",
                                                     cbd_plot_format_to_string (format));
            g_autofree char *path = g_build_filename (dir, name, NULL);

            cbd_plot_correlation_set_scales (plot, scale ? CBD_PLOT_SCALE_LOG : CBD_PLOT_SCALE_LINEAR,
                                             scale ? CBD_PLOT_SCALE_LOG : CBD_PLOT_SCALE_LINEAR);
            g_assert_true (cbd_plot_correlation_export (plot, path, format, CBD_PLOT_DEFAULT_WIDTH_PT,
                                                        CBD_PLOT_DEFAULT_HEIGHT_PT, 200, &error));
            g_assert_no_error (error);
          }
      /* a double-column width, where a long legend finds room */
      {
        g_autofree char *name = g_strdup_printf ("%s-wide.png", names[variant]);
        g_autofree char *path = g_build_filename (dir, name, NULL);

        cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LINEAR, CBD_PLOT_SCALE_LINEAR);
        g_assert_true (cbd_plot_correlation_export (plot, path, CBD_PLOT_FORMAT_PNG, 504, 300, 150,
                                                    &error));
        g_assert_no_error (error);
      }
    }
  /* as the app's widget would draw it: device pixels, screen type */
  {
    g_autofree char *path = g_build_filename (dir, "screen-log.png", NULL);
    CbdPlotStyle style;

    cbd_plot_style_init_screen (&style, 13);
    cbd_plot_correlation_set_style (plot, &style);
    cbd_plot_correlation_set_layers (plot, CBD_PLOT_LAYERS_DEFAULT | CBD_PLOT_LAYER_REJECTED |
                                           CBD_PLOT_LAYER_REFERENCES);
    cbd_plot_correlation_set_scales (plot, CBD_PLOT_SCALE_LOG, CBD_PLOT_SCALE_LOG);
    cbd_plot_correlation_set_highlight (plot, 3);
    g_assert_true (cbd_plot_correlation_export (plot, path, CBD_PLOT_FORMAT_PNG, 900, 600, 72,
                                                &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CbdPlotPsd) psd = cbd_plot_psd_new ();
    g_autofree char *path = g_build_filename (dir, "fig2b-psd.png", NULL);
    double d[40], cumulative[40], density[40], cumulative2[40], density2[40];

    for (guint i = 0; i < 40; i++)
      {
        double ln_d = log (20) + (log (2000) - log (20)) * i / 39;

        d[i] = exp (ln_d);
        density[i] = exp (-pow (ln_d - log (150), 2) / (2 * 0.5 * 0.5));
        cumulative[i] = 0.5 * erfc ((ln_d - log (150)) / (0.5 * sqrt (2)));
        density2[i] = 0.8 * exp (-pow (ln_d - log (90), 2) / (2 * 0.3 * 0.3));
        cumulative2[i] = 0.5 * erfc ((ln_d - log (90)) / (0.3 * sqrt (2)));
      }
    cbd_plot_psd_add_series (psd, "Whole stack (intrusion)", d, cumulative, density, 40);
    cbd_plot_psd_add_series (psd, "Accepted cutouts (intrusion)", d, cumulative2, density2, 40);
    g_assert_true (cbd_plot_psd_export (psd, path, CBD_PLOT_FORMAT_PNG, 324, 400, 200, &error));
    g_assert_no_error (error);
  }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gsl_set_error_handler_off ();
  tmp_dir = g_dir_make_tmp ("cbd-plot-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/plot/nice-step", test_nice_step);
  g_test_add_func ("/plot/nice-range", test_nice_range);
  g_test_add_func ("/plot/ticks", test_ticks);
  g_test_add_func ("/plot/format-tick", test_format_tick);
  g_test_add_func ("/plot/axis-mapping", test_axis_mapping);
  g_test_add_func ("/plot/correlation-layout", test_correlation_layout);
  g_test_add_func ("/plot/hit-test", test_hit_test);
  g_test_add_func ("/plot/pixels-follow-layout", test_pixels_follow_layout);
  g_test_add_func ("/plot/export-correlation", test_export_correlation);
  g_test_add_func ("/plot/export-errors", test_export_errors);
  g_test_add_func ("/plot/degenerate-data", test_degenerate_data);
  g_test_add_func ("/plot/psd", test_psd);
  g_test_add_func ("/plot/keep-figures", test_keep_figures);
  status = g_test_run ();

  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
