#include "manager/request_router.h"

#include <algorithm>

namespace forkv {

std::string FailedMessage(const std::string& store, const sup::ChildRecord* record) {
  std::string why = record != nullptr ? record->last_exit + "; " + record->reason : "gave up";
  return "store '" + store + "' failed (" + why + "); run `forkv restart " + store + "`";
}

Verdict RequestRouter::Admit(Handle handle, const RouteRequest& req, const sup::ChildRecord* record,
                             SteadyTime now) {
  using Kind = Verdict::Kind;
  if (IsStoreOp(req.op)) return AdmitStoreOp(handle, req, record, now);
  sup::ChildState state = record != nullptr ? record->state : sup::ChildState::kStopped;
  switch (req.op) {
    case Op::kCreate:
    case Op::kWait: {
      if (state == sup::ChildState::kRunning) return {Kind::kAnswer, Status::Ok()};
      if (state == sup::ChildState::kFailed) {
        return {Kind::kReject, Status::Unavailable(FailedMessage(req.store, record))};
      }
      // Capped as an unsigned number first: a huge bound must not wrap negative.
      uint64_t cap = static_cast<uint64_t>(limits_.max_wait.count());
      Millis wait = req.op == Op::kWait && req.wait_ms > 0
                        ? Millis(static_cast<int64_t>(std::min(req.wait_ms, cap)))
                        : limits_.request_wait;
      AddWaiter(handle, req, wait, now);
      return {Kind::kWaiting, Status::Ok()};
    }
    case Op::kRestart:
      AddWaiter(handle, req, limits_.request_wait, now);
      return {Kind::kWaiting, Status::Ok()};
    default:
      break;
  }
  return {Kind::kReject,
          Status::UnknownOp(std::string(OpName(req.op)) + " is not routed to a store")};
}

Verdict RequestRouter::AdmitStoreOp(Handle handle, const RouteRequest& req,
                                    const sup::ChildRecord* record, SteadyTime now) {
  using Kind = Verdict::Kind;
  const std::string& name = req.store;
  sup::ChildState state = record != nullptr ? record->state : sup::ChildState::kStopped;
  switch (state) {
    case sup::ChildState::kRunning:
      return {Kind::kForward, Status::Ok()};
    case sup::ChildState::kFailed:
      return {Kind::kReject, Status::Unavailable(FailedMessage(name, record))};
    case sup::ChildState::kStopped:
      return {Kind::kReject, Status::Unavailable("store '" + name + "' is stopped")};
    case sup::ChildState::kStopping:
      if (record->intent != sup::StopIntent::kRestart &&
          record->intent != sup::StopIntent::kGroup) {
        return {Kind::kReject, Status::Unavailable("store '" + name + "' is stopping")};
      }
      break;  // it comes back: queue
    case sup::ChildState::kStarting:
    case sup::ChildState::kRestarting:
      break;
  }
  std::deque<Queued>& q = queued_[name];
  if (q.size() >= limits_.max_queued_per_store) {
    if (q.empty()) queued_.erase(name);
    return {Kind::kReject,
            Status::Unavailable("store '" + name + "' is restarting and its wait queue is full")};
  }
  q.push_back({handle, req.id, now + limits_.request_wait});
  return {Kind::kQueued, Status::Ok()};
}

void RequestRouter::AddWaiter(Handle handle, const RouteRequest& req, Millis wait, SteadyTime now) {
  waiters_.push_back({handle, req.id, req.store, req.created, now + wait});
}

void RequestRouter::Sent(Handle handle, uint64_t request_id, uint64_t gen) {
  inflight_[handle] = {request_id, gen};
}

std::optional<uint64_t> RequestRouter::TakeReply(Handle handle, uint64_t from_gen) {
  auto it = inflight_.find(handle);
  if (it == inflight_.end() || it->second.gen != from_gen) return std::nullopt;
  uint64_t id = it->second.request_id;
  inflight_.erase(it);
  return id;
}

ServingResult RequestRouter::OnServing(const std::string& store) {
  ServingResult out;
  if (auto it = queued_.find(store); it != queued_.end()) {
    for (const Queued& q : it->second) out.forward.push_back({q.handle, q.request_id});
    queued_.erase(it);
  }
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.store != store) return false;
    out.answers.push_back({w.handle, w.request_id, w.created});
    return true;
  });
  return out;
}

std::vector<Failure> RequestRouter::FailInFlight(uint64_t gen, const Status& status) {
  std::vector<Failure> out;
  std::erase_if(inflight_, [&](const auto& kv) {
    if (kv.second.gen != gen) return false;
    out.push_back({kv.first, kv.second.request_id, status});
    return true;
  });
  // Tags grow with arrival: answer in that order.
  std::sort(out.begin(), out.end(),
            [](const Failure& a, const Failure& b) { return a.handle < b.handle; });
  return out;
}

std::vector<Failure> RequestRouter::FailStore(const std::string& store, const Status& status) {
  std::vector<Failure> out;
  if (auto it = queued_.find(store); it != queued_.end()) {
    for (const Queued& q : it->second) out.push_back({q.handle, q.request_id, status});
    queued_.erase(it);
  }
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.store != store) return false;
    out.push_back({w.handle, w.request_id, status});
    return true;
  });
  return out;
}

std::vector<Failure> RequestRouter::Expire(SteadyTime now) {
  std::vector<Failure> out;
  for (auto it = queued_.begin(); it != queued_.end();) {
    std::deque<Queued>& q = it->second;
    while (!q.empty() && q.front().deadline <= now) {
      out.push_back({q.front().handle, q.front().request_id,
                     Status::Unavailable("store '" + it->first + "' did not become ready within " +
                                         std::to_string(limits_.request_wait.count()) + " ms")});
      q.pop_front();
    }
    it = q.empty() ? queued_.erase(it) : std::next(it);
  }
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.deadline > now) return false;
    out.push_back(
        {w.handle, w.request_id, Status::Timeout("store '" + w.store + "' is not serving yet")});
    return true;
  });
  return out;
}

std::vector<Failure> RequestRouter::FailAllPending(const Status& status) {
  std::vector<Failure> out;
  for (const auto& [store, q] : queued_) {
    for (const Queued& item : q) out.push_back({item.handle, item.request_id, status});
  }
  queued_.clear();
  for (const Waiter& w : waiters_) out.push_back({w.handle, w.request_id, status});
  waiters_.clear();
  return out;
}

SteadyTime RequestRouter::NextDeadline() const {
  SteadyTime next = SteadyTime::max();
  // Every queued request waits the same time, so a queue's front is its earliest.
  for (const auto& [store, q] : queued_) next = std::min(next, q.front().deadline);
  for (const Waiter& w : waiters_) next = std::min(next, w.deadline);
  return next;
}

size_t RequestRouter::QueuedCount() const {
  size_t n = 0;
  for (const auto& [store, q] : queued_) n += q.size();
  return n;
}

}  // namespace forkv
