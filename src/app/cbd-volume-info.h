/* cbd-volume-info.h — the sidebar's facts about the open volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_VOLUME_INFO (cbd_volume_info_get_type ())

G_DECLARE_FINAL_TYPE (CbdVolumeInfo, cbd_volume_info, CBD, VOLUME_INFO, GtkWidget)

GtkWidget *cbd_volume_info_new (void);
void       cbd_volume_info_set_volume (CbdVolumeInfo     *self,
                                       const CbdVolume   *volume,
                                       const char        *path,
                                       const CbdLabelMap *map,
                                       gboolean           map_guessed,
                                       const guint64      counts[256]);

G_END_DECLS
