// libFuzzer target for every decoder that reads bytes from another process:
// the client request (manager frontend, store), the reply (client), control
// maps (manager and workers: the untyped DecodeControl and the typed
// DecodeControlMessage), the store <-> database worker messages, the
// manager <-> database worker drop messages, structured bodies and backend
// tags.
//
// Input layout: byte 0 selects the decoder (modulo kTargets), the remaining
// bytes are the frame. The seed corpus in tests/fuzz/corpus/ uses the same
// layout (see make_corpus.cc).
//
// Besides "no crash, no leak, no UB, no exception escapes", each target
// checks properties the servers rely on:
//  - a decoded message re-encodes to bytes that decode to the same message;
//  - a failure is a non-OK Status with a non-empty message and one of the
//    codes docs/protocol.md allows for undecodable input;
//  - PeekRequestId() agrees with DecodeRequest() whenever the latter succeeds;
//  - DecodeRequestView() agrees with DecodeRequest();
//  - a typed control message is also an untyped one (DecodeControlMap), and
//    its fields are valid (a store hello's name, stats maps).
// A violated property calls __builtin_trap(), which libFuzzer reports as a
// crash with the input saved as an artifact.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "shared/codec.h"
#include "shared/control.h"
#include "shared/names.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {
namespace {

enum Target : uint8_t {
  kRequest = 0,
  kReply = 1,
  kControl = 2,
  kWriteRequest = 3,
  kWriteAck = 4,
  kLoadRequest = 5,
  kLoadChunk = 6,
  kDropRequest = 7,
  kDropAck = 8,
  kJsonBody = 9,
  kTag = 10,
  kControlMessage = 11,
  kWriteBatch = 12,
  kTargets = 13,
};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  __builtin_trap();
}

void Require(bool cond, const char* what) {
  if (!cond) Fail(what);
}

// Every decode failure must carry a reason, and only these codes.
void RequireDecodeError(const Status& s) {
  Require(!s.ok(), "error status is OK");
  Require(!s.message().empty(), "error status without a message");
  switch (s.code()) {
    case StatusCode::kMalformed:
    case StatusCode::kTooLarge:
    case StatusCode::kUnknownOp:
    case StatusCode::kVersionMismatch:
      return;
    default:
      Fail("unexpected error code from a decoder");
  }
}

// How the CLI prints a body (client_cli/format.cc): never throws on bad UTF-8.
std::string Printed(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool SameRequest(const Request& a, const Request& b) {
  return a.id == b.id && a.op == b.op && a.store == b.store && a.key == b.key &&
         a.value == b.value && a.arg == b.arg;
}

void FuzzRequest(std::string_view in) {
  uint64_t peeked = PeekRequestId(in);
  auto r = DecodeRequest(in);
  if (!r.ok()) {
    RequireDecodeError(r.status());
    return;
  }
  Require(peeked == r->id, "PeekRequestId disagrees with DecodeRequest");
  Require(static_cast<uint8_t>(r->op) >= 1 && static_cast<uint8_t>(r->op) <= kMaxOp,
          "decoded op out of range");
  Status v = ValidateRequest(*r);
  if (!v.ok()) {
    Require(!v.message().empty(), "validation error without a message");
    Require(v.code() == StatusCode::kInvalidArgument || v.code() == StatusCode::kTooLarge,
            "unexpected validation code");
  }
  std::string again = EncodeRequest(*r);
  auto r2 = DecodeRequest(again);
  Require(r2.ok(), "re-encoded request does not decode");
  Require(SameRequest(*r, *r2), "request round trip changed it");
  Require(ValidateRequest(*r2).code() == v.code(), "validation differs after round trip");
  Require(PeekRequestId(again) == r->id, "PeekRequestId of re-encoded request");
  auto view = DecodeRequestView(in);
  Require(view.ok(), "DecodeRequestView refused what DecodeRequest accepted");
  Require(SameRequest(view->ToRequest(), *r), "DecodeRequestView disagrees with DecodeRequest");
}

void FuzzReply(std::string_view in) {
  auto r = DecodeReply(in);
  if (!r.ok()) {
    RequireDecodeError(r.status());
    return;
  }
  Require(static_cast<uint8_t>(r->code) <= kMaxStatusCode, "reply code out of range");
  auto r2 = DecodeReply(EncodeReply(*r));
  Require(r2.ok(), "re-encoded reply does not decode");
  Require(
      r2->id == r->id && r2->code == r->code && r2->message == r->message && r2->body == r->body,
      "reply round trip changed it");
  if (!r->body.empty()) {
    auto body = DecodeJsonBody(r->body);
    if (!body.ok()) RequireDecodeError(body.status());
  }
}

void FuzzControl(std::string_view in) {
  auto c = DecodeControlMap(in);
  if (!c.ok()) {
    RequireDecodeError(c.status());
    return;
  }
  Require(c->is_object(), "control map that is not a map");
  // Any map at all (DecodeControlMessage checks "type" and the fields);
  // it must survive a re-encoding unchanged.
  auto c2 = DecodeControlMap(EncodeJsonBody(*c));
  Require(c2.ok(), "re-encoded control does not decode");
  // Compared as printed text: NaN != NaN, but both print as null.
  Require(Printed(*c2) == Printed(*c), "control round trip changed it");
}

// Stats as printed text: NaN != NaN, but both print as null.
bool SameControl(const ControlMessage& a, const ControlMessage& b) {
  if (a.index() != b.index()) return false;
  if (const auto* r = std::get_if<ReadyMsg>(&a)) {
    const auto& r2 = std::get<ReadyMsg>(b);
    return r->gen == r2.gen && Printed(r->stats) == Printed(r2.stats);
  }
  if (const auto* p = std::get_if<PongMsg>(&a)) {
    const auto& p2 = std::get<PongMsg>(b);
    return p->seq == p2.seq && p->gen == p2.gen && Printed(p->stats) == Printed(p2.stats);
  }
  return a == b;
}

void FuzzControlMessage(std::string_view in) {
  auto m = DecodeControlMessage(in);
  auto untyped = DecodeControlMap(in);
  if (!m.ok()) {
    RequireDecodeError(m.status());
    return;
  }
  Require(untyped.ok(), "a typed control message the untyped decoder refuses");
  Require((*untyped)["type"] == std::string(ControlTypeName(*m)),
          "typed and untyped decoders disagree on type");
  if (const auto* hello = std::get_if<HelloMsg>(&*m)) {
    Require(hello->pid >= 0, "negative pid");
    if (hello->role == ChildRole::kStore) {
      Require(ValidateStoreName(hello->name).ok(), "store hello with an invalid name");
    } else {
      Require(hello->name.empty(), "name set outside a store hello");
    }
    if (hello->role != ChildRole::kDb) Require(hello->shard == 0, "shard set outside a db hello");
  } else if (const auto* ready = std::get_if<ReadyMsg>(&*m)) {
    Require(ready->stats.is_object(), "ready stats not a map");
  } else if (const auto* pong = std::get_if<PongMsg>(&*m)) {
    Require(pong->stats.is_object(), "pong stats not a map");
  }
  std::string again = EncodeControlMessage(*m);
  auto m2 = DecodeControlMessage(again);
  Require(m2.ok(), "re-encoded control message does not decode");
  Require(SameControl(*m, *m2), "control message round trip changed it");
  Require(EncodeControlMessage(*m2) == again, "control message encoding is not stable");
}

void FuzzWriteRequest(std::string_view in) {
  auto w = DecodeWriteRequest(in);
  if (!w.ok()) {
    RequireDecodeError(w.status());
    return;
  }
  Require(w->op == Op::kPut || w->op == Op::kDel, "write op not put/del");
  (void)ValidateStoreName(w->store).ok();
  (void)ValidateKey(w->key).ok();
  (void)ValidateValue(w->value).ok();
  auto w2 = DecodeWriteRequest(EncodeWriteRequest(*w));
  Require(w2.ok(), "re-encoded write does not decode");
  Require(w2->store == w->store && w2->gen == w->gen && w2->seq == w->seq && w2->op == w->op &&
              w2->key == w->key && w2->value == w->value,
          "write round trip changed it");
}

void FuzzWriteBatch(std::string_view in) {
  auto ws = DecodeWriteBatch(in);
  if (!ws.ok()) {
    RequireDecodeError(ws.status());
    return;
  }
  Require(!ws->empty() && ws->size() <= kMaxWriteBatch, "write batch size out of range");
  std::vector<WriteRequestView> views;
  for (const WriteRequest& w : *ws) {
    Require(w.op == Op::kPut || w.op == Op::kDel, "batched write op not put/del");
    views.push_back(w.View());
  }
  auto again = DecodeWriteBatch(EncodeWriteBatch(views));
  Require(again.ok() && again->size() == ws->size(), "re-encoded write batch does not decode");
  for (size_t i = 0; i < ws->size(); ++i) {
    const WriteRequest& a = (*ws)[i];
    const WriteRequest& b = (*again)[i];
    Require(a.store == b.store && a.gen == b.gen && a.seq == b.seq && a.op == b.op &&
                a.key == b.key && a.value == b.value && a.base_seq == b.base_seq,
            "write batch round trip changed it");
  }
}

void FuzzWriteAck(std::string_view in) {
  auto a = DecodeWriteAck(in);
  if (!a.ok()) {
    RequireDecodeError(a.status());
    return;
  }
  auto a2 = DecodeWriteAck(EncodeWriteAck(*a));
  Require(a2.ok(), "re-encoded ack does not decode");
  Require(a2->code == a->code && a2->message == a->message && a2->seqs == a->seqs,
          "ack round trip changed it");
}

void FuzzLoadRequest(std::string_view in) {
  auto l = DecodeLoadRequest(in);
  if (!l.ok()) {
    RequireDecodeError(l.status());
    return;
  }
  (void)ValidateStoreName(l->store).ok();
  auto l2 = DecodeLoadRequest(EncodeLoadRequest(*l));
  Require(l2.ok(), "re-encoded load does not decode");
  Require(l2->store == l->store && l2->gen == l->gen && l2->load_id == l->load_id,
          "load round trip changed it");
}

void FuzzLoadChunk(std::string_view in) {
  auto c = DecodeLoadChunk(in);
  if (!c.ok()) {
    RequireDecodeError(c.status());
    return;
  }
  auto c2 = DecodeLoadChunk(EncodeLoadChunk(*c));
  Require(c2.ok(), "re-encoded chunk does not decode");
  Require(c2->load_id == c->load_id && c2->last == c->last && c2->entries == c->entries,
          "chunk round trip changed it");
}

void FuzzDropRequest(std::string_view in) {
  auto d = DecodeDropRequest(in);
  if (!d.ok()) {
    RequireDecodeError(d.status());
    return;
  }
  (void)ValidateStoreName(d->store).ok();
  auto d2 = DecodeDropRequest(EncodeDropRequest(*d));
  Require(d2.ok(), "re-encoded drop does not decode");
  Require(d2->store == d->store && d2->fence_gen == d->fence_gen && d2->drop_id == d->drop_id,
          "drop round trip changed it");
}

void FuzzDropAck(std::string_view in) {
  auto a = DecodeDropAck(in);
  if (!a.ok()) {
    RequireDecodeError(a.status());
    return;
  }
  auto a2 = DecodeDropAck(EncodeDropAck(*a));
  Require(a2.ok(), "re-encoded drop ack does not decode");
  Require(a2->drop_id == a->drop_id && a2->code == a->code && a2->message == a->message,
          "drop ack round trip changed it");
}

void FuzzJsonBody(std::string_view in) {
  auto j = DecodeJsonBody(in);
  if (!j.ok()) {
    RequireDecodeError(j.status());
    return;
  }
  std::string printed = Printed(*j);
  auto j2 = DecodeJsonBody(EncodeJsonBody(*j));
  Require(j2.ok(), "re-encoded body does not decode");
  Require(Printed(*j2) == printed, "body round trip changed it");
}

void FuzzTag(std::string_view in) {
  auto t = DecodeTag(in);
  if (!t.ok()) {
    RequireDecodeError(t.status());
    Require(in.size() != 8, "an 8-byte tag was refused");
    return;
  }
  Require(EncodeTag(*t) == in, "tag round trip changed it");
}

}  // namespace
}  // namespace forkv

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forkv;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % kTargets) {
    case kRequest:
      FuzzRequest(in);
      break;
    case kReply:
      FuzzReply(in);
      break;
    case kControl:
      FuzzControl(in);
      break;
    case kWriteRequest:
      FuzzWriteRequest(in);
      break;
    case kWriteAck:
      FuzzWriteAck(in);
      break;
    case kLoadRequest:
      FuzzLoadRequest(in);
      break;
    case kLoadChunk:
      FuzzLoadChunk(in);
      break;
    case kDropRequest:
      FuzzDropRequest(in);
      break;
    case kDropAck:
      FuzzDropAck(in);
      break;
    case kJsonBody:
      FuzzJsonBody(in);
      break;
    case kTag:
      FuzzTag(in);
      break;
    case kControlMessage:
      FuzzControlMessage(in);
      break;
    case kWriteBatch:
      FuzzWriteBatch(in);
      break;
  }
  return 0;
}
