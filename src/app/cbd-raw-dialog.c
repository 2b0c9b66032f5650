/* cbd-raw-dialog.c — asks for the dims, sample type and voxel size of a
 * headerless raw volume, checking them against the file's size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A raw file is only bytes: the size it must have follows from the dims
 * and the sample type, so "Open" stays insensitive, with a message saying
 * why, until nx × ny × nz × bytes per sample equals the file's size.
 * A file whose size is a cube of samples starts as that cube.
 */
#define G_LOG_DOMAIN "cbd-raw-dialog"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cbd-raw-dialog.h"

struct _CbdRawDialog
{
  GtkWindow       parent_instance;

  GtkSpinButton  *dims_spin[3];
  GtkDropDown    *type_dropdown;
  GtkSpinButton  *voxel_spin[3];
  GtkLabel       *file_label;
  GtkLabel       *message_label;
  GtkButton      *open_button;

  GFile          *file;
  guint64         file_size;
  gboolean        can_accept;
};

enum
{
  SIGNAL_ACCEPTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CbdRawDialog, cbd_raw_dialog, GTK_TYPE_WINDOW)

static guint
bytes_per_sample (CbdRawType type)
{
  return type == CBD_RAW_U8 ? 1 : 2;
}

/* Returns: the name cbd_raw_type_from_string() reads back */
const char *
cbd_raw_type_name (CbdRawType type)
{
  switch (type)
    {
    case CBD_RAW_U16_LE: return "u16le";
    case CBD_RAW_U16_BE: return "u16be";
    case CBD_RAW_U8:
    default: return "u8";
    }
}

/* Returns: the bytes @spec needs, or G_MAXUINT64 when that overflows */
guint64
cbd_raw_spec_expected_size (const CbdRawSpec *spec)
{
  guint64 size = bytes_per_sample (spec->type);

  for (guint axis = 0; axis < 3; axis++)
    {
      if (spec->dims[axis] != 0 && size > G_MAXUINT64 / spec->dims[axis])
        return G_MAXUINT64;
      size *= spec->dims[axis];
    }
  return size;
}

/* Returns: "NX,NY,NZ:type", as `cbdscope-cli --raw` and core's project
 * files ([volume] raw, cbd_study_new's @raw_spec) read it */
char *
cbd_raw_spec_to_string (const CbdRawSpec *spec)
{
  return g_strdup_printf ("%zu,%zu,%zu:%s", spec->dims[0], spec->dims[1], spec->dims[2],
                          cbd_raw_type_name (spec->type));
}

/* Reads the file as @spec says (on any thread) and sets its voxel size. */
CbdVolume *
cbd_raw_spec_read (const CbdRawSpec *spec,
                   const char       *path,
                   GCancellable     *cancellable,
                   GError          **error)
{
  CbdVolume *volume = cbd_raw_read (path, spec->dims, spec->type, cancellable, error);

  if (volume == NULL)
    return NULL;
  for (guint axis = 0; axis < 3; axis++)
    volume->voxel_nm[axis] = spec->voxel_nm[axis] > 0.0 ? spec->voxel_nm[axis] : CBD_DEFAULT_VOXEL_NM;
  return volume;
}

static void
cbd_raw_dialog_check (CbdRawDialog *self)
{
  CbdRawSpec spec;
  guint64 expected;
  g_autofree char *message = NULL;
  g_autofree char *have = NULL;
  g_autofree char *need = NULL;

  /* Template construction sets values before every child is bound. */
  if (self->message_label == NULL || self->open_button == NULL)
    return;

  cbd_raw_dialog_get_spec (self, &spec);
  expected = cbd_raw_spec_expected_size (&spec);
  self->can_accept = expected == self->file_size;

  /* Translators: a byte count, in full ("16777216 bytes") */
  have = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%llu byte", "%llu bytes", self->file_size),
                          (unsigned long long) self->file_size);
  if (expected == G_MAXUINT64)
    need = g_strdup (_("more bytes than can be counted"));
  else
    need = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%llu byte", "%llu bytes", expected),
                            (unsigned long long) expected);

  if (self->can_accept)
    /* Translators: %u is the bytes per sample (1 or 2), %s a byte count
     * such as "16777216 bytes" */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%zu × %zu × %zu samples of %u byte = %s: "
                                            "the size of the file.",
                                            "%zu × %zu × %zu samples of %u bytes = %s: "
                                            "the size of the file.",
                                            bytes_per_sample (spec.type)),
                               spec.dims[0], spec.dims[1], spec.dims[2],
                               bytes_per_sample (spec.type), need);
  else
    /* Translators: both %s are byte counts */
    message = g_strdup_printf (_("These dimensions need %s, but the file has %s."), need, have);

  gtk_label_set_text (self->message_label, message);
  if (self->can_accept)
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->open_button), self->can_accept);
}

static void
cancel_clicked_cb (CbdRawDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

/**
 * cbd_raw_dialog_accept:
 *
 * What "Open" does: emits #CbdRawDialog::accepted when the sizes agree,
 * then closes the dialog.
 */
void
cbd_raw_dialog_accept (CbdRawDialog *self)
{
  CbdRawSpec spec;

  g_return_if_fail (CBD_IS_RAW_DIALOG (self));

  cbd_raw_dialog_check (self);
  if (!self->can_accept)
    return;
  cbd_raw_dialog_get_spec (self, &spec);
  g_signal_emit (self, signals[SIGNAL_ACCEPTED], 0, &spec);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
cbd_raw_dialog_dispose (GObject *object)
{
  CbdRawDialog *self = CBD_RAW_DIALOG (object);

  g_clear_object (&self->file);
  gtk_widget_dispose_template (GTK_WIDGET (self), CBD_TYPE_RAW_DIALOG);

  G_OBJECT_CLASS (cbd_raw_dialog_parent_class)->dispose (object);
}

static void
cbd_raw_dialog_class_init (CbdRawDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cbd_raw_dialog_dispose;

  /**
   * CbdRawDialog::accepted:
   * @spec: (type gpointer): the #CbdRawSpec chosen, valid during emission
   */
  signals[SIGNAL_ACCEPTED] =
    g_signal_new ("accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cbdscope/CbdScope/cbd-raw-dialog.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "nx_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, dims_spin[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "ny_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, dims_spin[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "nz_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, dims_spin[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "voxel_x_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, voxel_spin[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "voxel_y_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, voxel_spin[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "voxel_z_spin", FALSE,
                                             G_STRUCT_OFFSET (CbdRawDialog, voxel_spin[2]));
  gtk_widget_class_bind_template_child (widget_class, CbdRawDialog, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CbdRawDialog, file_label);
  gtk_widget_class_bind_template_child (widget_class, CbdRawDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, CbdRawDialog, open_button);
  gtk_widget_class_bind_template_callback (widget_class, cbd_raw_dialog_check);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cbd_raw_dialog_accept);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cbd_raw_dialog_init (CbdRawDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* The cube a file of @file_size bytes would be, with @bytes per sample. */
static gsize
cube_edge (guint64 file_size,
           guint   bytes)
{
  guint64 samples, edge;

  if (file_size == 0 || file_size % bytes != 0)
    return 0;
  samples = file_size / bytes;
  edge = (guint64) llround (cbrt ((double) samples));
  return edge * edge * edge == samples ? (gsize) edge : 0;
}

/**
 * cbd_raw_dialog_new:
 * @file_size: the file's size in bytes
 */
CbdRawDialog *
cbd_raw_dialog_new (GtkWindow *parent,
                    GFile     *file,
                    guint64    file_size)
{
  CbdRawDialog *self;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  CbdRawSpec spec = { { 1, 1, 1 }, CBD_RAW_U8,
                      { CBD_DEFAULT_VOXEL_NM, CBD_DEFAULT_VOXEL_NM, CBD_DEFAULT_VOXEL_NM } };
  gsize edge;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (CBD_TYPE_RAW_DIALOG, "transient-for", parent, NULL);
  self->file = g_object_ref (file);
  self->file_size = file_size;

  name = g_file_get_basename (file);
  /* Translators: a file name and its size in bytes */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "“%s”: %llu byte", "“%s”: %llu bytes",
                                       file_size),
                          name, (unsigned long long) file_size);
  gtk_label_set_text (self->file_label, text);

  if ((edge = cube_edge (file_size, 1)) > 0)
    spec.type = CBD_RAW_U8;
  else if ((edge = cube_edge (file_size, 2)) > 0)
    spec.type = CBD_RAW_U16_LE;
  if (edge > 0)
    spec.dims[0] = spec.dims[1] = spec.dims[2] = edge;
  cbd_raw_dialog_set_spec (self, &spec);
  return self;
}

/* Returns: (transfer none): the file asked about */
GFile *
cbd_raw_dialog_get_file (CbdRawDialog *self)
{
  g_return_val_if_fail (CBD_IS_RAW_DIALOG (self), NULL);
  return self->file;
}

void
cbd_raw_dialog_get_spec (CbdRawDialog *self,
                         CbdRawSpec   *spec)
{
  g_return_if_fail (CBD_IS_RAW_DIALOG (self));

  for (guint axis = 0; axis < 3; axis++)
    {
      spec->dims[axis] = (gsize) gtk_spin_button_get_value (self->dims_spin[axis]);
      spec->voxel_nm[axis] = gtk_spin_button_get_value (self->voxel_spin[axis]);
    }
  switch (gtk_drop_down_get_selected (self->type_dropdown))
    {
    case 1: spec->type = CBD_RAW_U16_LE; break;
    case 2: spec->type = CBD_RAW_U16_BE; break;
    case 0:
    default: spec->type = CBD_RAW_U8; break;
    }
}

void
cbd_raw_dialog_set_spec (CbdRawDialog     *self,
                         const CbdRawSpec *spec)
{
  g_return_if_fail (CBD_IS_RAW_DIALOG (self));

  for (guint axis = 0; axis < 3; axis++)
    {
      gtk_spin_button_set_value (self->dims_spin[axis], (double) spec->dims[axis]);
      gtk_spin_button_set_value (self->voxel_spin[axis], spec->voxel_nm[axis]);
    }
  gtk_drop_down_set_selected (self->type_dropdown,
                              spec->type == CBD_RAW_U16_LE ? 1 : spec->type == CBD_RAW_U16_BE ? 2 : 0);
  cbd_raw_dialog_check (self);
}

/* Returns: whether "Open" is sensitive: the dims match the file's size */
gboolean
cbd_raw_dialog_get_can_accept (CbdRawDialog *self)
{
  g_return_val_if_fail (CBD_IS_RAW_DIALOG (self), FALSE);
  return self->can_accept && gtk_widget_get_sensitive (GTK_WIDGET (self->open_button));
}

/* Returns: the size check's message, as shown */
const char *
cbd_raw_dialog_get_message (CbdRawDialog *self)
{
  g_return_val_if_fail (CBD_IS_RAW_DIALOG (self), NULL);
  return gtk_label_get_text (self->message_label);
}
