/* cbd-window.c — the main window: one volume in three linked slices, a 3D
 * view, and the cutouts picked in them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file loads volumes and keeps the status line and settings; the
 * actions are in cbd-window-actions.c.
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-io.h"
#include "cbd-labels.h"
#include "cbd-window-private.h"

enum
{
  SIGNAL_LOAD_FINISHED,
  SIGNAL_FIND_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdWindow, cbd_window, GTK_TYPE_APPLICATION_WINDOW)

static void cbd_window_show_volume (CbdWindow     *self,
                                    CbdVolume     *volume,
                                    const char    *name,
                                    const guint64  counts[256]);
static void cbd_window_open_full   (CbdWindow        *self,
                                    GFile            *file,
                                    const CbdRawSpec *raw);

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
  CbdRawSpec   *raw;   /* NULL: a TIFF file or folder */
} LoadInput;

static void
load_input_free (gpointer data)
{
  LoadInput *input = data;

  g_free (input->path);
  load_progress_unref (input->progress);
  g_free (input->raw);
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

  if (input->raw != NULL)
    volume = cbd_raw_spec_read (input->raw, input->path, cancellable, &error);
  else
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
      LoadInput *input = g_task_get_task_data (task);
      g_autofree char *message = NULL;

      /* The reader's message names the file already, but say which one we
       * meant in case it does not. */
      message = g_strdup_printf (_("Could not open “%s”: %s"), name, error->message);

      /* Not a TIFF: perhaps headerless voxels; ask how they are laid out. */
      if (input->raw == NULL && self->pending_session == NULL && self->interactive
          && g_error_matches (error, CBD_IO_ERROR, CBD_IO_ERROR_NOT_TIFF))
        {
          g_autoptr(GFile) file = g_file_new_for_path (input->path);

          gtk_label_set_text (self->error_label, message);
          gtk_stack_set_visible_child_name (self->stack, "error");
          cbd_window_ask_raw (self, file);
          g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, FALSE, message);
          return;
        }

      g_clear_pointer (&self->pending_session, cbd_session_free);
      cbd_window_show_error (self, message);
      g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, FALSE, message);
      return;
    }

  {
    LoadInput *input = g_task_get_task_data (task);

    g_free (self->volume_raw);
    self->volume_raw = input->raw != NULL ? g_memdup2 (input->raw, sizeof *input->raw) : NULL;
  }
  cbd_window_show_volume (self, result->volume, name, result->counts);
  load_result_free (result);
  if (self->pending_session != NULL)
    {
      cbd_window_apply_session (self, self->pending_session);
      cbd_window_restore_analysis (self, self->project_path);
      cbd_window_add_recent (self, self->project_path);
    }
  else
    {
      cbd_window_add_recent (self, name);
    }
  g_clear_pointer (&self->pending_session, cbd_session_free);
  cbd_window_mark_saved (self);
  g_signal_emit (self, signals[SIGNAL_LOAD_FINISHED], 0, TRUE, NULL);
}

/**
 * cbd_window_open_raw:
 * @raw: the dims, sample type and voxel size of the headerless file
 *
 * As cbd_window_open(), for a raw file.
 */
void
cbd_window_open_raw (CbdWindow        *self,
                     GFile            *file,
                     const CbdRawSpec *raw)
{
  g_return_if_fail (raw != NULL);
  cbd_window_open_full (self, file, raw);
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
  cbd_window_open_full (self, file, NULL);
}

static void
cbd_window_open_full (CbdWindow        *self,
                      GFile            *file,
                      const CbdRawSpec *raw)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;
  LoadInput *input;

  g_return_if_fail (CBD_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (cbd_window_is_project_file (file) && self->pending_session == NULL)
    {
      cbd_window_open_project (self, file);
      return;
    }

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
  input->raw = raw != NULL ? g_memdup2 (raw, sizeof *raw) : NULL;

  task = g_task_new (self, self->load_cancellable, load_ready_cb, NULL);
  g_task_set_source_tag (task, cbd_window_open);
  g_task_set_task_data (task, input, load_input_free);
  g_task_run_in_thread (task, load_thread);
}

static void
cbd_window_update_status (CbdWindow *self)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  const CbdLabelMap *map = cbd_view_state_get_label_map (self->state);
  gsize position[3];
  gboolean hover;
  const char *phase_name;
  g_autofree char *text = NULL;

  if (volume == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }

  hover = cbd_view_state_get_hover (self->state, position);
  if (!hover)
    cbd_view_state_get_crosshair (self->state, position);

  if (map == NULL)
    phase_name = NULL;
  else
    switch (cbd_view_state_get_phase_at (self->state, position))
      {
      case CBD_PHASE_PORE: phase_name = _("pore"); break;
      case CBD_PHASE_CBD: phase_name = _("CBD"); break;
      case CBD_PHASE_CAM: phase_name = _("CAM"); break;
      case CBD_PHASE_OTHER:
      case CBD_N_PHASES:
      default: phase_name = _("other"); break;
      }

  {
    guint label = cbd_volume_get (volume, position[0], position[1], position[2]);
    g_autofree char *what = NULL;

    if (phase_name != NULL)
      /* Translators: a phase name and the raw label value, e.g. "CBD (170)" */
      what = g_strdup_printf (_("%s (%u)"), phase_name, volume->source_value[label]);
    else
      what = g_strdup_printf (_("label %u"), volume->source_value[label]);

    /* Translators: where the pointer (or crosshair) is: voxel indices, the
     * same in µm, and what is there */
    text = g_strdup_printf (_("%s  x %zu  y %zu  z %zu   (%.3f, %.3f, %.3f µm)   %s"),
                            hover ? _("Pointer") : _("Crosshair"),
                            position[0], position[1], position[2],
                            (position[0] + 0.5) * volume->voxel_nm[0] / 1000.0,
                            (position[1] + 0.5) * volume->voxel_nm[1] / 1000.0,
                            (position[2] + 0.5) * volume->voxel_nm[2] / 1000.0,
                            what);
  }
  gtk_label_set_text (self->status_label, text);
}

/* Shows @volume with its histogram @counts (computed off the main thread
 * by the loader). */
static void
cbd_window_show_volume (CbdWindow     *self,
                        CbdVolume     *volume,
                        const char    *name,
                        const guint64  counts[256])
{
  g_autoptr(GError) error = NULL;
  CbdLabelMap map;
  gboolean have_map = FALSE, guessed = TRUE;

  /* A project says which label is which and how large a voxel is. */
  if (self->pending_session != NULL)
    {
      for (guint axis = 0; axis < 3; axis++)
        volume->voxel_nm[axis] = self->pending_session->voxel_nm[axis];
      if (self->pending_session->labels != NULL)
        {
          have_map = cbd_label_map_parse (&map, self->pending_session->labels, volume, &error);
          guessed = FALSE;
        }
    }
  if (!have_map)
    {
      g_clear_error (&error);
      have_map = cbd_label_map_guess (&map, counts, &error);
      guessed = TRUE;
    }

  g_free (self->volume_path);
  self->volume_path = g_strdup (name);
  {
    g_autofree char *raw_spec = self->volume_raw != NULL ? cbd_raw_spec_to_string (self->volume_raw) : NULL;

    cbd_analysis_panel_set_volume_path (self->analysis_panel, name, raw_spec);
  }
  cbd_view_state_set_volume (self->state, volume, have_map ? &map : NULL, counts);
  cbd_volume_info_set_volume (self->volume_info, volume, name, have_map ? &map : NULL,
                              guessed, counts);

  cbd_window_update_title (self);

  gtk_stack_set_visible_child_name (self->stack, "volume");
  /* The arrow and page keys then move through the stack straight away. */
  gtk_widget_grab_focus (GTK_WIDGET (self->xy_view));
  self->loaded = TRUE;
  cbd_window_update_status (self);
  cbd_window_update_actions (self);

  /* Not exactly three values: let the user say which is which. */
  if (!have_map && self->interactive)
    cbd_window_ask_label_map (self, counts);
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

  g_return_if_fail (CBD_IS_WINDOW (self));
  g_return_if_fail (volume != NULL);

  cbd_volume_histogram (volume, counts);
  g_clear_pointer (&self->project_path, g_free);
  g_clear_pointer (&self->volume_raw, g_free);
  cbd_window_show_volume (self, volume, name, counts);
  cbd_window_mark_saved (self);
}

gboolean
cbd_window_get_loaded (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), FALSE);
  return self->loaded;
}

CbdViewState *
cbd_window_get_state (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return self->state;
}

/* @normal: CBD_AXIS_Z for the XY view, CBD_AXIS_Y for XZ, CBD_AXIS_X for YZ */
CbdSliceView *
cbd_window_get_slice_view (CbdWindow *self,
                           CbdAxis    normal)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);

  switch (normal)
    {
    case CBD_AXIS_X: return self->yz_view;
    case CBD_AXIS_Y: return self->xz_view;
    case CBD_AXIS_Z: return self->xy_view;
    default: g_return_val_if_reached (NULL);
    }
}

/* Returns: (transfer none): the CbdVolumeView */
GtkWidget *
cbd_window_get_volume_view (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->volume_view);
}

/* Returns: (transfer none): the CbdAnalysisPanel */
GtkWidget *
cbd_window_get_analysis_panel (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->analysis_panel);
}

/* Returns: (transfer none): the CbdCutoutPanel */
GtkWidget *
cbd_window_get_cutout_panel (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->cutout_panel);
}

const char *
cbd_window_get_status_text (CbdWindow *self)
{
  g_return_val_if_fail (CBD_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->status_label);
}

/* Screenshot mode and tests have nobody to close a dialog. */
void
cbd_window_set_interactive (CbdWindow *self,
                            gboolean   interactive)
{
  g_return_if_fail (CBD_IS_WINDOW (self));
  self->interactive = !!interactive;
}

static const struct
{
  const char *key;
  CbdPhase    phase;
} color_keys[] = {
  { "pore-color",  CBD_PHASE_PORE },
  { "cbd-color",   CBD_PHASE_CBD },
  { "cam-color",   CBD_PHASE_CAM },
  { "other-color", CBD_PHASE_OTHER },
};

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     CbdWindow  *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (color_keys); i++)
    {
      g_autofree char *spec = NULL;
      GdkRGBA color;

      if (key != NULL && g_strcmp0 (key, color_keys[i].key) != 0)
        continue;

      spec = g_settings_get_string (settings, color_keys[i].key);
      if (gdk_rgba_parse (&color, spec))
        cbd_view_state_set_phase_color (self->state, color_keys[i].phase, &color);
      else
        g_warning ("Ignoring the colour “%s” of the setting %s", spec, color_keys[i].key);
    }
}

/* A colour picked in the window becomes the preference. */
static void
style_changed_cb (CbdViewState *state,
                  CbdWindow    *self)
{
  if (self->settings == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (color_keys); i++)
    {
      g_autofree char *spec = g_settings_get_string (self->settings, color_keys[i].key);
      g_autofree char *current = NULL;
      GdkRGBA color, stored;

      cbd_view_state_get_phase_color (state, color_keys[i].phase, &color);
      if (gdk_rgba_parse (&stored, spec) && gdk_rgba_equal (&stored, &color))
        continue;
      current = gdk_rgba_to_string (&color);
      g_settings_set_string (self->settings, color_keys[i].key, current);
    }
}

/**
 * cbd_window_set_settings:
 * @settings: (nullable): settings with the app's schema; %NULL keeps the
 *   built-in colours and defaults
 */
void
cbd_window_set_settings (CbdWindow *self,
                         GSettings *settings)
{
  g_return_if_fail (CBD_IS_WINDOW (self));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (!g_set_object (&self->settings, settings) || settings == NULL)
    return;
  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  settings_changed_cb (settings, NULL, self);
  g_settings_bind (settings, "cutout-edge", self->state, "cutout-edge", G_SETTINGS_BIND_GET);
  cbd_window_watch_recent (self);
}

static void
cbd_window_dispose (GObject *object)
{
  CbdWindow *self = CBD_WINDOW (object);

  cbd_window_stop_loading (self);
  if (self->find_cancellable != NULL)
    g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  g_clear_pointer (&self->loading_name, g_free);
  g_clear_pointer (&self->volume_path, g_free);
  g_clear_pointer (&self->project_path, g_free);
  g_clear_pointer (&self->volume_raw, g_free);
  g_clear_pointer (&self->pending_session, cbd_session_free);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

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

  /**
   * CbdWindow::find-finished:
   * @n_added: how many CAM-free cutouts were added
   */
  signals[SIGNAL_FIND_FINISHED] =
    g_signal_new ("find-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (CBD_TYPE_VIEW_STATE);
  g_type_ensure (CBD_TYPE_SLICE_VIEW);
  g_type_ensure (CBD_TYPE_VOLUME_INFO);
  g_type_ensure (CBD_TYPE_PHASE_PANEL);
  g_type_ensure (CBD_TYPE_VOLUME_VIEW);
  g_type_ensure (CBD_TYPE_CUTOUT_PANEL);
  g_type_ensure (CBD_TYPE_ANALYSIS_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, state);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, xy_view);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, xz_view);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, yz_view);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, volume_view);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, volume_info);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, phase_panel);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, cutout_panel);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, analysis_panel);
  gtk_widget_class_bind_template_child (widget_class, CbdWindow, recent_menu);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.zoom-one", NULL);
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
cbd_window_init (CbdWindow *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->interactive = TRUE;

  g_signal_connect_object (self->state, "hover-changed",
                           G_CALLBACK (cbd_window_update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->state, "crosshair-changed",
                           G_CALLBACK (cbd_window_update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->state, "style-changed",
                           G_CALLBACK (style_changed_cb), self, 0);

  cbd_window_init_actions (self);

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
