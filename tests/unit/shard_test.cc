#include "shared/shard.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

// Fixed vectors: if these change, every existing data dir is misplaced.
TEST(ShardTest, StableAcrossBuildsAndMachines) {
  const char* keys[] = {"alice", "bob", "carol", "dave", "k1", "k2", "k3", "k4"};
  const std::vector<uint32_t> want2 = {0, 0, 1, 1, 1, 0, 1, 1};
  const std::vector<uint32_t> want3 = {2, 0, 0, 2, 1, 0, 0, 2};
  const std::vector<uint32_t> want8 = {6, 6, 3, 5, 7, 0, 7, 1};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(ShardFor("users", keys[i], 2), want2[i]) << keys[i];
    EXPECT_EQ(ShardFor("users", keys[i], 3), want3[i]) << keys[i];
    EXPECT_EQ(ShardFor("users", keys[i], 8), want8[i]) << keys[i];
  }
  EXPECT_EQ(StableKeyHash("users", "alice"), 0x0754e38480a8dc3eull);
}

TEST(ShardTest, StoreIsPartOfTheHash) {
  // "ab"+"c" and "a"+"bc" must not collide: the NUL separator keeps them apart.
  EXPECT_NE(StableKeyHash("ab", "c"), StableKeyHash("a", "bc"));
}

TEST(ShardTest, SingleShard) { EXPECT_EQ(ShardFor("s", "k", 1), 0u); }

TEST(ShardTest, SpreadsKeys) {
  std::vector<int> counts(4);
  for (int i = 0; i < 4000; ++i) ++counts[ShardFor("s", "key" + std::to_string(i), 4)];
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(ShardTest, StorageKeysArePrefixedByStoreAndNul) {
  EXPECT_EQ(StorageKey("a", "b"), std::string("a\0b", 3));
  EXPECT_EQ(StoragePrefix("ab"), std::string("ab\0", 3));
}

}  // namespace
}  // namespace forkv
