// An OTP supervisor as a pure state machine: one supervisor owns an ordered
// list of children (start order) and a restart strategy. The manager feeds it
// events (a child started, was heard from, became ready, exited, time
// passed, an operator asked for a stop, restart, shutdown or kill) and
// executes the actions it returns (spawn, signal, ping, give up, escalate,
// removed, shutdown complete). Heartbeats and start deadlines are its own
// timers: it decides when to ping and when a silent child is hung.
// No sockets, signals, clocks or fork here: `now` and a uniform random
// `jitter_sample` are passed in, so every path is unit-tested with a fake
// clock (tests/unit/supervisor_test.cc). The single-exit restart decision
// (restart type, exit 125, intensity window, exponential backoff with
// jitter) is DecideOnExit() from supervisor_policy.h; this class adds the
// per-child state, strategies, stop/kill timers and shutdown on top of it.
//
// Per-child states and what each event does to them (while the supervisor
// is running; "decide" is the exit decision described below):
//
//   state       Started    Ready    Exited     Stop        Restart      Tick
//   stopped     -          -        -          dyn:remove  spawn        -
//   starting    pid        running  decide     TERM>stop   TERM>stop    late: SIGKILL (1)
//   running     -          -        decide     TERM>stop   TERM>stop    silent: SIGKILL (2)
//   restarting  -          -        -          stopped     spawn now    due: spawn
//   stopping    pid,TERM*  -        by intent  intent stop intent rstrt due: SIGKILL
//   failed      -          -        -          stopped     spawn        -
//
//   (*) a stop asked for before Started arrived is signalled when it does.
//   "restarting" is the wait before a restart (backoff, or a group restart
//   waiting for its members to exit).
//   Heard (any control message of the current incarnation) clears its
//   missed-heartbeat count; Ready implies Heard.
//   (1) start deadline: a starting child not Ready within
//       HeartbeatPolicy::start_timeout of its Started is SIGKILLed ("not
//       ready within N ms"); the exit that follows is a crash.
//   (2) heartbeats: every ping_interval (one round for all children) a
//       running child gets a Ping, and its missed count goes up; a child
//       whose count reached max_missed gets SIGKILL instead ("missed N
//       heartbeats"). A starting child that was Heard gets an uncounted Ping
//       (so a loading store knows the manager is alive). No rounds unless
//       the supervisor is running.
//   On-demand heartbeats (HeartbeatPolicy::on_demand, the stores): a running
//   child is pinged only while busy. Activity{busy} (it implies Heard) sets
//   or clears that; a busy child that stays silent for max_missed rounds is
//   SIGKILLed as above. An idle child gets nothing: its death is SIGCHLD's,
//   and whoever finds it unresponsive feeds Activity{busy=true} for it.
//   HibernateRequested (a running dynamic child): stopping with intent
//   hibernate; a Hibernate action (the parent tells the child to exit) and
//   SIGKILL at shutdown_timeout if it has not; its exit, whatever the status,
//   removes it (Removed{hibernated}): no restart, no backoff.
//   "stopping" remembers why (its intent): stop (operator: stays stopped; a
//   dynamic child is then removed), hibernate (the same, reported as such), restart (operator:
//   spawned again at once, no backoff, not counted in the intensity), group (stopped by a
//   one_for_all / rest_for_one restart: waits in backoff for the group),
//   shutdown (stays stopped; ShutdownComplete once none is alive).
//   A dynamic child that is removed (a stop on request ended) is reported
//   with a Removed action: the parent forgets it then, without polling.
//   Events for unknown ids, or that do not fit the state (a second Exited,
//   Ready while stopping), are ignored: they are stale, not errors.
//
// Decide, for a child that exited on its own (DecideOnExit):
//   temporary child, or transient child with exit 0 / SIGTERM -> stopped
//     (a SIGTERM counts as clean even if someone else sent it, as in
//     DecideOnExit and systemd's Restart=on-failure)
//   exit 125 (kExitPermanentFailure)  -> failed + GiveUp; a static supervisor
//     then also Escalates (permanent=true), unless the child is temporary
//   more than max_restarts restarts within max_window -> failed + GiveUp;
//     static supervisor: also Escalate
//   otherwise, restart after backoff_initial * 2^n (cap backoff_max, jitter),
//     n reset once the child had been Ready for stable_after:
//       one_for_one:  only this child, after its delay;
//       one_for_all:  every other live child gets SIGTERM (SIGKILL after its
//                     shutdown_timeout), in reverse start order; once all of
//                     them have exited and the delay has passed, all are
//                     spawned again in start order;
//       rest_for_one: the same for the children started after this one.
//     Children stopped or failed are left alone by a group restart, and
//     temporary siblings are stopped but not restarted (OTP deletes them).
//
// Restart intensity (OTP's MaxR in MaxT): a static supervisor (db pool, the
// root) counts every restart it performs in one window, whichever child it
// was for; a group restart counts once; a child that exits before Ready was a
// failed restart attempt and counts too (so does a failed spawn, reported as
// Exited 111). Exceeding it escalates. A dynamic supervisor (the stores,
// like OTP's simple_one_for_one; must be one_for_one) keeps one window per
// child: a store over the limit is failed (GiveUp) while the others keep
// serving. Operator restarts never count.
//
// Escalate: the supervisor stops restarting anything (phase "escalated"), but
// it does not kill its children itself, unlike an OTP supervisor: the parent
// (the manager) decides the order, e.g. stores before database workers so
// in-flight writes can still be acknowledged, and sends ShutdownRequested.
// The root's escalation means: orderly shutdown, then exit 111 (125 when
// `permanent`), for systemd to decide.
//
// Shutdown: every live child gets SIGTERM at once, in reverse start order,
// each with its own SIGKILL deadline (shutdown_timeout). OTP stops one child
// at a time; here the order between groups (stores before database workers)
// comes from the manager shutting one supervisor down before the other, and
// stopping hundreds of independent stores one by one would make a shutdown
// last hundreds of timeouts. Backoff children are just cancelled. Once no
// child is alive: ShutdownComplete (once). KillRequested (a second SIGTERM
// at the root) SIGKILLs every live child immediately, shutting down first
// if that had not begun.
//
// A shutdown_timeout of 0 means SIGKILL at once (OTP's brutal_kill).
//
// How the manager drives it:
//   - AddChild() each child, then Start(); execute the returned actions;
//   - on Spawn{id}: spawn the process, then feed Started{id, pid}; if the
//     spawn failed, feed Exited{id, exit 111} instead, immediately;
//   - the child's "ready" message: Ready; each reaped pid: Exited (map the pid
//     to the id yourself, the supervisor never sees unknown pids);
//   - every control message from the child's current incarnation: Heard;
//   - on Ping{id, seq}: send the child a ping;
//   - poll with a timeout of NextDeadline() - now, and feed Tick whenever
//     now >= NextDeadline() (feeding it more often is harmless);
//   - `forkv drop/stop`: StopRequested; `forkv restart`: RestartRequested;
//     SIGTERM: ShutdownRequested (the order between supervisors is the
//     root's, manager/root_machine.h); a second SIGTERM: KillRequested;
//   - on Removed{id}: the dynamic child is gone from the supervisor.
//
// Thread-safety: none; one supervisor belongs to the manager's loop thread.
// Copying is deleted: ChildRecord pointers handed out stay valid until that
// child is removed (RemoveChild, or a dynamic child's stop: Removed).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "manager/supervisor_policy.h"
#include "shared/clock.h"
#include "shared/proc.h"

namespace forkv::sup {

enum class Strategy { kOneForOne, kOneForAll, kRestForOne };
std::string_view StrategyName(Strategy s);  // "one_for_one", ...

// Heartbeats and start deadlines. A zero ping_interval (the default) means
// no heartbeat rounds; a zero start_timeout means no start deadline.
struct HeartbeatPolicy {
  Millis ping_interval{0};
  int max_missed = 3;       // rounds without a word before SIGKILL
  Millis start_timeout{0};  // Started -> Ready, at most
  // Pings only for running children that are busy (Activity, below): an
  // idle child costs no message at all (stores; see the header comment).
  bool on_demand = false;
};

struct ChildSpec {
  std::string id;  // unique within the supervisor
  RestartType restart = RestartType::kPermanent;
  Millis shutdown_timeout{5000};  // SIGTERM, then SIGKILL after this; 0 = SIGKILL at once
};

// ---- events -------------------------------------------------------------

struct Started {  // the manager spawned it (after a Spawn action)
  std::string id;
  pid_t pid = 0;
};
struct Ready {  // it said it is serving
  std::string id;
};
struct Exited {  // reaped (or its spawn failed: exit 111)
  std::string id;
  ExitStatus status;
};
struct Heard {  // a control message from the child's current incarnation
  std::string id;
};
struct Activity {  // the child has work (busy) or has had none for a while
  std::string id;
  bool busy = false;
};
struct HibernateRequested {  // an idle dynamic child is to exit cleanly, for
  std::string id;            // good: Hibernate, then Removed{hibernated} on exit
};
struct Tick {};         // time passed; timers due at `now` fire
struct StopRequested {  // operator stop / drop: SIGTERM, no restart;
  std::string id;       // a dynamic child is removed once it has exited
};
struct RestartRequested {  // `forkv restart`: clears failed/backoff, restarts now
  std::string id;
};
struct ShutdownRequested {};  // stop every child (SIGTERM, SIGKILL after the timeout)
struct KillRequested {};      // SIGKILL every live child now; shuts down too

using Event = std::variant<Started, Heard, Ready, Exited, Activity, HibernateRequested, Tick,
                           StopRequested, RestartRequested, ShutdownRequested, KillRequested>;

// ---- actions ------------------------------------------------------------

struct Spawn {  // start the child's process, then feed Started or Exited(111)
  std::string id;
  bool operator==(const Spawn&) const = default;
};
struct Signal {  // kill(pid, sig); sig is SIGTERM or SIGKILL
  std::string id;
  pid_t pid = 0;
  int sig = 0;
  std::string why;  // set for kills the supervisor decided on its own (hung, late)
  bool operator==(const Signal&) const = default;
};
struct Ping {  // send the child a heartbeat ping with this round's seq
  std::string id;
  uint64_t seq = 0;
  bool operator==(const Ping&) const = default;
};
struct GiveUp {  // the child is now `failed` and will not be restarted
  std::string id;
  std::string reason;
  bool operator==(const GiveUp&) const = default;
};
struct Escalate {  // this supervisor exceeded its intensity: the parent handles it
  std::string reason;
  bool permanent = false;  // caused by exit 125: the root should exit 125, not 111
  bool operator==(const Escalate&) const = default;
};
struct Hibernate {  // tell the child to finish its work and exit (a control message)
  std::string id;
  pid_t pid = 0;
  bool operator==(const Hibernate&) const = default;
};
struct Removed {  // a dynamic child's stop ended: the supervisor forgot it
  std::string id;
  bool hibernated = false;  // it ended a HibernateRequested, not a stop
  bool operator==(const Removed&) const = default;
};
struct ShutdownComplete {  // after ShutdownRequested: no child is alive any more
  bool operator==(const ShutdownComplete&) const = default;
};

using Action =
    std::variant<Spawn, Signal, Ping, GiveUp, Escalate, Hibernate, Removed, ShutdownComplete>;

// "spawn a", "signal a pid=10 SIGTERM" (+ " (why)" when set), "ping a #3",
// "give_up a (reason)", "escalate (reason)" / "escalate permanent (reason)",
// "hibernate a pid=10", "removed a" / "removed a hibernated", "shutdown_complete".
std::string ToString(const Action& action);
// The actions joined with ", "; "" when empty.
std::string ToString(const std::vector<Action>& actions);

// ---- state --------------------------------------------------------------

enum class ChildState { kStopped, kStarting, kRunning, kRestarting, kStopping, kFailed };
// "stopped", "starting", "running", "restarting", "stopping", "failed": the
// names `forkv status` shows.
std::string_view ChildStateName(ChildState s);

// Why a `stopping` child is being stopped: what happens when it exits.
enum class StopIntent { kNone, kStop, kRestart, kGroup, kShutdown, kHibernate };

// idle (before Start) -> running -> [escalated ->] shutting_down -> done.
enum class Phase { kIdle, kRunning, kEscalated, kShuttingDown, kDone };
std::string_view PhaseName(Phase p);

struct ChildRecord {
  ChildSpec spec;
  ChildState state = ChildState::kStopped;
  pid_t pid = 0;            // 0: no process, or spawned but Started not yet fed
  int restarts = 0;         // spawns after the first one, whatever the cause
  std::string last_exit;    // "exited 3", "killed by signal 9 (SIGKILL)"; "" before any exit
  std::string reason;       // the last decision: "restart in 20 ms", "more than 3 ...", ...
  SteadyTime until{};       // restarting: when to spawn; stopping: when to SIGKILL;
                            // starting: the start deadline (if any)
  SteadyTime started_at{};  // when this incarnation's Started was fed
  bool heard = false;       // this incarnation sent a control message
  int missed = 0;           // heartbeat rounds since it was last heard
  bool busy = false;        // on-demand heartbeats: it said it has work
  // Bookkeeping.
  StopIntent intent = StopIntent::kNone;
  bool kill_sent = false;  // SIGKILL sent to this incarnation
  bool in_group = false;   // part of a pending one_for_all / rest_for_one restart
  bool ready = false;      // this incarnation sent Ready
  SteadyTime ready_at{};   // when; uptime for the backoff reset counts from here
  int spawns = 0;
  RestartHistory history;  // backoff step; dynamic supervisors: the intensity window too
};

class Supervisor {
 public:
  // A dynamic supervisor gets children at run time (stores) and must be
  // one_for_one (checked).
  Supervisor(std::string name, Strategy strategy, RestartPolicy policy, bool dynamic,
             HeartbeatPolicy heartbeat = {});
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Appends a child to the start order. Before Start() nothing happens; while
  // running, it is spawned at once (returns Spawn); while escalated or
  // shutting down it is only recorded, stopped. The id must be new (checked).
  std::vector<Action> AddChild(ChildSpec spec);
  // Forgets a child that has no process (stopped, failed, backoff). False if
  // unknown or alive: stop it first (StopRequested removes a dynamic child
  // after its exit by itself).
  [[nodiscard]] bool RemoveChild(const std::string& id);

  // Spawns every child in start order; the first heartbeat round is one
  // ping_interval after `now`. Only once, from idle (checked).
  std::vector<Action> Start(SteadyTime now);
  // Feeds one event; returns the actions to execute, in order.
  // `jitter_sample` is uniform in [0, 1); only restart decisions use it.
  std::vector<Action> Handle(const Event& event, SteadyTime now, double jitter_sample);
  // The earliest pending timer (backoff expiry, group restart, SIGKILL
  // deadline, start deadline, heartbeat round), or SteadyTime::max() when none.
  SteadyTime NextDeadline() const;

  // One line, children in start order, times relative to `now`:
  // "db(one_for_one) db-0:running pid=10 restarts=1 | db-1:backoff until=+20ms"
  // The phase follows the strategy unless running: "db(one_for_all, escalated) ...".
  // Per state: stopping "kill=+5000ms" or "killed"; restarting in a group " group";
  // " missed=N" when a running child missed heartbeat rounds.
  std::string Dump(SteadyTime now) const;

  const std::string& name() const { return name_; }
  Strategy strategy() const { return strategy_; }
  Phase phase() const { return phase_; }
  // nullptr if unknown.
  const ChildRecord* Find(const std::string& id) const;
  // Every child, in start order.
  std::vector<const ChildRecord*> Children() const;
  // Children with a process (starting, running, stopping).
  size_t LiveCount() const;
  // Every ChildRecord::restarts ever counted, removed children's too: only
  // goes up (Prometheus's forkv_restarts_total).
  uint64_t restarts_total() const { return restarts_total_; }

 private:
  ChildRecord* FindMutable(const std::string& id);
  void Erase(ChildRecord* c);

  void On(const Started& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const Ready& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const Exited& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const Heard& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const Activity& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const HibernateRequested& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const Tick& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const StopRequested& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const RestartRequested& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const ShutdownRequested& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void On(const KillRequested& e, SteadyTime now, double jitter, std::vector<Action>* out);
  void HeartbeatRound(SteadyTime now, std::vector<Action>* out);

  void SpawnChild(ChildRecord* c, std::vector<Action>* out);
  void BeginStop(ChildRecord* c, StopIntent intent, SteadyTime now, std::vector<Action>* out);
  void SendStopSignal(ChildRecord* c, SteadyTime now, std::vector<Action>* out);
  void Kill(ChildRecord* c, std::vector<Action>* out, std::string why = "");
  void Remove(ChildRecord* c, std::vector<Action>* out);
  void FinishStop(ChildRecord* c, SteadyTime now, std::vector<Action>* out);
  void DecideExit(ChildRecord* c, const ExitStatus& status, bool was_ready, SteadyTime now,
                  double jitter, std::vector<Action>* out);
  ExitDecision Decide(ChildRecord* c, const ExitStatus& status, SteadyTime up_since, SteadyTime now,
                      double jitter);
  void BeginGroupRestart(ChildRecord* trigger, SteadyTime at, SteadyTime now,
                         std::vector<Action>* out);
  bool GroupExited() const;
  void MaybeRestartGroup(SteadyTime now, std::vector<Action>* out);
  void EscalateNow(std::string reason, bool permanent, std::vector<Action>* out);
  void MaybeCompleteShutdown(std::vector<Action>* out);

  const std::string name_;
  const Strategy strategy_;
  const RestartPolicy policy_;
  const bool dynamic_;
  const HeartbeatPolicy heartbeat_;
  Phase phase_ = Phase::kIdle;
  SteadyTime next_round_ = SteadyTime::max();           // next heartbeat round
  uint64_t round_ = 0;                                  // heartbeat rounds so far (the ping seq)
  std::vector<std::unique_ptr<ChildRecord>> children_;  // start order
  uint64_t restarts_total_ = 0;
  std::unordered_map<std::string, ChildRecord*> by_id_;
  RestartHistory intensity_;  // static supervisors: every restart they perform
  SteadyTime group_at_{};     // pending group restart: spawn no earlier than this
  // NextDeadline() is asked every loop pass; it is computed again only
  // after an event that may move a timer (not Heard or Activity).
  mutable SteadyTime next_deadline_{};
  mutable bool next_deadline_valid_ = false;
};

}  // namespace forkv::sup
