/* cbd-json.c — a small streaming JSON writer (C locale, NaN-free)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-json"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-json.h"

struct _CbdJsonWriter
{
  GString  *out;
  GArray   *first_in_scope;  /* gboolean per open object/array */
  gboolean  after_key;
  gboolean  pretty;
};

CbdJsonWriter *
cbd_json_writer_new (gboolean pretty)
{
  CbdJsonWriter *writer = g_new0 (CbdJsonWriter, 1);

  writer->out = g_string_new (NULL);
  writer->first_in_scope = g_array_new (FALSE, FALSE, sizeof (gboolean));
  writer->pretty = pretty;
  return writer;
}

void
cbd_json_writer_free (CbdJsonWriter *writer)
{
  if (writer == NULL)
    return;
  g_string_free (writer->out, TRUE);
  g_array_unref (writer->first_in_scope);
  g_free (writer);
}

char *
cbd_json_writer_free_to_string (CbdJsonWriter *writer)
{
  char *text;

  g_warn_if_fail (writer->first_in_scope->len == 0);
  text = g_string_free (g_steal_pointer (&writer->out), FALSE);
  g_array_unref (writer->first_in_scope);
  g_free (writer);
  return text;
}

static void
newline_indent (CbdJsonWriter *writer)
{
  if (!writer->pretty)
    return;
  g_string_append_c (writer->out, '\n');
  for (guint i = 0; i < writer->first_in_scope->len; i++)
    g_string_append (writer->out, "  ");
}

/* Commas and indentation before any value or key. */
static void
before_item (CbdJsonWriter *writer)
{
  gboolean *first;

  if (writer->after_key)
    {
      writer->after_key = FALSE;
      return;
    }
  if (writer->first_in_scope->len == 0)
    return;
  first = &g_array_index (writer->first_in_scope, gboolean, writer->first_in_scope->len - 1);
  if (!*first)
    g_string_append_c (writer->out, ',');
  *first = FALSE;
  newline_indent (writer);
}

static void
open_scope (CbdJsonWriter *writer, char bracket)
{
  gboolean first = TRUE;

  before_item (writer);
  g_string_append_c (writer->out, bracket);
  g_array_append_val (writer->first_in_scope, first);
}

static void
close_scope (CbdJsonWriter *writer, char bracket)
{
  gboolean was_empty;

  g_return_if_fail (writer->first_in_scope->len > 0);
  was_empty = g_array_index (writer->first_in_scope, gboolean, writer->first_in_scope->len - 1);
  g_array_set_size (writer->first_in_scope, writer->first_in_scope->len - 1);
  if (!was_empty)
    newline_indent (writer);
  g_string_append_c (writer->out, bracket);
}

void cbd_json_begin_object (CbdJsonWriter *writer) { open_scope (writer, '{'); }
void cbd_json_end_object (CbdJsonWriter *writer) { close_scope (writer, '}'); }
void cbd_json_begin_array (CbdJsonWriter *writer) { open_scope (writer, '['); }
void cbd_json_end_array (CbdJsonWriter *writer) { close_scope (writer, ']'); }

static void
append_escaped (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

void
cbd_json_key (CbdJsonWriter *writer,
              const char    *key)
{
  before_item (writer);
  append_escaped (writer->out, key);
  g_string_append (writer->out, writer->pretty ? ": " : ":");
  writer->after_key = TRUE;
}

void
cbd_json_string (CbdJsonWriter *writer,
                 const char    *value)
{
  if (value == NULL)
    {
      cbd_json_null (writer);
      return;
    }
  before_item (writer);
  append_escaped (writer->out, value);
}

/* Shortest round-trip form in the C locale. */
const char *
cbd_format_double (char   buffer[CBD_NUMBER_BUF_SIZE],
                   double value)
{
  if (isnan (value))
    return strcpy (buffer, "nan");
  if (isinf (value))
    return strcpy (buffer, value > 0 ? "inf" : "-inf");
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, CBD_NUMBER_BUF_SIZE, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return buffer;
}

/* NaN and infinities become null because JSON has no spelling for them. */
void
cbd_json_double (CbdJsonWriter *writer,
                 double         value)
{
  char buffer[CBD_NUMBER_BUF_SIZE];

  if (!isfinite (value))
    {
      cbd_json_null (writer);
      return;
    }
  before_item (writer);
  /* 0.4499, not 0.44990000000000002 */
  g_string_append (writer->out, cbd_format_double (buffer, value));
}

void
cbd_json_int (CbdJsonWriter *writer,
              gint64         value)
{
  before_item (writer);
  g_string_append_printf (writer->out, "%" G_GINT64_FORMAT, value);
}

void
cbd_json_boolean (CbdJsonWriter *writer,
                  gboolean       value)
{
  before_item (writer);
  g_string_append (writer->out, value ? "true" : "false");
}

void
cbd_json_null (CbdJsonWriter *writer)
{
  before_item (writer);
  g_string_append (writer->out, "null");
}

void
cbd_json_member_string (CbdJsonWriter *writer, const char *key, const char *value)
{
  cbd_json_key (writer, key);
  cbd_json_string (writer, value);
}

void
cbd_json_member_double (CbdJsonWriter *writer, const char *key, double value)
{
  cbd_json_key (writer, key);
  cbd_json_double (writer, value);
}

void
cbd_json_member_int (CbdJsonWriter *writer, const char *key, gint64 value)
{
  cbd_json_key (writer, key);
  cbd_json_int (writer, value);
}

void
cbd_json_member_boolean (CbdJsonWriter *writer, const char *key, gboolean value)
{
  cbd_json_key (writer, key);
  cbd_json_boolean (writer, value);
}
