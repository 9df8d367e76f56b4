#include "manager/status_view.h"

namespace forkv {
namespace {

const sup::Supervisor& SupervisorOf(const TreeView& v, const Child& c) {
  switch (c.kind) {
    case ChildRole::kStore:
      return v.stores;
    case ChildRole::kHttp:
      return v.web;
    case ChildRole::kDb:
      break;
  }
  return v.dbs;
}

bool IsRunning(const sup::Supervisor& s, const std::string& id) {
  const sup::ChildRecord* r = s.Find(id);
  return r != nullptr && r->state == sup::ChildState::kRunning;
}

nlohmann::json SupervisorJson(const sup::Supervisor& s, nlohmann::json children) {
  return {{"name", s.name()},
          {"kind", "supervisor"},
          {"strategy", sup::StrategyName(s.strategy())},
          {"phase", sup::PhaseName(s.phase())},
          {"children", std::move(children)}};
}

}  // namespace

nlohmann::json ChildJson(const TreeView& v, const Child& c, SteadyTime now) {
  const sup::ChildRecord* rec = SupervisorOf(v, c).Find(c.name);
  pid_t pid = rec != nullptr ? rec->pid : 0;
  std::string last_exit = rec != nullptr ? rec->last_exit : "";
  if (rec != nullptr && rec->state == sup::ChildState::kFailed) last_exit += "; " + rec->reason;
  nlohmann::json j = {
      {"name", c.name},
      {"kind", ChildRoleName(c.kind)},
      {"state", rec != nullptr ? sup::ChildStateName(rec->state) : "stopped"},
      {"pid", pid},
      {"restarts", rec != nullptr ? rec->restarts : 0},
      {"generation", c.gen},
      {"uptime_ms", pid != 0 ? std::max<int64_t>(0, MillisBetween(rec->started_at, now)) : 0},
      {"last_exit", last_exit}};
  switch (c.kind) {
    case ChildRole::kDb:
      j["shard"] = c.shard;
      j["fsync_mode"] = v.options.fsync_mode;
      for (auto it = c.stats.begin(); it != c.stats.end(); ++it) j[it.key()] = it.value();
      break;
    case ChildRole::kHttp:
      j["listen"] = v.options.http_listen;
      for (auto it = c.stats.begin(); it != c.stats.end(); ++it) j[it.key()] = it.value();
      break;
    case ChildRole::kStore:
      if (auto it = c.stats.find("keys"); it != c.stats.end()) j["keys"] = *it;
      if (v.layout != nullptr && pid != 0) {  // its own socket (the direct path)
        nlohmann::json endpoints = {StoreEndpoint(*v.layout, c.gen)};
        if (!c.tcp_endpoint.empty()) endpoints.push_back(c.tcp_endpoint);
        j["endpoints"] = std::move(endpoints);
      }
      break;
  }
  return j;
}

nlohmann::json HibernatingJson(const std::string& store) {
  return {{"name", store}, {"kind", "store"}, {"state", "hibernating"}, {"pid", 0},
          {"restarts", 0}, {"generation", 0}, {"uptime_ms", 0},         {"last_exit", ""}};
}

nlohmann::json PingJson(const TreeView& v, SteadyTime now) {
  return {{"pid", v.manager_pid},
          {"version", kManagerVersion},
          {"uptime_ms", MillisBetween(v.manager_started, now)},
          {"stores", v.catalogue.size()},
          {"live_stores", v.table.stores().size()},
          {"activations", v.activations},
          {"spawn_server",
           {{"pid", v.spawner != nullptr ? v.spawner->pid() : 0},
            {"spawned", v.spawner != nullptr ? v.spawner->spawned() : 0},
            {"restarts", v.spawner != nullptr ? v.spawner->restarts() : 0}}}};
}

std::string_view LiveStoreState(const TreeView& v, const std::string& store) {
  const sup::ChildRecord* rec = v.stores.Find(store);
  return rec != nullptr ? sup::ChildStateName(rec->state) : "stopped";
}

namespace {

// The stores' supervisor in `status`: counts by state and totals over the
// live stores, the first kStatusStoresListed of them in full. Stores being
// dropped (live, no longer in the catalogue) are left out, as in `stores`.
nlohmann::json StoresNodeJson(const TreeView& v, SteadyTime now) {
  auto state_of = [&v](const std::string& name) { return LiveStoreState(v, name); };
  nlohmann::json children = nlohmann::json::array();
  uint64_t omitted = 0, processes = 0, restarts = 0, keys = 0;
  for (const auto& [name, child] : v.table.stores()) {
    if (v.catalogue.count(name) == 0) continue;
    if (const sup::ChildRecord* rec = v.stores.Find(name)) {
      processes += rec->pid != 0 ? 1 : 0;
      restarts += static_cast<uint64_t>(rec->restarts);
    }
    if (auto it = child.stats.find("keys"); it != child.stats.end() && it->is_number_integer()) {
      keys += static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
    }
    if (children.size() < kStatusStoresListed) {
      children.push_back(ChildJson(v, child, now));
    } else {
      ++omitted;
    }
  }
  nlohmann::json node = SupervisorJson(v.stores, std::move(children));
  node["counts"] = CountStores(v.catalogue, v.table.stores(), state_of);
  node["total"] = v.catalogue.size();
  node["processes"] = processes;
  node["restarts"] = restarts;
  node["keys"] = keys;
  node["omitted"] = omitted;
  return node;
}

}  // namespace

nlohmann::json StoresJson(const TreeView& v, SteadyTime now, const StorePage& page) {
  auto state_of = [&v](const std::string& name) { return LiveStoreState(v, name); };
  StoreListing listing = ListStores(v.catalogue, v.table.stores(), state_of, page);
  nlohmann::json stores = nlohmann::json::array();
  for (const std::string& name : listing.names) {
    const Child* c = v.table.FindStore(name);
    stores.push_back(c != nullptr ? ChildJson(v, *c, now) : HibernatingJson(name));
  }
  nlohmann::json dbs = nlohmann::json::array();
  for (const Child& c : v.table.dbs()) dbs.push_back(ChildJson(v, c, now));
  nlohmann::json next = listing.next_after ? nlohmann::json(*listing.next_after) : nullptr;
  return {{"stores", std::move(stores)},
          {"db_workers", std::move(dbs)},
          {"next_after", std::move(next)},
          {"total", v.catalogue.size()}};
}

nlohmann::json StatusJson(const TreeView& v, SteadyTime now) {
  nlohmann::json dbs = nlohmann::json::array();
  for (const Child& c : v.table.dbs()) dbs.push_back(ChildJson(v, c, now));
  nlohmann::json groups =
      nlohmann::json::array({SupervisorJson(v.dbs, std::move(dbs)), StoresNodeJson(v, now)});
  if (const Child* http = v.table.http()) {
    groups.push_back(SupervisorJson(v.web, nlohmann::json::array({ChildJson(v, *http, now)})));
  }
  // The root restarts nothing itself: a group that escalates stops the
  // whole tree in order and systemd restarts all of it (one_for_all).
  nlohmann::json tree = {{"name", "root"},
                         {"kind", "supervisor"},
                         {"strategy", "one_for_all"},
                         {"phase", RootStateName(v.root.state())},
                         {"children", std::move(groups)}};
  nlohmann::json j = {{"manager",
                       {{"pid", v.manager_pid},
                        {"uptime_ms", MillisBetween(v.manager_started, now)},
                        {"endpoint", v.options.endpoint},
                        {"data_dir", v.options.data_dir},
                        {"version", kManagerVersion},
                        {"state", v.root.running() ? "running" : "stopping"},
                        // Counters that only go up, by child kind (a dropped store's
                        // restarts stay counted).
                        {"restarts_total",
                         {{"store", v.stores.restarts_total()},
                          {"db", v.dbs.restarts_total()},
                          {"http", v.web.restarts_total()}}}}},
                      {"tree", std::move(tree)}};
  // Store requests answered since the manager started, both paths, every
  // incarnation (shared/op_metrics.h).
  if (v.requests != nullptr) j["requests"] = v.requests->ToJson();
  return j;
}

Readiness CheckReadiness(const TreeView& v) {
  Readiness r;
  for (const Child& c : v.table.dbs()) {
    if (!IsRunning(v.dbs, c.name)) return r;
  }
  if (const Child* http = v.table.http(); http != nullptr && !IsRunning(v.web, http->name)) {
    return r;
  }
  for (const sup::ChildRecord* rec : v.stores.Children()) {
    if (rec->state == sup::ChildState::kStarting) ++r.loading;
  }
  r.ready = r.loading == 0;
  return r;
}

}  // namespace forkv
