/* cbd-cutout-history.c — undo and redo for cutout edits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small command stack. Every edit of the cutout list goes through here:
 * add, remove (remembering the position), and change (name, origin and
 * edge before and after). Commands hold the item itself, so undoing a
 * removal brings back the same object, selection and all. A drag records
 * one change at its end (cbd_cutout_history_record_change), not one per
 * pointer motion. A new edit drops whatever could have been redone.
 *
 * A group (cbd_cutout_history_begin_group … end_group) collects the edits
 * in between into one command, so "Find CAM-free cutouts" adding ten cubes
 * is undone in one step. A custom command carries its own do/undo
 * callbacks for edits that are not cutouts (the label map, the voxel
 * size) but belong to the same undo stack and "modified" count.
 */
#define G_LOG_DOMAIN "cbd-cutout-history"

#include "config.h"

#include "cbd-cutout-history.h"

typedef enum
{
  COMMAND_ADD,
  COMMAND_REMOVE,
  COMMAND_CHANGE,
  COMMAND_GROUP,
  COMMAND_CUSTOM,
} CommandKind;

typedef struct
{
  CommandKind     kind;
  CbdCutoutItem  *item;
  guint           position;  /* add, remove */
  CbdCutoutShape  before;    /* change */
  CbdCutoutShape  after;     /* change */
  GPtrArray      *children;  /* group: of Command, in the order done */
  CbdHistoryFunc  custom_run;     /* custom */
  gpointer        custom_data;
  GDestroyNotify  custom_destroy;
} Command;

struct _CbdCutoutHistory
{
  GObject        parent_instance;

  CbdCutoutList *list;
  GPtrArray     *undo;  /* of Command, newest last */
  GPtrArray     *redo;
  guint          serial; /* counts edits, undos and redos: "modified" checks */
  Command       *group;  /* open group collecting edits, or NULL */
  guint          group_depth;
};

enum
{
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdCutoutHistory, cbd_cutout_history, G_TYPE_OBJECT)

void
cbd_cutout_shape_init (CbdCutoutShape *shape,
                       CbdCutoutItem  *item)
{
  shape->name = g_strdup (cbd_cutout_item_get_name (item));
  cbd_cutout_item_get_origin (item, shape->origin);
  shape->edge = cbd_cutout_item_get_edge (item);
}

void
cbd_cutout_shape_clear (CbdCutoutShape *shape)
{
  g_clear_pointer (&shape->name, g_free);
}

static gboolean
shape_equal (const CbdCutoutShape *a,
             const CbdCutoutShape *b)
{
  return g_strcmp0 (a->name, b->name) == 0 && a->edge == b->edge
         && a->origin[0] == b->origin[0] && a->origin[1] == b->origin[1]
         && a->origin[2] == b->origin[2];
}

static void
shape_apply (const CbdCutoutShape *shape,
             CbdCutoutItem        *item)
{
  cbd_cutout_item_set_name (item, shape->name);
  cbd_cutout_item_set_geometry (item, shape->origin, shape->edge);
}

static void
command_free (gpointer data)
{
  Command *command = data;

  g_clear_object (&command->item);
  cbd_cutout_shape_clear (&command->before);
  cbd_cutout_shape_clear (&command->after);
  g_clear_pointer (&command->children, g_ptr_array_unref);
  if (command->custom_destroy != NULL)
    command->custom_destroy (command->custom_data);
  g_free (command);
}

static void
cbd_cutout_history_notify (CbdCutoutHistory *self)
{
  self->serial++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
cbd_cutout_history_push (CbdCutoutHistory *self,
                         Command          *command)
{
  if (self->group != NULL)
    {
      g_ptr_array_add (self->group->children, command);
      return;
    }
  g_ptr_array_add (self->undo, command);
  g_ptr_array_set_size (self->redo, 0);
  cbd_cutout_history_notify (self);
}

/* Does (@forward) or undoes a command. */
static void
command_run (CbdCutoutHistory *self,
             Command          *command,
             gboolean          forward)
{
  guint position;

  switch (command->kind)
    {
    case COMMAND_ADD:
    case COMMAND_REMOVE:
      if ((command->kind == COMMAND_ADD) == forward)
        cbd_cutout_list_insert (self->list, command->position, command->item);
      else if (cbd_cutout_list_find (self->list, command->item, &position))
        cbd_cutout_list_remove (self->list, position);
      break;
    case COMMAND_CHANGE:
      shape_apply (forward ? &command->after : &command->before, command->item);
      break;
    case COMMAND_GROUP:
      if (forward)
        for (guint i = 0; i < command->children->len; i++)
          command_run (self, g_ptr_array_index (command->children, i), TRUE);
      else
        for (guint i = command->children->len; i > 0; i--)
          command_run (self, g_ptr_array_index (command->children, i - 1), FALSE);
      break;
    case COMMAND_CUSTOM:
      command->custom_run (forward, command->custom_data);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
cbd_cutout_history_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CbdCutoutHistory *self = CBD_CUTOUT_HISTORY (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, cbd_cutout_history_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, cbd_cutout_history_can_redo (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cbd_cutout_history_finalize (GObject *object)
{
  CbdCutoutHistory *self = CBD_CUTOUT_HISTORY (object);

  g_clear_pointer (&self->group, command_free);
  g_ptr_array_unref (self->undo);
  g_ptr_array_unref (self->redo);
  g_clear_object (&self->list);

  G_OBJECT_CLASS (cbd_cutout_history_parent_class)->finalize (object);
}

static void
cbd_cutout_history_class_init (CbdCutoutHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cbd_cutout_history_finalize;
  object_class->get_property = cbd_cutout_history_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* After every edit, undo, redo or clear. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cbd_cutout_history_init (CbdCutoutHistory *self)
{
  self->undo = g_ptr_array_new_with_free_func (command_free);
  self->redo = g_ptr_array_new_with_free_func (command_free);
}

CbdCutoutHistory *
cbd_cutout_history_new (CbdCutoutList *list)
{
  CbdCutoutHistory *self;

  g_return_val_if_fail (CBD_IS_CUTOUT_LIST (list), NULL);

  self = g_object_new (CBD_TYPE_CUTOUT_HISTORY, NULL);
  self->list = g_object_ref (list);
  return self;
}

CbdCutoutList *
cbd_cutout_history_get_list (CbdCutoutHistory *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), NULL);
  return self->list;
}

/* Appends @item to the list. */
void
cbd_cutout_history_add (CbdCutoutHistory *self,
                        CbdCutoutItem    *item)
{
  Command *command;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  command = g_new0 (Command, 1);
  command->kind = COMMAND_ADD;
  command->item = g_object_ref (item);
  command->position = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  command_run (self, command, TRUE);
  cbd_cutout_history_push (self, command);
}

void
cbd_cutout_history_remove (CbdCutoutHistory *self,
                           CbdCutoutItem    *item)
{
  Command *command;
  guint position;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  if (!cbd_cutout_list_find (self->list, item, &position))
    return;
  command = g_new0 (Command, 1);
  command->kind = COMMAND_REMOVE;
  command->item = g_object_ref (item);
  command->position = position;
  command_run (self, command, TRUE);
  cbd_cutout_history_push (self, command);
}

/* Records that @item went from @before to what it is now (already applied,
 * as after a drag). Nothing is recorded when nothing changed. */
void
cbd_cutout_history_record_change (CbdCutoutHistory     *self,
                                  CbdCutoutItem        *item,
                                  const CbdCutoutShape *before)
{
  Command *command;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  command = g_new0 (Command, 1);
  command->kind = COMMAND_CHANGE;
  command->item = g_object_ref (item);
  command->before.name = g_strdup (before->name);
  command->before.edge = before->edge;
  for (guint axis = 0; axis < 3; axis++)
    command->before.origin[axis] = before->origin[axis];
  cbd_cutout_shape_init (&command->after, item);
  if (shape_equal (&command->before, &command->after))
    {
      command_free (command);
      return;
    }
  cbd_cutout_history_push (self, command);
}

/* Gives @item a new name and geometry (the caller clamps it). */
void
cbd_cutout_history_change (CbdCutoutHistory *self,
                           CbdCutoutItem    *item,
                           const char       *name,
                           const gsize       origin[3],
                           gsize             edge)
{
  CbdCutoutShape before;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (CBD_IS_CUTOUT_ITEM (item));

  cbd_cutout_shape_init (&before, item);
  cbd_cutout_item_set_name (item, name);
  cbd_cutout_item_set_geometry (item, origin, edge);
  cbd_cutout_history_record_change (self, item, &before);
  cbd_cutout_shape_clear (&before);
}

gboolean
cbd_cutout_history_can_undo (CbdCutoutHistory *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), FALSE);
  return self->undo->len > 0;
}

gboolean
cbd_cutout_history_can_redo (CbdCutoutHistory *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), FALSE);
  return self->redo->len > 0;
}

gboolean
cbd_cutout_history_undo (CbdCutoutHistory *self)
{
  Command *command;

  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), FALSE);

  if (self->undo->len == 0)
    return FALSE;
  command = g_ptr_array_steal_index (self->undo, self->undo->len - 1);
  command_run (self, command, FALSE);
  g_ptr_array_add (self->redo, command);
  cbd_cutout_history_notify (self);
  return TRUE;
}

gboolean
cbd_cutout_history_redo (CbdCutoutHistory *self)
{
  Command *command;

  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), FALSE);

  if (self->redo->len == 0)
    return FALSE;
  command = g_ptr_array_steal_index (self->redo, self->redo->len - 1);
  command_run (self, command, TRUE);
  g_ptr_array_add (self->undo, command);
  cbd_cutout_history_notify (self);
  return TRUE;
}

/**
 * cbd_cutout_history_begin_group:
 *
 * Until the matching cbd_cutout_history_end_group(), edits are collected
 * into one command: one undo step, one #CbdCutoutHistory::changed at the
 * end. Groups nest; the outermost one counts.
 */
void
cbd_cutout_history_begin_group (CbdCutoutHistory *self)
{
  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));

  if (self->group_depth++ > 0)
    return;
  self->group = g_new0 (Command, 1);
  self->group->kind = COMMAND_GROUP;
  self->group->children = g_ptr_array_new_with_free_func (command_free);
}

void
cbd_cutout_history_end_group (CbdCutoutHistory *self)
{
  Command *group;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (self->group_depth > 0);

  if (--self->group_depth > 0)
    return;
  group = g_steal_pointer (&self->group);
  if (group->children->len == 0)
    {
      command_free (group);
      return;
    }
  cbd_cutout_history_push (self, group);
}

/**
 * cbd_cutout_history_push_custom:
 * @run: does (@forward TRUE) or undoes the edit
 * @data: for @run, freed with @destroy when the command is forgotten
 *
 * Does the edit now (@run with TRUE) and records it for undo.
 */
void
cbd_cutout_history_push_custom (CbdCutoutHistory *self,
                                CbdHistoryFunc    run,
                                gpointer          data,
                                GDestroyNotify    destroy)
{
  Command *command;

  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));
  g_return_if_fail (run != NULL);

  command = g_new0 (Command, 1);
  command->kind = COMMAND_CUSTOM;
  command->custom_run = run;
  command->custom_data = data;
  command->custom_destroy = destroy;
  command_run (self, command, TRUE);
  cbd_cutout_history_push (self, command);
}

/* Forgets every command (a new volume or project). */
void
cbd_cutout_history_clear (CbdCutoutHistory *self)
{
  g_return_if_fail (CBD_IS_CUTOUT_HISTORY (self));

  g_ptr_array_set_size (self->undo, 0);
  g_ptr_array_set_size (self->redo, 0);
  cbd_cutout_history_notify (self);
}

/* Returns: a number that changes with every edit, undo, redo and clear */
guint
cbd_cutout_history_get_serial (CbdCutoutHistory *self)
{
  g_return_val_if_fail (CBD_IS_CUTOUT_HISTORY (self), 0);
  return self->serial;
}
