#!/bin/bash
# End-to-end checks of swim-sim: JSON output, convergence, replay by seed,
# the failure scenario's measurements, and bad flags.
#
# Usage: swim_sim_test.sh path/to/swim-sim   (Bazel passes it via args)

set -euo pipefail

SIM="${1:?usage: $0 path/to/swim-sim}"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Prints field $2 of the JSON object in file $1 (Python's repr of the value:
# True/False/None, numbers, strings). Fails if the output is not exactly one
# valid JSON object.
field() {
  python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    value = json.loads(f.read())
assert isinstance(value, dict), "not a JSON object"
print(repr(value[sys.argv[2]]))
' "$1" "$2"
}

expect() {  # expect NAME KEY VALUE WHAT: field KEY of NAME's run is VALUE
  [[ "$(field "$TMP/$1.json" "$2")" == "$3" ]] ||
    fail "$4: $2 is not $3: $(cat "$TMP/$1.json")"
}

run() {  # run NAME FLAGS...: swim-sim --json FLAGS > $TMP/NAME.json
  local name="$1"
  shift
  if ! "$SIM" --json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"; then
    fail "swim-sim $* exited with $?: $(cat "$TMP/$name.err")"
  fi
}

# --- --version: the release, the wire format and the crypto library -----------
version="$("$SIM" --version)"
if ! [[ "${version}" =~ ^swim-sim\ [0-9]+\.[0-9]+\.[0-9]+\ \(wire\ format\ 2,\ (BoringSSL|OpenSSL\ 3\.[0-9.]+)\)$ ]]; then
  fail "swim-sim --version printed '${version}'"
fi

# --- join: converges, replays by seed ----------------------------------------
run join1 --nodes=20 --seed=1 --preset=lan --scenario=join
run join1again --nodes=20 --seed=1 --preset=lan --scenario=join
run join2 --nodes=20 --seed=2 --preset=lan --scenario=join

[[ "$(field "$TMP/join1.json" converged)" == "True" ]] ||
  fail "join did not converge: $(cat "$TMP/join1.json")"
[[ "$(field "$TMP/join1.json" nodes)" == "20" ]] || fail "nodes is not 20"
[[ "$(field "$TMP/join1.json" seed)" == "1" ]] || fail "seed is not 1"
[[ "$(field "$TMP/join1.json" scenario)" == "'join'" ]] ||
  fail "scenario is not join"
converged_s="$(field "$TMP/join1.json" converged_s)"
python3 -c "import sys; assert 0 < float(sys.argv[1]) < 60" "$converged_s" ||
  fail "converged_s out of range: $converged_s"
[[ "$(field "$TMP/join1.json" first_suspect_s)" == "None" ]] ||
  fail "first_suspect_s should be null outside the failure scenario"
for key in datagrams bytes wall_s peak_rss_bytes false_offline; do
  value="$(field "$TMP/join1.json" "$key")"
  python3 -c "import sys; assert float(sys.argv[1]) >= 0" "$value" ||
    fail "$key is not a number: $value"
done

hash1="$(field "$TMP/join1.json" trace_hash)"
hash1again="$(field "$TMP/join1again.json" trace_hash)"
hash2="$(field "$TMP/join2.json" trace_hash)"
[[ "$hash1" =~ ^\'[0-9a-f]{16}\'$ ]] || fail "trace_hash format: $hash1"
[[ "$hash1" == "$hash1again" ]] ||
  fail "same flags, different trace_hash: $hash1 vs $hash1again"
[[ "$hash1" != "$hash2" ]] || fail "seeds 1 and 2 gave the same trace_hash"

# --- failure: the crashed member is declared OFFLINE everywhere ---------------
run failure --nodes=20 --seed=1 --preset=lan --scenario=failure
all_offline="$(field "$TMP/failure.json" all_offline_s)"
python3 -c "import sys; assert float(sys.argv[1]) > 0" "$all_offline" ||
  fail "all_offline_s is not a number: $all_offline"
first_suspect="$(field "$TMP/failure.json" first_suspect_s)"
python3 -c "import sys; assert 0 < float(sys.argv[1]) <= float(sys.argv[2])" \
  "$first_suspect" "$all_offline" ||
  fail "first_suspect_s ($first_suspect) not in (0, all_offline_s]"
[[ "$(field "$TMP/failure.json" converged)" == "True" ]] ||
  fail "failure did not converge"

# --- isolate: the cut-off member declares nobody, everyone declares it once ----
run isolate --nodes=20 --seed=1 --preset=lan --scenario=isolate --cut-s=120
expect isolate converged True "isolate did not converge"
expect isolate offline_by_isolated 0 \
  "the isolated member declared others OFFLINE"
expect isolate offline_about_isolated 19 \
  "not every member declared the isolated one once"

# --- long-partition: both sides forget each other, then heal via the seed -----
run long --nodes=20 --seed=1 --preset=lan --scenario=long-partition \
  --reconnect-timeout-s=60
[[ "$(field "$TMP/long.json" converged)" == "True" ]] ||
  fail "long-partition did not converge: $(cat "$TMP/long.json")"
reaped="$(field "$TMP/long.json" reaped)"
python3 -c "import sys; assert int(sys.argv[1]) >= 200" "$reaped" ||
  fail "long-partition: the sides did not forget each other (reaped $reaped)"

# --- restart: from the saved view with no seed, and cold -----------------------
run warm --nodes=20 --seed=1 --preset=lan --scenario=restart
[[ "$(field "$TMP/warm.json" converged)" == "True" ]] ||
  fail "restart from the view did not converge: $(cat "$TMP/warm.json")"
[[ "$(field "$TMP/warm.json" restored)" == "19" ]] ||
  fail "restart did not restore the 19 others: $(cat "$TMP/warm.json")"
run cold --nodes=20 --seed=1 --preset=lan --scenario=restart --snapshot=off
[[ "$(field "$TMP/cold.json" converged)" == "True" ]] ||
  fail "cold restart did not converge: $(cat "$TMP/cold.json")"
[[ "$(field "$TMP/cold.json" restored)" == "0" ]] ||
  fail "a cold restart restored members: $(cat "$TMP/cold.json")"
python3 -c "import sys; assert int(sys.argv[1]) > 0" \
  "$(field "$TMP/cold.json" restart_bytes)" ||
  fail "restart_bytes missing: $(cat "$TMP/cold.json")"

# --- replace: members come and go under new names; memory stays bounded -------
run replace --nodes=20 --seed=1 --preset=lan --scenario=replace \
  --churn-s=1800 --replace-every-s=20 --reconnect-timeout-s=300
[[ "$(field "$TMP/replace.json" converged)" == "True" ]] ||
  fail "replace did not converge: $(cat "$TMP/replace.json")"
[[ "$(field "$TMP/replace.json" replaced)" == "89" ]] ||
  fail "replace: not one member every 20 s: $(cat "$TMP/replace.json")"
python3 - "$(field "$TMP/replace.json" max_known)" \
  "$(field "$TMP/replace.json" known_bound)" \
  "$(field "$TMP/replace.json" reaped)" <<'PY' ||
import sys
known, bound, reaped = map(int, sys.argv[1:])
assert 19 < known <= bound, (known, bound)
assert reaped > 0, reaped
PY
  fail "replace: memory not bounded: $(cat "$TMP/replace.json")"

# --- dns-seeds: the seed name changes while a group is cut off ---------------
# Cut off longer than anyone remembers them, the group finds the cluster
# again only through the new seeds, which a refresh of the name gives it.
run dns --nodes=12 --seed=1 --preset=lan --scenario=dns-seeds \
  --reconnect-timeout-s=120
run dns_once --nodes=12 --seed=1 --preset=lan --scenario=dns-seeds \
  --reconnect-timeout-s=120 --refresh-s=0
expect dns converged True "dns-seeds did not converge"
expect dns cut_members 2 "dns-seeds: the group cut off"
# Every original member but the three replaced seed hosts took the new
# seeds.
expect dns refreshed 9 "dns-seeds: members refreshed"
expect dns_once converged False "dns-seeds healed without a refresh"
expect dns_once refreshed 0 "dns-seeds --refresh-s=0"

# --- a window with members down, with and without reconnecting ---------------
run down --nodes=20 --seed=1 --preset=lan --scenario=join --duration-s=60 \
  --down=0.2
run down_off --nodes=20 --seed=1 --preset=lan --scenario=join \
  --duration-s=60 --down=0.2 --reconnect-interval-s=0
[[ "$(field "$TMP/down.json" crashed)" == "3" ]] ||
  fail "--down=0.2 of 20 did not crash members 5, 10 and 15: $(cat "$TMP/down.json")"
python3 -c "import sys; assert int(sys.argv[1]) > 0 and int(sys.argv[2]) > 0" \
  "$(field "$TMP/down.json" window_bytes)" \
  "$(field "$TMP/down_off.json" window_bytes)" ||
  fail "window_bytes missing: $(cat "$TMP/down.json")"
[[ "$(field "$TMP/down.json" trace_hash)" != \
  "$(field "$TMP/down_off.json" trace_hash)" ]] ||
  fail "--reconnect-interval-s=0 changed nothing"

# --- lifeguard: on by default, off on request, and the runs differ ------------
[[ "$(field "$TMP/failure.json" lifeguard)" == "True" ]] ||
  fail "lifeguard is not on by default"
run failure_plain --nodes=20 --seed=1 --preset=lan --scenario=failure \
  --lifeguard=off
[[ "$(field "$TMP/failure_plain.json" lifeguard)" == "False" ]] ||
  fail "--lifeguard=off not reported"
[[ "$(field "$TMP/failure_plain.json" converged)" == "True" ]] ||
  fail "failure without lifeguard did not converge"
[[ "$(field "$TMP/failure_plain.json" trace_hash)" != \
  "$(field "$TMP/failure.json" trace_hash)" ]] ||
  fail "--lifeguard=off changed nothing"

# --- the summary names the seed ------------------------------------------------
"$SIM" --nodes=5 --seed=77 --scenario=join >"$TMP/summary.txt" 2>&1 ||
  fail "summary run failed"
grep -q "seed 77" "$TMP/summary.txt" || fail "summary does not print the seed"

# --- bad flags: exit 2, message names the flag ---------------------------------
bad_flag() {  # bad_flag EXPECTED_TEXT FLAGS...
  local expected="$1"
  shift
  local status=0
  "$SIM" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err" || status=$?
  if [[ "$status" -ne 2 ]]; then
    fail "swim-sim $* exited with $status, want 2"
  fi
  grep -qF -- "$expected" "$TMP/bad.err" ||
    fail "swim-sim $*: stderr does not name $expected: $(cat "$TMP/bad.err")"
  [[ ! -s "$TMP/bad.out" ]] || fail "swim-sim $* printed to stdout"
}
bad_flag "--preset=moon" --preset=moon
bad_flag "--scenario=dance" --scenario=dance
bad_flag "--snapshot=maybe" --snapshot=maybe
bad_flag "--replace-every-s=0" --replace-every-s=0
bad_flag "--down=1" --down=1
bad_flag "--nodes=1" --nodes=1
bad_flag "--nodes=5" --nodes=5 --scenario=dns-seeds
bad_flag "--refresh-s=-1" --refresh-s=-1
bad_flag "--reconnect-interval-s=0" --nodes=6 --scenario=dns-seeds \
  --reconnect-interval-s=0
bad_flag "--nodes=100001" --nodes=100001
bad_flag "--loss=1" --loss=1
bad_flag "--loss=-0.5" --loss=-0.5
bad_flag "--latency-ms=-1" --latency-ms=-1
bad_flag "--duration-s=-3" --duration-s=-3
bad_flag "--lifeguard=maybe" --lifeguard=maybe
bad_flag "--frobnicate" --frobnicate=3
bad_flag "--nodes=many" --nodes=many

if [[ "$failures" -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "PASS"
