// The drop protocol, as a pure machine. A `forkv drop STORE` is done when
//   (1) every database worker has deleted the store's keys from its shard
//       and acknowledged (DropAck), after fencing the store at `fence_gen`,
//       a generation above every incarnation the store ever had, so a write
//       of the stopped process still queued at a worker is refused; and
//   (2) the store's process is gone: its supervisor reported Removed.
// Then the client gets the first shard error, or ok. A worker that restarts
// before acknowledging is sent the drop again (OnShardUp); a drop not
// confirmed within the timeout is answered `timeout` and forgotten.
//
// While a drop runs the store is "dropping": the manager refuses requests
// naming it and leaves it out of the catalogue. The machine returns what to
// send; the loop sends it. Time is injected.
//
// Thread-safety: none; it belongs to the manager's loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "shared/clock.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

using DropId = uint64_t;  // the loop's handle for the client request; also the wire drop_id

struct ShardDrop {  // send `request` to database worker `shard`
  uint32_t shard = 0;
  DropRequest request;
};

struct DropDone {  // answer the client of drop `id` with `status`
  DropId id = 0;
  uint64_t request_id = 0;
  std::string store;
  Status status;
};

class DropCoordinator {
 public:
  DropCoordinator(uint32_t shards, Millis timeout) : shards_(shards), timeout_(timeout) {}
  DropCoordinator(const DropCoordinator&) = delete;
  DropCoordinator& operator=(const DropCoordinator&) = delete;

  // Starts dropping `store` (which must not be dropping already: checked).
  // Returns one request per shard. `process_running` false: the store has
  // no process (a retried drop that did not finish), wait for acks only.
  std::vector<ShardDrop> Begin(DropId id, uint64_t request_id, const std::string& store,
                               uint64_t fence_gen, SteadyTime now, bool process_running = true);
  bool IsDropping(const std::string& store) const { return by_store_.count(store) != 0; }

  // A worker's answer. Unknown ids and repeated acks are ignored (nullopt).
  std::optional<DropDone> OnAck(uint32_t shard, const DropAck& ack);
  // The store's supervisor removed it (its process is gone).
  std::optional<DropDone> OnStoreRemoved(const std::string& store);
  // Worker `shard` (re)started: the drops it still owes, to send again.
  std::vector<ShardDrop> OnShardUp(uint32_t shard) const;
  // Drops past their deadline: `timeout` "not confirmed by every database worker".
  std::vector<DropDone> Expire(SteadyTime now);
  // Every drop, answered with `status` (shutdown).
  std::vector<DropDone> FailAll(const Status& status);
  SteadyTime NextDeadline() const;
  size_t size() const { return drops_.size(); }

 private:
  struct Drop {
    uint64_t request_id;
    std::string store;
    uint64_t fence_gen;
    std::set<uint32_t> remaining;  // shards that have not acknowledged
    bool process_gone = false;
    Status error;  // the first shard error
    SteadyTime deadline;
  };

  ShardDrop RequestFor(uint32_t shard, DropId id, const Drop& d) const;
  std::optional<DropDone> MaybeFinish(DropId id);

  const uint32_t shards_;
  const Millis timeout_;
  std::map<DropId, Drop> drops_;
  std::map<std::string, DropId> by_store_;
};

}  // namespace forkv
