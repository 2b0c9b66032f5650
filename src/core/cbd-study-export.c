/* cbd-study-export.c — cutouts.csv, fit.json, psd.csv and summary.json
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-study"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-json.h"
#include "cbd-porosimetry.h"
#include "cbd-study-export.h"
#include "cbd-study-private.h"

/* ------------------------------------------------------------------------
 * CSV cells
 * ------------------------------------------------------------------------ */

static void
cell_separator (GString *row)
{
  if (row->len > 0 && row->str[row->len - 1] != '\n')
    g_string_append_c (row, ',');
}

/* Empty for a value that does not exist. */
static void
cell_double (GString *row, double value)
{
  char buffer[CBD_NUMBER_BUF_SIZE];

  cell_separator (row);
  if (isfinite (value))
    g_string_append (row, cbd_format_double (buffer, value));
}

static void
cell_u64 (GString *row, guint64 value)
{
  cell_separator (row);
  g_string_append_printf (row, "%" G_GUINT64_FORMAT, value);
}

static void
cell_bool (GString *row, gboolean value)
{
  cell_separator (row);
  g_string_append (row, value ? "true" : "false");
}

static void
cell_empty (GString *row)
{
  cell_separator (row);
}

/* RFC 4180: quoted when it holds a comma, quote or line break. */
static void
cell_string (GString *row, const char *value)
{
  cell_separator (row);
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (row, value);
      return;
    }
  g_string_append_c (row, '"');
  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (row, '"');
      g_string_append_c (row, *c);
    }
  g_string_append_c (row, '"');
}

/* ------------------------------------------------------------------------
 * cutouts.csv
 * ------------------------------------------------------------------------ */

static const char *const cutout_columns[] = {
  "index", "name", "x0_voxels", "y0_voxels", "z0_voxels", "size_voxels", "finished", "accepted",
  "porosity", "sigma_rel", "sigma_rel_std", "tau", "tau_std",
  "sigma_rel_x", "sigma_rel_y", "sigma_rel_z", "tau_x", "tau_y", "tau_z",
  "percolating_x", "percolating_y", "percolating_z",
  "dropped_fraction", "dropped_fraction_x", "dropped_fraction_y", "dropped_fraction_z",
  "iterations_x", "iterations_y", "iterations_z",
  "cbd_fraction", "cbd_sigma_rel", "cbd_sigma_rel_std",
  "cbd_sigma_rel_x", "cbd_sigma_rel_y", "cbd_sigma_rel_z", "converged",
  "filter_accepted", "retained_porosity", "excluded_fraction", "pores", "retained_pores",
  "excluded_pores", "d10_nm", "d50_nm", "d90_nm",
  "ssa_faces_per_um", "ssa_marching_per_um",
  "seconds_transport", "seconds_filter", "seconds_surface", "seconds_psd", "seconds",
};

/* The columns after "finished" that a result fills. */
#define N_RESULT_COLUMNS (G_N_ELEMENTS (cutout_columns) - 7)

char *
cbd_study_cutouts_to_csv (CbdStudy *study)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (study != NULL, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (cutout_columns); c++)
    g_string_append_printf (out, "%s%s", c > 0 ? "," : "", cutout_columns[c]);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < cbd_study_get_n_cutouts (study); i++)
    {
      const CbdCutout *cutout = cbd_study_get_cutout (study, i);
      g_auto(CbdCutoutResult) result = { 0 };
      const CbdFilterResult *filter = &result.filter;

      cbd_study_get_result (study, i, &result);
      g_string_append_printf (out, "%u", i + 1);
      cell_string (out, cutout->name);
      for (guint a = 0; a < 3; a++)
        cell_u64 (out, cutout->origin[a]);
      cell_u64 (out, cutout->size);
      cell_bool (out, result.finished);
      if (!result.finished)
        {
          cell_bool (out, FALSE);
          for (guint c = 0; c < N_RESULT_COLUMNS; c++)
            cell_empty (out);
          g_string_append_c (out, '\n');
          continue;
        }
      cell_bool (out, cbd_cutout_result_is_accepted (&result));
      cell_double (out, result.porosity);
      cell_double (out, result.sigma_rel_mean);
      cell_double (out, result.sigma_rel_std);
      cell_double (out, result.tau_mean);
      cell_double (out, result.tau_std);
      for (guint a = 0; a < 3; a++)
        cell_double (out, result.pore[a].sigma_rel);
      for (guint a = 0; a < 3; a++)
        cell_double (out, result.pore[a].tau);
      for (guint a = 0; a < 3; a++)
        cell_bool (out, result.pore[a].percolating);
      cell_double (out, result.dropped_fraction);
      for (guint a = 0; a < 3; a++)
        cell_double (out, result.pore[a].dropped_fraction);
      for (guint a = 0; a < 3; a++)
        cell_u64 (out, result.pore[a].iterations);
      cell_double (out, result.cbd_fraction);
      cell_double (out, result.cbd_sigma_rel_mean);
      cell_double (out, result.cbd_sigma_rel_std);
      for (guint a = 0; a < 3; a++)
        cell_double (out, result.cbd[a].sigma_rel);
      cell_bool (out, result.converged);
      cell_bool (out, filter->accepted);
      cell_double (out, filter->retained_porosity);
      cell_double (out, filter->excluded_fraction);
      cell_u64 (out, filter->n_pores);
      cell_u64 (out, filter->n_retained);
      cell_u64 (out, filter->n_excluded);
      cell_double (out, filter->d10_nm);
      cell_double (out, filter->d50_nm);
      cell_double (out, filter->d90_nm);
      cell_double (out, result.ssa_faces_per_um);
      cell_double (out, result.ssa_marching_per_um);
      cell_double (out, result.seconds_transport);
      cell_double (out, result.seconds_filter);
      cell_double (out, result.seconds_surface);
      cell_double (out, result.seconds_psd);
      cell_double (out, result.seconds);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * fit.json
 * ------------------------------------------------------------------------ */

/* The keys of `cbdscope-cli fit --json` (cli-fit.c), so the two compare. */
static void
json_fit (CbdJsonWriter *writer, CbdStudy *study, gboolean accepted_only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) porosity = NULL;
  g_autoptr(GArray) sigma = NULL;
  CbdFitResult fit;
  CbdFitSummary summary;
  gboolean have_summary;
  guint n;

  cbd_json_begin_object (writer);
  /* The fit and its summary from one cached entry, so that they describe
   * the same points; the fit alone where only the summary failed. */
  have_summary = cbd_study_fit (study, accepted_only, &fit, &summary, NULL);
  if (!have_summary && !cbd_study_fit (study, accepted_only, &fit, NULL, &error))
    {
      /* The summary of what there is, though it does not fit. */
      n = cbd_study_get_points (study, accepted_only, &porosity, &sigma, NULL, NULL);
      have_summary = n > 0 && cbd_fit_summarize ((const double *) porosity->data,
                                                 (const double *) sigma->data, NULL, n, &summary,
                                                 NULL);
      cbd_json_member_int (writer, "n", n);
      cbd_json_member_string (writer, "error", error->message);
      cbd_fit_summary_write_json (have_summary ? &summary : NULL, NULL, writer);
      cbd_json_end_object (writer);
      return;
    }

  cbd_fit_result_write_json (&fit, writer);
  cbd_fit_summary_write_json (have_summary ? &summary : NULL, &fit, writer);
  cbd_json_end_object (writer);
}

char *
cbd_study_fit_to_json (CbdStudy *study)
{
  CbdJsonWriter *writer = cbd_json_writer_new (TRUE);
  const CbdStudySettings *settings = cbd_study_get_settings (study);
  guint finished, usable, accepted;

  g_return_val_if_fail (study != NULL, NULL);

  cbd_study_count_results (study, &finished, &usable, &accepted);
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "cutouts", cbd_study_get_n_cutouts (study));
  cbd_json_member_int (writer, "finished", finished);
  cbd_json_member_int (writer, "usable", usable);
  cbd_json_member_int (writer, "accepted_cutouts", accepted);
  cbd_json_key (writer, "options");
  cbd_json_begin_object (writer);
  cbd_json_member_string (writer, "weighting", cbd_fit_weighting_to_string (settings->fit.weighting));
  cbd_json_member_double (writer, "std_floor_relative", settings->fit.std_floor_relative);
  cbd_json_member_double (writer, "confidence", settings->fit.confidence);
  cbd_json_member_int (writer, "bootstrap", settings->fit.n_bootstrap);
  cbd_json_member_int (writer, "seed", (gint64) settings->fit.seed);
  cbd_json_end_object (writer);
  cbd_json_key (writer, "accepted");
  json_fit (writer, study, TRUE);
  cbd_json_key (writer, "all");
  json_fit (writer, study, FALSE);
  cbd_json_end_object (writer);
  return cbd_json_writer_free_to_string (writer);
}

/* ------------------------------------------------------------------------
 * psd.csv
 * ------------------------------------------------------------------------ */

char *
cbd_study_psd_to_csv (CbdStudy *study)
{
  g_autoptr(CbdStudyPsd) stack = NULL;
  g_autoptr(CbdStudyPsd) accepted = NULL;
  const CbdStudyPsd *parts[2];
  const double *diameters;
  const CbdStudySettings *settings;
  GString *out = g_string_new (NULL);
  gsize n;

  g_return_val_if_fail (study != NULL, NULL);

  stack = cbd_study_get_psd (study, CBD_STUDY_PSD_STACK);
  accepted = cbd_study_get_psd (study, CBD_STUDY_PSD_ACCEPTED);
  parts[0] = stack;
  parts[1] = accepted;
  diameters = cbd_study_get_psd_diameters (study, &n);
  settings = cbd_study_get_settings (study);

  g_string_append (out, "diameter_nm,pressure_MPa,"
                   "stack_intruded_fraction,stack_dV_dlogD,"
                   "stack_local_thickness_cumulative,stack_local_thickness_dV_dlogD,"
                   "accepted_intruded_fraction,accepted_dV_dlogD,"
                   "accepted_local_thickness_cumulative,accepted_local_thickness_dV_dlogD\n");
  for (gsize k = 0; k < n; k++)
    {
      char buffer[CBD_NUMBER_BUF_SIZE];

      g_string_append (out, cbd_format_double (buffer, diameters[k]));
      cell_double (out, cbd_washburn_pressure_mpa (diameters[k], settings->surface_tension_n_per_m,
                                                   settings->contact_angle_deg));
      for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
        {
          const CbdStudyPsd *psd = parts[p];

          if (psd == NULL)
            {
              for (guint c = 0; c < 4; c++)
                cell_empty (out);
              continue;
            }
          cell_double (out, psd->intruded_fraction[k]);
          cell_double (out, psd->dv_dlogd[k]);
          cell_double (out, psd->thickness_cumulative[k]);
          cell_double (out, psd->thickness_dv_dlogd[k]);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * summary.json
 * ------------------------------------------------------------------------ */

void
cbd_study_write_fit_headline_json (CbdStudy      *study,
                                   CbdJsonWriter *writer)
{
  CbdFitResult fit;
  CbdFitSummary summary;

  g_return_if_fail (study != NULL && writer != NULL);

  cbd_json_key (writer, "fit");
  if (!cbd_study_fit (study, TRUE, &fit, &summary, NULL))
    {
      cbd_json_null (writer);
      return;
    }
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "gamma", fit.gamma);
  cbd_json_member_double (writer, "alpha", fit.alpha);
  cbd_json_member_double (writer, "gamma_se", fit.gamma_se);
  cbd_json_member_double (writer, "alpha_se", fit.alpha_se);
  cbd_json_member_double (writer, "r2", fit.r2);
  cbd_json_member_int (writer, "n", fit.n);
  cbd_json_member_double (writer, "mean_porosity", summary.mean_porosity);
  cbd_json_member_double (writer, "mean_tau", summary.mean_tau);
  cbd_json_member_double (writer, "mean_porosity_over_mean_tau",
                          summary.mean_porosity_over_mean_tau);
  cbd_json_member_double (writer, "bruggeman_at_mean_porosity",
                          summary.bruggeman_at_mean_porosity);
  cbd_json_end_object (writer);
}

char *
cbd_study_summary_to_json (CbdStudy *study)
{
  CbdJsonWriter *writer = cbd_json_writer_new (TRUE);
  const CbdStudySettings *settings = cbd_study_get_settings (study);
  g_autoptr(CbdStudyPsd) stack = NULL;
  guint64 phase_voxels[CBD_N_PHASES], total = 0;
  guint finished, usable, accepted, converged = 0;
  double seconds[5] = { 0 };
  gsize dims[3];
  double voxel_nm[3];

  g_return_val_if_fail (study != NULL, NULL);

  cbd_study_count_results (study, &finished, &usable, &accepted);
  for (guint i = 0; i < cbd_study_get_n_cutouts (study); i++)
    {
      g_auto(CbdCutoutResult) result = { 0 };

      if (!cbd_study_get_result (study, i, &result))
        continue;
      converged += result.converged;
      seconds[0] += result.seconds_transport;
      seconds[1] += result.seconds_filter;
      seconds[2] += result.seconds_surface;
      seconds[3] += result.seconds_psd;
      seconds[4] += result.seconds;
    }
  cbd_study_get_dims (study, dims, voxel_nm);
  if (cbd_study_get_phase_voxels (study, phase_voxels))
    for (guint p = 0; p < CBD_N_PHASES; p++)
      total += phase_voxels[p];

  cbd_json_begin_object (writer);
  cbd_json_key (writer, "volume");
  cbd_json_begin_object (writer);
  if (cbd_study_get_volume_path (study) != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (cbd_study_get_volume_path (study), NULL);

      cbd_json_member_string (writer, "path", path);
    }
  if (cbd_study_get_raw_spec (study) != NULL)
    cbd_json_member_string (writer, "raw", cbd_study_get_raw_spec (study));
  cbd_json_key (writer, "dims");
  cbd_json_begin_array (writer);
  for (guint a = 0; a < 3; a++)
    cbd_json_int (writer, dims[a]);
  cbd_json_end_array (writer);
  cbd_json_key (writer, "voxel_size_nm");
  cbd_json_begin_array (writer);
  for (guint a = 0; a < 3; a++)
    cbd_json_double (writer, voxel_nm[a]);
  cbd_json_end_array (writer);
  cbd_json_member_string (writer, "labels", cbd_study_get_labels_spec (study));
  cbd_json_member_double (writer, "pore_fraction", total ? (double) phase_voxels[CBD_PHASE_PORE] / total : NAN);
  cbd_json_member_double (writer, "cbd_fraction", total ? (double) phase_voxels[CBD_PHASE_CBD] / total : NAN);
  cbd_json_member_double (writer, "cam_fraction", total ? (double) phase_voxels[CBD_PHASE_CAM] / total : NAN);
  cbd_json_end_object (writer);

  cbd_json_key (writer, "settings");
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "cutout_size_voxels", settings->cutout_size);
  cbd_json_member_int (writer, "envelope_edge_voxels", settings->envelope.edge);
  cbd_json_member_int (writer, "envelope_snap_voxels", settings->envelope.snap);
  cbd_json_member_double (writer, "partition_sigma", settings->envelope.partition.sigma);
  cbd_json_member_double (writer, "partition_r_max", settings->envelope.partition.r_max);
  cbd_json_member_double (writer, "filter_f_inside", settings->filter.f_inside);
  cbd_json_member_double (writer, "filter_d_max_nm", settings->filter.d_max_nm);
  cbd_json_member_double (writer, "filter_v_max_nm3", settings->filter.v_max_nm3);
  cbd_json_member_boolean (writer, "filter_exclude_truncated", settings->filter.exclude_truncated);
  cbd_json_member_boolean (writer, "filter_stack_border_truncates",
                           settings->filter.stack_border_truncates);
  cbd_json_member_double (writer, "filter_max_excluded", settings->filter.max_excluded);
  cbd_json_member_double (writer, "solver_tolerance", settings->solver_tolerance);
  cbd_json_member_double (writer, "surface_tension_n_per_m", settings->surface_tension_n_per_m);
  cbd_json_member_double (writer, "contact_angle_deg", settings->contact_angle_deg);
  cbd_json_end_object (writer);

  cbd_json_key (writer, "cutouts");
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "total", cbd_study_get_n_cutouts (study));
  cbd_json_member_int (writer, "finished", finished);
  cbd_json_member_int (writer, "usable", usable);
  cbd_json_member_int (writer, "accepted", accepted);
  cbd_json_member_int (writer, "converged", converged);
  cbd_json_end_object (writer);

  cbd_study_write_fit_headline_json (study, writer);

  stack = cbd_study_get_psd (study, CBD_STUDY_PSD_STACK);
  cbd_json_key (writer, "stack_psd");
  if (stack != NULL)
    {
      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "pore_voxels", stack->pore_voxels);
      cbd_json_member_int (writer, "voxels", stack->voxels);
      cbd_json_member_double (writer, "intruded_fraction",
                              stack->n_diameters ? stack->intruded_fraction[stack->n_diameters - 1] : NAN);
      cbd_json_end_object (writer);
    }
  else
    cbd_json_null (writer);

  cbd_json_key (writer, "seconds");
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "transport", seconds[0]);
  cbd_json_member_double (writer, "filter", seconds[1]);
  cbd_json_member_double (writer, "surface", seconds[2]);
  cbd_json_member_double (writer, "psd", seconds[3]);
  cbd_json_member_double (writer, "cutouts", seconds[4]);
  cbd_json_end_object (writer);
  cbd_json_end_object (writer);
  return cbd_json_writer_free_to_string (writer);
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/* g_file_set_contents writes a temporary file and renames it over @path;
 * its messages name the file. Takes @text. */
static gboolean
write_text (const char *path, char *text, GError **error)
{
  g_autofree char *owned = text;

  return g_file_set_contents (path, owned, -1, error);
}

static gboolean
write_json_line (const char *path, char *json, GError **error)
{
  g_autofree char *owned = json;

  return write_text (path, g_strconcat (owned, "\n", NULL), error);
}

gboolean
cbd_study_write_cutouts_csv (CbdStudy   *study,
                             const char *path,
                             GError    **error)
{
  return write_text (path, cbd_study_cutouts_to_csv (study), error);
}

gboolean
cbd_study_write_fit_json (CbdStudy   *study,
                          const char *path,
                          GError    **error)
{
  return write_json_line (path, cbd_study_fit_to_json (study), error);
}

gboolean
cbd_study_write_psd_csv (CbdStudy   *study,
                         const char *path,
                         GError    **error)
{
  return write_text (path, cbd_study_psd_to_csv (study), error);
}

gboolean
cbd_study_write_summary_json (CbdStudy   *study,
                              const char *path,
                              GError    **error)
{
  return write_json_line (path, cbd_study_summary_to_json (study), error);
}

gboolean
cbd_study_export_tables (CbdStudy   *study,
                         const char *directory,
                         GError    **error)
{
  static const struct
  {
    const char *name;
    gboolean  (*write) (CbdStudy *, const char *, GError **);
  } tables[] = {
    { "cutouts.csv", cbd_study_write_cutouts_csv },
    { "fit.json", cbd_study_write_fit_json },
    { "psd.csv", cbd_study_write_psd_csv },
    { "summary.json", cbd_study_write_summary_json },
  };

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);

  if (g_mkdir_with_parents (directory, 0777) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the folder %s: %s", directory, g_strerror (saved));
      return FALSE;
    }
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *path = g_build_filename (directory, tables[t].name, NULL);

      if (!tables[t].write (study, path, error))
        return FALSE;
    }
  return TRUE;
}
