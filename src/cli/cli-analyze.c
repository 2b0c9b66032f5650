/* cli-analyze.c — `cbdscope-cli analyze VOLUME -o DIR`: the whole method on
 * a stack (cutouts, transport, partition and filter, surface area, pore
 * size distributions, fit), written as tables, figures and a project file
 * from which an interrupted run resumes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbdscope-cli"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-plot-study.h"
#include "cbd-project.h"
#include "cbd-references.h"
#include "cbd-study-export.h"
#include "cbd-study.h"
#include "cli-common.h"

#define COMMAND "analyze"
#define DEFAULT_AUTO 20

/* Options as given; -1 / NaN / FALSE mean "not given" so that a rerun on
 * an existing project can tell a changed setting from a default. */
typedef struct
{
  char    *labels_spec;
  char    *raw_spec;
  char    *cutouts_path;
  gint64   n_auto;
  gint64   size;
  gint64   envelope;
  gint64   snap;
  char    *project_path;
  char    *output;
  char    *cache_dir;
  int      n_threads;
  double   tolerance;
  double   sigma;
  double   r_max;
  double   f_inside;
  double   d_max;
  double   v_max;
  double   max_excluded;
  gboolean keep_truncated;
  gboolean stack_border_truncates;
  gboolean no_stack_psd;
  double   surface_tension;
  double   contact_angle;
  gboolean unweighted;
  gint64   n_bootstrap;
  gint64   seed;
  double   std_floor;
  gboolean restart;
  gboolean resume;
  gboolean no_figures;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->labels_spec);
  g_free (options->raw_spec);
  g_free (options->cutouts_path);
  g_free (options->project_path);
  g_free (options->output);
  g_free (options->cache_dir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* What the run did, for the report. */
typedef struct
{
  const char *project_path;
  guint       computed;
  gboolean    json;
} RunState;

/* The settings the options ask for, on top of @base. */
static void
apply_options (const Options *o, CbdStudySettings *settings)
{
  if (o->size >= 0)
    settings->cutout_size = o->size;
  if (o->envelope >= 0)
    settings->envelope.edge = o->envelope;
  if (o->snap >= 0)
    settings->envelope.snap = o->snap;
  if (!isnan (o->sigma))
    settings->envelope.partition.sigma = o->sigma;
  if (!isnan (o->r_max))
    settings->envelope.partition.r_max = o->r_max;
  if (!isnan (o->f_inside))
    settings->filter.f_inside = o->f_inside;
  if (!isnan (o->d_max))
    settings->filter.d_max_nm = o->d_max;
  if (!isnan (o->v_max))
    settings->filter.v_max_nm3 = o->v_max;
  if (!isnan (o->max_excluded))
    settings->filter.max_excluded = o->max_excluded;
  if (o->keep_truncated)
    settings->filter.exclude_truncated = FALSE;
  if (o->stack_border_truncates)
    settings->filter.stack_border_truncates = TRUE;
  if (!isnan (o->tolerance))
    settings->solver_tolerance = o->tolerance;
  if (o->no_stack_psd)
    settings->stack_psd = FALSE;
  if (!isnan (o->surface_tension))
    settings->surface_tension_n_per_m = o->surface_tension;
  if (!isnan (o->contact_angle))
    settings->contact_angle_deg = o->contact_angle;
  if (o->unweighted)
    settings->fit.weighting = CBD_FIT_WEIGHT_NONE;
  if (o->n_bootstrap >= 0)
    settings->fit.n_bootstrap = o->n_bootstrap;
  if (o->seed >= 0)
    settings->fit.seed = o->seed;
  if (!isnan (o->std_floor))
    settings->fit.std_floor_relative = o->std_floor;
  settings->n_threads = MAX (o->n_threads, 0);
}

/* The first option given that contradicts the project's settings, as
 * "--size 24 (the project has 32)", or NULL. Filter thresholds and fit
 * options may change: the filter is evaluated again, the fit redone. */
static char *
changed_option (const Options *o, const CbdStudySettings *project)
{
  CbdStudySettings wanted = *project;

#define CHECK(field, format, option, value)                                                 \
  if (wanted.field != project->field)                                                       \
    return g_strdup_printf ("%s " format " (the project has " format ")", option, value,    \
                            project->field)
  apply_options (o, &wanted);
  CHECK (cutout_size, "%" G_GSIZE_FORMAT, "--size", wanted.cutout_size);
  CHECK (envelope.edge, "%" G_GSIZE_FORMAT, "--envelope", wanted.envelope.edge);
  CHECK (envelope.snap, "%" G_GSIZE_FORMAT, "--snap", wanted.envelope.snap);
  CHECK (envelope.partition.sigma, "%g", "--sigma", wanted.envelope.partition.sigma);
  CHECK (envelope.partition.r_max, "%g", "--r-max", wanted.envelope.partition.r_max);
  CHECK (solver_tolerance, "%g", "--tol", wanted.solver_tolerance);
#undef CHECK
  return NULL;
}

static gboolean
same_cutouts (CbdStudy *study, CbdStudy *other)
{
  if (cbd_study_get_n_cutouts (other) != cbd_study_get_n_cutouts (study))
    return FALSE;
  for (guint i = 0; i < cbd_study_get_n_cutouts (study); i++)
    {
      const CbdCutout *a = cbd_study_get_cutout (other, i);
      const CbdCutout *b = cbd_study_get_cutout (study, i);

      if (memcmp (a->origin, b->origin, sizeof a->origin) != 0 || a->size != b->size)
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;

  if (a == NULL || b == NULL)
    return FALSE;
  if (g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  return FALSE;
}

static void
cutout_finished (CbdStudy              *study,
                 guint                  index,
                 const CbdCutoutResult *result,
                 gpointer               user_data)
{
  RunState *state = user_data;
  const CbdCutout *cutout = cbd_study_get_cutout (study, index);
  g_autoptr(GError) error = NULL;

  state->computed++;
  /* after every cutout, so an interrupted run loses at most one */
  if (!cbd_project_save (study, state->project_path, &error))
    g_printerr ("cbdscope-cli analyze: %s\n", error->message);
  if (state->json)
    return;
  cli_progress (&(CbdProgress) { "", 1.0, 0, 0 }, (gpointer) "");
  g_print ("  %-8s %4" G_GSIZE_FORMAT ",%4" G_GSIZE_FORMAT ",%4" G_GSIZE_FORMAT
           "  porosity %.3f  sigma_rel %.4f ± %.4f  excluded %4.1f %%  %s%s  %.1f s\n",
           cutout->name != NULL ? cutout->name : "", cutout->origin[0], cutout->origin[1],
           cutout->origin[2], result->porosity, result->sigma_rel_mean, result->sigma_rel_std,
           100 * result->filter.excluded_fraction,
           cbd_cutout_result_is_accepted (result) ? "accepted" : "rejected",
           result->converged ? "" : " (not converged)", result->seconds);
}

static void
print_fit_text (CbdStudy *study)
{
  g_autoptr(GError) error = NULL;
  CbdFitResult fit;
  CbdFitSummary summary;

  if (!cbd_study_fit (study, TRUE, &fit, &summary, &error))
    {
      g_print ("  no fit over the accepted cutouts: %s\n", error->message);
      return;
    }
  g_print ("  sigma_rel = gamma eps^alpha over %u accepted cutouts (weighting %s):\n"
           "    gamma %.4f ± %.4f, alpha %.4f ± %.4f, R^2 %.4f\n"
           "    mean porosity %.4f, mean tau %.3f, mean eps / mean tau %.4f, Bruggeman there %.4f\n",
           fit.n, cbd_fit_weighting_to_string (fit.weighting), fit.gamma, fit.gamma_se,
           fit.alpha, fit.alpha_se, fit.r2, summary.mean_porosity, summary.mean_tau,
           summary.mean_porosity_over_mean_tau, summary.bruggeman_at_mean_porosity);
}

static void
print_json (CbdStudy *study, const char *project_path, const char *output, guint requested,
            guint64 n_free, gboolean searched, guint resumed, guint computed, GPtrArray *files,
            double seconds)
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
  guint finished, accepted;

  cbd_study_count (study, &finished, &accepted);
  cbd_json_begin_object (writer);
  cbd_json_member_string (writer, "project", project_path);
  cbd_json_member_string (writer, "output", output);
  cbd_json_member_int (writer, "size", cbd_study_get_settings (study)->cutout_size);
  cbd_json_member_int (writer, "cutouts", cbd_study_get_n_cutouts (study));
  cbd_json_key (writer, "requested");
  if (requested > 0)
    cbd_json_int (writer, requested);
  else
    cbd_json_null (writer);
  cbd_json_key (writer, "free_positions");
  if (searched)
    cbd_json_int (writer, (gint64) n_free);
  else
    cbd_json_null (writer);
  cbd_json_member_int (writer, "resumed", resumed);
  cbd_json_member_int (writer, "computed", computed);
  cbd_json_member_int (writer, "finished", finished);
  cbd_json_member_int (writer, "accepted", accepted);
  {
    CbdEnvelopeCacheStats stats;

    cbd_envelope_cache_get_stats (cbd_study_get_envelope_cache (study), &stats);
    cbd_json_key (writer, "envelopes");
    cbd_json_begin_object (writer);
    cbd_json_member_int (writer, "computed", stats.computed);
    cbd_json_member_int (writer, "memory_hits", stats.memory_hits);
    cbd_json_member_int (writer, "disk_hits", stats.disk_hits);
    cbd_json_end_object (writer);
  }
  cbd_study_write_fit_headline_json (study, writer);
  cbd_json_key (writer, "files");
  cbd_json_begin_array (writer);
  for (guint i = 0; i < files->len; i++)
    cbd_json_string (writer, g_ptr_array_index (files, i));
  cbd_json_end_array (writer);
  cbd_json_member_double (writer, "seconds", seconds);
  cbd_json_end_object (writer);
  cli_print_json (writer);
}

/* Cutouts with CAM voxels are analysed as asked, but said. */
static void
warn_cam (const CbdVolume *volume, const CbdLabelMap *map, const GArray *cutouts)
{
  gboolean cam[256];
  guint n_with_cam = 0;

  for (guint label = 0; label < 256; label++)
    cam[label] = map->phase[label] == CBD_PHASE_CAM;
  for (guint i = 0; i < cutouts->len; i++)
    {
      const CbdCutout *cutout = &g_array_index (cutouts, CbdCutout, i);
      gsize box[3] = { cutout->size, cutout->size, cutout->size };

      n_with_cam += cbd_cutouts_count_forbidden (volume, cam, cutout->origin, box) > 0;
    }
  if (n_with_cam > 0)
    g_printerr ("cbdscope-cli analyze: warning: %u of the %u listed cutouts hold CAM voxels; "
                "they are analysed as given\n", n_with_cam, cutouts->len);
}

int
cli_command_analyze (int argc, char **argv)
{
  g_auto(Options) o = {
    .n_auto = -1, .size = -1, .envelope = -1, .snap = -1, .n_threads = 0,
    .tolerance = NAN, .sigma = NAN, .r_max = NAN, .f_inside = NAN, .d_max = NAN,
    .v_max = NAN, .max_excluded = NAN, .surface_tension = NAN, .contact_angle = NAN,
    .n_bootstrap = -1, .seed = -1, .std_floor = NAN,
  };
  GOptionEntry entries[] = {
    { "labels", 'l', 0, G_OPTION_ARG_STRING, &o.labels_spec, "Which values are which phase, e.g. pore=0,cbd=170,cam=85", "SPEC" },
    { "raw", 0, 0, G_OPTION_ARG_STRING, &o.raw_spec, "Read VOLUME as raw voxels", "NX,NY,NZ[:u8|u16le|u16be]" },
    { "cutouts", 'c', 0, G_OPTION_ARG_FILENAME, &o.cutouts_path, "Analyse the cutouts listed in FILE (CSV or JSON of origins)", "FILE" },
    { "auto", 'n', 0, G_OPTION_ARG_INT64, &o.n_auto, "Pick N well-spread CAM-free cutouts (default 20)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT64, &o.size, "Cutout edge in voxels (default 128)", "N" },
    { "envelope", 'e', 0, G_OPTION_ARG_INT64, &o.envelope, "Edge of the envelope partitioned around each cutout, in voxels (default 800; clipped at the stack border)", "E" },
    { "snap", 0, 0, G_OPTION_ARG_INT64, &o.snap, "Centre envelopes on a grid of this step so nearby cutouts share one (default 128; 0: on the cutout)", "G" },
    { "project", 'p', 0, G_OPTION_ARG_FILENAME, &o.project_path, "Project file to resume from and save to (default DIR/study.cbdscope)", "FILE" },
    { "restart", 0, 0, G_OPTION_ARG_NONE, &o.restart, "Start over even if the project exists (its results are discarded)", NULL },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &o.resume, "Require an existing project to resume (default: resume when it exists)", NULL },
    { "threads", 't', 0, G_OPTION_ARG_INT, &o.n_threads, "Worker threads (default: one per processor)", "N" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &o.tolerance, "Solver: relative residual (default 1e-6)", "T" },
    { "sigma", 0, 0, G_OPTION_ARG_DOUBLE, &o.sigma, "SNOW: Gaussian smoothing of the distance map, in voxels (default 0.4)", "S" },
    { "r-max", 0, 0, G_OPTION_ARG_DOUBLE, &o.r_max, "SNOW: radius of the ball a peak must be the maximum of, in voxels (default 4)", "R" },
    { "f-inside", 0, 0, G_OPTION_ARG_DOUBLE, &o.f_inside, "Filter: a pore centred outside the cutout with less than this fraction inside belongs to the surroundings (default 0.5)", "F" },
    { "d-max", 0, 0, G_OPTION_ARG_DOUBLE, &o.d_max, "Filter: pores of a larger inscribed diameter are macropores (default 400)", "NM" },
    { "v-max", 0, 0, G_OPTION_ARG_DOUBLE, &o.v_max, "Filter: pores of a larger volume are macropores (default: no limit)", "NM3" },
    { "max-excluded", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_excluded, "Filter: accept a cutout when at most this fraction of its pore space is excluded (default 0.25)", "F" },
    { "keep-truncated", 0, 0, G_OPTION_ARG_NONE, &o.keep_truncated, "Filter: do not exclude pores cut by the envelope", NULL },
    { "stack-border-truncates", 0, 0, G_OPTION_ARG_NONE, &o.stack_border_truncates, "Filter: also exclude pores cut by the stack border", NULL },
    { "no-stack-psd", 0, 0, G_OPTION_ARG_NONE, &o.no_stack_psd, "Skip the simulated intrusion of the whole stack", NULL },
    { "surface-tension", 0, 0, G_OPTION_ARG_DOUBLE, &o.surface_tension, "Washburn: surface tension in N/m (default 0.48, mercury)", "N_PER_M" },
    { "contact-angle", 0, 0, G_OPTION_ARG_DOUBLE, &o.contact_angle, "Washburn: contact angle in degrees (default 140)", "DEG" },
    { "unweighted", 0, 0, G_OPTION_ARG_NONE, &o.unweighted, "Fit: weigh every cutout alike (default: 1/spread², the spread at least 5 % of sigma_rel)", NULL },
    { "bootstrap", 'b', 0, G_OPTION_ARG_INT64, &o.n_bootstrap, "Fit: bootstrap resamples (default 1000, 0 for none)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Fit: seed of the bootstrap (default 1)", "S" },
    { "std-floor", 0, 0, G_OPTION_ARG_DOUBLE, &o.std_floor, "Fit: smallest spread, as a fraction of sigma_rel (default 0.05)", "F" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.cache_dir, "Keep envelope partitions in this folder and reuse them", "DIR" },
    { "no-figures", 0, 0, G_OPTION_ARG_NONE, &o.no_figures, "Write the tables and the project only", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "Folder for cutouts.csv, fit.json, psd.csv, summary.json and figures/", "DIR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(CbdStudy) study = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *project_path = NULL;
  g_autofree char *figures_dir = NULL;
  CbdStudySettings settings;
  CbdFilterThresholds thresholds;
  CbdLabelMap map;
  guint64 counts[256], n_free = 0;
  gboolean searched = FALSE;
  guint requested = 0, resumed = 0;
  RunState state = { NULL, 0, FALSE };
  gint64 start = g_get_monotonic_time ();
  const char *volume_path;

  if (!cli_parse_options (COMMAND, "VOLUME -o DIR",
                          "Analyse CAM-free cutouts of a stack: transport along x, y, z (pore and "
                          "CBD), pore partition and macropore filter, surface area, simulated "
                          "mercury intrusion; fit sigma_rel = gamma * eps^alpha. Writes "
                          "DIR/cutouts.csv, fit.json, psd.csv, summary.json, figures/ and the "
                          "project file; rerunning with the same project resumes.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error (COMMAND, "expected one VOLUME");
  if (o.output == NULL)
    return cli_usage_error (COMMAND, "-o DIR is required");
  if (o.cutouts_path != NULL && o.n_auto >= 0)
    return cli_usage_error (COMMAND, "give either --cutouts or --auto, not both");
  if (o.n_auto == 0 || o.n_auto > 100000)
    return cli_usage_error (COMMAND, "--auto must lie between 1 and 100000");
  if (o.size == 0 || o.size > 100000 || o.size < -1)
    return cli_usage_error (COMMAND, "--size must lie between 2 and 100000 voxels");
  if (o.envelope < -1 || o.snap < -1)
    return cli_usage_error (COMMAND, "--envelope and --snap must not be negative");
  if (o.n_threads < 0)
    return cli_usage_error (COMMAND, "--threads must not be negative");
  if (o.n_bootstrap < -1 || o.seed < -1)
    return cli_usage_error (COMMAND, "--bootstrap and --seed must not be negative");
  if (o.restart && o.resume)
    return cli_usage_error (COMMAND, "give either --restart or --resume, not both");
  state.json = cli_json_output;
  volume_path = argv[1];

  cbd_study_settings_init (&settings);
  apply_options (&o, &settings);
  if (!cbd_study_settings_validate (&settings, &error))
    return cli_usage_error (COMMAND, "%s", error->message);

  project_path = o.project_path != NULL ? g_strdup (o.project_path)
                                        : g_build_filename (o.output, "study.cbdscope", NULL);
  state.project_path = project_path;
  if (o.resume && !g_file_test (project_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "--resume: there is no project %s to resume", project_path);
      return cli_fail (COMMAND, error);
    }

  volume = cli_load_volume (volume_path, o.raw_spec, &error);
  if (volume == NULL)
    return cli_fail (COMMAND, error);
  if (!cli_resolve_labels (volume, o.labels_spec, &map, counts, &error))
    {
      g_prefix_error (&error, "%s: ", volume_path);
      return cli_fail (COMMAND, error);
    }

  if (!o.restart && g_file_test (project_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *changed = NULL;
      g_autofree char *labels_now = cbd_label_map_to_string (&map, volume);

      /* Resume: the project's volume, labels, settings and cutouts. */
      study = cbd_project_load (project_path, &error);
      if (study == NULL)
        return cli_fail (COMMAND, error);
      if (cbd_study_get_volume_path (study) != NULL &&
          !same_file (cbd_study_get_volume_path (study), volume_path))
        {
          g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s was made on %s, not on %s: use --restart to start over, or another "
                       "--project", project_path, cbd_study_get_volume_path (study), volume_path);
          return cli_fail (COMMAND, error);
        }
      if (!cbd_study_attach_volume_with_histogram (study, volume, counts, &error))
        {
          g_prefix_error (&error, "%s: ", project_path);
          return cli_fail (COMMAND, error);
        }
      if (o.labels_spec != NULL && strcmp (labels_now, cbd_study_get_labels_spec (study)) != 0)
        return cli_usage_error (COMMAND, "--labels %s differs from the project's %s: use the same "
                                "map, or --restart", labels_now, cbd_study_get_labels_spec (study));
      changed = changed_option (&o, cbd_study_get_settings (study));
      if (changed != NULL)
        return cli_usage_error (COMMAND, "%s: %s was made with other settings; rerun with the "
                                "same options to resume, or use --restart", changed, project_path);
      /* The fit options and the work options may change between runs; new
       * filter thresholds are applied to the finished cutouts. */
      settings = *cbd_study_get_settings (study);
      apply_options (&o, &settings);
      thresholds = settings.filter;
      settings.filter = cbd_study_get_settings (study)->filter;
      if (!cbd_study_set_settings (study, &settings, &error))
        return cli_fail (COMMAND, error);
      if (memcmp (&thresholds, &settings.filter, sizeof thresholds) != 0)
        {
          if (!cbd_study_set_filter (study, &thresholds, NULL, cli_progress,
                                     (gpointer) "Filtering again", &error))
            return cli_fail (COMMAND, error);
          if (!cbd_project_save (study, project_path, &error))
            return cli_fail (COMMAND, error);
          if (!cli_json_output)
            g_print ("%s: new filter thresholds applied to the finished cutouts\n", project_path);
        }

      if (o.cutouts_path != NULL)
        {
          g_autoptr(GArray) cutouts = cbd_cutouts_load (o.cutouts_path, volume->dims,
                                                        settings.cutout_size, &error);

          g_autoptr(CbdStudy) probe = cbd_study_new_with_histogram (volume, volume_path,
                                                                    o.raw_spec,
                                                                    cbd_study_get_label_map (study),
                                                                    counts);

          if (cutouts == NULL)
            return cli_fail (COMMAND, error);
          if (!cbd_study_set_cutouts (probe, cutouts, &error))
            {
              g_prefix_error (&error, "%s: ", o.cutouts_path);
              return cli_fail (COMMAND, error);
            }
          if (!same_cutouts (study, probe))
            return cli_usage_error (COMMAND, "%s lists other cutouts than the project %s: use "
                                    "--restart to start over", o.cutouts_path, project_path);
        }
      else if (o.n_auto > 0)
        {
          /* the choice is deterministic: the same request picks the same cubes */
          g_autoptr(CbdStudy) probe = cbd_study_new_with_histogram (volume, volume_path,
                                                                    o.raw_spec,
                                                                    cbd_study_get_label_map (study),
                                                                    counts);
          guint found;

          requested = o.n_auto;
          cbd_study_set_settings (probe, &settings, NULL);
          found = cbd_study_find_cutouts (probe, requested, &n_free, NULL, cli_progress,
                                          (gpointer) "Finding cutouts", &error);
          if (found == 0)
            return cli_fail (COMMAND, error);
          searched = TRUE;
          if (!same_cutouts (study, probe))
            return cli_usage_error (COMMAND, "--auto %u picks other cutouts than the %u of the "
                                    "project %s: use --restart to start over", requested,
                                    cbd_study_get_n_cutouts (study), project_path);
        }
      cbd_study_count (study, &resumed, NULL);
    }
  else
    {
      g_autofree char *folder = NULL;

      study = cbd_study_new_with_histogram (volume, volume_path, o.raw_spec, &map, counts);
      if (!cbd_study_set_settings (study, &settings, &error))
        return cli_usage_error (COMMAND, "%s", error->message);
      if (o.cutouts_path != NULL)
        {
          g_autoptr(GArray) cutouts = cbd_cutouts_load (o.cutouts_path, volume->dims,
                                                        settings.cutout_size, &error);

          if (cutouts == NULL)
            return cli_fail (COMMAND, error);
          if (cutouts->len == 0)
            {
              g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s lists no cutouts",
                           o.cutouts_path);
              return cli_fail (COMMAND, error);
            }
          warn_cam (volume, &map, cutouts);
          if (!cbd_study_set_cutouts (study, cutouts, &error))
            {
              g_prefix_error (&error, "%s: ", o.cutouts_path);
              return cli_fail (COMMAND, error);
            }
        }
      else
        {
          guint found;

          requested = o.n_auto > 0 ? o.n_auto : DEFAULT_AUTO;
          found = cbd_study_find_cutouts (study, requested, &n_free, NULL, cli_progress,
                                          (gpointer) "Finding cutouts", &error);
          if (found == 0)
            {
              g_prefix_error (&error, "%s: ", volume_path);
              return cli_fail (COMMAND, error);
            }
          searched = TRUE;
          if (found < requested)
            g_printerr ("cbdscope-cli analyze: only %u non-overlapping CAM-free cutouts of %"
                        G_GSIZE_FORMAT " voxels fit in %s (asked for %u; %" G_GUINT64_FORMAT
                        " CAM-free positions)\n", found, settings.cutout_size, volume_path,
                        requested, n_free);
        }
      folder = g_path_get_dirname (project_path);
      if (g_mkdir_with_parents (folder, 0777) != 0 || g_mkdir_with_parents (o.output, 0777) != 0)
        {
          int saved_errno = errno;

          g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "Cannot create the folder %s: %s",
                       g_file_test (folder, G_FILE_TEST_IS_DIR) ? o.output : folder,
                       g_strerror (saved_errno));
          return cli_fail (COMMAND, error);
        }
      if (!cbd_project_save (study, project_path, &error))
        return cli_fail (COMMAND, error);
    }

  if (o.cache_dir != NULL)
    {
      g_autoptr(CbdEnvelopeCache) cache = cbd_envelope_cache_new (o.cache_dir,
                                                                  CBD_ENVELOPE_CACHE_DEFAULT_BUDGET);

      cbd_study_set_envelope_cache (study, cache);
    }

  if (!cli_json_output)
    g_print ("%s: %u cutouts of %" G_GSIZE_FORMAT " voxels, %u finished before\n", project_path,
             cbd_study_get_n_cutouts (study), cbd_study_get_settings (study)->cutout_size, resumed);

  if (!cbd_study_run (study, NULL, cli_progress, (gpointer) "Analysing", cutout_finished, &state,
                      &error))
    {
      g_autoptr(GError) save_error = NULL;

      if (!cbd_project_save (study, project_path, &save_error))
        g_printerr ("cbdscope-cli analyze: %s\n", save_error->message);
      return cli_fail (COMMAND, error);
    }
  if (!cbd_project_save (study, project_path, &error))
    return cli_fail (COMMAND, error);

  if (!cbd_study_export_tables (study, o.output, &error))
    return cli_fail (COMMAND, error);
  g_ptr_array_add (files, g_build_filename (o.output, "cutouts.csv", NULL));
  g_ptr_array_add (files, g_build_filename (o.output, "fit.json", NULL));
  g_ptr_array_add (files, g_build_filename (o.output, "psd.csv", NULL));
  g_ptr_array_add (files, g_build_filename (o.output, "summary.json", NULL));
  g_ptr_array_add (files, g_strdup (project_path));

  if (!o.no_figures)
    {
      g_autoptr(GError) references_error = NULL;
      g_autoptr(GPtrArray) references = cbd_references_load_default (&references_error);

      if (references == NULL)
        g_printerr ("cbdscope-cli analyze: warning: %s; the figures show no literature values\n",
                    references_error->message);
      figures_dir = g_build_filename (o.output, "figures", NULL);
      if (!cbd_plot_study_export_figures (study, references, figures_dir, files, &error))
        return cli_fail (COMMAND, error);
    }

  if (cli_json_output)
    print_json (study, project_path, o.output, requested, n_free, searched, resumed,
                state.computed, files, (g_get_monotonic_time () - start) / 1e6);
  else
    {
      guint finished, accepted;

      cbd_study_count (study, &finished, &accepted);
      g_print ("%u of %u cutouts finished (%u now, %u from the project), %u accepted\n", finished,
               cbd_study_get_n_cutouts (study), state.computed, resumed, accepted);
      print_fit_text (study);
      g_print ("wrote %u files to %s in %.1f s\n", files->len, o.output,
               (g_get_monotonic_time () - start) / 1e6);
    }
  return CLI_EXIT_OK;
}
