/* cbd-regions.c — sizes, positions and neighbours of labelled regions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-regions"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cbd-regions.h"

G_DEFINE_QUARK (cbd-regions-error-quark, cbd_regions_error)

/* One pass over the label array: per region the voxel count, integer
 * coordinate sums (exact, so the centroid does not depend on the order of
 * the sum), bounding box, largest distance and voxels inside the box; and
 * for each voxel its +x, +y and +z face neighbours, counting the pairs of
 * different regions per axis in an open-addressing hash table keyed by the
 * ordered id pair. Consecutive faces mostly belong to the same pair, so a
 * one-entry cache in front of the table saves most lookups. */

typedef struct
{
  guint64 key;        /* low id << 32 | high id; 0 = empty slot */
  guint64 pairs[3];   /* face pairs across x, y and z faces */
} PairSlot;

typedef struct
{
  PairSlot *slots;
  gsize     capacity;  /* power of two */
  gsize     used;
} PairTable;

static gboolean
pair_table_init (PairTable *table, gsize capacity)
{
  table->capacity = capacity;
  table->used = 0;
  table->slots = g_try_malloc0_n (capacity, sizeof (PairSlot));
  return table->slots != NULL;
}

static inline gsize
pair_hash (guint64 key, gsize capacity)
{
  return (gsize) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 20) & (capacity - 1);
}

static PairSlot *
pair_table_lookup (PairTable *table, guint64 key)
{
  gsize i = pair_hash (key, table->capacity);

  while (table->slots[i].key != 0 && table->slots[i].key != key)
    i = (i + 1) & (table->capacity - 1);
  return &table->slots[i];
}

static gboolean
pair_table_grow (PairTable *table)
{
  PairTable bigger;

  if (!pair_table_init (&bigger, table->capacity * 2))
    return FALSE;
  for (gsize i = 0; i < table->capacity; i++)
    if (table->slots[i].key != 0)
      {
        *pair_table_lookup (&bigger, table->slots[i].key) = table->slots[i];
        bigger.used++;
      }
  g_free (table->slots);
  *table = bigger;
  return TRUE;
}

/* The pair's counters, created when new; NULL when out of memory. */
static guint64 *
pair_table_counters (PairTable *table, guint32 a, guint32 b)
{
  guint64 key = a < b ? ((guint64) a << 32 | b) : ((guint64) b << 32 | a);
  PairSlot *slot = pair_table_lookup (table, key);

  if (slot->key == 0)
    {
      if (2 * (table->used + 1) > table->capacity)
        {
          if (!pair_table_grow (table))
            return NULL;
          slot = pair_table_lookup (table, key);
        }
      slot->key = key;
      table->used++;
    }
  return slot->pairs;
}

typedef struct
{
  guint32  region;
  guint32  other;
  guint64  pairs[3];
} PairEntry;

static int
compare_pair_entries (const void *a, const void *b)
{
  const PairEntry *first = a, *second = b;

  if (first->region != second->region)
    return first->region < second->region ? -1 : 1;
  return (first->other > second->other) - (first->other < second->other);
}

/**
 * cbd_region_table_measure:
 * @regions: one id per voxel, x fastest; 0 is no region
 * @n_regions: the largest id; every id above it is an error
 * @dims: nx, ny, nz
 * @voxel_nm: voxel edges along x, y, z in nm
 * @distance_nm: (nullable): a distance map on the same grid (e.g. the one
 *   cbd_partition_compute returns) for the inscribed diameters
 * @box_origin: (nullable) (array fixed-size=3): first voxel of a box (the
 *   cutout) whose share of each region is counted
 * @box_size: (nullable) (array fixed-size=3): the box's edge in voxels
 * @cancellable: (nullable): polled once per slice
 * @error: return location for a #GError
 *
 * Volume, centroid, inscribed and equivalent diameters, bounding box, border
 * contact, volume inside the box and face neighbours of every region id
 * 1..@n_regions (ids with no voxel get a zero volume). Face area between two
 * regions: each pair of face-adjacent voxels across an x face counts
 * voxel_nm[1] * voxel_nm[2], and so on.
 *
 * Returns: (transfer full): the table, or %NULL with @error set.
 */
CbdRegionTable *
cbd_region_table_measure (const guint32 *regions,
                          guint32        n_regions,
                          const gsize    dims[3],
                          const double   voxel_nm[3],
                          const float   *distance_nm,
                          const gsize   *box_origin,
                          const gsize   *box_size,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(CbdRegionTable) table = NULL;
  g_autofree guint64 *sums = NULL;
  g_autofree PairEntry *entries = NULL;
  PairTable pairs = { NULL, 0, 0 };
  gsize nx, ny, nz, plane;
  gsize box_lo[3] = { 0, 0, 0 }, box_hi[3] = { 0, 0, 0 };
  double face_area[3];
  double voxel_volume;
  guint64 cached_key = 0;
  guint64 *cached = NULL;
  gsize n_entries = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (regions != NULL || dims[0] * dims[1] * dims[2] == 0, NULL);
  g_return_val_if_fail (dims != NULL && voxel_nm != NULL, NULL);
  g_return_val_if_fail ((box_origin == NULL) == (box_size == NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  nx = dims[0];
  ny = dims[1];
  nz = dims[2];
  plane = nx * ny;

  table = g_new0 (CbdRegionTable, 1);
  g_atomic_ref_count_init (&table->ref_count);
  table->n_regions = n_regions;
  for (guint axis = 0; axis < 3; axis++)
    {
      table->dims[axis] = dims[axis];
      table->voxel_nm[axis] = voxel_nm[axis];
    }
  if (box_origin != NULL)
    {
      for (guint axis = 0; axis < 3; axis++)
        if (box_size[axis] == 0 || box_origin[axis] > dims[axis]
            || box_size[axis] > dims[axis] - box_origin[axis])
          {
            g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_INVALID_ARGUMENT,
                         "The box does not fit in the %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                         " × %" G_GSIZE_FORMAT " volume", nx, ny, nz);
            return NULL;
          }
      table->has_box = TRUE;
      for (guint axis = 0; axis < 3; axis++)
        {
          table->box_origin[axis] = box_lo[axis] = box_origin[axis];
          table->box_size[axis] = box_size[axis];
          box_hi[axis] = box_origin[axis] + box_size[axis];
        }
    }

  table->regions = g_try_malloc0_n (MAX (n_regions, 1), sizeof (CbdRegion));
  sums = g_try_malloc0_n (MAX (n_regions, 1), 3 * sizeof (guint64));
  if (table->regions == NULL || sums == NULL || !pair_table_init (&pairs, 1024))
    {
      g_free (pairs.slots);
      g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_NO_MEMORY,
                   "Not enough memory for %u regions", n_regions);
      return NULL;
    }
  for (guint32 r = 0; r < n_regions; r++)
    {
      CbdRegion *region = &table->regions[r];

      region->id = r + 1;
      region->max_distance_nm = distance_nm != NULL ? 0.0 : NAN;
      for (guint axis = 0; axis < 3; axis++)
        region->bbox_min[axis] = G_MAXSIZE;
    }

  for (gsize z = 0; z < nz && ok; z++)
    {
      gboolean in_box_z = z >= box_lo[2] && z < box_hi[2];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      for (gsize y = 0; y < ny && ok; y++)
        {
          gboolean in_box_yz = in_box_z && y >= box_lo[1] && y < box_hi[1];
          gsize row = nx * (y + ny * z);

          for (gsize x = 0; x < nx; x++)
            {
              gsize index = row + x;
              guint32 id = regions[index];
              CbdRegion *region;
              guint32 others[3];

              if (id == 0)
                continue;
              if (G_UNLIKELY (id > n_regions))
                {
                  g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_INVALID_ARGUMENT,
                               "Voxel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                               ") has region %u, above the %u regions", x, y, z, id, n_regions);
                  ok = FALSE;
                  break;
                }
              region = &table->regions[id - 1];
              region->volume_voxels++;
              sums[3 * (id - 1)] += x;
              sums[3 * (id - 1) + 1] += y;
              sums[3 * (id - 1) + 2] += z;
              region->bbox_min[0] = MIN (region->bbox_min[0], x);
              region->bbox_max[0] = MAX (region->bbox_max[0], x);
              region->bbox_min[1] = MIN (region->bbox_min[1], y);
              region->bbox_max[1] = MAX (region->bbox_max[1], y);
              region->bbox_min[2] = MIN (region->bbox_min[2], z);
              region->bbox_max[2] = MAX (region->bbox_max[2], z);
              if (distance_nm != NULL && distance_nm[index] > region->max_distance_nm)
                region->max_distance_nm = distance_nm[index];
              if (in_box_yz && x >= box_lo[0] && x < box_hi[0])
                region->box_voxels++;

              others[0] = x + 1 < nx ? regions[index + 1] : 0;
              others[1] = y + 1 < ny ? regions[index + nx] : 0;
              others[2] = z + 1 < nz ? regions[index + plane] : 0;
              for (guint axis = 0; axis < 3; axis++)
                {
                  guint32 other = others[axis];
                  guint64 key;

                  if (other == 0 || other == id)
                    continue;
                  key = id < other ? ((guint64) id << 32 | other) : ((guint64) other << 32 | id);
                  if (key != cached_key)
                    {
                      cached = pair_table_counters (&pairs, id, other);
                      if (cached == NULL)
                        {
                          g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_NO_MEMORY,
                                       "Not enough memory for the region neighbours");
                          ok = FALSE;
                          break;
                        }
                      cached_key = key;
                    }
                  cached[axis]++;
                }
              if (!ok)
                break;
            }
        }
    }
  if (!ok)
    {
      g_free (pairs.slots);
      return NULL;
    }

  voxel_volume = voxel_nm[0] * voxel_nm[1] * voxel_nm[2];
  face_area[0] = voxel_nm[1] * voxel_nm[2];
  face_area[1] = voxel_nm[0] * voxel_nm[2];
  face_area[2] = voxel_nm[0] * voxel_nm[1];
  for (guint32 r = 0; r < n_regions; r++)
    {
      CbdRegion *region = &table->regions[r];

      if (region->volume_voxels == 0)
        {
          for (guint axis = 0; axis < 3; axis++)
            region->bbox_min[axis] = region->bbox_max[axis] = 0;
          region->max_distance_nm = distance_nm != NULL ? 0.0 : NAN;
          continue;
        }
      region->volume_nm3 = (double) region->volume_voxels * voxel_volume;
      region->equivalent_diameter_nm = cbrt (6.0 * region->volume_nm3 / G_PI);
      region->inscribed_diameter_nm = 2.0 * region->max_distance_nm;
      for (guint axis = 0; axis < 3; axis++)
        {
          region->centroid_nm[axis] = (double) sums[3 * r + axis]
                                      / (double) region->volume_voxels * voxel_nm[axis];
          if (region->bbox_min[axis] == 0 || region->bbox_max[axis] + 1 == dims[axis])
            region->touches_border = TRUE;
        }
    }

  /* Each pair listed under both of its regions, sorted by (region, other). */
  entries = g_try_malloc_n (MAX (2 * pairs.used, 1), sizeof (PairEntry));
  if (entries == NULL)
    {
      g_free (pairs.slots);
      g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_NO_MEMORY,
                   "Not enough memory for the region neighbours");
      return NULL;
    }
  for (gsize i = 0; i < pairs.capacity; i++)
    {
      const PairSlot *slot = &pairs.slots[i];
      guint32 low, high;

      if (slot->key == 0)
        continue;
      low = (guint32) (slot->key >> 32);
      high = (guint32) (slot->key & G_MAXUINT32);
      entries[n_entries++] = (PairEntry) { low, high, { slot->pairs[0], slot->pairs[1], slot->pairs[2] } };
      entries[n_entries++] = (PairEntry) { high, low, { slot->pairs[0], slot->pairs[1], slot->pairs[2] } };
    }
  g_free (pairs.slots);
  qsort (entries, n_entries, sizeof (PairEntry), compare_pair_entries);

  table->n_neighbours = n_entries;
  table->neighbours = g_try_malloc_n (MAX (n_entries, 1), sizeof (CbdRegionNeighbour));
  if (table->neighbours == NULL)
    {
      g_set_error (error, CBD_REGIONS_ERROR, CBD_REGIONS_ERROR_NO_MEMORY,
                   "Not enough memory for the region neighbours");
      return NULL;
    }
  for (gsize e = 0; e < n_entries; e++)
    {
      const PairEntry *entry = &entries[e];
      CbdRegion *region = &table->regions[entry->region - 1];
      CbdRegionNeighbour *neighbour = &table->neighbours[e];

      if (region->n_neighbours == 0)
        region->first_neighbour = e;
      region->n_neighbours++;
      neighbour->region = entry->other;
      neighbour->face_pairs = entry->pairs[0] + entry->pairs[1] + entry->pairs[2];
      neighbour->area_nm2 = entry->pairs[0] * face_area[0] + entry->pairs[1] * face_area[1]
                            + entry->pairs[2] * face_area[2];
    }

  return g_steal_pointer (&table);
}

CbdRegionTable *
cbd_region_table_ref (CbdRegionTable *table)
{
  g_return_val_if_fail (table != NULL, NULL);

  g_atomic_ref_count_inc (&table->ref_count);
  return table;
}

void
cbd_region_table_unref (CbdRegionTable *table)
{
  g_return_if_fail (table != NULL);

  if (!g_atomic_ref_count_dec (&table->ref_count))
    return;
  g_free (table->regions);
  g_free (table->neighbours);
  g_free (table);
}

const CbdRegion *
cbd_region_table_get (const CbdRegionTable *table,
                      guint32               id)
{
  g_return_val_if_fail (table != NULL, NULL);

  if (id == 0 || id > table->n_regions)
    return NULL;
  return &table->regions[id - 1];
}

const CbdRegionNeighbour *
cbd_region_table_neighbours (const CbdRegionTable *table,
                             guint32               id,
                             guint                *n_neighbours)
{
  const CbdRegion *region = cbd_region_table_get (table, id);

  g_return_val_if_fail (n_neighbours != NULL, NULL);

  if (region == NULL || region->n_neighbours == 0)
    {
      *n_neighbours = 0;
      return NULL;
    }
  *n_neighbours = region->n_neighbours;
  return &table->neighbours[region->first_neighbour];
}

const CbdRegionNeighbour *
cbd_region_table_find_neighbour (const CbdRegionTable *table,
                                 guint32               id,
                                 guint32               other)
{
  guint n;
  const CbdRegionNeighbour *list = cbd_region_table_neighbours (table, id, &n);
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (list[mid].region < other)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < n && list[lo].region == other ? &list[lo] : NULL;
}
