# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny TAP producer and cbdscope-cli runner shared by the CLI tests."""
import json
import os
import subprocess
import sys
import traceback

CLI = os.environ.get("CBD_CLI", "cbdscope-cli")
SHARED = os.environ.get("CBD_SHARED_DATA", "")


def run(*args, expect=0):
    """Runs cbdscope-cli; returns (stdout, stderr) after checking the exit code."""
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=600)
    if proc.returncode != expect:
        raise AssertionError(f"cbdscope-cli {' '.join(map(str, args))}: exit {proc.returncode}, "
                             f"expected {expect}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc.stdout, proc.stderr


def run_json(*args):
    out, _ = run(*args, "--json")
    return json.loads(out)


class Skip(Exception):
    pass


def main(tests):
    print(f"1..{len(tests)}")
    failed = 0
    for number, test in enumerate(tests, 1):
        name = test.__name__
        try:
            test()
            print(f"ok {number} {name}")
        except Skip as reason:
            print(f"ok {number} {name} # SKIP {reason}")
        except Exception:  # noqa: BLE001 — every failure becomes a TAP line
            failed += 1
            print(f"not ok {number} {name}")
            for line in traceback.format_exc().splitlines():
                print(f"# {line}")
        sys.stdout.flush()
    sys.exit(1 if failed else 0)
