/* cbd-cutout-panel.h — the sidebar's cutout list and editor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-view-state.h"

G_BEGIN_DECLS

#define CBD_TYPE_CUTOUT_PANEL (cbd_cutout_panel_get_type ())

G_DECLARE_FINAL_TYPE (CbdCutoutPanel, cbd_cutout_panel, CBD, CUTOUT_PANEL, GtkWidget)

GtkWidget     *cbd_cutout_panel_new             (void);
CbdViewState  *cbd_cutout_panel_get_state       (CbdCutoutPanel *self);
void           cbd_cutout_panel_set_state       (CbdCutoutPanel *self,
                                                 CbdViewState   *state);
GtkColumnView *cbd_cutout_panel_get_column_view (CbdCutoutPanel *self);
void           cbd_cutout_panel_set_message     (CbdCutoutPanel *self,
                                                 const char     *message);
const char    *cbd_cutout_panel_get_message     (CbdCutoutPanel *self);

G_END_DECLS
