// The store's event loop and its links: the manager, the database workers
// (loads, writes, acks), control messages, timers (store_server.h; requests
// are store_requests.cc). See store_loop.h for the lifecycle.
#include "store_worker/store_loop.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <zmq.hpp>

#include "shared/clock.h"
#include "shared/codec.h"
#include "shared/control.h"
#include "shared/control_link.h"
#include "shared/names.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/shard.h"
#include "shared/signals.h"
#include "shared/stored_value.h"
#include "shared/worker.h"
#include "shared/zsock.h"
#include "store_worker/store_server.h"

namespace forkv {

using std::chrono::milliseconds;

namespace {

// ZeroMQ's I/O thread tears a disconnected link down at once; a little
// later its buffers are free to give back.
constexpr int kTrimAfterUnlinkMs = 5;

// The link to the manager carries every client request and reply of this
// store, hence the deep queues; the same routing id on every shard. A
// spare may connect before a database worker listens (at start-up, or
// while one restarts): it tries again after 10 ms, doubling up to
// ZeroMQ's default 100 ms (measured: a first create waited 167 ms for
// the default's 100-200 ms).
SocketOptions StoreLinkOptions() {
  return {.send_hwm = 100000,
          .recv_hwm = 100000,
          .max_message_bytes = static_cast<int64_t>(kMaxInternalFrameBytes),
          .reconnect_ivl_ms = 10,
          .reconnect_ivl_max_ms = 100};
}

Status ConnectLinks(StoreProcess* p) {
  auto link =
      ControlLink::Connect(*p->ctx, p->backend, StoreRoutingId(getpid()), StoreLinkOptions());
  if (!link.ok()) return link.status();
  p->manager = std::move(link).value();
  SocketOptions so = StoreLinkOptions();
  so.routing_id = p->manager.routing_id();
  p->dbs.clear();
  for (const auto& ep : p->db_endpoints) {
    p->dbs.push_back(MakeSocket(*p->ctx, zmq::socket_type::dealer, so));
    try {
      p->dbs.back().connect(ep);
    } catch (const zmq::error_t& e) {
      return Status::InvalidArgument("cannot connect to database worker " + ep + ": " + e.what());
    }
  }
  return Status::Ok();
}

}  // namespace

bool StoreServer::Connect() {
  // Connected while the process waited for its store, unless the manager
  // gave this store other endpoints than its spare had.
  if (process_.backend != opts_.backend || process_.db_endpoints != opts_.db_endpoints ||
      !process_.manager.connected()) {
    process_.backend = opts_.backend;
    process_.db_endpoints = opts_.db_endpoints;
    if (Status s = ConnectLinks(&process_); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return false;
    }
  }
  manager_ = std::move(process_.manager);
  dbs_ = std::move(process_.dbs);
  return true;
}

void StoreServer::SendControl(const ControlMessage& msg) {
  if (Status s = manager_.Send(msg); !s.ok()) {
    spdlog::warn("control message '{}' to manager not sent: {}", ControlTypeName(msg),
                 s.ToString());
  }
}

void StoreServer::SendReply(std::string_view tag, const std::string& reply) {
  if (Status s = SendFrames(manager_.socket(), {kTagReply, tag, reply}); !s.ok()) {
    spdlog::warn("reply to manager not sent: {}", s.ToString());
  }
}

void StoreServer::EnsureDatabasesLinked() {
  db_used_at_ = SteadyClock::now();
  if (dbs_linked_) return;
  // A failure (the endpoint was connected before: hardly possible) leaves
  // the writes pending: the retry timer comes back here.
  uint32_t shard = 0;
  try {
    for (; shard < shard_count_; ++shard) dbs_[shard].connect(opts_.db_endpoints[shard]);
  } catch (const zmq::error_t& e) {
    spdlog::error("cannot reconnect to database worker {}: {}", opts_.db_endpoints[shard],
                  e.what());
    for (uint32_t s = 0; s < shard; ++s) {
      try {
        dbs_[s].disconnect(opts_.db_endpoints[s]);
      } catch (const zmq::error_t&) {
      }
    }
    return;
  }
  dbs_linked_ = true;
}

void StoreServer::MaybeUnlinkDatabases(SteadyTime now) {
  if (!CanUnlinkDatabases() || now < db_used_at_ + milliseconds(opts_.unlink_after_ms)) return;
  for (uint32_t shard = 0; shard < shard_count_; ++shard) {
    try {
      dbs_[shard].disconnect(opts_.db_endpoints[shard]);
    } catch (const zmq::error_t& e) {
      spdlog::warn("disconnect from database worker {}: {}", opts_.db_endpoints[shard], e.what());
    }
  }
  dbs_linked_ = false;
  trim_at_ = now + milliseconds(kTrimAfterUnlinkMs);
}

bool StoreServer::CanUnlinkDatabases() const {
  if (!dbs_linked_ || stopping_ || tracker_.PendingCount() != 0 || !IsLoaded()) return false;
  for (const auto& seqs : unsent_) {
    if (!seqs.empty()) return false;
  }
  return true;
}

WriteRequestView StoreServer::ViewOf(const PendingWrite& w) const {
  return WriteRequestView{.store = opts_.name,
                          .gen = opts_.gen,
                          .seq = w.seq,
                          .op = w.op,
                          .key = w.key,
                          .value = w.value,
                          .base_seq = tracker_.LowestUnacked(w.shard)};
}

void StoreServer::SendWrites(uint32_t shard, const std::vector<const PendingWrite*>& writes) {
  // One "W" frame for a lone write, else "V" frames of up to kMaxWriteBatch
  // writes and about kMaxWriteBatchBytes each (a bigger write goes alone):
  // a burst of client writes costs the worker's link one message, not one
  // per write. Encoded straight from the pending writes, and the encoding
  // handed to ZeroMQ without a copy (a value alone may be 16 MiB). A frame
  // that cannot be queued now stays pending; the retry timer resends it.
  if (!writes.empty()) EnsureDatabasesLinked();
  size_t i = 0;
  while (i < writes.size()) {
    std::vector<WriteRequestView> views;
    size_t bytes = 0;
    while (i < writes.size() && views.size() < kMaxWriteBatch) {
      const PendingWrite& w = *writes[i];
      size_t size = w.key.size() + w.value.size();
      if (!views.empty() && bytes + size > kMaxWriteBatchBytes) break;
      views.push_back(ViewOf(w));
      bytes += size;
      ++i;
    }
    Frames frames;
    const std::string_view tag = views.size() == 1 ? kTagWrite : kTagWriteBatch;
    frames.emplace_back(tag.data(), tag.size());
    frames.push_back(MessageFromString(views.size() == 1 ? EncodeWriteRequestView(views[0])
                                                         : EncodeWriteBatch(views)));
    if (Status s = SendMessages(dbs_[shard], frames); !s.ok()) {
      spdlog::warn("{} writes from seq {} to shard {} not sent yet: {}", views.size(),
                   views.front().seq, shard, s.ToString());
    }
  }
}

void StoreServer::FlushWrites() {
  for (uint32_t shard = 0; shard < shard_count_; ++shard) {
    std::vector<uint64_t>& seqs = unsent_[shard];
    if (seqs.empty()) continue;
    std::vector<const PendingWrite*> writes;
    writes.reserve(seqs.size());
    for (uint64_t seq : seqs) {
      if (const PendingWrite* w = tracker_.Find(shard, seq)) writes.push_back(w);
    }
    seqs.clear();
    SendWrites(shard, writes);
  }
}

Status StoreServer::BindClients() {
  // Bound before loading, so a bind error is known at once; nothing is
  // answered until the load is complete (and nobody is told the endpoint
  // before the manager hears `ready`).
  clients_ = MakeSocket(*process_.ctx, zmq::socket_type::router,
                        {.send_hwm = 100000,
                         .recv_hwm = 100000,
                         .max_message_bytes = static_cast<int64_t>(kMaxRequestFrameBytes)});
  for (const std::string& ep : opts_.client_endpoints) {
    try {
      clients_.bind(ep);
    } catch (const zmq::error_t& e) {
      return Status::Unavailable("cannot bind client endpoint " + ep + ": " + e.what());
    }
    if (ep.rfind("tcp://", 0) == 0) {
      tcp_endpoint_ = clients_.get(zmq::sockopt::last_endpoint);
    } else if (Status s = SetIpcSocketMode(ep, opts_.socket_mode); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

void StoreServer::OnManagerMessage(Frames& frames) {
  last_manager_msg_ = SteadyClock::now();
  if (frames.size() == 3 && View(frames[0]) == kTagRequest) {
    OnManagerRequest(View(frames[1]), View(frames[2]));
  } else if (!frames.empty() && View(frames[0]) == kTagControl) {
    auto msg = DecodeControlFrames(frames);
    if (!msg.ok()) {
      spdlog::warn("bad control message from manager: {}", msg.status().ToString());
      return;
    }
    OnControl(*msg);
  } else {
    spdlog::warn("dropping malformed message from manager ({} frames)", frames.size());
  }
}

void StoreServer::OnControl(const ControlMessage& msg) {
  if (const auto* ping = std::get_if<PingMsg>(&msg)) {
    SendControl(PongMsg{.seq = ping->seq,
                        .gen = opts_.gen,
                        .stats = {{"keys", map_.Count()},
                                  {"bytes", map_.PayloadBytes()},
                                  {"pending_writes", tracker_.PendingCount()},
                                  {"loaded", IsLoaded()},
                                  {"requests", TakeRequestMetrics()}}});
  } else if (const auto* h = std::get_if<HibernateMsg>(&msg)) {
    if (h->gen == opts_.gen) BeginStop("hibernating");
  } else if (const auto* up = std::get_if<DbUpMsg>(&msg)) {
    // A database worker (re)started: whatever it had not acknowledged is
    // lost with the old incarnation, so resend it, in order.
    uint32_t shard = up->shard;
    if (shard >= shard_count_) return;
    if (!loads_[shard].done) SendLoad(shard);
    unsent_[shard].clear();  // all pending: resent below, in order
    auto pending = tracker_.MarkResend(shard, SteadyClock::now());
    if (!pending.empty())
      spdlog::info("shard {} restarted: resending {} writes", shard, pending.size());
    SendWrites(shard, pending);
  } else {
    spdlog::debug("ignored control message '{}' from manager", ControlTypeName(msg));
  }
}

void StoreServer::OnDbMessage(uint32_t shard, Frames& frames) {
  db_used_at_ = SteadyClock::now();
  if (frames.size() != 2) {
    spdlog::warn("dropping malformed message from shard {}", shard);
    return;
  }
  std::string_view kind = View(frames[0]);
  if (kind == kTagWriteAck) {
    auto ack = DecodeWriteAck(View(frames[1]));
    if (ack.ok()) {
      OnWriteAck(shard, *ack);
      return;
    }
    spdlog::warn("bad ack from shard {}: {}", shard, ack.status().ToString());
  } else if (kind == kTagLoadChunk) {
    auto chunk = DecodeLoadChunk(View(frames[1]));
    if (chunk.ok()) {
      OnLoadChunk(shard, *chunk);
      return;
    }
    spdlog::warn("bad load chunk from shard {}: {}", shard, chunk.status().ToString());
  } else {
    spdlog::warn("unknown message kind from shard {}", shard);
  }
}

void StoreServer::OnWriteAck(uint32_t shard, const WriteAck& ack) {
  std::vector<PendingWrite> superseded;
  std::vector<PendingWrite> done = tracker_.Complete(shard, ack.seqs, &superseded);
  for (const PendingWrite& w : superseded) {
    if (w.expiry) continue;  // the key is gone from memory; a reload removes it again
    if (w.copy) {
      OnCopyWriteDone(w, Status::Unavailable("its acknowledgment was lost"));
      continue;
    }
    spdlog::warn("write seq {} to shard {}: acknowledgment lost, outcome unknown", w.seq, shard);
    Answer(w, Status::Unavailable("write outcome unknown: its acknowledgment "
                                  "from the database worker was lost"));
  }
  for (PendingWrite& w : done) {
    Status result;
    if (w.expiry) {
      if (ack.code != StatusCode::kOk) {
        spdlog::warn("store '{}': deleting an expired key failed: {}", opts_.name, ack.message);
      }
      continue;
    }
    if (w.copy) {
      OnCopyWriteDone(w,
                      ack.code == StatusCode::kOk ? Status::Ok() : Status(ack.code, ack.message));
      continue;
    }
    if (ack.code != StatusCode::kOk) {
      result = Status(ack.code, ack.message);
    } else if (w.op == Op::kPut) {
      std::string value = std::move(w.value);  // as stored: the header goes
      value.erase(0, kStoredHeaderBytes + (w.meta.expires_ms != 0 ? kStoredExpiryBytes : 0));
      // The key moves into the map unless a request waits for it (below).
      map_.Put(deferred_.empty() ? std::move(w.key) : w.key, std::move(value), w.meta.version,
               w.meta.expires_ms);
    } else {
      result = map_.Delete(w.key);
    }
    FORKV_KILL_POINT("store.after_db_ack_before_reply");
    Answer(w, result);
  }
  // Requests waiting for these keys' writes (store_server.h, Deferred);
  // none waited when the keys were moved above (Answer defers nothing).
  if (deferred_.empty()) return;
  for (const std::vector<PendingWrite>* list : {&superseded, &done}) {
    for (const PendingWrite& w : *list) {
      if (tracker_.PendingForKey(w.key) == 0 && deferred_.count(w.key) != 0) DrainDeferred(w.key);
    }
  }
}

void StoreServer::OnTimer(SteadyTime now) {
  auto retry = milliseconds(opts_.write_retry_ms);
  for (uint32_t shard : tracker_.StalledShards(now, retry)) {
    unsent_[shard].clear();  // all pending: resent below, in order
    auto pending = tracker_.MarkResend(shard, now);
    spdlog::warn("shard {} silent for {} ms: resending {} writes", shard, opts_.write_retry_ms,
                 pending.size());
    SendWrites(shard, pending);
  }
  for (uint32_t shard = 0; shard < shard_count_; ++shard) {
    if (!loads_[shard].done && now - loads_[shard].sent_at > retry) SendLoad(shard);
  }
}

void StoreServer::MarkBusy(SteadyTime now) {
  last_request_ = now;
  if (busy_ || stopping_) return;
  busy_ = true;
  // The manager's silence counts from here: it pinged nothing while idle.
  last_manager_msg_ = std::max(last_manager_msg_, now);
  SendControl(ActivityMsg{.gen = opts_.gen, .busy = true});
}

void StoreServer::MaybeGoIdle(SteadyTime now) {
  MaybeUnlinkDatabases(now);
  if (trim_at_ <= now) {
    trim_at_ = SteadyTime::max();
    malloc_trim(0);
  }
  if (!busy_ || stopping_ || tracker_.PendingCount() != 0 ||
      now < last_request_ + milliseconds(opts_.idle_after_ms)) {
    return;
  }
  busy_ = false;
  if (trim_at_ == SteadyTime::max()) malloc_trim(0);
  SendControl(ActivityMsg{.gen = opts_.gen,
                          .busy = false,
                          .stats = {{"keys", map_.Count()},
                                    {"bytes", map_.PayloadBytes()},
                                    {"requests", TakeRequestMetrics()}}});
}

void StoreServer::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  FailDeferred();
  stop_deadline_ = SteadyClock::now() + std::chrono::seconds(5);
  spdlog::info("{}: finishing {} in-flight writes", why, tracker_.PendingCount());
}

SteadyTime StoreServer::NextDeadline() const {
  auto retry = milliseconds(opts_.write_retry_ms);
  SteadyTime next = tracker_.NextStallDeadline(retry);
  for (uint32_t shard = 0; shard < shard_count_; ++shard) {
    if (!loads_[shard].done) next = std::min(next, loads_[shard].sent_at + retry);
  }
  if (stopping_) next = std::min(next, stop_deadline_);
  next = std::min(next, trim_at_);
  next = std::min(next, expiry_wake_);  // max() when no key has a TTL
  if (CanUnlinkDatabases()) {
    next = std::min(next, db_used_at_ + milliseconds(opts_.unlink_after_ms));
  }
  if (busy_) {
    next = std::min(next, last_request_ + milliseconds(opts_.idle_after_ms));
    next = std::min(next, last_manager_msg_ + milliseconds(opts_.manager_silence_ms));
  }
  return next;
}

int StoreServer::Run() {
  if (!Connect()) return kExitSystem;
  if (Status s = BindClients(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return kExitSystem;
  }
  SendControl(
      HelloMsg{.role = ChildRole::kStore, .gen = opts_.gen, .pid = getpid(), .name = opts_.name});
  if (opts_.fresh && opts_.copy_from.empty()) {
    for (LoadState& l : loads_) l.done = true;  // nothing of it is on disk
    SendReady();
  } else {
    for (uint32_t shard = 0; shard < shard_count_; ++shard) SendLoad(shard);
  }

  Frames frames;
  std::vector<zmq::pollitem_t> items;
  while (true) {
    items.clear();
    items.push_back({nullptr, signal_fd_, ZMQ_POLLIN, 0});
    items.push_back({manager_.socket().handle(), 0, ZMQ_POLLIN, 0});
    for (auto& db : dbs_) items.push_back({db.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({clients_.handle(), 0, ZMQ_POLLIN, 0});
    SteadyTime now = SteadyClock::now();
    SteadyTime wake = NextDeadline();
    auto timeout = wake == SteadyTime::max() ? milliseconds(-1)
                   : wake <= now
                       ? milliseconds(0)
                       : std::chrono::duration_cast<milliseconds>(wake - now) + milliseconds(1);
    try {
      zmq::poll(items, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (int sig : DrainSignalFd(signal_fd_)) {
        if (sig == SIGTERM && !stopping_) {
          BeginStop("SIGTERM");
        } else if (sig == SIGTERM) {
          return kExitOk;  // second SIGTERM: immediate
        }
      }
    }
    // Read the sockets poll reported readable, up to a budget each (what is
    // left is reported again by the next zmq_poll).
    if (items[1].revents & ZMQ_POLLIN) {
      for (int budget = 0; budget < 1024; ++budget) {
        auto got = manager_.Receive(&frames);
        if (!got.ok() || !*got) break;
        OnManagerMessage(frames);
      }
    }
    for (uint32_t shard = 0; shard < shard_count_; ++shard) {
      if (!(items[2 + shard].revents & ZMQ_POLLIN)) continue;
      for (int budget = 0; budget < 1024; ++budget) {
        auto got = RecvFrames(dbs_[shard], &frames);
        if (!got.ok() || !*got) break;
        OnDbMessage(shard, frames);
      }
    }
    if (items.back().revents & ZMQ_POLLIN) {
      for (int budget = 0; budget < 1024; ++budget) {
        auto got = RecvFrames(clients_, &frames);
        if (!got.ok() || !*got) break;
        OnClientMessage(frames);
      }
    }
    ExpireDue();
    FlushWrites();
    if (exit_code_) return *exit_code_;
    now = SteadyClock::now();
    OnTimer(now);
    MaybeGoIdle(now);
    if (stopping_ && (tracker_.PendingCount() == 0 || now > stop_deadline_)) {
      if (tracker_.PendingCount() != 0) {
        spdlog::warn("stopping with {} unacknowledged writes", tracker_.PendingCount());
      }
      return kExitOk;
    }
    if (busy_ && now - last_manager_msg_ > milliseconds(opts_.manager_silence_ms)) {
      spdlog::error("no message from the manager for {} ms: exiting", opts_.manager_silence_ms);
      return kExitSystem;
    }
  }
}

Result<StoreProcess> PrepareStoreProcess(const std::string& log_level, pid_t parent_pid,
                                         const std::string& backend,
                                         const std::vector<std::string>& db_endpoints) {
  // One malloc arena: ZeroMQ's threads would each add one (private
  // memory per store).
  mallopt(M_ARENA_MAX, 1);
  // First, before the ZeroMQ context exists.
  auto sigfd = StartWorker({.process_name = "forkv-store",
                            .log_level = log_level,
                            .parent_pid = parent_pid,
                            .parent_death_signal = SIGKILL,
                            .signals = {SIGTERM, SIGHUP}});
  if (!sigfd.ok()) {
    spdlog::critical("{}", sigfd.status().ToString());
    return sigfd.status();
  }
  StoreProcess process{.signal_fd = std::move(sigfd).value(),
                       .ctx = std::make_unique<zmq::context_t>(1)};
  // A store has a handful of sockets (the default table is sized 1023).
  process.ctx->set(zmq::ctxopt::max_sockets, 16);
  process.backend = backend;
  process.db_endpoints = db_endpoints;
  if (Status s = ConnectLinks(&process); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return s;
  }
  return process;
}

int RunStore(const StoreOptions& options) {
  auto process = PrepareStoreProcess(options.log_level, options.parent_pid, options.backend,
                                     options.db_endpoints);
  if (!process.ok()) return kExitSystem;
  return ServeStore(options, *process);
}

int ServeStore(const StoreOptions& options, StoreProcess& process) {
  if (Status s = ValidateStoreName(options.name); !s.ok()) {
    spdlog::critical("bad store name: {}", s.ToString());
    return kExitPermanentFailure;
  }
  if (Status s = options.copy_from.empty() ? Status::Ok() : ValidateStoreName(options.copy_from);
      !s.ok()) {
    spdlog::critical("bad --copy-from: {}", s.ToString());
    return kExitPermanentFailure;
  }
#ifdef FORKV_TEST_HOOKS
  if (IsListedInFaultFile("FORKV_CRASH_STORES_FILE", options.name)) {
    spdlog::error("test hook: store '{}' crashes at start", options.name);
    return 1;
  }
#endif
  StoreServer server(options, process);
  return server.Run();
}

}  // namespace forkv
