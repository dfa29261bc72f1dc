#!/bin/bash
# swimcore's tests with Debian's python3 (/usr/bin/python3: the packages
# tools/setup.sh installs are there, whatever else is first on PATH).
#
# Usage: run_tests.sh LIBSWIM_C SWIM_H SWIM_DEMO README
set -euo pipefail

python=/usr/bin/python3
export SWIMCORE_LIBRARY="$(realpath "$1")"
export SWIMCORE_HEADER="$(realpath "$2")"
export SWIM_DEMO="$(realpath "$3")"
export SWIMCORE_README="$(realpath "$4")"
export SWIMCORE_REQUIRE_ALL=1  # the mixed-cluster test may not skip
export PYTHONDONTWRITEBYTECODE=1
scratch="${TEST_TMPDIR:-$(mktemp -d)}"

cd "$(dirname "$0")"
"$python" -m mypy --cache-dir="${scratch}/mypy" swimcore tests bench

# Under AddressSanitizer (bazel test --config=asan) libswim_c needs the
# ASan runtime loaded before anything else, and Python is not
# instrumented: preload the runtime, let Python allocate with malloc so
# ASan sees its memory, and leave leak checks to the C and C++ tests (the
# interpreter keeps its objects at exit).
asan="$(ldd "$SWIMCORE_LIBRARY" | awk '/libasan/ { print $3 }')"
if [[ -n "${asan}" ]]; then
  export LD_PRELOAD="${asan}${LD_PRELOAD:+:${LD_PRELOAD}}"
  export PYTHONMALLOC=malloc
  export ASAN_OPTIONS="${ASAN_OPTIONS:+${ASAN_OPTIONS}:}detect_leaks=0"
fi
"$python" -m pytest -q -p no:cacheprovider --basetemp="${scratch}/pytest" \
  tests
