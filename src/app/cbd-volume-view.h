/* cbd-volume-view.h — the label volume ray-marched in OpenGL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-slice-overlay.h"
#include "cbd-view-state.h"

G_BEGIN_DECLS

#define CBD_TYPE_VOLUME_VIEW (cbd_volume_view_get_type ())

G_DECLARE_FINAL_TYPE (CbdVolumeView, cbd_volume_view, CBD, VOLUME_VIEW, GtkWidget)

#define CBD_VOLUME_VIEW_DEFAULT_BUDGET (G_GUINT64_CONSTANT (512) << 20)

GtkWidget    *cbd_volume_view_new                (void);
CbdViewState *cbd_volume_view_get_state          (CbdVolumeView *self);
void          cbd_volume_view_set_state          (CbdVolumeView *self,
                                                  CbdViewState  *state);
void          cbd_volume_view_set_texture_budget (CbdVolumeView *self,
                                                  guint64        bytes);
void          cbd_volume_view_reset_camera       (CbdVolumeView *self);
void          cbd_volume_view_look_along         (CbdVolumeView *self,
                                                  CbdAxis        normal);
void          cbd_volume_view_orbit              (CbdVolumeView *self,
                                                  double         dx,
                                                  double         dy);
void          cbd_volume_view_set_interacting    (CbdVolumeView *self,
                                                  gboolean       interacting);
void          cbd_volume_view_set_clip           (CbdVolumeView *self,
                                                  gboolean       clip);
gboolean      cbd_volume_view_get_ready          (CbdVolumeView *self);
guint         cbd_volume_view_get_factor         (CbdVolumeView *self);
const char   *cbd_volume_view_get_message        (CbdVolumeView *self);
const char   *cbd_volume_view_get_notice         (CbdVolumeView *self);
guint         cbd_volume_view_get_n_frames       (CbdVolumeView *self);
guint         cbd_volume_view_get_n_volume_passes (CbdVolumeView *self);
guint         cbd_volume_view_get_n_line_builds  (CbdVolumeView *self);
gboolean      cbd_volume_view_get_picture_complete (CbdVolumeView *self);
double        cbd_volume_view_get_pixels_per_nm  (CbdVolumeView *self);
GdkTexture   *cbd_volume_view_render_picture     (CbdVolumeView *self,
                                                  GError       **error);
void          cbd_volume_view_set_fragment_suffix (CbdVolumeView *self,
                                                   const char    *suffix);
void          cbd_volume_view_set_overlay        (CbdVolumeView   *self,
                                                  CbdSliceOverlay *overlay,
                                                  double           opacity);
gboolean      cbd_volume_view_get_overlay_shown  (CbdVolumeView   *self);

G_END_DECLS
