# SPDX-License-Identifier: GPL-3.0-or-later
"""SciPy peers for bench-porosimetry: the same drainage and local thickness.

python3 peer_scipy_psd.py exact VOLUME.tif PORE_VALUE EDGE PREFIX [VOXEL_NM]
    Per-voxel maps by a different route (one connected-component labelling
    and one EDT per distinct radius), compared voxel by voxel with
    PREFIX-intrusion.f32 and PREFIX-thickness.f32 written by
    `bench-porosimetry --crop EDGE --out PREFIX`. Small crops only.
python3 peer_scipy_psd.py naive VOLUME.tif PORE_VALUE EDGE PREFIX [VOXEL_NM]
    The usual per-diameter morphological drainage (erode by EDT threshold,
    keep what is connected to a face, dilate by EDT), on the diameters of
    PREFIX-psd.csv, timed, and the curves compared with that CSV.

Conventions as in cbd-porosimetry.h: all six faces are inlets (open
border), a sphere of radius R fits where the EDT >= R and covers voxels
strictly within R (squared radii shrunk by 1e-6), diameter = 2 R - h.
Needs Debian's python3-scipy and python3-tifffile (run with /usr/bin/python3).
"""
import csv
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import tifffile

SHRINK = np.sqrt(1 - 1e-6)


def load(path, value, edge):
    volume = tifffile.imread(path)  # z, y, x
    pore = volume[:edge, :edge, :edge] == value
    return np.ascontiguousarray(np.transpose(pore, (2, 1, 0)))  # x, y, z


def touching_faces(mask):
    labels, _ = ndi.label(mask)
    faces = np.concatenate([labels[0].ravel(), labels[-1].ravel(), labels[:, 0].ravel(),
                            labels[:, -1].ravel(), labels[:, :, 0].ravel(),
                            labels[:, :, -1].ravel()])
    keep = np.unique(faces[faces > 0])
    return np.isin(labels, keep)


def max_ball(field, h):
    """Largest radius of a ball (centre c, radius field[c]) covering each voxel."""
    result = field.copy()
    for radius in np.unique(field[field > 0])[::-1]:
        centres = field == radius
        covered = ndi.distance_transform_edt(~centres) * h < radius * SHRINK
        np.maximum(result, np.where(covered, radius, 0), out=result)
    return result


def exact(pore, h):
    dt = ndi.distance_transform_edt(pore) * h
    access = np.zeros_like(dt)
    for radius in np.unique(dt[pore])[::-1]:
        reached = touching_faces(dt >= radius) & (access == 0)
        access[reached] = radius
    diameter = lambda r: np.where(r > 0, 2 * r - h, 0)  # noqa: E731
    return diameter(max_ball(access, h)), diameter(max_ball(dt, h))


def read_csv(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(row[key]) if row[key] else np.nan for row in rows])
            for key in rows[0]}


def naive(pore, h, diameters):
    dt = ndi.distance_transform_edt(pore) * h
    intruded = np.zeros(pore.shape, bool)
    thick = np.zeros(pore.shape, bool)
    fraction, thickness = [], []
    n_pore = pore.sum()
    for d in diameters:
        radius = (d + h) / 2
        centres = dt >= radius * (1 - 1e-7)
        thick |= ndi.distance_transform_edt(~centres) * h < radius * SHRINK
        reached = touching_faces(centres)
        intruded |= ndi.distance_transform_edt(~reached) * h < radius * SHRINK
        fraction.append((intruded & pore).sum() / n_pore)
        thickness.append((thick & pore).sum() / n_pore)
    return np.array(fraction), np.array(thickness)


def main():
    mode, path, value, edge, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    h = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
    pore = load(path, value, edge)
    shape = pore.shape
    if mode == "exact":
        start = time.perf_counter()
        intrusion, thickness = exact(pore, h)
        seconds = time.perf_counter() - start
        for name, peer in (("intrusion", intrusion), ("thickness", thickness)):
            ours = np.fromfile(f"{prefix}-{name}.f32", dtype=np.float32).reshape(shape[::-1])
            ours = np.transpose(ours, (2, 1, 0)).astype(np.float64)  # to x, y, z
            bad = np.abs(ours - peer) > 1e-5 * np.maximum(peer, 1)
            print(f"{name}: {bad.sum()} of {pore.sum()} pore voxels differ "
                  f"(max |diff| {np.abs(ours - peer).max():.3g} nm)")
        print(f"peer (exact, per distinct radius) {seconds:.2f} s on {edge}^3")
    else:
        table = read_csv(f"{prefix}-psd.csv")
        start = time.perf_counter()
        fraction, thickness = naive(pore, h, table["diameter_nm"])
        seconds = time.perf_counter() - start
        cumulative = table["local_thickness_cumulative"]
        print(f"peer (naive, {len(fraction)} diameters) {seconds:.2f} s on {edge}^3")
        print(f"intruded fraction: max |ours - peer| {np.abs(table['intruded_fraction'] - fraction).max():.4f}, "
              f"ours >= peer everywhere: {bool(np.all(table['intruded_fraction'] >= fraction - 1e-12))}")
        print(f"local thickness cumulative: max |ours - peer| {np.abs(cumulative - thickness).max():.4f}")
        for k in range(0, len(fraction), max(1, len(fraction) // 8)):
            print(f"  d {table['diameter_nm'][k]:8.1f} nm  intruded ours {table['intruded_fraction'][k]:.4f} "
                  f"peer {fraction[k]:.4f}  thickness ours {cumulative[k]:.4f} peer {thickness[k]:.4f}")


main()
