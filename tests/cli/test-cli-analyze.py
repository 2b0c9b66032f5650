# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli analyze end to end on a small hand-built stack: the files,
the fit against `cbdscope-cli fit` on the exported table, resume, and errors."""
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import CLI, SHARED, Skip, main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-analyze-")
NX, NY, NZ = 64, 48, 48
EDGE, ENVELOPE = 24, 48
RAW = f"{NX},{NY},{NZ}"

# Labels 0 pore, 1 CBD, 2 CAM (ascending: the automatic map). CAM fills
# x >= 56, so CAM-free 24^3 cubes start at x0 <= 32, y0 <= 24, z0 <= 24.
# The rest is CBD with balls of pore, denser towards larger y. The cube
# [0, 24)^3 holds nine straight 4 x 4 channels along x: porosity 1/4,
# sigma_rel 1/4 along x and 0 across, so its mean is 1/12.
CUTOUTS = [(0, 0, 0), (24, 0, 0), (24, 24, 24), (30, 10, 20)]


def channel(y, z):
    return 2 <= y % 8 < 6 and 2 <= z % 8 < 6


def write_stack():
    data = bytearray([1]) * (NX * NY * NZ)
    rng = random.Random(7)
    for _ in range(1100):
        cx, cy, cz, r = rng.randrange(NX), rng.randrange(NY), rng.randrange(NZ), rng.randrange(2, 5)
        if rng.random() > 0.35 + 0.65 * cy / NY:
            continue
        for z in range(max(cz - r, 0), min(cz + r, NZ - 1) + 1):
            for y in range(max(cy - r, 0), min(cy + r, NY - 1) + 1):
                for x in range(max(cx - r, 0), min(cx + r, NX - 1) + 1):
                    if (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= r * r:
                        data[x + NX * (y + NY * z)] = 0
    for z in range(NZ):
        for y in range(NY):
            row = NX * (y + NY * z)
            for x in range(NX):
                if x >= 56:
                    data[row + x] = 2
                elif x < EDGE and y < EDGE and z < EDGE:
                    data[row + x] = 0 if channel(y, z) else 1
    path = os.path.join(TMP, "stack.raw")
    with open(path, "wb") as handle:
        handle.write(data)
    return path


STACK = write_stack()


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


LIST = write("cutouts.csv", "name,x,y,z\n" + "".join(
    f"u{i + 1},{x},{y},{z}\n" for i, (x, y, z) in enumerate(CUTOUTS)))
COMMON = ["--raw", RAW, "--size", EDGE, "--envelope", ENVELOPE, "--snap", 0, "--bootstrap", 200,
          "--threads", 2]


def analyze(out, *extra, expect=0):
    return run("analyze", STACK, *COMMON, "-o", out, *extra, expect=expect)


def analyze_json(out, *extra):
    stdout, _ = analyze(out, "--json", *extra)
    return json.loads(stdout)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def fresh(name):
    path = os.path.join(TMP, name)
    shutil.rmtree(path, ignore_errors=True)
    return path


# One full run shared by the tests that only read its files.
OUT = fresh("full")
FIRST = analyze_json(OUT, "--cutouts", LIST)


def test_files_complete():
    assert FIRST["cutouts"] == 4 and FIRST["computed"] == 4 and FIRST["resumed"] == 0, FIRST
    assert FIRST["finished"] == 4, FIRST
    for name in ("cutouts.csv", "fit.json", "psd.csv", "summary.json", "study.cbdscope"):
        path = os.path.join(OUT, name)
        assert os.path.getsize(path) > 0, path
        assert path in FIRST["files"], (path, FIRST["files"])
    figures = os.path.join(OUT, "figures")
    names = sorted(os.listdir(figures))
    expected = sorted(f"{figure}.{ext}" for figure in
                      ("correlation-all", "correlation-fit", "correlation-literature", "psd")
                      for ext in ("svg", "png", "pdf"))
    assert names == expected, names
    for name in names:
        with open(os.path.join(figures, name), "rb") as handle:
            data = handle.read()
        if name.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND", name
        elif name.endswith(".pdf"):
            assert data[:5] == b"%PDF-" and b"%%EOF" in data[-32:], name
        else:
            assert b"<svg" in data[:400] and data.rstrip().endswith(b"</svg>"), name
    with open(os.path.join(OUT, "study.cbdscope"), encoding="utf-8") as handle:
        project = handle.read()
    assert project.count("[cutout ") == 4 and "\n[end]\ncomplete=true" in project, project[:300]
    assert "\nversion=1\n" in project


def test_cutouts_csv():
    rows = read_csv(os.path.join(OUT, "cutouts.csv"))
    assert [r["name"] for r in rows] == ["u1", "u2", "u3", "u4"], rows
    with open(os.path.join(OUT, "cutouts.csv"), encoding="utf-8") as handle:
        text = handle.read()
    assert "nan" not in text.lower() and "inf" not in text.lower()
    header = text.splitlines()[0].split(",")
    for column in ("porosity", "sigma_rel", "sigma_rel_std", "tau", "sigma_rel_x", "tau_z",
                   "cbd_sigma_rel", "retained_porosity", "excluded_fraction", "accepted",
                   "filter_accepted", "d10_nm", "d50_nm", "d90_nm", "ssa_faces_per_um",
                   "ssa_marching_per_um", "dropped_fraction", "converged", "seconds"):
        assert column in header, column
    for row in rows:
        assert row["finished"] == "true"
        assert all(row[c] != "" for c in header if c not in ("tau", "tau_std", "tau_x", "tau_y", "tau_z",
                                                          "d10_nm", "d50_nm", "d90_nm")), row
        assert 0 < float(row["porosity"]) < 1
    # the channels, by hand
    channels = rows[0]
    assert float(channels["porosity"]) == 0.25
    assert abs(float(channels["sigma_rel_x"]) - 0.25) < 1e-5
    assert float(channels["sigma_rel_y"]) == 0 and channels["percolating_y"] == "false"
    assert channels["tau"] == "" and channels["tau_y"] == ""
    assert abs(float(channels["sigma_rel"]) - 0.25 / 3) < 1e-5
    assert abs(float(channels["ssa_faces_per_um"]) - 25.0) < 1e-9
    x0 = [(int(r["x0_voxels"]), int(r["y0_voxels"]), int(r["z0_voxels"])) for r in rows]
    assert x0 == CUTOUTS and all(r["size_voxels"] == str(EDGE) for r in rows)


def test_fit_matches_cli_fit():
    with open(os.path.join(OUT, "fit.json"), encoding="utf-8") as handle:
        fit = json.load(handle)
    assert fit["cutouts"] == 4 and fit["finished"] == 4, fit
    accepted = fit["accepted"]
    if "error" in accepted:
        raise AssertionError(f"no fit over the accepted cutouts: {accepted}")
    expected = run_json("fit", os.path.join(OUT, "cutouts.csv"), "--bootstrap", 200)
    for key in ("gamma", "alpha", "gamma_se", "alpha_se", "r2", "n", "gamma_ci", "alpha_ci",
                "covariance", "chi2", "dof", "weighting", "loglog", "bootstrap"):
        assert accepted[key] == expected[key], (key, accepted[key], expected[key])
    for key, value in expected["summary"].items():
        assert accepted["summary"][key] == value, key
    assert accepted["n"] == fit["accepted_cutouts"]
    # the fit over every usable cutout needs no accepted column
    rows = read_csv(os.path.join(OUT, "cutouts.csv"))
    usable = [r for r in rows if float(r["sigma_rel"]) > 0]
    assert fit["all"]["n"] == len(usable) == fit["usable"]
    summary = json.loads(open(os.path.join(OUT, "summary.json"), encoding="utf-8").read())
    assert summary["fit"]["gamma"] == accepted["gamma"]
    # the headline analyze --json prints is summary.json's
    assert FIRST["fit"] == summary["fit"], (FIRST["fit"], summary["fit"])
    assert summary["cutouts"]["finished"] == 4


def test_psd_csv():
    rows = read_csv(os.path.join(OUT, "psd.csv"))
    diameters = [float(r["diameter_nm"]) for r in rows]
    assert diameters == sorted(diameters, reverse=True) and diameters[-1] == 10.0, diameters
    for prefix in ("stack_", "accepted_"):
        cumulative = [float(r[prefix + "intruded_fraction"]) for r in rows]
        assert all(b >= a for a, b in zip(cumulative, cumulative[1:])), cumulative
        assert 0.5 < cumulative[-1] <= 1.0, cumulative
        assert rows[0][prefix + "dV_dlogD"] == ""
    for row in rows:
        # Washburn, 0.48 N/m and 140 degrees
        expected = -4 * 0.48 * -0.766044443118978 / (float(row["diameter_nm"]) * 1e-9) / 1e6
        assert abs(float(row["pressure_MPa"]) - expected) < 1e-9 * expected, row


def test_resume():
    out = fresh("resume")
    first = analyze_json(out, "--cutouts", LIST, "--no-figures")
    assert first["computed"] == 4
    with open(os.path.join(out, "cutouts.csv"), encoding="utf-8") as handle:
        table = handle.read()
    again = analyze_json(out, "--cutouts", LIST, "--no-figures")
    assert again["computed"] == 0 and again["resumed"] == 4, again
    with open(os.path.join(out, "cutouts.csv"), encoding="utf-8") as handle:
        assert handle.read() == table    # the stored results, timings included
    # without saying which cutouts: the project's
    assert analyze_json(out, "--no-figures")["computed"] == 0
    # an interrupted run: two cutouts not finished in the project
    project = os.path.join(out, "study.cbdscope")
    with open(project, encoding="utf-8") as handle:
        text = handle.read()
    for group in ("[cutout 2]", "[cutout 4]"):
        start = text.index(group)
        at = text.index("finished=true", start)
        text = text[:at] + "finished=false" + text[at + len("finished=true"):]
    with open(project, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial = analyze_json(out, "--cutouts", LIST, "--no-figures")
    assert partial["resumed"] == 2 and partial["computed"] == 2, partial
    rows = read_csv(os.path.join(out, "cutouts.csv"))
    old = list(csv.DictReader(table.splitlines()))
    for a, b in zip(rows, old):
        for key in a:
            if not key.startswith("seconds"):
                assert a[key] == b[key], (key, a[key], b[key])
    restarted = analyze_json(out, "--cutouts", LIST, "--no-figures", "--restart")
    assert restarted["computed"] == 4 and restarted["resumed"] == 0
    # other filter thresholds: nothing recomputed but the filter
    refiltered = analyze_json(out, "--no-figures", "--d-max", 60, "--max-excluded", 0.1)
    assert refiltered["computed"] == 0 and refiltered["resumed"] == 4, refiltered
    after = read_csv(os.path.join(out, "cutouts.csv"))
    assert [r["accepted"] for r in after] != [r["accepted"] for r in rows], after
    for a, b in zip(after, rows):
        assert a["filter_accepted"] == ("true" if float(a["excluded_fraction"]) <= 0.1 else "false")
        assert float(a["excluded_fraction"]) >= float(b["excluded_fraction"])
        for key in ("porosity", "sigma_rel", "sigma_rel_std", "cbd_sigma_rel", "ssa_faces_per_um"):
            assert a[key] == b[key], key
    # The project keeps each finished cutout's pore table, which new
    # thresholds are judged from. One without them (an older cbdscope's)
    # partitions the envelopes again: the same table, and saved with them.
    with open(project, encoding="utf-8") as handle:
        text = handle.read()
    assert text.count("\npores_cutout_voxels=") == 4
    old = fresh("resume-old")
    os.makedirs(old)
    with open(os.path.join(old, "study.cbdscope"), "w", encoding="utf-8") as handle:
        handle.write("".join(line for line in text.splitlines(True)
                             if not line.startswith(("pores_", "envelope_stack_faces="))))
    for directory in (out, old):
        again = analyze_json(directory, "--no-figures", "--d-max", 80, "--f-inside", 0.2)
        assert again["computed"] == 0 and again["resumed"] == 4, again
    from_tables = read_csv(os.path.join(out, "cutouts.csv"))
    partitioned = read_csv(os.path.join(old, "cutouts.csv"))
    assert [r["excluded_fraction"] for r in from_tables] != [r["excluded_fraction"] for r in after]
    for a, b in zip(from_tables, partitioned):
        for key in a:
            if not key.startswith("seconds"):
                assert a[key] == b[key], (key, a[key], b[key])
    with open(os.path.join(old, "study.cbdscope"), encoding="utf-8") as handle:
        assert handle.read().count("\npores_cutout_voxels=") == 4


def test_auto():
    out = fresh("auto")
    result = analyze_json(out, "--auto", 3, "--no-figures", "--no-stack-psd")
    # CAM-free origins: x0 0..32, y0 and z0 0..24
    assert result["free_positions"] == 33 * 25 * 25, result
    assert result["requested"] == 3 and result["cutouts"] == 3 and result["finished"] == 3
    rows = read_csv(os.path.join(out, "cutouts.csv"))
    assert [r["name"] for r in rows] == ["c001", "c002", "c003"]
    for r in rows:
        assert int(r["x0_voxels"]) <= 32 and int(r["y0_voxels"]) <= 24 and int(r["z0_voxels"]) <= 24
    again = analyze_json(out, "--auto", 3, "--no-figures", "--no-stack-psd")
    assert again["computed"] == 0 and again["resumed"] == 3
    _, err = analyze(out, "--auto", 4, "--no-figures", expect=2)
    assert "--auto 4 picks other cutouts" in err, err


def test_fewer_than_asked():
    out = fresh("fewer")
    stdout, err = analyze(out, "--auto", 50, "--no-figures", "--no-stack-psd", "--json",
                          "--bootstrap", 0)
    result = json.loads(stdout)
    # two cubes fit along each axis: at most 8 without overlap
    assert 2 <= result["cutouts"] <= 8 and result["requested"] == 50, result
    assert f"only {result['cutouts']} non-overlapping CAM-free cutouts of 24 voxels" in err, err
    assert "asked for 50" in err


def test_shared_volume():
    volume = os.path.join(SHARED, "electrode-nmc-3phase-256.tif")
    if not SHARED or not os.path.exists(volume):
        raise Skip("CBD_SHARED_DATA not set")
    out = fresh("shared")
    stdout, err = run("analyze", volume, "--labels", "pore=0,cam=85,cbd=170", "--auto", 4,
                      "--size", 24, "--envelope", 64, "--no-figures", "--no-stack-psd",
                      "--bootstrap", 0, "--threads", 2, "-o", out, "--json")
    result = json.loads(stdout)
    # its largest CAM-free cube is 26 voxels: few 24^3 ones, and no fit from them
    assert 1 <= result["cutouts"] < 4 and "only" in err, (result, err)
    for row in read_csv(os.path.join(out, "cutouts.csv")):
        # CAM-free: pore and CBD fill the cube
        assert abs(float(row["porosity"]) + float(row["cbd_fraction"]) - 1) < 1e-12, row


def expect_failure(code, words, *args):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == code, (args, proc.returncode, proc.stderr)
    for word in words:
        assert word in proc.stderr, (word, proc.stderr)
    assert proc.stdout == "", proc.stdout


def test_bad_inputs():
    out = fresh("bad")
    expect_failure(2, ["-o DIR is required"], "analyze", STACK, "--raw", RAW)
    expect_failure(2, ["either --cutouts or --auto"], "analyze", STACK, "--raw", RAW, "--auto", 2,
                   "--cutouts", LIST, "-o", out)
    expect_failure(2, ["expected one VOLUME"], "analyze", "-o", out)
    expect_failure(2, ["envelope"], "analyze", STACK, "--raw", RAW, "--size", 24, "--envelope", 16,
                   "-o", out)
    expect_failure(2, ["--no-such-option"], "analyze", STACK, "--no-such-option", "-o", out)
    missing = os.path.join(TMP, "missing.tif")
    expect_failure(1, ["missing.tif", "No such file"], "analyze", missing, "-o", out)
    expect_failure(1, ["No cube of 50 voxels", "larger than the volume"], "analyze", STACK,
                   "--raw", RAW, "--size", 50, "--envelope", 64, "-o", out)
    expect_failure(1, ["--resume", "no project"], "analyze", STACK, "--raw", RAW, "--resume",
                   "-o", out)
    outside = write("outside.csv", "x,y,z\n0,0,0\n50,0,0\n")
    expect_failure(1, ["outside.csv", "3"], "analyze", STACK, *map(str, COMMON), "--cutouts",
                   outside, "-o", out)

    # an existing project and other settings, another volume, a damaged file
    analyze(out, "--cutouts", LIST, "--no-figures", "--no-stack-psd", "--bootstrap", 0)
    expect_failure(2, ["--envelope 56 (the project has 48)", "--restart"], "analyze", STACK,
                   "--raw", RAW, "--size", EDGE, "--envelope", 56, "-o", out)
    other = os.path.join(TMP, "other.raw")
    shutil.copy(STACK, other)
    expect_failure(1, ["was made on", "other.raw"], "analyze", other, "--raw", RAW, "-o", out)
    project = os.path.join(out, "study.cbdscope")
    with open(project, encoding="utf-8") as handle:
        text = handle.read()
    with open(project, "w", encoding="utf-8") as handle:
        handle.write(text[: len(text) // 2])
    expect_failure(1, [project, "damaged", "truncated"], "analyze", STACK, "--raw", RAW, "-o", out)
    with open(project, "w", encoding="utf-8") as handle:
        handle.write(text.replace("porosity=0.25\n", "porosity=abc\n", 1))
    expect_failure(1, [project, "[cutout 1]", "porosity", "abc"], "analyze", STACK, "--raw", RAW,
                   "-o", out)


def test_out_of_memory():
    """Short of memory at any stage (the address space capped at steps from
    what the program needs to start to what the analysis needs), analyze
    finishes or says what did not fit and exits 1: no abort, no crash."""
    import resource

    messages = set()
    solved = False
    for cap_mb in list(range(24, 132, 6)) + [1024]:
        def cap(limit=cap_mb * 1024 * 1024):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        out = fresh("oom")
        proc = subprocess.run([CLI, "analyze", STACK, *map(str, COMMON), "--cutouts", LIST,
                               "-o", out], capture_output=True, text=True, timeout=600,
                              preexec_fn=cap)
        if proc.returncode == 127 and "error while loading shared libraries" in proc.stderr:
            continue  # too little for the dynamic loader: before any of our code
        assert proc.returncode in (0, 1), (cap_mb, proc.returncode, proc.stderr[-400:])
        if proc.returncode == 1:
            last = proc.stderr.strip().splitlines()[-1]
            assert "not enough memory" in last.lower() or "out of memory" in last, (cap_mb, last)
            messages.add(last)
        solved |= proc.returncode == 0
    assert solved and len(messages) >= 2, messages


main([test_files_complete, test_cutouts_csv, test_fit_matches_cli_fit, test_psd_csv, test_resume,
      test_auto, test_fewer_than_asked, test_shared_volume, test_bad_inputs, test_out_of_memory])
