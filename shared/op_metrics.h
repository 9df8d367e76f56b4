// Requests answered, by op and status code, and their latency by op: what
// a store counts for every request it answers (manager path and direct path
// alike) and reports in its heartbeat answers and idle reports, and what the
// manager sums over every store incarnation (the figures of a process that
// exited are kept) and serves in `status` for the gateway's /metrics.
// Labels are bounded: ops 1..kMaxOp, codes 0..kMaxStatusCode. Pure.
//
// JSON: {"<op name>": {"codes": {"<code name>": n, ...}, "seconds": histogram}}
// with histogram as shared/histogram.h's ToJson().
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "shared/histogram.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

class OpMetrics {
 public:
  // One answered request: `seconds` from its arrival to its answer.
  void Record(Op op, StatusCode code, double seconds);
  void Merge(const OpMetrics& other);
  bool empty() const;

  nlohmann::json ToJson() const;
  // The inverse of ToJson(); Malformed on anything else (unknown names too).
  static Result<OpMetrics> FromJson(const nlohmann::json& j);

  // Requests of `op` answered `code` (tests).
  uint64_t count(Op op, StatusCode code) const;

 private:
  struct PerOp {
    std::array<uint64_t, kMaxStatusCode + 1> codes{};
    BucketHistogram seconds{BucketHistogram::LatencySeconds()};
  };
  std::array<std::optional<PerOp>, kMaxOp + 1> ops_;
};

}  // namespace forkv
