/* cbd-volume-renderer.h — the OpenGL half of the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CBD_RENDERER_ERROR (cbd_volume_renderer_error_quark ())

typedef enum
{
  CBD_RENDERER_ERROR_UNSUPPORTED,
  CBD_RENDERER_ERROR_SHADER,
  CBD_RENDERER_ERROR_TEXTURE,
} CbdRendererError;

/* Per line vertex: x, y, z (world), r, g, b, a. */
#define CBD_LINE_VERTEX_FLOATS 7

typedef struct
{
  graphene_matrix_t view_projection;
  graphene_vec3_t   extent;      /* the box, world units, from the origin */
  graphene_vec3_t   clip_min;    /* the drawn part of the box */
  graphene_vec3_t   clip_max;
  float             step_length; /* world units between samples */
  float             background[4];
  int               width;       /* the framebuffer, device pixels */
  int               height;
  int               downscale;   /* rays every N pixels (1 or 2), then scaled up */
} CbdVolumeRenderParams;

typedef struct _CbdVolumeRenderer CbdVolumeRenderer;

/* Every call needs the view's GL context current (realize/render/unrealize). */
GQuark             cbd_volume_renderer_error_quark    (void);
CbdVolumeRenderer *cbd_volume_renderer_new            (GdkGLContext        *context,
                                                       const char          *fragment_suffix,
                                                       GError             **error);
void               cbd_volume_renderer_free           (CbdVolumeRenderer   *renderer);
int                cbd_volume_renderer_get_max_3d_size (CbdVolumeRenderer  *renderer);
guint              cbd_volume_renderer_get_n_volume_passes (CbdVolumeRenderer *renderer);
gboolean           cbd_volume_renderer_upload_labels  (CbdVolumeRenderer   *renderer,
                                                       const guint8        *labels,
                                                       const gsize          dims[3],
                                                       GError             **error);
gboolean           cbd_volume_renderer_has_labels     (CbdVolumeRenderer   *renderer);
gboolean           cbd_volume_renderer_upload_overlay (CbdVolumeRenderer  *renderer,
                                                       const guint8        *rgba,
                                                       const gsize          dims[3],
                                                       const float          box_min[3],
                                                       const float          box_max[3],
                                                       GError             **error);
void               cbd_volume_renderer_set_overlay_opacity (CbdVolumeRenderer *renderer,
                                                            float              opacity);
gboolean           cbd_volume_renderer_has_overlay    (CbdVolumeRenderer   *renderer);
void               cbd_volume_renderer_upload_lut     (CbdVolumeRenderer   *renderer,
                                                       const guint8         rgba[256][4]);
void               cbd_volume_renderer_set_lines      (CbdVolumeRenderer   *renderer,
                                                       const float         *vertices,
                                                       gsize                n_vertices);
gboolean           cbd_volume_renderer_draw           (CbdVolumeRenderer   *renderer,
                                                       const CbdVolumeRenderParams *params);
GdkTexture        *cbd_volume_renderer_read_picture   (CbdVolumeRenderer   *renderer,
                                                       const CbdVolumeRenderParams *params,
                                                       GError             **error);

G_END_DECLS
