/* cbd-cutout-list.c — the cutouts of one volume, as a GListModel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list counts each cutout's CAM and pore voxels whenever a cutout is
 * added or its geometry changes: on the spot for boxes up to 2^22 voxels
 * (a few milliseconds, quick enough to follow a drag), on a worker beyond,
 * where only the newest count for a cutout is kept.
 */
#define G_LOG_DOMAIN "cbd-cutout-list"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-cutouts.h"
#include "cbd-cutout-list.h"

#define DEFAULT_ASYNC_THRESHOLD (G_GUINT64_CONSTANT (1) << 22)

struct _CbdCutoutList
{
  GObject      parent_instance;

  GPtrArray   *items;
  CbdVolume   *volume;
  gboolean     cam[256];   /* labels that are CAM */
  gboolean     pore[256];  /* labels that are pore */
  gboolean     has_map;
  guint        next_number;
  guint64      async_threshold;
};

static void cbd_cutout_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CbdCutoutList, cbd_cutout_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, cbd_cutout_list_model_init))

static GType
cbd_cutout_list_get_item_type (GListModel *model)
{
  return CBD_TYPE_CUTOUT_ITEM;
}

static guint
cbd_cutout_list_get_n_items (GListModel *model)
{
  return CBD_CUTOUT_LIST (model)->items->len;
}

static gpointer
cbd_cutout_list_get_item (GListModel *model,
                          guint       position)
{
  CbdCutoutList *self = CBD_CUTOUT_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
cbd_cutout_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cbd_cutout_list_get_item_type;
  iface->get_n_items = cbd_cutout_list_get_n_items;
  iface->get_item = cbd_cutout_list_get_item;
}

typedef struct
{
  CbdVolume *volume;
  gboolean   cam[256];
  gboolean   pore[256];
  gsize      origin[3];
  gsize      edge;
  guint64    serial;
} CountInput;

typedef struct
{
  guint64 cam;
  guint64 pore;
} CountResult;

static void
count_input_free (gpointer data)
{
  CountInput *input = data;

  cbd_volume_unref (input->volume);
  g_free (input);
}

static CountResult
count_box (const CbdVolume *volume,
           const gboolean   cam[256],
           const gboolean   pore[256],
           const gsize      origin[3],
           gsize            edge)
{
  const gsize size[3] = { edge, edge, edge };
  CountResult result;

  result.cam = cbd_cutouts_count_forbidden (volume, cam, origin, size);
  result.pore = cbd_cutouts_count_forbidden (volume, pore, origin, size);
  return result;
}

static void
count_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CountInput *input = task_data;
  CountResult *result = g_new (CountResult, 1);

  *result = count_box (input->volume, input->cam, input->pore, input->origin, input->edge);
  g_task_return_pointer (task, result, g_free);
}

static void
apply_counts (CbdCutoutItem *item,
              CountResult    counts,
              gsize          edge)
{
  double n_voxels = (double) edge * edge * edge;

  cbd_cutout_item_set_stats (item, (gint64) counts.cam,
                             n_voxels > 0 ? counts.pore / n_voxels : NAN);
  cbd_cutout_item_set_computing (item, FALSE);
}

static void
count_ready_cb (GObject      *source_object,
                GAsyncResult *async_result,
                gpointer      user_data)
{
  g_autoptr(CbdCutoutItem) item = user_data;
  GTask *task = G_TASK (async_result);
  CountInput *input = g_task_get_task_data (task);
  g_autofree CountResult *result = g_task_propagate_pointer (task, NULL);

  if (result == NULL || input->serial != cbd_cutout_item_get_stats_serial (item))
    return;
  apply_counts (item, *result, input->edge);
}

static void
cbd_cutout_list_count (CbdCutoutList *self,
                       CbdCutoutItem *item)
{
  g_autoptr(GTask) task = NULL;
  CountInput *input;
  gsize origin[3], edge = cbd_cutout_item_get_edge (item);
  guint64 serial = cbd_cutout_item_next_stats_serial (item);

  if (self->volume == NULL || !self->has_map)
    {
      cbd_cutout_item_set_stats (item, -1, NAN);
      cbd_cutout_item_set_computing (item, FALSE);
      return;
    }

  cbd_cutout_item_get_origin (item, origin);
  if ((guint64) edge * edge * edge <= self->async_threshold)
    {
      apply_counts (item, count_box (self->volume, self->cam, self->pore, origin, edge), edge);
      return;
    }

  input = g_new0 (CountInput, 1);
  input->volume = cbd_volume_ref (self->volume);
  memcpy (input->cam, self->cam, sizeof self->cam);
  memcpy (input->pore, self->pore, sizeof self->pore);
  memcpy (input->origin, origin, sizeof origin);
  input->edge = edge;
  input->serial = serial;
  cbd_cutout_item_set_computing (item, TRUE);
  /* The item is the source object's stand-in: the callback holds a ref. */
  task = g_task_new (NULL, NULL, count_ready_cb, g_object_ref (item));
  g_task_set_source_tag (task, cbd_cutout_list_count);
  g_task_set_task_data (task, input, count_input_free);
  g_task_run_in_thread (task, count_thread);
}

static void
geometry_changed_cb (CbdCutoutItem *item,
                     CbdCutoutList *self)
{
  cbd_cutout_list_count (self, item);
}

static void
cbd_cutout_list_dispose (GObject *object)
{
  CbdCutoutList *self = CBD_CUTOUT_LIST (object);

  for (guint i = 0; i < self->items->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->items, i), self);
  g_ptr_array_set_size (self->items, 0);
  g_clear_pointer (&self->volume, cbd_volume_unref);

  G_OBJECT_CLASS (cbd_cutout_list_parent_class)->dispose (object);
}

static void
cbd_cutout_list_finalize (GObject *object)
{
  CbdCutoutList *self = CBD_CUTOUT_LIST (object);

  g_ptr_array_unref (self->items);

  G_OBJECT_CLASS (cbd_cutout_list_parent_class)->finalize (object);
}

static void
cbd_cutout_list_class_init (CbdCutoutListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cbd_cutout_list_dispose;
  object_class->finalize = cbd_cutout_list_finalize;
}

static void
cbd_cutout_list_init (CbdCutoutList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->next_number = 1;
  self->async_threshold = DEFAULT_ASYNC_THRESHOLD;
}

CbdCutoutList *
cbd_cutout_list_new (void)
{
  return g_object_new (CBD_TYPE_CUTOUT_LIST, NULL);
}

/**
 * cbd_cutout_list_set_volume:
 * @volume: (nullable): what the cutouts cut
 * @map: (nullable): which labels are CAM and pore; without it nothing is
 *   counted
 *
 * Removes every cutout: they belonged to the previous volume.
 */
void
cbd_cutout_list_set_volume (CbdCutoutList     *self,
                            CbdVolume         *volume,
                            const CbdLabelMap *map)
{
  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));

  cbd_cutout_list_remove_all (self);
  if (volume != NULL)
    cbd_volume_ref (volume);
  g_clear_pointer (&self->volume, cbd_volume_unref);
  self->volume = volume;
  self->has_map = map != NULL;
  for (guint label = 0; label < 256; label++)
    {
      self->cam[label] = map != NULL && map->phase[label] == CBD_PHASE_CAM;
      self->pore[label] = map != NULL && map->phase[label] == CBD_PHASE_PORE;
    }
  self->next_number = 1;
}

/**
 * cbd_cutout_list_set_label_map:
 * @map: (nullable): which labels are CAM and pore
 *
 * Keeps the cutouts and counts them again under @map.
 */
void
cbd_cutout_list_set_label_map (CbdCutoutList     *self,
                               const CbdLabelMap *map)
{
  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));

  self->has_map = map != NULL;
  for (guint label = 0; label < 256; label++)
    {
      self->cam[label] = map != NULL && map->phase[label] == CBD_PHASE_CAM;
      self->pore[label] = map != NULL && map->phase[label] == CBD_PHASE_PORE;
    }
  for (guint i = 0; i < self->items->len; i++)
    cbd_cutout_list_count (self, g_ptr_array_index (self->items, i));
}

CbdVolume *
cbd_cutout_list_get_volume (CbdCutoutList *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (self), NULL);
  return self->volume;
}

/* Returns: (transfer none) (nullable): the item at @position */
CbdCutoutItem *
cbd_cutout_list_get (CbdCutoutList *self,
                     guint          position)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (self), NULL);
  if (position >= self->items->len)
    return NULL;
  return g_ptr_array_index (self->items, position);
}

/* @position: clamped to the end */
void
cbd_cutout_list_insert (CbdCutoutList *self,
                        guint          position,
                        CbdCutoutItem *item)
{
  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  position = MIN (position, self->items->len);
  g_ptr_array_insert (self->items, (int) position, g_object_ref (item));
  g_signal_connect (item, "geometry-changed", G_CALLBACK (geometry_changed_cb), self);
  cbd_cutout_list_count (self, item);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

void
cbd_cutout_list_remove (CbdCutoutList *self,
                        guint          position)
{
  CbdCutoutItem *item;

  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));
  g_return_if_fail (position < self->items->len);

  item = g_ptr_array_index (self->items, position);
  g_signal_handlers_disconnect_by_data (item, self);
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

void
cbd_cutout_list_remove_all (CbdCutoutList *self)
{
  guint n_items;

  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));

  n_items = self->items->len;
  if (n_items == 0)
    return;
  for (guint i = 0; i < n_items; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->items, i), self);
  g_ptr_array_set_size (self->items, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n_items, 0);
}

gboolean
cbd_cutout_list_find (CbdCutoutList *self,
                      CbdCutoutItem *item,
                      guint         *position)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (self), FALSE);
  return g_ptr_array_find (self->items, item, position);
}

/* Returns: (transfer full): "C1", "C2", … not yet used in this list */
char *
cbd_cutout_list_next_name (CbdCutoutList *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (self), NULL);

  for (;; self->next_number++)
    {
      g_autofree char *name = g_strdup_printf ("C%u", self->next_number);
      gboolean used = FALSE;

      for (guint i = 0; i < self->items->len && !used; i++)
        used = g_str_equal (cbd_cutout_item_get_name (g_ptr_array_index (self->items, i)), name);
      if (!used)
        {
          self->next_number++;
          return g_steal_pointer (&name);
        }
    }
}

/**
 * cbd_cutout_list_clamp:
 * @origin: wanted first voxel, possibly outside
 * @edge: wanted edge, at least 1
 *
 * Keeps the cube inside the volume: the edge shrinks to the smallest
 * dimension if it must, then the origin moves in.
 *
 * Returns: %FALSE without a volume
 */
gboolean
cbd_cutout_list_clamp (CbdCutoutList *self,
                       const gint64   origin[3],
                       gsize          edge,
                       gsize          clamped_origin[3],
                       gsize         *clamped_edge)
{
  gsize smallest;

  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (self), FALSE);

  if (self->volume == NULL)
    return FALSE;
  smallest = MIN (self->volume->dims[0], MIN (self->volume->dims[1], self->volume->dims[2]));
  edge = CLAMP (edge, 1, smallest);
  for (guint axis = 0; axis < 3; axis++)
    clamped_origin[axis] = (gsize) CLAMP (origin[axis], 0, (gint64) (self->volume->dims[axis] - edge));
  *clamped_edge = edge;
  return TRUE;
}

/* The origin of a cube of @edge centred on voxel @centre, clamped. */
void
cbd_cutout_list_centre_box (CbdCutoutList *self,
                            const gsize    centre[3],
                            gsize          edge,
                            gsize          origin[3],
                            gsize         *clamped_edge)
{
  gint64 wanted[3];

  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));

  /* Shrink first, so a too-large cube is still centred as well as it can be. */
  if (self->volume != NULL)
    edge = MIN (edge, MIN (self->volume->dims[0], MIN (self->volume->dims[1], self->volume->dims[2])));
  for (guint axis = 0; axis < 3; axis++)
    wanted[axis] = (gint64) centre[axis] - (gint64) edge / 2;
  if (!cbd_cutout_list_clamp (self, wanted, edge, origin, clamped_edge))
    {
      for (guint axis = 0; axis < 3; axis++)
        origin[axis] = 0;
      *clamped_edge = edge;
    }
}

/* Boxes of more voxels are counted on a worker thread. */
void
cbd_cutout_list_set_async_threshold (CbdCutoutList *self,
                                     guint64        n_voxels)
{
  g_return_if_fail (CBD_IS_CUTOUT_LIST (self));
  self->async_threshold = n_voxels;
}
