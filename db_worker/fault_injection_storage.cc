#include "db_worker/fault_injection_storage.h"

#include <thread>

namespace forkv {
namespace {
const char kInjected[] = "injected fault: No space left on device";
}  // namespace

FaultInjectionStorage::FaultInjectionStorage(std::unique_ptr<Storage> base, bool track_unsynced)
    : base_(std::move(base)), track_unsynced_(track_unsynced) {}

FaultInjectionStorage::~FaultInjectionStorage() = default;

bool FaultInjectionStorage::ShouldFail() {
  bool fail = false;
  if (fail_next_ > 0) {
    --fail_next_;
    fail = true;
  } else if (fail_while_ && fail_while_()) {
    fail = true;
  }
  if (fail) ++injected_failures_;
  return fail;
}

Status FaultInjectionStorage::RecordUndo(std::string_view key) {
  std::string old;
  Status s = base_->Get(key, &old);
  if (s.ok()) {
    undo_.push_back({std::string(key), std::move(old)});
  } else if (s.code() == StatusCode::kNotFound) {
    undo_.push_back({std::string(key), std::nullopt});
  } else {
    return s;
  }
  return Status::Ok();
}

Status FaultInjectionStorage::Write(const std::vector<Mutation>& batch, bool sync) {
  if (write_delay_.count() > 0) std::this_thread::sleep_for(write_delay_);
  if (ShouldFail()) return Status::IoError(kInjected);
  size_t mark = undo_.size();
  if (!sync && track_unsynced_) {
    // Per key, the value before the batch: a later mutation of the same key
    // in this batch reads the same base state, and undoing in reverse order
    // ends with the oldest one, so duplicates are harmless.
    for (const Mutation& m : batch) {
      if (Status s = RecordUndo(m.key); !s.ok()) {
        undo_.resize(mark);
        return s;
      }
    }
  }
  Status s = base_->Write(batch, sync);
  if (!s.ok()) {
    undo_.resize(mark);
    return s;
  }
  if (sync) undo_.clear();
  return s;
}

Status FaultInjectionStorage::Scan(std::string_view prefix, const ScanFn& fn) {
  return base_->Scan(prefix, fn);
}

Status FaultInjectionStorage::DeleteRange(std::string_view begin, std::string_view end, bool sync) {
  if (ShouldFail()) return Status::IoError(kInjected);
  size_t mark = undo_.size();
  if (!sync && track_unsynced_) {
    // Every key in [begin, end): scan from the longest common prefix.
    size_t common = 0;
    while (common < begin.size() && common < end.size() && begin[common] == end[common]) {
      ++common;
    }
    Status s = base_->Scan(begin.substr(0, common), [&](std::string_view k, std::string_view v) {
      if (k >= begin && k < end) undo_.push_back({std::string(k), std::string(v)});
      return true;
    });
    if (!s.ok()) {
      undo_.resize(mark);
      return s;
    }
  }
  Status s = base_->DeleteRange(begin, end, sync);
  if (!s.ok()) {
    undo_.resize(mark);
    return s;
  }
  if (sync) undo_.clear();
  return s;
}

Status FaultInjectionStorage::SyncWal() {
  Status s = base_->SyncWal();
  if (s.ok()) undo_.clear();
  return s;
}

Status FaultInjectionStorage::Get(std::string_view key, std::string* value) {
  return base_->Get(key, value);
}

Status FaultInjectionStorage::DropUnsyncedWrites() {
  std::vector<Mutation> batch;
  batch.reserve(undo_.size());
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    batch.push_back(it->old_value ? Mutation::Put(it->key, *it->old_value)
                                  : Mutation::Delete(it->key));
  }
  Status s = base_->Write(batch, /*sync=*/true);
  if (s.ok()) undo_.clear();
  return s;
}

}  // namespace forkv
