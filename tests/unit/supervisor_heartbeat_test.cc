// Heartbeats and start deadlines of the supervisor, with a fake clock.
#include <gtest/gtest.h>

#include <string>

#include "manager/supervisor.h"
#include "tests/unit/supervisor_fixture.h"

namespace forkv::sup {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

constexpr HeartbeatPolicy kHeartbeat{
    .ping_interval = 1000ms, .max_missed = 3, .start_timeout = 5000ms};

TEST_F(SupervisorTest, SilentRunningChildIsKilledAfterMaxMissedRounds) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")}, false, kHeartbeat);
  Start();
  ReadyAll();
  EXPECT_EQ(sup_->NextDeadline(), now_ + 1000ms);
  now_ += 999ms;
  EXPECT_EQ(Tick(), "");
  for (int round = 1; round <= 3; ++round) {
    now_ += round == 1 ? 1ms : 1000ms;
    EXPECT_EQ(Tick(), "ping a #" + std::to_string(round) + ", ping b #" + std::to_string(round));
    EXPECT_EQ(Feed(Heard{"b"}), "");  // b answers, a stays silent
  }
  EXPECT_EQ(Dump(), "sup(one_for_one) a:running pid=10 missed=3 | b:running pid=11");
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL (missed 3 heartbeats), ping b #4");
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "ping b #5");  // a killed once only
  // The exit of a child killed as hung is a crash like any other.
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(StateOf("a"), ChildState::kRestarting);
  EXPECT_EQ(sup_->Find("a")->last_exit, "killed by signal 9 (SIGKILL)");
}

TEST_F(SupervisorTest, HeardClearsTheMissedCount) {
  Make(Strategy::kOneForOne, {Spec("a")}, false, kHeartbeat);
  Start();
  ReadyAll();
  for (int round = 1; round <= 10; ++round) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "ping a #" + std::to_string(round));
    if (round % 3 == 0) {
      EXPECT_EQ(Feed(Heard{"a"}), "");  // every third round is enough
    }
  }
  EXPECT_EQ(Dump(), "sup(one_for_one) a:running pid=10 missed=1");
}

TEST_F(SupervisorTest, StartingChildHasAStartDeadlineNotHeartbeats) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")}, false, kHeartbeat);
  Start();
  EXPECT_EQ(Feed(Ready{"b"}), "");
  // Not heard yet: a starting child is not pinged.
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "ping b #1");
  EXPECT_EQ(Feed(Heard{"b"}), "");
  // After its hello it gets uncounted pings: loading is not hanging.
  EXPECT_EQ(Feed(Heard{"a"}), "");
  for (int round = 2; round <= 4; ++round) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "ping a #" + std::to_string(round) + ", ping b #" + std::to_string(round));
    EXPECT_EQ(Feed(Heard{"b"}), "");
  }
  EXPECT_EQ(sup_->NextDeadline(), now_ + 1000ms);  // the round and the start deadline coincide
  now_ += 999ms;
  EXPECT_EQ(Tick(), "");
  now_ += 1ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL (not ready within 5000 ms), ping b #5");
  EXPECT_EQ(sup_->Find("a")->reason, "not ready within 5000 ms");
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "ping b #6");  // killed once
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(StateOf("a"), ChildState::kRestarting);
}

TEST_F(SupervisorTest, ReadyInTimeDisarmsTheStartDeadline) {
  Make(Strategy::kOneForOne, {Spec("a")}, false,
       {.ping_interval = 0ms, .max_missed = 3, .start_timeout = 5000ms});
  Start();
  EXPECT_EQ(sup_->NextDeadline(), now_ + 5000ms);
  now_ += 4999ms;
  EXPECT_EQ(Feed(Ready{"a"}), "");
  EXPECT_EQ(sup_->NextDeadline(), SteadyTime::max());  // no rounds configured either
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:running pid=10");
}

TEST_F(SupervisorTest, NoHeartbeatsUnlessRunning) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kPermanent, 10000ms)}, false, kHeartbeat);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(ShutdownRequested{}), "signal a pid=10 SIGTERM");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 10000ms);  // only the SIGKILL deadline
  for (int i = 0; i < 5; ++i) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "");
  }
}

TEST_F(SupervisorTest, HungWhileStoppingIsKilledAtTheStopDeadlineOnly) {
  Make(Strategy::kOneForOne, {Spec("a")}, false, kHeartbeat);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(StopRequested{"a"}), "signal a pid=10 SIGTERM");
  now_ += 100ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL");
  for (int i = 0; i < 5; ++i) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "");  // a stopping child is not pinged
  }
}

// ---- on-demand heartbeats and hibernation (the stores) ------------------------

constexpr HeartbeatPolicy kOnDemand{
    .ping_interval = 1000ms, .max_missed = 3, .start_timeout = 5000ms, .on_demand = true};

TEST_F(SupervisorTest, OnDemandPingsOnlyBusyChildren) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")}, true, kOnDemand);
  Start();
  ReadyAll();
  // Idle children cost nothing: rounds pass without a ping.
  for (int round = 1; round <= 5; ++round) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "");
  }
  EXPECT_EQ(Feed(Activity{"a", true}), "");
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "ping a #6");
  EXPECT_EQ(Feed(Activity{"a", false}), "");  // idle again: no more pings, count cleared
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:running pid=10 | b:running pid=11");
}

TEST_F(SupervisorTest, OnDemandKillsABusyChildThatStaysSilent) {
  Make(Strategy::kOneForOne, {Spec("a")}, true, kOnDemand);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(Activity{"a", true}), "");
  for (int round = 1; round <= 3; ++round) {
    now_ += 1000ms;
    EXPECT_EQ(Tick(), "ping a #" + std::to_string(round));
  }
  now_ += 1000ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL (missed 3 heartbeats)");
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(StateOf("a"), ChildState::kRestarting);
  // The next incarnation starts idle.
  now_ += 100ms;
  EXPECT_EQ(Tick(), "spawn a");
  EXPECT_FALSE(sup_->Find("a")->busy);
}

TEST_F(SupervisorTest, HibernationRemovesTheChildWithoutARestart) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kPermanent, 5000ms), Spec("b")}, true,
       kOnDemand);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(HibernateRequested{"a"}), "hibernate a pid=10");
  EXPECT_EQ(StateOf("a"), ChildState::kStopping);
  EXPECT_EQ(sup_->Find("a")->intent, StopIntent::kHibernate);
  EXPECT_EQ(Feed(HibernateRequested{"a"}), "");  // once
  EXPECT_EQ(Feed(Exited{"a", Code(0)}), "removed a hibernated");
  EXPECT_EQ(sup_->Find("a"), nullptr);
  EXPECT_EQ(Dump(), "sup(one_for_one) b:running pid=11");
}

TEST_F(SupervisorTest, AHibernatingChildThatHangsIsKilledAndStillRemoved) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kPermanent, 5000ms)}, true, kOnDemand);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(HibernateRequested{"a"}), "hibernate a pid=10");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 1000ms);  // the heartbeat round comes first
  now_ += 5000ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL");
  EXPECT_EQ(Crash("a"), "removed a hibernated");
}

TEST_F(SupervisorTest, HibernateIsOnlyForRunningDynamicChildren) {
  Make(Strategy::kOneForOne, {Spec("a")}, false, kOnDemand);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(HibernateRequested{"a"}), "");  // static: never
  Make(Strategy::kOneForOne, {Spec("s")}, true, kOnDemand);
  Start();
  EXPECT_EQ(Feed(HibernateRequested{"s"}), "");  // still starting
  EXPECT_EQ(Feed(Ready{"s"}), "");
  EXPECT_EQ(Feed(StopRequested{"s"}), "signal s pid=11 SIGTERM");
  EXPECT_EQ(Feed(HibernateRequested{"s"}), "");  // stopping already: a drop stays a drop
  EXPECT_EQ(Terminated("s"), "removed s");
}

TEST_F(SupervisorTest, ARestartDuringHibernationSpawnsAgain) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kPermanent, 5000ms)}, true, kOnDemand);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(HibernateRequested{"a"}), "hibernate a pid=10");
  EXPECT_EQ(Feed(RestartRequested{"a"}), "");
  EXPECT_EQ(Feed(Exited{"a", Code(0)}), "spawn a");
}

TEST_F(SupervisorTest, NextDeadlineFollowsEventsThatMoveTimers) {
  Make(Strategy::kOneForOne, {Spec("a")}, true, kOnDemand);
  Start();
  EXPECT_EQ(sup_->NextDeadline(), now_ + 1000ms);  // the round, before the start deadline
  EXPECT_EQ(Feed(Ready{"a"}), "");
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 10ms);  // the backoff, now
  EXPECT_EQ(Feed(Heard{"a"}), "");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 10ms);
}

}  // namespace
}  // namespace forkv::sup
