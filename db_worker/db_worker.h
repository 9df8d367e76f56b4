// The database worker's event loop, as a class: db_loop.cc (the loop,
// writes, syncs, control), db_admin.cc (loads, drops, backups). Internal to
// forkv-db; RunDb() (db_loop.h) is its entry point.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "db_worker/backup_hold.h"
#include "db_worker/commit_batch.h"
#include "db_worker/db_loop.h"
#include "db_worker/db_stats.h"
#include "db_worker/storage.h"
#include "db_worker/storage_writer.h"
#include "db_worker/write_dedup.h"
#include "shared/clock.h"
#include "shared/control.h"
#include "shared/control_link.h"
#include "shared/files.h"
#include "shared/status.h"
#include "shared/zsock.h"

namespace forkv {

// A batch is committed early once its payload reaches this (values go up to
// 16 MiB each; 256 of them must not be held at once).
inline constexpr size_t kMaxBatchBytes = 32 << 20;

// Wall-clock milliseconds since the epoch.
int64_t UnixMillis();

class DbWorker {
 public:
  DbWorker(const DbOptions& options, int sigfd) : o_(options), sigfd_(sigfd) {}
  DbWorker(const DbWorker&) = delete;
  DbWorker& operator=(const DbWorker&) = delete;

  int Run();

 private:
  // Connects the DEALER to the manager and says hello.
  bool ConnectBackend();
  bool BindRouter();
  // Brings a format-1 shard to format 2 (db_worker/shard_format.h); 0, or
  // the exit code.
  int BringShardUpToDate();
  void SendControl(const ControlMessage& msg);
  // False once the shard directory has been unlinked under us.
  bool ShardDirectoryLinked() const;

  void DrainRouter();
  void HandleRouterMessage(Frames& frames, CommitBatch& batch);
  void Commit(CommitBatch& batch);
  size_t gaps_logged_ = 0;  // gaps of the current drain already logged
  void HandleLoad(std::string_view peer, std::string_view payload);
  void HandleDrop(std::string_view peer, std::string_view payload);
  // "Y": every write before it durable (the WAL synced), whatever --fsync.
  void HandleSync(std::string_view peer, std::string_view payload);
  // A backup's two steps (db_worker/backup_hold.h): hold, then checkpoint
  // and release; the messages kept meanwhile go through `batch`.
  void HandleBackupHold(std::string_view peer, std::string_view payload);
  void HandleCheckpoint(std::string_view peer, std::string_view payload, CommitBatch& batch);
  void EndHold(CommitBatch& batch, const char* why);
  void SendAdminAck(std::string_view peer, std::string_view tag, uint64_t id, const Status& s);
  BackupHold hold_;
  void DrainBackend();
  void HandleControl(const ControlMessage& msg);
  Status SyncNow(const char* why);
  // Runs `job` (a storage call) on writer_ and waits for it, answering the
  // manager meanwhile; a SIGTERM then only sets stop_requested_. A call
  // still running after o_.storage_stall_ms is a hung disk: exit 111.
  Status RunResponsively(const char* what, StorageWriter::Job job);
  // Answers whatever the manager sent, without waiting (between load chunks).
  void ServiceBackend();
  // SyncWal and close the database; returns `code`.
  int Shutdown(int code);
  int PollTimeoutMs(SteadyTime now) const;

  const DbOptions& o_;
  const int sigfd_;
  // Declared before the sockets: destroyed after them.
  zmq::context_t ctx_;
  ControlLink backend_;
  zmq::socket_t router_;
  std::unique_ptr<Storage> storage_;
  // After storage_: joined before the storage closes.
  StorageWriter writer_;
  Status storage_health_;        // storage_->Health() after the last call: for pongs
  bool stop_requested_ = false;  // SIGTERM during a storage call
  WriteDedup dedup_;
  DbStats stats_;
  bool dirty_ = false;  // written since the last sync (periodic/never modes)
  std::string last_sync_error_;
  UniqueFd shard_dir_;  // o_.dir, to notice its removal
  bool shard_dir_lost_ = false;
  SteadyTime next_sync_;
  SteadyTime last_manager_msg_;
};

}  // namespace forkv
