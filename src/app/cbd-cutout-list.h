/* cbd-cutout-list.h — the cutouts of one volume, as a GListModel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-cutout-item.h"
#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_CUTOUT_LIST (cbd_cutout_list_get_type ())

G_DECLARE_FINAL_TYPE (CbdCutoutList, cbd_cutout_list, CBD, CUTOUT_LIST, GObject)

CbdCutoutList *cbd_cutout_list_new         (void);
void           cbd_cutout_list_set_volume  (CbdCutoutList     *self,
                                            CbdVolume         *volume,
                                            const CbdLabelMap *map);
void           cbd_cutout_list_set_label_map (CbdCutoutList   *self,
                                              const CbdLabelMap *map);
CbdVolume     *cbd_cutout_list_get_volume  (CbdCutoutList     *self);
CbdCutoutItem *cbd_cutout_list_get         (CbdCutoutList     *self,
                                            guint              position);
void           cbd_cutout_list_insert      (CbdCutoutList     *self,
                                            guint              position,
                                            CbdCutoutItem     *item);
void           cbd_cutout_list_remove      (CbdCutoutList     *self,
                                            guint              position);
void           cbd_cutout_list_remove_all  (CbdCutoutList     *self);
gboolean       cbd_cutout_list_find        (CbdCutoutList     *self,
                                            CbdCutoutItem     *item,
                                            guint             *position);
char          *cbd_cutout_list_next_name   (CbdCutoutList     *self);
gboolean       cbd_cutout_list_clamp       (CbdCutoutList     *self,
                                            const gint64       origin[3],
                                            gsize              edge,
                                            gsize              clamped_origin[3],
                                            gsize             *clamped_edge);
void           cbd_cutout_list_centre_box  (CbdCutoutList     *self,
                                            const gsize        centre[3],
                                            gsize              edge,
                                            gsize              origin[3],
                                            gsize             *clamped_edge);
void           cbd_cutout_list_set_async_threshold (CbdCutoutList *self,
                                                    guint64        n_voxels);

G_END_DECLS
