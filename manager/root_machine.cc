#include "manager/root_machine.h"

namespace forkv {

std::string_view GroupName(Group g) {
  switch (g) {
    case Group::kWeb:
      return "web";
    case Group::kStores:
      return "stores";
    case Group::kDbs:
      return "db_pool";
  }
  return "?";
}

std::string_view RootStateName(RootState s) {
  switch (s) {
    case RootState::kRunning:
      return "running";
    case RootState::kStoppingFront:
      return "stopping_front";
    case RootState::kStoppingDbs:
      return "stopping_dbs";
    case RootState::kDone:
      return "done";
  }
  return "?";
}

namespace root {

std::string ToString(const std::vector<Action>& actions) {
  struct Printer {
    std::string operator()(const NotifyStopping& a) const {
      return "notify_stopping (" + a.why + ")";
    }
    std::string operator()(const ShutdownGroup& a) const {
      return "shutdown " + std::string(GroupName(a.group));
    }
    std::string operator()(const KillGroup& a) const {
      return "kill " + std::string(GroupName(a.group));
    }
  };
  std::string out;
  for (const Action& a : actions) {
    if (!out.empty()) out += ", ";
    out += std::visit(Printer{}, a);
  }
  return out;
}

}  // namespace root

RootMachine::RootMachine(bool has_web) : web_done_(!has_web) {}

std::vector<root::Action> RootMachine::Handle(const root::Event& event) {
  std::vector<root::Action> out;
  if (const auto* term = std::get_if<root::Term>(&event)) {
    if (state_ == RootState::kRunning) {
      BeginStop(0, term->signal, &out);
    } else if (state_ != RootState::kDone) {
      // The operator insists: everything still alive dies now.
      if (!web_done_)
        out.emplace_back(std::in_place_type<root::KillGroup>, root::KillGroup{Group::kWeb});
      if (!stores_done_)
        out.emplace_back(std::in_place_type<root::KillGroup>, root::KillGroup{Group::kStores});
      if (!dbs_done_)
        out.emplace_back(std::in_place_type<root::KillGroup>, root::KillGroup{Group::kDbs});
      dbs_asked_ = true;
    }
  } else if (const auto* esc = std::get_if<root::Escalate>(&event)) {
    if (state_ == RootState::kRunning) BeginStop(esc->exit_code, esc->reason, &out);
  } else if (const auto* done = std::get_if<root::GroupDone>(&event)) {
    switch (done->group) {
      case Group::kWeb:
        web_done_ = true;
        break;
      case Group::kStores:
        stores_done_ = true;
        break;
      case Group::kDbs:
        dbs_done_ = true;
        break;
    }
    MaybeAdvance(&out);
  }
  return out;
}

void RootMachine::BeginStop(int exit_code, std::string why, std::vector<root::Action>* out) {
  state_ = RootState::kStoppingFront;
  exit_code_ = exit_code;
  out->emplace_back(std::in_place_type<root::NotifyStopping>, root::NotifyStopping{std::move(why)});
  if (!web_done_)
    out->emplace_back(std::in_place_type<root::ShutdownGroup>, root::ShutdownGroup{Group::kWeb});
  out->emplace_back(std::in_place_type<root::ShutdownGroup>, root::ShutdownGroup{Group::kStores});
  MaybeAdvance(out);
}

void RootMachine::MaybeAdvance(std::vector<root::Action>* out) {
  if (state_ == RootState::kStoppingFront && stores_done_) {
    state_ = RootState::kStoppingDbs;
    if (!dbs_asked_) {
      dbs_asked_ = true;
      out->emplace_back(std::in_place_type<root::ShutdownGroup>, root::ShutdownGroup{Group::kDbs});
    }
  }
  if (state_ == RootState::kStoppingDbs && dbs_done_ && web_done_) state_ = RootState::kDone;
}

}  // namespace forkv
