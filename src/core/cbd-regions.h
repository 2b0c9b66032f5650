/* cbd-regions.h — sizes, positions and neighbours of labelled regions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CBD_REGIONS_ERROR (cbd_regions_error_quark ())

typedef enum
{
  CBD_REGIONS_ERROR_NO_MEMORY,
  CBD_REGIONS_ERROR_INVALID_ARGUMENT,  /* a label above n_regions, a box outside */
} CbdRegionsError;

/* One region. Positions are voxel centres in nm, voxel (0,0,0) at the origin. */
typedef struct
{
  guint32  id;                      /* 1..n_regions */
  guint64  volume_voxels;
  double   volume_nm3;
  double   centroid_nm[3];
  double   max_distance_nm;         /* largest distance map value; NAN without a map */
  double   inscribed_diameter_nm;   /* 2 * max_distance_nm */
  double   equivalent_diameter_nm;  /* of the sphere of the same volume */
  gsize    bbox_min[3];             /* voxel indices, inclusive; 0 when empty */
  gsize    bbox_max[3];
  gboolean touches_border;          /* has a voxel on a face of the volume */
  guint64  box_voxels;              /* voxels inside the box; 0 without one */
  gsize    first_neighbour;         /* index into CbdRegionTable.neighbours */
  guint    n_neighbours;
} CbdRegion;

/* A region sharing voxel faces with another. */
typedef struct
{
  guint32 region;      /* the other region's id */
  guint64 face_pairs;  /* face-adjacent voxel pairs, one voxel in each region */
  double  area_nm2;    /* area of those faces (anisotropic voxels: per axis) */
} CbdRegionNeighbour;

/* Refcounted; read the fields directly. */
typedef struct
{
  guint32             n_regions;
  CbdRegion          *regions;       /* regions[id - 1] */
  gsize               n_neighbours;  /* each adjacent pair appears twice */
  CbdRegionNeighbour *neighbours;    /* per region, sorted by the other id */
  gsize               dims[3];
  double              voxel_nm[3];
  gboolean            has_box;
  gsize               box_origin[3];
  gsize               box_size[3];

  /*< private >*/
  gatomicrefcount     ref_count;
} CbdRegionTable;

GQuark                    cbd_regions_error_quark     (void);

/* Measures every region id 1..@n_regions of a label array (e.g. a partition's
 * regions_out) in one pass over it. @distance_nm (nullable) gives the
 * inscribed diameters (NAN without it); @box_origin and @box_size (both or
 * neither, 3 values each, voxels) count each region's voxels inside a box,
 * e.g. a cutout within its envelope. Ids without voxels get zero volume and
 * no neighbours; a voxel with an id above @n_regions is an error. */

CbdRegionTable           *cbd_region_table_measure    (const guint32        *regions,
                                                       guint32               n_regions,
                                                       const gsize           dims[3],
                                                       const double          voxel_nm[3],
                                                       const float          *distance_nm,
                                                       const gsize          *box_origin,
                                                       const gsize          *box_size,
                                                       GCancellable         *cancellable,
                                                       GError              **error);
CbdRegionTable           *cbd_region_table_ref        (CbdRegionTable       *table);
void                      cbd_region_table_unref      (CbdRegionTable       *table);

/* NULL when @id is 0 or above n_regions. */
const CbdRegion          *cbd_region_table_get        (const CbdRegionTable *table,
                                                       guint32               id);
const CbdRegionNeighbour *cbd_region_table_neighbours (const CbdRegionTable *table,
                                                       guint32               id,
                                                       guint                *n_neighbours);
/* The shared face entry of two regions, NULL when they do not touch. */
const CbdRegionNeighbour *cbd_region_table_find_neighbour (const CbdRegionTable *table,
                                                           guint32               id,
                                                           guint32               other);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdRegionTable, cbd_region_table_unref)

G_END_DECLS
