/* cbd-synth.h — a seeded synthetic three-phase FIB-SEM-like cathode volume
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cbd-progress.h"
#include "cbd-volume.h"

G_BEGIN_DECLS

#define CBD_SYNTH_ERROR (cbd_synth_error_quark ())

typedef enum
{
  CBD_SYNTH_ERROR_INVALID,
  CBD_SYNTH_ERROR_CANCELLED,
} CbdSynthError;

/* Labels follow the FIB-SEM convention (black pore, grey CBD, white CAM), so
 * the automatic label guess maps them right. */
#define CBD_SYNTH_PORE 0
#define CBD_SYNTH_CBD  128
#define CBD_SYNTH_CAM  255

typedef struct
{
  gsize   dims[3];
  guint64 seed;
  double  voxel_nm;            /* default 10 */
  double  cam_fraction;        /* target CAM volume fraction */
  double  cbd_porosity_min;    /* range of the CBD's local inner porosity */
  double  cbd_porosity_max;
  /* Share of the space outside CAM carved out as macropores (spheres of
   * 200-500 nm radius, scaled down in small boxes); 0 for none. */
  double  macropore_fraction;
  /* Worker threads, 0 for one per processor. The result does not depend on
   * it. */
  guint   n_threads;
} CbdSynthParams;

GQuark      cbd_synth_error_quark (void);

/* Defaults for a size^3 box: seed 1, 10 nm voxels, 35 % CAM, CBD inner
 * porosity 0.10-0.70, 5 % macropores. */
void        cbd_synth_params_init (CbdSynthParams        *params,
                                   gsize                  size);

/* Boxes with room for them (136^3 at most half the volume, so from about
 * 172^3 on) keep CAM out of a few 136^3 regions whose mean target porosities
 * spread over the range: at least two distinct CAM-free 128^3 cutouts from
 * 256^3 on.  Those regions win over the CAM target, which a 256^3 box
 * therefore reaches only up to about 0.55.
 *
 * @porosity_field: (out) (optional) (transfer full): the local CBD inner
 * porosity the generator aimed for, one float per voxel (g_free). */
CbdVolume  *cbd_synth_generate    (const CbdSynthParams  *params,
                                   float                **porosity_field,
                                   GCancellable          *cancellable,
                                   CbdProgressFunc        progress,
                                   gpointer               progress_data,
                                   GError               **error);

G_END_DECLS
