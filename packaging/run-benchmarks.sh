#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every benchmark and evaluation behind BENCHMARKS.md (separate from the test command: it
# takes minutes). Each figure comes with its same-run baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh >/dev/null
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
B=build/default
shared="$(cd .. && pwd)/shared/fingerprints"

echo "== USB reader: capture through the protocol vs a raw bulk read of the same bytes =="
$B/bench/bench_reader_capture --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
echo "== Press quality (388x374) =="
$B/bench/bench_press_quality --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
echo "== Templates: extraction and comparison =="
$B/bench/bench_template --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
echo "== Enrollment: finger-on to next prompt, per press =="
$B/bench/bench_enrollment_press
echo "== Press-quality evaluation (200 generated presses per mode; real images when present) =="
if [ -d "$shared" ]; then $B/bin/fpb-tool quality-eval --presses 200 --fingerprints "$shared"; else $B/bin/fpb-tool quality-eval --presses 200; fi
if [ -d "$shared" ]; then
  echo "== FVC protocol =="
  $B/bin/fpb-tool eval "$shared/FVC2002_DB1_B" --json
  $B/bin/fpb-tool eval "$shared/FVC2002_DB2_B" --dpi 569 --json
  echo "== The matcher alone on the commercial SDK's ISO templates =="
  $B/bin/fpb-tool eval "$shared/FVC2002_DB1_B/iso19794-2_secugen" --json
  $B/bin/fpb-tool eval "$shared/FVC2002_DB2_B/iso19794-2_secugen" --json
  echo "== The duplicate check at Finish for 80 new fingers over 30,000 entries (10,000 three-press fingers) =="
  $B/bin/fpb-tool bench duplicate-check "$shared/FVC2002_DB1_B" --gallery 30000
else
  echo "(../shared/fingerprints is not present: FVC evaluations skipped)"
fi
echo "== Door controllers: full sync of 10,000 users to 8 controllers over TLS vs empty round trips =="
$B/bench/bench_controller_sync --benchmark_filter=/10000/8
