/* cbd-view-labels.h — text and scale bars drawn over the slice and 3D views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

double cbd_view_labels_nice_length   (double       limit);
void   cbd_view_labels_append_text   (GtkWidget   *widget,
                                      GtkSnapshot *snapshot,
                                      const char  *text,
                                      double       x,
                                      double       y,
                                      gboolean     from_bottom);
void   cbd_view_labels_append_scale_bar (GtkWidget   *widget,
                                         GtkSnapshot *snapshot,
                                         double       pixels_per_nm,
                                         double       height);

G_END_DECLS
