# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli psd against shapes with known answers."""
import csv
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import SHARED, Skip, main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-psd-")
REAL = os.path.join(SHARED, "electrode-nmc-3phase-256.tif")
LABELS = "pore=0,cbd=1,cam=2"


def washburn_mpa(d_nm, gamma=0.48, theta=140.0):
    return -4 * gamma * math.cos(math.radians(theta)) / (d_nm * 1e-9) / 1e6


def write_raw(name, nx, ny, nz, value_at):
    path = os.path.join(TMP, name)
    data = bytes(value_at(x, y, z) for z in range(nz) for y in range(ny) for x in range(nx))
    with open(path, "wb") as handle:
        handle.write(data)
    return path, f"{nx},{ny},{nz}"


def cylinder():
    # Pore (0): voxel centres within 4.5 voxels of the axis x = y = 10, along
    # z; CBD (1) elsewhere. No lattice point lies between radius 4.5 and 5,
    # so the sphere on the axis has radius 5 voxels: diameter 2*50 - 10 = 90 nm.
    return write_raw("cylinder.raw", 21, 21, 12,
                     lambda x, y, z: 0 if (x - 10) ** 2 + (y - 10) ** 2 <= 20.25 else 1)


def ink_bottle():
    # A cavity of radius 7.5 voxels centred at (18, 15, 15) behind a 3 x 3
    # throat from the x- face. Throat: nearest solid 2 voxels from its axis,
    # 2*20 - 10 = 30 nm. Cavity: the first sum of three squares above 7.5^2
    # is 57, so 2*10*sqrt(57) - 10 nm.
    def value_at(x, y, z):
        if (x - 18) ** 2 + (y - 15) ** 2 + (z - 15) ** 2 <= 56.25:
            return 0
        if x <= 18 and abs(y - 15) <= 1 and abs(z - 15) <= 1:
            return 0
        return 1
    return write_raw("ink.raw", 30, 30, 30, value_at)


def test_cylinder_washburn():
    path, dims = cylinder()
    result = run_json("psd", path, "--raw", dims, "--labels", LABELS,
                      "--diameters", "60,85,90,95,100,120")
    psd = result["psd"]
    assert result["phase_value"] == 0
    assert psd["diameter_nm"] == [120, 100, 95, 90, 85, 60], psd["diameter_nm"]
    # Nothing enters above the pore's diameter, all of it at and below.
    assert psd["intruded_fraction"] == [0, 0, 0, 1, 1, 1], psd["intruded_fraction"]
    assert psd["reachable_fraction"] == 1
    assert abs(psd["max_intrusion_diameter_nm"] - 90) < 1e-3
    # Washburn by hand: 4 * 0.48 N/m * cos(40 deg) / 90 nm = 16.342 MPa.
    assert abs(psd["pressure_MPa"][3] - 16.342281) < 1e-5, psd["pressure_MPa"]
    assert abs(psd["pressure_psi"][3] - 16.342281 * 145.0377377) < 1e-2
    assert psd["dV_dlogD"][0] is None
    assert abs(psd["dV_dlogD"][3] - 1 / math.log10(95 / 90)) < 1e-9
    # Other Washburn parameters move only the pressures.
    other = run_json("psd", path, "--raw", dims, "--labels", LABELS, "--diameters", "90",
                     "--surface-tension", "0.485", "--contact-angle", "130")["psd"]
    assert abs(other["pressure_MPa"][0] - washburn_mpa(90, 0.485, 130)) < 1e-9
    assert other["intruded_fraction"] == [1]


def test_ink_bottle_and_inlets():
    path, dims = ink_bottle()
    cavity = 2 * 10 * math.sqrt(57) - 10
    result = run_json("psd", path, "--raw", dims, "--labels", LABELS,
                      "--diameters", f"{cavity + 1},{cavity - 1},100,40,30,20")["psd"]
    # The cavity fills at the throat's pressure, not at its own.
    assert result["intruded_fraction"] == [0, 0, 0, 0, 1, 1], result["intruded_fraction"]
    n_cavity = sum(1 for x in range(30) for y in range(30) for z in range(30)
                   if (x - 18) ** 2 + (y - 15) ** 2 + (z - 15) ** 2 <= 56.25)
    # Local thickness gives the cavity its own size.
    assert result["local_thickness_cumulative"][0] == 0
    assert result["local_thickness_cumulative"][1] >= n_cavity / result["pore_voxels"] - 1e-12
    assert abs(result["pressure_MPa"][4] - washburn_mpa(30)) < 1e-9
    # Through the sealed x+ face nothing gets in; through x- all of it.
    sealed = run_json("psd", path, "--raw", dims, "--labels", LABELS, "--inlets", "x+,y,z")["psd"]
    assert sealed["reachable_voxels"] == 0 and sealed["intruded_fraction"][-1] == 0
    assert sealed["inlets"] == "x+,y-,y+,z-,z+"
    open_end = run_json("psd", path, "--raw", dims, "--labels", LABELS, "--inlets", "x-")["psd"]
    assert open_end["reachable_fraction"] == 1


def test_csv_and_maps():
    path, dims = cylinder()
    out = os.path.join(TMP, "psd.csv")
    with open(out, "w") as handle:
        handle.write("old contents\n")
    stdout, _ = run("psd", path, "--raw", dims, "--labels", LABELS, "--per-decade", "10",
                    "-o", out, "--write-maps", os.path.join(TMP, "cyl"))
    assert "wrote" in stdout
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["diameter_nm", "pressure_MPa", "pressure_psi", "intruded_fraction",
                             "intruded_volume_fraction", "intruded_increment", "dV_dlogD",
                             "local_thickness_fraction", "local_thickness_cumulative",
                             "local_thickness_dV_dlogD"]
    diameters = [float(row["diameter_nm"]) for row in rows]
    # Default list: from the largest pore (90 nm) down to the voxel size, 10 per decade.
    assert abs(diameters[0] - 90) < 1e-3 and diameters[-1] == 10, diameters
    assert len(rows) == 1 + math.ceil(10 * math.log10(9)), len(rows)
    assert rows[0]["dV_dlogD"] == "" and float(rows[1]["dV_dlogD"]) == 0
    fractions = [float(row["intruded_fraction"]) for row in rows]
    assert fractions == sorted(fractions) and fractions[-1] == 1
    assert abs(sum(float(row["local_thickness_fraction"]) for row in rows) - 1) < 1e-12
    for name in ("cyl-intrusion.tif", "cyl-thickness.tif"):
        with open(os.path.join(TMP, name), "rb") as handle:
            assert handle.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), name
    _, err = run("psd", path, "--raw", dims, "--labels", LABELS,
                 "-o", os.path.join(TMP, "missing-dir", "psd.csv"), expect=1)
    assert "missing-dir" in err


def test_usage_errors():
    path, dims = cylinder()
    base = ("psd", path, "--raw", dims, "--labels", LABELS)
    run(*base, "--diameters", "100,abc", expect=2)
    run(*base, "--diameters", "100,100", expect=2)
    run(*base, "--inlets", "w+", expect=2)
    run(*base, "--contact-angle", "80", expect=2)
    run(*base, "--crop", "1,2", expect=2)
    run(*base, "--per-decade", "0", expect=2)
    _, err = run(*base, "--crop", "10,0,0,16", expect=1)
    assert "cylinder.raw" in err
    _, err = run("psd", os.path.join(TMP, "nothing.tif"), expect=1)
    assert "nothing.tif" in err
    run("psd", expect=2)


def test_real_volume():
    if not os.path.exists(REAL):
        raise Skip("shared data absent")
    args = ("psd", REAL, "--labels", "pore=0,cam=85,cbd=170", "--crop", "40,40,40,48")
    one = run_json(*args, "--threads", "1")["psd"]
    two = run_json(*args, "--threads", "2")["psd"]
    for key in ("intruded_fraction", "local_thickness_cumulative", "diameter_nm"):
        assert one[key] == two[key], key
    fractions = one["intruded_fraction"]
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert abs(one["local_thickness_cumulative"][-1] - 1) < 1e-12
    assert 0.3 < one["porosity"] < 0.6 and one["reachable_fraction"] > 0.95, one["porosity"]
    assert one["d90_intrusion_nm"] < one["d50_intrusion_nm"] < one["d10_intrusion_nm"]


main([test_cylinder_washburn, test_ink_bottle_and_inlets, test_csv_and_maps, test_usage_errors,
      test_real_volume])
