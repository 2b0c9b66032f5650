/* cbd-preferences-window.h — colours, default cutout edge, threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CBD_TYPE_PREFERENCES_WINDOW (cbd_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (CbdPreferencesWindow, cbd_preferences_window, CBD, PREFERENCES_WINDOW, GtkWindow)

GtkWidget *cbd_preferences_window_new (GtkWindow *parent,
                                       GSettings *settings);

G_END_DECLS
