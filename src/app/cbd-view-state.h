/* cbd-view-state.h — what the linked views share: the volume, the crosshair,
 * the zoom and centre, the phase colours and the pointer's voxel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-cutout-history.h"
#include "cbd-cutout-list.h"
#include "cbd-labels.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_TYPE_VIEW_STATE (cbd_view_state_get_type ())

G_DECLARE_FINAL_TYPE (CbdViewState, cbd_view_state, CBD, VIEW_STATE, GObject)

/* What a primary click in a slice does. */
typedef enum
{
  CBD_TOOL_NAVIGATE,
  CBD_TOOL_ADD_CUTOUT,
} CbdTool;

#define CBD_VIEW_STATE_MAX_PIXELS_PER_VOXEL 64.0

CbdViewState      *cbd_view_state_new              (void);

void               cbd_view_state_set_volume       (CbdViewState      *self,
                                                    CbdVolume         *volume,
                                                    const CbdLabelMap *map,
                                                    const guint64      counts[256]);
void               cbd_view_state_set_label_map    (CbdViewState      *self,
                                                    const CbdLabelMap *map);
void               cbd_view_state_set_voxel_size   (CbdViewState      *self,
                                                    const double       voxel_nm[3]);
CbdVolume         *cbd_view_state_get_volume       (CbdViewState      *self);
const guint64     *cbd_view_state_get_histogram    (CbdViewState      *self);
const CbdLabelMap *cbd_view_state_get_label_map    (CbdViewState      *self);
CbdPhase           cbd_view_state_get_phase_at     (CbdViewState      *self,
                                                    const gsize        position[3]);

void               cbd_view_state_get_crosshair    (CbdViewState      *self,
                                                    gsize              position[3]);
void               cbd_view_state_set_crosshair    (CbdViewState      *self,
                                                    const gint64       position[3]);
void               cbd_view_state_step             (CbdViewState      *self,
                                                    CbdAxis            axis,
                                                    gint64             delta);

double             cbd_view_state_get_zoom         (CbdViewState      *self);
void               cbd_view_state_set_zoom         (CbdViewState      *self,
                                                    double             pixels_per_nm);
double             cbd_view_state_clamp_zoom       (CbdViewState      *self,
                                                    double             pixels_per_nm);
void               cbd_view_state_get_centre       (CbdViewState      *self,
                                                    double             centre_nm[3]);
void               cbd_view_state_set_centre       (CbdViewState      *self,
                                                    const double       centre_nm[3]);
void               cbd_view_state_fit              (CbdViewState      *self);
void               cbd_view_state_zoom_one_to_one  (CbdViewState      *self);

void               cbd_view_state_get_phase_color  (CbdViewState      *self,
                                                    CbdPhase           phase,
                                                    GdkRGBA           *color);
void               cbd_view_state_set_phase_color  (CbdViewState      *self,
                                                    CbdPhase           phase,
                                                    const GdkRGBA     *color);
gboolean           cbd_view_state_get_phase_visible (CbdViewState     *self,
                                                     CbdPhase          phase);
void               cbd_view_state_set_phase_visible (CbdViewState     *self,
                                                     CbdPhase          phase,
                                                     gboolean          visible);
double             cbd_view_state_get_phase_opacity (CbdViewState     *self,
                                                     CbdPhase          phase);
void               cbd_view_state_set_phase_opacity (CbdViewState     *self,
                                                     CbdPhase          phase,
                                                     double            opacity);
double             cbd_view_state_get_phase_opacity_3d (CbdViewState  *self,
                                                        CbdPhase       phase);
void               cbd_view_state_set_phase_opacity_3d (CbdViewState  *self,
                                                        CbdPhase       phase,
                                                        double         opacity);
void               cbd_view_state_get_label_rgba   (CbdViewState      *self,
                                                    guint32            lut[256]);
void               cbd_view_state_get_volume_lut   (CbdViewState      *self,
                                                    guint8             rgba[256][4]);

gboolean           cbd_view_state_get_hover        (CbdViewState      *self,
                                                    gsize              position[3]);
void               cbd_view_state_set_hover        (CbdViewState      *self,
                                                    const gsize        position[3]);

CbdCutoutList     *cbd_view_state_get_cutouts      (CbdViewState      *self);
CbdCutoutHistory  *cbd_view_state_get_history      (CbdViewState      *self);
CbdCutoutItem     *cbd_view_state_get_selected_cutout (CbdViewState   *self);
void               cbd_view_state_set_selected_cutout (CbdViewState   *self,
                                                       CbdCutoutItem  *item);
gsize              cbd_view_state_get_cutout_edge  (CbdViewState      *self);
void               cbd_view_state_set_cutout_edge  (CbdViewState      *self,
                                                    gsize              edge);
CbdCutoutItem     *cbd_view_state_add_cutout_at    (CbdViewState      *self,
                                                    const gsize        centre[3]);
void               cbd_view_state_centre_on_cutout (CbdViewState      *self,
                                                    CbdCutoutItem     *item);

CbdTool            cbd_view_state_get_tool         (CbdViewState      *self);
void               cbd_view_state_set_tool         (CbdViewState      *self,
                                                    CbdTool            tool);

G_END_DECLS
