// A database worker held for a backup (manager/backup_coordinator.h):
// between the manager's "B" and its "K" the worker applies nothing, so the
// checkpoints of all shards show the same set of acknowledged writes. What
// arrives meanwhile is kept here, in order, and handled once the hold ends.
// The hold is bounded: by a deadline (the manager's hold_ms) and by the
// bytes kept; past either it ends by itself and that backup fails.
//
// Not thread-safe (the worker's loop thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "shared/clock.h"
#include "shared/zsock.h"

namespace forkv {

class BackupHold {
 public:
  explicit BackupHold(size_t max_bytes = size_t{256} << 20) : max_bytes_(max_bytes) {}

  bool held() const { return id_ != 0; }
  uint64_t id() const { return id_; }
  SteadyTime deadline() const { return deadline_; }
  size_t kept() const { return kept_.size(); }

  // Starts holding for backup `id` (> 0) until `deadline`.
  void Begin(uint64_t id, SteadyTime deadline);
  // Keeps one message. False when that took the kept bytes past the bound:
  // the hold must end now.
  bool Keep(Frames&& frames);
  // Ends the hold; the kept messages, in arrival order.
  std::deque<Frames> Release();

 private:
  size_t max_bytes_;
  uint64_t id_ = 0;
  SteadyTime deadline_{};
  std::deque<Frames> kept_;
  size_t bytes_ = 0;
};

}  // namespace forkv
