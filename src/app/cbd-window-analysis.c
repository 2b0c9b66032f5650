/* cbd-window-analysis.c — the window's analysis actions: analyse, cancel,
 * export figure and tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-project.h"
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

static void
export_tables_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CbdWindow *self = CBD_WINDOW (user_data);

  cbd_analysis_panel_choose_table_folder (self->analysis_panel);
}

/* The filter classes of the selected cutout, in all three slices. */
static void
overlay_changed_cb (CbdWindow *self)
{
  double opacity;
  CbdSliceOverlay *overlay = cbd_analysis_panel_get_overlay (self->analysis_panel, &opacity);

  cbd_slice_view_set_overlay (self->xy_view, overlay, opacity);
  cbd_slice_view_set_overlay (self->xz_view, overlay, opacity);
  cbd_slice_view_set_overlay (self->yz_view, overlay, opacity);
}

void
cbd_window_init_analysis_actions (CbdWindow *self)
{
  static const GActionEntry entries[] = {
    { "analyse", analyse_activated, NULL, NULL, NULL, { 0 } },
    { "cancel-analysis", cancel_analysis_activated, NULL, NULL, NULL, { 0 } },
    { "export-figure", export_figure_activated, NULL, NULL, NULL, { 0 } },
    { "export-tables", export_tables_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (self->analysis_panel, "notify::running",
                           G_CALLBACK (update_analysis_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->analysis_panel, "overlay-changed",
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

  /* The app's studies do not record a raw file's layout yet: such a
   * project keeps the session alone (results are not saved). */
  if (!cbd_analysis_panel_has_results (self->analysis_panel) || session->raw_sample_type != NULL)
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
  if (!cbd_study_attach_volume (study, volume, &error))
    {
      g_warning ("Not restoring the analysis of %s: %s", project_path, error->message);
      return;
    }
  cbd_analysis_panel_adopt_study (self->analysis_panel, study);
}
