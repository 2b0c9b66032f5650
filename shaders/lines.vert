// SPDX-License-Identifier: GPL-3.0-or-later
// Outlines in world space: the box, the slice planes, the cutouts.

in vec3 position;
in vec4 color;
out vec4 line_color;

uniform mat4 view_projection;

void
main ()
{
  line_color = color;
  gl_Position = view_projection * vec4 (position, 1.0);
}
