/* cbd-window-actions.c — the window's actions (win.*)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-window-private.h"

static void
file_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          CbdWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        cbd_window_open (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) tiff_filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all_filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open Volume or Project"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));

  gtk_file_filter_set_name (tiff_filter, _("Volumes and projects"));
  gtk_file_filter_add_suffix (tiff_filter, "cbdscope");
  gtk_file_filter_add_mime_type (tiff_filter, "image/tiff");
  gtk_file_filter_add_suffix (tiff_filter, "tif");
  gtk_file_filter_add_suffix (tiff_filter, "tiff");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), tiff_filter);

  gtk_file_filter_set_name (all_filter, _("All files"));
  gtk_file_filter_add_pattern (all_filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all_filter);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* A folder of single-page TIFF slices, read in natural name order. */
static void
open_folder_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Open a Folder of TIFF Slices"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
zoom_fit_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_view_state_fit (self->state);
}

static void
zoom_one_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_view_state_zoom_one_to_one (self->state);
}

static void
tool_changed (GSimpleAction *action,
              GVariant      *value,
              gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  const char *name = g_variant_get_string (value, NULL);

  if (g_str_equal (name, "navigate"))
    cbd_view_state_set_tool (self->state, CBD_TOOL_NAVIGATE);
  else if (g_str_equal (name, "add-cutout"))
    cbd_view_state_set_tool (self->state, CBD_TOOL_ADD_CUTOUT);
  else
    return;
  g_simple_action_set_state (action, value);
}

static void
set_action_enabled (CbdWindow  *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
cbd_window_update_actions (CbdWindow *self)
{
  gboolean have_volume = cbd_view_state_get_volume (self->state) != NULL;

  CbdCutoutHistory *history = cbd_view_state_get_history (self->state);

  set_action_enabled (self, "zoom-fit", have_volume);
  set_action_enabled (self, "zoom-one", have_volume);
  set_action_enabled (self, "add-cutout", have_volume);
  set_action_enabled (self, "save-project", have_volume);
  set_action_enabled (self, "save-project-as", have_volume);
  set_action_enabled (self, "find-cutouts", have_volume);
  set_action_enabled (self, "delete-cutout", cbd_view_state_get_selected_cutout (self->state) != NULL);
  set_action_enabled (self, "undo", cbd_cutout_history_can_undo (history));
  set_action_enabled (self, "redo", cbd_cutout_history_can_redo (history));
}

void
cbd_window_init_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "open", open_activated, NULL, NULL, NULL, { 0 } },
    { "open-folder", open_folder_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-fit", zoom_fit_activated, NULL, NULL, NULL, { 0 } },
    { "zoom-one", zoom_one_activated, NULL, NULL, NULL, { 0 } },
    { "tool", NULL, "s", "'navigate'", tool_changed, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  cbd_window_init_cutout_actions (self);
  cbd_window_init_project_actions (self);
  cbd_window_init_analysis_actions (self);
  cbd_window_init_dialog_actions (self);
  cbd_window_update_actions (self);
}
