// The supervisor test fixture: a Supervisor fed synthetic events with a
// fake clock, playing the manager (every Spawn answered with Started and a
// new pid). Shared by supervisor_test.cc and supervisor_heartbeat_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "manager/supervisor.h"

namespace forkv::sup::testing_support {

using namespace std::chrono_literals;

inline ExitStatus Code(int c) { return {.signaled = false, .code = c, .signal = 0}; }
inline ExitStatus Killed(int sig) { return {.signaled = true, .code = 0, .signal = sig}; }

inline ChildSpec Spec(std::string id, RestartType type = RestartType::kPermanent,
                      Millis shutdown_timeout = 100ms) {
  return {.id = std::move(id), .restart = type, .shutdown_timeout = shutdown_timeout};
}

class SupervisorTest : public ::testing::Test {
 protected:
  // A supervisor named "sup" with the given children (start order).
  void Make(Strategy strategy, const std::vector<ChildSpec>& specs, bool dynamic = false,
            HeartbeatPolicy heartbeat = {}) {
    sup_ = std::make_unique<Supervisor>("sup", strategy, policy_, dynamic, heartbeat);
    for (const ChildSpec& s : specs) EXPECT_EQ(ToString(sup_->AddChild(s)), "");
  }
  std::string Start() { return Execute(sup_->Start(now_)); }
  std::string Feed(const Event& e) { return Execute(sup_->Handle(e, now_, jitter_)); }
  std::string Tick() { return Feed(sup::Tick{}); }
  std::string Crash(const std::string& id) { return Feed(Exited{id, Killed(SIGKILL)}); }
  std::string Terminated(const std::string& id) { return Feed(Exited{id, Killed(SIGTERM)}); }
  std::string Dump() const { return sup_->Dump(now_); }
  void ReadyAll() {
    for (const ChildRecord* c : sup_->Children()) {
      if (c->state == ChildState::kStarting) {
        EXPECT_EQ(Feed(Ready{c->spec.id}), "");
      }
    }
  }
  // How long until the child's timer (backoff or kill deadline).
  Millis TimerOf(const std::string& id) const {
    return std::chrono::duration_cast<Millis>(sup_->Find(id)->until - now_);
  }
  ChildState StateOf(const std::string& id) const { return sup_->Find(id)->state; }

  // Plays the manager: every Spawn is answered with Started and a new pid
  // (10, 11, ...), unless auto_start_ is off.
  std::string Execute(const std::vector<Action>& actions) {
    for (const Action& a : actions) {
      const auto* spawn = std::get_if<Spawn>(&a);
      if (spawn == nullptr || !auto_start_) continue;
      auto more = sup_->Handle(Started{spawn->id, next_pid_++}, now_, jitter_);
      EXPECT_TRUE(more.empty()) << ToString(more);
    }
    return ToString(actions);
  }

  RestartPolicy policy_;  // 3 restarts in 5 s, backoff 10 ms doubling, stable after 10 s
  SteadyTime now_ = SteadyTime{} + 1h;
  double jitter_ = 0.5;  // factor exactly 1: no jitter
  bool auto_start_ = true;
  pid_t next_pid_ = 10;
  std::unique_ptr<Supervisor> sup_;
};

}  // namespace forkv::sup::testing_support
