/* cbd-solver.h — steady-state conduction through one voxel phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_SOLVER_ERROR (cbd_solver_error_quark ())

typedef enum
{
  CBD_SOLVER_ERROR_NO_MEMORY,
  CBD_SOLVER_ERROR_CANCELLED,
  CBD_SOLVER_ERROR_INVALID_ARGUMENT,
  CBD_SOLVER_ERROR_TOO_LARGE,
} CbdSolverError;

typedef struct
{
  double        tolerance;       /* relative residual, default 1e-6 */
  guint         max_iterations;  /* give up (converged = FALSE) after this many */
  guint         n_threads;       /* 0: one per processor; results do not depend on it */
  /* NULL: every conducting label has conductivity 1. Otherwise 256 values,
   * one per label, relative to a reference conductivity sigma_ref; labels
   * marked conducting with a value of 0 do not conduct. */
  const double *conductivity;
} CbdSolverOptions;

/* One axis. sigma_rel = sigma_eff / sigma_ref, where sigma_ref is 1 (the
 * bulk phase) unless per-label conductivities say otherwise. Voxel sizes
 * scale the conductances, so anisotropic voxels give physical results. */
typedef struct
{
  gboolean percolating;
  gboolean converged;
  double   eps;               /* every voxel of the phase / all voxels */
  double   eps_percolating;   /* voxels connected to both driven faces */
  double   dropped_fraction;  /* phase voxels removed as not connected, of all voxels */
  double   sigma_rel;         /* I * n_axis / A; 0 when not percolating */
  double   tau;               /* eps sigma_phase / sigma_rel; NAN when not percolating
                               * or when the conducting labels differ in conductivity */
  double   tau_percolating;   /* the same with eps_percolating */
  guint    iterations;
  double   residual;          /* final relative residual */
  double   imbalance;         /* |I_in - I_out| / I_in */
  double   seconds;
} CbdAxisResult;

GQuark   cbd_solver_error_quark (void);
void     cbd_solver_options_init (CbdSolverOptions *options);

/* Drives the faces normal to @axis at potentials 0 and 1 (on the outer voxel
 * faces) and solves for the potential in the voxels whose label is marked in
 * @conducting.
 * @potential: (out) (optional) (transfer full): one float per voxel, NAN
 *   where nothing conducts, 0..1 in the percolating cluster.
 * @current_density: (out) (optional) (transfer full): one float per voxel,
 *   the magnitude of the current density relative to the mean current density
 *   of a homogeneous block of conductivity sigma_ref (1 everywhere in a full
 *   block); 0 in conducting voxels that carry no current, NAN elsewhere. */
gboolean cbd_solver_solve_axis (const CbdVolume        *volume,
                                const gboolean          conducting[256],
                                CbdAxis                 axis,
                                const CbdSolverOptions *options,
                                CbdAxisResult          *result,
                                float                 **potential,
                                float                 **current_density,
                                GCancellable           *cancellable,
                                CbdProgressFunc         progress,
                                gpointer                progress_data,
                                GError                **error);
/* The same along each axis marked in @axes (at least one), into
 * @results[axis] (the others say: not percolating, tau NAN). Faster than
 * one call per axis: the axes share the search for the percolating cluster
 * and, where the same voxels carry current along each, the linear system
 * and its multigrid. The results are those of cbd_solver_solve_axis, bit
 * for bit; each axis's seconds include its share of the shared search.
 * Progress fractions span all axes. */
gboolean cbd_solver_solve_axes (const CbdVolume        *volume,
                                const gboolean          conducting[256],
                                const gboolean          axes[3],
                                const CbdSolverOptions *options,
                                CbdAxisResult           results[3],
                                GCancellable           *cancellable,
                                CbdProgressFunc         progress,
                                gpointer                progress_data,
                                GError                **error);

G_END_DECLS
