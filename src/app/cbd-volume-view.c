/* cbd-volume-view.c — the label volume ray-marched in OpenGL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkGLArea under an overlay for messages and the camera buttons. The
 * labels go to the GPU as one integer 3D texture; a volume over
 * GL_MAX_3D_TEXTURE_SIZE or the texture budget is first reduced on a worker
 * (block mode, see cbd-volume-downsample.c) and the view says so. Without
 * OpenGL, or when a shader fails, the view shows why instead of a picture
 * and the rest of the window carries on.
 *
 * Drag orbits, Shift+drag or the middle button pans, the wheel zooms; while
 * the pointer drags, rays take half as many samples and a quarter as many
 * rays are cast (half resolution, scaled up).
 */
#define G_LOG_DOMAIN "cbd-volume-view"

#include "config.h"

#include <math.h>
#include <string.h>

#include <epoxy/gl.h>
#include <glib/gi18n.h>

#include "cbd-camera.h"
#include "cbd-volume-downsample.h"
#include "cbd-volume-renderer.h"
#include "cbd-view-labels.h"
#include "cbd-volume-view.h"

struct _CbdVolumeView
{
  GtkWidget          parent_instance;

  /* template children */
  GtkWidget         *overlay;
  GtkGLArea         *gl_area;
  GtkLabel          *message_label;
  GtkLabel          *notice_label;
  GtkToggleButton   *clip_button;

  CbdViewState      *state;
  GSignalGroup      *state_signals;
  CbdVolumeRenderer *renderer;
  CbdCamera          camera;
  graphene_vec3_t    extent;
  guint64            budget;
  char              *fragment_suffix;

  /* The analysis overlay of the selected cutout (filter classes or a
   * field), coloured into a small 3D texture at the next render. */
  CbdSliceOverlay   *cutout_overlay;
  double             cutout_overlay_opacity;
  gboolean           cutout_overlay_dirty;

  /* Preparing the texture: latest wins. */
  GCancellable      *prepare_cancellable;
  guint64            prepare_serial;
  CbdVolume         *pending_volume;  /* upload its own labels… */
  guint8            *pending_data;    /* …or these, reduced */
  gsize              pending_dims[3];
  guint              factor;
  gboolean           ready;

  gboolean           lut_dirty;
  /* The boxes and slice planes change far less often than frames are
   * drawn (a progressive picture draws one per band): rebuilt and uploaded
   * only after a change. */
  gboolean           lines_dirty;
  guint              n_line_builds;
  gboolean           clip;
  gboolean           interacting;
  gboolean           panning;
  double             drag_x;
  double             drag_y;
  guint              n_frames;
  gboolean           picture_complete;
  guint              refine_tick;     /* the next band of a progressive picture */
};

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CbdVolumeView, cbd_volume_view, GTK_TYPE_WIDGET)

static const float view_background[4] = { 0.12f, 0.12f, 0.13f, 1.0f };

static void
cbd_volume_view_show_message (CbdVolumeView *self,
                              const char    *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
cbd_volume_view_queue_render (CbdVolumeView *self)
{
  gtk_gl_area_queue_render (self->gl_area);
  /* The scale bar follows the camera. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The crosshair, the cutouts, their selection or their results changed. */
static void
cbd_volume_view_lines_changed (CbdVolumeView *self)
{
  self->lines_dirty = TRUE;
  cbd_volume_view_queue_render (self);
}

typedef struct
{
  CbdVolume   *volume;
  CbdLabelMap  map;
  gboolean     has_map;
  gsize        max_edge;
  guint64      budget;
} PrepareInput;

typedef struct
{
  guint8 *data;     /* NULL: the volume's own labels fit */
  gsize   dims[3];
  guint   factor;
} PrepareResult;

static void
prepare_input_free (gpointer data)
{
  PrepareInput *input = data;

  cbd_volume_unref (input->volume);
  g_free (input);
}

static void
prepare_result_free (gpointer data)
{
  PrepareResult *result = data;

  g_free (result->data);
  g_free (result);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareInput *input = task_data;
  PrepareResult *result = g_new0 (PrepareResult, 1);
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();

  result->factor = cbd_downsample_choose_factor (input->volume->dims, input->max_edge, input->budget);
  if (result->factor == 1)
    {
      for (guint axis = 0; axis < 3; axis++)
        result->dims[axis] = input->volume->dims[axis];
    }
  else
    {
      result->data = cbd_downsample_labels (input->volume, input->has_map ? &input->map : NULL,
                                            result->factor, result->dims, cancellable, &error);
      if (result->data == NULL)
        {
          prepare_result_free (result);
          g_task_return_error (task, error);
          return;
        }
    }
  g_debug ("3D texture data prepared in %.2f s (factor %u)",
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, result->factor);
  g_task_return_pointer (task, result, prepare_result_free);
}

static void
cbd_volume_view_clear_pending (CbdVolumeView *self)
{
  g_clear_pointer (&self->pending_volume, cbd_volume_unref);
  g_clear_pointer (&self->pending_data, g_free);
}

static void
prepare_ready_cb (GObject      *source_object,
                  GAsyncResult *async_result,
                  gpointer      user_data)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (source_object);
  guint64 serial = GPOINTER_TO_SIZE (user_data);
  g_autoptr(GError) error = NULL;
  PrepareResult *result;
  CbdVolume *volume;

  result = g_task_propagate_pointer (G_TASK (async_result), &error);
  if (serial != self->prepare_serial)
    {
      g_clear_pointer (&result, prepare_result_free);
      return;
    }
  g_clear_object (&self->prepare_cancellable);
  if (result == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No 3D view: %s"), error->message);

      cbd_volume_view_show_message (self, message);
      return;
    }

  volume = cbd_view_state_get_volume (self->state);
  cbd_volume_view_clear_pending (self);
  self->factor = result->factor;
  for (guint axis = 0; axis < 3; axis++)
    self->pending_dims[axis] = result->dims[axis];
  if (result->data != NULL)
    self->pending_data = g_steal_pointer (&result->data);
  else
    self->pending_volume = cbd_volume_ref (volume);
  prepare_result_free (result);

  if (self->factor > 1)
    {
      g_autofree char *notice = NULL;

      /* Translators: the reduction factor, the reduced size and the limits */
      notice = g_strdup_printf (_("Shown at 1/%u resolution (%zu × %zu × %zu): the volume exceeds "
                                  "the GPU’s 3D texture limit of %d or the %llu MiB budget. "
                                  "Each block shows its most frequent phase."),
                                self->factor, self->pending_dims[0], self->pending_dims[1],
                                self->pending_dims[2],
                                cbd_volume_renderer_get_max_3d_size (self->renderer),
                                (unsigned long long) (self->budget >> 20));
      gtk_label_set_text (self->notice_label, notice);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), self->factor > 1);
  cbd_volume_view_queue_render (self);
}

/* Starts making the texture's data once there is a volume and a renderer. */
static void
cbd_volume_view_prepare (CbdVolumeView *self)
{
  g_autoptr(GTask) task = NULL;
  const CbdLabelMap *map;
  CbdVolume *volume;
  PrepareInput *input;

  self->prepare_serial++;
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  cbd_volume_view_clear_pending (self);
  self->ready = FALSE;

  volume = self->state != NULL ? cbd_view_state_get_volume (self->state) : NULL;
  if (volume == NULL || self->renderer == NULL)
    return;

  input = g_new0 (PrepareInput, 1);
  input->volume = cbd_volume_ref (volume);
  map = cbd_view_state_get_label_map (self->state);
  input->has_map = map != NULL;
  if (map != NULL)
    input->map = *map;
  input->max_edge = (gsize) MAX (cbd_volume_renderer_get_max_3d_size (self->renderer), 1);
  input->budget = self->budget;

  self->prepare_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->prepare_cancellable, prepare_ready_cb,
                     GSIZE_TO_POINTER (self->prepare_serial));
  g_task_set_source_tag (task, cbd_volume_view_prepare);
  g_task_set_task_data (task, input, prepare_input_free);
  g_task_run_in_thread (task, prepare_thread);
}

static void
volume_changed_cb (CbdVolumeView *self)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);

  if (volume != NULL)
    {
      double physical[3], longest = 0.0;

      for (guint axis = 0; axis < 3; axis++)
        {
          physical[axis] = volume->dims[axis] * volume->voxel_nm[axis];
          longest = MAX (longest, physical[axis]);
        }
      graphene_vec3_init (&self->extent, physical[0] / longest, physical[1] / longest,
                          physical[2] / longest);
    }
  else
    {
      graphene_vec3_init (&self->extent, 1.0f, 1.0f, 1.0f);
    }
  cbd_camera_reset (&self->camera, &self->extent);
  self->lut_dirty = TRUE;
  /* the lines are placed by the extent */
  self->lines_dirty = TRUE;
  cbd_volume_view_prepare (self);
  cbd_volume_view_queue_render (self);
}

static void
style_changed_cb (CbdVolumeView *self)
{
  self->lut_dirty = TRUE;
  cbd_volume_view_queue_render (self);
}

/* World position of voxel coordinate @index (fractional) along @axis. */
static float
world_at (CbdVolumeView *self,
          CbdVolume     *volume,
          guint          axis,
          double         index)
{
  float extent[3];

  graphene_vec3_to_float (&self->extent, extent);
  return (float) (index / volume->dims[axis]) * extent[axis];
}

static void
append_vertex (GArray        *vertices,
               const float    position[3],
               const GdkRGBA *color)
{
  float vertex[CBD_LINE_VERTEX_FLOATS] = {
    position[0], position[1], position[2], color->red, color->green, color->blue, color->alpha
  };

  g_array_append_vals (vertices, vertex, CBD_LINE_VERTEX_FLOATS);
}

/* The 12 edges of the box from @low to @high. */
static void
append_box (GArray        *vertices,
            const float    low[3],
            const float    high[3],
            const GdkRGBA *color)
{
  for (guint axis = 0; axis < 3; axis++)
    for (guint corner = 0; corner < 4; corner++)
      {
        guint a = (axis + 1) % 3, b = (axis + 2) % 3;
        float start[3], end[3];

        start[a] = end[a] = (corner & 1) ? high[a] : low[a];
        start[b] = end[b] = (corner & 2) ? high[b] : low[b];
        start[axis] = low[axis];
        end[axis] = high[axis];
        append_vertex (vertices, start, color);
        append_vertex (vertices, end, color);
      }
}

/* The box's edges in @n_dashes dashes each (a rejected cutout). */
static void
append_dashed_box (GArray        *vertices,
                   const float    low[3],
                   const float    high[3],
                   guint          n_dashes,
                   const GdkRGBA *color)
{
  for (guint axis = 0; axis < 3; axis++)
    for (guint corner = 0; corner < 4; corner++)
      {
        guint a = (axis + 1) % 3, b = (axis + 2) % 3;
        float length = high[axis] - low[axis];

        for (guint dash = 0; dash < n_dashes; dash++)
          {
            float start[3], end[3];

            start[a] = end[a] = (corner & 1) ? high[a] : low[a];
            start[b] = end[b] = (corner & 2) ? high[b] : low[b];
            /* dash, gap, dash, ...: 2 n - 1 equal pieces */
            start[axis] = low[axis] + length * (2 * dash) / (2 * n_dashes - 1);
            end[axis] = low[axis] + length * (2 * dash + 1) / (2 * n_dashes - 1);
            append_vertex (vertices, start, color);
            append_vertex (vertices, end, color);
          }
      }
}

/* The rectangle of the plane normal to @normal at @position. */
static void
append_plane (GArray        *vertices,
              const float    high[3],
              guint          normal,
              float          position,
              const GdkRGBA *color)
{
  guint a = (normal + 1) % 3, b = (normal + 2) % 3;
  float corners[4][3];

  for (guint corner = 0; corner < 4; corner++)
    {
      corners[corner][normal] = position;
      corners[corner][a] = (corner == 1 || corner == 2) ? high[a] : 0.0f;
      corners[corner][b] = corner >= 2 ? high[b] : 0.0f;
    }
  for (guint corner = 0; corner < 4; corner++)
    {
      append_vertex (vertices, corners[corner], color);
      append_vertex (vertices, corners[(corner + 1) % 4], color);
    }
}

/* The cutout's box in world space. */
static void
cbd_volume_view_cutout_box (CbdVolumeView *self,
                            CbdVolume     *volume,
                            CbdCutoutItem *item,
                            float          low[3],
                            float          high[3])
{
  gsize origin[3], edge = cbd_cutout_item_get_edge (item);

  cbd_cutout_item_get_origin (item, origin);
  for (guint axis = 0; axis < 3; axis++)
    {
      low[axis] = world_at (self, volume, axis, origin[axis]);
      high[axis] = world_at (self, volume, axis, origin[axis] + edge);
    }
}

static GArray *
cbd_volume_view_build_lines (CbdVolumeView *self)
{
  static const GdkRGBA box_color = { 0.6f, 0.6f, 0.65f, 0.8f };
  static const GdkRGBA plane_color = { 1.0f, 0.8f, 0.0f, 0.85f };
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  GArray *vertices = g_array_new (FALSE, FALSE, sizeof (float));
  float low[3] = { 0.0f, 0.0f, 0.0f }, high[3];
  gsize crosshair[3];
  CbdCutoutList *cutouts;
  CbdCutoutItem *selected;

  if (volume == NULL)
    return vertices;

  graphene_vec3_to_float (&self->extent, high);
  append_box (vertices, low, high, &box_color);
  cbd_view_state_get_crosshair (self->state, crosshair);
  for (guint normal = 0; normal < 3; normal++)
    append_plane (vertices, high, normal, world_at (self, volume, normal, crosshair[normal] + 0.5),
                  &plane_color);

  cutouts = cbd_view_state_get_cutouts (self->state);
  selected = cbd_view_state_get_selected_cutout (self->state);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (cutouts)); i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (cutouts, i);
      gint64 cam_count = cbd_cutout_item_get_cam_count (item);
      GdkRGBA color = cam_count < 0 ? (GdkRGBA) { 0.6f, 0.6f, 0.6f, 1.0f }
                      : cam_count == 0 ? (GdkRGBA) { 0.2f, 0.82f, 0.48f, 1.0f }
                      : (GdkRGBA) { 0.88f, 0.11f, 0.14f, 1.0f };
      CbdCutoutItemAnalysis analysis;
      float box_low[3], box_high[3];

      if (item != selected)
        color.alpha = 0.6f;
      cbd_volume_view_cutout_box (self, volume, item, box_low, box_high);
      /* Analysed: accepted in the fit drawn solid and blue, rejected
       * dashed (as the plot's open markers). */
      if (cbd_cutout_item_get_analysis (item, &analysis))
        {
          if (analysis.accepted)
            color = (GdkRGBA) { 0.25f, 0.6f, 1.0f, color.alpha };
          else
            {
              append_dashed_box (vertices, box_low, box_high, 6, &color);
              continue;
            }
        }
      append_box (vertices, box_low, box_high, &color);
    }
  return vertices;
}

static void
gl_realize_cb (GtkGLArea     *area,
               CbdVolumeView *self)
{
  g_autoptr(GError) error = NULL;
  GError *area_error;

  gtk_gl_area_make_current (area);
  area_error = gtk_gl_area_get_error (area);
  if (area_error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No 3D view: %s"), area_error->message);

      cbd_volume_view_show_message (self, message);
      return;
    }

  self->renderer = cbd_volume_renderer_new (gtk_gl_area_get_context (area),
                                            self->fragment_suffix, &error);
  /* A new renderer has no overlay texture yet. */
  self->cutout_overlay_dirty = self->cutout_overlay != NULL;
  if (self->renderer == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No 3D view: %s"), error->message);

      g_debug ("%s", message);
      cbd_volume_view_show_message (self, message);
      return;
    }
  cbd_volume_view_show_message (self, NULL);
  self->lut_dirty = TRUE;
  self->lines_dirty = TRUE;  /* a new renderer has none */
  cbd_volume_view_prepare (self);
}

static void
gl_unrealize_cb (GtkGLArea     *area,
                 CbdVolumeView *self)
{
  self->prepare_serial++;
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  cbd_volume_view_clear_pending (self);
  self->ready = FALSE;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) == NULL)
    g_clear_pointer (&self->renderer, cbd_volume_renderer_free);
  else
    self->renderer = NULL;
}

static void
cbd_volume_view_upload (CbdVolumeView *self)
{
  g_autoptr(GError) error = NULL;
  const guint8 *labels = self->pending_data != NULL ? self->pending_data
                         : self->pending_volume != NULL ? self->pending_volume->labels : NULL;

  gint64 start = g_get_monotonic_time ();

  if (labels == NULL)
    return;
  if (!cbd_volume_renderer_upload_labels (self->renderer, labels, self->pending_dims, &error))
    {
      g_autofree char *message = g_strdup_printf (_("No 3D view: %s"), error->message);

      cbd_volume_view_show_message (self, message);
    }
  else
    {
      self->ready = TRUE;
      g_debug ("3D texture %zu × %zu × %zu uploaded in %.2f s", self->pending_dims[0],
               self->pending_dims[1], self->pending_dims[2],
               (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
    }
  cbd_volume_view_clear_pending (self);
}

/* The overlay's colours as in the slices: the filter classes' colours, or
 * a field by the colour map, NaN left to the labels. */
static guint8 *
overlay_to_rgba (const CbdSliceOverlay *overlay)
{
  gsize n = overlay->size[0] * overlay->size[1] * overlay->size[2];
  const guint8 alpha = 255;  /* scaled by the opacity when drawn */
  guint8 *rgba = g_try_malloc_n (MAX (n, 1), 4);

  if (rgba == NULL)
    return NULL;
  for (gsize i = 0; i < n; i++)
    {
      guint8 *texel = rgba + 4 * i;
      guint32 rgb;

      if (overlay->field != NULL && isnan (overlay->field[i]))
        {
          memset (texel, 0, 4);
          continue;
        }
      if (overlay->field != NULL)
        rgb = cbd_slice_overlay_colormap ((overlay->field[i] - overlay->field_min) /
                                          (overlay->field_max - overlay->field_min));
      else
        rgb = cbd_slice_overlay_class_rgb (overlay->classes[i]);
      texel[0] = rgb >> 16 & 0xff;
      texel[1] = rgb >> 8 & 0xff;
      texel[2] = rgb & 0xff;
      texel[3] = alpha;
    }
  return rgba;
}

static void
cbd_volume_view_upload_overlay (CbdVolumeView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *rgba = NULL;
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  float low[3], high[3];
  gsize dims[3];

  self->cutout_overlay_dirty = FALSE;
  if (self->cutout_overlay == NULL || volume == NULL)
    {
      cbd_volume_renderer_upload_overlay (self->renderer, NULL, NULL, NULL, NULL, NULL);
      return;
    }
  for (guint axis = 0; axis < 3; axis++)
    {
      dims[axis] = self->cutout_overlay->size[axis];
      low[axis] = world_at (self, volume, axis, self->cutout_overlay->origin[axis]);
      high[axis] = world_at (self, volume, axis,
                             self->cutout_overlay->origin[axis] + self->cutout_overlay->size[axis]);
    }
  rgba = overlay_to_rgba (self->cutout_overlay);
  if (rgba == NULL ||
      !cbd_volume_renderer_upload_overlay (self->renderer, rgba, dims, low, high, &error))
    {
      /* The volume still shows; the slices have the overlay. */
      g_debug ("No overlay in 3D: %s", error != NULL ? error->message : "out of memory");
      cbd_volume_renderer_upload_overlay (self->renderer, NULL, NULL, NULL, NULL, NULL);
    }
}

/* A progressive picture (software GL) casts its next band next frame. */
static gboolean
refine_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  CbdVolumeView *self = user_data;

  self->refine_tick = 0;
  cbd_volume_view_queue_render (self);
  return G_SOURCE_REMOVE;
}

/* Brings the renderer's textures and lines up to date (the GL area's
 * context is current). */
static void
cbd_volume_view_update_renderer (CbdVolumeView *self)
{
  g_autoptr(GArray) lines = NULL;

  cbd_volume_view_upload (self);
  if (self->lut_dirty)
    {
      guint8 lut[256][4];

      cbd_view_state_get_volume_lut (self->state, lut);
      cbd_volume_renderer_upload_lut (self->renderer, lut);
      self->lut_dirty = FALSE;
    }
  if (self->cutout_overlay_dirty)
    cbd_volume_view_upload_overlay (self);
  cbd_volume_renderer_set_overlay_opacity (self->renderer, (float) self->cutout_overlay_opacity);
  if (self->lines_dirty)
    {
      lines = cbd_volume_view_build_lines (self);
      cbd_volume_renderer_set_lines (self->renderer, (const float *) lines->data,
                                     lines->len / CBD_LINE_VERTEX_FLOATS);
      self->lines_dirty = FALSE;
      self->n_line_builds++;
    }
}

/* What the renderer draws for a picture @width × @height device pixels,
 * reduced while @moving. */
static void
cbd_volume_view_render_params (CbdVolumeView         *self,
                               int                    width,
                               int                    height,
                               gboolean               moving,
                               CbdVolumeRenderParams *params)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  float smallest;

  cbd_camera_view_projection (&self->camera, (float) width / MAX (height, 1), &params->view_projection);
  params->extent = self->extent;
  graphene_vec3_init (&params->clip_min, 0.0f, 0.0f, 0.0f);
  params->clip_max = self->extent;
  if (self->clip && volume != NULL && cbd_view_state_get_selected_cutout (self->state) != NULL)
    {
      float low[3], high[3];

      cbd_volume_view_cutout_box (self, volume, cbd_view_state_get_selected_cutout (self->state),
                                  low, high);
      graphene_vec3_init_from_float (&params->clip_min, low);
      graphene_vec3_init_from_float (&params->clip_max, high);
    }
  /* One sample per (texture) voxel, one per two while dragging. */
  smallest = 1.0f;
  if (volume != NULL)
    for (guint axis = 0; axis < 3; axis++)
      smallest = MIN (smallest, world_at (self, volume, axis, self->factor));
  params->step_length = smallest * (moving ? 2.0f : 1.0f);
  for (guint i = 0; i < 4; i++)
    params->background[i] = view_background[i];
  params->width = width;
  params->height = height;
  params->downscale = moving ? 2 : 1;
}

static gboolean
gl_render_cb (GtkGLArea     *area,
              GdkGLContext  *context,
              CbdVolumeView *self)
{
  CbdVolumeRenderParams params;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));

  if (self->renderer == NULL || self->state == NULL)
    {
      glClearColor (view_background[0], view_background[1], view_background[2], view_background[3]);
      glClear (GL_COLOR_BUFFER_BIT);
      return TRUE;
    }

  cbd_volume_view_update_renderer (self);
  cbd_volume_view_render_params (self, gtk_widget_get_width (GTK_WIDGET (area)) * scale,
                                 gtk_widget_get_height (GTK_WIDGET (area)) * scale, self->interacting,
                                 &params);
  self->picture_complete = cbd_volume_renderer_draw (self->renderer, &params);
  if (!self->picture_complete && self->refine_tick == 0)
    self->refine_tick = gtk_widget_add_tick_callback (GTK_WIDGET (area), refine_tick_cb, self, NULL);
  self->n_frames++;
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               CbdVolumeView  *self)
{
  GdkModifierType modifiers = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self->gl_area));
  self->panning = button == GDK_BUTTON_MIDDLE || (modifiers & GDK_SHIFT_MASK);
  cbd_volume_view_set_interacting (self, TRUE);
  self->drag_x = 0.0;
  self->drag_y = 0.0;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                CbdVolumeView  *self)
{
  double dx = offset_x - self->drag_x, dy = offset_y - self->drag_y;
  double height = MAX (1, gtk_widget_get_height (GTK_WIDGET (self)));

  self->drag_x = offset_x;
  self->drag_y = offset_y;
  if (self->panning)
    cbd_camera_pan (&self->camera, (float) (dx / height), (float) (dy / height));
  else
    cbd_volume_view_orbit (self, dx, dy);
  cbd_volume_view_queue_render (self);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             CbdVolumeView  *self)
{
  self->panning = FALSE;
  /* Full sampling again for the still picture. */
  cbd_volume_view_set_interacting (self, FALSE);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           CbdVolumeView            *self)
{
  cbd_camera_zoom (&self->camera, (float) pow (1.15, -dy));
  cbd_volume_view_queue_render (self);
  return TRUE;
}

static void
look_xy_cb (GtkButton     *button,
            CbdVolumeView *self)
{
  cbd_volume_view_look_along (self, CBD_AXIS_Z);
}

static void
look_xz_cb (GtkButton     *button,
            CbdVolumeView *self)
{
  cbd_volume_view_look_along (self, CBD_AXIS_Y);
}

static void
look_yz_cb (GtkButton     *button,
            CbdVolumeView *self)
{
  cbd_volume_view_look_along (self, CBD_AXIS_X);
}

static void
reset_cb (GtkButton     *button,
          CbdVolumeView *self)
{
  cbd_volume_view_reset_camera (self);
}

static void
clip_toggled_cb (GtkToggleButton *button,
                 CbdVolumeView   *self)
{
  cbd_volume_view_set_clip (self, gtk_toggle_button_get_active (button));
}

static void
cbd_volume_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_object (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_volume_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cbd_volume_view_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_volume_view_dispose (GObject *object)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (object);

  self->prepare_serial++;
  if (self->refine_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->gl_area), self->refine_tick);
      self->refine_tick = 0;
    }
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  cbd_volume_view_clear_pending (self);
  if (self->state_signals != NULL)
    g_signal_group_set_target (self->state_signals, NULL);
  g_clear_object (&self->state);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);

  G_OBJECT_CLASS (cbd_volume_view_parent_class)->dispose (object);
}

static void
cbd_volume_view_finalize (GObject *object)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (object);

  g_clear_object (&self->state_signals);
  g_clear_pointer (&self->fragment_suffix, g_free);
  g_clear_pointer (&self->cutout_overlay, cbd_slice_overlay_unref);

  G_OBJECT_CLASS (cbd_volume_view_parent_class)->finalize (object);
}

/* Returns: the scale at the camera's target (the orbit centre) in pixels
 * per nm, or 0 without a volume; nearer parts look larger, further ones
 * smaller */
double
cbd_volume_view_get_pixels_per_nm (CbdVolumeView *self)
{
  CbdVolume *volume;
  double visible_world, nm_per_world;
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), 0.0);
  volume = self->state != NULL ? cbd_view_state_get_volume (self->state) : NULL;
  if (volume == NULL || height <= 0)
    return 0.0;
  visible_world = 2.0 * self->camera.distance * tan (self->camera.fov_degrees / 2.0 * G_PI / 180.0);
  nm_per_world = volume->dims[0] * volume->voxel_nm[0] / graphene_vec3_get_x (&self->extent);
  return height / visible_world / nm_per_world;
}

static void
cbd_volume_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  CbdVolumeView *self = CBD_VOLUME_VIEW (widget);

  GTK_WIDGET_CLASS (cbd_volume_view_parent_class)->snapshot (widget, snapshot);
  if (self->renderer != NULL && self->ready)
    cbd_view_labels_append_scale_bar (widget, snapshot, cbd_volume_view_get_pixels_per_nm (self),
                                      gtk_widget_get_height (widget));
}

/* Returns: (transfer full): the still picture as shown, cast in one pass
 * whatever the GL, with the scale bar; NULL with @error when there is none
 * (no OpenGL, no volume yet) */
GdkTexture *
cbd_volume_view_render_picture (CbdVolumeView  *self,
                                GError        **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) picture = NULL;
  CbdVolumeRenderParams params;

  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), NULL);

  if (self->renderer == NULL || !self->ready || native == NULL || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("The 3D view shows no volume"));
      return NULL;
    }
  gtk_gl_area_make_current (self->gl_area);
  if (gtk_gl_area_get_error (self->gl_area) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The 3D view has no OpenGL: %s"),
                   gtk_gl_area_get_error (self->gl_area)->message);
      return NULL;
    }
  cbd_volume_view_update_renderer (self);
  cbd_volume_view_render_params (self, width * scale, height * scale, FALSE, &params);
  picture = cbd_volume_renderer_read_picture (self->renderer, &params, error);
  if (picture == NULL)
    return NULL;

  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_texture (snapshot, picture, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cbd_view_labels_append_scale_bar (widget, snapshot, cbd_volume_view_get_pixels_per_nm (self), height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static void
cbd_volume_view_class_init (CbdVolumeViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_volume_view_dispose;
  object_class->finalize = cbd_volume_view_finalize;
  object_class->get_property = cbd_volume_view_get_property;
  object_class->set_property = cbd_volume_view_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CBD_TYPE_VIEW_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-volume-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeView, overlay);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeView, gl_area);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeView, message_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeView, notice_label);
  gtk_widget_class_bind_template_child (widget_class, CbdVolumeView, clip_button);
  gtk_widget_class_bind_template_callback (widget_class, gl_realize_cb);
  gtk_widget_class_bind_template_callback (widget_class, gl_unrealize_cb);
  gtk_widget_class_bind_template_callback (widget_class, gl_render_cb);
  gtk_widget_class_bind_template_callback (widget_class, look_xy_cb);
  gtk_widget_class_bind_template_callback (widget_class, look_xz_cb);
  gtk_widget_class_bind_template_callback (widget_class, look_yz_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_cb);
  gtk_widget_class_bind_template_callback (widget_class, clip_toggled_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  widget_class->snapshot = cbd_volume_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "cbdvolumeview");
}

static void
cbd_volume_view_init (CbdVolumeView *self)
{
  GtkGesture *drag;
  GtkEventController *scroll;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_gl_area_set_required_version (self->gl_area, 3, 3);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  self->budget = CBD_VOLUME_VIEW_DEFAULT_BUDGET;
  self->factor = 1;
  graphene_vec3_init (&self->extent, 1.0f, 1.0f, 1.0f);
  cbd_camera_reset (&self->camera, &self->extent);

  self->state_signals = g_signal_group_new (CBD_TYPE_VIEW_STATE);
  g_signal_group_connect_swapped (self->state_signals, "volume-changed",
                                  G_CALLBACK (volume_changed_cb), self);
  g_signal_group_connect_swapped (self->state_signals, "style-changed",
                                  G_CALLBACK (style_changed_cb), self);
  g_signal_group_connect_swapped (self->state_signals, "crosshair-changed",
                                  G_CALLBACK (cbd_volume_view_lines_changed), self);
  /* also a new selection, geometry or result of a cutout */
  g_signal_group_connect_swapped (self->state_signals, "cutouts-changed",
                                  G_CALLBACK (cbd_volume_view_lines_changed), self);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), GTK_EVENT_CONTROLLER (drag));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), scroll);
}

GtkWidget *
cbd_volume_view_new (void)
{
  return g_object_new (CBD_TYPE_VOLUME_VIEW, NULL);
}

CbdViewState *
cbd_volume_view_get_state (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), NULL);
  return self->state;
}

void
cbd_volume_view_set_state (CbdVolumeView *self,
                           CbdViewState  *state)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));
  g_return_if_fail (state == NULL || CBD_IS_VIEW_STATE (state));

  if (!g_set_object (&self->state, state))
    return;
  g_signal_group_set_target (self->state_signals, state);
  if (state != NULL)
    volume_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Volumes needing more bytes of texture are reduced. */
void
cbd_volume_view_set_texture_budget (CbdVolumeView *self,
                                    guint64        bytes)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));

  if (bytes == self->budget)
    return;
  self->budget = bytes;
  cbd_volume_view_prepare (self);
}

void
cbd_volume_view_reset_camera (CbdVolumeView *self)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));
  cbd_camera_reset (&self->camera, &self->extent);
  cbd_volume_view_queue_render (self);
}

/* Looks along @normal with the slice view's orientation of that plane. */
void
cbd_volume_view_look_along (CbdVolumeView *self,
                            CbdAxis        normal)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));
  cbd_camera_look_along (&self->camera, normal, &self->extent);
  cbd_volume_view_queue_render (self);
}

/* Turns the camera as a drag of (@dx, @dy) pixels would. */
void
cbd_volume_view_orbit (CbdVolumeView *self,
                       double         dx,
                       double         dy)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));
  cbd_camera_orbit (&self->camera, (float) (-dx * 0.01), (float) (-dy * 0.01));
  cbd_volume_view_queue_render (self);
}

/* While interacting, rays take half as many samples. */
void
cbd_volume_view_set_interacting (CbdVolumeView *self,
                                 gboolean       interacting)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));

  interacting = !!interacting;
  if (interacting == self->interacting)
    return;
  self->interacting = interacting;
  cbd_volume_view_queue_render (self);
}

void
cbd_volume_view_set_clip (CbdVolumeView *self,
                          gboolean       clip)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));

  clip = !!clip;
  if (clip == self->clip)
    return;
  self->clip = clip;
  gtk_toggle_button_set_active (self->clip_button, clip);
  cbd_volume_view_queue_render (self);
}

/* Returns: whether the labels are on the GPU and drawn */
gboolean
cbd_volume_view_get_ready (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), FALSE);
  return self->ready;
}

/* Returns: the reduction factor of the shown texture, 1 for full resolution */
guint
cbd_volume_view_get_factor (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), 1);
  return self->factor;
}

/* Returns: (nullable): why there is no picture, or %NULL */
const char *
cbd_volume_view_get_message (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
         ? gtk_label_get_text (self->message_label) : NULL;
}

/* Returns: (nullable): the note about a reduced resolution, or %NULL */
const char *
cbd_volume_view_get_notice (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->notice_label))
         ? gtk_label_get_text (self->notice_label) : NULL;
}

/* Returns: frames rendered so far, for benchmarks */
guint
cbd_volume_view_get_n_frames (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), 0);
  return self->n_frames;
}

/* Returns: how often the lines (boxes, slice planes) were built and
 * uploaded, for tests: once per change, not per frame */
guint
cbd_volume_view_get_n_line_builds (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), 0);
  return self->n_line_builds;
}

/* Returns: ray-casting passes so far; a frame that copies the previous
 * picture (only the lines changed) casts none, and a progressive picture
 * (software GL) one per band plus its preview */
guint
cbd_volume_view_get_n_volume_passes (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), 0);
  return self->renderer != NULL ? cbd_volume_renderer_get_n_volume_passes (self->renderer) : 0;
}

/* Returns: whether the last frame showed the whole still picture, not
 * part of it over a coarse preview (software GL casts it over several
 * frames) */
gboolean
cbd_volume_view_get_picture_complete (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), FALSE);
  return self->renderer == NULL || self->picture_complete;
}

/* For tests: appended to the fragment shader at the next realize. */
void
cbd_volume_view_set_fragment_suffix (CbdVolumeView *self,
                                     const char    *suffix)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));
  g_free (self->fragment_suffix);
  self->fragment_suffix = g_strdup (suffix);
}

/**
 * cbd_volume_view_set_overlay:
 * @overlay: (nullable): the selected cutout's filter classes or field
 *   (as the slices show it), or %NULL for none
 * @opacity: 0..1, per voxel length inside the cutout
 *
 * Draws @overlay inside its cutout's box in the volume (the paper's
 * Figure 3c: solid black, retained pore orange, excluded pore green).
 * The cutout boxes do not depend on it: their results reach them through
 * cutouts-changed.
 */
void
cbd_volume_view_set_overlay (CbdVolumeView   *self,
                             CbdSliceOverlay *overlay,
                             double           opacity)
{
  g_return_if_fail (CBD_IS_VOLUME_VIEW (self));

  /* A new opacity is a uniform; only new voxels are uploaded. */
  if (overlay != self->cutout_overlay)
    {
      if (overlay != NULL)
        cbd_slice_overlay_ref (overlay);
      g_clear_pointer (&self->cutout_overlay, cbd_slice_overlay_unref);
      self->cutout_overlay = overlay;
      self->cutout_overlay_dirty = TRUE;
    }
  self->cutout_overlay_opacity = opacity;
  cbd_volume_view_queue_render (self);
}

/* Whether the renderer holds an overlay texture (after a render). */
gboolean
cbd_volume_view_get_overlay_shown (CbdVolumeView *self)
{
  g_return_val_if_fail (CBD_IS_VOLUME_VIEW (self), FALSE);
  return self->renderer != NULL && cbd_volume_renderer_has_overlay (self->renderer);
}
