#!/usr/bin/env bash
# Bench setup (issue #8): installs what the bench needs when it is missing, idempotently —
# nginx-light + libnginx-mod-nchan (Debian), iperf3 (loopback bandwidth), the bench's own npm
# dependencies, and the C load generator and C floor peer built with gcc.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/sbin/nginx ] || [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  echo "bench setup: installing nginx-light and libnginx-mod-nchan" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get install -y nginx-light libnginx-mod-nchan >/dev/null 2>&1 ||
    { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y nginx-light libnginx-mod-nchan >/dev/null; }
fi

# iperf3 measures the loopback byte limit the report compares every figure with (optional: without
# it the report says the bandwidth was not measured)
if ! command -v iperf3 >/dev/null; then
  echo "bench setup: installing iperf3" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get install -y iperf3 >/dev/null 2>&1 || echo "bench setup: iperf3 not installed (bandwidth not measured)" >&2
fi

if ! command -v gcc >/dev/null; then
  echo "bench setup: gcc is required to build loadgen" >&2
  exit 1
fi

if [ ! -d node_modules/socket.io ] || [ ! -d node_modules/ws ] || [ ! -d node_modules/socket.io-client ] || [ ! -d node_modules/@socket.io/redis-streams-adapter ] || [ ! -d node_modules/ioredis ]; then
  echo "bench setup: npm ci (bench dependencies)" >&2
  npm ci --no-audit --no-fund >/dev/null
fi

if [ ! -x loadgen/loadgen ] || [ loadgen/loadgen.c -nt loadgen/loadgen ]; then
  echo "bench setup: building loadgen" >&2
  gcc -O2 -Wall -Wextra -o loadgen/loadgen loadgen/loadgen.c
fi

if [ ! -x peers/floor ] || [ peers/floor.c -nt peers/floor ]; then
  echo "bench setup: building the C floor peer" >&2
  gcc -O2 -Wall -Wextra -o peers/floor peers/floor.c
fi
