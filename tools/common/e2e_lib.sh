#!/bin/bash
# Shared helpers of the end-to-end tests that run swim-demo and swim-sync
# as separate processes on loopback. Source it; it sets TMP and `failures`.

TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
started_pids=()

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Ends the test: kills what is still running, reports, sets the status.
finish() {
  stop_all
  if [[ "$failures" -ne 0 ]]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "PASS"
}

# Runs a program in the background, remembering its pid in $last_pid so
# that stop_all can kill it whatever happens.
start() {
  "$@" &
  last_pid=$!
  started_pids+=("$last_pid")
}

stop_all() {
  local pid
  for pid in "${started_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${started_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  started_pids=()
}
trap stop_all EXIT

# Waits until the command succeeds, polling every 100 ms, at most
# TIMEOUT_S seconds (default 30). Returns 1 (and says what it waited for)
# on timeout.
wait_for() {  # wait_for DESCRIPTION COMMAND...
  local description="$1"
  shift
  local deadline=$((SECONDS + ${TIMEOUT_S:-30}))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      fail "timed out waiting for: $description"
      return 1
    fi
    sleep 0.1
  done
}

# Waits for a background process to exit, at most TIMEOUT_S seconds, and
# sets $exit_status (or fails and kills it).
wait_exit() {  # wait_exit PID DESCRIPTION
  local pid="$1" description="$2"
  local deadline=$((SECONDS + ${TIMEOUT_S:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      fail "$description did not exit in time"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  exit_status=0
  wait "$pid" || exit_status=$?
}

# Prints COUNT distinct ports that are free for both UDP and TCP on
# 127.0.0.1, consecutive when CONSECUTIVE=1.
free_ports() {  # free_ports COUNT
  python3 - "$1" "${CONSECUTIVE:-0}" <<'PY'
import random, socket, sys
count, consecutive = int(sys.argv[1]), sys.argv[2] == "1"

def free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True

for _ in range(1000):
    base = random.randint(20000, 60000 - count)
    ports = list(range(base, base + count)) if consecutive else \
        random.sample(range(20000, 60000), count)
    if all(free(p) for p in ports):
        print(" ".join(map(str, ports)))
        sys.exit(0)
sys.exit("no free ports")
PY
}

# Runs a program expected to fail: checks its exit status and that its
# stderr contains every EXPECTED text.
expect_failure() {  # expect_failure STATUS "TEXT[|TEXT...]" COMMAND...
  local want="$1" expected="$2"
  shift 2
  local status=0
  timeout 30 "$@" >"$TMP/failure.out" 2>"$TMP/failure.err" || status=$?
  if [[ "$status" -ne "$want" ]]; then
    fail "$* exited with $status, want $want: $(cat "$TMP/failure.err")"
    return
  fi
  local text
  IFS='|' read -r -a texts <<<"$expected"
  for text in "${texts[@]}"; do
    grep -qF -- "$text" "$TMP/failure.err" ||
      fail "$*: stderr does not say '$text': $(cat "$TMP/failure.err")"
  done
}
