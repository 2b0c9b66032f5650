/* cbd-view-state.c — what the linked views share: the volume, the crosshair,
 * the zoom and centre, the phase colours and the pointer's voxel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The slice views, the 3D view and the window's status line all watch one
 * of these, so a click in one view moves the others and a colour change
 * reaches every view at once.
 */
#define G_LOG_DOMAIN "cbd-view-state"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-view-state.h"

struct _CbdViewState
{
  GObject       parent_instance;

  CbdVolume    *volume;
  CbdLabelMap   map;
  gboolean      has_map;      /* FALSE: labels are shown as grey levels */
  guint         max_label;    /* largest stored label, for the grey levels */
  guint64      *histogram;    /* voxels per stored label, NULL: not given */

  gsize         crosshair[3];
  double        zoom;         /* logical pixels per nm; 0 = each view fits */
  double        centre_nm[3]; /* the point shown in the middle of every view */

  GdkRGBA       colors[CBD_N_PHASES];
  gboolean      visible[CBD_N_PHASES];
  double        opacity[CBD_N_PHASES];
  double        opacity_3d[CBD_N_PHASES];  /* per voxel length, in the 3D view */

  gboolean      hover_valid;
  gsize         hover[3];

  CbdTool       tool;

  CbdCutoutList    *cutouts;
  CbdCutoutHistory *history;
  CbdCutoutItem    *selected;
  gsize             cutout_edge;
};

enum
{
  PROP_0,
  PROP_ZOOM,
  PROP_TOOL,
  PROP_SELECTED_CUTOUT,
  PROP_CUTOUT_EDGE,
  N_PROPS
};

enum
{
  SIGNAL_VOLUME_CHANGED,
  SIGNAL_CROSSHAIR_CHANGED,
  SIGNAL_VIEW_CHANGED,
  SIGNAL_STYLE_CHANGED,
  SIGNAL_HOVER_CHANGED,
  SIGNAL_CUTOUTS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdViewState, cbd_view_state, G_TYPE_OBJECT)

static void
cbd_view_state_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbdViewState *self = CBD_VIEW_STATE (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_TOOL:
      g_value_set_int (value, self->tool);
      break;
    case PROP_SELECTED_CUTOUT:
      g_value_set_object (value, self->selected);
      break;
    case PROP_CUTOUT_EDGE:
      g_value_set_uint64 (value, self->cutout_edge);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_view_state_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CbdViewState *self = CBD_VIEW_STATE (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      cbd_view_state_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_TOOL:
      cbd_view_state_set_tool (self, g_value_get_int (value));
      break;
    case PROP_SELECTED_CUTOUT:
      cbd_view_state_set_selected_cutout (self, g_value_get_object (value));
      break;
    case PROP_CUTOUT_EDGE:
      cbd_view_state_set_cutout_edge (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_view_state_finalize (GObject *object)
{
  CbdViewState *self = CBD_VIEW_STATE (object);

  g_clear_pointer (&self->volume, cbd_volume_unref);
  g_clear_pointer (&self->histogram, g_free);
  g_clear_object (&self->selected);
  g_clear_object (&self->history);
  if (self->cutouts != NULL)
    g_signal_handlers_disconnect_by_data (self->cutouts, self);
  g_clear_object (&self->cutouts);

  G_OBJECT_CLASS (cbd_view_state_parent_class)->finalize (object);
}

static void
cbd_view_state_class_init (CbdViewStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cbd_view_state_finalize;
  object_class->get_property = cbd_view_state_get_property;
  object_class->set_property = cbd_view_state_set_property;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOOL] =
    g_param_spec_int ("tool", NULL, NULL, CBD_TOOL_NAVIGATE, CBD_TOOL_ADD_CUTOUT, CBD_TOOL_NAVIGATE,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_CUTOUT] =
    g_param_spec_object ("selected-cutout", NULL, NULL, CBD_TYPE_CUTOUT_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The edge of new cutouts, in voxels. */
  properties[PROP_CUTOUT_EDGE] =
    g_param_spec_uint64 ("cutout-edge", NULL, NULL, 1, G_MAXUINT64, 128,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Cutouts added, removed, moved, renamed or recounted: redraw them. */
  signals[SIGNAL_CUTOUTS_CHANGED] =
    g_signal_new ("cutouts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* A new volume (or none): views reset their slices and caches. */
  signals[SIGNAL_VOLUME_CHANGED] =
    g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CROSSHAIR_CHANGED] =
    g_signal_new ("crosshair-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Zoom or centre: what part of each plane is on screen. */
  signals[SIGNAL_VIEW_CHANGED] =
    g_signal_new ("view-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Phase colours, visibility or opacity. */
  signals[SIGNAL_STYLE_CHANGED] =
    g_signal_new ("style-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_HOVER_CHANGED] =
    g_signal_new ("hover-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
item_notify_cb (CbdCutoutItem *item,
                GParamSpec    *pspec,
                CbdViewState  *self)
{
  g_signal_emit (self, signals[SIGNAL_CUTOUTS_CHANGED], 0);
}

static void
cutouts_changed_cb (GListModel   *list,
                    guint         position,
                    guint         removed,
                    guint         added,
                    CbdViewState *self)
{
  guint ignored;

  for (guint i = position; i < position + added; i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (self->cutouts, i);

      g_signal_handlers_disconnect_by_func (item, item_notify_cb, self);
      g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self, 0);
    }
  if (self->selected != NULL && !cbd_cutout_list_find (self->cutouts, self->selected, &ignored))
    cbd_view_state_set_selected_cutout (self, NULL);
  g_signal_emit (self, signals[SIGNAL_CUTOUTS_CHANGED], 0);
}

static void
cbd_view_state_init (CbdViewState *self)
{
  /* As in the paper's figures: pore black, CBD grey, CAM white. */
  static const GdkRGBA defaults[CBD_N_PHASES] = {
    [CBD_PHASE_OTHER] = { 1.0f, 0.0f, 1.0f, 1.0f },
    [CBD_PHASE_PORE]  = { 0.0f, 0.0f, 0.0f, 1.0f },
    [CBD_PHASE_CBD]   = { 128 / 255.0f, 128 / 255.0f, 128 / 255.0f, 1.0f },
    [CBD_PHASE_CAM]   = { 1.0f, 1.0f, 1.0f, 1.0f },
  };

  /* In 3D the pore space is clear by default and the CBD a light haze, so
   * the particles and the binder between them both show. */
  static const double defaults_3d[CBD_N_PHASES] = {
    [CBD_PHASE_OTHER] = 0.5,
    [CBD_PHASE_PORE]  = 0.0,
    [CBD_PHASE_CBD]   = 0.05,
    [CBD_PHASE_CAM]   = 1.0,
  };

  for (guint phase = 0; phase < CBD_N_PHASES; phase++)
    {
      self->colors[phase] = defaults[phase];
      self->visible[phase] = TRUE;
      self->opacity[phase] = 1.0;
      self->opacity_3d[phase] = defaults_3d[phase];
    }
  cbd_label_map_init (&self->map);

  self->cutout_edge = 128;
  self->cutouts = cbd_cutout_list_new ();
  self->history = cbd_cutout_history_new (self->cutouts);
  /* After the selection models over the list have caught up. */
  g_signal_connect_after (self->cutouts, "items-changed", G_CALLBACK (cutouts_changed_cb), self);
}

CbdViewState *
cbd_view_state_new (void)
{
  return g_object_new (CBD_TYPE_VIEW_STATE, NULL);
}

/* The largest stored label, for the grey levels: from the histogram when
 * there is one, else a pass over the stack. */
static guint
largest_label (CbdViewState *self)
{
  guint largest = 0;

  if (self->histogram != NULL)
    {
      for (guint label = 0; label < 256; label++)
        if (self->histogram[label] > 0)
          largest = label;
    }
  else
    {
      gsize n_voxels = cbd_volume_n_voxels (self->volume);

      for (gsize i = 0; i < n_voxels && largest < 255; i++)
        largest = MAX (largest, self->volume->labels[i]);
    }
  return largest;
}

/**
 * cbd_view_state_set_volume:
 * @volume: (nullable): the volume, or %NULL for none
 * @map: (nullable): which label is which phase; %NULL shows grey levels
 * @counts: (nullable): the volume's histogram, when the caller has it;
 *   kept for cbd_view_state_get_histogram()
 *
 * Puts the crosshair in the middle of the volume and fits the views.
 */
void
cbd_view_state_set_volume (CbdViewState      *self,
                           CbdVolume         *volume,
                           const CbdLabelMap *map,
                           const guint64      counts[256])
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (volume != NULL)
    cbd_volume_ref (volume);
  g_clear_pointer (&self->volume, cbd_volume_unref);
  self->volume = volume;
  g_clear_pointer (&self->histogram, g_free);
  if (volume != NULL && counts != NULL)
    self->histogram = g_memdup2 (counts, 256 * sizeof *counts);

  self->has_map = map != NULL;
  if (map != NULL)
    self->map = *map;
  else
    cbd_label_map_init (&self->map);

  self->max_label = volume != NULL && !self->has_map ? largest_label (self) : 0;

  for (guint axis = 0; axis < 3; axis++)
    {
      self->crosshair[axis] = volume != NULL ? volume->dims[axis] / 2 : 0;
      self->centre_nm[axis] = volume != NULL ? volume->dims[axis] * volume->voxel_nm[axis] / 2.0 : 0.0;
    }
  self->zoom = 0.0;
  self->hover_valid = FALSE;

  /* Cutouts belong to the volume they cut. */
  cbd_view_state_set_selected_cutout (self, NULL);
  cbd_cutout_list_set_volume (self->cutouts, volume, self->has_map ? &self->map : NULL);
  cbd_cutout_history_clear (self->history);

  g_signal_emit (self, signals[SIGNAL_VOLUME_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_CROSSHAIR_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_STYLE_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/**
 * cbd_view_state_set_label_map:
 * @map: (nullable): which label is which phase; %NULL shows grey levels
 *
 * Recolours the views and recounts the cutouts for a new label map; the
 * crosshair, zoom and cutouts stay.
 */
void
cbd_view_state_set_label_map (CbdViewState      *self,
                              const CbdLabelMap *map)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  self->has_map = map != NULL;
  if (map != NULL)
    self->map = *map;
  else
    cbd_label_map_init (&self->map);

  self->max_label = self->volume != NULL && !self->has_map ? largest_label (self) : 0;

  cbd_cutout_list_set_label_map (self->cutouts, self->has_map ? &self->map : NULL);

  g_signal_emit (self, signals[SIGNAL_STYLE_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_CUTOUTS_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0);
}

/**
 * cbd_view_state_set_voxel_size:
 * @voxel_nm: the voxel edge along x, y and z in nm, each > 0
 *
 * Changes the volume's voxel size in place (main thread only; workers
 * read voxel counts, not lengths) and refits the views. The crosshair
 * and cutouts stay: they are in voxels.
 */
void
cbd_view_state_set_voxel_size (CbdViewState *self,
                               const double  voxel_nm[3])
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (voxel_nm[0] > 0.0 && voxel_nm[1] > 0.0 && voxel_nm[2] > 0.0);

  if (self->volume == NULL)
    return;

  for (guint axis = 0; axis < 3; axis++)
    {
      self->volume->voxel_nm[axis] = voxel_nm[axis];
      self->centre_nm[axis] = self->volume->dims[axis] * voxel_nm[axis] / 2.0;
    }
  self->zoom = 0.0;

  /* The views keep their lengths in nm: let them start afresh. */
  g_signal_emit (self, signals[SIGNAL_VOLUME_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_CROSSHAIR_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_CUTOUTS_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

CbdVolume *
cbd_view_state_get_volume (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->volume;
}

/* Returns: (nullable): the volume's voxels per stored label (256 values),
 * as given to cbd_view_state_set_volume(); %NULL when none was given. The
 * labels never change, so it holds while the volume is shown. */
const guint64 *
cbd_view_state_get_histogram (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->histogram;
}

/* Returns: (nullable): the label map, %NULL when the phases are unknown */
const CbdLabelMap *
cbd_view_state_get_label_map (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->has_map ? &self->map : NULL;
}

CbdPhase
cbd_view_state_get_phase_at (CbdViewState *self,
                             const gsize   position[3])
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), CBD_PHASE_OTHER);

  if (self->volume == NULL || !self->has_map
      || position[0] >= self->volume->dims[0]
      || position[1] >= self->volume->dims[1]
      || position[2] >= self->volume->dims[2])
    return CBD_PHASE_OTHER;
  return self->map.phase[cbd_volume_get (self->volume, position[0], position[1], position[2])];
}

void
cbd_view_state_get_crosshair (CbdViewState *self,
                              gsize         position[3])
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  memcpy (position, self->crosshair, sizeof self->crosshair);
}

/* Clamped into the volume. */
void
cbd_view_state_set_crosshair (CbdViewState *self,
                              const gint64  position[3])
{
  gboolean changed = FALSE;

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (self->volume == NULL)
    return;

  for (guint axis = 0; axis < 3; axis++)
    {
      gint64 last = (gint64) self->volume->dims[axis] - 1;
      gsize value = (gsize) CLAMP (position[axis], 0, last);

      if (value != self->crosshair[axis])
        {
          self->crosshair[axis] = value;
          changed = TRUE;
        }
    }
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CROSSHAIR_CHANGED], 0);
}

/* Moves the crosshair (and so the slice normal to @axis) by @delta voxels. */
void
cbd_view_state_step (CbdViewState *self,
                     CbdAxis       axis,
                     gint64        delta)
{
  gint64 position[3];

  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (axis <= CBD_AXIS_Z);

  for (guint i = 0; i < 3; i++)
    position[i] = (gint64) self->crosshair[i];
  position[axis] += delta;
  cbd_view_state_set_crosshair (self, position);
}

/* Returns: logical pixels per nm, or 0 when each view fits its plane */
double
cbd_view_state_get_zoom (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), 0.0);
  return self->zoom;
}

/* Between a 100 nm pixel… and CBD_VIEW_STATE_MAX_PIXELS_PER_VOXEL. */
double
cbd_view_state_clamp_zoom (CbdViewState *self,
                           double        pixels_per_nm)
{
  double smallest_voxel = 1.0, largest_extent = 1.0;

  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), pixels_per_nm);

  if (self->volume != NULL)
    {
      smallest_voxel = MIN (self->volume->voxel_nm[0],
                            MIN (self->volume->voxel_nm[1], self->volume->voxel_nm[2]));
      for (guint axis = 0; axis < 3; axis++)
        largest_extent = MAX (largest_extent, self->volume->dims[axis] * self->volume->voxel_nm[axis]);
    }
  /* At least 16 pixels for the whole volume, at most 64 pixels a voxel. */
  return CLAMP (pixels_per_nm, 16.0 / largest_extent,
                CBD_VIEW_STATE_MAX_PIXELS_PER_VOXEL / smallest_voxel);
}

/* @pixels_per_nm: 0 to fit each view, else clamped by cbd_view_state_clamp_zoom() */
void
cbd_view_state_set_zoom (CbdViewState *self,
                         double        pixels_per_nm)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (pixels_per_nm > 0.0)
    pixels_per_nm = cbd_view_state_clamp_zoom (self, pixels_per_nm);
  else
    pixels_per_nm = 0.0;
  if (pixels_per_nm == self->zoom)
    return;

  self->zoom = pixels_per_nm;
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
cbd_view_state_get_centre (CbdViewState *self,
                           double        centre_nm[3])
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  memcpy (centre_nm, self->centre_nm, sizeof self->centre_nm);
}

/* Clamped so some of the volume stays in view. */
void
cbd_view_state_set_centre (CbdViewState *self,
                           const double  centre_nm[3])
{
  gboolean changed = FALSE;

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  for (guint axis = 0; axis < 3; axis++)
    {
      double extent = self->volume != NULL ? self->volume->dims[axis] * self->volume->voxel_nm[axis] : 0.0;
      double value = isfinite (centre_nm[axis]) ? CLAMP (centre_nm[axis], 0.0, extent) : extent / 2.0;

      if (value != self->centre_nm[axis])
        {
          self->centre_nm[axis] = value;
          changed = TRUE;
        }
    }
  if (changed)
    g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

/* Each view shows its whole plane. */
void
cbd_view_state_fit (CbdViewState *self)
{
  double centre[3] = { 0.0, 0.0, 0.0 };

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (self->volume != NULL)
    for (guint axis = 0; axis < 3; axis++)
      centre[axis] = self->volume->dims[axis] * self->volume->voxel_nm[axis] / 2.0;
  cbd_view_state_set_centre (self, centre);
  cbd_view_state_set_zoom (self, 0.0);
}

/* One logical pixel per voxel (of the finest axis), centred on the crosshair. */
void
cbd_view_state_zoom_one_to_one (CbdViewState *self)
{
  double centre[3];
  double smallest_voxel;

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (self->volume == NULL)
    return;
  for (guint axis = 0; axis < 3; axis++)
    centre[axis] = (self->crosshair[axis] + 0.5) * self->volume->voxel_nm[axis];
  smallest_voxel = MIN (self->volume->voxel_nm[0],
                        MIN (self->volume->voxel_nm[1], self->volume->voxel_nm[2]));
  cbd_view_state_set_centre (self, centre);
  cbd_view_state_set_zoom (self, 1.0 / smallest_voxel);
}

void
cbd_view_state_get_phase_color (CbdViewState *self,
                                CbdPhase      phase,
                                GdkRGBA      *color)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (phase < CBD_N_PHASES);
  *color = self->colors[phase];
}

void
cbd_view_state_set_phase_color (CbdViewState  *self,
                                CbdPhase       phase,
                                const GdkRGBA *color)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (phase < CBD_N_PHASES);
  g_return_if_fail (color != NULL);

  if (gdk_rgba_equal (color, &self->colors[phase]))
    return;
  self->colors[phase] = *color;
  g_signal_emit (self, signals[SIGNAL_STYLE_CHANGED], 0);
}

gboolean
cbd_view_state_get_phase_visible (CbdViewState *self,
                                  CbdPhase      phase)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), FALSE);
  g_return_val_if_fail (phase < CBD_N_PHASES, FALSE);
  return self->visible[phase];
}

/* Stores @opacity (clamped to 0..1, 1 when not a number) in @slot and says
 * so when it changed. */
static void
set_opacity (CbdViewState *self,
             double       *slot,
             double        opacity)
{
  opacity = isfinite (opacity) ? CLAMP (opacity, 0.0, 1.0) : 1.0;
  if (opacity == *slot)
    return;
  *slot = opacity;
  g_signal_emit (self, signals[SIGNAL_STYLE_CHANGED], 0);
}

void
cbd_view_state_set_phase_visible (CbdViewState *self,
                                  CbdPhase      phase,
                                  gboolean      visible)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (phase < CBD_N_PHASES);

  visible = !!visible;
  if (visible == self->visible[phase])
    return;
  self->visible[phase] = visible;
  g_signal_emit (self, signals[SIGNAL_STYLE_CHANGED], 0);
}

double
cbd_view_state_get_phase_opacity (CbdViewState *self,
                                  CbdPhase      phase)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), 0.0);
  g_return_val_if_fail (phase < CBD_N_PHASES, 0.0);
  return self->opacity[phase];
}

void
cbd_view_state_set_phase_opacity (CbdViewState *self,
                                  CbdPhase      phase,
                                  double        opacity)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (phase < CBD_N_PHASES);

  set_opacity (self, &self->opacity[phase], opacity);
}

double
cbd_view_state_get_phase_opacity_3d (CbdViewState *self,
                                     CbdPhase      phase)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), 0.0);
  g_return_val_if_fail (phase < CBD_N_PHASES, 0.0);
  return self->opacity_3d[phase];
}

/* @opacity: how much one voxel's length of the phase hides behind it */
void
cbd_view_state_set_phase_opacity_3d (CbdViewState *self,
                                     CbdPhase      phase,
                                     double        opacity)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (phase < CBD_N_PHASES);

  set_opacity (self, &self->opacity_3d[phase], opacity);
}

static guint8
channel_byte (double value)
{
  return (guint8) CLAMP (lrint (value * 255.0), 0, 255);
}

/**
 * cbd_view_state_get_label_rgba:
 * @lut: (out caller-allocates): per stored label, a premultiplied pixel in
 *   GDK_MEMORY_DEFAULT (cairo's native-endian 0xAARRGGBB), so neither
 *   renderer has to convert the slice textures
 *
 * Hidden phases are transparent; without a label map the labels present are
 * stretched over the grey range, so that 0..3 does not all look black.
 */
void
cbd_view_state_get_label_rgba (CbdViewState *self,
                               guint32       lut[256])
{
  guint max_label;

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  max_label = MAX (1u, self->max_label);
  for (guint label = 0; label < 256; label++)
    {
      guint32 red, green, blue, alpha;

      if (self->has_map)
        {
          CbdPhase phase = self->map.phase[label];
          const GdkRGBA *color = &self->colors[phase];
          double opacity = self->visible[phase] ? self->opacity[phase] * color->alpha : 0.0;

          red = channel_byte (color->red * opacity);
          green = channel_byte (color->green * opacity);
          blue = channel_byte (color->blue * opacity);
          alpha = channel_byte (opacity);
        }
      else
        {
          red = green = blue = MIN (255u, label * 255u / max_label);
          alpha = 255;
        }
      lut[label] = (alpha << 24) | (red << 16) | (green << 8) | blue;
    }
}

/**
 * cbd_view_state_get_volume_lut:
 * @rgba: (out caller-allocates): per stored label, the phase colour and its
 *   3D opacity per voxel length (0 when hidden), not premultiplied
 */
void
cbd_view_state_get_volume_lut (CbdViewState *self,
                               guint8        rgba[256][4])
{
  guint max_label;

  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  max_label = MAX (1u, self->max_label);
  for (guint label = 0; label < 256; label++)
    {
      if (self->has_map)
        {
          CbdPhase phase = self->map.phase[label];
          const GdkRGBA *color = &self->colors[phase];

          rgba[label][0] = channel_byte (color->red);
          rgba[label][1] = channel_byte (color->green);
          rgba[label][2] = channel_byte (color->blue);
          rgba[label][3] = channel_byte (self->visible[phase] ? self->opacity_3d[phase] * color->alpha : 0.0);
        }
      else
        {
          /* Grey levels: label 0 clear, the others solid. */
          rgba[label][0] = rgba[label][1] = rgba[label][2] = (guint8) MIN (255u, label * 255u / max_label);
          rgba[label][3] = label == 0 ? 0 : 255;
        }
    }
}

/* Returns: whether the pointer is over a voxel, which is then in @position */
gboolean
cbd_view_state_get_hover (CbdViewState *self,
                          gsize         position[3])
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), FALSE);

  if (self->hover_valid && position != NULL)
    memcpy (position, self->hover, sizeof self->hover);
  return self->hover_valid;
}

/* @position: (nullable): the voxel under the pointer, %NULL when it left */
void
cbd_view_state_set_hover (CbdViewState *self,
                          const gsize   position[3])
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  if (position == NULL)
    {
      if (!self->hover_valid)
        return;
      self->hover_valid = FALSE;
    }
  else
    {
      if (self->hover_valid && memcmp (position, self->hover, sizeof self->hover) == 0)
        return;
      memcpy (self->hover, position, sizeof self->hover);
      self->hover_valid = TRUE;
    }
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0);
}

CbdTool
cbd_view_state_get_tool (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), CBD_TOOL_NAVIGATE);
  return self->tool;
}

void
cbd_view_state_set_tool (CbdViewState *self,
                         CbdTool       tool)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (tool <= CBD_TOOL_ADD_CUTOUT);

  if (tool == self->tool)
    return;
  self->tool = tool;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOL]);
}

CbdCutoutList *
cbd_view_state_get_cutouts (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->cutouts;
}

/* Every edit of the cutouts goes through this, for undo. */
CbdCutoutHistory *
cbd_view_state_get_history (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->history;
}

/* Returns: (nullable) (transfer none): the selected cutout */
CbdCutoutItem *
cbd_view_state_get_selected_cutout (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);
  return self->selected;
}

void
cbd_view_state_set_selected_cutout (CbdViewState  *self,
                                    CbdCutoutItem *item)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (item == NULL || CBD_IS_CUTOUT_ITEM (item));

  if (!g_set_object (&self->selected, item))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CUTOUT]);
  g_signal_emit (self, signals[SIGNAL_CUTOUTS_CHANGED], 0);
}

gsize
cbd_view_state_get_cutout_edge (CbdViewState *self)
{
  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), 128);
  return self->cutout_edge;
}

void
cbd_view_state_set_cutout_edge (CbdViewState *self,
                                gsize         edge)
{
  g_return_if_fail (CBD_IS_VIEW_STATE (self));

  edge = MAX (edge, 1);
  if (edge == self->cutout_edge)
    return;
  self->cutout_edge = edge;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CUTOUT_EDGE]);
}

/**
 * cbd_view_state_add_cutout_at:
 * @centre: the voxel the new cube is centred on
 *
 * Adds a cube of the default edge (clamped inside the volume) through the
 * history, and selects it.
 *
 * Returns: (transfer none) (nullable): the new cutout, %NULL without a volume
 */
CbdCutoutItem *
cbd_view_state_add_cutout_at (CbdViewState *self,
                              const gsize   centre[3])
{
  g_autoptr(CbdCutoutItem) item = NULL;
  g_autofree char *name = NULL;
  gsize origin[3], edge;

  g_return_val_if_fail (CBD_IS_VIEW_STATE (self), NULL);

  if (self->volume == NULL)
    return NULL;
  cbd_cutout_list_centre_box (self->cutouts, centre, self->cutout_edge, origin, &edge);
  name = cbd_cutout_list_next_name (self->cutouts);
  item = cbd_cutout_item_new (name, origin, edge);
  cbd_cutout_history_add (self->history, item);
  cbd_view_state_set_selected_cutout (self, item);
  return item;
}

/* Crosshair to the cutout's centre voxel, and the view centre too when
 * zoomed in, so every view shows it. */
void
cbd_view_state_centre_on_cutout (CbdViewState  *self,
                                 CbdCutoutItem *item)
{
  gsize origin[3], edge;
  gint64 centre[3];
  double centre_nm[3];

  g_return_if_fail (CBD_IS_VIEW_STATE (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  if (self->volume == NULL)
    return;
  cbd_cutout_item_get_origin (item, origin);
  edge = cbd_cutout_item_get_edge (item);
  for (guint axis = 0; axis < 3; axis++)
    {
      centre[axis] = (gint64) (origin[axis] + edge / 2);
      centre_nm[axis] = (origin[axis] + edge / 2.0) * self->volume->voxel_nm[axis];
    }
  cbd_view_state_set_crosshair (self, centre);
  if (self->zoom > 0.0)
    cbd_view_state_set_centre (self, centre_nm);
}
