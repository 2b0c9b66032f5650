/* cbd-plot-view.c — a libcbdplot figure (correlation or pore sizes) in a
 * widget, with hover names and clickable points
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The figure is drawn by the same code as the CLI's exports, so the screen
 * shows what a PNG/SVG/PDF will hold.
 */
#define G_LOG_DOMAIN "cbd-plot-view"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-plot-view.h"

#define HIT_RADIUS 6.0

struct _CbdPlotView
{
  GtkWidget           parent_instance;

  CbdPlotCorrelation *correlation;
  CbdPlotPsd         *psd;
  GStrv               names;
};

enum
{
  SIGNAL_POINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdPlotView, cbd_plot_view, GTK_TYPE_WIDGET)

static void
cbd_plot_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  CbdPlotView *self = CBD_PLOT_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gint64 start = g_get_monotonic_time ();
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  /* Figures are drawn for paper: white, whatever the theme. */
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_paint (cr);
  if (self->correlation != NULL)
    cbd_plot_correlation_draw (self->correlation, cr, width, height);
  else if (self->psd != NULL)
    cbd_plot_psd_draw (self->psd, cr, width, height);
  cairo_destroy (cr);
  g_debug ("plot drawn at %d x %d in %.2f ms", width, height,
           (g_get_monotonic_time () - start) / 1000.0);
}

gssize
cbd_plot_view_hit_test (CbdPlotView *self,
                        double       x,
                        double       y)
{
  g_return_val_if_fail (CBD_IS_PLOT_VIEW (self), -1);

  if (self->correlation == NULL)
    return -1;
  return cbd_plot_correlation_hit_test (self->correlation,
                                        gtk_widget_get_width (GTK_WIDGET (self)),
                                        gtk_widget_get_height (GTK_WIDGET (self)),
                                        x, y, HIT_RADIUS);
}

/**
 * cbd_plot_view_dup_hover_text:
 *
 * Returns: (nullable): what hovering (@x, @y) shows: the name of the
 *   point there, or %NULL when no point is there
 */
char *
cbd_plot_view_dup_hover_text (CbdPlotView *self,
                              double       x,
                              double       y)
{
  gssize index;

  g_return_val_if_fail (CBD_IS_PLOT_VIEW (self), NULL);

  index = cbd_plot_view_hit_test (self, x, y);
  if (index < 0)
    return NULL;
  if (self->names != NULL && (gsize) index < g_strv_length (self->names))
    return g_strdup (self->names[index]);
  /* Translators: a point of the plot without a cutout name */
  return g_strdup_printf (_("Cutout %zd"), index + 1);
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  g_autofree char *text = NULL;

  if (keyboard)
    return FALSE;
  text = cbd_plot_view_dup_hover_text (CBD_PLOT_VIEW (widget), x, y);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            CbdPlotView     *self)
{
  gssize index = cbd_plot_view_hit_test (self, x, y);

  if (index >= 0)
    g_signal_emit (self, signals[SIGNAL_POINT_ACTIVATED], 0, (guint) index);
}

static void
cbd_plot_view_dispose (GObject *object)
{
  CbdPlotView *self = CBD_PLOT_VIEW (object);

  g_clear_pointer (&self->correlation, cbd_plot_correlation_unref);
  g_clear_pointer (&self->psd, cbd_plot_psd_unref);
  g_clear_pointer (&self->names, g_strfreev);

  G_OBJECT_CLASS (cbd_plot_view_parent_class)->dispose (object);
}

static void
cbd_plot_view_class_init (CbdPlotViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_plot_view_dispose;
  widget_class->snapshot = cbd_plot_view_snapshot;

  /**
   * CbdPlotView::point-activated:
   * @index: the point clicked (its cutout's index for the study figures)
   */
  signals[SIGNAL_POINT_ACTIVATED] =
    g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "cbdplotview");
}

static void
cbd_plot_view_init (CbdPlotView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 180);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
cbd_plot_view_new (void)
{
  return g_object_new (CBD_TYPE_PLOT_VIEW, NULL);
}

void
cbd_plot_view_set_correlation (CbdPlotView        *self,
                               CbdPlotCorrelation *plot)
{
  g_return_if_fail (CBD_IS_PLOT_VIEW (self));

  if (plot != NULL)
    cbd_plot_correlation_ref (plot);
  g_clear_pointer (&self->correlation, cbd_plot_correlation_unref);
  self->correlation = plot;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

CbdPlotCorrelation *
cbd_plot_view_get_correlation (CbdPlotView *self)
{
  g_return_val_if_fail (CBD_IS_PLOT_VIEW (self), NULL);
  return self->correlation;
}

void
cbd_plot_view_set_psd (CbdPlotView *self,
                       CbdPlotPsd  *plot)
{
  g_return_if_fail (CBD_IS_PLOT_VIEW (self));

  if (plot != NULL)
    cbd_plot_psd_ref (plot);
  g_clear_pointer (&self->psd, cbd_plot_psd_unref);
  self->psd = plot;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

CbdPlotPsd *
cbd_plot_view_get_psd (CbdPlotView *self)
{
  g_return_val_if_fail (CBD_IS_PLOT_VIEW (self), NULL);
  return self->psd;
}

void
cbd_plot_view_set_point_names (CbdPlotView        *self,
                               const char * const *names)
{
  g_return_if_fail (CBD_IS_PLOT_VIEW (self));

  g_clear_pointer (&self->names, g_strfreev);
  self->names = g_strdupv ((char **) names);
}
