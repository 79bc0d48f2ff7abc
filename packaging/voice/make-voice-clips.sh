#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Speaks every prompt of the message catalogue into <out>/<code>.wav with espeak-ng (build time).
# Usage: make-voice-clips.sh FPB_TOOL OUT_DIR [LANGUAGE]
set -euo pipefail
tool="$1"; out="$2"; language="${3:-en}"
mkdir -p "$out"
if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "make-voice-clips: espeak-ng is not installed; the UI shows prompts as text only (run packaging/install-deps.sh)" >&2
  exit 0
fi
"$tool" prompts --language "$language" | while IFS=$'\t' read -r code text; do
  espeak-ng -v "$language" -s 150 -w "$out/$code.wav" "$text"
done
touch "$out/.stamp"
