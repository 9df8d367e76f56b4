#include "manager/rename_table.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(RenameTableTest, BothNamesAreTakenUntilFinished) {
  RenameTable t;
  EXPECT_TRUE(t.empty());
  Rename& r = t.Begin("users", "people");
  EXPECT_EQ(r.phase, Rename::Phase::kStopping);
  EXPECT_FALSE(r.recorded);
  EXPECT_EQ(t.Involving("users"), &r);
  EXPECT_EQ(t.Involving("people"), &r);
  EXPECT_EQ(t.ByTo("people"), &r);
  EXPECT_EQ(t.ByTo("users"), nullptr);  // the old name is no rename's target
  EXPECT_EQ(t.Involving("orders"), nullptr);
  t.Begin("orders", "sales");
  EXPECT_EQ(t.Names(), (Renames{{"orders", "sales"}, {"users", "people"}}));
  t.Finish("users");
  EXPECT_EQ(t.Involving("users"), nullptr);
  EXPECT_EQ(t.Involving("people"), nullptr);
  EXPECT_EQ(t.Names(), (Renames{{"orders", "sales"}}));
  t.Finish("nobody");  // ignored
  EXPECT_FALSE(t.empty());
}

TEST(RenameTableTest, OnlyTheCopyPhasesStartTheNewStoreWithCopyFrom) {
  Rename r{.from = "a", .to = "b"};
  EXPECT_FALSE(CopiesFrom(r));  // stopping: not started at all
  r.phase = Rename::Phase::kCopying;
  EXPECT_TRUE(CopiesFrom(r));
  r.phase = Rename::Phase::kSyncing;
  EXPECT_TRUE(CopiesFrom(r));
  r.phase = Rename::Phase::kRecording;  // `rename` not durable yet: a restart copies again
  EXPECT_TRUE(CopiesFrom(r));
  r.phase = Rename::Phase::kDropping;  // recorded: the new store loads its own keys
  EXPECT_FALSE(CopiesFrom(r));
}

TEST(RenameTableTest, ASyncAnswerFindsOnlyItsSyncingRename) {
  RenameTable t;
  Rename& r = t.Begin("a", "b");
  r.sync_id = 7;
  EXPECT_EQ(t.BySyncId(7), nullptr);  // not syncing yet
  r.phase = Rename::Phase::kSyncing;
  EXPECT_EQ(t.BySyncId(7), &r);
  EXPECT_EQ(t.BySyncId(8), nullptr);
}

TEST(RenameTableDeathTest, ANameInARenameCannotBeginAnother) {
  RenameTable t;
  t.Begin("a", "b");
  EXPECT_DEATH(t.Begin("b", "c"), "");
  EXPECT_DEATH(t.Begin("c", "a"), "");
}

}  // namespace
}  // namespace forkv
