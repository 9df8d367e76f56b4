#!/usr/bin/env bash
# forkv against Redis on this machine, same load (issue #7, part 2).
#
# Starts a private redis-server (appendonly yes, RDB snapshots off, on a unix
# socket or a loopback port, data under a mktemp directory) and a private
# forkv-manager (same transport), then runs, alternating, redis-benchmark and
# forkv-bench with the same -c -n -d -r -P for three tests:
#
#   get           GET of random keys over a filled keyspace
#                 (Redis appendfsync everysec | forkv --fsync periodic)
#   put-periodic  SET/put acknowledged once the write reached the durability
#                 layer: Redis writes the AOF before replying and fsyncs it
#                 every second (appendfsync everysec); forkv acknowledges after
#                 the RocksDB write and syncs the WAL every second
#                 (--fsync periodic --fsync-interval-ms 1000)
#   put-always    SET/put fsynced before the acknowledgment
#                 (Redis appendfsync always | forkv --fsync always)
#   get-1         GET with one client (-c 1, REQUESTS/5 requests): latency
#   zmq-rtt       a raw ZeroMQ DEALER/ROUTER round trip between two processes
#                 (forkv-bench --mode zmq-rtt, one client, -d bytes): the floor
#                 under any forkv request, measured in the same run
#   incr          INCR/incr of random counters (-r of them), everysec / periodic
#   setnx         SET ... NX / put --if-absent of random keys, everysec / periodic
#   cas           a compare-and-swap increment loop (bench/cas_loop.py, Python
#                 clients on both sides, CAS_PROCS processes over CAS_KEYS
#                 counters for CAS_SECONDS): forkv get-with-version then put
#                 if_version, Redis WATCH/GET/MULTI/SET/EXEC; ops/s are
#                 successful increments, and the final sum must equal them
#
# After the table, the targets of issue #13 are marked met or not: GET >=
# 1.0x Redis, put-periodic >= 0.7x, put-always >= 1.0x, get-1 p50 <= 1.2x the
# zmq-rtt p50. forkv-bench goes to the stores directly (--path direct);
# PATH_MODE=manager (or --path manager) measures the manager path instead.
#
# Each test gets fresh servers in its durability mode, then ROUNDS rounds of
# "redis-benchmark, forkv-bench". Per system, the reported run is the best of
# the rounds by ops/s (PICK=best, the default) or the median one (PICK=median;
# the lower middle for an even count); its p50 and p99 are shown with it.
# Every run's figures stay in $OUT_DIR/runs.csv.
#
# Both load generators multiplex their -c clients (one socket each) over
# THREADS event-loop threads (default 1, redis-benchmark's default;
# forkv-bench --threads), so each spends about the same CPU per request and
# the two servers get the same share of the machine.
#
# Keys are "key:%012d" below the keyspace on both sides (redis-benchmark's
# -r expands key:__rand_int__ that way). Before the get test Redis is filled
# with every key through redis-cli --pipe; forkv-bench fills forkv itself
# (pipelined puts, not timed) in the first get run. Values are -d bytes.
#
# Settings, as environment variables or flags (flags win):
#   -c CLIENTS (50)  -n REQUESTS (100000)  -d VALUE_BYTES (100)
#   -r KEYSPACE (100000)  -P PIPELINE (1)  --threads THREADS (1)
#   --rounds N (2)  --pick best|median
#   --tests "get put-periodic put-always"  --transport unix|tcp (unix)
#   --db-workers N (2)  --out-dir DIR (a new /tmp/forkv-vs-redis-XXXXXX)
#   env: CLIENTS REQUESTS VALUE_BYTES KEYSPACE PIPELINE THREADS ROUNDS PICK TESTS
#        TRANSPORT DB_WORKERS OUT_DIR REDIS_PORT FORKV_PORT (tcp; default
#        random free-looking ports) FORKV_BIN_DIR (default build/release/bin)
#        REDIS_BENCHMARK_ARGS (extra redis-benchmark flags, e.g. --threads 2)
#        KEEP=1 keeps the servers' data directories.
# Installs redis-server and redis-tools with apt-get when missing (as root, or
# through sudo). About 2-4 minutes with the defaults on 2 cores.
# Exit status: 0 when every run completed, 1 when some run failed or had
# errors (the table is printed either way), 111 when a server would not start.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${FORKV_BIN_DIR:-$ROOT/build/release/bin}
CLIENTS=${CLIENTS:-50}
REQUESTS=${REQUESTS:-100000}
VALUE_BYTES=${VALUE_BYTES:-100}
KEYSPACE=${KEYSPACE:-100000}
PIPELINE=${PIPELINE:-1}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-2}
PICK=${PICK:-best}
TESTS=${TESTS:-"get put-periodic put-always get-1 zmq-rtt incr setnx cas"}
CAS_PROCS=${CAS_PROCS:-4}
CAS_KEYS=${CAS_KEYS:-16}
CAS_SECONDS=${CAS_SECONDS:-10}
PATH_MODE=${PATH_MODE:-direct}
TRANSPORT=${TRANSPORT:-unix}
DB_WORKERS=${DB_WORKERS:-2}
OUT_DIR=${OUT_DIR:-}
REDIS_BENCHMARK_ARGS=${REDIS_BENCHMARK_ARGS:-}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-0}"
}

while (($# > 0)); do
  case $1 in
    -c) CLIENTS=$2; shift 2 ;;
    -n) REQUESTS=$2; shift 2 ;;
    -d) VALUE_BYTES=$2; shift 2 ;;
    -r) KEYSPACE=$2; shift 2 ;;
    -P) PIPELINE=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --pick) PICK=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --path) PATH_MODE=$2; shift 2 ;;
    --transport) TRANSPORT=$2; shift 2 ;;
    --db-workers) DB_WORKERS=$2; shift 2 ;;
    --out-dir) OUT_DIR=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "compare_redis.sh: unknown argument '$1' (--help)" >&2; exit 100 ;;
  esac
done
for v in CLIENTS REQUESTS VALUE_BYTES KEYSPACE PIPELINE THREADS ROUNDS DB_WORKERS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 0 ]] || { echo "compare_redis.sh: $v must be a number" >&2; exit 100; }
done
((ROUNDS >= 1 && CLIENTS >= 1 && REQUESTS >= 1 && KEYSPACE >= 1 && PIPELINE >= 1 && THREADS >= 1)) || {
  echo "compare_redis.sh: ROUNDS, CLIENTS, REQUESTS, KEYSPACE, PIPELINE, THREADS must be >= 1" >&2
  exit 100
}
[[ $PATH_MODE == direct || $PATH_MODE == manager ]] || { echo "compare_redis.sh: --path direct|manager" >&2; exit 100; }
[[ $PICK == best || $PICK == median ]] || { echo "compare_redis.sh: --pick best|median" >&2; exit 100; }
[[ $TRANSPORT == unix || $TRANSPORT == tcp ]] || { echo "compare_redis.sh: --transport unix|tcp" >&2; exit 100; }
for t in $TESTS; do
  case $t in get | put-periodic | put-always | get-1 | zmq-rtt | incr | setnx | cas) ;; *)
    echo "compare_redis.sh: unknown test '$t' (get put-periodic put-always get-1 zmq-rtt incr setnx cas)" >&2
    exit 100 ;;
  esac
done

# ---- dependencies -------------------------------------------------------------

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null ||
  ! command -v redis-cli >/dev/null; then
  echo "compare_redis.sh: installing redis-server and redis-tools (Debian packages)" >&2
  SUDO=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || {
      echo "compare_redis.sh: redis is missing and neither root nor sudo is available" >&2
      exit 111
    }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools
fi
if [[ " $TESTS " == *" cas "* ]] && ! /usr/bin/python3 -c "import redis, zmq, msgpack" 2>/dev/null; then
  echo "compare_redis.sh: installing python3-redis, python3-zmq, python3-msgpack (cas test)" >&2
  SUDO=()
  ((EUID != 0)) && SUDO=(sudo)
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-redis python3-zmq \
    python3-msgpack
fi
if [[ ! -x $BIN_DIR/forkv-bench || ! -x $BIN_DIR/forkv-manager || ! -x $BIN_DIR/forkv ]]; then
  echo "compare_redis.sh: forkv-bench, forkv-manager or forkv missing in $BIN_DIR;" \
    "run 'make build' (or set FORKV_BIN_DIR)" >&2
  exit 111
fi

# ---- private servers ---------------------------------------------------------

WORK=$(mktemp -d /tmp/forkv-vs-redis-XXXXXX)
[[ -n $OUT_DIR ]] || OUT_DIR=$WORK/out
mkdir -p "$OUT_DIR"
REDIS_PID=""
FORKV_PID=""
CHILD="" # the benchmark running now

# run_child OUT ERR CMD...: CMD in the background, waited for, so that a
# signal to this script interrupts the wait at once (bash runs traps only
# between commands) and the cleanup stops CMD too.
run_child() {
  local out=$1 err=$2 rc=0
  shift 2
  "$@" >"$out" 2>"$err" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

stop_pid() { # stop_pid PID: SIGTERM, wait up to 20 s, then SIGKILL; reaps.
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_servers() {
  stop_pid "$REDIS_PID"
  REDIS_PID=""
  stop_pid "$FORKV_PID"
  FORKV_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CHILD"
  stop_servers
  if [[ ${KEEP:-0} == 1 ]]; then
    echo "compare_redis.sh: data kept in $WORK" >&2
  else
    rm -rf "$WORK/redis-"* "$WORK/forkv-"*
    [[ $OUT_DIR == "$WORK"/* ]] || rmdir "$WORK" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

random_port() { echo $((20000 + RANDOM % 20000)); }
REDIS_PORT=${REDIS_PORT:-$(random_port)}
FORKV_PORT=${FORKV_PORT:-$(random_port)}

# start_redis NAME APPENDFSYNC
start_redis() {
  local dir=$WORK/redis-$1
  mkdir -p "$dir"
  local net=(--port 0)
  REDIS_CONN=(-s "$dir/redis.sock")
  if [[ $TRANSPORT == tcp ]]; then
    net=(--port "$REDIS_PORT" --bind 127.0.0.1)
    REDIS_CONN=(-h 127.0.0.1 -p "$REDIS_PORT")
  fi
  redis-server "${net[@]}" --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
    --dir "$dir" --appendonly yes --appendfsync "$2" --save "" --daemonize no \
    --logfile "$dir/redis.log" --protected-mode yes &
  REDIS_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    if [[ $(redis-cli "${REDIS_CONN[@]}" ping 2>/dev/null) == PONG ]]; then
      [[ $(redis-cli "${REDIS_CONN[@]}" config get appendfsync | tail -1) == "$2" ]] || {
        echo "compare_redis.sh: redis-server did not take appendfsync $2" >&2
        exit 111
      }
      return 0
    fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare_redis.sh: redis-server did not start; its log:" >&2
  cat "$dir/redis.log" >&2 || true
  exit 111
}

# start_forkv NAME FSYNC
start_forkv() {
  local dir=$WORK/forkv-$1
  mkdir -p "$dir"
  local listen=()
  FORKV_EP=ipc://$dir/m.sock
  if [[ $TRANSPORT == tcp ]]; then
    listen=(--listen "tcp://127.0.0.1:$FORKV_PORT")
    FORKV_EP=tcp://127.0.0.1:$FORKV_PORT
  fi
  "$BIN_DIR/forkv-manager" --socket "ipc://$dir/m.sock" "${listen[@]}" --data-dir "$dir/data" --init \
    --fsync "$2" --fsync-interval-ms 1000 --db-workers "$DB_WORKERS" --log-level warn \
    2>"$dir/manager.log" &
  FORKV_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    if "$BIN_DIR/forkv" --socket "$FORKV_EP" --timeout 500 --retries 1 ping >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$FORKV_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare_redis.sh: forkv-manager did not start; its log:" >&2
  cat "$dir/manager.log" >&2 || true
  exit 111
}

# fill_redis: SET every key of the keyspace (-d bytes of 'x', as redis-benchmark).
fill_redis() {
  awk -v n="$KEYSPACE" -v d="$VALUE_BYTES" 'BEGIN {
    v = sprintf("%*s", d, ""); gsub(/ /, "x", v)
    for (i = 0; i < n; i++) {
      k = sprintf("key:%012d", i)
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v
    }
  }' | redis-cli "${REDIS_CONN[@]}" --pipe >"$WORK/redis-fill.log" 2>&1 || {
    echo "compare_redis.sh: filling redis failed:" >&2
    cat "$WORK/redis-fill.log" >&2
    exit 111
  }
  local size
  size=$(redis-cli "${REDIS_CONN[@]}" dbsize)
  [[ $size == "$KEYSPACE" ]] || echo "compare_redis.sh: redis holds $size keys after the fill" >&2
}

# ---- runs -------------------------------------------------------------------

RUNS=$OUT_DIR/runs.csv
echo "test,system,round,ops_per_sec,p50_us,p99_us,errors,exit" >"$RUNS"
failures=0

# csv_col FILE COLUMN [ROW]: the value of the named column (quotes removed).
csv_col() {
  awk -F, -v col="$2" -v row="${3:-2}" '{ gsub(/"/, "") }
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    NR == row && c { print $c }' "$1" 2>/dev/null
}

# run_cas TEST ROUND SYSTEM: bench/cas_loop.py against one of the servers.
run_cas() {
  local out=$OUT_DIR/$1-$3-$2.csv rc=0
  local cmd=(/usr/bin/python3 "$ROOT/bench/cas_loop.py" --system "$3" --procs "$CAS_PROCS"
    --keys "$CAS_KEYS" --seconds "$CAS_SECONDS")
  if [[ $3 == forkv ]]; then
    cmd+=(--endpoint "$FORKV_EP")
  elif [[ ${REDIS_CONN[0]} == -s ]]; then
    cmd+=(--redis-socket "${REDIS_CONN[1]}")
  else
    cmd+=(--redis-port "${REDIS_CONN[3]}")
  fi
  echo "+ ${cmd[*]}" >&2
  run_child "$out" "$out.err" "${cmd[@]}" || rc=$?
  local ops
  ops=$(csv_col "$out" ops_per_sec)
  if ((rc != 0)) || [[ -z $ops ]]; then
    echo "compare_redis.sh: cas_loop.py ($3, round $2) exited $rc:" >&2
    cat "$out" "$out.err" >&2
    failures=$((failures + 1))
  fi
  echo "$1,$3,$2,$ops,$(csv_col "$out" p50_us),$(csv_col "$out" p99_us),$(csv_col "$out" errors),$rc" >>"$RUNS"
}

# run_redis TEST ROUND REDIS_TEST (a -t name, or "setnx": SET key NX)
run_redis() {
  local out=$OUT_DIR/$1-redis-$2.csv rc=0
  local cmd=(redis-benchmark "${REDIS_CONN[@]}" -c "$(clients_of "$1")" -n "$(requests_of "$1")"
    -d "$VALUE_BYTES" -r "$KEYSPACE" -P "$PIPELINE" --csv)
  if [[ $3 == setnx ]]; then
    cmd+=(SET "key:__rand_int__" "$(head -c "$VALUE_BYTES" /dev/zero | tr '\0' x)" NX)
  else
    cmd+=(-t "$3")
  fi
  ((THREADS > 1)) && cmd+=(--threads "$THREADS") # 1: its default single event loop
  # shellcheck disable=SC2206
  ((${#REDIS_BENCHMARK_ARGS})) && cmd+=($REDIS_BENCHMARK_ARGS)
  echo "+ ${cmd[*]}" >&2
  run_child "$out" "$out.err" "${cmd[@]}" || rc=$?
  local ops p50 p99
  ops=$(csv_col "$out" rps)
  p50=$(csv_col "$out" p50_latency_ms)
  p99=$(csv_col "$out" p99_latency_ms)
  [[ -n $p50 ]] && p50=$(awk -v v="$p50" 'BEGIN { printf "%.1f", v * 1000 }')
  [[ -n $p99 ]] && p99=$(awk -v v="$p99" 'BEGIN { printf "%.1f", v * 1000 }')
  if ((rc != 0)) || [[ -z $ops ]]; then
    echo "compare_redis.sh: redis-benchmark ($1, round $2) exited $rc:" >&2
    cat "$out.err" >&2
    failures=$((failures + 1))
  fi
  echo "$1,redis,$2,$ops,$p50,$p99,,$rc" >>"$RUNS"
}

# Clients and requests of a test: get-1 and zmq-rtt are one-client latency runs.
clients_of() { case $1 in get-1 | zmq-rtt) echo 1 ;; *) echo "$CLIENTS" ;; esac; }
requests_of() {
  case $1 in get-1 | zmq-rtt) echo $(((REQUESTS + 4) / 5)) ;; *) echo "$REQUESTS" ;; esac
}

# run_forkv TEST ROUND FORKV_TEST: the first get run fills the keyspace (not
# timed), later ones reuse it (--no-fill).
run_forkv() {
  local out=$OUT_DIR/$1-forkv-$2.csv rc=0
  local cmd=("$BIN_DIR/forkv-bench" --socket "$FORKV_EP" -c "$(clients_of "$1")"
    -n "$(requests_of "$1")" -d "$VALUE_BYTES" -r "$KEYSPACE" -P "$PIPELINE" --threads "$THREADS"
    -t "$3" --path "$PATH_MODE" --csv)
  [[ $3 == get && $2 -gt 1 ]] && cmd+=(--no-fill)
  if [[ $1 == zmq-rtt ]]; then
    cmd=("$BIN_DIR/forkv-bench" --mode zmq-rtt -n "$(requests_of "$1")" -d "$VALUE_BYTES" --csv)
  fi
  echo "+ ${cmd[*]}" >&2
  run_child "$out" "$out.err" "${cmd[@]}" || rc=$?
  local ops
  ops=$(csv_col "$out" ops_per_sec)
  if ((rc != 0)) || [[ -z $ops ]]; then
    echo "compare_redis.sh: forkv-bench ($1, round $2) exited $rc:" >&2
    cat "$out.err" >&2
    failures=$((failures + 1))
  fi
  echo "$1,forkv,$2,$ops,$(csv_col "$out" p50_us),$(csv_col "$out" p99_us),$(csv_col "$out" errors),$rc" >>"$RUNS"
}

echo "forkv vs Redis: $(nproc) cores, $(uname -sr)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(redis-server --version | cut -d' ' -f1-3)" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); -c $CLIENTS -n $REQUESTS" \
  "-d $VALUE_BYTES -r $KEYSPACE -P $PIPELINE, $THREADS client thread(s), $ROUNDS rounds, $TRANSPORT; files in $OUT_DIR" >&2

start=$SECONDS
for t in $TESTS; do
  case $t in
    get) appendfsync=everysec fsync=periodic rtest=get ftest=get ;;
    put-periodic) appendfsync=everysec fsync=periodic rtest=set ftest=put ;;
    put-always) appendfsync=always fsync=always rtest=set ftest=put ;;
    get-1) appendfsync=everysec fsync=periodic rtest=get ftest=get ;;
    incr) appendfsync=everysec fsync=periodic rtest=incr ftest=incr ;;
    setnx) appendfsync=everysec fsync=periodic rtest=setnx ftest=setnx ;;
    cas) appendfsync=everysec fsync=periodic rtest=cas ftest=cas ;;
    zmq-rtt)
      echo "== zmq-rtt: raw ZeroMQ round trip" >&2
      for ((round = 1; round <= ROUNDS; round++)); do run_forkv "$t" "$round" zmq-rtt; done
      continue ;;
  esac
  echo "== $t: redis appendfsync $appendfsync, forkv --fsync $fsync, $PATH_MODE path" >&2
  start_redis "$t" "$appendfsync"
  start_forkv "$t" "$fsync"
  [[ $t == get || $t == get-1 ]] && fill_redis
  for ((round = 1; round <= ROUNDS; round++)); do
    if [[ $t == cas ]]; then
      run_cas "$t" "$round" redis
      run_cas "$t" "$round" forkv
      continue
    fi
    run_redis "$t" "$round" "$rtest"
    run_forkv "$t" "$round" "$ftest"
  done
  stop_servers
done
elapsed=$((SECONDS - start))

# ---- table --------------------------------------------------------------------

# pick TEST SYSTEM: the chosen run's "ops,p50_us,p99_us" (empty when none ran).
pick() {
  awk -F, -v t="$1" -v s="$2" '$1 == t && $2 == s && $4 != "" { print $4 "," $5 "," $6 }' "$RUNS" |
    sort -t, -k1,1g | awk -v pick="$PICK" '{ row[NR] = $0 }
      END { if (NR == 0) exit; print (pick == "best" ? row[NR] : row[int((NR + 1) / 2)]) }'
}
us_to_text() {
  awk -v us="$1" 'BEGIN {
    if (us == "") print "-";
    else if (us < 1000) printf "%.0f us\n", us;
    else if (us < 100000) printf "%.2f ms\n", us / 1000;
    else printf "%.0f ms\n", us / 1000 }'
}
label() {
  case $1 in
    get) echo "GET (everysec / periodic)" ;;
    put-periodic) echo "SET/put, ack after write (everysec / periodic)" ;;
    put-always) echo "SET/put, fsync before ack (always / always)" ;;
    get-1) echo "GET, one client (latency)" ;;
    zmq-rtt) echo "raw ZeroMQ DEALER/ROUTER round trip (one client)" ;;
    incr) echo "INCR/incr of random counters (everysec / periodic)" ;;
    setnx) echo "SET NX / put --if-absent (everysec / periodic)" ;;
    cas) echo "CAS increment loop, Python clients ($CAS_PROCS procs, $CAS_KEYS keys)" ;;
  esac
}

echo
echo "### forkv vs Redis ($PICK of $ROUNDS alternating runs each)"
echo
echo "| test | forkv ops/s | Redis ops/s | forkv / Redis | forkv p50 | Redis p50 | forkv p99 | Redis p99 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for t in $TESTS; do
  IFS=, read -r f_ops f_p50 f_p99 <<<"$(pick "$t" forkv)" || true
  IFS=, read -r r_ops r_p50 r_p99 <<<"$(pick "$t" redis)" || true
  ratio=$(awk -v f="${f_ops:-}" -v r="${r_ops:-}" 'BEGIN { if (f != "" && r > 0) printf "%.2fx", f / r; else print "-" }')
  printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n" "$(label "$t")" \
    "$(awk -v v="${f_ops:-}" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }')" \
    "$(awk -v v="${r_ops:-}" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }')" \
    "$ratio" "$(us_to_text "${f_p50:-}")" "$(us_to_text "${r_p50:-}")" \
    "$(us_to_text "${f_p99:-}")" "$(us_to_text "${r_p99:-}")"
done
echo
echo "-c $CLIENTS -n $REQUESTS -d $VALUE_BYTES -r $KEYSPACE -P $PIPELINE, $THREADS client thread(s) on both;" \
  "$TRANSPORT sockets; Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)" \
  "(appendonly yes, RDB off), forkv $DB_WORKERS database workers; $(nproc) cores;" \
  "took ${elapsed} s (load average after: $(cut -d' ' -f1-3 /proc/loadavg))."
echo "forkv path: $PATH_MODE. Every run: $RUNS"

# ---- targets (issue #13) ------------------------------------------------------
ratio_of() {  # TEST: forkv ops / Redis ops of the picked runs
  local f r
  f=$(pick "$1" forkv | cut -d, -f1)
  r=$(pick "$1" redis | cut -d, -f1)
  awk -v f="$f" -v r="$r" 'BEGIN { if (f != "" && r > 0) printf "%.2f", f / r }'
}
mark() {  # VALUE OP BOUND: "met" / "not met" / "not measured"
  [[ -z $1 ]] && { echo "not measured"; return; }
  awk -v v="$1" -v op="$2" -v b="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= b) : (v <= b); print ok ? "met" : "not met" }'
}
echo
echo "| target | measured | |"
echo "|---|---:|---|"
for spec in "get:1.0" "put-periodic:0.7" "put-always:1.0"; do
  t=${spec%%:*} bound=${spec#*:}
  [[ " $TESTS " == *" $t "* ]] || continue
  r=$(ratio_of "$t")
  printf "| %s >= %sx Redis | %s | %s |\n" "$t" "$bound" "${r:+${r}x}" "$(mark "$r" ">=" "$bound")"
done
if [[ " $TESTS " == *" get-1 "* && " $TESTS " == *" zmq-rtt "* ]]; then
  g=$(pick get-1 forkv | cut -d, -f2)
  z=$(pick zmq-rtt forkv | cut -d, -f2)
  q=$(awk -v g="$g" -v z="$z" 'BEGIN { if (g != "" && z > 0) printf "%.2f", g / z }')
  printf "| get-1 p50 <= 1.2x zmq-rtt p50 | %s (%s / %s) | %s |\n" "${q:+${q}x}" \
    "$(us_to_text "$g")" "$(us_to_text "$z")" "$(mark "$q" "<=" 1.2)"
fi
((failures == 0)) || {
  echo "compare_redis.sh: $failures run(s) failed or had errors" >&2
  exit 1
}
