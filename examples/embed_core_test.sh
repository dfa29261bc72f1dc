#!/bin/bash
# The embedding example converges, one member leaves, and it exits 0.
set -euo pipefail
out="$("${1:?usage: $0 path/to/embed_core}" --timeout-s=60)"
echo "$out"
grep -q "^converged: every member sees the others ONLINE$" <<<"$out"
grep -q "^member-3 left; the others saw it$" <<<"$out"
grep -q "^member-1: joined member-2 ONLINE$" <<<"$out"
