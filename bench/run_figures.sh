#!/usr/bin/env bash
# The operational figures of issue #7, part 3, each from a forkv-bench figure
# mode against a private forkv-manager (bench/figures.h):
#   1. kill -9 of a store -> its first successful get, for an empty store
#      (TRIALS kills) and stores of 100,000 and 1,000,000 keys
#      (TRIALS_LOADED kills each);
#   2. the create op round trip of a new store (CREATE_TRIALS creates);
#   3. memory with IDLE_STORES idle stores: PSS, private and RSS per store,
#      the manager's, the database workers', the whole tree's.
# Prints the exact commands, then one markdown table (median, p99, min, max,
# mean over the trials; for memory, over the stores). The CSV files stay in
# $OUT_DIR. About 3-4 minutes on 2 cores. `make bench-figures` runs it after a
# release build.
#
# Environment:
#   FORKV_BIN_DIR  directory of forkv-bench and forkv-manager (default build/release/bin)
#   OUT_DIR        CSV files (default: a new /tmp/forkv-figures-XXXXXX)
#   MODES          which figures (default "recovery create memory")
#   TRIALS (20), TRIALS_LOADED (5), RECOVERY_KEYS ("0,100000,1000000"),
#   CREATE_TRIALS (50), IDLE_STORES (1000), SETTLE (seconds idle before
#   measuring memory, 7: past the 5 s after which an idle store unlinks
#   from the database workers), VALUE_BYTES (100), RELOAD_LIMIT (120 s)
# Exit status: 0 when every figure was measured without errors, 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${FORKV_BIN_DIR:-$ROOT/build/release/bin}
BENCH=$BIN_DIR/forkv-bench
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/forkv-figures-XXXXXX)}
MODES=${MODES:-"recovery create memory"}
TRIALS=${TRIALS:-20}
TRIALS_LOADED=${TRIALS_LOADED:-5}
RECOVERY_KEYS=${RECOVERY_KEYS:-0,100000,1000000}
CREATE_TRIALS=${CREATE_TRIALS:-50}
IDLE_STORES=${IDLE_STORES:-1000}
SETTLE=${SETTLE:-7}
VALUE_BYTES=${VALUE_BYTES:-100}
RELOAD_LIMIT=${RELOAD_LIMIT:-120}

if [[ ! -x $BENCH || ! -x $BIN_DIR/forkv-manager ]]; then
  echo "run_figures.sh: $BENCH or forkv-manager missing; run 'make build' first" >&2
  exit 111
fi
mkdir -p "$OUT_DIR"

failures=0
run() { # run MODE ARGS...: forkv-bench --spawn --mode MODE ARGS --csv > $OUT_DIR/MODE.csv
  local mode=$1
  shift
  echo "+ forkv-bench --spawn --mode $mode $* --csv" >&2
  local rc=0
  "$BENCH" --spawn --mode "$mode" "$@" --csv >"$OUT_DIR/$mode.csv" || rc=$?
  if ((rc != 0)); then
    echo "run_figures.sh: '$mode' exited $rc (see above)" >&2
    failures=$((failures + 1))
  fi
}

echo "forkv figures: $(nproc) cores, $(uname -sr); load average before:" \
  "$(cut -d' ' -f1-3 /proc/loadavg); CSV files in $OUT_DIR" >&2
start=$SECONDS
for mode in $MODES; do
  case $mode in
    recovery)
      run recovery --recovery-keys "$RECOVERY_KEYS" --trials "$TRIALS" \
        --trials-loaded "$TRIALS_LOADED" -d "$VALUE_BYTES" -c 4 --reload-limit "$RELOAD_LIMIT" ;;
    create) run create --trials "$CREATE_TRIALS" ;;
    memory) run memory --idle-stores "$IDLE_STORES" --settle "$SETTLE" -c 16 ;;
    *) echo "run_figures.sh: unknown mode '$mode'" >&2; exit 100 ;;
  esac
done
elapsed=$((SECONDS - start))

# fmt VALUE UNIT: "850 us", "12.3 ms", "2.05 s", "812 KiB", "1.25 MiB".
fmt() {
  awk -v v="$1" -v u="$2" 'BEGIN {
    if (v == "") { print "-"; exit }
    if (u == "ms") {
      if (v < 1) printf "%.0f us\n", v * 1000; else if (v < 100) printf "%.2f ms\n", v;
      else if (v < 1000) printf "%.0f ms\n", v; else printf "%.2f s\n", v / 1000
    } else if (u == "KiB") {
      if (v < 1024) printf "%.0f KiB\n", v; else if (v < 1048576) printf "%.2f MiB\n", v / 1024;
      else printf "%.2f GiB\n", v / 1048576
    } else printf "%.2f %s\n", v, u }'
}
label() {
  case $1 in
    recovery_empty) echo "kill -9 -> first get, empty store" ;;
    recovery_*_keys) echo "kill -9 -> first get, $(sed 's/recovery_//; s/_keys//' <<<"$1" |
      sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') keys" ;;
    create) echo "create a store (create op round trip)" ;;
    create_all_s) echo "create $IDLE_STORES stores, 16 concurrent clients (total)" ;;
    store_pss) echo "PSS per idle store ($IDLE_STORES stores)" ;;
    store_private) echo "private (clean+dirty) per idle store" ;;
    store_rss) echo "RSS per idle store" ;;
    manager_pss_before) echo "manager PSS with no store" ;;
    manager_rss) echo "manager RSS with $IDLE_STORES stores" ;;
    manager_pss) echo "manager PSS with $IDLE_STORES stores" ;;
    manager_private) echo "manager private with $IDLE_STORES stores" ;;
    manager_pss_growth_per_store) echo "manager PSS growth per store" ;;
    db_worker_pss) echo "database worker PSS, each ($IDLE_STORES stores)" ;;
    tree_pss) echo "PSS of the whole tree" ;;
    tree_pss_per_store) echo "whole tree PSS / stores" ;;
    *) echo "$1" ;;
  esac
}

echo
echo "| figure | samples | median | p99 | min | max | mean |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for mode in $MODES; do
  f=$OUT_DIR/$mode.csv
  [[ -s $f ]] || { echo "| $mode | failed | | | | | |"; continue; }
  # mode,figure,unit,samples,errors,median,p99,min,max,mean
  tail -n +2 "$f" | while IFS=, read -r _ name unit samples errors median p99 min max mean; do
    s=$samples
    ((errors > 0)) && s="$samples ($errors failed)"
    printf "| %s | %s | %s | %s | %s | %s | %s |\n" "$(label "$name")" "$s" \
      "$(fmt "$median" "$unit")" "$(fmt "$p99" "$unit")" "$(fmt "$min" "$unit")" \
      "$(fmt "$max" "$unit")" "$(fmt "$mean" "$unit")"
  done
done
echo
echo "Private forkv-manager per mode (recovery: --max-restarts 1000 --max-seconds 1" \
  "--backoff-max-ms 10), 2 database workers, ${VALUE_BYTES}-byte values; $(nproc) cores;" \
  "took ${elapsed} s (load average after: $(cut -d' ' -f1-3 /proc/loadavg))."
((failures == 0)) || {
  echo "run_figures.sh: $failures mode(s) failed or had errors" >&2
  exit 1
}
