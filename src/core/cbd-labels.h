/* cbd-labels.h — which raw label values are pore, CBD and CAM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_LABELS_ERROR (cbd_labels_error_quark ())

typedef enum
{
  CBD_LABELS_ERROR_PARSE,
  CBD_LABELS_ERROR_AMBIGUOUS,
} CbdLabelsError;

typedef enum
{
  CBD_PHASE_OTHER = 0,
  CBD_PHASE_PORE,
  CBD_PHASE_CBD,
  CBD_PHASE_CAM,
  CBD_N_PHASES
} CbdPhase;

/* Indexed by the *stored* label (0..255), see CbdVolume.source_value. */
typedef struct
{
  guint8 phase[256];
} CbdLabelMap;

GQuark       cbd_labels_error_quark   (void);

const char  *cbd_phase_to_string      (CbdPhase           phase);
gboolean     cbd_phase_from_string    (const char        *name,
                                       CbdPhase          *phase);

void         cbd_label_map_init       (CbdLabelMap       *map);
gboolean     cbd_label_map_parse      (CbdLabelMap       *map,
                                       const char        *spec,
                                       const CbdVolume   *volume,
                                       GError           **error);
gboolean     cbd_label_map_guess      (CbdLabelMap       *map,
                                       const guint64      counts[256],
                                       GError           **error);
gboolean     cbd_label_map_resolve    (CbdLabelMap       *map,
                                       const char        *spec,
                                       const CbdVolume   *volume,
                                       const guint64      counts[256],
                                       GError           **error);
char        *cbd_label_map_to_string  (const CbdLabelMap *map,
                                       const CbdVolume   *volume);
int          cbd_label_map_first_value (const CbdLabelMap *map,
                                        CbdPhase           phase);
void         cbd_label_map_phase_counts (const CbdLabelMap *map,
                                         const guint64      counts[256],
                                         guint64            phase_counts[CBD_N_PHASES]);

G_END_DECLS
