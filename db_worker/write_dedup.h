// Resend detection and fencing for the writes one database worker receives.
// Pure: no storage, no sockets.
//
// A store incarnation (store name, gen) numbers the writes it sends to this
// worker seq = 1, 2, 3... (store_worker/write_tracker.h) and resends, in seq
// order, those it has not seen acknowledged. Per store name the table keeps
// {gen, last_seq}: the newest incarnation seen and the last seq of it that
// was applied. For a write (store, gen, seq, base_seq):
//   no record            -> the record becomes {gen, base_seq - 1}: this worker
//                           just started, and everything below base_seq was
//                           acknowledged by an earlier incarnation
//   gen <  recorded gen  -> kFenced: an older incarnation; not applied
//   gen >  recorded gen  -> the record becomes {gen, base_seq - 1}, as above
//   base_seq - 1 > last_seq -> last_seq = base_seq - 1: every write below
//                           base_seq was answered to the store (e.g. a batch
//                           that failed on disk), none of them can still come
//   seq <= last_seq      -> kDuplicate: already applied, acknowledge again
//   seq == last_seq + 1  -> kApply, last_seq = seq
//   seq >  last_seq + 1  -> kGap: a write before it is missing (it died with
//                           a previous worker, or was queued behind this one).
//                           Not applied and not acknowledged: the store
//                           resends everything unacknowledged, in order, when
//                           told the worker restarted or when its retry timer
//                           fires. Without this rule a write queued on the
//                           store's socket while the worker was down would
//                           arrive first, and the resent earlier writes would
//                           look like duplicates and be lost.
//
// Decisions are made for one group-commit batch at a time and are tentative
// until the batch is written: Begin(), Decide() per write (later writes see
// earlier ones of the same batch), then Commit() if the storage write
// succeeded or Abort() to restore the table as it was at Begin().
//
// The table lives as long as the process. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace forkv {

class WriteDedup {
 public:
  enum class Decision {
    kApply,      // new: apply it
    kDuplicate,  // applied by an earlier, committed batch: ack OK, do not apply
    // A resend of a write applied earlier in the *open* batch: do not apply
    // again; its ack shares the batch's outcome.
    kDuplicateInBatch,
    kFenced,  // from a superseded incarnation: reject, do not apply
    kGap,     // an earlier write is missing: drop it, no ack (the store resends in order)
  };

  struct Entry {
    uint64_t gen = 0;
    uint64_t last_seq = 0;
    bool operator==(const Entry&) const = default;
  };

  // Opens a batch. CHECK-fails if one is open.
  void Begin();
  // Decides one write of the open batch (see the table above) and updates
  // the tentative state. CHECK-fails without an open batch.
  Decision Decide(std::string_view store, uint64_t gen, uint64_t seq, uint64_t base_seq);
  // Makes the open batch's decisions permanent and closes it.
  void Commit();
  // Restores the table to its state at Begin() and closes the batch.
  void Abort();
  bool in_batch() const { return in_batch_; }

  // A load or a drop from incarnation/fence `gen`: raises the store's gen to
  // `gen` (last_seq 0) if it is higher, which fences every older
  // incarnation. Immediate; CHECK-fails inside a batch (commit first: the
  // worker handles messages in arrival order).
  void Fence(std::string_view store, uint64_t gen);

  // The record of `store`, if any (committed or tentative).
  std::optional<Entry> Find(std::string_view store) const;
  size_t size() const { return table_.size(); }
  // "a=g2/s5,b=g1/s0" in store order, for tests. Non-printable bytes as \xNN.
  std::string Dump() const;

 private:
  std::map<std::string, Entry, std::less<>> table_;
  bool in_batch_ = false;
  // The state before the batch of every store the batch touched: nullopt
  // when the store had no record.
  std::map<std::string, std::optional<Entry>, std::less<>> saved_;
};

std::string_view DecisionName(WriteDedup::Decision d);

}  // namespace forkv
