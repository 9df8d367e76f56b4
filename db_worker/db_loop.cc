#include "db_worker/db_loop.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>
#include <zmq.hpp>

#include "db_worker/commit_batch.h"
#include "db_worker/db_stats.h"
#include "db_worker/db_worker.h"
#include "db_worker/fault_injection_storage.h"
#include "db_worker/rocksdb_storage.h"
#include "db_worker/shard_format.h"
#include "db_worker/shard_open.h"
#include "db_worker/storage.h"
#include "db_worker/storage_writer.h"
#include "db_worker/store_ops.h"
#include "db_worker/write_dedup.h"
#include "shared/catalogue.h"
#include "shared/clock.h"
#include "shared/codec.h"
#include "shared/control.h"
#include "shared/control_link.h"
#include "shared/histogram.h"
#include "shared/names.h"
#include "shared/proc.h"
#include "shared/protocol.h"
#include "shared/runtime.h"
#include "shared/signals.h"
#include "shared/worker.h"
#include "shared/zsock.h"

namespace forkv {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

// Messages drained per wake-up: one group-commit batch at most.
constexpr size_t kMaxDrain = 256;
// Upper bound on one zmq_poll, so timers are checked regularly.
constexpr int kMaxPollMs = 1000;

}  // namespace

int64_t UnixMillis() {
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool DbWorker::ConnectBackend() {
  auto link = ControlLink::Connect(ctx_, o_.backend, ChildRole::kDb, o_.gen);
  if (!link.ok()) {
    spdlog::error("{}", link.status().ToString());
    return false;
  }
  backend_ = std::move(link).value();
  SendControl(HelloMsg{.role = ChildRole::kDb, .gen = o_.gen, .pid = getpid(), .shard = o_.shard});
  return true;
}

bool DbWorker::ShardDirectoryLinked() const {
  struct stat st {};
  if (fstat(shard_dir_.get(), &st) != 0) return true;  // cannot tell: assume it is
  return st.st_nlink > 0;
}

bool DbWorker::BindRouter() {
  SocketOptions so;
  so.send_hwm = 100000;
  so.recv_hwm = 100000;
  so.max_message_bytes = static_cast<int64_t>(kMaxRequestFrameBytes + 4096);
  so.router_mandatory = true;
  so.router_handover = true;
  router_ = MakeSocket(ctx_, zmq::socket_type::router, so);
  if (Status s = EnsureEndpointDirectory(o_.bind); !s.ok()) {
    spdlog::error("cannot bind {}: {}", o_.bind, s.ToString());
    return false;
  }
  try {
    router_.bind(o_.bind);
  } catch (const zmq::error_t& e) {
    spdlog::error("cannot bind {}: {}", o_.bind, e.what());
    return false;
  }
  return true;
}

void DbWorker::SendControl(const ControlMessage& msg) {
  if (Status s = backend_.Send(msg); !s.ok()) {
    spdlog::warn("control message '{}' to manager not sent: {}", ControlTypeName(msg),
                 s.ToString());
  }
}

int DbWorker::BringShardUpToDate() {
  auto format = EnsureShardFormat(*storage_);
  if (!format.ok()) {
    const bool permanent = format.status().code() == StatusCode::kInvalidArgument;
    spdlog::critical("shard {}: {}", o_.dir, format.status().ToString());
    return permanent ? kExitPermanentFailure : kExitSystem;
  }
  if (!format->was_current) {
    spdlog::info("shard {}: data format {} ({} values rewritten from format 1)", o_.dir,
                 kShardFormat, format->rewritten);
  }
  return 0;
}

int DbWorker::Run() {
  if (!ConnectBackend()) return kExitSystem;

  int exit_code = kExitSystem;
  storage_ = OpenShard(o_, sigfd_, &exit_code);
  if (storage_ == nullptr) {
    // Let the hello reach the manager (bounded) so it can match the exit
    // code to this worker; every other exit drops queued messages (linger 0).
    backend_.socket().set(zmq::sockopt::linger, 500);
    return exit_code;
  }
  if (int code = BringShardUpToDate(); code != 0) return Shutdown(code);
#ifdef FORKV_TEST_HOOKS
  const char* fail_file = std::getenv("FORKV_DB_FAIL_WRITES_FILE");
  const char* delay_ms = std::getenv("FORKV_DB_WRITE_DELAY_MS");
  if ((fail_file != nullptr && *fail_file) || (delay_ms != nullptr && *delay_ms)) {
    auto faulty = std::make_unique<FaultInjectionStorage>(std::move(storage_),
                                                          /*track_unsynced=*/false);
    if (fail_file != nullptr && *fail_file) {
      std::string file(fail_file);
      faulty->SetFailWhile([file] { return access(file.c_str(), F_OK) == 0; });
      spdlog::warn("test hook: storage writes fail while {} exists", file);
    }
    if (delay_ms != nullptr && *delay_ms) {
      faulty->SetWriteDelay(milliseconds(std::atoi(delay_ms)));
      spdlog::warn("test hook: every storage write takes {} ms", delay_ms);
    }
    storage_ = std::move(faulty);
  }
#endif
  if (int code = CheckShardAgainstCatalogue(*storage_, o_.dir, o_.catalogue); code != 0) {
    return Shutdown(code);
  }
  shard_dir_ = UniqueFd(open(o_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!shard_dir_.valid()) {
    spdlog::error("cannot open {}: {}", o_.dir, std::strerror(errno));
    return Shutdown(kExitSystem);
  }

  if (!BindRouter()) return Shutdown(kExitSystem);
  SendControl(ReadyMsg{.gen = o_.gen});
  spdlog::info("shard {}/{} ready: dir {}, bind {}, fsync {} ({} ms)", o_.shard, o_.shards, o_.dir,
               o_.bind, FsyncModeName(o_.fsync), o_.fsync_interval_ms);

  auto now = SteadyClock::now();
  last_manager_msg_ = now;
  next_sync_ = now + milliseconds(o_.fsync_interval_ms);
  while (true) {
    zmq_pollitem_t items[3] = {
        {router_.handle(), 0, ZMQ_POLLIN, 0},
        {backend_.socket().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, sigfd_, ZMQ_POLLIN, 0},
    };
    int rc = zmq_poll(items, 3, PollTimeoutMs(SteadyClock::now()));
    if (rc < 0) {
      if (zmq_errno() == EINTR) continue;
      spdlog::error("zmq_poll: {}", zmq_strerror(zmq_errno()));
      return Shutdown(kExitSystem);
    }
    if (items[0].revents & ZMQ_POLLIN) DrainRouter();
    if (shard_dir_lost_) {
      spdlog::critical(
          "database directory {} was removed while in use: writes are refused and the worker "
          "stops (a restart would not see them). Restore it, or run `forkv-manager --repair`.",
          o_.dir);
      return Shutdown(kExitPermanentFailure);
    }
    if (items[1].revents & ZMQ_POLLIN) DrainBackend();
    if (stop_requested_) return Shutdown(kExitOk);
    if (items[2].revents & ZMQ_POLLIN) {
      for (int sig : DrainSignalFd(sigfd_)) {
        if (sig == SIGTERM) {
          spdlog::info("SIGTERM: syncing and closing the database");
          return Shutdown(kExitOk);
        }
        spdlog::info("{} received: nothing to reload", SignalName(sig));
      }
    }
    now = SteadyClock::now();
    if (hold_.held() && now >= hold_.deadline()) {
      CommitBatch batch(&dedup_);
      EndHold(batch, "no checkpoint came within the hold's time");
      Commit(batch);
    }
    if (now >= next_sync_) {
      if (o_.fsync == DbOptions::Fsync::kPeriodic && dirty_)
        (void)SyncNow("periodic");  // logged; retried next period
      next_sync_ = now + milliseconds(o_.fsync_interval_ms);
    }
    if (now - last_manager_msg_ >= milliseconds(o_.manager_silence_ms)) {
      spdlog::error("no message from the manager for {} ms: it is gone, exiting",
                    o_.manager_silence_ms);
      return Shutdown(kExitSystem);
    }
  }
}

int DbWorker::PollTimeoutMs(SteadyTime now) const {
  auto until = [now](SteadyTime t) {
    return t <= now ? 0 : duration_cast<milliseconds>(t - now).count() + 1;
  };
  int64_t timeout = kMaxPollMs;
  if (o_.fsync == DbOptions::Fsync::kPeriodic && dirty_) {
    timeout = std::min<int64_t>(timeout, until(next_sync_));
  }
  timeout =
      std::min<int64_t>(timeout, until(last_manager_msg_ + milliseconds(o_.manager_silence_ms)));
  if (hold_.held()) timeout = std::min<int64_t>(timeout, until(hold_.deadline()));
  return static_cast<int>(timeout);
}

void DbWorker::DrainRouter() {
  CommitBatch batch(&dedup_);
  gaps_logged_ = 0;
  Frames frames;
  size_t drained = 0;
  while (drained < kMaxDrain) {
    auto r = RecvFrames(router_, &frames, /*wait=*/false);
    if (!r.ok()) {
      spdlog::error("receive on {}: {}", o_.bind, r.status().ToString());
      break;
    }
    if (!*r) break;
    ++drained;
    HandleRouterMessage(frames, batch);
    if (batch.payload_bytes() >= kMaxBatchBytes) Commit(batch);
  }
  Commit(batch);
  // Only a drain that hit its limit leaves a known backlog behind.
  stats_.queue_depth = drained == kMaxDrain ? drained : 0;
}

void DbWorker::HandleRouterMessage(Frames& frames, CommitBatch& batch) {
  if (frames.size() != 3) {
    spdlog::warn("dropped a message of {} frames (want routing id, tag, payload)", frames.size());
    return;
  }
  std::string_view peer = View(frames[0]);
  std::string_view tag = View(frames[1]);
  std::string_view payload = View(frames[2]);
  if (tag == kTagBackupHold) {
    Commit(batch);  // what came before the hold is in the backup
    HandleBackupHold(peer, payload);
    return;
  }
  if (tag == kTagCheckpoint) {
    HandleCheckpoint(peer, payload, batch);
    return;
  }
  if (hold_.held()) {  // kept, in order, until the checkpoint
    if (!hold_.Keep(std::move(frames))) {
      EndHold(batch, "more than 256 MiB of requests arrived while held for a backup");
    }
    return;
  }
  if (tag == kTagWrite) {
    auto w = DecodeWriteRequest(payload);
    if (!w.ok()) {
      spdlog::warn("dropped an undecodable write from {}: {}", peer, w.status().ToString());
      return;
    }
    batch.Add(peer, std::move(w).value());
  } else if (tag == kTagWriteBatch) {
    auto ws = DecodeWriteBatch(payload);
    if (!ws.ok()) {
      spdlog::warn("dropped an undecodable write batch from {}: {}", peer, ws.status().ToString());
      return;
    }
    for (WriteRequest& w : *ws) batch.Add(peer, std::move(w));
  } else if (tag == kTagLoad) {
    Commit(batch);  // writes that came before the load must be in it
    HandleLoad(peer, payload);
  } else if (tag == kTagDrop) {
    Commit(batch);
    HandleDrop(peer, payload);
  } else if (tag == kTagSync) {
    Commit(batch);
    HandleSync(peer, payload);
  } else {
    spdlog::warn("dropped a message with unknown tag '{}' ({} bytes) from {}", tag.substr(0, 16),
                 tag.size(), peer);
  }
}

void DbWorker::Commit(CommitBatch& batch) {
  if (batch.gaps() > gaps_logged_) {
    spdlog::info("dropped {} writes that came after a missing one; their store resends in order",
                 batch.gaps() - gaps_logged_);
    gaps_logged_ = batch.gaps();
  }
  if (batch.empty()) {
    (void)batch.Finish(Status::Ok());  // closes the dedup batch (only gaps, or nothing)
    return;
  }
  Status result;
  const auto& mutations = batch.mutations();
  if (!mutations.empty()) {
    bool sync = o_.fsync == DbOptions::Fsync::kAlways;
    auto start = SteadyClock::now();
    result = RunResponsively("write", [&] { return storage_->Write(mutations, sync); });
    if (result.ok() && !ShardDirectoryLinked()) {
      shard_dir_lost_ = true;
      result = Status::IoError("database directory " + o_.dir + " was removed");
    }
    auto took = duration_cast<microseconds>(SteadyClock::now() - start).count();
    if (result.ok()) {
      ++stats_.batches;
      stats_.writes += mutations.size();
      stats_.last_batch = mutations.size();
      stats_.batch_sizes.Observe(static_cast<double>(mutations.size()));
      if (sync) {
        stats_.fsync_seconds.Observe(static_cast<double>(took) / 1e6);
        stats_.last_fsync_us = took;
        stats_.last_fsync_unix_ms = UnixMillis();
      } else {
        dirty_ = true;
      }
    } else {
      ++stats_.failed_batches;
      spdlog::error("batch of {} writes failed, acking them with an error: {}", mutations.size(),
                    result.ToString());
    }
    FORKV_KILL_POINT("db.after_write_before_ack");
  }
  for (PeerAck& a : batch.Finish(result)) {
    std::string payload = EncodeWriteAck(a.ack);
    if (Status s = SendFrames(router_, {a.peer, kTagWriteAck, payload}); !s.ok()) {
      // The store is gone or restarting: it resends unacknowledged writes.
      spdlog::debug("ack of {} writes to {} not sent: {}", a.ack.seqs.size(), a.peer, s.ToString());
    }
  }
}

Status DbWorker::RunResponsively(const char* what, StorageWriter::Job job) {
  writer_.Start(std::move(job));
  const auto start = SteadyClock::now();
  const auto limit = start + milliseconds(o_.storage_stall_ms);
  auto next_note = start + milliseconds(5000);
  while (true) {
    zmq_pollitem_t items[3] = {
        {nullptr, writer_.done_fd(), ZMQ_POLLIN, 0},
        {backend_.socket().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, sigfd_, ZMQ_POLLIN, 0},
    };
    auto now = SteadyClock::now();
    auto wait = duration_cast<milliseconds>(std::min(limit, next_note) - now).count() + 1;
    int rc = zmq_poll(items, 3, static_cast<long>(std::max<int64_t>(wait, 0)));
    if (rc < 0 && zmq_errno() != EINTR) {
      spdlog::critical("zmq_poll during a storage {}: {}", what, zmq_strerror(zmq_errno()));
      std::_Exit(kExitSystem);  // the writer thread still owns the storage
    }
    if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
      if (std::optional<Status> result = writer_.TakeResult()) {
        storage_health_ = storage_->Health();
        return *result;
      }
    }
    if (rc > 0 && (items[1].revents & ZMQ_POLLIN)) DrainBackend();
    if (rc > 0 && (items[2].revents & ZMQ_POLLIN)) {
      for (int sig : DrainSignalFd(sigfd_)) {
        if (sig != SIGTERM) continue;
        spdlog::info("SIGTERM during a storage {}: stopping once it is done", what);
        stop_requested_ = true;
      }
    }
    now = SteadyClock::now();
    if (now >= limit) {
      spdlog::critical("storage {} in progress for {} ms: the disk is stuck; exiting", what,
                       o_.storage_stall_ms);
      spdlog::default_logger()->flush();
      std::_Exit(kExitSystem);  // the writer thread still owns the storage
    }
    if (now >= next_note) {
      spdlog::warn("storage {} in progress for {} ms", what,
                   duration_cast<milliseconds>(now - start).count());
      next_note = now + milliseconds(5000);
    }
  }
}

void DbWorker::ServiceBackend() {
  zmq_pollitem_t item{backend_.socket().handle(), 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&item, 1, 0) > 0) DrainBackend();
}

void DbWorker::DrainBackend() {
  Frames frames;
  while (true) {
    auto r = backend_.Receive(&frames);
    if (!r.ok()) {
      spdlog::error("receive from manager: {}", r.status().ToString());
      return;
    }
    if (!*r) return;
    // Anything from the manager, even a message we drop, shows it is alive.
    last_manager_msg_ = SteadyClock::now();
    auto msg = DecodeControlFrames(frames);
    if (!msg.ok()) {
      spdlog::warn("dropped a message from the manager: {}", msg.status().ToString());
      continue;
    }
    HandleControl(*msg);
  }
}

void DbWorker::HandleControl(const ControlMessage& msg) {
  if (const auto* ping = std::get_if<PingMsg>(&msg)) {
    nlohmann::json stats = DbStatsJson(stats_, FsyncModeName(o_.fsync), storage_health_);
    SendControl(PongMsg{.seq = ping->seq, .gen = o_.gen, .stats = std::move(stats)});
  } else {
    spdlog::debug("ignored control message of type '{}'", ControlTypeName(msg));
  }
}

Status DbWorker::SyncNow(const char* why) {
  auto start = SteadyClock::now();
  Status s = RunResponsively("WAL sync", [&] { return storage_->SyncWal(); });
  if (!s.ok()) {
    // Still dirty: retried at the next period (which is also when a failed
    // storage tries to reopen). Logged once per distinct failure.
    if (s.message() != last_sync_error_) {
      spdlog::error("{} WAL sync failed: {}", why, s.ToString());
      last_sync_error_ = s.message();
    }
    return s;
  }
  last_sync_error_.clear();
  stats_.last_fsync_us = duration_cast<microseconds>(SteadyClock::now() - start).count();
  stats_.last_fsync_unix_ms = UnixMillis();
  stats_.fsync_seconds.Observe(static_cast<double>(stats_.last_fsync_us) / 1e6);
  dirty_ = false;
  return Status::Ok();
}

int DbWorker::Shutdown(int code) {
  if (storage_ != nullptr) (void)SyncNow("final");  // logged
  // Close the sockets, and wait (context termination) until ZeroMQ has
  // unlinked our ipc socket file, *before* releasing the database lock: a
  // successor waits for that lock and then binds the same path, and a late
  // unlink from us would delete its socket file.
  router_.close();
  backend_.socket().close();
  ctx_.close();
  storage_.reset();
  return code;
}

std::string_view FsyncModeName(DbOptions::Fsync mode) {
  switch (mode) {
    case DbOptions::Fsync::kAlways:
      return "always";
    case DbOptions::Fsync::kPeriodic:
      return "periodic";
    case DbOptions::Fsync::kNever:
      return "never";
  }
  return "?";
}

std::optional<DbOptions::Fsync> ParseFsyncMode(std::string_view name) {
  for (auto mode :
       {DbOptions::Fsync::kAlways, DbOptions::Fsync::kPeriodic, DbOptions::Fsync::kNever}) {
    if (name == FsyncModeName(mode)) return mode;
  }
  return std::nullopt;
}

int RunDb(const DbOptions& options) {
  // First, before the ZeroMQ context and RocksDB: their threads inherit the
  // mask. SIGTERM on the manager's death: sync the WAL and close the database.
  auto sigfd = StartWorker({.process_name = "forkv-db",
                            .log_level = options.log_level,
                            .parent_pid = options.parent_pid,
                            .parent_death_signal = SIGTERM,
                            .signals = {SIGTERM, SIGHUP}});
  if (!sigfd.ok()) {
    spdlog::error("signal setup: {}", sigfd.status().ToString());
    return kExitSystem;
  }
#ifdef FORKV_TEST_HOOKS
  if (IsListedInFaultFile("FORKV_CRASH_DB_FILE", std::to_string(options.shard))) {
    spdlog::error("test hook: shard {} crashes at start", options.shard);
    return 1;
  }
#endif
  int code;
  {
    DbWorker worker(options, sigfd->get());
    code = worker.Run();
  }
  spdlog::info("exiting with code {}", code);
  return code;
}

}  // namespace forkv
