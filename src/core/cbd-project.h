/* cbd-project.h — a study saved as a project file and read back
 *
 * The file is a GKeyFile (UTF-8 text, "key=value" lines in [groups]), so a
 * person can read it and a script can parse it:
 *
 *   [cbdscope]   version=1 (a file of a newer version is refused), creator
 *   [volume]     path (relative to the project file's folder), absolute_path
 *                (used when the relative one does not exist), raw (the raw
 *                layout, only for raw files), dims_voxels, voxel_size_nm,
 *                labels (the label map in raw values), voxels_pore,
 *                voxels_cbd, voxels_cam, voxels_other (checked when the
 *                volume is attached: a different volume is refused)
 *   [settings]   every CbdStudySettings field but n_threads
 *   [psd]        diameters_nm of every distribution; the whole stack's
 *                counts when computed
 *   [cutouts]    count, default_edge_voxels (= the settings' cutout edge)
 *   [cutout N]   N = 1..count: name, origin_voxels, size_voxels, finished,
 *                and for finished cutouts every measured number and the
 *                pore table new filter thresholds are judged from:
 *                envelope_stack_faces (CbdFace bits: 1 x low, 2 x high,
 *                4 y low, 8 y high, 16 z low, 32 z high) and one list
 *                with filter_n_pores values each for the CbdEnvelopePore
 *                fields the filter reads, and the region ids:
 *                pores_region, pores_volume_voxels, pores_volume_nm3,
 *                pores_inscribed_diameter_nm, pores_envelope_faces,
 *                pores_cutout_voxels, pores_centroid_in_cutout (the
 *                other fields read back as unknown, see cbd-envelope.h)
 *   [end]        complete=true — written last, so a truncated file is
 *                recognised
 *
 * A project that only sets up a study (as the app saves before any
 * analysis) may leave out the label map (guessed when the volume is
 * attached), the voxels per phase (taken from the volume then), [settings]
 * (defaults; [cutouts] default_edge_voxels gives the cutout edge), [psd]
 * (the default diameters) and each cutout's "finished" (false). A finished
 * cutout without a pore table (a project written before they were kept)
 * is read as before; filtering it again partitions its envelope. A table
 * is checked when read: lists of one value per pore, whole numbers or
 * finite lengths of at least 0, region ids ascending from 1, each pore
 * with 1 to all of its voxels in the cutout, a positive volume and face
 * bits of a box, the stack faces those of the envelope the settings give,
 * and the pores' voxels in the cutout adding up to filter_pore_voxels.
 * Groups of other names (the app's [view]) are ignored by the study and
 * kept by cbd_project_load_full() / cbd_project_save_full(); keys of other
 * names are ignored. Every other group and key is required, and checked.
 *
 * Numbers are in the C locale with as many digits (15 to 17) as it takes
 * to read them back bit for bit; lists are separated by ";"; "nan" marks a
 * value that does not exist (e.g. tau of a non-percolating axis) and "inf"
 * an infinite threshold. Means and spreads over the axes are not stored:
 * they are recomputed from the per-axis values on loading.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-study.h"

G_BEGIN_DECLS

#define CBD_PROJECT_ERROR (cbd_project_error_quark ())

typedef enum
{
  CBD_PROJECT_ERROR_IO,           /* cannot read or write the file */
  CBD_PROJECT_ERROR_NOT_PROJECT,  /* not a key file, or no [cbdscope] group */
  CBD_PROJECT_ERROR_VERSION,      /* written by a newer cbdscope */
  CBD_PROJECT_ERROR_INVALID,      /* a missing group or key, a bad value */
} CbdProjectError;

#define CBD_PROJECT_VERSION 1
#define CBD_PROJECT_SUFFIX ".cbdscope"

GQuark    cbd_project_error_quark (void);

/* Writes @study to @path atomically (a temporary file renamed over the old
 * one: a failed save leaves the previous project intact). Safe while
 * analyses run on other threads: results are read under the study's lock. */
gboolean  cbd_project_save        (CbdStudy    *study,
                                   const char  *path,
                                   GError     **error);
/* The same with the caller's own groups (e.g. the app's [view]): every
 * group of @extra (nullable) whose name is not one of the study's is
 * written too, before [end]. */
gboolean  cbd_project_save_full   (CbdStudy    *study,
                                   const char  *path,
                                   GKeyFile    *extra,
                                   GError     **error);
/* The text cbd_project_save() writes; @path is where it will live (for the
 * relative volume path), NULL to keep the volume path as it is. */
char     *cbd_project_to_data     (CbdStudy    *study,
                                   const char  *path,
                                   gsize       *length);

/* Reads a project. The study comes back without its volume: attach it
 * with cbd_study_load_volume() (which reads the recorded path) or
 * cbd_study_attach_volume(). Errors name the file, the group and the key. */
CbdStudy *cbd_project_load        (const char  *path,
                                   GError     **error);
/* The same; @key_file: (out) (optional) the whole file as read, for the
 * caller's own groups. */
CbdStudy *cbd_project_load_full   (const char  *path,
                                   GKeyFile   **key_file,
                                   GError     **error);
/* The same from text; @path names it in messages and anchors the relative
 * volume path (NULL: the current folder). */
CbdStudy *cbd_project_parse       (const char  *data,
                                   gsize        length,
                                   const char  *path,
                                   GError     **error);

G_END_DECLS
