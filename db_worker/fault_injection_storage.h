// A Storage wrapper for tests (leveldb's FaultInjectionTestEnv): it forwards
// to a real Storage and can
//   - fail writes with an injected I/O error, "no space left on device":
//     the next N ones (FailNextWrites) and/or every one while a predicate
//     holds (SetFailWhile; the database worker uses it, in FORKV_TEST_HOOKS
//     builds only, to fail writes while a file exists);
//   - simulate a power loss: DropUnsyncedWrites() undoes, on the underlying
//     storage, every write made since the last sync.
//
// How the power loss is modelled: before forwarding an unsynced Write or
// DeleteRange, the wrapper reads (Get / Scan) the previous contents of every
// key it touches and keeps them in an undo log. A successful sync (Write or
// DeleteRange with sync=true, or SyncWal) clears the log, since it makes
// every earlier write durable. DropUnsyncedWrites() replays the log backwards
// as one synced write, so the underlying database then holds exactly what
// it held at the last sync. This is stricter than a real power loss, which
// may keep some unsynced writes; a test must accept either.
//
// Failed writes (injected or real) change nothing and are not logged. Reads
// and SyncWal are never failed by injection. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db_worker/storage.h"

namespace forkv {

class FaultInjectionStorage final : public Storage {
 public:
  // Takes ownership of `base`. With `track_unsynced` false no undo log is
  // kept (no extra reads, no memory growth) and DropUnsyncedWrites() is a
  // no-op: for long-running processes that only need failure injection.
  explicit FaultInjectionStorage(std::unique_ptr<Storage> base, bool track_unsynced = true);
  ~FaultInjectionStorage() override;

  Status Write(const std::vector<Mutation>& batch, bool sync) override;
  Status Scan(std::string_view prefix, const ScanFn& fn) override;
  Status FirstKeyFrom(std::string_view from, std::string* key) override {
    return base_->FirstKeyFrom(from, key);
  }
  Status Health() const override { return base_->Health(); }
  Status Checkpoint(const std::string& dir) override { return base_->Checkpoint(dir); }
  Status DeleteRange(std::string_view begin, std::string_view end, bool sync) override;
  Status SyncWal() override;
  Status Get(std::string_view key, std::string* value) override;

  // The next `n` Write/DeleteRange calls fail with kIoError.
  void FailNextWrites(int n) { fail_next_ = n; }
  // While `pred()` returns true, Write/DeleteRange fail with kIoError.
  // An empty function turns this off.
  void SetFailWhile(std::function<bool()> pred) { fail_while_ = std::move(pred); }
  // Every Write takes at least this long (a slow disk, a RocksDB stall).
  void SetWriteDelay(std::chrono::milliseconds delay) { write_delay_ = delay; }
  // Write/DeleteRange calls failed by injection so far.
  int injected_failures() const { return injected_failures_; }

  // Mutations (keys touched) written since the last sync.
  size_t UnsyncedCount() const { return undo_.size(); }
  // Undoes every unsynced write on the underlying storage (see above).
  Status DropUnsyncedWrites();

 private:
  // Previous state of one key: its old value, or nullopt if it was absent.
  struct Undo {
    std::string key;
    std::optional<std::string> old_value;
  };

  bool ShouldFail();
  Status RecordUndo(std::string_view key);

  std::unique_ptr<Storage> base_;
  const bool track_unsynced_;
  int fail_next_ = 0;
  std::function<bool()> fail_while_;
  int injected_failures_ = 0;
  std::vector<Undo> undo_;  // in write order
  std::chrono::milliseconds write_delay_{0};
};

}  // namespace forkv
