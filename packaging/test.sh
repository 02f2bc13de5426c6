#!/usr/bin/env bash
# Builds cwmfs and runs the whole suite twice: a normal build against an
# emulator that behaves like a real ConnectWise server, then a build with
# AddressSanitizer + UBSan against one that behaves like the user's
# description of the API (suites that need one kind of server name it).
# Then each parser of untrusted input is fuzzed for a few seconds
# (tests/fuzz, clang's libFuzzer).  Installs any missing Debian packages
# first.
#
#   packaging/test.sh            everything
#   packaging/test.sh -R unit    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/deps.sh

run_suite() { # dialect build-dir cmake-args...
  export CWMFS_TEST_DIALECT=$1; shift
  local dir=$1; shift
  echo "== configure and build ($dir) =="
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  echo "== test ($dir, $CWMFS_TEST_DIALECT server) =="
  (cd "$dir" && ctest --output-on-failure "${CTEST_ARGS[@]}")
}

CTEST_ARGS=("$@")
# Only the plain build also installs the .deb it makes (as root:
# tests/integration/test_package.py), mounts it and purges it again.
CWMFS_PACKAGE_TEST=1 run_suite real build
# Leaks are errors too; libfuse's own one-time allocations are suppressed.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
# test_load runs 60 s in the plain build; 20 s is enough to catch what the
# sanitizers catch
CWMFS_LOAD_SECONDS=20 run_suite seed build-asan -DCWMFS_SANITIZE=ON
if [ ${#CTEST_ARGS[@]} -eq 0 ]; then
  run_suite seed build-fuzz -DCWMFS_FUZZ=ON -DCMAKE_C_COMPILER=clang
fi
echo "cwmfs: all suites passed (plain on a real-like server, ASan+UBSan on a"
echo "       description-like one, and the fuzz targets)"
