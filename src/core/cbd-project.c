/* cbd-project.c — a study saved as a project file (GKeyFile) and read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-project"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cbd-io.h"
#include "cbd-porosimetry.h"
#include "cbd-project.h"
#include "cbd-study-private.h"

G_DEFINE_QUARK (cbd-project-error-quark, cbd_project_error)

#define GROUP_PROJECT  "cbdscope"
#define GROUP_VOLUME   "volume"
#define GROUP_SETTINGS "settings"
#define GROUP_PSD      "psd"
#define GROUP_CUTOUTS  "cutouts"
#define GROUP_END      "end"

static const char *const phase_keys[CBD_N_PHASES] = {
  [CBD_PHASE_OTHER] = "voxels_other",
  [CBD_PHASE_PORE] = "voxels_pore",
  [CBD_PHASE_CBD] = "voxels_cbd",
  [CBD_PHASE_CAM] = "voxels_cam",
};

/* A finished cutout's pore table (cbd-envelope.h) as parallel lists, one
 * value per pore each, so that new filter thresholds need no partition
 * after the project is opened again. Only the fields the filter reads
 * (cbd_filter_judge_pore(), cbd_filter_evaluate()) are stored, plus the
 * region ids, whose ascending order the reader checks: the others (centroid,
 * equivalent diameter, box, neighbours) made a table three times as large,
 * and a project is saved after every cutout. */
typedef enum
{
  COLUMN_U32,
  COLUMN_U64,
  COLUMN_LENGTH,   /* a double, finite and not negative */
  COLUMN_BOOL,
} ColumnType;

typedef struct
{
  const char *key;
  gsize       offset;   /* in CbdEnvelopePore */
  ColumnType  type;
} PoreColumn;

#define PORE_FIELD(field) offsetof (CbdEnvelopePore, field)
#define KEY_STACK_FACES "envelope_stack_faces"

static const PoreColumn pore_columns[] = {
  { "pores_region", PORE_FIELD (region), COLUMN_U32 },
  { "pores_volume_voxels", PORE_FIELD (volume_voxels), COLUMN_U64 },
  { "pores_volume_nm3", PORE_FIELD (volume_nm3), COLUMN_LENGTH },
  { "pores_inscribed_diameter_nm", PORE_FIELD (inscribed_diameter_nm), COLUMN_LENGTH },
  { "pores_envelope_faces", PORE_FIELD (envelope_faces), COLUMN_U32 },
  { "pores_cutout_voxels", PORE_FIELD (cutout_voxels), COLUMN_U64 },
  { "pores_centroid_in_cutout", PORE_FIELD (centroid_in_cutout), COLUMN_BOOL },
};

static char *
cutout_group (guint index)
{
  return g_strdup_printf ("cutout %u", index + 1);
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

static void
append_double (GString *out, double value)
{
  char buffer[CBD_NUMBER_BUF_SIZE];

  g_string_append (out, cbd_format_double (buffer, value));
}

static void
set_double (GKeyFile *file, const char *group, const char *key, double value)
{
  g_autoptr(GString) text = g_string_new (NULL);

  append_double (text, value);
  g_key_file_set_value (file, group, key, text->str);
}

static void
set_doubles (GKeyFile *file, const char *group, const char *key, const double *values, gsize n)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (text, ';');
      append_double (text, values[i]);
    }
  g_key_file_set_value (file, group, key, text->str);
}

static void
set_u64 (GKeyFile *file, const char *group, const char *key, guint64 value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, value);
  g_key_file_set_value (file, group, key, text);
}

static void
set_u64s (GKeyFile *file, const char *group, const char *key, const guint64 *values, gsize n)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i > 0 ? ";" : "", values[i]);
  g_key_file_set_value (file, group, key, text->str);
}

static void
set_bool (GKeyFile *file, const char *group, const char *key, gboolean value)
{
  g_key_file_set_value (file, group, key, value ? "true" : "false");
}

static void
set_axes (GKeyFile *file, const char *group, const char *prefix, const CbdStudyAxis axes[3])
{
  g_autofree char *key = NULL;
  double values[3];
  guint64 counts[3];
  g_autoptr(GString) flags = g_string_new (NULL);

#define KEY(suffix) (g_free (key), key = g_strconcat (prefix, suffix, NULL))
  for (guint a = 0; a < 3; a++)
    values[a] = axes[a].sigma_rel;
  set_doubles (file, group, KEY ("_sigma_rel"), values, 3);
  for (guint a = 0; a < 3; a++)
    values[a] = axes[a].tau;
  set_doubles (file, group, KEY ("_tau"), values, 3);
  for (guint a = 0; a < 3; a++)
    values[a] = axes[a].dropped_fraction;
  set_doubles (file, group, KEY ("_dropped_fraction"), values, 3);
  for (guint a = 0; a < 3; a++)
    counts[a] = axes[a].iterations;
  set_u64s (file, group, KEY ("_iterations"), counts, 3);
  for (guint a = 0; a < 3; a++)
    values[a] = axes[a].seconds;
  set_doubles (file, group, KEY ("_seconds"), values, 3);
  for (guint a = 0; a < 3; a++)
    g_string_append_printf (flags, "%s%s", a > 0 ? ";" : "", axes[a].percolating ? "true" : "false");
  g_key_file_set_value (file, group, KEY ("_percolating"), flags->str);
  g_string_truncate (flags, 0);
  for (guint a = 0; a < 3; a++)
    g_string_append_printf (flags, "%s%s", a > 0 ? ";" : "", axes[a].converged ? "true" : "false");
  g_key_file_set_value (file, group, KEY ("_converged"), flags->str);
#undef KEY
}

static void
write_result (GKeyFile *file, const char *group, const CbdCutoutResult *result)
{
  const CbdFilterResult *filter = &result->filter;

  set_double (file, group, "porosity", result->porosity);
  set_double (file, group, "cbd_fraction", result->cbd_fraction);
  set_axes (file, group, "pore", result->pore);
  set_axes (file, group, "cbd", result->cbd);

  set_u64 (file, group, "filter_cutout_voxels", filter->cutout_voxels);
  set_u64 (file, group, "filter_pore_voxels", filter->pore_voxels);
  set_u64 (file, group, "filter_retained_voxels", filter->retained_voxels);
  set_u64 (file, group, "filter_excluded_voxels", filter->excluded_voxels);
  set_double (file, group, "filter_porosity", filter->porosity);
  set_double (file, group, "filter_retained_porosity", filter->retained_porosity);
  set_double (file, group, "filter_excluded_fraction", filter->excluded_fraction);
  set_u64 (file, group, "filter_n_pores", filter->n_pores);
  set_u64 (file, group, "filter_n_retained", filter->n_retained);
  set_u64 (file, group, "filter_n_excluded", filter->n_excluded);
  set_double (file, group, "filter_d10_nm", filter->d10_nm);
  set_double (file, group, "filter_d50_nm", filter->d50_nm);
  set_double (file, group, "filter_d90_nm", filter->d90_nm);
  set_bool (file, group, "filter_accepted", filter->accepted);
  {
    guint64 pores[CBD_FILTER_N_RULES];

    for (guint r = 0; r < CBD_FILTER_N_RULES; r++)
      pores[r] = filter->rule_pores[r];
    set_u64s (file, group, "filter_rule_pores", pores, CBD_FILTER_N_RULES);
    set_u64s (file, group, "filter_rule_voxels", filter->rule_voxels, CBD_FILTER_N_RULES);
  }
  set_double (file, group, "filter_seconds", filter->seconds);

  set_double (file, group, "ssa_faces_per_um", result->ssa_faces_per_um);
  set_double (file, group, "ssa_marching_per_um", result->ssa_marching_per_um);

  set_u64 (file, group, "voxels", result->voxels);
  set_u64 (file, group, "psd_pore_voxels", result->psd_pore_voxels);
  if (result->psd_intruded_voxels != NULL)
    {
      set_u64s (file, group, "psd_intruded_voxels",
                (const guint64 *) result->psd_intruded_voxels->data, result->psd_intruded_voxels->len);
      set_u64s (file, group, "psd_thickness_voxels",
                (const guint64 *) result->psd_thickness_voxels->data,
                result->psd_thickness_voxels->len);
    }

  set_double (file, group, "seconds_transport", result->seconds_transport);
  set_double (file, group, "seconds_filter", result->seconds_filter);
  set_double (file, group, "seconds_surface", result->seconds_surface);
  set_double (file, group, "seconds_psd", result->seconds_psd);
  set_double (file, group, "seconds", result->seconds);
}

static void
append_pore_value (GString *out, const CbdEnvelopePore *pore, const PoreColumn *column)
{
  const guint8 *field = (const guint8 *) pore + column->offset;

  switch (column->type)
    {
    case COLUMN_U32:
      g_string_append_printf (out, "%u", *(const guint32 *) field);
      break;
    case COLUMN_U64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, *(const guint64 *) field);
      break;
    case COLUMN_LENGTH:
      append_double (out, *(const double *) field);
      break;
    case COLUMN_BOOL:
      g_string_append (out, *(const gboolean *) field ? "true" : "false");
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
write_pore_table (GKeyFile *file, const char *group, const CbdEnvelope *table)
{
  g_autoptr(GString) text = g_string_new (NULL);

  set_u64 (file, group, KEY_STACK_FACES, table->stack_faces);
  for (guint c = 0; c < G_N_ELEMENTS (pore_columns); c++)
    {
      g_string_truncate (text, 0);
      for (guint32 p = 0; p < table->n_pores; p++)
        {
          if (p > 0)
            g_string_append_c (text, ';');
          append_pore_value (text, &table->pores[p], &pore_columns[c]);
        }
      g_key_file_set_value (file, group, pore_columns[c].key, text->str);
    }
}

/* @target relative to the folder @base (both absolute, canonical). */
static char *
relative_path (const char *base, const char *target)
{
  g_auto(GStrv) from = g_strsplit (base, G_DIR_SEPARATOR_S, -1);
  g_auto(GStrv) to = g_strsplit (target, G_DIR_SEPARATOR_S, -1);
  g_autoptr(GString) path = g_string_new (NULL);
  guint common = 0;

  while (from[common] != NULL && to[common] != NULL && strcmp (from[common], to[common]) == 0)
    common++;
  for (guint i = common; from[i] != NULL; i++)
    if (*from[i] != '\0')
      g_string_append (path, ".." G_DIR_SEPARATOR_S);
  for (guint i = common; to[i] != NULL; i++)
    {
      g_string_append (path, to[i]);
      if (to[i + 1] != NULL)
        g_string_append (path, G_DIR_SEPARATOR_S);
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

static void
write_settings (GKeyFile *file, const CbdStudySettings *settings)
{
  const char *g = GROUP_SETTINGS;

  set_u64 (file, g, "cutout_size_voxels", settings->cutout_size);
  set_u64 (file, g, "envelope_edge_voxels", settings->envelope.edge);
  set_u64 (file, g, "envelope_snap_voxels", settings->envelope.snap);
  set_double (file, g, "partition_sigma", settings->envelope.partition.sigma);
  set_double (file, g, "partition_r_max", settings->envelope.partition.r_max);
  set_double (file, g, "filter_f_inside", settings->filter.f_inside);
  set_double (file, g, "filter_d_max_nm", settings->filter.d_max_nm);
  set_double (file, g, "filter_v_max_nm3", settings->filter.v_max_nm3);
  set_bool (file, g, "filter_exclude_truncated", settings->filter.exclude_truncated);
  set_bool (file, g, "filter_stack_border_truncates", settings->filter.stack_border_truncates);
  set_double (file, g, "filter_max_excluded", settings->filter.max_excluded);
  set_double (file, g, "solver_tolerance", settings->solver_tolerance);
  set_u64 (file, g, "solver_max_iterations", settings->solver_max_iterations);
  set_double (file, g, "surface_tension_n_per_m", settings->surface_tension_n_per_m);
  set_double (file, g, "contact_angle_deg", settings->contact_angle_deg);
  set_bool (file, g, "stack_psd", settings->stack_psd);
  g_key_file_set_value (file, g, "fit_weighting", cbd_fit_weighting_to_string (settings->fit.weighting));
  set_double (file, g, "fit_std_floor_relative", settings->fit.std_floor_relative);
  set_double (file, g, "fit_confidence", settings->fit.confidence);
  set_u64 (file, g, "fit_bootstrap", settings->fit.n_bootstrap);
  set_u64 (file, g, "fit_seed", settings->fit.seed);
}

static gboolean
is_study_group (const char *group)
{
  static const char *const own[] = {
    GROUP_PROJECT, GROUP_VOLUME, GROUP_SETTINGS, GROUP_PSD, GROUP_CUTOUTS, GROUP_END,
  };

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    if (strcmp (group, own[i]) == 0)
      return TRUE;
  return g_str_has_prefix (group, "cutout ");
}

static char *
project_to_data (CbdStudy   *study,
                 const char *path,
                 GKeyFile   *extra,
                 gsize      *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  const char *volume_path = cbd_study_get_volume_path (study);
  const double *diameters;
  gsize dims[3], n_diameters;
  double voxel_nm[3];
  guint64 phase_voxels[CBD_N_PHASES], dims64[3];
  g_autoptr(GArray) intruded = NULL;
  g_autoptr(GArray) thickness = NULL;
  guint64 pore_voxels, voxels;
  guint n_cutouts;

  g_return_val_if_fail (study != NULL, NULL);

  g_key_file_set_comment (file, NULL, NULL,
                          " cbdscope project: one study of a segmented stack (see README.md, "
                          "\"Project files\")", NULL);
  g_key_file_set_integer (file, GROUP_PROJECT, "version", CBD_PROJECT_VERSION);
  g_key_file_set_value (file, GROUP_PROJECT, "creator", PACKAGE_NAME " " PACKAGE_VERSION);

  if (volume_path != NULL)
    {
      g_autofree char *absolute = g_canonicalize_filename (volume_path, NULL);

      if (path != NULL)
        {
          g_autofree char *project = g_canonicalize_filename (path, NULL);
          g_autofree char *folder = g_path_get_dirname (project);
          g_autofree char *relative = relative_path (folder, absolute);

          g_key_file_set_string (file, GROUP_VOLUME, "path", relative);
        }
      else
        g_key_file_set_string (file, GROUP_VOLUME, "path", volume_path);
      g_key_file_set_string (file, GROUP_VOLUME, "absolute_path", absolute);
    }
  if (cbd_study_get_raw_spec (study) != NULL)
    g_key_file_set_string (file, GROUP_VOLUME, "raw", cbd_study_get_raw_spec (study));
  cbd_study_get_dims (study, dims, voxel_nm);
  for (guint a = 0; a < 3; a++)
    dims64[a] = dims[a];
  set_u64s (file, GROUP_VOLUME, "dims_voxels", dims64, 3);
  set_doubles (file, GROUP_VOLUME, "voxel_size_nm", voxel_nm, 3);
  if (cbd_study_get_labels_spec (study) != NULL)
    g_key_file_set_string (file, GROUP_VOLUME, "labels", cbd_study_get_labels_spec (study));
  if (cbd_study_get_phase_voxels (study, phase_voxels))
    for (guint p = 0; p < CBD_N_PHASES; p++)
      set_u64 (file, GROUP_VOLUME, phase_keys[p], phase_voxels[p]);

  write_settings (file, cbd_study_get_settings (study));

  diameters = cbd_study_get_psd_diameters (study, &n_diameters);
  set_doubles (file, GROUP_PSD, "diameters_nm", diameters, n_diameters);
  /* our own references: a worker may store a new distribution meanwhile */
  if (cbd_study_dup_stack_psd_counts (study, &intruded, &thickness, &pore_voxels, &voxels))
    {
      set_u64s (file, GROUP_PSD, "stack_intruded_voxels", (const guint64 *) intruded->data,
                intruded->len);
      set_u64s (file, GROUP_PSD, "stack_thickness_voxels", (const guint64 *) thickness->data,
                thickness->len);
      set_u64 (file, GROUP_PSD, "stack_pore_voxels", pore_voxels);
      set_u64 (file, GROUP_PSD, "stack_voxels", voxels);
    }

  n_cutouts = cbd_study_get_n_cutouts (study);
  g_key_file_set_integer (file, GROUP_CUTOUTS, "count", n_cutouts);
  /* what the app's projects call the edge of new cutouts */
  set_u64 (file, GROUP_CUTOUTS, "default_edge_voxels", cbd_study_get_settings (study)->cutout_size);
  for (guint i = 0; i < n_cutouts; i++)
    {
      const CbdCutout *cutout = cbd_study_get_cutout (study, i);
      g_autofree char *group = cutout_group (i);
      g_auto(CbdCutoutResult) result = { 0 };
      guint64 origin[3] = { cutout->origin[0], cutout->origin[1], cutout->origin[2] };

      if (cutout->name != NULL)
        g_key_file_set_string (file, group, "name", cutout->name);
      set_u64s (file, group, "origin_voxels", origin, 3);
      set_u64 (file, group, "size_voxels", cutout->size);
      set_bool (file, group, "finished", cbd_study_get_result (study, i, &result));
      if (result.finished)
        write_result (file, group, &result);
      if (result.finished && result.pore_table != NULL)
        write_pore_table (file, group, result.pore_table);
    }
  if (extra != NULL)
    {
      g_auto(GStrv) groups = g_key_file_get_groups (extra, NULL);

      for (guint g = 0; groups[g] != NULL; g++)
        {
          g_auto(GStrv) keys = NULL;

          if (is_study_group (groups[g]))
            continue;
          keys = g_key_file_get_keys (extra, groups[g], NULL, NULL);
          for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
            {
              g_autofree char *value = g_key_file_get_value (extra, groups[g], keys[k], NULL);

              g_key_file_set_value (file, groups[g], keys[k], value);
            }
        }
    }
  set_bool (file, GROUP_END, "complete", TRUE);
  return g_key_file_to_data (file, length, NULL);
}

char *
cbd_project_to_data (CbdStudy   *study,
                     const char *path,
                     gsize      *length)
{
  g_return_val_if_fail (study != NULL, NULL);
  return project_to_data (study, path, NULL, length);
}

gboolean
cbd_project_save (CbdStudy   *study,
                  const char *path,
                  GError    **error)
{
  return cbd_project_save_full (study, path, NULL, error);
}

gboolean
cbd_project_save_full (CbdStudy   *study,
                       const char *path,
                       GKeyFile   *extra,
                       GError    **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = project_to_data (study, path, extra, &length);
  /* g_file_set_contents writes a temporary file and renames it over @path */
  if (!g_file_set_contents (path, data, length, &local_error))
    {
      g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_IO,
                   "Cannot save the project: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

typedef struct
{
  GKeyFile   *file;
  const char *name;   /* the file, for messages */
  GError    **error;
} Reader;

static gboolean G_GNUC_PRINTF (4, 5)
reader_fail (Reader *reader, const char *group, const char *key, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (reader->error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_INVALID,
                 "%s: group [%s], key “%s”: %s", reader->name, group, key, message);
  else
    g_set_error (reader->error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_INVALID,
                 "%s: group [%s]: %s", reader->name, group, message);
  return FALSE;
}

static gboolean
require_group (Reader *reader, const char *group)
{
  if (g_key_file_has_group (reader->file, group))
    return TRUE;
  return reader_fail (reader, group, NULL, "missing (the file is damaged or truncated)");
}

/* The raw value, or NULL with the error set (unless @optional). */
static char *
read_value (Reader *reader, const char *group, const char *key, gboolean optional)
{
  char *value = g_key_file_get_value (reader->file, group, key, NULL);

  if (value == NULL && !optional)
    reader_fail (reader, group, key, "missing");
  return value;
}

static gboolean
parse_double (const char *text, double *value)
{
  char *end = NULL;

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '\0')
    return FALSE;
  errno = 0;
  *value = g_ascii_strtod (text, &end);
  if (end == text || errno == ERANGE)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  return *end == '\0';
}

static gboolean
parse_u64 (const char *text, guint64 *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));

  return g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT64, value, NULL);
}

static gboolean
parse_bool (const char *text, gboolean *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));

  if (g_ascii_strcasecmp (copy, "true") == 0 || strcmp (copy, "1") == 0)
    *value = TRUE;
  else if (g_ascii_strcasecmp (copy, "false") == 0 || strcmp (copy, "0") == 0)
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* A list of exactly @n items (or any number when @n is 0; *n_read gets it). */
static char **
read_list (Reader *reader, const char *group, const char *key, gsize n, gsize *n_read)
{
  g_autofree char *value = read_value (reader, group, key, FALSE);
  char **items;
  gsize count;

  if (value == NULL)
    return NULL;
  items = *g_strstrip (value) == '\0' ? g_new0 (char *, 1) : g_strsplit (value, ";", -1);
  count = g_strv_length (items);
  if (n > 0 && count != n)
    {
      reader_fail (reader, group, key, "%" G_GSIZE_FORMAT " values where %" G_GSIZE_FORMAT
                   " are expected", count, n);
      g_strfreev (items);
      return NULL;
    }
  if (n_read != NULL)
    *n_read = count;
  return items;
}

static gboolean
read_double (Reader *reader, const char *group, const char *key, double *value)
{
  g_autofree char *text = read_value (reader, group, key, FALSE);

  if (text == NULL)
    return FALSE;
  if (!parse_double (text, value))
    return reader_fail (reader, group, key, "“%s” is not a number", text);
  return TRUE;
}

static gboolean
read_doubles (Reader *reader, const char *group, const char *key, double *values, gsize n)
{
  g_auto(GStrv) items = read_list (reader, group, key, n, NULL);

  if (items == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!parse_double (items[i], &values[i]))
      return reader_fail (reader, group, key, "value %" G_GSIZE_FORMAT ", “%s”, is not a number",
                          i + 1, items[i]);
  return TRUE;
}

static gboolean
read_u64 (Reader *reader, const char *group, const char *key, guint64 max, guint64 *value)
{
  g_autofree char *text = read_value (reader, group, key, FALSE);

  if (text == NULL)
    return FALSE;
  if (!parse_u64 (text, value) || *value > max)
    return reader_fail (reader, group, key, "“%s” is not a whole number from 0 to %" G_GUINT64_FORMAT,
                        text, max);
  return TRUE;
}

static gboolean
read_u64s (Reader *reader, const char *group, const char *key, guint64 *values, gsize n)
{
  g_auto(GStrv) items = read_list (reader, group, key, n, NULL);

  if (items == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!parse_u64 (items[i], &values[i]))
      return reader_fail (reader, group, key, "value %" G_GSIZE_FORMAT ", “%s”, is not a whole "
                          "number", i + 1, items[i]);
  return TRUE;
}

static gboolean
read_bool (Reader *reader, const char *group, const char *key, gboolean *value)
{
  g_autofree char *text = read_value (reader, group, key, FALSE);

  if (text == NULL)
    return FALSE;
  if (!parse_bool (text, value))
    return reader_fail (reader, group, key, "“%s” is neither true nor false", text);
  return TRUE;
}

static gboolean
read_bools (Reader *reader, const char *group, const char *key, gboolean *values, gsize n)
{
  g_auto(GStrv) items = read_list (reader, group, key, n, NULL);

  if (items == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!parse_bool (items[i], &values[i]))
      return reader_fail (reader, group, key, "value %" G_GSIZE_FORMAT ", “%s”, is neither true "
                          "nor false", i + 1, items[i]);
  return TRUE;
}

/* [volume] raw: a layout cbd_raw_layout_parse() reads, of the volume's
 * dims, checked here so a bad one names the project, not just the volume
 * file when it is loaded. None: NULL (a TIFF). */
static gboolean
read_raw_spec (Reader *reader, const gsize dims[3], char **raw_spec)
{
  g_autofree char *text = g_key_file_get_string (reader->file, GROUP_VOLUME, "raw", NULL);
  g_autoptr(GError) layout_error = NULL;
  gsize raw_dims[3];
  CbdRawType type;

  *raw_spec = NULL;
  if (text == NULL)
    return TRUE;
  if (!cbd_raw_layout_parse (text, raw_dims, &type, &layout_error))
    return reader_fail (reader, GROUP_VOLUME, "raw", "%s", layout_error->message);
  if (memcmp (raw_dims, dims, sizeof raw_dims) != 0)
    return reader_fail (reader, GROUP_VOLUME, "raw", "“%s” is not %" G_GSIZE_FORMAT " × %"
                        G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " voxels, as dims_voxels says",
                        text, dims[0], dims[1], dims[2]);
  *raw_spec = g_steal_pointer (&text);
  return TRUE;
}

/* Counts per study diameter; check_psd_counts() says whether they fit. */
static GArray *
read_counts (Reader *reader, const char *group, const char *key, gsize n)
{
  g_autoptr(GArray) counts = g_array_sized_new (FALSE, TRUE, sizeof (guint64), n);

  g_array_set_size (counts, n);
  if (!read_u64s (reader, group, key, (guint64 *) counts->data, n))
    return NULL;
  return g_steal_pointer (&counts);
}

/* A distribution's counts as cbd_psd_new_from_counts() takes them (never
 * falling with the diameter, within the pore voxels), so what is read here
 * can be shown later. */
static gboolean
check_psd_counts (Reader *reader, const char *group, const double *diameters, gsize n,
                  const GArray *intruded, const GArray *thickness, guint64 pore_voxels,
                  guint64 voxels)
{
  g_autoptr(GError) counts_error = NULL;

  if (cbd_psd_check_counts (diameters, n, (const guint64 *) intruded->data,
                            (const guint64 *) thickness->data, pore_voxels, voxels, &counts_error))
    return TRUE;
  return reader_fail (reader, group, NULL, "%s", counts_error->message);
}

static gboolean
check_fraction (Reader *reader, const char *group, const char *key, double value, gboolean allow_nan)
{
  if ((allow_nan && isnan (value)) || (value >= 0 && value <= 1))
    return TRUE;
  return reader_fail (reader, group, key, "%g is not a fraction between 0 and 1", value);
}

static gboolean
read_axes (Reader *reader, const char *group, const char *prefix, CbdStudyAxis axes[3])
{
  g_autofree char *key = NULL;
  double values[3];
  guint64 counts[3];
  gboolean flags[3];

#define KEY(suffix) (g_free (key), key = g_strconcat (prefix, suffix, NULL))
  if (!read_doubles (reader, group, KEY ("_sigma_rel"), values, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    {
      if (!(values[a] >= 0 && isfinite (values[a])))
        return reader_fail (reader, group, key, "%g is not a relative conductivity", values[a]);
      axes[a].sigma_rel = values[a];
    }
  if (!read_doubles (reader, group, KEY ("_tau"), values, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    axes[a].tau = values[a];
  if (!read_doubles (reader, group, KEY ("_dropped_fraction"), values, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    {
      if (!check_fraction (reader, group, key, values[a], FALSE))
        return FALSE;
      axes[a].dropped_fraction = values[a];
    }
  if (!read_u64s (reader, group, KEY ("_iterations"), counts, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    axes[a].iterations = (guint) MIN (counts[a], G_MAXUINT);
  if (!read_doubles (reader, group, KEY ("_seconds"), values, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    axes[a].seconds = values[a];
  if (!read_bools (reader, group, KEY ("_percolating"), flags, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    axes[a].percolating = flags[a];
  if (!read_bools (reader, group, KEY ("_converged"), flags, 3))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    axes[a].converged = flags[a];
#undef KEY
  return TRUE;
}

static gboolean
read_result (Reader *reader, const char *group, const double *diameters, gsize n_diameters,
             CbdCutoutResult *result)
{
  CbdFilterResult *filter = &result->filter;
  guint64 value, rule_pores[CBD_FILTER_N_RULES];

  if (!read_double (reader, group, "porosity", &result->porosity) ||
      !check_fraction (reader, group, "porosity", result->porosity, FALSE) ||
      !read_double (reader, group, "cbd_fraction", &result->cbd_fraction) ||
      !check_fraction (reader, group, "cbd_fraction", result->cbd_fraction, FALSE) ||
      !read_axes (reader, group, "pore", result->pore) ||
      !read_axes (reader, group, "cbd", result->cbd))
    return FALSE;

  if (!read_u64 (reader, group, "filter_cutout_voxels", G_MAXUINT64, &filter->cutout_voxels) ||
      !read_u64 (reader, group, "filter_pore_voxels", G_MAXUINT64, &filter->pore_voxels) ||
      !read_u64 (reader, group, "filter_retained_voxels", G_MAXUINT64, &filter->retained_voxels) ||
      !read_u64 (reader, group, "filter_excluded_voxels", G_MAXUINT64, &filter->excluded_voxels) ||
      !read_double (reader, group, "filter_porosity", &filter->porosity) ||
      !read_double (reader, group, "filter_retained_porosity", &filter->retained_porosity) ||
      !check_fraction (reader, group, "filter_retained_porosity", filter->retained_porosity, FALSE) ||
      !read_double (reader, group, "filter_excluded_fraction", &filter->excluded_fraction) ||
      !check_fraction (reader, group, "filter_excluded_fraction", filter->excluded_fraction, FALSE))
    return FALSE;
  if (!read_u64 (reader, group, "filter_n_pores", G_MAXUINT32, &value))
    return FALSE;
  filter->n_pores = value;
  if (!read_u64 (reader, group, "filter_n_retained", G_MAXUINT32, &value))
    return FALSE;
  filter->n_retained = value;
  if (!read_u64 (reader, group, "filter_n_excluded", G_MAXUINT32, &value))
    return FALSE;
  filter->n_excluded = value;
  if (!read_double (reader, group, "filter_d10_nm", &filter->d10_nm) ||
      !read_double (reader, group, "filter_d50_nm", &filter->d50_nm) ||
      !read_double (reader, group, "filter_d90_nm", &filter->d90_nm) ||
      !read_bool (reader, group, "filter_accepted", &filter->accepted) ||
      !read_u64s (reader, group, "filter_rule_pores", rule_pores, CBD_FILTER_N_RULES) ||
      !read_u64s (reader, group, "filter_rule_voxels", filter->rule_voxels, CBD_FILTER_N_RULES) ||
      !read_double (reader, group, "filter_seconds", &filter->seconds))
    return FALSE;
  for (guint r = 0; r < CBD_FILTER_N_RULES; r++)
    filter->rule_pores[r] = (guint32) MIN (rule_pores[r], G_MAXUINT32);

  if (!read_double (reader, group, "ssa_faces_per_um", &result->ssa_faces_per_um) ||
      !read_double (reader, group, "ssa_marching_per_um", &result->ssa_marching_per_um) ||
      !read_u64 (reader, group, "voxels", G_MAXUINT64, &result->voxels) ||
      !read_u64 (reader, group, "psd_pore_voxels", G_MAXUINT64, &result->psd_pore_voxels))
    return FALSE;
  result->psd_intruded_voxels = read_counts (reader, group, "psd_intruded_voxels", n_diameters);
  if (result->psd_intruded_voxels == NULL)
    return FALSE;
  result->psd_thickness_voxels = read_counts (reader, group, "psd_thickness_voxels", n_diameters);
  if (result->psd_thickness_voxels == NULL ||
      !check_psd_counts (reader, group, diameters, n_diameters, result->psd_intruded_voxels,
                         result->psd_thickness_voxels, result->psd_pore_voxels, result->voxels))
    return FALSE;

  if (!read_double (reader, group, "seconds_transport", &result->seconds_transport) ||
      !read_double (reader, group, "seconds_filter", &result->seconds_filter) ||
      !read_double (reader, group, "seconds_surface", &result->seconds_surface) ||
      !read_double (reader, group, "seconds_psd", &result->seconds_psd) ||
      !read_double (reader, group, "seconds", &result->seconds))
    return FALSE;

  cbd_cutout_result_derive (result);
  result->finished = TRUE;
  return TRUE;
}

/* One value of a pore column into its field; FALSE when it is not one. */
static gboolean
parse_pore_value (const char *text, const PoreColumn *column, CbdEnvelopePore *pore)
{
  guint8 *field = (guint8 *) pore + column->offset;
  guint64 whole;
  double length;

  switch (column->type)
    {
    case COLUMN_U32:
      if (!parse_u64 (text, &whole) || whole > G_MAXUINT32)
        return FALSE;
      *(guint32 *) field = (guint32) whole;
      return TRUE;
    case COLUMN_U64:
      return parse_u64 (text, (guint64 *) field);
    case COLUMN_LENGTH:
      if (!parse_double (text, &length) || !isfinite (length) || length < 0)
        return FALSE;
      *(double *) field = length;
      return TRUE;
    case COLUMN_BOOL:
      return parse_bool (text, (gboolean *) field);
    default:
      break;
    }
  g_assert_not_reached ();
}

static const char *
column_expects (ColumnType type)
{
  switch (type)
    {
    case COLUMN_U32:
      return "a whole number from 0 to 4294967295";
    case COLUMN_U64:
      return "a whole number";
    case COLUMN_LENGTH:
      return "a finite number of at least 0";
    case COLUMN_BOOL:
      return "true or false";
    default:
      break;
    }
  g_assert_not_reached ();
}

/* The fields a project does not store, marked unknown as cbd-envelope.h
 * documents for a table read back, so that no one mistakes them for
 * measurements: the box empty (min above max), as 0 to 0 would be a real
 * one-voxel box. */
static void
mark_unstored_unknown (CbdEnvelopePore *pore)
{
  for (guint axis = 0; axis < 3; axis++)
    {
      pore->centroid_nm[axis] = NAN;
      pore->bbox_min[axis] = G_MAXSIZE;
      pore->bbox_max[axis] = 0;
    }
  pore->equivalent_diameter_nm = NAN;
  pore->n_neighbours = 0;
}

static gboolean
read_pore_column (Reader *reader, const char *group, const PoreColumn *column,
                  CbdEnvelopePore **pores, guint32 n_pores)
{
  gsize count = 0;
  g_auto(GStrv) items = read_list (reader, group, column->key, 0, &count);

  if (items == NULL)
    return FALSE;
  if (count != n_pores)
    return reader_fail (reader, group, column->key, "%" G_GSIZE_FORMAT " values where %u (one per "
                        "pore, as filter_n_pores says) are expected", count, n_pores);
  if (*pores == NULL)
    {
      /* Only once a list backs the count: a damaged filter_n_pores must
       * not reserve memory for pores that are not there. */
      *pores = g_try_new0 (CbdEnvelopePore, MAX (n_pores, 1));
      if (*pores == NULL)
        return reader_fail (reader, group, "filter_n_pores", "not enough memory for %u pores", n_pores);
      for (guint32 p = 0; p < n_pores; p++)
        mark_unstored_unknown (&(*pores)[p]);
    }
  for (guint32 p = 0; p < n_pores; p++)
    if (!parse_pore_value (items[p], column, &(*pores)[p]))
      return reader_fail (reader, group, column->key, "value %u, “%s”, is not %s", p + 1,
                          items[p], column_expects (column->type));
  return TRUE;
}

/* What a partition gives (cbd-envelope.c): region ids ascending from 1,
 * each pore with from one to all of its voxels in the cutout, a positive
 * volume and face bits of a box. */
static gboolean
check_pore (Reader *reader, const char *group, const CbdEnvelope *table, guint32 p)
{
  const CbdEnvelopePore *pore = &table->pores[p];

  if (pore->region == 0 || (p > 0 && pore->region <= table->pores[p - 1].region))
    return reader_fail (reader, group, "pores_region", "pore %u: region %u %s", p + 1, pore->region,
                        pore->region == 0 ? "is not a region id (they start at 1)"
                                          : "does not follow the one before (they ascend)");
  if (pore->cutout_voxels == 0 || pore->cutout_voxels > pore->volume_voxels)
    return reader_fail (reader, group, "pores_cutout_voxels", "pore %u: %" G_GUINT64_FORMAT
                        " voxels in the cutout of its %" G_GUINT64_FORMAT " voxels "
                        "(pores_volume_voxels); from 1 to all of them must be", p + 1,
                        pore->cutout_voxels, pore->volume_voxels);
  if (!(pore->volume_nm3 > 0))
    return reader_fail (reader, group, "pores_volume_nm3", "pore %u: a volume of %g nm³ is not "
                        "positive", p + 1, pore->volume_nm3);
  if (pore->envelope_faces > 0x3F)
    return reader_fail (reader, group, "pores_envelope_faces", "pore %u: %u is not a set of box "
                        "faces (bits 1 to 32)", p + 1, pore->envelope_faces);
  return TRUE;
}

/* A finished cutout's pore table; *@table_out NULL when the project has
 * none (written before they were kept: filtering again partitions). The
 * envelope box comes from the project's settings, as the study's tables. */
static gboolean
read_pore_table (Reader *reader, const char *group, const gsize dims[3], const double voxel_nm[3],
                 const CbdCutout *cutout, const CbdStudySettings *settings,
                 const CbdFilterResult *filter, CbdEnvelope **table_out)
{
  g_autofree CbdEnvelopePore *pores = NULL;
  g_autoptr(CbdEnvelope) table = NULL;
  g_autoptr(GError) box_error = NULL;
  const gsize size[3] = { cutout->size, cutout->size, cutout->size };
  guint64 stack_faces, sum = 0;
  gboolean present = g_key_file_has_key (reader->file, group, KEY_STACK_FACES, NULL);

  *table_out = NULL;
  for (guint c = 0; !present && c < G_N_ELEMENTS (pore_columns); c++)
    present = g_key_file_has_key (reader->file, group, pore_columns[c].key, NULL);
  if (!present)
    return TRUE;
  if (!read_u64 (reader, group, KEY_STACK_FACES, 0x3F, &stack_faces))
    return FALSE;
  /* each pore has a voxel in the cutout */
  if ((double) filter->n_pores > (double) size[0] * size[1] * size[2])
    return reader_fail (reader, group, "filter_n_pores", "%u pores cannot each have a voxel in a "
                        "cutout of %" G_GSIZE_FORMAT "³ voxels", filter->n_pores, size[0]);
  /* only these keys are read: others in the group (of a newer cbdscope
   * that stores more) are ignored, as GKeyFile ignores unknown keys */
  for (guint c = 0; c < G_N_ELEMENTS (pore_columns); c++)
    if (!read_pore_column (reader, group, &pore_columns[c], &pores, filter->n_pores))
      return FALSE;

  table = cbd_envelope_new_table (dims, voxel_nm, cutout->origin, size, &settings->envelope, pores,
                                  filter->n_pores, &box_error);
  if (table == NULL)
    return reader_fail (reader, group, NULL, "%s", box_error->message);
  if (stack_faces != table->stack_faces)
    return reader_fail (reader, group, KEY_STACK_FACES, "%" G_GUINT64_FORMAT " is not %u, the faces "
                        "of this cutout's envelope on the stack border", stack_faces,
                        table->stack_faces);
  for (guint32 p = 0; p < table->n_pores; p++)
    {
      if (!check_pore (reader, group, table, p))
        return FALSE;
      sum += table->pores[p].cutout_voxels;
    }
  if (sum != filter->pore_voxels)
    return reader_fail (reader, group, "pores_cutout_voxels", "the pores hold %" G_GUINT64_FORMAT
                        " voxels of the cutout, not the %" G_GUINT64_FORMAT " pore voxels of "
                        "filter_pore_voxels", sum, filter->pore_voxels);
  *table_out = g_steal_pointer (&table);
  return TRUE;
}

static gboolean
read_settings (Reader *reader, CbdStudySettings *settings)
{
  const char *g = GROUP_SETTINGS;
  g_autofree char *weighting = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 value;

  cbd_study_settings_init (settings);
  if (!g_key_file_has_group (reader->file, g))
    {
      /* a project that only sets up cutouts (the app's): defaults, and the
       * edge its new cutouts get */
      if (g_key_file_has_key (reader->file, GROUP_CUTOUTS, "default_edge_voxels", NULL))
        {
          if (!read_u64 (reader, GROUP_CUTOUTS, "default_edge_voxels", G_MAXSIZE, &value))
            return FALSE;
          settings->cutout_size = value;
          settings->envelope.edge = MAX (settings->envelope.edge, settings->cutout_size);
        }
      return TRUE;
    }
  if (!read_u64 (reader, g, "cutout_size_voxels", G_MAXSIZE, &value))
    return FALSE;
  settings->cutout_size = value;
  if (!read_u64 (reader, g, "envelope_edge_voxels", G_MAXSIZE, &value))
    return FALSE;
  settings->envelope.edge = value;
  if (!read_u64 (reader, g, "envelope_snap_voxels", G_MAXSIZE, &value))
    return FALSE;
  settings->envelope.snap = value;
  if (!read_double (reader, g, "partition_sigma", &settings->envelope.partition.sigma) ||
      !read_double (reader, g, "partition_r_max", &settings->envelope.partition.r_max) ||
      !read_double (reader, g, "filter_f_inside", &settings->filter.f_inside) ||
      !read_double (reader, g, "filter_d_max_nm", &settings->filter.d_max_nm) ||
      !read_double (reader, g, "filter_v_max_nm3", &settings->filter.v_max_nm3) ||
      !read_bool (reader, g, "filter_exclude_truncated", &settings->filter.exclude_truncated) ||
      !read_bool (reader, g, "filter_stack_border_truncates",
                  &settings->filter.stack_border_truncates) ||
      !read_double (reader, g, "filter_max_excluded", &settings->filter.max_excluded) ||
      !read_double (reader, g, "solver_tolerance", &settings->solver_tolerance))
    return FALSE;
  if (!read_u64 (reader, g, "solver_max_iterations", G_MAXUINT, &value))
    return FALSE;
  settings->solver_max_iterations = value;
  if (!read_double (reader, g, "surface_tension_n_per_m", &settings->surface_tension_n_per_m) ||
      !read_double (reader, g, "contact_angle_deg", &settings->contact_angle_deg) ||
      !read_bool (reader, g, "stack_psd", &settings->stack_psd))
    return FALSE;
  weighting = read_value (reader, g, "fit_weighting", FALSE);
  if (weighting == NULL)
    return FALSE;
  g_strstrip (weighting);
  if (strcmp (weighting, cbd_fit_weighting_to_string (CBD_FIT_WEIGHT_SPREAD)) == 0)
    settings->fit.weighting = CBD_FIT_WEIGHT_SPREAD;
  else if (strcmp (weighting, cbd_fit_weighting_to_string (CBD_FIT_WEIGHT_NONE)) == 0)
    settings->fit.weighting = CBD_FIT_WEIGHT_NONE;
  else
    return reader_fail (reader, g, "fit_weighting", "“%s” is neither “%s” nor “%s”", weighting,
                        cbd_fit_weighting_to_string (CBD_FIT_WEIGHT_SPREAD),
                        cbd_fit_weighting_to_string (CBD_FIT_WEIGHT_NONE));
  if (!read_double (reader, g, "fit_std_floor_relative", &settings->fit.std_floor_relative) ||
      !read_double (reader, g, "fit_confidence", &settings->fit.confidence))
    return FALSE;
  if (!read_u64 (reader, g, "fit_bootstrap", G_MAXUINT, &value))
    return FALSE;
  settings->fit.n_bootstrap = value;
  if (!read_u64 (reader, g, "fit_seed", G_MAXUINT64, &settings->fit.seed))
    return FALSE;

  if (!cbd_study_settings_validate (settings, &local_error))
    return reader_fail (reader, g, NULL, "%s", local_error->message);
  return TRUE;
}

/* The recorded volume path: relative to the project's folder; the absolute
 * copy when the relative one does not exist (the project was moved
 * without its data). */
static char *
resolve_volume_path (Reader *reader, const char *project_path)
{
  g_autofree char *path = g_key_file_get_string (reader->file, GROUP_VOLUME, "path", NULL);
  g_autofree char *absolute = g_key_file_get_string (reader->file, GROUP_VOLUME, "absolute_path", NULL);
  g_autofree char *project = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *candidate = NULL;

  if (path == NULL)
    return g_steal_pointer (&absolute);
  project = g_canonicalize_filename (project_path != NULL ? project_path : "project", NULL);
  folder = g_path_get_dirname (project);
  candidate = g_canonicalize_filename (path, folder);
  if (!g_file_test (candidate, G_FILE_TEST_EXISTS) && absolute != NULL &&
      g_file_test (absolute, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&absolute);
  return g_steal_pointer (&candidate);
}

static CbdStudy *
project_parse (const char *data,
               gsize       length,
               const char *path,
               GKeyFile  **key_file,
               GError    **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(GArray) cutouts = NULL;
  g_autofree char *volume_path = NULL;
  g_autofree char *raw_spec = NULL;
  g_autofree char *labels = NULL;
  g_autofree double *diameters = NULL;
  const double *study_diameters;
  g_auto(GStrv) diameter_items = NULL;
  const char *name = path != NULL ? path : "project";
  Reader reader = { NULL, name, error };
  CbdStudySettings settings;
  guint64 version, dims64[3], phase_voxels[CBD_N_PHASES], count = 0;
  gsize dims[3], n_diameters = 0;
  double voxel_nm[3];
  gboolean complete, have_phase_voxels = FALSE;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (memchr (data, '\0', length) != NULL ||
      !g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      /* one that starts like a project is a damaged project */
      if (g_strstr_len (data, MIN (length, 1024), "[" GROUP_PROJECT "]") != NULL)
        g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_INVALID,
                     "%s is a damaged cbdscope project (truncated, or broken by an edit): %s", name,
                     local_error != NULL ? local_error->message : "it holds binary data");
      else
        g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_NOT_PROJECT,
                     "%s is not a cbdscope project: %s", name,
                     local_error != NULL ? local_error->message : "it holds binary data");
      return NULL;
    }
  reader.file = file;
  if (!g_key_file_has_group (file, GROUP_PROJECT))
    {
      g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_NOT_PROJECT,
                   "%s is not a cbdscope project: it has no [%s] group", name, GROUP_PROJECT);
      return NULL;
    }
  if (!read_u64 (&reader, GROUP_PROJECT, "version", G_MAXUINT32, &version))
    return NULL;
  if (version > CBD_PROJECT_VERSION || version == 0)
    {
      g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_VERSION,
                   "%s: project version %" G_GUINT64_FORMAT " is not one this cbdscope (%s, "
                   "version %d) can read%s", name, version, PACKAGE_VERSION, CBD_PROJECT_VERSION,
                   version > CBD_PROJECT_VERSION ? "; it was written by a newer cbdscope" : "");
      return NULL;
    }
  /* A complete file ends with [end]; without it the file was cut short. */
  if (!g_key_file_has_group (file, GROUP_END) ||
      !read_bool (&reader, GROUP_END, "complete", &complete) || !complete)
    {
      g_clear_error (error);
      g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_INVALID,
                   "%s: group [%s] with complete=true is missing: the file is truncated or "
                   "damaged", name, GROUP_END);
      return NULL;
    }

  /* The volume */
  if (!require_group (&reader, GROUP_VOLUME) ||
      !read_u64s (&reader, GROUP_VOLUME, "dims_voxels", dims64, 3) ||
      !read_doubles (&reader, GROUP_VOLUME, "voxel_size_nm", voxel_nm, 3))
    return NULL;
  for (guint a = 0; a < 3; a++)
    {
      if (dims64[a] == 0 || dims64[a] > G_MAXSIZE)
        return reader_fail (&reader, GROUP_VOLUME, "dims_voxels", "%" G_GUINT64_FORMAT
                            " is not a volume size", dims64[a]), NULL;
      if (!(voxel_nm[a] > 0 && isfinite (voxel_nm[a])))
        return reader_fail (&reader, GROUP_VOLUME, "voxel_size_nm", "%g is not a voxel size",
                            voxel_nm[a]), NULL;
      dims[a] = dims64[a];
    }
  /* no label map: guessed when the volume is attached */
  labels = g_key_file_get_string (file, GROUP_VOLUME, "labels", NULL);
  if (labels != NULL && *g_strstrip (labels) == '\0')
    return reader_fail (&reader, GROUP_VOLUME, "labels", "empty label map"), NULL;
  /* no voxel counts: taken from the volume when it is attached */
  for (guint p = 0; p < CBD_N_PHASES; p++)
    have_phase_voxels |= g_key_file_has_key (file, GROUP_VOLUME, phase_keys[p], NULL);
  for (guint p = 0; have_phase_voxels && p < CBD_N_PHASES; p++)
    if (!read_u64 (&reader, GROUP_VOLUME, phase_keys[p], G_MAXUINT64, &phase_voxels[p]))
      return NULL;
  volume_path = resolve_volume_path (&reader, path);
  if (!read_raw_spec (&reader, dims, &raw_spec))
    return NULL;

  if (!read_settings (&reader, &settings))
    return NULL;

  /* The distributions' diameters (none: the default list) */
  if (g_key_file_has_group (file, GROUP_PSD))
    {
      diameter_items = read_list (&reader, GROUP_PSD, "diameters_nm", 0, &n_diameters);
      if (diameter_items == NULL)
        return NULL;
      if (n_diameters == 0)
        return reader_fail (&reader, GROUP_PSD, "diameters_nm", "no diameters"), NULL;
      diameters = g_new (double, n_diameters);
      for (gsize k = 0; k < n_diameters; k++)
        if (!parse_double (diameter_items[k], &diameters[k]) || !(diameters[k] > 0) ||
            !isfinite (diameters[k]) || (k > 0 && !(diameters[k] < diameters[k - 1])))
          return reader_fail (&reader, GROUP_PSD, "diameters_nm", "value %" G_GSIZE_FORMAT
                              ", “%s”, is not a positive diameter below the one before", k + 1,
                              diameter_items[k]), NULL;
    }

  study = cbd_study_new_detached (volume_path, raw_spec, dims, voxel_nm, labels,
                                  have_phase_voxels ? phase_voxels : NULL, diameters, n_diameters);
  settings.n_threads = 0;
  if (!cbd_study_set_settings (study, &settings, &local_error))
    return reader_fail (&reader, GROUP_SETTINGS, NULL, "%s", local_error->message), NULL;

  study_diameters = cbd_study_get_psd_diameters (study, &n_diameters);
  if (g_key_file_has_key (file, GROUP_PSD, "stack_intruded_voxels", NULL))
    {
      g_autoptr(GArray) intruded = read_counts (&reader, GROUP_PSD, "stack_intruded_voxels", n_diameters);
      g_autoptr(GArray) thickness = NULL;
      guint64 pore_voxels, voxels;

      if (intruded == NULL)
        return NULL;
      thickness = read_counts (&reader, GROUP_PSD, "stack_thickness_voxels", n_diameters);
      if (thickness == NULL ||
          !read_u64 (&reader, GROUP_PSD, "stack_pore_voxels", G_MAXUINT64, &pore_voxels) ||
          !read_u64 (&reader, GROUP_PSD, "stack_voxels", G_MAXUINT64, &voxels) ||
          !check_psd_counts (&reader, GROUP_PSD, study_diameters, n_diameters, intruded, thickness,
                             pore_voxels, voxels))
        return NULL;
      cbd_study_set_stack_psd (study, intruded, thickness, pore_voxels, voxels);
    }

  /* The cutouts and their results (no group: none) */
  if (g_key_file_has_group (file, GROUP_CUTOUTS) &&
      !read_u64 (&reader, GROUP_CUTOUTS, "count", 10000000, &count))
    return NULL;
  cutouts = cbd_cutouts_new ();
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *group = cutout_group (i);
      guint64 origin[3], size;
      CbdCutout cutout = { { 0 } };

      if (!require_group (&reader, group) ||
          !read_u64s (&reader, group, "origin_voxels", origin, 3) ||
          !read_u64 (&reader, group, "size_voxels", G_MAXSIZE, &size))
        return NULL;
      for (guint a = 0; a < 3; a++)
        {
          if (origin[a] >= dims[a] || size > dims[a] - origin[a])
            return reader_fail (&reader, group, NULL, "the cube at %" G_GUINT64_FORMAT ",%"
                                G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT " of edge %"
                                G_GUINT64_FORMAT " does not fit in the volume", origin[0],
                                origin[1], origin[2], size), NULL;
          cutout.origin[a] = origin[a];
        }
      cutout.size = size;
      cutout.name = g_key_file_get_string (file, group, "name", NULL);
      g_array_append_val (cutouts, cutout);
    }
  if (!cbd_study_set_cutouts (study, cutouts, &local_error))
    return reader_fail (&reader, GROUP_CUTOUTS, NULL, "%s", local_error->message), NULL;
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *group = cutout_group (i);
      g_auto(CbdCutoutResult) result = { 0 };
      gboolean finished = FALSE;

      /* a cutout without the key was only set up (the app's projects) */
      if (g_key_file_has_key (file, group, "finished", NULL) &&
          !read_bool (&reader, group, "finished", &finished))
        return NULL;
      if (!finished)
        continue;
      if (!read_result (&reader, group, study_diameters, n_diameters, &result) ||
          !read_pore_table (&reader, group, dims, voxel_nm, cbd_study_get_cutout (study, i),
                            &settings, &result.filter, &result.pore_table))
        return NULL;
      cbd_study_set_result (study, i, &result);
    }
  if (key_file != NULL)
    *key_file = g_steal_pointer (&file);
  return g_steal_pointer (&study);
}

CbdStudy *
cbd_project_parse (const char *data,
                   gsize       length,
                   const char *path,
                   GError    **error)
{
  return project_parse (data, length, path, NULL, error);
}

CbdStudy *
cbd_project_load (const char *path,
                  GError    **error)
{
  return cbd_project_load_full (path, NULL, error);
}

CbdStudy *
cbd_project_load_full (const char *path,
                       GKeyFile  **key_file,
                       GError    **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, CBD_PROJECT_ERROR, CBD_PROJECT_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  return project_parse (data, length, path, key_file, error);
}
