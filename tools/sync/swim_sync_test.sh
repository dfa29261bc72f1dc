#!/bin/bash
# End to end: swim-sync processes on loopback. Their directories converge
# (metadata files, status links, .local), SIGHUP publishes edited files,
# the on-update hook runs with (name, status, path) and without the
# cluster's key, files are 0640 and directories 0750, a SIGKILLed member
# moves to .offline, member names and metadata keys that would escape the
# directory are refused and counted, a directory swim-sync did not make is
# never written into, SIGTERM does not wait for a hung hook (and kills
# what it started), and SIGTERM leaves and cleans up.
#
# Usage: swim_sync_test.sh SWIM_SYNC NAMED_MEMBER E2E_LIB

set -uo pipefail
SYNC="${1:?usage: $0 swim-sync named-member e2e_lib.sh}"
NAMED="${2:?}"
source "${3:?}"

# A fixed test key (base64 of 32 bytes), as swim-keygen prints them.
export SWIM_SECRET="c3dpbS1zeW5jIGVuZC10by1lbmQgdGVzdCBrZXkgISE="
FAST=(--preset=local --probe-interval=200ms --probe-timeout=100ms
  --gossip-interval=50ms --push-pull-interval=1s --suspicion-mult=3)

read -r PA PB PE PR <<<"$(free_ports 4)"
A="127.0.0.1:$PA"
B="127.0.0.1:$PB"
D1="$TMP/node1"
D2="$TMP/node2"
mkdir -p "$D1/$A" "$D2/$B"
printf 'one' >"$D1/$A/name"
printf 'primary' >"$D1/$A/role"
printf 'two' >"$D2/$B/name"
# D2's hook logs its arguments, one line per run, and whether it was
# handed the cluster's key.
cat >"$D2/on-update" <<HOOK
#!/bin/sh
echo "secret=\${SWIM_SECRET-unset}" >> "$TMP/hook-env.log"
echo "\$1 \$2 \$3" >> "$TMP/hook.log"
HOOK
chmod +x "$D2/on-update"
: >"$TMP/hook.log"

# Absolute paths, as the hook receives them.
D1="$(cd "$D1" && pwd -P)"
D2="$(cd "$D2" && pwd -P)"

start "$SYNC" --name "$A" --peer "$B" "${FAST[@]}" "$D1" 2>"$TMP/s1.err"
pid1=$last_pid
start "$SYNC" --name "$B" --peer "$A" "${FAST[@]}" "$D2" 2>"$TMP/s2.err"
pid2=$last_pid

file_is() {  # file_is PATH CONTENTS
  [[ -f "$1" && "$(cat "$1")" == "$2" ]]
}
link_is() {  # link_is PATH TARGET
  [[ -L "$1" && "$(readlink "$1")" == "$2" ]]
}
absent() {
  [[ ! -e "$1" && ! -L "$1" ]]
}
hook_saw() {  # hook_saw "NAME STATUS PATH"
  grep -qxF "$1" "$TMP/hook.log"
}

# --- Convergence ---------------------------------------------------------
wait_for "node2 has node1's files" file_is "$D2/$A/name" one
wait_for "node2 has node1's role" file_is "$D2/$A/role" primary
wait_for "node1 has node2's files" file_is "$D1/$B/name" two
for pair in "$D1:$B" "$D2:$A"; do
  dir="${pair%%:*}"
  other="${pair#*:}"
  for status in .online .available; do
    wait_for "$dir/$status/$other" link_is "$dir/$status/$other" "../$other"
  done
  for status in .offline .suspect .unavailable; do
    absent "$dir/$status/$other" || fail "$dir/$status/$other exists"
  done
  # The links lead to the member's files.
  file_is "$dir/.online/$other/name" "$([[ "$other" == "$A" ]] && echo one || echo two)" ||
    fail "$dir/.online/$other does not lead to its directory"
done
link_is "$D1/.local" "$A" || fail ".local of node1 is $(readlink "$D1/.local")"
link_is "$D2/.local" "$B" || fail ".local of node2 is $(readlink "$D2/.local")"
wait_for "the hook ran for node1 ONLINE" hook_saw "$A ONLINE $D2/$A"
[[ "$(sort -u "$TMP/hook-env.log")" == "secret=unset" ]] ||
  fail "the hook saw SWIM_SECRET: $(sort -u "$TMP/hook-env.log")"
# What swim-sync writes is for its user and group only.
[[ "$(stat -c %a "$D2/$A" "$D2/$A/name" "$D2/.online")" == $'750\n640\n750' ]] ||
  fail "modes: $(stat -c '%a %n' "$D2/$A" "$D2/$A/name" "$D2/.online")"

# --- SIGHUP publishes edited files ------------------------------------------
printf 'uno' >"$D1/$A/name"
rm "$D1/$A/role"
printf 'x' >"$D1/$A/added"
kill -HUP "$pid1"
wait_for "node2 sees the edited name" file_is "$D2/$A/name" uno
wait_for "node2 sees the added file" file_is "$D2/$A/added" x
wait_for "node2 no longer has the removed file" absent "$D2/$A/role"
hook_runs="$(grep -c "^$A ONLINE $D2/$A\$" "$TMP/hook.log")"
((hook_runs >= 2)) || fail "the hook ran $hook_runs times for node1, want 2 or more"
# Writes are atomic: no temporary file is ever left behind.
leftovers="$(find "$D1" "$D2" -name '.swim-sync-*')"
[[ -z "$leftovers" ]] || fail "temporary files left: $leftovers"

# --- Traversal attempts: refused and counted, never written ---------------
start "$NAMED" "../escape" "127.0.0.1:$PE" "$A" "$SWIM_SECRET" \
  "../../outside=x" >/dev/null 2>"$TMP/escape.err"
start "$NAMED" "127.0.0.1:$PR" "127.0.0.1:$PR" "$A" "$SWIM_SECRET" \
  "../../outside=x" "a/b=y" "..=z" "good=fine" >/dev/null 2>"$TMP/rogue.err"
wait_for "node1 writes the rogue member's safe key" \
  file_is "$D1/127.0.0.1:$PR/good" fine
wait_for "node1 reports a refused name" \
  grep -qF "refused an unsafe member name from a member" "$TMP/s1.err"
wait_for "node1 reports refused keys" \
  grep -qF "refused an unsafe metadata key from 127.0.0.1:$PR" "$TMP/s1.err"
wait_for "node2 reports a refused name" \
  grep -qF "refused an unsafe member name" "$TMP/s2.err"
[[ "$(LC_ALL=C ls -A "$D1/127.0.0.1:$PR")" == $'.swim-sync\ngood' ]] ||
  fail "the rogue member's directory holds $(ls -A "$D1/127.0.0.1:$PR")"
for path in "$TMP/escape" "$TMP/outside" "$D1/escape" "$D1/a" "$D1/../escape" \
  "$D1/.online/../escape"; do
  absent "$path" || fail "$path was written"
done
[[ -z "$(find "$TMP" -name outside -o -name escape)" ]] ||
  fail "a refused name was written: $(find "$TMP" -name outside -o -name escape)"
! grep -q "escape" "$TMP/hook.log" || fail "the hook ran for a refused name"

# --- A SIGKILLed member moves to .offline ---------------------------------
kill -KILL "$pid2"
wait "$pid2" 2>/dev/null
wait_for "node1 links node2 in .offline" link_is "$D1/.offline/$B" "../$B"
wait_for "node1 unlinks node2 from .online" absent "$D1/.online/$B"
link_is "$D1/.unavailable/$B" "../$B" || fail "node2 is not in .unavailable"
absent "$D1/.available/$B" || fail "node2 is still in .available"
file_is "$D1/$B/name" two || fail "node2's files went away with it"

# --- A directory it did not make, a hook that hangs ----------------------
# node3's directory already holds one named as node1 (the operator's, say):
# it is refused and left as it is. Then node3 gets a hook that starts a
# child and hangs, and a new member to run it for: SIGTERM does not wait
# for the hook, and kills the child with it.
read -r PC PN <<<"$(free_ports 2)"
D3="$TMP/node3"
mkdir -p "$D3/$A"
printf 'mine' >"$D3/$A/notes"
D3="$(cd "$D3" && pwd -P)"
start "$SYNC" --name "127.0.0.1:$PC" --peer "$A" "${FAST[@]}" "$D3" \
  2>"$TMP/s3.err"
pid3=$last_pid
wait_for "node3 refuses the directory in node1's place" \
  grep -qF "$D3/$A was not made by swim-sync" "$TMP/s3.err"
cat >"$TMP/hanging-hook" <<HOOK
#!/bin/sh
sleep 1000 &
echo \$! >"$TMP/hook-child"
exec sleep 1000
HOOK
chmod +x "$TMP/hanging-hook"
mv "$TMP/hanging-hook" "$D3/on-update"
start "$NAMED" "127.0.0.1:$PN" "127.0.0.1:$PN" "$A" "$SWIM_SECRET" "k=v" \
  >/dev/null 2>"$TMP/new.err"
wait_for "node3's hook runs for the new member" test -s "$TMP/hook-child"
hook_child="$(cat "$TMP/hook-child")"
kill -TERM "$pid3"
TIMEOUT_S=15 wait_exit "$pid3" "swim-sync with a hook under way, after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "node3 exited with $exit_status after SIGTERM"
child_gone() {  # gone, or a zombie not yet reaped by its adopter
  [[ ! -e "/proc/$1" ]] ||
    [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" == Z ]]
}
wait_for "the hook's child is killed" child_gone "$hook_child"
file_is "$D3/$A/notes" mine || fail "node3 removed a directory it did not make"
[[ "$(ls -A "$D3/$A")" == notes ]] || fail "node3 wrote into $D3/$A: $(ls -A "$D3/$A")"

# --- SIGTERM: leave, clean up, report the refusals ------------------------
kill -TERM "$pid1"
wait_exit "$pid1" "swim-sync after SIGTERM"
[[ "$exit_status" -eq 0 ]] || fail "swim-sync exited with $exit_status after SIGTERM"
grep -qE "left; refused 1 unsafe member names \([0-9]+ times\) and 3 unsafe metadata keys" \
  "$TMP/s1.err" || fail "no refusal summary: $(cat "$TMP/s1.err")"
absent "$D1/.local" || fail ".local outlived swim-sync"
absent "$D1/$B" || fail "node2's directory outlived swim-sync"
[[ -z "$(ls -A "$D1/.offline")" ]] || fail ".offline not emptied"
file_is "$D1/$A/name" uno || fail "swim-sync removed its own member's files"

finish
