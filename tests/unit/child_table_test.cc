#include "manager/child_table.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(ChildTableTest, StoresAreAddedOnceAndFoundByName) {
  ChildTable t(2, /*http=*/false);
  Child* a = t.AddStore("users");
  EXPECT_EQ(t.FindStore("users"), a);
  EXPECT_EQ(a->kind, ChildRole::kStore);
  EXPECT_EQ(a->gen, 0u);
  EXPECT_EQ(t.stores().size(), 1u);
  EXPECT_EQ(t.FindStore("nobody"), nullptr);
  EXPECT_DEATH(t.AddStore("users"), "");
}

TEST(ChildTableTest, DbWorkersAreNamedByShard) {
  ChildTable t(3, false);
  ASSERT_EQ(t.dbs().size(), 3u);
  EXPECT_EQ(t.dbs()[2].name, "db-2");
  EXPECT_EQ(t.dbs()[2].shard, 2u);
  EXPECT_EQ(t.dbs()[2].kind, ChildRole::kDb);
  EXPECT_EQ(t.http(), nullptr);
}

TEST(ChildTableTest, AttachIndexesPidAndGenAndSetsTheRoutingId) {
  ChildTable t(1, false);
  Child* s = t.AddStore("s");
  t.Attach(s, 100, 5);
  EXPECT_EQ(t.FindByPid(100), s);
  EXPECT_EQ(t.FindByGen(5), s);
  EXPECT_EQ(s->routing_id, "p100");  // a store's: its pid
  EXPECT_EQ(t.FindByRoutingId("p100"), s);
  t.Detach(100);  // reaped: the pid is gone, the generation stays current
  EXPECT_EQ(t.FindByPid(100), nullptr);
  EXPECT_EQ(t.FindByGen(5), s);
  EXPECT_EQ(t.FindByRoutingId("p100"), nullptr);  // a reaped process's messages are stale
  t.Attach(s, 101, 6);                            // restarted: new pid and generation
  EXPECT_EQ(t.FindByGen(5), nullptr);
  EXPECT_EQ(t.FindByGen(6), s);
  EXPECT_EQ(t.FindByPid(101), s);
  EXPECT_EQ(s->routing_id, "p101");
  EXPECT_EQ(t.dbs()[0].routing_id, "");
  t.Attach(&t.dbs()[0], 200, 7);
  EXPECT_EQ(t.dbs()[0].routing_id, "d7");
  EXPECT_EQ(t.FindByRoutingId("d7"), &t.dbs()[0]);
  EXPECT_EQ(t.FindByRoutingId("s6"), nullptr);    // not how a store is known
  EXPECT_EQ(t.FindByRoutingId("d6"), nullptr);    // the store's generation, not a worker's id
  EXPECT_EQ(t.FindByRoutingId("p200"), nullptr);  // the worker's pid, but it is not a store
  EXPECT_EQ(t.FindByRoutingId("p101x"), nullptr);
  EXPECT_EQ(t.FindByRoutingId(""), nullptr);
}

TEST(ChildTableTest, RemoveStoreDropsItsGeneration) {
  ChildTable t(1, false);
  Child* s = t.AddStore("s");
  t.Attach(s, 100, 5);
  t.Detach(100);
  t.RemoveStore("s");
  EXPECT_EQ(t.FindStore("s"), nullptr);
  EXPECT_EQ(t.FindByGen(5), nullptr);
  t.RemoveStore("s");                   // unknown: no-op
  EXPECT_NE(t.AddStore("s"), nullptr);  // the name can be used again
}

TEST(ChildTableTest, RoutingIds) {
  EXPECT_EQ(ChildTable::GenFromRoutingId("s123"), 0u);  // stores are known by pid
  EXPECT_EQ(ChildTable::GenFromRoutingId("d7"), 7u);
  EXPECT_EQ(ChildTable::GenFromRoutingId("h9"), 9u);
  EXPECT_EQ(ChildTable::GenFromRoutingId("x7"), 0u);
  EXPECT_EQ(ChildTable::GenFromRoutingId("d"), 0u);
  EXPECT_EQ(ChildTable::GenFromRoutingId("d12a"), 0u);
  EXPECT_EQ(ChildTable::GenFromRoutingId("d-1"), 0u);
  EXPECT_EQ(ChildTable::GenFromRoutingId(""), 0u);
}

TEST(ChildTableTest, HttpGatewayIsOptionalAndFoundByPidAndGen) {
  ChildTable t(1, /*http=*/true);
  ASSERT_NE(t.http(), nullptr);
  EXPECT_EQ(t.http()->kind, ChildRole::kHttp);
  EXPECT_EQ(t.http()->name, "http");
  t.Attach(t.http(), 4242, 77);
  EXPECT_EQ(t.FindByPid(4242), t.http());
  EXPECT_EQ(t.FindByGen(77), t.http());
  EXPECT_EQ(t.http()->routing_id, "h77");
  EXPECT_EQ(ChildRoleName(ChildRole::kHttp), "http");
}

}  // namespace
}  // namespace forkv
