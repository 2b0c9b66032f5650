/* cbd-software-gl.h — draw windows with cairo when OpenGL is a software
 * rasteriser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean  cbd_software_gl_is_software_renderer (const char *gl_renderer);
char     *cbd_software_gl_probe_renderer       (GdkDisplay *display);
gboolean  cbd_software_gl_choose_renderer      (GdkDisplay *display);

G_END_DECLS
