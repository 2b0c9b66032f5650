/* cbd-cutout-panel.c — the sidebar's cutout list and editor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView over the view state's cutout list (name, origin, edge,
 * porosity, CAM-free, status) sharing its selection with the state, so a
 * cutout picked in a slice is selected here and a row picked here centres
 * the views on it. Below, the selected cutout's name, origin and edge in
 * voxels and µm; every edit goes through the undo history.
 */
#define G_LOG_DOMAIN "cbd-cutout-panel"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cbd-cutout-panel.h"

struct _CbdCutoutPanel
{
  GtkWidget          parent_instance;

  /* template children */
  GtkWidget         *box;
  GtkColumnView     *column_view;
  GtkWidget         *editor;
  GtkEntry          *name_entry;
  GtkSpinButton     *origin_spin[3];
  GtkSpinButton     *origin_um_spin[3];
  GtkSpinButton     *edge_spin;
  GtkSpinButton     *edge_um_spin;
  GtkLabel          *cam_label;
  GtkLabel          *message_label;
  GtkSpinButton     *default_edge_spin;

  CbdViewState      *state;
  GtkSingleSelection *selection;
  CbdCutoutItem     *shown;         /* the item in the editor */
  gulong             shown_handler;
  gboolean           updating;
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CbdCutoutPanel, cbd_cutout_panel, GTK_TYPE_WIDGET)

typedef enum
{
  COLUMN_NAME,
  COLUMN_ORIGIN,
  COLUMN_EDGE,
  COLUMN_POROSITY,
  COLUMN_CAM_FREE,
  COLUMN_SIGMA_REL,
  COLUMN_TAU,
  COLUMN_ACCEPTED,
  COLUMN_STATUS,
  N_COLUMNS
} Column;

static char *
column_text (Column         column,
             CbdCutoutItem *item)
{
  gsize origin[3];
  gint64 cam_count = cbd_cutout_item_get_cam_count (item);
  double porosity = cbd_cutout_item_get_porosity (item);
  gboolean counted = !cbd_cutout_item_get_computing (item) && cam_count >= 0;
  CbdCutoutItemAnalysis analysis;
  gboolean analysed = cbd_cutout_item_get_analysis (item, &analysis);

  switch (column)
    {
    case COLUMN_NAME:
      return g_strdup (cbd_cutout_item_get_name (item));
    case COLUMN_ORIGIN:
      cbd_cutout_item_get_origin (item, origin);
      return g_strdup_printf ("%zu, %zu, %zu", origin[0], origin[1], origin[2]);
    case COLUMN_EDGE:
      return g_strdup_printf ("%zu", cbd_cutout_item_get_edge (item));
    case COLUMN_POROSITY:
      return counted && !isnan (porosity) ? g_strdup_printf (_("%.1f %%"), 100.0 * porosity) : g_strdup ("—");
    case COLUMN_CAM_FREE:
      return g_strdup (!counted ? "—" : cam_count == 0 ? _("yes") : _("no"));
    case COLUMN_SIGMA_REL:
      /* Translators: mean and spread of sigma_rel over the three axes */
      return analysed ? g_strdup_printf (_("%.4f ± %.4f"), analysis.sigma_rel_mean,
                                         analysis.sigma_rel_std)
                      : g_strdup ("—");
    case COLUMN_TAU:
      return analysed && !isnan (analysis.tau_mean) ? g_strdup_printf ("%.3g", analysis.tau_mean)
                                                    : g_strdup ("—");
    case COLUMN_ACCEPTED:
      return g_strdup (!analysed ? "—" : analysis.accepted ? _("yes") : _("no"));
    case COLUMN_STATUS:
      if (analysis.progress >= 0.0)
        /* Translators: a cutout being analysed, how far along */
        return g_strdup_printf (_("analysing, %.0f %%"), 100.0 * analysis.progress);
      if (cbd_cutout_item_get_computing (item))
        return g_strdup (_("counting…"));
      if (cam_count < 0)
        return g_strdup (_("phases unknown"));
      if (cam_count == 0)
        return g_strdup (_("ready"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld CAM voxel", "%lld CAM voxels",
                                           (gulong) MIN (cam_count, G_MAXLONG)),
                              (long long) cam_count);
    case N_COLUMNS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
refresh_cell (GtkListItem *list_item)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  CbdCutoutItem *item = gtk_list_item_get_item (list_item);
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (label), "column"));
  g_autofree char *text = NULL;

  if (item == NULL)
    return;
  text = column_text (column, item);
  gtk_label_set_text (GTK_LABEL (label), text);
  if (column == COLUMN_CAM_FREE)
    {
      gint64 cam_count = cbd_cutout_item_get_cam_count (item);

      if (cam_count > 0)
        gtk_widget_add_css_class (label, "error");
      else
        gtk_widget_remove_css_class (label, "error");
      if (cam_count == 0)
        gtk_widget_add_css_class (label, "success");
      else
        gtk_widget_remove_css_class (label, "success");
    }
}

static void
cell_item_notify_cb (CbdCutoutItem *item,
                     GParamSpec    *pspec,
                     GtkListItem   *list_item)
{
  refresh_cell (list_item);
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == COLUMN_NAME || column == COLUMN_STATUS ? 0.0f : 1.0f);
  if (column != COLUMN_NAME && column != COLUMN_STATUS)
    gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (label), "column", GUINT_TO_POINTER (column));
  gtk_list_item_set_child (list_item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  CbdCutoutItem *item = gtk_list_item_get_item (list_item);

  g_signal_connect_object (item, "notify", G_CALLBACK (cell_item_notify_cb), list_item, 0);
  refresh_cell (list_item);
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  CbdCutoutItem *item = gtk_list_item_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, cell_item_notify_cb, list_item);
}

static void
cbd_cutout_panel_add_columns (CbdCutoutPanel *self)
{
  const char *titles[N_COLUMNS] = {
    [COLUMN_NAME] = _("Name"),
    [COLUMN_ORIGIN] = _("Origin"),
    [COLUMN_EDGE] = _("Edge"),
    [COLUMN_POROSITY] = _("Porosity"),
    [COLUMN_CAM_FREE] = _("CAM-free"),
    /* Translators: relative ionic conductivity, mean ± spread */
    [COLUMN_SIGMA_REL] = _("σ_rel"),
    /* Translators: tortuosity */
    [COLUMN_TAU] = _("τ"),
    [COLUMN_ACCEPTED] = _("Accepted"),
    [COLUMN_STATUS] = _("Status"),
  };

  for (Column column = 0; column < N_COLUMNS; column++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) view_column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GUINT_TO_POINTER (column));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (column));
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), GUINT_TO_POINTER (column));
      view_column = gtk_column_view_column_new (titles[column], factory);
      gtk_column_view_column_set_resizable (view_column, TRUE);
      gtk_column_view_column_set_expand (view_column, column == COLUMN_STATUS);
      gtk_column_view_append_column (self->column_view, view_column);
    }
}

static double
voxel_um (CbdCutoutPanel *self,
          guint           axis)
{
  CbdVolume *volume = self->state != NULL ? cbd_view_state_get_volume (self->state) : NULL;

  return volume != NULL ? volume->voxel_nm[axis] / 1000.0 : 0.01;
}

/* Shows the selected item's numbers in the editor. */
static void
cbd_cutout_panel_update_editor (CbdCutoutPanel *self)
{
  CbdCutoutItem *item = self->shown;
  CbdVolume *volume = self->state != NULL ? cbd_view_state_get_volume (self->state) : NULL;
  gsize origin[3] = { 0, 0, 0 }, edge = 0;
  g_autofree char *cam_text = NULL;

  gtk_widget_set_sensitive (self->editor, item != NULL && volume != NULL);
  self->updating = TRUE;
  if (item != NULL && volume != NULL)
    {
      gsize smallest = MIN (volume->dims[0], MIN (volume->dims[1], volume->dims[2]));

      cbd_cutout_item_get_origin (item, origin);
      edge = cbd_cutout_item_get_edge (item);
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->name_entry)),
                     cbd_cutout_item_get_name (item)) != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->name_entry), cbd_cutout_item_get_name (item));
      for (guint axis = 0; axis < 3; axis++)
        {
          double last = (double) (volume->dims[axis] - edge);

          gtk_spin_button_set_range (self->origin_spin[axis], 0, last);
          gtk_spin_button_set_range (self->origin_um_spin[axis], 0, last * voxel_um (self, axis));
          gtk_spin_button_set_value (self->origin_spin[axis], origin[axis]);
          gtk_spin_button_set_value (self->origin_um_spin[axis], origin[axis] * voxel_um (self, axis));
        }
      gtk_spin_button_set_range (self->edge_spin, 1, smallest);
      gtk_spin_button_set_range (self->edge_um_spin, voxel_um (self, 0), smallest * voxel_um (self, 0));
      gtk_spin_button_set_value (self->edge_spin, edge);
      gtk_spin_button_set_value (self->edge_um_spin, edge * voxel_um (self, 0));
      cam_text = column_text (COLUMN_STATUS, item);
      if (!isnan (cbd_cutout_item_get_porosity (item)) && !cbd_cutout_item_get_computing (item))
        {
          g_autofree char *status = g_steal_pointer (&cam_text);

          /* Translators: the cutout's status, then its porosity */
          cam_text = g_strdup_printf (_("%s, porosity %.1f %%"), status,
                                      100.0 * cbd_cutout_item_get_porosity (item));
        }
      gtk_label_set_text (self->cam_label, cam_text);
    }
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), "");
      gtk_label_set_text (self->cam_label, "");
    }
  self->updating = FALSE;
}

static void
shown_notify_cb (CbdCutoutItem  *item,
                 GParamSpec     *pspec,
                 CbdCutoutPanel *self)
{
  cbd_cutout_panel_update_editor (self);
}

static void
cbd_cutout_panel_show_item (CbdCutoutPanel *self,
                            CbdCutoutItem  *item)
{
  if (self->shown != NULL)
    g_clear_signal_handler (&self->shown_handler, self->shown);
  g_set_object (&self->shown, item);
  if (item != NULL)
    self->shown_handler = g_signal_connect (item, "notify", G_CALLBACK (shown_notify_cb), self);
  cbd_cutout_panel_update_editor (self);
}

/* The editor's values, clamped, through the history. */
static void
cbd_cutout_panel_apply (CbdCutoutPanel *self,
                        const gint64    origin[3],
                        gsize           edge,
                        const char     *name)
{
  gsize clamped[3], clamped_edge;

  if (self->updating || self->shown == NULL || self->state == NULL)
    return;
  if (!cbd_cutout_list_clamp (cbd_view_state_get_cutouts (self->state), origin, edge,
                              clamped, &clamped_edge))
    return;
  cbd_cutout_history_change (cbd_view_state_get_history (self->state), self->shown,
                             name, clamped, clamped_edge);
  /* Clamping may have changed what was typed: show what holds. */
  cbd_cutout_panel_update_editor (self);
}

static void
current_geometry (CbdCutoutPanel *self,
                  gint64          origin[3],
                  gsize          *edge)
{
  gsize current[3];

  cbd_cutout_item_get_origin (self->shown, current);
  for (guint axis = 0; axis < 3; axis++)
    origin[axis] = (gint64) current[axis];
  *edge = cbd_cutout_item_get_edge (self->shown);
}

static void
origin_changed_cb (GtkSpinButton  *spin,
                   CbdCutoutPanel *self)
{
  gint64 origin[3];
  gsize edge;

  if (self->updating || self->shown == NULL)
    return;
  current_geometry (self, origin, &edge);
  for (guint axis = 0; axis < 3; axis++)
    if (spin == self->origin_spin[axis])
      origin[axis] = (gint64) gtk_spin_button_get_value_as_int (spin);
  cbd_cutout_panel_apply (self, origin, edge, cbd_cutout_item_get_name (self->shown));
}

static void
origin_um_changed_cb (GtkSpinButton  *spin,
                      CbdCutoutPanel *self)
{
  gint64 origin[3];
  gsize edge;

  if (self->updating || self->shown == NULL)
    return;
  current_geometry (self, origin, &edge);
  for (guint axis = 0; axis < 3; axis++)
    if (spin == self->origin_um_spin[axis])
      origin[axis] = (gint64) llround (gtk_spin_button_get_value (spin) / voxel_um (self, axis));
  cbd_cutout_panel_apply (self, origin, edge, cbd_cutout_item_get_name (self->shown));
}

static void
edge_changed_cb (GtkSpinButton  *spin,
                 CbdCutoutPanel *self)
{
  gint64 origin[3];
  gsize edge;

  if (self->updating || self->shown == NULL)
    return;
  current_geometry (self, origin, &edge);
  edge = (gsize) MAX (1, gtk_spin_button_get_value_as_int (spin));
  cbd_cutout_panel_apply (self, origin, edge, cbd_cutout_item_get_name (self->shown));
}

/* The cube's edge in µm along x (cutouts are cubes in voxels). */
static void
edge_um_changed_cb (GtkSpinButton  *spin,
                    CbdCutoutPanel *self)
{
  gint64 origin[3];
  gsize edge;

  if (self->updating || self->shown == NULL)
    return;
  current_geometry (self, origin, &edge);
  edge = (gsize) MAX (1, llround (gtk_spin_button_get_value (spin) / voxel_um (self, 0)));
  cbd_cutout_panel_apply (self, origin, edge, cbd_cutout_item_get_name (self->shown));
}

static void
commit_name (CbdCutoutPanel *self)
{
  gint64 origin[3];
  gsize edge;
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));

  if (self->updating || self->shown == NULL
      || g_strcmp0 (name, cbd_cutout_item_get_name (self->shown)) == 0)
    return;
  current_geometry (self, origin, &edge);
  cbd_cutout_panel_apply (self, origin, edge, name);
}

static void
name_activate_cb (GtkEntry       *entry,
                  CbdCutoutPanel *self)
{
  commit_name (self);
}

static void
name_focus_leave_cb (GtkEventControllerFocus *controller,
                     CbdCutoutPanel          *self)
{
  commit_name (self);
}

static void
default_edge_changed_cb (GtkSpinButton  *spin,
                         CbdCutoutPanel *self)
{
  if (self->state != NULL)
    cbd_view_state_set_cutout_edge (self->state, (gsize) gtk_spin_button_get_value_as_int (spin));
}

static void
state_edge_notify_cb (CbdViewState   *state,
                      GParamSpec     *pspec,
                      CbdCutoutPanel *self)
{
  gtk_spin_button_set_value (self->default_edge_spin, (double) cbd_view_state_get_cutout_edge (state));
}

/* A row picked here: select it in the state and centre the views on it. */
static void
selection_changed_cb (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      CbdCutoutPanel     *self)
{
  CbdCutoutItem *item = gtk_single_selection_get_selected_item (selection);

  if (self->state == NULL || item == cbd_view_state_get_selected_cutout (self->state))
    return;
  cbd_view_state_set_selected_cutout (self->state, item);
  if (item != NULL)
    cbd_view_state_centre_on_cutout (self->state, item);
}

/* Picked elsewhere (a slice, undo): follow it here. */
static void
state_selection_notify_cb (CbdViewState   *state,
                           GParamSpec     *pspec,
                           CbdCutoutPanel *self)
{
  CbdCutoutItem *item = cbd_view_state_get_selected_cutout (state);
  guint position = GTK_INVALID_LIST_POSITION;

  if (item != NULL)
    cbd_cutout_list_find (cbd_view_state_get_cutouts (state), item, &position);
  if (gtk_single_selection_get_selected (self->selection) != position)
    gtk_single_selection_set_selected (self->selection, position);
  cbd_cutout_panel_show_item (self, item);
}

static void
cbd_cutout_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CbdCutoutPanel *self = CBD_CUTOUT_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_object (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_cutout_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CbdCutoutPanel *self = CBD_CUTOUT_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cbd_cutout_panel_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_cutout_panel_dispose (GObject *object)
{
  CbdCutoutPanel *self = CBD_CUTOUT_PANEL (object);

  cbd_cutout_panel_set_state (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (cbd_cutout_panel_parent_class)->dispose (object);
}

static void
cbd_cutout_panel_class_init (CbdCutoutPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_cutout_panel_dispose;
  object_class->get_property = cbd_cutout_panel_get_property;
  object_class->set_property = cbd_cutout_panel_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CBD_TYPE_VIEW_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-cutout-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, box);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, editor);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, name_entry);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, edge_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, edge_um_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, cam_label);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, CbdCutoutPanel, default_edge_spin);
  gtk_widget_class_bind_template_child_full (widget_class, "origin_x_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_spin[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "origin_y_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_spin[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "origin_z_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_spin[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "origin_x_um_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_um_spin[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "origin_y_um_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_um_spin[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "origin_z_um_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdCutoutPanel, origin_um_spin[2]));
  gtk_widget_class_bind_template_callback (widget_class, origin_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, origin_um_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_um_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, name_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, default_edge_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cbd_cutout_panel_init (CbdCutoutPanel *self)
{
  GtkEventController *focus;

  gtk_widget_init_template (GTK_WIDGET (self));
  cbd_cutout_panel_add_columns (self);

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_object_unref (self->selection);

  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (name_focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->name_entry), focus);
}

GtkWidget *
cbd_cutout_panel_new (void)
{
  return g_object_new (CBD_TYPE_CUTOUT_PANEL, NULL);
}

CbdViewState *
cbd_cutout_panel_get_state (CbdCutoutPanel *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_PANEL (self), NULL);
  return self->state;
}

void
cbd_cutout_panel_set_state (CbdCutoutPanel *self,
                            CbdViewState   *state)
{
  g_return_if_fail (CBD_IS_CUTOUT_PANEL (self));

  if (state == self->state)
    return;
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  cbd_cutout_panel_show_item (self, NULL);
  g_set_object (&self->state, state);
  gtk_single_selection_set_model (self->selection,
                                  state != NULL ? G_LIST_MODEL (cbd_view_state_get_cutouts (state)) : NULL);
  if (state != NULL)
    {
      g_signal_connect (state, "notify::selected-cutout", G_CALLBACK (state_selection_notify_cb), self);
      g_signal_connect (state, "notify::cutout-edge", G_CALLBACK (state_edge_notify_cb), self);
      g_signal_connect_swapped (state, "volume-changed", G_CALLBACK (cbd_cutout_panel_update_editor), self);
      state_selection_notify_cb (state, NULL, self);
      state_edge_notify_cb (state, NULL, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Returns: (transfer none): the list's column view, for tests */
GtkColumnView *
cbd_cutout_panel_get_column_view (CbdCutoutPanel *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_PANEL (self), NULL);
  return self->column_view;
}

/* @message: (nullable): a note under the list, %NULL to hide it */
void
cbd_cutout_panel_set_message (CbdCutoutPanel *self,
                              const char     *message)
{
  g_return_if_fail (CBD_IS_CUTOUT_PANEL (self));
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

const char *
cbd_cutout_panel_get_message (CbdCutoutPanel *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_PANEL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
         ? gtk_label_get_text (self->message_label) : NULL;
}
