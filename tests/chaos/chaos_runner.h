// forkv-chaos: process-kill fault injection with a consistency check, in the
// spirit of Jepsen (a recorded concurrent history, checked afterwards) and
// of rocksdb's crash tests (named kill points).
//
// One run:
//  1. Starts a private forkv-manager (ManagerUnderTest) with restart
//     intensity effectively unbounded (--max-restarts 100000 --max-seconds
//     1): chaos is about data safety, not about the give-up policy.
//  2. `clients` threads, each with its own Connection, issue put/get/del on
//     `stores` x `keys` keys at random (`ops_mix`), and record every
//     operation with its start and end time and its outcome (ok, not found,
//     failed definitely, or unknown: a timeout or `unavailable`). Every
//     written value is unique: "c<client>-<n>|" padded to `value_bytes`.
//  3. Meanwhile the main thread injects faults on a seeded schedule: SIGKILL
//     of a store, of a database worker, of the manager (only the manager, or
//     its whole process group), SIGSTOP of a store (SIGCONT later, unless the
//     heartbeat killed it first), and stretches of 1-2.5 s during which the
//     manager runs with FORKV_KILL_POINT set (store.after_db_ack_before_reply
//     or db.after_write_before_ack, at a random N-th pass) and no other fault
//     is injected; each process the kill point kills counts as one fault. A
//     killed manager is started again on the same data directory, as systemd
//     would; a few keys are read right after. The schedule pauses while the
//     manager restarts, so the fault rate is below 1 / fault_interval_ms.
//     One prober thread per store measures how long a store takes to serve
//     again after its SIGKILL.
//  4. At the end: one more manager restart, every key read, an orderly stop,
//     every process reaped, and the history checked (history_checker.h).
//
// The schedule of faults (kinds, targets, delays) follows from `seed`; the
// interleaving with the workload does not (real processes, real time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/status.h"

namespace forkv::chaos {

struct ChaosOptions {
  int clients = 8;
  int stores = 4;
  int keys = 100;                           // per store
  std::vector<int> ops_mix = {60, 30, 10};  // put:get:del weights
  int value_bytes = 32;
  int duration_s = 60;
  uint64_t seed = 42;
  std::string fsync = "periodic";  // always | periodic | never
  int db_workers = 2;
  int fault_interval_ms = 250;  // mean; each gap is drawn from [0.5, 1.5] x this
  int64_t max_faults = 0;       // 0: until the duration ends
  // store:db:manager:stop:killpoint weights of the fault kinds.
  std::vector<int> fault_mix = {55, 15, 10, 15, 5};
  int op_timeout_ms = 3000;
  bool direct =
      true;  // clients go to the stores' own endpoints (forkv::Client); else via the manager
  int backoff_max_ms = 1000;  // manager --backoff-max-ms
  std::string idle_timeout;   // manager --idle-timeout (empty: its default)
  int verify_keys = 16;       // keys read after each manager restart
  int counter_clients =
      4;  // compare-and-swap (even ids) and incr (odd) clients (counter_workload.h)
  uint64_t max_search_steps = 2'000'000;  // per key, linearizability search
  int max_reported = 5;                   // anomalies printed in full
  bool keep_dir = false;                  // keep the temp dir (it is always kept on failure)
  bool verbose = false;                   // one line per fault
  std::string manager_exe;                // default: forkv-manager beside this binary
};

// Exit codes of forkv-chaos.
inline constexpr int kChaosClean = 0;
inline constexpr int kChaosAnomaly = 1;  // lost, stale, phantom, nonlinearizable, unreadable
// kExitUsage (100) for a bad command line, kExitSystem (111) when the
// harness itself cannot run (the manager never serves, fork fails).

// "60:30:10" -> {60, 30, 10}; exactly `parts` non-negative integers with a
// positive sum.
Result<std::vector<int>> ParseRatio(const std::string& text, size_t parts);

// Runs one chaos session and prints its summary to stdout. Returns an exit
// code above. Call from the main thread, before any other thread exists.
int RunChaos(const ChaosOptions& options);

}  // namespace forkv::chaos
