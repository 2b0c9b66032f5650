# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints the closing line "N passed, M failed, K skipped" from meson's testlog.json.

Counts TAP subtests (what each test program checks), so one failing check
among many shows up as one failure, not as a whole program."""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        entry = json.loads(line)
        result = entry["result"]
        lines = (entry.get("stdout") or "").splitlines()
        oks = [l for l in lines if re.match(r"ok\b", l)]
        not_oks = [l for l in lines if re.match(r"not ok\b", l)]
        skips = [l for l in oks if "# SKIP" in l.upper()]
        if not oks and not not_oks:
            # Not TAP (or died before its plan): the program counts as one.
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
            continue
        passed += len(oks) - len(skips)
        skipped += len(skips)
        failed += len(not_oks)
        if result not in ("OK", "EXPECTEDFAIL", "SKIP") and not not_oks:
            failed += 1  # crashed, timed out or bailed out after its last "ok"

print(f"{passed} passed, {failed} failed, {skipped} skipped")
