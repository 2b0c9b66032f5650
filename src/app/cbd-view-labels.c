/* cbd-view-labels.c — text and scale bars drawn over the slice and 3D views
 *
 * White on a translucent dark box, so they read over any phase colour.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-view-labels"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cbd-view-labels.h"

/* The longest 1, 2 or 5 × 10^k not over @limit. */
double
cbd_view_labels_nice_length (double limit)
{
  double power = pow (10.0, floor (log10 (limit)));

  if (5.0 * power <= limit)
    return 5.0 * power;
  if (2.0 * power <= limit)
    return 2.0 * power;
  return power;
}

/* @text with its top-left corner at (@x, @y), or its bottom-left one. */
void
cbd_view_labels_append_text (GtkWidget   *widget,
                             GtkSnapshot *snapshot,
                             const char  *text,
                             double       x,
                             double       y,
                             gboolean     from_bottom)
{
  static const GdkRGBA text_color = { 1.0f, 1.0f, 1.0f, 1.0f };
  static const GdkRGBA shade = { 0.0f, 0.0f, 0.0f, 0.6f };
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int text_width, text_height;

  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  if (from_bottom)
    y -= text_height;
  gtk_snapshot_append_color (snapshot, &shade,
                             &GRAPHENE_RECT_INIT (x - 4, y - 2, text_width + 8, text_height + 4));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, &text_color);
  gtk_snapshot_restore (snapshot);
}

/* A bar of a round length near 120 pixels and its length, at the bottom
 * left of a view @height pixels high. */
void
cbd_view_labels_append_scale_bar (GtkWidget   *widget,
                                  GtkSnapshot *snapshot,
                                  double       pixels_per_nm,
                                  double       height)
{
  static const GdkRGBA bar_color = { 1.0f, 1.0f, 1.0f, 1.0f };
  static const GdkRGBA outline = { 0.0f, 0.0f, 0.0f, 0.8f };
  double length_nm, length_px;
  g_autofree char *label = NULL;

  if (!(pixels_per_nm > 0.0) || !isfinite (pixels_per_nm))
    return;
  length_nm = cbd_view_labels_nice_length (120.0 / pixels_per_nm);
  length_px = length_nm * pixels_per_nm;
  if (length_nm >= 1000.0)
    label = g_strdup_printf (_("%g µm"), length_nm / 1000.0);
  else
    label = g_strdup_printf (_("%g nm"), length_nm);

  gtk_snapshot_append_color (snapshot, &outline,
                             &GRAPHENE_RECT_INIT (11, height - 17, length_px + 2, 6));
  gtk_snapshot_append_color (snapshot, &bar_color,
                             &GRAPHENE_RECT_INIT (12, height - 16, length_px, 4));
  cbd_view_labels_append_text (widget, snapshot, label, 14, height - 22, TRUE);
}
