/* cbd-window-private.h — shared between the window's source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-analysis-panel.h"
#include "cbd-cutout-panel.h"
#include "cbd-phase-panel.h"
#include "cbd-session.h"
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
  CbdAnalysisPanel     *analysis_panel;
  gboolean              analysis_unsaved; /* results since the last save or open */

  GSettings            *settings;
  GCancellable         *load_cancellable;
  GCancellable         *find_cancellable;
  struct LoadProgress  *load_progress;
  guint                 progress_source;
  char                 *loading_name;
  char                 *volume_path;
  char                 *project_path;    /* NULL until saved or opened */
  CbdRawSpec           *volume_raw;      /* how the open raw file reads; NULL: TIFF */
  CbdSession           *pending_session; /* a project whose volume is loading */
  guint                 saved_serial;    /* history serial at the last save */
  GMenu                *recent_menu;
  gboolean              interactive;
  gboolean              loaded;
};

void cbd_window_init_actions    (CbdWindow *self);
void cbd_window_init_cutout_actions (CbdWindow *self);
void cbd_window_init_project_actions (CbdWindow *self);
void cbd_window_init_analysis_actions (CbdWindow *self);
gboolean cbd_window_write_project (CbdWindow         *self,
                                   const CbdSession  *session,
                                   const char        *path,
                                   GError           **error);
void cbd_window_restore_analysis (CbdWindow  *self,
                                  const char *project_path);
void cbd_window_init_dialog_actions (CbdWindow *self);
void cbd_window_update_setup_actions (CbdWindow *self);
void cbd_window_ask_label_map   (CbdWindow     *self,
                                 const guint64  counts[256]);
void cbd_window_ask_raw         (CbdWindow     *self,
                                 GFile         *file);
gboolean cbd_window_is_project_file (GFile     *file);
void cbd_window_apply_session   (CbdWindow        *self,
                                 const CbdSession *session);
void cbd_window_add_recent      (CbdWindow  *self,
                                 const char *path);
void cbd_window_mark_saved      (CbdWindow  *self);
void cbd_window_update_title    (CbdWindow  *self);
void cbd_window_watch_recent    (CbdWindow  *self);
void cbd_window_update_actions  (CbdWindow *self);

G_END_DECLS
