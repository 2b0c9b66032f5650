/* main.c — cbdscope, the desktop app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cbd-application.h"

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

  application = cbd_application_new ();
  status = g_application_run (G_APPLICATION (application), argc, argv);
  if (status == 0)
    status = cbd_application_get_exit_status (application);
  return status;
}
