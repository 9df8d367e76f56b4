// A rename's copy (forkv-store --copy-from OLD; manager/rename_table.h):
// the keys loaded from OLD are written as this store's, through the same
// write path as a client's puts, a window of kCopyWindowBytes at a time so
// that a big store is not held twice in memory. The process says ready only
// when the last copy write is acknowledged: the manager then records the
// rename and drops OLD.
#include <spdlog/spdlog.h>

#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/shard.h"
#include "shared/stored_value.h"
#include "store_worker/store_server.h"

namespace forkv {

namespace {
constexpr size_t kCopyWindowBytes = 8 << 20;  // keys and values unacknowledged, at most
constexpr size_t kCopyPage = 1024;            // keys taken from the map per step
}  // namespace

void StoreServer::PumpCopy() {
  SteadyTime now = SteadyClock::now();
  while (!copy_scanned_ && tracker_.PendingBytes() < kCopyWindowBytes) {
    StoreMap::ScanPage page =
        map_.Scan(copy_after_, "", kCopyPage, kCopyWindowBytes - tracker_.PendingBytes());
    for (const StoreMap::Entry& e : page.entries) {
      uint32_t shard = ShardFor(opts_.name, e.key, shard_count_);
      // Versions and expiry times travel with the values.
      const PendingWrite& w = tracker_.AddCopy(
          shard, std::string(e.key), EncodeStoredValue(e.version, e.expires_ms, *e.value), now,
          WriteMeta{.version = e.version, .expires_ms = e.expires_ms});
      unsent_[shard].push_back(w.seq);
    }
    if (!page.entries.empty()) copy_after_ = std::string(page.entries.back().key);
    copy_scanned_ = !page.more;
    ++copy_batches_;
#ifdef FORKV_TEST_HOOKS
    // A test makes the copy die part-way (its restarts too), then lets it go.
    if (copy_batches_ == 2 && IsListedInFaultFile("FORKV_CRASH_COPY_FILE", opts_.name)) {
      FlushWrites();  // the first pages reach the workers: a partial copy on disk
      spdlog::error("test hook: the copy to '{}' crashes part-way", opts_.name);
      exit_code_ = 1;
      return;
    }
#endif
  }
  FlushWrites();
  if (copy_scanned_ && tracker_.PendingCount() == 0 && !ready_sent_) {
    spdlog::info("store '{}': copied {} keys of '{}'", opts_.name, copied_, opts_.copy_from);
    SendReady();
  }
}

void StoreServer::OnCopyWriteDone(const PendingWrite& w, const Status& status) {
  if (exit_code_) return;
  if (!status.ok()) {
    spdlog::error(
        "store '{}': a copy write to shard {} failed: {}; exiting (a restart copies "
        "again)",
        opts_.name, w.shard, status.ToString());
    exit_code_ = kExitSystem;
    return;
  }
  ++copied_;
  PumpCopy();
}

}  // namespace forkv
