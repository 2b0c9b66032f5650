/* cbd-window-project.c — projects and recent files: save, open, the
 * warning before unsaved cutouts are lost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A project (cbd-session.c) names the volume, its label map and voxel
 * size, the cutouts and the view. Opening one reads the small file at
 * once, then loads the volume on the loader thread and applies the rest
 * when it arrives. "Unsaved" means cutout edits since the last save or
 * open (the undo history's serial moved); view changes do not count.
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cbd-window-private.h"

#define MAX_RECENT 10

static const CbdPhase session_phases[CBD_SESSION_N_PHASES] = {
  CBD_PHASE_OTHER, CBD_PHASE_PORE, CBD_PHASE_CBD, CBD_PHASE_CAM
};

gboolean
cbd_window_is_project_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  return name != NULL && g_str_has_suffix (name, CBD_SESSION_SUFFIX);
}

void
cbd_window_update_title (CbdWindow *self)
{
  const char *source = self->project_path != NULL ? self->project_path : self->volume_path;
  g_autofree char *basename = source != NULL ? g_path_get_basename (source) : NULL;
  g_autofree char *title = NULL;

  if (basename == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), "cbdscope");
      return;
    }
  title = g_strdup_printf ("%s%s — cbdscope", cbd_window_get_modified (self) ? "• " : "", basename);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

void
cbd_window_mark_saved (CbdWindow *self)
{
  self->saved_serial = cbd_cutout_history_get_serial (cbd_view_state_get_history (self->state));
  self->analysis_unsaved = FALSE;
  cbd_window_update_title (self);
}

/* Returns: whether cutouts were edited or analysed since the last save or
 * open */
gboolean
cbd_window_get_modified (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), FALSE);
  return self->loaded
         && (self->analysis_unsaved ||
             cbd_cutout_history_get_serial (cbd_view_state_get_history (self->state)) != self->saved_serial);
}

static CbdSession *
cbd_window_capture_session (CbdWindow *self)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  const CbdLabelMap *map = cbd_view_state_get_label_map (self->state);
  CbdCutoutList *cutouts = cbd_view_state_get_cutouts (self->state);
  CbdSession *session = cbd_session_new ();

  session->volume_path = g_strdup (self->volume_path);
  for (guint axis = 0; axis < 3; axis++)
    {
      session->dims[axis] = volume->dims[axis];
      session->voxel_nm[axis] = volume->voxel_nm[axis];
    }
  if (map != NULL)
    session->labels = cbd_label_map_to_string (map, volume);
  if (self->volume_raw != NULL)
    session->raw_sample_type = g_strdup (cbd_raw_type_name (self->volume_raw->type));

  session->n_cutouts = g_list_model_get_n_items (G_LIST_MODEL (cutouts));
  session->cutouts = g_new0 (CbdSessionCutout, MAX (session->n_cutouts, 1));
  for (guint i = 0; i < session->n_cutouts; i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (cutouts, i);

      session->cutouts[i].name = g_strdup (cbd_cutout_item_get_name (item));
      cbd_cutout_item_get_origin (item, session->cutouts[i].origin);
      session->cutouts[i].edge = cbd_cutout_item_get_edge (item);
    }
  session->cutout_edge = cbd_view_state_get_cutout_edge (self->state);

  session->has_view = TRUE;
  cbd_view_state_get_crosshair (self->state, session->crosshair);
  session->zoom = cbd_view_state_get_zoom (self->state);
  cbd_view_state_get_centre (self->state, session->centre_nm);
  for (guint i = 0; i < CBD_SESSION_N_PHASES; i++)
    {
      GdkRGBA color;

      cbd_view_state_get_phase_color (self->state, session_phases[i], &color);
      session->colors[i] = gdk_rgba_to_string (&color);
      session->visible[i] = cbd_view_state_get_phase_visible (self->state, session_phases[i]);
      session->opacity[i] = cbd_view_state_get_phase_opacity (self->state, session_phases[i]);
      session->opacity_3d[i] = cbd_view_state_get_phase_opacity_3d (self->state, session_phases[i]);
    }
  return session;
}

/* After the volume arrived: cutouts and view as they were saved. */
void
cbd_window_apply_session (CbdWindow        *self,
                          const CbdSession *session)
{
  CbdCutoutList *cutouts = cbd_view_state_get_cutouts (self->state);
  gint64 crosshair[3];

  for (guint i = 0; i < session->n_cutouts; i++)
    {
      g_autoptr(CbdCutoutItem) item = cbd_cutout_item_new (session->cutouts[i].name,
                                                           session->cutouts[i].origin,
                                                           session->cutouts[i].edge);

      cbd_cutout_list_insert (cutouts, G_MAXUINT, item);
    }
  cbd_view_state_set_cutout_edge (self->state, session->cutout_edge);

  /* Without [view] (a project the CLI wrote) the view stays as the volume
   * set it: the crosshair in the middle, each slice fitted whole. */
  if (session->has_view)
    {
      for (guint axis = 0; axis < 3; axis++)
        crosshair[axis] = (gint64) session->crosshair[axis];
      cbd_view_state_set_crosshair (self->state, crosshair);
      cbd_view_state_set_centre (self->state, session->centre_nm);
      cbd_view_state_set_zoom (self->state, session->zoom);
    }
  for (guint i = 0; i < CBD_SESSION_N_PHASES; i++)
    {
      GdkRGBA color;

      if (session->colors[i] != NULL && gdk_rgba_parse (&color, session->colors[i]))
        cbd_view_state_set_phase_color (self->state, session_phases[i], &color);
      cbd_view_state_set_phase_visible (self->state, session_phases[i], session->visible[i]);
      cbd_view_state_set_phase_opacity (self->state, session_phases[i], session->opacity[i]);
      cbd_view_state_set_phase_opacity_3d (self->state, session_phases[i], session->opacity_3d[i]);
    }
}

static void
cbd_window_project_error (CbdWindow  *self,
                          const char *primary,
                          const char *message)
{
  if (self->interactive)
    {
      GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                                  GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", primary);

      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
      g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

/**
 * cbd_window_open_project:
 *
 * Reads the project and loads its volume; a foreign or damaged file is
 * reported (a dialog when interactive, #CbdWindow::load-finished with the
 * message) and the window keeps what it shows.
 */
void
cbd_window_open_project (CbdWindow *self,
                         GFile     *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(CbdSession) session = NULL;
  g_autoptr(GFile) volume = NULL;

  g_return_if_fail (CBD_IS_WINDOW (self));

  if (path == NULL)
    {
      g_set_error (&error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_IO,
                   _("Could not read the project: only local files are supported"));
    }
  else
    {
      session = cbd_session_load (path, &error);
    }
  if (session == NULL)
    {
      cbd_window_project_error (self, _("Could not open the project"), error->message);
      g_signal_emit_by_name (self, "load-finished", FALSE, error->message);
      return;
    }

  g_clear_pointer (&self->pending_session, cbd_session_free);
  self->pending_session = g_steal_pointer (&session);
  g_free (self->project_path);
  self->project_path = g_steal_pointer (&path);
  volume = g_file_new_for_path (self->pending_session->volume_path);
  if (self->pending_session->raw_sample_type != NULL)
    {
      CbdRawSpec raw;

      cbd_raw_type_from_string (self->pending_session->raw_sample_type, &raw.type);
      for (guint axis = 0; axis < 3; axis++)
        {
          raw.dims[axis] = self->pending_session->dims[axis];
          raw.voxel_nm[axis] = self->pending_session->voxel_nm[axis];
        }
      cbd_window_open_raw (self, volume, &raw);
    }
  else
    {
      cbd_window_open (self, volume);
    }
}

/* Writes the project to @file (atomically) and remembers it. */
gboolean
cbd_window_save_project (CbdWindow  *self,
                         GFile      *file,
                         GError    **error)
{
  g_autoptr(CbdSession) session = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (CBD_IS_WINDOW (self), FALSE);

  if (!self->loaded || cbd_view_state_get_volume (self->state) == NULL)
    {
      g_set_error_literal (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_IO,
                           _("There is no volume to save a project for"));
      return FALSE;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_IO,
                           _("Projects can only be saved to local files"));
      return FALSE;
    }
  session = cbd_window_capture_session (self);
  if (!cbd_window_write_project (self, session, path, error))
    return FALSE;
  g_free (self->project_path);
  self->project_path = g_steal_pointer (&path);
  cbd_window_mark_saved (self);
  cbd_window_add_recent (self, self->project_path);
  return TRUE;
}

typedef void (*AfterSave) (CbdWindow *self);

static void
save_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          CbdWindow       *self)
{
  AfterSave after = g_object_get_data (G_OBJECT (dialog), "after-save");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (file != NULL && !cbd_window_save_project (self, file, &error))
        cbd_window_project_error (self, _("Could not save the project"), error->message);
      else if (file != NULL && after != NULL)
        after (self);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
cbd_window_save_as (CbdWindow *self,
                    AfterSave  after)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *suggestion = NULL;

  chooser = gtk_file_chooser_native_new (_("Save Project"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("cbdscope projects"));
  gtk_file_filter_add_suffix (filter, "cbdscope");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (self->volume_path != NULL)
    {
      g_autofree char *basename = g_path_get_basename (self->volume_path);
      char *dot = strrchr (basename, '.');

      if (dot != NULL)
        *dot = '\0';
      suggestion = g_strconcat (basename, CBD_SESSION_SUFFIX, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggestion);
    }
  g_object_set_data (G_OBJECT (chooser), "after-save", after);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (save_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_project_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  g_autoptr(GError) error = NULL;

  if (self->project_path == NULL)
    {
      cbd_window_save_as (self, NULL);
      return;
    }
  {
    g_autoptr(GFile) file = g_file_new_for_path (self->project_path);

    if (!cbd_window_save_project (self, file, &error))
      cbd_window_project_error (self, _("Could not save the project"), error->message);
  }
}

static void
save_project_as_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  cbd_window_save_as (CBD_WINDOW (user_data), NULL);
}

static void
open_recent_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  cbd_window_open (self, file);
}

/* The "Open Recent" submenu, newest first, from the settings. */
static void
cbd_window_update_recent_menu (CbdWindow *self)
{
  g_auto(GStrv) recent = NULL;

  g_menu_remove_all (self->recent_menu);
  if (self->settings == NULL)
    return;
  recent = g_settings_get_strv (self->settings, "recent-files");
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *label = g_path_get_basename (recent[i]);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (recent[i]));
      g_menu_append_item (self->recent_menu, item);
    }
}

/* Puts @path first in the recent files (at most MAX_RECENT, no repeats). */
void
cbd_window_add_recent (CbdWindow  *self,
                       const char *path)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  if (self->settings == NULL || path == NULL || !g_path_is_absolute (path))
    return;
  old = g_settings_get_strv (self->settings, "recent-files");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-files", (const char * const *) recent);
}

static void
recent_changed_cb (GSettings  *settings,
                   const char *key,
                   CbdWindow  *self)
{
  cbd_window_update_recent_menu (self);
}

/* Called when the settings arrive (cbd_window_set_settings). */
void
cbd_window_watch_recent (CbdWindow *self)
{
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::recent-files",
                             G_CALLBACK (recent_changed_cb), self, 0);
  cbd_window_update_recent_menu (self);
}

static void
close_now (CbdWindow *self)
{
  self->saved_serial = cbd_cutout_history_get_serial (cbd_view_state_get_history (self->state));
  gtk_window_close (GTK_WINDOW (self));
}

static void
unsaved_response_cb (GtkDialog *dialog,
                     int        response,
                     CbdWindow *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  switch (response)
    {
    case GTK_RESPONSE_REJECT:  /* close without saving */
      close_now (self);
      break;
    case GTK_RESPONSE_ACCEPT:  /* save, then close */
      if (self->project_path != NULL)
        {
          g_autoptr(GFile) file = g_file_new_for_path (self->project_path);
          g_autoptr(GError) error = NULL;

          if (cbd_window_save_project (self, file, &error))
            close_now (self);
          else
            cbd_window_project_error (self, _("Could not save the project"), error->message);
        }
      else
        {
          cbd_window_save_as (self, close_now);
        }
      break;
    default:
      break;
    }
}

static gboolean
close_request_cb (GtkWindow *window,
                  CbdWindow *self)
{
  GtkWidget *dialog;

  if (!self->interactive || !cbd_window_get_modified (self))
    return FALSE;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   "%s", _("Save the cutouts in a project before closing?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("The cutouts were changed since the project was "
                                              "last saved. Without saving, the changes are lost."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("Close _without Saving"), GTK_RESPONSE_REJECT,
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Save"), GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_signal_connect (dialog, "response", G_CALLBACK (unsaved_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
history_changed_cb (CbdCutoutHistory *history,
                    CbdWindow        *self)
{
  cbd_window_update_title (self);
}

void
cbd_window_init_project_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "save-project", save_project_activated, NULL, NULL, NULL, { 0 } },
    { "save-project-as", save_project_as_activated, NULL, NULL, NULL, { 0 } },
    { "open-recent", open_recent_activated, "s", NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), self);
  g_signal_connect_object (cbd_view_state_get_history (self->state), "changed",
                           G_CALLBACK (history_changed_cb), self, 0);
}
