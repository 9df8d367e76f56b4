#include "store_worker/write_tracker.h"

#include <algorithm>

#include "shared/check.h"

namespace forkv {

WriteTracker::WriteTracker(uint32_t shard_count) : shards_(shard_count == 0 ? 1 : shard_count) {}

const PendingWrite& WriteTracker::Add(uint32_t shard, Op op, std::string key, std::string value,
                                      uint64_t tag, uint64_t request_id, SteadyTime now,
                                      std::vector<std::string> envelope, WriteMeta meta) {
  FORKV_CHECK(shard < shards_.size());
  Shard& s = shards_[shard];
  PendingWrite w;
  w.seq = s.next_seq++;
  w.shard = shard;
  w.op = op;
  w.key = std::move(key);
  w.value = std::move(value);
  w.tag = tag;
  w.request_id = request_id;
  w.sent_at = now;
  w.received_at = now;
  w.envelope = std::move(envelope);
  w.meta = meta;
  pending_bytes_ += w.key.size() + w.value.size();
  ++per_key_[w.key];
  auto [it, inserted] = s.pending.emplace(w.seq, std::move(w));
  FORKV_CHECK(inserted);
  return it->second;
}

const PendingWrite& WriteTracker::AddCopy(uint32_t shard, std::string key, std::string value,
                                          SteadyTime now, WriteMeta meta) {
  const PendingWrite& w =
      Add(shard, Op::kPut, std::move(key), std::move(value), 0, 0, now, {}, meta);
  shards_[shard].pending.at(w.seq).copy = true;
  return w;
}

const PendingWrite& WriteTracker::AddExpiryDelete(uint32_t shard, std::string key,
                                                  std::string floor, SteadyTime now,
                                                  WriteMeta meta) {
  const PendingWrite& w =
      Add(shard, Op::kDel, std::move(key), std::move(floor), 0, 0, now, {}, meta);
  shards_[shard].pending.at(w.seq).expiry = true;
  return w;
}

std::vector<PendingWrite> WriteTracker::Complete(uint32_t shard, const std::vector<uint64_t>& seqs,
                                                 std::vector<PendingWrite>* superseded) {
  std::vector<PendingWrite> done;
  if (shard >= shards_.size()) return done;
  Shard& s = shards_[shard];
  auto take = [&](std::map<uint64_t, PendingWrite>::iterator it, std::vector<PendingWrite>* out) {
    auto k = per_key_.find(it->second.key);
    if (k != per_key_.end() && --k->second <= 0) per_key_.erase(k);
    pending_bytes_ -= it->second.key.size() + it->second.value.size();
    if (out != nullptr) out->push_back(std::move(it->second));
    return s.pending.erase(it);
  };
  uint64_t highest = 0;
  for (uint64_t seq : seqs) {
    auto it = s.pending.find(seq);
    if (it == s.pending.end()) continue;
    highest = std::max(highest, seq);
    take(it, &done);
  }
  for (auto it = s.pending.begin(); it != s.pending.end() && it->first < highest;) {
    it = take(it, superseded);
  }
  std::sort(done.begin(), done.end(),
            [](const PendingWrite& a, const PendingWrite& b) { return a.seq < b.seq; });
  return done;
}

std::vector<const PendingWrite*> WriteTracker::MarkResend(uint32_t shard, SteadyTime now) {
  std::vector<const PendingWrite*> out;
  if (shard >= shards_.size()) return out;
  for (auto& [seq, w] : shards_[shard].pending) {
    w.sent_at = now;
    out.push_back(&w);
  }
  return out;
}

std::vector<uint32_t> WriteTracker::StalledShards(SteadyTime now,
                                                  SteadyClock::duration timeout) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    const auto& pending = shards_[i].pending;
    if (!pending.empty() && now - pending.begin()->second.sent_at > timeout) out.push_back(i);
  }
  return out;
}

SteadyTime WriteTracker::NextStallDeadline(SteadyClock::duration timeout) const {
  SteadyTime next = SteadyTime::max();
  for (const Shard& s : shards_) {
    // Writes of a shard are (re)sent in seq order: the lowest is the oldest.
    if (!s.pending.empty()) next = std::min(next, s.pending.begin()->second.sent_at + timeout);
  }
  return next;
}

int WriteTracker::PendingForKey(std::string_view key) const {
  auto it = per_key_.find(key);
  return it == per_key_.end() ? 0 : it->second;
}

size_t WriteTracker::PendingCount() const {
  size_t n = 0;
  for (const auto& s : shards_) n += s.pending.size();
  return n;
}

}  // namespace forkv
