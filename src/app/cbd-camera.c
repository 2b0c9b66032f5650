/* cbd-camera.c — an orbiting camera for the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The orientation is kept as an orthonormal basis rather than yaw and
 * pitch about a fixed up axis, so the axis presets (which look straight
 * along an axis) and orbiting over the poles need no special cases.
 */
#define G_LOG_DOMAIN "cbd-camera"

#include "config.h"

#include <math.h>

#include "cbd-camera.h"

#define MIN_DISTANCE 0.05f
#define MAX_DISTANCE 50.0f

static void
cbd_camera_set_basis (CbdCamera             *camera,
                      const graphene_vec3_t *forward,
                      const graphene_vec3_t *up)
{
  graphene_vec3_normalize (forward, &camera->forward);
  /* right = forward × up, then up again to make the three orthonormal. */
  graphene_vec3_cross (&camera->forward, up, &camera->right);
  graphene_vec3_normalize (&camera->right, &camera->right);
  graphene_vec3_cross (&camera->right, &camera->forward, &camera->up);
  graphene_vec3_normalize (&camera->up, &camera->up);
}

/* Far enough back to see the whole box with the field of view. */
static void
cbd_camera_frame (CbdCamera             *camera,
                  const graphene_vec3_t *extent)
{
  float half_diagonal = graphene_vec3_length (extent) / 2.0f;

  graphene_vec3_scale (extent, 0.5f, &camera->target);
  camera->fov_degrees = 30.0f;
  camera->distance = half_diagonal / sinf (camera->fov_degrees / 2.0f * (float) G_PI / 180.0f) * 1.05f;
}

/* Along a plane's normal, seeing it as the slice view does: XY with x
 * right and y down, XZ with x right and z down, YZ with z right and y down. */
void
cbd_camera_look_along (CbdCamera             *camera,
                       CbdAxis                normal,
                       const graphene_vec3_t *extent)
{
  graphene_vec3_t forward, up;

  switch (normal)
    {
    case CBD_AXIS_X:
      graphene_vec3_init (&forward, -1.0f, 0.0f, 0.0f);
      graphene_vec3_init (&up, 0.0f, -1.0f, 0.0f);
      break;
    case CBD_AXIS_Y:
      graphene_vec3_init (&forward, 0.0f, -1.0f, 0.0f);
      graphene_vec3_init (&up, 0.0f, 0.0f, -1.0f);
      break;
    case CBD_AXIS_Z:
    default:
      graphene_vec3_init (&forward, 0.0f, 0.0f, 1.0f);
      graphene_vec3_init (&up, 0.0f, -1.0f, 0.0f);
      break;
    }
  cbd_camera_set_basis (camera, &forward, &up);
  cbd_camera_frame (camera, extent);
}

/* An oblique view of the whole box, three faces showing. */
void
cbd_camera_reset (CbdCamera             *camera,
                  const graphene_vec3_t *extent)
{
  cbd_camera_look_along (camera, CBD_AXIS_Z, extent);
  cbd_camera_orbit (camera, -0.6f, 0.45f);
}

static void
rotate_about (graphene_vec3_t       *vector,
              const graphene_vec3_t *axis,
              float                  radians)
{
  graphene_matrix_t rotation;
  graphene_vec3_t result;

  graphene_matrix_init_rotate (&rotation, radians * 180.0f / (float) G_PI, axis);
  graphene_matrix_transform_vec3 (&rotation, vector, &result);
  *vector = result;
}

/* Turns the camera about the target: @yaw_radians about the screen's up,
 * @pitch_radians about the screen's right axis. */
void
cbd_camera_orbit (CbdCamera *camera,
                  float      yaw_radians,
                  float      pitch_radians)
{
  graphene_vec3_t up = camera->up, right = camera->right, forward = camera->forward;

  rotate_about (&forward, &up, yaw_radians);
  rotate_about (&right, &up, yaw_radians);
  rotate_about (&forward, &right, pitch_radians);
  rotate_about (&up, &right, pitch_radians);
  cbd_camera_set_basis (camera, &forward, &up);
}

/* @factor above 1 moves closer. */
void
cbd_camera_zoom (CbdCamera *camera,
                 float      factor)
{
  if (factor > 0.0f)
    camera->distance = CLAMP (camera->distance / factor, MIN_DISTANCE, MAX_DISTANCE);
}

/* Moves the target by (@dx, @dy) in units of the visible height at the
 * target, so a drag across the view moves the picture with the pointer. */
void
cbd_camera_pan (CbdCamera *camera,
                float      dx,
                float      dy)
{
  float visible = 2.0f * camera->distance * tanf (camera->fov_degrees / 2.0f * (float) G_PI / 180.0f);
  graphene_vec3_t shift;

  graphene_vec3_scale (&camera->right, -dx * visible, &shift);
  graphene_vec3_add (&camera->target, &shift, &camera->target);
  graphene_vec3_scale (&camera->up, dy * visible, &shift);
  graphene_vec3_add (&camera->target, &shift, &camera->target);
}

void
cbd_camera_get_eye (const CbdCamera *camera,
                    graphene_vec3_t *eye)
{
  graphene_vec3_t back;

  graphene_vec3_scale (&camera->forward, -camera->distance, &back);
  graphene_vec3_add (&camera->target, &back, eye);
}

/* World to clip space, the OpenGL way (camera looking down -z, depth -1..1).
 * Built here rather than with graphene's look-at and perspective helpers
 * so the convention is plain: graphene multiplies row vectors (v M), and
 * its row-major floats are the column-major matrix GLSL's M v expects. */
void
cbd_camera_view_projection (const CbdCamera   *camera,
                            float              aspect,
                            graphene_matrix_t *view_projection)
{
  graphene_matrix_t view, projection;
  graphene_vec3_t eye;
  float r[3], u[3], f[3];
  float focal = 1.0f / tanf (camera->fov_degrees / 2.0f * (float) G_PI / 180.0f);
  float near = MAX (camera->distance * 0.01f, 1e-3f);
  float far = camera->distance + 10.0f;

  cbd_camera_get_eye (camera, &eye);
  graphene_vec3_to_float (&camera->right, r);
  graphene_vec3_to_float (&camera->up, u);
  graphene_vec3_to_float (&camera->forward, f);
  graphene_matrix_init_from_float (&view, (float[16]) {
    r[0], u[0], -f[0], 0.0f,
    r[1], u[1], -f[1], 0.0f,
    r[2], u[2], -f[2], 0.0f,
    -graphene_vec3_dot (&eye, &camera->right),
    -graphene_vec3_dot (&eye, &camera->up),
    graphene_vec3_dot (&eye, &camera->forward),
    1.0f,
  });
  aspect = MAX (aspect, 1e-3f);
  graphene_matrix_init_from_float (&projection, (float[16]) {
    focal / aspect, 0.0f, 0.0f, 0.0f,
    0.0f, focal, 0.0f, 0.0f,
    0.0f, 0.0f, (far + near) / (near - far), -1.0f,
    0.0f, 0.0f, 2.0f * far * near / (near - far), 0.0f,
  });
  graphene_matrix_multiply (&view, &projection, view_projection);
}
