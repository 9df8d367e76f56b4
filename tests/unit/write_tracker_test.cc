#include "store_worker/write_tracker.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

using namespace std::chrono_literals;

TEST(WriteTrackerTest, SeqsArePerShardAndStartAtOne) {
  WriteTracker t(2);
  SteadyTime now{};
  EXPECT_EQ(t.Add(0, Op::kPut, "a", "1", 10, 100, now).seq, 1u);
  EXPECT_EQ(t.Add(0, Op::kPut, "b", "2", 11, 101, now).seq, 2u);
  EXPECT_EQ(t.Add(1, Op::kPut, "c", "3", 12, 102, now).seq, 1u);
  EXPECT_EQ(t.PendingCount(), 3u);
  EXPECT_EQ(t.PendingOnShard(0), 2u);
}

TEST(WriteTrackerTest, CompleteReturnsInSeqOrderAndIgnoresUnknown) {
  WriteTracker t(1);
  SteadyTime now{};
  t.Add(0, Op::kPut, "a", "1", 1, 1, now);
  t.Add(0, Op::kDel, "a", "", 2, 2, now);
  t.Add(0, Op::kPut, "b", "2", 3, 3, now);
  auto done = t.Complete(0, {2, 1, 99});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].seq, 1u);
  EXPECT_EQ(done[1].seq, 2u);
  EXPECT_EQ(t.PendingCount(), 1u);
  EXPECT_TRUE(t.Complete(0, {1}).empty());  // duplicate ack after a resend
  EXPECT_EQ(t.PendingCount(), 1u);
}

TEST(WriteTrackerTest, PendingPerKeyCounts) {
  WriteTracker t(2);
  SteadyTime now{};
  t.Add(0, Op::kPut, "k", "1", 1, 1, now);
  t.Add(0, Op::kPut, "k", "2", 2, 2, now);
  EXPECT_EQ(t.PendingForKey("k"), 2);
  (void)t.Complete(0, {1});
  EXPECT_EQ(t.PendingForKey("k"), 1);
  (void)t.Complete(0, {2});
  EXPECT_EQ(t.PendingForKey("k"), 0);
}

TEST(WriteTrackerTest, StalledShardsAndResendInOrder) {
  WriteTracker t(2);
  SteadyTime t0{};
  t.Add(1, Op::kPut, "a", "1", 1, 1, t0);
  t.Add(1, Op::kPut, "b", "2", 2, 2, t0 + 1s);
  t.Add(0, Op::kPut, "c", "3", 3, 3, t0 + 3s);
  EXPECT_EQ(t.StalledShards(t0 + 3s, 2s), (std::vector<uint32_t>{1}));
  auto resend = t.MarkResend(1, t0 + 3s);
  ASSERT_EQ(resend.size(), 2u);
  EXPECT_EQ(resend[0]->key, "a");
  EXPECT_EQ(resend[1]->key, "b");
  EXPECT_TRUE(t.StalledShards(t0 + 4s, 2s).empty());  // restamped
}

// The store sleeps until its next deadline instead of polling (#14).
TEST(WriteTrackerTest, NextStallDeadlineIsTheOldestPendingWritePlusTheTimeout) {
  WriteTracker t(2);
  SteadyTime t0{};
  EXPECT_EQ(t.NextStallDeadline(2s), SteadyTime::max());
  t.Add(1, Op::kPut, "a", "1", 1, 1, t0 + 5s);
  t.Add(0, Op::kPut, "b", "2", 2, 2, t0 + 3s);
  t.Add(0, Op::kPut, "c", "3", 3, 3, t0 + 4s);
  EXPECT_EQ(t.NextStallDeadline(2s), t0 + 5s);  // shard 0's oldest, sent at 3 s
  (void)t.MarkResend(0, t0 + 6s);
  EXPECT_EQ(t.NextStallDeadline(2s), t0 + 7s);  // now shard 1's, sent at 5 s
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(WriteTrackerTest, AckAboveAGapSupersedesTheWritesBelow) {
  // seq 2's ack was lost but 3's arrived: 2 must never be resent after 3.
  WriteTracker t(1);
  SteadyTime now{};
  t.Add(0, Op::kPut, "k", "old", 1, 1, now);
  t.Add(0, Op::kPut, "k", "new", 2, 2, now);
  t.Add(0, Op::kPut, "z", "later", 3, 3, now);
  std::vector<PendingWrite> superseded;
  auto done = t.Complete(0, {2}, &superseded);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].value, "new");
  ASSERT_EQ(superseded.size(), 1u);
  EXPECT_EQ(superseded[0].value, "old");
  EXPECT_EQ(t.PendingForKey("k"), 0);
  auto resend = t.MarkResend(0, now);
  ASSERT_EQ(resend.size(), 1u);  // only the write above the ack is still pending
  EXPECT_EQ(resend[0]->key, "z");
}

}  // namespace
}  // namespace forkv
