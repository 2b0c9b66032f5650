/* test-labels.c — label maps: parsing, guessing, reporting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-labels"

#include "config.h"

#include "cbd-labels.h"

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  CbdLabelMap map;

  g_assert_true (cbd_label_map_parse (&map, "pore=0, cam=85,cbd=170", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (map.phase[0], ==, CBD_PHASE_PORE);
  g_assert_cmpuint (map.phase[85], ==, CBD_PHASE_CAM);
  g_assert_cmpuint (map.phase[170], ==, CBD_PHASE_CBD);
  g_assert_cmpuint (map.phase[1], ==, CBD_PHASE_OTHER);
  g_assert_cmpint (cbd_label_map_first_value (&map, CBD_PHASE_CBD), ==, 170);

  spec = cbd_label_map_to_string (&map, NULL);
  g_assert_cmpstr (spec, ==, "pore=0,cbd=170,cam=85");
}

static void
test_parse_errors (void)
{
  const char *bad[] = { "pore", "solid=3", "pore=abc", "pore=70000", "", "," };
  CbdLabelMap map;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (cbd_label_map_parse (&map, bad[i], NULL, &error));
      g_assert_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_PARSE);
    }
}

static void
test_parse_remapped (void)
{
  /* A 16-bit volume whose values 1000 and 2000 were stored as 0 and 1. */
  CbdVolume volume = { .remapped = TRUE };
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  CbdLabelMap map;

  for (guint label = 0; label < 256; label++)
    volume.source_value[label] = 60000;
  volume.source_value[0] = 1000;
  volume.source_value[1] = 2000;

  g_assert_true (cbd_label_map_parse (&map, "pore=2000,cbd=1000", &volume, &error));
  g_assert_cmpuint (map.phase[1], ==, CBD_PHASE_PORE);
  g_assert_cmpuint (map.phase[0], ==, CBD_PHASE_CBD);
  spec = cbd_label_map_to_string (&map, &volume);
  g_assert_cmpstr (spec, ==, "pore=2000,cbd=1000");

  g_assert_false (cbd_label_map_parse (&map, "pore=3000", &volume, &error));
  g_assert_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_PARSE);
}

static void
test_guess (void)
{
  g_autoptr(GError) error = NULL;
  guint64 counts[256] = { 0 }, phase_counts[CBD_N_PHASES];
  CbdLabelMap map;

  counts[0] = 40;
  counts[128] = 25;
  counts[255] = 35;
  g_assert_true (cbd_label_map_guess (&map, counts, &error));
  g_assert_cmpuint (map.phase[0], ==, CBD_PHASE_PORE);
  g_assert_cmpuint (map.phase[128], ==, CBD_PHASE_CBD);
  g_assert_cmpuint (map.phase[255], ==, CBD_PHASE_CAM);

  cbd_label_map_phase_counts (&map, counts, phase_counts);
  g_assert_cmpuint (phase_counts[CBD_PHASE_PORE], ==, 40);
  g_assert_cmpuint (phase_counts[CBD_PHASE_CAM], ==, 35);

  counts[7] = 1;
  g_assert_false (cbd_label_map_guess (&map, counts, &error));
  g_assert_error (error, CBD_LABELS_ERROR, CBD_LABELS_ERROR_AMBIGUOUS);
  g_clear_error (&error);

  /* An explicit map wins over the guess even when the guess would fail. */
  g_assert_true (cbd_label_map_resolve (&map, "pore=7", NULL, counts, &error));
  g_assert_cmpuint (map.phase[7], ==, CBD_PHASE_PORE);
  g_assert_cmpuint (map.phase[0], ==, CBD_PHASE_OTHER);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/labels/parse", test_parse);
  g_test_add_func ("/labels/parse-errors", test_parse_errors);
  g_test_add_func ("/labels/parse-remapped", test_parse_remapped);
  g_test_add_func ("/labels/guess", test_guess);
  return g_test_run ();
}
