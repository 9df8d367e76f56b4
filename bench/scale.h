// forkv-bench-scale: the figures of virtual stores at scale (issue 14),
// each phase against its own private forkv-manager (bench/private_manager.h):
//
//   create  --create-stores N (10,000) new stores created by --clients
//           concurrent clients (one connection each): total time, creates/s
//           and the create round trip p50/p99. The manager runs with
//           --max-live-stores N+100 --idle-timeout 0, so all stay live.
//   idle    then, after --settle s, the same N idle live stores: CPU of the
//           whole tree (manager, database workers, every store; utime+stime
//           from /proc/PID/stat) over --idle-seconds, as % of one core;
//           private memory per store (smaps_rollup), the manager's RSS,
//           threads in the tree.
//   names   --names N (1,000,000) names written into the catalogue of a
//           stopped manager (SaveCatalogue, the format a compaction writes),
//           then its start to READY=1 (wall time, spawn included), the
//           catalogue's bytes, the manager's RSS, and --first-requests gets
//           of distinct never-activated stores (activation + load + get):
//           p50/p99.
//   zipf    --zipf-stores N (100,000) in the catalogue, --max-live-stores
//           --zipf-live (5,000); --clients clients for --zipf-seconds, each
//           request a get (90%) or put of a store drawn zipfian (exponent
//           --zipf-s, 1.0) over the N: ops/s, p50/p99, errors by code,
//           activations/s (the manager's `ping` activations counter).
//
// Prints a markdown table (phase, figure, value). Needs this host's /proc
// and enough file descriptors (the manager raises its soft limit to the
// hard one; each live store holds one in the manager and each worker).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace forkv::bench {

struct ScaleOptions {
  std::string manager_exe;
  std::set<std::string> phases = {"create", "idle", "names", "zipf"};
  int clients = 16;
  int create_stores = 10000;
  int settle_seconds = 7;  // past the stores' 5 s before they unlink from the workers
  int idle_seconds = 20;
  int names = 1000000;
  int first_requests = 200;
  int zipf_stores = 100000;
  int zipf_live = 5000;
  int zipf_seconds = 30;
  double zipf_s = 1.0;
};

struct ScaleFigure {
  std::string phase;
  std::string name;
  std::string value;
};

// Runs the phases in order; every figure measured goes to *out. Returns 0
// when every phase ran without a failed request, 1 otherwise, 111 when a
// manager could not be started.
int RunScale(const ScaleOptions& options, std::vector<ScaleFigure>* out);

}  // namespace forkv::bench
