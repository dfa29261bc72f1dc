#!/bin/bash
# Runs a test command as Bazel runs a test: in a fresh scratch directory,
# exported as TEST_TMPDIR.
#
# Usage: run_in_tmpdir.sh DIR COMMAND [ARGS...]
set -euo pipefail
dir="${1:?usage: $0 DIR COMMAND [ARGS...]}"
shift
rm -rf "${dir}"
mkdir -p "${dir}"
cd "${dir}"
export TEST_TMPDIR="${dir}"
exec "$@"
