# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli partition: hand-built pores, a synthetic volume, the labels
TIFF and CSV it writes, and its error paths."""
import csv
import os
import struct
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import SHARED, Skip, main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-partition-")
REAL = os.path.join(SHARED, "electrode-nmc-3phase-256.tif")


def write_raw(name, nx, ny, nz, value_at):
    path = os.path.join(TMP, name)
    data = bytes(value_at(x, y, z) for z in range(nz) for y in range(ny) for x in range(nx))
    with open(path, "wb") as handle:
        handle.write(data)
    return path, f"{nx},{ny},{nz}"


def read_uint32_tiff(path):
    """Pages of a little-endian classic TIFF of 32-bit samples in strips
    (none or Deflate): enough for what partition writes."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:4] == b"II*\x00", "not a little-endian classic TIFF"
    (offset,) = struct.unpack_from("<I", data, 4)
    pages = []
    while offset:
        (count,) = struct.unpack_from("<H", data, offset)
        tags = {}
        for i in range(count):
            tag, kind, n, value = struct.unpack_from("<HHII", data, offset + 2 + 12 * i)
            if tag not in (256, 257, 258, 259, 273, 279):
                continue
            if n == 1 and kind == 3:
                value &= 0xFFFF
            elif n > 1:
                size = {3: 2, 4: 4}[kind]
                fmt = "<" + ("H" if kind == 3 else "I") * n
                value = struct.unpack_from(fmt, data, value) if n * size > 4 else \
                    struct.unpack_from(fmt, data, offset + 2 + 12 * i + 8)
            tags[tag] = value
        width, height = tags[256], tags[257]
        assert tags[258] == 32, tags[258]
        offsets, lengths = tags[273], tags[279]
        if isinstance(offsets, int):
            offsets, lengths = (offsets,), (lengths,)
        raw = b""
        for start, length in zip(offsets, lengths):
            chunk = data[start:start + length]
            raw += zlib.decompress(chunk) if tags.get(259, 1) in (8, 32946) else chunk
        pages.append(struct.unpack(f"<{width * height}I", raw[:4 * width * height]))
        (offset,) = struct.unpack_from("<I", data, offset + 2 + 12 * count)
    return pages


def test_two_cubes():
    # Two 6^3 pore cubes (label 0) in solid (1), one CAM voxel (2): two
    # regions of 216 voxels, each as wide inside as its edge (60 nm).
    def value_at(x, y, z):
        if (x, y, z) == (0, 0, 0):
            return 2
        inside = 2 <= y < 8 and 2 <= z < 8 and (2 <= x < 8 or 12 <= x < 18)
        return 0 if inside else 1
    path, dims = write_raw("cubes.raw", 20, 10, 10, value_at)
    labels_path = os.path.join(TMP, "cubes-regions.tif")
    csv_path = os.path.join(TMP, "cubes.csv")
    result = run_json("partition", path, "--raw", dims, "--phase", "pore", "-o", labels_path,
                      "--csv", csv_path)
    assert result["regions"] == 2, result
    assert result["phase_voxels"] == 432
    assert result["volume_voxels"] == {"min": 216, "median": 216, "max": 216}, result
    assert abs(result["inscribed_diameter_nm"]["max"] - 60.0) < 1e-4, result
    assert result["regions_touching_border"] == 0
    assert result["sigma"] == 0.4 and result["r_max"] == 4
    pages = read_uint32_tiff(labels_path)
    assert len(pages) == 10
    ids = {pages[z][y * 20 + x] for z in range(10) for y in range(10) for x in range(20)}
    assert ids == {0, 1, 2}, ids
    assert pages[4][4 * 20 + 4] != pages[4][4 * 20 + 14]
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["volume_voxels"]) for row in rows] == [216, 216]
    assert abs(float(rows[0]["centroid_x_nm"]) - 45.0) < 1e-9, rows[0]
    assert abs(float(rows[1]["centroid_x_nm"]) - 145.0) < 1e-9, rows[1]


def test_synthetic_volume():
    volume = os.path.join(TMP, "synth.tif")
    run("synth", "--size", "64", "--seed", "5", "-o", volume, "--no-truth")
    labels_path = os.path.join(TMP, "synth-regions.tif")
    result = run_json("partition", volume, "--phase", "pore", "-o", labels_path, "--threads", "2")
    n = result["regions"]
    assert n > 1, result
    assert n == result["regions_from_peaks"] + result["regions_unmarked"]
    quantiles = result["volume_voxels"]
    assert 1 <= quantiles["min"] <= quantiles["median"] <= quantiles["max"] <= result["phase_voxels"]
    assert result["inscribed_diameter_nm"]["min"] >= 20.0 - 1e-6  # a voxel's neighbours are 10 nm off
    assert result["seconds"] >= 0
    pages = read_uint32_tiff(labels_path)
    voxels = [value for page in pages for value in page]
    assert sum(1 for value in voxels if value) == result["phase_voxels"]
    assert max(voxels) == n and len(set(voxels)) == n + 1
    # Same regions whatever the thread count.
    single = run_json("partition", volume, "--phase", "pore", "--threads", "1")
    for key in ("regions", "volume_voxels", "inscribed_diameter_nm", "peaks"):
        assert single[key] == result[key], (key, single[key], result[key])
    # The parameters are passed through and reported.
    wide = run_json("partition", volume, "--phase", "pore", "--r-max", "8", "--sigma", "0")
    assert wide["r_max"] == 8 and wide["sigma"] == 0
    assert wide["phase_voxels"] == result["phase_voxels"]
    cropped = run_json("partition", volume, "--phase", "pore", "--crop", "16,16,16,32")
    assert cropped["dims"] == [32, 32, 32]


def test_errors():
    volume = os.path.join(TMP, "small.tif")
    run("synth", "--size", "24", "-o", volume, "--no-truth")
    _, err = run("partition", volume, "--phase", "metal", expect=1)
    assert "metal" in err
    run("partition", volume, expect=2)
    run("partition", expect=2)
    _, err = run("partition", volume, "--phase", "pore", "--crop", "0,0", expect=2)
    assert "--crop" in err
    _, err = run("partition", volume, "--phase", "pore", "--crop", "10,0,0,20", expect=1)
    assert "does not fit" in err and "small.tif" in err
    run("partition", volume, "--phase", "pore", "--sigma", "-1", expect=2)
    run("partition", volume, "--phase", "pore", "--r-max", "nan", expect=2)
    run("partition", volume, "--phase", "pore", "--threads", "-2", expect=2)
    _, err = run("partition", os.path.join(TMP, "missing.tif"), "--phase", "pore", expect=1)
    assert "missing.tif" in err
    _, err = run("partition", volume, "--phase", "pore", "-o",
                 os.path.join(TMP, "no-such-dir", "out.tif"), expect=1)
    assert "out.tif" in err


def test_real_volume_crop():
    if not os.path.exists(REAL):
        raise Skip("shared data absent")
    result = run_json("partition", REAL, "--labels", "pore=0,cam=85,cbd=170", "--phase", "pore",
                      "--crop", "64,64,64,96")
    assert result["dims"] == [96, 96, 96]
    assert result["regions"] > 50, result
    assert result["volume_voxels"]["max"] < result["phase_voxels"]


main([test_two_cubes, test_synthetic_volume, test_errors, test_real_volume_crop])
