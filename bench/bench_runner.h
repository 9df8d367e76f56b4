// forkv-bench's engine: the tests, the --load-keys mode, the private manager.
//
// Each test is a phase of load_phase.h: -c clients, each with its own DEALER
// socket over one shared zmq::context_t, either a thread each (forkv::Connection,
// the default) or multiplexed over --threads poll loops. A client keeps up to
// `pipeline` requests in flight (replies matched by id) and records each
// request's latency, send to reply, with std::chrono::steady_clock into a
// LatencyHistogram; the histograms are merged at the end. A test's clock
// starts when every client has connected (one ping each) and stops at the
// last reply.
//
// Workloads, over keys "key:%012d" (0 <= n < keyspace) in stores
// "bench-0".."bench-<stores-1>", values of `value_bytes` binary bytes:
//   put    random store, random key
//   get    random store, random key (the keyspace is filled first)
//   del    every key of every store once, in order, wrapping around when
//          requests > stores x keyspace (those answer not_found)
//   mixed  50 % get, 50 % put, random keys (the keyspace is filled first)
// Filling is itself a pipelined put of every key, at least 64 deep; --no-fill
// skips it (the keyspace was filled by an earlier run).
//
// After every test that writes, the database workers' group-commit counters
// (the `stores` reply) are compared with those before it. The manager
// refreshes them on its 1 s heartbeat, so the runner polls `stores` every
// 100 ms until the counters include every write the benchmark had
// acknowledged (at most 2.5 s); if they never do, the figure is marked
// approximate. With --socket, other clients' writes are counted too.
//
// Interrupting (SIGINT, SIGTERM) stops the clients sending; the run then
// ends normally and the private manager is stopped and reaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bench/report.h"

namespace forkv {
class Connection;
}

namespace forkv::bench {

// What a run measures: the tests (-t), the --load-keys figures, or one of the
// figure modes of figures.h (--mode recovery|create|memory).
enum class Mode { kTests, kLoad, kRecovery, kCreate, kMemory, kZmqRtt };

struct BenchOptions {
  std::string socket;       // empty: start a private manager (--spawn)
  std::string manager_exe;  // forkv-manager for --spawn
  int clients = 50;
  int threads = 0;  // 0: a thread per client; else clients multiplexed (load_phase.h)
  uint64_t requests = 100000;
  size_t value_bytes = 100;
  uint64_t keyspace = 10000;
  int stores = 1;
  std::vector<std::string> tests = {"put", "get"};
  int pipeline = 1;
  bool direct = true;  // --path direct: each client talks to the stores' own endpoints
  std::string fsync = "periodic";
  int db_workers = 2;
  OutputFormat format = OutputFormat::kHuman;
  bool no_fill = false;                      // get, mixed, del: the keyspace is filled already
  uint64_t load_keys = 0;                    // > 0: the --load-keys mode instead of the tests
  double duration_s = 0;                     // per test; 0 = until `requests` are done
  double reload_limit_s = 120;               // --load-keys: give up waiting for the reload
  std::chrono::milliseconds timeout{10000};  // per request
  Mode mode = Mode::kTests;
  // Figure modes (figures.h).
  int trials = 20;        // recovery of the empty store; create
  int trials_loaded = 5;  // recovery of stores holding keys
  // create, recovery: quiet before each sample, so each times one create or
  // one restart alone (the spawn server refills its spare in the pause)
  int gap_ms = 100;
  std::vector<uint64_t> recovery_keys = {0, 100000, 1000000};
  int idle_stores = 1000;  // memory
  double settle_s = 7;     // memory: idle time before measuring (a store unlinks after 5 s)
};

// Exit codes of forkv-bench (shared/proc.h table).
inline constexpr int kBenchOk = 0;  // ran; no request failed
inline constexpr int kBenchRequestErrors =
    1;  // ran, but some requests failed or a figure is missing
// kExitUsage (100): bad command line; kExitSystem (111): could not set up
// (manager would not start, unreachable, create failed).

// Runs the whole benchmark and prints its results on stdout (progress and
// problems on stderr). Returns one of the exit codes above.
int RunBench(const BenchOptions& options);

// ---- shared with the figure modes (figures.cc) ----

// True once SIGINT or SIGTERM asked the run to stop.
bool StopRequested();

// The benchmark's key names: "key:%012d", as redis-benchmark's -r.
std::string KeyName(uint64_t n);

// "forkv-bench: LINE" on stderr; the report itself goes to stdout (Print).
void Progress(const std::string& line);
void Print(const std::string& text);
// Drops the stores a run created on a manager it did not start.
void DropStores(Connection& control, const std::vector<std::string>& names);

struct FillOutcome {
  double seconds = 0;
  uint64_t errors = 0;
  std::string first_error;
};
// Puts keys 0..keys-1 of -d bytes into `store` with -c clients, pipelined at
// least 64 deep.
FillOutcome FillStore(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& options,
                      const std::string& store, uint64_t keys);

}  // namespace forkv::bench
