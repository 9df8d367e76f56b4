#include "manager/supervisor.h"

#include <algorithm>
#include <csignal>

#include "shared/check.h"

namespace forkv::sup {
namespace {

bool IsAlive(const ChildRecord& c) {
  return c.state == ChildState::kStarting || c.state == ChildState::kRunning ||
         c.state == ChildState::kStopping;
}

bool IsPermanentFailure(const ExitStatus& s) {
  return !s.signaled && s.code == kExitPermanentFailure;
}

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
    case ChildState::kBackoff:
      return "backoff";
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
      return "signal " + a.id + " pid=" + std::to_string(a.pid) + " " + SignalName(a.sig);
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

// ---- construction and queries ---------------------------------------------

Supervisor::Supervisor(std::string name, Strategy strategy, RestartPolicy policy, bool dynamic)
    : name_(std::move(name)), strategy_(strategy), policy_(policy), dynamic_(dynamic) {
  // Per-child intensity (what makes a supervisor dynamic) has no meaning for
  // a group restart, so dynamic supervisors are one_for_one, like OTP's
  // simple_one_for_one.
  FORKV_CHECK(!dynamic_ || strategy_ == Strategy::kOneForOne);
}

std::vector<Action> Supervisor::AddChild(ChildSpec spec) {
  FORKV_CHECK(!spec.id.empty());
  FORKV_CHECK(by_id_.count(spec.id) == 0);
  auto record = std::make_unique<ChildRecord>();
  record->spec = std::move(spec);
  ChildRecord* c = record.get();
  children_.push_back(std::move(record));
  by_id_[c->spec.id] = c;
  std::vector<Action> out;
  if (phase_ == Phase::kRunning) SpawnChild(c, &out);
  return out;
}

bool Supervisor::RemoveChild(const std::string& id) {
  ChildRecord* c = FindMutable(id);
  if (c == nullptr || IsAlive(*c)) return false;
  // A group restart that waited for this child no longer does: NextDeadline()
  // reports it and the next Tick spawns the rest.
  Erase(c);
  return true;
}

const ChildRecord* Supervisor::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

ChildRecord* Supervisor::FindMutable(const std::string& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<const ChildRecord*> Supervisor::Children() const {
  std::vector<const ChildRecord*> out;
  out.reserve(children_.size());
  for (const auto& c : children_) out.push_back(c.get());
  return out;
}

size_t Supervisor::LiveCount() const {
  return static_cast<size_t>(
      std::count_if(children_.begin(), children_.end(), [](const auto& c) { return IsAlive(*c); }));
}

void Supervisor::Erase(ChildRecord* c) {
  by_id_.erase(c->spec.id);
  children_.erase(std::find_if(children_.begin(), children_.end(),
                               [c](const auto& p) { return p.get() == c; }));
}

SteadyTime Supervisor::NextDeadline() const {
  SteadyTime next = SteadyTime::max();
  for (const auto& c : children_) {
    if (c->state == ChildState::kStopping && c->pid != 0 && !c->kill_sent) {
      next = std::min(next, c->until);
    }
    if (phase_ == Phase::kRunning && c->state == ChildState::kBackoff && !c->in_group) {
      next = std::min(next, c->until);
    }
  }
  if (phase_ == Phase::kRunning && GroupExited()) next = std::min(next, group_at_);
  return next;
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
    if (c->state == ChildState::kBackoff) {
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

// ---- driving ----------------------------------------------------------------

std::vector<Action> Supervisor::Start() {
  FORKV_CHECK(phase_ == Phase::kIdle);
  phase_ = Phase::kRunning;
  std::vector<Action> out;
  for (auto& c : children_) SpawnChild(c.get(), &out);
  return out;
}

std::vector<Action> Supervisor::Handle(const Event& event, SteadyTime now, double jitter_sample) {
  std::vector<Action> out;
  std::visit([&](const auto& e) { On(e, now, jitter_sample, &out); }, event);
  return out;
}

// Started: record the pid. A child asked to stop before its pid was known
// (it was `starting` with pid 0) gets its signal now.
void Supervisor::On(const Started& e, SteadyTime now, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || c->pid != 0) return;
  if (c->state == ChildState::kStarting) {
    c->pid = e.pid;
  } else if (c->state == ChildState::kStopping) {
    c->pid = e.pid;
    SendStopSignal(c, now, out);
  }
}

// Ready: starting -> running; stable uptime counts from here.
void Supervisor::On(const Ready& e, SteadyTime now, double, std::vector<Action>*) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || c->state != ChildState::kStarting) return;
  c->state = ChildState::kRunning;
  c->ready = true;
  c->ready_at = now;
}

// Exited: a child we were stopping finishes per its intent; any other exit
// is the child's own doing and goes through the restart decision.
void Supervisor::On(const Exited& e, SteadyTime now, double jitter, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || !IsAlive(*c)) return;  // stale: already handled
  bool was_ready = c->ready;
  c->pid = 0;
  c->ready = false;
  c->kill_sent = false;
  c->last_exit = e.status.ToString();
  if (c->state == ChildState::kStopping) {
    FinishStop(c, now, out);
    return;
  }
  if (phase_ != Phase::kRunning) {
    // Escalated: this supervisor restarts nothing any more.
    c->state = ChildState::kStopped;
    c->reason = "not restarted: supervisor " + std::string(PhaseName(phase_));
    MaybeCompleteShutdown(out);
    return;
  }
  DecideExit(c, e.status, was_ready, now, jitter, out);
}

// HeartbeatMissed: hung (or never got ready). SIGKILL once per incarnation;
// the exit that follows is a crash like any other (or ends a stop).
void Supervisor::On(const HeartbeatMissed& e, SteadyTime, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || !IsAlive(*c) || c->pid == 0 || c->kill_sent) return;
  Kill(c, out);
}

// Tick: SIGKILL the children whose stop deadline passed (reverse start
// order, like stops), then spawn the children whose backoff is over and the
// pending group (start order).
void Supervisor::On(const Tick&, SteadyTime now, double, std::vector<Action>* out) {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    ChildRecord* c = it->get();
    if (c->state == ChildState::kStopping && c->pid != 0 && !c->kill_sent && now >= c->until) {
      Kill(c, out);
    }
  }
  if (phase_ != Phase::kRunning) return;
  for (auto& c : children_) {
    if (c->state == ChildState::kBackoff && !c->in_group && now >= c->until) {
      SpawnChild(c.get(), out);
    }
  }
  MaybeRestartGroup(now, out);
}

// StopRequested: live -> stopping (intent stop); not live -> stopped at once.
// A dynamic child is removed once it has no process. Ignored during shutdown
// (everything is being stopped anyway).
void Supervisor::On(const StopRequested& e, SteadyTime now, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || phase_ == Phase::kShuttingDown || phase_ == Phase::kDone) return;
  c->reason = "stopped on request";
  switch (c->state) {
    case ChildState::kStarting:
    case ChildState::kRunning:
      BeginStop(c, StopIntent::kStop, now, out);
      return;
    case ChildState::kStopping:
      // Leaving a group restart: the group may now be complete.
      c->intent = StopIntent::kStop;
      c->in_group = false;
      MaybeRestartGroup(now, out);
      return;
    case ChildState::kStopped:
    case ChildState::kBackoff:
    case ChildState::kFailed:
      c->state = ChildState::kStopped;
      c->in_group = false;
      if (dynamic_) Erase(c);
      MaybeRestartGroup(now, out);
      return;
  }
}

// RestartRequested (`forkv restart`): clears the child's backoff and its
// own intensity window, then restarts it now: at once if it has no process,
// after its exit if it has one. Never counted in the intensity. A child in a
// pending group restart is left to the group. Only while running.
void Supervisor::On(const RestartRequested& e, SteadyTime now, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || phase_ != Phase::kRunning || c->in_group) return;
  c->history.Reset();
  c->reason = "restart requested";
  switch (c->state) {
    case ChildState::kStopped:
    case ChildState::kBackoff:
    case ChildState::kFailed:
      SpawnChild(c, out);
      return;
    case ChildState::kStarting:
    case ChildState::kRunning:
      BeginStop(c, StopIntent::kRestart, now, out);
      return;
    case ChildState::kStopping:
      c->intent = StopIntent::kRestart;
      return;
  }
}

// ShutdownRequested: every live child gets SIGTERM at once, in reverse start
// order; pending restarts are cancelled. A second request SIGKILLs the rest.
void Supervisor::On(const ShutdownRequested&, SteadyTime now, double, std::vector<Action>* out) {
  if (phase_ == Phase::kDone) return;
  if (phase_ == Phase::kShuttingDown) {
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      ChildRecord* c = it->get();
      if (IsAlive(*c) && c->pid != 0 && !c->kill_sent) Kill(c, out);
    }
    return;
  }
  phase_ = Phase::kShuttingDown;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    ChildRecord* c = it->get();
    c->in_group = false;
    switch (c->state) {
      case ChildState::kStarting:
      case ChildState::kRunning:
        c->reason = "shutdown";
        BeginStop(c, StopIntent::kShutdown, now, out);
        break;
      case ChildState::kStopping:
        // Already signalled; keep its deadline. A stop on request stays one
        // (a dynamic child is still removed after it exits).
        if (c->intent != StopIntent::kStop) c->intent = StopIntent::kShutdown;
        break;
      case ChildState::kBackoff:
        c->state = ChildState::kStopped;
        c->reason = "shutdown";
        break;
      case ChildState::kStopped:
      case ChildState::kFailed:
        break;
    }
  }
  MaybeCompleteShutdown(out);
}

// ---- transitions --------------------------------------------------------------

void Supervisor::SpawnChild(ChildRecord* c, std::vector<Action>* out) {
  if (c->spawns > 0) ++c->restarts;
  ++c->spawns;
  c->state = ChildState::kStarting;
  c->pid = 0;
  c->intent = StopIntent::kNone;
  c->kill_sent = false;
  c->in_group = false;
  c->ready = false;
  out->push_back(Spawn{c->spec.id});
}

void Supervisor::BeginStop(ChildRecord* c, StopIntent intent, SteadyTime now,
                           std::vector<Action>* out) {
  c->intent = intent;
  if (c->state == ChildState::kStopping) return;  // already signalled: keep its deadline
  c->state = ChildState::kStopping;
  SendStopSignal(c, now, out);
}

// SIGTERM with a SIGKILL deadline, or SIGKILL at once for a zero timeout.
// Without a pid yet (spawned, Started not fed) the signal waits for Started.
void Supervisor::SendStopSignal(ChildRecord* c, SteadyTime now, std::vector<Action>* out) {
  if (c->pid == 0 || c->kill_sent) return;
  if (c->spec.shutdown_timeout <= Millis(0)) {
    Kill(c, out);
    return;
  }
  c->until = now + c->spec.shutdown_timeout;
  out->push_back(Signal{c->spec.id, c->pid, SIGTERM});
}

void Supervisor::Kill(ChildRecord* c, std::vector<Action>* out) {
  c->kill_sent = true;
  out->push_back(Signal{c->spec.id, c->pid, SIGKILL});
}

// A child we were stopping has exited.
void Supervisor::FinishStop(ChildRecord* c, SteadyTime now, std::vector<Action>* out) {
  StopIntent intent = c->intent;
  c->intent = StopIntent::kNone;
  c->state = ChildState::kStopped;
  if (phase_ == Phase::kRunning && intent == StopIntent::kRestart) {
    // Operator restart: spawn again at once, no backoff, no intensity count.
    SpawnChild(c, out);
    return;
  }
  if (phase_ == Phase::kRunning && intent == StopIntent::kGroup) {
    // Stopped for a group restart: wait for the rest of the group.
    c->state = ChildState::kBackoff;
    c->until = group_at_;
    MaybeRestartGroup(now, out);
    return;
  }
  c->in_group = false;
  if (intent == StopIntent::kStop && dynamic_) {
    Erase(c);  // a dropped store: forgotten once its process is gone
  } else if (intent == StopIntent::kGroup || intent == StopIntent::kRestart) {
    c->reason = "not restarted: supervisor " + std::string(PhaseName(phase_));
  }
  MaybeCompleteShutdown(out);
}

// A child exited on its own while the supervisor runs.
void Supervisor::DecideExit(ChildRecord* c, const ExitStatus& status, bool was_ready,
                            SteadyTime now, double jitter, std::vector<Action>* out) {
  // Uptime for the backoff reset counts from Ready: a child that loads for
  // longer than stable_after and then crashes was never stable.
  ExitDecision d = Decide(c, status, was_ready ? c->ready_at : now, now, jitter);
  c->reason = d.reason;
  switch (d.kind) {
    case ExitDecision::Kind::kDone:
      // Temporary child, or transient child that exited cleanly: stays stopped.
      c->state = ChildState::kStopped;
      return;
    case ExitDecision::Kind::kGiveUp: {
      // Exit 125 or intensity exceeded: failed. A dynamic child is just
      // failed (other children keep running); a static child is part of
      // what this supervisor is for, so the supervisor escalates, except
      // for a temporary child's exit 125 (it would not be restarted anyway).
      c->state = ChildState::kFailed;
      out->push_back(GiveUp{c->spec.id, c->last_exit + "; " + d.reason});
      bool permanent = IsPermanentFailure(status);
      if (!dynamic_ && !(permanent && c->spec.restart == RestartType::kTemporary)) {
        EscalateNow(name_ + ": " + c->spec.id + " " + c->last_exit + "; " + d.reason, permanent,
                    out);
      }
      return;
    }
    case ExitDecision::Kind::kRestart:
      break;
  }
  if (strategy_ == Strategy::kOneForOne) {
    // Restart this child alone once its backoff is over.
    c->state = ChildState::kBackoff;
    c->until = now + d.delay;
    return;
  }
  BeginGroupRestart(c, now + d.delay, now, out);
}

// DecideOnExit with the right intensity window: the child's own (dynamic)
// or the supervisor's (static). The backoff step is always the child's.
ExitDecision Supervisor::Decide(ChildRecord* c, const ExitStatus& status, SteadyTime up_since,
                                SteadyTime now, double jitter) {
  if (dynamic_) {
    return DecideOnExit(policy_, c->spec.restart, status, /*stop_requested=*/false, up_since, now,
                        jitter, &c->history);
  }
  RestartHistory h;
  h.recent = std::move(intensity_.recent);
  h.backoff_step = c->history.backoff_step;
  ExitDecision d = DecideOnExit(policy_, c->spec.restart, status, /*stop_requested=*/false,
                                up_since, now, jitter, &h);
  intensity_.recent = std::move(h.recent);
  c->history.backoff_step = h.backoff_step;
  return d;
}

// one_for_all / rest_for_one: `trigger` exited and must be restarted. Its
// group (everyone, or everyone started after it) is stopped in reverse start
// order and respawned in start order once all have exited and `at` passed.
// A group already pending (another member crashed first) is merged into.
void Supervisor::BeginGroupRestart(ChildRecord* trigger, SteadyTime at, SteadyTime now,
                                   std::vector<Action>* out) {
  bool pending =
      std::any_of(children_.begin(), children_.end(), [](const auto& c) { return c->in_group; });
  group_at_ = pending ? std::max(group_at_, at) : at;
  size_t first = 0;
  if (strategy_ == Strategy::kRestForOne) {
    while (children_[first].get() != trigger) ++first;
  }
  trigger->state = ChildState::kBackoff;
  trigger->in_group = true;
  for (size_t i = children_.size(); i-- > first;) {
    ChildRecord* s = children_[i].get();
    if (s == trigger) continue;
    switch (s->state) {
      case ChildState::kStopped:
      case ChildState::kFailed:
        break;  // stopped on request, or given up: not ours to restart
      case ChildState::kBackoff:
        s->in_group = true;  // its own restart joins the group's
        break;
      case ChildState::kStopping:
        if (s->intent == StopIntent::kRestart) {
          s->intent = StopIntent::kGroup;
          s->in_group = true;
        }
        break;  // a stop on request stays one
      case ChildState::kStarting:
      case ChildState::kRunning:
        if (s->spec.restart == RestartType::kTemporary) {
          s->reason =
              "stopped by the restart of " + trigger->spec.id + "; temporary: not restarted";
          BeginStop(s, StopIntent::kStop, now, out);
        } else {
          s->reason = "stopped to restart with " + trigger->spec.id;
          s->in_group = true;
          BeginStop(s, StopIntent::kGroup, now, out);
        }
        break;
    }
  }
  for (auto& c : children_) {
    if (c->in_group && c->state == ChildState::kBackoff) c->until = group_at_;
  }
  MaybeRestartGroup(now, out);
}

// True when a group restart is pending and every member has exited.
bool Supervisor::GroupExited() const {
  bool any = false;
  for (const auto& c : children_) {
    if (!c->in_group) continue;
    if (c->state != ChildState::kBackoff) return false;
    any = true;
  }
  return any;
}

void Supervisor::MaybeRestartGroup(SteadyTime now, std::vector<Action>* out) {
  if (phase_ != Phase::kRunning || !GroupExited() || now < group_at_) return;
  for (auto& c : children_) {
    if (c->in_group) SpawnChild(c.get(), out);
  }
}

// The supervisor gives up: nothing is restarted any more. Live children keep
// running until the parent sends ShutdownRequested (see the header).
void Supervisor::EscalateNow(std::string reason, bool permanent, std::vector<Action>* out) {
  phase_ = Phase::kEscalated;
  for (auto& c : children_) {
    c->in_group = false;
    if (c->state == ChildState::kBackoff) {
      c->state = ChildState::kStopped;
      c->reason = "not restarted: supervisor escalated";
    }
  }
  out->push_back(Escalate{std::move(reason), permanent});
}

void Supervisor::MaybeCompleteShutdown(std::vector<Action>* out) {
  if (phase_ != Phase::kShuttingDown || LiveCount() > 0) return;
  phase_ = Phase::kDone;
  out->emplace_back(std::in_place_type<ShutdownComplete>);
}

}  // namespace forkv::sup
