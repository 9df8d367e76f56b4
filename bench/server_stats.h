// Figures forkv-bench reads from the manager's `stores` reply (op 7, body
// decoded to JSON with DecodeJsonBody). Pure: takes the decoded body, never
// talks to a socket. Field names follow docs/protocol.md, "Structured bodies".
//
// The database workers' counters (batches, writes, last_batch) come from the
// manager's last heartbeat answer, so they lag by up to one ping interval
// (1 s by default) and are absent until the first heartbeat; absent counts
// as 0 here. They restart from 0 when a worker restarts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace forkv::bench {

// Group-commit counters summed over every database worker.
struct DbCounters {
  uint64_t writes = 0;   // mutations written
  uint64_t batches = 0;  // successful group-commit batches
  size_t workers = 0;
  size_t workers_reporting = 0;      // workers whose heartbeat stats have arrived
  std::vector<uint64_t> last_batch;  // per worker in shard order; 0 when absent
};

// Malformed when the body has no "db_workers" array.
Result<DbCounters> ParseDbCounters(const nlohmann::json& stores_body);

// after - before, for one benchmark run.
struct GroupCommit {
  uint64_t writes = 0;
  uint64_t batches = 0;
  bool approximate = false;  // the counters may not cover the whole run
  // 0 when no batch was committed.
  double WritesPerBatch() const {
    return batches == 0 ? 0 : static_cast<double>(writes) / static_cast<double>(batches);
  }
};
// Counters that went backwards (a worker restarted) make the result
// approximate rather than negative.
GroupCommit CounterDelta(const DbCounters& before, const DbCounters& after);

struct StoreInfo {
  std::string name;
  std::string state;  // starting, running, restarting, failed, stopping
  uint64_t pid = 0;   // 0 when no process runs
  uint64_t restarts = 0;
  std::string last_exit;
  std::optional<uint64_t> keys;  // key count at the last heartbeat
};

// NotFound when no store has that name; Malformed when the body has no
// "stores" array.
Result<StoreInfo> FindStore(const nlohmann::json& stores_body, std::string_view name);

// Every store of the reply, in its order. Malformed when there is no
// "stores" array.
Result<std::vector<StoreInfo>> ParseStores(const nlohmann::json& stores_body);

// The pid of every database worker in shard order (0 for one without a
// process). Malformed when there is no "db_workers" array.
Result<std::vector<uint64_t>> ParseDbWorkerPids(const nlohmann::json& stores_body);

}  // namespace forkv::bench
