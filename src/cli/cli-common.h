/* cli-common.h — what every cbdscope-cli command shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-json.h"
#include "cbd-labels.h"
#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

/* Exit codes: 0 success, 1 failure of the operation (bad file, no
 * convergence…), 2 wrong usage. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

typedef int (*CliCommandFunc) (int argc, char **argv);

/* Parses @entries (plus --json and --help) for a command; on a usage error
 * prints it and returns FALSE. Leaves positional arguments in argc/argv. */
gboolean    cli_parse_options   (const char   *command,
                                 const char   *parameter_string,
                                 const char   *summary,
                                 GOptionEntry *entries,
                                 int          *argc,
                                 char       ***argv);

int         cli_fail            (const char   *command,
                                 GError       *error);
int         cli_usage_error     (const char   *command,
                                 const char   *format,
                                 ...) G_GNUC_PRINTF (2, 3);

/* Loads VOLUME (a TIFF, a folder of TIFFs, or raw when --raw is given) and
 * resolves the label map from --labels or the automatic guess. */
CbdVolume  *cli_load_volume     (const char   *path,
                                 const char   *raw_spec,
                                 GError      **error);
gboolean    cli_resolve_labels  (const CbdVolume *volume,
                                 const char      *labels_spec,
                                 CbdLabelMap     *map,
                                 guint64          counts[256],
                                 GError         **error);
/* "--phase pore|cbd|cam|VALUE" → the set of stored labels that conduct. */
gboolean    cli_phase_labels    (const char        *phase_spec,
                                 const CbdVolume   *volume,
                                 const CbdLabelMap *map,
                                 gboolean           conducting[256],
                                 int               *phase_value,
                                 GError           **error);
gboolean    cli_parse_size_list (const char   *text,
                                 guint         n_expected,
                                 gsize        *values,
                                 GError      **error);

/* Prints the finished JSON object on stdout with a trailing newline. */
void        cli_print_json      (CbdJsonWriter *writer);
/* A progress line on stderr when it is a terminal; a no-op otherwise. */
void        cli_progress        (const CbdProgress *progress,
                                 gpointer           user_data);

extern gboolean cli_json_output;

/* Commands, one file each. */
int cli_command_info      (int argc, char **argv);
int cli_command_synth     (int argc, char **argv);
int cli_command_solve     (int argc, char **argv);
int cli_command_fit       (int argc, char **argv);
int cli_command_partition (int argc, char **argv);
int cli_command_cutouts   (int argc, char **argv);
int cli_command_filter    (int argc, char **argv);
int cli_command_analyze   (int argc, char **argv);
int cli_command_psd       (int argc, char **argv);

G_END_DECLS
