#include "manager/drop_coordinator.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

using namespace std::chrono_literals;

DropAck Ack(DropId id, StatusCode code = StatusCode::kOk, std::string message = "") {
  return {.drop_id = id, .code = code, .message = std::move(message)};
}

class DropTest : public ::testing::Test {
 protected:
  DropCoordinator drops_{3, 30000ms};
  SteadyTime now_ = SteadyTime{} + 1h;
};

TEST_F(DropTest, BeginAsksEveryShardWithTheFence) {
  auto sent = drops_.Begin(9, 70, "users", /*fence_gen=*/500, now_);
  ASSERT_EQ(sent.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sent[i].shard, i);
    EXPECT_EQ(sent[i].request.store, "users");
    EXPECT_EQ(sent[i].request.fence_gen, 500u);
    EXPECT_EQ(sent[i].request.drop_id, 9u);
  }
  EXPECT_TRUE(drops_.IsDropping("users"));
  EXPECT_FALSE(drops_.IsDropping("orders"));
  EXPECT_DEATH(drops_.Begin(10, 71, "users", 501, now_), "");
}

TEST_F(DropTest, DoneOnlyWhenEveryShardAckedAndTheProcessIsGone) {
  (void)drops_.Begin(9, 70, "users", 500, now_);
  EXPECT_FALSE(drops_.OnAck(0, Ack(9)));
  EXPECT_FALSE(drops_.OnAck(0, Ack(9)));  // a repeated ack counts once
  EXPECT_FALSE(drops_.OnAck(1, Ack(9)));
  EXPECT_FALSE(drops_.OnStoreRemoved("users"));
  EXPECT_FALSE(drops_.OnAck(1, Ack(77)));  // unknown drop
  auto done = drops_.OnAck(2, Ack(9));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->id, 9u);
  EXPECT_EQ(done->request_id, 70u);
  EXPECT_EQ(done->store, "users");
  EXPECT_TRUE(done->status.ok());
  EXPECT_FALSE(drops_.IsDropping("users"));
  EXPECT_EQ(drops_.size(), 0u);
}

TEST_F(DropTest, ProcessGoneFirstThenAcks) {
  (void)drops_.Begin(9, 70, "users", 500, now_);
  EXPECT_FALSE(drops_.OnStoreRemoved("users"));
  EXPECT_FALSE(drops_.OnStoreRemoved("nobody"));
  EXPECT_FALSE(drops_.OnAck(0, Ack(9)));
  EXPECT_FALSE(drops_.OnAck(1, Ack(9, StatusCode::kIoError, "disk full")));
  auto done = drops_.OnAck(2, Ack(9, StatusCode::kInternal, "later"));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status.code(), StatusCode::kIoError);  // the first error
  EXPECT_EQ(done->status.message(), "disk full");
}

TEST_F(DropTest, ARestartedShardIsAskedAgainForWhatItOwes) {
  (void)drops_.Begin(9, 70, "a", 500, now_);
  (void)drops_.Begin(10, 71, "b", 501, now_);
  EXPECT_FALSE(drops_.OnAck(1, Ack(9)));
  auto again = drops_.OnShardUp(1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].request.store, "b");
  EXPECT_EQ(again[0].shard, 1u);
  EXPECT_EQ(drops_.OnShardUp(0).size(), 2u);
}

TEST_F(DropTest, UnconfirmedDropsTimeOut) {
  (void)drops_.Begin(9, 70, "a", 500, now_);
  EXPECT_EQ(drops_.NextDeadline(), now_ + 30000ms);
  EXPECT_TRUE(drops_.Expire(now_ + 29999ms).empty());
  auto expired = drops_.Expire(now_ + 30000ms);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].status.code(), StatusCode::kTimeout);
  EXPECT_EQ(expired[0].status.message(), "drop of 'a' not confirmed by every database worker");
  EXPECT_FALSE(drops_.IsDropping("a"));
  EXPECT_EQ(drops_.NextDeadline(), SteadyTime::max());
  EXPECT_FALSE(drops_.OnAck(0, Ack(9)));  // a late ack is ignored
}

TEST_F(DropTest, ShutdownAnswersEveryDrop) {
  (void)drops_.Begin(9, 70, "a", 500, now_);
  (void)drops_.Begin(10, 71, "b", 501, now_);
  auto failed = drops_.FailAll(Status::Unavailable("shutting down"));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[1].store, "b");
  EXPECT_EQ(failed[1].status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(drops_.size(), 0u);
  EXPECT_FALSE(drops_.IsDropping("a"));
}

}  // namespace
}  // namespace forkv
