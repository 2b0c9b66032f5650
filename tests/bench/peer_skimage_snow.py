# SPDX-License-Identifier: GPL-3.0-or-later
"""The SNOW partition done with SciPy and scikit-image (the peer for
bench-partition), step for step as cbd-partition.c defines it.

python3 peer_skimage_snow.py VOLUME.tif PHASE_VALUE [OURS.u32] [--voxel-nm H]
Needs Debian's python3-scipy, python3-skimage and python3-tifffile (run with
/usr/bin/python3). OURS.u32 is bench-partition's raw uint32 output: the
script then reports how closely the two partitions agree.
"""
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import scipy.spatial as spatial
import tifffile
from skimage.morphology import ball, local_maxima
from skimage.segmentation import watershed


def snow(phase, voxel_nm=10.0, sigma=0.4, r_max=4):
    times = {}
    t = time.perf_counter()
    # 1. exact EDT, open border (scipy measures to zeros inside the array only)
    dt = ndi.distance_transform_edt(phase).astype(np.float32) * np.float32(voxel_nm)
    times["distance transform"] = time.perf_counter() - t

    t = time.perf_counter()
    # 2. Gaussian blur of the whole map (solid counts as 0), mirrored faces
    smooth = ndi.gaussian_filter(dt, sigma=sigma, mode="reflect", truncate=4.0)
    times["smoothing"] = time.perf_counter() - t

    t = time.perf_counter()
    # 3. peaks: phase voxels equal to the maximum over the ball of radius r_max
    mx = ndi.maximum_filter(smooth, footprint=ball(r_max), mode="reflect")
    peaks = (smooth == mx) & phase
    times["finding peaks"] = time.perf_counter() - t

    t = time.perf_counter()
    # 4-5. plateaus (26-connected); keep those in a regional maximum
    cube = np.ones((3, 3, 3), dtype=bool)
    regional = local_maxima(smooth, connectivity=3, allow_borders=True)
    plateaus, n_plateaus = ndi.label(peaks, structure=cube)
    keep = np.zeros(n_plateaus + 1, dtype=bool)
    keep[np.unique(plateaus[peaks & regional])] = True
    keep[0] = False
    kept_ids = np.flatnonzero(keep)
    n_saddles = n_plateaus - len(kept_ids)

    # 6. nearby peaks: of two plateaus closer than the larger value, drop the lower
    index = np.arange(1, n_plateaus + 1)
    centres = np.array(ndi.center_of_mass(peaks, plateaus, kept_ids)).reshape(-1, 3) * voxel_nm
    values = np.array(ndi.maximum(smooth, plateaus, kept_ids)).reshape(-1)
    dropped = np.zeros(len(kept_ids), dtype=bool)
    if len(kept_ids) > 1:
        tree = spatial.cKDTree(centres)
        pairs = tree.query_pairs(r=float(values.max()), output_type="ndarray")
        if len(pairs):
            a, b = pairs[:, 0], pairs[:, 1]
            d = np.linalg.norm(centres[a] - centres[b], axis=1)
            # order by (value desc, id asc): the later one loses ties
            a_higher = (values[a] > values[b]) | ((values[a] == values[b]) & (a < b))
            high = np.where(a_higher, a, b)
            low = np.where(a_higher, b, a)
            close = d < values[high]
            dropped[low[close]] = True
    final = kept_ids[~dropped]
    lookup = np.zeros(n_plateaus + 1, dtype=np.int32)
    lookup[final] = np.arange(1, len(final) + 1)
    markers = lookup[plateaus]
    times["trimming peaks"] = time.perf_counter() - t
    del index

    t = time.perf_counter()
    # 7. marker watershed on the inverted exact distances, face neighbours
    regions = watershed(-dt, markers=markers, mask=phase, connectivity=1)
    times["watershed"] = time.perf_counter() - t

    t = time.perf_counter()
    # parts of the phase no marker reached: one region each
    rest, n_rest = ndi.label(phase & (regions == 0))
    regions = np.where(rest > 0, rest + len(final), regions).astype(np.uint32)
    times["isolated pores"] = time.perf_counter() - t
    stats = {"plateaus": n_plateaus, "saddles": n_saddles, "nearby": int(dropped.sum()),
             "markers": len(final), "unmarked": n_rest}
    return regions, len(final) + n_rest, times, stats


def agreement(ours, theirs, phase):
    """Share of phase voxels whose pair (our id, their id) is the most common
    pair for our id, and the same the other way round."""
    a = ours[phase].astype(np.int64)
    b = theirs[phase].astype(np.int64)
    pair = a * (int(b.max()) + 1) + b
    keys, counts = np.unique(pair, return_counts=True)
    ka, kb = keys // (int(b.max()) + 1), keys % (int(b.max()) + 1)

    def best(k, c):
        order = np.lexsort((-c, k))
        first = np.ones(len(order), dtype=bool)
        first[1:] = k[order][1:] != k[order][:-1]
        return c[order][first].sum() / len(a)

    return best(ka, counts), best(kb, counts)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    voxel_nm = 10.0
    if "--voxel-nm" in sys.argv:
        voxel_nm = float(sys.argv[sys.argv.index("--voxel-nm") + 1])
        args = [a for a in args if a != sys.argv[sys.argv.index("--voxel-nm") + 1]]
    if len(args) < 2:
        print(__doc__)
        return 2
    volume = tifffile.imread(args[0])
    phase = volume == int(args[1])
    start = time.perf_counter()
    regions, n_regions, times, stats = snow(phase, voxel_nm)
    total = time.perf_counter() - start
    print(f"peer (scipy {ndi.__name__.split('.')[0]} + skimage): {total:.3f} s, {n_regions} regions "
          f"({stats['markers']} from peaks, {stats['unmarked']} unmarked; plateaus {stats['plateaus']}, "
          f"saddles {stats['saddles']}, nearby {stats['nearby']})")
    for name, seconds in times.items():
        print(f"  {name:<20} {seconds:.3f} s")
    sizes = np.bincount(regions[phase])[1:]
    sizes = np.sort(sizes[sizes > 0])
    print(f"region volume (voxels): min {sizes[0]}, median {sizes[len(sizes) // 2]}, max {sizes[-1]}")
    if len(args) > 2:
        ours = np.fromfile(args[2], dtype=np.uint32).reshape(volume.shape)
        n_ours = int(ours.max())
        ab, ba = agreement(ours, regions, phase)
        identical = np.array_equal(ours, regions)
        print(f"ours: {n_ours} regions; count ratio {n_ours / max(n_regions, 1):.4f}; "
              f"voxels agreeing {ab:.4f} (ours->peer), {ba:.4f} (peer->ours); identical {identical}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
