/* cbd-slice-view.c — one orthogonal slice (XY, XZ or YZ) of the shared view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The three slice views are one class: the axis property says which plane.
 * XY shows x right and y down; XZ shows x right and z down (below XY, the
 * columns line up); YZ shows z right and y down (beside XY, the rows line
 * up), as in Fiji's orthogonal views.
 *
 * Redraws are cheap by construction: the slice is extracted once per slice
 * change (on a worker when it is large; only the latest request is shown),
 * turned into an image of the visible part at device resolution once per
 * slice, zoom, pan or colour change, and everything else (crosshair,
 * cutouts, scale bar) is drawn as nodes on top.
 */
#define G_LOG_DOMAIN "cbd-slice-view"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cbd-slice-render.h"
#include "cbd-slice-view-private.h"
#include "cbd-view-labels.h"

/* Below this cost a slice is extracted on the main thread: a millisecond or
 * two, and no frame of the previous slice. The cost is voxels, times 16 for
 * YZ slices, which gather one byte per row of the volume (about 30 ns a
 * voxel on a large stack, against 0.2 ns for XY's one memcpy). */
#define DEFAULT_ASYNC_THRESHOLD (1u << 20)
#define GATHER_COST 16

enum
{
  PROP_0,
  PROP_AXIS,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CbdSliceView, cbd_slice_view, GTK_TYPE_WIDGET)

/* Named by the two axes in the plane, in the usual order. */
static const char *const plane_names[3] = { "YZ", "XZ", "XY" };

static const CbdAxis plane_axes[3][2] = {
  [CBD_AXIS_X] = { CBD_AXIS_Z, CBD_AXIS_Y },
  [CBD_AXIS_Y] = { CBD_AXIS_X, CBD_AXIS_Z },
  [CBD_AXIS_Z] = { CBD_AXIS_X, CBD_AXIS_Y },
};

gboolean
cbd_slice_view_has_volume (CbdSliceView *self)
{
  return self->state != NULL && cbd_view_state_get_volume (self->state) != NULL;
}

static void
cbd_slice_view_clear_image (CbdSliceView *self)
{
  g_clear_pointer (&self->image_node, gsk_render_node_unref);
  g_clear_pointer (&self->overlay_node, gsk_render_node_unref);
}

static void
cbd_slice_view_invalidate (CbdSliceView *self)
{
  cbd_slice_view_clear_image (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Where the extracted slice keeps voxel (u, v): cbd_volume_extract_slice()
 * stores the lower remaining axis fastest. */
static void
cbd_slice_view_slice_image (CbdSliceView  *self,
                            CbdSliceImage *image)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  gsize fast = self->normal == CBD_AXIS_X ? volume->dims[1] : volume->dims[0];

  image->labels = self->slice;
  image->n_u = volume->dims[self->u_axis];
  image->n_v = volume->dims[self->v_axis];
  image->u_stride = self->u_axis < self->v_axis ? 1 : fast;
  image->v_stride = self->u_axis < self->v_axis ? fast : 1;
  image->lut = self->lut;
}

typedef struct
{
  CbdVolume *volume;
  CbdAxis    normal;
  gsize      index;
} ExtractInput;

static void
extract_input_free (gpointer data)
{
  ExtractInput *input = data;

  cbd_volume_unref (input->volume);
  g_free (input);
}

static void
extract_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ExtractInput *input = task_data;
  gsize size = cbd_volume_slice_size (input->volume, input->normal, NULL, NULL);
  guint8 *slice;

  if (g_task_return_error_if_cancelled (task))
    return;
  slice = g_try_malloc (MAX (size, 1));
  if (slice == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Not enough memory for a slice of %zu voxels"), size);
      return;
    }
  cbd_volume_extract_slice (input->volume, input->normal, input->index, slice);
  g_task_return_pointer (task, slice, g_free);
}

static void
cbd_slice_view_show_slice (CbdSliceView *self,
                           guint8       *slice,
                           gint64        index)
{
  g_free (self->slice);
  self->slice = slice;
  self->slice_index = index;
  cbd_slice_view_invalidate (self);
}

static void
extract_ready_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CbdSliceView *self = CBD_SLICE_VIEW (source_object);
  GTask *task = G_TASK (result);
  guint64 serial = GPOINTER_TO_SIZE (user_data);
  g_autoptr(GError) error = NULL;
  guint8 *slice;

  slice = g_task_propagate_pointer (task, &error);
  /* Latest wins: a newer request or a new volume made this one stale. */
  if (serial != self->request_serial)
    {
      g_free (slice);
      return;
    }
  g_clear_object (&self->extract_cancellable);
  if (slice == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  cbd_slice_view_show_slice (self, slice, self->wanted_index);
}

static void
cbd_slice_view_cancel_extract (CbdSliceView *self)
{
  self->request_serial++;
  if (self->extract_cancellable != NULL)
    g_cancellable_cancel (self->extract_cancellable);
  g_clear_object (&self->extract_cancellable);
}

/* Asks for the slice at the crosshair, if it is not already shown or coming. */
static void
cbd_slice_view_request_slice (CbdSliceView *self)
{
  g_autoptr(GTask) task = NULL;
  CbdVolume *volume;
  gsize crosshair[3];
  gsize size;
  ExtractInput *input;

  if (!cbd_slice_view_has_volume (self))
    return;

  cbd_view_state_get_crosshair (self->state, crosshair);
  if ((gint64) crosshair[self->normal] == self->wanted_index
      && (self->slice_index == self->wanted_index || self->extract_cancellable != NULL))
    return;

  cbd_slice_view_cancel_extract (self);
  self->wanted_index = (gint64) crosshair[self->normal];
  volume = cbd_view_state_get_volume (self->state);
  size = cbd_volume_slice_size (volume, self->normal, NULL, NULL);

  if (size * (self->normal == CBD_AXIS_X ? GATHER_COST : 1) <= self->async_threshold)
    {
      guint8 *slice = g_try_malloc (MAX (size, 1));

      if (slice == NULL)
        {
          g_warning ("Not enough memory for a slice of %zu voxels", size);
          return;
        }
      cbd_volume_extract_slice (volume, self->normal, crosshair[self->normal], slice);
      cbd_slice_view_show_slice (self, slice, self->wanted_index);
      return;
    }

  input = g_new0 (ExtractInput, 1);
  input->volume = cbd_volume_ref (volume);
  input->normal = self->normal;
  input->index = crosshair[self->normal];

  self->extract_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->extract_cancellable, extract_ready_cb,
                     GSIZE_TO_POINTER (self->request_serial));
  g_task_set_source_tag (task, cbd_slice_view_request_slice);
  g_task_set_task_data (task, input, extract_input_free);
  g_task_run_in_thread (task, extract_thread);
}

static void
volume_changed_cb (CbdSliceView *self)
{
  cbd_slice_view_cancel_extract (self);
  g_clear_pointer (&self->slice, g_free);
  self->slice_index = -1;
  self->wanted_index = -1;
  cbd_slice_view_invalidate (self);
  cbd_slice_view_request_slice (self);
}

static void
crosshair_changed_cb (CbdSliceView *self)
{
  cbd_slice_view_request_slice (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
style_changed_cb (CbdSliceView *self)
{
  if (self->state != NULL)
    cbd_view_state_get_label_rgba (self->state, self->lut);
  cbd_slice_view_invalidate (self);
}

double
cbd_slice_view_fit_scale (CbdSliceView *self)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double extent_u = volume->dims[self->u_axis] * volume->voxel_nm[self->u_axis];
  double extent_v = volume->dims[self->v_axis] * volume->voxel_nm[self->v_axis];

  if (!(extent_u > 0.0) || !(extent_v > 0.0) || width <= 0 || height <= 0)
    return 1.0;
  return MIN (width / extent_u, height / extent_v);
}

/* Returns: logical pixels per nm on screen now */
double
cbd_slice_view_get_scale (CbdSliceView *self)
{
  double zoom;

  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), 1.0);

  if (!cbd_slice_view_has_volume (self))
    return 1.0;
  zoom = cbd_view_state_get_zoom (self->state);
  return zoom > 0.0 ? zoom : cbd_slice_view_fit_scale (self);
}

/* The widget point of the plane point (u_nm, v_nm). */
static void
cbd_slice_view_nm_to_point (CbdSliceView *self,
                            double        u_nm,
                            double        v_nm,
                            double       *x,
                            double       *y)
{
  double centre[3], scale = cbd_slice_view_get_scale (self);

  cbd_view_state_get_centre (self->state, centre);
  *x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 + (u_nm - centre[self->u_axis]) * scale;
  *y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 + (v_nm - centre[self->v_axis]) * scale;
}

/**
 * cbd_slice_view_voxel_to_point:
 * @u: voxel coordinate along the view's horizontal axis (fractional; +0.5
 *   for a voxel's centre)
 *
 * Where a point of the plane is drawn, in widget coordinates.
 */
void
cbd_slice_view_voxel_to_point (CbdSliceView *self,
                               double        u,
                               double        v,
                               double       *x,
                               double       *y)
{
  CbdVolume *volume;

  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  if (!cbd_slice_view_has_volume (self))
    {
      *x = *y = 0.0;
      return;
    }
  volume = cbd_view_state_get_volume (self->state);
  cbd_slice_view_nm_to_point (self, u * volume->voxel_nm[self->u_axis],
                              v * volume->voxel_nm[self->v_axis], x, y);
}

/* The plane coordinates, in voxels (fractional), of widget point (x, y);
 * %FALSE without a volume. */
gboolean
cbd_slice_view_point_to_plane (CbdSliceView *self,
                               double        x,
                               double        y,
                               double       *u,
                               double       *v)
{
  CbdVolume *volume;
  double centre[3], scale;

  if (!cbd_slice_view_has_volume (self))
    return FALSE;

  volume = cbd_view_state_get_volume (self->state);
  scale = cbd_slice_view_get_scale (self);
  cbd_view_state_get_centre (self->state, centre);
  *u = (centre[self->u_axis] + (x - gtk_widget_get_width (GTK_WIDGET (self)) / 2.0) / scale)
       / volume->voxel_nm[self->u_axis];
  *v = (centre[self->v_axis] + (y - gtk_widget_get_height (GTK_WIDGET (self)) / 2.0) / scale)
       / volume->voxel_nm[self->v_axis];
  return TRUE;
}

/* Returns: whether (x, y) is over the slice; the voxel is then in @position,
 * with the crosshair's index along the normal */
gboolean
cbd_slice_view_point_to_voxel (CbdSliceView *self,
                               double        x,
                               double        y,
                               gsize         position[3])
{
  CbdVolume *volume;
  double u, v;
  gsize crosshair[3];

  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), FALSE);

  if (!cbd_slice_view_point_to_plane (self, x, y, &u, &v))
    return FALSE;
  volume = cbd_view_state_get_volume (self->state);
  if (!(u >= 0.0) || !(v >= 0.0)
      || u >= (double) volume->dims[self->u_axis] || v >= (double) volume->dims[self->v_axis])
    return FALSE;

  cbd_view_state_get_crosshair (self->state, crosshair);
  position[self->normal] = crosshair[self->normal];
  position[self->u_axis] = (gsize) u;
  position[self->v_axis] = (gsize) v;
  return TRUE;
}

/* The visible part of the slice at device resolution, premultiplied
 * ARGB32 (cairo's layout, and GDK_MEMORY_DEFAULT's). */
static cairo_surface_t *
cbd_slice_view_build_image (CbdSliceView    *self,
                            graphene_rect_t *rect)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int device_scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double scale = cbd_slice_view_get_scale (self);
  double left, top, right, bottom, centre[3];
  int x0, y0, x1, y1, device_width, device_height;
  double voxel_u = volume->voxel_nm[self->u_axis], voxel_v = volume->voxel_nm[self->v_axis];
  CbdSliceImage image;
  cairo_surface_t *surface;
  gint64 start = g_get_monotonic_time ();

  cbd_slice_view_nm_to_point (self, 0.0, 0.0, &left, &top);
  cbd_slice_view_nm_to_point (self, volume->dims[self->u_axis] * voxel_u,
                              volume->dims[self->v_axis] * voxel_v, &right, &bottom);
  x0 = (int) floor (MAX (0.0, left));
  y0 = (int) floor (MAX (0.0, top));
  x1 = (int) ceil (MIN ((double) width, right));
  y1 = (int) ceil (MIN ((double) height, bottom));
  if (x1 <= x0 || y1 <= y0)
    return NULL;

  device_width = (x1 - x0) * device_scale;
  device_height = (y1 - y0) * device_scale;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, device_width, device_height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  cbd_view_state_get_centre (self->state, centre);
  cbd_slice_view_slice_image (self, &image);
  cairo_surface_flush (surface);
  cbd_slice_render (&image,
                    (centre[self->u_axis] + (x0 - width / 2.0) / scale) / voxel_u,
                    (centre[self->v_axis] + (y0 - height / 2.0) / scale) / voxel_v,
                    1.0 / (scale * device_scale * voxel_u),
                    1.0 / (scale * device_scale * voxel_v),
                    device_width, device_height,
                    (guint32 *) cairo_image_surface_get_data (surface),
                    cairo_image_surface_get_stride (surface) / sizeof (guint32));
  cairo_surface_mark_dirty (surface);

  *rect = GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0);
  self->last_build_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_debug ("%s slice %" G_GINT64_FORMAT ": %d × %d image built in %.2f ms",
           plane_names[self->normal], self->slice_index,
           device_width, device_height, self->last_build_ms);
  return surface;
}

/* Premultiplied ARGB32 pixels stretched over @rect, as a node made once
 * and kept while they do not change: GTK 4.8's cairo renderer (chosen on a
 * software GL) converts every pixel of a texture through floats in each
 * frame, 15 ms for a 2720 × 1531 slice, so there a cairo node holds the
 * pixels as they are; other renderers get a texture that holds the
 * surface (not a copy of its pixels), uploaded once. GTK does not redraw a
 * node it has drawn before. @pixels must not change after this. */
static GskRenderNode *
cbd_slice_view_pixels_node (CbdSliceView          *self,
                            cairo_surface_t       *pixels,
                            const graphene_rect_t *rect)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkNative *native = gtk_widget_get_native (widget);
  int width = cairo_image_surface_get_width (pixels);
  int height = cairo_image_surface_get_height (pixels);
  gsize stride = cairo_image_surface_get_stride (pixels);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (native != NULL && GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (native)) &&
      gtk_widget_get_scale_factor (widget) == 1)
    {
      GskRenderNode *node = gsk_cairo_node_new (rect);
      cairo_t *cr = gsk_cairo_node_get_draw_context (node);

      cairo_translate (cr, rect->origin.x, rect->origin.y);
      cairo_scale (cr, rect->size.width / width, rect->size.height / height);
      cairo_set_source_surface (cr, pixels, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_destroy (cr);
      return node;
    }
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (pixels), height * stride,
                                      (GDestroyNotify) cairo_surface_destroy,
                                      cairo_surface_reference (pixels));
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
  return gsk_texture_node_new (texture, rect);
}

/* The selected cutout's overlay where this slice cuts it, or NULL. */
static GskRenderNode *
cbd_slice_view_overlay_node (CbdSliceView *self)
{
  const CbdSliceOverlay *overlay = self->overlay;
  int device_scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double left, top, right, bottom;
  cairo_surface_t *pixels;
  GskRenderNode *node;

  cbd_slice_view_voxel_to_point (self, overlay->origin[self->u_axis], overlay->origin[self->v_axis],
                                 &left, &top);
  cbd_slice_view_voxel_to_point (self, overlay->origin[self->u_axis] + overlay->size[self->u_axis],
                                 overlay->origin[self->v_axis] + overlay->size[self->v_axis],
                                 &right, &bottom);
  /* Voxels stay sharp: one texel per device pixel (up to 4096). */
  pixels = cbd_slice_overlay_render (overlay, self->normal, self->u_axis, self->v_axis,
                                     (gsize) self->slice_index,
                                     (int) MIN (ceil ((right - left) * device_scale), 4096),
                                     (int) MIN (ceil ((bottom - top) * device_scale), 4096),
                                     self->overlay_opacity);
  if (pixels == NULL)
    return NULL;
  node = cbd_slice_view_pixels_node (self, pixels,
                                     &GRAPHENE_RECT_INIT (left, top, right - left, bottom - top));
  cairo_surface_destroy (pixels);
  return node;
}

static void
append_line (GtkSnapshot   *snapshot,
             double         x,
             double         y,
             double         width,
             double         height,
             const GdkRGBA *color)
{
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
}

static void
cbd_slice_view_snapshot_crosshair (CbdSliceView *self,
                                   GtkSnapshot  *snapshot)
{
  static const GdkRGBA crosshair_color = { 1.0f, 0.8f, 0.0f, 0.85f };
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  gsize crosshair[3];
  double x, y, left, top, right, bottom;

  cbd_view_state_get_crosshair (self->state, crosshair);
  cbd_slice_view_voxel_to_point (self, crosshair[self->u_axis] + 0.5,
                                 crosshair[self->v_axis] + 0.5, &x, &y);
  cbd_slice_view_voxel_to_point (self, 0, 0, &left, &top);
  cbd_slice_view_voxel_to_point (self, volume->dims[self->u_axis], volume->dims[self->v_axis],
                                 &right, &bottom);
  x = floor (x);
  y = floor (y);
  append_line (snapshot, x, top, 1, bottom - top, &crosshair_color);
  append_line (snapshot, left, y, right - left, 1, &crosshair_color);
}

static void
cbd_slice_view_snapshot_scale_bar (CbdSliceView *self,
                                   GtkSnapshot  *snapshot)
{
  cbd_view_labels_append_scale_bar (GTK_WIDGET (self), snapshot, cbd_slice_view_get_scale (self),
                                    gtk_widget_get_height (GTK_WIDGET (self)));
}

static void
cbd_slice_view_snapshot_title (CbdSliceView *self,
                               GtkSnapshot  *snapshot)
{
  CbdVolume *volume = cbd_view_state_get_volume (self->state);
  gsize crosshair[3];
  g_autofree char *title = NULL;

  cbd_view_state_get_crosshair (self->state, crosshair);
  /* Translators: the plane's name, the axis normal to it, the slice index,
   * the last index and the slice's depth, e.g. "XY  z 128/255  1.28 µm" */
  title = g_strdup_printf (_("%s  %c %zu/%zu  %.2f µm"),
                           plane_names[self->normal], "xyz"[self->normal],
                           crosshair[self->normal], volume->dims[self->normal] - 1,
                           (crosshair[self->normal] + 0.5) * volume->voxel_nm[self->normal] / 1000.0);
  cbd_view_labels_append_text (GTK_WIDGET (self), snapshot, title, 8, 6, FALSE);
}

static void
cbd_slice_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  static const GdkRGBA background = { 0.12f, 0.12f, 0.13f, 1.0f };
  static const GdkRGBA hidden = { 0.18f, 0.2f, 0.25f, 1.0f };
  CbdSliceView *self = CBD_SLICE_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!cbd_slice_view_has_volume (self) || width <= 0 || height <= 0)
    return;

  if (self->slice != NULL)
    {
      if (self->image_node == NULL)
        {
          cairo_surface_t *pixels = cbd_slice_view_build_image (self, &self->texture_rect);

          if (pixels != NULL)
            {
              self->image_node = cbd_slice_view_pixels_node (self, pixels, &self->texture_rect);
              cairo_surface_destroy (pixels);
            }
        }
      if (self->image_node != NULL)
        {
          /* Hidden and translucent phases show this colour through. */
          gtk_snapshot_append_color (snapshot, &hidden, &self->texture_rect);
          gtk_snapshot_append_node (snapshot, self->image_node);
        }
    }

  if (self->overlay != NULL && self->slice_index >= 0)
    {
      if (self->overlay_node == NULL)
        self->overlay_node = cbd_slice_view_overlay_node (self);
      if (self->overlay_node != NULL)
        gtk_snapshot_append_node (snapshot, self->overlay_node);
    }

  cbd_slice_view_snapshot_cutouts (self, snapshot);
  cbd_slice_view_snapshot_crosshair (self, snapshot);
  cbd_slice_view_snapshot_scale_bar (self, snapshot);
  cbd_slice_view_snapshot_title (self, snapshot);
}

static void
cbd_slice_view_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  CbdSliceView *self = CBD_SLICE_VIEW (widget);

  cbd_slice_view_clear_image (self);
}

static void
cbd_slice_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = 64;
  *natural = 320;
}

static void
cbd_slice_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbdSliceView *self = CBD_SLICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_AXIS:
      g_value_set_int (value, self->normal);
      break;
    case PROP_STATE:
      g_value_set_object (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_slice_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CbdSliceView *self = CBD_SLICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_AXIS:
      cbd_slice_view_set_axis (self, g_value_get_int (value));
      break;
    case PROP_STATE:
      cbd_slice_view_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_slice_view_dispose (GObject *object)
{
  CbdSliceView *self = CBD_SLICE_VIEW (object);

  cbd_slice_view_cancel_extract (self);
  if (self->state_signals != NULL)
    g_signal_group_set_target (self->state_signals, NULL);
  g_clear_object (&self->state);

  G_OBJECT_CLASS (cbd_slice_view_parent_class)->dispose (object);
}

static void
cbd_slice_view_finalize (GObject *object)
{
  CbdSliceView *self = CBD_SLICE_VIEW (object);

  g_clear_object (&self->state_signals);
  g_clear_object (&self->moving);
  cbd_cutout_shape_clear (&self->moving_before);
  g_clear_pointer (&self->slice, g_free);
  g_clear_pointer (&self->overlay, cbd_slice_overlay_unref);
  cbd_slice_view_clear_image (self);

  G_OBJECT_CLASS (cbd_slice_view_parent_class)->finalize (object);
}

static void
cbd_slice_view_class_init (CbdSliceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_slice_view_dispose;
  object_class->finalize = cbd_slice_view_finalize;
  object_class->get_property = cbd_slice_view_get_property;
  object_class->set_property = cbd_slice_view_set_property;

  widget_class->snapshot = cbd_slice_view_snapshot;
  widget_class->measure = cbd_slice_view_measure;
  widget_class->size_allocate = cbd_slice_view_size_allocate;

  /* The axis normal to the plane: 0 = x (YZ), 1 = y (XZ), 2 = z (XY). */
  properties[PROP_AXIS] =
    g_param_spec_int ("axis", NULL, NULL, CBD_AXIS_X, CBD_AXIS_Z, CBD_AXIS_Z,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CBD_TYPE_VIEW_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "cbdsliceview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cbd_slice_view_init (CbdSliceView *self)
{
  self->normal = CBD_AXIS_Z;
  self->u_axis = plane_axes[CBD_AXIS_Z][0];
  self->v_axis = plane_axes[CBD_AXIS_Z][1];
  self->slice_index = -1;
  self->wanted_index = -1;
  self->async_threshold = DEFAULT_ASYNC_THRESHOLD;

  self->state_signals = g_signal_group_new (CBD_TYPE_VIEW_STATE);
  g_signal_group_connect_swapped (self->state_signals, "volume-changed",
                                  G_CALLBACK (volume_changed_cb), self);
  g_signal_group_connect_swapped (self->state_signals, "crosshair-changed",
                                  G_CALLBACK (crosshair_changed_cb), self);
  g_signal_group_connect_swapped (self->state_signals, "view-changed",
                                  G_CALLBACK (cbd_slice_view_invalidate), self);
  g_signal_group_connect_swapped (self->state_signals, "style-changed",
                                  G_CALLBACK (style_changed_cb), self);
  g_signal_group_connect_swapped (self->state_signals, "cutouts-changed",
                                  G_CALLBACK (gtk_widget_queue_draw), self);

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  cbd_slice_view_init_input (self);
}

/* @normal: the axis normal to the plane, CBD_AXIS_Z for the XY view */
GtkWidget *
cbd_slice_view_new (CbdAxis normal)
{
  return g_object_new (CBD_TYPE_SLICE_VIEW, "axis", normal, NULL);
}

CbdAxis
cbd_slice_view_get_axis (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), CBD_AXIS_Z);
  return self->normal;
}

void
cbd_slice_view_set_axis (CbdSliceView *self,
                         CbdAxis       normal)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));
  g_return_if_fail (normal <= CBD_AXIS_Z);

  if (normal == self->normal)
    return;
  self->normal = normal;
  self->u_axis = plane_axes[normal][0];
  self->v_axis = plane_axes[normal][1];
  volume_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AXIS]);
}

CbdViewState *
cbd_slice_view_get_state (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), NULL);
  return self->state;
}

void
cbd_slice_view_set_state (CbdSliceView *self,
                          CbdViewState *state)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));
  g_return_if_fail (state == NULL || CBD_IS_VIEW_STATE (state));

  if (!g_set_object (&self->state, state))
    return;
  g_signal_group_set_target (self->state_signals, state);
  style_changed_cb (self);
  volume_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Which volume axes run along the screen's x (@u_axis) and y (@v_axis). */
void
cbd_slice_view_get_plane_axes (CbdSliceView *self,
                               CbdAxis      *u_axis,
                               CbdAxis      *v_axis)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));
  if (u_axis != NULL)
    *u_axis = self->u_axis;
  if (v_axis != NULL)
    *v_axis = self->v_axis;
}

/* Returns: the index of the slice on screen, -1 while none is */
gint64
cbd_slice_view_get_shown_slice (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), -1);
  return self->slice != NULL ? self->slice_index : -1;
}

/* Slices with more voxels are extracted on a worker thread. */
void
cbd_slice_view_set_async_threshold (CbdSliceView *self,
                                    gsize         n_voxels)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));
  self->async_threshold = n_voxels;
}

/* Returns: how long the last texture took to build, for benchmarks */
double
cbd_slice_view_get_last_build_ms (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), 0.0);
  return self->last_build_ms;
}

/**
 * cbd_slice_view_set_overlay:
 * @overlay: (nullable): the filter classes of a cutout; %NULL: none
 * @opacity: 0..1
 *
 * Draws @overlay's cut by the shown plane over the slice (issue 7).
 */
void
cbd_slice_view_set_overlay (CbdSliceView    *self,
                            CbdSliceOverlay *overlay,
                            double           opacity)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  /* Each new result re-announces the overlay: keep what is drawn. */
  if (overlay == self->overlay && CLAMP (opacity, 0.0, 1.0) == self->overlay_opacity)
    return;
  if (overlay != NULL)
    cbd_slice_overlay_ref (overlay);
  g_clear_pointer (&self->overlay, cbd_slice_overlay_unref);
  g_clear_pointer (&self->overlay_node, gsk_render_node_unref);
  self->overlay = overlay;
  self->overlay_opacity = CLAMP (opacity, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
