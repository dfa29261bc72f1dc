#!/bin/bash
# End to end: what swim-demo offers an operator. `swim-demo --local 5
# --metrics=127.0.0.1:0` serves a Prometheus text scrape that passes the
# exposition format's rules and Debian's reference parser
# (check_metrics.py), every member's counters move between two scrapes,
# SIGUSR1 writes the --status-json file (a temporary file a killed run
# left beside it removed at start), and bad values are refused.
#
# Every swim_ family is named in docs/operations.md.
#
# Usage: metrics_demo_test.sh SWIM_DEMO E2E_LIB CHECK_METRICS OPERATIONS_MD

set -uo pipefail
DEMO="${1:?usage: $0 swim-demo e2e_lib.sh check_metrics.py}"
source "${2:?}"
CHECK="${3:?}"
DOC="${4:?}"
# The reference parser is Debian's python3-prometheus-client.
PYTHON=/usr/bin/python3
FAST=(--preset=local --probe-interval=200ms --probe-timeout=100ms
  --gossip-interval=50ms --push-pull-interval=1s --suspicion-mult=3)

read -r P1 P2 P3 P4 P5 <<<"$(CONSECUTIVE=1 free_ports 5)"
# What a run killed while writing the status file leaves beside it.
LEFTOVER="$TMP/status.json.swim-tmp-Left01"
printf 'half a status' >"$LEFTOVER"
start "$DEMO" --local=5 --name "127.0.0.1:$P1" "${FAST[@]}" --json-events \
  --metrics=127.0.0.1:0 --status-json="$TMP/status.json" \
  >"$TMP/demo.jsonl" 2>"$TMP/demo.err"
pid=$last_pid
url() { grep -o 'http://127\.0\.0\.1:[0-9]*/metrics' "$TMP/demo.err"; }
wait_for "the metrics address on stderr" url
URL="$(url)"
[[ -e "$LEFTOVER" ]] && fail "the leftover $LEFTOVER was not removed at start"

scrape() {  # scrape FILE: checks one scrape and keeps its samples
  "$PYTHON" "$CHECK" parse "$URL" >"$1"
}
all_online() {  # every member holds the four others ONLINE
  scrape "$TMP/first.json" && "$PYTHON" - "$TMP/first.json" "$P1" <<'PY'
import json, sys
samples, first = json.load(open(sys.argv[1])), int(sys.argv[2])
for port in range(first, first + 5):
    key = 'swim_members{member="127.0.0.1:%d",status="online"}' % port
    assert samples.get(key) == 4, (key, samples.get(key))
PY
}
wait_for "every member's scrape shows four members ONLINE" all_online
scrape "$TMP/first.json" || fail "the first scrape breaks the format"
sleep 1.5
scrape "$TMP/second.json" || fail "the second scrape breaks the format"
moved="$("$PYTHON" "$CHECK" moved "$TMP/first.json" "$TMP/second.json")"
"$PYTHON" "$CHECK" documented "$TMP/second.json" "$DOC" ||
  fail "a metric is missing from docs/operations.md"
for port in "$P1" "$P2" "$P3" "$P4" "$P5"; do
  for counter in swim_probes_total swim_datagrams_sent_total \
    swim_driver_datagrams_received_total swim_bytes_sent_total; do
    [[ " $moved " == *" ${counter}{member=\"127.0.0.1:${port}\"} "* ]] ||
      fail "${counter} of 127.0.0.1:${port} did not move between scrapes"
  done
done
"$PYTHON" - "$TMP/second.json" <<'PY' || fail "no probe round trips measured"
import json, sys
samples = json.load(open(sys.argv[1]))
counts = [v for k, v in samples.items()
          if k.startswith("swim_probe_rtt_seconds_count{")]
assert len(counts) == 5 and all(count > 0 for count in counts), counts
PY

# SIGUSR1: the status file, every member with a view of the four others.
kill -USR1 "$pid"
wait_for "the status file" test -s "$TMP/status.json"
"$PYTHON" - "$TMP/status.json" <<'PY' || fail "the status file is wrong"
import json, sys
status = json.load(open(sys.argv[1]))
assert len(status["members"]) == 5, status
for member in status["members"]:
    assert member["lifecycle"] == "active", member
    assert [m["status"] for m in member["view"]] == ["ONLINE"] * 4, member
    assert member["gauges"]["online"] == 4, member
    assert member["stats"]["probes"] > 0, member
    assert "datagrams_received" in member["driver"], member
PY
# Written as a view file is: mode 0600, no temporary file left beside it.
[[ "$(stat -c %a "$TMP/status.json")" == 600 ]] ||
  fail "the status file has mode $(stat -c %a "$TMP/status.json"), not 600"
ls "$TMP"/status.json?* >/dev/null 2>&1 &&
  fail "a temporary status file was left: $(ls "$TMP"/status.json?*)"

kill -TERM "$pid"
wait_exit "$pid" "swim-demo after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo exited with $exit_status"

# Bad values: a clear message and exit status 2; a port in use: 1.
expect_failure 2 "--metrics|IP address and port" \
  "$DEMO" --local=1 --metrics=localhost:9100 --duration-s=1
read -r PORT <<<"$(free_ports 1)"
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(20)' "$PORT" &
holder=$!
started_pids+=("$holder")
sleep 0.5
expect_failure 1 "--metrics|cannot listen on 127.0.0.1:$PORT" \
  "$DEMO" --local=1 --metrics="127.0.0.1:$PORT" --duration-s=1
finish
