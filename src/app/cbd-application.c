/* cbd-application.c — the cbdscope GtkApplication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-application"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-application.h"
#include "cbd-preferences-window.h"
#include "cbd-volume-view.h"
#include "cbd-window.h"

#define SCREENSHOT_TIMEOUT_SECONDS 60
/* Frames to wait after loading so layout and drawing have settled. */
#define SCREENSHOT_SETTLE_FRAMES   3

struct _CbdApplication
{
  GtkApplication  parent_instance;

  GSettings      *settings;       /* NULL when the schema is not installed */
  char           *screenshot_path;
  CbdWindow      *screenshot_window;
  guint           screenshot_timeout;
  guint           settle_frames;
  int             exit_status;
};

G_DEFINE_FINAL_TYPE (CbdApplication, cbd_application, GTK_TYPE_APPLICATION)

static void
cbd_application_fail (CbdApplication *self,
                      const char     *message)
{
  g_printerr ("cbdscope: %s\n", message);
  self->exit_status = 1;
  g_application_quit (G_APPLICATION (self));
}

static gboolean
cbd_application_save_screenshot (CbdApplication  *self,
                                 GError         **error)
{
  GtkWidget *widget = GTK_WIDGET (self->screenshot_window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;

  if (width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The window has no size"));
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  if (node == NULL || renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The window could not be rendered"));
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, self->screenshot_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”"),
                   self->screenshot_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
screenshot_idle_cb (gpointer user_data)
{
  CbdApplication *self = CBD_APPLICATION (user_data);
  g_autoptr(GError) error = NULL;

  if (!cbd_application_save_screenshot (self, &error))
    {
      cbd_application_fail (self, error->message);
      return G_SOURCE_REMOVE;
    }

  self->exit_status = 0;
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  CbdApplication *self = CBD_APPLICATION (user_data);
  CbdVolumeView *volume_view = CBD_VOLUME_VIEW (cbd_window_get_volume_view (self->screenshot_window));

  /* Also until the 3D view shows its whole picture (software GL casts it
   * over several frames). */
  if (!gtk_widget_get_mapped (widget) || ++self->settle_frames < SCREENSHOT_SETTLE_FRAMES ||
      !cbd_volume_view_get_picture_complete (volume_view))
    {
      gtk_widget_queue_draw (widget);
      return G_SOURCE_CONTINUE;
    }

  /* Render outside the frame clock's update phase. */
  g_idle_add_full (G_PRIORITY_LOW, screenshot_idle_cb, g_object_ref (self), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
screenshot_load_finished_cb (CbdWindow      *window,
                             gboolean        success,
                             const char     *message,
                             CbdApplication *self)
{
  if (!success)
    {
      cbd_application_fail (self, message);
      return;
    }
  self->settle_frames = 0;
  gtk_widget_add_tick_callback (GTK_WIDGET (window), screenshot_tick_cb, self, NULL);
}

static gboolean
screenshot_timeout_cb (gpointer user_data)
{
  CbdApplication *self = CBD_APPLICATION (user_data);
  g_autofree char *message = NULL;

  self->screenshot_timeout = 0;
  message = g_strdup_printf (_("No screenshot after %d seconds"), SCREENSHOT_TIMEOUT_SECONDS);
  cbd_application_fail (self, message);
  return G_SOURCE_REMOVE;
}

static GFile *
cbd_application_get_sample (void)
{
  if (g_file_test (CBD_BUILD_SAMPLE, G_FILE_TEST_IS_REGULAR))
    return g_file_new_for_path (CBD_BUILD_SAMPLE);
  return g_file_new_for_path (PKGDATADIR G_DIR_SEPARATOR_S "cbdscope-sample.tif");
}

static void
cbd_application_open_window (CbdApplication *self,
                             GFile          *file)
{
  CbdWindow *window = cbd_window_new (GTK_APPLICATION (self));

  cbd_window_set_settings (window, self->settings);

  if (self->screenshot_path != NULL)
    {
      cbd_window_set_interactive (window, FALSE);
      self->screenshot_window = window;
      g_signal_connect_object (window, "load-finished",
                               G_CALLBACK (screenshot_load_finished_cb), self, 0);
      self->screenshot_timeout = g_timeout_add_seconds (SCREENSHOT_TIMEOUT_SECONDS,
                                                        screenshot_timeout_cb, self);
    }

  gtk_window_present (GTK_WINDOW (window));
  cbd_window_open (window, file);
}

static void
cbd_application_activate (GApplication *application)
{
  CbdApplication *self = CBD_APPLICATION (application);
  g_autoptr(GFile) sample = NULL;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  sample = cbd_application_get_sample ();
  cbd_application_open_window (self, sample);
}

static void
cbd_application_open (GApplication  *application,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  CbdApplication *self = CBD_APPLICATION (application);

  /* A screenshot shows one volume. */
  if (self->screenshot_path != NULL)
    n_files = MIN (n_files, 1);

  for (int i = 0; i < n_files; i++)
    cbd_application_open_window (self, files[i]);
}

static int
cbd_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  CbdApplication *self = CBD_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("cbdscope %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot_path))
    {
      /* Screenshots must not be handed to a running instance. */
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }

  return -1;
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CbdApplication *self = CBD_APPLICATION (user_data);
  static const char *authors[] = { "The cbdscope authors", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "program-name", "cbdscope",
                         "logo-icon-name", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Look at segmented FIB-SEM volumes of battery electrodes "
                                       "and the carbon-binder domain between their particles."),
                         "website", "https://github.com/cbdscope/cbdscope",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CbdApplication *self = CBD_APPLICATION (user_data);
  GtkWidget *window = cbd_preferences_window_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                                  self->settings);

  gtk_window_present (GTK_WINDOW (window));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
cbd_application_startup (GApplication *application)
{
  CbdApplication *self = CBD_APPLICATION (application);
  static const GActionEntry app_entries[] = {
    { "about", about_activated, NULL, NULL, NULL, { 0 } },
    { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *undo_accels[] = { "<Control>z", NULL };
  static const char *save_accels[] = { "<Control>s", NULL };
  static const char *save_as_accels[] = { "<Control><Shift>s", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *redo_accels[] = { "<Control><Shift>z", "<Control>y", NULL };
  static const char *add_cutout_accels[] = { "<Control><Shift>a", NULL };
  static const char *delete_cutout_accels[] = { "<Control>Delete", NULL };
  static const char *analyse_accels[] = { "<Control>r", NULL };
  static const char *cancel_analysis_accels[] = { "Escape", NULL };
  static const char *export_figure_accels[] = { "<Control>e", NULL };
  GSettingsSchemaSource *source;

  G_APPLICATION_CLASS (cbd_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries,
                                   G_N_ELEMENTS (app_entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.undo", undo_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.save-project", save_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.save-project-as", save_as_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.redo", redo_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.add-cutout", add_cutout_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.delete-cutout", delete_cutout_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.analyse", analyse_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.cancel-analysis", cancel_analysis_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.export-figure", export_figure_accels);

  /* An uninstalled build has no compiled schema: run with the defaults. */
  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    {
      g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);

      if (schema != NULL)
        self->settings = g_settings_new_full (schema, NULL, NULL);
    }

  gtk_window_set_default_icon_name (APPLICATION_ID);
}

static void
cbd_application_finalize (GObject *object)
{
  CbdApplication *self = CBD_APPLICATION (object);

  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->screenshot_path, g_free);

  G_OBJECT_CLASS (cbd_application_parent_class)->finalize (object);
}

static void
cbd_application_class_init (CbdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = cbd_application_finalize;
  application_class->startup = cbd_application_startup;
  application_class->activate = cbd_application_activate;
  application_class->open = cbd_application_open;
  application_class->handle_local_options = cbd_application_handle_local_options;
}

static void
cbd_application_init (CbdApplication *self)
{
  static const GOptionEntry options[] = {
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Render the window on VOLUME (or the sample) to a PNG file and quit"), N_("FILE.png") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[VOLUME…]"));
}

CbdApplication *
cbd_application_new (void)
{
  return g_object_new (CBD_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/cbdscope/CbdScope",
                       NULL);
}

GSettings *
cbd_application_get_settings (CbdApplication *self)
{
  g_return_val_if_fail (CBD_IS_APPLICATION (self), NULL);
  return self->settings;
}

int
cbd_application_get_exit_status (CbdApplication *self)
{
  g_return_val_if_fail (CBD_IS_APPLICATION (self), 1);
  return self->exit_status;
}
