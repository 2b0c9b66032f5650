/* cbd-window-analysis.c — the window's analysis actions: analyse, cancel,
 * export figure and tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cbd-project.h"
#include "cbd-volume-view.h"
#include "cbd-window-private.h"

static void
set_enabled (CbdWindow  *self,
             const char *name,
             gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_analysis_actions (CbdWindow *self)
{
  gboolean running = cbd_analysis_panel_get_running (self->analysis_panel);

  set_enabled (self, "analyse", !running);
  set_enabled (self, "cancel-analysis", running);
  cbd_window_update_setup_actions (self);
}

static void
analyse_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  gtk_stack_set_visible_child_name (self->side_stack, "analysis");
  cbd_analysis_panel_analyse_as_asked (self->analysis_panel);
}

static void
cancel_analysis_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_analysis_panel_cancel (self->analysis_panel);
}

static void
export_figure_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  gtk_stack_set_visible_child_name (self->side_stack, "analysis");
  cbd_analysis_panel_choose_figure_file (self->analysis_panel);
}

/* Each slice view as shown (with its scale bar) to @directory/xy.png,
 * xz.png, yz.png, and the 3D view, when it shows the volume, to 3d.png;
 * FALSE with @error on the first failure. */
gboolean
cbd_window_export_slices (CbdWindow   *self,
                          const char  *directory,
                          GError     **error)
{
  static const char *names[3] = { "yz.png", "xz.png", "xy.png" };  /* by normal */
  CbdVolumeView *volume_view = CBD_VOLUME_VIEW (cbd_window_get_volume_view (self));

  g_return_val_if_fail (CBD_IS_WINDOW (self), FALSE);

  if (g_mkdir_with_parents (directory, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create “%s”: %s"), directory, g_strerror (saved_errno));
      return FALSE;
    }
  for (CbdAxis normal = CBD_AXIS_X; normal <= CBD_AXIS_Z; normal++)
    {
      GtkWidget *view = GTK_WIDGET (cbd_window_get_slice_view (self, normal));
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (view);
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autofree char *path = g_build_filename (directory, names[normal], NULL);
      int width = gtk_widget_get_width (view), height = gtk_widget_get_height (view);
      GtkNative *native = gtk_widget_get_native (view);

      if (native == NULL || width <= 0 || height <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The slice view for “%s” is not shown"), names[normal]);
          return FALSE;
        }
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The slice view for “%s” drew nothing"), names[normal]);
          return FALSE;
        }
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                             &GRAPHENE_RECT_INIT (0, 0, width, height));
      if (!gdk_texture_save_to_png (texture, path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”"), path);
          return FALSE;
        }
    }
  if (cbd_volume_view_get_ready (volume_view) && cbd_volume_view_get_message (volume_view) == NULL)
    {
      g_autofree char *path = g_build_filename (directory, "3d.png", NULL);
      g_autoptr(GdkTexture) texture = cbd_volume_view_render_picture (volume_view, error);

      if (texture == NULL)
        return FALSE;
      if (!gdk_texture_save_to_png (texture, path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”"), path);
          return FALSE;
        }
    }
  return TRUE;
}

static void
slices_folder_response_cb (GtkNativeDialog *dialog,
                           int              response,
                           CbdWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *directory = file != NULL ? g_file_get_path (file) : NULL;
      g_autofree char *xy = directory != NULL ? g_build_filename (directory, "xy.png", NULL) : NULL;
      g_autoptr(GError) error = NULL;

      /* A folder chooser does not ask about the files in it: never
       * overwrite silently, write into a new subfolder instead. */
      if (xy != NULL && g_file_test (xy, G_FILE_TEST_EXISTS))
        {
          g_autofree char *fresh = NULL;

          for (guint n = 2; fresh == NULL || g_file_test (fresh, G_FILE_TEST_EXISTS); n++)
            {
              g_free (fresh);
              fresh = g_strdup_printf ("%s/slices-%u", directory, n);
            }
          g_free (directory);
          directory = g_steal_pointer (&fresh);
        }
      if (directory != NULL && !cbd_window_export_slices (self, directory, &error))
        {
          GtkWidget *message = gtk_message_dialog_new (GTK_WINDOW (self),
                                                       GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                       GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s",
                                                       _("Could not export the slices"));

          gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (message), "%s", error->message);
          g_signal_connect (message, "response", G_CALLBACK (gtk_window_destroy), NULL);
          gtk_window_present (GTK_WINDOW (message));
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_slices_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export the Views into a Folder"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (slices_folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_tables_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_analysis_panel_choose_table_folder (self->analysis_panel);
}

/* The filter classes of the selected cutout, in all three slices and 3D. */
static void
overlay_changed_cb (CbdWindow *self)
{
  double opacity;
  CbdSliceOverlay *overlay = cbd_analysis_panel_get_overlay (self->analysis_panel, &opacity);

  cbd_slice_view_set_overlay (self->xy_view, overlay, opacity);
  cbd_slice_view_set_overlay (self->xz_view, overlay, opacity);
  cbd_slice_view_set_overlay (self->yz_view, overlay, opacity);
  /* ... and in 3D; the cutout boxes there show accepted or rejected. */
  cbd_volume_view_set_overlay (self->volume_view, overlay, opacity);
}

/* New results are worth a warning before closing unsaved. */
static void
results_arrived_cb (CbdWindow *self)
{
  if (!self->loaded || self->analysis_unsaved)
    return;
  self->analysis_unsaved = TRUE;
  cbd_window_update_title (self);
}

void
cbd_window_init_analysis_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "analyse", analyse_activated, NULL, NULL, NULL, { 0 } },
    { "cancel-analysis", cancel_analysis_activated, NULL, NULL, NULL, { 0 } },
    { "export-figure", export_figure_activated, NULL, NULL, NULL, { 0 } },
    { "export-tables", export_tables_activated, NULL, NULL, NULL, { 0 } },
    { "export-slices", export_slices_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (self->analysis_panel, "notify::running",
                           G_CALLBACK (update_analysis_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (cbd_analysis_panel_get_runner (self->analysis_panel), "cutout-finished",
                           G_CALLBACK (results_arrived_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->analysis_panel, "filter-applied",
                           G_CALLBACK (results_arrived_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->analysis_panel, "overlay-changed",
                           G_CALLBACK (overlay_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->analysis_panel, "results-changed",
                           G_CALLBACK (overlay_changed_cb), self, G_CONNECT_SWAPPED);
  update_analysis_actions (self);
}

/* Writes the project: with analysis results, the study's project file
 * (settings, results, the same as `cbdscope-cli analyze` writes) with the
 * session's [view] kept; otherwise the session alone. */
gboolean
cbd_window_write_project (CbdWindow         *self,
                          const CbdSession  *session,
                          const char        *path,
                          GError           **error)
{
  g_autoptr(GKeyFile) view = NULL;
  g_autofree char *data = NULL;
  gsize length;

  if (!cbd_analysis_panel_has_results (self->analysis_panel))
    return cbd_session_save (session, path, error);

  if (!cbd_analysis_panel_sync (self->analysis_panel, error))
    return FALSE;
  /* The study writes volume and cutouts; the session adds the rest. */
  data = cbd_session_to_data (session, path, &length);
  view = g_key_file_new ();
  if (!g_key_file_load_from_data (view, data, length, G_KEY_FILE_KEEP_COMMENTS, error))
    return FALSE;
  return cbd_project_save_full (cbd_analysis_panel_get_study (self->analysis_panel), path,
                                view, error);
}

/* After a project's volume loaded: its analysis results, if it has any. */
void
cbd_window_restore_analysis (CbdWindow  *self,
                             const char *project_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdStudy) study = NULL;
  guint n_finished = 0;
  CbdVolume *volume = cbd_view_state_get_volume (self->state);

  if (project_path == NULL || volume == NULL)
    return;
  study = cbd_project_load (project_path, &error);
  if (study != NULL)
    cbd_study_count (study, &n_finished, NULL);
  if (study == NULL || n_finished == 0)
    return;
  if (!cbd_study_attach_volume_with_histogram (study, volume,
                                               cbd_view_state_get_histogram (self->state),
                                               &error))
    {
      g_warning ("Not restoring the analysis of %s: %s", project_path, error->message);
      return;
    }
  cbd_analysis_panel_adopt_study (self->analysis_panel, study);
}
