/* cli-partition.c — `cbdscope-cli partition VOLUME --phase P`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cbd-io.h"
#include "cbd-partition.h"
#include "cbd-regions.h"
#include "cli-common.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median_of_sorted (const double *values, gsize n)
{
  if (n == 0)
    return NAN;
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/* {"min":..,"median":..,"max":..} of @values (sorted in place); nulls when
 * there are none. */
static void
write_quantiles (CbdJsonWriter *writer, const char *key, double *values, gsize n)
{
  cbd_json_key (writer, key);
  cbd_json_begin_object (writer);
  if (n > 0)
    qsort (values, n, sizeof (double), compare_doubles);
  cbd_json_member_double (writer, "min", n > 0 ? values[0] : NAN);
  cbd_json_member_double (writer, "median", median_of_sorted (values, n));
  cbd_json_member_double (writer, "max", n > 0 ? values[n - 1] : NAN);
  cbd_json_end_object (writer);
}

/* One row per region, numbers in the C locale. */
static gboolean
write_regions_csv (const CbdRegionTable *table, const char *path, GError **error)
{
  g_autoptr(GString) text = g_string_new ("region,volume_voxels,volume_nm3,"
                                          "centroid_x_nm,centroid_y_nm,centroid_z_nm,"
                                          "inscribed_diameter_nm,equivalent_diameter_nm,"
                                          "touches_border,neighbours\n");

  for (guint32 r = 0; r < table->n_regions; r++)
    {
      const CbdRegion *region = &table->regions[r];
      double numbers[6] = {
        region->volume_nm3, region->centroid_nm[0], region->centroid_nm[1],
        region->centroid_nm[2], region->inscribed_diameter_nm, region->equivalent_diameter_nm,
      };

      g_string_append_printf (text, "%u,%" G_GUINT64_FORMAT, region->id, region->volume_voxels);
      for (guint k = 0; k < G_N_ELEMENTS (numbers); k++)
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_c (text, ',');
          g_string_append (text, g_ascii_dtostr (buffer, sizeof buffer, numbers[k]));
        }
      g_string_append_printf (text, ",%s,%u\n", region->touches_border ? "true" : "false",
                              region->n_neighbours);
    }
  return g_file_set_contents (path, text->str, (gssize) text->len, error);
}

int
cli_command_partition (int argc, char **argv)
{
  g_autofree char *labels_spec = NULL, *raw_spec = NULL, *phase_spec = NULL;
  g_autofree char *crop_spec = NULL, *output = NULL, *csv_output = NULL;
  double sigma = 0.4, r_max = 4.0;
  int n_threads = 0;
  GOptionEntry entries[] = {
    { "phase", 'p', 0, G_OPTION_ARG_STRING, &phase_spec, "Phase to split: pore, cbd, cam or a label value", "PHASE" },
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &labels_spec, "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma, "Gaussian smoothing of the distance map for peak finding, in voxels (default 0.4; 0: none)", "S" },
    { "r-max", 0, 0, G_OPTION_ARG_DOUBLE, &r_max, "Radius of the ball a peak must be the maximum of, in voxels (default 4)", "R" },
    { "crop", 0, 0, G_OPTION_ARG_STRING, &crop_spec, "Partition only the cube of edge N at this origin", "X0,Y0,Z0,N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per processor)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the region ids as a 32-bit TIFF (0 outside the phase)", "LABELS.tif" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_output, "Write one row of properties per region", "REGIONS.csv" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  g_autofree guint32 *regions = NULL;
  g_autofree float *distance = NULL;
  g_autofree double *volumes = NULL, *inscribed = NULL, *equivalent = NULL;
  CbdPartitionOptions options;
  CbdPartitionSummary summary;
  CbdLabelMap map;
  guint64 counts[256];
  gboolean phase[256];
  guint64 touching = 0, neighbour_entries = 0;
  int phase_value;
  gint64 start;
  double seconds, properties_seconds;
  gsize n;

  if (!cli_parse_options ("partition", "VOLUME", "Split one phase into individual pores by the SNOW "
                          "watershed (distance map, smoothed peaks, saddle and nearby peak removal, "
                          "marker flood) and report their sizes.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("partition", "expected one VOLUME");
  if (phase_spec == NULL)
    return cli_usage_error ("partition", "--phase is required");
  if (!(sigma >= 0 && sigma <= 100))
    return cli_usage_error ("partition", "--sigma must lie between 0 and 100 voxels");
  if (!(r_max >= 0 && r_max <= 100))
    return cli_usage_error ("partition", "--r-max must lie between 0 and 100 voxels");
  if (n_threads < 0)
    return cli_usage_error ("partition", "--threads must not be negative");

  cbd_partition_options_init (&options);
  options.sigma = sigma;
  options.r_max = r_max;
  options.n_threads = (guint) n_threads;

  volume = cli_load_volume (argv[1], raw_spec, &error);
  if (volume == NULL)
    return cli_fail ("partition", error);
  /* The label map belongs to the whole stack, not to what a crop happens to hold. */
  if (!cli_resolve_labels (volume, labels_spec, &map, counts, &error) ||
      !cli_phase_labels (phase_spec, volume, &map, phase, &phase_value, &error))
    return cli_fail ("partition", error);
  if (crop_spec != NULL)
    {
      gsize crop[4];
      CbdVolume *cropped;

      if (!cli_parse_size_list (crop_spec, 4, crop, &error))
        return cli_usage_error ("partition", "--crop: %s", error->message);
      cropped = cbd_volume_crop (volume, crop, (gsize[3]) { crop[3], crop[3], crop[3] }, &error);
      if (cropped == NULL)
        {
          g_prefix_error (&error, "%s: ", argv[1]);
          return cli_fail ("partition", error);
        }
      g_clear_pointer (&volume, cbd_volume_unref);
      volume = cropped;
    }

  n = cbd_volume_n_voxels (volume);
  regions = g_try_malloc_n (MAX (n, 1), sizeof (guint32));
  distance = g_try_malloc_n (MAX (n, 1), sizeof (float));
  if (regions == NULL || distance == NULL)
    {
      g_set_error (&error, CBD_PARTITION_ERROR, CBD_PARTITION_ERROR_NO_MEMORY,
                   "%s: not enough memory to partition %" G_GSIZE_FORMAT " voxels", argv[1], n);
      return cli_fail ("partition", error);
    }

  start = g_get_monotonic_time ();
  if (!cbd_partition_compute (volume, phase, &options, regions, distance, &summary, NULL,
                              cli_progress, (gpointer) "Partition", &error))
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_fail ("partition", error);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  start = g_get_monotonic_time ();
  table = cbd_region_table_measure (regions, summary.n_regions, volume->dims, volume->voxel_nm,
                                    distance, NULL, NULL, NULL, &error);
  if (table == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_fail ("partition", error);
    }
  properties_seconds = (g_get_monotonic_time () - start) / 1e6;
  g_clear_pointer (&distance, g_free);

  if (output != NULL && !cbd_tiff_write_uint32 (regions, volume->dims, volume->voxel_nm, output, &error))
    return cli_fail ("partition", error);
  if (csv_output != NULL && !write_regions_csv (table, csv_output, &error))
    return cli_fail ("partition", error);

  volumes = g_new (double, MAX (summary.n_regions, 1));
  inscribed = g_new (double, MAX (summary.n_regions, 1));
  equivalent = g_new (double, MAX (summary.n_regions, 1));
  for (guint32 r = 0; r < summary.n_regions; r++)
    {
      const CbdRegion *region = &table->regions[r];

      volumes[r] = (double) region->volume_voxels;
      inscribed[r] = region->inscribed_diameter_nm;
      equivalent[r] = region->equivalent_diameter_nm;
      touching += region->touches_border;
      neighbour_entries += region->n_neighbours;
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
      cbd_json_member_double (writer, "sigma", options.sigma);
      cbd_json_member_double (writer, "r_max", options.r_max);
      cbd_json_member_int (writer, "phase_voxels", (gint64) summary.phase_voxels);
      cbd_json_member_int (writer, "regions", summary.n_regions);
      cbd_json_member_int (writer, "regions_from_peaks", summary.n_markers);
      cbd_json_member_int (writer, "regions_split_pieces", summary.n_split);
      cbd_json_member_int (writer, "regions_unmarked", summary.n_unmarked);
      cbd_json_member_int (writer, "regions_touching_border", (gint64) touching);
      cbd_json_key (writer, "peaks");
      cbd_json_begin_object (writer);
      cbd_json_member_int (writer, "plateaus", (gint64) summary.n_peak_plateaus);
      cbd_json_member_int (writer, "saddles_removed", (gint64) summary.n_saddles_removed);
      cbd_json_member_int (writer, "nearby_removed", (gint64) summary.n_nearby_removed);
      cbd_json_end_object (writer);
      write_quantiles (writer, "volume_voxels", volumes, summary.n_regions);
      write_quantiles (writer, "inscribed_diameter_nm", inscribed, summary.n_regions);
      write_quantiles (writer, "equivalent_diameter_nm", equivalent, summary.n_regions);
      cbd_json_member_double (writer, "mean_neighbours",
                              summary.n_regions > 0 ? (double) neighbour_entries / summary.n_regions : NAN);
      cbd_json_member_double (writer, "seconds", seconds);
      cbd_json_member_double (writer, "properties_seconds", properties_seconds);
      cbd_json_end_object (writer);
      cli_print_json (writer);
      return CLI_EXIT_OK;
    }

  g_print ("phase value %d: %" G_GUINT64_FORMAT " voxels split into %u regions "
           "(%u from peaks, %u without one) in %.2f s\n", phase_value, summary.phase_voxels,
           summary.n_regions, summary.n_markers, summary.n_unmarked, seconds);
  g_print ("  peaks: %" G_GUINT64_FORMAT " plateaus, %" G_GUINT64_FORMAT " saddles and %"
           G_GUINT64_FORMAT " nearby peaks removed\n", summary.n_peak_plateaus,
           summary.n_saddles_removed, summary.n_nearby_removed);
  if (summary.n_regions > 0)
    {
      qsort (volumes, summary.n_regions, sizeof (double), compare_doubles);
      qsort (inscribed, summary.n_regions, sizeof (double), compare_doubles);
      g_print ("  volume (voxels): min %.0f, median %.1f, max %.0f\n", volumes[0],
               median_of_sorted (volumes, summary.n_regions), volumes[summary.n_regions - 1]);
      g_print ("  inscribed diameter (nm): min %.1f, median %.1f, max %.1f\n", inscribed[0],
               median_of_sorted (inscribed, summary.n_regions), inscribed[summary.n_regions - 1]);
      g_print ("  %" G_GUINT64_FORMAT " regions touch the volume border\n", touching);
    }
  return CLI_EXIT_OK;
}
