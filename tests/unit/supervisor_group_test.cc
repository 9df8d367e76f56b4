// one_for_all and rest_for_one group restarts of the supervisor, with a fake clock.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "manager/supervisor.h"
#include "tests/unit/supervisor_fixture.h"

namespace forkv::sup {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

TEST_F(SupervisorTest, OneForAllRestartsOnlyAfterEverySiblingExited) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("b"), "signal c pid=12 SIGTERM, signal a pid=10 SIGTERM");
  EXPECT_EQ(Dump(),
            "sup(one_for_all) a:stopping pid=10 kill=+100ms | b:restarting until=+10ms group | "
            "c:stopping pid=12 kill=+100ms");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 100ms);  // the group is not complete: no wake-up for it
  now_ += 10ms;
  EXPECT_EQ(Tick(), "");            // backoff over, but a and c are still alive
  EXPECT_EQ(Feed(Ready{"a"}), "");  // stale: ignored while stopping
  EXPECT_EQ(Terminated("c"), "");
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Feed(Exited{"a", Code(0)}), "spawn a, spawn b, spawn c");
  EXPECT_EQ(Dump(),
            "sup(one_for_all) a:starting pid=13 restarts=1 | b:starting pid=14 restarts=1 | "
            "c:starting pid=15 restarts=1");
}

TEST_F(SupervisorTest, OneForAllKillsASiblingThatIgnoresSigterm) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b", RestartType::kPermanent, 300ms)});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("a"), "signal b pid=11 SIGTERM");
  now_ += 299ms;
  EXPECT_EQ(Tick(), "");
  now_ += 1ms;
  EXPECT_EQ(Tick(), "signal b pid=11 SIGKILL");
  EXPECT_EQ(Dump(), "sup(one_for_all) a:restarting until=-290ms group | b:stopping pid=11 killed");
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Crash("b"), "spawn a, spawn b");
}

TEST_F(SupervisorTest, OneForAllStopsTemporarySiblingsForGood) {
  Make(Strategy::kOneForAll,
       {Spec("a"), Spec("t", RestartType::kTransient), Spec("x", RestartType::kTemporary)});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("a"), "signal x pid=12 SIGTERM, signal t pid=11 SIGTERM");
  EXPECT_EQ(Terminated("x"), "");
  EXPECT_EQ(Terminated("t"), "");
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn a, spawn t");
  EXPECT_EQ(Dump(),
            "sup(one_for_all) a:starting pid=13 restarts=1 | t:starting pid=14 restarts=1 | "
            "x:stopped");
}

TEST_F(SupervisorTest, RestForOneRestartsOnlyLaterChildren) {
  Make(Strategy::kRestForOne, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  ReadyAll();
  // The last child: alone.
  EXPECT_EQ(Crash("c"), "");
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn c");  // pid 13
  ReadyAll();
  // The middle one: c goes too, a stays.
  EXPECT_EQ(Crash("b"), "signal c pid=13 SIGTERM");
  EXPECT_EQ(Terminated("c"), "");
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn b, spawn c");  // pids 14, 15
  ReadyAll();
  EXPECT_EQ(Dump(),
            "sup(rest_for_one) a:running pid=10 | b:running pid=14 restarts=1 | "
            "c:running pid=15 restarts=2");
  // The first one: everything, stopped in reverse order.
  EXPECT_EQ(Crash("a"), "signal c pid=15 SIGTERM, signal b pid=14 SIGTERM");
  EXPECT_EQ(Terminated("b"), "");
  EXPECT_EQ(Terminated("c"), "");
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn a, spawn b, spawn c");
}

// A group restart is one restart for the intensity, however many children
// it respawns; escalating cancels a pending group.
TEST_F(SupervisorTest, OneForAllGroupRestartCountsOnce) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(Crash("a"), "") << i;  // SIGTERMs to c and b
    ASSERT_EQ(Terminated("b"), "");
    ASSERT_EQ(Terminated("c"), "");
    now_ += TimerOf("a");
    ASSERT_EQ(Tick(), "spawn a, spawn b, spawn c") << i;
  }
  EXPECT_EQ(Dump(),
            "sup(one_for_all) a:starting pid=19 restarts=3 | b:starting pid=20 restarts=3 | "
            "c:starting pid=21 restarts=3");
  // The 4th incident escalates at once: nobody is signalled, the parent
  // decides the shutdown order.
  const std::string why =
      "killed by signal 9 (SIGKILL); more than 3 restarts in 5000 ms: giving up";
  EXPECT_EQ(Crash("b"), "give_up b (" + why + "), escalate (sup: b " + why + ")");
  EXPECT_EQ(Dump(),
            "sup(one_for_all, escalated) a:starting pid=19 restarts=3 | b:failed restarts=3 | "
            "c:starting pid=21 restarts=3");
}

TEST_F(SupervisorTest, EscalationCancelsAPendingGroupRestart) {
  policy_.max_restarts = 1;
  Make(Strategy::kRestForOne, {Spec("a"), Spec("b"), Spec("c"), Spec("d")});
  Start();
  EXPECT_EQ(Crash("c"), "signal d pid=13 SIGTERM");  // restart 1: c and d
  const std::string why =
      "killed by signal 9 (SIGKILL); more than 1 restarts in 5000 ms: giving up";
  EXPECT_EQ(Crash("a"), "give_up a (" + why + "), escalate (sup: a " + why + ")");
  EXPECT_EQ(Terminated("d"), "");
  EXPECT_EQ(Dump(),
            "sup(rest_for_one, escalated) a:failed | b:starting pid=11 | c:stopped | d:stopped");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Feed(ShutdownRequested{}), "signal b pid=11 SIGTERM");
  EXPECT_EQ(Terminated("b"), "shutdown_complete");
}

// A crash of an earlier child while a later group waits widens the group.
TEST_F(SupervisorTest, RestForOneMergesPendingGroups) {
  Make(Strategy::kRestForOne, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("c"), "");
  now_ += 5ms;
  EXPECT_EQ(Crash("a"), "signal b pid=11 SIGTERM");
  EXPECT_EQ(Dump(),
            "sup(rest_for_one) a:restarting until=+10ms group | b:stopping pid=11 kill=+100ms | "
            "c:restarting until=+10ms group");
  EXPECT_EQ(Terminated("b"), "");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 10ms);
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn a, spawn b, spawn c");
}

TEST_F(SupervisorTest, StoppingAGroupMemberTakesItOutOfTheGroup) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("b"), "signal c pid=12 SIGTERM, signal a pid=10 SIGTERM");
  EXPECT_EQ(Feed(StopRequested{"c"}), "");     // already signalled
  EXPECT_EQ(Feed(RestartRequested{"a"}), "");  // restarting with the group anyway
  EXPECT_EQ(Terminated("a"), "");
  EXPECT_EQ(Terminated("c"), "");
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn a, spawn b");
  EXPECT_EQ(Dump(),
            "sup(one_for_all) a:starting pid=13 restarts=1 | b:starting pid=14 restarts=1 | "
            "c:stopped");
}

}  // namespace
}  // namespace forkv::sup
