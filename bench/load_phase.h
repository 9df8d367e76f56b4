// One timed phase of forkv-bench (a test, or the fill before one): -c
// clients, each with its own DEALER socket (its own connection and routing
// id at the manager), each keeping up to `pipeline` requests in flight, until
// `requests` are answered or `duration_s` passes.
//
// Two ways to drive the clients:
//   threads = 0  one thread per client, through forkv::Connection (the library
//                every forkv tool uses);
//   threads = T  the clients spread over T threads (client i on thread
//                i mod T), each thread a zmq_poll loop over its clients'
//                sockets, as redis-benchmark multiplexes its clients over
//                --threads event loops. Much cheaper per request on few cores,
//                so less of the machine goes to the load generator.
// Either way a request's latency runs from just before its send to the
// moment its reply is taken off the socket, and a phase's clock starts when
// every client has connected (one answered ping each) and stops at the last
// reply. A request unanswered after `timeout` counts as an error, with every
// other one in flight on that socket, and the socket is reopened.
//
// Workloads, over keys KeyName(n) (0 <= n < keyspace) in `stores`, values
// `value`:
//   put    random store, random key
//   get    random store, random key
//   del    every key of every store once, in order, wrapping around when
//          requests > stores x keyspace
//   mixed  50 % get, 50 % put, random keys
//   fill   like del, but puts
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bench/report.h"

namespace forkv::bench {

// kIncr: incr of "counter:%012d" keys (redis-benchmark's INCR); kPutIfAbsent:
// a put only if the key is absent (SET ... NX), answered condition_failed
// (counted as not found: a definite "nothing done") once it exists.
enum class Workload { kFill, kPut, kGet, kDel, kMixed, kIncr, kPutIfAbsent };

inline bool Writes(Workload w) { return w != Workload::kGet; }

struct Phase {
  std::string name;
  Workload workload = Workload::kPut;
  int clients = 1;
  int threads = 0;  // 0: one thread per client; else clients multiplexed over this many
  int pipeline = 1;
  uint64_t requests = 0;  // in total, split evenly over the clients
  std::vector<std::string> stores;
  // The direct path: stores[i]'s own endpoint (from `locate`) for each i;
  // empty: every request goes through the manager's endpoint.
  std::vector<std::string> store_endpoints;
  uint64_t keyspace = 1;  // keys per store
  std::string value;
  double duration_s = 0;  // 0: until `requests` are done
  std::chrono::milliseconds timeout{10000};
};

struct PhaseOutcome {
  TestResult result;
  uint64_t writes_ok = 0;  // puts and dels answered ok
  // mixed only: "mixed/get" and "mixed/put", each op's answers and latency
  // (timeouts count in `result` only, as they belong to no answer).
  std::vector<TestResult> per_op;
};

PhaseOutcome RunPhase(zmq::context_t& ctx, const std::string& endpoint, const Phase& phase);

// `n` bytes of deterministic binary noise (zeros included): values are bytes.
std::string MakeValue(size_t n);

}  // namespace forkv::bench
