/* cbd-window-cutouts.c — the window's cutout actions: add, delete, undo,
 * redo, and the search for CAM-free cutouts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-cutouts.h"
#include "cbd-window-private.h"

static void
add_cutout_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  gsize crosshair[3];

  cbd_view_state_get_crosshair (self->state, crosshair);
  cbd_view_state_add_cutout_at (self->state, crosshair);
}

static void
delete_cutout_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  CbdCutoutItem *item = cbd_view_state_get_selected_cutout (self->state);

  if (item != NULL)
    cbd_cutout_history_remove (cbd_view_state_get_history (self->state), item);
}

static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_cutout_history_undo (cbd_view_state_get_history (self->state));
}

static void
redo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_cutout_history_redo (cbd_view_state_get_history (self->state));
}

typedef struct
{
  CbdVolume *volume;
  gboolean   forbidden[256];
  gsize      edge;
  guint      n_wanted;
  guint      n_threads;
} FindInput;

static void
find_input_free (gpointer data)
{
  FindInput *input = data;

  cbd_volume_unref (input->volume);
  g_free (input);
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FindInput *input = task_data;
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  GError *error = NULL;
  GArray *cutouts;

  free_origins = cbd_free_origins_find (input->volume, input->forbidden, input->edge,
                                        input->n_threads, cancellable, NULL, NULL, &error);
  if (free_origins == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cutouts = cbd_free_origins_select (free_origins, input->n_wanted, 0, cancellable, &error);
  if (cutouts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cutouts, (GDestroyNotify) g_array_unref);
}

static void
find_ready_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CbdWindow *self = CBD_WINDOW (source_object);
  GTask *task = G_TASK (result);
  FindInput *input = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cutouts = g_task_propagate_pointer (task, &error);
  g_autofree char *message = NULL;

  /* A different volume by now: the positions are meaningless. */
  if (g_task_get_cancellable (task) != self->find_cancellable)
    return;
  g_clear_object (&self->find_cancellable);
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);

  if (cutouts == NULL)
    {
      message = g_strdup_printf (_("The search for CAM-free cutouts failed: %s"), error->message);
      cbd_cutout_panel_set_message (self->cutout_panel, message);
      g_signal_emit_by_name (self, "find-finished", 0u);
      return;
    }

  /* One undo step for the whole search. */
  cbd_cutout_history_begin_group (cbd_view_state_get_history (self->state));
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *found = &g_array_index (cutouts, CbdCutout, i);
      g_autofree char *name = cbd_cutout_list_next_name (cbd_view_state_get_cutouts (self->state));
      g_autoptr(CbdCutoutItem) item = cbd_cutout_item_new (name, found->origin, found->size);

      cbd_cutout_history_add (cbd_view_state_get_history (self->state), item);
    }
  cbd_cutout_history_end_group (cbd_view_state_get_history (self->state));

  if (cutouts->len < input->n_wanted)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Found room for %u CAM-free cube of %zu voxels, not %u.",
                                            "Found room for %u CAM-free cubes of %zu voxels, not %u.",
                                            cutouts->len),
                               cutouts->len, input->edge, input->n_wanted);
  else
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Added %u CAM-free cutout.",
                                            "Added %u CAM-free cutouts.", cutouts->len),
                               cutouts->len);
  cbd_cutout_panel_set_message (self->cutout_panel, message);
  g_signal_emit_by_name (self, "find-finished", cutouts->len);
}

/**
 * cbd_window_find_cutouts:
 * @n_wanted: how many to add
 *
 * Searches, on a worker, for cubes of the default edge that hold no CAM
 * voxel and adds up to @n_wanted well-spread ones. #CbdWindow::find-finished
 * says when it is done.
 */
void
cbd_window_find_cutouts (CbdWindow *self,
                         guint      n_wanted)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  const CbdLabelMap *map = cbd_view_state_get_label_map (self->state);
  g_autoptr(GTask) task = NULL;
  FindInput *input;

  g_return_if_fail (CBD_IS_WINDOW (self));

  if (volume == NULL || map == NULL || n_wanted == 0)
    {
      cbd_cutout_panel_set_message (self->cutout_panel,
                                    _("CAM-free cutouts need a volume whose phases are known."));
      g_signal_emit_by_name (self, "find-finished", 0u);
      return;
    }

  if (self->find_cancellable != NULL)
    g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  self->find_cancellable = g_cancellable_new ();

  input = g_new0 (FindInput, 1);
  input->volume = cbd_volume_ref (volume);
  for (guint label = 0; label < 256; label++)
    input->forbidden[label] = map->phase[label] == CBD_PHASE_CAM;
  input->edge = cbd_view_state_get_cutout_edge (self->state);
  input->n_wanted = n_wanted;
  input->n_threads = self->settings != NULL ? g_settings_get_uint (self->settings, "threads") : 0;

  cbd_cutout_panel_set_message (self->cutout_panel, _("Looking for CAM-free cutouts…"));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
  task = g_task_new (self, self->find_cancellable, find_ready_cb, NULL);
  g_task_set_source_tag (task, cbd_window_find_cutouts);
  g_task_set_task_data (task, input, find_input_free);
  g_task_run_in_thread (task, find_thread);
}

static void
find_dialog_response_cb (GtkDialog *dialog,
                         int        response,
                         CbdWindow *self)
{
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), "count");

  if (response == GTK_RESPONSE_ACCEPT)
    cbd_window_find_cutouts (self, (guint) gtk_spin_button_get_value_as_int (spin));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
find_cutouts_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);
  g_autofree char *text = NULL;
  GtkWidget *dialog, *box, *label, *spin;

  dialog = gtk_dialog_new_with_buttons (_("Find CAM-free Cutouts"), GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT
                                        | GTK_DIALOG_USE_HEADER_BAR,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        _("_Find"), GTK_RESPONSE_ACCEPT,
                                        NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  text = g_strdup_printf (_("How many well-spread cubes of %zu voxels without any CAM voxel "
                            "should be added?"), cbd_view_state_get_cutout_edge (self->state));
  label = gtk_label_new (text);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  spin = gtk_spin_button_new_with_range (1, 1000, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 10);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Number of cutouts"), -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), spin);
  gtk_box_append (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))), box);
  g_object_set_data (G_OBJECT (dialog), "count", spin);
  g_signal_connect (dialog, "response", G_CALLBACK (find_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
history_changed_cb (CbdCutoutHistory *history,
                    CbdWindow        *self)
{
  cbd_window_update_actions (self);
}

static void
selection_changed_cb (CbdViewState *state,
                      GParamSpec   *pspec,
                      CbdWindow    *self)
{
  cbd_window_update_actions (self);
}

void
cbd_window_init_cutout_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "add-cutout", add_cutout_activated, NULL, NULL, NULL, { 0 } },
    { "delete-cutout", delete_cutout_activated, NULL, NULL, NULL, { 0 } },
    { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
    { "redo", redo_activated, NULL, NULL, NULL, { 0 } },
    { "find-cutouts", find_cutouts_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (cbd_view_state_get_history (self->state), "changed",
                           G_CALLBACK (history_changed_cb), self, 0);
  g_signal_connect_object (self->state, "notify::selected-cutout",
                           G_CALLBACK (selection_changed_cb), self, 0);
}
