/* cbd-software-gl.c — draw windows with cairo when OpenGL is a software
 * rasteriser
 *
 * GTK 4.8 draws windows with OpenGL whenever a context can be made, even
 * when that is Mesa's llvmpipe (no GPU: remote X, VNC, virtual machines,
 * the CI's Xvfb). Its GL renderer then repaints the whole window for every
 * frame, 60-70 ms at 1200 × 800 on two cores, so the window stutters while
 * the cairo renderer redraws only what changed (about 7 ms for a plot
 * update). The 3D view keeps using OpenGL in its own context either way.
 * GSK_RENDERER set by the user always wins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-software-gl"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "cbd-software-gl.h"

/* Mesa's software rasterisers name themselves in GL_RENDERER. */
gboolean
cbd_software_gl_is_software_renderer (const char *gl_renderer)
{
  static const char *const software[] = { "llvmpipe", "softpipe", "swrast", "SWR" };

  if (gl_renderer == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (gl_renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* The GL_RENDERER string of a context on @display, or NULL without GL. */
char *
cbd_software_gl_probe_renderer (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  char *renderer;

  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("no OpenGL: %s", error != NULL ? error->message : "unknown reason");
      return NULL;
    }
  gdk_gl_context_make_current (context);
  name = (const char *) glGetString (GL_RENDERER);
  renderer = g_strdup (name);
  gdk_gl_context_clear_current ();
  return renderer;
}

/* Chooses cairo for the windows on a software GL, before any window is
 * realised; TRUE when it did. */
gboolean
cbd_software_gl_choose_renderer (GdkDisplay *display)
{
  g_autofree char *renderer = NULL;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;
  renderer = cbd_software_gl_probe_renderer (display);
  if (!cbd_software_gl_is_software_renderer (renderer))
    return FALSE;
  g_debug ("OpenGL is %s (software): windows draw with cairo, "
           "set GSK_RENDERER=gl to override", renderer);
  /* The caller runs this before any window exists and before other
   * threads start; GSK reads the variable when the first window realises
   * its renderer. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  return TRUE;
}
