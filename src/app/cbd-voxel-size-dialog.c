/* cbd-voxel-size-dialog.c — sets the voxel edge along x, y and z, for
 * files that do not say it (the reader then assumed 10 nm)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Same along all axes" ties y and z to x, the common isotropic case.
 */
#define G_LOG_DOMAIN "cbd-voxel-size-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "cbd-voxel-size-dialog.h"

struct _CbdVoxelSizeDialog
{
  GtkWindow        parent_instance;

  GtkSpinButton   *spins[3];
  GtkCheckButton  *isotropic_check;
};

enum
{
  SIGNAL_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdVoxelSizeDialog, cbd_voxel_size_dialog, GTK_TYPE_WINDOW)

static void
isotropic_changed_cb (CbdVoxelSizeDialog *self)
{
  gboolean isotropic;

  if (self->isotropic_check == NULL || self->spins[2] == NULL)
    return;
  isotropic = gtk_check_button_get_active (self->isotropic_check);
  for (guint axis = 1; axis < 3; axis++)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->spins[axis]), !isotropic);
      if (isotropic)
        gtk_spin_button_set_value (self->spins[axis], gtk_spin_button_get_value (self->spins[0]));
    }
}

static void
cancel_clicked_cb (CbdVoxelSizeDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

/**
 * cbd_voxel_size_dialog_apply:
 *
 * What "Apply" does: emits #CbdVoxelSizeDialog::applied and closes.
 */
void
cbd_voxel_size_dialog_apply (CbdVoxelSizeDialog *self)
{
  double voxel_nm[3];

  g_return_if_fail (CBD_IS_VOXEL_SIZE_DIALOG (self));

  cbd_voxel_size_dialog_get (self, voxel_nm);
  g_signal_emit (self, signals[SIGNAL_APPLIED], 0, voxel_nm);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
cbd_voxel_size_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CBD_TYPE_VOXEL_SIZE_DIALOG);

  G_OBJECT_CLASS (cbd_voxel_size_dialog_parent_class)->dispose (object);
}

static void
cbd_voxel_size_dialog_class_init (CbdVoxelSizeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_voxel_size_dialog_dispose;

  /**
   * CbdVoxelSizeDialog::applied:
   * @voxel_nm: (type gpointer): three doubles, nm along x, y, z
   */
  signals[SIGNAL_APPLIED] =
    g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-voxel-size-dialog.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "x_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdVoxelSizeDialog, spins[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "y_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdVoxelSizeDialog, spins[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "z_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdVoxelSizeDialog, spins[2]));
  gtk_widget_class_bind_template_child (widget_class, CbdVoxelSizeDialog, isotropic_check);
  gtk_widget_class_bind_template_callback (widget_class, isotropic_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cbd_voxel_size_dialog_apply);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cbd_voxel_size_dialog_init (CbdVoxelSizeDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* @voxel_nm: the current voxel size, shown first */
CbdVoxelSizeDialog *
cbd_voxel_size_dialog_new (GtkWindow    *parent,
                           const double  voxel_nm[3])
{
  CbdVoxelSizeDialog *self = g_object_new (CBD_TYPE_VOXEL_SIZE_DIALOG, "transient-for", parent, NULL);

  cbd_voxel_size_dialog_set (self, voxel_nm);
  return self;
}

void
cbd_voxel_size_dialog_set (CbdVoxelSizeDialog *self,
                           const double        voxel_nm[3])
{
  g_return_if_fail (CBD_IS_VOXEL_SIZE_DIALOG (self));

  gtk_check_button_set_active (self->isotropic_check,
                               voxel_nm[0] == voxel_nm[1] && voxel_nm[0] == voxel_nm[2]);
  for (guint axis = 0; axis < 3; axis++)
    gtk_spin_button_set_value (self->spins[axis], voxel_nm[axis]);
  isotropic_changed_cb (self);
}

void
cbd_voxel_size_dialog_get (CbdVoxelSizeDialog *self,
                           double              voxel_nm[3])
{
  g_return_if_fail (CBD_IS_VOXEL_SIZE_DIALOG (self));

  for (guint axis = 0; axis < 3; axis++)
    voxel_nm[axis] = gtk_spin_button_get_value (self->spins[axis]);
  if (gtk_check_button_get_active (self->isotropic_check))
    voxel_nm[1] = voxel_nm[2] = voxel_nm[0];
}
