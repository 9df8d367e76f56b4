// The manager's registry: every supervised child (database workers, stores
// and the optional HTTP gateway) with its pid, state, incarnation and restart record; stores are
// found by name (the seeds' KV.Registry / Todo.Cache), any child by pid (for
// SIGCHLD) or by generation (for backend messages, whose routing id is
// "s<gen>", "d<gen>" or "h<gen>"). Pure: no sockets, no signals.
//
// Generations are unique per spawn within one manager run and grow with time
// across runs (the first one is the manager's start time in microseconds),
// so a database worker can fence writes of a dead incarnation of a store.
//
// Pointers returned stay valid until the child is removed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "manager/supervisor_policy.h"

namespace forkv {

enum class ChildKind { kDb, kStore, kHttp };

// "store", "db", "http" (status JSON, logs, metrics labels).
const char* ChildKindName(ChildKind kind);
// The routing-id prefix of a child's backend DEALER: 's', 'd' or 'h'.
char RoutingPrefix(ChildKind kind);

// What the manager knows of a child's current process. Its lifecycle state,
// restarts and last exit belong to its supervisor (manager/supervisor.h);
// the registry maps names, pids and generations to it.
struct Child {
  ChildKind kind = ChildKind::kStore;
  std::string name;        // store name, "db-<shard>" or "http"; also its id in its supervisor
  uint32_t shard = 0;      // database workers only
  pid_t pid = 0;           // 0 when no process is running
  uint64_t gen = 0;        // incarnation; 0 before the first spawn
  std::string routing_id;  // its backend DEALER's id: RoutingPrefix(kind) + gen
  SteadyTime started_at{};
  // Heartbeat bookkeeping.
  bool connected = false;  // said hello
  int missed_pings = 0;
  nlohmann::json stats = nlohmann::json::object();  // last pong's stats
};

class Registry {
 public:
  explicit Registry(uint32_t db_workers);

  std::vector<Child>& db_workers() { return dbs_; }
  const std::vector<Child>& db_workers() const { return dbs_; }
  const std::map<std::string, Child>& stores() const { return stores_; }
  std::map<std::string, Child>& stores() { return stores_; }

  // Get-or-create: the store's record, and whether it was created now.
  std::pair<Child*, bool> GetOrCreateStore(const std::string& name);
  Child* FindStore(const std::string& name);
  void RemoveStore(const std::string& name);

  // The HTTP gateway (forkv-http), present only when enabled.
  void EnableHttp();
  Child* http() { return http_ ? &*http_ : nullptr; }
  const Child* http() const { return http_ ? &*http_ : nullptr; }

  // Records that `child` now runs as `pid` with generation `gen`.
  void Attach(Child* child, pid_t pid, uint64_t gen);
  // Forgets the process of `child` (after it was reaped).
  void Detach(Child* child);
  Child* FindByPid(pid_t pid);
  Child* FindByGen(uint64_t gen);
  // Parses a routing id ("s12", "d7", "h9") into a generation; 0 if malformed.
  static uint64_t GenFromRoutingId(std::string_view rid);

  size_t LiveProcesses() const { return by_pid_.size(); }

 private:
  std::vector<Child> dbs_;
  std::map<std::string, Child> stores_;
  std::optional<Child> http_;
  std::unordered_map<pid_t, Child*> by_pid_;
  std::unordered_map<uint64_t, Child*> by_gen_;
};

}  // namespace forkv
