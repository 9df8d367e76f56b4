// What a database worker reports in its pongs (the manager's status, the
// gateway's /metrics): counters since the process started.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "shared/histogram.h"
#include "shared/status.h"

namespace forkv {

struct DbStats {
  uint64_t queue_depth = 0;  // messages left behind by the last drain (its limit)
  uint64_t last_batch = 0;
  uint64_t batches = 0;
  uint64_t writes = 0;
  uint64_t failed_batches = 0;
  int64_t last_fsync_us = 0;
  int64_t last_fsync_unix_ms = 0;
  // Since this process started (counters reset on a restart, which
  // Prometheus handles).
  BucketHistogram batch_sizes{BucketHistogram::PowersOfTwo(9)};  // 1..256 writes
  BucketHistogram fsync_seconds{BucketHistogram::LatencySeconds()};
};

// The pong's stats object; "storage_error" only while `storage_health` is
// not ok (the status page and /readyz show it).
nlohmann::json DbStatsJson(const DbStats& stats, std::string_view fsync_mode,
                           const Status& storage_health);

}  // namespace forkv
