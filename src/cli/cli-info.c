/* cli-info.c — `cbdscope-cli info VOLUME`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include "cli-common.h"

static void
print_json (const CbdVolume *volume, const CbdLabelMap *map, const guint64 counts[256])
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
  double n_voxels = cbd_volume_n_voxels (volume);

  cbd_json_begin_object (writer);
  cbd_json_key (writer, "dims");
  cbd_json_begin_array (writer);
  for (guint axis = 0; axis < 3; axis++)
    cbd_json_int (writer, volume->dims[axis]);
  cbd_json_end_array (writer);
  cbd_json_key (writer, "voxel_size_nm");
  cbd_json_begin_array (writer);
  for (guint axis = 0; axis < 3; axis++)
    cbd_json_double (writer, volume->voxel_nm[axis]);
  cbd_json_end_array (writer);
  cbd_json_key (writer, "labels");
  cbd_json_begin_array (writer);
  for (guint label = 0; label < 256; label++)
    {
      if (counts[label] == 0)
        continue;
      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "value", volume->source_value[label]);
      cbd_json_member_string (writer, "phase", cbd_phase_to_string (map->phase[label]));
      cbd_json_member_int (writer, "voxels", counts[label]);
      cbd_json_member_double (writer, "fraction", counts[label] / n_voxels);
      cbd_json_end_object (writer);
    }
  cbd_json_end_array (writer);
  cbd_json_end_object (writer);
  cli_print_json (writer);
}

static void
print_text (const char *path, const CbdVolume *volume, const CbdLabelMap *map,
            const guint64 counts[256])
{
  double n_voxels = cbd_volume_n_voxels (volume);
  g_autofree char *spec = cbd_label_map_to_string (map, volume);

  g_print ("%s\n", path);
  g_print ("  size        %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " voxels\n",
           volume->dims[0], volume->dims[1], volume->dims[2]);
  g_print ("  voxel size  %g × %g × %g nm\n",
           volume->voxel_nm[0], volume->voxel_nm[1], volume->voxel_nm[2]);
  g_print ("  extent      %.3f × %.3f × %.3f µm\n",
           volume->dims[0] * volume->voxel_nm[0] / 1000.0,
           volume->dims[1] * volume->voxel_nm[1] / 1000.0,
           volume->dims[2] * volume->voxel_nm[2] / 1000.0);
  g_print ("  label map   %s\n", spec);
  for (guint label = 0; label < 256; label++)
    if (counts[label] > 0)
      g_print ("  value %5u  %-5s  %6.2f %%\n", volume->source_value[label],
               cbd_phase_to_string (map->phase[label]), 100.0 * counts[label] / n_voxels);
}

int
cli_command_info (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL;
  g_autofree char *raw_spec = NULL;
  GOptionEntry entries[] = {
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec,
      "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec,
      "Read VOLUME as raw voxels of this size and type", "NX,NY,NZ[:u8|u16le|u16be]" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  CbdLabelMap map;
  guint64 counts[256];

  if (!cli_parse_options ("info", "VOLUME", "Show the size, voxel size and phase fractions of a volume.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("info", "expected one VOLUME");

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL || !cli_resolve_labels (volume, labels_spec, &map, counts, &error))
    return cli_fail ("info", error);

  if (cli_json_output)
    print_json (volume, &map, counts);
  else
    print_text (argv[1], volume, &map, counts);
  return CLI_EXIT_OK;
}
