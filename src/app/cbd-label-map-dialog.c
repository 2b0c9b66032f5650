/* cbd-label-map-dialog.c — says which stored label value is pore, CBD, CAM
 * or something else, showing each value's share of the voxels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per value present: the value as stored in the file, its voxel
 * fraction, and a drop-down. It opens by itself when a volume does not
 * hold exactly three values (cbd_label_map_guess gives up), and from the
 * menu to correct a guess.
 */
#define G_LOG_DOMAIN "cbd-label-map-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-label-map-dialog.h"

/* Drop-down positions, in the order of the template's string list. */
static const CbdPhase dropdown_phases[] = {
  CBD_PHASE_PORE, CBD_PHASE_CBD, CBD_PHASE_CAM, CBD_PHASE_OTHER,
};

struct _CbdLabelMapDialog
{
  GtkWindow    parent_instance;

  GtkGrid     *values_grid;
  GtkLabel    *message_label;
  GtkButton   *apply_button;

  CbdLabelMap  map;
  GtkDropDown *dropdowns[256];  /* by stored label; NULL when absent */
  guint        n_values;
};

enum
{
  SIGNAL_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdLabelMapDialog, cbd_label_map_dialog, GTK_TYPE_WINDOW)

static guint
dropdown_position (CbdPhase phase)
{
  for (guint i = 0; i < G_N_ELEMENTS (dropdown_phases); i++)
    if (dropdown_phases[i] == phase)
      return i;
  return G_N_ELEMENTS (dropdown_phases) - 1;
}

/**
 * cbd_label_map_dialog_suggest:
 *
 * The core's guess when there are exactly three values; otherwise the
 * three most frequent values in ascending order as pore, CBD and CAM (two
 * values: pore and CAM) and the rest as other.
 */
void
cbd_label_map_dialog_suggest (CbdLabelMap   *map,
                              const guint64  counts[256])
{
  guint top[3] = { 0, 0, 0 };
  guint n_top = 0;
  gboolean chosen[256] = { FALSE };

  if (cbd_label_map_guess (map, counts, NULL))
    return;

  cbd_label_map_init (map);
  for (; n_top < 3; n_top++)
    {
      int best = -1;

      for (guint label = 0; label < 256; label++)
        if (counts[label] > 0 && !chosen[label] && (best < 0 || counts[label] > counts[best]))
          best = label;
      if (best < 0)
        break;
      chosen[best] = TRUE;
    }

  n_top = 0;
  for (guint label = 0; label < 256; label++)
    if (chosen[label])
      top[n_top++] = label;

  if (n_top == 3)
    {
      map->phase[top[0]] = CBD_PHASE_PORE;
      map->phase[top[1]] = CBD_PHASE_CBD;
      map->phase[top[2]] = CBD_PHASE_CAM;
    }
  else if (n_top == 2)
    {
      map->phase[top[0]] = CBD_PHASE_PORE;
      map->phase[top[1]] = CBD_PHASE_CAM;
    }
  else if (n_top == 1)
    {
      map->phase[top[0]] = CBD_PHASE_PORE;
    }
}

static void
cbd_label_map_dialog_update (CbdLabelMapDialog *self)
{
  gboolean have[CBD_N_PHASES] = { FALSE };
  g_autoptr(GString) missing = g_string_new (NULL);

  cbd_label_map_dialog_get_map (self, &self->map);
  for (guint label = 0; label < 256; label++)
    if (self->dropdowns[label] != NULL)
      have[self->map.phase[label]] = TRUE;

  if (!have[CBD_PHASE_PORE])
    g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", _("pore"));
  if (!have[CBD_PHASE_CBD])
    g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", _("CBD"));
  if (!have[CBD_PHASE_CAM])
    g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", _("CAM"));

  if (missing->len > 0)
    {
      /* Translators: %s lists phase names, e.g. "CBD, CAM" */
      g_autofree char *text = g_strdup_printf (_("No value is mapped to: %s. "
                                                 "The analysis needs all three phases."),
                                               missing->str);
      gtk_label_set_text (self->message_label, text);
    }
  else
    {
      gtk_label_set_text (self->message_label, "");
    }
}

static void
dropdown_changed_cb (CbdLabelMapDialog *self)
{
  cbd_label_map_dialog_update (self);
}

static void
cancel_clicked_cb (CbdLabelMapDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

/**
 * cbd_label_map_dialog_apply:
 *
 * What "Apply" does: emits #CbdLabelMapDialog::applied and closes.
 */
void
cbd_label_map_dialog_apply (CbdLabelMapDialog *self)
{
  CbdLabelMap map;

  g_return_if_fail (CBD_IS_LABEL_MAP_DIALOG (self));

  cbd_label_map_dialog_get_map (self, &map);
  g_signal_emit (self, signals[SIGNAL_APPLIED], 0, &map);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
cbd_label_map_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CBD_TYPE_LABEL_MAP_DIALOG);

  G_OBJECT_CLASS (cbd_label_map_dialog_parent_class)->dispose (object);
}

static void
cbd_label_map_dialog_class_init (CbdLabelMapDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_label_map_dialog_dispose;

  /**
   * CbdLabelMapDialog::applied:
   * @map: (type gpointer): the #CbdLabelMap chosen, valid during emission
   */
  signals[SIGNAL_APPLIED] =
    g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-label-map-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdLabelMapDialog, values_grid);
  gtk_widget_class_bind_template_child (widget_class, CbdLabelMapDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, CbdLabelMapDialog, apply_button);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cbd_label_map_dialog_apply);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cbd_label_map_dialog_init (CbdLabelMapDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cbd_label_map_init (&self->map);
}

static GtkDropDown *
phase_dropdown_new (void)
{
  const char *names[] = {
    /* Translators: phase names in the label mapping's drop-downs */
    _("Pore"), _("CBD"), _("CAM"), _("Other"), NULL,
  };

  return GTK_DROP_DOWN (gtk_drop_down_new_from_strings (names));
}

/**
 * cbd_label_map_dialog_new:
 * @volume: for the values as stored in the file
 * @map: (nullable): the current mapping; %NULL suggests one
 * @counts: the volume's histogram by stored label
 */
CbdLabelMapDialog *
cbd_label_map_dialog_new (GtkWindow         *parent,
                          const CbdVolume   *volume,
                          const CbdLabelMap *map,
                          const guint64      counts[256])
{
  CbdLabelMapDialog *self;
  guint64 total = 0;
  guint row = 1;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (counts != NULL, NULL);

  self = g_object_new (CBD_TYPE_LABEL_MAP_DIALOG, "transient-for", parent, NULL);
  if (map != NULL)
    self->map = *map;
  else
    cbd_label_map_dialog_suggest (&self->map, counts);

  for (guint label = 0; label < 256; label++)
    total += counts[label];

  for (guint label = 0; label < 256; label++)
    {
      g_autofree char *value_text = NULL;
      g_autofree char *fraction_text = NULL;
      GtkWidget *value_label, *fraction_label;
      GtkDropDown *dropdown;

      if (counts[label] == 0)
        continue;

      value_text = g_strdup_printf ("%u", volume->source_value[label]);
      value_label = gtk_label_new (value_text);
      gtk_label_set_xalign (GTK_LABEL (value_label), 1.0f);
      gtk_widget_add_css_class (value_label, "numeric");
      /* Translators: a share of the voxels in percent */
      fraction_text = g_strdup_printf (_("%.2f %%"), total > 0 ? 100.0 * counts[label] / total : 0.0);
      fraction_label = gtk_label_new (fraction_text);
      gtk_label_set_xalign (GTK_LABEL (fraction_label), 1.0f);
      gtk_widget_add_css_class (fraction_label, "numeric");

      dropdown = phase_dropdown_new ();
      gtk_drop_down_set_selected (dropdown, dropdown_position (self->map.phase[label]));
      {
        /* Translators: the accessible name of a drop-down, %u a label value */
        g_autofree char *name = g_strdup_printf (_("Phase of value %u"), volume->source_value[label]);

        gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        name, -1);
      }
      g_signal_connect_object (dropdown, "notify::selected",
                               G_CALLBACK (dropdown_changed_cb), self, G_CONNECT_SWAPPED);
      self->dropdowns[label] = dropdown;

      gtk_grid_attach (self->values_grid, value_label, 0, row, 1, 1);
      gtk_grid_attach (self->values_grid, fraction_label, 1, row, 1, 1);
      gtk_grid_attach (self->values_grid, GTK_WIDGET (dropdown), 2, row, 1, 1);
      row++;
      self->n_values++;
    }

  cbd_label_map_dialog_update (self);
  return self;
}

guint
cbd_label_map_dialog_get_n_values (CbdLabelMapDialog *self)
{
  g_return_val_if_fail (CBD_IS_LABEL_MAP_DIALOG (self), 0);
  return self->n_values;
}

void
cbd_label_map_dialog_get_map (CbdLabelMapDialog *self,
                              CbdLabelMap       *map)
{
  g_return_if_fail (CBD_IS_LABEL_MAP_DIALOG (self));

  *map = self->map;
  for (guint label = 0; label < 256; label++)
    if (self->dropdowns[label] != NULL)
      {
        guint position = gtk_drop_down_get_selected (self->dropdowns[label]);

        map->phase[label] = position < G_N_ELEMENTS (dropdown_phases)
                            ? dropdown_phases[position] : CBD_PHASE_OTHER;
      }
}

/* Picks @phase in the drop-down of stored @label, as a click would. */
void
cbd_label_map_dialog_set_phase (CbdLabelMapDialog *self,
                                guint              label,
                                CbdPhase           phase)
{
  g_return_if_fail (CBD_IS_LABEL_MAP_DIALOG (self));
  g_return_if_fail (label < 256);

  if (self->dropdowns[label] != NULL)
    gtk_drop_down_set_selected (self->dropdowns[label], dropdown_position (phase));
}
