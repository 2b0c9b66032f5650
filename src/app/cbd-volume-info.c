/* cbd-volume-info.c — the sidebar's facts about the open volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-volume-info"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-volume-info.h"

struct _CbdVolumeInfo
{
  GtkWidget  parent_instance;

  GtkWidget *grid;
  GtkLabel  *file_label;
  GtkLabel  *dims_voxels_label;
  GtkLabel  *dims_um_label;
  GtkLabel  *voxel_size_label;
  GtkLabel  *mapping_label;
  GtkLabel  *note_label;
  GtkLabel  *pore_label;
  GtkLabel  *cbd_label;
  GtkLabel  *cam_label;
  GtkLabel  *other_label;
};

G_DEFINE_FINAL_TYPE (CbdVolumeInfo, cbd_volume_info, GTK_TYPE_WIDGET)

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
set_fraction_label (GtkLabel *label,
                    guint64   count,
                    gsize     n_voxels)
{
  set_label_printf (label, _("%.2f %%"), 100.0 * (double) count / (double) MAX (n_voxels, 1));
}

/**
 * cbd_volume_info_set_volume:
 * @path: (nullable): where it came from
 * @map: (nullable): the phases, %NULL when they are ambiguous
 */
void
cbd_volume_info_set_volume (CbdVolumeInfo     *self,
                            const CbdVolume   *volume,
                            const char        *path,
                            const CbdLabelMap *map,
                            gboolean           map_guessed,
                            const guint64      counts[256])
{
  g_autofree char *basename = NULL;
  gsize n_voxels;

  g_return_if_fail (CBD_IS_VOLUME_INFO (self));
  g_return_if_fail (volume != NULL);

  n_voxels = cbd_volume_n_voxels (volume);
  basename = path != NULL ? g_path_get_basename (path) : g_strdup (_("Volume"));
  gtk_label_set_text (self->file_label, basename);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->file_label), path);
  set_label_printf (self->dims_voxels_label, "%zu × %zu × %zu",
                    volume->dims[0], volume->dims[1], volume->dims[2]);
  set_label_printf (self->dims_um_label, _("%.2f × %.2f × %.2f µm"),
                    volume->dims[0] * volume->voxel_nm[0] / 1000.0,
                    volume->dims[1] * volume->voxel_nm[1] / 1000.0,
                    volume->dims[2] * volume->voxel_nm[2] / 1000.0);
  set_label_printf (self->voxel_size_label, _("%.4g × %.4g × %.4g nm"),
                    volume->voxel_nm[0], volume->voxel_nm[1], volume->voxel_nm[2]);

  if (map != NULL)
    {
      guint64 phase_counts[CBD_N_PHASES];
      int pore = cbd_label_map_first_value (map, CBD_PHASE_PORE);
      int cbd = cbd_label_map_first_value (map, CBD_PHASE_CBD);
      int cam = cbd_label_map_first_value (map, CBD_PHASE_CAM);

      if (map_guessed)
        set_label_printf (self->mapping_label, _("pore = %u, CBD = %u, CAM = %u (guessed)"),
                          pore >= 0 ? volume->source_value[pore] : 0,
                          cbd >= 0 ? volume->source_value[cbd] : 0,
                          cam >= 0 ? volume->source_value[cam] : 0);
      else
        set_label_printf (self->mapping_label, _("pore = %u, CBD = %u, CAM = %u"),
                          pore >= 0 ? volume->source_value[pore] : 0,
                          cbd >= 0 ? volume->source_value[cbd] : 0,
                          cam >= 0 ? volume->source_value[cam] : 0);
      cbd_label_map_phase_counts (map, counts, phase_counts);
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
}

static void
cbd_volume_info_dispose (GObject *object)
{
  CbdVolumeInfo *self = CBD_VOLUME_INFO (object);

  g_clear_pointer (&self->grid, gtk_widget_unparent);

  G_OBJECT_CLASS (cbd_volume_info_parent_class)->dispose (object);
}

static void
cbd_volume_info_class_init (CbdVolumeInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_volume_info_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-volume-info.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, grid);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, file_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, dims_voxels_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, dims_um_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, voxel_size_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, mapping_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, note_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, pore_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, cbd_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, cam_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeInfo, other_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cbd_volume_info_init (CbdVolumeInfo *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cbd_volume_info_new (void)
{
  return g_object_new (CBD_TYPE_VOLUME_INFO, NULL);
}
