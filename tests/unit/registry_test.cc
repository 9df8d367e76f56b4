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
  EXPECT_EQ(Registry::GenFromRoutingId("h9"), 9u);
  EXPECT_EQ(Registry::GenFromRoutingId("x7"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId("s"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId("s12a"), 0u);
  EXPECT_EQ(Registry::GenFromRoutingId(""), 0u);
}

TEST(RegistryTest, HttpGatewayIsOptionalAndFoundByPidAndGen) {
  Registry r(1);
  EXPECT_EQ(r.http(), nullptr);
  r.EnableHttp();
  ASSERT_NE(r.http(), nullptr);
  EXPECT_EQ(r.http()->kind, ChildKind::kHttp);
  EXPECT_EQ(r.http()->name, "http");
  r.Attach(r.http(), 4242, 77);
  EXPECT_EQ(r.FindByPid(4242), r.http());
  EXPECT_EQ(r.FindByGen(77), r.http());
  EXPECT_EQ(std::string(1, RoutingPrefix(ChildKind::kHttp)) + "77", "h77");
  EXPECT_STREQ(ChildKindName(ChildKind::kHttp), "http");
}

}  // namespace
}  // namespace forkv
