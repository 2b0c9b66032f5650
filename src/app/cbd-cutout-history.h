/* cbd-cutout-history.h — undo and redo for cutout edits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-cutout-list.h"

G_BEGIN_DECLS

#define CBD_TYPE_CUTOUT_HISTORY (cbd_cutout_history_get_type ())

G_DECLARE_FINAL_TYPE (CbdCutoutHistory, cbd_cutout_history, CBD, CUTOUT_HISTORY, GObject)

/* What an item looked like, for a change command. */
typedef struct
{
  char  *name;
  gsize  origin[3];
  gsize  edge;
} CbdCutoutShape;

/* Does (@forward) or undoes a custom edit. */
typedef void (*CbdHistoryFunc) (gboolean forward,
                                gpointer user_data);

CbdCutoutHistory *cbd_cutout_history_new      (CbdCutoutList    *list);
CbdCutoutList    *cbd_cutout_history_get_list (CbdCutoutHistory *self);
void              cbd_cutout_history_add      (CbdCutoutHistory *self,
                                               CbdCutoutItem    *item);
void              cbd_cutout_history_remove   (CbdCutoutHistory *self,
                                               CbdCutoutItem    *item);
void              cbd_cutout_history_change   (CbdCutoutHistory *self,
                                               CbdCutoutItem    *item,
                                               const char       *name,
                                               const gsize       origin[3],
                                               gsize             edge);
void              cbd_cutout_history_record_change (CbdCutoutHistory     *self,
                                                    CbdCutoutItem        *item,
                                                    const CbdCutoutShape *before);
void              cbd_cutout_shape_init       (CbdCutoutShape   *shape,
                                               CbdCutoutItem    *item);
void              cbd_cutout_shape_clear      (CbdCutoutShape   *shape);
gboolean          cbd_cutout_history_can_undo (CbdCutoutHistory *self);
gboolean          cbd_cutout_history_can_redo (CbdCutoutHistory *self);
gboolean          cbd_cutout_history_undo     (CbdCutoutHistory *self);
gboolean          cbd_cutout_history_redo     (CbdCutoutHistory *self);
void              cbd_cutout_history_clear    (CbdCutoutHistory *self);
void              cbd_cutout_history_begin_group (CbdCutoutHistory *self);
void              cbd_cutout_history_end_group   (CbdCutoutHistory *self);
void              cbd_cutout_history_push_custom (CbdCutoutHistory *self,
                                                  CbdHistoryFunc    run,
                                                  gpointer          data,
                                                  GDestroyNotify    destroy);
guint             cbd_cutout_history_get_serial (CbdCutoutHistory *self);

G_END_DECLS
