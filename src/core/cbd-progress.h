/* cbd-progress.h — how long operations report progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Filled by a long operation and handed to its progress callback. The callback
 * runs on the worker thread: it must be cheap and must not touch widgets. */
typedef struct
{
  const char *stage;      /* short human-readable step, e.g. "Reading slices" */
  double      fraction;   /* 0..1 of the whole operation, or -1 when unknown */
  guint64     iteration;  /* iterative solvers: current iteration, else 0 */
  double      residual;   /* iterative solvers: relative residual, else 0 */
} CbdProgress;

typedef void (*CbdProgressFunc) (const CbdProgress *progress,
                                 gpointer           user_data);

/* Convenience for code that reports only a stage and a fraction. */
static inline void
cbd_progress_report (CbdProgressFunc func,
                     gpointer        user_data,
                     const char     *stage,
                     double          fraction)
{
  if (func != NULL)
    {
      CbdProgress progress = { stage, fraction, 0, 0.0 };
      func (&progress, user_data);
    }
}

G_END_DECLS
