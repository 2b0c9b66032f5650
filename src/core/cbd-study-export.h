/* cbd-study-export.h — the tables a study publishes: cutouts.csv, fit.json,
 * psd.csv and summary.json (the same files from the CLI and the app)
 *
 * Every file is written whole to a temporary file and renamed over the
 * target, so a failed export never leaves half a table or destroys the
 * previous one. Numbers are in the C locale, with as many digits as it
 * takes to read them back exactly (15 to 17). A value that does not exist
 * (tau of a cutout whose pore space does not percolate, d50 of a cutout
 * with no retained pore, dV/dlogD in the first row, any number of a cutout
 * not analysed yet) is an empty CSV field or JSON null — never NaN.
 *
 * cutouts.csv — one row per cutout, in study order:
 *   index, name, x0_voxels, y0_voxels, z0_voxels, size_voxels, finished,
 *   accepted (in the correlation fit: filter_accepted and sigma_rel > 0),
 *   porosity, sigma_rel, sigma_rel_std, tau, tau_std (pore phase, mean and
 *   sample standard deviation over x, y, z), sigma_rel_x/_y/_z,
 *   tau_x/_y/_z, percolating_x/_y/_z, dropped_fraction (largest over the
 *   axes) and dropped_fraction_x/_y/_z (pore voxels not connected to both
 *   driven faces, of all voxels), iterations_x/_y/_z, cbd_fraction,
 *   cbd_sigma_rel, cbd_sigma_rel_std, cbd_sigma_rel_x/_y/_z (electronic,
 *   solid CBD), converged (all six solves), filter_accepted,
 *   retained_porosity, excluded_fraction, pores, retained_pores,
 *   excluded_pores, d10_nm, d50_nm, d90_nm (retained pores' inscribed
 *   diameters), ssa_faces_per_um, ssa_marching_per_um (pore-solid
 *   interface per cutout volume), seconds_transport, seconds_filter,
 *   seconds_surface, seconds_psd, seconds.
 *   `cbdscope-cli fit cutouts.csv` reads porosity, sigma_rel,
 *   sigma_rel_std and accepted and gives the "accepted" fit of fit.json.
 *
 * fit.json — {"cutouts", "finished", "usable", "accepted_cutouts",
 *   "options": {weighting, std_floor_relative, confidence, bootstrap, seed},
 *   "accepted": FIT, "all": FIT} where FIT is the weighted power-law fit
 *   over the accepted (or all usable) cutouts with the keys of
 *   `cbdscope-cli fit --json` (gamma, alpha, gamma_se, alpha_se, r2, n,
 *   confidence, gamma_ci, alpha_ci, covariance, chi2, chi2_reduced, dof,
 *   t_quantile, iterations, weighting, loglog{}, bootstrap{}, summary{}),
 *   or, when the fit is impossible, {"n", "error", "summary"}.
 *
 * psd.csv — one row per diameter (descending): diameter_nm, pressure_MPa
 *   (Washburn), then for the whole stack (stack_) and the union of the
 *   accepted cutouts (accepted_): intruded_fraction (cumulative pore volume
 *   intruded at this diameter or a larger one), dV_dlogD, and the local
 *   thickness distribution local_thickness_cumulative (pore volume whose
 *   local thickness is at least this diameter) and local_thickness_dV_dlogD.
 *   Columns of a distribution that was not computed are empty.
 *
 * summary.json — the volume, the settings, the counts, the headline fit
 *   numbers and the seconds spent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-json.h"
#include "cbd-study.h"

G_BEGIN_DECLS

char     *cbd_study_cutouts_to_csv     (CbdStudy   *study);
char     *cbd_study_fit_to_json        (CbdStudy   *study);
char     *cbd_study_psd_to_csv         (CbdStudy   *study);
char     *cbd_study_summary_to_json    (CbdStudy   *study);

gboolean  cbd_study_write_cutouts_csv  (CbdStudy   *study,
                                        const char *path,
                                        GError    **error);
gboolean  cbd_study_write_fit_json     (CbdStudy   *study,
                                        const char *path,
                                        GError    **error);
gboolean  cbd_study_write_psd_csv      (CbdStudy   *study,
                                        const char *path,
                                        GError    **error);
gboolean  cbd_study_write_summary_json (CbdStudy   *study,
                                        const char *path,
                                        GError    **error);

/* The member "fit" of summary.json: the headline numbers of the fit over
 * the accepted cutouts (gamma, alpha, gamma_se, alpha_se, r2, n,
 * mean_porosity, mean_tau, mean_porosity_over_mean_tau,
 * bruggeman_at_mean_porosity), or null when there is no fit. */
void      cbd_study_write_fit_headline_json (CbdStudy      *study,
                                             CbdJsonWriter *writer);

/* All four into @directory (created when missing). */
gboolean  cbd_study_export_tables      (CbdStudy   *study,
                                        const char *directory,
                                        GError    **error);

G_END_DECLS
