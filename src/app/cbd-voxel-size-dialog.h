/* cbd-voxel-size-dialog.h — sets the voxel edge along x, y and z, for
 * files that do not say it (the reader then assumed 10 nm)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CBD_TYPE_VOXEL_SIZE_DIALOG (cbd_voxel_size_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CbdVoxelSizeDialog, cbd_voxel_size_dialog, CBD, VOXEL_SIZE_DIALOG, GtkWindow)

CbdVoxelSizeDialog *cbd_voxel_size_dialog_new   (GtkWindow          *parent,
                                                 const double        voxel_nm[3]);
void                cbd_voxel_size_dialog_get   (CbdVoxelSizeDialog *self,
                                                 double              voxel_nm[3]);
void                cbd_voxel_size_dialog_set   (CbdVoxelSizeDialog *self,
                                                 const double        voxel_nm[3]);
void                cbd_voxel_size_dialog_apply (CbdVoxelSizeDialog *self);

G_END_DECLS
