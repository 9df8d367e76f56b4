#include "manager/supervisor_policy.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace forkv {
namespace {

using namespace std::chrono_literals;

class PolicyTest : public ::testing::Test {
 protected:
  ExitDecision Exit(ExitStatus st, RestartType type = RestartType::kPermanent,
                    double jitter = 0.5) {
    return DecideOnExit(policy_, type, st, started_, now_, jitter, &history_);
  }
  static ExitStatus Killed(int sig) { return {.signaled = true, .code = 0, .signal = sig}; }
  static ExitStatus Code(int c) { return {.signaled = false, .code = c, .signal = 0}; }

  RestartPolicy policy_;
  RestartHistory history_;
  SteadyTime started_{};
  SteadyTime now_ = SteadyTime{} + 1s;
};

TEST_F(PolicyTest, CrashIsRestartedWithInitialBackoff) {
  auto d = Exit(Killed(SIGKILL));
  EXPECT_EQ(d.kind, ExitDecision::Kind::kRestart);
  EXPECT_EQ(d.delay, 10ms);  // jitter sample 0.5 = no jitter
}

TEST_F(PolicyTest, BackoffDoublesThenGivesUpPastIntensity) {
  std::vector<int64_t> delays;
  for (int i = 0; i < 3; ++i) {
    auto d = Exit(Code(1));
    ASSERT_EQ(d.kind, ExitDecision::Kind::kRestart) << i;
    delays.push_back(d.delay.count());
    now_ += 100ms;
    started_ = now_;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{10, 20, 40}));
  auto d = Exit(Code(1));  // 4th restart inside 5 s: more than 3
  EXPECT_EQ(d.kind, ExitDecision::Kind::kGiveUp);
  EXPECT_NE(d.reason.find("more than 3 restarts"), std::string::npos);
}

TEST_F(PolicyTest, ImmediateFirstRestartThenBackoff) {
  policy_.immediate_first_restart = true;
  std::vector<int64_t> delays;
  for (int i = 0; i < 3; ++i) {
    auto d = Exit(Code(1));
    ASSERT_EQ(d.kind, ExitDecision::Kind::kRestart) << i;
    delays.push_back(d.delay.count());
    now_ += 100ms;
    started_ = now_;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{0, 10, 20}));
  EXPECT_EQ(Exit(Code(1)).kind, ExitDecision::Kind::kGiveUp);  // intensity still applies
  history_.Reset();
  started_ = now_;
  now_ += 60s;  // stable again: the next single crash is again free
  EXPECT_EQ(Exit(Code(1)).delay, 0ms);
}

TEST_F(PolicyTest, RestartsOutsideTheWindowDoNotCount) {
  for (int i = 0; i < 10; ++i) {
    auto d = Exit(Code(1));
    ASSERT_EQ(d.kind, ExitDecision::Kind::kRestart) << i;
    now_ += 2600ms;  // at most 2 restarts fall within any 5 s window
    started_ = now_ - 100ms;
  }
}

TEST_F(PolicyTest, StableUptimeResetsBackoff) {
  (void)Exit(Code(1));
  now_ += 100ms;
  (void)Exit(Code(1));
  EXPECT_EQ(history_.backoff_step, 2);
  started_ = now_;
  now_ += 60s;  // ran long enough to be stable; the window has passed too
  auto d = Exit(Code(1));
  EXPECT_EQ(d.kind, ExitDecision::Kind::kRestart);
  EXPECT_EQ(d.delay, 10ms);
}

TEST_F(PolicyTest, BackoffIsCapped) {
  policy_.max_restarts = 1000;
  ExitDecision d;
  for (int i = 0; i < 20; ++i) d = Exit(Code(1));
  EXPECT_EQ(d.delay, 5000ms);
  EXPECT_EQ(BackoffDelay(policy_, 100), 5000ms);
}

TEST_F(PolicyTest, JitterStaysWithinBounds) {
  auto lo = Exit(Code(1), RestartType::kPermanent, 0.0);
  history_.Reset();
  auto hi = Exit(Code(1), RestartType::kPermanent, 0.999999);
  EXPECT_EQ(lo.delay, 8ms);
  EXPECT_EQ(hi.delay, 11ms);  // 10 * 1.19999 truncated
}

TEST_F(PolicyTest, PermanentFailureCodeIsNeverRestarted) {
  auto d = Exit(Code(kExitPermanentFailure));
  EXPECT_EQ(d.kind, ExitDecision::Kind::kGiveUp);
  EXPECT_TRUE(history_.recent.empty());
}

TEST_F(PolicyTest, RestartTypes) {
  EXPECT_EQ(Exit(Code(0), RestartType::kTransient).kind, ExitDecision::Kind::kDone);
  EXPECT_EQ(Exit(Killed(SIGTERM), RestartType::kTransient).kind, ExitDecision::Kind::kDone);
  EXPECT_EQ(Exit(Killed(SIGSEGV), RestartType::kTransient).kind, ExitDecision::Kind::kRestart);
  EXPECT_EQ(Exit(Killed(SIGSEGV), RestartType::kTemporary).kind, ExitDecision::Kind::kDone);
  EXPECT_EQ(Exit(Code(0), RestartType::kPermanent).kind, ExitDecision::Kind::kRestart);
}

}  // namespace
}  // namespace forkv
