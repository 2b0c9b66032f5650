/* main.c — cbdscope, the desktop app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cbd-application.h"
#include "cbd-software-gl.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CbdApplication) application = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Before GApplication starts its D-Bus thread: the choice may set
   * GSK_RENDERER, and the environment is not safe to change once threads
   * run. Without a display GtkApplication reports the problem itself. */
  if (gtk_init_check ())
    cbd_software_gl_choose_renderer (gdk_display_get_default ());

  application = cbd_application_new ();
  status = g_application_run (G_APPLICATION (application), argc, argv);
  if (status == 0)
    status = cbd_application_get_exit_status (application);
  return status;
}
