/* cli-synth.c — `cbdscope-cli synth --size N [--seed S] -o OUT.tif`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <string.h>

#include "cbd-io.h"
#include "cbd-synth.h"
#include "cli-common.h"

/* OUT.tif → OUT-porosity.tif: the ground truth beside the volume. */
static char *
porosity_path_for (const char *output)
{
  const char *dot = strrchr (output, '.');
  const char *slash = strrchr (output, '/');

  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strconcat (output, "-porosity.tif", NULL);
  return g_strdup_printf ("%.*s-porosity%s", (int) (dot - output), output, dot);
}

int
cli_command_synth (int argc, char **argv)
{
  g_autofree char *size_spec = NULL;
  g_autofree char *output = NULL;
  gint64 seed = 1;
  double voxel_nm = 0, cam_fraction = -1;
  gboolean no_truth = FALSE;
  GOptionEntry entries[] = {
    { "size", 's', 0, G_OPTION_ARG_STRING, &size_spec, "Edge in voxels, or NX,NY,NZ", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "S" },
    { "voxel-size", 0, 0, G_OPTION_ARG_DOUBLE, &voxel_nm, "Voxel edge in nm (default 10)", "NM" },
    { "cam-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &cam_fraction, "Target CAM volume fraction", "F" },
    { "no-truth", 0, 0, G_OPTION_ARG_NONE, &no_truth, "Do not write OUT-porosity.tif", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Output TIFF", "OUT.tif" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autofree float *porosity = NULL;
  g_autofree char *truth_path = NULL;
  CbdSynthParams params;
  gsize dims[3];
  gint64 start;
  double seconds;

  if (!cli_parse_options ("synth", "", "Generate a seeded synthetic three-phase volume at 10 nm voxels "
                          "(pore 0, CBD 128, CAM 255) and its local CBD porosity field.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 1)
    return cli_usage_error ("synth", "unexpected argument “%s”", argv[1]);
  if (size_spec == NULL || output == NULL)
    return cli_usage_error ("synth", "--size and -o are required");
  if (strchr (size_spec, ',') == NULL)
    {
      if (!cli_parse_size_list (size_spec, 1, dims, &error))
        return cli_usage_error ("synth", "%s", error->message);
      dims[1] = dims[2] = dims[0];
    }
  else if (!cli_parse_size_list (size_spec, 3, dims, &error))
    return cli_usage_error ("synth", "%s", error->message);
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    return cli_usage_error ("synth", "--size must be at least 1 voxel along each axis");
  if (seed < 0)
    return cli_usage_error ("synth", "--seed must not be negative");

  cbd_synth_params_init (&params, dims[0]);
  memcpy (params.dims, dims, sizeof dims);
  params.seed = seed;
  if (voxel_nm > 0)
    params.voxel_nm = voxel_nm;
  if (cam_fraction >= 0)
    params.cam_fraction = cam_fraction;

  start = g_get_monotonic_time ();
  volume = cbd_synth_generate (&params, no_truth ? NULL : &porosity, NULL,
                               cli_progress, (gpointer) "Generating", &error);
  if (volume == NULL || !cbd_tiff_write (volume, output, &error))
    return cli_fail ("synth", error);
  if (!no_truth)
    {
      truth_path = porosity_path_for (output);
      if (!cbd_tiff_write_float (porosity, volume->dims, volume->voxel_nm, truth_path, &error))
        return cli_fail ("synth", error);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  if (cli_json_output)
    {
      CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

      cbd_json_begin_object (writer);
      cbd_json_member_string (writer, "output", output);
      cbd_json_member_string (writer, "porosity_field", truth_path);
      cbd_json_key (writer, "dims");
      cbd_json_begin_array (writer);
      for (guint axis = 0; axis < 3; axis++)
        cbd_json_int (writer, volume->dims[axis]);
      cbd_json_end_array (writer);
      cbd_json_member_int (writer, "seed", seed);
      cbd_json_member_double (writer, "seconds", seconds);
      cbd_json_end_object (writer);
      cli_print_json (writer);
    }
  else
    g_print ("Wrote %s%s%s (%.1f s)\n", output, truth_path ? " and " : "",
             truth_path ? truth_path : "", seconds);
  return CLI_EXIT_OK;
}
