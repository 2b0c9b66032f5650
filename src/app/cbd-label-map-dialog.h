/* cbd-label-map-dialog.h — says which stored label value is pore, CBD, CAM
 * or something else, showing each value's share of the voxels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_LABEL_MAP_DIALOG (cbd_label_map_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CbdLabelMapDialog, cbd_label_map_dialog, CBD, LABEL_MAP_DIALOG, GtkWindow)

CbdLabelMapDialog *cbd_label_map_dialog_new       (GtkWindow         *parent,
                                                   const CbdVolume   *volume,
                                                   const CbdLabelMap *map,
                                                   const guint64      counts[256]);
void               cbd_label_map_dialog_suggest   (CbdLabelMap       *map,
                                                   const guint64      counts[256]);
guint              cbd_label_map_dialog_get_n_values (CbdLabelMapDialog *self);
void               cbd_label_map_dialog_get_map   (CbdLabelMapDialog *self,
                                                   CbdLabelMap       *map);
void               cbd_label_map_dialog_set_phase (CbdLabelMapDialog *self,
                                                   guint              label,
                                                   CbdPhase           phase);
void               cbd_label_map_dialog_apply     (CbdLabelMapDialog *self);

G_END_DECLS
