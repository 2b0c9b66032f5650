#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# compare-solver.sh BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE] — the solver
# beside its SciPy peer in one run: the EDGE³ cutout at the origin (default
# 128), pore phase PORE_VALUE (default 0), three axes. Prints both, σ_rel
# per axis side by side, and the ratio of the times.
#
# Needs Debian's python3-scipy and python3-tifffile. Not run by `meson test`
# (the peer takes about a minute).
set -euo pipefail

build_dir=${1:?usage: $0 BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE]}
volume=${2:?usage: $0 BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE]}
value=${3:-0}
edge=${4:-128}
here=$(dirname "$0")
ours=$("$build_dir/tests/bench/bench-solver" cutout "$volume" "$value" "$edge")
peer=$(/usr/bin/python3 "$here/peer_scipy_solve.py" "$volume" "$value" "$edge")

echo "cbdscope:"
echo "$ours"
echo "SciPy (Jacobi-preconditioned CG):"
echo "$peer"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import re
import sys

ours, peer = sys.argv[1], sys.argv[2]
sigma_ours = dict(re.findall(r"^([xyz]): .*?sigma_rel ([0-9.]+)", ours, re.M))
sigma_peer = dict(re.findall(r"^([xyz]): sigma_rel ([0-9.]+)", peer, re.M))
seconds_ours = float(re.search(r": ([0-9.]+) s, peak", ours).group(1))
seconds_peer = float(re.search(r"three axes: ([0-9.]+) s", peer).group(1))
for axis in "xyz":
    a, b = float(sigma_ours[axis]), float(sigma_peer[axis])
    print(f"{axis}: sigma_rel {a:.6f} vs {b:.6f} ({(a - b) / b * 100:+.4f} %)")
print(f"three axes: {seconds_ours:.3f} s vs {seconds_peer:.3f} s: "
      f"{seconds_peer / seconds_ours:.0f}x faster")
PY
