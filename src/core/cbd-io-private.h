/* cbd-io-private.h — what the TIFF and raw readers share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cbd-io.h"

G_BEGIN_DECLS

/* A bit per 16-bit value, set in a first pass over the data. */
#define CBD_IO_SEEN_WORDS (65536 / 32)

guint8 *cbd_io_remap_seen_values (const guint32  seen[CBD_IO_SEEN_WORDS],
                                  CbdVolume     *volume,
                                  const char    *display_name,
                                  GError       **error);

G_END_DECLS
