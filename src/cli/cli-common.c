/* cli-common.c — what every cbdscope-cli command shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cbd-io.h"
#include "cli-common.h"

gboolean cli_json_output = FALSE;

gboolean
cli_parse_options (const char   *command,
                   const char   *parameter_string,
                   const char   *summary,
                   GOptionEntry *entries,
                   int          *argc,
                   char       ***argv)
{
  const GOptionEntry common_entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli_json_output,
      "Print one JSON object on standard output", NULL },
    { NULL }
  };
  g_autofree char *title = g_strdup_printf ("%s %s", command, parameter_string);
  g_autoptr(GOptionContext) context = g_option_context_new (title);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common_entries, NULL);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("cbdscope-cli %s: %s\nTry “cbdscope-cli %s --help”.\n",
                  command, error->message, command);
      return FALSE;
    }
  return TRUE;
}

int
cli_fail (const char *command,
          GError     *error)
{
  g_printerr ("cbdscope-cli %s: %s\n", command, error->message);
  return CLI_EXIT_FAILURE;
}

int
cli_usage_error (const char *command,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("cbdscope-cli %s: %s\nTry “cbdscope-cli %s --help”.\n", command, message, command);
  return CLI_EXIT_USAGE;
}

/* "A,B,C" of exactly @n_expected unsigned integers. */
gboolean
cli_parse_size_list (const char *text,
                     guint       n_expected,
                     gsize      *values,
                     GError    **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) != n_expected)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "“%s” should be %u comma-separated whole numbers", text, n_expected);
      return FALSE;
    }
  for (guint i = 0; i < n_expected; i++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, G_MAXSIZE, &value, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "“%s” in “%s” is not a whole number", parts[i], text);
          return FALSE;
        }
      values[i] = value;
    }
  return TRUE;
}

/* --raw NX,NY,NZ[:u8|u16le|u16be] */
static CbdVolume *
load_raw (const char *path, const char *raw_spec, GError **error)
{
  CbdRawType type;
  gsize dims[3];

  if (!cbd_raw_layout_parse (raw_spec, dims, &type, error))
    return NULL;
  return cbd_raw_read (path, dims, type, NULL, error);
}

CbdVolume *
cli_load_volume (const char *path,
                 const char *raw_spec,
                 GError    **error)
{
  if (raw_spec != NULL)
    return load_raw (path, raw_spec, error);
  return cbd_volume_load (path, NULL, cli_progress, (gpointer) "Loading", error);
}

gboolean
cli_resolve_labels (const CbdVolume *volume,
                    const char      *labels_spec,
                    CbdLabelMap     *map,
                    guint64          counts[256],
                    GError         **error)
{
  cbd_volume_histogram (volume, counts);
  return cbd_label_map_resolve (map, labels_spec, volume, counts, error);
}

gboolean
cli_phase_labels (const char        *phase_spec,
                  const CbdVolume   *volume,
                  const CbdLabelMap *map,
                  gboolean           conducting[256],
                  int               *phase_value,
                  GError           **error)
{
  CbdPhase phase;
  guint64 raw;

  for (guint label = 0; label < 256; label++)
    conducting[label] = FALSE;
  *phase_value = -1;

  if (cbd_phase_from_string (phase_spec, &phase))
    {
      for (guint label = 0; label < 256; label++)
        if (map->phase[label] == phase)
          {
            conducting[label] = TRUE;
            if (*phase_value < 0)
              *phase_value = volume->source_value[label];
          }
      if (*phase_value < 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "No label value is mapped to the phase “%s”", phase_spec);
          return FALSE;
        }
      return TRUE;
    }

  if (g_ascii_string_to_unsigned (phase_spec, 10, 0, 65535, &raw, NULL))
    {
      for (guint label = 0; label < 256; label++)
        if (volume->source_value[label] == raw && (label == raw || volume->remapped))
          {
            conducting[label] = TRUE;
            *phase_value = raw;
            return TRUE;
          }
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "Unknown phase “%s”: use pore, cbd, cam or a label value present in the volume",
               phase_spec);
  return FALSE;
}

void
cli_print_json (CbdJsonWriter *writer)
{
  g_autofree char *text = cbd_json_writer_free_to_string (writer);

  g_print ("%s\n", text);
}

/* user_data: a prefix for the line. Redraws in place at most every 1 %. */
void
cli_progress (const CbdProgress *progress,
              gpointer           user_data)
{
  static int last_percent = -1;
  int percent;

  if (!isatty (STDERR_FILENO))
    return;
  percent = progress->fraction < 0 ? -1 : (int) (progress->fraction * 100.0 + 0.5);
  if (percent == last_percent && percent < 100)
    return;
  last_percent = percent;

  if (percent < 0)
    fprintf (stderr, "\r\033[K%s: %s…", (const char *) user_data, progress->stage);
  else
    fprintf (stderr, "\r\033[K%s: %s %3d %%", (const char *) user_data, progress->stage, percent);
  if (percent >= 100)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
}
