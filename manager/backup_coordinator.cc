#include "manager/backup_coordinator.h"

namespace forkv {

BackupActions BackupCoordinator::Begin(uint64_t handle, uint64_t request_id, std::string dir,
                                       SteadyTime now) {
  BackupActions a;
  if (running()) return a;
  phase_ = Phase::kHolding;
  ++id_;
  handle_ = handle;
  request_id_ = request_id;
  dir_ = std::move(dir);
  held_.clear();
  pending_.clear();
  deadline_ = now + timeout_;
  for (uint32_t i = 0; i < shards_; ++i) {
    pending_.insert(i);
    a.hold.push_back(
        {i, BackupStep{.backup_id = id_, .hold_ms = static_cast<uint64_t>(hold_.count())}});
  }
  return a;
}

BackupActions BackupCoordinator::OnHeld(uint32_t shard, const DropAck& ack) {
  if (phase_ != Phase::kHolding || ack.drop_id != id_ || pending_.erase(shard) == 0) return {};
  if (ack.code != StatusCode::kOk) {
    return Fail(Status(ack.code, "shard " + std::to_string(shard) + ": " + ack.message));
  }
  held_.insert(shard);
  BackupActions a;
  if (pending_.empty()) {
    phase_ = Phase::kSnapshot;
    a.snapshot = true;
  }
  return a;
}

BackupActions BackupCoordinator::Snapshotted(const Status& status) {
  if (phase_ != Phase::kSnapshot) return {};
  if (!status.ok()) return Fail(status);
  phase_ = Phase::kCheckpointing;
  BackupActions a;
  for (uint32_t i = 0; i < shards_; ++i) {
    pending_.insert(i);
    a.checkpoint.push_back(
        {i, BackupStep{.backup_id = id_, .dir = dir_ + "/shard-" + std::to_string(i)}});
  }
  return a;
}

BackupActions BackupCoordinator::OnCheckpointed(uint32_t shard, const DropAck& ack) {
  if (phase_ != Phase::kCheckpointing || ack.drop_id != id_ || pending_.erase(shard) == 0) {
    return {};
  }
  held_.erase(shard);  // released by its checkpoint, whatever the outcome
  if (ack.code != StatusCode::kOk) {
    return Fail(Status(ack.code, "shard " + std::to_string(shard) + ": " + ack.message));
  }
  if (!pending_.empty()) return {};
  return Finish(Status::Ok());
}

BackupActions BackupCoordinator::OnShardRestarted(uint32_t shard) {
  if (!running()) return {};
  if (held_.count(shard) == 0 && pending_.count(shard) == 0) return {};
  held_.erase(shard);
  return Fail(Status::Unavailable("database worker " + std::to_string(shard) +
                                  " restarted during the backup"));
}

BackupActions BackupCoordinator::Expire(SteadyTime now) {
  if (!running() || now < deadline_) return {};
  return Fail(Status::Timeout("the backup did not finish within " +
                              std::to_string(timeout_.count()) + " ms"));
}

BackupActions BackupCoordinator::Abort(const Status& status) {
  if (!running()) return {};
  return Fail(status);
}

SteadyTime BackupCoordinator::NextDeadline() const {
  return running() ? deadline_ : SteadyTime::max();
}

BackupActions BackupCoordinator::Fail(const Status& status) {
  std::set<uint32_t> to_release = held_;
  BackupActions a = Finish(status);
  for (uint32_t shard : to_release) a.checkpoint.push_back({shard, BackupStep{.backup_id = id_}});
  return a;
}

BackupActions BackupCoordinator::Finish(const Status& status) {
  BackupActions a;
  a.done = BackupActions::Done{handle_, request_id_, dir_, status};
  phase_ = Phase::kIdle;
  held_.clear();
  pending_.clear();
  return a;
}

}  // namespace forkv
