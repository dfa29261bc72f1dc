#!/bin/bash
# End to end: a small sweep writes every file the report promises, the same
# sweep writes byte-identical data (the simulator is deterministic), and bad
# flags fail with a message.
#
# Usage: convergence_test.sh path/to/convergence   (Bazel passes it via args)

set -euo pipefail

BIN="${1:?usage: $0 path/to/convergence}"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

sweep() {  # sweep DIR: a two-cell sweep into DIR
  "$BIN" --nodes=12 --losses=0,0.05 --presets=lan --seeds=2 --changes=2 \
    --crashes=1 --steady_s=10 --out="$1" >"$1.out" 2>"$1.err" ||
    fail "sweep into $1 exited with $?: $(cat "$1.err")"
}

sweep "$TMP/a"
for file in runs.csv dissemination.csv detection.csv curves.csv summary.md \
  dissemination-lan.svg dissemination-loss-lan.svg detection-lan.svg \
  cost.svg; do
  [[ -s "$TMP/a/$file" ]] || fail "missing or empty: $file"
done
# 2 cells x 2 seeds: a header and 4 runs; 2 changes and 1 crash per run.
[[ "$(wc -l <"$TMP/a/runs.csv")" == 5 ]] || fail "runs.csv: $(wc -l <"$TMP/a/runs.csv") lines"
[[ "$(wc -l <"$TMP/a/dissemination.csv")" == 9 ]] || fail "dissemination.csv rows"
[[ "$(wc -l <"$TMP/a/detection.csv")" == 5 ]] || fail "detection.csv rows"
# Every change reached everyone and every crash was detected: no empty
# time fields.
if grep -q ',,' "$TMP/a/dissemination.csv" "$TMP/a/detection.csv"; then
  fail "a change or a crash missed its budget"
fi
grep -q '^| lan | 12 | 5 % |' "$TMP/a/summary.md" || fail "summary lacks the 5 % row"
grep -q '^### Dissemination' "$TMP/a.out" || fail "summary not printed"

# Replays exactly: the same runs give the same data (wall time and memory
# aside, which runs.csv holds in its last columns but two).
sweep "$TMP/b"
cmp -s "$TMP/a/dissemination.csv" "$TMP/b/dissemination.csv" ||
  fail "dissemination.csv differs between identical sweeps"
cmp -s "$TMP/a/detection.csv" "$TMP/b/detection.csv" ||
  fail "detection.csv differs between identical sweeps"
hash_column="$(head -1 "$TMP/a/runs.csv" | tr , '\n' | grep -nx trace_hash |
  cut -d: -f1)"
[[ -n "$hash_column" ]] || fail "runs.csv has no trace_hash column"
cmp -s <(cut -d, -f"$hash_column" "$TMP/a/runs.csv") \
  <(cut -d, -f"$hash_column" "$TMP/b/runs.csv") ||
  fail "trace hashes differ between identical sweeps"

# Bad flags: exit 2 and say why.
for flags in "--nodes=2" "--nodes=ten" "--losses=0.9" "--presets=moon" \
  "--seeds=0" "--nodes=1000000"; do
  status=0
  "$BIN" $flags --out="$TMP/bad" >/dev/null 2>"$TMP/bad.err" || status=$?
  [[ "$status" == 2 ]] || fail "$flags: exit $status, expected 2"
  grep -q '^convergence: ' "$TMP/bad.err" || fail "$flags: no message"
done

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
