#!/usr/bin/env bash
# `npm run bench` (root) → `npm --prefix bench start` → this script: setup, raise the open-file
# limit (10,000 idle connections per process), then run the bench pinned to core 1 (the server
# under test is pinned to core 0 by the bench itself).
set -euo pipefail
cd "$(dirname "$0")"
bash ./setup.sh
# S1 at 10,000 subscribers and S2 hold ~10,000 sockets in one server and in loadgen (plus the
# publishers' in the bench): as root, raise the hard cap past the machine's 20,000 first.
if [ "$(id -u)" = 0 ]; then ulimit -Hn 65536 2>/dev/null || true; fi
ulimit -n "$(ulimit -Hn)" || true
# The machine may be shared (other builds and tests run beside the bench). As root, the bench and
# every child it starts (servers, load generator) run under SCHED_RR priority 5 (BENCH_SCHED=rt,
# the default), so background work does not add milliseconds of wake-up latency; the kernel's RT
# throttling (sched_rt_runtime_us, 95 %) still leaves every core to other work 5 % of the time.
# BENCH_SCHED=nice uses nice -20 instead, BENCH_SCHED=none neither. The load average and the
# policy are recorded with the results.
SCHED=()
MODE="${BENCH_SCHED:-rt}"
if [ "$(id -u)" = 0 ]; then
  if [ "$MODE" = rt ] && command -v chrt >/dev/null; then SCHED=(chrt -r 5)
  elif [ "$MODE" = rt ] || [ "$MODE" = nice ]; then SCHED=(nice -n -20); fi
fi
export BENCH_SCHED_USED="${SCHED[*]:-none}"
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  exec "${SCHED[@]}" taskset -c 1 node src/bench.mjs "$@"
fi
exec "${SCHED[@]}" node src/bench.mjs "$@"
