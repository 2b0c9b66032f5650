/* cbd-multigrid-box.c — vector kernels of the finest multigrid level on the
 * full voxel box (see cbd-multigrid-box.h)
 *
 * GCC vector extensions, 8 floats a step: two SSE operations on the baseline,
 * one AVX operation where the AVX2 clone is chosen at load time. Both do the
 * same multiplications and additions in the same order (no fused
 * multiply-add), so the result does not depend on the processor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cbd-multigrid"

#include "config.h"

#include "cbd-multigrid-box.h"

/* 32-byte vectors cross no real function boundary here (the helpers are
 * always inlined), so GCC's note about their changed calling convention
 * does not apply. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float  V  __attribute__ ((vector_size (4 * CBD_MG_BOX_VECTOR)));
typedef float  VU __attribute__ ((vector_size (4 * CBD_MG_BOX_VECTOR), aligned (4)));
typedef gint32 VI __attribute__ ((vector_size (4 * CBD_MG_BOX_VECTOR)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define CLONES
#endif

/* Macros, not functions: 32-byte vectors must not cross a function
 * boundary in the baseline ABI. */
#define load(p)               (*(const VU *) (p))
#define store(p, v)           (*(VU *) (p) = (v))
/* @v where @mask is set, else 0 */
#define select_where(mask, v) ((V) ((mask) & (VI) (v)))

CLONES void
cbd_mg_box_sweep_plane (const CbdMgBox *box,
                        guint           colour,
                        gsize           z,
                        gboolean        from_zero)
{
  const gsize row = box->row, plane = box->plane, n = box->half_up;
  const float g0 = box->g[0], g1 = box->g[1], g2 = box->g[2];

  for (gsize y = 0; y < box->dims[1]; y++)
    {
      gsize start = cbd_mg_box_row_start (box, colour, y, z);
      float *restrict x = box->x + start;
      const float *restrict b = box->b + start;
      const float *restrict inverse = box->inverse + start;
      /* The other colour's row; its cell j + shift - 1 is the -x
       * neighbour, j + shift the +x one. */
      const float *restrict other = box->x + cbd_mg_box_row_start (box, 1 - colour, y, z);
      gsize shift = colour ^ ((y + z) & 1);

      if (from_zero)
        for (gsize j = 0; j < n; j += CBD_MG_BOX_VECTOR)
          store (x + j, load (b + j) * load (inverse + j));
      else
        for (gsize j = 0; j < n; j += CBD_MG_BOX_VECTOR)
          {
            const float *o = other + j;
            V sum_x = load (o + shift - 1) + load (o + shift);
            V sum_y = load (o - row) + load (o + row);
            V sum_z = load (o - plane) + load (o + plane);

            store (x + j, (load (b + j) + g0 * sum_x + g1 * sum_y + g2 * sum_z) * load (inverse + j));
          }
    }
}

CLONES void
cbd_mg_box_residual_plane (const CbdMgBox *box,
                           gsize           z)
{
  const gsize row = box->row, plane = box->plane, n = box->half_up;
  const float g0 = box->g[0], g1 = box->g[1], g2 = box->g[2];
  const V zero = { 0 };

  for (gsize y = 0; y < box->dims[1]; y++)
    {
      gsize start = cbd_mg_box_row_start (box, 0, y, z);
      const float *restrict x = box->x + start;
      const float *restrict b = box->b + start;
      const float *restrict inverse = box->inverse + start;
      const float *restrict other = box->x + cbd_mg_box_row_start (box, 1, y, z);
      float *restrict r = box->residual + (z * (box->dims[1] + 1) + y) * n;
      gsize shift = (y + z) & 1;

      for (gsize j = 0; j < n; j += CBD_MG_BOX_VECTOR)
        {
          const float *o = other + j;
          V inv = load (inverse + j), value;
          V sum = g0 * (load (o + shift - 1) + load (o + shift)) + g1 * (load (o - row) + load (o + row))
                  + g2 * (load (o - plane) + load (o + plane));
          /* d x = x / (1 / d); NaN outside the cluster, masked. */
          value = load (b + j) + sum - load (x + j) / inv;
          store (r + j, select_where (inv > zero, value));
        }
    }
}

CLONES void
cbd_mg_box_prolong_plane (const CbdMgBox *box,
                          gsize           z,
                          float           scale)
{
  const gsize n = box->half_up, coarse_rows = (box->dims[1] + 1) / 2;
  const V zero = { 0 };

  for (gsize y = 0; y < box->dims[1]; y++)
    {
      const float *restrict coarse = box->coarse_x + ((z / 2) * coarse_rows + y / 2) * n;
      gsize start = cbd_mg_box_row_start (box, 0, y, z);
      float *restrict x = box->x + start;
      const float *restrict inverse = box->inverse + start;

      for (gsize j = 0; j < n; j += CBD_MG_BOX_VECTOR)
        store (x + j, load (x + j) + select_where (load (inverse + j) > zero, scale * load (coarse + j)));
    }
}
