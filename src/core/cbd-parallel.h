/* cbd-parallel.h — deterministic parallel loops with reductions
 *
 * A loop over [0, n) is cut into CBD_PARALLEL_CHUNKS fixed chunks that the
 * threads take in any order; each chunk returns a partial sum, and the
 * partial sums are added in chunk order. The chunking never depends on the
 * number of threads, so neither do the results, to the last bit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CBD_PARALLEL_CHUNKS 16

typedef struct _CbdParallel CbdParallel;

/* Works on [lo, hi) and returns its part of the reduction (or 0). */
typedef double (*CbdChunkFunc) (gpointer data,
                                gsize    lo,
                                gsize    hi);

/* One member of a team: all members of a team run at the same time, so they
 * may wait for each other (a pipeline). */
typedef void (*CbdTeamFunc) (gpointer data,
                             guint    member,
                             guint    n_members);

CbdParallel *cbd_parallel_new  (guint         n_threads);
void         cbd_parallel_free (CbdParallel  *parallel);
guint        cbd_parallel_get_n_threads (const CbdParallel *parallel);
double       cbd_parallel_for  (CbdParallel  *parallel,
                                gsize         n,
                                CbdChunkFunc  func,
                                gpointer      data);
/* The same for @n items that each take long (the planes of a volume),
 * @work in all (their voxels): on all threads however few the items when
 * the work is worth it, where cbd_parallel_for counts only the items. */
double       cbd_parallel_for_large (CbdParallel  *parallel,
                                     gsize         n,
                                     gsize         work,
                                     CbdChunkFunc  func,
                                     gpointer      data);
/* Runs @func once per member, members 0 .. n_members - 1 concurrently, where
 * n_members = MIN (@max_members, threads); returns n_members. The caller
 * must make the result independent of n_members if it wants determinism. */
guint        cbd_parallel_team (CbdParallel  *parallel,
                                guint         max_members,
                                CbdTeamFunc   func,
                                gpointer      data);

/* Runs @func once for each of @n_workers workers (@workers: an array of
 * them, @worker_size bytes each): worker 0 on this thread, the others on
 * threads named @name of their own, and those the system will not start
 * (a limit on threads or address space) on this thread after worker 0, so
 * each runs exactly once and nothing aborts. Returns when all are done.
 * Workers must not wait for one another. */
void         cbd_parallel_run_workers (const char  *name,
                                       GThreadFunc  func,
                                       gpointer     workers,
                                       gsize        worker_size,
                                       guint        n_workers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdParallel, cbd_parallel_free)

G_END_DECLS
