/* cbd-window-dialogs.c — the window's file-setting dialogs: open a raw
 * volume, the label mapping, the voxel size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A new label map or voxel size is a command on the cutout history, so
 * Undo takes it back and the project counts as modified until saved.
 * The dialogs need the volume's histogram: the loader's, which the view
 * state keeps.
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cbd-analysis-panel.h"
#include "cbd-label-map-dialog.h"
#include "cbd-raw-dialog.h"
#include "cbd-voxel-size-dialog.h"
#include "cbd-window-private.h"

/* Open Raw Volume… */

static void
raw_accepted_cb (CbdRawDialog     *dialog,
                 const CbdRawSpec *spec,
                 CbdWindow        *self)
{
  cbd_window_open_raw (self, cbd_raw_dialog_get_file (dialog), spec);
}

/**
 * cbd_window_ask_raw:
 *
 * Asks how the headerless voxels of @file are laid out, then loads it.
 */
void
cbd_window_ask_raw (CbdWindow *self,
                    GFile     *file)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  CbdRawDialog *dialog;

  /* One stat of a local file: cheap enough for the main thread. */
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            NULL, &error);
  if (info == NULL)
    {
      GtkWidget *message;

      message = gtk_message_dialog_new (GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                        "%s", _("Could not open the volume"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (message), "%s", error->message);
      g_signal_connect (message, "response", G_CALLBACK (gtk_window_destroy), NULL);
      gtk_window_present (GTK_WINDOW (message));
      return;
    }

  dialog = cbd_raw_dialog_new (GTK_WINDOW (self), file, (guint64) g_file_info_get_size (info));
  g_signal_connect_object (dialog, "accepted", G_CALLBACK (raw_accepted_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
raw_chooser_response_cb (GtkNativeDialog *chooser,
                         int              response,
                         CbdWindow       *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  if (file != NULL)
    cbd_window_ask_raw (self, file);
}

static void
open_raw_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Open Raw Volume"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (raw_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Label mapping and voxel size as undoable edits */

typedef struct
{
  CbdWindow   *window;   /* owns the history that owns this */
  CbdLabelMap  map[2];   /* before, after */
  gboolean     has_map[2];
  double       voxel_nm[2][3];
  guint64      counts[256];
} SetupEdit;

static void
setup_edit_run (gboolean forward,
                gpointer user_data)
{
  SetupEdit *edit = user_data;
  CbdWindow *self = edit->window;
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  const CbdLabelMap *map;

  if (volume == NULL)
    return;

  map = edit->has_map[forward] ? &edit->map[forward] : NULL;
  if (memcmp (volume->voxel_nm, edit->voxel_nm[forward], sizeof volume->voxel_nm) != 0)
    cbd_view_state_set_voxel_size (self->state, edit->voxel_nm[forward]);
  cbd_view_state_set_label_map (self->state, map);
  cbd_volume_info_set_volume (self->volume_info, volume, self->volume_path, map, FALSE,
                              edit->counts);
  cbd_window_update_actions (self);
}

static SetupEdit *
setup_edit_new (CbdWindow     *self,
                const guint64  counts[256])
{
  SetupEdit *edit = g_new0 (SetupEdit, 1);
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  const CbdLabelMap *map = cbd_view_state_get_label_map (self->state);

  edit->window = self;
  for (guint i = 0; i < 2; i++)
    {
      edit->has_map[i] = map != NULL;
      if (map != NULL)
        edit->map[i] = *map;
      memcpy (edit->voxel_nm[i], volume->voxel_nm, sizeof volume->voxel_nm);
    }
  memcpy (edit->counts, counts, sizeof edit->counts);
  return edit;
}

static void
label_map_applied_cb (CbdLabelMapDialog *dialog,
                      const CbdLabelMap *map,
                      CbdWindow         *self)
{
  const guint64 *counts = g_object_get_data (G_OBJECT (dialog), "counts");
  const CbdLabelMap *current = cbd_view_state_get_label_map (self->state);
  SetupEdit *edit;

  if (cbd_view_state_get_volume (self->state) == NULL
      || (current != NULL && memcmp (current, map, sizeof *map) == 0))
    return;
  edit = setup_edit_new (self, counts);
  edit->map[TRUE] = *map;
  edit->has_map[TRUE] = TRUE;
  cbd_cutout_history_push_custom (cbd_view_state_get_history (self->state),
                                  setup_edit_run, edit, g_free);
}

/**
 * cbd_window_ask_label_map:
 * @counts: the histogram of the volume shown
 *
 * Shows the label mapping dialog for the current volume.
 */
void
cbd_window_ask_label_map (CbdWindow     *self,
                          const guint64  counts[256])
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  CbdLabelMapDialog *dialog;

  if (volume == NULL)
    return;
  dialog = cbd_label_map_dialog_new (GTK_WINDOW (self), volume,
                                     cbd_view_state_get_label_map (self->state), counts);
  g_object_set_data_full (G_OBJECT (dialog), "counts",
                          g_memdup2 (counts, 256 * sizeof *counts), g_free);
  g_signal_connect_object (dialog, "applied", G_CALLBACK (label_map_applied_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
voxel_size_applied_cb (CbdVoxelSizeDialog *dialog,
                       const double       *voxel_nm,
                       CbdWindow          *self)
{
  const guint64 *counts = g_object_get_data (G_OBJECT (dialog), "counts");
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  SetupEdit *edit;

  if (volume == NULL || memcmp (volume->voxel_nm, voxel_nm, sizeof volume->voxel_nm) == 0)
    return;
  edit = setup_edit_new (self, counts);
  memcpy (edit->voxel_nm[TRUE], voxel_nm, sizeof edit->voxel_nm[TRUE]);
  cbd_cutout_history_push_custom (cbd_view_state_get_history (self->state),
                                  setup_edit_run, edit, g_free);
}

static void
ask_voxel_size (CbdWindow     *self,
                const guint64  counts[256])
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  CbdVoxelSizeDialog *dialog;

  if (volume == NULL)
    return;
  dialog = cbd_voxel_size_dialog_new (GTK_WINDOW (self), volume->voxel_nm);
  g_object_set_data_full (G_OBJECT (dialog), "counts",
                          g_memdup2 (counts, 256 * sizeof *counts), g_free);
  g_signal_connect_object (dialog, "applied", G_CALLBACK (voxel_size_applied_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* From the menu: with the histogram the loader counted (the window always
 * hands one to the view state), so the stack is not counted again. */

typedef void (*AskFunc) (CbdWindow     *self,
                         const guint64  counts[256]);

static void
ask_with_histogram (CbdWindow *self,
                    AskFunc    ask)
{
  const guint64 *counts = cbd_view_state_get_histogram (self->state);

  if (cbd_view_state_get_volume (self->state) == NULL)
    return;
  g_return_if_fail (counts != NULL);
  ask (self, counts);
}

static void
label_map_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  ask_with_histogram (CBD_WINDOW (user_data), cbd_window_ask_label_map);
}

static void
voxel_size_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  ask_with_histogram (CBD_WINDOW (user_data), ask_voxel_size);
}

/* The label map and voxel size can change while there is a volume and no
 * analysis runs on it (its threads read both). */
void
cbd_window_update_setup_actions (CbdWindow *self)
{
  static const char *names[] = { "label-map", "voxel-size" };
  gboolean enabled = cbd_view_state_get_volume (self->state) != NULL &&
                     !cbd_analysis_panel_get_running (self->analysis_panel);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), names[i]);

      /* Called as the actions are set up, too. */
      if (action != NULL)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
}

static void
volume_changed_cb (CbdViewState *state,
                   CbdWindow    *self)
{
  cbd_window_update_setup_actions (self);
}

void
cbd_window_init_dialog_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "open-raw", open_raw_activated, NULL, NULL, NULL, { 0 } },
    { "label-map", label_map_activated, NULL, NULL, NULL, { 0 } },
    { "voxel-size", voxel_size_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (self->state, "volume-changed", G_CALLBACK (volume_changed_cb), self, 0);
  volume_changed_cb (self->state, self);
}
