/* cbd-session.c — the app's project file: volume, labels, cutouts, view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GKeyFile, readable by people and scripts, in the layout of core's
 * study project (cbd-project.h) where the two overlap, so the analysis
 * (issue 7) can grow it rather than replace it:
 *
 *   [cbdscope]   version=1 (newer versions are refused), creator
 *   [volume]     path (relative to the project's folder), absolute_path
 *                (tried when the relative one does not exist),
 *                dims_voxels, voxel_size_nm, labels (raw values; absent:
 *                guessed on loading)
 *   [cutouts]    count, default_edge_voxels
 *   [cutout N]   N = 1..count: name, origin_voxels, size_voxels
 *   [view]       crosshair_voxels, zoom_pixels_per_nm, centre_nm, and per
 *                phase (other;pore;cbd;cam) colors, visible, opacity,
 *                opacity_3d
 *   [end]        complete=true — written last, so a truncated file is
 *                recognised
 *
 * Numbers in the C locale with round-trip precision, lists separated by
 * ";". Saving writes a temporary file and renames it over the old one.
 */
#define G_LOG_DOMAIN "cbd-session"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cbd-io.h"
#include "cbd-session.h"

G_DEFINE_QUARK (cbd-session-error-quark, cbd_session_error)

CbdSession *
cbd_session_new (void)
{
  CbdSession *session = g_new0 (CbdSession, 1);

  for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
    {
      session->visible[phase] = TRUE;
      session->opacity[phase] = 1.0;
      session->opacity_3d[phase] = 1.0;
    }
  session->cutout_edge = 128;
  return session;
}

void
cbd_session_free (CbdSession *session)
{
  if (session == NULL)
    return;
  g_free (session->volume_path);
  g_free (session->labels);
  g_free (session->raw_sample_type);
  for (guint i = 0; i < session->n_cutouts; i++)
    g_free (session->cutouts[i].name);
  g_free (session->cutouts);
  for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
    g_free (session->colors[phase]);
  g_free (session);
}

static void
set_doubles (GKeyFile     *key_file,
             const char   *group,
             const char   *key,
             const double *values,
             guint         n_values)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_values; i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      /* %.17g reads back bit for bit. */
      g_ascii_formatd (number, sizeof number, "%.17g", values[i]);
      g_string_append_printf (text, "%s%s", i > 0 ? ";" : "", number);
    }
  g_key_file_set_value (key_file, group, key, text->str);
  g_string_free (text, TRUE);
}

static void
set_sizes (GKeyFile    *key_file,
           const char  *group,
           const char  *key,
           const gsize *values,
           guint        n_values)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_values; i++)
    g_string_append_printf (text, "%s%" G_GSIZE_FORMAT, i > 0 ? ";" : "", values[i]);
  g_key_file_set_value (key_file, group, key, text->str);
  g_string_free (text, TRUE);
}

/* The volume path relative to the project's folder when it is below or
 * beside it ("../data/stack.tif" is fine), else absolute. */
static char *
relative_path (const char *target,
               const char *project_path)
{
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (target);
  g_autoptr(GFile) ancestor = NULL;
  GString *prefix;
  char *relative;

  if (project_path == NULL)
    return g_strdup (target);
  {
    g_autoptr(GFile) project = g_file_new_for_path (project_path);

    folder = g_file_get_parent (project);
  }
  if (folder == NULL)
    return g_strdup (target);

  prefix = g_string_new (NULL);
  ancestor = g_object_ref (folder);
  for (guint depth = 0; depth < 8 && ancestor != NULL; depth++)
    {
      g_autoptr(GFile) parent = NULL;

      relative = g_file_get_relative_path (ancestor, file);
      if (relative != NULL)
        {
          char *result = g_strconcat (prefix->str, relative, NULL);

          g_free (relative);
          g_string_free (prefix, TRUE);
          return result;
        }
      if (g_file_equal (ancestor, file))
        break;
      g_string_append (prefix, ".." G_DIR_SEPARATOR_S);
      parent = g_file_get_parent (ancestor);
      g_set_object (&ancestor, parent);
    }
  g_string_free (prefix, TRUE);
  return g_strdup (target);
}

/**
 * cbd_session_to_data:
 * @path: (nullable): where the file will live, for the relative volume path
 *
 * Returns: (transfer full): the file's text
 */
char *
cbd_session_to_data (const CbdSession *session,
                     const char       *path,
                     gsize            *length)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  static const char *phase_keys[CBD_SESSION_N_PHASES] = { "other", "pore", "cbd", "cam" };
  g_autofree char *phases = g_strjoinv (";", (char **) phase_keys);
  g_autofree char *colors = NULL;
  gboolean visible[CBD_SESSION_N_PHASES];

  g_key_file_set_integer (key_file, "cbdscope", "version", CBD_SESSION_VERSION);
  g_key_file_set_string (key_file, "cbdscope", "creator", "cbdscope " PACKAGE_VERSION);

  if (session->volume_path != NULL)
    {
      g_autofree char *relative = relative_path (session->volume_path, path);

      g_key_file_set_string (key_file, "volume", "path", relative);
      g_key_file_set_string (key_file, "volume", "absolute_path", session->volume_path);
    }
  set_sizes (key_file, "volume", "dims_voxels", session->dims, 3);
  set_doubles (key_file, "volume", "voxel_size_nm", session->voxel_nm, 3);
  if (session->labels != NULL)
    g_key_file_set_string (key_file, "volume", "labels", session->labels);
  if (session->raw_sample_type != NULL)
    {
      /* As core's project files and `cbdscope-cli --raw` write it. */
      g_autofree char *raw = g_strdup_printf ("%zu,%zu,%zu:%s", session->dims[0], session->dims[1],
                                              session->dims[2], session->raw_sample_type);

      g_key_file_set_string (key_file, "volume", "raw", raw);
    }

  g_key_file_set_integer (key_file, "cutouts", "count", (int) session->n_cutouts);
  set_sizes (key_file, "cutouts", "default_edge_voxels", &session->cutout_edge, 1);
  for (guint i = 0; i < session->n_cutouts; i++)
    {
      g_autofree char *group = g_strdup_printf ("cutout %u", i + 1);

      g_key_file_set_string (key_file, group, "name", session->cutouts[i].name);
      set_sizes (key_file, group, "origin_voxels", session->cutouts[i].origin, 3);
      set_sizes (key_file, group, "size_voxels", &session->cutouts[i].edge, 1);
    }

  set_sizes (key_file, "view", "crosshair_voxels", session->crosshair, 3);
  set_doubles (key_file, "view", "zoom_pixels_per_nm", &session->zoom, 1);
  set_doubles (key_file, "view", "centre_nm", session->centre_nm, 3);
  g_key_file_set_string (key_file, "view", "phases", phases);
  for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
    visible[phase] = session->visible[phase];
  {
    const char *color_list[CBD_SESSION_N_PHASES + 1];

    for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
      color_list[phase] = session->colors[phase] != NULL ? session->colors[phase] : "";
    color_list[CBD_SESSION_N_PHASES] = NULL;
    colors = g_strjoinv (";", (char **) color_list);
  }
  g_key_file_set_string (key_file, "view", "colors", colors);
  g_key_file_set_boolean_list (key_file, "view", "visible", visible, CBD_SESSION_N_PHASES);
  set_doubles (key_file, "view", "opacity", session->opacity, CBD_SESSION_N_PHASES);
  set_doubles (key_file, "view", "opacity_3d", session->opacity_3d, CBD_SESSION_N_PHASES);

  g_key_file_set_boolean (key_file, "end", "complete", TRUE);
  return g_key_file_to_data (key_file, length, NULL);
}

static gboolean
invalid (GError     **error,
         const char  *path,
         const char  *group,
         const char  *key,
         const char  *problem)
{
  /* Translators: the file, the [group], the key and what is wrong */
  g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_INVALID,
               _("%s: [%s] %s: %s"), path, group, key, problem);
  return FALSE;
}

static gboolean
get_doubles (GKeyFile    *key_file,
             const char  *path,
             const char  *group,
             const char  *key,
             double      *values,
             guint        n_values,
             GError     **error)
{
  g_autofree char *text = g_key_file_get_value (key_file, group, key, NULL);
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return invalid (error, path, group, key, _("missing"));
  parts = g_strsplit (text, ";", -1);
  if (g_strv_length (parts) != n_values)
    return invalid (error, path, group, key, _("wrong number of values"));
  for (guint i = 0; i < n_values; i++)
    {
      char *end = NULL;

      errno = 0;
      values[i] = g_ascii_strtod (g_strstrip (parts[i]), &end);
      if (end == parts[i] || *end != '\0' || errno != 0 || !isfinite (values[i]))
        return invalid (error, path, group, key, _("not a number"));
    }
  return TRUE;
}

static gboolean
get_sizes (GKeyFile    *key_file,
           const char  *path,
           const char  *group,
           const char  *key,
           gsize       *values,
           guint        n_values,
           GError     **error)
{
  g_autofree char *text = g_key_file_get_value (key_file, group, key, NULL);
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return invalid (error, path, group, key, _("missing"));
  parts = g_strsplit (text, ";", -1);
  if (g_strv_length (parts) != n_values)
    return invalid (error, path, group, key, _("wrong number of values"));
  for (guint i = 0; i < n_values; i++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, G_MAXSIZE, &value, NULL))
        return invalid (error, path, group, key, _("not a whole number"));
      values[i] = (gsize) value;
    }
  return TRUE;
}

/* [volume] raw = NX,NY,NZ[:u8|u16le|u16be]: the volume is a headerless raw
 * file of the project's dims. Read by core's parser, as the CLI and studies
 * read it; its (untranslated) detail goes inside the app's sentence. */
static gboolean
get_raw (GKeyFile    *key_file,
         const char  *path,
         CbdSession  *session,
         GError     **error)
{
  g_autofree char *text = g_key_file_get_string (key_file, "volume", "raw", NULL);
  g_autoptr(GError) layout_error = NULL;
  gsize dims[3];
  CbdRawType type;

  if (text == NULL)
    return TRUE;
  if (!cbd_raw_layout_parse (text, dims, &type, &layout_error))
    {
      /* Translators: %s says what is wrong with the layout (in English) */
      g_autofree char *problem = g_strdup_printf (_("not a raw layout: %s"),
                                                  layout_error->message);

      return invalid (error, path, "volume", "raw", problem);
    }
  if (memcmp (dims, session->dims, sizeof dims) != 0)
    return invalid (error, path, "volume", "raw", _("the sizes differ from dims_voxels"));
  session->raw_sample_type = g_strdup (type == CBD_RAW_U16_BE ? "u16be"
                                      : type == CBD_RAW_U16_LE ? "u16le" : "u8");
  return TRUE;
}

/* The volume file: the relative path when it exists, else the absolute. */
static char *
resolve_volume_path (GKeyFile   *key_file,
                     const char *path)
{
  g_autofree char *relative = g_key_file_get_string (key_file, "volume", "path", NULL);
  g_autofree char *absolute = g_key_file_get_string (key_file, "volume", "absolute_path", NULL);

  if (relative != NULL)
    {
      g_autofree char *folder = path != NULL ? g_path_get_dirname (path) : g_get_current_dir ();
      g_autofree char *joined = g_path_is_absolute (relative) ? g_strdup (relative)
                                : g_build_filename (folder, relative, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (joined);

      if (g_file_query_exists (file, NULL) || absolute == NULL)
        return g_file_get_path (file);
    }
  return g_steal_pointer (&absolute);
}

/**
 * cbd_session_parse:
 * @path: (nullable): names the file in messages and anchors the relative
 *   volume path
 *
 * Returns: (transfer full) (nullable): the session, or %NULL with @error
 *   naming the file, group and key
 */
CbdSession *
cbd_session_parse (const char  *data,
                   gsize        length,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(CbdSession) session = cbd_session_new ();
  g_autoptr(GError) local_error = NULL;
  const char *name = path != NULL ? path : _("project");
  int version, count;

  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &local_error)
      && length >= 10 && strncmp (data, "[cbdscope]", 10) == 0)
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_INVALID,
                   _("%s is damaged: %s"), name, local_error->message);
      return NULL;
    }
  if (local_error != NULL || !g_key_file_has_group (key_file, "cbdscope"))
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_NOT_PROJECT,
                   _("%s is not a cbdscope project"), name);
      return NULL;
    }
  version = g_key_file_get_integer (key_file, "cbdscope", "version", &local_error);
  if (local_error != NULL || version < 1)
    {
      invalid (error, name, "cbdscope", "version", _("missing or not a version"));
      return NULL;
    }
  if (version > CBD_SESSION_VERSION)
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_VERSION,
                   _("%s was written by a newer cbdscope (project version %d; this one reads %d)"),
                   name, version, CBD_SESSION_VERSION);
      return NULL;
    }
  if (!g_key_file_get_boolean (key_file, "end", "complete", NULL))
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_INVALID,
                   _("%s is incomplete (cut short while it was written?)"), name);
      return NULL;
    }

  session->volume_path = resolve_volume_path (key_file, path);
  if (session->volume_path == NULL)
    {
      invalid (error, name, "volume", "path", _("missing"));
      return NULL;
    }
  if (!get_sizes (key_file, name, "volume", "dims_voxels", session->dims, 3, error)
      || !get_doubles (key_file, name, "volume", "voxel_size_nm", session->voxel_nm, 3, error))
    return NULL;
  for (guint axis = 0; axis < 3; axis++)
    if (!(session->voxel_nm[axis] > 0.0))
      {
        invalid (error, name, "volume", "voxel_size_nm", _("not positive"));
        return NULL;
      }
  session->labels = g_key_file_get_string (key_file, "volume", "labels", NULL);
  if (!get_raw (key_file, name, session, error))
    return NULL;

  count = g_key_file_get_integer (key_file, "cutouts", "count", &local_error);
  if (local_error != NULL || count < 0 || count > 1000000)
    {
      invalid (error, name, "cutouts", "count", _("missing or out of range"));
      return NULL;
    }
  if (!get_sizes (key_file, name, "cutouts", "default_edge_voxels", &session->cutout_edge, 1, error))
    return NULL;
  session->cutouts = g_new0 (CbdSessionCutout, MAX (count, 1));
  for (int i = 0; i < count; i++)
    {
      g_autofree char *group = g_strdup_printf ("cutout %d", i + 1);
      CbdSessionCutout *cutout = &session->cutouts[i];

      session->n_cutouts = (guint) i + 1;
      cutout->name = g_key_file_get_string (key_file, group, "name", NULL);
      if (cutout->name == NULL)
        {
          invalid (error, name, group, "name", _("missing"));
          return NULL;
        }
      if (!get_sizes (key_file, name, group, "origin_voxels", cutout->origin, 3, error)
          || !get_sizes (key_file, name, group, "size_voxels", &cutout->edge, 1, error))
        return NULL;
      for (guint axis = 0; axis < 3; axis++)
        if (cutout->edge == 0 || cutout->origin[axis] + cutout->edge > session->dims[axis])
          {
            invalid (error, name, group, "origin_voxels", _("the cube is not inside the volume"));
            return NULL;
          }
    }

  session->has_view = g_key_file_has_group (key_file, "view");
  if (session->has_view)
    {
      g_autofree char *colors = g_key_file_get_string (key_file, "view", "colors", NULL);
      g_autofree gboolean *visible = NULL;
      gsize n_visible = 0;

      if (!get_sizes (key_file, name, "view", "crosshair_voxels", session->crosshair, 3, error)
          || !get_doubles (key_file, name, "view", "zoom_pixels_per_nm", &session->zoom, 1, error)
          || !get_doubles (key_file, name, "view", "centre_nm", session->centre_nm, 3, error)
          || !get_doubles (key_file, name, "view", "opacity", session->opacity, CBD_SESSION_N_PHASES, error)
          || !get_doubles (key_file, name, "view", "opacity_3d", session->opacity_3d,
                           CBD_SESSION_N_PHASES, error))
        return NULL;
      visible = g_key_file_get_boolean_list (key_file, "view", "visible", &n_visible, NULL);
      if (visible == NULL || n_visible != CBD_SESSION_N_PHASES)
        {
          invalid (error, name, "view", "visible", _("wrong number of values"));
          return NULL;
        }
      for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
        session->visible[phase] = visible[phase];
      if (colors != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (colors, ";", -1);

          if (g_strv_length (parts) != CBD_SESSION_N_PHASES)
            {
              invalid (error, name, "view", "colors", _("wrong number of values"));
              return NULL;
            }
          for (guint phase = 0; phase < CBD_SESSION_N_PHASES; phase++)
            session->colors[phase] = *parts[phase] != '\0' ? g_strdup (parts[phase]) : NULL;
        }
    }
  return g_steal_pointer (&session);
}

/* Atomic: a temporary file renamed over @path. */
gboolean
cbd_session_save (const CbdSession  *session,
                  const char        *path,
                  GError           **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  data = cbd_session_to_data (session, path, &length);
  if (!g_file_set_contents (path, data, (gssize) length, &local_error))
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_IO,
                   _("Could not save the project: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

CbdSession *
cbd_session_load (const char  *path,
                  GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, CBD_SESSION_ERROR, CBD_SESSION_ERROR_IO,
                   _("Could not read the project: %s"), local_error->message);
      return NULL;
    }
  return cbd_session_parse (data, length, path, error);
}
