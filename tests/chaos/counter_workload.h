// The compare-and-swap and counter clients of forkv-chaos (the checker:
// counter_checker.h). They run beside the put/get/del clients, on their own
// store (kCounterStore, a fault target like any other), through the same
// path (direct or the manager), and record every attempt.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "tests/chaos/counter_checker.h"

namespace forkv {
class Connection;
}

namespace forkv::chaos {

inline constexpr const char* kCounterStore = "chaos-cas";

struct CounterOptions {
  std::string endpoint;  // the manager's
  bool direct = true;
  int op_timeout_ms = 3000;
  int keys = 2;  // "cas-0".. and "incr-0".. in kCounterStore (few: the clients contend)
};

class CounterWorkload {
 public:
  CounterWorkload(zmq::context_t& ctx, CounterOptions options, int clients);

  // Client `id` (< clients): a CAS loop when `cas`, else an incr loop,
  // until `stop`. Thread-safe across ids.
  void Loop(int id, bool cas, uint64_t seed, const std::atomic<bool>& stop);
  // Every counter read through `via` (after the final manager restart).
  void FinalReads(Connection& via);
  // The verdict over every client's attempts and the final reads.
  CounterVerdict Check() const;
  // Prints the verdict ("chaos: cas: ..." and each problem); true when ok.
  static bool Print(const CounterVerdict& v);

 private:
  zmq::context_t& ctx_;
  CounterOptions o_;
  std::vector<std::vector<CounterAttempt>> attempts_;  // per client
  std::vector<CounterFinal> finals_;
};

}  // namespace forkv::chaos
