/* cbd-phase-panel.h — per-phase colour, visibility and opacity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-view-state.h"

G_BEGIN_DECLS

#define CBD_TYPE_PHASE_PANEL (cbd_phase_panel_get_type ())

G_DECLARE_FINAL_TYPE (CbdPhasePanel, cbd_phase_panel, CBD, PHASE_PANEL, GtkWidget)

GtkWidget    *cbd_phase_panel_new       (void);
CbdViewState *cbd_phase_panel_get_state (CbdPhasePanel *self);
void          cbd_phase_panel_set_state (CbdPhasePanel *self,
                                         CbdViewState  *state);

G_END_DECLS
