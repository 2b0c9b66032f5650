/* cli-cutouts.c — `cbdscope-cli cutouts VOLUME [--size 128] [--count N]`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include "cbd-cutouts.h"
#include "cli-common.h"

static void
cam_labels (const CbdLabelMap *map, gboolean forbidden[256])
{
  for (guint label = 0; label < 256; label++)
    forbidden[label] = (map->phase[label] == CBD_PHASE_CAM);
}

static void
write_cam_values (CbdJsonWriter *writer, const CbdVolume *volume, const gboolean forbidden[256])
{
  cbd_json_key (writer, "cam_values");
  cbd_json_begin_array (writer);
  for (guint label = 0; label < 256; label++)
    if (forbidden[label])
      cbd_json_int (writer, volume->source_value[label]);
  cbd_json_end_array (writer);
}

/* --cutouts FILE: read a user's list, check it fits, count CAM in each. */
static int
check_list (const CbdVolume *volume, const gboolean forbidden[256], const char *path, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cutouts = cbd_cutouts_load (path, volume->dims, size, &error);
  guint n_clean = 0;

  if (cutouts == NULL)
    return cli_fail ("cutouts", error);

  if (cli_json_output)
    {
      CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "size", (gint64) size);
      write_cam_values (writer, volume, forbidden);
      cbd_json_key (writer, "cutouts");
      cbd_json_begin_array (writer);
      for (guint i = 0; i < cutouts->len; i++)
        {
          const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);
          gsize box[3] = { cutout->size, cutout->size, cutout->size };
          guint64 cam = cbd_cutouts_count_forbidden (volume, forbidden, cutout->origin, box);

          cbd_json_begin_object (writer);
          cbd_json_key (writer, "origin");
          cbd_json_begin_array (writer);
          for (guint axis = 0; axis < 3; axis++)
            cbd_json_int (writer, (gint64) cutout->origin[axis]);
          cbd_json_end_array (writer);
          cbd_json_member_int (writer, "size", (gint64) cutout->size);
          if (cutout->name != NULL)
            cbd_json_member_string (writer, "name", cutout->name);
          cbd_json_member_int (writer, "cam_voxels", (gint64) cam);
          cbd_json_end_object (writer);
          n_clean += (cam == 0);
        }
      cbd_json_end_array (writer);
      cbd_json_member_int (writer, "cam_free", n_clean);
      cbd_json_end_object (writer);
      cli_print_json (writer);
      return CLI_EXIT_OK;
    }

  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);
      gsize box[3] = { cutout->size, cutout->size, cutout->size };
      guint64 cam = cbd_cutouts_count_forbidden (volume, forbidden, cutout->origin, box);

      g_print ("%6" G_GSIZE_FORMAT " %6" G_GSIZE_FORMAT " %6" G_GSIZE_FORMAT "  edge %" G_GSIZE_FORMAT
               "  %" G_GUINT64_FORMAT " CAM voxels%s%s\n", cutout->origin[0], cutout->origin[1],
               cutout->origin[2], cutout->size, cam, cutout->name != NULL ? "  " : "",
               cutout->name != NULL ? cutout->name : "");
      n_clean += (cam == 0);
    }
  g_print ("%u of %u cutouts hold no CAM\n", n_clean, cutouts->len);
  return CLI_EXIT_OK;
}

int
cli_command_cutouts (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL, *raw_spec = NULL, *list_path = NULL;
  gint64 size = 128, count = 0, min_gap = 0;
  int n_threads = 0;
  GOptionEntry entries[] = {
    { "size", 's', 0, G_OPTION_ARG_INT64, &size, "Cube edge in voxels (default 128)", "N" },
    { "count", 'n', 0, G_OPTION_ARG_INT64, &count,
      "How many well-spread cutouts to pick (default 0: as many as fit)", "N" },
    { "min-gap", 0, 0, G_OPTION_ARG_INT64, &min_gap,
      "Voxels between two cutouts along at least one axis (default 0)", "G" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec,
      "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "cutouts", 0, 0, G_OPTION_ARG_FILENAME, &list_path,
      "Check a CSV or JSON list of origins instead: CAM voxels in each", "FILE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per processor)", "N" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdFreeOrigins) free_origins = NULL;
  g_autoptr(GArray) cutouts = NULL;
  CbdLabelMap map;
  guint64 counts[256];
  gboolean forbidden[256];
  gint64 start;
  double seconds;

  if (!cli_parse_options ("cutouts", "VOLUME", "Find every position where a cube of the given edge "
                          "holds no CAM voxel and pick well-spread, non-overlapping cubes among "
                          "them (farthest-point order), or check a list of cutouts.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("cutouts", "expected one VOLUME");
  if (size < 1)
    return cli_usage_error ("cutouts", "--size must be at least 1");
  if (count < 0 || count > G_MAXUINT)
    return cli_usage_error ("cutouts", "--count must lie between 0 and %u", G_MAXUINT);
  if (min_gap < 0)
    return cli_usage_error ("cutouts", "--min-gap must not be negative");
  if (n_threads < 0)
    return cli_usage_error ("cutouts", "--threads must not be negative");

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL)
    return cli_fail ("cutouts", error);
  if (!cli_resolve_labels (volume, labels_spec, &map, counts, &error))
    return cli_fail ("cutouts", error);
  cam_labels (&map, forbidden);

  if (list_path != NULL)
    return check_list (volume, forbidden, list_path, (gsize) size);

  start = g_get_monotonic_time ();
  free_origins = cbd_free_origins_find (volume, forbidden, (gsize) size, (guint) n_threads, NULL,
                                        cli_progress, (gpointer) "Cutouts", &error);
  if (free_origins != NULL)
    cutouts = cbd_free_origins_select (free_origins, (guint) count, (gsize) min_gap, NULL, &error);
  if (cutouts == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_fail ("cutouts", error);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  if (cli_json_output)
    {
      CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "size", size);
      write_cam_values (writer, volume, forbidden);
      cbd_json_member_int (writer, "free_positions", (gint64) free_origins->n_free);
      cbd_json_key (writer, "requested");
      if (count > 0)
        cbd_json_int (writer, count);
      else
        cbd_json_null (writer);
      cbd_json_member_int (writer, "found", cutouts->len);
      cbd_json_member_int (writer, "min_gap", min_gap);
      cbd_json_member_double (writer, "seconds", seconds);
      cbd_json_key (writer, "cutouts");
      cbd_cutouts_write_json (cutouts, writer);
      cbd_json_end_object (writer);
      cli_print_json (writer);
      return CLI_EXIT_OK;
    }

  g_print ("%" G_GUINT64_FORMAT " CAM-free positions for a cube of %" G_GINT64_FORMAT " voxels "
           "(%.2f s)\n", free_origins->n_free, size, seconds);
  if (count > 0 && cutouts->len < count)
    g_print ("only %u non-overlapping cutouts fit (%" G_GINT64_FORMAT " requested):\n",
             cutouts->len, count);
  else
    g_print ("%u cutouts, origins x y z:\n", cutouts->len);
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);

      g_print ("%6" G_GSIZE_FORMAT " %6" G_GSIZE_FORMAT " %6" G_GSIZE_FORMAT "\n",
               cutout->origin[0], cutout->origin[1], cutout->origin[2]);
    }
  return CLI_EXIT_OK;
}
