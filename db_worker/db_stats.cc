#include "db_worker/db_stats.h"

#include <string>

namespace forkv {

nlohmann::json DbStatsJson(const DbStats& s, std::string_view fsync_mode,
                           const Status& storage_health) {
  nlohmann::json j = {
      {"queue_depth", s.queue_depth},
      {"last_batch", s.last_batch},
      {"batches", s.batches},
      {"writes", s.writes},
      {"failed_batches", s.failed_batches},
      {"last_fsync_us", s.last_fsync_us},
      {"last_fsync_unix_ms", s.last_fsync_unix_ms},
      {"fsync_mode", std::string(fsync_mode)},
      {"batch_size_histogram", s.batch_sizes.ToJson()},
      {"fsync_seconds_histogram", s.fsync_seconds.ToJson()},
  };
  if (!storage_health.ok()) j["storage_error"] = storage_health.message();
  return j;
}

}  // namespace forkv
