# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli solve against cases with known answers."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import SHARED, Skip, main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-solve-")
REAL = os.path.join(SHARED, "electrode-nmc-3phase-256.tif")


def write_raw(name, nx, ny, nz, value_at):
    path = os.path.join(TMP, name)
    data = bytes(value_at(x, y, z) for z in range(nz) for y in range(ny) for x in range(nx))
    with open(path, "wb") as handle:
        handle.write(data)
    return path, f"{nx},{ny},{nz}"


def test_channels_along_z():
    # Pore (0) channels along z where x is even; CBD (1) elsewhere; one CAM (2)
    # voxel so the automatic guess sees three values. Along z sigma_rel = eps
    # of the channels; across them nothing percolates.
    def value_at(x, y, z):
        if (x, y, z) == (1, 0, 0):
            return 2
        return 0 if x % 2 == 0 else 1
    path, dims = write_raw("channels.raw", 6, 5, 8, value_at)
    result = run_json("solve", path, "--raw", dims, "--phase", "pore")
    assert result["phase_value"] == 0
    assert abs(result["volume_fraction"] - 0.5) < 1e-12
    z = result["axes"]["z"]
    assert z["percolating"] and z["converged"]
    assert abs(z["sigma_rel"] - 0.5) < 1e-6, z
    assert abs(z["tau"] - 1.0) < 1e-5, z
    x = result["axes"]["x"]
    assert x["percolating"] is False and x["sigma_rel"] == 0 and x["tau"] is None, x


def test_single_axis_and_crop():
    path, dims = write_raw("block.raw", 8, 8, 8, lambda x, y, z: 0 if z < 7 else (1 if x < 4 else 2))
    result = run_json("solve", path, "--raw", dims, "--phase", "pore", "--axis", "y",
                      "--crop", "0,0,0,4")
    assert list(result["axes"]) == ["y"]
    assert abs(result["axes"]["y"]["sigma_rel"] - 1.0) < 1e-6
    _, err = run("solve", path, "--raw", dims, "--phase", "pore", "--crop", "6,0,0,4", expect=1)
    assert "does not fit" in err and "block.raw" in err
    run("solve", path, "--raw", dims, "--phase", "pore", "--axis", "w", expect=2)
    run("solve", path, "--raw", dims, expect=2)
    _, err = run("solve", path, "--raw", dims, "--phase", "metal", expect=1)
    assert "metal" in err


def test_real_volume_cutout():
    if not os.path.exists(REAL):
        raise Skip("shared data absent")
    result = run_json("solve", REAL, "--labels", "pore=0,cam=85,cbd=170", "--phase", "pore",
                      "--crop", "64,64,64,48")
    for axis in "xyz":
        entry = result["axes"][axis]
        assert entry["percolating"] and entry["converged"], entry
        assert 1.0 < entry["tau"] < 10.0, entry
        assert entry["imbalance"] < 1e-3, entry
    single = run_json("solve", REAL, "--labels", "pore=0,cam=85,cbd=170", "--phase", "pore",
                      "--crop", "64,64,64,48", "--threads", "1")
    two = run_json("solve", REAL, "--labels", "pore=0,cam=85,cbd=170", "--phase", "pore",
                   "--crop", "64,64,64,48", "--threads", "2")
    for axis in "xyz":
        assert single["axes"][axis]["tau"] == two["axes"][axis]["tau"], (single, two)


def test_conductivities_and_fields():
    # Slabs along x: label 0 (4 layers, conductivity 1) then label 1 (6
    # layers, 0.25), one label-2 voxel so three values exist. Across the
    # slabs the harmonic mean, along them the arithmetic mean.
    def value_at(x, y, z):
        if (x, y, z) == (9, 5, 4):
            return 2
        return 0 if x < 4 else 1
    path, dims = write_raw("slabs.raw", 10, 6, 5, value_at)
    result = run_json("solve", path, "--raw", dims, "--labels", "pore=0,cbd=1,cam=2",
                      "--conductivities", "pore=1,cbd=0.25", "--axis", "x")
    harmonic = 10 / (4 / 1 + 6 / 0.25)
    # the label-2 voxel blocks one of 30 columns... not quite: it sits in the
    # last layer, so its column ends in label 2; only check closeness.
    assert abs(result["axes"]["x"]["sigma_rel"] - harmonic) < 0.02 * harmonic, result
    assert result["axes"]["x"]["tau"] is None
    assert result["conductivities"] == {"0": 1, "1": 0.25}, result
    prefix = os.path.join(TMP, "field")
    result = run_json("solve", path, "--raw", dims, "--labels", "pore=0,cbd=1,cam=2",
                      "--conductivities", "0=1,1=0.25,2=0.25", "--axis", "y",
                      "--write-field", prefix)
    arithmetic = (4 * 1 + 6 * 0.25) / 10
    assert abs(result["axes"]["y"]["sigma_rel"] - arithmetic) < 1e-6, result
    for kind in ("potential", "current"):
        with open(f"{prefix}-y-{kind}.tif", "rb") as handle:
            assert handle.read(4) in (b"II*\0", b"MM\0*"), kind
    assert not os.path.exists(f"{prefix}-x-potential.tif")
    run("solve", path, "--raw", dims, "--phase", "pore", "--conductivities", "0=1", expect=2)
    _, err = run("solve", path, "--raw", dims, "--conductivities", "pore=-1", expect=2)
    assert "-1" in err, err
    run("solve", path, "--raw", dims, "--conductivities", "pore", expect=2)
    _, err = run("solve", path, "--raw", dims, "--phase", "pore",
                 "--write-field", os.path.join(TMP, "missing-dir", "f"), expect=1)
    assert "missing-dir" in err, err


main([test_channels_along_z, test_single_axis_and_crop, test_conductivities_and_fields,
      test_real_volume_cutout])
