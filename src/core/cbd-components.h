/* cbd-components.h — connected components of one phase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_COMPONENTS_ERROR (cbd_components_error_quark ())

typedef enum
{
  CBD_COMPONENTS_ERROR_NO_MEMORY,
  CBD_COMPONENTS_ERROR_INVALID_ARGUMENT,
  CBD_COMPONENTS_ERROR_TOO_MANY,
} CbdComponentsError;

GQuark    cbd_components_error_quark (void);

gboolean  cbd_components_label       (const CbdVolume *volume,
                                      const gboolean   phase[256],
                                      guint            connectivity,
                                      guint32         *labels_out,
                                      guint32         *n_components,
                                      guint64        **sizes_out,
                                      GError         **error);

G_END_DECLS
