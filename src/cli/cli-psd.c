/* cli-psd.c — `cbdscope-cli psd VOLUME`: pore size distribution by simulated
 * mercury intrusion and local thickness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-porosimetry.h"
#include "cli-common.h"

static int
compare_descending (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x < y) - (x > y);
}

/* "2000,1000,500" in nm, any order; returned largest first. */
static double *
parse_diameters (const char *text, gsize *n_diameters, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  guint n = g_strv_length (parts);
  g_autofree double *values = g_new (double, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      char *end = NULL;
      const char *part = g_strstrip (parts[i]);
      double value = g_ascii_strtod (part, &end);

      if (*part == '\0' || end == NULL || *end != '\0' || !(value > 0) || !isfinite (value))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "“%s” is not a positive diameter in nm", part);
          return NULL;
        }
      values[i] = value;
    }
  if (n == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no diameters given");
      return NULL;
    }
  qsort (values, n, sizeof (double), compare_descending);
  for (guint i = 1; i < n; i++)
    if (values[i] == values[i - 1])
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "the diameter %g nm is listed twice", values[i]);
        return NULL;
      }
  *n_diameters = n;
  return g_steal_pointer (&values);
}

static gboolean
parse_crop (const char *spec, const CbdVolume *volume, const char *path, CbdVolume **cropped,
            GError **error)
{
  gsize crop[4];

  if (!cli_parse_size_list (spec, 4, crop, error))
    return FALSE;
  *cropped = cbd_volume_crop (volume, crop, (gsize[3]) { crop[3], crop[3], crop[3] }, error);
  if (*cropped == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

static void
print_text (const CbdPsd *psd, int phase_value, gboolean table)
{
  g_autofree char *inlets = cbd_faces_to_string (psd->inlets);

  g_print ("phase value %d: porosity %.4f (%" G_GUINT64_FORMAT " voxels), %.2f %% of it reachable "
           "from the inlet faces (%s)\n", phase_value, psd->porosity, psd->n_pore_voxels,
           psd->n_pore_voxels > 0 ? 100.0 * psd->n_reachable_voxels / psd->n_pore_voxels : 0.0,
           inlets);
  g_print ("largest local thickness %.1f nm, largest intrusion diameter %.1f nm\n",
           psd->max_local_thickness_nm, psd->max_intrusion_diameter_nm);
  g_print ("intrusion d10 / d50 / d90: %.1f / %.1f / %.1f nm (Washburn: gamma %g N/m, theta %g°)\n",
           cbd_psd_intrusion_quantile_nm (psd, 0.1), cbd_psd_intrusion_quantile_nm (psd, 0.5),
           cbd_psd_intrusion_quantile_nm (psd, 0.9), psd->surface_tension_n_per_m,
           psd->contact_angle_deg);
  if (!table)
    return;
  g_print ("%12s %13s %10s %10s %10s\n", "diameter_nm", "pressure_MPa", "intruded", "dV_dlogD",
           "thickness");
  for (gsize k = 0; k < psd->n_diameters; k++)
    {
      if (isfinite (psd->dv_dlogd[k]))
        g_print ("%12.2f %13.4f %10.4f %10.4f %10.4f\n", psd->diameter_nm[k], psd->pressure_mpa[k],
                 psd->intruded_fraction[k], psd->dv_dlogd[k], psd->local_thickness_fraction[k]);
      else
        g_print ("%12.2f %13.4f %10.4f %10s %10.4f\n", psd->diameter_nm[k], psd->pressure_mpa[k],
                 psd->intruded_fraction[k], "", psd->local_thickness_fraction[k]);
    }
}

int
cli_command_psd (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL, *raw_spec = NULL, *phase_spec = NULL, *crop_spec = NULL;
  g_autofree char *diameters_spec = NULL, *inlets_spec = NULL, *output = NULL, *maps_prefix = NULL;
  double surface_tension = CBD_MERCURY_SURFACE_TENSION_N_PER_M;
  double contact_angle = CBD_MERCURY_CONTACT_ANGLE_DEG;
  int n_threads = 0, per_decade = CBD_PSD_POINTS_PER_DECADE;
  GOptionEntry entries[] = {
    { "phase", 'p', 0, G_OPTION_ARG_STRING, &phase_spec, "The pore phase: pore (default), cbd, cam or a label value", "PHASE" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec, "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "crop", 0, 0, G_OPTION_ARG_STRING, &crop_spec, "Only the cube of edge N at this origin", "X0,Y0,Z0,N" },
    { "diameters", 'd', 0, G_OPTION_ARG_STRING, &diameters_spec, "Sphere diameters in nm (default: log-spaced from the voxel size to the largest pore)", "D1,D2,…" },
    { "per-decade", 0, 0, G_OPTION_ARG_INT, &per_decade, "Points per decade of the default diameters (default 40)", "N" },
    { "inlets", 0, 0, G_OPTION_ARG_STRING, &inlets_spec, "Faces the mercury enters by: all (default), or e.g. z-,x (others sealed)", "FACES" },
    { "surface-tension", 0, 0, G_OPTION_ARG_DOUBLE, &surface_tension, "Washburn surface tension in N/m (default 0.48)", "GAMMA" },
    { "contact-angle", 0, 0, G_OPTION_ARG_DOUBLE, &contact_angle, "Washburn contact angle in degrees (default 140)", "THETA" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per processor)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the distribution as CSV", "PSD.csv" },
    { "write-maps", 0, 0, G_OPTION_ARG_FILENAME, &maps_prefix, "Write PREFIX-intrusion.tif and PREFIX-thickness.tif (float, nm)", "PREFIX" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdPsd) psd = NULL;
  g_autofree double *diameters = NULL;
  g_autofree float *intrusion = NULL, *thickness = NULL;
  CbdPorosimetryOptions options;
  CbdLabelMap map;
  guint64 counts[256];
  gboolean pore[256];
  gsize n_diameters = 0, n;
  int phase_value;
  gint64 start;

  if (!cli_parse_options ("psd", "VOLUME", "Pore size distribution: simulated mercury intrusion "
                          "(spheres entering from the inlet faces, Washburn pressures) and local "
                          "thickness.", entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("psd", "expected one VOLUME");
  if (n_threads < 0)
    return cli_usage_error ("psd", "--threads must not be negative");
  if (per_decade < 1 || per_decade > CBD_PSD_MAX_POINTS_PER_DECADE)
    return cli_usage_error ("psd", "--per-decade must lie between 1 and %d",
                            CBD_PSD_MAX_POINTS_PER_DECADE);

  cbd_porosimetry_options_init (&options);
  options.n_threads = n_threads;
  options.surface_tension_n_per_m = surface_tension;
  options.contact_angle_deg = contact_angle;
  options.points_per_decade = per_decade;
  if (inlets_spec != NULL && !cbd_faces_parse (inlets_spec, &options.inlets, &error))
    return cli_usage_error ("psd", "--inlets: %s", error->message);
  if (diameters_spec != NULL)
    {
      diameters = parse_diameters (diameters_spec, &n_diameters, &error);
      if (diameters == NULL)
        return cli_usage_error ("psd", "--diameters: %s", error->message);
    }
  if (!(surface_tension > 0) || !isfinite (surface_tension))
    return cli_usage_error ("psd", "--surface-tension must be positive");
  if (!(contact_angle > 90 && contact_angle <= 180))
    return cli_usage_error ("psd", "--contact-angle must lie above 90 and at most 180 degrees");

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL)
    return cli_fail ("psd", error);
  /* The label map belongs to the whole stack, not to what a crop happens to hold. */
  if (!cli_resolve_labels (volume, labels_spec, &map, counts, &error) ||
      !cli_phase_labels (phase_spec != NULL ? phase_spec : "pore", volume, &map, pore,
                         &phase_value, &error))
    return cli_fail ("psd", error);
  if (crop_spec != NULL)
    {
      CbdVolume *cropped = NULL;

      if (!parse_crop (crop_spec, volume, argv[1], &cropped, &error))
        {
          if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE))
            return cli_usage_error ("psd", "--crop: %s", error->message);
          return cli_fail ("psd", error);
        }
      g_clear_pointer (&volume, cbd_volume_unref);
      volume = cropped;
    }

  start = g_get_monotonic_time ();
  n = cbd_volume_n_voxels (volume);
  intrusion = g_try_malloc_n (n, sizeof (float));
  thickness = g_try_malloc_n (n, sizeof (float));
  if (intrusion == NULL || thickness == NULL)
    {
      g_set_error (&error, CBD_POROSIMETRY_ERROR, CBD_POROSIMETRY_ERROR_NO_MEMORY,
                   "%s: not enough memory for the porosimetry maps", argv[1]);
      return cli_fail ("psd", error);
    }
  if (!cbd_porosimetry_maps (volume, pore, &options, intrusion, thickness, NULL, cli_progress,
                             (gpointer) "Porosimetry", &error))
    return cli_fail ("psd", error);

  psd = cbd_psd_new_from_maps (volume, pore, &options, intrusion, thickness, diameters,
                               n_diameters, &error);
  if (psd == NULL)
    return cli_fail ("psd", error);
  psd->seconds = (g_get_monotonic_time () - start) / 1e6;

  if (output != NULL && !cbd_psd_write_csv (psd, output, &error))
    return cli_fail ("psd", error);
  if (maps_prefix != NULL)
    {
      g_autofree char *intrusion_path = g_strconcat (maps_prefix, "-intrusion.tif", NULL);
      g_autofree char *thickness_path = g_strconcat (maps_prefix, "-thickness.tif", NULL);

      if (!cbd_tiff_write_float (intrusion, volume->dims, volume->voxel_nm, intrusion_path, &error) ||
          !cbd_tiff_write_float (thickness, volume->dims, volume->voxel_nm, thickness_path, &error))
        return cli_fail ("psd", error);
    }

  if (cli_json_output)
    {
      CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "phase_value", phase_value);
      cbd_json_key (writer, "dims");
      cbd_json_begin_array (writer);
      for (guint axis = 0; axis < 3; axis++)
        cbd_json_int (writer, (gint64) volume->dims[axis]);
      cbd_json_end_array (writer);
      cbd_json_key (writer, "voxel_size_nm");
      cbd_json_begin_array (writer);
      for (guint axis = 0; axis < 3; axis++)
        cbd_json_double (writer, volume->voxel_nm[axis]);
      cbd_json_end_array (writer);
      if (output != NULL)
        cbd_json_member_string (writer, "csv", output);
      cbd_json_key (writer, "psd");
      cbd_psd_write_json (psd, writer);
      cbd_json_end_object (writer);
      cli_print_json (writer);
      return CLI_EXIT_OK;
    }

  print_text (psd, phase_value, output == NULL);
  if (output != NULL)
    g_print ("wrote %s (%" G_GSIZE_FORMAT " diameters)\n", output, psd->n_diameters);
  return CLI_EXIT_OK;
}
