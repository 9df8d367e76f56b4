// Names, action text and Dump() of the supervisor (manager/supervisor.h).
#include <csignal>

#include "manager/supervisor.h"  // IWYU pragma: associated

namespace forkv::sup {
namespace {

// "+20ms", "-3ms": a timer relative to the dump's `now`.
std::string Relative(SteadyTime t, SteadyTime now) {
  int64_t ms = std::chrono::duration_cast<Millis>(t - now).count();
  return (ms >= 0 ? "+" : "") + std::to_string(ms) + "ms";
}

}  // namespace

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kOneForOne:
      return "one_for_one";
    case Strategy::kOneForAll:
      return "one_for_all";
    case Strategy::kRestForOne:
      return "rest_for_one";
  }
  return "?";
}

std::string_view ChildStateName(ChildState s) {
  switch (s) {
    case ChildState::kStopped:
      return "stopped";
    case ChildState::kStarting:
      return "starting";
    case ChildState::kRunning:
      return "running";
    case ChildState::kRestarting:
      return "restarting";
    case ChildState::kStopping:
      return "stopping";
    case ChildState::kFailed:
      return "failed";
  }
  return "?";
}

std::string_view PhaseName(Phase p) {
  switch (p) {
    case Phase::kIdle:
      return "idle";
    case Phase::kRunning:
      return "running";
    case Phase::kEscalated:
      return "escalated";
    case Phase::kShuttingDown:
      return "shutting_down";
    case Phase::kDone:
      return "done";
  }
  return "?";
}

std::string ToString(const Action& action) {
  struct Printer {
    std::string operator()(const Spawn& a) const { return "spawn " + a.id; }
    std::string operator()(const Signal& a) const {
      return "signal " + a.id + " pid=" + std::to_string(a.pid) + " " + SignalName(a.sig) +
             (a.why.empty() ? "" : " (" + a.why + ")");
    }
    std::string operator()(const Ping& a) const {
      return "ping " + a.id + " #" + std::to_string(a.seq);
    }
    std::string operator()(const Hibernate& a) const {
      return "hibernate " + a.id + " pid=" + std::to_string(a.pid);
    }
    std::string operator()(const Removed& a) const {
      return "removed " + a.id + (a.hibernated ? " hibernated" : "");
    }
    std::string operator()(const GiveUp& a) const {
      return "give_up " + a.id + " (" + a.reason + ")";
    }
    std::string operator()(const Escalate& a) const {
      return std::string("escalate ") + (a.permanent ? "permanent " : "") + "(" + a.reason + ")";
    }
    std::string operator()(const ShutdownComplete&) const { return "shutdown_complete"; }
  };
  return std::visit(Printer{}, action);
}

std::string ToString(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    if (!out.empty()) out += ", ";
    out += ToString(a);
  }
  return out;
}

std::string Supervisor::Dump(SteadyTime now) const {
  std::string out = name_ + "(" + std::string(StrategyName(strategy_));
  if (phase_ != Phase::kRunning) out += ", " + std::string(PhaseName(phase_));
  out += ")";
  if (children_.empty()) return out + " -";
  bool first = true;
  for (const auto& c : children_) {
    out += first ? " " : " | ";
    first = false;
    out += c->spec.id + ":" + std::string(ChildStateName(c->state));
    if (c->pid != 0) out += " pid=" + std::to_string(c->pid);
    if (c->restarts > 0) out += " restarts=" + std::to_string(c->restarts);
    if (c->state == ChildState::kRunning && c->missed > 0) {
      out += " missed=" + std::to_string(c->missed);
    }
    if (c->state == ChildState::kRestarting) {
      out += " until=" + Relative(c->until, now);
      if (c->in_group) out += " group";
    }
    if (c->state == ChildState::kStopping) {
      if (c->kill_sent) {
        out += " killed";
      } else if (c->pid != 0) {
        out += " kill=" + Relative(c->until, now);
      }
    }
  }
  return out;
}

}  // namespace forkv::sup
