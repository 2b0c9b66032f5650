#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# compare-solver.sh BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE] — the solver
# beside its peers in one run: the EDGE³ cutout at the origin (default 128),
# pore phase PORE_VALUE (default 0), three axes. Prints each, σ_rel per axis
# side by side, and the ratios of the times. The peers: SciPy's
# Jacobi-preconditioned CG, and HYPRE's BoomerAMG-preconditioned CG on as
# many MPI ranks as cores where peer-hypre-solve was built (libhypre-dev).
#
# Needs Debian's python3-scipy and python3-tifffile. Not run by `meson test`
# (the SciPy peer takes one to two minutes).
set -euo pipefail

build_dir=${1:?usage: $0 BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE]}
volume=${2:?usage: $0 BUILD_DIR VOLUME.tif [PORE_VALUE] [EDGE]}
value=${3:-0}
edge=${4:-128}
here=$(dirname "$0")
ours=$("$build_dir/tests/bench/bench-solver" cutout "$volume" "$value" "$edge")
peer=$(/usr/bin/python3 "$here/peer_scipy_solve.py" "$volume" "$value" "$edge")
hypre=""
if [ -x "$build_dir/tests/bench/peer-hypre-solve" ] && command -v mpirun >/dev/null; then
  hypre=$(mpirun --allow-run-as-root -np "$(nproc)" "$build_dir/tests/bench/peer-hypre-solve" \
            "$volume" "$value" "$edge")
fi

echo "cbdscope:"
echo "$ours"
echo "SciPy (Jacobi-preconditioned CG):"
echo "$peer"
if [ -n "$hypre" ]; then
  echo "HYPRE (BoomerAMG-preconditioned CG):"
  echo "$hypre"
fi
/usr/bin/python3 - "$ours" "$peer" "$hypre" <<'PY'
import re
import sys

ours, peer, hypre = sys.argv[1], sys.argv[2], sys.argv[3]
sigma_ours = dict(re.findall(r"^([xyz]): .*?sigma_rel ([0-9.]+)", ours, re.M))
sigma_peer = dict(re.findall(r"^([xyz]): sigma_rel ([0-9.]+)", peer, re.M))
seconds_ours = float(re.search(r": ([0-9.]+) s, peak", ours).group(1))
seconds_peer = float(re.search(r"three axes: ([0-9.]+) s", peer).group(1))
for axis in "xyz":
    a, b = float(sigma_ours[axis]), float(sigma_peer[axis])
    print(f"{axis}: sigma_rel {a:.6f} vs {b:.6f} ({(a - b) / b * 100:+.4f} %)")
print(f"three axes: {seconds_ours:.3f} s vs {seconds_peer:.3f} s: "
      f"{seconds_peer / seconds_ours:.0f}x faster than SciPy")
if hypre:
    seconds_hypre = float(re.search(r"three axes on \d+ ranks: ([0-9.]+) s", hypre).group(1))
    print(f"three axes: {seconds_ours:.3f} s vs {seconds_hypre:.3f} s: "
          f"{seconds_hypre / seconds_ours:.1f}x faster than HYPRE")
PY
