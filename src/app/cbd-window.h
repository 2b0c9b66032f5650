/* cbd-window.h — the main window: one volume in three linked slices, a 3D
 * view, and the cutouts picked in them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-raw-dialog.h"
#include "cbd-slice-view.h"
#include "cbd-view-state.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_WINDOW (cbd_window_get_type ())

G_DECLARE_FINAL_TYPE (CbdWindow, cbd_window, CBD, WINDOW, GtkApplicationWindow)

CbdWindow    *cbd_window_new              (GtkApplication *application);
void          cbd_window_open             (CbdWindow      *self,
                                           GFile          *file);
void          cbd_window_open_raw         (CbdWindow        *self,
                                           GFile            *file,
                                           const CbdRawSpec *raw);
void          cbd_window_set_volume       (CbdWindow      *self,
                                           CbdVolume      *volume,
                                           const char     *name);
void          cbd_window_set_interactive  (CbdWindow      *self,
                                           gboolean        interactive);
gboolean      cbd_window_get_loaded       (CbdWindow      *self);
CbdViewState *cbd_window_get_state        (CbdWindow      *self);
CbdSliceView *cbd_window_get_slice_view   (CbdWindow      *self,
                                           CbdAxis         normal);
const char   *cbd_window_get_status_text  (CbdWindow      *self);
GtkWidget    *cbd_window_get_volume_view  (CbdWindow      *self);
GtkWidget    *cbd_window_get_cutout_panel (CbdWindow      *self);
GtkWidget    *cbd_window_get_analysis_panel (CbdWindow    *self);
gboolean      cbd_window_export_slices    (CbdWindow        *self,
                                           const char       *directory,
                                           GError          **error);
void          cbd_window_find_cutouts     (CbdWindow      *self,
                                           guint           n_wanted);
void          cbd_window_open_project     (CbdWindow      *self,
                                           GFile          *file);
gboolean      cbd_window_save_project     (CbdWindow      *self,
                                           GFile          *file,
                                           GError        **error);
gboolean      cbd_window_get_modified     (CbdWindow      *self);
void          cbd_window_set_settings     (CbdWindow      *self,
                                           GSettings      *settings);

G_END_DECLS
