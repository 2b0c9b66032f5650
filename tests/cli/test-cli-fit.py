# SPDX-License-Identifier: GPL-3.0-or-later
"""cbdscope-cli fit against exact power laws, closed-form least squares and SciPy."""
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import main, run, run_json  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cbd-fit-")
GAMMA, ALPHA = 1.95, 3.31  # the paper's fit

# The data set behind the SciPy values below (also in tests/core/test-fit.c).
SCIPY_EPS = [0.15, 0.20, 0.26, 0.31, 0.37, 0.42, 0.48, 0.55]
SCIPY_SIGMA = [0.0035, 0.0098, 0.022, 0.041, 0.072, 0.110, 0.165, 0.270]
SCIPY_STD = [0.0006, 0.0015, 0.004, 0.006, 0.012, 0.02, 0.025, 0.05]
# scipy.optimize.curve_fit (SciPy 1.10.1, Debian 12 /usr/bin/python3), model
# g * e**a, p0 [2, 3], tolerances 1e-15; sigma=SCIPY_STD, absolute_sigma=False
# for the weighted fit: (gamma, alpha, sqrt(pcov[0,0]), sqrt(pcov[1,1]))
SCIPY_WEIGHTED = (1.926045188791111, 3.306764024020815, 0.061200355009221746, 0.02576248833914239)
SCIPY_UNWEIGHTED = (1.9826833255267138, 3.347595695652175, 0.07115696672378595, 0.05139921147226615)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path


def table(header, rows):
    return ",".join(header) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows)


def close(actual, expected, tolerance):
    assert abs(actual - expected) <= tolerance * abs(expected), (actual, expected)


def ols(xs, ys, ws):
    """Weighted least-squares line y = a + b x by the normal equations."""
    sw = sum(ws)
    sx = sum(w * x for w, x in zip(ws, xs))
    sy = sum(w * y for w, y in zip(ws, ys))
    sxx = sum(w * x * x for w, x in zip(ws, xs))
    sxy = sum(w * x * y for w, x, y in zip(ws, xs, ys))
    delta = sw * sxx - sx * sx
    return (sxx * sy - sx * sxy) / delta, (sw * sxy - sx * sy) / delta


def test_exact_power_law_any_column_order():
    eps = [0.14 + 0.03 * i for i in range(15)]
    rows = [(f"cutout-{i}", f"{GAMMA * e ** ALPHA:.17g}", f"{e:.17g}", 0.1 * GAMMA * e ** ALPHA, 12.5)
            for i, e in enumerate(eps)]
    path = write("exact.csv", table(["name", "sigma_rel", "porosity", "sigma_rel_std", "tau"], rows))
    result = run_json("fit", path)
    close(result["gamma"], GAMMA, 1e-9)
    close(result["alpha"], ALPHA, 1e-9)
    close(result["loglog"]["gamma"], GAMMA, 1e-9)
    close(result["loglog"]["alpha"], ALPHA, 1e-9)
    assert result["n"] == 15 and result["dof"] == 13, result
    assert abs(result["r2"] - 1) < 1e-12, result
    assert result["gamma_se"] < 1e-9 and result["alpha_se"] < 1e-9, result
    assert result["weighting"] == "spread" and result["file"] == path
    for key in ("gamma_ci", "alpha_ci"):
        assert len(result[key]) == 2


def test_matches_scipy():
    rows = list(zip(SCIPY_EPS, SCIPY_SIGMA, SCIPY_STD))
    path = write("scipy.csv", table(["porosity", "sigma_rel", "sigma_rel_std"], rows))
    for args, expected in (((), SCIPY_WEIGHTED), (("--unweighted",), SCIPY_UNWEIGHTED)):
        result = run_json("fit", path, *args)
        close(result["gamma"], expected[0], 1e-8)
        close(result["alpha"], expected[1], 1e-8)
        close(result["gamma_se"], expected[2], 1e-6)
        close(result["alpha_se"], expected[3], 1e-6)
        # the interval is estimate +- t(0.975, 6) se; scipy.stats.t.ppf gives 2.4469118487916806
        close(result["alpha_ci"][1] - result["alpha"], 2.4469118487916806 * expected[3], 1e-6)
    assert run_json("fit", path, "--unweighted")["weighting"] == "none"


def test_loglog_closed_form():
    rows = list(zip(SCIPY_EPS, SCIPY_SIGMA, SCIPY_STD))
    path = write("loglog.csv", table(["porosity", "sigma_rel", "sigma_rel_std"], rows))
    xs = [math.log(e) for e in SCIPY_EPS]
    ys = [math.log(s) for s in SCIPY_SIGMA]
    # unweighted: ordinary least squares in log space
    intercept, slope = ols(xs, ys, [1.0] * len(xs))
    loglog = run_json("fit", path, "--unweighted")["loglog"]
    close(loglog["alpha"], slope, 1e-12)
    close(loglog["ln_gamma"], intercept, 1e-12)
    close(loglog["gamma"], math.exp(intercept), 1e-12)
    # weighted: every spread exceeds the 5 % floor, so w = (sigma / std)^2 in log space
    intercept, slope = ols(xs, ys, [(s / d) ** 2 for s, d in zip(SCIPY_SIGMA, SCIPY_STD)])
    loglog = run_json("fit", path)["loglog"]
    close(loglog["alpha"], slope, 1e-12)
    close(loglog["ln_gamma"], intercept, 1e-12)


def test_accepted_column_and_outlier_weight():
    eps = [0.14 + 0.035 * i for i in range(12)]
    rows = [(e, GAMMA * e ** ALPHA, 0.1 * GAMMA * e ** ALPHA, "true") for e in eps]
    wild = (0.45, 3 * GAMMA * 0.45 ** ALPHA, 30 * GAMMA * 0.45 ** ALPHA)
    header = ["porosity", "sigma_rel", "sigma_rel_std", "accepted"]
    # left out by the accepted column, even with a non-percolating sigma_rel of 0
    excluded = write("excluded.csv", table(header, rows + [(*wild, "false"), (0.6, 0, "", "no")]))
    result = run_json("fit", excluded)
    assert result["n"] == 12 and result["rows"] == 14 and result["rows_excluded"] == 2, result
    close(result["alpha"], ALPHA, 1e-9)
    # included with a spread 10x its value: it barely moves the weighted fit...
    included = write("included.csv", table(header, rows + [(*wild, "yes")]))
    weighted = run_json("fit", included)
    assert abs(weighted["alpha"] - ALPHA) < 1e-3, weighted
    # ...but drags the unweighted one
    unweighted = run_json("fit", included, "--unweighted")
    assert abs(unweighted["alpha"] - ALPHA) > 0.1, unweighted
    # no spread column: unweighted
    plain = write("plain.csv", table(["porosity", "sigma_rel"], [(r[0], r[1]) for r in rows]))
    assert run_json("fit", plain)["weighting"] == "none"


def test_bootstrap_seeded():
    rows = list(zip(SCIPY_EPS, SCIPY_SIGMA, SCIPY_STD))
    path = write("boot.csv", table(["porosity", "sigma_rel", "sigma_rel_std"], rows))
    a = run_json("fit", path, "--bootstrap", 300, "--seed", 7)["bootstrap"]
    b = run_json("fit", path, "--bootstrap", 300, "--seed", 7)["bootstrap"]
    c = run_json("fit", path, "--bootstrap", 300, "--seed", 8)["bootstrap"]
    assert a == b, (a, b)
    assert a["alpha_ci"] != c["alpha_ci"], (a, c)
    assert a["resamples"] == 300 and a["used"] > 290 and a["seed"] == 7, a
    assert a["alpha_ci"][0] < SCIPY_WEIGHTED[1] < a["alpha_ci"][1], a
    none = run_json("fit", path, "--bootstrap", 0)["bootstrap"]
    assert none["used"] == 0 and none["alpha_ci"] == [None, None], none


def test_summary_and_text():
    rows = [(0.2, 0.02), (0.4, 0.1), (0.3, 0.05)]  # tau 10, 4, 6
    path = write("summary.csv", table(["porosity", "sigma_rel"], rows))
    summary = run_json("fit", path, "--bootstrap", 0)["summary"]
    close(summary["mean_porosity"], 0.3, 1e-15)
    close(summary["mean_tau"], 20 / 3, 1e-15)
    close(summary["mean_porosity_over_mean_tau"], 0.3 / (20 / 3), 1e-15)
    close(summary["bruggeman_at_mean_porosity"], 0.3 ** 1.5, 1e-15)
    out, _ = run("fit", path, "--bootstrap", 0)
    assert "gamma" in out and "alpha" in out and "3 points" in out, out


def test_quoting_and_crlf():
    path = write("quoted.csv", '"porosity","note","sigma_rel"\r\n'
                 '0.2,"a, b",0.01\r\n0.3,"say ""x""",0.03\r\n\r\n0.4,,0.07\r\n')
    assert run_json("fit", path, "--bootstrap", 0)["n"] == 3


def test_errors_name_file_and_line():
    good = "porosity,sigma_rel\n0.2,0.01\n0.3,0.03\n0.4,0.07\n"
    cases = [
        ("missing.csv", "porosity,sigma\n0.2,0.01\n", ["missing.csv:1", "sigma_rel"]),
        ("badnumber.csv", good + "0.5,abc\n", ["badnumber.csv:5", "abc", "sigma_rel"]),
        ("empty.csv", good + "0.5,\n", ["empty.csv:5", "empty"]),
        ("percent.csv", "porosity,sigma_rel\n20,0.01\n30,0.03\n40,0.07\n", ["percent.csv:2", "percent"]),
        ("zero.csv", good + "0.5,0\n", ["zero.csv:5", "positive", "accepted"]),
        ("negstd.csv", "porosity,sigma_rel,sigma_rel_std\n0.2,0.01,-1\n", ["negstd.csv:2", "sigma_rel_std"]),
        ("fields.csv", good + "0.5,0.1,7\n", ["fields.csv:5", "3 fields"]),
        ("accepted.csv", "porosity,sigma_rel,accepted\n0.2,0.01,maybe\n", ["accepted.csv:2", "maybe"]),
        ("few.csv", "porosity,sigma_rel\n0.2,0.01\n0.3,0.03\n", ["few.csv", "at least 3"]),
        ("same.csv", "porosity,sigma_rel\n0.3,0.01\n0.3,0.03\n0.3,0.07\n", ["same.csv", "porosity 0.3"]),
        ("blank.csv", "", ["blank.csv", "empty"]),
    ]
    for name, text, fragments in cases:
        path = write(name, text)
        _, err = run("fit", path, expect=1)
        for fragment in fragments:
            assert fragment in err, (name, fragment, err)
    _, err = run("fit", os.path.join(TMP, "nonexistent.csv"), expect=1)
    assert "nonexistent.csv" in err, err


def test_usage_errors():
    path = write("usage.csv", "porosity,sigma_rel\n0.2,0.01\n0.3,0.03\n0.4,0.07\n")
    run("fit", expect=2)
    run("fit", path, path, expect=2)
    run("fit", path, "--bootstrap", -1, expect=2)
    run("fit", path, "--bootstrap", 10 ** 7, expect=2)
    run("fit", path, "--std-floor", -0.1, expect=2)
    run("fit", path, "--frobnicate", expect=2)
    out, _ = run("fit", "--help")
    assert "sigma_rel_std" in out, out


main([test_exact_power_law_any_column_order, test_matches_scipy, test_loglog_closed_form,
      test_accepted_column_and_outlier_weight, test_bootstrap_seeded, test_summary_and_text,
      test_quoting_and_crlf, test_errors_name_file_and_line, test_usage_errors])
