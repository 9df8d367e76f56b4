// Writes a store has sent to database workers and not yet seen acknowledged.
// Pure: no sockets, time injected.
//
// Each database worker (shard) gets its own sequence: seq starts at 1 and
// grows by one per write sent to that shard, so a worker can recognise and
// skip a resend of something it already applied (see db_worker/write_dedup.h).
// Writes to one shard are acknowledged in seq order; the store applies a
// write to its map only when the ack arrives, so a get never sees a value a
// crash could take back.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/clock.h"
#include "shared/protocol.h"

namespace forkv {

// What a write is besides its bytes: the client's op (an incr is a put to
// the database worker) and the version and expiry its value carries.
struct WriteMeta {
  Op client_op = Op::kPut;
  uint64_t version = 0;
  int64_t expires_ms = 0;
  int64_t counter = 0;  // an incr: the new value
};

struct PendingWrite {
  uint64_t seq = 0;
  uint32_t shard = 0;
  Op op = Op::kPut;  // what the database worker applies: kPut or kDel
  std::string key;
  // The bytes sent: a put's value as stored (shared/stored_value.h), a
  // del's revision floor.
  std::string value;
  WriteMeta meta;
  uint64_t tag = 0;         // the manager's tag of the client request
  uint64_t request_id = 0;  // the client's request id
  // Direct path: the client's ROUTER envelope (routing id, plus "" for a REQ
  // client) the reply goes to; empty for a request from the manager.
  std::vector<std::string> envelope;
  SteadyTime sent_at;
  SteadyTime received_at;  // when the request arrived (its latency counts from here)
  bool copy = false;       // a rename's copy (forkv-store --copy-from): no client to answer
  bool expiry = false;     // the delete of an expired key: no client to answer
};

class WriteTracker {
 public:
  explicit WriteTracker(uint32_t shard_count);

  // Records a new write and returns it (with its seq assigned).
  const PendingWrite& Add(uint32_t shard, Op op, std::string key, std::string value, uint64_t tag,
                          uint64_t request_id, SteadyTime now,
                          std::vector<std::string> envelope = {}, WriteMeta meta = {});
  // A put of a rename's copy (PendingWrite::copy).
  const PendingWrite& AddCopy(uint32_t shard, std::string key, std::string value, SteadyTime now,
                              WriteMeta meta = {});
  // The delete of an expired key (PendingWrite::expiry); `floor`: its value.
  const PendingWrite& AddExpiryDelete(uint32_t shard, std::string key, std::string floor,
                                      SteadyTime now, WriteMeta meta);
  // Removes and returns the writes of `shard` whose seqs are listed, in seq
  // order. Unknown seqs (a duplicate ack after a resend) are ignored.
  //
  // A worker handles one store's writes in seq order, so when seq N is
  // acknowledged every pending write below N was either processed (and its
  // ack lost) or never reached the worker (a send that hit a full queue).
  // Either way it must not be resent after N — that could put an older value
  // over an acknowledged newer one — so those writes are removed too and
  // returned in *superseded, in seq order: their outcome is unknown.
  std::vector<PendingWrite> Complete(uint32_t shard, const std::vector<uint64_t>& seqs,
                                     std::vector<PendingWrite>* superseded = nullptr);
  // Everything still pending on `shard`, in seq order, stamped as resent now.
  std::vector<const PendingWrite*> MarkResend(uint32_t shard, SteadyTime now);
  // Shards with a write pending longer than `timeout`.
  std::vector<uint32_t> StalledShards(SteadyTime now, SteadyClock::duration timeout) const;
  // When the first shard will count as stalled (its oldest pending write
  // sent `timeout` ago); SteadyTime::max() when nothing is pending.
  SteadyTime NextStallDeadline(SteadyClock::duration timeout) const;

  // The pending write `seq` of `shard`, nullptr when it is not pending.
  const PendingWrite* Find(uint32_t shard, uint64_t seq) const {
    if (shard >= shards_.size()) return nullptr;
    auto it = shards_[shard].pending.find(seq);
    return it == shards_[shard].pending.end() ? nullptr : &it->second;
  }
  // Writes in flight for `key` (any shard).
  int PendingForKey(std::string_view key) const;
  size_t PendingCount() const;
  // Key and value bytes of every pending write.
  size_t PendingBytes() const { return pending_bytes_; }
  size_t PendingOnShard(uint32_t shard) const { return shards_[shard].pending.size(); }
  // The lowest seq of `shard` not yet acknowledged (the next seq to be
  // assigned when nothing is pending): WriteRequest::base_seq.
  uint64_t LowestUnacked(uint32_t shard) const {
    const Shard& s = shards_[shard];
    return s.pending.empty() ? s.next_seq : s.pending.begin()->first;
  }
  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }

 private:
  struct Shard {
    uint64_t next_seq = 1;
    std::map<uint64_t, PendingWrite> pending;
  };
  // Looked up by string_view without building a std::string first.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<Shard> shards_;
  std::unordered_map<std::string, int, KeyHash, std::equal_to<>> per_key_;
  size_t pending_bytes_ = 0;
};

}  // namespace forkv
