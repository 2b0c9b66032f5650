/* cbd-plot-axis.h — axis scales, "nice" ranges and ticks, data-to-device
 * mapping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CBD_PLOT_SCALE_LINEAR,
  CBD_PLOT_SCALE_LOG,
} CbdPlotScale;

/* A data interval [min, max] drawn from device coordinate pixel_min to
 * pixel_max (for a y axis pixel_max < pixel_min: up is smaller y). */
typedef struct
{
  CbdPlotScale scale;
  double       min, max;
  double       pixel_min, pixel_max;
} CbdPlotAxis;

typedef struct
{
  double   value;
  gboolean major;
  /* Major ticks only, else empty. May hold ^{...} markup for powers of ten
   * ("10^{-5}"), see cbd_plot_text_* in the drawing code. */
  char     label[32];
} CbdPlotTick;

/* Where a figure's data area ended up for a given size, and its axes. */
typedef struct
{
  double      width, height;
  double      plot_x, plot_y, plot_width, plot_height;
  CbdPlotAxis x_axis, y_axis;
} CbdPlotLayout;

/* Device coordinate of @value; NaN for a non-positive value on a log axis. */
double   cbd_plot_axis_to_pixel    (const CbdPlotAxis *axis,
                                    double             value);
double   cbd_plot_axis_from_pixel  (const CbdPlotAxis *axis,
                                    double             pixel);

/* 1, 2 or 5 times a power of ten, near @range / (@target_major - 1)
 * (Heckbert's "nice numbers"). */
double   cbd_plot_nice_step        (double             range,
                                    guint              target_major);

/* Widens [lo, hi] to whole ticks: multiples of the nice step (linear) or
 * whole decades (log; lo and hi must be positive). A zero-width interval is
 * widened around its value. Returns FALSE (and leaves the outputs alone)
 * when the input cannot be shown (non-finite, lo > hi, or non-positive on
 * a log scale). */
gboolean cbd_plot_nice_range       (CbdPlotScale       scale,
                                    double             lo,
                                    double             hi,
                                    guint              target_major,
                                    double            *nice_lo,
                                    double            *nice_hi);

/* The ticks of [axis->min, axis->max], majors labelled: about
 * @target_major majors at nice steps (linear); on a log axis majors at the
 * decades (every second, third... when there are many) with minor ticks at
 * 2-9, or at 1-2-5 within one decade, or linear steps when even those are
 * too few. Labels use the C locale and as many decimals as the step needs;
 * -0 is written 0. An array of CbdPlotTick in increasing order. */
GArray  *cbd_plot_axis_ticks       (const CbdPlotAxis *axis,
                                    guint              target_major);

/* The label a value gets on a linear axis with steps of @step. */
void     cbd_plot_format_tick      (double             value,
                                    double             step,
                                    char              *buffer,
                                    gsize              size);

G_END_DECLS
