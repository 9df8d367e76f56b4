#include "shared/codec.h"

#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <random>

#include "shared/control.h"

namespace forkv {
namespace {

std::string Pack(const msgpack::object& o) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, o);
  return std::string(buf.data(), buf.size());
}

template <typename T>
std::string PackValue(const T& v) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, v);
  return std::string(buf.data(), buf.size());
}

TEST(CodecTest, RequestRoundTripIsBinarySafe) {
  Request r{.id = 0xfedcba9876543210ull,
            .op = Op::kPut,
            .store = "users",
            .key = std::string("a\0b", 3),
            .value = std::string("\xff\x00\x01", 3),
            .arg = 7};
  auto d = DecodeRequest(EncodeRequest(r));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, r.id);
  EXPECT_EQ(d->op, Op::kPut);
  EXPECT_EQ(d->store, "users");
  EXPECT_EQ(d->key, r.key);
  EXPECT_EQ(d->value, r.value);
  EXPECT_EQ(d->arg, 7u);
}

TEST(CodecTest, RequestAcceptsStrForKeyAndValue) {
  // A client in another language may send keys as msgpack str.
  auto bytes = PackValue(
      std::make_tuple(1u, 5u, 3u, std::string("s"), std::string("k"), std::string(""), 0u));
  auto d = DecodeRequest(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->op, Op::kGet);
  EXPECT_EQ(d->key, "k");
}

TEST(CodecTest, ReplyRoundTripWithBody) {
  Reply r{.id = 9, .code = StatusCode::kOk, .message = "", .body = ""};
  r.body = EncodeBinBody(std::string("v\0x", 3));
  auto d = DecodeReply(EncodeReply(r));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->id, 9u);
  EXPECT_EQ(d->body, r.body);
  auto j = DecodeJsonBody(d->body);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->is_binary());
  EXPECT_EQ(std::string(j->get_binary().begin(), j->get_binary().end()), std::string("v\0x", 3));
}

TEST(CodecTest, StatusReplyCarriesCodeAndMessage) {
  auto d = DecodeReply(EncodeStatusReply(3, Status::NotFound("no such key")));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->code, StatusCode::kNotFound);
  EXPECT_EQ(d->message, "no such key");
  EXPECT_TRUE(d->body.empty());
}

TEST(CodecTest, EmptyAndGarbageAreMalformed) {
  EXPECT_EQ(DecodeRequest("").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(DecodeRequest("\xc1").status().code(), StatusCode::kMalformed);  // never-used byte
  EXPECT_EQ(DecodeRequest(PackValue(42)).status().code(), StatusCode::kMalformed);
  EXPECT_EQ(DecodeRequest(PackValue(std::string("hello"))).status().code(), StatusCode::kMalformed);
}

TEST(CodecTest, HugeDeclaredSizesDoNotAllocate) {
  // dd ff ff ff ff: an array32 claiming 2^32-1 elements (DESIGN.md).
  EXPECT_FALSE(DecodeRequest(std::string("\xdd\xff\xff\xff\xff", 5)).ok());
  // str32 claiming 4 GiB.
  EXPECT_FALSE(DecodeRequest(std::string("\xdb\xff\xff\xff\xff", 5)).ok());
  // map32 claiming 4G entries.
  EXPECT_FALSE(DecodeJsonBody(std::string("\xdf\xff\xff\xff\xff", 5)).ok());
}

TEST(CodecTest, EveryTruncationIsRejected) {
  std::string full = EncodeRequest(
      {.id = 1, .op = Op::kPut, .store = "s", .key = "key", .value = "value", .arg = 0});
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(DecodeRequest(full.substr(0, n)).ok()) << "prefix " << n;
  }
  EXPECT_EQ(DecodeRequest(full + "x").status().code(), StatusCode::kMalformed);  // trailing
}

TEST(CodecTest, WrongTypeInEveryField) {
  // [version, id, op, store, key, value, arg]; replace each with a map.
  for (int field = 0; field < 7; ++field) {
    msgpack::zone z;
    std::vector<msgpack::object> fields = {msgpack::object(1u),
                                           msgpack::object(2u),
                                           msgpack::object(3u),
                                           msgpack::object(std::string("s"), z),
                                           msgpack::object(std::string("k"), z),
                                           msgpack::object(std::string("v"), z),
                                           msgpack::object(0u)};
    fields[field] = msgpack::object(std::map<std::string, int>{{"x", 1}}, z);
    auto bytes = Pack(msgpack::object(fields, z));
    auto d = DecodeRequest(bytes);
    EXPECT_FALSE(d.ok()) << "field " << field;
  }
}

TEST(CodecTest, WrongArityVersionAndOp) {
  EXPECT_EQ(DecodeRequest(PackValue(std::make_tuple(1u, 2u, 3u))).status().code(),
            StatusCode::kMalformed);
  auto v2 = PackValue(
      std::make_tuple(2u, 1u, 3u, std::string("s"), std::string("k"), std::string(""), 0u));
  EXPECT_EQ(DecodeRequest(v2).status().code(), StatusCode::kVersionMismatch);
  auto bad_op = PackValue(
      std::make_tuple(1u, 1u, 99u, std::string("s"), std::string("k"), std::string(""), 0u));
  EXPECT_EQ(DecodeRequest(bad_op).status().code(), StatusCode::kUnknownOp);
  EXPECT_EQ(PeekRequestId(bad_op), 1u);
}

TEST(CodecTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    (void)DecodeRequest(s);
    (void)DecodeReply(s);
    (void)DecodeWriteRequest(s);
    (void)DecodeWriteAck(s);
    (void)DecodeLoadChunk(s);
    (void)DecodeControlMessage(s);
    (void)DecodeDropRequest(s);
  }
  SUCCEED();
}

TEST(CodecTest, DeeplyNestedBodyIsRejectedNotRecursedForever) {
  std::string nested(100000, '\x91');  // fixarray(1) x 100000
  nested += '\xc0';
  EXPECT_FALSE(DecodeJsonBody(nested).ok());
  EXPECT_FALSE(DecodeControlMessage(nested).ok());
}

TEST(CodecTest, InternalMessagesRoundTrip) {
  WriteRequest w{.store = "st", .gen = 5, .seq = 7, .op = Op::kDel, .key = "k", .value = ""};
  auto dw = DecodeWriteRequest(EncodeWriteRequest(w));
  ASSERT_TRUE(dw.ok());
  EXPECT_EQ(dw->gen, 5u);
  EXPECT_EQ(dw->seq, 7u);
  EXPECT_EQ(dw->op, Op::kDel);

  WriteAck a{.code = StatusCode::kIoError, .message = "disk full", .seqs = {1, 2, 3}};
  auto da = DecodeWriteAck(EncodeWriteAck(a));
  ASSERT_TRUE(da.ok());
  EXPECT_EQ(da->code, StatusCode::kIoError);
  EXPECT_EQ(da->seqs, (std::vector<uint64_t>{1, 2, 3}));

  LoadChunk c{.load_id = 4, .last = true, .entries = {{"a", "1"}, {std::string("\0", 1), ""}}};
  auto dc = DecodeLoadChunk(EncodeLoadChunk(c));
  ASSERT_TRUE(dc.ok());
  EXPECT_TRUE(dc->last);
  EXPECT_EQ(dc->entries, c.entries);

  auto dd = DecodeDropAck(EncodeDropAck({.drop_id = 8, .code = StatusCode::kOk, .message = ""}));
  ASSERT_TRUE(dd.ok());
  EXPECT_EQ(dd->drop_id, 8u);

  auto tag = DecodeTag(EncodeTag(0x0102030405060708ull));
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(*tag, 0x0102030405060708ull);
  EXPECT_FALSE(DecodeTag("short").ok());
}

TEST(CodecTest, WriteRequestRejectsNonWriteOps) {
  WriteRequest w{.store = "st", .gen = 1, .seq = 1, .op = Op::kGet, .key = "k", .value = ""};
  EXPECT_EQ(DecodeWriteRequest(EncodeWriteRequest(w)).status().code(), StatusCode::kUnknownOp);
}

TEST(CodecTest, ControlNeedsTypeString) {
  EXPECT_TRUE(DecodeControlMessage(EncodeJsonBody({{"type", "ping"}, {"seq", 1}})).ok());
  EXPECT_FALSE(DecodeControlMessage(EncodeJsonBody({{"seq", 1}})).ok());
  EXPECT_FALSE(DecodeControlMessage(EncodeJsonBody({{"type", 3}})).ok());
  EXPECT_FALSE(DecodeControlMessage(EncodeJsonBody(nlohmann::json::array({1, 2}))).ok());
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(CodecValueReplyTest, HeaderPlusValueIsTheEncodedReply) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{255}, size_t{256}, size_t{65535},
                   size_t{65536}, size_t{1} << 20}) {
    for (uint64_t id : {uint64_t{0}, uint64_t{127}, uint64_t{1} << 40, UINT64_MAX}) {
      std::string value(n, 'v');
      char header[kValueReplyHeaderMax];
      size_t h = EncodeValueReplyHeader(id, n, header);
      ASSERT_LE(h, kValueReplyHeaderMax);
      std::string built = std::string(header, h) + value;
      EXPECT_EQ(built, EncodeReply({.id = id, .body = EncodeBinBody(value)})) << n << " " << id;
      auto back = DecodeReply(built);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(back->id, id);
      EXPECT_EQ(back->code, StatusCode::kOk);
    }
  }
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(CodecWriteBatchTest, RoundTripsInOrder) {
  std::vector<std::string> keys = {"a", std::string("\0\xff", 2), "c"};
  std::vector<std::string> values = {"v0", "", "v2"};  // the views point into these
  std::vector<WriteRequestView> views;
  for (size_t i = 0; i < keys.size(); ++i) {
    views.push_back({.store = "users",
                     .gen = 9,
                     .seq = 10 + i,
                     .op = i == 1 ? Op::kDel : Op::kPut,
                     .key = keys[i],
                     .value = values[i],
                     .base_seq = 10});
  }
  auto back = DecodeWriteBatch(EncodeWriteBatch(views));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*back)[i].store, "users");
    EXPECT_EQ((*back)[i].seq, 10 + i);
    EXPECT_EQ((*back)[i].key, keys[i]);
    EXPECT_EQ((*back)[i].base_seq, 10u);
  }
  EXPECT_EQ((*back)[1].op, Op::kDel);
  EXPECT_EQ((*back)[2].value, "v2");
}

TEST(CodecWriteBatchTest, BadBatchesAreRefusedWhole) {
  EXPECT_EQ(DecodeWriteBatch("").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(DecodeWriteBatch(EncodeWriteBatch({})).status().code(), StatusCode::kMalformed);
  // A single write is not a batch (an array of 7 scalars, not of arrays).
  WriteRequest w{.store = "s", .gen = 1, .seq = 1, .op = Op::kPut, .key = "k", .value = "v"};
  EXPECT_EQ(DecodeWriteBatch(EncodeWriteRequest(w)).status().code(), StatusCode::kMalformed);
  // One bad element (op get) refuses everything, naming the element.
  std::vector<WriteRequestView> views = {
      {.store = "s", .gen = 1, .seq = 1, .op = Op::kPut, .key = "k", .value = "v"},
      {.store = "s", .gen = 1, .seq = 2, .op = Op::kGet, .key = "k"}};
  auto bad = DecodeWriteBatch(EncodeWriteBatch(views));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("element 1"), std::string::npos) << bad.status().ToString();
  // More elements than kMaxWriteBatch.
  std::vector<WriteRequestView> many(kMaxWriteBatch + 1, views[0]);
  EXPECT_EQ(DecodeWriteBatch(EncodeWriteBatch(many)).status().code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace forkv
