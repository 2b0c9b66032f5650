/* cbd-slice-view.c — one XY slice of a label volume in phase colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-slice-view"

#include "config.h"

#include <math.h>

#include "cbd-slice-view.h"

struct _CbdSliceView
{
  GtkWidget    parent_instance;

  CbdVolume   *volume;
  CbdLabelMap  map;
  gboolean     has_map;       /* FALSE: labels are shown as grey levels */
  guint        slice;
  GdkRGBA      phase_colors[CBD_N_PHASES];

  guint8      *slice_labels;  /* the current slice, nx*ny bytes */
  guint8       lut[256][3];
  guint        max_label;     /* largest stored label, for the grey levels */

  /* The texture is built at device-pixel size with nearest-neighbour
   * sampling: GTK 4.8 has no scaling filter for texture nodes. */
  GdkTexture  *texture;
  int          texture_width;
  int          texture_height;
};

enum
{
  PROP_0,
  PROP_SLICE,
  PROP_N_SLICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CbdSliceView, cbd_slice_view, GTK_TYPE_WIDGET)

static guint8
color_channel (float value)
{
  return (guint8) CLAMP (lrintf (value * 255.0f), 0, 255);
}

static void
cbd_slice_view_update_lut (CbdSliceView *self)
{
  guint max_label = MAX (1u, self->max_label);

  for (guint label = 0; label < 256; label++)
    {
      if (self->has_map)
        {
          const GdkRGBA *color = &self->phase_colors[self->map.phase[label]];

          self->lut[label][0] = color_channel (color->red);
          self->lut[label][1] = color_channel (color->green);
          self->lut[label][2] = color_channel (color->blue);
        }
      else
        {
          /* Stretch the labels present over the grey range, so that 0..3
           * does not all look black. */
          guint grey = MIN (255u, label * 255u / max_label);

          self->lut[label][0] = self->lut[label][1] = self->lut[label][2] = grey;
        }
    }
}

static void
cbd_slice_view_invalidate (CbdSliceView *self)
{
  g_clear_object (&self->texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
cbd_slice_view_load_slice (CbdSliceView *self)
{
  if (self->volume == NULL)
    return;
  cbd_volume_extract_slice (self->volume, CBD_AXIS_Z, self->slice, self->slice_labels);
  cbd_slice_view_invalidate (self);
}

/* Where the slice goes inside the widget: scaled to fit, aspect from the
 * voxel size, centred, on whole pixels. */
static gboolean
cbd_slice_view_image_rect (CbdSliceView *self,
                           int           width,
                           int           height,
                           int          *x,
                           int          *y,
                           int          *image_width,
                           int          *image_height)
{
  double physical_width, physical_height, scale;

  if (self->volume == NULL || width <= 0 || height <= 0)
    return FALSE;

  physical_width = self->volume->dims[0] * self->volume->voxel_nm[0];
  physical_height = self->volume->dims[1] * self->volume->voxel_nm[1];
  if (!(physical_width > 0.0) || !(physical_height > 0.0))
    return FALSE;

  scale = MIN (width / physical_width, height / physical_height);
  *image_width = MAX (1, (int) floor (physical_width * scale));
  *image_height = MAX (1, (int) floor (physical_height * scale));
  *x = (width - *image_width) / 2;
  *y = (height - *image_height) / 2;
  return TRUE;
}

static GdkTexture *
cbd_slice_view_build_texture (CbdSliceView *self,
                              int           width,
                              int           height)
{
  gsize nx = self->volume->dims[0], ny = self->volume->dims[1];
  gsize stride = (gsize) width * 3;
  g_autofree gsize *columns = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *pixels;

  pixels = g_try_malloc_n (height, stride);
  if (pixels == NULL)
    return NULL;

  columns = g_new (gsize, width);
  for (int px = 0; px < width; px++)
    columns[px] = MIN (nx - 1, (gsize) (((double) px + 0.5) * nx / width));

  for (int py = 0; py < height; py++)
    {
      gsize row = MIN (ny - 1, (gsize) (((double) py + 0.5) * ny / height));
      const guint8 *labels = &self->slice_labels[row * nx];
      guint8 *out = &pixels[py * stride];

      for (int px = 0; px < width; px++, out += 3)
        {
          const guint8 *rgb = self->lut[labels[columns[px]]];

          out[0] = rgb[0];
          out[1] = rgb[1];
          out[2] = rgb[2];
        }
    }

  bytes = g_bytes_new_take (pixels, height * stride);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
cbd_slice_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  CbdSliceView *self = CBD_SLICE_VIEW (widget);
  int x, y, image_width, image_height, scale, device_width, device_height;

  if (!cbd_slice_view_image_rect (self, gtk_widget_get_width (widget),
                                  gtk_widget_get_height (widget),
                                  &x, &y, &image_width, &image_height))
    return;

  scale = gtk_widget_get_scale_factor (widget);
  device_width = image_width * scale;
  device_height = image_height * scale;

  if (self->texture == NULL
      || self->texture_width != device_width
      || self->texture_height != device_height)
    {
      g_clear_object (&self->texture);
      self->texture = cbd_slice_view_build_texture (self, device_width, device_height);
      self->texture_width = device_width;
      self->texture_height = device_height;
    }

  if (self->texture != NULL)
    gtk_snapshot_append_texture (snapshot, self->texture,
                                 &GRAPHENE_RECT_INIT (x, y, image_width, image_height));
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
  *natural = 512;
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
    case PROP_SLICE:
      g_value_set_uint (value, self->slice);
      break;
    case PROP_N_SLICES:
      g_value_set_uint (value, cbd_slice_view_get_n_slices (self));
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
    case PROP_SLICE:
      cbd_slice_view_set_slice (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_slice_view_finalize (GObject *object)
{
  CbdSliceView *self = CBD_SLICE_VIEW (object);

  g_clear_pointer (&self->volume, cbd_volume_unref);
  g_clear_pointer (&self->slice_labels, g_free);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (cbd_slice_view_parent_class)->finalize (object);
}

static void
cbd_slice_view_class_init (CbdSliceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = cbd_slice_view_finalize;
  object_class->get_property = cbd_slice_view_get_property;
  object_class->set_property = cbd_slice_view_set_property;

  widget_class->snapshot = cbd_slice_view_snapshot;
  widget_class->measure = cbd_slice_view_measure;

  properties[PROP_SLICE] =
    g_param_spec_uint ("slice", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_SLICES] =
    g_param_spec_uint ("n-slices", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "cbdsliceview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cbd_slice_view_init (CbdSliceView *self)
{
  static const GdkRGBA defaults[CBD_N_PHASES] = {
    [CBD_PHASE_OTHER] = { 1.0f, 0.0f, 1.0f, 1.0f },
    [CBD_PHASE_PORE]  = { 0.0f, 0.0f, 0.0f, 1.0f },
    [CBD_PHASE_CBD]   = { 128 / 255.0f, 128 / 255.0f, 128 / 255.0f, 1.0f },
    [CBD_PHASE_CAM]   = { 1.0f, 1.0f, 1.0f, 1.0f },
  };

  for (guint phase = 0; phase < CBD_N_PHASES; phase++)
    self->phase_colors[phase] = defaults[phase];
  cbd_label_map_init (&self->map);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
cbd_slice_view_new (void)
{
  return g_object_new (CBD_TYPE_SLICE_VIEW, NULL);
}

/**
 * cbd_slice_view_set_volume:
 * @map: (nullable): which label is which phase; %NULL shows grey levels
 */
void
cbd_slice_view_set_volume (CbdSliceView      *self,
                           CbdVolume         *volume,
                           const CbdLabelMap *map)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  g_clear_pointer (&self->volume, cbd_volume_unref);
  g_clear_pointer (&self->slice_labels, g_free);

  self->has_map = map != NULL;
  if (map != NULL)
    self->map = *map;
  else
    cbd_label_map_init (&self->map);

  if (volume != NULL)
    {
      /* One slice is small next to the volume; a failure here means the
       * volume itself is broken, so show nothing rather than abort. */
      self->slice_labels = g_try_malloc_n (volume->dims[0], volume->dims[1]);
      if (self->slice_labels != NULL)
        self->volume = cbd_volume_ref (volume);
      else
        g_warning ("Cannot allocate a %zu × %zu slice", volume->dims[0], volume->dims[1]);
    }

  self->max_label = 0;
  if (self->volume != NULL && !self->has_map)
    {
      gsize n_voxels = cbd_volume_n_voxels (self->volume);

      for (gsize i = 0; i < n_voxels && self->max_label < 255; i++)
        self->max_label = MAX (self->max_label, self->volume->labels[i]);
    }
  cbd_slice_view_update_lut (self);

  if (self->volume != NULL)
    self->slice = MIN (self->slice, self->volume->dims[2] - 1);
  else
    self->slice = 0;

  cbd_slice_view_load_slice (self);
  cbd_slice_view_invalidate (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SLICES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
}

CbdVolume *
cbd_slice_view_get_volume (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), NULL);
  return self->volume;
}

void
cbd_slice_view_set_slice (CbdSliceView *self,
                          guint         slice)
{
  guint n_slices;

  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  n_slices = cbd_slice_view_get_n_slices (self);
  slice = n_slices > 0 ? MIN (slice, n_slices - 1) : 0;
  if (slice == self->slice)
    return;

  self->slice = slice;
  cbd_slice_view_load_slice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
}

guint
cbd_slice_view_get_slice (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), 0);
  return self->slice;
}

guint
cbd_slice_view_get_n_slices (CbdSliceView *self)
{
  g_return_val_if_fail (CBD_IS_SLICE_VIEW (self), 0);
  if (self->volume == NULL)
    return 0;
  return (guint) MIN (self->volume->dims[2], (gsize) G_MAXUINT);
}

void
cbd_slice_view_set_phase_color (CbdSliceView  *self,
                                CbdPhase       phase,
                                const GdkRGBA *color)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));
  g_return_if_fail (phase < CBD_N_PHASES);
  g_return_if_fail (color != NULL);

  self->phase_colors[phase] = *color;
  cbd_slice_view_update_lut (self);
  cbd_slice_view_invalidate (self);
}
