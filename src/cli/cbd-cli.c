/* cbd-cli.c — cbdscope-cli: the headless twin of the desktop app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli-common.h"

typedef struct
{
  const char     *name;
  CliCommandFunc  run;
  const char     *summary;
} CliCommand;

/* One line per command; each lives in cli-NAME.c. */
static const CliCommand commands[] = {
  { "info",  cli_command_info,  "Dimensions, voxel size and phase fractions of a volume" },
  { "synth", cli_command_synth, "Generate a synthetic three-phase FIB-SEM-like volume" },
  { "solve", cli_command_solve, "Relative conductivity and tortuosity of a phase along x, y, z" },
  { "fit",   cli_command_fit,   "Fit sigma_rel = gamma * eps^alpha to a CSV of points" },
  { "partition", cli_command_partition, "Split a phase into individual pores (SNOW watershed)" },
  { "cutouts", cli_command_cutouts, "CAM-free cube positions and a well-spread choice of cutouts" },
  { "filter", cli_command_filter, "Retained CBD pores vs macropores of a cutout (envelope partition + filter)" },
  { "analyze", cli_command_analyze, "The whole study: cutouts, transport, filter, PSD, fit, tables and figures" },
  { "psd",   cli_command_psd,   "Pore size distribution: simulated mercury intrusion and local thickness" },
};

static void
print_help (void)
{
  g_print ("Usage: cbdscope-cli COMMAND [OPTION…]\n\n"
           "Quantify the carbon-binder domain of battery electrodes from segmented stacks.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-10s %s\n", commands[i].name, commands[i].summary);
  g_print ("\nEvery command takes --json and --help. Labels: --labels pore=0,cbd=170,cam=85;\n"
           "with no map and exactly three values, ascending values are pore, CBD, CAM.\n");
}

int
main (int argc, char **argv)
{
  /* Numbers are printed in the C locale anyway; messages may be translated. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  gsl_set_error_handler_off ();

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_help ();
      return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("cbdscope-cli %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("cbdscope-cli: unknown command “%s”. Try “cbdscope-cli --help”.\n", argv[1]);
  return CLI_EXIT_USAGE;
}
