/* cbd-application.h — the cbdscope GtkApplication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CBD_TYPE_APPLICATION (cbd_application_get_type ())

G_DECLARE_FINAL_TYPE (CbdApplication, cbd_application, CBD, APPLICATION, GtkApplication)

CbdApplication *cbd_application_new             (void);
GSettings      *cbd_application_get_settings    (CbdApplication *self);
int             cbd_application_get_exit_status (CbdApplication *self);

G_END_DECLS
