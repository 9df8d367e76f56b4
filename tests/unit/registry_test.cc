#include "manager/registry.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(RegistryTest, GetOrCreateIsIdempotent) {
  Registry r(2);
  auto [a, created_a] = r.GetOrCreateStore("users");
  auto [b, created_b] = r.GetOrCreateStore("users");
  EXPECT_TRUE(created_a);
  EXPECT_FALSE(created_b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(r.stores().size(), 1u);
  EXPECT_EQ(r.FindStore("nobody"), nullptr);
}

TEST(RegistryTest, DbWorkersAreNamedByShard) {
  Registry r(3);
  ASSERT_EQ(r.db_workers().size(), 3u);
  EXPECT_EQ(r.db_workers()[2].name, "db-2");
  EXPECT_EQ(r.db_workers()[2].kind, ChildKind::kDb);
}

TEST(RegistryTest, AttachIndexesByPidAndGenAndDetachForgetsPid) {
  Registry r(1);
  Child* s = r.GetOrCreateStore("s").first;
  r.Attach(s, 100, 5);
  EXPECT_EQ(r.FindByPid(100), s);
  EXPECT_EQ(r.FindByGen(5), s);
  r.Attach(s, 101, 6);  // restarted: new pid and generation
  EXPECT_EQ(r.FindByPid(100), nullptr);
  EXPECT_EQ(r.FindByGen(5), nullptr);
  EXPECT_EQ(r.FindByGen(6), s);
  r.Detach(s);
  EXPECT_EQ(r.FindByPid(101), nullptr);
  EXPECT_EQ(s->pid, 0);
  EXPECT_EQ(r.LiveProcesses(), 0u);
}

TEST(RegistryTest, RemoveStoreDropsIndexes) {
  Registry r(1);
  Child* s = r.GetOrCreateStore("s").first;
  r.Attach(s, 100, 5);
  r.RemoveStore("s");
  EXPECT_EQ(r.FindStore("s"), nullptr);
  EXPECT_EQ(r.FindByPid(100), nullptr);
  EXPECT_EQ(r.FindByGen(5), nullptr);
}

TEST(RegistryTest, RoutingIds) {
  EXPECT_EQ(Registry::GenFromRoutingId("s123"), 123u);
  EXPECT_EQ(Registry::GenFromRoutingId("d7"), 7u);
  EXPECT_EQ(Registry::GenFromRoutingId("x7"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId("s"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId("s12a"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId(""), 0u);
}

}  // namespace
}  // namespace forkv
