#include "manager/child_table.h"

#include <charconv>

#include "shared/check.h"

namespace forkv {
ChildTable::ChildTable(uint32_t db_workers, bool http) : dbs_(db_workers) {
  for (uint32_t i = 0; i < db_workers; ++i) {
    dbs_[i].kind = ChildRole::kDb;
    dbs_[i].shard = i;
    dbs_[i].name = "db-" + std::to_string(i);
  }
  if (http) {
    http_.emplace();
    http_->kind = ChildRole::kHttp;
    http_->name = "http";
  }
}

Child* ChildTable::AddStore(const std::string& name) {
  auto [it, inserted] = stores_.try_emplace(name);
  FORKV_CHECK(inserted);
  it->second.kind = ChildRole::kStore;
  it->second.name = name;
  return &it->second;
}

Child* ChildTable::FindStore(const std::string& name) {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : &it->second;
}

const Child* ChildTable::FindStore(const std::string& name) const {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : &it->second;
}

void ChildTable::RemoveStore(const std::string& name) {
  auto it = stores_.find(name);
  if (it == stores_.end()) return;
  by_gen_.erase(it->second.gen);
  stores_.erase(it);
}

void ChildTable::Attach(Child* child, pid_t pid, uint64_t gen) {
  by_gen_.erase(child->gen);
  child->gen = gen;
  child->routing_id =
      child->kind == ChildRole::kStore ? StoreRoutingId(pid) : ChildRoutingId(child->kind, gen);
  by_pid_[pid] = child;
  by_gen_[gen] = child;
}

void ChildTable::Detach(pid_t pid) { by_pid_.erase(pid); }

Child* ChildTable::FindByPid(pid_t pid) {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : it->second;
}

Child* ChildTable::FindByGen(uint64_t gen) {
  auto it = by_gen_.find(gen);
  return it == by_gen_.end() ? nullptr : it->second;
}

Child* ChildTable::FindByRoutingId(std::string_view rid) {
  Child* child = nullptr;
  if (rid.size() >= 2 && rid[0] == 'p') {
    pid_t pid = 0;
    auto [ptr, ec] = std::from_chars(rid.data() + 1, rid.data() + rid.size(), pid);
    if (ec == std::errc() && ptr == rid.data() + rid.size()) child = FindByPid(pid);
  } else if (uint64_t gen = GenFromRoutingId(rid); gen != 0) {
    child = FindByGen(gen);
  }
  return child != nullptr && child->routing_id == rid ? child : nullptr;
}

uint64_t ChildTable::GenFromRoutingId(std::string_view rid) {
  if (rid.size() < 2 || (rid[0] != 'd' && rid[0] != 'h')) return 0;
  uint64_t gen = 0;
  auto [ptr, ec] = std::from_chars(rid.data() + 1, rid.data() + rid.size(), gen);
  if (ec != std::errc() || ptr != rid.data() + rid.size()) return 0;
  return gen;
}

}  // namespace forkv
