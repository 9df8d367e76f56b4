// A store's requests: from the manager ("Q" frames) and from direct clients
// (its own ROUTER), answered from the in-memory map or, for writes, after
// the database worker acknowledged them (store_server.h).
#include <spdlog/spdlog.h>

#include <cstring>

#include "shared/codec.h"
#include "shared/names.h"
#include "shared/runtime.h"
#include "shared/shard.h"
#include "store_worker/store_server.h"

namespace forkv {
namespace {

Status NotAStoreOp(Op op) {
  return Status::UnknownOp(std::string(OpName(op)) + " is not a store operation");
}

}  // namespace

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

void StoreServer::Serve(const Origin& origin, std::string_view payload) {
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
      const std::string* v = map_.Find(req.key);
      if (v == nullptr) {
        SendStatus(origin, req.id, Status::NotFound("no such key"));
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
    case Op::kScan: {
      StoreMap::ScanPage page = map_.Scan(
          req.key, req.value, req.arg == 0 ? kDefaultScanLimit : req.arg, kMaxScanReplyBytes);
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      pairs.reserve(page.entries.size());
      for (const StoreMap::Entry& e : page.entries) pairs.emplace_back(e.key, *e.value);
      reply.body = EncodeScanBody(pairs, page.more);
      SendTo(origin, EncodeReply(reply));
      return;
    }
    case Op::kKeys: {
      std::vector<std::string> keys = map_.Keys(req.key, req.arg, req.value);
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
      reply.body = EncodeUintBody(map_.Count());
      SendTo(origin, EncodeReply(reply));
      return;
    case Op::kDel:
      if (!map_.Contains(req.key) && tracker_.PendingForKey(req.key) == 0) {
        SendStatus(origin, req.id, Status::NotFound("no such key"));
        return;
      }
      [[fallthrough]];
    case Op::kPut: {
      // The manager bounds the bytes it sends; direct clients are bounded here.
      if (direct && tracker_.PendingBytes() > 0 &&
          tracker_.PendingBytes() + req.key.size() + req.value.size() > opts_.max_pending_bytes) {
        SendStatus(
            origin, req.id,
            Status::Unavailable("busy: the store has " + std::to_string(tracker_.PendingBytes()) +
                                " bytes of writes pending (limit " +
                                std::to_string(opts_.max_pending_bytes) + "); not applied"));
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
      SendStatus(origin, req.id, NotAStoreOp(req.op));
  }
}

void StoreServer::Answer(const PendingWrite& w, const Status& status) {
  metrics_.Record(w.op, status.code(),
                  std::chrono::duration<double>(SteadyClock::now() - w.received_at).count());
  std::string reply = EncodeStatusReply(w.request_id, status);
  if (w.envelope.empty()) {
    SendReply(EncodeTag(w.tag), reply);
  } else {
    SendToEnvelope(w.envelope, std::move(reply));
  }
}

}  // namespace forkv
