#include "bench/server_stats.h"

namespace forkv::bench {
namespace {

uint64_t UintField(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_number_unsigned()) return 0;
  return it->get<uint64_t>();
}

std::string StringField(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

Result<DbCounters> ParseDbCounters(const nlohmann::json& stores_body) {
  if (!stores_body.is_object()) return Status::Malformed("stores reply: body is not a map");
  auto it = stores_body.find("db_workers");
  if (it == stores_body.end() || !it->is_array()) {
    return Status::Malformed("stores reply: no db_workers array");
  }
  DbCounters c;
  for (const auto& w : *it) {
    if (!w.is_object()) return Status::Malformed("stores reply: a db worker is not a map");
    ++c.workers;
    if (w.contains("batches")) ++c.workers_reporting;
    c.writes += UintField(w, "writes");
    c.batches += UintField(w, "batches");
    c.last_batch.push_back(UintField(w, "last_batch"));
  }
  return c;
}

GroupCommit CounterDelta(const DbCounters& before, const DbCounters& after) {
  GroupCommit g;
  if (after.writes < before.writes || after.batches < before.batches) {
    g.approximate = true;  // a worker restarted: count what the new one did
    g.writes = after.writes;
    g.batches = after.batches;
    return g;
  }
  g.writes = after.writes - before.writes;
  g.batches = after.batches - before.batches;
  return g;
}

Result<std::vector<StoreInfo>> ParseStores(const nlohmann::json& stores_body) {
  if (!stores_body.is_object()) return Status::Malformed("stores reply: body is not a map");
  auto it = stores_body.find("stores");
  if (it == stores_body.end() || !it->is_array()) {
    return Status::Malformed("stores reply: no stores array");
  }
  std::vector<StoreInfo> out;
  for (const auto& s : *it) {
    if (!s.is_object()) return Status::Malformed("stores reply: a store is not a map");
    StoreInfo info;
    info.name = StringField(s, "name");
    info.state = StringField(s, "state");
    info.pid = UintField(s, "pid");
    info.restarts = UintField(s, "restarts");
    info.last_exit = StringField(s, "last_exit");
    if (auto k = s.find("keys"); k != s.end() && k->is_number_unsigned()) {
      info.keys = k->get<uint64_t>();
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<StoreInfo> FindStore(const nlohmann::json& stores_body, std::string_view name) {
  auto stores = ParseStores(stores_body);
  if (!stores.ok()) return stores.status();
  for (auto& s : *stores) {
    if (s.name == name) return std::move(s);
  }
  return Status::NotFound("no store '" + std::string(name) + "' in the stores reply");
}

Result<std::vector<uint64_t>> ParseDbWorkerPids(const nlohmann::json& stores_body) {
  if (!stores_body.is_object()) return Status::Malformed("stores reply: body is not a map");
  auto it = stores_body.find("db_workers");
  if (it == stores_body.end() || !it->is_array()) {
    return Status::Malformed("stores reply: no db_workers array");
  }
  std::vector<uint64_t> pids;
  for (const auto& w : *it) {
    if (!w.is_object()) return Status::Malformed("stores reply: a db worker is not a map");
    pids.push_back(UintField(w, "pid"));
  }
  return pids;
}

}  // namespace forkv::bench
