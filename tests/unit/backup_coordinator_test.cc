// The backup machine (manager/backup_coordinator.h) and a worker's hold
// (db_worker/backup_hold.h).
#include "manager/backup_coordinator.h"

#include <gtest/gtest.h>

#include "db_worker/backup_hold.h"

namespace forkv {
namespace {

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1);

DropAck Ok(uint64_t id) { return DropAck{id, StatusCode::kOk, ""}; }

std::set<uint32_t> Shards(const std::vector<std::pair<uint32_t, BackupStep>>& steps) {
  std::set<uint32_t> out;
  for (const auto& [shard, step] : steps) out.insert(shard);
  return out;
}

TEST(BackupCoordinatorTest, HoldsEverySnapshotsThenCheckpointsEvery) {
  BackupCoordinator b(3, Millis(30000), Millis(60000));
  BackupActions a = b.Begin(7, 70, "/b", kT0);
  ASSERT_EQ(Shards(a.hold), (std::set<uint32_t>{0, 1, 2}));
  const uint64_t id = a.hold[0].second.backup_id;
  EXPECT_EQ(a.hold[0].second.hold_ms, 30000u);
  EXPECT_TRUE(b.running());
  EXPECT_TRUE(b.Begin(8, 80, "/c", kT0).hold.empty());  // one at a time
  EXPECT_FALSE(b.OnHeld(0, Ok(id)).snapshot);
  EXPECT_FALSE(b.OnHeld(0, Ok(id)).snapshot);  // a repeated answer counts once
  EXPECT_FALSE(b.OnHeld(1, Ok(id)).snapshot);
  EXPECT_TRUE(b.OnCheckpointed(1, Ok(id)).checkpoint.empty());  // not in that phase yet
  a = b.OnHeld(2, Ok(id));
  ASSERT_TRUE(a.snapshot);  // every worker held: the catalogue now
  a = b.Snapshotted(Status::Ok());
  ASSERT_EQ(Shards(a.checkpoint), (std::set<uint32_t>{0, 1, 2}));
  EXPECT_EQ(a.checkpoint[1].second.dir, "/b/shard-1");
  EXPECT_FALSE(b.OnCheckpointed(0, Ok(id)).done);
  EXPECT_FALSE(b.OnCheckpointed(2, Ok(id)).done);
  EXPECT_FALSE(b.OnCheckpointed(2, Ok(id + 1)).done);  // another backup's answer
  a = b.OnCheckpointed(1, Ok(id));
  ASSERT_TRUE(a.done);
  EXPECT_TRUE(a.done->status.ok());
  EXPECT_EQ(a.done->handle, 7u);
  EXPECT_EQ(a.done->request_id, 70u);
  EXPECT_EQ(a.done->dir, "/b");
  EXPECT_TRUE(a.checkpoint.empty());  // everyone released by their checkpoint
  EXPECT_FALSE(b.running());
  // The next backup has a new id.
  a = b.Begin(9, 90, "/d", kT0);
  EXPECT_GT(a.hold[0].second.backup_id, id);
}

TEST(BackupCoordinatorTest, AFailedHoldReleasesTheHeldAndAnswersTheError) {
  BackupCoordinator b(3, Millis(30000), Millis(60000));
  const uint64_t id = b.Begin(1, 10, "/b", kT0).hold[0].second.backup_id;
  b.OnHeld(0, Ok(id));
  b.OnHeld(2, Ok(id));
  BackupActions a = b.OnHeld(1, DropAck{id, StatusCode::kUnavailable, "busy"});
  ASSERT_TRUE(a.done);
  EXPECT_EQ(a.done->status.code(), StatusCode::kUnavailable);
  EXPECT_NE(a.done->status.message().find("shard 1"), std::string::npos);
  EXPECT_EQ(Shards(a.checkpoint), (std::set<uint32_t>{0, 2}));  // released, shard 1 never held
  for (const auto& [shard, step] : a.checkpoint) EXPECT_EQ(step.dir, "") << shard;
  EXPECT_FALSE(b.running());
}

TEST(BackupCoordinatorTest, ARestartedWorkerOrTheDeadlineFailsIt) {
  BackupCoordinator b(2, Millis(30000), Millis(60000));
  uint64_t id = b.Begin(1, 10, "/b", kT0).hold[0].second.backup_id;
  b.OnHeld(0, Ok(id));
  b.OnHeld(1, Ok(id));
  b.Snapshotted(Status::Ok());
  b.OnCheckpointed(0, Ok(id));  // shard 0 is done and released
  BackupActions a = b.OnShardRestarted(1);
  ASSERT_TRUE(a.done);
  EXPECT_FALSE(a.done->status.ok());
  EXPECT_TRUE(a.checkpoint.empty());  // shard 1 lost its hold with its process

  id = b.Begin(2, 20, "/c", kT0).hold[0].second.backup_id;
  b.OnHeld(1, Ok(id));
  EXPECT_FALSE(b.Expire(kT0 + Millis(59999)).done);
  a = b.Expire(kT0 + Millis(60000));
  ASSERT_TRUE(a.done);
  EXPECT_EQ(a.done->status.code(), StatusCode::kTimeout);
  EXPECT_EQ(Shards(a.checkpoint), (std::set<uint32_t>{1}));
  EXPECT_EQ(b.NextDeadline(), SteadyTime::max());

  id = b.Begin(3, 30, "/e", kT0).hold[0].second.backup_id;
  b.OnHeld(0, Ok(id));
  b.OnHeld(1, Ok(id));
  a = b.Snapshotted(Status::IoError("disk full"));
  ASSERT_TRUE(a.done);
  EXPECT_EQ(a.done->status.code(), StatusCode::kIoError);
  EXPECT_EQ(Shards(a.checkpoint), (std::set<uint32_t>{0, 1}));
}

Frames Message(const std::string& bytes) {
  Frames f;
  f.emplace_back(bytes.data(), bytes.size());
  return f;
}

TEST(BackupHoldTest, KeepsInOrderWithinItsBound) {
  BackupHold hold(/*max_bytes=*/10);
  EXPECT_FALSE(hold.held());
  hold.Begin(5, kT0);
  EXPECT_TRUE(hold.held());
  EXPECT_EQ(hold.id(), 5u);
  EXPECT_TRUE(hold.Keep(Message("abcd")));
  EXPECT_TRUE(hold.Keep(Message("efghij")));  // 10 bytes: at the bound
  EXPECT_FALSE(hold.Keep(Message("k")));      // past it: the hold must end
  std::deque<Frames> kept = hold.Release();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0][0].to_string(), "abcd");
  EXPECT_EQ(kept[2][0].to_string(), "k");
  EXPECT_FALSE(hold.held());
  hold.Begin(6, kT0);
  EXPECT_TRUE(hold.Keep(Message("0123456789")));  // the count starts again
}

}  // namespace
}  // namespace forkv
