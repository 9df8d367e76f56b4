#include "manager/drop_coordinator.h"

#include "shared/check.h"

namespace forkv {

std::vector<ShardDrop> DropCoordinator::Begin(DropId id, uint64_t request_id,
                                              const std::string& store, uint64_t fence_gen,
                                              SteadyTime now, bool process_running) {
  FORKV_CHECK(!IsDropping(store));
  FORKV_CHECK(drops_.count(id) == 0);
  Drop d{request_id, store, fence_gen, {}, !process_running, Status::Ok(), now + timeout_};
  for (uint32_t i = 0; i < shards_; ++i) d.remaining.insert(i);
  std::vector<ShardDrop> out;
  for (uint32_t i = 0; i < shards_; ++i) out.push_back(RequestFor(i, id, d));
  drops_.emplace(id, std::move(d));
  by_store_[store] = id;
  return out;
}

ShardDrop DropCoordinator::RequestFor(uint32_t shard, DropId id, const Drop& d) const {
  return {shard, DropRequest{.store = d.store, .fence_gen = d.fence_gen, .drop_id = id}};
}

std::optional<DropDone> DropCoordinator::OnAck(uint32_t shard, const DropAck& ack) {
  auto it = drops_.find(ack.drop_id);
  if (it == drops_.end() || it->second.remaining.erase(shard) == 0) return std::nullopt;
  if (ack.code != StatusCode::kOk && it->second.error.ok()) {
    it->second.error = Status(ack.code, ack.message);
  }
  return MaybeFinish(ack.drop_id);
}

std::optional<DropDone> DropCoordinator::OnStoreRemoved(const std::string& store) {
  auto it = by_store_.find(store);
  if (it == by_store_.end()) return std::nullopt;
  drops_.at(it->second).process_gone = true;
  return MaybeFinish(it->second);
}

std::optional<DropDone> DropCoordinator::MaybeFinish(DropId id) {
  auto it = drops_.find(id);
  const Drop& d = it->second;
  if (!d.remaining.empty() || !d.process_gone) return std::nullopt;
  DropDone done{id, d.request_id, d.store, d.error};
  by_store_.erase(d.store);
  drops_.erase(it);
  return done;
}

std::vector<ShardDrop> DropCoordinator::OnShardUp(uint32_t shard) const {
  std::vector<ShardDrop> out;
  for (const auto& [id, d] : drops_) {
    if (d.remaining.count(shard)) out.push_back(RequestFor(shard, id, d));
  }
  return out;
}

std::vector<DropDone> DropCoordinator::Expire(SteadyTime now) {
  std::vector<DropDone> out;
  for (auto it = drops_.begin(); it != drops_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    out.push_back({it->first, it->second.request_id, it->second.store,
                   Status::Timeout("drop of '" + it->second.store +
                                   "' not confirmed by every database worker")});
    by_store_.erase(it->second.store);
    it = drops_.erase(it);
  }
  return out;
}

std::vector<DropDone> DropCoordinator::FailAll(const Status& status) {
  std::vector<DropDone> out;
  for (const auto& [id, d] : drops_) out.push_back({id, d.request_id, d.store, status});
  drops_.clear();
  by_store_.clear();
  return out;
}

SteadyTime DropCoordinator::NextDeadline() const {
  SteadyTime next = SteadyTime::max();
  for (const auto& [id, d] : drops_) next = std::min(next, d.deadline);
  return next;
}

}  // namespace forkv
