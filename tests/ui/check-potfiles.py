#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP: po/POTFILES.in lists every file with translatable strings, and only
files that exist."""

import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
root = os.path.abspath(root)

MARKERS = {
    '.c': re.compile(r'\b(?:_|N_|C_|NC_)\s*\(\s*"'),
    '.ui': re.compile(r'translatable="yes"'),
    '.in': re.compile(r'.'),  # desktop and metainfo templates are always translatable
    '.xml': re.compile(r'<summary>|<description>'),
}

listed = []
with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as potfiles:
    for line in potfiles:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.append(line)

found = []
for folder in ('src', 'ui', 'data'):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        dirnames[:] = [d for d in dirnames if not d.startswith('_build')]
        for name in filenames:
            path = os.path.join(dirpath, name)
            relative = os.path.relpath(path, root)
            suffix = os.path.splitext(name)[1]
            if suffix == '.in' and not (name.endswith('.desktop.in') or name.endswith('.metainfo.xml.in')):
                continue
            if suffix == '.xml' and not name.endswith('.gschema.xml'):
                continue
            marker = MARKERS.get(suffix)
            if marker is None:
                continue
            with open(path, encoding='utf-8', errors='replace') as handle:
                if marker.search(handle.read()):
                    found.append(relative)

tests = []
for path in sorted(found):
    tests.append((path in listed, f'{path} is listed in po/POTFILES.in'))
for path in listed:
    tests.append((os.path.exists(os.path.join(root, path)), f'{path} from po/POTFILES.in exists'))

print(f'1..{len(tests)}')
failed = 0
for number, (ok, description) in enumerate(tests, 1):
    print(f'{"ok" if ok else "not ok"} {number} - {description}')
    failed += not ok
sys.exit(1 if failed else 0)
