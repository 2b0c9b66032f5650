/* cbd-filter.h — the macropore filter: which pore space of a cutout belongs
 * to the carbon-binder domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cbd-envelope.h"

G_BEGIN_DECLS

#define CBD_FILTER_ERROR (cbd_filter_error_quark ())

typedef enum
{
  CBD_FILTER_ERROR_INVALID_ARGUMENT,
  CBD_FILTER_ERROR_NO_MEMORY,
} CbdFilterError;

/* What each voxel of the cutout is (the paper's Figure 3c colours them
 * black, orange and green). These are the values of the classification
 * array and of the TIFF `cbdscope-cli filter -o` writes. */
typedef enum
{
  CBD_FILTER_SOLID    = 0,  /* not pore phase: CBD, CAM or other */
  CBD_FILTER_RETAINED = 1,  /* a pore of the CBD */
  CBD_FILTER_EXCLUDED = 2,  /* macropore or surroundings */
} CbdFilterClass;

/* The rules, in the order they are reported. A pore is excluded when any
 * rule holds; each rule counts every pore it flags. */
typedef enum
{
  CBD_FILTER_RULE_CENTRE = 0,  /* centroid outside, too little inside */
  CBD_FILTER_RULE_DIAMETER,    /* inscribed diameter above d_max */
  CBD_FILTER_RULE_VOLUME,      /* volume above v_max */
  CBD_FILTER_RULE_TRUNCATED,   /* cut by an envelope face inside the stack */
  CBD_FILTER_N_RULES
} CbdFilterRule;

/* The user's thresholds; lengths in nm.
 *
 * Centre rule: a pore whose centroid lies outside the cutout (beyond its
 *   outer voxel faces) and which has less than f_inside of its volume inside
 *   belongs to the surroundings. Default 0.5: "most of its volume outside".
 *   0 disables the rule; 1 excludes every pore centred outside.
 * Size rule: an inscribed diameter above d_max_nm (default 400 nm, the upper
 *   end of the paper's CBD pores, 60-400 nm) or a volume above v_max_nm3
 *   marks a macropore. v_max is off (infinite) by default: the inscribed
 *   diameter already measures how wide a pore is, and a volume bound would
 *   mostly catch long, branched CBD pores that SNOW left in one piece; set
 *   it to e.g. 3.4e7 nm^3 (the 400 nm sphere) to also drop large pores that
 *   are narrow everywhere.
 * Truncation rule: a pore that touches an envelope face lying inside the
 *   stack is cut by the envelope; its real size is unknown, and reaching
 *   from the cutout to that face it spans at least the envelope margin
 *   (hundreds of voxels with the defaults), far beyond any CBD pore, so it
 *   is excluded (exclude_truncated, default TRUE). An envelope face on the
 *   stack border is different: nothing more can be known there, and
 *   excluding those pores would reject every cutout near the border, so such
 *   pores are judged by the other rules alone unless
 *   stack_border_truncates is set (default FALSE).
 * Acceptance: a cutout is accepted for the correlation when its excluded
 *   pore space is at most max_excluded of its pore space (default 0.25).
 *   The transport solve sees all of the cutout's pore space; above about a
 *   quarter of macropore, macropores rather than the CBD carry the
 *   current. For a CBD of inner porosity p with macropore fraction e of the
 *   pore space the cutout's porosity is p / (1 - e (1 - p)): 0.25 caps it at
 *   about 41 % for the paper's mean CBD porosity (34 %) and 57 % for p =
 *   0.5, the range where the paper's filter stopped (every cutout above
 *   56 % porosity removed, the retained ones spanning 14-56 %). */
typedef struct
{
  double   f_inside;
  double   d_max_nm;
  double   v_max_nm3;
  gboolean exclude_truncated;
  gboolean stack_border_truncates;
  double   max_excluded;
} CbdFilterThresholds;

/* One cutout under one set of thresholds. Fractions are of voxels. */
typedef struct
{
  guint64  cutout_voxels;
  guint64  pore_voxels;
  guint64  retained_voxels;
  guint64  excluded_voxels;
  double   porosity;             /* pore_voxels / cutout_voxels */
  double   retained_porosity;    /* retained_voxels / cutout_voxels */
  double   excluded_fraction;    /* excluded_voxels / pore_voxels; 0 without pore */
  guint32  n_pores;              /* pores with a voxel in the cutout */
  guint32  n_retained;
  guint32  n_excluded;
  /* Volume-weighted quantiles of the retained pores' inscribed diameters,
   * each pore weighted by its voxels inside the cutout: the smallest
   * diameter whose cumulative weight reaches 10, 50, 90 % of the total.
   * NAN when nothing is retained. */
  double   d10_nm;
  double   d50_nm;
  double   d90_nm;
  gboolean accepted;             /* excluded_fraction <= max_excluded */
  guint32  rule_pores[CBD_FILTER_N_RULES];
  guint64  rule_voxels[CBD_FILTER_N_RULES];  /* their voxels in the cutout */
  double   seconds;
} CbdFilterResult;

GQuark       cbd_filter_error_quark      (void);
void         cbd_filter_thresholds_init  (CbdFilterThresholds       *thresholds);
gboolean     cbd_filter_thresholds_check (const CbdFilterThresholds *thresholds,
                                          GError                   **error);
/* "centre", "diameter", "volume", "truncated". */
const char  *cbd_filter_rule_to_string   (CbdFilterRule              rule);

/* The rules that exclude @pore, as bits 1 << CbdFilterRule; 0: retained. */
guint        cbd_filter_judge_pore       (const CbdEnvelope         *envelope,
                                          const CbdEnvelopePore     *pore,
                                          const CbdFilterThresholds *thresholds);

/* Applies @thresholds (NULL: defaults) to the cutout of @envelope. O(pores)
 * plus, when @classes is given, one pass over the cutout's voxels. Only
 * the pores and stack_faces are read, so a pore table does, unless
 * @classes is asked for: the pore voxels are the sum of the pores'
 * cutout_voxels (every phase voxel of the cutout lies in one pore).
 * @classes: (nullable) cutout voxels (x fastest), receives CbdFilterClass;
 * needs envelope->cutout_pores.
 * @pore_rules: (nullable) envelope->n_pores entries, the rule bits of each. */
gboolean     cbd_filter_evaluate         (const CbdEnvelope         *envelope,
                                          const CbdFilterThresholds *thresholds,
                                          guint8                    *classes,
                                          guint8                    *pore_rules,
                                          CbdFilterResult           *result,
                                          GError                   **error);

G_END_DECLS
