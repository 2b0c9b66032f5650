/* cbd-json.h — a small streaming JSON writer (C locale, NaN-free)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CbdJsonWriter CbdJsonWriter;

CbdJsonWriter *cbd_json_writer_new          (gboolean        pretty);
void           cbd_json_writer_free         (CbdJsonWriter  *writer);
char          *cbd_json_writer_free_to_string (CbdJsonWriter *writer);

void cbd_json_begin_object (CbdJsonWriter *writer);
void cbd_json_end_object   (CbdJsonWriter *writer);
void cbd_json_begin_array  (CbdJsonWriter *writer);
void cbd_json_end_array    (CbdJsonWriter *writer);
void cbd_json_key          (CbdJsonWriter *writer, const char *key);
void cbd_json_string       (CbdJsonWriter *writer, const char *value);
void cbd_json_double       (CbdJsonWriter *writer, double value);

/* The shortest C-locale text that reads back as exactly @value (15 to 17
 * significant digits); "nan", "inf", "-inf" for those. Returns @buffer. */
#define CBD_NUMBER_BUF_SIZE 40
const char *cbd_format_double (char   buffer[CBD_NUMBER_BUF_SIZE],
                               double value);
void cbd_json_int          (CbdJsonWriter *writer, gint64 value);
void cbd_json_boolean      (CbdJsonWriter *writer, gboolean value);
void cbd_json_null         (CbdJsonWriter *writer);

/* Shorthands for an object member. */
void cbd_json_member_string  (CbdJsonWriter *writer, const char *key, const char *value);
void cbd_json_member_double  (CbdJsonWriter *writer, const char *key, double value);
void cbd_json_member_int     (CbdJsonWriter *writer, const char *key, gint64 value);
void cbd_json_member_boolean (CbdJsonWriter *writer, const char *key, gboolean value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdJsonWriter, cbd_json_writer_free)

G_END_DECLS
