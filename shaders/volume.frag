// SPDX-License-Identifier: GPL-3.0-or-later
// Ray marching of a label volume: each sample's label picks a colour and an
// opacity per voxel length from the lookup texture; samples are composited
// front to back and a ray stops once it is nearly opaque. Surfaces are
// shaded by the gradient of opacity against a headlight. Inside the overlay
// box (a cutout), a voxel the overlay colours (its filter class or a field,
// a > 0) takes that colour and opacity instead of its label's.

in vec2 ndc;
out vec4 fragment_color;

uniform highp usampler3D labels;      // the stored labels, GL_R8UI
uniform sampler2D lut;                // 256 × 1: rgb colour, a = opacity per voxel
uniform mat4 inverse_view_projection; // clip space to world space
uniform vec3 extent;                  // the box in world units, from the origin
uniform vec3 clip_min;                // the part of the box that is drawn
uniform vec3 clip_max;
uniform vec3 voxel;                   // one texel in world units
uniform float step_length;            // world units between samples
uniform int max_steps;
uniform vec4 background;
uniform sampler3D overlay;            // RGBA8 over the overlay box, nearest
uniform bool overlay_shown;
uniform float overlay_opacity;        // scales the overlay's own alpha
uniform vec3 overlay_min;             // the overlay's box in world units
uniform vec3 overlay_max;

vec4
phase_at (vec3 position)
{
  uint label = texture (labels, position / extent).r;

  if (overlay_shown && all (greaterThanEqual (position, overlay_min)) &&
      all (lessThan (position, overlay_max)))
    {
      vec4 mark = texture (overlay, (position - overlay_min) / (overlay_max - overlay_min));

      if (mark.a * overlay_opacity > 0.0)
        return vec4 (mark.rgb, mark.a * overlay_opacity);
    }
  return texelFetch (lut, ivec2 (int (label), 0), 0);
}

float
opacity_at (vec3 position)
{
  return phase_at (position).a;
}

void
main ()
{
  vec4 near = inverse_view_projection * vec4 (ndc, -1.0, 1.0);
  vec4 far = inverse_view_projection * vec4 (ndc, 1.0, 1.0);
  vec3 origin = near.xyz / near.w;
  vec3 direction = normalize (far.xyz / far.w - origin);
  vec3 inverse_direction = 1.0 / direction;
  vec3 t0 = (clip_min - origin) * inverse_direction;
  vec3 t1 = (clip_max - origin) * inverse_direction;
  vec3 t_near = min (t0, t1);
  vec3 t_far = max (t0, t1);
  float t_enter = max (max (t_near.x, t_near.y), max (t_near.z, 0.0));
  float t_exit = min (min (t_far.x, t_far.y), t_far.z);
  float smallest_voxel = min (voxel.x, min (voxel.y, voxel.z));
  vec4 accumulated = vec4 (0.0);

  if (t_exit > t_enter)
    {
      float t = t_enter + 0.5 * step_length;

      for (int i = 0; i < max_steps && t < t_exit; i++)
        {
          vec3 position = origin + t * direction;
          vec4 phase = phase_at (position);

          if (phase.a > 0.0)
            {
              // Opacity is per voxel length: correct it for the step.
              float alpha = 1.0 - pow (1.0 - min (phase.a, 0.999), step_length / smallest_voxel);
              float weight = (1.0 - accumulated.a) * alpha;
              float shade = 1.0;

              if (weight > 0.02)
                {
                  vec3 gradient = vec3 (
                    opacity_at (position - vec3 (voxel.x, 0.0, 0.0)) - opacity_at (position + vec3 (voxel.x, 0.0, 0.0)),
                    opacity_at (position - vec3 (0.0, voxel.y, 0.0)) - opacity_at (position + vec3 (0.0, voxel.y, 0.0)),
                    opacity_at (position - vec3 (0.0, 0.0, voxel.z)) - opacity_at (position + vec3 (0.0, 0.0, voxel.z)));
                  float strength = length (gradient);

                  if (strength > 1e-3)
                    shade = 0.3 + 0.7 * abs (dot (gradient / strength, direction));
                }

              accumulated.rgb += weight * phase.rgb * shade;
              accumulated.a += weight;
              if (accumulated.a > 0.99)
                break;
            }
          t += step_length;
        }
    }

  fragment_color = accumulated + (1.0 - accumulated.a) * background;
}
