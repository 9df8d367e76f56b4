#include "manager/manager_options.h"

#include <filesystem>

#include "shared/host_port.h"
#include "shared/zsock.h"

namespace forkv {

Status ValidateOptions(const ManagerOptions& o) {
  if (o.db_workers < 1 || o.db_workers > 64) {
    return Status::InvalidArgument("--db-workers must be 1..64");
  }
  if (o.fsync_mode != "always" && o.fsync_mode != "periodic" && o.fsync_mode != "never") {
    return Status::InvalidArgument("--fsync must be always, periodic or never");
  }
  if (!o.http_listen.empty()) {
    auto hp = ParseHostPort(o.http_listen, /*allow_zero_port=*/true);
    if (!hp.ok()) return hp.status();
  }
  struct Positive {
    const char* name;
    int64_t value;
  };
  for (const Positive& p : {Positive{"--fsync-interval-ms", o.fsync_interval_ms},
                            Positive{"--ping-interval-ms", o.ping_interval_ms},
                            Positive{"--max-missed-pings", o.max_missed_pings},
                            Positive{"--request-wait-ms", o.request_wait_ms},
                            Positive{"--shutdown-timeout-ms", o.shutdown_timeout_ms},
                            Positive{"start timeout", o.start_timeout_ms}}) {
    if (p.value <= 0) return Status::InvalidArgument(std::string(p.name) + " must be positive");
  }
  if (o.idle_timeout_ms < 0) return Status::InvalidArgument("--idle-timeout must not be negative");
  if (o.max_live_stores < 1) return Status::InvalidArgument("--max-live-stores must be positive");
  if (o.max_stores < 1) return Status::InvalidArgument("--max-stores must be positive");
  return Status::Ok();
}

std::string ResolveRunDir(const ManagerOptions& o, uint32_t uid) {
  if (!o.run_dir.empty()) return o.run_dir;
  std::string path = IpcPath(o.endpoint);
  if (path.empty() || path[0] == '@') return "/tmp/forkv-" + std::to_string(uid);
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace forkv
