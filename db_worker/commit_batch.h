// One group-commit batch of the database worker, as pure logic: decoded
// writes in, storage mutations and acknowledgements out. No storage, no
// sockets: db_loop.cc drains the socket, feeds Add(), writes mutations()
// through its Storage, and sends what Finish() returns.
//
//   CommitBatch batch(&dedup);
//   batch.Add(peer, write);  ...          // arrival order
//   Status s = storage.Write(batch.mutations(), sync);   // if !mutations().empty()
//   for (PeerAck& a : batch.Finish(s)) send ["A", EncodeWriteAck(a.ack)] to a.peer
//
// Per write (see write_dedup.h for the decisions):
//   invalid (seq 0, bad store name, key or value size) -> its own error ack
//   kFenced           -> kUnavailable "fenced: store incarnation superseded"
//   kDuplicate        -> OK (already durable from an earlier batch)
//   kApply            -> a mutation; acked with the batch's outcome
//   kDuplicateInBatch -> no mutation; acked with the batch's outcome
// Acks are grouped per (peer, code, message), in order of first appearance,
// with seqs in arrival order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "db_worker/storage.h"
#include "db_worker/write_dedup.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

inline constexpr std::string_view kFencedMessage = "fenced: store incarnation superseded";

struct PeerAck {
  std::string peer;  // routing id of the sender
  WriteAck ack;
};

class CommitBatch {
 public:
  // `dedup` is borrowed and must outlive the batch; the batch opens a dedup
  // batch on the first Add() and closes it in Finish() (or the destructor,
  // which aborts an unfinished batch).
  explicit CommitBatch(WriteDedup* dedup) : dedup_(dedup) {}
  ~CommitBatch();
  CommitBatch(const CommitBatch&) = delete;
  CommitBatch& operator=(const CommitBatch&) = delete;

  // Adds one decoded write from `peer`.
  void Add(std::string_view peer, WriteRequest write);

  // True when nothing was added since construction or the last Finish().
  bool empty() const { return entries_.empty(); }
  size_t write_count() const { return entries_.size(); }
  // Mutations to write as one atomic storage write (may be empty when every
  // write was a duplicate, fenced or invalid: then skip the storage write
  // and pass Status::Ok() to Finish()).
  const std::vector<Mutation>& mutations() const { return mutations_; }
  // Key and value bytes of mutations(), to bound a batch's memory.
  size_t payload_bytes() const { return payload_bytes_; }
  // Writes dropped so far because an earlier write of their store was
  // missing (WriteDedup::Decision::kGap); they get no ack.
  size_t gaps() const { return gaps_; }

  // Closes the batch given the outcome of writing mutations(): commits the
  // dedup decisions if `write_status` is OK, aborts them otherwise, and
  // returns the acks to send. The batch is then empty and reusable.
  std::vector<PeerAck> Finish(const Status& write_status);

 private:
  struct Entry {
    std::string peer;
    uint64_t seq;
    // Set for outcomes known before the write; unset = the batch's outcome.
    bool fixed;
    Status status;
  };

  WriteDedup* dedup_;
  std::vector<Entry> entries_;
  std::vector<Mutation> mutations_;
  size_t payload_bytes_ = 0;
  size_t gaps_ = 0;
};

// Checks the fields of a decoded write: seq >= 1, a valid store name, key
// and value sizes (shared/names.h).
Status ValidateWrite(const WriteRequest& write);

}  // namespace forkv
