#!/usr/bin/env bash
# The persistence figures (issue 3), measured with forkv-bench against a
# private forkv-manager started for each run:
#   1. puts/s with 1 and with 50 concurrent clients in each durability mode
#      (--fsync always, periodic, never), with latency percentiles and the
#      group-commit batch size the database workers achieved;
#   2. the reload time of a store holding 100,000 and 1,000,000 keys after
#      kill -9 (kill -> first successful get), plus kill -9 -> first reply of
#      an empty store and the create round trip.
# Prints the exact commands, then markdown tables; the raw CSV files stay in
# $OUT_DIR. About 2 minutes on a 2-core machine. `make bench` runs it after a
# release build.
#
# Environment:
#   FORKV_BIN_DIR  directory holding forkv-bench and forkv-manager (default build/release/bin)
#   OUT_DIR        where the CSV files go (default: a new /tmp/forkv-persistence-XXXXXX)
#   DURATION       seconds per put configuration (default 5)
#   LOAD_KEYS      store sizes for the reload test (default "100000 1000000")
#   RELOAD_LIMIT   seconds to wait for a reload before calling it failed (default 120)
# Exit status: 0 when every run completed without errors, 1 otherwise (the
# tables are printed either way; a failed figure is shown as such).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${FORKV_BIN_DIR:-$ROOT/build/release/bin}
BENCH=$BIN_DIR/forkv-bench
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/forkv-persistence-XXXXXX)}
DURATION=${DURATION:-5}
LOAD_KEYS=${LOAD_KEYS:-"100000 1000000"}
RELOAD_LIMIT=${RELOAD_LIMIT:-120}
VALUE_BYTES=100
KEYSPACE=100000

if [[ ! -x $BENCH || ! -x $BIN_DIR/forkv-manager ]]; then
  echo "run_persistence_bench.sh: $BENCH or forkv-manager missing; run 'make build' first" >&2
  exit 111
fi
mkdir -p "$OUT_DIR"

failures=0
# run NAME ARGS...: forkv-bench ARGS --csv > $OUT_DIR/NAME.csv, echoing the command.
run() {
  local name=$1
  shift
  echo "+ forkv-bench $*" >&2
  local rc=0
  "$BENCH" "$@" --csv >"$OUT_DIR/$name.csv" || rc=$?
  if ((rc != 0)); then
    echo "run_persistence_bench.sh: '$name' exited $rc (see above)" >&2
    failures=$((failures + 1))
  fi
}

echo "forkv persistence benchmark: $(nproc) cores, $(uname -sr)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CSV files in $OUT_DIR" >&2

start=$SECONDS
for mode in always periodic never; do
  for clients in 1 50; do
    run "put-$mode-c$clients" --spawn --fsync "$mode" -c "$clients" -n 10000000 \
      --duration "$DURATION" -t put -d "$VALUE_BYTES" -r "$KEYSPACE"
  done
done
for keys in $LOAD_KEYS; do
  run "load-$keys" --spawn --load-keys "$keys" -c 4 -d "$VALUE_BYTES" \
    --reload-limit "$RELOAD_LIMIT"
done
elapsed=$((SECONDS - start))

# ---- tables --------------------------------------------------------------

# csv_get FILE COLUMN: the first data row's value in the named column.
csv_get() {
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                       NR == 2 && c { print $c }' "$1" 2>/dev/null
}
# metric FILE NAME: the value of a "metric,value,unit" line.
metric() {
  awk -F, -v m="$2" '$1 == m { print $2 }' "$1" 2>/dev/null
}
# us_to_text MICROSECONDS: "850 us", "1.23 ms", "420 ms", "2.05 s".
us_to_text() {
  awk -v us="$1" 'BEGIN {
    if (us == "") print "-";
    else if (us < 1000) printf "%.0f us\n", us;
    else if (us < 100000) printf "%.2f ms\n", us / 1000;
    else if (us < 1000000) printf "%.0f ms\n", us / 1000;
    else printf "%.2f s\n", us / 1000000 }'
}
ms_to_text() {
  if [[ -z $1 ]]; then echo "-"; else us_to_text "$(awk -v ms="$1" 'BEGIN { print ms * 1000 }')"; fi
}

echo
echo "### Put throughput by durability mode"
echo
echo "| --fsync | clients | puts/s | p50 | p99 | p99.9 | errors | writes per batch (group commit) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for mode in always periodic never; do
  for clients in 1 50; do
    f=$OUT_DIR/put-$mode-c$clients.csv
    ops=$(csv_get "$f" ops_per_sec)
    if [[ -z $ops ]]; then
      echo "| $mode | $clients | failed | | | | | |"
      continue
    fi
    wpb=$(csv_get "$f" writes_per_batch)
    [[ $(csv_get "$f" batch_stats_approximate) == 1 ]] && wpb="~$wpb"
    printf "| %s | %s | %.0f | %s | %s | %s | %s | %s |\n" "$mode" "$clients" "$ops" \
      "$(us_to_text "$(csv_get "$f" p50_us)")" "$(us_to_text "$(csv_get "$f" p99_us)")" \
      "$(us_to_text "$(csv_get "$f" p999_us)")" "$(csv_get "$f" errors)" "$wpb"
  done
done

echo
echo "### Reload after kill -9 (kill -> first successful get)"
echo
echo "| keys in the store | reload | keys after reload | fill rate (pipelined puts) |"
echo "|---:|---:|---:|---:|"
first_load=""
for keys in $LOAD_KEYS; do
  f=$OUT_DIR/load-$keys.csv
  [[ -z $first_load && -s $f ]] && first_load=$f
  reload=$(metric "$f" reload_ms)
  if [[ -n $reload ]]; then
    reload=$(ms_to_text "$reload")
  else
    reload="**none within ${RELOAD_LIMIT} s**"
  fi
  fill_s=$(metric "$f" fill_seconds)
  rate="-"
  [[ -n $fill_s ]] && rate=$(awk -v k="$keys" -v s="$fill_s" 'BEGIN { if (s > 0) printf "%.0f/s", k / s }')
  printf "| %s | %s | %s | %s |\n" "$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$keys")" \
    "$reload" "$(metric "$f" keys_after_reload | cut -d. -f1)" "$rate"
done

if [[ -n $first_load ]]; then
  echo
  echo "| also measured (private manager with --max-restarts 1000 --max-seconds 1 --backoff-max-ms 10) | median | min | max |"
  echo "|---|---:|---:|---:|"
  printf "| kill -9 of an empty store -> first reply (%s kills) | %s | %s | %s |\n" \
    "$(metric "$first_load" empty_restart_samples | cut -d. -f1)" \
    "$(ms_to_text "$(metric "$first_load" empty_restart_median_ms)")" \
    "$(ms_to_text "$(metric "$first_load" empty_restart_min_ms)")" \
    "$(ms_to_text "$(metric "$first_load" empty_restart_max_ms)")"
  printf "| create op round trip (%s creates) | %s | %s | %s |\n" \
    "$(metric "$first_load" create_samples | cut -d. -f1)" \
    "$(ms_to_text "$(metric "$first_load" create_median_ms)")" \
    "$(ms_to_text "$(metric "$first_load" create_min_ms)")" \
    "$(ms_to_text "$(metric "$first_load" create_max_ms)")"
fi

echo
echo "${VALUE_BYTES}-byte values, random keys over ${KEYSPACE} keys, 2 database workers," \
  "${DURATION} s per put configuration; $(nproc) cores; took ${elapsed} s" \
  "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))."
((failures == 0)) || {
  echo "run_persistence_bench.sh: $failures run(s) failed or had errors" >&2
  exit 1
}
