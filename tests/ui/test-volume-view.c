/* test-volume-view.c — the OpenGL 3D view under Xvfb (Mesa llvmpipe):
 * it renders the labels (read back), reduces volumes over its budget and
 * says so, and reports a broken shader or missing OpenGL in the view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With CBD_TEST_EXPECT_NO_GL=1 (run with GDK_DEBUG=gl-disable) the view
 * must show its message instead of a picture.
 */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cbd-volume-downsample.h"
#include "cbd-software-gl.h"
#include "cbd-volume-view.h"
#include "ui-test-common.h"

#define NX TEST_NX
#define NY TEST_NY
#define NZ TEST_NZ

typedef struct
{
  GtkWidget     *window;
  CbdVolumeView *view;
  CbdViewState  *state;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(CbdVolume) volume = ui_test_make_volume (10.0);
  const char *suffix = data;
  guint64 counts[256];
  CbdLabelMap map;

  fixture->state = cbd_view_state_new ();
  cbd_volume_histogram (volume, counts);
  g_assert_true (cbd_label_map_guess (&map, counts, NULL));
  cbd_view_state_set_volume (fixture->state, volume, &map, counts);

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 400);
  fixture->view = CBD_VOLUME_VIEW (cbd_volume_view_new ());
  cbd_volume_view_set_fragment_suffix (fixture->view, suffix);
  cbd_volume_view_set_state (fixture->view, fixture->state);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));
  gtk_window_present (GTK_WINDOW (fixture->window));
  ui_test_wait_until_drawn (GTK_WIDGET (fixture->view));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->state);
}

static gboolean
view_settled (gpointer data)
{
  CbdVolumeView *view = data;

  return cbd_volume_view_get_ready (view) || cbd_volume_view_get_message (view) != NULL;
}

static guint
channel (guint32 pixel,
         guint   shift)
{
  return (pixel >> shift) & 0xff;
}

static void
assert_near_grey (guint32 pixel,
                  guint   grey)
{
  for (guint shift = 0; shift < 24; shift += 8)
    if (ABS ((int) channel (pixel, shift) - (int) grey) > 6)
      {
        g_autofree char *message = g_strdup_printf ("pixel %08x is not near grey %u", pixel, grey);

        g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
      }
}

/* Looking along z at opaque phases: the front face, z = 0, as the XY view
 * shows it. At the centre (voxel 32, 24, 0) the z layers start with CAM;
 * a tenth of the height above, the x stripes are CBD at x = 32; left of
 * that, pore. Face pixels away from edges are unshaded phase colours. */
static void
test_renders_labels (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(Capture) capture = NULL;
  int cx, cy;

  ui_test_wait_until (view_settled, fixture->view);
  if (cbd_volume_view_get_message (fixture->view) != NULL)
    {
      g_test_skip_printf ("no OpenGL here: %s", cbd_volume_view_get_message (fixture->view));
      return;
    }
  g_assert_cmpuint (cbd_volume_view_get_factor (fixture->view), ==, 1);
  g_assert_null (cbd_volume_view_get_notice (fixture->view));

  for (CbdPhase phase = 0; phase < CBD_N_PHASES; phase++)
    cbd_view_state_set_phase_opacity_3d (fixture->state, phase, 1.0);
  cbd_volume_view_look_along (fixture->view, CBD_AXIS_Z);
  capture = capture_widget (GTK_WIDGET (fixture->view));
  cx = capture->width / 2;
  cy = capture->height / 2;

  assert_near_grey (capture_pixel (capture, cx, cy + 3), 255);
  assert_near_grey (capture_pixel (capture, cx + 4, cy - capture->height / 10), 0x80);
  assert_near_grey (capture_pixel (capture, cx - capture->height / 4, cy - capture->height / 10), 0);
  g_assert_cmpuint (cbd_volume_view_get_n_frames (fixture->view), >, 0);
  g_clear_pointer (&capture, capture_free);

  /* While dragging: half the rays each way and half the samples, scaled
   * up; the face's interior keeps its colours. */
  cbd_volume_view_set_interacting (fixture->view, TRUE);
  capture = capture_widget (GTK_WIDGET (fixture->view));
  assert_near_grey (capture_pixel (capture, cx, cy + 3), 255);
  assert_near_grey (capture_pixel (capture, cx + 4, cy - capture->height / 10), 0x80);
  cbd_volume_view_set_interacting (fixture->view, FALSE);
  g_clear_pointer (&capture, capture_free);

  /* Hiding CAM shows what lies behind it: the pore layer, then CBD; with
   * pore hidden too, the CBD layer at z = 20 (grey). */
  cbd_view_state_set_phase_visible (fixture->state, CBD_PHASE_CAM, FALSE);
  cbd_view_state_set_phase_visible (fixture->state, CBD_PHASE_PORE, FALSE);
  capture = capture_widget (GTK_WIDGET (fixture->view));
  {
    guint32 pixel = capture_pixel (capture, cx, cy + 3);

    /* A shaded grey: darker than lit CBD is impossible to pin exactly
     * (perspective edges), but it is grey and not the background. */
    g_assert_cmpuint (channel (pixel, 16), ==, channel (pixel, 8));
    g_assert_cmpuint (channel (pixel, 16), >, 60);
    g_assert_cmpuint (channel (pixel, 16), <=, 0x82);
  }
  g_clear_pointer (&capture, capture_free);

  /* Orbiting changes the picture and keeps rendering. */
  {
    guint frames = cbd_volume_view_get_n_frames (fixture->view);

    cbd_volume_view_orbit (fixture->view, 80, 40);
    capture = capture_widget (GTK_WIDGET (fixture->view));
    g_assert_cmpuint (cbd_volume_view_get_n_frames (fixture->view), >, frames);
  }
}

static gboolean
view_reduced (gpointer data)
{
  return cbd_volume_view_get_factor (data) > 1 && view_settled (data);
}

/* Over the budget: reduced by 2 (32 × 24 × 16 fits 16 KiB), and said so. */
static void
test_reduced (Fixture       *fixture,
              gconstpointer  data)
{
  ui_test_wait_until (view_settled, fixture->view);
  if (cbd_volume_view_get_message (fixture->view) != NULL)
    {
      g_test_skip ("no OpenGL here");
      return;
    }
  cbd_volume_view_set_texture_budget (fixture->view, 16 * 1024);
  ui_test_wait_until (view_reduced, fixture->view);
  g_assert_cmpuint (cbd_volume_view_get_factor (fixture->view), ==, 2);
  g_assert_nonnull (cbd_volume_view_get_notice (fixture->view));
  g_assert_nonnull (strstr (cbd_volume_view_get_notice (fixture->view), "1/2 resolution (32 × 24 × 16)"));
  g_assert_true (cbd_volume_view_get_ready (fixture->view));
}

/* A 4^3 filter-class overlay at (2, 2, 2), all three classes. */
static void
set_test_overlay (Fixture *fixture)
{
  const gsize origin[3] = { 2, 2, 2 }, size[3] = { 4, 4, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdSliceOverlay) overlay = cbd_slice_overlay_new (origin, size, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < 64; i++)
    overlay->classes[i] = i % 3;
  cbd_volume_view_set_overlay (fixture->view, overlay, 0.8);
  ui_test_wait_until_drawn (GTK_WIDGET (fixture->view));
}

/* A shader that does not compile: a message in the view, no crash. */
static void
test_broken_shader (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *message;

  ui_test_wait_until (view_settled, fixture->view);
  message = cbd_volume_view_get_message (fixture->view);
  g_assert_nonnull (message);
  g_assert_false (cbd_volume_view_get_ready (fixture->view));
  /* An analysis overlay has nowhere to go: kept, not drawn, no crash. */
  set_test_overlay (fixture);
  g_assert_false (cbd_volume_view_get_overlay_shown (fixture->view));
  if (strstr (message, "does not compile") == NULL)
    g_test_skip_printf ("no OpenGL here: %s", message);
}

/* GDK_DEBUG=gl-disable: a message in the view, no crash. */
static void
test_no_gl (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(Capture) capture = NULL;

  ui_test_wait_until (view_settled, fixture->view);
  g_assert_nonnull (cbd_volume_view_get_message (fixture->view));
  g_assert_nonnull (strstr (cbd_volume_view_get_message (fixture->view), "No 3D view"));
  capture = capture_widget (GTK_WIDGET (fixture->view));
  /* An analysis overlay without GL: kept, not drawn, no crash. */
  set_test_overlay (fixture);
  g_clear_pointer (&capture, capture_free);
  capture = capture_widget (GTK_WIDGET (fixture->view));
  g_assert_false (cbd_volume_view_get_overlay_shown (fixture->view));
}

/* Block modes: majority, ties to CAM, then CBD, then pore. */
static void
test_downsample (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (4, 2, 3, &error);
  g_autofree guint8 *reduced = NULL;
  CbdLabelMap map;
  gsize dims[3];
  const gsize big[3] = { 2720, 1531, 1436 };
  const gsize cube[3] = { 100, 100, 100 };

  g_assert_no_error (error);
  cbd_label_map_init (&map);
  map.phase[1] = CBD_PHASE_PORE;
  map.phase[2] = CBD_PHASE_CBD;
  map.phase[3] = CBD_PHASE_CAM;
  /* Block (0,0,0) is x 0-1, y 0-1, z 0-1: five 1 (pore), three 3 (CAM).
   * Block (1,0,0): four 2 (CBD), four 3 (CAM): a tie, CAM wins.
   * The last z layer is a short block of depth 1: x 0-1 two 2 and two 1
   * (tie: CBD), x 2-3 all 1. */
  static const guint8 labels[3][2][4] = {
    { { 1, 1, 2, 3 }, { 1, 3, 2, 3 } },
    { { 1, 3, 2, 3 }, { 1, 1, 2, 3 } },
    { { 2, 1, 1, 1 }, { 1, 2, 1, 1 } },
  };
  memcpy (volume->labels, labels, sizeof labels);

  reduced = cbd_downsample_labels (volume, &map, 2, dims, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[1], ==, 1);
  g_assert_cmpuint (dims[2], ==, 2);
  g_assert_cmpuint (reduced[0], ==, 1);
  g_assert_cmpuint (reduced[1], ==, 3);
  g_assert_cmpuint (reduced[2], ==, 2);
  g_assert_cmpuint (reduced[3], ==, 1);

  /* The paper's stack: 2720 edge needs f = 2 for a 2048 limit; 512 MiB
   * then needs f = 3 (907 × 511 × 479 = 222 M voxels; f = 2 gives 748 M). */
  g_assert_cmpuint (cbd_downsample_choose_factor (big, 2048, G_GUINT64_CONSTANT (1) << 40), ==, 2);
  g_assert_cmpuint (cbd_downsample_choose_factor (big, 2048, G_GUINT64_CONSTANT (512) << 20), ==, 3);
  g_assert_cmpuint (cbd_downsample_choose_factor (cube, 2048, 1000000), ==, 1);
  g_assert_cmpuint (cbd_downsample_choose_factor (cube, 2048, 999999), ==, 2);
  g_assert_cmpuint (cbd_downsample_choose_factor (cube, 40, G_GUINT64_CONSTANT (1) << 40), ==, 3);
}

/* On a software GL a still picture is cast in bands over several frames
 * (the first in 8, later ones sized from the measured cost): once
 * complete, it is pixel for pixel the picture cast another way, here
 * after a round trip through another opacity. */
static void
test_progressive (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Capture) before = NULL;
  g_autoptr(Capture) after = NULL;
  g_autofree char *renderer = cbd_software_gl_probe_renderer (gdk_display_get_default ());
  guint passes, frames, builds;
  gsize crosshair[3];
  gint64 moved[3];

  ui_test_wait_until (view_settled, fixture->view);
  if (cbd_volume_view_get_message (fixture->view) != NULL)
    {
      g_test_skip_printf ("no OpenGL here: %s", cbd_volume_view_get_message (fixture->view));
      return;
    }
  cbd_volume_view_look_along (fixture->view, CBD_AXIS_Z);
  cbd_view_state_set_phase_opacity_3d (fixture->state, CBD_PHASE_CBD, 1.0);
  passes = cbd_volume_view_get_n_volume_passes (fixture->view);
  before = capture_widget (GTK_WIDGET (fixture->view));
  g_assert_true (cbd_volume_view_get_picture_complete (fixture->view));
  if (cbd_software_gl_is_software_renderer (renderer))
    /* A preview and several bands for the new camera. */
    g_assert_cmpuint (cbd_volume_view_get_n_volume_passes (fixture->view) - passes, >, 2);

  frames = cbd_volume_view_get_n_frames (fixture->view);
  builds = cbd_volume_view_get_n_line_builds (fixture->view);
  g_assert_cmpuint (builds, >, 0);
  cbd_view_state_set_phase_opacity_3d (fixture->state, CBD_PHASE_CBD, 0.3);
  ui_test_wait_until_drawn (GTK_WIDGET (fixture->view));
  cbd_view_state_set_phase_opacity_3d (fixture->state, CBD_PHASE_CBD, 1.0);
  after = capture_widget (GTK_WIDGET (fixture->view));
  g_assert_cmpint (after->width, ==, before->width);
  g_assert_cmpint (after->height, ==, before->height);
  g_assert_cmpmem (after->pixels, after->height * after->stride,
                   before->pixels, before->height * before->stride);

  /* New colours, the same lines: none built again in all those frames
   * (every band of a progressive picture); a new crosshair builds them once. */
  g_test_message ("%u frames for two pictures", cbd_volume_view_get_n_frames (fixture->view) - frames);
  g_assert_cmpuint (cbd_volume_view_get_n_frames (fixture->view), >=, frames + 2);
  g_assert_cmpuint (cbd_volume_view_get_n_line_builds (fixture->view), ==, builds);
  cbd_view_state_get_crosshair (fixture->state, crosshair);
  for (guint axis = 0; axis < 3; axis++)
    moved[axis] = (gint64) crosshair[axis];
  moved[0] = moved[0] > 0 ? moved[0] - 1 : 1;
  cbd_view_state_set_crosshair (fixture->state, moved);
  ui_test_wait_until_drawn (GTK_WIDGET (fixture->view));
  ui_test_wait_until_drawn (GTK_WIDGET (fixture->view));
  g_assert_cmpuint (cbd_volume_view_get_n_line_builds (fixture->view), ==, builds + 1);
}

/* The 3D scale bar holds at the depth of the orbit centre: a CAM plate of
 * 40 × 20 voxels of 10 nm lying there (two voxels thick, centred on the
 * volume's middle plane), seen along z with the other phases hidden, is
 * 400 nm × pixels per nm wide on screen. */
static void
test_scale_at_centre (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = cbd_volume_new (NX, NY, NZ, &error);
  g_autoptr(CbdViewState) state = cbd_view_state_new ();
  g_autoptr(Capture) capture = NULL;
  guint64 counts[256];
  CbdLabelMap map;
  GtkWidget *window;
  CbdVolumeView *view;
  int longest = 0, row;
  double expected;

  g_assert_no_error (error);
  memset (volume->labels, PORE, cbd_volume_n_voxels (volume));
  volume->labels[0] = CBD;   /* three labels, so the map is guessed */
  for (gsize z = NZ / 2 - 1; z <= NZ / 2; z++)
    for (gsize y = 14; y < 34; y++)
      for (gsize x = 12; x < 52; x++)
        volume->labels[cbd_volume_index (volume, x, y, z)] = CAM;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = 10.0;
  cbd_volume_histogram (volume, counts);
  g_assert_true (cbd_label_map_guess (&map, counts, NULL));
  cbd_view_state_set_volume (state, volume, &map, counts);
  cbd_view_state_set_phase_visible (state, CBD_PHASE_PORE, FALSE);
  cbd_view_state_set_phase_visible (state, CBD_PHASE_CBD, FALSE);
  cbd_view_state_set_phase_opacity_3d (state, CBD_PHASE_CAM, 1.0);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 400);
  view = CBD_VOLUME_VIEW (cbd_volume_view_new ());
  cbd_volume_view_set_state (view, state);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  ui_test_wait_until (view_settled, view);
  if (cbd_volume_view_get_message (view) != NULL)
    {
      g_test_skip_printf ("no OpenGL here: %s", cbd_volume_view_get_message (view));
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  cbd_volume_view_look_along (view, CBD_AXIS_Z);
  capture = capture_widget (GTK_WIDGET (view));

  /* The plate's lit face is the longest bright run across the middle
   * row (the box and slice outlines cross it as thin lines). */
  row = capture->height / 2;
  for (int x = 0, start = -1; x <= capture->width; x++)
    {
      gboolean bright = x < capture->width && channel (capture_pixel (capture, x, row), 8) > 0x80;

      if (bright && start < 0)
        start = x;
      else if (!bright && start >= 0)
        {
          if (x - start > longest)
            longest = x - start;
          start = -1;
        }
    }
  expected = 400.0 * cbd_volume_view_get_pixels_per_nm (view);
  g_test_message ("plate %d px wide, expected %.1f px", longest, expected);
  g_assert_cmpfloat (fabs (longest - expected), <=, MAX (2.0, 0.02 * expected));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/volume-view/downsample", test_downsample);
  if (g_strcmp0 (g_getenv ("CBD_TEST_EXPECT_NO_GL"), "1") == 0)
    {
      g_test_add ("/ui/volume-view/no-gl", Fixture, NULL, fixture_set_up, test_no_gl, fixture_tear_down);
    }
  else
    {
      g_test_add ("/ui/volume-view/renders-labels", Fixture, NULL,
                  fixture_set_up, test_renders_labels, fixture_tear_down);
      g_test_add_func ("/ui/volume-view/scale-at-centre", test_scale_at_centre);
      g_test_add ("/ui/volume-view/progressive", Fixture, NULL,
                  fixture_set_up, test_progressive, fixture_tear_down);
      g_test_add ("/ui/volume-view/reduced", Fixture, NULL,
                  fixture_set_up, test_reduced, fixture_tear_down);
      g_test_add ("/ui/volume-view/broken-shader", Fixture, "\nthis is not GLSL\n",
                  fixture_set_up, test_broken_shader, fixture_tear_down);
    }
  return g_test_run ();
}
