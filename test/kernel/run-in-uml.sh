#!/usr/bin/env bash
# Run one command inside a user-mode Linux kernel that has IPVS, and return its
# exit code. The guest sees the host's files through a throw-away overlay, so
# nothing it does touches the host except under the project directory.
#
#   test/kernel/run-in-uml.sh [--] command [args...]
#
# Environment:
#   ANYCASTD_LAB_MEM       guest memory (default 2048M)
#   ANYCASTD_LAB_TIMEOUT   seconds before the guest is killed (default 3600)
#   ANYCASTD_LAB_VERBOSE=1 show the UML kernel's own messages as they come
#   ANYCASTD_LAB_INIT      busybox (default): the command runs under the lab's own init;
#                          systemd: systemd is PID 1 and runs the command as a service
# Variables named ANYCASTD_*, VITEST_*, CI, TERM, NO_COLOR and FORCE_COLOR are
# passed into the guest; ANYCASTD_LAB=uml is set there.
#
# Exit codes: the command's own; 4 when the lab cannot start (UML or cc missing) or
# ip_vs cannot be loaded; 124 when the guest timed out; 125 when the guest died
# before the command finished.
set -euo pipefail

[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
  echo "usage: $0 [--] command [args...]" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)

uml=$(command -v linux.uml || true)
if [ -z "$uml" ]; then
  cat >&2 <<'EOF'
kernel lab: user-mode Linux is not installed, so no kernel with IPVS can be booted.
  fix: apt-get install -y user-mode-linux ipvsadm busybox-static kmod iproute2
EOF
  exit 4
fi
if [ ! -x /bin/busybox ]; then
  echo "kernel lab: /bin/busybox is missing (fix: apt-get install -y busybox-static)" >&2
  exit 4
fi

# Debian 12's UML moves FPU state through ptrace in a buffer smaller than the
# XSAVE area of CPUs with AVX-512 or AMX, and panics there at once; the shim
# (uml-xstate.c) gives it the host's size. Built once per source change.
shim="$project/.lab/uml-xstate.so"
if [ ! -f "$shim" ] || [ "$here/uml-xstate.c" -nt "$shim" ]; then
  if ! command -v cc >/dev/null; then
    echo "kernel lab: no C compiler to build $shim (fix: apt-get install -y gcc libc6-dev)" >&2
    exit 4
  fi
  mkdir -p "$project/.lab"
  if ! cc -O2 -Wall -shared -fPIC -o "$shim.$$" "$here/uml-xstate.c" -ldl; then
    rm -f "$shim.$$"
    echo "kernel lab: building $shim failed" >&2
    exit 4
  fi
  mv -f "$shim.$$" "$shim"
fi

job=$(mktemp -d /dev/shm/anycastd-lab.XXXXXX)
uml_pid=""
cleanup() {
  if [ -n "$uml_pid" ] && kill -0 "$uml_pid" 2>/dev/null; then
    kill -TERM "$uml_pid" 2>/dev/null || true
    sleep 0.5
    kill -KILL "$uml_pid" 2>/dev/null || true
  fi
  rm -rf "$job"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The job script re-creates the caller's working directory and selected
# environment inside the guest; printf %q keeps every argument intact.
{
  echo "cd $(printf '%q' "$PWD") || exit 125"
  env | while IFS='=' read -r name _; do
    case "$name" in
      ANYCASTD_* | VITEST_* | CI | TERM | NO_COLOR | FORCE_COLOR)
        printf 'export %s=%q\n' "$name" "${!name}"
        ;;
    esac
  done
  printf 'export PATH=%q\n' "$PATH"
  echo "export HOME=/root ANYCASTD_LAB=uml"
  # Through a pipe, so tools print plain lines as they would in CI rather
  # than drawing on the guest console's terminal.
  echo 'set -o pipefail'
  printf '%q ' "$@"
  echo '2>&1 | cat'
} >"$job/job.sh"

timeout_s=${ANYCASTD_LAB_TIMEOUT:-3600}
started=$(date +%s%N)
# The guest's console (the job's output) is UML's stdout. What the kernel and
# UML print before the guest's "ready" line, and UML's stderr, go to a log
# that is shown only when something fails (or always, when verbose).
if [ "${ANYCASTD_LAB_VERBOSE:-0}" = 1 ]; then
  uml_err=/dev/stderr
else
  uml_err="$job/uml.log"
fi
console_filter() {
  local line ready=0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    if [ "$ready" = 1 ]; then
      # The kernel's last word after poweroff -f is not the job's output.
      [ "$line" = "reboot: System halted" ] || printf '%s\n' "$line"
    elif [ "$line" = "anycastd-lab: ready" ]; then
      ready=1
    else
      printf '%s\n' "$line" >>"$uml_err"
    fi
  done
}
LD_PRELOAD="$shim" TMPDIR=/dev/shm timeout --kill-after=10 "$timeout_s" "$uml" \
  mem="${ANYCASTD_LAB_MEM:-2048M}" root=/dev/root rootfstype=hostfs rootflags=/ ro \
  init="$here/uml-init.sh" ANYCASTD_LAB_INIT="${ANYCASTD_LAB_INIT:-busybox}" con0=null,fd:1 con=null ssl=null quiet panic=-1 \
  ANYCASTD_LAB_JOB="$job" ANYCASTD_LAB_PROJECT="$project" \
  </dev/null 2>>"$uml_err" > >(console_filter) &
uml_pid=$!
set +e
wait "$uml_pid"
status=$?
set -e
uml_pid=""
elapsed_ms=$((($(date +%s%N) - started) / 1000000))

if [ "$status" -eq 124 ]; then
  echo "kernel lab: the guest did not finish within ${timeout_s}s and was killed" >&2
  exit 124
fi
if [ ! -s "$job/rc" ]; then
  echo "kernel lab: the guest stopped before the command finished (UML exit $status). UML log:" >&2
  [ -f "$job/uml.log" ] && tail -n 40 "$job/uml.log" >&2
  exit 125
fi
rc=$(cat "$job/rc")
echo "kernel lab: guest exited with $rc after $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))s" >&2
exit "$rc"
