// An online backup of the whole service (`forkv backup DIR`), as a pure
// machine. The backup is consistent: it holds exactly the writes that were
// acknowledged before one instant, on every shard.
//
//   1. hold:       every database worker is sent "B" (BackupStep); it
//                  commits what it has, stops applying anything and answers.
//                  Writes that arrive meanwhile wait in the worker.
//   2. snapshot:   once all are held, the loop writes the catalogue and
//                  FORMAT into DIR (every store with data in a shard is in
//                  the catalogue: a store is recorded before it serves);
//   3. checkpoint: every worker is sent "K" with DIR/shard-<i>: it makes a
//                  RocksDB checkpoint and is released at once.
//   4. done:       once every checkpoint is confirmed the loop writes
//                  DIR/BACKUP, the mark of a complete backup.
// A failure at any step (a worker's error, its restart, the deadline)
// releases the held workers ("K" with no dir) and answers the error; the
// directory is left without BACKUP, so --restore refuses it. One backup
// runs at a time. The machine says what to send; the loop sends it.
//
// Thread-safety: none; it belongs to the manager's loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "shared/clock.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

struct BackupActions {
  std::vector<std::pair<uint32_t, BackupStep>> hold;        // send "B"
  std::vector<std::pair<uint32_t, BackupStep>> checkpoint;  // send "K" (dir "" = release)
  bool snapshot = false;  // write the catalogue and FORMAT into dir() now, then call Snapshotted
  struct Done {
    uint64_t handle = 0;      // the loop's parked client request
    uint64_t request_id = 0;  // its wire id
    std::string dir;
    Status status;  // ok: write DIR/BACKUP, then answer
  };
  std::optional<Done> done;
};

class BackupCoordinator {
 public:
  BackupCoordinator(uint32_t shards, Millis hold, Millis timeout)
      : shards_(shards), hold_(hold), timeout_(timeout) {}
  BackupCoordinator(const BackupCoordinator&) = delete;
  BackupCoordinator& operator=(const BackupCoordinator&) = delete;

  bool running() const { return phase_ != Phase::kIdle; }
  const std::string& dir() const { return dir_; }

  // Starts a backup into `dir` (checked and created by the caller). Not
  // while one runs (checked).
  BackupActions Begin(uint64_t handle, uint64_t request_id, std::string dir, SteadyTime now);
  // A worker's "b" / "k" answer (ack.drop_id is the backup id); stale ones
  // are ignored.
  BackupActions OnHeld(uint32_t shard, const DropAck& ack);
  BackupActions OnCheckpointed(uint32_t shard, const DropAck& ack);
  // The loop wrote the catalogue and FORMAT (or failed to).
  BackupActions Snapshotted(const Status& status);
  // Worker `shard` (re)started or died: its hold is gone.
  BackupActions OnShardRestarted(uint32_t shard);
  BackupActions Expire(SteadyTime now);
  // Shutdown: fail the backup.
  BackupActions Abort(const Status& status);
  SteadyTime NextDeadline() const;

 private:
  enum class Phase { kIdle, kHolding, kSnapshot, kCheckpointing };
  BackupActions Fail(const Status& status);
  BackupActions Finish(const Status& status);

  const uint32_t shards_;
  const Millis hold_;
  const Millis timeout_;
  Phase phase_ = Phase::kIdle;
  uint64_t id_ = 0;  // grows per backup; 0 = none
  uint64_t handle_ = 0;
  uint64_t request_id_ = 0;
  std::string dir_;
  std::set<uint32_t> held_;     // answered "b" ok (a release is owed to them on failure)
  std::set<uint32_t> pending_;  // owe an answer in this phase
  SteadyTime deadline_{};
};

}  // namespace forkv
