/* cbd-csv.c — reading small CSV tables (RFC 4180 quoting, C-locale numbers)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-csv"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-csv.h"

G_DEFINE_QUARK (cbd-csv-error-quark, cbd_csv_error)

typedef struct
{
  GPtrArray *fields;  /* char * */
  guint      line;
} Row;

struct _CbdCsv
{
  char   *name;
  Row     header;
  GArray *rows;  /* Row */
};

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->fields, g_ptr_array_unref);
}

void
cbd_csv_free (CbdCsv *csv)
{
  if (csv == NULL)
    return;
  row_clear (&csv->header);
  g_array_unref (csv->rows);
  g_free (csv->name);
  g_free (csv);
}

static gboolean
row_is_blank (const Row *row)
{
  return row->fields->len == 1 && ((const char *) row->fields->pdata[0])[0] == '\0';
}

/* Reads one record starting at *p; advances *p past its line end and *line
 * past every newline consumed. */
static gboolean
read_record (const char **p, const char *end, guint *line, const char *name, Row *row,
             GError **error)
{
  g_autoptr(GString) field = g_string_new (NULL);
  guint start_line = *line;
  gboolean quoted = FALSE, was_quoted = FALSE;

  row->fields = g_ptr_array_new_with_free_func (g_free);
  row->line = start_line;
  while (*p < end)
    {
      char c = **p;

      if (quoted)
        {
          (*p)++;
          if (c == '"')
            {
              if (*p < end && **p == '"')
                {
                  g_string_append_c (field, '"');
                  (*p)++;
                }
              else
                quoted = FALSE;
            }
          else
            {
              if (c == '\n')
                (*line)++;
              g_string_append_c (field, c);
            }
          continue;
        }
      if (c == '"' && field->len == 0 && !was_quoted)
        {
          quoted = was_quoted = TRUE;
          (*p)++;
          continue;
        }
      if (c == ',')
        {
          g_ptr_array_add (row->fields, g_strndup (field->str, field->len));
          g_string_truncate (field, 0);
          was_quoted = FALSE;
          (*p)++;
          continue;
        }
      if (c == '\r' && *p + 1 < end && (*p)[1] == '\n')
        {
          (*p)++;
          continue;
        }
      if (c == '\n')
        {
          (*p)++;
          (*line)++;
          break;
        }
      if (was_quoted)
        {
          g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                       "%s:%u: text after a closing quote", name, *line);
          return FALSE;
        }
      g_string_append_c (field, c);
      (*p)++;
    }
  if (quoted)
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                   "%s:%u: a quoted field is never closed", name, start_line);
      return FALSE;
    }
  g_ptr_array_add (row->fields, g_strndup (field->str, field->len));
  return TRUE;
}

CbdCsv *
cbd_csv_parse (const char *text,
               gssize      length,
               const char *name,
               GError    **error)
{
  g_autoptr(CbdCsv) csv = g_new0 (CbdCsv, 1);
  const char *p, *end;
  guint line = 1;
  gboolean have_header = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = strlen (text);
  csv->name = g_strdup (name != NULL ? name : "CSV");
  csv->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (csv->rows, (GDestroyNotify) row_clear);

  p = text;
  end = text + length;
  if (end - p >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  if (memchr (p, '\0', end - p) != NULL)
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                   "%s: not a text file (contains NUL bytes)", csv->name);
      return NULL;
    }

  while (p < end)
    {
      Row row = { 0 };

      if (!read_record (&p, end, &line, csv->name, &row, error))
        {
          row_clear (&row);
          return NULL;
        }
      if (row_is_blank (&row))
        {
          row_clear (&row);
          continue;
        }
      if (!have_header)
        {
          for (guint i = 0; i < row.fields->len; i++)
            g_strstrip ((char *) row.fields->pdata[i]);
          csv->header = row;
          have_header = TRUE;
          continue;
        }
      if (row.fields->len != csv->header.fields->len)
        {
          g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                       "%s:%u: %u fields, but the header has %u", csv->name, row.line,
                       row.fields->len, csv->header.fields->len);
          row_clear (&row);
          return NULL;
        }
      g_array_append_val (csv->rows, row);
    }
  if (!have_header)
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                   "%s: empty, expected a header line", csv->name);
      return NULL;
    }
  if (!g_utf8_validate (text, length, NULL))
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_PARSE,
                   "%s: not valid UTF-8 text", csv->name);
      return NULL;
    }
  return g_steal_pointer (&csv);
}

CbdCsv *
cbd_csv_load (const char *path,
              GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  return cbd_csv_parse (contents, length, path, error);
}

const char *
cbd_csv_get_name (const CbdCsv *csv)
{
  return csv->name;
}

guint
cbd_csv_n_columns (const CbdCsv *csv)
{
  return csv->header.fields->len;
}

const char *
cbd_csv_column_name (const CbdCsv *csv,
                     guint         column)
{
  g_return_val_if_fail (column < csv->header.fields->len, NULL);
  return csv->header.fields->pdata[column];
}

int
cbd_csv_find_column (const CbdCsv *csv,
                     const char   *name)
{
  for (guint i = 0; i < csv->header.fields->len; i++)
    if (g_ascii_strcasecmp (csv->header.fields->pdata[i], name) == 0)
      return (int) i;
  return -1;
}

gboolean
cbd_csv_require_column (const CbdCsv *csv,
                        const char   *name,
                        guint        *column,
                        GError      **error)
{
  int index = cbd_csv_find_column (csv, name);

  if (index < 0)
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_COLUMN,
                   "%s:%u: no column “%s” in the header", csv->name, csv->header.line, name);
      return FALSE;
    }
  *column = (guint) index;
  return TRUE;
}

guint
cbd_csv_n_rows (const CbdCsv *csv)
{
  return csv->rows->len;
}

guint
cbd_csv_row_line (const CbdCsv *csv,
                  guint         row)
{
  g_return_val_if_fail (row < csv->rows->len, 0);
  return g_array_index (csv->rows, Row, row).line;
}

const char *
cbd_csv_get (const CbdCsv *csv,
             guint         row,
             guint         column)
{
  const Row *r;

  g_return_val_if_fail (row < csv->rows->len, NULL);
  r = &g_array_index (csv->rows, Row, row);
  g_return_val_if_fail (column < r->fields->len, NULL);
  return r->fields->pdata[column];
}

gboolean
cbd_csv_get_double (const CbdCsv *csv,
                    guint         row,
                    guint         column,
                    gboolean      allow_empty,
                    double       *value,
                    GError      **error)
{
  g_autofree char *text = g_strstrip (g_strdup (cbd_csv_get (csv, row, column)));
  char *end = NULL;

  if (text[0] == '\0')
    {
      if (allow_empty)
        {
          *value = NAN;
          return TRUE;
        }
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE,
                   "%s:%u: column “%s” is empty", csv->name, cbd_csv_row_line (csv, row),
                   cbd_csv_column_name (csv, column));
      return FALSE;
    }
  *value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0')
    {
      g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE,
                   "%s:%u: column “%s”: “%s” is not a number", csv->name,
                   cbd_csv_row_line (csv, row), cbd_csv_column_name (csv, column), text);
      return FALSE;
    }
  return TRUE;
}

gboolean
cbd_csv_get_boolean (const CbdCsv *csv,
                     guint         row,
                     guint         column,
                     gboolean     *value,
                     GError      **error)
{
  static const char *const true_words[] = { "true", "yes", "1" };
  static const char *const false_words[] = { "false", "no", "0" };
  g_autofree char *text = g_strstrip (g_strdup (cbd_csv_get (csv, row, column)));

  for (guint i = 0; i < G_N_ELEMENTS (true_words); i++)
    {
      if (g_ascii_strcasecmp (text, true_words[i]) == 0)
        {
          *value = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, false_words[i]) == 0)
        {
          *value = FALSE;
          return TRUE;
        }
    }
  g_set_error (error, CBD_CSV_ERROR, CBD_CSV_ERROR_VALUE,
               "%s:%u: column “%s”: “%s” is not true/false, yes/no or 1/0", csv->name,
               cbd_csv_row_line (csv, row), cbd_csv_column_name (csv, column), text);
  return FALSE;
}
