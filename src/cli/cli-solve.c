/* cli-solve.c — `cbdscope-cli solve VOLUME --phase P`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-solver.h"
#include "cli-common.h"

static const char axis_names[3] = { 'x', 'y', 'z' };

static gboolean
parse_axes (const char *spec, gboolean axes[3])
{
  axes[0] = axes[1] = axes[2] = FALSE;
  if (spec == NULL || strcmp (spec, "all") == 0)
    {
      axes[0] = axes[1] = axes[2] = TRUE;
      return TRUE;
    }
  for (guint axis = 0; axis < 3; axis++)
    if (spec[0] == axis_names[axis] && spec[1] == '\0')
      {
        axes[axis] = TRUE;
        return TRUE;
      }
  return FALSE;
}

static void
write_axis_json (CbdJsonWriter *writer, const CbdAxisResult *result)
{
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "sigma_rel", result->sigma_rel);
  cbd_json_member_double (writer, "tau", result->percolating ? result->tau : NAN);
  cbd_json_member_double (writer, "tau_percolating", result->percolating ? result->tau_percolating : NAN);
  cbd_json_member_double (writer, "eps_percolating", result->eps_percolating);
  cbd_json_member_double (writer, "dropped_fraction", result->dropped_fraction);
  cbd_json_member_boolean (writer, "percolating", result->percolating);
  cbd_json_member_boolean (writer, "converged", result->converged);
  cbd_json_member_int (writer, "iterations", result->iterations);
  cbd_json_member_double (writer, "residual", result->residual);
  cbd_json_member_double (writer, "imbalance", result->imbalance);
  cbd_json_member_double (writer, "seconds", result->seconds);
  cbd_json_end_object (writer);
}

/* "--conductivities pore=1,cbd=0.05,170=0.1": a phase name or label value,
 * each = a conductivity ≥ 0 relative to the reference; unlisted labels do
 * not conduct. */
static gboolean
parse_conductivities (const char *spec, const CbdVolume *volume, const CbdLabelMap *map,
                      double conductivity[256], gboolean conducting[256], GError **error)
{
  g_auto(GStrv) items = g_strsplit (spec, ",", -1);

  for (guint label = 0; label < 256; label++)
    {
      conductivity[label] = 0.0;
      conducting[label] = FALSE;
    }
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (items[i], "=", 2);
      gboolean labels[256];
      char *end = NULL;
      double value;
      int phase_value;

      if (g_strv_length (pair) != 2 || pair[0][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--conductivities: expected LABEL=VALUE, not “%s”", items[i]);
          return FALSE;
        }
      value = g_ascii_strtod (pair[1], &end);
      if (end == pair[1] || *end != '\0' || !isfinite (value) || value < 0.0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--conductivities: “%s” is not a conductivity ≥ 0", pair[1]);
          return FALSE;
        }
      if (!cli_phase_labels (pair[0], volume, map, labels, &phase_value, error))
        return FALSE;
      for (guint label = 0; label < 256; label++)
        if (labels[label])
          {
            conductivity[label] = value;
            conducting[label] = TRUE;
          }
    }
  return TRUE;
}

/* PREFIX-AXIS-potential.tif and PREFIX-AXIS-current.tif, float32. */
static gboolean
write_fields (const char *prefix, CbdAxis axis, const CbdVolume *volume,
              const float *potential, const float *current, GError **error)
{
  g_autofree char *potential_path = g_strdup_printf ("%s-%c-potential.tif", prefix, axis_names[axis]);
  g_autofree char *current_path = g_strdup_printf ("%s-%c-current.tif", prefix, axis_names[axis]);

  return cbd_tiff_write_float (potential, volume->dims, volume->voxel_nm, potential_path, error) &&
         cbd_tiff_write_float (current, volume->dims, volume->voxel_nm, current_path, error);
}

/* Mean and sample standard deviation of sigma_rel over the solved axes. */
static void
axis_statistics (const CbdAxisResult results[3], const gboolean axes[3], double *mean, double *std)
{
  double sum = 0, sum_sq = 0;
  guint n = 0;

  for (guint axis = 0; axis < 3; axis++)
    if (axes[axis])
      {
        sum += results[axis].sigma_rel;
        n++;
      }
  *mean = sum / n;
  for (guint axis = 0; axis < 3; axis++)
    if (axes[axis])
      sum_sq += (results[axis].sigma_rel - *mean) * (results[axis].sigma_rel - *mean);
  *std = n > 1 ? sqrt (sum_sq / (n - 1)) : 0.0;
}

int
cli_command_solve (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL, *raw_spec = NULL, *phase_spec = NULL;
  g_autofree char *axis_spec = NULL, *crop_spec = NULL;
  g_autofree char *conductivity_spec = NULL, *field_prefix = NULL;
  double tolerance = 1e-6;
  int n_threads = 0;
  GOptionEntry entries[] = {
    { "phase", 'p', 0, G_OPTION_ARG_STRING, &phase_spec, "Conducting phase: pore, cbd, cam or a label value", "PHASE" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec, "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "axis", 'a', 0, G_OPTION_ARG_STRING, &axis_spec, "x, y, z or all (default)", "AXIS" },
    { "crop", 0, 0, G_OPTION_ARG_STRING, &crop_spec, "Solve only the cube of edge N at this origin", "X0,Y0,Z0,N" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &tolerance, "Relative residual to reach (default 1e-6)", "T" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per processor)", "N" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { "conductivities", 0, 0, G_OPTION_ARG_STRING, &conductivity_spec,
      "Several conducting labels, each with a conductivity relative to a reference (instead of --phase)", "LABEL=VALUE,…" },
    { "write-field", 0, 0, G_OPTION_ARG_FILENAME, &field_prefix,
      "Write the potential and the current density as float TIFFs PREFIX-AXIS-potential.tif, PREFIX-AXIS-current.tif", "PREFIX" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  CbdAxisResult results[3];
  CbdSolverOptions options;
  CbdLabelMap map;
  guint64 counts[256];
  gboolean conducting[256], axes[3];
  double conductivity[256];
  int phase_value = -1;
  double mean, std;

  if (!cli_parse_options ("solve", "VOLUME", "Relative conductivity and tortuosity of one phase "
                          "along x, y and z (Laplace equation, driven faces at 0 and 1).",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("solve", "expected one VOLUME");
  if ((phase_spec == NULL) == (conductivity_spec == NULL))
    return cli_usage_error ("solve", "give either --phase or --conductivities");
  if (!parse_axes (axis_spec, axes))
    return cli_usage_error ("solve", "--axis must be x, y, z or all, not “%s”", axis_spec);
  if (!(tolerance > 0 && tolerance < 1))
    return cli_usage_error ("solve", "--tol must lie between 0 and 1");

  if (n_threads < 0)
    return cli_usage_error ("solve", "--threads must not be negative");

  cbd_solver_options_init (&options);
  options.tolerance = tolerance;
  options.n_threads = n_threads;

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL)
    return cli_fail ("solve", error);
  /* The label map belongs to the whole stack, not to what a crop happens to hold. */
  if (!cli_resolve_labels (volume, labels_spec, &map, counts, &error))
    return cli_fail ("solve", error);
  if (conductivity_spec != NULL)
    {
      if (!parse_conductivities (conductivity_spec, volume, &map, conductivity, conducting, &error))
        return cli_usage_error ("solve", "%s", error->message);
      options.conductivity = conductivity;
    }
  else if (!cli_phase_labels (phase_spec, volume, &map, conducting, &phase_value, &error))
    return cli_fail ("solve", error);
  if (crop_spec != NULL)
    {
      gsize crop[4];
      CbdVolume *cropped;

      if (!cli_parse_size_list (crop_spec, 4, crop, &error))
        return cli_usage_error ("solve", "--crop: %s", error->message);
      cropped = cbd_volume_crop (volume, crop, (gsize[3]) { crop[3], crop[3], crop[3] }, &error);
      if (cropped == NULL)
        {
          g_prefix_error (&error, "%s: ", argv[1]);
          return cli_fail ("solve", error);
        }
      g_clear_pointer (&volume, cbd_volume_unref);
      volume = cropped;
    }
  if (field_prefix == NULL)
    {
      /* Together: the axes share the cluster search and the linear system. */
      if (!cbd_solver_solve_axes (volume, conducting, axes, &options, results, NULL,
                                  cli_progress, (gpointer) "Solving", &error))
        return cli_fail ("solve", error);
    }
  else
    for (guint axis = 0; axis < 3; axis++)
      {
        g_autofree float *potential = NULL, *current = NULL;

        if (!axes[axis])
          continue;
        if (!cbd_solver_solve_axis (volume, conducting, axis, &options, &results[axis],
                                    &potential, &current, NULL, cli_progress, (gpointer) "Solving",
                                    &error) ||
            !write_fields (field_prefix, axis, volume, potential, current, &error))
          return cli_fail ("solve", error);
      }
  axis_statistics (results, axes, &mean, &std);

  if (cli_json_output)
    {
      CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
      guint first = axes[0] ? 0 : axes[1] ? 1 : 2;

      cbd_json_begin_object (writer);
      if (conductivity_spec == NULL)
        cbd_json_member_int (writer, "phase_value", phase_value);
      else
        {
          /* sigma_rel is then sigma_eff over the reference the values are relative to. */
          cbd_json_key (writer, "conductivities");
          cbd_json_begin_object (writer);
          for (guint label = 0; label < 256; label++)
            if (conducting[label])
              {
                char name[4];
                g_snprintf (name, sizeof name, "%u", label);
                cbd_json_member_double (writer, name, conductivity[label]);
              }
          cbd_json_end_object (writer);
        }
      cbd_json_member_double (writer, "volume_fraction", results[first].eps);
      cbd_json_key (writer, "axes");
      cbd_json_begin_object (writer);
      for (guint axis = 0; axis < 3; axis++)
        if (axes[axis])
          {
            char name[2] = { axis_names[axis], '\0' };
            cbd_json_key (writer, name);
            write_axis_json (writer, &results[axis]);
          }
      cbd_json_end_object (writer);
      cbd_json_member_double (writer, "sigma_rel_mean", mean);
      cbd_json_member_double (writer, "sigma_rel_std", std);
      cbd_json_end_object (writer);
      cli_print_json (writer);
      return CLI_EXIT_OK;
    }

  if (conductivity_spec == NULL)
    g_print ("phase value %d, volume fraction %.4f\n", phase_value,
             results[axes[0] ? 0 : axes[1] ? 1 : 2].eps);
  else
    g_print ("conducting volume fraction %.4f; sigma_rel relative to the reference conductivity\n",
             results[axes[0] ? 0 : axes[1] ? 1 : 2].eps);
  for (guint axis = 0; axis < 3; axis++)
    {
      const CbdAxisResult *result = &results[axis];

      if (!axes[axis])
        continue;
      if (result->percolating && !isnan (result->tau))
        g_print ("  %c: sigma_rel %.6f  tau %.4f  (%u iterations, %s, %.2f s)\n", axis_names[axis],
                 result->sigma_rel, result->tau, result->iterations,
                 result->converged ? "converged" : "NOT converged", result->seconds);
      else if (result->percolating)
        g_print ("  %c: sigma_rel %.6f  (%u iterations, %s, %.2f s)\n", axis_names[axis],
                 result->sigma_rel, result->iterations,
                 result->converged ? "converged" : "NOT converged", result->seconds);
      else
        g_print ("  %c: does not percolate (sigma_rel 0, no tortuosity)\n", axis_names[axis]);
    }
  g_print ("  sigma_rel mean %.6f ± %.6f\n", mean, std);
  return CLI_EXIT_OK;
}
