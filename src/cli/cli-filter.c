/* cli-filter.c — `cbdscope-cli filter VOLUME --cutout X0,Y0,Z0[,N]`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-envelope.h"
#include "cbd-filter.h"
#include "cbd-io.h"
#include "cli-common.h"

static const char *face_names[6] = { "x_low", "x_high", "y_low", "y_high", "z_low", "z_high" };

static const char *
source_name (CbdEnvelopeSource source)
{
  switch (source)
    {
    case CBD_ENVELOPE_FROM_MEMORY:
      return "memory";
    case CBD_ENVELOPE_FROM_DISK:
      return "disk";
    case CBD_ENVELOPE_COMPUTED:
    default:
      return "computed";
    }
}

static void
write_size_array (CbdJsonWriter *writer, const char *key, const gsize values[3])
{
  cbd_json_key (writer, key);
  cbd_json_begin_array (writer);
  for (guint axis = 0; axis < 3; axis++)
    cbd_json_int (writer, (gint64) values[axis]);
  cbd_json_end_array (writer);
}

static void
write_json (const CbdEnvelope *envelope, const CbdFilterThresholds *thresholds,
            const CbdFilterResult *result, const char *classes_path)
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);

  cbd_json_begin_object (writer);

  cbd_json_key (writer, "cutout");
  cbd_json_begin_object (writer);
  write_size_array (writer, "origin", envelope->cutout_origin);
  write_size_array (writer, "size", envelope->cutout_size);
  cbd_json_end_object (writer);

  cbd_json_key (writer, "envelope");
  cbd_json_begin_object (writer);
  write_size_array (writer, "origin", envelope->origin);
  write_size_array (writer, "size", envelope->size);
  cbd_json_key (writer, "stack_border_faces");
  cbd_json_begin_array (writer);
  for (guint face = 0; face < 6; face++)
    if (envelope->stack_faces & (1u << face))
      cbd_json_string (writer, face_names[face]);
  cbd_json_end_array (writer);
  cbd_json_member_int (writer, "regions", envelope->n_regions);
  cbd_json_member_int (writer, "markers", envelope->summary.n_markers);
  cbd_json_member_double (writer, "sigma", envelope->partition_options.sigma);
  cbd_json_member_double (writer, "r_max", envelope->partition_options.r_max);
  cbd_json_member_string (writer, "source", source_name (envelope->source));
  if (envelope->cache_path != NULL)
    cbd_json_member_string (writer, "cache_file", envelope->cache_path);
  else
    {
      cbd_json_key (writer, "cache_file");
      cbd_json_null (writer);
    }
  cbd_json_end_object (writer);

  cbd_json_key (writer, "thresholds");
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "f_inside", thresholds->f_inside);
  cbd_json_member_double (writer, "d_max_nm", thresholds->d_max_nm);
  cbd_json_member_double (writer, "v_max_nm3", thresholds->v_max_nm3);  /* null: off */
  cbd_json_member_boolean (writer, "exclude_truncated", thresholds->exclude_truncated);
  cbd_json_member_boolean (writer, "stack_border_truncates", thresholds->stack_border_truncates);
  cbd_json_member_double (writer, "max_excluded", thresholds->max_excluded);
  cbd_json_end_object (writer);

  cbd_json_member_double (writer, "porosity", result->porosity);
  cbd_json_member_double (writer, "retained_porosity", result->retained_porosity);
  cbd_json_member_double (writer, "excluded_fraction", result->excluded_fraction);
  cbd_json_member_boolean (writer, "accepted", result->accepted);
  cbd_json_member_int (writer, "n_pores", result->n_pores);
  cbd_json_member_int (writer, "n_retained", result->n_retained);
  cbd_json_member_int (writer, "n_excluded", result->n_excluded);
  cbd_json_member_double (writer, "d10_nm", result->d10_nm);
  cbd_json_member_double (writer, "d50_nm", result->d50_nm);
  cbd_json_member_double (writer, "d90_nm", result->d90_nm);

  cbd_json_key (writer, "voxels");
  cbd_json_begin_object (writer);
  cbd_json_member_int (writer, "cutout", (gint64) result->cutout_voxels);
  cbd_json_member_int (writer, "pore", (gint64) result->pore_voxels);
  cbd_json_member_int (writer, "retained", (gint64) result->retained_voxels);
  cbd_json_member_int (writer, "excluded", (gint64) result->excluded_voxels);
  cbd_json_end_object (writer);

  cbd_json_key (writer, "rules");
  cbd_json_begin_object (writer);
  for (guint rule = 0; rule < CBD_FILTER_N_RULES; rule++)
    {
      cbd_json_key (writer, cbd_filter_rule_to_string (rule));
      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "pores", result->rule_pores[rule]);
      cbd_json_member_int (writer, "voxels", (gint64) result->rule_voxels[rule]);
      cbd_json_end_object (writer);
    }
  cbd_json_end_object (writer);

  if (classes_path != NULL)
    cbd_json_member_string (writer, "classes_file", classes_path);

  cbd_json_key (writer, "seconds");
  cbd_json_begin_object (writer);
  cbd_json_member_double (writer, "partition", envelope->partition_seconds);
  cbd_json_member_double (writer, "envelope", envelope->seconds);
  cbd_json_member_double (writer, "filter", result->seconds);
  cbd_json_end_object (writer);

  cbd_json_end_object (writer);
  cli_print_json (writer);
}

static void
print_text (const CbdEnvelope *envelope, const CbdFilterResult *result)
{
  g_print ("cutout (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") edge %"
           G_GSIZE_FORMAT " in the envelope (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %"
           G_GSIZE_FORMAT ") of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
           " voxels: %u regions (%s, partition %.2f s)\n",
           envelope->cutout_origin[0], envelope->cutout_origin[1], envelope->cutout_origin[2],
           envelope->cutout_size[0], envelope->origin[0], envelope->origin[1], envelope->origin[2],
           envelope->size[0], envelope->size[1], envelope->size[2], envelope->n_regions,
           source_name (envelope->source), envelope->partition_seconds);
  g_print ("  porosity %.4f, retained %.4f, excluded fraction %.4f of the pore space: %s\n",
           result->porosity, result->retained_porosity, result->excluded_fraction,
           result->accepted ? "accepted" : "rejected");
  g_print ("  %u pores: %u retained, %u excluded (", result->n_pores, result->n_retained,
           result->n_excluded);
  for (guint rule = 0; rule < CBD_FILTER_N_RULES; rule++)
    g_print ("%s%s %u", rule > 0 ? ", " : "", cbd_filter_rule_to_string (rule), result->rule_pores[rule]);
  g_print (")\n");
  if (result->n_retained > 0)
    g_print ("  retained inscribed diameters d10 %.0f nm, d50 %.0f nm, d90 %.0f nm\n",
             result->d10_nm, result->d50_nm, result->d90_nm);
}

/* "X0,Y0,Z0" or "X0,Y0,Z0,N". */
static gboolean
parse_cutout (const char *spec, gsize origin[3], gsize *edge, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
  gsize values[4];
  guint n = g_strv_length (parts);

  if (n != 3 && n != 4)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "“%s” should be X0,Y0,Z0 or X0,Y0,Z0,N", spec);
      return FALSE;
    }
  if (!cli_parse_size_list (spec, n, values, error))
    return FALSE;
  for (guint axis = 0; axis < 3; axis++)
    origin[axis] = values[axis];
  if (n == 4)
    *edge = values[3];
  if (*edge == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "the cutout edge must be positive");
      return FALSE;
    }
  return TRUE;
}

int
cli_command_filter (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL, *raw_spec = NULL, *cutout_spec = NULL;
  g_autofree char *cache_dir = NULL, *output = NULL;
  int envelope_edge = CBD_ENVELOPE_DEFAULT_EDGE, snap = CBD_ENVELOPE_DEFAULT_SNAP, n_threads = 0;
  double sigma = 0.4, r_max = 4.0;
  gboolean keep_truncated = FALSE, stack_border_truncates = FALSE;
  CbdFilterThresholds thresholds;
  GOptionEntry entries[] = {
    { "cutout", 'c', 0, G_OPTION_ARG_STRING, &cutout_spec, "The cutout's origin and edge in voxels (edge default 128)", "X0,Y0,Z0[,N]" },
    { "envelope", 'e', 0, G_OPTION_ARG_INT, &envelope_edge, "Edge of the envelope partitioned around it, in voxels (default 800; clipped at the stack border)", "E" },
    { "snap", 0, 0, G_OPTION_ARG_INT, &snap, "Centre the envelope on a grid of this step so nearby cutouts share it (default 128; 0: on the cutout)", "G" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec, "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "d-max", 0, 0, G_OPTION_ARG_DOUBLE, &thresholds.d_max_nm, "Pores of a larger inscribed diameter are macropores (default 400)", "NM" },
    { "v-max", 0, 0, G_OPTION_ARG_DOUBLE, &thresholds.v_max_nm3, "Pores of a larger volume are macropores (default: no limit)", "NM3" },
    { "f-inside", 0, 0, G_OPTION_ARG_DOUBLE, &thresholds.f_inside, "A pore centred outside the cutout with less than this fraction of its volume inside belongs to the surroundings (default 0.5)", "F" },
    { "max-excluded", 0, 0, G_OPTION_ARG_DOUBLE, &thresholds.max_excluded, "Accept the cutout when at most this fraction of its pore space is excluded (default 0.25)", "F" },
    { "keep-truncated", 0, 0, G_OPTION_ARG_NONE, &keep_truncated, "Do not exclude pores cut by the envelope", NULL },
    { "stack-border-truncates", 0, 0, G_OPTION_ARG_NONE, &stack_border_truncates, "Also exclude pores cut by the stack border", NULL },
    { "sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma, "SNOW: Gaussian smoothing of the distance map, in voxels (default 0.4)", "S" },
    { "r-max", 0, 0, G_OPTION_ARG_DOUBLE, &r_max, "SNOW: radius of the ball a peak must be the maximum of, in voxels (default 4)", "R" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per processor)", "N" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &cache_dir, "Keep envelope partitions in this folder and reuse them", "DIR" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the cutout's classes as an 8-bit TIFF: 0 solid, 1 retained pore, 2 excluded pore", "CLASSES.tif" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdEnvelope) envelope = NULL;
  g_autoptr(CbdEnvelopeCache) cache = NULL;
  g_autofree guint8 *classes = NULL;
  CbdEnvelopeOptions options;
  CbdFilterResult result;
  CbdLabelMap map;
  guint64 counts[256];
  gboolean phase[256], any_pore = FALSE;
  gsize origin[3], edge = 128, size[3];

  cbd_filter_thresholds_init (&thresholds);
  if (!cli_parse_options ("filter", "VOLUME", "Partition the pore space in the envelope around a "
                          "cutout (SNOW) and tell the carbon-binder domain's pores (retained) from "
                          "macropores and surroundings (excluded).",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("filter", "expected one VOLUME");
  if (cutout_spec == NULL)
    return cli_usage_error ("filter", "--cutout is required");
  if (!parse_cutout (cutout_spec, origin, &edge, &error))
    return cli_usage_error ("filter", "--cutout: %s", error->message);
  if (envelope_edge <= 0 || (gsize) envelope_edge < edge)
    return cli_usage_error ("filter", "--envelope must be at least the cutout's edge (%" G_GSIZE_FORMAT ")", edge);
  if (snap < 0)
    return cli_usage_error ("filter", "--snap must not be negative");
  if (!(sigma >= 0 && sigma <= 100))
    return cli_usage_error ("filter", "--sigma must lie between 0 and 100 voxels");
  if (!(r_max >= 0 && r_max <= 100))
    return cli_usage_error ("filter", "--r-max must lie between 0 and 100 voxels");
  if (n_threads < 0)
    return cli_usage_error ("filter", "--threads must not be negative");
  thresholds.exclude_truncated = !keep_truncated;
  thresholds.stack_border_truncates = stack_border_truncates;
  if (!cbd_filter_thresholds_check (&thresholds, &error))
    return cli_usage_error ("filter", "%s", error->message);

  cbd_envelope_options_init (&options);
  options.edge = (gsize) envelope_edge;
  options.snap = (gsize) snap;
  options.partition.sigma = sigma;
  options.partition.r_max = r_max;
  options.partition.n_threads = (guint) n_threads;
  for (guint axis = 0; axis < 3; axis++)
    size[axis] = edge;

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL)
    return cli_fail ("filter", error);
  if (!cli_resolve_labels (volume, labels_spec, &map, counts, &error))
    return cli_fail ("filter", error);
  for (guint label = 0; label < 256; label++)
    {
      phase[label] = map.phase[label] == CBD_PHASE_PORE;
      any_pore |= phase[label];
    }
  if (!any_pore)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s: no label value is mapped to the pore phase", argv[1]);
      return cli_fail ("filter", error);
    }

  /* memory cache off: one cutout per run; the files carry over */
  if (cache_dir != NULL)
    cache = cbd_envelope_cache_new (cache_dir, 0);
  envelope = cbd_envelope_compute (volume, phase, origin, size, &options, cache, NULL,
                                   cli_progress, (gpointer) "Partitioning", &error);
  if (envelope == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_fail ("filter", error);
    }

  classes = g_try_malloc (cbd_envelope_cutout_voxels (envelope));
  if (classes == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "Not enough memory for the classes");
      return cli_fail ("filter", error);
    }
  if (!cbd_filter_evaluate (envelope, &thresholds, classes, NULL, &result, &error))
    return cli_fail ("filter", error);

  if (output != NULL)
    {
      g_autoptr(CbdVolume) image = cbd_volume_new_for_data (size[0], size[1], size[2],
                                                             g_steal_pointer (&classes), g_free);

      for (guint axis = 0; axis < 3; axis++)
        image->voxel_nm[axis] = volume->voxel_nm[axis];
      if (!cbd_tiff_write (image, output, &error))
        return cli_fail ("filter", error);
    }

  if (cli_json_output)
    write_json (envelope, &thresholds, &result, output);
  else
    print_text (envelope, &result);
  return CLI_EXIT_OK;
}
