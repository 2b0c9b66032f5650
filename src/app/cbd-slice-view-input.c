/* cbd-slice-view-input.c — pointer and keys in a slice view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Primary click or drag moves the crosshair (or, with the add-cutout tool,
 * places and moves cutouts: cbd-slice-view-cutouts.c); wheel, Page Up/Down and the
 * arrow keys step through slices (Shift: ten at a time); Ctrl+wheel zooms
 * about the pointer; the middle button, or Space with the primary button,
 * pans.
 */
#define G_LOG_DOMAIN "cbd-slice-view"

#include "config.h"

#include <math.h>

#include "cbd-slice-view-cutouts.h"

#define ZOOM_STEP 1.25

/* Pans and zooms start from the scale on screen, so leave "fit" first. */
static void
cbd_slice_view_make_zoom_absolute (CbdSliceView *self)
{
  if (cbd_view_state_get_zoom (self->state) <= 0.0)
    cbd_view_state_set_zoom (self->state, cbd_slice_view_fit_scale (self));
}

/**
 * cbd_slice_view_zoom_at:
 * @x: widget coordinate that stays put
 * @factor: above 1 zooms in
 */
void
cbd_slice_view_zoom_at (CbdSliceView *self,
                        double        x,
                        double        y,
                        double        factor)
{
  double centre[3], scale, new_scale, half_width, half_height;

  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  if (!cbd_slice_view_has_volume (self) || !(factor > 0.0))
    return;

  scale = cbd_slice_view_get_scale (self);
  new_scale = cbd_view_state_clamp_zoom (self->state, scale * factor);
  half_width = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  half_height = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;

  /* The plane point under (x, y) before and after is the same. */
  cbd_view_state_get_centre (self->state, centre);
  centre[self->u_axis] += (x - half_width) * (1.0 / scale - 1.0 / new_scale);
  centre[self->v_axis] += (y - half_height) * (1.0 / scale - 1.0 / new_scale);
  cbd_view_state_set_centre (self->state, centre);
  cbd_view_state_set_zoom (self->state, new_scale);
}

/* Moves the picture by (dx, dy) logical pixels. */
void
cbd_slice_view_pan (CbdSliceView *self,
                    double        dx,
                    double        dy)
{
  g_return_if_fail (CBD_IS_SLICE_VIEW (self));

  if (!cbd_slice_view_has_volume (self))
    return;
  cbd_slice_view_begin_pan (self);
  cbd_slice_view_update_pan (self, dx, dy);
  self->panning = FALSE;
}

void
cbd_slice_view_begin_pan (CbdSliceView *self)
{
  cbd_slice_view_make_zoom_absolute (self);
  cbd_view_state_get_centre (self->state, self->pan_start_centre);
  self->pan_start_scale = cbd_slice_view_get_scale (self);
  self->panning = TRUE;
}

void
cbd_slice_view_update_pan (CbdSliceView *self,
                           double        offset_x,
                           double        offset_y)
{
  double centre[3];

  if (!self->panning)
    return;
  centre[0] = self->pan_start_centre[0];
  centre[1] = self->pan_start_centre[1];
  centre[2] = self->pan_start_centre[2];
  centre[self->u_axis] -= offset_x / self->pan_start_scale;
  centre[self->v_axis] -= offset_y / self->pan_start_scale;
  cbd_view_state_set_centre (self->state, centre);
}

static void
cbd_slice_view_move_crosshair_to (CbdSliceView *self,
                                  double        x,
                                  double        y)
{
  gsize position[3];
  gint64 target[3];

  if (!cbd_slice_view_point_to_voxel (self, x, y, position))
    return;
  for (guint axis = 0; axis < 3; axis++)
    target[axis] = (gint64) position[axis];
  cbd_view_state_set_crosshair (self->state, target);
}

static void
primary_drag_begin_cb (GtkGestureDrag *gesture,
                       double          x,
                       double          y,
                       CbdSliceView   *self)
{
  if (!cbd_slice_view_has_volume (self))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_start_x = x;
  self->drag_start_y = y;
  if (self->space_held)
    {
      cbd_slice_view_begin_pan (self);
      return;
    }
  if (cbd_view_state_get_tool (self->state) == CBD_TOOL_ADD_CUTOUT)
    {
      if (!cbd_slice_view_cutout_press (self, x, y))
        gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->dragging_crosshair = TRUE;
  cbd_slice_view_move_crosshair_to (self, x, y);
}

static void
primary_drag_update_cb (GtkGestureDrag *gesture,
                        double          offset_x,
                        double          offset_y,
                        CbdSliceView   *self)
{
  if (self->panning)
    cbd_slice_view_update_pan (self, offset_x, offset_y);
  else if (self->dragging_crosshair)
    cbd_slice_view_move_crosshair_to (self, self->drag_start_x + offset_x,
                                      self->drag_start_y + offset_y);
  else if (self->moving != NULL)
    cbd_slice_view_cutout_drag (self, self->drag_start_x + offset_x, self->drag_start_y + offset_y);
}

static void
primary_drag_end_cb (GtkGestureDrag *gesture,
                     double          offset_x,
                     double          offset_y,
                     CbdSliceView   *self)
{
  self->panning = FALSE;
  self->dragging_crosshair = FALSE;
  cbd_slice_view_cutout_release (self);
}

static void
middle_drag_begin_cb (GtkGestureDrag *gesture,
                      double          x,
                      double          y,
                      CbdSliceView   *self)
{
  if (!cbd_slice_view_has_volume (self))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  cbd_slice_view_begin_pan (self);
}

static void
middle_drag_update_cb (GtkGestureDrag *gesture,
                       double          offset_x,
                       double          offset_y,
                       CbdSliceView   *self)
{
  cbd_slice_view_update_pan (self, offset_x, offset_y);
}

static void
middle_drag_end_cb (GtkGestureDrag *gesture,
                    double          offset_x,
                    double          offset_y,
                    CbdSliceView   *self)
{
  self->panning = FALSE;
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           CbdSliceView             *self)
{
  GdkModifierType modifiers;
  double x, y;

  if (!cbd_slice_view_has_volume (self) || dy == 0.0)
    return FALSE;

  modifiers = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (modifiers & GDK_CONTROL_MASK)
    {
      x = self->pointer_inside ? self->pointer_x : gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      y = self->pointer_inside ? self->pointer_y : gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
      cbd_slice_view_zoom_at (self, x, y, pow (ZOOM_STEP, -dy));
      return TRUE;
    }

  /* Wheel down goes deeper, like the next page of the stack. */
  cbd_view_state_step (self->state, self->normal,
                       (dy > 0 ? 1 : -1) * ((modifiers & GDK_SHIFT_MASK) ? 10 : 1));
  return TRUE;
}

static void
cbd_slice_view_update_hover (CbdSliceView *self)
{
  gsize position[3];

  if (self->pointer_inside
      && cbd_slice_view_point_to_voxel (self, self->pointer_x, self->pointer_y, position))
    cbd_view_state_set_hover (self->state, position);
  else
    cbd_view_state_set_hover (self->state, NULL);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           CbdSliceView             *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (self->state != NULL)
    cbd_slice_view_update_hover (self);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          CbdSliceView             *self)
{
  self->pointer_inside = FALSE;
  if (self->state != NULL)
    cbd_view_state_set_hover (self->state, NULL);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CbdSliceView          *self)
{
  gint64 step = (state & GDK_SHIFT_MASK) ? 10 : 1;

  if (keyval == GDK_KEY_space)
    {
      self->space_held = TRUE;
      return TRUE;
    }
  if (!cbd_slice_view_has_volume (self) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      cbd_view_state_step (self->state, self->normal, step);
      return TRUE;
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      cbd_view_state_step (self->state, self->normal, -step);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 CbdSliceView          *self)
{
  if (keyval == GDK_KEY_space)
    self->space_held = FALSE;
}

void
cbd_slice_view_init_input (CbdSliceView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkGesture *drag;
  GtkEventController *controller;

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (primary_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (primary_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (primary_drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_MIDDLE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (middle_drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (middle_drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (middle_drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL
                                                | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (widget, controller);
}
