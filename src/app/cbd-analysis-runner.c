/* cbd-analysis-runner.c — analyses a study's cutouts on the app's own
 * thread pool and reports back on the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each run has its own state (a refcounted Run) shared by the workers and
 * the main thread: workers write progress and finished cutouts under its
 * mutex and announce them with at most one pending low-priority idle,
 * which drains them on the main thread. The runner is reached from that
 * idle through a weak reference, so a window closed mid-run only cancels.
 *
 * The window must stay responsive on a machine the solves keep busy: the
 * pool leaves one processor to the main thread, its threads run at a
 * lower priority (nice +10, per thread on Linux), and announcements wait
 * 50 ms so a burst of progress reports costs one redraw.
 */
#define G_LOG_DOMAIN "cbd-analysis"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "cbd-analysis-runner.h"

#define ANNOUNCE_DELAY_MS 50
#define STACK_PSD_JOB     G_MAXUINT  /* the slot's "cutout": the whole stack */
#define WORKER_NICENESS   10

typedef struct Run
{
  GMutex        mutex;
  CbdStudy     *study;
  GCancellable *cancellable;
  GWeakRef      runner;
  guint         n_total;
  guint        *indices;     /* cutout of each slot */
  int          *slot_of;     /* per cutout index, its slot or -1: each item's
                              * lookup on every progress tick is O(1) */
  guint         n_slot_of;   /* the study's cutouts when the run began */
  double       *fraction;    /* per slot, 0..1 */
  gboolean     *done;        /* per slot */
  guint         n_done;      /* finished, failed or skipped */
  GArray       *finished;    /* cutout indices not yet announced */
  char         *error;       /* the first failure's message */
  char         *stage;
  gboolean      idle_pending;
} Run;

typedef struct
{
  Run   *run;
  guint  slot;
} Job;

struct _CbdAnalysisRunner
{
  GObject      parent_instance;

  Run         *run;    /* NULL when idle */
};

enum
{
  SIGNAL_CUTOUT_FINISHED,
  SIGNAL_PROGRESS,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdAnalysisRunner, cbd_analysis_runner, G_TYPE_OBJECT)

static void
run_clear (gpointer data)
{
  Run *run = data;

  g_mutex_clear (&run->mutex);
  g_clear_pointer (&run->study, cbd_study_unref);
  g_clear_object (&run->cancellable);
  g_weak_ref_clear (&run->runner);
  g_free (run->indices);
  g_free (run->slot_of);
  g_free (run->fraction);
  g_free (run->done);
  g_clear_pointer (&run->finished, g_array_unref);
  g_free (run->error);
  g_free (run->stage);
}

static Run *
run_ref (Run *run)
{
  return g_atomic_rc_box_acquire (run);
}

static void
run_unref (gpointer run)
{
  g_atomic_rc_box_release_full (run, run_clear);
}

static void
job_free (gpointer data)
{
  Job *job = data;

  run_unref (job->run);
  g_free (job);
}

static gboolean run_idle_cb (gpointer data);

/* Called with the mutex held. */
static void
run_announce_locked (Run *run)
{
  if (run->idle_pending)
    return;
  run->idle_pending = TRUE;
  g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, ANNOUNCE_DELAY_MS, run_idle_cb, run_ref (run),
                      run_unref);
}

static void
job_progress_cb (const CbdProgress *progress,
                 gpointer           user_data)
{
  Job *job = user_data;
  Run *run = job->run;

  g_mutex_lock (&run->mutex);
  if (progress->fraction >= 0.0)
    run->fraction[job->slot] = CLAMP (progress->fraction, 0.0, 1.0);
  if (progress->stage != NULL && g_strcmp0 (progress->stage, run->stage) != 0)
    {
      g_free (run->stage);
      run->stage = g_strdup (progress->stage);
    }
  run_announce_locked (run);
  g_mutex_unlock (&run->mutex);
}

static void
run_worker (gpointer data,
            gpointer user_data)
{
  Job *job = data;
  Run *run = job->run;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

#ifdef __linux__
  /* The pool is exclusive: these threads are ours and end with it. */
  if (getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)) < WORKER_NICENESS)
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICENESS);
#endif

  if (g_cancellable_is_cancelled (run->cancellable))
    ok = FALSE;
  else if (run->indices[job->slot] == STACK_PSD_JOB)
    ok = cbd_study_compute_stack_psd (run->study, run->cancellable, job_progress_cb, job, &error);
  else
    ok = cbd_study_analyze_cutout (run->study, run->indices[job->slot], NULL,
                                   run->cancellable, job_progress_cb, job, &error);

  g_mutex_lock (&run->mutex);
  run->done[job->slot] = TRUE;
  run->fraction[job->slot] = 1.0;
  run->n_done++;
  if (ok && run->indices[job->slot] != STACK_PSD_JOB)
    g_array_append_val (run->finished, run->indices[job->slot]);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           run->error == NULL)
    run->error = g_strdup (error->message);
  run_announce_locked (run);
  g_mutex_unlock (&run->mutex);

  job_free (job);
}

static gboolean
run_idle_cb (gpointer data)
{
  Run *run = data;
  g_autoptr(CbdAnalysisRunner) self = NULL;
  g_autoptr(GArray) finished = NULL;
  g_autofree char *error = NULL;
  gboolean all_done;

  g_mutex_lock (&run->mutex);
  run->idle_pending = FALSE;
  finished = g_steal_pointer (&run->finished);
  run->finished = g_array_new (FALSE, FALSE, sizeof (guint));
  all_done = run->n_done == run->n_total;
  if (all_done)
    error = g_strdup (run->error);
  g_mutex_unlock (&run->mutex);

  self = g_weak_ref_get (&run->runner);
  if (self == NULL || self->run != run)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < finished->len; i++)
    g_signal_emit (self, signals[SIGNAL_CUTOUT_FINISHED], 0, g_array_index (finished, guint, i));
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);

  if (all_done && self->run == run)
    {
      gboolean cancelled = g_cancellable_is_cancelled (run->cancellable);

      self->run = NULL;
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, cancelled, error);
      run_unref (run);
    }
  return G_SOURCE_REMOVE;
}

/* The slot of each cutout the run analyses (the stack's job has none),
 * per cutout of the run's study. */
static void
run_index_slots (Run   *run,
                 guint  n_slots)
{
  guint n = cbd_study_get_n_cutouts (run->study);

  run->n_slot_of = n;
  run->slot_of = g_new (int, MAX (n, 1));
  for (guint index = 0; index < n; index++)
    run->slot_of[index] = -1;
  for (guint slot = 0; slot < n_slots; slot++)
    if (run->indices[slot] < n)  /* not the stack's job (nor a cutout the study lacks) */
      run->slot_of[run->indices[slot]] = (int) slot;
}

gboolean
cbd_analysis_runner_start (CbdAnalysisRunner *self,
                           CbdStudy          *study,
                           const guint       *indices,
                           guint              n_indices,
                           gboolean           stack_psd,
                           guint              n_threads)
{
  g_autoptr(GError) error = NULL;
  GThreadPool *pool;
  Run *run;

  g_return_val_if_fail (CBD_IS_ANALYSIS_RUNNER (self), FALSE);
  g_return_val_if_fail (study != NULL, FALSE);
  g_return_val_if_fail (indices != NULL || n_indices == 0, FALSE);

  if (self->run != NULL)
    return FALSE;

  if (n_threads == 0)
    n_threads = MAX (g_get_num_processors (), 2) - 1;
  n_threads = CLAMP (n_threads, 1, MAX (n_indices, 1));

  run = g_atomic_rc_box_new0 (Run);
  {
    /* The stack's distribution runs last (a pool takes jobs in order). */
    guint *all = g_new (guint, n_indices + 1);

    if (n_indices > 0)
      memcpy (all, indices, sizeof (guint) * n_indices);
    all[n_indices] = STACK_PSD_JOB;
    if (stack_psd)
      n_indices++;
    run->indices = all;
  }
  g_mutex_init (&run->mutex);
  run->study = cbd_study_ref (study);
  run_index_slots (run, n_indices);
  run->cancellable = g_cancellable_new ();
  g_weak_ref_init (&run->runner, self);
  run->n_total = n_indices;
  run->fraction = g_new0 (double, MAX (n_indices, 1));
  run->done = g_new0 (gboolean, MAX (n_indices, 1));
  run->finished = g_array_new (FALSE, FALSE, sizeof (guint));
  self->run = run;

  if (n_indices == 0)
    {
      g_mutex_lock (&run->mutex);
      run_announce_locked (run);
      g_mutex_unlock (&run->mutex);
      return TRUE;
    }

  pool = g_thread_pool_new_full (run_worker, NULL, job_free, (int) n_threads, TRUE, &error);
  if (pool == NULL)
    {
      g_critical ("Cannot start the analysis threads: %s", error->message);
      self->run = NULL;
      run_unref (run);
      return FALSE;
    }

  for (guint slot = 0; slot < n_indices; slot++)
    {
      Job *job = g_new0 (Job, 1);

      job->run = run_ref (run);
      job->slot = slot;
      g_thread_pool_push (pool, job, NULL);
    }
  /* Shut down once the queue drains; the pool frees itself then. */
  g_thread_pool_free (pool, FALSE, FALSE);
  return TRUE;
}

void
cbd_analysis_runner_cancel (CbdAnalysisRunner *self)
{
  g_return_if_fail (CBD_IS_ANALYSIS_RUNNER (self));

  if (self->run != NULL)
    g_cancellable_cancel (self->run->cancellable);
}

gboolean
cbd_analysis_runner_is_running (CbdAnalysisRunner *self)
{
  g_return_val_if_fail (CBD_IS_ANALYSIS_RUNNER (self), FALSE);
  return self->run != NULL;
}

double
cbd_analysis_runner_get_progress (CbdAnalysisRunner *self,
                                  guint             *n_done,
                                  guint             *n_total)
{
  Run *run;
  double sum = 0.0;
  guint done = 0, total = 0;

  g_return_val_if_fail (CBD_IS_ANALYSIS_RUNNER (self), 0.0);

  run = self->run;
  if (run != NULL)
    {
      g_mutex_lock (&run->mutex);
      for (guint slot = 0; slot < run->n_total; slot++)
        sum += run->done[slot] ? 1.0 : run->fraction[slot];
      done = run->n_done;
      total = run->n_total;
      g_mutex_unlock (&run->mutex);
    }
  if (n_done != NULL)
    *n_done = done;
  if (n_total != NULL)
    *n_total = total;
  return total > 0 ? sum / total : 0.0;
}

double
cbd_analysis_runner_get_cutout_progress (CbdAnalysisRunner *self,
                                         guint              index)
{
  Run *run;
  double fraction = -1.0;

  g_return_val_if_fail (CBD_IS_ANALYSIS_RUNNER (self), -1.0);

  run = self->run;
  if (run == NULL)
    return -1.0;
  if (index >= run->n_slot_of || run->slot_of[index] < 0)
    return -1.0;
  g_mutex_lock (&run->mutex);
  fraction = run->fraction[run->slot_of[index]];
  g_mutex_unlock (&run->mutex);
  return fraction;
}

char *
cbd_analysis_runner_dup_stage (CbdAnalysisRunner *self)
{
  char *stage;

  g_return_val_if_fail (CBD_IS_ANALYSIS_RUNNER (self), NULL);

  if (self->run == NULL)
    return g_strdup ("");
  g_mutex_lock (&self->run->mutex);
  stage = g_strdup (self->run->stage != NULL ? self->run->stage : "");
  g_mutex_unlock (&self->run->mutex);
  return stage;
}

static void
cbd_analysis_runner_dispose (GObject *object)
{
  CbdAnalysisRunner *self = CBD_ANALYSIS_RUNNER (object);

  /* The workers hold their own references to the run and give up soon. */
  if (self->run != NULL)
    {
      g_cancellable_cancel (self->run->cancellable);
      g_clear_pointer (&self->run, run_unref);
    }

  G_OBJECT_CLASS (cbd_analysis_runner_parent_class)->dispose (object);
}

static void
cbd_analysis_runner_class_init (CbdAnalysisRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cbd_analysis_runner_dispose;

  /**
   * CbdAnalysisRunner::cutout-finished:
   * @index: the cutout whose result is now in the study
   */
  signals[SIGNAL_CUTOUT_FINISHED] =
    g_signal_new ("cutout-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * CbdAnalysisRunner::finished:
   * @cancelled: whether the run was cancelled
   * @error: (nullable): the first failure, if any
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
cbd_analysis_runner_init (CbdAnalysisRunner *self)
{
}

CbdAnalysisRunner *
cbd_analysis_runner_new (void)
{
  return g_object_new (CBD_TYPE_ANALYSIS_RUNNER, NULL);
}
