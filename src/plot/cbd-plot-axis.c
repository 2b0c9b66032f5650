/* cbd-plot-axis.c — axis scales, "nice" ranges and ticks, data-to-device
 * mapping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-plot-axis.h"

/* Slack when deciding whether a computed tick lies on the range's ends. */
#define TICK_SLACK 1e-9

static double
scaled (CbdPlotScale scale, double value)
{
  return scale == CBD_PLOT_SCALE_LOG ? (value > 0 ? log10 (value) : NAN) : value;
}

double
cbd_plot_axis_to_pixel (const CbdPlotAxis *axis,
                        double             value)
{
  double lo = scaled (axis->scale, axis->min);
  double hi = scaled (axis->scale, axis->max);
  double v = scaled (axis->scale, value);

  if (hi == lo)
    return 0.5 * (axis->pixel_min + axis->pixel_max);
  return axis->pixel_min + (v - lo) / (hi - lo) * (axis->pixel_max - axis->pixel_min);
}

double
cbd_plot_axis_from_pixel (const CbdPlotAxis *axis,
                          double             pixel)
{
  double lo = scaled (axis->scale, axis->min);
  double hi = scaled (axis->scale, axis->max);
  double v;

  if (axis->pixel_max == axis->pixel_min)
    return axis->min;
  v = lo + (pixel - axis->pixel_min) / (axis->pixel_max - axis->pixel_min) * (hi - lo);
  return axis->scale == CBD_PLOT_SCALE_LOG ? pow (10.0, v) : v;
}

double
cbd_plot_nice_step (double range,
                    guint  target_major)
{
  double raw, exponent, fraction, nice;

  if (!(range > 0) || !isfinite (range))
    return 1.0;
  raw = range / (MAX (target_major, 2) - 1);
  exponent = floor (log10 (raw));
  fraction = raw / pow (10.0, exponent);
  if (fraction < 1.5)
    nice = 1;
  else if (fraction < 3)
    nice = 2;
  else if (fraction < 7)
    nice = 5;
  else
    nice = 10;
  return nice * pow (10.0, exponent);
}

gboolean
cbd_plot_nice_range (CbdPlotScale scale,
                     double       lo,
                     double       hi,
                     guint        target_major,
                     double      *nice_lo,
                     double      *nice_hi)
{
  if (!isfinite (lo) || !isfinite (hi) || lo > hi)
    return FALSE;

  if (scale == CBD_PLOT_SCALE_LOG)
    {
      double lo_decade, hi_decade;

      if (!(lo > 0))
        return FALSE;
      lo_decade = floor (log10 (lo) + TICK_SLACK);
      hi_decade = ceil (log10 (hi) - TICK_SLACK);
      if (hi_decade <= lo_decade)
        hi_decade = lo_decade + 1;
      *nice_lo = pow (10.0, lo_decade);
      *nice_hi = pow (10.0, hi_decade);
      return TRUE;
    }

  if (hi == lo)
    {
      double delta = lo != 0 ? 0.1 * fabs (lo) : 1.0;

      lo -= delta;
      hi += delta;
    }
  {
    double step = cbd_plot_nice_step (hi - lo, target_major);

    /* The ticks of the widened range are chosen from its own length; widen
     * until that step gives the same ends, so both ends carry a tick. */
    for (guint round = 0; round < 4; round++)
      {
        double next;

        *nice_lo = floor (lo / step + TICK_SLACK) * step;
        *nice_hi = ceil (hi / step - TICK_SLACK) * step;
        next = cbd_plot_nice_step (*nice_hi - *nice_lo, target_major);
        if (fabs (next - step) <= TICK_SLACK * step)
          break;
        step = next;
      }
    /* no "-0" ends */
    if (fabs (*nice_lo) < step * TICK_SLACK)
      *nice_lo = 0.0;
    if (fabs (*nice_hi) < step * TICK_SLACK)
      *nice_hi = 0.0;
  }
  return TRUE;
}

/* "-0", "-0.00" → "0", "0.00" */
static void
drop_negative_zero (char *text)
{
  if (text[0] != '-')
    return;
  for (const char *p = text + 1; *p; p++)
    if (*p != '0' && *p != '.')
      return;
  memmove (text, text + 1, strlen (text));
}

/* m×10^{e}; a bare 10^{e} for m = 1 when @bare_one (log axes). */
static void
format_power (double mantissa, int exponent, gboolean bare_one, char *buffer, gsize size)
{
  if (mantissa == 1.0 && bare_one)
    g_snprintf (buffer, size, "10^{%d}", exponent);
  else
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (number, sizeof number, "%.0f", mantissa);
      g_snprintf (buffer, size, "%s×10^{%d}", number, exponent);
    }
}

void
cbd_plot_format_tick (double value,
                      double step,
                      char  *buffer,
                      gsize  size)
{
  char format[16];
  int decimals;

  if (fabs (value) < fabs (step) * TICK_SLACK)
    value = 0.0;
  if (step < 1e-4 || step >= 1e6)
    {
      int exponent = (int) floor (log10 (step) + TICK_SLACK);

      if (value == 0.0)
        g_strlcpy (buffer, "0", size);
      else
        format_power (round (value / pow (10.0, exponent)), exponent, FALSE, buffer, size);
      return;
    }
  decimals = MAX (0, (int) ceil (-log10 (step) - TICK_SLACK));
  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_ascii_formatd (buffer, size, format, value);
  drop_negative_zero (buffer);
}

/* A value m * 10^d on a log axis. */
static void
format_log_tick (double mantissa, int decade, char *buffer, gsize size)
{
  double value = mantissa * pow (10.0, decade);

  if (decade >= -4 && decade <= 4)
    {
      char format[16];

      g_snprintf (format, sizeof format, "%%.%df", MAX (0, -decade));
      g_ascii_formatd (buffer, size, format, value);
    }
  else
    format_power (mantissa, decade, TRUE, buffer, size);
}

static void
add_tick (GArray *ticks, double value, gboolean major, const char *label)
{
  CbdPlotTick tick = { value, major, "" };

  if (label != NULL)
    g_strlcpy (tick.label, label, sizeof tick.label);
  g_array_append_val (ticks, tick);
}

static int
compare_ticks (gconstpointer a, gconstpointer b)
{
  double va = ((const CbdPlotTick *) a)->value, vb = ((const CbdPlotTick *) b)->value;
  return (va > vb) - (va < vb);
}

static void
linear_ticks (GArray *ticks, double min, double max, guint target_major)
{
  double step = cbd_plot_nice_step (max - min, target_major);
  double mantissa = step / pow (10.0, floor (log10 (step) + TICK_SLACK));
  int subdivisions = fabs (mantissa - 2.0) < 0.01 ? 4 : 5;
  double minor = step / subdivisions;
  double first = ceil (min / minor - TICK_SLACK), last = floor (max / minor + TICK_SLACK);

  for (double k = first; k <= last; k++)
    {
      double value = k * minor;
      gboolean major = fmod (fabs (k), subdivisions) < 0.5;
      char label[32];

      if (fabs (value) < minor * TICK_SLACK)
        value = 0.0;
      if (major)
        cbd_plot_format_tick (value, step, label, sizeof label);
      add_tick (ticks, value, major, major ? label : NULL);
    }
}

static void
log_ticks (GArray *ticks, double min, double max, guint target_major)
{
  double lmin = log10 (min), lmax = log10 (max);
  int first = (int) ceil (lmin - TICK_SLACK), last = (int) floor (lmax + TICK_SLACK);
  int n_decades = last - first + 1;
  char label[32];

  /* three decades or more: label decades; fewer look bare, so 1-2-5 */
  if (n_decades >= 3)
    {
      int every = n_decades > (int) target_major + 2
                  ? (int) ceil ((n_decades - 1) / (double) MAX (target_major, 2)) : 1;

      for (int decade = (int) floor (lmin); decade <= last; decade++)
        {
          gboolean major = decade >= first && (decade - first) % every == 0;

          if (decade >= first)
            {
              format_log_tick (1, decade, label, sizeof label);
              add_tick (ticks, pow (10.0, decade), major, major ? label : NULL);
            }
          if (lmax - lmin > 8)
            continue;
          for (int m = 2; m <= 9; m++)
            {
              double value = m * pow (10.0, decade);

              if (value >= min * (1 - TICK_SLACK) && value <= max * (1 + TICK_SLACK))
                add_tick (ticks, value, FALSE, NULL);
            }
        }
      return;
    }

  /* Up to two decades: 1-2-5 majors, the other digits minor. */
  {
    guint n_major = 0;

    for (int decade = (int) floor (lmin); decade <= (int) ceil (lmax); decade++)
      for (int m = 1; m <= 9; m++)
        {
          double value = m * pow (10.0, decade);

          if (value >= min * (1 - TICK_SLACK) && value <= max * (1 + TICK_SLACK) &&
              (m == 1 || m == 2 || m == 5))
            n_major++;
        }
    if (n_major >= 2)
      {
        for (int decade = (int) floor (lmin); decade <= (int) ceil (lmax); decade++)
          for (int m = 1; m <= 9; m++)
            {
              double value = m * pow (10.0, decade);
              gboolean major = m == 1 || m == 2 || m == 5;

              if (value < min * (1 - TICK_SLACK) || value > max * (1 + TICK_SLACK))
                continue;
              if (major)
                format_log_tick (m, decade, label, sizeof label);
              add_tick (ticks, value, major, major ? label : NULL);
            }
        return;
      }
  }

  /* A narrow range: plain linear steps, all labelled. */
  {
    double step = cbd_plot_nice_step (max - min, target_major);

    for (double k = ceil (min / step - TICK_SLACK); k <= floor (max / step + TICK_SLACK); k++)
      {
        cbd_plot_format_tick (k * step, step, label, sizeof label);
        add_tick (ticks, k * step, TRUE, label);
      }
  }
}

GArray *
cbd_plot_axis_ticks (const CbdPlotAxis *axis,
                     guint              target_major)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (CbdPlotTick));

  g_return_val_if_fail (axis != NULL, ticks);

  if (!(isfinite (axis->min) && isfinite (axis->max) && axis->max > axis->min))
    return ticks;
  if (axis->scale == CBD_PLOT_SCALE_LOG)
    {
      if (axis->min > 0)
        log_ticks (ticks, axis->min, axis->max, target_major);
    }
  else
    linear_ticks (ticks, axis->min, axis->max, target_major);
  g_array_sort (ticks, compare_ticks);
  return ticks;
}
