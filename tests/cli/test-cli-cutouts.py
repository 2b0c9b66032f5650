# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli cutouts against brute force, round trips and bad lists."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import SHARED, Skip, main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-cutouts-")
REAL = os.path.join(SHARED, "electrode-nmc-3phase-256.tif")
NX, NY, NZ = 14, 9, 8
CAM_AT = {(6, 4, 3), (0, 0, 7), (13, 8, 0)}


def value_at(x, y, z):
    """Pore 0 and CBD 1 in a checkerboard, CAM 2 at a few voxels."""
    if (x, y, z) in CAM_AT:
        return 2
    return (x + y + z) % 2


def write_raw():
    path = os.path.join(TMP, "cam.raw")
    with open(path, "wb") as handle:
        handle.write(bytes(value_at(x, y, z) for z in range(NZ) for y in range(NY) for x in range(NX)))
    return path, f"{NX},{NY},{NZ}"


def brute_force_free(edge):
    """Every origin whose cube holds none of the CAM voxels."""
    free = set()
    for z0 in range(NZ - edge + 1):
        for y0 in range(NY - edge + 1):
            for x0 in range(NX - edge + 1):
                if not any(x0 <= x < x0 + edge and y0 <= y < y0 + edge and z0 <= z < z0 + edge
                           for x, y, z in CAM_AT):
                    free.add((x0, y0, z0))
    return free


def assert_apart(cutouts, edge):
    for i, a in enumerate(cutouts):
        for b in cutouts[:i]:
            assert any(abs(a["origin"][k] - b["origin"][k]) >= edge for k in range(3)), (a, b)


def test_free_positions_match_brute_force():
    path, dims = write_raw()
    for edge in (1, 3, 4, 6, 8):
        result = run_json("cutouts", path, "--raw", dims, "--size", edge)
        free = brute_force_free(edge)
        assert result["size"] == edge
        assert result["cam_values"] == [2]
        assert result["free_positions"] == len(free), (edge, result["free_positions"], len(free))
        assert result["requested"] is None
        assert result["found"] == len(result["cutouts"])
        assert (result["found"] >= 1) == (len(free) > 0)   # edge 8: every cube holds (6, 4, 3)
        for cutout in result["cutouts"]:
            assert tuple(cutout["origin"]) in free, cutout
            assert cutout["size"] == edge
        assert_apart(result["cutouts"], edge)
    # a cube larger than the volume fits nowhere: not an error
    result = run_json("cutouts", path, "--raw", dims, "--size", 9)
    assert result["free_positions"] == 0 and result["cutouts"] == []


def test_count_and_fewer():
    path, dims = write_raw()
    two = run_json("cutouts", path, "--raw", dims, "--size", 4, "--count", 2)
    assert two["requested"] == 2 and two["found"] == 2
    many = run_json("cutouts", path, "--raw", dims, "--size", 4, "--count", 50)
    # 14 x 9 x 8 holds at most 3 x 2 x 2 = 12 disjoint 4-cubes
    assert many["requested"] == 50 and 2 <= many["found"] <= 12, many["found"]
    assert many["cutouts"][:2] == two["cutouts"]          # farthest-point order
    out, _ = run("cutouts", path, "--raw", dims, "--size", 4, "--count", 50)
    assert f"only {many['found']} non-overlapping cutouts fit (50 requested)" in out, out
    gapped = run_json("cutouts", path, "--raw", dims, "--size", 4, "--min-gap", 2)
    assert gapped["min_gap"] == 2
    assert_apart(gapped["cutouts"], 6)


def test_round_trip_and_check():
    path, dims = write_raw()
    result = run_json("cutouts", path, "--raw", dims, "--size", 3)
    saved = os.path.join(TMP, "picked.json")
    with open(saved, "w") as handle:
        json.dump(result, handle)
    checked = run_json("cutouts", path, "--raw", dims, "--cutouts", saved)
    assert [c["origin"] for c in checked["cutouts"]] == [c["origin"] for c in result["cutouts"]]
    assert all(c["cam_voxels"] == 0 for c in checked["cutouts"])
    assert checked["cam_free"] == len(result["cutouts"])

    # a hand-written CSV: the cube at (4, 2, 1) of edge 4 holds the CAM voxel (6, 4, 3)
    csv = os.path.join(TMP, "mine.csv")
    with open(csv, "w") as handle:
        handle.write("name,x0,y0,z0\nclean,0,0,0\nhit,4,2,1\n")
    checked = run_json("cutouts", path, "--raw", dims, "--size", 4, "--cutouts", csv)
    assert [c["cam_voxels"] for c in checked["cutouts"]] == [0, 1]
    assert [c["name"] for c in checked["cutouts"]] == ["clean", "hit"]
    out, _ = run("cutouts", path, "--raw", dims, "--size", 4, "--cutouts", csv)
    assert "1 of 2 cutouts hold no CAM" in out, out


def test_bad_lists_and_usage():
    path, dims = write_raw()
    outside = os.path.join(TMP, "outside.csv")
    with open(outside, "w") as handle:
        handle.write("x,y,z\n0,0,0\n11,0,0\n")
    _, err = run("cutouts", path, "--raw", dims, "--size", 4, "--cutouts", outside, expect=1)
    assert "outside.csv, line 3" in err and "outside the volume" in err, err
    word = os.path.join(TMP, "word.json")
    with open(word, "w") as handle:
        handle.write('{"size": 4,\n "cutouts": [{"origin": [0, "two", 0]}]}\n')
    _, err = run("cutouts", path, "--raw", dims, "--cutouts", word, expect=1)
    assert "word.json, line 2" in err and "a string" in err, err
    _, err = run("cutouts", path, "--raw", dims, "--cutouts", os.path.join(TMP, "absent.csv"), expect=1)
    assert "absent.csv" in err, err
    run("cutouts", path, "--raw", dims, "--size", 0, expect=2)
    run("cutouts", path, "--raw", dims, "--count", -1, expect=2)
    run("cutouts", expect=2)


def test_synthetic_volume():
    volume = os.path.join(TMP, "synth.tif")
    run("synth", "--size", 64, "--no-truth", "-o", volume)
    result = run_json("cutouts", volume, "--size", 16, "--count", 3)
    assert result["cam_values"] == [255]
    assert result["free_positions"] > 0 and 1 <= result["found"] <= 3, result
    saved = os.path.join(TMP, "synth-cutouts.json")
    with open(saved, "w") as handle:
        json.dump(result, handle)
    checked = run_json("cutouts", volume, "--cutouts", saved)
    assert all(c["cam_voxels"] == 0 for c in checked["cutouts"]), checked


def test_shared_volume():
    if not os.path.exists(REAL):
        raise Skip("shared data absent")
    labels = "pore=0,cam=85,cbd=170"
    # Counted independently with NumPy 3D prefix sums of the NMC mask: no
    # 128^3 (or even 27^3) position is free of NMC; 45440 for 16^3.
    assert run_json("cutouts", REAL, "--labels", labels)["free_positions"] == 0
    result = run_json("cutouts", REAL, "--labels", labels, "--size", 16, "--count", 20)
    assert result["free_positions"] == 45440, result["free_positions"]
    assert result["found"] == 20
    assert_apart(result["cutouts"], 16)


main([test_free_positions_match_brute_force, test_count_and_fewer, test_round_trip_and_check,
      test_bad_lists_and_usage, test_synthetic_volume, test_shared_volume])
