/* cbd-cutout-item.h — one cubic cutout in the app's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Named CbdCutoutItem because core's cbd-cutouts.h already has a plain
 * CbdCutout struct (origin, size, name) for files and the CLI.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CBD_TYPE_CUTOUT_ITEM (cbd_cutout_item_get_type ())

G_DECLARE_FINAL_TYPE (CbdCutoutItem, cbd_cutout_item, CBD, CUTOUT_ITEM, GObject)

/* What the list shows of a cutout's analysis (cbd-study.h has the rest). */
typedef struct
{
  gboolean analysed;
  double   sigma_rel_mean;
  double   sigma_rel_std;
  double   tau_mean;          /* NaN unless all three axes percolate */
  gboolean accepted;          /* in the correlation fit */
  double   progress;          /* 0..1 while being analysed, else -1 */
} CbdCutoutItemAnalysis;

CbdCutoutItem *cbd_cutout_item_new          (const char          *name,
                                             const gsize          origin[3],
                                             gsize                edge);
const char    *cbd_cutout_item_get_name     (CbdCutoutItem       *self);
void           cbd_cutout_item_set_name     (CbdCutoutItem       *self,
                                             const char          *name);
void           cbd_cutout_item_get_origin   (CbdCutoutItem       *self,
                                             gsize                origin[3]);
gsize          cbd_cutout_item_get_edge     (CbdCutoutItem       *self);
void           cbd_cutout_item_set_geometry (CbdCutoutItem       *self,
                                             const gsize          origin[3],
                                             gsize                edge);
gboolean       cbd_cutout_item_contains     (CbdCutoutItem       *self,
                                             const gsize          position[3]);

gint64         cbd_cutout_item_get_cam_count (CbdCutoutItem      *self);
double         cbd_cutout_item_get_porosity (CbdCutoutItem       *self);
gboolean       cbd_cutout_item_get_computing (CbdCutoutItem      *self);
void           cbd_cutout_item_set_stats    (CbdCutoutItem       *self,
                                             gint64               cam_count,
                                             double               porosity);
void           cbd_cutout_item_set_computing (CbdCutoutItem      *self,
                                              gboolean            computing);
guint64        cbd_cutout_item_next_stats_serial (CbdCutoutItem  *self);
guint64        cbd_cutout_item_get_stats_serial  (CbdCutoutItem  *self);

void           cbd_cutout_item_set_analysis (CbdCutoutItem               *self,
                                             const CbdCutoutItemAnalysis *analysis);
gboolean       cbd_cutout_item_get_analysis (CbdCutoutItem               *self,
                                             CbdCutoutItemAnalysis       *analysis);

G_END_DECLS
