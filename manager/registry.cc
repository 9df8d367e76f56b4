#include "manager/registry.h"

#include <charconv>

namespace forkv {

const char* ChildKindName(ChildKind kind) {
  switch (kind) {
    case ChildKind::kDb:
      return "db";
    case ChildKind::kStore:
      return "store";
    case ChildKind::kHttp:
      return "http";
  }
  return "unknown";
}

char RoutingPrefix(ChildKind kind) {
  switch (kind) {
    case ChildKind::kDb:
      return 'd';
    case ChildKind::kStore:
      return 's';
    case ChildKind::kHttp:
      return 'h';
  }
  return '?';
}

Registry::Registry(uint32_t db_workers) : dbs_(db_workers) {
  for (uint32_t i = 0; i < db_workers; ++i) {
    dbs_[i].kind = ChildKind::kDb;
    dbs_[i].shard = i;
    dbs_[i].name = "db-" + std::to_string(i);
  }
}

std::pair<Child*, bool> Registry::GetOrCreateStore(const std::string& name) {
  auto [it, inserted] = stores_.try_emplace(name);
  if (inserted) {
    it->second.kind = ChildKind::kStore;
    it->second.name = name;
  }
  return {&it->second, inserted};
}

Child* Registry::FindStore(const std::string& name) {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : &it->second;
}

void Registry::RemoveStore(const std::string& name) {
  auto it = stores_.find(name);
  if (it == stores_.end()) return;
  Detach(&it->second);
  by_gen_.erase(it->second.gen);
  stores_.erase(it);
}

void Registry::EnableHttp() {
  if (http_) return;
  http_.emplace();
  http_->kind = ChildKind::kHttp;
  http_->name = "http";
}

void Registry::Attach(Child* child, pid_t pid, uint64_t gen) {
  Detach(child);
  by_gen_.erase(child->gen);
  child->pid = pid;
  child->gen = gen;
  child->routing_id = RoutingPrefix(child->kind) + std::to_string(gen);
  by_pid_[pid] = child;
  by_gen_[gen] = child;
}

void Registry::Detach(Child* child) {
  if (child->pid != 0) by_pid_.erase(child->pid);
  child->pid = 0;
}

Child* Registry::FindByPid(pid_t pid) {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : it->second;
}

Child* Registry::FindByGen(uint64_t gen) {
  auto it = by_gen_.find(gen);
  return it == by_gen_.end() ? nullptr : it->second;
}

uint64_t Registry::GenFromRoutingId(std::string_view rid) {
  if (rid.size() < 2 || (rid[0] != 's' && rid[0] != 'd' && rid[0] != 'h')) return 0;
  uint64_t gen = 0;
  auto [ptr, ec] = std::from_chars(rid.data() + 1, rid.data() + rid.size(), gen);
  if (ec != std::errc() || ptr != rid.data() + rid.size()) return 0;
  return gen;
}

}  // namespace forkv
