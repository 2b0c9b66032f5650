// SPDX-License-Identifier: GPL-3.0-or-later

in vec4 line_color;
out vec4 fragment_color;

void
main ()
{
  fragment_color = line_color;
}
