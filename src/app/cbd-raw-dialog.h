/* cbd-raw-dialog.h — asks for the dims, sample type and voxel size of a
 * headerless raw volume, checking them against the file's size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cbd-io.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

/* What a raw file does not say about itself. */
typedef struct
{
  gsize      dims[3];      /* nx, ny, nz */
  CbdRawType type;
  double     voxel_nm[3];
} CbdRawSpec;

const char *cbd_raw_type_name         (CbdRawType        type);
guint64    cbd_raw_spec_expected_size (const CbdRawSpec *spec);
char      *cbd_raw_spec_to_string     (const CbdRawSpec *spec);
CbdVolume *cbd_raw_spec_read          (const CbdRawSpec *spec,
                                       const char       *path,
                                       GCancellable     *cancellable,
                                       GError          **error);

#define CBD_TYPE_RAW_DIALOG (cbd_raw_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CbdRawDialog, cbd_raw_dialog, CBD, RAW_DIALOG, GtkWindow)

CbdRawDialog *cbd_raw_dialog_new            (GtkWindow        *parent,
                                             GFile            *file,
                                             guint64           file_size);
GFile        *cbd_raw_dialog_get_file       (CbdRawDialog     *self);
void          cbd_raw_dialog_get_spec       (CbdRawDialog     *self,
                                             CbdRawSpec       *spec);
void          cbd_raw_dialog_set_spec       (CbdRawDialog     *self,
                                             const CbdRawSpec *spec);
gboolean      cbd_raw_dialog_get_can_accept (CbdRawDialog     *self);
const char   *cbd_raw_dialog_get_message    (CbdRawDialog     *self);
void          cbd_raw_dialog_accept         (CbdRawDialog     *self);

G_END_DECLS
