// Hostile input on the manager's internal sockets (database workers' and
// the backend ROUTER), found by their documented names in the test's private
// directory: m<pid>-be.sock and m<pid>-db<i>.sock. Nothing a stranger sends
// there may change data or kill a process. See hostile_input_test.cc.
#include <string>
#include <vector>

#include "tests/integration/hostile_input_fixture.h"

namespace forkv::test {
namespace {

using namespace hostile;

// ---- internal sockets ------------------------------------------------------------

TEST_F(HostileInputTest, GarbageToDatabaseWorkersChangesNothing) {
  std::vector<pid_t> db_pids = mgr_->DbPids();
  ASSERT_EQ(db_pids.size(), 2u);
  std::mt19937_64 rng(99);
  auto random_bytes = [&](size_t n) {
    std::string b(n, '\0');
    for (auto& ch : b) ch = static_cast<char>(rng());
    return b;
  };
  for (int shard = 0; shard < 2; ++shard) {
    SCOPED_TRACE("shard " + std::to_string(shard));
    std::string ep = DbEndpoint(shard);
    ASSERT_TRUE(std::filesystem::exists(IpcPath(ep))) << ep;
    zmq::socket_t s = Dealer(ep, {.routing_id = "hostile" + std::to_string(shard)});
    // Dropped silently (docs/protocol.md §10): wrong frame counts, unknown
    // tags, undecodable payloads, client requests on the internal socket.
    std::vector<std::vector<std::string>> dropped = {
        {random_bytes(50)},
        {"W"},
        {"W", ""},
        {"W", random_bytes(64)},
        {"W", "", ""},
        {"W",
         EncodeRequest(
             {.id = 1, .op = Op::kPut, .store = kStore, .key = SeedKey(10), .value = "CLOBBERED"})},
        {"W", RawArray({PStr(kStore), PUint(1), PUint(1), PUint(3), PBin(SeedKey(10)),
                        PBin("CLOBBERED")})},  // op get
        {"W", RawArray({PBin(kStore), PUint(1), PUint(1), PUint(2), PBin(SeedKey(10)),
                        PBin("CLOBBERED")})},  // bin store
        {"L", random_bytes(30)},
        {"L", RawArray({PStr(kStore), PStr("gen"), PUint(1)})},
        {"X", random_bytes(30)},
        {"X", RawArray({PStr(kStore), PUint(UINT64_MAX)})},  // 2 of 3 fields
        {"A", EncodeWriteAck({.seqs = {1}})},
        {"D", EncodeLoadChunk({.load_id = 1, .last = true})},
        {"x", EncodeDropAck({.drop_id = 1})},
        {"Q", EncodeTag(1), EncodeRequest({.id = 1, .op = Op::kPing})},
        {"C", EncodeJsonBody({{"type", "ping"}, {"seq", 1}})},
        {std::string(1000, 'W'), "x"},
    };
    for (int i = 0; i < 200; ++i) {
      dropped.push_back({std::string(1, "WLX"[rng() % 3]), random_bytes(1 + rng() % 100)});
    }
    for (const auto& frames : dropped) {
      std::vector<std::string_view> views(frames.begin(), frames.end());
      ASSERT_TRUE(SendFrames(s, views).ok());
    }
    // Decodable but invalid: each gets its documented error answer, and
    // none is applied (a seq-0 write to a real store included).
    ASSERT_TRUE(
        SendFrames(
            s,
            {"W",
             EncodeWriteRequest(
                 {.store = kStore, .gen = 1, .seq = 0, .key = SeedKey(10), .value = "CLOBBERED"})})
            .ok());
    auto ack = RecvWithin(s, kReplyWait);
    ASSERT_TRUE(ack.has_value()) << "no ack for a seq-0 write";
    ASSERT_EQ(ack->size(), 2u);
    EXPECT_EQ(View((*ack)[0]), "A");
    auto a = DecodeWriteAck(View((*ack)[1]));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->code, StatusCode::kInvalidArgument) << a->message;
    EXPECT_EQ(a->seqs, std::vector<uint64_t>{0});

    ASSERT_TRUE(
        SendFrames(s, {"W", EncodeWriteRequest(
                                {.store = "..", .gen = 1, .seq = 1, .key = "k", .value = "v"})})
            .ok());
    ack = RecvWithin(s, kReplyWait);
    ASSERT_TRUE(ack.has_value()) << "no ack for a write to store '..'";
    a = DecodeWriteAck(View((*ack)[1]));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->code, StatusCode::kInvalidArgument) << a->message;

    ASSERT_TRUE(
        SendFrames(s, {"L", EncodeLoadRequest({.store = "a/b", .gen = 1, .load_id = 7})}).ok());
    auto chunk = RecvWithin(s, kReplyWait);
    ASSERT_TRUE(chunk.has_value()) << "no answer to a load of store 'a/b'";
    ASSERT_EQ(chunk->size(), 2u);
    EXPECT_EQ(View((*chunk)[0]), "D");
    auto c = DecodeLoadChunk(View((*chunk)[1]));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->load_id, 7u);
    EXPECT_TRUE(c->last);
    EXPECT_TRUE(c->entries.empty());

    ASSERT_TRUE(SendFrames(s, {"X", EncodeDropRequest({.store = "", .drop_id = 8})}).ok());
    auto dack = RecvWithin(s, kReplyWait);
    ASSERT_TRUE(dack.has_value()) << "no answer to a drop of store ''";
    ASSERT_EQ(dack->size(), 2u);
    EXPECT_EQ(View((*dack)[0]), "x");
    auto d = DecodeDropAck(View((*dack)[1]));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->drop_id, 8u);
    EXPECT_EQ(d->code, StatusCode::kInvalidArgument) << d->message;

    EXPECT_FALSE(RecvWithin(s, 200ms).has_value()) << "a dropped message was answered";

    // Over the worker's frame limit: the connection is dropped.
    std::string big(kMaxRequestFrameBytes + 4096 + 1, 'W');
    ASSERT_TRUE(SendFrames(s, {"W", big}).ok());
  }
  EXPECT_EQ(mgr_->DbPids(), db_pids);
  ExpectAliveAndIntact("garbage to the database workers");
}

TEST_F(HostileInputTest, GarbageToManagerBackendChangesNothing) {
  std::string ep = BackendEndpoint();
  ASSERT_TRUE(std::filesystem::exists(IpcPath(ep))) << ep;
  std::mt19937_64 rng(5);
  auto random_bytes = [&](size_t n) {
    std::string b(n, '\0');
    for (auto& ch : b) ch = static_cast<char>(rng());
    return b;
  };
  // Routing ids no live child has: ZeroMQ's own, generation numbers that are
  // not running (or do not parse), other kinds.
  const std::vector<std::string> ids = {"",
                                        "s1",
                                        "d1",
                                        "s",
                                        "sx",
                                        "s-1",
                                        "d18446744073709551615",
                                        "d18446744073709551616",
                                        "m1",
                                        std::string(255, 's')};
  for (const auto& id : ids) {
    SCOPED_TRACE("routing id [" + Describe(id) + "]");
    zmq::socket_t s = Dealer(ep, {.routing_id = id});
    std::vector<std::vector<std::string>> frames = {
        {random_bytes(40)},
        {"R"},
        {"R", "short", "x"},
        {"R", EncodeTag(1)},
        {"R", EncodeTag(1), "x", "y"},
        {"C"},
        {"C", random_bytes(20)},
        {"C", ""},
        {"C", EncodeJsonBody({{"type", "ready"}, {"gen", 1}})},
        {"C", EncodeJsonBody({{"type", "hello"}, {"role", "db"}, {"shard", 0}, {"gen", 1}})},
        {"C", EncodeJsonBody({{"type", "pong"}, {"stats", {{"pid", "x"}}}})},
        {"C", EncodeJsonBody({{"nottype", 1}})},
        {"C", "x", "y"},
        {"Q", EncodeTag(1), EncodeRequest({.id = 1, .op = Op::kPing})},
        {"x", EncodeDropAck({.drop_id = 1})},
    };
    // Replies for tags that are not in flight (every request so far was
    // answered): dropped, never forwarded to a client.
    for (uint64_t tag = 0; tag < 200; ++tag) {
      frames.push_back({"R", EncodeTag(tag), EncodeReply({.id = 1, .message = "forged"})});
    }
    for (const auto& f : frames) {
      std::vector<std::string_view> views(f.begin(), f.end());
      ASSERT_TRUE(SendFrames(s, views).ok());
    }
    // The manager only sends to known children; nothing comes back.
    EXPECT_FALSE(RecvWithin(s, 100ms).has_value());
  }
  {
    // Over the backend's 64 MiB frame limit: the connection is dropped.
    zmq::socket_t s = Dealer(ep);
    std::string big(kMaxInternalFrameBytes + 1, 'R');
    ASSERT_TRUE(SendFrames(s, {"C", big}).ok());
    EXPECT_FALSE(RecvWithin(s, 500ms).has_value());
  }
  ExpectAliveAndIntact("garbage to the manager backend");
}

}  // namespace
}  // namespace forkv::test

namespace forkv::test {
namespace {

class EnvelopeLimitTest : public ForkvTest {};

TEST_F(EnvelopeLimitTest, OversizedEnvelopesAreDroppedAndServiceContinues) {
  ASSERT_EQ(mgr_->Cli({"put", "env", "k", "v"}).exit_code, 0);
  zmq::socket_t s = MakeSocket(ctx_, zmq::socket_type::dealer, {});
  s.connect(mgr_->endpoint());
  std::string get = EncodeRequest({.id = 9, .op = Op::kGet, .store = "env", .key = "k"});
  // 5 extra frames (6 with the routing id), then one 4 KB frame: no reply.
  ASSERT_TRUE(SendFrames(s, {"", "", "", "", "", get}).ok());
  ASSERT_TRUE(SendFrames(s, {std::string(4096, 'x'), get}).ok());
  // A normal request on the same socket is still answered, and only it.
  ASSERT_TRUE(SendFrames(s, {get}).ok());
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(5000)), 1);
  Frames reply;
  ASSERT_TRUE(RecvFrames(s, &reply).ok());
  ASSERT_EQ(reply.size(), 1u);
  auto r = DecodeReply(View(reply[0]));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->code, StatusCode::kOk);
  EXPECT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(300)), 0)
      << "an oversized envelope was answered";
  EXPECT_NE(mgr_->LogTail(100000).find("envelope"), std::string::npos);
}

}  // namespace
}  // namespace forkv::test
