// A fixed-bucket histogram in the Prometheus style: upper bounds chosen up
// front, a count per bucket (the last bucket is +Inf), a sum and a count.
// Database workers keep their group-commit batch sizes and fsync latencies
// in these and send them in heartbeat answers (JSON); the HTTP gateway keeps
// request latencies in them and renders all of them on /metrics.
//
// Not thread-safe: callers that share one between threads hold a lock.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "shared/status.h"

namespace forkv {

class BucketHistogram {
 public:
  // `upper_bounds` must be strictly increasing (checked: empty otherwise).
  explicit BucketHistogram(std::vector<double> upper_bounds);

  void Observe(double value);
  // Adds `other`'s observations; false (and no change) when the bounds differ.
  bool Merge(const BucketHistogram& other);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Per bucket, not cumulative; size() == upper_bounds().size() + 1 (+Inf last).
  const std::vector<uint64_t>& bucket_counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

  // {"le": [bounds...], "counts": [per bucket...], "sum": S, "count": N}
  nlohmann::json ToJson() const;
  // The inverse of ToJson(); Malformed on a missing field, a wrong type, an
  // unsorted bound list or counts that do not add up.
  static Result<BucketHistogram> FromJson(const nlohmann::json& j);

  // 1, 2, 4, ... 2^(n-1).
  static std::vector<double> PowersOfTwo(int n);
  // Seconds from 50 µs to 10 s, roughly 1-2.5-5 per decade.
  static std::vector<double> LatencySeconds();

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace forkv
