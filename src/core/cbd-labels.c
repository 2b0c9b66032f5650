/* cbd-labels.c — which raw label values are pore, CBD and CAM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-labels"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cbd-labels.h"

G_DEFINE_QUARK (cbd-labels-error-quark, cbd_labels_error)

static const char * const phase_names[CBD_N_PHASES] = { "other", "pore", "cbd", "cam" };

const char *
cbd_phase_to_string (CbdPhase phase)
{
  g_return_val_if_fail (phase < CBD_N_PHASES, "other");
  return phase_names[phase];
}

gboolean
cbd_phase_from_string (const char *name,
                       CbdPhase   *phase)
{
  for (guint i = 0; i < CBD_N_PHASES; i++)
    if (g_ascii_strcasecmp (name, phase_names[i]) == 0)
      {
        *phase = i;
        return TRUE;
      }
  return FALSE;
}

void
cbd_label_map_init (CbdLabelMap *map)
{
  memset (map->phase, CBD_PHASE_OTHER, sizeof map->phase);
}

/* A raw value from the user names a source value; find the stored label. */
static gboolean
stored_label_for (const CbdVolume *volume, guint64 raw, guint8 *stored)
{
  if (volume == NULL || !volume->remapped)
    {
      if (raw > 255)
        return FALSE;
      *stored = raw;
      return TRUE;
    }
  for (guint label = 0; label < 256; label++)
    if (volume->source_value[label] == raw)
      {
        *stored = label;
        return TRUE;
      }
  return FALSE;
}

/**
 * cbd_label_map_parse:
 * @spec: comma-separated `phase=value` pairs, e.g. "pore=0,cbd=170,cam=85";
 *   a phase may be given several values ("pore=0,pore=1")
 * @volume: (nullable): translates raw values of remapped 16-bit volumes
 *
 * Values not named stay "other".
 */
gboolean
cbd_label_map_parse (CbdLabelMap     *map,
                     const char      *spec,
                     const CbdVolume *volume,
                     GError         **error)
{
  g_auto(GStrv) items = g_strsplit (spec, ",", -1);
  CbdLabelMap parsed;
  guint n_items = 0;

  cbd_label_map_init (&parsed);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (g_strstrip (items[i]), "=", 2);
      CbdPhase phase;
      guint64 raw;
      guint8 stored;

      if (*items[i] == '\0')
        continue;
      if (g_strv_length (pair) != 2 || !cbd_phase_from_string (g_strstrip (pair[0]), &phase) ||
          !g_ascii_string_to_unsigned (g_strstrip (pair[1]), 10, 0, 65535, &raw, NULL))
        {
          g_set_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_PARSE,
                       "Cannot read “%s” in the label map “%s”: expected phase=value with phase "
                       "one of pore, cbd, cam, other and value 0–65535", items[i], spec);
          return FALSE;
        }
      if (!stored_label_for (volume, raw, &stored))
        {
          g_set_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_PARSE,
                       "The label map “%s” names value %" G_GUINT64_FORMAT
                       ", which does not occur in the volume", spec, raw);
          return FALSE;
        }
      parsed.phase[stored] = phase;
      n_items++;
    }

  if (n_items == 0)
    {
      g_set_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_PARSE,
                   "The label map “%s” is empty", spec);
      return FALSE;
    }
  *map = parsed;
  return TRUE;
}

/**
 * cbd_label_map_guess:
 *
 * With exactly three label values present, ascending values are pore, CBD and
 * CAM (black, grey, white in FIB-SEM segmentations). Anything else is
 * ambiguous and the user must say.
 */
gboolean
cbd_label_map_guess (CbdLabelMap   *map,
                     const guint64  counts[256],
                     GError       **error)
{
  static const CbdPhase ascending[3] = { CBD_PHASE_PORE, CBD_PHASE_CBD, CBD_PHASE_CAM };
  guint n_present = 0;

  for (guint label = 0; label < 256; label++)
    n_present += counts[label] > 0;

  if (n_present != 3)
    {
      g_set_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_AMBIGUOUS,
                   "The volume holds %u distinct label values, not 3: say which is which "
                   "with a label map such as “pore=0,cbd=1,cam=2”", n_present);
      return FALSE;
    }

  cbd_label_map_init (map);
  for (guint label = 0, next = 0; label < 256; label++)
    if (counts[label] > 0)
      map->phase[label] = ascending[next++];
  return TRUE;
}

/* The spec when given, else the guess: what every front end does. */
gboolean
cbd_label_map_resolve (CbdLabelMap     *map,
                       const char      *spec,
                       const CbdVolume *volume,
                       const guint64    counts[256],
                       GError         **error)
{
  if (spec != NULL && *spec != '\0')
    return cbd_label_map_parse (map, spec, volume, error);
  return cbd_label_map_guess (map, counts, error);
}

/* "pore=0,cbd=170,cam=85" in raw values, phases in pore, CBD, CAM order. */
char *
cbd_label_map_to_string (const CbdLabelMap *map,
                         const CbdVolume   *volume)
{
  GString *spec = g_string_new (NULL);

  for (CbdPhase phase = CBD_PHASE_PORE; phase < CBD_N_PHASES; phase++)
    for (guint label = 0; label < 256; label++)
      if (map->phase[label] == phase)
        g_string_append_printf (spec, "%s%s=%u", spec->len ? "," : "", phase_names[phase],
                                volume ? volume->source_value[label] : label);
  return g_string_free (spec, FALSE);
}

/* The lowest stored label of @phase, or -1. */
int
cbd_label_map_first_value (const CbdLabelMap *map,
                           CbdPhase           phase)
{
  for (guint label = 0; label < 256; label++)
    if (map->phase[label] == phase)
      return label;
  return -1;
}

void
cbd_label_map_phase_counts (const CbdLabelMap *map,
                            const guint64      counts[256],
                            guint64            phase_counts[CBD_N_PHASES])
{
  memset (phase_counts, 0, CBD_N_PHASES * sizeof *phase_counts);
  for (guint label = 0; label < 256; label++)
    phase_counts[map->phase[label]] += counts[label];
}
