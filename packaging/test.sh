#!/usr/bin/env bash
# Builds cwmfs and runs the whole suite twice: a normal build, then one with
# AddressSanitizer + UBSan.  Installs any missing Debian packages first.
#
#   packaging/test.sh            everything
#   packaging/test.sh -R unit    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/deps.sh

run_suite() { # build-dir cmake-args...
  local dir=$1; shift
  echo "== configure and build ($dir) =="
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  echo "== test ($dir) =="
  (cd "$dir" && ctest --output-on-failure "${CTEST_ARGS[@]}")
}

CTEST_ARGS=("$@")
run_suite build
# Leaks are errors too; libfuse's own one-time allocations are suppressed.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
run_suite build-asan -DCWMFS_SANITIZE=ON
echo "cwmfs: all suites passed (plain and ASan+UBSan)"
