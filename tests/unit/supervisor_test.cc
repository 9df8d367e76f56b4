// The supervisor state machine fed synthetic events with a fake clock: no
// processes, no sleeps. Actions and state are compared as strings
// (ToString(actions), Supervisor::Dump), leveldb PrintContents style.
#include "manager/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/unit/supervisor_fixture.h"

namespace forkv::sup {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

// ---- every strategy x restart type x exit kind --------------------------------

enum class ExitKind { kClean, kCrash, kPermanentFailure };

using MatrixParam = std::tuple<Strategy, RestartType, ExitKind, bool /*dynamic*/>;

class SupervisorMatrixTest : public SupervisorTest,
                             public ::testing::WithParamInterface<MatrixParam> {};

// Children a, b, c (a and c permanent); b has the restart type under test
// and exits in the given way after running for a second.
TEST_P(SupervisorMatrixTest, ExitOfTheMiddleChild) {
  auto [strategy, type, exit, dynamic] = GetParam();
  Make(strategy, {Spec("a"), Spec("b", type), Spec("c")}, dynamic);
  ASSERT_EQ(Start(), "spawn a, spawn b, spawn c");
  ReadyAll();
  now_ += 1s;
  const std::string s = "sup(" + std::string(StrategyName(strategy)) + ")";
  ASSERT_EQ(Dump(), s + " a:running pid=10 | b:running pid=11 | c:running pid=12");

  ExitStatus status = exit == ExitKind::kClean   ? Code(0)
                      : exit == ExitKind::kCrash ? Killed(SIGSEGV)
                                                 : Code(kExitPermanentFailure);
  std::string actions = Feed(Exited{"b", status});

  bool give_up = exit == ExitKind::kPermanentFailure;
  bool restart = !give_up && (type == RestartType::kPermanent ||
                              (type == RestartType::kTransient && exit == ExitKind::kCrash));
  if (give_up) {
    // Exit 125: never restarted. A static supervisor escalates unless the
    // child is temporary (it would not have been restarted anyway).
    const std::string why = "exited 125; permanent failure (exit 125): not restarting";
    bool escalate = !dynamic && type != RestartType::kTemporary;
    EXPECT_EQ(actions, "give_up b (" + why + ")" +
                           (escalate ? ", escalate permanent (sup: b " + why + ")" : ""));
    std::string head = escalate ? "sup(" + std::string(StrategyName(strategy)) + ", escalated)" : s;
    EXPECT_EQ(Dump(), head + " a:running pid=10 | b:failed | c:running pid=12");
    now_ += 1h;
    EXPECT_EQ(Tick(), "");
    return;
  }
  if (!restart) {
    // Temporary child, or transient child that exited cleanly: left stopped.
    EXPECT_EQ(actions, "");
    EXPECT_EQ(Dump(), s + " a:running pid=10 | b:stopped | c:running pid=12");
    now_ += 1h;
    EXPECT_EQ(Tick(), "");
    return;
  }
  switch (strategy) {
    case Strategy::kOneForOne:
      EXPECT_EQ(actions, "");
      EXPECT_EQ(Dump(), s + " a:running pid=10 | b:restarting until=+10ms | c:running pid=12");
      now_ += 9ms;
      EXPECT_EQ(Tick(), "");
      now_ += 1ms;
      EXPECT_EQ(Tick(), "spawn b");
      EXPECT_EQ(Dump(), s + " a:running pid=10 | b:starting pid=13 restarts=1 | c:running pid=12");
      break;
    case Strategy::kOneForAll:
      EXPECT_EQ(actions, "signal c pid=12 SIGTERM, signal a pid=10 SIGTERM");
      EXPECT_EQ(Terminated("c"), "");
      EXPECT_EQ(Terminated("a"), "");
      EXPECT_EQ(Dump(), s + " a:restarting until=+10ms group | b:restarting until=+10ms group | " +
                            "c:restarting until=+10ms group");
      now_ += 10ms;
      EXPECT_EQ(Tick(), "spawn a, spawn b, spawn c");
      EXPECT_EQ(Dump(), s + " a:starting pid=13 restarts=1 | b:starting pid=14 restarts=1 | " +
                            "c:starting pid=15 restarts=1");
      break;
    case Strategy::kRestForOne:
      EXPECT_EQ(actions, "signal c pid=12 SIGTERM");
      EXPECT_EQ(Terminated("c"), "");
      now_ += 10ms;
      EXPECT_EQ(Tick(), "spawn b, spawn c");
      EXPECT_EQ(Dump(), s + " a:running pid=10 | b:starting pid=13 restarts=1 | " +
                            "c:starting pid=14 restarts=1");
      break;
  }
}

std::string MatrixName(const ::testing::TestParamInfo<MatrixParam>& info) {
  auto [strategy, type, exit, dynamic] = info.param;
  const char* types[] = {"Permanent", "Transient", "Temporary"};
  const char* exits[] = {"Clean", "Crash", "Exit125"};
  std::string name(StrategyName(strategy));
  name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
  return name + types[static_cast<int>(type)] + exits[static_cast<int>(exit)] +
         (dynamic ? "Dynamic" : "Static");
}

const auto kRestartTypes =
    ::testing::Values(RestartType::kPermanent, RestartType::kTransient, RestartType::kTemporary);
const auto kExitKinds =
    ::testing::Values(ExitKind::kClean, ExitKind::kCrash, ExitKind::kPermanentFailure);

INSTANTIATE_TEST_SUITE_P(Static, SupervisorMatrixTest,
                         ::testing::Combine(::testing::Values(Strategy::kOneForOne,
                                                              Strategy::kOneForAll,
                                                              Strategy::kRestForOne),
                                            kRestartTypes, kExitKinds, ::testing::Values(false)),
                         MatrixName);
// Dynamic supervisors are one_for_one only.
INSTANTIATE_TEST_SUITE_P(Dynamic, SupervisorMatrixTest,
                         ::testing::Combine(::testing::Values(Strategy::kOneForOne), kRestartTypes,
                                            kExitKinds, ::testing::Values(true)),
                         MatrixName);

// A SIGTERM nobody in the supervisor sent is a clean stop for a transient
// child too (as DecideOnExit and systemd's Restart=on-failure).
TEST_F(SupervisorTest, TransientChildKilledBySigtermIsNotRestarted) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kTransient)});
  Start();
  EXPECT_EQ(Terminated("a"), "");
  EXPECT_EQ(StateOf("a"), ChildState::kStopped);
}

// ---- restart intensity --------------------------------------------------------

// A static supervisor counts every restart of every child in one window.
TEST_F(SupervisorTest, StaticSupervisorEscalatesPastItsIntensity) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("a"), "");  // restart 1 (a, 10 ms)
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn a");
  EXPECT_EQ(Crash("b"), "");  // restart 2 (b's own backoff: 10 ms)
  EXPECT_EQ(TimerOf("b"), 10ms);
  now_ += 10ms;
  EXPECT_EQ(Tick(), "spawn b");
  EXPECT_EQ(Crash("a"), "");  // restart 3 (a's second: 20 ms)
  EXPECT_EQ(TimerOf("a"), 20ms);
  now_ += 20ms;
  EXPECT_EQ(Tick(), "spawn a");
  const std::string why =
      "killed by signal 9 (SIGKILL); more than 3 restarts in 5000 ms: giving up";
  EXPECT_EQ(Crash("b"), "give_up b (" + why + "), escalate (sup: b " + why + ")");
  EXPECT_EQ(sup_->phase(), Phase::kEscalated);
  EXPECT_EQ(Dump(),
            "sup(one_for_one, escalated) a:starting pid=14 restarts=2 | b:failed restarts=1");

  // Escalated: nothing is restarted, the parent shuts the rest down.
  EXPECT_EQ(Feed(RestartRequested{"b"}), "");
  EXPECT_EQ(Feed(ShutdownRequested{}), "signal a pid=14 SIGTERM");
  EXPECT_EQ(Terminated("a"), "shutdown_complete");
  EXPECT_EQ(Dump(), "sup(one_for_one, done) a:stopped restarts=2 | b:failed restarts=1");
}

TEST_F(SupervisorTest, EscalatedSupervisorRestartsNothing) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("a"), "");  // in backoff when the escalation comes
  EXPECT_EQ(Feed(Exited{"b", Code(kExitPermanentFailure)}),
            "give_up b (exited 125; permanent failure (exit 125): not restarting), escalate "
            "permanent (sup: b exited 125; permanent failure (exit 125): not restarting)");
  EXPECT_EQ(Dump(), "sup(one_for_one, escalated) a:stopped | b:failed");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(sup_->NextDeadline(), SteadyTime::max());
  EXPECT_EQ(Feed(ShutdownRequested{}), "shutdown_complete");
}

TEST_F(SupervisorTest, RestartsSpreadOverTimeDoNotEscalate) {
  policy_.backoff_max = 100ms;  // never Ready, so the backoff never resets
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  for (int i = 0; i < 20; ++i) {
    std::string id = i % 2 ? "b" : "a";
    ASSERT_EQ(Crash(id), "") << i;
    now_ += 2600ms;  // at most 2 restarts within any 5 s
    ASSERT_EQ(Tick(), "spawn " + id) << i;
  }
  EXPECT_EQ(sup_->phase(), Phase::kRunning);
}

// A dynamic supervisor keeps one window per child: a store over the limit
// fails, the others keep going.
TEST_F(SupervisorTest, DynamicSupervisorGivesUpOnOneChildOnly) {
  Make(Strategy::kOneForOne, {Spec("s1"), Spec("s2")}, /*dynamic=*/true);
  Start();
  ReadyAll();
  for (int i = 0; i < 3; ++i) {  // 6 restarts in all: a static supervisor would have escalated
    ASSERT_EQ(Crash("s1"), "");
    ASSERT_EQ(Crash("s2"), "");
    now_ += TimerOf("s1");
    ASSERT_EQ(Tick(), "spawn s1, spawn s2");
  }
  EXPECT_EQ(
      Crash("s1"),
      "give_up s1 (killed by signal 9 (SIGKILL); more than 3 restarts in 5000 ms: giving up)");
  EXPECT_EQ(sup_->phase(), Phase::kRunning);
  EXPECT_EQ(Dump(), "sup(one_for_one) s1:failed restarts=3 | s2:starting pid=17 restarts=3");
  EXPECT_EQ(Feed(Ready{"s2"}), "");
  EXPECT_EQ(Dump(), "sup(one_for_one) s1:failed restarts=3 | s2:running pid=17 restarts=3");
  EXPECT_EQ(sup_->Find("s1")->last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup_->Find("s1")->reason, "more than 3 restarts in 5000 ms: giving up");
  // The total keeps what removed children counted.
  EXPECT_EQ(sup_->restarts_total(), 6u);
  EXPECT_EQ(Feed(StopRequested{"s1"}), "removed s1");
  EXPECT_EQ(sup_->restarts_total(), 6u);
}

// A child that dies before Ready is a failed restart attempt and counts.
TEST_F(SupervisorTest, ExitsBeforeReadyCountTowardsIntensity) {
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Feed(Exited{"a", Code(1)}), "");
    now_ += TimerOf("a");
    ASSERT_EQ(Tick(), "spawn a");
  }
  EXPECT_EQ(Feed(Exited{"a", Code(1)}),
            "give_up a (exited 1; more than 3 restarts in 5000 ms: giving up), escalate (sup: a "
            "exited 1; more than 3 restarts in 5000 ms: giving up)");
}

// The manager reports a failed spawn as Exited 111 without Started.
TEST_F(SupervisorTest, FailedSpawnIsAnExitAndCounts) {
  auto_start_ = false;
  Make(Strategy::kOneForOne, {Spec("a")}, /*dynamic=*/true);
  EXPECT_EQ(Start(), "spawn a");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:starting");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Feed(Exited{"a", Code(kExitSystem)}), "");
    now_ += TimerOf("a");
    ASSERT_EQ(Tick(), "spawn a");
  }
  EXPECT_EQ(Feed(Exited{"a", Code(kExitSystem)}),
            "give_up a (exited 111; more than 3 restarts in 5000 ms: giving up)");
}

// ---- backoff ------------------------------------------------------------------

TEST_F(SupervisorTest, BackoffDoublesUpToTheCap) {
  policy_.max_restarts = 100;
  policy_.backoff_max = 50ms;
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(Crash("a"), "");
    delays.push_back(TimerOf("a").count());
    ASSERT_EQ(sup_->NextDeadline(), sup_->Find("a")->until);
    now_ += TimerOf("a");
    ASSERT_EQ(Tick(), "spawn a");
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{10, 20, 40, 50, 50, 50}));
}

TEST_F(SupervisorTest, BackoffResetsAfterStableUptimeCountedFromReady) {
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  ReadyAll();
  Crash("a");
  EXPECT_EQ(TimerOf("a"), 10ms);
  now_ += 10ms;
  Tick();
  ReadyAll();
  Crash("a");
  EXPECT_EQ(TimerOf("a"), 20ms);
  now_ += 20ms;
  Tick();
  // Up for 10 s but never Ready (stuck loading): not stable, backoff grows.
  now_ += 10s;
  Crash("a");
  EXPECT_EQ(TimerOf("a"), 40ms);
  now_ += 40ms;
  Tick();
  ReadyAll();
  now_ += 10s;  // Ready and serving for stable_after: back to the initial delay
  Crash("a");
  EXPECT_EQ(TimerOf("a"), 10ms);
}

TEST_F(SupervisorTest, JitterScalesTheDelay) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  jitter_ = 0.0;
  Crash("a");
  EXPECT_EQ(TimerOf("a"), 8ms);
  jitter_ = 0.999999;
  Crash("b");
  EXPECT_EQ(TimerOf("b"), 11ms);
}

// ---- stop, heartbeat, restart requests ------------------------------------------

TEST_F(SupervisorTest, StopSendsSigtermThenSigkillAtTheTimeout) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(StopRequested{"a"}), "signal a pid=10 SIGTERM");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopping pid=10 kill=+100ms | b:running pid=11");
  EXPECT_EQ(Feed(StopRequested{"a"}), "");  // keeps its deadline
  now_ += 99ms;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 1ms);
  now_ += 1ms;
  EXPECT_EQ(Tick(), "signal a pid=10 SIGKILL");
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(sup_->NextDeadline(), SteadyTime::max());
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopping pid=10 killed | b:running pid=11");
  EXPECT_EQ(Crash("a"), "");  // the exit of a stop: no restart
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopped | b:running pid=11");
  EXPECT_EQ(sup_->Find("a")->reason, "stopped on request");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
  // A static child stays known; a restart request brings it back.
  EXPECT_EQ(Feed(RestartRequested{"a"}), "spawn a");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:starting pid=12 restarts=1 | b:running pid=11");
}

TEST_F(SupervisorTest, StoppedDynamicChildIsRemovedAfterItsExit) {
  Make(Strategy::kOneForOne, {Spec("s1"), Spec("s2")}, /*dynamic=*/true);
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(StopRequested{"s1"}), "signal s1 pid=10 SIGTERM");
  EXPECT_FALSE(sup_->RemoveChild("s1"));  // still alive
  EXPECT_NE(sup_->Find("s1"), nullptr);
  EXPECT_EQ(Feed(Exited{"s1", Code(0)}), "removed s1");
  EXPECT_EQ(sup_->Find("s1"), nullptr);
  EXPECT_EQ(Dump(), "sup(one_for_one) s2:running pid=11");
  EXPECT_EQ(Crash("s1"), "");  // unknown now: ignored
}

TEST_F(SupervisorTest, StopCancelsABackoffAndRemovesAFailedDynamicChild) {
  Make(Strategy::kOneForOne, {Spec("s1"), Spec("s2")}, /*dynamic=*/true);
  Start();
  EXPECT_EQ(Crash("s1"), "");
  EXPECT_EQ(Feed(Exited{"s2", Code(kExitPermanentFailure)}),
            "give_up s2 (exited 125; permanent failure (exit 125): not restarting)");
  EXPECT_EQ(Feed(StopRequested{"s1"}), "removed s1");
  EXPECT_EQ(Feed(StopRequested{"s2"}), "removed s2");
  EXPECT_EQ(Dump(), "sup(one_for_one) -");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
}

TEST_F(SupervisorTest, ZeroShutdownTimeoutMeansSigkillAtOnce) {
  Make(Strategy::kOneForOne, {Spec("a", RestartType::kPermanent, 0ms)});
  Start();
  EXPECT_EQ(Feed(StopRequested{"a"}), "signal a pid=10 SIGKILL");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopping pid=10 killed");
}

TEST_F(SupervisorTest, StopBeforeStartedIsSignalledOnStarted) {
  auto_start_ = false;
  Make(Strategy::kOneForOne, {Spec("a")});
  EXPECT_EQ(Start(), "spawn a");
  EXPECT_EQ(Feed(StopRequested{"a"}), "");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopping");
  EXPECT_EQ(Feed(Started{"a", 42}), "signal a pid=42 SIGTERM");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:stopping pid=42 kill=+100ms");
}

TEST_F(SupervisorTest, RestartRequestClearsFailedAndItsHistory) {
  Make(Strategy::kOneForOne, {Spec("s")}, /*dynamic=*/true);
  Start();
  for (int i = 0; i < 3; ++i) {
    Crash("s");
    now_ += TimerOf("s");
    Tick();
  }
  EXPECT_EQ(Crash("s"),
            "give_up s (killed by signal 9 (SIGKILL); more than 3 restarts in 5000 ms: giving up)");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
  EXPECT_EQ(Feed(RestartRequested{"s"}), "spawn s");
  EXPECT_EQ(Dump(), "sup(one_for_one) s:starting pid=14 restarts=4");
  // A fresh window and backoff: three more restarts are allowed, from 10 ms.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Crash("s"), "") << i;
    if (i == 0) {
      EXPECT_EQ(TimerOf("s"), 10ms);
    }
    now_ += TimerOf("s");
    ASSERT_EQ(Tick(), "spawn s");
  }
}

TEST_F(SupervisorTest, RestartRequestOfALiveChildRespawnsItAtOnceUncounted) {
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  for (int i = 0; i < 5; ++i) {  // more than max_restarts: operator restarts do not count
    ASSERT_EQ(Feed(RestartRequested{"a"}), "signal a pid=" + std::to_string(10 + i) + " SIGTERM");
    ASSERT_EQ(Terminated("a"), "spawn a");  // no backoff
  }
  EXPECT_EQ(Dump(), "sup(one_for_one) a:starting pid=15 restarts=5");
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(StateOf("a"), ChildState::kRestarting);
  // In backoff: spawned now instead of at the timer.
  EXPECT_EQ(Feed(RestartRequested{"a"}), "spawn a");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
}

TEST_F(SupervisorTest, StopThenRestartWhileStoppingRespawnsAfterTheExit) {
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  EXPECT_EQ(Feed(StopRequested{"a"}), "signal a pid=10 SIGTERM");
  EXPECT_EQ(Feed(RestartRequested{"a"}), "");
  EXPECT_EQ(Terminated("a"), "spawn a");
}

// ---- shutdown -----------------------------------------------------------------

TEST_F(SupervisorTest, ShutdownStopsInReverseOrderAndKillsStragglers) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b"), Spec("c", RestartType::kPermanent, 300ms)});
  Start();
  ReadyAll();
  EXPECT_EQ(Crash("b"), "");  // in backoff: cancelled by the shutdown
  EXPECT_EQ(Feed(ShutdownRequested{}), "signal c pid=12 SIGTERM, signal a pid=10 SIGTERM");
  EXPECT_EQ(Dump(),
            "sup(one_for_one, shutting_down) a:stopping pid=10 kill=+100ms | b:stopped | "
            "c:stopping pid=12 kill=+300ms");
  EXPECT_EQ(Feed(Exited{"a", Code(0)}), "");
  now_ += 300ms;
  EXPECT_EQ(Tick(), "signal c pid=12 SIGKILL");
  EXPECT_EQ(Feed(RestartRequested{"a"}), "");  // ignored while shutting down
  EXPECT_EQ(Crash("c"), "shutdown_complete");
  EXPECT_EQ(Dump(), "sup(one_for_one, done) a:stopped | b:stopped | c:stopped");
  EXPECT_EQ(Feed(ShutdownRequested{}), "");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");
}

TEST_F(SupervisorTest, KillRequestAfterShutdownKillsEverythingNow) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b"), Spec("c")});
  Start();
  EXPECT_EQ(Feed(ShutdownRequested{}),
            "signal c pid=12 SIGTERM, signal b pid=11 SIGTERM, signal a pid=10 SIGTERM");
  EXPECT_EQ(Terminated("b"), "");
  EXPECT_EQ(Feed(ShutdownRequested{}), "");  // a repeat changes nothing
  EXPECT_EQ(Feed(KillRequested{}), "signal c pid=12 SIGKILL, signal a pid=10 SIGKILL");
  EXPECT_EQ(Feed(KillRequested{}), "");  // already killed
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(Crash("c"), "shutdown_complete");
}

TEST_F(SupervisorTest, KillRequestShutsDownFirst) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  Start();
  EXPECT_EQ(Crash("b"), "");  // b waits for its restart
  EXPECT_EQ(Feed(KillRequested{}), "signal a pid=10 SIGTERM, signal a pid=10 SIGKILL");
  EXPECT_EQ(Dump(), "sup(one_for_one, shutting_down) a:stopping pid=10 killed | b:stopped");
  now_ += 1h;
  EXPECT_EQ(Tick(), "");  // no restart of b, no second SIGKILL of a
  EXPECT_EQ(Crash("a"), "shutdown_complete");
}

TEST_F(SupervisorTest, ShutdownCancelsAPendingGroupRestart) {
  Make(Strategy::kOneForAll, {Spec("a"), Spec("b")});
  Start();
  EXPECT_EQ(Crash("a"), "signal b pid=11 SIGTERM");
  EXPECT_EQ(Feed(ShutdownRequested{}), "");  // b already signalled, keeps its deadline
  EXPECT_EQ(Dump(), "sup(one_for_all, shutting_down) a:stopped | b:stopping pid=11 kill=+100ms");
  EXPECT_EQ(Terminated("b"), "shutdown_complete");
}

TEST_F(SupervisorTest, ShutdownWithNothingAliveCompletesAtOnce) {
  Make(Strategy::kOneForOne, {}, /*dynamic=*/true);
  EXPECT_EQ(Start(), "");
  EXPECT_EQ(Feed(ShutdownRequested{}), "shutdown_complete");
  EXPECT_EQ(Dump(), "sup(one_for_one, done) -");
}

// ---- dynamic children, stale events, deadlines ----------------------------------

TEST_F(SupervisorTest, DynamicChildrenAreSpawnedWhenAdded) {
  Make(Strategy::kOneForOne, {Spec("s1")}, /*dynamic=*/true);
  EXPECT_EQ(Dump(), "sup(one_for_one, idle) s1:stopped");
  EXPECT_EQ(Start(), "spawn s1");
  EXPECT_EQ(Execute(sup_->AddChild(Spec("s2"))), "spawn s2");
  EXPECT_EQ(Dump(), "sup(one_for_one) s1:starting pid=10 | s2:starting pid=11");
  EXPECT_FALSE(sup_->RemoveChild("s2"));
  EXPECT_FALSE(sup_->RemoveChild("nope"));
  EXPECT_EQ(Feed(Exited{"s2", Code(kExitPermanentFailure)}),
            "give_up s2 (exited 125; permanent failure (exit 125): not restarting)");
  EXPECT_TRUE(sup_->RemoveChild("s2"));
  EXPECT_EQ(Dump(), "sup(one_for_one) s1:starting pid=10");
  EXPECT_EQ(sup_->LiveCount(), 1u);
}

TEST_F(SupervisorTest, StaleEventsAreIgnored) {
  Make(Strategy::kOneForOne, {Spec("a")});
  Start();
  ReadyAll();
  EXPECT_EQ(Feed(Started{"a", 99}), "");  // already has a pid
  EXPECT_EQ(Feed(Ready{"a"}), "");        // already running
  EXPECT_EQ(Crash("ghost"), "");
  EXPECT_EQ(Feed(StopRequested{"ghost"}), "");
  EXPECT_EQ(Feed(RestartRequested{"ghost"}), "");
  EXPECT_EQ(Feed(Heard{"ghost"}), "");
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(Crash("a"), "");  // a second report of the same exit
  EXPECT_EQ(Feed(Ready{"a"}), "");
  EXPECT_EQ(Dump(), "sup(one_for_one) a:restarting until=+10ms");
}

TEST_F(SupervisorTest, NextDeadlineIsTheEarliestTimer) {
  Make(Strategy::kOneForOne, {Spec("a"), Spec("b")});
  EXPECT_EQ(sup_->NextDeadline(), SteadyTime::max());
  Start();
  EXPECT_EQ(sup_->NextDeadline(), SteadyTime::max());
  EXPECT_EQ(Feed(StopRequested{"b"}), "signal b pid=11 SIGTERM");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 100ms);
  EXPECT_EQ(Crash("a"), "");
  EXPECT_EQ(sup_->NextDeadline(), now_ + 10ms);
}

TEST_F(SupervisorTest, ActionsPrintAsText) {
  std::vector<Action> all = {
      Spawn{"a"},         Signal{"a", 7, SIGTERM}, Signal{"a", 7, SIGKILL, "hung"}, Ping{"a", 3},
      GiveUp{"a", "why"}, Escalate{"boom", false}, Escalate{"boom", true},          Removed{"a"},
      ShutdownComplete{}};
  EXPECT_EQ(ToString(all),
            "spawn a, signal a pid=7 SIGTERM, signal a pid=7 SIGKILL (hung), ping a #3, "
            "give_up a (why), escalate (boom), escalate permanent (boom), removed a, "
            "shutdown_complete");
  EXPECT_EQ(ToString(std::vector<Action>{}), "");
}

}  // namespace
}  // namespace forkv::sup
