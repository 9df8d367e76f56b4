#include "db_worker/write_dedup.h"

#include <cstdio>

#include "shared/check.h"

namespace forkv {

void WriteDedup::Begin() {
  FORKV_CHECK(!in_batch_);
  in_batch_ = true;
  saved_.clear();
}

WriteDedup::Decision WriteDedup::Decide(std::string_view store, uint64_t gen, uint64_t seq,
                                        uint64_t base_seq) {
  FORKV_CHECK(in_batch_);
  auto it = table_.find(store);
  if (!saved_.contains(store)) {
    saved_.emplace(std::string(store),
                   it == table_.end() ? std::nullopt : std::optional<Entry>(it->second));
  }
  const uint64_t before_base = base_seq > 0 ? base_seq - 1 : 0;
  if (it == table_.end()) it = table_.emplace(std::string(store), Entry{gen, before_base}).first;
  Entry& e = it->second;
  if (gen < e.gen) return Decision::kFenced;
  if (gen > e.gen) e = Entry{gen, before_base};
  // Everything below base_seq was answered to the store (acknowledged, or
  // failed and reported), so nothing below it can still arrive to fill a gap.
  if (before_base > e.last_seq) e.last_seq = before_base;
  if (seq <= e.last_seq) {
    const std::optional<Entry>& before = saved_.find(store)->second;
    bool committed = before && before->gen == gen && seq <= before->last_seq;
    return committed ? Decision::kDuplicate : Decision::kDuplicateInBatch;
  }
  if (seq != e.last_seq + 1) return Decision::kGap;
  e.last_seq = seq;
  return Decision::kApply;
}

void WriteDedup::Commit() {
  FORKV_CHECK(in_batch_);
  in_batch_ = false;
  saved_.clear();
}

void WriteDedup::Abort() {
  FORKV_CHECK(in_batch_);
  for (auto& [store, before] : saved_) {
    if (before) {
      table_[store] = *before;
    } else {
      table_.erase(store);
    }
  }
  in_batch_ = false;
  saved_.clear();
}

void WriteDedup::Fence(std::string_view store, uint64_t gen) {
  FORKV_CHECK(!in_batch_);
  auto it = table_.find(store);
  if (it == table_.end()) {
    table_.emplace(std::string(store), Entry{gen, 0});
  } else if (gen > it->second.gen) {
    it->second = Entry{gen, 0};
  }
}

std::optional<WriteDedup::Entry> WriteDedup::Find(std::string_view store) const {
  auto it = table_.find(store);
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

std::string WriteDedup::Dump() const {
  std::string out;
  for (const auto& [store, e] : table_) {
    if (!out.empty()) out += ',';
    for (unsigned char c : store) {
      if (c >= 0x20 && c < 0x7f) {
        out += static_cast<char>(c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
        out += buf;
      }
    }
    out += "=g" + std::to_string(e.gen) + "/s" + std::to_string(e.last_seq);
  }
  return out;
}

std::string_view DecisionName(WriteDedup::Decision d) {
  switch (d) {
    case WriteDedup::Decision::kApply:
      return "apply";
    case WriteDedup::Decision::kDuplicate:
      return "duplicate";
    case WriteDedup::Decision::kDuplicateInBatch:
      return "duplicate_in_batch";
    case WriteDedup::Decision::kGap:
      return "gap";
    case WriteDedup::Decision::kFenced:
      return "fenced";
  }
  return "?";
}

}  // namespace forkv
