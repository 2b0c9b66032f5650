/* cbd-parallel.c — deterministic parallel loops with reductions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-parallel"

#include "config.h"

#include "cbd-parallel.h"

/* Below this many items a loop runs on the calling thread: waking the pool
 * costs more than it saves. The chunking stays the same either way. */
#define PARALLEL_MIN_ITEMS 32768

struct _CbdParallel
{
  GThreadPool *pool;    /* NULL: one thread */
  guint        n_workers;
};

typedef struct
{
  CbdChunkFunc func;
  CbdTeamFunc  team;          /* set instead of func for a team */
  guint        n_members;
  gint         next_member;
  gpointer     data;
  gsize        n;
  gint         next_chunk;
  guint        pushed, finished;
  double       partial[CBD_PARALLEL_CHUNKS];
  GMutex       mutex;
  GCond        cond;
} Loop;

static void
loop_run_chunks (Loop *loop)
{
  gint chunk;

  while ((chunk = g_atomic_int_add (&loop->next_chunk, 1)) < CBD_PARALLEL_CHUNKS)
    {
      gsize lo = loop->n * chunk / CBD_PARALLEL_CHUNKS;
      gsize hi = loop->n * (chunk + 1) / CBD_PARALLEL_CHUNKS;

      loop->partial[chunk] = lo < hi ? loop->func (loop->data, lo, hi) : 0.0;
    }
}

static void
worker (gpointer data, gpointer user_data)
{
  Loop *loop = data;

  if (loop->team != NULL)
    loop->team (loop->data, (guint) g_atomic_int_add (&loop->next_member, 1), loop->n_members);
  else
    loop_run_chunks (loop);
  g_mutex_lock (&loop->mutex);
  loop->finished++;
  g_cond_signal (&loop->cond);
  g_mutex_unlock (&loop->mutex);
}

CbdParallel *
cbd_parallel_new (guint n_threads)
{
  CbdParallel *parallel = g_new0 (CbdParallel, 1);

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, CBD_PARALLEL_CHUNKS);
  if (n_threads > 1)
    {
      g_autoptr(GError) error = NULL;

      /* An exclusive pool starts its threads now; where the system gives
       * fewer (a thread or address-space limit), work with those, and cap
       * the pool so that no push tries to start another. */
      parallel->pool = g_thread_pool_new (worker, NULL, n_threads - 1, TRUE, &error);
      if (parallel->pool != NULL && error != NULL)
        {
          guint started = g_thread_pool_get_num_threads (parallel->pool);

          if (started == 0)
            {
              g_thread_pool_free (parallel->pool, TRUE, TRUE);
              parallel->pool = NULL;
            }
          else
            g_thread_pool_set_max_threads (parallel->pool, (gint) started, NULL);
          n_threads = started + 1;
        }
      parallel->n_workers = parallel->pool != NULL ? n_threads - 1 : 0;
    }
  return parallel;
}

void
cbd_parallel_free (CbdParallel *parallel)
{
  if (parallel == NULL)
    return;
  if (parallel->pool != NULL)
    g_thread_pool_free (parallel->pool, FALSE, TRUE);
  g_free (parallel);
}

guint
cbd_parallel_get_n_threads (const CbdParallel *parallel)
{
  return parallel->n_workers + 1;
}

/* Waits for the @pushed workers of @loop, then frees its lock. */
static void
loop_join (Loop *loop)
{
  g_mutex_lock (&loop->mutex);
  while (loop->finished < loop->pushed)
    g_cond_wait (&loop->cond, &loop->mutex);
  g_mutex_unlock (&loop->mutex);
  g_mutex_clear (&loop->mutex);
  g_cond_clear (&loop->cond);
}

/* cbd_parallel_for on this thread alone when @n < @min_items. */
static double
parallel_for (CbdParallel  *parallel,
              gsize         n,
              gsize         min_items,
              CbdChunkFunc  func,
              gpointer      data)
{
  Loop loop = { .func = func, .data = data, .n = n };
  double sum = 0.0;

  if (parallel == NULL || parallel->pool == NULL || n < min_items)
    loop_run_chunks (&loop);
  else
    {
      g_mutex_init (&loop.mutex);
      g_cond_init (&loop.cond);
      for (guint t = 0; t < parallel->n_workers; t++)
        if (g_thread_pool_push (parallel->pool, &loop, NULL))
          loop.pushed++;
      loop_run_chunks (&loop);
      loop_join (&loop);
    }
  for (guint c = 0; c < CBD_PARALLEL_CHUNKS; c++)
    sum += loop.partial[c];
  return sum;
}

double
cbd_parallel_for (CbdParallel  *parallel,
                  gsize         n,
                  CbdChunkFunc  func,
                  gpointer      data)
{
  return parallel_for (parallel, n, PARALLEL_MIN_ITEMS, func, data);
}

double
cbd_parallel_for_large (CbdParallel  *parallel,
                        gsize         n,
                        gsize         work,
                        CbdChunkFunc  func,
                        gpointer      data)
{
  /* Little work stays on this thread, as in cbd_parallel_for. */
  return parallel_for (work >= PARALLEL_MIN_ITEMS ? parallel : NULL, n, 2, func, data);
}

/* The pool is exclusive (its threads exist from the start and serve only
 * this object) and idle between calls, so every pushed member starts at
 * once and members may wait for each other without deadlock. */
guint
cbd_parallel_team (CbdParallel  *parallel,
                   guint         max_members,
                   CbdTeamFunc   func,
                   gpointer      data)
{
  Loop loop = { .team = func, .data = data, .next_member = 1 };
  guint n_members = parallel != NULL ? MIN (MAX (max_members, 1), parallel->n_workers + 1) : 1;

  loop.n_members = n_members;
  if (n_members == 1)
    {
      func (data, 0, 1);
      return 1;
    }
  g_mutex_init (&loop.mutex);
  g_cond_init (&loop.cond);
  for (guint t = 1; t < n_members; t++)
    if (!g_thread_pool_push (parallel->pool, &loop, NULL))
      g_error ("cbd-parallel: cannot start a team member");
    else
      loop.pushed++;
  func (data, 0, n_members);
  loop_join (&loop);
  return n_members;
}

void
cbd_parallel_run_workers (const char  *name,
                          GThreadFunc  func,
                          gpointer     workers,
                          gsize        worker_size,
                          guint        n_workers)
{
  /* Without room for the handles, every worker runs here. */
  g_autofree GThread **threads = g_try_new0 (GThread *, MAX (n_workers, 1));
  guint8 *worker = workers;

  for (guint t = 1; t < n_workers && threads != NULL; t++)
    threads[t] = g_thread_try_new (name, func, worker + t * worker_size, NULL);
  if (n_workers > 0)
    func (worker);
  for (guint t = 1; t < n_workers; t++)
    if (threads != NULL && threads[t] != NULL)
      g_thread_join (threads[t]);
    else
      func (worker + t * worker_size);
}
