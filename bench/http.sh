#!/usr/bin/env bash
# The HTTP gateway under the book's load test: wrk with 80% GET / 20% PUT
# over 1000 stores (bench/http_mix.lua), against a private forkv-manager
# started with --http on a free loopback port. Every store is created and
# given its keys first, so GETs hit. Prints requests/s and latency
# percentiles. `make bench-http` runs it after a release build.
#
# Environment:
#   FORKV_BIN_DIR  forkv-manager and forkv-http (default build/release/bin)
#   STORES         stores (default 1000)          KEYS     keys per store (default 10)
#   CONNECTIONS    wrk connections (default 50)   THREADS  wrk threads (default 2)
#   DURATION       seconds of load (default 20)   VALUE_BYTES (default 100)
#   FSYNC          the manager's --fsync mode (default periodic)
#   UPSTREAM       the gateway's path to the stores: direct (default) or manager
#                  (the manager's --http-upstream)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${FORKV_BIN_DIR:-$ROOT/build/release/bin}
STORES=${STORES:-1000}
KEYS=${KEYS:-10}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20}
VALUE_BYTES=${VALUE_BYTES:-100}
FSYNC=${FSYNC:-periodic}
UPSTREAM=${UPSTREAM:-direct}
export STORES KEYS VALUE_BYTES

for tool in wrk curl; do
  if ! command -v $tool >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq $tool >/dev/null
  fi
done
if [[ ! -x $BIN_DIR/forkv-manager || ! -x $BIN_DIR/forkv-http ]]; then
  echo "http.sh: forkv-manager or forkv-http missing in $BIN_DIR; run 'make build'" >&2
  exit 111
fi

WORK=$(mktemp -d /tmp/forkv-http-bench-XXXXXX)
# Port 0: the gateway takes a free port and reports it in the manager's status.
"$BIN_DIR/forkv-manager" --socket "ipc://$WORK/m.sock" --data-dir "$WORK/data" --init --fsync "$FSYNC" \
  --http "127.0.0.1:0" --http-threads $((CONNECTIONS + 16)) --http-upstream "$UPSTREAM" \
  --log-level warn \
  >"$WORK/manager.log" 2>&1 &
MANAGER=$!
cleanup() {
  kill -TERM $MANAGER 2>/dev/null || true
  wait $MANAGER 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=""
for _ in $(seq 100); do
  PORT=$("$BIN_DIR/forkv" --socket "ipc://$WORK/m.sock" --json status 2>/dev/null |
    grep -o '"port": *[0-9]*' | head -1 | grep -o '[0-9]*$') || true
  [[ -n $PORT ]] && curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
URL=http://127.0.0.1:$PORT
curl -sf "$URL/readyz" >/dev/null || { echo "http.sh: gateway not ready" >&2; tail "$WORK/manager.log" >&2; exit 1; }

echo "forkv HTTP benchmark: $(nproc) cores, $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s%N)
value=$(head -c "$VALUE_BYTES" /dev/zero | tr '\0' v)
# One curl per store: create it, then put its keys over one keep-alive connection.
seq 0 $((STORES - 1)) | xargs -P 8 -I{} sh -c '
  urls=""
  for k in $(seq 0 $(('"$KEYS"' - 1))); do urls="$urls '"$URL"'/v1/stores/s{}/keys/k$k"; done
  curl -sf -o /dev/null -X PUT --data-binary "'"$value"'" $urls' ||
  { echo "http.sh: preloading failed" >&2; exit 1; }
echo "preloaded $STORES stores x $KEYS keys in $((($(date +%s%N) - start) / 1000000)) ms"
running=$(curl -sf "$URL/metrics" | awk '$1 == "forkv_stores{state=\"running\"}" {print $2}')
echo "stores running: $running"

echo "+ wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s -s bench/http_mix.lua $URL  (80% GET / 20% PUT, $STORES stores, $KEYS keys each, ${VALUE_BYTES}-byte values, --fsync $FSYNC)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$ROOT/bench/http_mix.lua" "$URL"
