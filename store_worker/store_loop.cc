// The store's event loop: decode, call StoreMap / WriteTracker, encode.
// See store_loop.h for the lifecycle.
#include "store_worker/store_loop.h"

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
#include "shared/worker.h"
#include "shared/zsock.h"
#include "store_worker/store_map.h"
#include "store_worker/write_tracker.h"

namespace forkv {
namespace {

using std::chrono::milliseconds;

Status NotAStoreOp(Op op) {
  return Status::UnknownOp(std::string(OpName(op)) + " is not a store operation");
}

class StoreServer {
 public:
  StoreServer(const StoreOptions& opts, int signal_fd)
      : opts_(opts),
        signal_fd_(signal_fd),
        shard_count_(static_cast<uint32_t>(opts.db_endpoints.size())),
        tracker_(shard_count_),
        loads_(shard_count_),
        unsent_(shard_count_) {}

  int Run();

 private:
  struct LoadState {
    uint64_t load_id = 0;
    bool done = false;
    SteadyTime sent_at;
  };

  bool Connect();
  void SendControl(const ControlMessage& msg);
  void SendReply(std::string_view tag, const std::string& reply);
  void SendLoad(uint32_t shard);
  WriteRequestView ViewOf(const PendingWrite& w) const;
  // Sends these pending writes of `shard` (in seq order) to its worker.
  void SendWrites(uint32_t shard, const std::vector<const PendingWrite*>& writes);
  // Sends the writes this pass of the loop took, per shard.
  void FlushWrites();
  // Where a request came from, for its answer: the manager (its tag frame)
  // or a direct client (the envelope frames before the payload).
  struct Origin {
    std::string_view tag;
    uint64_t tag_value = 0;
    const Frames* envelope = nullptr;  // direct path only
    size_t envelope_size = 0;
  };
  void OnManagerMessage(Frames& frames);
  void OnManagerRequest(std::string_view tag, std::string_view payload);
  void OnClientMessage(Frames& frames);
  void Serve(const Origin& origin, std::string_view payload);
  void SendTo(const Origin& origin, std::string reply);
  void SendTo(const Origin& origin, zmq::message_t reply);
  void SendToEnvelope(const std::vector<std::string>& envelope, std::string reply);
  // The answer to a write once its outcome is known, wherever it came from.
  void Answer(const PendingWrite& w, std::string reply);
  Status BindClients();
  void OnControl(const ControlMessage& msg);
  void OnDbMessage(uint32_t shard, Frames& frames);
  void OnWriteAck(uint32_t shard, const WriteAck& ack);
  void OnLoadChunk(uint32_t shard, LoadChunk& chunk);
  void OnTimer(SteadyTime now);
  // The earliest of this store's deadlines: a write or load to retry, the
  // manager's silence, the end of a stop. An idle store sleeps until then.
  SteadyTime NextDeadline(SteadyTime stop_deadline) const;
  bool IsLoaded() const;

  const StoreOptions& opts_;
  int signal_fd_;
  uint32_t shard_count_;
  zmq::context_t ctx_{1};
  ControlLink manager_;
  zmq::socket_t clients_;  // the direct path's ROUTER (bound once loaded)
  Frames send_frames_;     // reused by SendTo()
  std::string tcp_endpoint_;
  std::vector<zmq::socket_t> dbs_;
  StoreMap map_;
  WriteTracker tracker_;
  std::vector<LoadState> loads_;
  std::vector<std::vector<uint64_t>> unsent_;  // per shard: seqs taken this pass, not sent yet
  uint64_t next_load_id_ = 1;
  bool ready_sent_ = false;
  bool stopping_ = false;
  SteadyTime last_manager_msg_ = SteadyClock::now();
  SteadyTime started_ = SteadyClock::now();
};

bool StoreServer::Connect() {
  // The link to the manager carries every client request and reply of this
  // store, hence the deep queues; the same routing id on every shard.
  SocketOptions so{.send_hwm = 100000,
                   .recv_hwm = 100000,
                   .max_message_bytes = static_cast<int64_t>(kMaxInternalFrameBytes)};
  auto link = ControlLink::Connect(ctx_, opts_.backend, ChildRole::kStore, opts_.gen, so);
  if (!link.ok()) {
    spdlog::critical("{}", link.status().ToString());
    return false;
  }
  manager_ = std::move(link).value();
  so.routing_id = manager_.routing_id();
  for (const auto& ep : opts_.db_endpoints) {
    dbs_.push_back(MakeSocket(ctx_, zmq::socket_type::dealer, so));
    try {
      dbs_.back().connect(ep);
    } catch (const zmq::error_t& e) {
      spdlog::critical("cannot connect to database worker {}: {}", ep, e.what());
      return false;
    }
  }
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

void StoreServer::SendLoad(uint32_t shard) {
  LoadState& l = loads_[shard];
  l.load_id = next_load_id_++;
  l.sent_at = SteadyClock::now();
  std::string body =
      EncodeLoadRequest({.store = opts_.name, .gen = opts_.gen, .load_id = l.load_id});
  if (Status s = SendFrames(dbs_[shard], {kTagLoad, body}); !s.ok()) {
    spdlog::warn("load request to shard {} not sent: {}", shard, s.ToString());
  }
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
  clients_ = MakeSocket(ctx_, zmq::socket_type::router,
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
    }
  }
  return Status::Ok();
}

bool StoreServer::IsLoaded() const {
  for (const auto& l : loads_) {
    if (!l.done) return false;
  }
  return true;
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

void StoreServer::OnManagerRequest(std::string_view tag, std::string_view payload) {
  // The manager decoded and validated this request before forwarding it
  // byte for byte; the checks are repeated (cheaply: the view's strings
  // point into `payload`, nothing is copied) because the frame comes from
  // another process.
  auto decoded_tag = DecodeTag(tag);
  Origin origin{.tag = tag, .tag_value = decoded_tag.ok() ? *decoded_tag : 0};
  Serve(origin, payload);
}

void StoreServer::OnClientMessage(Frames& frames) {
  // A DEALER client's message is [routing id, payload]; a REQ client's
  // [routing id, "", payload]. Anything else is not a forkv client.
  if (frames.size() < 2 || frames.size() > 3 || (frames.size() == 3 && frames[1].size() != 0) ||
      frames[0].size() > 256) {
    spdlog::debug("dropping a client message with a {}-frame envelope", frames.size() - 1);
    return;
  }
  Origin origin{.envelope = &frames, .envelope_size = frames.size() - 1};
  Serve(origin, View(frames.back()));
}

void StoreServer::SendTo(const Origin& origin, std::string reply) {
  SendTo(origin, MessageFromString(std::move(reply)));
}

void StoreServer::SendTo(const Origin& origin, zmq::message_t reply) {
  Frames& out = send_frames_;
  out.clear();
  if (origin.envelope == nullptr) {
    out.emplace_back(kTagReply.data(), kTagReply.size());
    out.emplace_back(origin.tag.data(), origin.tag.size());
    out.push_back(std::move(reply));
    if (Status s = SendMessages(manager_.socket(), out); !s.ok()) {
      spdlog::warn("reply to manager not sent: {}", s.ToString());
    }
    return;
  }
  for (size_t i = 0; i < origin.envelope_size; ++i) {
    out.emplace_back((*origin.envelope)[i].data(), (*origin.envelope)[i].size());
  }
  out.push_back(std::move(reply));
  if (Status s = SendMessages(clients_, out); !s.ok()) {
    spdlog::debug("reply to a direct client not sent: {}", s.ToString());
  }
}

void StoreServer::SendToEnvelope(const std::vector<std::string>& envelope, std::string reply) {
  Frames out;
  out.reserve(envelope.size() + 1);
  for (const std::string& f : envelope) out.emplace_back(f.data(), f.size());
  out.push_back(MessageFromString(std::move(reply)));
  if (Status s = SendMessages(clients_, out); !s.ok()) {
    spdlog::debug("reply to a direct client not sent: {}", s.ToString());
  }
}

void StoreServer::Serve(const Origin& origin, std::string_view payload) {
  // Only a write copies its key and value, into the pending write that must
  // outlive the frame.
  const bool direct = origin.envelope != nullptr;
  auto decoded = DecodeRequestView(payload);
  if (!decoded.ok()) {
    SendTo(origin, EncodeStatusReply(PeekRequestId(payload), decoded.status()));
    return;
  }
  const RequestView& req = *decoded;
  if (!IsStoreOp(req.op)) {
    // The manager answers every other op (ping included) itself.
    SendTo(origin, EncodeStatusReply(req.id, NotAStoreOp(req.op)));
    return;
  }
  if (Status s = ValidateRequest(req); !s.ok()) {
    SendTo(origin, EncodeStatusReply(req.id, s));
    return;
  }
  // On the direct path, every refusal below means "not applied, ask the
  // manager": the client locates the store again and resends.
  if (stopping_) {
    SendTo(origin,
           EncodeStatusReply(req.id, direct ? Status::Moved("store is shutting down")
                                            : Status::Unavailable("store is shutting down")));
    return;
  }
  if (!IsLoaded()) {
    SendTo(origin,
           EncodeStatusReply(req.id, direct ? Status::Moved("store is still loading")
                                            : Status::Unavailable("store is still loading")));
    return;
  }
  if (req.store != opts_.name) {
    SendTo(origin, EncodeStatusReply(
                       req.id, direct ? Status::Moved("this process serves another store")
                                      : Status::Internal("request routed to the wrong store")));
    return;
  }
  Reply reply;
  reply.id = req.id;
  switch (req.op) {
    case Op::kGet: {
      const std::string* v = map_.Find(req.key);
      if (v == nullptr) {
        SendTo(origin, EncodeStatusReply(req.id, Status::NotFound("no such key")));
        return;
      }
      // The answer built in place: header, then the value, one copy.
      char header[kValueReplyHeaderMax];
      size_t n = EncodeValueReplyHeader(req.id, v->size(), header);
      zmq::message_t msg(n + v->size());
      std::memcpy(msg.data(), header, n);
      if (!v->empty()) std::memcpy(static_cast<char*>(msg.data()) + n, v->data(), v->size());
      SendTo(origin, std::move(msg));
      return;
    }
    case Op::kKeys: {
      std::vector<std::string> keys = map_.Keys(req.key, req.arg);
      size_t bytes = 0;
      for (const auto& k : keys) bytes += k.size() + 5;
      if (bytes > kMaxKeysReplyBytes) {
        SendTo(origin, EncodeStatusReply(
                           req.id, Status::TooLarge("the key list is " + std::to_string(bytes) +
                                                    " bytes; narrow it with a prefix or a limit")));
        return;
      }
      reply.body = EncodeBinArrayBody(keys);
      SendTo(origin, EncodeReply(reply));
      return;
    }
    case Op::kCount:
      reply.body = EncodeUintBody(map_.Count());
      SendTo(origin, EncodeReply(reply));
      return;
    case Op::kDel:
      if (!map_.Contains(req.key) && tracker_.PendingForKey(req.key) == 0) {
        SendTo(origin, EncodeStatusReply(req.id, Status::NotFound("no such key")));
        return;
      }
      [[fallthrough]];
    case Op::kPut: {
      // The manager bounds the bytes it sends; direct clients are bounded here.
      if (direct && tracker_.PendingBytes() > 0 &&
          tracker_.PendingBytes() + req.key.size() + req.value.size() > opts_.max_pending_bytes) {
        SendTo(origin,
               EncodeStatusReply(
                   req.id, Status::Unavailable(
                               "busy: the store has " + std::to_string(tracker_.PendingBytes()) +
                               " bytes of writes pending (limit " +
                               std::to_string(opts_.max_pending_bytes) + "); not applied")));
        return;
      }
      // The one copy of the request: the pending write owns its key and
      // value until the ack (a del's value means nothing and is not kept).
      uint32_t shard = ShardFor(opts_.name, req.key, shard_count_);
      std::string value = req.op == Op::kPut ? std::string(req.value) : std::string();
      std::vector<std::string> envelope;
      if (direct) {
        for (size_t i = 0; i < origin.envelope_size; ++i) {
          envelope.emplace_back(View((*origin.envelope)[i]));
        }
      }
      const PendingWrite& w =
          tracker_.Add(shard, req.op, std::string(req.key), std::move(value), origin.tag_value,
                       req.id, SteadyClock::now(), std::move(envelope));
      unsent_[shard].push_back(w.seq);  // sent by FlushWrites() at the end of the pass
      return;
    }
    default:
      // not reached: IsStoreOp() was checked above
      SendTo(origin, EncodeStatusReply(req.id, NotAStoreOp(req.op)));
  }
}

void StoreServer::Answer(const PendingWrite& w, std::string reply) {
  if (w.envelope.empty()) {
    SendReply(EncodeTag(w.tag), reply);
  } else {
    SendToEnvelope(w.envelope, std::move(reply));
  }
}

void StoreServer::OnControl(const ControlMessage& msg) {
  if (const auto* ping = std::get_if<PingMsg>(&msg)) {
    SendControl(PongMsg{.seq = ping->seq,
                        .gen = opts_.gen,
                        .stats = {{"keys", map_.Count()},
                                  {"bytes", map_.PayloadBytes()},
                                  {"pending_writes", tracker_.PendingCount()},
                                  {"loaded", IsLoaded()}}});
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
    spdlog::warn("write seq {} to shard {}: acknowledgment lost, outcome unknown", w.seq, shard);
    Answer(w, EncodeStatusReply(w.request_id,
                                Status::Unavailable("write outcome unknown: its acknowledgment "
                                                    "from the database worker was lost")));
  }
  for (PendingWrite& w : done) {
    Status result;
    if (ack.code != StatusCode::kOk) {
      result = Status(ack.code, ack.message);
    } else if (w.op == Op::kPut) {
      map_.Put(std::move(w.key), std::move(w.value));
    } else {
      result = map_.Delete(w.key);
    }
    FORKV_KILL_POINT("store.after_db_ack_before_reply");
    Answer(w, EncodeStatusReply(w.request_id, result));
  }
}

void StoreServer::OnLoadChunk(uint32_t shard, LoadChunk& chunk) {
  LoadState& l = loads_[shard];
  if (l.done || chunk.load_id != l.load_id) return;  // stale answer to an earlier load
  l.sent_at = SteadyClock::now();  // progress: the retry timer counts from the last chunk
  for (auto& [k, v] : chunk.entries) map_.Put(std::move(k), std::move(v));
  if (!chunk.last) return;
  l.done = true;
  if (IsLoaded() && !ready_sent_) {
    ready_sent_ = true;
    auto ms = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started_).count();
    spdlog::info("store '{}' loaded {} keys in {} ms", opts_.name, map_.Count(), ms);
    SendControl(ReadyMsg{.gen = opts_.gen,
                         .stats = {{"keys", map_.Count()}, {"load_ms", ms}},
                         .tcp = tcp_endpoint_});
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

SteadyTime StoreServer::NextDeadline(SteadyTime stop_deadline) const {
  auto retry = milliseconds(opts_.write_retry_ms);
  SteadyTime next = tracker_.NextStallDeadline(retry);
  for (uint32_t shard = 0; shard < shard_count_; ++shard) {
    if (!loads_[shard].done) next = std::min(next, loads_[shard].sent_at + retry);
  }
  if (stopping_) next = std::min(next, stop_deadline);
  return std::min(next, last_manager_msg_ + milliseconds(opts_.manager_silence_ms));
}

int StoreServer::Run() {
  if (!Connect()) return kExitSystem;
  if (Status s = BindClients(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return kExitSystem;
  }
  SendControl(
      HelloMsg{.role = ChildRole::kStore, .gen = opts_.gen, .pid = getpid(), .name = opts_.name});
  for (uint32_t shard = 0; shard < shard_count_; ++shard) SendLoad(shard);

  SteadyTime stop_deadline;
  Frames frames;
  std::vector<zmq::pollitem_t> items;
  while (true) {
    items.clear();
    items.push_back({nullptr, signal_fd_, ZMQ_POLLIN, 0});
    items.push_back({manager_.socket().handle(), 0, ZMQ_POLLIN, 0});
    for (auto& db : dbs_) items.push_back({db.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({clients_.handle(), 0, ZMQ_POLLIN, 0});
    SteadyTime now = SteadyClock::now();
    SteadyTime wake = NextDeadline(stop_deadline);
    auto timeout = milliseconds(
        wake <= now ? 0 : std::chrono::duration_cast<milliseconds>(wake - now).count() + 1);
    try {
      zmq::poll(items, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (int sig : DrainSignalFd(signal_fd_)) {
        if (sig == SIGTERM && !stopping_) {
          stopping_ = true;
          stop_deadline = SteadyClock::now() + std::chrono::seconds(5);
          spdlog::info("SIGTERM: finishing {} in-flight writes", tracker_.PendingCount());
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
    FlushWrites();
    now = SteadyClock::now();
    OnTimer(now);
    if (stopping_ && (tracker_.PendingCount() == 0 || now > stop_deadline)) {
      if (tracker_.PendingCount() != 0) {
        spdlog::warn("stopping with {} unacknowledged writes", tracker_.PendingCount());
      }
      return kExitOk;
    }
    if (now - last_manager_msg_ > milliseconds(opts_.manager_silence_ms)) {
      spdlog::error("no message from the manager for {} ms: exiting", opts_.manager_silence_ms);
      return kExitSystem;
    }
  }
}

}  // namespace

int RunStore(const StoreOptions& options) {
  // First, before the ZeroMQ context exists (StoreServer owns it).
  auto sigfd = StartWorker({.process_name = "forkv-store",
                            .log_level = options.log_level,
                            .parent_pid = options.parent_pid,
                            .parent_death_signal = SIGKILL,
                            .signals = {SIGTERM, SIGHUP}});
  if (!sigfd.ok()) {
    spdlog::critical("{}", sigfd.status().ToString());
    return kExitSystem;
  }
  if (Status s = ValidateStoreName(options.name); !s.ok()) {
    spdlog::critical("bad store name: {}", s.ToString());
    return kExitPermanentFailure;
  }
#ifdef FORKV_TEST_HOOKS
  if (IsListedInFaultFile("FORKV_CRASH_STORES_FILE", options.name)) {
    spdlog::error("test hook: store '{}' crashes at start", options.name);
    return 1;
  }
#endif
  StoreServer server(options, sigfd->get());
  return server.Run();
}

}  // namespace forkv
