#include "manager/data_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace forkv {
namespace {

const std::string kDir = "/d";

DataDirContents Initialised(uint32_t shards, Catalogue catalogue = {.stores = {"users"}}) {
  DataDirContents c{.format_shards = shards, .catalogue = std::move(catalogue)};
  for (uint32_t i = 0; i < shards; ++i) c.shard_dirs.insert(i);
  return c;
}

std::string Refusal(const DataDirContents& c, uint32_t shards) {
  auto plan = PlanDataDir(kDir, c, shards);
  EXPECT_FALSE(plan.ok());
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), StatusCode::kMalformed) << plan.status().message();
  return plan.status().message();
}

TEST(PlanDataDirTest, OnlyAFreshDirectoryIsInitialised) {
  auto plan = PlanDataDir(kDir, DataDirContents{}, 3);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->initialise);
  EXPECT_EQ(plan->create_shard, (std::vector<bool>{true, true, true}));

  plan = PlanDataDir(kDir, Initialised(2), 2);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_FALSE(plan->initialise);
  EXPECT_EQ(plan->create_shard, (std::vector<bool>{false, false}));
}

// Item 1 of the hardening issue: FORMAT removed, started with another count.
TEST(PlanDataDirTest, ShardsOrCatalogueWithoutFormatAreRefused) {
  DataDirContents c = Initialised(2);
  c.format_shards.reset();
  for (uint32_t n : {1u, 2u, 3u}) {
    std::string why = Refusal(c, n);
    EXPECT_NE(why.find("no FORMAT"), std::string::npos) << why;
    EXPECT_NE(why.find("shard-0, shard-1"), std::string::npos) << why;
    EXPECT_NE(why.find("--repair"), std::string::npos) << why;
  }
  DataDirContents only_catalogue{.catalogue = Catalogue{}};
  EXPECT_NE(Refusal(only_catalogue, 2).find("a catalogue"), std::string::npos);
  DataDirContents only_shard{.shard_dirs = {1}};
  EXPECT_NE(Refusal(only_shard, 2).find("shard-1"), std::string::npos);
}

TEST(PlanDataDirTest, AnotherShardCountIsRefused) {
  auto plan = PlanDataDir(kDir, Initialised(2), 3);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("--db-workers 2"), std::string::npos);
}

// Item 3: the catalogue lost.
TEST(PlanDataDirTest, MissingCatalogueIsRefused) {
  DataDirContents c = Initialised(2);
  c.catalogue.reset();
  EXPECT_NE(Refusal(c, 2).find("/d/catalogue is missing"), std::string::npos);
}

// Item 2: a shard deleted.
TEST(PlanDataDirTest, MissingShardIsRefusedWhileStoresExist) {
  DataDirContents c = Initialised(2);
  c.shard_dirs.erase(0);
  std::string why = Refusal(c, 2);
  EXPECT_NE(why.find("/d/shard-0 is missing"), std::string::npos) << why;
  EXPECT_NE(why.find("--repair"), std::string::npos) << why;
  // A dropping store may still have keys there too.
  c.catalogue = Catalogue{.dropping = {"old"}};
  EXPECT_FALSE(PlanDataDir(kDir, c, 2).ok());
}

TEST(PlanDataDirTest, ShardsAreCreatedWhenNoStoreExists) {
  DataDirContents c = Initialised(3, Catalogue{});
  c.shard_dirs.erase(1);
  auto plan = PlanDataDir(kDir, c, 3);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->create_shard, (std::vector<bool>{true, true, true}));
}

// A first start stopped before every worker created its shard, though a
// store was already named: FORMAT still carries its mark, so the shards may
// be created (no key can be on a shard that never existed).
TEST(PlanDataDirTest, AnInterruptedFirstStartMayCreateItsShards) {
  DataDirContents c = Initialised(2);
  c.shard_dirs = {0};
  c.initialising = true;
  auto plan = PlanDataDir(kDir, c, 2);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->initialising);
  EXPECT_EQ(plan->create_shard, (std::vector<bool>{true, true}));
  c.initialising = false;
  EXPECT_FALSE(PlanDataDir(kDir, c, 2).ok());
}

TEST(PlanDataDirTest, ShardBeyondFormatIsRefused) {
  DataDirContents c = Initialised(2);
  c.shard_dirs.insert(2);
  EXPECT_NE(Refusal(c, 2).find("/d/shard-2 is not one of the 2 shards"), std::string::npos);
}

TEST(ShardIndexTest, OnlyCanonicalNames) {
  EXPECT_EQ(ShardIndex("shard-0"), 0u);
  EXPECT_EQ(ShardIndex("shard-12"), 12u);
  for (const char* bad : {"shard-", "shard-01", "shard-1x", "shard--1", "shards-1", "LOCK"}) {
    EXPECT_FALSE(ShardIndex(bad).has_value()) << bad;
  }
}

class DataDirFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fkv-dd-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DataDirFilesTest, InspectSeesFormatCatalogueAndShards) {
  auto empty = InspectDataDir(dir_);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_FALSE(empty->format_shards.has_value());
  EXPECT_FALSE(empty->catalogue.has_value());
  EXPECT_TRUE(empty->shard_dirs.empty());

  ASSERT_TRUE(WriteFormat(dir_, 2).ok());
  ASSERT_TRUE(SaveCatalogue(CataloguePath(dir_), Catalogue{.stores = {"users"}}).ok());
  std::filesystem::create_directory(ShardDir(dir_, 1));
  std::ofstream(dir_ + "/shard-0") << "a file, not a shard";
  auto c = InspectDataDir(dir_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->format_shards, 2u);
  EXPECT_EQ(c->catalogue->stores, (std::set<std::string>{"users"}));
  EXPECT_EQ(c->shard_dirs, (std::set<uint32_t>{1}));
}

TEST_F(DataDirFilesTest, FormatCarriesItsInitialisingMark) {
  ASSERT_TRUE(WriteFormat(dir_, 3, /*initialising=*/true).ok());
  auto f = ReadFormat(dir_);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->shards, 3u);
  EXPECT_TRUE((*f)->initialising);
  ASSERT_TRUE(WriteFormat(dir_, 3).ok());
  EXPECT_FALSE((*ReadFormat(dir_))->initialising);
  std::ofstream(dir_ + "/FORMAT") << "forkv-data 1\nshards 3\nsomething\n";
  EXPECT_EQ(ReadFormat(dir_).status().code(), StatusCode::kMalformed);
}

TEST_F(DataDirFilesTest, DamagedFilesAreErrors) {
  std::ofstream(dir_ + "/FORMAT") << "hello\n";
  EXPECT_EQ(InspectDataDir(dir_).status().code(), StatusCode::kMalformed);
  std::ofstream(dir_ + "/FORMAT") << "forkv-data 99\nshards 2\n";
  EXPECT_EQ(InspectDataDir(dir_).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(WriteFormat(dir_, 2).ok());
  std::ofstream(CataloguePath(dir_)) << "forkv-catalogue 1\norders\nuse";
  auto c = InspectDataDir(dir_);
  EXPECT_EQ(c.status().code(), StatusCode::kMalformed);
  EXPECT_NE(c.status().message().find("--repair"), std::string::npos) << c.status().message();
}

TEST_F(DataDirFilesTest, LockIsExclusive) {
  auto first = LockDataDir(dir_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(LockDataDir(dir_).status().code(), StatusCode::kUnavailable);
  *first = UniqueFd();
  EXPECT_TRUE(LockDataDir(dir_).ok());
}

}  // namespace
}  // namespace forkv
