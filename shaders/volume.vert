// SPDX-License-Identifier: GPL-3.0-or-later
// One triangle covering the viewport; the fragment shader casts the rays.

out vec2 ndc;

void
main ()
{
  vec2 position = vec2 (gl_VertexID == 1 ? 3.0 : -1.0, gl_VertexID == 2 ? 3.0 : -1.0);

  ndc = position;
  gl_Position = vec4 (position, 0.0, 1.0);
}
