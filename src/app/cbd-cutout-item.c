/* cbd-cutout-item.c — one cubic cutout in the app's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Geometry (origin, edge, name) is what the user edits and the undo stack
 * records; the numbers (CAM voxels, porosity) are filled in by the list
 * whenever the geometry changes. The properties feed the sidebar's columns;
 * the analysis (issue 7) adds its results as further properties.
 */
#define G_LOG_DOMAIN "cbd-cutout-item"

#include "config.h"

#include <math.h>

#include "cbd-cutout-item.h"

struct _CbdCutoutItem
{
  GObject  parent_instance;

  char    *name;
  gsize    origin[3];
  gsize    edge;
  gint64   cam_count;   /* -1 until counted */
  double   porosity;    /* NAN until counted */
  gboolean computing;
  guint64  stats_serial;
  CbdCutoutItemAnalysis analysis;  /* .analysed FALSE: none */
};

enum
{
  PROP_0,
  PROP_NAME,
  PROP_X,
  PROP_Y,
  PROP_Z,
  PROP_EDGE,
  PROP_CAM_COUNT,
  PROP_POROSITY,
  PROP_COMPUTING,
  PROP_ANALYSED,
  N_PROPS
};

enum
{
  SIGNAL_GEOMETRY_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdCutoutItem, cbd_cutout_item, G_TYPE_OBJECT)

static void
cbd_cutout_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CbdCutoutItem *self = CBD_CUTOUT_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_X:
    case PROP_Y:
    case PROP_Z:
      g_value_set_uint64 (value, self->origin[prop_id - PROP_X]);
      break;
    case PROP_EDGE:
      g_value_set_uint64 (value, self->edge);
      break;
    case PROP_CAM_COUNT:
      g_value_set_int64 (value, self->cam_count);
      break;
    case PROP_POROSITY:
      g_value_set_double (value, self->porosity);
      break;
    case PROP_COMPUTING:
      g_value_set_boolean (value, self->computing);
      break;
    case PROP_ANALYSED:
      g_value_set_boolean (value, self->analysis.analysed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_cutout_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CbdCutoutItem *self = CBD_CUTOUT_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      cbd_cutout_item_set_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_cutout_item_finalize (GObject *object)
{
  CbdCutoutItem *self = CBD_CUTOUT_ITEM (object);

  g_free (self->name);

  G_OBJECT_CLASS (cbd_cutout_item_parent_class)->finalize (object);
}

static void
cbd_cutout_item_class_init (CbdCutoutItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cbd_cutout_item_finalize;
  object_class->get_property = cbd_cutout_item_get_property;
  object_class->set_property = cbd_cutout_item_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X] =
    g_param_spec_uint64 ("x", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y] =
    g_param_spec_uint64 ("y", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_Z] =
    g_param_spec_uint64 ("z", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EDGE] =
    g_param_spec_uint64 ("edge", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* -1 until counted */
  properties[PROP_CAM_COUNT] =
    g_param_spec_int64 ("cam-count", NULL, NULL, -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Pore volume fraction, NaN until counted */
  properties[PROP_POROSITY] =
    g_param_spec_double ("porosity", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPUTING] =
    g_param_spec_boolean ("computing", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Whether it has an analysis result; notified whenever that changes. */
  properties[PROP_ANALYSED] =
    g_param_spec_boolean ("analysed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Origin or edge changed (once per change, after the notifies). */
  signals[SIGNAL_GEOMETRY_CHANGED] =
    g_signal_new ("geometry-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cbd_cutout_item_init (CbdCutoutItem *self)
{
  self->name = g_strdup ("");
  self->cam_count = -1;
  self->porosity = NAN;
  self->analysis.sigma_rel_mean = self->analysis.sigma_rel_std = self->analysis.tau_mean = NAN;
  self->analysis.progress = -1.0;
}

CbdCutoutItem *
cbd_cutout_item_new (const char  *name,
                     const gsize  origin[3],
                     gsize        edge)
{
  CbdCutoutItem *self = g_object_new (CBD_TYPE_CUTOUT_ITEM, NULL);

  cbd_cutout_item_set_name (self, name);
  for (guint axis = 0; axis < 3; axis++)
    self->origin[axis] = origin[axis];
  self->edge = edge;
  return self;
}

const char *
cbd_cutout_item_get_name (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), NULL);
  return self->name;
}

void
cbd_cutout_item_set_name (CbdCutoutItem *self,
                          const char    *name)
{
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));

  if (name == NULL)
    name = "";
  if (g_strcmp0 (name, self->name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

void
cbd_cutout_item_get_origin (CbdCutoutItem *self,
                            gsize          origin[3])
{
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));
  for (guint axis = 0; axis < 3; axis++)
    origin[axis] = self->origin[axis];
}

gsize
cbd_cutout_item_get_edge (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), 0);
  return self->edge;
}

/* The caller keeps the box inside the volume (cbd_cutout_list_clamp()). */
void
cbd_cutout_item_set_geometry (CbdCutoutItem *self,
                              const gsize    origin[3],
                              gsize          edge)
{
  gboolean changed = FALSE;

  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  for (guint axis = 0; axis < 3; axis++)
    if (origin[axis] != self->origin[axis])
      {
        self->origin[axis] = origin[axis];
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X + axis]);
        changed = TRUE;
      }
  if (edge != self->edge)
    {
      self->edge = edge;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDGE]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    g_signal_emit (self, signals[SIGNAL_GEOMETRY_CHANGED], 0);
}

gboolean
cbd_cutout_item_contains (CbdCutoutItem *self,
                          const gsize    position[3])
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), FALSE);
  for (guint axis = 0; axis < 3; axis++)
    if (position[axis] < self->origin[axis] || position[axis] >= self->origin[axis] + self->edge)
      return FALSE;
  return TRUE;
}

/* Returns: CAM voxels inside, -1 until counted */
gint64
cbd_cutout_item_get_cam_count (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), -1);
  return self->cam_count;
}

/* Returns: the pore volume fraction, NaN until counted */
double
cbd_cutout_item_get_porosity (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), NAN);
  return self->porosity;
}

gboolean
cbd_cutout_item_get_computing (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), FALSE);
  return self->computing;
}

void
cbd_cutout_item_set_stats (CbdCutoutItem *self,
                           gint64         cam_count,
                           double         porosity)
{
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (cam_count != self->cam_count)
    {
      self->cam_count = cam_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAM_COUNT]);
    }
  if (!(porosity == self->porosity) && !(isnan (porosity) && isnan (self->porosity)))
    {
      self->porosity = porosity;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POROSITY]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
cbd_cutout_item_set_computing (CbdCutoutItem *self,
                               gboolean       computing)
{
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));

  computing = !!computing;
  if (computing == self->computing)
    return;
  self->computing = computing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPUTING]);
}

/* Latest wins for background counts: each request takes a new serial. */
guint64
cbd_cutout_item_next_stats_serial (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), 0);
  return ++self->stats_serial;
}

guint64
cbd_cutout_item_get_stats_serial (CbdCutoutItem *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), 0);
  return self->stats_serial;
}

/**
 * cbd_cutout_item_set_analysis:
 * @analysis: (nullable): the cutout's analysis result; %NULL: none
 *
 * Set by the analysis panel as results arrive or the filter changes.
 */
void
cbd_cutout_item_set_analysis (CbdCutoutItem               *self,
                              const CbdCutoutItemAnalysis *analysis)
{
  CbdCutoutItemAnalysis none = { FALSE, NAN, NAN, NAN, FALSE, -1.0 };

  g_return_if_fail (CBD_IS_CUTOUT_ITEM (self));

  if (analysis == NULL)
    analysis = &none;
  if (self->analysis.analysed == analysis->analysed &&
      self->analysis.accepted == analysis->accepted &&
      self->analysis.progress == analysis->progress &&
      (self->analysis.sigma_rel_mean == analysis->sigma_rel_mean ||
       (isnan (self->analysis.sigma_rel_mean) && isnan (analysis->sigma_rel_mean))) &&
      (self->analysis.sigma_rel_std == analysis->sigma_rel_std ||
       (isnan (self->analysis.sigma_rel_std) && isnan (analysis->sigma_rel_std))) &&
      (self->analysis.tau_mean == analysis->tau_mean ||
       (isnan (self->analysis.tau_mean) && isnan (analysis->tau_mean))))
    return;
  self->analysis = *analysis;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANALYSED]);
}

/* Returns: whether it has a result (@analysis is filled in either way) */
gboolean
cbd_cutout_item_get_analysis (CbdCutoutItem         *self,
                              CbdCutoutItemAnalysis *analysis)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_ITEM (self), FALSE);

  if (analysis != NULL)
    *analysis = self->analysis;
  return self->analysis.analysed;
}
