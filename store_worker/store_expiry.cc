// Expiry (TTL) in the store: Redis's lazy plus active expiry. Lazy: every
// read takes the wall clock and treats a key whose time has passed as absent
// (StoreMap::FindLive, Keys and Scan with now_ms, LiveCount). Active: after
// each pass of the loop, ExpireDue() removes expired keys, kExpireBatch at
// most, so a million keys expiring at once cost many short passes between
// which requests are served, not one long stall. A removal deletes the key
// from the map at once (it was invisible already) and sends a delete to its
// database worker like a client's, with a revision floor. A store with no
// key holding a TTL has no expiry deadline at all: no timer when idle.
#include <spdlog/spdlog.h>

#include "shared/shard.h"
#include "shared/stored_value.h"
#include "store_worker/store_server.h"

namespace forkv {
namespace {
constexpr size_t kExpireBatch = 1000;  // keys removed per pass of the loop, at most
}  // namespace

void StoreServer::ExpireDue() {
  expiry_wake_ = SteadyTime::max();
  const int64_t next = map_.NextExpiry();
  // A copy in progress writes the map's items as loaded; a stop only drains.
  if (next == 0 || stopping_ || !ready_sent_) return;
  const int64_t now_ms = WallMs();
  const SteadyTime now = SteadyClock::now();
  if (next > now_ms) {
    expiry_wake_ = now + Millis(next - now_ms);
    return;
  }
  // Keys with a write in flight are left for the write's acknowledgment
  // (it replaces the item, or the next pass removes it): not counted in
  // the batch, but looked past.
  size_t removed = 0;
  bool more = false;
  for (const std::string& key : map_.ExpiredKeys(now_ms, kExpireBatch + tracker_.PendingCount())) {
    if (tracker_.PendingForKey(key) > 0 || deferred_.count(key) != 0) continue;
    if (removed == kExpireBatch) {
      more = true;
      break;
    }
    Status gone = map_.Delete(key);
    (void)gone;  // listed by ExpiredKeys: present
    const uint64_t version = ++revision_;
    uint32_t shard = ShardFor(opts_.name, key, shard_count_);
    const PendingWrite& w =
        tracker_.AddExpiryDelete(shard, key, EncodeRevisionFloor(version), now,
                                 WriteMeta{.client_op = Op::kDel, .version = version});
    unsent_[shard].push_back(w.seq);
    ++removed;
  }
  expired_ += removed;
  if (more) {
    expiry_wake_ = now;  // the next pass goes on, after serving what came
    return;
  }
  const int64_t after = map_.NextExpiry();
  // Still due: only keys with writes in flight, whose acks wake the loop.
  if (after > now_ms) expiry_wake_ = now + Millis(after - now_ms);
}

}  // namespace forkv
