#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian packages, checks them with lintian, unpacks them into a temporary root, runs
# the installed host with the installed plugin, builds the example plugin out of tree against the
# installed SDK alone, and has the installed host load it too.
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

(cd "$build" && cpack -G DEB -B "$work/packages" >/dev/null)
debs=("$work"/packages/*.deb)
[ "${#debs[@]}" -eq 3 ] || { echo "expected 3 packages, got ${#debs[@]}"; exit 1; }
for deb in "${debs[@]}"; do
  echo "package: $(basename "$deb")"
  dpkg-deb -x "$deb" "$root"
done

if command -v lintian >/dev/null; then
  # Errors fail the test; warnings are printed for the record.
  lintian --no-tag-display-limit --fail-on error "${debs[@]}"
else
  echo "lintian not installed (packaging/install-deps.sh installs it)"; exit 1
fi

host="$root/usr/bin/fpb-host"
# Every command needs a login: the installed host's first administrator, then a session.
echo 'Pkg-Test-Pass-7!' | "$host" --data-dir "$work/data" setup --admin pkg-admin --password-stdin
echo 'Pkg-Test-Pass-7!' | "$host" --data-dir "$work/data" login --operator pkg-admin --password-stdin
"$host" --data-dir "$work/data" plugins verify "$work"/packages/fpbridge-usb-reader-plugin_*.deb
out="$("$host" --data-dir "$work/data" plugins --json)"
echo "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); ids=[p["id"] for p in d["loaded"]]; assert "org.fpbridge.usb-fingerprint-reader-v2" in ids, d; print("installed host loads:", ids)'
[ -f "$root/usr/lib/udev/rules.d/60-fpbridge-reader.rules" ] || { echo "udev rule not installed"; exit 1; }
ls "$root/usr/share/fpbridge/voice/"*.wav >/dev/null

example="$root/usr/share/doc/fpbridge-sdk-dev/examples/second-reader-plugin"
cmake -S "$example" -B "$work/example" -DCMAKE_PREFIX_PATH="$root/usr" >/dev/null
cmake --build "$work/example" >/dev/null
cmake --install "$work/example" --prefix "$root/usr" >/dev/null
"$host" --data-dir "$work/data" plugins verify "$root/usr/lib/fpbridge/plugins/example-second-reader"
out="$("$host" --data-dir "$work/data" plugins --json)"
echo "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); ids=sorted(p["id"] for p in d["loaded"]); assert ids==["org.example.second-reader","org.fpbridge.usb-fingerprint-reader-v2"], d; print("installed host loads:", ids)'
echo "packaging test passed"
