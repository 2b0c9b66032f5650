/* test-json.c — the JSON writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-json"

#include "config.h"

#include <locale.h>
#include <math.h>

#include "cbd-json.h"

static void
test_nesting_and_escapes (void)
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
  g_autofree char *text = NULL;

  cbd_json_begin_object (writer);
  cbd_json_key (writer, "dims");
  cbd_json_begin_array (writer);
  cbd_json_int (writer, 256);
  cbd_json_int (writer, -3);
  cbd_json_end_array (writer);
  cbd_json_member_string (writer, "name", "a \"b\"\\\n");
  cbd_json_key (writer, "empty");
  cbd_json_begin_object (writer);
  cbd_json_end_object (writer);
  cbd_json_member_boolean (writer, "ok", TRUE);
  cbd_json_member_string (writer, "missing", NULL);
  cbd_json_end_object (writer);
  text = cbd_json_writer_free_to_string (writer);

  g_assert_cmpstr (text, ==,
                   "{\"dims\":[256,-3],\"name\":\"a \\\"b\\\"\\\\\\n\",\"empty\":{},"
                   "\"ok\":true,\"missing\":null}");
}

static void
test_numbers (void)
{
  CbdJsonWriter *writer = cbd_json_writer_new (FALSE);
  g_autofree char *text = NULL;

  /* A decimal-comma locale must not leak into the output. */
  setlocale (LC_NUMERIC, "de_DE.UTF-8");
  cbd_json_begin_array (writer);
  cbd_json_double (writer, 0.4499);
  cbd_json_double (writer, NAN);
  cbd_json_double (writer, INFINITY);
  cbd_json_double (writer, 1e-300);
  cbd_json_end_array (writer);
  text = cbd_json_writer_free_to_string (writer);
  setlocale (LC_NUMERIC, "C");

  g_assert_cmpstr (text, ==, "[0.4499,null,null,1e-300]");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/nesting-and-escapes", test_nesting_and_escapes);
  g_test_add_func ("/json/numbers", test_numbers);
  return g_test_run ();
}
