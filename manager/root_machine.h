// The root of the supervision tree as a pure state machine: it owns the
// order in which the manager's three supervisors (web, stores, db_pool) are
// shut down and the manager's exit code. Below it, each supervisor owns its
// children (manager/supervisor.h).
//
//   state            Term (1st)          Term (2nd+)     Escalate          GroupDone(g)
//   running          stopping_front,     -               stopping_front,   -
//                    exit 0              -               exit code         -
//   stopping_front   kill every group    kill every      -                 stores done:
//                                        group                             stopping_dbs
//   stopping_dbs     kill every group    kill every      -                 dbs (and web) done:
//                                        group                             done
//   done             -                   -               -                 -
//
// stopping_front: the web gateway and the stores get ShutdownGroup at once
// (the gateway holds no state; the stores finish their in-flight writes,
// which needs the database workers). stopping_dbs: once every store is gone
// the database workers get ShutdownGroup (they sync and close). done: every
// group finished; the manager exits with exit_code(): 0 for a signal, the
// escalation's code (111, or 125 for a permanent failure) otherwise. A
// second Term is the operator's "now": KillGroup for every group not done.
// An Escalate while stopping changes nothing (the first cause wins).
//
// Thread-safety: none; it belongs to the manager's loop thread.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace forkv {

enum class Group { kWeb, kStores, kDbs };
std::string_view GroupName(Group g);  // "web", "stores", "db_pool"

enum class RootState { kRunning, kStoppingFront, kStoppingDbs, kDone };
std::string_view RootStateName(RootState s);  // "running", "stopping_front", ...

namespace root {

struct Term {  // SIGTERM or SIGINT
  std::string signal;
};
struct Escalate {  // a supervisor gave up
  int exit_code = 111;
  std::string reason;
};
struct GroupDone {  // that supervisor's ShutdownComplete
  Group group = Group::kStores;
};
using Event = std::variant<Term, Escalate, GroupDone>;

struct NotifyStopping {  // tell systemd and the log why; fail what waits
  std::string why;
};
struct ShutdownGroup {  // feed the group's supervisor ShutdownRequested
  Group group;
};
struct KillGroup {  // feed the group's supervisor KillRequested
  Group group;
};
using Action = std::variant<NotifyStopping, ShutdownGroup, KillGroup>;

// "notify_stopping (why)", "shutdown web", "kill db_pool", joined with ", ".
std::string ToString(const std::vector<Action>& actions);

}  // namespace root

class RootMachine {
 public:
  // `has_web`: the HTTP gateway runs (--http); otherwise its group is done.
  explicit RootMachine(bool has_web);

  std::vector<root::Action> Handle(const root::Event& event);

  RootState state() const { return state_; }
  bool running() const { return state_ == RootState::kRunning; }
  bool done() const { return state_ == RootState::kDone; }
  int exit_code() const { return exit_code_; }

 private:
  void BeginStop(int exit_code, std::string why, std::vector<root::Action>* out);
  void MaybeAdvance(std::vector<root::Action>* out);

  RootState state_ = RootState::kRunning;
  int exit_code_ = 0;
  bool web_done_, stores_done_ = false, dbs_done_ = false;
  bool dbs_asked_ = false;  // the db pool was told to stop (shutdown or kill)
};

}  // namespace forkv
