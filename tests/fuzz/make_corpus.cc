// Writes the seed corpus for codec_fuzzer into a directory: one file per seed,
// byte 0 = the fuzzer's target selector (codec_fuzzer.cc), then the frame.
// Valid encodings come from the real encoders; edge cases are hand-packed.
//
//   build/fuzz/make_corpus tests/fuzz/corpus
//
// The output is deterministic, so re-running it over the committed corpus
// changes nothing unless the encoders changed.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/codec.h"
#include "shared/control.h"
#include "shared/protocol.h"
#include "tests/support/raw_msgpack.h"

namespace forkv {
namespace {

// Selectors: keep in sync with codec_fuzzer.cc's Target enum.
enum : uint8_t {
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
};

using test::Pack;
using test::PackStr;

template <typename P>
void Bin(P& pk, std::string_view s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

class Writer {
 public:
  explicit Writer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void Add(uint8_t target, const std::string& name, const std::string& frame) {
    std::ofstream f(dir_ / name, std::ios::binary | std::ios::trunc);
    f.put(static_cast<char>(target));
    f.write(frame.data(), static_cast<std::streamsize>(frame.size()));
    ++count_;
  }
  int count() const { return count_; }

 private:
  std::filesystem::path dir_;
  int count_ = 0;
};

void Requests(Writer& w) {
  const Request base{.id = 0x1234, .store = "users", .key = "alice", .value = "42"};
  for (uint8_t op = 1; op <= kMaxOp; ++op) {
    Request r = base;
    r.op = static_cast<Op>(op);
    if (r.op == Op::kKeys) r.arg = 10;
    if (r.op == Op::kWait) r.arg = 500;
    if (r.op == Op::kKill) r.arg = 15;
    w.Add(kRequest, "request-" + std::string(OpName(r.op)), EncodeRequest(r));
  }
  Request big_id = base;
  big_id.id = UINT64_MAX;
  big_id.op = Op::kGet;
  big_id.key = std::string("\0\xff\x01", 3);
  w.Add(kRequest, "request-get-maxid-binkey", EncodeRequest(big_id));
  // Accepted variants: str key and value, signed-int encodings of ids >= 0.
  w.Add(kRequest, "request-put-str-fields-signed-ints", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_int8(1);
          pk.pack_int64(7);
          pk.pack_int16(2);
          PackStr(pk, "users");
          PackStr(pk, "alice");
          PackStr(pk, "42");
          pk.pack_int32(0);
        }));
  // Rejected shapes.
  w.Add(kRequest, "request-version-2", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(2);
          pk.pack_uint8(9);
          pk.pack_uint8(1);
          PackStr(pk, "");
          Bin(pk, "");
          Bin(pk, "");
          pk.pack_uint8(0);
        }));
  w.Add(kRequest, "request-arity-6", Pack([](auto& pk) {
          pk.pack_array(6);
          for (int i = 0; i < 3; ++i) pk.pack_uint8(1);
          PackStr(pk, "s");
          Bin(pk, "k");
          Bin(pk, "v");
        }));
  w.Add(kRequest, "request-op-99", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(1);
          pk.pack_uint8(5);
          pk.pack_uint8(99);
          PackStr(pk, "s");
          Bin(pk, "k");
          Bin(pk, "");
          pk.pack_uint8(0);
        }));
  w.Add(kRequest, "request-nil-store-neg-arg", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(1);
          pk.pack_uint8(5);
          pk.pack_uint8(3);
          pk.pack_nil();
          pk.pack_true();
          pk.pack_double(1.5);
          pk.pack_int8(-1);
        }));
  w.Add(kRequest, "request-bin-store", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(1);
          pk.pack_uint8(5);
          pk.pack_uint8(3);
          Bin(pk, "users");
          Bin(pk, "k");
          Bin(pk, "");
          pk.pack_uint8(0);
        }));
  w.Add(kRequest, "request-nested-too-deep", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(1);
          pk.pack_uint8(5);
          pk.pack_array(1);
          pk.pack_array(1);
          pk.pack_array(0);
          PackStr(pk, "s");
          Bin(pk, "k");
          Bin(pk, "");
          pk.pack_uint8(0);
        }));
  w.Add(kRequest, "request-17-elements", Pack([](auto& pk) {
          pk.pack_array(17);
          for (int i = 0; i < 17; ++i) pk.pack_uint8(1);
        }));
  w.Add(kRequest, "request-map", Pack([](auto& pk) {
          pk.pack_map(1);
          PackStr(pk, "op");
          pk.pack_uint8(1);
        }));
  w.Add(kRequest, "request-ext", Pack([](auto& pk) {
          pk.pack_array(7);
          pk.pack_uint8(1);
          pk.pack_uint8(5);
          pk.pack_ext(1, 4);
          pk.pack_ext_body("\1", 1);
          PackStr(pk, "s");
          Bin(pk, "k");
          Bin(pk, "");
          pk.pack_uint8(0);
        }));
  Request bad_name = base;
  bad_name.op = Op::kPut;
  bad_name.store = std::string("../a\0b", 6);
  w.Add(kRequest, "request-put-bad-store", EncodeRequest(bad_name));
  std::string trailing = EncodeRequest(base);
  trailing.push_back('\0');
  w.Add(kRequest, "request-trailing-byte", trailing);
  std::string truncated = EncodeRequest(base);
  truncated.resize(truncated.size() / 2);
  w.Add(kRequest, "request-truncated", truncated);
  w.Add(kRequest, "request-empty", "");
  w.Add(kRequest, "request-array32-huge-count", std::string("\xdd\xff\xff\xff\xff\x01", 6));
  w.Add(kRequest, "request-str32-huge-length",
        std::string("\xdb\x7f\xff\xff\xff"
                    "abc",
                    8));
  w.Add(kRequest, "request-reserved-byte", std::string("\xc1", 1));
}

void Replies(Writer& w) {
  w.Add(kReply, "reply-ok-nil", EncodeReply({.id = 1}));
  w.Add(kReply, "reply-get-bin", EncodeReply({.id = 2, .body = EncodeBinBody("42")}));
  w.Add(kReply, "reply-not-found", EncodeStatusReply(7, Status::NotFound("no such key")));
  w.Add(kReply, "reply-keys",
        EncodeReply({.id = 3, .body = EncodeBinArrayBody({"a", "b", std::string(1, '\0')})}));
  w.Add(kReply, "reply-count", EncodeReply({.id = 4, .body = EncodeUintBody(1u << 20)}));
  w.Add(kReply, "reply-ping",
        EncodeReply({.id = 5,
                     .body = EncodeJsonBody(
                         {{"pid", 123}, {"version", "0.1.0"}, {"uptime_ms", 9}, {"stores", 2}})}));
  w.Add(kReply, "reply-code-11", Pack([](auto& pk) {
          pk.pack_array(5);
          pk.pack_uint8(1);
          pk.pack_uint8(1);
          pk.pack_uint8(11);
          PackStr(pk, "x");
          pk.pack_nil();
        }));
  w.Add(kReply, "reply-array32-huge-count", std::string("\xdd\x00\xff\xff\xff\x01", 6));
}

void Controls(Writer& w) {
  using nlohmann::json;
  w.Add(kControl, "control-hello-store",
        EncodeJsonBody(
            {{"type", "hello"}, {"role", "store"}, {"name", "users"}, {"gen", 17}, {"pid", 4242}}));
  w.Add(kControl, "control-hello-db",
        EncodeJsonBody(
            {{"type", "hello"}, {"role", "db"}, {"shard", 1}, {"gen", 18}, {"pid", 4243}}));
  w.Add(kControl, "control-ready",
        EncodeJsonBody({{"type", "ready"}, {"gen", 17}, {"keys", 3}, {"load_ms", 12}}));
  w.Add(kControl, "control-ping", EncodeJsonBody({{"type", "ping"}, {"seq", 99}}));
  w.Add(kControl, "control-pong-store",
        EncodeJsonBody(
            {{"type", "pong"},
             {"seq", 99},
             {"gen", 17},
             {"stats", {{"keys", 3}, {"bytes", 100}, {"pending_writes", 0}, {"loaded", true}}}}));
  w.Add(kControl, "control-pong-db",
        EncodeJsonBody({{"type", "pong"},
                        {"seq", 99},
                        {"gen", 18},
                        {"stats",
                         {{"queue_depth", 0},
                          {"last_batch", 4},
                          {"batches", 10},
                          {"writes", 40},
                          {"failed_batches", 0},
                          {"last_fsync_us", 120},
                          {"last_fsync_unix_ms", 1700000000000},
                          {"fsync_mode", "periodic"}}}}));
  w.Add(kControl, "control-db-up", EncodeJsonBody({{"type", "db_up"}, {"shard", 0}}));
  w.Add(kControl, "control-no-type", EncodeJsonBody({{"seq", 1}}));
  w.Add(kControl, "control-type-not-string", EncodeJsonBody({{"type", 5}}));
  w.Add(kControl, "control-array", EncodeJsonBody(json::array({"type", "ping"})));
  w.Add(kControl, "control-int-key", Pack([](auto& pk) {
          pk.pack_map(1);
          pk.pack_uint8(1);
          PackStr(pk, "ping");
        }));
}

// The typed control messages (shared/control.h): every type and role from
// the real encoder, the maps the children sent before the types existed,
// and rejected fields.
void ControlMessages(Writer& w) {
  using nlohmann::json;
  auto add = [&](const std::string& name, const std::string& frame) {
    w.Add(kControlMessage, "typed-" + name, frame);
  };
  add("hello-store", EncodeControlMessage(HelloMsg{
                         .role = ChildRole::kStore, .gen = 17, .pid = 4242, .name = "users"}));
  add("hello-db",
      EncodeControlMessage(HelloMsg{.role = ChildRole::kDb, .gen = 18, .pid = 4243, .shard = 1}));
  add("hello-http", EncodeControlMessage(HelloMsg{.role = ChildRole::kHttp, .gen = 19, .pid = 1}));
  add("ready-store",
      EncodeControlMessage(ReadyMsg{.gen = 17, .stats = {{"keys", 3}, {"load_ms", 12}}}));
  add("ready-db", EncodeControlMessage(ReadyMsg{.gen = 18}));
  add("ready-http", EncodeControlMessage(ReadyMsg{.gen = 19, .stats = {{"port", 8080}}}));
  add("ping", EncodeControlMessage(PingMsg{.seq = 99}));
  add("pong-store",
      EncodeControlMessage(PongMsg{
          .seq = 99,
          .gen = 17,
          .stats = {{"keys", 3}, {"bytes", 100}, {"pending_writes", 0}, {"loaded", true}}}));
  add("pong-db", EncodeControlMessage(PongMsg{
                     .seq = 99,
                     .gen = 18,
                     .stats = {{"queue_depth", 0},
                               {"fsync_mode", "periodic"},
                               {"batch_size_histogram",
                                {{"le", {1, 2, 4}}, {"counts", {0, 1, 2, 3}}, {"sum", 2.5}}}}}));
  add("pong-http", EncodeControlMessage(
                       PongMsg{.seq = 99, .gen = 19, .stats = {{"port", 8080}, {"requests", 5}}}));
  add("db-up", EncodeControlMessage(DbUpMsg{.shard = 0}));
  add("old-ready-store",
      EncodeJsonBody({{"type", "ready"}, {"gen", 17}, {"keys", 3}, {"load_ms", 12}}));
  add("hello-db-signed-pid", Pack([](auto& pk) {
        pk.pack_map(5);
        PackStr(pk, "type");
        PackStr(pk, "hello");
        PackStr(pk, "role");
        PackStr(pk, "db");
        PackStr(pk, "shard");
        pk.pack_int8(1);
        PackStr(pk, "gen");
        pk.pack_int64(18);
        PackStr(pk, "pid");
        pk.pack_int32(4243);
      }));
  add("hello-unknown-role",
      EncodeJsonBody({{"type", "hello"}, {"role", "manager"}, {"gen", 1}, {"pid", 1}}));
  add("hello-store-bad-name",
      EncodeJsonBody(
          {{"type", "hello"}, {"role", "store"}, {"name", ".."}, {"gen", 1}, {"pid", 1}}));
  add("ping-negative-seq", EncodeJsonBody({{"type", "ping"}, {"seq", -1}}));
  add("ping-float-seq", EncodeJsonBody({{"type", "ping"}, {"seq", 1.5}}));
  add("pong-stats-array",
      EncodeJsonBody({{"type", "pong"}, {"seq", 1}, {"gen", 1}, {"stats", json::array({1})}}));
  add("db-up-shard-2-32", EncodeJsonBody({{"type", "db_up"}, {"shard", uint64_t{1} << 32}}));
  add("unknown-type", EncodeJsonBody({{"type", "shutdown"}}));
}

void Internal(Writer& w) {
  w.Add(kWriteRequest, "write-put",
        EncodeWriteRequest(
            {.store = "users", .gen = 17, .seq = 1, .op = Op::kPut, .key = "k", .value = "v"}));
  {
    std::vector<WriteRequestView> batch = {
        {.store = "users", .gen = 17, .seq = 1, .op = Op::kPut, .key = "a", .value = "1"},
        {.store = "users", .gen = 17, .seq = 2, .op = Op::kDel, .key = "b", .base_seq = 1}};
    w.Add(kWriteBatch, "write-batch", EncodeWriteBatch(batch));
    batch[1].op = Op::kGet;
    w.Add(kWriteBatch, "write-batch-bad-element", EncodeWriteBatch(batch));
    w.Add(kWriteBatch, "write-batch-empty", EncodeWriteBatch({}));
  }
  w.Add(kWriteRequest, "write-del",
        EncodeWriteRequest({.store = "users", .gen = 17, .seq = 2, .op = Op::kDel, .key = "k"}));
  w.Add(kWriteRequest, "write-op-get", Pack([](auto& pk) {
          pk.pack_array(6);
          PackStr(pk, "users");
          pk.pack_uint8(1);
          pk.pack_uint8(1);
          pk.pack_uint8(3);
          Bin(pk, "k");
          Bin(pk, "");
        }));
  w.Add(kWriteRequest, "write-seq-0-bad-store",
        EncodeWriteRequest({.store = "..", .gen = 1, .seq = 0, .op = Op::kPut, .key = ""}));

  w.Add(kWriteAck, "ack-ok", EncodeWriteAck({.seqs = {1, 2, 3, UINT64_MAX}}));
  w.Add(kWriteAck, "ack-io-error",
        EncodeWriteAck({.code = StatusCode::kIoError, .message = "disk full", .seqs = {4}}));
  w.Add(kWriteAck, "ack-no-seqs", EncodeWriteAck({}));
  w.Add(kWriteAck, "ack-seqs-array32-huge", std::string("\x93\x00\xa0\xdd\x00\x0f\xff\xff", 8));

  w.Add(kLoadRequest, "load", EncodeLoadRequest({.store = "users", .gen = 17, .load_id = 3}));
  w.Add(kLoadRequest, "load-bad-store", EncodeLoadRequest({.store = "a/b", .gen = 0}));

  w.Add(kLoadChunk, "chunk-empty-last", EncodeLoadChunk({.load_id = 3, .last = true}));
  w.Add(kLoadChunk, "chunk-entries",
        EncodeLoadChunk({.load_id = 3,
                         .last = false,
                         .entries = {{"a", "1"}, {"b", ""}, {std::string(1, '\0'), "\xff"}}}));
  w.Add(kLoadChunk, "chunk-odd-entries", Pack([](auto& pk) {
          pk.pack_array(3);
          pk.pack_uint8(3);
          pk.pack_true();
          pk.pack_array(3);
          Bin(pk, "a");
          Bin(pk, "1");
          Bin(pk, "b");
        }));

  w.Add(kDropRequest, "drop",
        EncodeDropRequest({.store = "users", .fence_gen = 1u << 30, .drop_id = 1}));
  w.Add(kDropRequest, "drop-bad-store", EncodeDropRequest({.store = "", .drop_id = 2}));

  w.Add(kDropAck, "drop-ack-ok", EncodeDropAck({.drop_id = 1}));
  w.Add(kDropAck, "drop-ack-error",
        EncodeDropAck({.drop_id = 2, .code = StatusCode::kIoError, .message = "EIO"}));
}

void Bodies(Writer& w) {
  using nlohmann::json;
  json child = {{"name", "users"}, {"kind", "store"}, {"state", "running"},
                {"pid", 4242},     {"restarts", 0},   {"generation", 17},
                {"uptime_ms", 10}, {"last_exit", ""}, {"keys", 3}};
  w.Add(kJsonBody, "body-stores",
        EncodeJsonBody({{"stores", json::array({child})}, {"db_workers", json::array()}}));
  w.Add(kJsonBody, "body-status",
        EncodeJsonBody({{"manager", {{"pid", 1}, {"state", "running"}}},
                        {"tree",
                         {{"name", "root"},
                          {"children", json::array({{{"name", "stores"},
                                                     {"children", json::array({child})}}})}}}}));
  w.Add(kJsonBody, "body-bin-array", EncodeBinArrayBody({"a", "bb", ""}));
  w.Add(kJsonBody, "body-scalars", Pack([](auto& pk) {
          pk.pack_array(6);
          pk.pack_int64(-5);
          pk.pack_float(0.5f);
          pk.pack_double(-1e300);
          pk.pack_nil();
          pk.pack_false();
          PackStr(pk, "\xff\xfe not utf-8");
        }));
  w.Add(kJsonBody, "body-nested-9", std::string(9, '\x91') + std::string(1, '\xc0'));
}

void Tags(Writer& w) {
  w.Add(kTag, "tag-1", EncodeTag(1));
  w.Add(kTag, "tag-max", EncodeTag(UINT64_MAX));
  w.Add(kTag, "tag-7-bytes", std::string(7, '\x01'));
}

}  // namespace
}  // namespace forkv

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 100;
  }
  std::filesystem::create_directories(argv[1]);
  forkv::Writer w(argv[1]);
  forkv::Requests(w);
  forkv::Replies(w);
  forkv::Controls(w);
  forkv::ControlMessages(w);
  forkv::Internal(w);
  forkv::Bodies(w);
  forkv::Tags(w);
  std::printf("wrote %d seeds to %s\n", w.count(), argv[1]);
  return 0;
}
