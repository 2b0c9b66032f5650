/* cbd-window-private.h — shared between the window's source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-cutout-panel.h"
#include "cbd-phase-panel.h"
#include "cbd-volume-info.h"
#include "cbd-volume-view.h"
#include "cbd-window.h"

G_BEGIN_DECLS

struct _CbdWindow
{
  GtkApplicationWindow  parent_instance;

  /* template children */
  CbdViewState         *state;
  GtkStack             *stack;
  GtkSpinner           *spinner;
  GtkLabel             *loading_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *error_label;
  CbdSliceView         *xy_view;
  CbdSliceView         *xz_view;
  CbdSliceView         *yz_view;
  CbdVolumeView        *volume_view;
  GtkLabel             *status_label;
  GtkStack             *side_stack;
  CbdVolumeInfo        *volume_info;
  CbdPhasePanel        *phase_panel;
  CbdCutoutPanel       *cutout_panel;

  GSettings            *settings;
  GCancellable         *load_cancellable;
  GCancellable         *find_cancellable;
  struct LoadProgress  *load_progress;
  guint                 progress_source;
  char                 *loading_name;
  char                 *volume_path;
  gboolean              interactive;
  gboolean              loaded;
};

void cbd_window_init_actions    (CbdWindow *self);
void cbd_window_init_cutout_actions (CbdWindow *self);
void cbd_window_update_actions  (CbdWindow *self);

G_END_DECLS
