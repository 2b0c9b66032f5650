/* cbd-camera.h — an orbiting camera for the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <graphene.h>

#include "cbd-volume.h"

G_BEGIN_DECLS

/* World space is the volume's: x right, y down, z into the stack, scaled so
 * the longest side of the box is 1. The camera looks at @target from
 * @distance along -@forward; @right, @up, @forward are orthonormal. */
typedef struct
{
  graphene_vec3_t right;
  graphene_vec3_t up;
  graphene_vec3_t forward;
  graphene_vec3_t target;
  float           distance;
  float           fov_degrees;
} CbdCamera;

void cbd_camera_reset         (CbdCamera             *camera,
                               const graphene_vec3_t *extent);
void cbd_camera_look_along    (CbdCamera             *camera,
                               CbdAxis                normal,
                               const graphene_vec3_t *extent);
void cbd_camera_orbit         (CbdCamera             *camera,
                               float                  yaw_radians,
                               float                  pitch_radians);
void cbd_camera_zoom          (CbdCamera             *camera,
                               float                  factor);
void cbd_camera_pan           (CbdCamera             *camera,
                               float                  dx,
                               float                  dy);
void cbd_camera_get_eye       (const CbdCamera       *camera,
                               graphene_vec3_t       *eye);
void cbd_camera_view_projection (const CbdCamera     *camera,
                                 float                aspect,
                                 graphene_matrix_t   *view_projection);

G_END_DECLS
