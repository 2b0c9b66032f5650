/* cbd-io.c — the I/O error domain, format dispatch and raw type names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-io"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cbd-io.h"
#include "cbd-io-private.h"

G_DEFINE_QUARK (cbd-io-error-quark, cbd_io_error)

gboolean
cbd_raw_type_from_string (const char *name,
                          CbdRawType *type)
{
  static const struct
  {
    const char *name;
    CbdRawType  type;
  } names[] = {
    { "u8", CBD_RAW_U8 },
    { "uint8", CBD_RAW_U8 },
    { "u16", CBD_RAW_U16_LE },
    { "u16le", CBD_RAW_U16_LE },
    { "uint16", CBD_RAW_U16_LE },
    { "u16be", CBD_RAW_U16_BE },
  };

  g_return_val_if_fail (type != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (g_ascii_strcasecmp (name, names[i].name) == 0)
        {
          *type = names[i].type;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * cbd_volume_load:
 *
 * Loads a folder of slices or a TIFF file. Raw files carry no dims, so they
 * need cbd_raw_read() and are refused here with a hint.
 */
CbdVolume *
cbd_volume_load (const char      *path,
                 GCancellable    *cancellable,
                 CbdProgressFunc  progress,
                 gpointer         progress_data,
                 GError         **error)
{
  g_autofree char *name = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_path_get_basename (path);
  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CBD_IO_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR
                     ? CBD_IO_ERROR_NOT_FOUND : CBD_IO_ERROR_UNREADABLE,
                   "%s: %s", name, g_strerror (saved_errno));
      return NULL;
    }

  if (!S_ISDIR (st.st_mode) &&
      (g_str_has_suffix (path, ".raw") || g_str_has_suffix (path, ".RAW")))
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_UNSUPPORTED,
                   "%s: raw files have no header; give the dims and type "
                   "to the raw importer", name);
      return NULL;
    }

  /* The TIFF reader handles both a single file and a folder of slices. */
  return cbd_tiff_read (path, cancellable, progress, progress_data, error);
}

/**
 * cbd_io_remap_seen_values:
 *
 * 16-bit labels are stored as 8 bits: the distinct values seen, ascending,
 * become labels 0..n-1 and are remembered in @volume's source_value.
 * Returns the 65536-entry lookup table, or %NULL with more than 256 values.
 */
guint8 *
cbd_io_remap_seen_values (const guint32  seen[CBD_IO_SEEN_WORDS],
                          CbdVolume     *volume,
                          const char    *display_name,
                          GError       **error)
{
  g_autofree guint8 *lookup = NULL;
  guint n_values = 0;

  for (guint value = 0; value < 65536; value++)
    n_values += (seen[value / 32] >> (value % 32)) & 1u;
  if (n_values > 256)
    {
      g_set_error (error, CBD_IO_ERROR, CBD_IO_ERROR_TOO_MANY_LABELS,
                   "%s: the 16-bit data has %u distinct values; at most 256 labels are supported",
                   display_name, n_values);
      return NULL;
    }

  lookup = g_new0 (guint8, 65536);
  n_values = 0;
  for (guint value = 0; value < 65536; value++)
    if ((seen[value / 32] >> (value % 32)) & 1u)
      {
        lookup[value] = n_values;
        volume->source_value[n_values++] = value;
      }
  for (guint label = n_values; label < 256; label++)
    volume->source_value[label] = 0;
  volume->remapped = TRUE;
  return g_steal_pointer (&lookup);
}
