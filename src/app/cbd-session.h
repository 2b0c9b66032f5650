/* cbd-session.h — the app's project file: volume, labels, cutouts, view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CBD_SESSION_ERROR (cbd_session_error_quark ())

typedef enum
{
  CBD_SESSION_ERROR_IO,           /* cannot read or write the file */
  CBD_SESSION_ERROR_NOT_PROJECT,  /* not a key file, or no [cbdscope] group */
  CBD_SESSION_ERROR_VERSION,      /* written by a newer cbdscope */
  CBD_SESSION_ERROR_INVALID,      /* a missing group or key, a bad value */
} CbdSessionError;

#define CBD_SESSION_VERSION 1
#define CBD_SESSION_SUFFIX ".cbdscope"
#define CBD_SESSION_N_PHASES 4  /* other, pore, CBD, CAM, as CbdPhase */

typedef struct
{
  char   *name;
  gsize   origin[3];
  gsize   edge;
} CbdSessionCutout;

typedef struct
{
  char             *volume_path;        /* absolute */
  gsize             dims[3];
  double            voxel_nm[3];
  char             *labels;             /* "pore=0,cbd=170,cam=85", raw values; NULL: guess */
  char             *raw_sample_type;    /* "u8", "u16le", "u16be": a headerless raw file
                                         * of dims; NULL: TIFF. Stored as core's
                                         * [volume] raw = NX,NY,NZ:type */

  CbdSessionCutout *cutouts;
  guint             n_cutouts;
  gsize             cutout_edge;

  gboolean          has_view;           /* [view] was read; FALSE (a project the CLI
                                         * wrote): the view fields below are unset
                                         * and the volume's own view stays */
  gsize             crosshair[3];
  double            zoom;               /* pixels per nm, 0: fit */
  double            centre_nm[3];
  char             *colors[CBD_SESSION_N_PHASES];  /* gdk_rgba_parse() strings */
  gboolean          visible[CBD_SESSION_N_PHASES];
  double            opacity[CBD_SESSION_N_PHASES];
  double            opacity_3d[CBD_SESSION_N_PHASES];
} CbdSession;

GQuark      cbd_session_error_quark (void);
CbdSession *cbd_session_new         (void);
void        cbd_session_free        (CbdSession  *session);
char       *cbd_session_to_data     (const CbdSession *session,
                                     const char  *path,
                                     gsize       *length);
CbdSession *cbd_session_parse       (const char  *data,
                                     gsize        length,
                                     const char  *path,
                                     GError     **error);
gboolean    cbd_session_save        (const CbdSession *session,
                                     const char  *path,
                                     GError     **error);
CbdSession *cbd_session_load        (const char  *path,
                                     GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbdSession, cbd_session_free)

G_END_DECLS
