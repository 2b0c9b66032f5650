/* cbd-preferences-window.c — colours, default cutout edge, threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control is bound to its GSettings key, so changes apply at once to
 * every window (which watch the same settings) and are kept.
 */
#define G_LOG_DOMAIN "cbd-preferences-window"

#include "config.h"

#include "cbd-preferences-window.h"

struct _CbdPreferencesWindow
{
  GtkWindow       parent_instance;

  GtkColorButton *pore_color;
  GtkColorButton *cbd_color;
  GtkColorButton *cam_color;
  GtkColorButton *other_color;
  GtkSpinButton  *edge_spin;
  GtkSpinButton  *threads_spin;
  GtkWidget      *note_label;
};

G_DEFINE_FINAL_TYPE (CbdPreferencesWindow, cbd_preferences_window, GTK_TYPE_WINDOW)

static gboolean
color_from_setting (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  GdkRGBA color;

  if (!gdk_rgba_parse (&color, g_variant_get_string (variant, NULL)))
    return FALSE;
  g_value_set_boxed (value, &color);
  return TRUE;
}

static GVariant *
color_to_setting (const GValue       *value,
                  const GVariantType *type,
                  gpointer            user_data)
{
  const GdkRGBA *color = g_value_get_boxed (value);
  g_autofree char *text = NULL;

  if (color == NULL)
    return NULL;
  text = gdk_rgba_to_string (color);
  return g_variant_new_string (text);
}

static void
cbd_preferences_window_class_init (CbdPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, pore_color);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, cbd_color);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, cam_color);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, other_color);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, edge_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, CbdPreferencesWindow, note_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cbd_preferences_window_init (CbdPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cbd_preferences_window_new:
 * @settings: (nullable): the app's settings; without them the window only
 *   says so
 */
GtkWidget *
cbd_preferences_window_new (GtkWindow *parent,
                            GSettings *settings)
{
  CbdPreferencesWindow *self = g_object_new (CBD_TYPE_PREFERENCES_WINDOW,
                                             "transient-for", parent, NULL);
  const struct { const char *key; GtkColorButton *button; } colors[] = {
    { "pore-color", self->pore_color },
    { "cbd-color", self->cbd_color },
    { "cam-color", self->cam_color },
    { "other-color", self->other_color },
  };

  if (settings == NULL)
    {
      gtk_widget_set_visible (self->note_label, TRUE);
      return GTK_WIDGET (self);
    }
  for (guint i = 0; i < G_N_ELEMENTS (colors); i++)
    g_settings_bind_with_mapping (settings, colors[i].key, colors[i].button, "rgba",
                                  G_SETTINGS_BIND_DEFAULT, color_from_setting, color_to_setting,
                                  NULL, NULL);
  g_settings_bind (settings, "cutout-edge", gtk_spin_button_get_adjustment (self->edge_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "threads", gtk_spin_button_get_adjustment (self->threads_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  return GTK_WIDGET (self);
}
