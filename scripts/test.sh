#!/usr/bin/env bash
# The test suite: build (Release) and run every test; then the sanitizer (ASan+UBSan) build of
# the layers without libtorch runs the quick tests. Usage: scripts/test.sh [--quick]
#   --quick  only tests labelled "quick" in the Release build, no sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0; [ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)
bash scripts/build.sh
if [ $quick = 1 ]; then
  ctest --test-dir build --output-on-failure -j "$jobs" -L quick
  exit 0
fi
ctest --test-dir build --output-on-failure -j "$jobs"
echo "== sanitizer build (ASan + UBSan, no libtorch layers): quick tests"
# -O1: ASan/UBSan still catch what they catch at -O0, and the numerical tests run several times faster.
# -g1: line tables only (reports keep file:line); full -g made each test binary ~250 MB (9 GB per CI build).
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
  -DHAMLET_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp" \
  ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -L quick -LE no_sanitize
