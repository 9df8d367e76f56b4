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

}  // namespace

// ---- construction and queries ---------------------------------------------

Supervisor::Supervisor(std::string name, Strategy strategy, RestartPolicy policy, bool dynamic,
                       HeartbeatPolicy heartbeat)
    : name_(std::move(name)),
      strategy_(strategy),
      policy_(policy),
      dynamic_(dynamic),
      heartbeat_(heartbeat) {
  // Per-child intensity (what makes a supervisor dynamic) has no meaning for
  // a group restart, so dynamic supervisors are one_for_one, like OTP's
  // simple_one_for_one.
  FORKV_CHECK(!dynamic_ || strategy_ == Strategy::kOneForOne);
}

std::vector<Action> Supervisor::AddChild(ChildSpec spec) {
  FORKV_CHECK(!spec.id.empty());
  FORKV_CHECK(by_id_.count(spec.id) == 0);
  next_deadline_valid_ = false;
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
  next_deadline_valid_ = false;
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
  if (next_deadline_valid_) return next_deadline_;
  SteadyTime next = SteadyTime::max();
  for (const auto& c : children_) {
    if (c->state == ChildState::kStopping && c->pid != 0 && !c->kill_sent) {
      next = std::min(next, c->until);
    }
    if (phase_ == Phase::kRunning && c->state == ChildState::kRestarting && !c->in_group) {
      next = std::min(next, c->until);
    }
    if (phase_ == Phase::kRunning && c->state == ChildState::kStarting && c->pid != 0 &&
        !c->kill_sent && heartbeat_.start_timeout > Millis(0)) {
      next = std::min(next, c->until);
    }
  }
  if (phase_ == Phase::kRunning && GroupExited()) next = std::min(next, group_at_);
  if (phase_ == Phase::kRunning) next = std::min(next, next_round_);
  next_deadline_ = next;
  next_deadline_valid_ = true;
  return next;
}

// ---- driving ----------------------------------------------------------------

std::vector<Action> Supervisor::Start(SteadyTime now) {
  FORKV_CHECK(phase_ == Phase::kIdle);
  phase_ = Phase::kRunning;
  next_deadline_valid_ = false;
  if (heartbeat_.ping_interval > Millis(0)) next_round_ = now + heartbeat_.ping_interval;
  std::vector<Action> out;
  for (auto& c : children_) SpawnChild(c.get(), &out);
  return out;
}

std::vector<Action> Supervisor::Handle(const Event& event, SteadyTime now, double jitter_sample) {
  std::vector<Action> out;
  if (!std::holds_alternative<Heard>(event) && !std::holds_alternative<Activity>(event)) {
    next_deadline_valid_ = false;
  }
  std::visit([&](const auto& e) { On(e, now, jitter_sample, &out); }, event);
  return out;
}

// Started: record the pid and arm the start deadline. A child asked to
// stop before its pid was known (it was `starting` with pid 0) gets its
// signal now.
void Supervisor::On(const Started& e, SteadyTime now, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || c->pid != 0) return;
  c->started_at = now;
  if (c->state == ChildState::kStarting) {
    c->pid = e.pid;
    c->until = now + heartbeat_.start_timeout;
  } else if (c->state == ChildState::kStopping) {
    c->pid = e.pid;
    SendStopSignal(c, now, out);
  }
}

// Heard: the child's current incarnation spoke; it is not hung.
void Supervisor::On(const Heard& e, SteadyTime, double, std::vector<Action>*) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || !IsAlive(*c) || c->pid == 0) return;
  c->heard = true;
  c->missed = 0;
}

// Activity: the child spoke (Heard) and says whether it has work; only a
// busy child is pinged under on-demand heartbeats.
void Supervisor::On(const Activity& e, SteadyTime, double, std::vector<Action>*) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || !IsAlive(*c) || c->pid == 0) return;
  c->heard = true;
  c->missed = 0;
  c->busy = e.busy;
}

// HibernateRequested: a running dynamic child leaves for good, cleanly: the
// parent tells it to exit (Hibernate), SIGKILL if it has not by its
// shutdown_timeout. Anything else (starting, stopping, no process) is left
// as it is: the caller asked about a child that is not idle and serving.
void Supervisor::On(const HibernateRequested& e, SteadyTime now, double, std::vector<Action>* out) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || !dynamic_ || phase_ != Phase::kRunning || c->state != ChildState::kRunning ||
      c->pid == 0 || c->kill_sent) {
    return;
  }
  c->state = ChildState::kStopping;
  c->intent = StopIntent::kHibernate;
  c->reason = "hibernating";
  c->until = now + c->spec.shutdown_timeout;
  out->push_back(Hibernate{c->spec.id, c->pid});
}

// Ready: starting -> running; stable uptime counts from here.
void Supervisor::On(const Ready& e, SteadyTime now, double, std::vector<Action>*) {
  ChildRecord* c = FindMutable(e.id);
  if (c == nullptr || c->state != ChildState::kStarting) return;
  c->heard = true;
  c->missed = 0;
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

// Tick: SIGKILL the children whose stop deadline passed (reverse start
// order, like stops); then, while running, SIGKILL the children late for
// their start deadline, run the heartbeat round if due, and spawn the
// children whose backoff is over and the pending group (start order). A
// SIGKILLed child's exit that follows is a crash like any other (or ends a
// stop).
void Supervisor::On(const Tick&, SteadyTime now, double, std::vector<Action>* out) {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    ChildRecord* c = it->get();
    if (c->state == ChildState::kStopping && c->pid != 0 && !c->kill_sent && now >= c->until) {
      Kill(c, out);
    }
  }
  if (phase_ != Phase::kRunning) return;
  if (heartbeat_.start_timeout > Millis(0)) {
    for (auto& c : children_) {
      if (c->state == ChildState::kStarting && c->pid != 0 && !c->kill_sent && now >= c->until) {
        Kill(c.get(), out,
             "not ready within " + std::to_string(heartbeat_.start_timeout.count()) + " ms");
      }
    }
  }
  if (now >= next_round_) HeartbeatRound(now, out);
  for (auto& c : children_) {
    if (c->state == ChildState::kRestarting && !c->in_group && now >= c->until) {
      SpawnChild(c.get(), out);
    }
  }
  MaybeRestartGroup(now, out);
}

// One heartbeat round: a running child that stayed silent for max_missed
// rounds is hung (SIGKILL); every other running child is pinged and its
// count goes up (Heard clears it). A starting child that said hello is
// pinged uncounted: loading is not pinged for liveness (the start deadline
// covers it), but a loading store must know the manager is alive.
void Supervisor::HeartbeatRound(SteadyTime now, std::vector<Action>* out) {
  ++round_;
  next_round_ = now + heartbeat_.ping_interval;
  for (auto& c : children_) {
    if (c->pid == 0 || c->kill_sent) continue;
    if (c->state == ChildState::kStarting) {
      if (c->heard) out->push_back(Ping{c->spec.id, round_});
    } else if (c->state == ChildState::kRunning) {
      if (heartbeat_.on_demand && !c->busy) continue;
      if (c->missed >= heartbeat_.max_missed) {
        Kill(c.get(), out, "missed " + std::to_string(c->missed) + " heartbeats");
        continue;
      }
      ++c->missed;
      out->push_back(Ping{c->spec.id, round_});
    }
  }
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
    case ChildState::kRestarting:
    case ChildState::kFailed:
      c->state = ChildState::kStopped;
      c->in_group = false;
      if (dynamic_) Remove(c, out);
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
    case ChildState::kRestarting:
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
// order; pending restarts are cancelled. Once only: a repeat changes nothing.
void Supervisor::On(const ShutdownRequested&, SteadyTime now, double, std::vector<Action>* out) {
  if (phase_ == Phase::kDone || phase_ == Phase::kShuttingDown) return;
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
        if (c->intent != StopIntent::kStop && c->intent != StopIntent::kHibernate) {
          c->intent = StopIntent::kShutdown;
        }
        break;
      case ChildState::kRestarting:
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

// KillRequested: shut down if that had not begun, then SIGKILL every live
// child that has not had one yet, in reverse start order.
void Supervisor::On(const KillRequested&, SteadyTime now, double jitter, std::vector<Action>* out) {
  if (phase_ == Phase::kDone) return;
  if (phase_ != Phase::kShuttingDown) On(ShutdownRequested{}, now, jitter, out);
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    ChildRecord* c = it->get();
    if (IsAlive(*c) && c->pid != 0 && !c->kill_sent) Kill(c, out);
  }
}

// ---- transitions --------------------------------------------------------------

void Supervisor::SpawnChild(ChildRecord* c, std::vector<Action>* out) {
  if (c->spawns > 0) {
    ++c->restarts;
    ++restarts_total_;
  }
  ++c->spawns;
  c->state = ChildState::kStarting;
  c->pid = 0;
  c->intent = StopIntent::kNone;
  c->kill_sent = false;
  c->in_group = false;
  c->ready = false;
  c->heard = false;
  c->missed = 0;
  c->busy = false;
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

void Supervisor::Kill(ChildRecord* c, std::vector<Action>* out, std::string why) {
  c->kill_sent = true;
  if (!why.empty()) c->reason = why;
  out->push_back(Signal{c->spec.id, c->pid, SIGKILL, std::move(why)});
}

void Supervisor::Remove(ChildRecord* c, std::vector<Action>* out) {
  std::string id = c->spec.id;
  Erase(c);
  out->push_back(Removed{std::move(id)});
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
    c->state = ChildState::kRestarting;
    c->until = group_at_;
    MaybeRestartGroup(now, out);
    return;
  }
  c->in_group = false;
  if (intent == StopIntent::kHibernate && dynamic_) {
    std::string id = c->spec.id;
    Erase(c);
    out->push_back(Removed{std::move(id), /*hibernated=*/true});
  } else if (intent == StopIntent::kStop && dynamic_) {
    Remove(c, out);  // a dropped store: forgotten once its process is gone
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
    c->state = ChildState::kRestarting;
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
    return DecideOnExit(policy_, c->spec.restart, status, up_since, now, jitter, &c->history);
  }
  RestartHistory h;
  h.recent = std::move(intensity_.recent);
  h.backoff_step = c->history.backoff_step;
  ExitDecision d = DecideOnExit(policy_, c->spec.restart, status, up_since, now, jitter, &h);
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
  trigger->state = ChildState::kRestarting;
  trigger->in_group = true;
  for (size_t i = children_.size(); i-- > first;) {
    ChildRecord* s = children_[i].get();
    if (s == trigger) continue;
    switch (s->state) {
      case ChildState::kStopped:
      case ChildState::kFailed:
        break;  // stopped on request, or given up: not ours to restart
      case ChildState::kRestarting:
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
    if (c->in_group && c->state == ChildState::kRestarting) c->until = group_at_;
  }
  MaybeRestartGroup(now, out);
}

// True when a group restart is pending and every member has exited.
bool Supervisor::GroupExited() const {
  if (strategy_ == Strategy::kOneForOne) return false;  // no groups: O(1) for the stores
  bool any = false;
  for (const auto& c : children_) {
    if (!c->in_group) continue;
    if (c->state != ChildState::kRestarting) return false;
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
    if (c->state == ChildState::kRestarting) {
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
