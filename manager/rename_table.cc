#include "manager/rename_table.h"

#include "shared/check.h"

namespace forkv {

Rename& RenameTable::Begin(const std::string& from, const std::string& to) {
  FORKV_CHECK(Involving(from) == nullptr && Involving(to) == nullptr);
  from_of_[to] = from;
  Rename& r = by_from_[from];
  r.from = from;
  r.to = to;
  return r;
}

Rename* RenameTable::Involving(const std::string& name) {
  if (auto it = by_from_.find(name); it != by_from_.end()) return &it->second;
  return ByTo(name);
}

const Rename* RenameTable::Involving(const std::string& name) const {
  return const_cast<RenameTable*>(this)->Involving(name);
}

Rename* RenameTable::ByTo(const std::string& to) {
  auto it = from_of_.find(to);
  return it == from_of_.end() ? nullptr : &by_from_.at(it->second);
}

Rename* RenameTable::BySyncId(uint64_t sync_id) {
  for (auto& [from, r] : by_from_) {
    if (r.phase == Rename::Phase::kSyncing && r.sync_id == sync_id) return &r;
  }
  return nullptr;
}

void RenameTable::Finish(const std::string& from) {
  auto it = by_from_.find(from);
  if (it == by_from_.end()) return;
  from_of_.erase(it->second.to);
  by_from_.erase(it);
}

Renames RenameTable::Names() const {
  Renames out;
  for (const auto& [from, r] : by_from_) out.emplace(from, r.to);
  return out;
}

}  // namespace forkv
