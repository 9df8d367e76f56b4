// The idle-store order the manager hibernates and evicts by.
#include "manager/idle_stores.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

using namespace std::chrono_literals;

TEST(IdleStoresTest, OldestIdleFirstAndMarkingAgainMovesToTheEnd) {
  IdleStores idle;
  SteadyTime t0 = SteadyTime{} + 1h;
  EXPECT_FALSE(idle.Oldest().has_value());
  EXPECT_EQ(idle.NextExpiry(600000ms), SteadyTime::max());
  idle.MarkIdle("a", t0);
  idle.MarkIdle("b", t0 + 1ms);
  idle.MarkIdle("c", t0 + 2ms);
  ASSERT_TRUE(idle.Oldest().has_value());
  EXPECT_EQ(idle.Oldest()->store, "a");
  EXPECT_EQ(idle.NextExpiry(100ms), t0 + 100ms);
  idle.MarkIdle("a", t0 + 3ms);  // busy and idle again: now the youngest
  EXPECT_EQ(idle.Oldest()->store, "b");
  EXPECT_EQ(idle.size(), 3u);
  idle.Remove("b");
  idle.Remove("nope");
  EXPECT_EQ(idle.Oldest()->store, "c");
  EXPECT_EQ(idle.NextExpiry(100ms), t0 + 102ms);
  EXPECT_TRUE(idle.Contains("a"));
  EXPECT_FALSE(idle.Contains("b"));
  EXPECT_EQ(idle.NextExpiry(0ms), SteadyTime::max());  // 0 = never
  idle.Remove("c");
  idle.Remove("a");
  EXPECT_EQ(idle.size(), 0u);
  EXPECT_FALSE(idle.Oldest().has_value());
}

}  // namespace
}  // namespace forkv
