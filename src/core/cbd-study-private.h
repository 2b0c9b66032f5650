/* cbd-study-private.h — what the project reader needs to rebuild a study
 * without its volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-json.h"
#include "cbd-study.h"

G_BEGIN_DECLS

/* A study whose volume is not loaded yet: everything the attach check
 * compares is given here. @labels_spec: (nullable) NULL to guess the map
 * when attaching; @phase_voxels: (nullable) NULL to take the attached
 * volume's counts unchecked; @diameters_nm: (nullable) the distributions'
 * diameters (descending, copied), NULL for the default list. */
CbdStudy *cbd_study_new_detached (const char    *volume_path,
                                  const char    *raw_spec,
                                  const gsize    dims[3],
                                  const double   voxel_nm[3],
                                  const char    *labels_spec,
                                  const guint64  phase_voxels[CBD_N_PHASES],
                                  const double  *diameters_nm,
                                  gsize          n_diameters);

/* cbd_study_get_stack_psd_counts() with references of the caller's own
 * (NULL when there are none), for readers on another thread than the one
 * that may set the distribution again. */
gboolean  cbd_study_dup_stack_psd_counts (CbdStudy  *study,
                                          GArray   **intruded_voxels,
                                          GArray   **thickness_voxels,
                                          guint64   *pore_voxels,
                                          guint64   *voxels);

/* Means, spreads, the largest dropped fraction and the overall convergence
 * from the per-axis solves. */
void      cbd_cutout_result_derive (CbdCutoutResult *result);

/* Cutouts with a result, with one a fit can use, and accepted ones. */
void      cbd_study_count_results  (CbdStudy        *study,
                                    guint           *finished,
                                    guint           *usable,
                                    guint           *accepted);

/* How many fits cbd_study_fit() computed rather than took from its cache
 * (for tests). */
guint     cbd_study_get_fit_computations (CbdStudy   *study);

G_END_DECLS
