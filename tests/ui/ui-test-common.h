/* ui-test-common.h — helpers for the UI tests: volumes, waiting, pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-volume.h"
#include "cbd-window.h"

G_BEGIN_DECLS

typedef struct
{
  int     width;
  int     height;
  gsize   stride;
  guint8 *pixels;  /* cairo ARGB32: native-endian 0xAARRGGBB */
} Capture;

void      ui_test_init            (int          *argc,
                                   char       ***argv);
void      ui_test_wait_for_flag   (const gboolean *flag);
void      ui_test_wait_until      (gboolean     (*predicate) (gpointer),
                                   gpointer       data);
void      ui_test_wait_until_drawn (GtkWidget   *widget);
void      ui_test_iterate         (void);

Capture  *capture_widget          (GtkWidget    *widget);
void      capture_free            (Capture      *capture);
guint32   capture_pixel           (const Capture *capture,
                                   int           x,
                                   int           y);
void      assert_rgb              (guint32       pixel,
                                   guint         red,
                                   guint         green,
                                   guint         blue);
void      assert_grey             (guint32       pixel,
                                   guint         grey);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Capture, capture_free)

/* The plane of each view (by its normal): which axis runs right (u) and
 * down (v). */
extern const guint ui_test_plane_u[3];
extern const guint ui_test_plane_v[3];

typedef struct
{
  double scale;      /* pixels per nm */
  double origin[2];  /* widget position of the plane's (0, 0) corner */
} Geometry;

Geometry   ui_test_expected_geometry (const CbdVolume *volume,
                                      CbdViewState    *state,
                                      guint            normal,
                                      int              width,
                                      int              height);
guint      ui_test_check_view        (CbdWindow       *window,
                                      guint            normal);
CbdWindow *ui_test_show_window       (CbdVolume       *volume);

/* The default phase colours, by the stored labels used in these tests. */
enum { PORE = 0, CBD = 128, CAM = 255 };
guint     expected_grey           (guint8        label);

/* The tests' volume: TEST_NX × TEST_NY × TEST_NZ voxels, 10 nm in x and y;
 * y < TEST_NY / 2 stripes along x (pore | CBD | CAM), the rest layers
 * along z (CAM | pore | CBD), so each view shows a different pattern. */
#define TEST_NX 64
#define TEST_NY 48
#define TEST_NZ 32
guint8     ui_test_label             (gsize            x,
                                      gsize            y,
                                      gsize            z);
CbdVolume *ui_test_make_volume       (double           voxel_z_nm);

G_END_DECLS
