// forkv-db: a database worker, the owner of one storage shard.
//
// The manager starts N of them (one per shard) by fork+exec and each owns one
// RocksDB directory. Lifecycle:
//   1. reset signals, ask for SIGTERM when the parent dies, block
//      SIGTERM/SIGHUP into a signalfd (before the ZeroMQ context exists);
//   2. connect a DEALER (routing id "d<gen>") to the manager's backend and
//      send {"type":"hello","role":"db","shard","gen","pid"};
//   3. open the database (only now, never before a fork). A held LOCK (an
//      earlier incarnation still exiting) is retried for up to 10 s, then
//      exit 111. Corrupt or unreadable data, a corrupt WAL record or a
//      missing database (without --create) exits 125: do not restart;
//      then check it against the catalogue: keys of a store the catalogue
//      does not name exit 125 (the catalogue lost it: `--repair`); the keys
//      of stores it lists as dropping are deleted (a drop interrupted by a
//      crash is finished here);
//   4. bind a ROUTER for stores ("W" writes, "L" loads) and the manager ("X"
//      drops), send {"type":"ready","gen"} and serve until SIGTERM, or until
//      the manager has been silent for 15 s (exit 111).
//
// Group commit: each time the ROUTER is readable the worker drains up to 256
// messages without blocking, collects the writes into one batch (a load or
// drop in the middle first commits the writes before it: arrival order is
// kept), writes the batch as one atomic storage write (synced with --fsync
// always), then sends one "A" ack per sender listing its seqs. A failed
// storage write (disk full, I/O error) acks the batch's writes with
// kIoError and the worker keeps serving. --fsync periodic syncs the WAL every
// --fsync-interval-ms if anything was written; --fsync never leaves it to
// the OS. A write acked in any mode survives kill -9 of the worker (RocksDB
// has written it to the WAL file); only "always" survives a power loss.
//
// Resends and stale incarnations are handled by WriteDedup (write_dedup.h),
// batch logic by CommitBatch (commit_batch.h), loads and drops by
// store_ops.h; this file only moves messages between sockets and those.
//
// The shard directory removed while the worker runs (`rm -rf`): RocksDB
// would go on writing into unlinked files and acknowledge writes that no
// restart will see. After every storage write the worker checks that its
// directory is still linked (one fstat); if not, the batch is acked with
// io_error and the worker exits 125.
//
// Exit codes (shared/proc.h): 0 after SIGTERM (batch finished, WAL synced,
// database closed), 111 system failure (restart me), 125 permanent failure.
//
// Test hooks (FORKV_TEST_HOOKS builds only): FORKV_KILL_POINT
// "db.after_write_before_ack"; FORKV_DB_FAIL_WRITES_FILE=PATH fails every
// storage write with "no space left on device" while PATH exists;
// FORKV_DB_WRITE_DELAY_MS=N makes every storage write take N ms.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace forkv {

struct DbOptions {
  enum class Fsync { kAlways, kPeriodic, kNever };

  uint32_t shard = 0;
  uint32_t shards = 1;
  std::string dir;      // database directory (created if missing)
  std::string bind;     // ROUTER endpoint for stores and the manager
  std::string backend;  // manager's backend endpoint
  uint64_t gen = 0;     // incarnation number; routing id "d<gen>"
  Fsync fsync = Fsync::kPeriodic;
  int fsync_interval_ms = 1000;
  std::string log_level = "info";
  pid_t parent_pid = 0;            // 0: don't check the parent
  int manager_silence_ms = 15000;  // exit 111 when the manager is silent this long
  int lock_wait_ms = 10000;        // retry a held database LOCK this long
  // A storage call (write, sync, drop) still running after this long means
  // a stuck disk: exit 111. Shorter ones are busy, not hung: the worker keeps
  // answering heartbeats while they run (db_worker/storage_writer.h).
  int storage_stall_ms = 60000;
  // Create the database when `dir` has none (a fresh data directory only:
  // manager/data_dir.h). Without it a missing database exits 125.
  bool create = false;
  // The catalogue (shared/catalogue.h) to check the shard against after
  // opening it; empty: no check.
  std::string catalogue;
};

// "always", "periodic", "never".
std::string_view FsyncModeName(DbOptions::Fsync mode);
// The inverse of FsyncModeName; nullopt for anything else.
std::optional<DbOptions::Fsync> ParseFsyncMode(std::string_view name);

// Runs the worker until told to stop; returns the process exit code. Call
// once per process, from main(), before any other thread exists.
int RunDb(const DbOptions& options);

}  // namespace forkv
