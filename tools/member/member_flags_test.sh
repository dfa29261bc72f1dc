#!/bin/bash
# Every bad flag and environment value of swim-demo and swim-sync: the exit
# status (2 for a bad value, 1 when the member cannot start) and a message
# naming the value. Also: a flag wins over the environment, _FILE variables
# are read, a secret is a key (text is refused; a marked passphrase works
# with a warning), --secret is refused, --insecure runs without a secret
# and says so.
#
# Usage: member_flags_test.sh SWIM_DEMO SWIM_SYNC E2E_LIB

set -uo pipefail
DEMO="${1:?usage: $0 swim-demo swim-sync e2e_lib.sh}"
SYNC="${2:?}"
source "${3:?}"

unset SWIM_SECRET SWIM_SECRET_FILE SWIM_NAME SWIM_NAME_FILE SWIM_PEERS \
  SWIM_PEERS_FILE
# A fixed test key (base64 of 32 bytes), as swim-keygen prints them.
KEY="$TMP/key"
echo "bWVtYmVyIGZsYWdzIHRlc3Qga2V5LCAzMiBieXRlcy4=" >"$KEY"
read -r PORT PORT2 <<<"$(free_ports 2)"
NAME="127.0.0.1:$PORT"
DIR="$TMP/sync"

# Both programs share the member flags: every case runs against each.
for program in "$DEMO" "$SYNC"; do
  operand=()
  [[ "$program" == "$SYNC" ]] && operand=("$DIR")
  # The operand first, so a flag missing its value cannot take it.
  run() { expect_failure "$1" "$2" "$3" "${operand[@]}" "${@:4}"; }
  ok=(--name="$NAME" --secret-file="$KEY")

  # No secret: refuse, say how to give one and that --insecure exists.
  run 2 "no secret|SWIM_SECRET|swim-keygen|--insecure" "$program" --name="$NAME"
  run 2 "--secret-file is empty" "$program" --name="$NAME" --secret-file ""
  # A secret on the command line would be visible in ps.
  run 2 "--secret is not taken|visible to every user|SWIM_SECRET" \
    "$program" --name="$NAME" --secret "$(cat "$KEY")"
  # Text a person chose is not a key (and is never echoed back).
  SWIM_SECRET="our cluster secret" \
    run 2 "SWIM_SECRET is not a key|swim-keygen|passphrase:" \
    "$program" --name="$NAME"
  # Bad flag values, each named.
  run 2 "--preset=moon: unknown preset (lan, wan or local)" \
    "$program" "${ok[@]}" --preset=moon
  run 2 "--name=127.0.0.1:http: the port must be 1-65535" \
    "$program" --name=127.0.0.1:http --secret-file="$KEY"
  run 2 "--name=::1:7946: IPv6 addresses need brackets" \
    "$program" --name=::1:7946 --secret-file="$KEY"
  run 2 "--name=0.0.0.0:$PORT: a wildcard address cannot be advertised" \
    "$program" --name="0.0.0.0:$PORT" --secret-file="$KEY"
  run 2 "no member name|SWIM_NAME" "$program" --secret-file="$KEY"
  run 2 "--name=:7001: no host|--default-host" \
    "$program" --name=:7001 --secret-file="$KEY"
  run 2 "--name=127.0.0.1: no port|--default-port" \
    "$program" --name=127.0.0.1 --secret-file="$KEY"
  run 2 "--peer=127.0.0.1:99999: the port must be 1-65535" \
    "$program" "${ok[@]}" --peer 127.0.0.1:1 --peer=127.0.0.1:99999
  run 2 "--peer=: empty peer" "$program" "${ok[@]}" --peer=
  run 2 "--bind=eth0: not an IP address" "$program" "${ok[@]}" --bind=eth0
  # TLS peer names: empty is refused; each spelling adds its names, all
  # checked before any file is read.
  tls=(--tls-cert "$TMP/none.crt" --tls-key "$TMP/none.key" --tls-ca "$TMP/ca.pem")
  run 2 "--tls-peer-name is empty" "$program" "${ok[@]}" "${tls[@]}" \
    --tls-peer-name=members.swim.example --tls-peer-name=
  run 2 "--tls-peer-name=a.example,b.example,*.x|no wildcard" \
    "$program" "${ok[@]}" "${tls[@]}" --tls_peer_name=a.example \
    --tls-peer-name b.example --tls-peer-name='*.x'
  run 2 "--tls-peer-name=10.0.0.1|not an IP address" \
    "$program" "${ok[@]}" "${tls[@]}" --tls-peer-name 10.0.0.1
  run 2 "--tls-peer-name needs TLS" \
    "$program" "${ok[@]}" --tls-peer-name members.swim.example
  # Flags from a file would pass around every check above.
  run 2 "--flagfile is not supported" "$program" "${ok[@]}" --flagfile="$KEY"
  # A view file that could never be saved: refused at start, not at the
  # first save.
  run 1 "--view-file: cannot create a file beside $TMP/none/view|No such file" \
    "$program" "${ok[@]}" --view-file="$TMP/none/view"
  run 1 "--view-file: $TMP is a directory" "$program" "${ok[@]}" --view-file="$TMP"
  run 2 "--bind-port=70000: the port must be 1-65535" \
    "$program" "${ok[@]}" --bind-port=70000
  run 2 "--default-port=0: the port must be 1-65535" \
    "$program" "${ok[@]}" --default-port=0
  run 2 "--default-host=no host: not a host name" \
    "$program" "${ok[@]}" "--default-host=no host"
  run 2 "--probe-interval=soon" "$program" "${ok[@]}" --probe-interval=soon
  run 2 "--probe-interval=-1s: probe_interval must be at least 1ms, is -1s" \
    "$program" "${ok[@]}" --probe-interval=-1s
  run 2 "--probe-timeout=5s: probe_timeout must be positive and below probe_interval" \
    "$program" "${ok[@]}" --probe-timeout=5s
  run 2 "probe_timeout must be positive and below probe_interval, is 500ms (the preset's value; set --probe-timeout or SWIM_PROBE_TIMEOUT)" \
    "$program" "${ok[@]}" --probe-interval=300ms
  run 2 "--suspicion-mult=0: suspicion_mult must be 1-100" \
    "$program" "${ok[@]}" --suspicion-mult=0
  run 2 "--datagram-budget=100: datagram_budget must be 512-65507 bytes" \
    "$program" "${ok[@]}" --datagram-budget 100
  run 2 "--tcp-only=maybe" "$program" "${ok[@]}" --tcp-only=maybe
  run 2 "--gossip-nodes=many" "$program" "${ok[@]}" --gossip-nodes=many
  run 2 "--discovery needs a DNS name" "$program" "${ok[@]}" --discovery
  run 2 "--metadata: 1 entries encode to|over the limit of 512 bytes|the largest is blob" \
    "$program" "${ok[@]}" --metadata blob "$(head -c 600 /dev/zero | tr '\0' x)"
  run 2 "--metadata=novalue: expected KEY=VALUE" \
    "$program" "${ok[@]}" --metadata=novalue
  run 2 "--metadata key needs a value" "$program" "${ok[@]}" --metadata key
  run 2 "--metadata=" "$program" "${ok[@]}" "--metadata==value"
  run 2 "unknown flag --frobnicate" "$program" "${ok[@]}" --frobnicate
  run 2 "flag --name needs a value" "$program" --secret-file="$KEY" --name
  run 2 "--label: label must be 0-255 bytes" \
    "$program" "${ok[@]}" --label="$(head -c 300 /dev/zero | tr '\0' l)"

  # Bad environment values, each named.
  SWIM_SECRET_FILE=/nonexistent/secret \
    run 2 "SWIM_SECRET_FILE=/nonexistent/secret: cannot read /nonexistent/secret: No such file or directory" \
    "$program" --name="$NAME"
  SWIM_SECRET_FILE="$TMP" \
    run 2 "SWIM_SECRET_FILE=$TMP: cannot read $TMP: Is a directory" \
    "$program" --name="$NAME"
  SWIM_SECRET=a SWIM_SECRET_FILE=/dev/null \
    run 2 "both SWIM_SECRET and SWIM_SECRET_FILE are set" \
    "$program" --name="$NAME"
  SWIM_SECRET="" run 2 "SWIM_SECRET is empty" "$program" --name="$NAME"
  SWIM_NAME=127.0.0.1:0 run 2 "SWIM_NAME=127.0.0.1:0: the port must be 1-65535" \
    "$program" --secret-file="$KEY"
  SWIM_NAME_FILE=/nonexistent/name run 2 "SWIM_NAME_FILE=/nonexistent/name: cannot read" \
    "$program" --secret-file="$KEY"
  SWIM_PEERS="127.0.0.1:1,127.0.0.1:x" \
    run 2 "SWIM_PEERS=127.0.0.1:x: the port must be 1-65535" \
    "$program" "${ok[@]}"
  SWIM_PEERS_FILE=/nonexistent/peers \
    run 2 "SWIM_PEERS_FILE=/nonexistent/peers: cannot read" "$program" "${ok[@]}"
  # The tunables' variables, checked as their flags are.
  SWIM_PROBE_INTERVAL=soon \
    run 2 "SWIM_PROBE_INTERVAL=soon: not a duration" "$program" "${ok[@]}"
  SWIM_GOSSIP_NODES=0 \
    run 2 "SWIM_GOSSIP_NODES=0: gossip_nodes must be 1-64, is 0" \
    "$program" "${ok[@]}"
  SWIM_TCP_ONLY=1 SWIM_TCP_ONLY_FILE=/dev/null \
    run 2 "both SWIM_TCP_ONLY and SWIM_TCP_ONLY_FILE are set" \
    "$program" "${ok[@]}"

  # A flag wins over the environment: the bad variables are never read.
  SWIM_SECRET_FILE=/nonexistent/secret SWIM_NAME=bad SWIM_PEERS=bad:port \
    run 2 "--preset=moon" "$program" "${ok[@]}" --peer=127.0.0.1:1 --preset=moon

  # A name that does not resolve: 1 (it may later), naming it.
  run 1 "--name=nowhere.invalid:$PORT: nowhere.invalid does not resolve" \
    "$program" --name="nowhere.invalid:$PORT" --secret-file="$KEY"
done

# --- swim-demo's own flags ---------------------------------------------------
expect_failure 2 "--local=65: must be 1-64" "$DEMO" --local=65 --secret-file="$KEY"
expect_failure 2 "--local=-1" "$DEMO" --local=-1 --secret-file="$KEY"
expect_failure 2 "--token-interval=0: must be above 0" \
  "$DEMO" --name="$NAME" --secret-file="$KEY" --token-interval=0
expect_failure 2 "--duration-s=-1: must be 0" \
  "$DEMO" --name="$NAME" --secret-file="$KEY" --duration-s=-1
expect_failure 2 "--local and --discovery do not go together" \
  "$DEMO" --local=2 --discovery --secret-file="$KEY"
expect_failure 2 "--local and --bind-port do not go together" \
  "$DEMO" --local=2 --bind-port=7000 --secret-file="$KEY"
expect_failure 2 "--local=3 from port 65534 runs past port 65535" \
  "$DEMO" --local=3 --name=127.0.0.1:65534 --secret-file="$KEY"
expect_failure 2 "unexpected argument 'extra'" \
  "$DEMO" --name="$NAME" --secret-file="$KEY" extra

# --- swim-sync's operand -------------------------------------------------------
expect_failure 2 "no DIRECTORY given" "$SYNC" --name="$NAME" --secret-file="$KEY"
expect_failure 2 "one DIRECTORY expected, got 2" \
  "$SYNC" --name="$NAME" --secret-file="$KEY" "$DIR" "$DIR.2"
expect_failure 1 "cannot create /nonexistent/parent/dir" \
  "$SYNC" --name="$NAME" --secret-file="$KEY" /nonexistent/parent/dir
mkdir -p "$TMP/big/$NAME"
head -c 600 /dev/zero >"$TMP/big/$NAME/blob"
expect_failure 2 "$NAME/blob is 600 bytes, over the metadata limit of 512 bytes" \
  "$SYNC" --name="$NAME" --secret-file="$KEY" "$TMP/big"

# --- A port in use: 1, naming it ---------------------------------------------
start "$DEMO" --json-events --name="$NAME" --secret-file="$KEY" \
  --preset=local >"$TMP/holder.jsonl" 2>&1
wait_for "the first member binds $NAME" grep -q '"event":"started"' "$TMP/holder.jsonl"
expect_failure 1 "$NAME|Address already in use" \
  "$DEMO" --name="$NAME" --secret-file="$KEY"
expect_failure 1 "$NAME|Address already in use" \
  "$SYNC" --name="$NAME" --secret-file="$KEY" "$TMP/in-use"
stop_all

# --- What works --------------------------------------------------------------
# --insecure: runs without a secret, loudly.
"$DEMO" --json-events --name="127.0.0.1:$PORT2" --insecure --duration-s=0.2 \
  --preset=local >"$TMP/insecure.out" 2>"$TMP/insecure.err"
status=$?
[[ "$status" -eq 0 ]] || fail "--insecure run exited with $status: $(cat "$TMP/insecure.err")"
grep -qF "WITHOUT encryption or authentication" "$TMP/insecure.err" ||
  fail "--insecure does not warn: $(cat "$TMP/insecure.err")"
# Everything from the environment, the secret from a file.
SWIM_SECRET_FILE="$KEY" SWIM_NAME="127.0.0.1:$PORT2" \
  SWIM_PEERS="127.0.0.1:$PORT" \
  "$DEMO" --json-events --duration-s=0.2 --preset=local \
  >"$TMP/env.out" 2>"$TMP/env.err"
status=$?
[[ "$status" -eq 0 ]] || fail "a run configured by the environment exited with $status: $(cat "$TMP/env.err")"
grep -q '"event":"started","observer":"127.0.0.1:'"$PORT2"'"' "$TMP/env.out" ||
  fail "SWIM_NAME was not used: $(cat "$TMP/env.out")"
# A marked passphrase works, with a warning that it is weaker.
SWIM_SECRET="passphrase:correct horse battery staple" \
  "$DEMO" --json-events --name="127.0.0.1:$PORT2" --duration-s=0.2 \
  --preset=local >"$TMP/passphrase.out" 2>"$TMP/passphrase.err"
status=$?
[[ "$status" -eq 0 ]] || fail "a passphrase run exited with $status: $(cat "$TMP/passphrase.err")"
grep -qF "is a passphrase" "$TMP/passphrase.err" ||
  fail "a passphrase does not warn: $(cat "$TMP/passphrase.err")"
if grep -qF "correct horse" "$TMP/passphrase.err" "$TMP/passphrase.out"; then
  fail "the passphrase was printed"
fi
# --help describes the member flags and the environment, exit status 1
# (as Abseil does).
"$DEMO" --help >"$TMP/help.out" 2>&1
grep -qF -- "--token-interval" "$TMP/help.out" || fail "--help lacks --token-interval"
grep -qF "SWIM_SECRET_FILE" "$TMP/help.out" || fail "--help lacks SWIM_SECRET_FILE"
grep -qF "swim-keygen" "$TMP/help.out" || fail "--help lacks swim-keygen"
grep -qF -- "--bind_port" "$TMP/help.out" || fail "--help lacks --bind_port"

finish
