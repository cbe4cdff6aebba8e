#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Prints the .wast files of one spec test folder, one name a line, sorted, for
# tests/spec/meson.build (meson cannot list a directory itself).
import os
import sys

names = sorted(n for n in os.listdir(sys.argv[1]) if n.endswith('.wast'))
if not names:
    sys.exit('no .wast files in ' + sys.argv[1])
print('\n'.join(names))
