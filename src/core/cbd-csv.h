/* cbd-csv.h — reading small CSV tables (RFC 4180 quoting, C-locale numbers)
 *
 * The first non-blank line is the header. Fields may be quoted ("a, b",
 * "say ""hi"""), quoted fields may span lines, CRLF and a UTF-8 byte-order
 * mark are accepted, blank lines are skipped. Every data row must have as
 * many fields as the header. Messages name the file (or the name given) and
 * the line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CBD_CSV_ERROR (cbd_csv_error_quark ())

typedef enum
{
  CBD_CSV_ERROR_IO,
  CBD_CSV_ERROR_PARSE,      /* unbalanced quotes, wrong field count, no header */
  CBD_CSV_ERROR_COLUMN,     /* a required column is missing */
  CBD_CSV_ERROR_VALUE,      /* a field is not what the column needs */
} CbdCsvError;

typedef struct _CbdCsv CbdCsv;

GQuark      cbd_csv_error_quark  (void);

CbdCsv     *cbd_csv_load         (const char   *path,
                                  GError      **error);
/* @name is used in messages ("name:line: ..."). */
CbdCsv     *cbd_csv_parse        (const char   *text,
                                  gssize        length,
                                  const char   *name,
                                  GError      **error);
void        cbd_csv_free         (CbdCsv       *csv);

const char *cbd_csv_get_name     (const CbdCsv *csv);
guint       cbd_csv_n_columns    (const CbdCsv *csv);
const char *cbd_csv_column_name  (const CbdCsv *csv,
                                  guint         column);
/* Index of the header named @name (ASCII case-insensitive, surrounding
 * blanks ignored), or -1. */
int         cbd_csv_find_column  (const CbdCsv *csv,
                                  const char   *name);
/* Like cbd_csv_find_column, but a missing column is an error naming it. */
gboolean    cbd_csv_require_column (const CbdCsv *csv,
                                    const char   *name,
                                    guint        *column,
                                    GError      **error);

guint       cbd_csv_n_rows       (const CbdCsv *csv);  /* data rows */
/* The line on which data row @row starts (1-based, counting the header). */
guint       cbd_csv_row_line     (const CbdCsv *csv,
                                  guint         row);
const char *cbd_csv_get          (const CbdCsv *csv,
                                  guint         row,
                                  guint         column);

/* A C-locale number (surrounding blanks ignored). An empty field gives NaN
 * when @allow_empty, else an error; so does anything that is not entirely a
 * number. */
gboolean    cbd_csv_get_double   (const CbdCsv *csv,
                                  guint         row,
                                  guint         column,
                                  gboolean      allow_empty,
                                  double       *value,
                                  GError      **error);
/* true/false, yes/no, 1/0 (case-insensitive). */
gboolean    cbd_csv_get_boolean  (const CbdCsv *csv,
                                  guint         row,
                                  guint         column,
                                  gboolean     *value,
                                  GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdCsv, cbd_csv_free)

G_END_DECLS
