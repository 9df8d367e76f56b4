// forkv-bench's engine: client threads, the tests, the --load-keys mode.
//
// Clients are threads, each with its own forkv::Client (one DEALER socket)
// over one shared zmq::context_t. A client keeps up to `pipeline` requests in
// flight (Client::Send / Client::Receive, replies matched by id) and records
// each request's latency, send to reply, with std::chrono::steady_clock into
// its own LatencyHistogram; the histograms are merged when the threads end.
// A test's clock starts when every client has connected (one ping each) and
// stops at the last reply.
//
// Workloads, over keys "key:%012d" (0 <= n < keyspace) in stores
// "bench-0".."bench-<stores-1>", values of `value_bytes` binary bytes:
//   put    random store, random key
//   get    random store, random key (the keyspace is filled first)
//   del    every key of every store once, in order, wrapping around when
//          requests > stores x keyspace (those answer not_found)
//   mixed  50 % get, 50 % put, random keys (the keyspace is filled first)
// Filling is itself a pipelined put of every key, at least 64 deep.
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

#include "bench/report.h"

namespace forkv::bench {

struct BenchOptions {
  std::string socket;       // empty: start a private manager (--spawn)
  std::string manager_exe;  // forkv-manager for --spawn
  int clients = 50;
  uint64_t requests = 100000;
  size_t value_bytes = 100;
  uint64_t keyspace = 10000;
  int stores = 1;
  std::vector<std::string> tests = {"put", "get"};
  int pipeline = 1;
  std::string fsync = "periodic";
  int db_workers = 2;
  OutputFormat format = OutputFormat::kHuman;
  uint64_t load_keys = 0;                    // > 0: the --load-keys mode instead of the tests
  double duration_s = 0;                     // per test; 0 = until `requests` are done
  double reload_limit_s = 120;               // --load-keys: give up waiting for the reload
  std::chrono::milliseconds timeout{10000};  // per request
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

}  // namespace forkv::bench
