/* cbd-slice-view-cutouts.c — cutouts in a slice view: their outlines, and
 * placing and moving them with the add-cutout tool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A cutout is outlined where it cuts the shown plane: green while it holds
 * no CAM voxel, red (with the count) otherwise, thicker when selected.
 * With the tool, a press on an outlined cutout picks it up and a drag
 * moves it within the plane; a press elsewhere adds a cube of the default
 * edge centred there (which the same drag then moves). Each press makes
 * one undo step.
 */
#define G_LOG_DOMAIN "cbd-slice-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cbd-slice-view-cutouts.h"
#include "cbd-view-labels.h"

static const GdkRGBA cam_free_color = { 0.2f, 0.82f, 0.48f, 1.0f };
static const GdkRGBA has_cam_color = { 0.88f, 0.11f, 0.14f, 1.0f };
static const GdkRGBA counting_color = { 0.6f, 0.6f, 0.6f, 1.0f };

/* Whether @item cuts the plane at the crosshair. */
static gboolean
cuts_plane (CbdSliceView  *self,
            CbdCutoutItem *item)
{
  gsize crosshair[3], origin[3];

  cbd_view_state_get_crosshair (self->state, crosshair);
  cbd_cutout_item_get_origin (item, origin);
  return crosshair[self->normal] >= origin[self->normal]
         && crosshair[self->normal] < origin[self->normal] + cbd_cutout_item_get_edge (item);
}

static void
snapshot_cutout (CbdSliceView  *self,
                 GtkSnapshot   *snapshot,
                 CbdCutoutItem *item,
                 gboolean       selected)
{
  gsize origin[3], edge = cbd_cutout_item_get_edge (item);
  gint64 cam_count = cbd_cutout_item_get_cam_count (item);
  const GdkRGBA *color;
  double left, top, right, bottom;
  float width = selected ? 3.0f : 2.0f;
  GskRoundedRect outline;
  g_autofree char *label = NULL;

  cbd_cutout_item_get_origin (item, origin);
  cbd_slice_view_voxel_to_point (self, origin[self->u_axis], origin[self->v_axis], &left, &top);
  cbd_slice_view_voxel_to_point (self, origin[self->u_axis] + edge, origin[self->v_axis] + edge,
                                 &right, &bottom);

  if (cbd_cutout_item_get_computing (item) || cam_count < 0)
    color = &counting_color;
  else
    color = cam_count == 0 ? &cam_free_color : &has_cam_color;

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (left, top, right - left, bottom - top), 0);
  gtk_snapshot_append_border (snapshot, &outline,
                              (float[4]) { width, width, width, width },
                              (GdkRGBA[4]) { *color, *color, *color, *color });

  if (cam_count > 0)
    /* Translators: a cutout's name and how many CAM voxels it holds */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %lld CAM voxel", "%s: %lld CAM voxels",
                                          (gulong) MIN (cam_count, G_MAXLONG)),
                             cbd_cutout_item_get_name (item), (long long) cam_count);
  else
    label = g_strdup (cbd_cutout_item_get_name (item));
  cbd_view_labels_append_text (GTK_WIDGET (self), snapshot, label, left + 4, top + 4, FALSE);
}

void
cbd_slice_view_snapshot_cutouts (CbdSliceView *self,
                                 GtkSnapshot  *snapshot)
{
  CbdCutoutList *cutouts = cbd_view_state_get_cutouts (self->state);
  CbdCutoutItem *selected = cbd_view_state_get_selected_cutout (self->state);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (cutouts));

  for (guint i = 0; i < n_items; i++)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (cutouts, i);

      if (item != selected && cuts_plane (self, item))
        snapshot_cutout (self, snapshot, item, FALSE);
    }
  /* The selected one on top. */
  if (selected != NULL && cuts_plane (self, selected))
    snapshot_cutout (self, snapshot, selected, TRUE);
}

/* The topmost cutout under widget point (x, y), preferring the selected. */
static CbdCutoutItem *
cutout_at (CbdSliceView *self,
           const gsize   position[3])
{
  CbdCutoutList *cutouts = cbd_view_state_get_cutouts (self->state);
  CbdCutoutItem *selected = cbd_view_state_get_selected_cutout (self->state);

  if (selected != NULL && cbd_cutout_item_contains (selected, position))
    return selected;
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (cutouts)); i-- > 0;)
    {
      CbdCutoutItem *item = cbd_cutout_list_get (cutouts, i);

      if (cbd_cutout_item_contains (item, position))
        return item;
    }
  return NULL;
}

/* Returns: whether the press started placing or moving a cutout */
gboolean
cbd_slice_view_cutout_press (CbdSliceView *self,
                             double        x,
                             double        y)
{
  gsize position[3];
  CbdCutoutItem *item;

  if (!cbd_slice_view_point_to_voxel (self, x, y, position))
    return FALSE;

  item = cutout_at (self, position);
  self->moving_added = item == NULL;
  if (item == NULL)
    item = cbd_view_state_add_cutout_at (self->state, position);
  if (item == NULL)
    return FALSE;

  cbd_view_state_set_selected_cutout (self->state, item);
  g_set_object (&self->moving, item);
  cbd_cutout_shape_clear (&self->moving_before);
  cbd_cutout_shape_init (&self->moving_before, item);
  cbd_cutout_item_get_origin (item, self->moving_origin);
  cbd_slice_view_point_to_plane (self, x, y, &self->moving_start[0], &self->moving_start[1]);
  return TRUE;
}

void
cbd_slice_view_cutout_drag (CbdSliceView *self,
                            double        x,
                            double        y)
{
  CbdCutoutList *cutouts = cbd_view_state_get_cutouts (self->state);
  double u, v;
  gint64 wanted[3];
  gsize origin[3], edge;

  if (self->moving == NULL || !cbd_slice_view_point_to_plane (self, x, y, &u, &v))
    return;

  for (guint axis = 0; axis < 3; axis++)
    wanted[axis] = (gint64) self->moving_origin[axis];
  wanted[self->u_axis] += (gint64) floor (u) - (gint64) floor (self->moving_start[0]);
  wanted[self->v_axis] += (gint64) floor (v) - (gint64) floor (self->moving_start[1]);
  if (cbd_cutout_list_clamp (cutouts, wanted, cbd_cutout_item_get_edge (self->moving), origin, &edge))
    cbd_cutout_item_set_geometry (self->moving, origin, edge);
}

void
cbd_slice_view_cutout_release (CbdSliceView *self)
{
  if (self->moving == NULL)
    return;
  /* A cutout added by this press is recorded by its add, final place and all. */
  if (!self->moving_added)
    cbd_cutout_history_record_change (cbd_view_state_get_history (self->state), self->moving,
                                      &self->moving_before);
  g_clear_object (&self->moving);
  cbd_cutout_shape_clear (&self->moving_before);
}
