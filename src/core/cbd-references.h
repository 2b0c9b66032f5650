/* cbd-references.h — literature values of sigma_rel against porosity,
 * loaded from data/references.csv
 *
 * Columns (header by name, any order): key, label, kind, gamma, alpha,
 * porosity_min, porosity_max, sigma_rel_min, sigma_rel_max, tau_min, tau_max,
 * citation, doi, note. Empty fields are "not reported" (NaN / NULL).
 *
 * kind "curve": sigma_rel = gamma * eps^alpha, over [porosity_min,
 *   porosity_max] when given, else everywhere.
 * kind "point": one porosity (porosity_min = porosity_max, or porosity_max
 *   empty) with one sigma_rel or one tau (min = max, or max empty).
 * kind "range": sigma_rel in [sigma_rel_min, sigma_rel_max] or tau in
 *   [tau_min, tau_max] (one of the two), at the porosity (range) given or, when
 *   none was reported, at any porosity: a sigma_rel range is then a
 *   horizontal band, a tau range the wedge eps/tau_max <= sigma <= eps/tau_min.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CBD_REFERENCES_ERROR (cbd_references_error_quark ())

typedef enum
{
  CBD_REFERENCES_ERROR_NOT_FOUND,
  CBD_REFERENCES_ERROR_INVALID,
} CbdReferencesError;

typedef enum
{
  CBD_REFERENCE_CURVE,
  CBD_REFERENCE_POINT,
  CBD_REFERENCE_RANGE,
} CbdReferenceKind;

typedef struct
{
  char             *key;       /* short identifier: "bruggeman", "vierrath2015" */
  char             *label;     /* legend text (UTF-8; _{sub} and ^{sup} markup) */
  CbdReferenceKind  kind;
  double            gamma, alpha;
  double            porosity_min, porosity_max;
  double            sigma_rel_min, sigma_rel_max;
  double            tau_min, tau_max;
  char             *citation;
  char             *doi;       /* NULL when none is given */
  char             *note;      /* NULL when none is given */
} CbdReference;

GQuark        cbd_references_error_quark (void);

void          cbd_reference_free          (CbdReference *reference);

/* A GPtrArray of CbdReference (freed with the array), in file order. */
GPtrArray    *cbd_references_load         (const char   *path,
                                           GError      **error);
GPtrArray    *cbd_references_parse        (const char   *text,
                                           gssize        length,
                                           const char   *name,
                                           GError      **error);

/* The bundled table: $CBD_REFERENCES if set, else the installed copy in
 * PKGDATADIR, else the source tree's data/references.csv (uninstalled
 * builds). NULL when none exists. */
char         *cbd_references_find_file    (void);
GPtrArray    *cbd_references_load_default (GError      **error);

const CbdReference *cbd_references_lookup (GPtrArray    *references,
                                           const char   *key);

/* Where a reference has a value at @porosity: a curve (inside its porosity
 * range), or a range/point that holds at any porosity (none reported) or
 * whose porosity range contains @porosity. Sets the sigma_rel interval
 * (equal ends for curves and single values) and returns TRUE; FALSE when
 * the reference says nothing there. */
gboolean      cbd_reference_sigma_at      (const CbdReference *reference,
                                           double              porosity,
                                           double             *sigma_min,
                                           double             *sigma_max);

const char   *cbd_reference_kind_to_string (CbdReferenceKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdReference, cbd_reference_free)

G_END_DECLS
