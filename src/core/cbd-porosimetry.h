/* cbd-porosimetry.h — pore size distributions: simulated mercury intrusion
 * (morphological drainage) and local thickness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-json.h"
#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_POROSIMETRY_ERROR (cbd_porosimetry_error_quark ())

typedef enum
{
  CBD_POROSIMETRY_ERROR_NO_MEMORY,
  CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT,
  CBD_POROSIMETRY_ERROR_TOO_LARGE,
  CBD_POROSIMETRY_ERROR_MISMATCH,
  CBD_POROSIMETRY_ERROR_WRITE_FAILED,
} CbdPorosimetryError;

/* The six outer faces of a volume, as a set. */
typedef enum
{
  CBD_FACE_X_MIN = 1 << 0,
  CBD_FACE_X_MAX = 1 << 1,
  CBD_FACE_Y_MIN = 1 << 2,
  CBD_FACE_Y_MAX = 1 << 3,
  CBD_FACE_Z_MIN = 1 << 4,
  CBD_FACE_Z_MAX = 1 << 5,
  CBD_FACES_NONE = 0,
  CBD_FACES_ALL = 0x3f,
} CbdFaces;

/* Mercury enters through the inlet faces; beyond them lies the reservoir
 * (nothing limits a sphere there). The other faces are sealed walls: the
 * one-voxel layer just outside them counts as solid. Both the intrusion and
 * the local thickness use this face treatment. */
typedef struct
{
  CbdFaces inlets;                  /* default CBD_FACES_ALL */
  double   surface_tension_n_per_m; /* default 0.48 (mercury) */
  double   contact_angle_deg;       /* default 140; must exceed 90 */
  guint    n_threads;               /* 0: one per processor; results do not depend on it */
  guint    points_per_decade;       /* of the default diameter list; default
                                     * CBD_PSD_POINTS_PER_DECADE, at most
                                     * CBD_PSD_MAX_POINTS_PER_DECADE */
} CbdPorosimetryOptions;

#define CBD_MERCURY_SURFACE_TENSION_N_PER_M 0.48
#define CBD_MERCURY_CONTACT_ANGLE_DEG       140.0
#define CBD_PSD_POINTS_PER_DECADE           40
#define CBD_PSD_MAX_POINTS_PER_DECADE       1000

GQuark    cbd_porosimetry_error_quark      (void);
void      cbd_porosimetry_options_init     (CbdPorosimetryOptions *options);

/* "all", "none", or a comma-separated list of x, y, z (both faces of the
 * axis) and x-, x+, y-, y+, z-, z+ (one face). */
gboolean  cbd_faces_parse                  (const char            *spec,
                                            CbdFaces              *faces,
                                            GError               **error);
char     *cbd_faces_to_string              (CbdFaces               faces);

/* Washburn: p = -4 gamma cos(theta) / d, in MPa for d in nm. */
double    cbd_washburn_pressure_mpa        (double                 diameter_nm,
                                            double                 surface_tension_n_per_m,
                                            double                 contact_angle_deg);
double    cbd_washburn_diameter_nm         (double                 pressure_mpa,
                                            double                 surface_tension_n_per_m,
                                            double                 contact_angle_deg);
#define CBD_PSI_PER_MPA 145.03773773020923

/* Log-spaced diameters from @largest_nm down to @smallest_nm, both included,
 * @per_decade points per factor of ten (at least two points unless the two
 * ends coincide). Returns a g_free()able array of *n_diameters values. */
double   *cbd_porosimetry_log_diameters    (double                 largest_nm,
                                            double                 smallest_nm,
                                            guint                  per_decade,
                                            gsize                 *n_diameters);

/* The discretisation shared by both maps, in brief (details in the .c):
 * spheres are centred on voxel centres; a sphere of radius R covers the
 * voxels whose centres lie strictly within R of its centre, and fits where
 * the distance from its centre to the nearest non-pore voxel centre (or wall
 * layer) is at least R. A sphere of radius R is reported as the diameter
 * 2 R - h, h the smallest voxel edge: the half voxel between a voxel centre
 * and the face of the solid voxel next to it on either side. A slab of an
 * odd number T of voxels thus has diameter T h exactly; distances are exact
 * Euclidean with each axis's voxel size, while the half-voxel correction uses
 * the smallest edge (exact for features normal to the finest axis). */
double    cbd_porosimetry_voxel_correction_nm (const CbdVolume    *volume);

/* Per-voxel maps, one float per voxel, x fastest; either may be NULL.
 * @intrusion_diameter_nm: the largest sphere diameter at which the voxel is
 *   intruded (it lies in a sphere that fits and whose centre is connected,
 *   through centres where that sphere fits, by face-neighbour steps to a pore
 *   voxel on an inlet face); 0 outside the phase and for pore never reached.
 * @local_thickness_nm: the diameter of the largest fitting sphere that
 *   contains the voxel, reachable or not (Hildebrand & Rüegsegger); 0
 *   outside the phase.
 * Both are +INFINITY where nothing bounds the sphere (no solid voxel and no
 * wall anywhere). The results do not depend on options->n_threads. */
gboolean  cbd_porosimetry_maps             (const CbdVolume             *volume,
                                            const gboolean               phase[256],
                                            const CbdPorosimetryOptions *options,
                                            float                       *intrusion_diameter_nm,
                                            float                       *local_thickness_nm,
                                            GCancellable                *cancellable,
                                            CbdProgressFunc              progress,
                                            gpointer                     progress_data,
                                            GError                     **error);

/* A pore size distribution on a list of diameters (descending). Counts are
 * kept so distributions of several cutouts can be merged exactly. Row k of
 * the interval quantities describes diameters in [d_k, d_{k-1}), row 0 the
 * diameters >= d_0 (including unbounded ones). */
typedef struct
{
  gsize     n_diameters;
  double   *diameter_nm;               /* descending */
  double   *pressure_mpa;              /* Washburn pressure of each diameter */
  guint64  *intruded_voxels;           /* cumulative: intruded at d_k or a larger diameter */
  guint64  *local_thickness_voxels;    /* cumulative: local thickness >= d_k */
  double   *intruded_fraction;         /* intruded_voxels / pore voxels (monotone) */
  double   *intruded_volume_fraction;  /* intruded_voxels / all voxels */
  double   *intruded_increment;        /* intruded_fraction[k] - intruded_fraction[k-1] */
  double   *dv_dlogd;                  /* increment / log10 (d_{k-1} / d_k); NAN at k = 0 */
  double   *local_thickness_fraction;  /* pore fraction with thickness in row k's interval */
  double   *local_thickness_cumulative;
  double   *local_thickness_dv_dlogd;  /* as dv_dlogd; NAN at k = 0 */

  guint64   n_voxels;
  guint64   n_pore_voxels;
  guint64   n_reachable_voxels;        /* pore voxels intruded at some diameter */
  double    porosity;                  /* n_pore_voxels / n_voxels */
  double    max_local_thickness_nm;    /* largest finite local thickness, 0 if none */
  double    max_intrusion_diameter_nm; /* largest finite intrusion diameter, 0 if none */
  double    voxel_correction_nm;       /* h in 2 R - h */
  double    surface_tension_n_per_m;
  double    contact_angle_deg;
  CbdFaces  inlets;
  double    seconds;

  /*< private >*/
  gatomicrefcount ref_count;
} CbdPsd;

/* @diameters_nm: NULL for the default list (options->points_per_decade per
 * decade from the voxel correction h up to the largest local thickness, or
 * the volume's longest edge when nothing bounds the pores); otherwise
 * @n_diameters positive, strictly decreasing diameters. */
CbdPsd   *cbd_psd_compute                  (const CbdVolume             *volume,
                                            const gboolean               phase[256],
                                            const CbdPorosimetryOptions *options,
                                            const double                *diameters_nm,
                                            gsize                        n_diameters,
                                            GCancellable                *cancellable,
                                            CbdProgressFunc              progress,
                                            gpointer                     progress_data,
                                            GError                     **error);
/* The same from maps computed by cbd_porosimetry_maps() on @volume. */
CbdPsd   *cbd_psd_new_from_maps            (const CbdVolume             *volume,
                                            const gboolean               phase[256],
                                            const CbdPorosimetryOptions *options,
                                            const float                 *intrusion_diameter_nm,
                                            const float                 *local_thickness_nm,
                                            const double                *diameters_nm,
                                            gsize                        n_diameters,
                                            GError                     **error);
/* The same from cumulative counts on @diameters_nm (strictly decreasing),
 * e.g. stored in a project or summed over cutouts: the fractions,
 * densities and Washburn pressures (options' surface tension and contact
 * angle; NULL for mercury) follow from them. What only the maps tell stays
 * 0: n_reachable_voxels, the largest thickness and intrusion diameter, the
 * voxel correction. Counts cbd_psd_check_counts() refuses are an error. */
CbdPsd   *cbd_psd_new_from_counts          (const double                *diameters_nm,
                                            gsize                        n_diameters,
                                            const guint64               *intruded_voxels,
                                            const guint64               *local_thickness_voxels,
                                            guint64                      n_pore_voxels,
                                            guint64                      n_voxels,
                                            const CbdPorosimetryOptions *options,
                                            GError                     **error);
/* Whether counts can be a distribution's: the diameters as for a given
 * list, at most @n_voxels pore voxels, and each cumulative column never
 * falling from one (smaller) diameter to the next nor passing the pore
 * voxels. FALSE with CBD_POROSIMETRY_ERROR_INVALID_ARGUMENT naming the
 * column, the rows and the numbers. */
gboolean  cbd_psd_check_counts             (const double                *diameters_nm,
                                            gsize                        n_diameters,
                                            const guint64               *intruded_voxels,
                                            const guint64               *local_thickness_voxels,
                                            guint64                      n_pore_voxels,
                                            guint64                      n_voxels,
                                            GError                     **error);
/* The distribution of the union of several volumes (e.g. the accepted
 * cutouts): counts are summed. The parts need the same diameters, Washburn
 * parameters and inlet faces. */
CbdPsd   *cbd_psd_merge                    (CbdPsd * const              *parts,
                                            gsize                        n_parts,
                                            GError                     **error);
CbdPsd   *cbd_psd_ref                      (CbdPsd                      *psd);
void      cbd_psd_unref                    (CbdPsd                      *psd);

/* The diameter at which @fraction (0..1) of the pore volume is intruded,
 * interpolated linearly in log d between rows; NAN when never reached. */
double    cbd_psd_intrusion_quantile_nm    (const CbdPsd                *psd,
                                            double                       fraction);

/* One row per diameter with the columns diameter_nm, pressure_MPa,
 * pressure_psi, intruded_fraction, intruded_volume_fraction,
 * intruded_increment, dV_dlogD, local_thickness_fraction,
 * local_thickness_cumulative, local_thickness_dV_dlogD (C locale; an empty
 * field where a value does not exist). */
char     *cbd_psd_to_csv                   (const CbdPsd                *psd);
/* Written to a temporary file and renamed: a failure keeps the old file. */
gboolean  cbd_psd_write_csv                (const CbdPsd                *psd,
                                            const char                  *path,
                                            GError                     **error);
/* One JSON object: the scalars and one array per column. */
void      cbd_psd_write_json               (const CbdPsd                *psd,
                                            CbdJsonWriter               *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdPsd, cbd_psd_unref)

G_END_DECLS
