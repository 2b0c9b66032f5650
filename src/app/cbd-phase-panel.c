/* cbd-phase-panel.c — per-phase colour, visibility and opacity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-phase-panel"

#include "config.h"

#include "cbd-phase-panel.h"

/* The rows of the template, in this order. */
static const CbdPhase row_phases[] = { CBD_PHASE_PORE, CBD_PHASE_CBD, CBD_PHASE_CAM, CBD_PHASE_OTHER };
#define N_ROWS G_N_ELEMENTS (row_phases)

struct _CbdPhasePanel
{
  GtkWidget       parent_instance;

  GtkWidget      *grid;
  GtkCheckButton *visible[N_ROWS];
  GtkColorButton *color[N_ROWS];
  GtkAdjustment  *opacity[N_ROWS];
  GtkAdjustment  *opacity_3d[N_ROWS];

  CbdViewState   *state;
  gulong          style_handler;
  gboolean        updating;
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CbdPhasePanel, cbd_phase_panel, GTK_TYPE_WIDGET)

static int
row_of (CbdPhasePanel *self,
        gpointer       widget)
{
  for (guint row = 0; row < N_ROWS; row++)
    if (widget == self->visible[row] || widget == self->color[row]
        || widget == self->opacity[row] || widget == self->opacity_3d[row])
      return (int) row;
  return -1;
}

/* The state changed elsewhere (settings, a project): show it. */
static void
style_changed_cb (CbdPhasePanel *self)
{
  self->updating = TRUE;
  for (guint row = 0; row < N_ROWS; row++)
    {
      GdkRGBA color;

      cbd_view_state_get_phase_color (self->state, row_phases[row], &color);
      gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (self->color[row]), &color);
      gtk_check_button_set_active (self->visible[row],
                                   cbd_view_state_get_phase_visible (self->state, row_phases[row]));
      gtk_adjustment_set_value (self->opacity[row],
                                cbd_view_state_get_phase_opacity (self->state, row_phases[row]));
      gtk_adjustment_set_value (self->opacity_3d[row],
                                cbd_view_state_get_phase_opacity_3d (self->state, row_phases[row]));
    }
  self->updating = FALSE;
}

static void
visible_toggled_cb (GtkCheckButton *button,
                    CbdPhasePanel  *self)
{
  int row = row_of (self, button);

  if (self->updating || self->state == NULL || row < 0)
    return;
  cbd_view_state_set_phase_visible (self->state, row_phases[row],
                                    gtk_check_button_get_active (button));
}

static void
color_set_cb (GtkColorButton *button,
              CbdPhasePanel  *self)
{
  int row = row_of (self, button);
  GdkRGBA color;

  if (self->updating || self->state == NULL || row < 0)
    return;
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &color);
  cbd_view_state_set_phase_color (self->state, row_phases[row], &color);
}

static void
opacity_changed_cb (GtkAdjustment *adjustment,
                    CbdPhasePanel *self)
{
  int row = row_of (self, adjustment);

  if (self->updating || self->state == NULL || row < 0)
    return;
  cbd_view_state_set_phase_opacity (self->state, row_phases[row],
                                    gtk_adjustment_get_value (adjustment));
}

static void
opacity_3d_changed_cb (GtkAdjustment *adjustment,
                       CbdPhasePanel *self)
{
  int row = row_of (self, adjustment);

  if (self->updating || self->state == NULL || row < 0)
    return;
  cbd_view_state_set_phase_opacity_3d (self->state, row_phases[row],
                                       gtk_adjustment_get_value (adjustment));
}

static void
cbd_phase_panel_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CbdPhasePanel *self = CBD_PHASE_PANEL (object);

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
cbd_phase_panel_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CbdPhasePanel *self = CBD_PHASE_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cbd_phase_panel_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_phase_panel_dispose (GObject *object)
{
  CbdPhasePanel *self = CBD_PHASE_PANEL (object);

  cbd_phase_panel_set_state (self, NULL);
  g_clear_pointer (&self->grid, gtk_widget_unparent);

  G_OBJECT_CLASS (cbd_phase_panel_parent_class)->dispose (object);
}

static void
cbd_phase_panel_class_init (CbdPhasePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_phase_panel_dispose;
  object_class->get_property = cbd_phase_panel_get_property;
  object_class->set_property = cbd_phase_panel_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CBD_TYPE_VIEW_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-phase-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdPhasePanel, grid);
  gtk_widget_class_bind_template_child_full (widget_class, "pore_visible", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, visible[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "cbd_visible", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, visible[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "cam_visible", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, visible[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "other_visible", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, visible[3]));
  gtk_widget_class_bind_template_child_full (widget_class, "pore_color", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, color[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "cbd_color", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, color[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "cam_color", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, color[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "other_color", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, color[3]));
  gtk_widget_class_bind_template_child_full (widget_class, "pore_opacity", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "cbd_opacity", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "cam_opacity", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "other_opacity", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity[3]));
  gtk_widget_class_bind_template_child_full (widget_class, "pore_opacity_3d", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity_3d[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "cbd_opacity_3d", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity_3d[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "cam_opacity_3d", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity_3d[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "other_opacity_3d", FALSE,
                                             G_STRUCT_OFFSET (CbdPhasePanel, opacity_3d[3]));
  gtk_widget_class_bind_template_callback (widget_class, visible_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, opacity_3d_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, color_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, opacity_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cbd_phase_panel_init (CbdPhasePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cbd_phase_panel_new (void)
{
  return g_object_new (CBD_TYPE_PHASE_PANEL, NULL);
}

CbdViewState *
cbd_phase_panel_get_state (CbdPhasePanel *self)
{
  g_return_val_if_fail (CBD_IS_PHASE_PANEL (self), NULL);
  return self->state;
}

void
cbd_phase_panel_set_state (CbdPhasePanel *self,
                           CbdViewState  *state)
{
  g_return_if_fail (CBD_IS_PHASE_PANEL (self));

  if (state == self->state)
    return;
  if (self->state != NULL)
    g_clear_signal_handler (&self->style_handler, self->state);
  g_set_object (&self->state, state);
  if (state != NULL)
    {
      self->style_handler = g_signal_connect_swapped (state, "style-changed",
                                                      G_CALLBACK (style_changed_cb), self);
      style_changed_cb (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}
