#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench-analyze.sh BUILD_DIR [SIZE] [CUTOUTS] [EDGE] — `cbdscope-cli analyze`
# on a synthetic stack: wall time, peak memory and the share of each stage.
#
# Defaults: a 512^3 synthetic stack (seed 7), 20 cutouts of 96^3 voxels (only
# 9 non-overlapping CAM-free 128^3 cubes fit in 512^3 at the default CAM
# fraction), the paper's 800^3 envelopes (clipped at the stack border).
# Needs /usr/bin/time. Not run by `meson test`.
set -euo pipefail

build_dir=${1:?usage: $0 BUILD_DIR [SIZE] [CUTOUTS] [EDGE]}
size=${2:-512}
cutouts=${3:-20}
edge=${4:-96}
cli=$build_dir/src/cli/cbdscope-cli
work=$(mktemp -d "${TMPDIR:-/tmp}/cbd-bench-analyze-XXXXXX")
trap 'rm -rf "$work"' EXIT

"$cli" synth --size "$size" --seed 7 --no-truth -o "$work/stack.tif" >/dev/null
/usr/bin/time -v -o "$work/time.txt" \
  "$cli" analyze "$work/stack.tif" --auto "$cutouts" --size "$edge" -o "$work/out" --json \
  >"$work/result.json"

grep -E "Elapsed|Maximum resident" "$work/time.txt"
/usr/bin/python3 - "$work/out/summary.json" "$work/result.json" <<'EOF'
import json
import sys

summary = json.load(open(sys.argv[1]))
result = json.load(open(sys.argv[2]))
seconds = summary["seconds"]
total = result["seconds"]
print(f"{result['cutouts']} cutouts of {result['size']}^3, {result['accepted']} accepted, "
      f"envelopes computed {result['envelopes']['computed']}, "
      f"reused {result['envelopes']['memory_hits']}; analyze {total:.1f} s")
for stage in ("transport", "filter", "surface", "psd"):
    print(f"  {stage:10s} {seconds[stage]:8.1f} s  {100 * seconds[stage] / total:5.1f} %")
rest = total - seconds["cutouts"]
print(f"  {'other':10s} {rest:8.1f} s  {100 * rest / total:5.1f} %  "
      "(loading, finding cutouts, the stack's intrusion, figures)")
EOF
