# SPDX-License-Identifier: GPL-3.0-or-later
"""The same discretisation solved with SciPy (the peer for bench-solver).

python3 peer_scipy_solve.py VOLUME.tif PORE_VALUE [EDGE]
Needs Debian's python3-scipy and python3-tifffile (run with /usr/bin/python3).
"""
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import tifffile


def solve(phase, axis):
    # Move the driven axis first: array index [a, b, c].
    phase = np.moveaxis(phase, axis, 0)
    n_axis = phase.shape[0]
    labels, _ = ndi.label(phase)
    both = np.intersect1d(np.unique(labels[0][labels[0] > 0]), np.unique(labels[-1][labels[-1] > 0]))
    active = np.isin(labels, both)
    index = -np.ones(phase.shape, dtype=np.int64)
    index[active] = np.arange(active.sum())
    n = int(active.sum())
    rows, cols = [], []
    diagonal = np.zeros(n)
    for d in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[d] = slice(0, -1)
        hi[d] = slice(1, None)
        pair = active[tuple(lo)] & active[tuple(hi)]
        i, j = index[tuple(lo)][pair], index[tuple(hi)][pair]
        rows += [i, j]
        cols += [j, i]
        np.add.at(diagonal, i, 1)
        np.add.at(diagonal, j, 1)
    rhs = np.zeros(n)
    inlet, outlet = index[0][active[0]], index[-1][active[-1]]
    np.add.at(diagonal, inlet, 2)
    np.add.at(diagonal, outlet, 2)
    rhs[outlet] = 2
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    matrix = sp.csr_matrix((-np.ones(len(rows)), (rows, cols)), shape=(n, n)) + sp.diags(diagonal)
    preconditioner = sp.diags(1 / diagonal)
    x, info = spla.cg(matrix, rhs, tol=1e-6, M=preconditioner, maxiter=100000)
    current = (2 * (1 - x[outlet])).sum()
    return current * n_axis / (phase.shape[1] * phase.shape[2])


def main():
    volume = tifffile.imread(sys.argv[1])  # z, y, x
    edge = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    phase = volume[:edge, :edge, :edge] == int(sys.argv[2])
    phase = np.transpose(phase, (2, 1, 0))  # to x, y, z
    total = 0
    for axis in range(3):
        start = time.perf_counter()
        sigma = solve(phase, axis)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{'xyz'[axis]}: sigma_rel {sigma:.6f} seconds {seconds:.3f}")
    print(f"{edge}^3, three axes: {total:.3f} s")


main()
