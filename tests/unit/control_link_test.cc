#include "shared/control_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "shared/codec.h"
#include "tests/support/harness.h"

namespace forkv {
namespace {

using test::RecvWithin;

using std::chrono::milliseconds;

class ControlLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_ = MakeSocket(ctx_, zmq::socket_type::router, {.router_mandatory = true});
    router_.bind(kEndpoint);
  }

  static constexpr const char* kEndpoint = "inproc://control-link-test";
  zmq::context_t ctx_{1};
  zmq::socket_t router_;
};

TEST_F(ControlLinkTest, SendsTypedMessagesWithTheChildsRoutingId) {
  auto link = ControlLink::Connect(ctx_, kEndpoint, ChildRole::kDb, 42);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_TRUE(link->connected());
  EXPECT_EQ(link->routing_id(), "d42");
  HelloMsg hello{.role = ChildRole::kDb, .gen = 42, .pid = 7, .shard = 3};
  ASSERT_TRUE(link->Send(hello).ok());

  auto got = RecvWithin(router_);
  ASSERT_TRUE(got.has_value()) << "the manager side received nothing";
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ(View((*got)[0]), "d42");
  EXPECT_EQ(View((*got)[1]), "C");
  // The map itself, as any reader of the old untyped format sees it.
  auto map = DecodeControlMap(View((*got)[2]));
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ((*map)["type"], "hello");
  EXPECT_EQ((*map)["role"], "db");
  EXPECT_EQ((*map)["shard"], 3);
  auto typed = DecodeControlMessage(View((*got)[2]));
  ASSERT_TRUE(typed.ok()) << typed.status().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*typed), hello);
}

TEST_F(ControlLinkTest, ReceivesAndDecodesControlMessagesFromTheManager) {
  auto link = ControlLink::Connect(ctx_, kEndpoint, ChildRole::kStore, 9);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  // The router learns the routing id from the first message.
  ASSERT_TRUE(link->Send(PongMsg{.seq = 0, .gen = 9}).ok());
  ASSERT_TRUE(RecvWithin(router_).has_value());

  std::string ping = EncodeControlMessage(PingMsg{.seq = 77});
  ASSERT_TRUE(SendFrames(router_, {"s9", "C", ping}).ok());
  ASSERT_TRUE(SendFrames(router_, {"s9", "Q", "tag", "request"}).ok());
  ASSERT_TRUE(SendFrames(router_, {"s9", "C", "\xc1"}).ok());

  Frames frames;
  auto wait_for_message = [&]() {
    zmq::pollitem_t item{link->socket().handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_GT(zmq::poll(&item, 1, milliseconds(5000)), 0);
    auto got = link->Receive(&frames);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got);
  };
  wait_for_message();
  auto msg = DecodeControlFrames(frames);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  ASSERT_TRUE(std::holds_alternative<PingMsg>(*msg));
  EXPECT_EQ(std::get<PingMsg>(*msg).seq, 77u);

  wait_for_message();
  ASSERT_EQ(frames.size(), 3u);  // a request: not a control message
  auto not_control = DecodeControlFrames(frames);
  EXPECT_EQ(not_control.status().code(), StatusCode::kMalformed);

  wait_for_message();
  auto bad = DecodeControlFrames(frames);
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformed) << bad.status().ToString();

  // Nothing else is waiting.
  auto none = link->Receive(&frames);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  EXPECT_TRUE(frames.empty());
}

TEST(ControlLinkFramesTest, DecodeControlFramesChecksTheShape) {
  auto frames_of = [](std::initializer_list<std::string> parts) {
    Frames f;
    for (const auto& p : parts) f.emplace_back(p.data(), p.size());
    return f;
  };
  std::string ping = EncodeControlMessage(PingMsg{.seq = 1});
  EXPECT_TRUE(DecodeControlFrames(frames_of({"C", ping})).ok());
  EXPECT_FALSE(DecodeControlFrames(frames_of({})).ok());
  EXPECT_FALSE(DecodeControlFrames(frames_of({"C"})).ok());
  EXPECT_FALSE(DecodeControlFrames(frames_of({"R", ping})).ok());
  EXPECT_FALSE(DecodeControlFrames(frames_of({"C", ping, ping})).ok());
  EXPECT_FALSE(DecodeControlFrames(frames_of({"CC", ping})).ok());
}

TEST(ControlLinkUnconnectedTest, FailsCleanly) {
  ControlLink link;
  EXPECT_FALSE(link.connected());
  EXPECT_EQ(link.Send(PingMsg{.seq = 1}).code(), StatusCode::kUnavailable);
  Frames frames;
  auto got = link.Receive(&frames);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(*got);

  zmq::context_t ctx(1);
  auto bad = ControlLink::Connect(ctx, "nonsense://x", ChildRole::kHttp, 1);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
}

}  // namespace
}  // namespace forkv
