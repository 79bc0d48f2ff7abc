#!/usr/bin/env bash
# Installs every Debian 12 package the build, the demo and the tests need.
# Idempotent: packages already present are skipped; uses sudo when not root.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries
  libusb-1.0-0-dev libboost-dev libboost-filesystem-dev
  gsoap libgsoap-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsqlite3-dev sqlite3 libssl-dev openssl libsodium-dev
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev
  libpng-dev libtiff-dev zlib1g-dev
  libisal-dev
  # USB emulation in tests
  umockdev libumockdev-dev libglib2.0-dev
  # fuzzing (libFuzzer) and sanitizers
  clang libclang-rt-14-dev
  # independent SOAP peer, browser tests, voice prompts, packaging checks
  python3 python3-zeep python3-lxml python3-requests
  chromium espeak-ng python3-jsonschema
  lintian dpkg-dev fakeroot udev
)

# Node.js and npm (browser tests): use the machine's own when present, else Debian's.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
