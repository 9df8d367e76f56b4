#include "shared/zsock.h"

#include <gtest/gtest.h>

#include <string>
#include <zmq.hpp>

namespace forkv {
namespace {

TEST(ZsockTest, MessageFromStringTakesTheBufferWithoutCopying) {
  std::string payload(1 << 20, 'v');
  payload[12345] = 'x';
  const char* buffer = payload.data();
  zmq::message_t msg = MessageFromString(std::move(payload));
  EXPECT_EQ(static_cast<const char*>(msg.data()), buffer);  // the same bytes, not a copy
  ASSERT_EQ(msg.size(), size_t{1} << 20);
  EXPECT_EQ(static_cast<const char*>(msg.data())[12345], 'x');
}

TEST(ZsockTest, OwnedMessagesArriveIntactAndAreFreed) {
  zmq::context_t ctx(1);
  zmq::socket_t in = MakeSocket(ctx, zmq::socket_type::pair, {});
  zmq::socket_t out = MakeSocket(ctx, zmq::socket_type::pair, {});
  in.bind("inproc://zsock-test");
  out.connect("inproc://zsock-test");
  std::string big(4 << 20, '\0');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  std::string expected = big;
  Frames frames;
  frames.emplace_back("W", 1);
  frames.push_back(MessageFromString(std::move(big)));
  frames.push_back(MessageFromString(std::string()));  // empty is fine too
  ASSERT_TRUE(SendMessages(out, frames).ok());
  Frames got;
  auto r = RecvFrames(in, &got, /*wait=*/true);
  ASSERT_TRUE(r.ok() && *r);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(View(got[0]), "W");
  EXPECT_TRUE(View(got[1]) == expected);
  EXPECT_EQ(got[2].size(), 0u);
  // Unsent owned messages are freed by their destructors (ASan checks the rest).
  zmq::message_t unsent = MessageFromString(std::string(1000, 'u'));
  EXPECT_EQ(unsent.size(), 1000u);
}

}  // namespace
}  // namespace forkv
