#include "db_worker/rocksdb_storage.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "db_worker/rocksdb_logger.h"
#include "shared/clock.h"

namespace forkv {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// rocksdb::Status -> forkv Status. Corruption found at run time is an I/O
// error for the caller (the request failed, the process keeps serving); only
// OpenRocksDbStorage decides that a failure is permanent.
Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsIOError()) return Status::IoError("rocksdb: " + s.ToString());
  if (s.IsCorruption()) return Status::IoError("rocksdb corruption: " + s.ToString());
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsIncomplete()) {
    return Status::Unavailable("rocksdb: " + s.ToString());
  }
  if (s.IsInvalidArgument()) return Status::InvalidArgument("rocksdb: " + s.ToString());
  return Status::Internal("rocksdb: " + s.ToString());
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Open-time classification (see OpenFailure).
OpenFailure ClassifyOpenError(const rocksdb::Status& s) {
  if (s.IsCorruption() || s.IsNotSupported() || s.IsInvalidArgument()) {
    return OpenFailure::kPermanent;
  }
  std::string text = s.ToString();
  if (s.IsIOError()) {
    // env/fs_posix.cc LockFile(): "While lock file: <dir>/LOCK: <strerror>"
    // when another process holds the lock, "lock hold by current process"
    // when this one does.
    if (Contains(text, "While lock file") || Contains(text, "lock hold by current process")) {
      return OpenFailure::kLocked;
    }
    if (Contains(text, "Permission denied") || Contains(text, "Read-only file system") ||
        Contains(text, "Not a directory") || Contains(text, "Operation not permitted")) {
      return OpenFailure::kPermanent;
    }
  }
  return OpenFailure::kTransient;
}

OpenFailure ClassifyErrno(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOTDIR:
    case EEXIST:  // exists but is not a directory
      return OpenFailure::kPermanent;
    default:
      return OpenFailure::kTransient;
  }
}

class RocksDbStorage final : public Storage {
 public:
  RocksDbStorage(std::string dir, rocksdb::Options options, rocksdb::DB* db, Millis reopen_interval)
      : dir_(std::move(dir)),
        options_(std::move(options)),
        db_(db),
        reopen_interval_(reopen_interval) {
    options_.create_if_missing = false;  // a reopen never creates
    options_.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  }

  ~RocksDbStorage() override {
    // Close() does not sync; callers that need durability call SyncWal()
    // first. Every iterator is scoped inside Scan(), so none is open here.
    CloseDb();
  }

  Status Write(const std::vector<Mutation>& batch, bool sync) override {
    if (Status s = RecoverIfFailed(); !s.ok()) return s;
    rocksdb::WriteBatch wb;
    for (const Mutation& m : batch) {
      rocksdb::Status s = m.kind == Mutation::Kind::kPut ? wb.Put(ToSlice(m.key), ToSlice(m.value))
                                                         : wb.Delete(ToSlice(m.key));
      if (!s.ok()) return FromRocks(s);  // only a batch over 4 GiB fails here
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return Check(db_->Write(wo, &wb));
  }

  Status Scan(std::string_view prefix, const ScanFn& fn) override {
    if (Status s = Readable(); !s.ok()) return s;
    std::string end = PrefixEnd(prefix);
    rocksdb::Slice upper = ToSlice(end);
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;  // a load reads a store once; keep the cache for Get
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
      std::string_view key = ToView(it->key());
      if (key.substr(0, prefix.size()) != prefix) break;
      if (!fn(key, ToView(it->value()))) break;
    }
    return FromRocks(it->status());
  }

  Status DeleteRange(std::string_view begin, std::string_view end, bool sync) override {
    if (Status s = RecoverIfFailed(); !s.ok()) return s;
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return Check(db_->DeleteRange(wo, db_->DefaultColumnFamily(), ToSlice(begin), ToSlice(end)));
  }

  Status SyncWal() override {
    // Never SyncWAL() after a failed write: Debian's RocksDB 7.8 aborts on
    // an assertion (sync_without_flush_called_). A reopen replays the WAL
    // and flushes it to a synced table instead.
    if (Status s = RecoverIfFailed(); !s.ok()) return s;
    return Check(db_->SyncWAL());
  }

  Status Checkpoint(const std::string& dir) override {
    if (Status s = RecoverIfFailed(); !s.ok()) return s;
    rocksdb::Checkpoint* raw = nullptr;
    if (Status s = Check(rocksdb::Checkpoint::Create(db_, &raw)); !s.ok()) return s;
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: the memtable is flushed first, so the copy
    // needs no WAL replay.
    return Check(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0));
  }

  Status Get(std::string_view key, std::string* value) override {
    if (Status s = Readable(); !s.ok()) return s;
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ToSlice(key), &v);
    if (s.ok()) *value = std::move(v);
    return FromRocks(s);
  }

  Status FirstKeyFrom(std::string_view from, std::string* key) override {
    if (Status s = Readable(); !s.ok()) return s;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    it->Seek(ToSlice(from));
    if (it->Valid()) {
      key->assign(it->key().data(), it->key().size());
      return Status::Ok();
    }
    if (!it->status().ok()) return FromRocks(it->status());
    return Status::NotFound("no key from here on");
  }

  Status Health() const override { return health_; }

 private:
  // After a failed write RocksDB holds a background error and refuses every
  // later write; its own Resume() waits for a free-space margin it may never
  // see and returns "Resource busy" meanwhile. Instead the database is closed
  // and opened again, at most once per reopen_interval_, when a call needs
  // it (no timer): a disk that has room again, or a directory writable again,
  // serves again without a restart.
  Status RecoverIfFailed() {
    if (failure_.ok()) return Status::Ok();
    auto now = SteadyClock::now();
    if (now < next_reopen_) {
      return Status::IoError(failure_.message() + " (the database is reopened at most every " +
                             std::to_string(reopen_interval_.count()) + " ms)");
    }
    next_reopen_ = now + reopen_interval_;
    CloseDb();
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options_, dir_, &db);
    if (!s.ok()) {
      Status st = FromRocks(s);
      failure_ = Status::IoError("reopening " + dir_ + " after a failed write: " + st.message());
      health_ = failure_;
      return failure_;
    }
    db_ = db;
    spdlog::warn("reopened {} after a failed write ({}): serving again", dir_, failure_.message());
    failure_ = Status::Ok();
    return Status::Ok();
  }

  // Reads go on while writes fail, unless a reopen left no database open.
  Status Readable() {
    if (db_ != nullptr) return Status::Ok();
    return RecoverIfFailed();
  }

  Status Check(const rocksdb::Status& s) {
    if (s.ok()) {
      health_ = Status::Ok();
      return Status::Ok();
    }
    // Every failed write is an I/O error to the caller: it was not applied
    // (not "unavailable", which means the outcome is unknown).
    failure_ = Status::IoError(FromRocks(s).message());
    health_ = failure_;
    return failure_;
  }

  void CloseDb() {
    if (db_ == nullptr) return;
    db_->Close().PermitUncheckedError();
    delete db_;
    db_ = nullptr;
  }

  const std::string dir_;
  rocksdb::Options options_;
  rocksdb::DB* db_;
  const Millis reopen_interval_;
  Status failure_;  // the last write failure until a reopen succeeds
  Status health_;   // the last write failure until a write succeeds
  SteadyTime next_reopen_{};
};

}  // namespace

Result<std::unique_ptr<Storage>> OpenRocksDbStorage(const std::string& dir,
                                                    const RocksDbStorageOptions& options,
                                                    OpenFailure* failure) {
  OpenFailure ignored;
  if (failure == nullptr) failure = &ignored;
  *failure = OpenFailure::kNone;

  std::error_code ec;
  if (options.create_if_missing) std::filesystem::create_directories(dir, ec);
  if (!options.create_if_missing && !std::filesystem::exists(dir, ec)) {
    *failure = OpenFailure::kPermanent;
    return Status::InvalidArgument("database directory " + dir + " does not exist");
  }
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    int err = ec ? ec.value() : ENOTDIR;
    *failure = ClassifyErrno(err);
    return Status::IoError("cannot create database directory " + dir + ": " +
                           std::generic_category().message(err));
  }

  rocksdb::Options opts;
  opts.create_if_missing = options.create_if_missing;
  opts.paranoid_checks = true;
  opts.manual_wal_flush = false;  // every Write reaches the OS before it returns
  opts.wal_recovery_mode = options.repair ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                          : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  opts.write_buffer_size = options.write_buffer_bytes;
  opts.max_write_buffer_number = options.max_write_buffers;
  opts.max_background_jobs = 1;  // many workers share two cores
  opts.max_open_files = options.max_open_files;
  opts.keep_log_file_num = 3;
  opts.max_log_file_size = 1 << 20;
  opts.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  opts.info_log = MakeRocksDbLogger();  // no LOG file in the shard directory
  opts.max_manifest_file_size = 16 << 20;
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(opts, dir, &db);
  if (!s.ok()) {
    *failure = ClassifyOpenError(s);
    Status st = FromRocks(s);
    return Status(st.code(), "open " + dir + ": " + st.message());
  }
  return std::unique_ptr<Storage>(std::make_unique<RocksDbStorage>(
      dir, std::move(opts), db, Millis(options.reopen_interval_ms)));
}

}  // namespace forkv
