# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli filter on a hand-built scene whose pore classes follow from the rules."""
import atexit
import glob
import math
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-filter-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
N = 64
CUTOUT = (20, 20, 20)
EDGE = 24

# Label 0 pore, 1 solid, one label-2 (CAM) voxel far from the cutout so the
# automatic map sees three values. Balls of integer radius r: |d|^2 <= r^2;
# their inscribed diameter is 2 sqrt(r^2 + 1) voxels of 10 nm. The cutout is
# [20, 44)^3, the envelope of edge 48 (--snap 0) [8, 56)^3.
BALLS = {
    "big": ((22, 32, 32), 7),            # 141 nm, crosses the x = 20 face, centred inside
    "small-1": ((32, 23, 23), 2),        # 45 nm, inside
    "small-2": ((32, 23, 39), 2),
    "small-3": ((25, 39, 22), 2),
    "small-4": ((38, 38, 22), 2),
    "inside-centred": ((42, 30, 40), 3),  # 63 nm, centred inside, two slices beyond x = 43
    "outside": ((46, 24, 24), 3),         # centred outside, 1 voxel inside
    "outside-edge": ((44, 38, 32), 3),    # centred at x = 44 > 43.5, 47 of 123 inside
}


def in_ball(name, x, y, z):
    (cx, cy, cz), r = BALLS[name]
    return (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= r * r


def inside_count(name):
    (cx, cy, cz), r = BALLS[name]
    count = 0
    for x in range(cx - r, cx + r + 1):
        for y in range(cy - r, cy + r + 1):
            for z in range(cz - r, cz + r + 1):
                if in_ball(name, x, y, z) and all(
                        CUTOUT[a] <= v < CUTOUT[a] + EDGE for a, v in enumerate((x, y, z))):
                    count += 1
    return count


def write_scene():
    data = bytearray([1]) * (N * N * N)
    for name, ((cx, cy, cz), r) in BALLS.items():
        for z in range(cz - r, cz + r + 1):
            for y in range(cy - r, cy + r + 1):
                for x in range(cx - r, cx + r + 1):
                    if in_ball(name, x, y, z):
                        data[x + N * (y + N * z)] = 0
    data[0] = 2
    path = os.path.join(TMP, "scene.raw")
    with open(path, "wb") as handle:
        handle.write(data)
    return path


SCENE = write_scene()
BASE = ("filter", SCENE, "--raw", f"{N},{N},{N}", "--cutout", "20,20,20,24", "--envelope", "48",
        "--snap", "0", "--d-max", "100")


def filter_json(*extra):
    return run_json(*BASE, *extra)


def diameter_nm(radius):
    return 2 * math.sqrt(radius * radius + 1) * 10


def test_scene_defaults():
    counts = {name: inside_count(name) for name in BALLS}
    assert counts["big"] == 1074 and counts["outside"] == 1 and counts["outside-edge"] == 47, counts
    pore = sum(counts.values())
    excluded = counts["big"] + counts["outside"] + counts["outside-edge"]
    retained = pore - excluded
    result = filter_json()
    assert result["cutout"] == {"origin": [20, 20, 20], "size": [24, 24, 24]}, result
    assert result["envelope"]["origin"] == [8, 8, 8] and result["envelope"]["size"] == [48, 48, 48]
    assert result["envelope"]["stack_border_faces"] == []
    assert result["envelope"]["regions"] == 8 and result["envelope"]["source"] == "computed"
    assert result["voxels"] == {"cutout": 13824, "pore": pore, "retained": retained,
                                "excluded": excluded}, result
    assert result["porosity"] == pore / 13824
    assert result["retained_porosity"] == retained / 13824
    assert abs(result["excluded_fraction"] - excluded / pore) < 1e-15
    assert result["accepted"] is False  # the macropore dominates
    assert (result["n_pores"], result["n_retained"], result["n_excluded"]) == (8, 5, 3)
    assert result["rules"] == {"centre": {"pores": 2, "voxels": 48},
                               "diameter": {"pores": 1, "voxels": 1074},
                               "volume": {"pores": 0, "voxels": 0},
                               "truncated": {"pores": 0, "voxels": 0}}, result["rules"]
    # retained weights: 4 x 33 at 44.7 nm, 101 at 63.2 nm
    assert abs(result["d10_nm"] - diameter_nm(2)) < 1e-3
    assert abs(result["d50_nm"] - diameter_nm(2)) < 1e-3
    assert abs(result["d90_nm"] - diameter_nm(3)) < 1e-3
    assert result["thresholds"] == {"f_inside": 0.5, "d_max_nm": 100, "v_max_nm3": None,
                                    "exclude_truncated": True, "stack_border_truncates": False,
                                    "max_excluded": 0.25}, result["thresholds"]
    seconds = result["seconds"]
    assert seconds["partition"] > 0 and seconds["envelope"] >= seconds["partition"]
    assert 0 <= seconds["filter"] < 0.1, seconds


def test_thresholds_move_pores():
    result = filter_json("--d-max", "1000")
    assert result["voxels"]["excluded"] == 48 and result["accepted"] is True, result
    assert result["rules"]["diameter"]["pores"] == 0
    result = filter_json("--f-inside", "0.3")
    assert result["voxels"]["excluded"] == 1074 + 1, result
    result = filter_json("--f-inside", "0")
    assert result["rules"]["centre"]["pores"] == 0 and result["voxels"]["excluded"] == 1074
    # volumes: r = 2: 33e3, r = 3: 123e3, big 1419e3 nm^3
    result = filter_json("--v-max", "1e6")
    assert result["rules"]["volume"] == {"pores": 1, "voxels": 1074}, result["rules"]
    result = filter_json("--v-max", "1e5")
    assert result["rules"]["volume"]["pores"] == 4, result["rules"]
    assert result["voxels"]["retained"] == 4 * 33
    result = filter_json("--max-excluded", "0.9")
    assert result["accepted"] is True and result["thresholds"]["max_excluded"] == 0.9


def test_truncation():
    # An envelope no larger than the cutout: every pore reaching a face of
    # the cutout is cut: big, inside-centred, outside, outside-edge, and
    # small-3 and small-4, whose z = 20 slices lie on the cutout's first face.
    result = filter_json("--envelope", "24")
    assert result["envelope"]["size"] == [24, 24, 24]
    cut = ("big", "inside-centred", "outside", "outside-edge", "small-3", "small-4")
    assert result["rules"]["truncated"] == {
        "pores": 6, "voxels": sum(inside_count(name) for name in cut)}, result["rules"]
    # only the cut part is seen, centred inside the cutout
    assert result["rules"]["centre"]["pores"] == 0
    result = filter_json("--envelope", "24", "--keep-truncated")
    assert result["rules"]["truncated"]["pores"] == 0
    assert result["thresholds"]["exclude_truncated"] is False


def test_classes_tiff():
    out = os.path.join(TMP, "classes.tif")
    result = filter_json("-o", out)
    assert result["classes_file"] == out
    info = run_json("info", out, "--labels", "pore=1,cbd=0,cam=2")
    assert info["dims"] == [24, 24, 24], info
    voxels = {entry["value"]: entry["voxels"] for entry in info["labels"]}
    assert voxels == {0: 13824 - result["voxels"]["pore"], 1: result["voxels"]["retained"],
                      2: result["voxels"]["excluded"]}, voxels
    assert not glob.glob(os.path.join(TMP, "*.tmp*")), os.listdir(TMP)


def test_cache_dir():
    cache = os.path.join(TMP, "cache")
    first = filter_json("--cache-dir", cache)
    assert first["envelope"]["source"] == "computed"
    path = first["envelope"]["cache_file"]
    assert os.path.isfile(path) and os.path.dirname(path) == cache, path
    second = filter_json("--cache-dir", cache, "--d-max", "1000")
    assert second["envelope"]["source"] == "disk", second["envelope"]
    assert second["seconds"]["partition"] == first["seconds"]["partition"]
    assert second["voxels"]["excluded"] == 48
    with open(path, "r+b") as handle:
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0x40]))
    out, err = run(*BASE, "--cache-dir", cache, "--json")
    assert "Ignoring the envelope cache file" in err, err
    import json
    again = json.loads(out)
    assert again["envelope"]["source"] == "computed"
    assert again["voxels"] == first["voxels"]
    third = filter_json("--cache-dir", cache)
    assert third["envelope"]["source"] == "disk"


def test_errors():
    raw = ("--raw", f"{N},{N},{N}")
    _, err = run("filter", SCENE, *raw, "--cutout", "50,20,20,24", expect=1)
    assert "does not fit" in err and "scene.raw" in err, err
    run("filter", SCENE, *raw, expect=2)
    run("filter", SCENE, *raw, "--cutout", "1,2", expect=2)
    run("filter", SCENE, *raw, "--cutout", "a,b,c", expect=2)
    run("filter", SCENE, *raw, "--cutout", "1,2,3,0", expect=2)
    run("filter", SCENE, *raw, "--cutout", "1,2,3,-4", expect=2)
    run(*BASE, "--d-max", "abc", expect=2)
    _, err = run(*BASE, "--d-max", "-5", expect=2)
    assert "d_max" in err, err
    run(*BASE, "--f-inside", "2", expect=2)
    run(*BASE, "--max-excluded", "-0.1", expect=2)
    run(*BASE, "--v-max", "0", expect=2)
    run(*BASE, "--envelope", "10", expect=2)
    run(*BASE, "--snap", "-1", expect=2)
    run(*BASE, "--sigma", "-1", expect=2)
    _, err = run("filter", os.path.join(TMP, "missing.tif"), "--cutout", "0,0,0,8", expect=1)
    assert "missing.tif" in err, err


def test_synthetic_sample():
    volume = os.path.join(TMP, "synth.tif")
    run("synth", "--size", "96", "-o", volume)
    result = run_json("filter", volume, "--cutout", "32,32,32,32")
    # the default 800 envelope is the whole 96^3 stack
    assert result["envelope"]["origin"] == [0, 0, 0] and result["envelope"]["size"] == [96, 96, 96]
    assert len(result["envelope"]["stack_border_faces"]) == 6
    v = result["voxels"]
    assert v["retained"] + v["excluded"] == v["pore"] <= v["cutout"] == 32 ** 3
    assert result["n_retained"] + result["n_excluded"] == result["n_pores"] > 0
    assert result["accepted"] == (result["excluded_fraction"] <= 0.25)
    if result["n_retained"]:
        assert 0 < result["d10_nm"] <= result["d50_nm"] <= result["d90_nm"] <= 400
    text, _ = run("filter", volume, "--cutout", "32,32,32,32")
    assert "porosity" in text and "retained" in text, text


main([test_scene_defaults, test_thresholds_move_pores, test_truncation, test_classes_tiff,
      test_cache_dir, test_errors, test_synthetic_sample])
