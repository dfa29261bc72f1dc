#!/bin/bash
# End to end with TLS on the streams: the certificate commands of
# docs/drivers.md ("TLS"), run as written (for 127.0.0.1 instead of
# 10.0.0.1), give two swim-demo processes in TCP-only mode (every byte under
# TLS) the certificates they converge with; a third, holding a certificate
# for 127.0.0.2, is refused and counted and never seen; SIGHUP re-reads the
# files, or keeps the old ones when the new ones are broken; with
# --tls-peer-name, the documented named certificates converge and the CA's
# certificate without the name is refused; bad TLS flags and files are
# clear errors.
#
# Usage: tls_demo_test.sh SWIM_DEMO E2E_LIB JSON_EVENTS DRIVERS_MD

set -uo pipefail
DEMO="${1:?usage: $0 swim-demo e2e_lib.sh json_events.py drivers.md}"
source "${2:?}"
EVENTS="${3:?}"
DOC="${4:?}"

command -v openssl >/dev/null || {
  echo "openssl is missing: bash tools/setup.sh installs it" >&2
  exit 1
}
export SWIM_SECRET="$(python3 -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())")"
FAST=(--preset=local --probe-interval=200ms --probe-timeout=100ms
  --gossip-interval=50ms --push-pull-interval=1s --suspicion-mult=3)

# The documented commands, between their markers, without the fence.
commands="$(sed -n '/<!-- tls-certificates: begin -->/,/<!-- tls-certificates: end -->/p' "$DOC" |
  grep -v '^<!--' | grep -v '^```')"
[[ -n "$commands" ]] || fail "no certificate commands in $DOC"
grep -q '^MEMBER=10.0.0.1$' <<<"$commands" || fail "the commands set no MEMBER"
# The CA once, then a member for each address.
ca_part="$(sed '/^MEMBER=/,$d' <<<"$commands")"
member_part="$(sed -n '/^MEMBER=/,$p' <<<"$commands" | sed 1d)"
mkdir -p "$TMP/certs"
(cd "$TMP/certs" && bash -euo pipefail -c "$ca_part") >"$TMP/certs.log" 2>&1 ||
  fail "the CA commands failed: $(cat "$TMP/certs.log")"
for member in 127.0.0.1 127.0.0.2; do
  (cd "$TMP/certs" && MEMBER="$member" bash -euo pipefail -c "$member_part") \
    >>"$TMP/certs.log" 2>&1 ||
    fail "the member commands failed for $member: $(cat "$TMP/certs.log")"
done
C="$TMP/certs"
tls_of() {  # tls_of ADDRESS: the TLS flags of a member with that certificate
  echo --tls-cert "$C/$1.crt" --tls-key "$C/$1.key" --tls-ca "$C/ca.pem"
}

status_of() {  # status_of FILE MEMBER
  python3 "$EVENTS" status "$1" "$2"
}
sees() {  # sees FILE MEMBER STATUS
  [[ "$(status_of "$1" "$2")" == "$3" ]]
}

# --- Two members under TLS, TCP-only -------------------------------------
read -r PA PB PI <<<"$(free_ports 3)"
A="127.0.0.1:$PA"
B="127.0.0.1:$PB"
start "$DEMO" --json-events --name "$A" --tcp-only $(tls_of 127.0.0.1) \
  --status-json "$TMP/a.json" "${FAST[@]}" >"$TMP/a.jsonl" 2>"$TMP/a.err"
pid_a=$last_pid
start "$DEMO" --json-events --name "$B" --peer "$A" --tcp-only \
  $(tls_of 127.0.0.1) "${FAST[@]}" >"$TMP/b.jsonl" 2>"$TMP/b.err"
pid_b=$last_pid
wait_for "A sees B ONLINE over TLS" sees "$TMP/a.jsonl" "$B" ONLINE
wait_for "B sees A ONLINE over TLS" sees "$TMP/b.jsonl" "$A" ONLINE

# --- A certificate for another address -----------------------------------
# refused WHO ADDRESS SEED TLS-FLAGS...: a member at ADDRESS with those
# TLS flags, joining through SEED (whose output is $TMP/SEED's .err and
# .jsonl), is refused for its certificate's identity, hears why, and stays
# unknown to SEED.
refused() {
  local who="$1" address="$2" seed="$3"
  shift 3
  start "$DEMO" --json-events --name "$address" --peer "${!seed}" --tcp-only \
    "$@" "${FAST[@]}" >"$TMP/refused.jsonl" 2>"$TMP/refused.err"
  local pid=$last_pid
  wait_for "$seed reports the certificate of $who" \
    grep -q "identity-mismatch" "$TMP/${seed,,}.err"
  wait_for "$who hears why it was refused" \
    grep -q "refused-by-peer" "$TMP/refused.err"
  sleep 1
  [[ "$(status_of "$TMP/${seed,,}.jsonl" "$address")" == NONE ]] ||
    fail "$seed knows $who: $(status_of "$TMP/${seed,,}.jsonl" "$address")"
  kill -KILL "$pid"
}
refused "the impostor" "127.0.0.1:$PI" A $(tls_of 127.0.0.2)

# --- SIGHUP re-reads the files --------------------------------------------
kill -HUP "$pid_a"
wait_for "A re-reads its certificates on SIGHUP" \
  grep -q "TLS certificates re-read" "$TMP/a.err"
# The report gives the certificate's end date, as openssl reads it.
not_after="$(openssl x509 -noout -enddate -in "$C/127.0.0.1.crt" | cut -d= -f2)"
expires="$(date -u -d "$not_after" +%Y-%m-%dT%H:%M:%SZ)"
grep -q "TLS certificates re-read; .*(the certificate expires $expires)" \
  "$TMP/a.err" || fail "the reload does not say $expires: $(cat "$TMP/a.err")"
# So does the status dump.
kill -USR1 "$pid_a"
wait_for "A writes its status" test -s "$TMP/a.json"
dumped="$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["members"][0]["tls_certificate_expires"])' \
  "$TMP/a.json")"
[[ "$dumped" == "$expires" ]] ||
  fail "the status dump says the certificate expires $dumped, not $expires"
cp "$C/127.0.0.1.key" "$C/kept.key"
echo "not a key" >"$C/127.0.0.1.key"
kill -HUP "$pid_a"
wait_for "A keeps its certificates when the new ones are broken" \
  grep -q "TLS certificates kept: .*127.0.0.1.key" "$TMP/a.err"
cp "$C/kept.key" "$C/127.0.0.1.key"
kill -0 "$pid_a" || fail "A exited on SIGHUP"
sees "$TMP/b.jsonl" "$A" ONLINE || fail "B no longer sees A after the reloads"

# SIGTERM still leaves gracefully.
kill -TERM "$pid_a"
wait_exit "$pid_a" "swim-demo with TLS after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-demo with TLS exited with $exit_status"
wait_for "B sees A LEFT" sees "$TMP/b.jsonl" "$A" LEFT
kill -TERM "$pid_b"
wait_exit "$pid_b" "the second TLS member after SIGTERM"

# --- Clear errors ----------------------------------------------------------
read -r PE <<<"$(free_ports 1)"
expect_failure 2 "--tls-key is missing" \
  "$DEMO" --name "127.0.0.1:$PE" --tls-cert "$C/127.0.0.1.crt" \
  --tls-ca "$C/ca.pem"
expect_failure 2 "--tls-identity=name" \
  "$DEMO" --name "127.0.0.1:$PE" $(tls_of 127.0.0.1) --tls-identity=name
expect_failure 1 "absent.crt" \
  "$DEMO" --name "127.0.0.1:$PE" --tls-cert "$C/absent.crt" \
  --tls-key "$C/127.0.0.1.key" --tls-ca "$C/ca.pem"
expect_failure 1 "does not belong" \
  "$DEMO" --name "127.0.0.1:$PE" --tls-cert "$C/127.0.0.1.crt" \
  --tls-key "$C/127.0.0.2.key" --tls-ca "$C/ca.pem"

# --- A name of the cluster's own (--tls-peer-name) -------------------------
# The documented command, run as written, gives 127.0.0.1 a certificate
# carrying the cluster's name; its earlier one, from the same CA, lacks it.
named_cert="$(sed -n '/<!-- tls-peer-name: begin -->/,/<!-- tls-peer-name: end -->/p' "$DOC" |
  grep -v '^<!--' | grep -v '^```')"
grep -q 'DNS:members.swim.example' <<<"$named_cert" ||
  fail "the named certificate command names no cluster: $named_cert"
N="$TMP/named"
cp -r "$C" "$N"
(cd "$N" && MEMBER=127.0.0.1 bash -euo pipefail -c "$named_cert") \
  >>"$TMP/certs.log" 2>&1 ||
  fail "the named certificate command failed: $(cat "$TMP/certs.log")"
named_of() {  # the TLS flags of 127.0.0.1 with the cluster's name
  # Repeated, the flag adds names: members.swim.example stays required.
  echo --tls-cert "$N/127.0.0.1.crt" --tls-key "$N/127.0.0.1.key" \
    --tls-ca "$N/ca.pem" --tls-peer-name members.swim.example \
    --tls-peer-name members.other.example
}
read -r PD PF PU <<<"$(free_ports 3)"
D="127.0.0.1:$PD"
F="127.0.0.1:$PF"
start "$DEMO" --json-events --name "$D" --tcp-only $(named_of) \
  "${FAST[@]}" >"$TMP/d.jsonl" 2>"$TMP/d.err"
pid_d=$last_pid
start "$DEMO" --json-events --name "$F" --peer "$D" --tcp-only $(named_of) \
  "${FAST[@]}" >"$TMP/f.jsonl" 2>"$TMP/f.err"
pid_f=$last_pid
wait_for "D sees F ONLINE, both named" sees "$TMP/d.jsonl" "$F" ONLINE
# The CA's certificate for the right address, without the name: refused.
refused "the unnamed member" "127.0.0.1:$PU" D $(tls_of 127.0.0.1)
grep -q "carries none of the DNS names required of peers" "$TMP/d.err" ||
  fail "D does not say why: $(cat "$TMP/d.err")"
kill -TERM "$pid_d" "$pid_f"
wait_exit "$pid_d" "the named member D after SIGTERM"
wait_exit "$pid_f" "the named member F after SIGTERM"
# A member whose own certificate lacks the name does not start.
expect_failure 1 "carries none of the DNS names this member requires of peers" \
  "$DEMO" --name "127.0.0.1:$PE" $(tls_of 127.0.0.1) \
  --tls-peer-name members.swim.example
expect_failure 2 "--tls-peer-name=members.swim.example,members.other.example,*.swim.example|no wildcard" \
  "$DEMO" --name "127.0.0.1:$PE" $(named_of) --tls-peer-name '*.swim.example'

finish
