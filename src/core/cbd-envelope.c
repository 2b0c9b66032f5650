/* cbd-envelope.c — the pore partition of a cutout's neighbourhood, cached
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-envelope"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cbd-envelope.h"
#include "cbd-regions.h"

G_DEFINE_QUARK (cbd-envelope-error-quark, cbd_envelope_error)

/* How it works:
 *
 * 1. The envelope box (cbd_envelope_box) is hashed: its labels row by row,
 *    the phase, voxel size, boxes and SNOW options (EnvelopeKey). The hash
 *    of the labels costs one read of the envelope (a few tens of ms per
 *    100 M voxels), nothing next to the partition; it is skipped when no
 *    cache keeps partitions, as there is nothing to look up.
 * 2. The cache's memory is searched for a partition with the same key; a
 *    hit is a partition of the whole envelope (region properties and run-
 *    length coded region ids), from which any cutout inside is extracted.
 * 3. Else the cache directory is searched for this cutout's file.
 * 4. Else the envelope is cropped, partitioned (cbd_partition_compute) and
 *    measured (cbd_region_table_measure); the distances and the crop are
 *    freed, the cutout extracted, the region ids coded for the memory cache
 *    when it has room, and the cutout's file written.
 *
 * The run-length code: per row along x, pairs (value, run length - 1), each
 * a LEB128 varint. Pores are tens of voxels across and solid separates them,
 * so runs are several voxels long and a pair takes 2-4 bytes. */

#define CACHE_MAGIC "CBDENVLP"
#define CACHE_VERSION 1u
#define MAX_EDGE ((gsize) 1 << 20)

/* ---- hashing ------------------------------------------------------------ */

/* Not cryptographic: it tells envelopes apart, it does not resist an
 * adversary. Four independent multiply-rotate lanes over 64-bit words,
 * folded into two 64-bit outputs with different final mixes. */

#define MIX_A G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)
#define MIX_B G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F)
#define MIX_C G_GUINT64_CONSTANT (0x165667B19E3779F9)
#define MIX_D G_GUINT64_CONSTANT (0xD6E8FEB86659FD93)

typedef struct
{
  guint64 lane[4];
  guint64 n_bytes;
} Hasher;

static inline guint64
rotl64 (guint64 x, int r)
{
  return (x << r) | (x >> (64 - r));
}

static inline guint64
lane_step (guint64 lane, guint64 word)
{
  return rotl64 (lane + word * MIX_B, 31) * MIX_A;
}

static inline guint64
avalanche (guint64 h, guint64 multiplier)
{
  h ^= h >> 33;
  h *= multiplier;
  h ^= h >> 29;
  h *= MIX_C;
  h ^= h >> 32;
  return h;
}

static void
hasher_init (Hasher *hasher)
{
  hasher->lane[0] = MIX_A + MIX_B;
  hasher->lane[1] = MIX_B;
  hasher->lane[2] = 0;
  hasher->lane[3] = -MIX_A;
  hasher->n_bytes = 0;
}

/* One chunk; chunks restart at lane 0, so the chunking is part of what is
 * hashed (callers always cut the same data the same way). */
static void
hasher_chunk (Hasher *hasher, const void *data, gsize n_bytes)
{
  const guint8 *bytes = data;
  guint64 l0 = hasher->lane[0], l1 = hasher->lane[1], l2 = hasher->lane[2], l3 = hasher->lane[3];
  gsize i = 0;

  for (; i + 32 <= n_bytes; i += 32)
    {
      guint64 w[4];

      memcpy (w, bytes + i, 32);
      l0 = lane_step (l0, GUINT64_FROM_LE (w[0]));
      l1 = lane_step (l1, GUINT64_FROM_LE (w[1]));
      l2 = lane_step (l2, GUINT64_FROM_LE (w[2]));
      l3 = lane_step (l3, GUINT64_FROM_LE (w[3]));
    }
  if (i < n_bytes)
    {
      guint64 tail[4] = { 0, 0, 0, 0 };

      memcpy (tail, bytes + i, n_bytes - i);
      l0 = lane_step (l0, GUINT64_FROM_LE (tail[0]) ^ (n_bytes - i));
      l1 = lane_step (l1, GUINT64_FROM_LE (tail[1]));
      l2 = lane_step (l2, GUINT64_FROM_LE (tail[2]));
      l3 = lane_step (l3, GUINT64_FROM_LE (tail[3]));
    }
  hasher->lane[0] = l0;
  hasher->lane[1] = l1;
  hasher->lane[2] = l2;
  hasher->lane[3] = l3;
  hasher->n_bytes += n_bytes;
}

static void
hasher_finish (const Hasher *hasher, guint64 out[2])
{
  const guint64 *l = hasher->lane;
  guint64 a = rotl64 (l[0], 1) + rotl64 (l[1], 7) + rotl64 (l[2], 12) + rotl64 (l[3], 18);
  guint64 b = l[0] ^ rotl64 (l[1], 17) ^ rotl64 (l[2], 41) ^ rotl64 (l[3], 53);

  out[0] = avalanche (a ^ hasher->n_bytes, MIX_B);
  out[1] = avalanche (b + hasher->n_bytes * MIX_A, MIX_D);
}

static void
hash_bytes (const void *data, gsize n_bytes, guint64 out[2])
{
  Hasher hasher;

  hasher_init (&hasher);
  hasher_chunk (&hasher, data, n_bytes);
  hasher_finish (&hasher, out);
}

/* ---- keys --------------------------------------------------------------- */

/* Only 8-byte fields, zero-initialised: compared and hashed as bytes. */
typedef struct
{
  guint64 content[2];      /* the envelope's labels */
  guint64 phase_bits[4];
  double  sigma;
  double  r_max;
  double  voxel_nm[3];
  guint64 stack_dims[3];
  guint64 origin[3];
  guint64 size[3];
} EnvelopeKey;

static gboolean
envelope_key_equal (const EnvelopeKey *a, const EnvelopeKey *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

static gboolean
hash_envelope_labels (const CbdVolume *volume, const gsize origin[3], const gsize size[3],
                      GCancellable *cancellable, guint64 out[2], GError **error)
{
  Hasher hasher;

  hasher_init (&hasher);
  for (gsize z = 0; z < size[2]; z++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (gsize y = 0; y < size[1]; y++)
        hasher_chunk (&hasher, &volume->labels[cbd_volume_index (volume, origin[0], origin[1] + y,
                                                                 origin[2] + z)], size[0]);
    }
  hasher_finish (&hasher, out);
  return TRUE;
}

/* ---- run-length code ---------------------------------------------------- */

typedef struct
{
  guint8 *data;
  gsize   len;
  gsize   capacity;
} ByteBuffer;

static gboolean
byte_buffer_reserve (ByteBuffer *buffer, gsize extra)
{
  if (buffer->len + extra > buffer->capacity)
    {
      gsize capacity = MAX (buffer->capacity + buffer->capacity / 2, buffer->len + extra);
      guint8 *data = g_try_realloc (buffer->data, MAX (capacity, 4096));

      if (data == NULL)
        return FALSE;
      buffer->data = data;
      buffer->capacity = MAX (capacity, 4096);
    }
  return TRUE;
}

static inline void
put_varint (ByteBuffer *buffer, guint32 value)
{
  while (value >= 0x80)
    {
      buffer->data[buffer->len++] = (guint8) (value | 0x80);
      value >>= 7;
    }
  buffer->data[buffer->len++] = (guint8) value;
}

/* One row of @n values. */
static gboolean
rle_encode_row (ByteBuffer *buffer, const guint32 *values, gsize n)
{
  gsize i = 0;

  while (i < n)
    {
      gsize run = 1;

      while (i + run < n && values[i + run] == values[i] && run < G_MAXUINT32)
        run++;
      if (!byte_buffer_reserve (buffer, 10))
        return FALSE;
      put_varint (buffer, values[i]);
      put_varint (buffer, (guint32) (run - 1));
      i += run;
    }
  return TRUE;
}

static inline gboolean
get_varint (const guint8 *data, gsize len, gsize *pos, guint32 *value)
{
  guint32 result = 0;

  for (guint shift = 0; shift < 35; shift += 7)
    {
      guint8 byte;

      if (*pos >= len)
        return FALSE;
      byte = data[(*pos)++];
      if (shift == 28 && (byte & 0xF0) != 0)
        return FALSE;
      result |= (guint32) (byte & 0x7F) << shift;
      if ((byte & 0x80) == 0)
        {
          *value = result;
          return TRUE;
        }
    }
  return FALSE;
}

/* Values x0..x0+n-1 of a row of @row_len values coded in data[*pos..len).
 * With @whole, the row must end exactly at row_len and *pos is left after
 * it; FALSE on any inconsistency. */
static gboolean
rle_decode_row (const guint8 *data, gsize len, gsize *pos, gsize row_len,
                gsize x0, gsize n, gboolean whole, guint32 *out)
{
  gsize x = 0, end = whole ? row_len : x0 + n;

  while (x < end)
    {
      guint32 value, run_minus_one;
      gsize run, from, to;

      if (!get_varint (data, len, pos, &value) || !get_varint (data, len, pos, &run_minus_one))
        return FALSE;
      run = (gsize) run_minus_one + 1;
      if (run > row_len - x)
        return FALSE;
      from = MAX (x, x0);
      to = MIN (x + run, x0 + n);
      for (gsize i = from; i < to; i++)
        out[i - x0] = value;
      x += run;
    }
  return TRUE;
}

/* ---- envelope partitions (the memory cache's entries) --------------------- */

typedef struct
{
  guint64 volume_voxels;
  double  volume_nm3;
  double  centroid_nm[3];       /* envelope coordinates */
  double  max_distance_nm;
  double  equivalent_diameter_nm;
  guint32 bbox_min[3];          /* envelope voxels */
  guint32 bbox_max[3];
  guint32 n_neighbours;
} RegionRecord;

typedef struct
{
  gatomicrefcount     ref_count;
  EnvelopeKey         key;
  guint32             n_regions;
  RegionRecord       *records;          /* records[id - 1] */
  CbdPartitionSummary summary;
  double              partition_seconds;
  /* the region ids: raw while being computed, then run-length coded */
  guint32            *ids;
  guint8             *code;
  gsize               code_len;
  guint64            *row_offsets;      /* size[1] * size[2] + 1 */
  guint64             bytes;
} EnvelopePartition;

static EnvelopePartition *
envelope_partition_ref (EnvelopePartition *partition)
{
  g_atomic_ref_count_inc (&partition->ref_count);
  return partition;
}

static void
envelope_partition_unref (EnvelopePartition *partition)
{
  if (partition == NULL || !g_atomic_ref_count_dec (&partition->ref_count))
    return;
  g_free (partition->records);
  g_free (partition->ids);
  g_free (partition->code);
  g_free (partition->row_offsets);
  g_free (partition);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EnvelopePartition, envelope_partition_unref)

/* Codes partition->ids; FALSE when out of memory (the caller then simply
 * does not cache it). */
static gboolean
envelope_partition_encode (EnvelopePartition *partition, GCancellable *cancellable)
{
  gsize nx = partition->key.size[0], n_rows = partition->key.size[1] * partition->key.size[2];
  ByteBuffer buffer = { 0 };
  g_autofree guint64 *offsets = g_try_malloc_n (n_rows + 1, sizeof (guint64));

  if (offsets == NULL)
    return FALSE;
  for (gsize row = 0; row < n_rows; row++)
    {
      offsets[row] = buffer.len;
      if (row % 4096 == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_free (buffer.data);
          return FALSE;
        }
      if (!rle_encode_row (&buffer, partition->ids + row * nx, nx))
        {
          g_free (buffer.data);
          return FALSE;
        }
    }
  offsets[n_rows] = buffer.len;
  partition->code = g_realloc (buffer.data, MAX (buffer.len, 1));
  partition->code_len = buffer.len;
  partition->row_offsets = g_steal_pointer (&offsets);
  partition->bytes = sizeof *partition + buffer.len + (n_rows + 1) * sizeof (guint64) +
                     (guint64) partition->n_regions * sizeof (RegionRecord);
  return TRUE;
}

/* The region ids of the cutout row (y, z) (stack coordinates), n values
 * from x0. */
static gboolean
envelope_partition_read_row (const EnvelopePartition *partition, gsize x0, gsize y, gsize z,
                             gsize n, guint32 *out)
{
  const EnvelopeKey *key = &partition->key;
  gsize ex = x0 - key->origin[0], ey = y - key->origin[1], ez = z - key->origin[2];
  gsize row = ey + key->size[1] * ez;

  if (partition->ids != NULL)
    {
      memcpy (out, partition->ids + row * key->size[0] + ex, n * sizeof (guint32));
      return TRUE;
    }
  else
    {
      gsize pos = partition->row_offsets[row];

      return rle_decode_row (partition->code, partition->row_offsets[row + 1], &pos,
                             key->size[0], ex, n, FALSE, out);
    }
}

/* ---- results -------------------------------------------------------------- */

static CbdEnvelope *
envelope_new (void)
{
  CbdEnvelope *envelope = g_new0 (CbdEnvelope, 1);

  g_atomic_ref_count_init (&envelope->ref_count);
  return envelope;
}

CbdEnvelope *
cbd_envelope_ref (CbdEnvelope *envelope)
{
  g_return_val_if_fail (envelope != NULL, NULL);
  g_atomic_ref_count_inc (&envelope->ref_count);
  return envelope;
}

void
cbd_envelope_unref (CbdEnvelope *envelope)
{
  if (envelope == NULL || !g_atomic_ref_count_dec (&envelope->ref_count))
    return;
  g_free (envelope->cutout_pores);
  g_free (envelope->pores);
  g_free (envelope->cache_path);
  g_free (envelope);
}

CbdEnvelope *
cbd_envelope_dup_table (const CbdEnvelope *envelope)
{
  CbdEnvelope *table;

  g_return_val_if_fail (envelope != NULL, NULL);

  table = envelope_new ();
  *table = *envelope;
  g_atomic_ref_count_init (&table->ref_count);
  table->cutout_pores = NULL;
  table->cache_path = NULL;
  table->pores = g_memdup2 (envelope->pores, MAX (envelope->n_pores, 1) * sizeof (CbdEnvelopePore));
  return table;
}

CbdEnvelope *
cbd_envelope_new_table (const gsize               stack_dims[3],
                        const double              voxel_nm[3],
                        const gsize               cutout_origin[3],
                        const gsize               cutout_size[3],
                        const CbdEnvelopeOptions *options,
                        const CbdEnvelopePore    *pores,
                        guint32                   n_pores,
                        GError                  **error)
{
  g_autoptr(CbdEnvelope) table = NULL;
  CbdEnvelopeOptions defaults;

  g_return_val_if_fail (stack_dims != NULL && voxel_nm != NULL, NULL);
  g_return_val_if_fail (cutout_origin != NULL && cutout_size != NULL, NULL);
  g_return_val_if_fail (pores != NULL || n_pores == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      cbd_envelope_options_init (&defaults);
      options = &defaults;
    }
  table = envelope_new ();
  if (!cbd_envelope_box (stack_dims, cutout_origin, cutout_size, options, table->origin,
                         table->size, &table->stack_faces, error))
    return NULL;
  for (guint axis = 0; axis < 3; axis++)
    {
      table->stack_dims[axis] = stack_dims[axis];
      table->voxel_nm[axis] = voxel_nm[axis];
      table->cutout_origin[axis] = cutout_origin[axis];
      table->cutout_size[axis] = cutout_size[axis];
    }
  table->partition_options = options->partition;
  table->n_pores = n_pores;
  table->pores = g_new0 (CbdEnvelopePore, MAX (n_pores, 1));
  if (n_pores > 0)
    memcpy (table->pores, pores, n_pores * sizeof (CbdEnvelopePore));
  return g_steal_pointer (&table);
}

static guint
box_faces (const guint32 bbox_min[3], const guint32 bbox_max[3], const guint64 size[3])
{
  guint faces = 0;

  for (guint axis = 0; axis < 3; axis++)
    {
      if (bbox_min[axis] == 0)
        faces |= 1u << (2 * axis);
      if (bbox_max[axis] + 1 == size[axis])
        faces |= 1u << (2 * axis + 1);
    }
  return faces;
}

static gboolean
centroid_in_box (const double centroid_nm[3], const gsize origin[3], const gsize size[3],
                 const double voxel_nm[3])
{
  for (guint axis = 0; axis < 3; axis++)
    {
      double low = ((double) origin[axis] - 0.5) * voxel_nm[axis];
      double high = ((double) (origin[axis] + size[axis]) - 0.5) * voxel_nm[axis];

      if (!(centroid_nm[axis] >= low && centroid_nm[axis] <= high))
        return FALSE;
    }
  return TRUE;
}

/* Fills the envelope's common fields from the key. */
static void
envelope_set_key (CbdEnvelope *envelope, const EnvelopeKey *key, guint stack_faces,
                  const gsize cutout_origin[3], const gsize cutout_size[3],
                  const CbdPartitionOptions *options)
{
  for (guint axis = 0; axis < 3; axis++)
    {
      envelope->stack_dims[axis] = key->stack_dims[axis];
      envelope->voxel_nm[axis] = key->voxel_nm[axis];
      envelope->origin[axis] = key->origin[axis];
      envelope->size[axis] = key->size[axis];
      envelope->cutout_origin[axis] = cutout_origin[axis];
      envelope->cutout_size[axis] = cutout_size[axis];
    }
  envelope->stack_faces = stack_faces;
  envelope->partition_options = *options;
}

/* The cutout's part of @partition. */
static CbdEnvelope *
envelope_extract (const EnvelopePartition *partition, guint stack_faces,
                  const gsize cutout_origin[3], const gsize cutout_size[3],
                  const CbdPartitionOptions *options, GError **error)
{
  g_autoptr(CbdEnvelope) envelope = envelope_new ();
  g_autofree guint64 *counts = NULL;
  g_autofree guint32 *index_of = NULL;
  const EnvelopeKey *key = &partition->key;
  gsize nx = cutout_size[0], n = cutout_size[0] * cutout_size[1] * cutout_size[2];
  guint32 n_pores = 0;

  envelope_set_key (envelope, key, stack_faces, cutout_origin, cutout_size, options);
  envelope->n_regions = partition->n_regions;
  envelope->summary = partition->summary;
  envelope->partition_seconds = partition->partition_seconds;

  envelope->cutout_pores = g_try_malloc_n (MAX (n, 1), sizeof (guint32));
  counts = g_try_malloc0_n ((gsize) partition->n_regions + 1, sizeof (guint64));
  index_of = g_try_malloc0_n ((gsize) partition->n_regions + 1, sizeof (guint32));
  if (envelope->cutout_pores == NULL || counts == NULL || index_of == NULL)
    {
      g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_NO_MEMORY,
                   "Not enough memory for the cutout's pores");
      return NULL;
    }

  for (gsize z = 0; z < cutout_size[2]; z++)
    for (gsize y = 0; y < cutout_size[1]; y++)
      {
        guint32 *row = envelope->cutout_pores + nx * (y + cutout_size[1] * z);

        if (!envelope_partition_read_row (partition, cutout_origin[0], cutout_origin[1] + y,
                                          cutout_origin[2] + z, nx, row))
          {
            g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,
                         "The cached partition is inconsistent");
            return NULL;
          }
        for (gsize x = 0; x < nx; x++)
          {
            if (row[x] > partition->n_regions)
              {
                g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,
                             "The cached partition holds a region id out of range");
                return NULL;
              }
            counts[row[x]]++;
          }
      }

  for (guint32 id = 1; id <= partition->n_regions; id++)
    if (counts[id] > 0)
      index_of[id] = ++n_pores;
  for (gsize i = 0; i < n; i++)
    envelope->cutout_pores[i] = index_of[envelope->cutout_pores[i]];

  envelope->n_pores = n_pores;
  envelope->pores = g_try_new0 (CbdEnvelopePore, MAX (n_pores, 1));
  if (envelope->pores == NULL)
    {
      g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_NO_MEMORY,
                   "Not enough memory for the cutout's %u pores", n_pores);
      return NULL;
    }
  for (guint32 id = 1; id <= partition->n_regions; id++)
    if (index_of[id] != 0)
      {
        const RegionRecord *record = &partition->records[id - 1];
        CbdEnvelopePore *pore = &envelope->pores[index_of[id] - 1];

        pore->region = id;
        pore->volume_voxels = record->volume_voxels;
        pore->volume_nm3 = record->volume_nm3;
        for (guint axis = 0; axis < 3; axis++)
          {
            pore->centroid_nm[axis] = record->centroid_nm[axis] +
                                      (double) key->origin[axis] * key->voxel_nm[axis];
            pore->bbox_min[axis] = record->bbox_min[axis] + key->origin[axis];
            pore->bbox_max[axis] = record->bbox_max[axis] + key->origin[axis];
          }
        pore->inscribed_diameter_nm = 2.0 * record->max_distance_nm;
        pore->equivalent_diameter_nm = record->equivalent_diameter_nm;
        pore->envelope_faces = box_faces (record->bbox_min, record->bbox_max, key->size);
        pore->n_neighbours = record->n_neighbours;
        pore->cutout_voxels = counts[id];
        pore->centroid_in_cutout = centroid_in_box (pore->centroid_nm, cutout_origin, cutout_size,
                                                    key->voxel_nm);
      }
  return g_steal_pointer (&envelope);
}

/* ---- cache files ------------------------------------------------------------ */

static void
put_u32 (GByteArray *bytes, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (bytes, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *bytes, guint64 value)
{
  guint64 le = GUINT64_TO_LE (value);

  g_byte_array_append (bytes, (const guint8 *) &le, 8);
}

static void
put_f64 (GByteArray *bytes, double value)
{
  guint64 bits;

  memcpy (&bits, &value, 8);
  put_u64 (bytes, bits);
}

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
  gboolean      ok;
} Reader;

static guint32
get_u32 (Reader *reader)
{
  guint32 le;

  if (!reader->ok || reader->len - reader->pos < 4)
    {
      reader->ok = FALSE;
      return 0;
    }
  memcpy (&le, reader->data + reader->pos, 4);
  reader->pos += 4;
  return GUINT32_FROM_LE (le);
}

static guint64
get_u64 (Reader *reader)
{
  guint64 le;

  if (!reader->ok || reader->len - reader->pos < 8)
    {
      reader->ok = FALSE;
      return 0;
    }
  memcpy (&le, reader->data + reader->pos, 8);
  reader->pos += 8;
  return GUINT64_FROM_LE (le);
}

static double
get_f64 (Reader *reader)
{
  guint64 bits = get_u64 (reader);
  double value;

  memcpy (&value, &bits, 8);
  return value;
}

static void
put_key (GByteArray *bytes, const EnvelopeKey *key)
{
  const guint64 *words = (const guint64 *) key;

  G_STATIC_ASSERT (sizeof (EnvelopeKey) % 8 == 0);
  for (gsize i = 0; i < sizeof (EnvelopeKey) / 8; i++)
    put_u64 (bytes, words[i]);
}

static void
get_key (Reader *reader, EnvelopeKey *key)
{
  guint64 *words = (guint64 *) key;

  for (gsize i = 0; i < sizeof (EnvelopeKey) / 8; i++)
    words[i] = get_u64 (reader);
}

/* The file of a cutout in an envelope: named after the hash of the key and
 * the cutout box. */
static char *
cache_file_path (const char *directory, const EnvelopeKey *key, const gsize cutout_origin[3],
                 const gsize cutout_size[3])
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint64 hash[2];
  g_autofree char *name = NULL;

  put_key (bytes, key);
  for (guint axis = 0; axis < 3; axis++)
    {
      put_u64 (bytes, cutout_origin[axis]);
      put_u64 (bytes, cutout_size[axis]);
    }
  hash_bytes (bytes->data, bytes->len, hash);
  name = g_strdup_printf ("%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x.cbdenv",
                          hash[0], hash[1]);
  return g_build_filename (directory, name, NULL);
}

/* Layout (little-endian): magic, version, the key, the cutout box, region
 * count, partition summary and seconds, SNOW thread-independent options,
 * pores, the coded cutout, and a checksum of everything before it. */
static gboolean
cache_file_write (const char *path, const EnvelopeKey *key, const CbdEnvelope *envelope,
                  GError **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree char *directory = g_path_get_dirname (path);
  ByteBuffer code = { 0 };
  gsize nx = envelope->cutout_size[0], n_rows = envelope->cutout_size[1] * envelope->cutout_size[2];
  guint64 checksum[2];
  gboolean ok;

  for (gsize row = 0; row < n_rows; row++)
    if (!rle_encode_row (&code, envelope->cutout_pores + row * nx, nx))
      {
        g_free (code.data);
        g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_NO_MEMORY,
                     "Not enough memory to code the cutout");
        return FALSE;
      }

  g_byte_array_append (bytes, (const guint8 *) CACHE_MAGIC, 8);
  put_u32 (bytes, CACHE_VERSION);
  put_u32 (bytes, (guint32) sizeof (EnvelopeKey));
  put_key (bytes, key);
  for (guint axis = 0; axis < 3; axis++)
    put_u64 (bytes, envelope->cutout_origin[axis]);
  for (guint axis = 0; axis < 3; axis++)
    put_u64 (bytes, envelope->cutout_size[axis]);
  put_u32 (bytes, envelope->stack_faces);
  put_u32 (bytes, envelope->n_regions);
  put_u32 (bytes, envelope->summary.n_regions);
  put_u32 (bytes, envelope->summary.n_markers);
  put_u32 (bytes, envelope->summary.n_unmarked);
  put_u64 (bytes, envelope->summary.n_peak_plateaus);
  put_u64 (bytes, envelope->summary.n_saddles_removed);
  put_u64 (bytes, envelope->summary.n_nearby_removed);
  put_u64 (bytes, envelope->summary.phase_voxels);
  put_f64 (bytes, envelope->partition_seconds);
  put_u32 (bytes, envelope->n_pores);
  for (guint32 p = 0; p < envelope->n_pores; p++)
    {
      const CbdEnvelopePore *pore = &envelope->pores[p];

      put_u32 (bytes, pore->region);
      put_u64 (bytes, pore->volume_voxels);
      put_f64 (bytes, pore->volume_nm3);
      for (guint axis = 0; axis < 3; axis++)
        put_f64 (bytes, pore->centroid_nm[axis]);
      put_f64 (bytes, pore->inscribed_diameter_nm);
      put_f64 (bytes, pore->equivalent_diameter_nm);
      for (guint axis = 0; axis < 3; axis++)
        {
          put_u64 (bytes, pore->bbox_min[axis]);
          put_u64 (bytes, pore->bbox_max[axis]);
        }
      put_u32 (bytes, pore->envelope_faces);
      put_u32 (bytes, pore->n_neighbours);
      put_u64 (bytes, pore->cutout_voxels);
      put_u32 (bytes, pore->centroid_in_cutout ? 1 : 0);
    }
  put_u64 (bytes, code.len);
  g_byte_array_append (bytes, code.data, (guint) code.len);
  g_free (code.data);
  hash_bytes (bytes->data, bytes->len, checksum);
  put_u64 (bytes, checksum[0]);
  put_u64 (bytes, checksum[1]);

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create the cache folder %s: %s", directory, g_strerror (saved_errno));
      return FALSE;
    }
  /* a temporary file in the same folder, renamed over the old one */
  ok = g_file_set_contents_full (path, (const char *) bytes->data, bytes->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
  return ok;
}

/* NULL with @error when the file is not a valid cache of exactly these
 * inputs. */
static CbdEnvelope *
cache_file_read (const char *path, const EnvelopeKey *key, guint stack_faces,
                 const gsize cutout_origin[3], const gsize cutout_size[3],
                 const CbdPartitionOptions *options, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(CbdEnvelope) envelope = NULL;
  g_autofree guint64 *counts = NULL;
  gsize len, n, nx, n_rows, code_len, code_start;
  EnvelopeKey file_key;
  Reader reader;
  guint64 checksum[2], stored[2];

#define REJECT(...) G_STMT_START { \
    g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT, __VA_ARGS__); \
    return NULL; \
  } G_STMT_END

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  if (len < 8 + 8 + 16 || memcmp (contents, CACHE_MAGIC, 8) != 0)
    REJECT ("not an envelope cache file");
  reader = (Reader) { (const guint8 *) contents, len - 16, 8, TRUE };
  hash_bytes (contents, len - 16, checksum);
  memcpy (stored, contents + len - 16, 16);
  if (get_u32 (&reader) != CACHE_VERSION)
    REJECT ("written by another version");
  if (GUINT64_FROM_LE (stored[0]) != checksum[0] || GUINT64_FROM_LE (stored[1]) != checksum[1])
    REJECT ("checksum mismatch (damaged file)");
  if (get_u32 (&reader) != sizeof (EnvelopeKey))
    REJECT ("unknown header size");
  get_key (&reader, &file_key);
  if (!reader.ok || !envelope_key_equal (&file_key, key))
    REJECT ("made from other inputs");

  envelope = envelope_new ();
  envelope_set_key (envelope, key, stack_faces, cutout_origin, cutout_size, options);
  for (guint axis = 0; axis < 3; axis++)
    if (get_u64 (&reader) != cutout_origin[axis])
      REJECT ("made for another cutout");
  for (guint axis = 0; axis < 3; axis++)
    if (get_u64 (&reader) != cutout_size[axis])
      REJECT ("made for another cutout");
  if (get_u32 (&reader) != stack_faces)
    REJECT ("made for another stack");
  envelope->n_regions = get_u32 (&reader);
  envelope->summary.n_regions = get_u32 (&reader);
  envelope->summary.n_markers = get_u32 (&reader);
  envelope->summary.n_unmarked = get_u32 (&reader);
  envelope->summary.n_peak_plateaus = get_u64 (&reader);
  envelope->summary.n_saddles_removed = get_u64 (&reader);
  envelope->summary.n_nearby_removed = get_u64 (&reader);
  envelope->summary.phase_voxels = get_u64 (&reader);
  envelope->partition_seconds = get_f64 (&reader);
  envelope->n_pores = get_u32 (&reader);
  if (!reader.ok)
    REJECT ("truncated");

  n = cutout_size[0] * cutout_size[1] * cutout_size[2];
  if (envelope->n_pores > envelope->n_regions || envelope->n_pores > n)
    REJECT ("more pores than regions or voxels");
  envelope->pores = g_try_malloc0_n (MAX (envelope->n_pores, 1), sizeof (CbdEnvelopePore));
  envelope->cutout_pores = g_try_malloc_n (MAX (n, 1), sizeof (guint32));
  counts = g_try_malloc0_n ((gsize) envelope->n_pores + 1, sizeof (guint64));
  if (envelope->pores == NULL || envelope->cutout_pores == NULL || counts == NULL)
    REJECT ("too large for the memory");

  for (guint32 p = 0; p < envelope->n_pores; p++)
    {
      CbdEnvelopePore *pore = &envelope->pores[p];
      guint32 centroid_in;

      pore->region = get_u32 (&reader);
      pore->volume_voxels = get_u64 (&reader);
      pore->volume_nm3 = get_f64 (&reader);
      for (guint axis = 0; axis < 3; axis++)
        pore->centroid_nm[axis] = get_f64 (&reader);
      pore->inscribed_diameter_nm = get_f64 (&reader);
      pore->equivalent_diameter_nm = get_f64 (&reader);
      for (guint axis = 0; axis < 3; axis++)
        {
          pore->bbox_min[axis] = get_u64 (&reader);
          pore->bbox_max[axis] = get_u64 (&reader);
          if (pore->bbox_min[axis] < key->origin[axis] || pore->bbox_min[axis] > pore->bbox_max[axis] ||
              pore->bbox_max[axis] >= key->origin[axis] + key->size[axis])
            REJECT ("a pore outside the envelope");
        }
      pore->envelope_faces = get_u32 (&reader);
      pore->n_neighbours = get_u32 (&reader);
      pore->cutout_voxels = get_u64 (&reader);
      centroid_in = get_u32 (&reader);
      pore->centroid_in_cutout = centroid_in != 0;
      if (!reader.ok)
        REJECT ("truncated");
      if (pore->region == 0 || pore->region > envelope->n_regions ||
          (p > 0 && pore->region <= envelope->pores[p - 1].region) ||
          pore->envelope_faces > 63 || centroid_in > 1 ||
          pore->cutout_voxels == 0 || pore->cutout_voxels > pore->volume_voxels ||
          !isfinite (pore->volume_nm3) || !(pore->inscribed_diameter_nm >= 0) ||
          !isfinite (pore->inscribed_diameter_nm))
        REJECT ("inconsistent pore %u", p + 1);
    }

  code_len = get_u64 (&reader);
  code_start = reader.pos;
  if (!reader.ok || code_len != reader.len - code_start)
    REJECT ("truncated");
  nx = cutout_size[0];
  n_rows = cutout_size[1] * cutout_size[2];
  reader.pos = 0;
  for (gsize row = 0; row < n_rows; row++)
    {
      guint32 *values = envelope->cutout_pores + row * nx;

      if (!rle_decode_row (reader.data + code_start, code_len, &reader.pos, nx, 0, nx, TRUE, values))
        REJECT ("damaged voxel data");
      for (gsize x = 0; x < nx; x++)
        {
          if (values[x] > envelope->n_pores)
            REJECT ("a pore index out of range");
          counts[values[x]]++;
        }
    }
  if (reader.pos != code_len)
    REJECT ("trailing voxel data");
  for (guint32 p = 0; p < envelope->n_pores; p++)
    if (counts[p + 1] != envelope->pores[p].cutout_voxels)
      REJECT ("pore %u's voxel count does not match", p + 1);
#undef REJECT

  return g_steal_pointer (&envelope);
}

/* ---- the cache -------------------------------------------------------------- */

struct _CbdEnvelopeCache
{
  gatomicrefcount        ref_count;
  GMutex                 mutex;
  GCond                  finished;  /* signalled when a pending key is released */
  char                  *directory;
  guint64                budget;
  GQueue                 entries;   /* EnvelopePartition *, most recent first */
  GArray                *pending;   /* EnvelopeKey: being partitioned by some thread */
  CbdEnvelopeCacheStats  stats;
};

CbdEnvelopeCache *
cbd_envelope_cache_new (const char *directory,
                        guint64     memory_budget)
{
  CbdEnvelopeCache *cache = g_new0 (CbdEnvelopeCache, 1);

  g_atomic_ref_count_init (&cache->ref_count);
  g_mutex_init (&cache->mutex);
  g_cond_init (&cache->finished);
  cache->pending = g_array_new (FALSE, FALSE, sizeof (EnvelopeKey));
  cache->directory = g_strdup (directory);
  cache->budget = memory_budget;
  g_queue_init (&cache->entries);
  return cache;
}

CbdEnvelopeCache *
cbd_envelope_cache_ref (CbdEnvelopeCache *cache)
{
  g_return_val_if_fail (cache != NULL, NULL);
  g_atomic_ref_count_inc (&cache->ref_count);
  return cache;
}

void
cbd_envelope_cache_clear (CbdEnvelopeCache *cache)
{
  g_return_if_fail (cache != NULL);
  g_mutex_lock (&cache->mutex);
  g_queue_clear_full (&cache->entries, (GDestroyNotify) envelope_partition_unref);
  cache->stats.memory_entries = 0;
  cache->stats.memory_bytes = 0;
  g_mutex_unlock (&cache->mutex);
}

void
cbd_envelope_cache_unref (CbdEnvelopeCache *cache)
{
  if (cache == NULL || !g_atomic_ref_count_dec (&cache->ref_count))
    return;
  cbd_envelope_cache_clear (cache);
  g_array_unref (cache->pending);
  g_cond_clear (&cache->finished);
  g_mutex_clear (&cache->mutex);
  g_free (cache->directory);
  g_free (cache);
}

void
cbd_envelope_cache_get_stats (CbdEnvelopeCache      *cache,
                              CbdEnvelopeCacheStats *stats)
{
  g_return_if_fail (cache != NULL && stats != NULL);
  g_mutex_lock (&cache->mutex);
  *stats = cache->stats;
  g_mutex_unlock (&cache->mutex);
}

const char *
cbd_envelope_cache_get_directory (CbdEnvelopeCache *cache)
{
  g_return_val_if_fail (cache != NULL, NULL);
  return cache->directory;
}

static EnvelopePartition *
cache_lookup_locked (CbdEnvelopeCache *cache, const EnvelopeKey *key)
{
  for (GList *link = cache->entries.head; link != NULL; link = link->next)
    {
      EnvelopePartition *partition = link->data;

      if (envelope_key_equal (&partition->key, key))
        {
          g_queue_unlink (&cache->entries, link);
          g_queue_push_head_link (&cache->entries, link);
          cache->stats.memory_hits++;
          return envelope_partition_ref (partition);
        }
    }
  return NULL;
}

static EnvelopePartition *
cache_lookup (CbdEnvelopeCache *cache, const EnvelopeKey *key)
{
  EnvelopePartition *found;

  g_mutex_lock (&cache->mutex);
  found = cache_lookup_locked (cache, key);
  g_mutex_unlock (&cache->mutex);
  return found;
}

static gboolean
cache_is_pending_locked (CbdEnvelopeCache *cache, const EnvelopeKey *key, guint *position)
{
  for (guint i = 0; i < cache->pending->len; i++)
    if (envelope_key_equal (&g_array_index (cache->pending, EnvelopeKey, i), key))
      {
        if (position != NULL)
          *position = i;
        return TRUE;
      }
  return FALSE;
}

/* Nearby cutouts share an envelope, and the app analyses several at once:
 * while one thread partitions an envelope, another that needs it waits and
 * then takes it from memory instead of partitioning it a second time (the
 * same time again, and a second envelope's worth of memory at the peak).
 * Returns the partition when another thread made it meanwhile; else NULL
 * and *@claimed = TRUE: the caller partitions it and must call
 * cache_release(). NULL with @error when cancelled while waiting. */
static EnvelopePartition *
cache_claim (CbdEnvelopeCache *cache, const EnvelopeKey *key, GCancellable *cancellable,
             gboolean *claimed, GError **error)
{
  EnvelopePartition *found = NULL;

  *claimed = FALSE;
  g_mutex_lock (&cache->mutex);
  for (;;)
    {
      found = cache_lookup_locked (cache, key);
      if (found != NULL)
        break;
      if (!cache_is_pending_locked (cache, key, NULL))
        {
          g_array_append_val (cache->pending, *key);
          *claimed = TRUE;
          break;
        }
      /* woken when any pending key is released; polls @cancellable */
      g_cond_wait_until (&cache->finished, &cache->mutex,
                         g_get_monotonic_time () + G_TIME_SPAN_MILLISECOND * 50);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
    }
  g_mutex_unlock (&cache->mutex);
  return found;
}

static void
cache_release (CbdEnvelopeCache *cache, const EnvelopeKey *key)
{
  guint position;

  g_mutex_lock (&cache->mutex);
  if (cache_is_pending_locked (cache, key, &position))
    g_array_remove_index_fast (cache->pending, position);
  g_cond_broadcast (&cache->finished);
  g_mutex_unlock (&cache->mutex);
}

static void
cache_insert (CbdEnvelopeCache *cache, EnvelopePartition *partition)
{
  g_mutex_lock (&cache->mutex);
  for (GList *link = cache->entries.head; link != NULL; link = link->next)
    if (envelope_key_equal (&((EnvelopePartition *) link->data)->key, &partition->key))
      {
        /* another thread computed it meanwhile */
        g_mutex_unlock (&cache->mutex);
        return;
      }
  if (partition->bytes <= cache->budget)
    {
      g_queue_push_head (&cache->entries, envelope_partition_ref (partition));
      cache->stats.memory_bytes += partition->bytes;
      while (cache->stats.memory_bytes > cache->budget)
        {
          EnvelopePartition *oldest = g_queue_pop_tail (&cache->entries);

          cache->stats.memory_bytes -= oldest->bytes;
          envelope_partition_unref (oldest);
        }
      cache->stats.memory_entries = g_queue_get_length (&cache->entries);
    }
  g_mutex_unlock (&cache->mutex);
}

static void
cache_count (CbdEnvelopeCache *cache, guint *counter)
{
  g_mutex_lock (&cache->mutex);
  (*counter)++;
  g_mutex_unlock (&cache->mutex);
}

/* ---- options and boxes ------------------------------------------------------ */

void
cbd_envelope_options_init (CbdEnvelopeOptions *options)
{
  g_return_if_fail (options != NULL);
  options->edge = CBD_ENVELOPE_DEFAULT_EDGE;
  options->snap = CBD_ENVELOPE_DEFAULT_SNAP;
  cbd_partition_options_init (&options->partition);
}

gboolean
cbd_envelope_box (const gsize               stack_dims[3],
                  const gsize               cutout_origin[3],
                  const gsize               cutout_size[3],
                  const CbdEnvelopeOptions *options,
                  gsize                     origin[3],
                  gsize                     size[3],
                  guint                    *stack_faces,
                  GError                  **error)
{
  CbdEnvelopeOptions defaults;
  guint faces = 0;

  g_return_val_if_fail (stack_dims != NULL && cutout_origin != NULL && cutout_size != NULL, FALSE);
  g_return_val_if_fail (origin != NULL && size != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      cbd_envelope_options_init (&defaults);
      options = &defaults;
    }
  for (guint axis = 0; axis < 3; axis++)
    if (cutout_size[axis] == 0 || cutout_origin[axis] >= stack_dims[axis] ||
        cutout_size[axis] > stack_dims[axis] - cutout_origin[axis])
      {
        g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,
                     "The cutout at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                     ") of size %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                     " does not fit in the %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %"
                     G_GSIZE_FORMAT " volume",
                     cutout_origin[0], cutout_origin[1], cutout_origin[2],
                     cutout_size[0], cutout_size[1], cutout_size[2],
                     stack_dims[0], stack_dims[1], stack_dims[2]);
        return FALSE;
      }
  for (guint axis = 0; axis < 3; axis++)
    if (options->edge < cutout_size[axis] || options->edge > MAX_EDGE || options->snap > MAX_EDGE)
      {
        g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,
                     "The envelope edge (%" G_GSIZE_FORMAT " voxels) must lie between the "
                     "cutout's edge (%" G_GSIZE_FORMAT ") and %" G_GSIZE_FORMAT
                     ", the snap between 0 and %" G_GSIZE_FORMAT,
                     options->edge, cutout_size[axis], MAX_EDGE, MAX_EDGE);
        return FALSE;
      }

  for (guint axis = 0; axis < 3; axis++)
    {
      gint64 edge = (gint64) options->edge, snap = (gint64) options->snap;
      gint64 c0 = (gint64) cutout_origin[axis], n = (gint64) cutout_size[axis];
      gint64 low, high;

      if (snap > 0 && edge >= n + snap)
        {
          gint64 cell = (c0 + n / 2) / snap;

          low = cell * snap + snap / 2 - edge / 2;
        }
      else
        low = c0 - (edge - n) / 2;
      high = low + edge;
      /* the margins are never negative (see the header), but be sure */
      g_assert (low <= c0 && high >= c0 + n);
      low = MAX (low, 0);
      high = MIN (high, (gint64) stack_dims[axis]);
      origin[axis] = (gsize) low;
      size[axis] = (gsize) (high - low);
      if (low == 0)
        faces |= 1u << (2 * axis);
      if (high == (gint64) stack_dims[axis])
        faces |= 1u << (2 * axis + 1);
    }
  if (stack_faces != NULL)
    *stack_faces = faces;
  return TRUE;
}

/* ---- computing ---------------------------------------------------------------- */

typedef struct
{
  CbdProgressFunc func;
  gpointer        data;
  double          low;
  double          high;
} ScaledProgress;

static void
scaled_progress (const CbdProgress *progress, gpointer user_data)
{
  ScaledProgress *scaled = user_data;
  CbdProgress copy = *progress;

  if (copy.fraction >= 0)
    copy.fraction = scaled->low + (scaled->high - scaled->low) * CLAMP (copy.fraction, 0.0, 1.0);
  scaled->func (&copy, scaled->data);
}

/* Crops, partitions and measures the envelope: a partition with raw ids. */
static EnvelopePartition *
partition_envelope (const CbdVolume *volume, const gboolean phase[256], const EnvelopeKey *key,
                    const CbdPartitionOptions *options, GCancellable *cancellable,
                    CbdProgressFunc progress, gpointer progress_data, GError **error)
{
  g_autoptr(EnvelopePartition) partition = g_new0 (EnvelopePartition, 1);
  g_autoptr(CbdVolume) crop = NULL;
  g_autoptr(CbdRegionTable) table = NULL;
  g_autofree float *distance = NULL;
  gsize origin[3], size[3], n;
  ScaledProgress scaled = { progress, progress_data, 0.05, 0.85 };
  gint64 start = g_get_monotonic_time ();

  g_atomic_ref_count_init (&partition->ref_count);
  partition->key = *key;
  for (guint axis = 0; axis < 3; axis++)
    {
      origin[axis] = key->origin[axis];
      size[axis] = key->size[axis];
    }

  cbd_progress_report (progress, progress_data, "Cropping the envelope", 0.03);
  crop = cbd_volume_crop (volume, origin, size, error);
  if (crop == NULL)
    return NULL;
  n = cbd_volume_n_voxels (crop);
  partition->ids = g_try_malloc_n (n, sizeof (guint32));
  distance = g_try_malloc_n (n, sizeof (float));
  if (partition->ids == NULL || distance == NULL)
    {
      g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_NO_MEMORY,
                   "Not enough memory to partition an envelope of %" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " voxels (8 bytes per voxel)",
                   size[0], size[1], size[2]);
      return NULL;
    }
  if (!cbd_partition_compute (crop, phase, options, partition->ids, distance, &partition->summary,
                              cancellable, progress != NULL ? scaled_progress : NULL, &scaled,
                              error))
    return NULL;
  g_clear_pointer (&crop, cbd_volume_unref);

  cbd_progress_report (progress, progress_data, "Measuring the pores", 0.85);
  table = cbd_region_table_measure (partition->ids, partition->summary.n_regions, size,
                                    key->voxel_nm, distance, NULL, NULL, cancellable, error);
  if (table == NULL)
    return NULL;
  g_clear_pointer (&distance, g_free);

  partition->n_regions = table->n_regions;
  partition->records = g_try_malloc0_n (MAX (table->n_regions, 1), sizeof (RegionRecord));
  if (partition->records == NULL)
    {
      g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_NO_MEMORY,
                   "Not enough memory for %u regions", table->n_regions);
      return NULL;
    }
  for (guint32 i = 0; i < table->n_regions; i++)
    {
      const CbdRegion *region = &table->regions[i];
      RegionRecord *record = &partition->records[i];

      record->volume_voxels = region->volume_voxels;
      record->volume_nm3 = region->volume_nm3;
      record->max_distance_nm = region->max_distance_nm;
      record->equivalent_diameter_nm = region->equivalent_diameter_nm;
      record->n_neighbours = region->n_neighbours;
      for (guint axis = 0; axis < 3; axis++)
        {
          record->centroid_nm[axis] = region->centroid_nm[axis];
          record->bbox_min[axis] = (guint32) region->bbox_min[axis];
          record->bbox_max[axis] = (guint32) region->bbox_max[axis];
        }
    }
  partition->partition_seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&partition);
}

/* Whether @cache can hand a partition back (from memory or disk): only then
 * is the labels' hash, a read of the whole envelope, worth making. */
static gboolean
cache_keeps_partitions (const CbdEnvelopeCache *cache)
{
  return cache != NULL && (cache->budget > 0 || cache->directory != NULL);
}

static void
phase_bits (const gboolean phase[256], guint64 bits[4])
{
  bits[0] = bits[1] = bits[2] = bits[3] = 0;
  for (guint label = 0; label < 256; label++)
    if (phase[label])
      bits[label / 64] |= G_GUINT64_CONSTANT (1) << (label % 64);
}

/**
 * cbd_envelope_compute:
 *
 * See the header. The result's cutout_pores and pores are what the filter
 * reads; the envelope's own region ids and distances are freed (or kept,
 * coded, in @cache's memory).
 */
CbdEnvelope *
cbd_envelope_compute (const CbdVolume          *volume,
                      const gboolean            phase[256],
                      const gsize               cutout_origin[3],
                      const gsize               cutout_size[3],
                      const CbdEnvelopeOptions *options,
                      CbdEnvelopeCache         *cache,
                      GCancellable             *cancellable,
                      CbdProgressFunc           progress,
                      gpointer                  progress_data,
                      GError                  **error)
{
  CbdEnvelopeOptions defaults;
  g_autoptr(EnvelopePartition) partition = NULL;
  g_autoptr(CbdEnvelope) envelope = NULL;
  g_autofree char *path = NULL;
  EnvelopeKey key;
  gsize origin[3], size[3];
  guint stack_faces;
  gboolean claimed = FALSE;
  gboolean keyed = cache_keeps_partitions (cache);
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (volume != NULL && phase != NULL, NULL);
  g_return_val_if_fail (cutout_origin != NULL && cutout_size != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      cbd_envelope_options_init (&defaults);
      options = &defaults;
    }
  if (!(options->partition.sigma >= 0 && options->partition.sigma <= 100) ||
      !(options->partition.r_max >= 0 && options->partition.r_max <= 100))
    {
      g_set_error (error, CBD_ENVELOPE_ERROR, CBD_ENVELOPE_ERROR_INVALID_ARGUMENT,
                   "sigma and r_max must lie between 0 and 100 voxels (got %g and %g)",
                   options->partition.sigma, options->partition.r_max);
      return NULL;
    }
  if (!cbd_envelope_box (volume->dims, cutout_origin, cutout_size, options, origin, size,
                         &stack_faces, error))
    return NULL;

  memset (&key, 0, sizeof key);
  if (keyed)
    {
      cbd_progress_report (progress, progress_data, "Hashing the envelope", 0.0);
      if (!hash_envelope_labels (volume, origin, size, cancellable, key.content, error))
        return NULL;
    }
  phase_bits (phase, key.phase_bits);
  key.sigma = options->partition.sigma;
  key.r_max = options->partition.r_max;
  for (guint axis = 0; axis < 3; axis++)
    {
      key.voxel_nm[axis] = volume->voxel_nm[axis];
      key.stack_dims[axis] = volume->dims[axis];
      key.origin[axis] = origin[axis];
      key.size[axis] = size[axis];
    }

  if (keyed)
    partition = cache_lookup (cache, &key);
  if (partition == NULL && keyed && cache->directory != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      path = cache_file_path (cache->directory, &key, cutout_origin, cutout_size);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          cbd_progress_report (progress, progress_data, "Reading the cache", 0.02);
          envelope = cache_file_read (path, &key, stack_faces, cutout_origin, cutout_size,
                                      &options->partition, &local_error);
          if (envelope != NULL)
            {
              cache_count (cache, &cache->stats.disk_hits);
              envelope->source = CBD_ENVELOPE_FROM_DISK;
            }
          else
            {
              g_warning ("Ignoring the envelope cache file %s (%s); computing it again",
                         path, local_error->message);
              cache_count (cache, &cache->stats.rejected_files);
            }
        }
    }

  if (envelope == NULL)
    {
      CbdEnvelopeSource source = CBD_ENVELOPE_FROM_MEMORY;

      /* only a cache that keeps partitions in memory can hand one over */
      if (partition == NULL && cache != NULL && cache->budget > 0)
        {
          g_autoptr(GError) wait_error = NULL;

          partition = cache_claim (cache, &key, cancellable, &claimed, &wait_error);
          if (wait_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&wait_error));
              return NULL;
            }
        }
      if (partition == NULL)
        {
          partition = partition_envelope (volume, phase, &key, &options->partition, cancellable,
                                          progress, progress_data, error);
          if (partition == NULL)
            {
              if (claimed)
                cache_release (cache, &key);
              return NULL;
            }
          source = CBD_ENVELOPE_COMPUTED;
        }
      /* kept before anything can fail, so a waiting thread gets it */
      if (source == CBD_ENVELOPE_COMPUTED && cache != NULL)
        {
          cache_count (cache, &cache->stats.computed);
          if (cache->budget > 0)
            {
              cbd_progress_report (progress, progress_data, "Keeping the partition", 0.88);
              if (envelope_partition_encode (partition, cancellable))
                {
                  g_clear_pointer (&partition->ids, g_free);
                  cache_insert (cache, partition);
                }
            }
        }
      if (claimed)
        cache_release (cache, &key);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      cbd_progress_report (progress, progress_data, "Extracting the cutout", 0.9);
      envelope = envelope_extract (partition, stack_faces, cutout_origin, cutout_size,
                                   &options->partition, error);
      if (envelope == NULL)
        return NULL;
      envelope->source = source;

      if (cache != NULL && cache->directory != NULL)
        {
          g_autoptr(GError) local_error = NULL;

          if (path == NULL)
            path = cache_file_path (cache->directory, &key, cutout_origin, cutout_size);
          if (source == CBD_ENVELOPE_COMPUTED || !g_file_test (path, G_FILE_TEST_EXISTS))
            {
              cbd_progress_report (progress, progress_data, "Writing the cache", 0.97);
              if (!cache_file_write (path, &key, envelope, &local_error))
                g_warning ("Cannot write the envelope cache file %s: %s", path, local_error->message);
            }
        }
    }

  /* of every input, not just the labels; none when they were not hashed */
  if (keyed)
    hash_bytes (&key, sizeof key, envelope->input_hash);
  envelope->cache_path = g_steal_pointer (&path);
  envelope->seconds = (g_get_monotonic_time () - start) / 1e6;
  cbd_progress_report (progress, progress_data, "Done", 1.0);
  return g_steal_pointer (&envelope);
}
