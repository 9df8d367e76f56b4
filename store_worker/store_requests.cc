// A store's requests: from the manager ("Q" frames) and from direct clients
// (its own ROUTER), answered from the in-memory map or, for writes, after
// the database worker acknowledged them (store_server.h).
#include <spdlog/spdlog.h>

#include <cstring>

#include "shared/codec.h"
#include "shared/names.h"
#include "shared/runtime.h"
#include "shared/shard.h"
#include "shared/stored_value.h"
#include "store_worker/store_server.h"
#include "store_worker/write_conditions.h"

namespace forkv {

namespace {

Status NotAStoreOp(Op op) {
  return Status::UnknownOp(std::string(OpName(op)) + " is not a store operation");
}

}  // namespace

std::vector<std::string> StoreServer::EnvelopeOf(const Origin& origin) {
  std::vector<std::string> envelope;
  if (origin.envelope == nullptr) return envelope;
  for (size_t i = 0; i < origin.envelope_size; ++i) {
    envelope.emplace_back(View((*origin.envelope)[i]));
  }
  return envelope;
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

void StoreServer::SendStatus(const Origin& origin, uint64_t request_id, const Status& status) {
  CountServed(status.code());
  SendTo(origin, EncodeStatusReply(request_id, status));
}

void StoreServer::CountServed(StatusCode code) {
  if (!serving_) return;
  metrics_.Record(serving_->op, code,
                  std::chrono::duration<double>(SteadyClock::now() - serving_->since).count());
  serving_.reset();
}

nlohmann::json StoreServer::TakeRequestMetrics() {
  nlohmann::json j = metrics_.ToJson();
  metrics_ = OpMetrics();
  return j;
}

void StoreServer::SendTo(const Origin& origin, zmq::message_t reply) {
  CountServed(StatusCode::kOk);  // no-op after SendStatus counted it
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

void StoreServer::Serve(const Origin& origin, std::string_view payload, bool draining) {
  // Only a write copies its key and value, into the pending write that must
  // outlive the frame.
  const bool direct = origin.envelope != nullptr;
  MarkBusy(SteadyClock::now());
  auto decoded = DecodeRequestView(payload);
  if (!decoded.ok()) {
    SendTo(origin, EncodeStatusReply(PeekRequestId(payload), decoded.status()));
    return;
  }
  const RequestView& req = *decoded;
  if (!IsStoreOp(req.op)) {
    // The manager answers every other op (ping included) itself.
    SendStatus(origin, req.id, NotAStoreOp(req.op));
    return;
  }
  serving_ = Serving{req.op, SteadyClock::now()};
  struct Done {  // a write still pending is counted at its answer instead
    std::optional<Serving>& serving;
    ~Done() { serving.reset(); }
  } done{serving_};
  if (Status s = ValidateRequest(req); !s.ok()) {
    SendStatus(origin, req.id, s);
    return;
  }
  // On the direct path, every refusal below means "not applied, ask the
  // manager": the client locates the store again and resends.
  if (stopping_) {
    SendStatus(origin, req.id,
               direct ? Status::Moved("store is shutting down")
                      : Status::Unavailable("store is shutting down"));
    return;
  }
  if (!IsLoaded()) {
    SendStatus(origin, req.id,
               direct ? Status::Moved("store is still loading")
                      : Status::Unavailable("store is still loading"));
    return;
  }
  if (req.store != opts_.name) {
    SendStatus(origin, req.id,
               direct ? Status::Moved("this process serves another store")
                      : Status::Internal("request routed to the wrong store"));
    return;
  }
  Reply reply;
  reply.id = req.id;
  switch (req.op) {
    case Op::kGet: {
      const StoreMap::Item* item = map_.FindLive(req.key, WallMs());
      if (item == nullptr) {
        SendStatus(origin, req.id, Status::NotFound("no such key"));
        return;
      }
      if ((req.arg & kGetVersion) != 0) {
        reply.body = EncodeVersionedValueBody(item->value, item->version, item->expires_ms);
        SendTo(origin, EncodeReply(reply));
        return;
      }
      const std::string* v = &item->value;
      // The answer built in place: header, then the value, one copy.
      char header[kValueReplyHeaderMax];
      size_t n = EncodeValueReplyHeader(req.id, v->size(), header);
      zmq::message_t msg(n + v->size());
      std::memcpy(msg.data(), header, n);
      if (!v->empty()) std::memcpy(static_cast<char*>(msg.data()) + n, v->data(), v->size());
      SendTo(origin, std::move(msg));
      return;
    }
    case Op::kScan: {
      StoreMap::ScanPage page =
          map_.Scan(req.key, req.value, req.arg == 0 ? kDefaultScanLimit : req.arg,
                    kMaxScanReplyBytes, WallMs());
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      pairs.reserve(page.entries.size());
      for (const StoreMap::Entry& e : page.entries) pairs.emplace_back(e.key, *e.value);
      reply.body = EncodeScanBody(pairs, page.more);
      SendTo(origin, EncodeReply(reply));
      return;
    }
    case Op::kKeys: {
      std::vector<std::string> keys = map_.Keys(req.key, req.arg, req.value, WallMs());
      size_t bytes = 0;
      for (const auto& k : keys) bytes += k.size() + 5;
      if (bytes > kMaxKeysReplyBytes) {
        SendStatus(origin, req.id,
                   Status::TooLarge("the key list is " + std::to_string(bytes) +
                                    " bytes; narrow it with a prefix or a limit"));
        return;
      }
      reply.body = EncodeBinArrayBody(keys);
      SendTo(origin, EncodeReply(reply));
      return;
    }
    case Op::kCount:
      reply.body = EncodeUintBody(map_.LiveCount(WallMs()));
      SendTo(origin, EncodeReply(reply));
      return;
    case Op::kDel:
    case Op::kPut:
    case Op::kIncr:
    case Op::kExpire:
      ServeWrite(origin, payload, req, draining);
      return;
    default:
      // not reached: IsStoreOp() was checked above
      SendStatus(origin, req.id, NotAStoreOp(req.op));
  }
}

void StoreServer::ServeWrite(const Origin& origin, std::string_view payload, const RequestView& req,
                             bool draining) {
  const bool direct = origin.envelope != nullptr;
  // Decided on the key's current value: wait for its writes in flight.
  const bool conditional =
      req.if_version.has_value() || req.op == Op::kIncr || req.op == Op::kExpire;
  // The manager bounds the bytes it sends; direct clients are bounded here.
  const size_t held = tracker_.PendingBytes() + deferred_bytes_;
  if (!draining && direct && held > 0 &&
      held + req.key.size() + req.value.size() > opts_.max_pending_bytes) {
    SendStatus(origin, req.id,
               Status::Unavailable("busy: the store has " + std::to_string(held) +
                                   " bytes of writes pending (limit " +
                                   std::to_string(opts_.max_pending_bytes) + "); not applied"));
    return;
  }
  if (!draining &&
      (deferred_.count(req.key) != 0 || (conditional && tracker_.PendingForKey(req.key) > 0))) {
    Defer(origin, payload, req.key, conditional);
    return;
  }
  const int64_t now_ms = WallMs();
  const StoreMap::Item* current = map_.FindLive(req.key, now_ms);  // expired: absent
  WriteMeta meta{.client_op = req.op};
  Op db_op = Op::kPut;
  std::string bytes;
  if (req.op == Op::kExpire) {
    if (current == nullptr) {
      SendStatus(origin, req.id, Status::NotFound("no such key"));
      return;
    }
    meta.expires_ms = req.arg == 0 ? 0 : now_ms + static_cast<int64_t>(req.arg);
    meta.version = ++revision_;
    bytes = EncodeStoredValue(meta.version, meta.expires_ms, current->value);
  } else if (req.op == Op::kIncr) {
    int64_t sum = 0;
    if (Status s = ApplyIncrement(current, ParseIncrAmount(req.value).value(), &sum); !s.ok()) {
      SendStatus(origin, req.id, s);
      return;
    }
    meta.counter = sum;
    meta.expires_ms = current != nullptr ? current->expires_ms : 0;  // an incr keeps the TTL
    meta.version = ++revision_;
    bytes = EncodeStoredValue(meta.version, meta.expires_ms, std::to_string(sum));
  } else if (Status s = CheckWriteCondition(current, req.if_version); !s.ok()) {
    SendStatus(origin, req.id, s);
    return;
  } else if (req.op == Op::kDel) {
    if (current == nullptr && tracker_.PendingForKey(req.key) == 0) {
      SendStatus(origin, req.id, Status::NotFound("no such key"));
      return;
    }
    db_op = Op::kDel;
    meta.version = ++revision_;
    bytes = EncodeRevisionFloor(meta.version);  // kept with the delete: never reused
  } else {
    meta.expires_ms = req.ttl_ms == 0 ? 0 : now_ms + static_cast<int64_t>(req.ttl_ms);
    meta.version = ++revision_;
    bytes = EncodeStoredValue(meta.version, meta.expires_ms, req.value);
  }
  // The one copy of the request: the pending write owns its key and value
  // until the ack.
  uint32_t shard = ShardFor(opts_.name, req.key, shard_count_);
  const PendingWrite& w =
      tracker_.Add(shard, db_op, std::string(req.key), std::move(bytes), origin.tag_value, req.id,
                   SteadyClock::now(), EnvelopeOf(origin), meta);
  unsent_[shard].push_back(w.seq);  // sent by FlushWrites() at the end of the pass
}

void StoreServer::Defer(const Origin& origin, std::string_view payload, std::string_view key,
                        bool conditional) {
  Deferred d{.payload = std::string(payload),
             .tag = std::string(origin.tag),
             .tag_value = origin.tag_value,
             .envelope = EnvelopeOf(origin),
             .conditional = conditional};
  deferred_bytes_ += d.payload.size();
  serving_.reset();  // counted when it is answered
  deferred_[std::string(key)].push_back(std::move(d));
}

void StoreServer::DrainDeferred(const std::string& key) {
  auto it = deferred_.find(key);
  while (it != deferred_.end() && !it->second.empty()) {
    if (it->second.front().conditional && tracker_.PendingForKey(key) > 0) return;
    Deferred d = std::move(it->second.front());
    it->second.pop_front();
    deferred_bytes_ -= d.payload.size();
    Frames envelope;
    for (const std::string& f : d.envelope) envelope.emplace_back(f.data(), f.size());
    Origin origin{.tag = d.tag, .tag_value = d.tag_value};
    if (!d.envelope.empty()) {
      origin.envelope = &envelope;
      origin.envelope_size = envelope.size();
    }
    Serve(origin, d.payload, /*draining=*/true);
    it = deferred_.find(key);
  }
  if (it != deferred_.end()) deferred_.erase(it);
}

void StoreServer::FailDeferred() {
  for (auto& [key, queue] : deferred_) {
    for (const Deferred& d : queue) {
      std::string reply =
          EncodeStatusReply(PeekRequestId(d.payload),
                            d.envelope.empty() ? Status::Unavailable("store is shutting down")
                                               : Status::Moved("store is shutting down"));
      if (d.envelope.empty()) {
        SendReply(d.tag, reply);
      } else {
        SendToEnvelope(d.envelope, std::move(reply));
      }
    }
  }
  deferred_.clear();
  deferred_bytes_ = 0;
}

void StoreServer::Answer(const PendingWrite& w, const Status& status) {
  metrics_.Record(w.meta.client_op, status.code(),
                  std::chrono::duration<double>(SteadyClock::now() - w.received_at).count());
  std::string reply;
  if (status.ok() && w.meta.client_op != Op::kDel) {
    reply = EncodeReply(Reply{.id = w.request_id,
                              .code = StatusCode::kOk,
                              .message = {},
                              .body = w.meta.client_op == Op::kIncr
                                          ? EncodeCounterBody(w.meta.counter, w.meta.version)
                                          : EncodeUintBody(w.meta.version)});
  } else {
    reply = EncodeStatusReply(w.request_id, status);
  }
  if (w.envelope.empty()) {
    SendReply(EncodeTag(w.tag), reply);
  } else {
    SendToEnvelope(w.envelope, std::move(reply));
  }
}

}  // namespace forkv
