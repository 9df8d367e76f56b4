// The database worker's administrative requests from the manager: a
// store's load, a drop, and the two steps of a backup (hold, checkpoint).
#include <spdlog/spdlog.h>

#include "db_worker/db_worker.h"
#include "db_worker/store_ops.h"
#include "shared/codec.h"
#include "shared/names.h"
#include "shared/protocol.h"

namespace forkv {

void DbWorker::HandleLoad(std::string_view peer, std::string_view payload) {
  auto req = DecodeLoadRequest(payload);
  if (!req.ok()) {
    spdlog::warn("dropped an undecodable load from {}: {}", peer, req.status().ToString());
    return;
  }
  if (Status s = ValidateStoreName(req->store); s.ok()) {
    dedup_.Fence(req->store, req->gen);
  } else {
    // No such store can have data: answer with the empty store it is.
    spdlog::warn("load from {} for an invalid store name: {}", peer, s.ToString());
    LoadChunk empty;
    empty.load_id = req->load_id;
    empty.last = true;
    std::string bytes = EncodeLoadChunk(empty);
    (void)SendFrames(router_, {peer, kTagLoadChunk, bytes}).ok();
    return;
  }
  size_t chunks = 0;
  size_t entries = 0;
  Status s = LoadStore(*storage_, req->store, req->load_id, ChunkLimits{}, [&](LoadChunk&& c) {
    entries += c.entries.size();
    std::string bytes = EncodeLoadChunk(c);
    ServiceBackend();  // a load of a large store takes a while: stay responsive
    if (Status st = SendFrames(router_, {peer, kTagLoadChunk, bytes}); !st.ok()) {
      spdlog::warn("load {} of store {} abandoned: {}", req->load_id, req->store, st.ToString());
      return false;
    }
    ++chunks;
    return true;
  });
  if (!s.ok()) {
    spdlog::error("load {} of store {} failed: {}", req->load_id, req->store, s.ToString());
    return;
  }
  spdlog::debug("load {} of store {} (gen {}) to {}: {} entries in {} chunks", req->load_id,
                req->store, req->gen, peer, entries, chunks);
}

void DbWorker::HandleDrop(std::string_view peer, std::string_view payload) {
  auto req = DecodeDropRequest(payload);
  if (!req.ok()) {
    spdlog::warn("dropped an undecodable drop request from {}: {}", peer, req.status().ToString());
    return;
  }
  Status s = ValidateStoreName(req->store);
  if (s.ok()) {
    // Fence first: no write of an older incarnation may land after the drop.
    dedup_.Fence(req->store, req->fence_gen);
    s = RunResponsively("drop", [&] { return DropStore(*storage_, req->store); });
    if (s.ok() && !ShardDirectoryLinked()) {
      shard_dir_lost_ = true;
      s = Status::IoError("database directory " + o_.dir + " was removed");
    }
    if (s.ok()) dirty_ = false;  // the synced range deletion synced the WAL too
  }
  if (s.ok()) {
    spdlog::info("dropped store {} (fence gen {})", req->store, req->fence_gen);
  } else {
    spdlog::error("drop of store {} failed: {}", req->store, s.ToString());
  }
  std::string bytes = EncodeDropAck(DropAck{req->drop_id, s.code(), s.message()});
  if (Status st = SendFrames(router_, {peer, kTagDropAck, bytes}); !st.ok()) {
    spdlog::warn("drop ack to {} not sent: {}", peer, st.ToString());
  }
}

void DbWorker::HandleSync(std::string_view peer, std::string_view payload) {
  auto step = DecodeBackupStep(payload);
  if (!step.ok() || step->backup_id == 0) {
    spdlog::warn("dropped an undecodable sync request from {}", peer);
    return;
  }
  SendAdminAck(peer, kTagSynced, step->backup_id, SyncNow("requested"));
}

void DbWorker::SendAdminAck(std::string_view peer, std::string_view tag, uint64_t id,
                            const Status& s) {
  std::string bytes = EncodeDropAck(DropAck{id, s.code(), s.message()});
  if (Status st = SendFrames(router_, {peer, tag, bytes}); !st.ok()) {
    spdlog::warn("'{}' answer to {} not sent: {}", tag, peer, st.ToString());
  }
}

void DbWorker::HandleBackupHold(std::string_view peer, std::string_view payload) {
  auto step = DecodeBackupStep(payload);
  if (!step.ok() || step->backup_id == 0) {
    spdlog::warn("dropped an undecodable backup hold from {}", peer);
    return;
  }
  if (hold_.held()) {
    SendAdminAck(
        peer, kTagBackupHeld, step->backup_id,
        Status::Unavailable("shard " + std::to_string(o_.shard) + " is held for another backup"));
    return;
  }
  hold_.Begin(step->backup_id, SteadyClock::now() + std::chrono::milliseconds(step->hold_ms));
  spdlog::info("held for backup {} (at most {} ms)", step->backup_id, step->hold_ms);
  SendAdminAck(peer, kTagBackupHeld, step->backup_id, Status::Ok());
}

void DbWorker::HandleCheckpoint(std::string_view peer_view, std::string_view payload,
                                CommitBatch& batch) {
  const std::string peer(peer_view);  // the frames may be reused below
  auto step = DecodeBackupStep(payload);
  if (!step.ok()) {
    spdlog::warn("dropped an undecodable checkpoint request from {}", peer);
    return;
  }
  if (!hold_.held() || hold_.id() != step->backup_id) {
    SendAdminAck(peer, kTagCheckpointDone, step->backup_id,
                 Status::Unavailable("shard " + std::to_string(o_.shard) +
                                     " is not held for this backup (its hold ended)"));
    return;
  }
  Status s = Status::Ok();
  if (!step->dir.empty()) {
    const auto start = SteadyClock::now();
    s = RunResponsively("checkpoint", [&] { return storage_->Checkpoint(step->dir); });
    if (s.ok()) {
      spdlog::info("checkpoint of shard {} in {} ({} ms)", o_.shard, step->dir,
                   std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
                       .count());
    } else {
      spdlog::error("checkpoint of shard {} in {} failed: {}", o_.shard, step->dir, s.ToString());
    }
  }
  SendAdminAck(peer, kTagCheckpointDone, step->backup_id, s);
  EndHold(batch, nullptr);
}

void DbWorker::EndHold(CommitBatch& batch, const char* why) {
  const uint64_t id = hold_.id();
  std::deque<Frames> kept = hold_.Release();
  if (why != nullptr) spdlog::warn("hold for backup {} ended: {}", id, why);
  for (Frames& frames : kept) {
    HandleRouterMessage(frames, batch);
    if (batch.payload_bytes() >= kMaxBatchBytes) Commit(batch);
  }
}

}  // namespace forkv
