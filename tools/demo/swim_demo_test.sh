#!/bin/bash
# End to end: swim-demo processes on loopback, followed through their
# --json-events output. Three processes converge and see each other's token
# changes; a SIGKILLed one becomes OFFLINE in the others' streams; SIGTERM
# leaves gracefully (LEFT elsewhere, exit status 0); --local runs several
# members in one process; on a terminal the live table is drawn. The key
# comes from swim-keygen, as the README's commands take it.
#
# Usage: swim_demo_test.sh SWIM_DEMO E2E_LIB JSON_EVENTS SWIM_KEYGEN

set -uo pipefail
DEMO="${1:?usage: $0 swim-demo e2e_lib.sh json_events.py}"
source "${2:?}"
EVENTS="${3:?}"
KEYGEN="${4:?}"

# --- swim-keygen ----------------------------------------------------------
export SWIM_SECRET="$("$KEYGEN")"
[[ "$SWIM_SECRET" =~ ^[A-Za-z0-9+/]{43}=$ ]] ||
  fail "swim-keygen printed '$SWIM_SECRET', not the base64 of 32 bytes"
[[ "$("$KEYGEN")" != "$SWIM_SECRET" ]] || fail "swim-keygen repeated a key"
[[ "$("$KEYGEN" --bytes=16)" =~ ^[A-Za-z0-9+/]{22}==$ ]] ||
  fail "swim-keygen --bytes=16 is not the base64 of 16 bytes"
"$KEYGEN" --bytes=7 >/dev/null 2>"$TMP/keygen.err" && fail "--bytes=7 accepted"
grep -q "16, 24 or 32" "$TMP/keygen.err" ||
  fail "swim-keygen --bytes=7 says: $(cat "$TMP/keygen.err")"
# Short intervals so the test takes seconds; no timing is asserted.
FAST=(--preset=local --probe-interval=200ms --probe-timeout=100ms
  --gossip-interval=50ms --push-pull-interval=1s --suspicion-mult=3)

status_of() {  # status_of FILE MEMBER
  python3 "$EVENTS" status "$1" "$2"
}
sees() {  # sees FILE MEMBER STATUS
  [[ "$(status_of "$1" "$2")" == "$3" ]]
}
tokens_of() {  # tokens_of FILE MEMBER
  python3 "$EVENTS" tokens "$1" "$2"
}
sees_token_change() {  # sees_token_change FILE MEMBER
  (($(tokens_of "$1" "$2") >= 2))
}

# --- Three processes ------------------------------------------------------
read -r PA PB PC <<<"$(free_ports 3)"
A="127.0.0.1:$PA"
B="127.0.0.1:$PB"
C="127.0.0.1:$PC"
start "$DEMO" --json-events --name "$A" --metadata name one \
  --token-interval=0.5 "${FAST[@]}" >"$TMP/a.jsonl" 2>"$TMP/a.err"
pid_a=$last_pid
# The Python swim-protocol's spellings: --peer X, --metadata KEY VALUE.
start "$DEMO" --json-events --name "$B" --peer "$A" --metadata name two \
  --token-interval=0.5 "${FAST[@]}" >"$TMP/b.jsonl" 2>"$TMP/b.err"
pid_b=$last_pid
start "$DEMO" --json-events --name="$C" --peer="$A" --metadata=name=three \
  --token-interval=0.5 "${FAST[@]}" >"$TMP/c.jsonl" 2>"$TMP/c.err"
pid_c=$last_pid

for pair in "a:$B" "a:$C" "b:$A" "b:$C" "c:$A" "c:$B"; do
  file="$TMP/${pair%%:*}.jsonl"
  member="${pair#*:}"
  wait_for "${pair%%:*} sees $member ONLINE" sees "$file" "$member" ONLINE
done
for pair in "a:$B" "b:$C" "c:$A"; do
  file="$TMP/${pair%%:*}.jsonl"
  member="${pair#*:}"
  wait_for "${pair%%:*} sees $member's token change" \
    sees_token_change "$file" "$member"
done
grep -q '"event":"started","observer":"'"$A"'"' "$TMP/a.jsonl" ||
  fail "a's stream does not start with a started event"
grep -q '"member":"'"$B"'".*"metadata":{"name":"two"' "$TMP/a.jsonl" ||
  fail "a does not see b's metadata name=two"

# A SIGKILLed member becomes OFFLINE in the others' streams.
kill -KILL "$pid_c"
wait "$pid_c" 2>/dev/null
wait_for "a sees c OFFLINE" sees "$TMP/a.jsonl" "$C" OFFLINE
wait_for "b sees c OFFLINE" sees "$TMP/b.jsonl" "$C" OFFLINE

# SIGTERM: b leaves gracefully, a sees it LEFT, b exits with 0.
kill -TERM "$pid_b"
wait_exit "$pid_b" "swim-demo after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo exited with $exit_status after SIGTERM"
wait_for "a sees b LEFT" sees "$TMP/a.jsonl" "$B" LEFT
tail -n 1 "$TMP/b.jsonl" | grep -q '"event":"stopped".*"status":"LEFT"' ||
  fail "b's last line is not its stopped event: $(tail -n 1 "$TMP/b.jsonl")"

kill -INT "$pid_a"
wait_exit "$pid_a" "swim-demo after SIGINT"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo exited with $exit_status after SIGINT"

for name in a b c; do
  python3 "$EVENTS" check "$TMP/$name.jsonl" >/dev/null ||
    fail "$name's output is not one JSON event per line"
done
[[ ! -s "$TMP/a.err" ]] || fail "a wrote to stderr: $(cat "$TMP/a.err")"

# --- --local: several members in one process, bounded by --duration-s ----
# Without SWIM_SECRET, as the README's quick start runs it: the members
# share a key generated for the run.
read -r P1 P2 P3 <<<"$(CONSECUTIVE=1 free_ports 3)"
# Each keeps its view in a file of its own: VIEW.1, VIEW.2, VIEW.3. What a
# member killed while saving left beside its file goes at start; files of
# other names stay.
printf 'half a view' >"$TMP/view.2.swim-tmp-Left02"
printf 'mine' >"$TMP/view.1.backup"
printf 'not theirs' >"$TMP/view.swim-tmp-Left00"
start env -u SWIM_SECRET "$DEMO" --local=3 --name "127.0.0.1:$P1" \
  --view-file="$TMP/view" \
  --token-interval=0.5 "${FAST[@]}" >"$TMP/local.jsonl" 2>"$TMP/local.err"
pid_local=$last_pid
# Every member named in FILE's events sees the other two ONLINE.
all_three_converged_in() {
  python3 - "$@" <<'PY'
import json, sys
path, ports = sys.argv[1], sys.argv[2:]
names = ["127.0.0.1:" + p for p in ports]
latest = {}
with open(path) as f:
    for line in f:
        if line.endswith("\n"):
            e = json.loads(line)
            latest[(e["observer"], e["member"])] = e["status"]
ok = all(latest.get((o, m)) == "ONLINE"
         for o in names for m in names if o != m)
sys.exit(0 if ok else 1)
PY
}
all_three_converged() {
  all_three_converged_in "$TMP/local.jsonl" "$P1" "$P2" "$P3"
}
wait_for "--local members see each other ONLINE" all_three_converged
grep -q '"metadata":{"name":"three"' "$TMP/local.jsonl" ||
  fail "--local members are not named one, two, three"
three_views() {
  [[ -s "$TMP/view.1" && -s "$TMP/view.2" && -s "$TMP/view.3" ]]
}
wait_for "--local members save a view file each" three_views
[[ ! -e "$TMP/view" ]] || fail "a --local member saved its view to --view-file itself"
[[ ! -e "$TMP/view.2.swim-tmp-Left02" ]] ||
  fail "the leftover temporary file of view.2 was not removed at start"
[[ "$(cat "$TMP/view.1.backup" "$TMP/view.swim-tmp-Left00")" == "minenot theirs" ]] ||
  fail "a file not left by a member's save was removed"
kill -TERM "$pid_local"
wait_exit "$pid_local" "swim-demo --local after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo --local exited with $exit_status"
[[ "$(grep -c '"event":"stopped".*"status":"LEFT"' "$TMP/local.jsonl")" -eq 3 ]] ||
  fail "not every --local member reports stopped LEFT"

# --tcp-only: the same, with every message over TCP.
read -r P1 P2 P3 <<<"$(CONSECUTIVE=1 free_ports 3)"
start env -u SWIM_SECRET "$DEMO" --local=3 --name "127.0.0.1:$P1" \
  --tcp-only "${FAST[@]}" >"$TMP/tcp.jsonl" 2>"$TMP/tcp.err"
pid_tcp=$last_pid
tcp_converged() {
  all_three_converged_in "$TMP/tcp.jsonl" "$P1" "$P2" "$P3"
}
wait_for "--tcp-only members see each other ONLINE" tcp_converged
kill -TERM "$pid_tcp"
wait_exit "$pid_tcp" "swim-demo --tcp-only after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo --tcp-only exited with $exit_status"

# --duration-s ends a run by itself, with a graceful leave.
read -r PD <<<"$(free_ports 1)"
start "$DEMO" --json-events --name "127.0.0.1:$PD" --duration-s=0.5 \
  "${FAST[@]}" >"$TMP/duration.jsonl" 2>&1
wait_exit "$last_pid" "swim-demo --duration-s"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo --duration-s exited with $exit_status"
grep -q '"event":"stopped"' "$TMP/duration.jsonl" ||
  fail "--duration-s run did not stop by itself: $(cat "$TMP/duration.jsonl")"

# --- On a terminal: the live table --------------------------------------
read -r PT1 PT2 <<<"$(CONSECUTIVE=1 free_ports 2)"
timeout 30 script -qefc "$DEMO --local=2 --name 127.0.0.1:$PT1 \
  --duration-s=3 ${FAST[*]}" "$TMP/table.typescript" >/dev/null 2>&1 ||
  fail "swim-demo on a terminal exited with $?"
table="$(tr -d '\r' <"$TMP/table.typescript")"
for text in "NAME" "STATUS" "INCARNATION" "SINCE" "METADATA" \
  "> "$'\e[1m'"127.0.0.1:$PT1" $'\e[32mONLINE' "name=two" "probes " \
  "swim-demo: left"; do
  [[ "$table" == *"$text"* ]] || fail "the table lacks '$text'"
done
[[ "$table" != *'"event"'* ]] || fail "JSON on a terminal without --json-events"

finish
