// The manager's one table of children: every database worker, store and the
// optional HTTP gateway, indexed by name, by pid (to map a reaped pid, or a
// store's routing id, to its child) and by generation (a worker's or the
// gateway's routing id). It
// holds what only the manager's loop knows of a child: its kind, current
// generation and last reported stats. Lifecycle state, pid, restarts and
// exits belong to the child's supervisor (manager/supervisor.h): the table
// only indexes the pid. Pure: no sockets, no signals.
//
// Generations are unique per spawn within one manager run and grow with time
// across runs (the first is the manager's start time in microseconds), so a
// database worker can fence writes of a dead incarnation of a store.
//
// Pointers returned stay valid until that child is removed.
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/control.h"

namespace forkv {

struct Child {
  ChildRole kind = ChildRole::kStore;  // shared/control.h: store, db or http
  std::string name;    // store name, "db-<shard>" or "http"; also its id in its supervisor
  uint32_t shard = 0;  // database workers only
  uint64_t gen = 0;    // current incarnation; 0 before the first spawn
  // Its backend DEALER's routing id: a store's StoreRoutingId(pid), else
  // ChildRoutingId(kind, gen). Derived by Attach(), kept because every
  // request to a store sends it.
  std::string routing_id;
  nlohmann::json stats = nlohmann::json::object();  // the last ready/pong stats
  std::string tcp_endpoint;  // stores: the current incarnation's tcp client endpoint, or ""
  // A store just created: no key of its name is on any shard (a name being
  // dropped or renamed cannot be created), so its first incarnation skips
  // the load (--fresh). Cleared when that incarnation is started.
  bool fresh = false;
};

class ChildTable {
 public:
  ChildTable(uint32_t db_workers, bool http);
  ChildTable(const ChildTable&) = delete;
  ChildTable& operator=(const ChildTable&) = delete;

  std::vector<Child>& dbs() { return dbs_; }
  const std::vector<Child>& dbs() const { return dbs_; }
  const std::map<std::string, Child>& stores() const { return stores_; }
  std::map<std::string, Child>& stores() { return stores_; }
  // The HTTP gateway, nullptr unless enabled.
  Child* http() { return http_ ? &*http_ : nullptr; }
  const Child* http() const { return http_ ? &*http_ : nullptr; }

  // A new store (the name must be new: checked).
  Child* AddStore(const std::string& name);
  Child* FindStore(const std::string& name);
  const Child* FindStore(const std::string& name) const;
  // Forgets a store and its generation; no-op for unknown names. Its last
  // process must have been Detach()ed (a supervisor removes a child only
  // after its exit).
  void RemoveStore(const std::string& name);

  // `child` now runs as `pid` in generation `gen` (a new spawn). Its previous
  // process, if any, must have been Detach()ed (a supervisor spawns again
  // only after the exit).
  void Attach(Child* child, pid_t pid, uint64_t gen);
  // The process `pid` was reaped; its child keeps its generation.
  void Detach(pid_t pid);
  Child* FindByPid(pid_t pid);
  // The child whose *current* generation is `gen`.
  Child* FindByGen(uint64_t gen);
  // The child whose *current* process has this backend routing id
  // ("p1234" a store by pid, "d7" or "h9" by generation); nullptr for a
  // process already reaped, an earlier incarnation, or garbage.
  Child* FindByRoutingId(std::string_view rid);
  // Parses a routing id ("d7", "h9") into a generation; 0 if malformed.
  static uint64_t GenFromRoutingId(std::string_view rid);

 private:
  std::vector<Child> dbs_;
  std::map<std::string, Child> stores_;
  std::optional<Child> http_;
  std::unordered_map<pid_t, Child*> by_pid_;
  std::unordered_map<uint64_t, Child*> by_gen_;
};

}  // namespace forkv
