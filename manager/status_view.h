// What `forkv ping`, `forkv stores` and `forkv status` show, and whether the
// service is ready for systemd: pure functions of the child table, the three
// supervisors, the root machine and the options at `now`. The JSON shapes
// are the protocol's (docs/protocol.md, "Bodies").
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "manager/child_table.h"
#include "manager/manager_options.h"
#include "manager/root_machine.h"
#include "manager/spawn_specs.h"
#include "manager/store_listing.h"
#include "manager/store_spawner.h"
#include "manager/supervisor.h"
#include "shared/clock.h"
#include "shared/op_metrics.h"
#include "shared/version.h"

namespace forkv {

inline constexpr const char* kManagerVersion = kForkvVersion;
// `status` lists at most this many live stores (the first by name); the
// others are only counted.
inline constexpr size_t kStatusStoresListed = 100;

// Everything the views read; nothing is copied.
struct TreeView {
  const ManagerOptions& options;
  const ChildTable& table;
  const sup::Supervisor& dbs;
  const sup::Supervisor& stores;
  const sup::Supervisor& web;
  const RootMachine& root;
  const std::set<std::string>& catalogue;  // every store, live or hibernating
  pid_t manager_pid = 0;
  SteadyTime manager_started{};
  uint64_t activations = 0;  // store processes started on demand (or --preload)
  const StoreSpawner* spawner = nullptr;
  const ManagerLayout* layout = nullptr;  // stores' endpoints; nullptr: not shown
  const OpMetrics* requests = nullptr;    // `status` "requests"; nullptr: not shown
};

// {pid, version, uptime_ms, stores, live_stores, activations}
nlohmann::json PingJson(const TreeView& view, SteadyTime now);
// One page of stores (manager/store_listing.h): {stores: [child...],
// db_workers: [child...], next_after: str or null, total: catalogue size}.
nlohmann::json StoresJson(const TreeView& view, SteadyTime now, const StorePage& page = {});
// {manager: {...}, tree: {root -> db_pool, stores[, web]}}. Bounded
// whatever the catalogue holds: the stores node has `counts` by state,
// `total`, `processes`, `restarts` and `keys` of the live stores, the first
// kStatusStoresListed live stores as `children` and how many more as
// `omitted`. O(live stores x log N).
nlohmann::json StatusJson(const TreeView& view, SteadyTime now);
// The state a live store shows: its supervisor's, "stopped" without a record.
std::string_view LiveStoreState(const TreeView& view, const std::string& store);
// One child object: name, kind, state, pid, restarts, generation,
// uptime_ms, last_exit, plus its kind's stats. A catalogue store without a
// process (not activated yet, or hibernated) is HibernatingJson().
nlohmann::json HibernatingJson(const std::string& store);
nlohmann::json ChildJson(const TreeView& view, const Child& child, SteadyTime now);

struct Readiness {
  bool ready = false;  // every database worker (and the gateway) running, no store loading
  size_t loading = 0;  // stores still starting
};
Readiness CheckReadiness(const TreeView& view);

}  // namespace forkv
