#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's two commands:
#   bash packaging/quickstart.sh demo   installs what is needed, builds, runs the demo
#   bash packaging/quickstart.sh test   installs what is needed, builds, runs every test
# Both work on a fresh Debian 12 machine (root, or a user with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in demo|test) ;; *) echo "usage: $0 demo|test" >&2; exit 2 ;; esac

bash packaging/install-deps.sh
jobs="$(nproc 2>/dev/null || echo 2)"

cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"

if [ "$mode" = demo ]; then
  shift
  # Each demo starts from an empty data folder and makes its own administrator (password printed once).
  rm -rf build/default/demo-data
  exec build/default/bin/fpb-host --data-dir build/default/demo-data demo "$@"
fi

# All tests of the normal build (unit, integration, e2e, conformance, browser, ...).
ctest --preset default --output-on-failure --timeout 900

# The USB, loader and store tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
if [ "${FPB_SKIP_SANITIZE:-0}" != 1 ]; then
  cmake --preset sanitize >/dev/null
  cmake --build --preset sanitize -j "$jobs"
  ctest --preset sanitize --output-on-failure -L 'unit|integration' -LE 'slow' --timeout 900
fi

# Brief fuzzing of every parser (about 30 s each); any crash fails the run.
if [ "${FPB_SKIP_FUZZ:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs" --target fpb_fuzzers
  ctest --preset fuzz --output-on-failure -L fuzz --no-tests=error
fi
echo "quickstart: all tests passed"
