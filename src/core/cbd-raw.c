/* cbd-raw.c — importing headerless raw label volumes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-raw"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cbd-io.h"
#include "cbd-io-private.h"

#define RAW_CHUNK_BYTES (8u << 20)

static const char *
raw_type_name (CbdRawType type)
{
  switch (type)
    {
    case CBD_RAW_U8: return "u8";
    case CBD_RAW_U16_LE: return "u16 little-endian";
    case CBD_RAW_U16_BE: return "u16 big-endian";
    default: return "unknown";
    }
}

static gboolean
raw_read_chunk (FILE        *stream,
                guint8      *buffer,
                gsize        n_bytes,
                const char  *name,
                GError     **error)
{
  if (fread (buffer, 1, n_bytes, stream) != n_bytes)
    {
      g_set_error (error, CBD_IO_ERROR,
                   ferror (stream) ? CBD_IO_ERROR_UNREADABLE : CBD_IO_ERROR_CORRUPT,
                   "%s: %s", name,
                   ferror (stream) ? "read error" : "file ended early");
      return FALSE;
    }
  return TRUE;
}

static inline guint16
raw_u16 (const guint8 *bytes,
         gboolean      big_endian)
{
  return big_endian ? (guint16) (bytes[0] << 8 | bytes[1])
                    : (guint16) (bytes[1] << 8 | bytes[0]);
}

static gboolean G_GNUC_PRINTF (2, 3)
bad_layout (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_BAD_LAYOUT,
               "%s; a raw layout is NX,NY,NZ[:u8|u16le|u16be], e.g. 256,256,128:u8", message);
  return FALSE;
}

gboolean
cbd_raw_layout_parse (const char  *text,
                      gsize        dims[3],
                      CbdRawType  *type,
                      GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) sizes = NULL;
  guint n_sizes;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (dims != NULL && type != NULL, FALSE);

  parts = g_strsplit (text, ":", 2);
  sizes = g_strsplit (parts[0] != NULL ? parts[0] : "", ",", -1);
  n_sizes = g_strv_length (sizes);
  if (n_sizes != 3)
    return bad_layout (error, "The raw layout “%s” needs 3 sizes, it has %u", text, n_sizes);
  for (guint axis = 0; axis < 3; axis++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (g_strstrip (sizes[axis]), 10, 1, G_MAXSIZE, &value, NULL))
        return bad_layout (error, "The size “%s” in the raw layout “%s” is not a whole number "
                           "of voxels of at least 1", sizes[axis], text);
      dims[axis] = value;
    }
  *type = CBD_RAW_U8;
  if (parts[1] != NULL && !cbd_raw_type_from_string (g_strstrip (parts[1]), type))
    return bad_layout (error, "The sample type “%s” in the raw layout “%s” is unknown", parts[1],
                       text);
  return TRUE;
}

/**
 * cbd_raw_read:
 *
 * Reads x-fastest voxels with no header. 16-bit data is read twice in
 * chunks: once to collect the distinct values, once to store their ranks as
 * labels, like 16-bit TIFFs.
 */
CbdVolume *
cbd_raw_read (const char    *path,
              const gsize    dims[3],
              CbdRawType     type,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree char *name = NULL;
  g_autoptr(CbdVolume) volume = NULL;
  g_autoptr(GError) volume_error = NULL;
  g_autofree guint8 *chunk = NULL;
  g_autofree guint32 *seen = NULL;
  g_autofree guint8 *lookup = NULL;
  gsize n_voxels = 0, bytes_per_voxel, expected = 0;
  gboolean big_endian = type == CBD_RAW_U16_BE;
  GStatBuf st;
  FILE *stream;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (dims != NULL, NULL);

  name = g_path_get_basename (path);
  bytes_per_voxel = type == CBD_RAW_U8 ? 1 : 2;

  stream = g_fopen (path, "rb");
  if (stream == NULL || fstat (fileno (stream), &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CBD_IO_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR
                     ? CBD_IO_ERROR_NOT_FOUND : CBD_IO_ERROR_UNREADABLE,
                   "%s: %s", name, g_strerror (saved_errno));
      if (stream != NULL)
        fclose (stream);
      return NULL;
    }

  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 ||
      !g_size_checked_mul (&n_voxels, dims[0], dims[1]) ||
      !g_size_checked_mul (&n_voxels, n_voxels, dims[2]) ||
      !g_size_checked_mul (&expected, n_voxels, bytes_per_voxel) ||
      (guint64) st.st_size != expected)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_SIZE_MISMATCH,
                   "%s: the file has %" G_GUINT64_FORMAT " bytes, but %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " %s voxels need %" G_GUINT64_FORMAT " bytes",
                   name, (guint64) st.st_size, dims[0], dims[1], dims[2],
                   raw_type_name (type),
                   (guint64) dims[0] * dims[1] * dims[2] * bytes_per_voxel);
      fclose (stream);
      return NULL;
    }

  volume = cbd_volume_new (dims[0], dims[1], dims[2], &volume_error);
  if (volume == NULL)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_NO_MEMORY,
                   "%s: %s", name, volume_error->message);
      fclose (stream);
      return NULL;
    }

  if (type == CBD_RAW_U8)
    {
      for (gsize offset = 0; offset < n_voxels; offset += RAW_CHUNK_BYTES)
        {
          if (g_cancellable_is_cancelled (cancellable))
            {
              g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CANCELLED,
                           "%s: loading cancelled", name);
              fclose (stream);
              return NULL;
            }
          if (!raw_read_chunk (stream, volume->labels + offset,
                               MIN (RAW_CHUNK_BYTES, n_voxels - offset),
                               name, error))
            {
              fclose (stream);
              return NULL;
            }
        }
      fclose (stream);
      return g_steal_pointer (&volume);
    }

  chunk = g_malloc (RAW_CHUNK_BYTES);
  seen = g_new0 (guint32, 65536 / 32);
  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        {
          lookup = cbd_io_remap_seen_values (seen, volume, name, error);
          if (lookup == NULL)
            {
              fclose (stream);
              return NULL;
            }
          rewind (stream);
        }

      for (gsize voxel = 0; voxel < n_voxels; voxel += RAW_CHUNK_BYTES / 2)
        {
          gsize count = MIN (RAW_CHUNK_BYTES / 2, n_voxels - voxel);

          if (g_cancellable_is_cancelled (cancellable))
            {
              g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_CANCELLED,
                           "%s: loading cancelled", name);
              fclose (stream);
              return NULL;
            }
          if (!raw_read_chunk (stream, chunk, count * 2, name, error))
            {
              fclose (stream);
              return NULL;
            }
          if (pass == 0)
            for (gsize i = 0; i < count; i++)
              {
                guint16 value = raw_u16 (chunk + 2 * i, big_endian);

                seen[value / 32] |= 1u << (value % 32);
              }
          else
            for (gsize i = 0; i < count; i++)
              volume->labels[voxel + i] = lookup[raw_u16 (chunk + 2 * i, big_endian)];
        }
    }
  fclose (stream);
  return g_steal_pointer (&volume);
}
