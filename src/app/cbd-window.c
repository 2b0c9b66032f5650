/* cbd-window.c — the main window: one volume, its XY slice and its numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-io.h"
#include "cbd-labels.h"
#include "cbd-window.h"

struct _CbdWindow
{
  GtkApplicationWindow  parent_instance;

  /* template children */
  GtkStack             *stack;
  GtkSpinner           *spinner;
  GtkLabel             *loading_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *error_label;
  CbdSliceView         *slice_view;
  GtkAdjustment        *slice_adjustment;
  GtkWidget            *slice_scale;
  GtkLabel             *slice_label;
  GtkLabel             *file_label;
  GtkLabel             *dims_voxels_label;
  GtkLabel             *dims_um_label;
  GtkLabel             *voxel_size_label;
  GtkLabel             *mapping_label;
  GtkLabel             *pore_label;
  GtkLabel             *cbd_label;
  GtkLabel             *cam_label;
  GtkLabel             *other_label;
  GtkLabel             *note_label;

  GCancellable         *load_cancellable;
  struct LoadProgress  *load_progress;
  guint                 progress_source;
  char                 *loading_name;
  gboolean              interactive;
  gboolean              loaded;
};

enum
{
  SIGNAL_LOAD_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdWindow, cbd_window, GTK_TYPE_APPLICATION_WINDOW)

/* Written by the loader thread, read by a main-thread timeout. */
typedef struct LoadProgress
{
  GMutex  mutex;
  double  fraction;
} LoadProgress;

static void
load_progress_clear (gpointer data)
{
  LoadProgress *progress = data;

  g_mutex_clear (&progress->mutex);
}

static void
load_progress_unref (LoadProgress *progress)
{
  g_atomic_rc_box_release_full (progress, load_progress_clear);
}

static LoadProgress *
load_progress_new (void)
{
  LoadProgress *progress = g_atomic_rc_box_new0 (LoadProgress);

  g_mutex_init (&progress->mutex);
  progress->fraction = -1.0;
  return progress;
}

typedef struct
{
  char         *path;
  LoadProgress *progress;
} LoadInput;

static void
load_input_free (gpointer data)
{
  LoadInput *input = data;

  g_free (input->path);
  load_progress_unref (input->progress);
  g_free (input);
}

typedef struct
{
  CbdVolume *volume;
  guint64    counts[256];
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->volume, cbd_volume_unref);
  g_free (result);
}

static void
load_progress_cb (const CbdProgress *report,
                  gpointer           user_data)
{
  LoadProgress *progress = user_data;

  g_mutex_lock (&progress->mutex);
  progress->fraction = report->fraction;
  g_mutex_unlock (&progress->mutex);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadInput *input = task_data;
  g_autoptr(GError) error = NULL;
  LoadResult *result;
  CbdVolume *volume;

  volume = cbd_volume_load (input->path, cancellable, load_progress_cb, input->progress, &error);
  if (volume == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (LoadResult, 1);
  result->volume = volume;
  cbd_volume_histogram (volume, result->counts);
  g_task_return_pointer (task, result, load_result_free);
}

static gboolean
progress_timeout_cb (gpointer user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  double fraction;

  if (self->load_progress == NULL)
    return G_SOURCE_CONTINUE;

  g_mutex_lock (&self->load_progress->mutex);
  fraction = self->load_progress->fraction;
  g_mutex_unlock (&self->load_progress->mutex);

  if (fraction >= 0.0)
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  else
    gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void
cbd_window_stop_loading (CbdWindow *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->load_progress, load_progress_unref);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}

static void
cbd_window_show_error (CbdWindow  *self,
                       const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_stack_set_visible_child_name (self->stack, "error");

  if (self->interactive)
    {
      GtkWidget *dialog;

      dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                       GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                       GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                       "%s", _("Could not open the volume"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
      g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
load_ready_cb (GObject      *source_object,
               GAsyncResult *async_result,
               gpointer      user_data)
{
  CbdWindow *self = CBD_WINDOW (source_object);
  GTask *task = G_TASK (async_result);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  LoadResult *result;

  /* Latest wins: a newer open replaced this one. */
  if (g_task_get_cancellable (task) != self->load_cancellable)
    return;

  /* Propagate before stop_loading(), which cancels the (finished) task. */
  result = g_task_propagate_pointer (task, &error);
  name = g_steal_pointer (&self->loading_name);
  cbd_window_stop_loading (self);

  if (result == NULL)
    {
      g_autofree char *message = NULL;

      /* The reader's message names the file already, but say which one we
       * meant in case it does not. */
      message = g_strdup_printf (_("Could not open “%s”: %s"), name, error->message);
      cbd_window_show_error (self, message);
      g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, FALSE, message);
      return;
    }

  cbd_window_set_volume (self, result->volume, name);
  load_result_free (result);
  g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, TRUE, NULL);
}

/**
 * cbd_window_open:
 *
 * Loads @file on a worker thread; a later call replaces an unfinished one.
 */
void
cbd_window_open (CbdWindow *self,
                 GFile     *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;
  LoadInput *input;

  g_return_if_fail (CBD_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  cbd_window_stop_loading (self);
  g_free (self->loading_name);
  self->loading_name = g_file_get_parse_name (file);
  self->loaded = FALSE;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Could not open “%s”: only local files are supported"),
                                 self->loading_name);
      g_clear_pointer (&self->loading_name, g_free);
      cbd_window_show_error (self, message);
      g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, FALSE, message);
      return;
    }

  label = g_strdup_printf (_("Loading “%s”…"), self->loading_name);
  gtk_label_set_text (self->loading_label, label);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);

  self->load_cancellable = g_cancellable_new ();
  self->load_progress = load_progress_new ();
  self->progress_source = g_timeout_add (100, progress_timeout_cb, self);

  input = g_new0 (LoadInput, 1);
  input->path = g_steal_pointer (&path);
  input->progress = g_atomic_rc_box_acquire (self->load_progress);

  task = g_task_new (self, self->load_cancellable, load_ready_cb, NULL);
  g_task_set_source_tag (task, cbd_window_open);
  g_task_set_task_data (task, input, load_input_free);
  g_task_run_in_thread (task, load_thread);
}

static void
set_label_printf (GtkLabel   *label,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
set_label_printf (GtkLabel   *label,
                  const char *format,
                  ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_text (label, text);
}

static void
cbd_window_update_slice_label (CbdWindow *self)
{
  CbdVolume *volume = cbd_slice_view_get_volume (self->slice_view);
  guint slice = cbd_slice_view_get_slice (self->slice_view);

  if (volume == NULL)
    {
      gtk_label_set_text (self->slice_label, "");
      return;
    }

  set_label_printf (self->slice_label, _("z = %u of %u (%.2f µm)"),
                    slice, cbd_slice_view_get_n_slices (self->slice_view) - 1,
                    slice * volume->voxel_nm[2] / 1000.0);
}

static void
set_fraction_label (GtkLabel *label,
                    guint64   count,
                    gsize     n_voxels)
{
  set_label_printf (label, _("%.2f %%"), 100.0 * (double) count / (double) n_voxels);
}

/**
 * cbd_window_set_volume:
 *
 * Shows @volume directly, as after a load; for tests and callers that built
 * the volume in memory.
 */
void
cbd_window_set_volume (CbdWindow  *self,
                       CbdVolume  *volume,
                       const char *name)
{
  guint64 counts[256];
  guint64 phase_counts[CBD_N_PHASES];
  g_autoptr(GError) error = NULL;
  CbdLabelMap map;
  gsize n_voxels;
  gboolean have_map;
  g_autofree char *title = NULL;
  g_autofree char *basename = NULL;

  g_return_if_fail (CBD_IS_WINDOW (self));
  g_return_if_fail (volume != NULL);

  n_voxels = cbd_volume_n_voxels (volume);
  cbd_volume_histogram (volume, counts);
  have_map = cbd_label_map_guess (&map, counts, &error);

  cbd_slice_view_set_volume (self->slice_view, volume, have_map ? &map : NULL);
  cbd_slice_view_set_slice (self->slice_view, volume->dims[2] / 2);

  gtk_adjustment_configure (self->slice_adjustment,
                            cbd_slice_view_get_slice (self->slice_view),
                            0, volume->dims[2] - 1,
                            1, MAX (1.0, MIN (10.0, volume->dims[2] / 10.0)), 0);
  cbd_window_update_slice_label (self);

  basename = name != NULL ? g_path_get_basename (name) : g_strdup (_("Volume"));
  gtk_label_set_text (self->file_label, basename);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->file_label), name);
  set_label_printf (self->dims_voxels_label, "%zu × %zu × %zu",
                    volume->dims[0], volume->dims[1], volume->dims[2]);
  set_label_printf (self->dims_um_label, _("%.2f × %.2f × %.2f µm"),
                    volume->dims[0] * volume->voxel_nm[0] / 1000.0,
                    volume->dims[1] * volume->voxel_nm[1] / 1000.0,
                    volume->dims[2] * volume->voxel_nm[2] / 1000.0);
  set_label_printf (self->voxel_size_label, _("%.4g × %.4g × %.4g nm"),
                    volume->voxel_nm[0], volume->voxel_nm[1], volume->voxel_nm[2]);

  if (have_map)
    {
      int pore = cbd_label_map_first_value (&map, CBD_PHASE_PORE);
      int cbd = cbd_label_map_first_value (&map, CBD_PHASE_CBD);
      int cam = cbd_label_map_first_value (&map, CBD_PHASE_CAM);

      set_label_printf (self->mapping_label, _("pore = %u, CBD = %u, CAM = %u (guessed)"),
                        volume->source_value[pore], volume->source_value[cbd],
                        volume->source_value[cam]);
      cbd_label_map_phase_counts (&map, counts, phase_counts);
      set_fraction_label (self->pore_label, phase_counts[CBD_PHASE_PORE], n_voxels);
      set_fraction_label (self->cbd_label, phase_counts[CBD_PHASE_CBD], n_voxels);
      set_fraction_label (self->cam_label, phase_counts[CBD_PHASE_CAM], n_voxels);
      set_fraction_label (self->other_label, phase_counts[CBD_PHASE_OTHER], n_voxels);
      gtk_widget_set_visible (GTK_WIDGET (self->note_label), FALSE);
    }
  else
    {
      GString *values = g_string_new (NULL);
      guint n_values = 0;

      for (guint label = 0; label < 256; label++)
        if (counts[label] > 0)
          {
            if (n_values < 8)
              g_string_append_printf (values, "%s%u", n_values ? ", " : "",
                                      volume->source_value[label]);
            n_values++;
          }
      if (n_values > 8)
        g_string_append (values, ", …");

      gtk_label_set_text (self->mapping_label, values->str);
      g_string_free (values, TRUE);
      gtk_label_set_text (self->pore_label, "—");
      gtk_label_set_text (self->cbd_label, "—");
      gtk_label_set_text (self->cam_label, "—");
      gtk_label_set_text (self->other_label, "—");
      set_label_printf (self->note_label,
                        g_dngettext (GETTEXT_PACKAGE,
                                     "The volume holds %u label value, not 3, so the phases "
                                     "are ambiguous: labels are shown as grey levels.",
                                     "The volume holds %u label values, not 3, so the phases "
                                     "are ambiguous: labels are shown as grey levels.",
                                     n_values),
                        n_values);
      gtk_widget_set_visible (GTK_WIDGET (self->note_label), TRUE);
    }

  title = g_strdup_printf ("%s — cbdscope", basename);
  gtk_window_set_title (GTK_WINDOW (self), title);

  gtk_stack_set_visible_child_name (self->stack, "volume");
  /* The arrow and page keys then move through the stack straight away. */
  gtk_widget_grab_focus (self->slice_scale);
  self->loaded = TRUE;
}

gboolean
cbd_window_get_loaded (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), FALSE);
  return self->loaded;
}

CbdSliceView *
cbd_window_get_slice_view (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return self->slice_view;
}

/* Screenshot mode and tests have nobody to close a dialog. */
void
cbd_window_set_interactive (CbdWindow *self,
                            gboolean   interactive)
{
  g_return_if_fail (CBD_IS_WINDOW (self));
  self->interactive = !!interactive;
}

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     CbdWindow  *self)
{
  static const struct { const char *key; CbdPhase phase; } keys[] = {
    { "pore-color",  CBD_PHASE_PORE },
    { "cbd-color",   CBD_PHASE_CBD },
    { "cam-color",   CBD_PHASE_CAM },
    { "other-color", CBD_PHASE_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *spec = NULL;
      GdkRGBA color;

      if (key != NULL && g_strcmp0 (key, keys[i].key) != 0)
        continue;

      spec = g_settings_get_string (settings, keys[i].key);
      if (gdk_rgba_parse (&color, spec))
        cbd_slice_view_set_phase_color (self->slice_view, keys[i].phase, &color);
      else
        g_warning ("Ignoring the colour “%s” of the setting %s", spec, keys[i].key);
    }
}

/**
 * cbd_window_set_phase_colors:
 * @settings: (nullable): settings with the app's schema; %NULL keeps the
 *   built-in colours
 */
void
cbd_window_set_phase_colors (CbdWindow *self,
                             GSettings *settings)
{
  g_return_if_fail (CBD_IS_WINDOW (self));

  if (settings == NULL)
    return;
  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  settings_changed_cb (settings, NULL, self);
}

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

  chooser = gtk_file_chooser_native_new (_("Open Volume"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));

  gtk_file_filter_set_name (tiff_filter, _("TIFF images"));
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

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         CbdWindow     *self)
{
  GFile *file = NULL;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));

      if (files != NULL)
        file = files->data;
      g_slist_free (files);
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      file = g_value_get_object (value);
    }

  if (file == NULL)
    return FALSE;

  cbd_window_open (self, file);
  return TRUE;
}

static void
slice_adjustment_changed_cb (GtkAdjustment *adjustment,
                             CbdWindow     *self)
{
  cbd_slice_view_set_slice (self->slice_view, (guint) (gtk_adjustment_get_value (adjustment) + 0.5));
}

static void
slice_changed_cb (CbdSliceView *view,
                  GParamSpec   *pspec,
                  CbdWindow    *self)
{
  guint slice = cbd_slice_view_get_slice (view);

  if ((guint) (gtk_adjustment_get_value (self->slice_adjustment) + 0.5) != slice)
    gtk_adjustment_set_value (self->slice_adjustment, slice);
  cbd_window_update_slice_label (self);
}

static void
move_slice_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CbdWindow *self = CBD_WINDOW (widget);
  gint64 slice = cbd_slice_view_get_slice (self->slice_view);

  slice += g_variant_get_int32 (parameter);
  cbd_slice_view_set_slice (self->slice_view, (guint) MAX (slice, 0));
}

static void
cbd_window_dispose (GObject *object)
{
  CbdWindow *self = CBD_WINDOW (object);

  cbd_window_stop_loading (self);
  g_clear_pointer (&self->loading_name, g_free);

  G_OBJECT_CLASS (cbd_window_parent_class)->dispose (object);
}

static void
cbd_window_class_init (CbdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_window_dispose;

  /**
   * CbdWindow::load-finished:
   * @success: whether a volume is now shown
   * @message: (nullable): the error, when it failed
   */
  signals[SIGNAL_LOAD_FINISHED] =
    g_signal_new ("load-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);

  g_type_ensure (CBD_TYPE_SLICE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, slice_view);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, slice_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, slice_scale);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, slice_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, file_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, dims_voxels_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, dims_um_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, voxel_size_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, mapping_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, pore_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, cbd_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, cam_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, other_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, note_label);
  gtk_widget_class_bind_template_callback (widget_class, slice_adjustment_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, slice_changed_cb);

  gtk_widget_class_install_action (widget_class, "slice.move", "i", move_slice_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "slice.move", "i", 10);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "slice.move", "i", -10);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "slice.move", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "slice.move", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "slice.move", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "slice.move", "i", -1);
}

static void
cbd_window_init (CbdWindow *self)
{
  static const GActionEntry win_entries[] = {
    { "open", open_activated, NULL, NULL, NULL, { 0 } },
  };
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->interactive = TRUE;

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);

  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, (GType[2]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}

CbdWindow *
cbd_window_new (GtkApplication *application)
{
  return g_object_new (CBD_TYPE_WINDOW, "application", application, NULL);
}
