// Storage on RocksDB: one database directory per database worker (shard).
//
// On-disk format: a plain RocksDB database (default column family, bytewise
// comparator). Keys are forkv storage keys, "<store>\0<key>" (shared/shard.h);
// values are the raw value bytes. Nothing else is stored.
//
// Open a database only in the process that will use it, never before a fork:
// RocksDB starts background threads and holds an fcntl lock on <dir>/LOCK.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "db_worker/storage.h"
#include "shared/status.h"

namespace forkv {

struct RocksDbStorageOptions {
  // Memtable size, and how many may wait for their flush before writes
  // stall. One 16 MiB value fills a memtable by itself; four absorb a burst
  // of them while the one background job flushes. Memtable memory is
  // allocated as it is used: an idle worker does not hold 64 MiB.
  size_t write_buffer_bytes = 16 << 20;
  int max_write_buffers = 4;
  size_t block_cache_bytes = 8 << 20;
  int max_open_files = 256;
  // Create the database when `dir` has none. forkv creates a shard only in
  // a fresh data directory (manager/data_dir.h) or on --repair.
  bool create_if_missing = false;
  // WAL recovery. Normally corruption anywhere in the WAL (a checksum
  // mismatch, even in its last record) fails the open as kPermanent and
  // only a torn last record, a write that never completed, is tolerated.
  // `repair` recovers up to the first corrupt record instead and drops the
  // rest (RocksDB's point-in-time recovery): --repair only.
  bool repair = false;
  // After a failed write, the database is closed and opened again when a
  // call needs it, at most this often (see RocksDbStorage::Health).
  int reopen_interval_ms = 1000;
};

// Why an open failed, so the caller can pick its exit code.
enum class OpenFailure {
  kNone,
  // <dir>/LOCK is held by another process (an earlier incarnation still
  // exiting): retry shortly.
  kLocked,
  // A failure that may go away (I/O error, disk full): exit and be restarted.
  kTransient,
  // The data cannot ever be opened as it is (RocksDB Corruption or
  // NotSupported, permission denied, read-only file system, not a
  // directory): do not restart, an operator must look.
  kPermanent,
};

// Opens the database in `dir` (with create_if_missing: creating it and its
// parents). A missing database without create_if_missing is kPermanent.
// On error returns the status (code kIoError, kInvalidArgument or kInternal;
// the message names the directory and RocksDB's reason) and, when `failure`
// is not null, stores the classification there (kNone on success).
Result<std::unique_ptr<Storage>> OpenRocksDbStorage(const std::string& dir,
                                                    const RocksDbStorageOptions& options,
                                                    OpenFailure* failure);

}  // namespace forkv
