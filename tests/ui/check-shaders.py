#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP: every shader in shaders/ compiles with glslangValidator, with the
header the renderer prepends for desktop GL (330 core) and for GLES 3.0."""

import os
import subprocess
import sys
import tempfile

root = os.path.abspath(sys.argv[1])
validator = sys.argv[2]
shader_dir = os.path.join(root, 'shaders')

HEADERS = {
    'gl': '#version 330 core\n',
    'es': '#version 300 es\nprecision highp float;\nprecision highp int;\n'
          'precision highp usampler3D;\nprecision highp sampler2D;\n'
          'precision highp sampler3D;\n',
}

shaders = sorted(name for name in os.listdir(shader_dir)
                 if name.endswith('.vert') or name.endswith('.frag'))
print(f'1..{len(shaders) * len(HEADERS)}')
number = 0
failed = 0
with tempfile.TemporaryDirectory() as scratch:
    for name in shaders:
        with open(os.path.join(shader_dir, name), encoding='utf-8') as handle:
            source = handle.read()
        for variant, header in HEADERS.items():
            number += 1
            path = os.path.join(scratch, f'{variant}-{name}')
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(header + source)
            result = subprocess.run([validator, path], capture_output=True, text=True)
            ok = result.returncode == 0
            print(f'{"ok" if ok else "not ok"} {number} - {name} ({variant})')
            if not ok:
                failed += 1
                for line in (result.stdout + result.stderr).splitlines():
                    print(f'# {line}')
sys.exit(1 if failed else 0)
