#include <gtest/gtest.h>

#include "client_cli/suggest.h"

namespace forkv::cli {
namespace {

TEST(CliSuggestTest, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(EditDistance("get", "get"), 0u);
  EXPECT_EQ(EditDistance("gte", "get"), 1u);  // neighbours swapped
  EXPECT_EQ(EditDistance("ge", "get"), 1u);
  EXPECT_EQ(EditDistance("gett", "get"), 1u);
  EXPECT_EQ(EditDistance("pot", "put"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(CliSuggestTest, ClosestNameOnlyWhenNearEnough) {
  const std::vector<std::string> names = {"put", "get", "del", "keys", "stores", "status"};
  EXPECT_EQ(ClosestName("gte", names), "get");
  EXPECT_EQ(ClosestName("stors", names), "stores");
  EXPECT_EQ(ClosestName("statsu", names), "status");
  EXPECT_EQ(ClosestName("kyes", names), "keys");
  EXPECT_EQ(ClosestName("x", names), std::nullopt);  // one letter is nobody's typo
  EXPECT_EQ(ClosestName("frobnicate", names), std::nullopt);
  EXPECT_EQ(ClosestName("pet", names), "put");  // put and get tie: the first
}

}  // namespace
}  // namespace forkv::cli
