#!/usr/bin/env bash
# Installs the Debian packages cwmfs needs to build, run and be tested,
# skipping the apt round-trip when everything is already there.
# Sourced or run by test.sh and demo.sh; needs root (or sudo) to install.
set -euo pipefail

CWMFS_PACKAGES=(
  # build
  gcc make cmake pkg-config libfuse3-dev libcurl4-openssl-dev libcjson-dev uthash-dev
  # run
  fuse3 ca-certificates
  # tests: the emulator, and the real programs the integration tests drive
  python3 python3-jsonschema curl jq procps findutils grep sed coreutils
  vim nano emacs-nox tmux attr
  # the package test: cpack's .deb (dpkg-deb; dpkg-shlibdeps for its
  # Depends), apt-get to install it, mount(8) and findmnt
  dpkg dpkg-dev apt mount util-linux
  # the style check, and the fuzz targets (clang's libFuzzer)
  clang-format clang libclang-rt-14-dev
)

missing=()
for pkg in "${CWMFS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "cwmfs: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
