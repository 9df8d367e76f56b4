#include "db_worker/commit_batch.h"

#include <utility>

#include "shared/names.h"
#include "shared/shard.h"
#include "shared/stored_value.h"

namespace forkv {
namespace {

// A WriteAck frame must stay small (the store decodes it with a 64 KiB
// limit); storage error texts can be long.
constexpr size_t kMaxAckMessageBytes = 1024;

std::string Truncate(std::string s) {
  if (s.size() > kMaxAckMessageBytes) s.resize(kMaxAckMessageBytes);
  return s;
}

}  // namespace

Status ValidateWrite(const WriteRequest& write) {
  if (write.seq == 0) return Status::InvalidArgument("write: seq must be >= 1");
  if (write.op != Op::kPut && write.op != Op::kDel) {
    return Status::UnknownOp("write: op must be put or del");
  }
  if (Status s = ValidateStoreName(write.store); !s.ok()) return s;
  if (Status s = ValidateKey(write.key); !s.ok()) return s;
  // A value as stored: the client's, with its header (shared/stored_value.h).
  if (write.value.size() > kMaxValueBytes + kStoredHeaderBytes + kStoredExpiryBytes) {
    return Status::TooLarge("write: stored value of " + std::to_string(write.value.size()) +
                            " bytes is over the limit");
  }
  return Status::Ok();
}

CommitBatch::~CommitBatch() {
  if (dedup_->in_batch()) dedup_->Abort();
}

void CommitBatch::Add(std::string_view peer, WriteRequest write) {
  if (!dedup_->in_batch()) dedup_->Begin();
  Entry e{std::string(peer), write.seq, true, Status::Ok()};
  if (Status s = ValidateWrite(write); !s.ok()) {
    e.status = std::move(s);
    entries_.push_back(std::move(e));
    return;
  }
  switch (dedup_->Decide(write.store, write.gen, write.seq, write.base_seq)) {
    case WriteDedup::Decision::kGap:
      ++gaps_;
      return;  // no ack: the store resends from the missing write, in order
    case WriteDedup::Decision::kFenced:
      e.status = Status::Unavailable(std::string(kFencedMessage));
      break;
    case WriteDedup::Decision::kDuplicate:
      break;
    case WriteDedup::Decision::kDuplicateInBatch:
      e.fixed = false;
      break;
    case WriteDedup::Decision::kApply: {
      e.fixed = false;
      std::string key = StorageKey(write.store, write.key);
      payload_bytes_ += key.size() + write.value.size();
      if (write.op == Op::kPut) {
        mutations_.push_back(Mutation::Put(std::move(key), std::move(write.value)));
        break;
      }
      mutations_.push_back(Mutation::Delete(std::move(key)));
      // A delete's value is the store's revision floor on this shard
      // (shared/stored_value.h), kept under its empty key, atomically with
      // the delete.
      if (!write.value.empty()) {
        mutations_.push_back(Mutation::Put(StoragePrefix(write.store), std::move(write.value)));
      }
      break;
    }
  }
  entries_.push_back(std::move(e));
}

std::vector<PeerAck> CommitBatch::Finish(const Status& write_status) {
  std::vector<PeerAck> acks;
  if (entries_.empty()) {
    if (dedup_->in_batch()) dedup_->Commit();  // only gaps: nothing to write
    return acks;
  }
  if (write_status.ok()) {
    dedup_->Commit();
  } else {
    dedup_->Abort();
  }
  for (Entry& e : entries_) {
    const Status& s = e.fixed ? e.status : write_status;
    std::string message = Truncate(s.message());
    PeerAck* group = nullptr;
    for (PeerAck& a : acks) {
      if (a.peer == e.peer && a.ack.code == s.code() && a.ack.message == message) {
        group = &a;
        break;
      }
    }
    if (group == nullptr) {
      acks.push_back(PeerAck{e.peer, WriteAck{s.code(), std::move(message), {}}});
      group = &acks.back();
    }
    group->ack.seqs.push_back(e.seq);
  }
  entries_.clear();
  mutations_.clear();
  payload_bytes_ = 0;
  return acks;
}

}  // namespace forkv
