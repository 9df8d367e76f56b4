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
    case Op::kLocate:
    case Op::kWait: {
      if (state == sup::ChildState::kRunning && !req.stale) return {Kind::kAnswer, Status::Ok()};
      if (state == sup::ChildState::kFailed) {
        return {Kind::kReject, Status::Failed(FailedMessage(req.store, record))};
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
  if (size_t held = ClientBytes(req.client);
      held > 0 && held + req.bytes > limits_.max_client_bytes) {
    return {Kind::kReject, Status::Unavailable("busy: this client has " + std::to_string(held) +
                                               " bytes of requests pending (limit " +
                                               std::to_string(limits_.max_client_bytes) +
                                               "); read replies before sending more")};
  }
  if (total_bytes_ > 0 && total_bytes_ + req.bytes > limits_.max_total_bytes) {
    return {Kind::kReject,
            Status::Unavailable("busy: forkv-manager holds " + std::to_string(total_bytes_) +
                                " bytes of pending requests (limit " +
                                std::to_string(limits_.max_total_bytes) + ")")};
  }
  switch (state) {
    case sup::ChildState::kRunning: {
      StoreBytes& b = store_bytes_[name];
      b.serving = true;
      auto q = queued_.find(name);
      bool fits = b.in_flight == 0 || b.in_flight + req.bytes <= limits_.max_inflight_bytes;
      if ((q == queued_.end() || q->second.empty()) && fits) {
        AddCharge(handle, req, /*in_flight=*/true);
        return {Kind::kForward, Status::Ok()};
      }
      return Enqueue(handle, req, now, /*serving=*/true);
    }
    case sup::ChildState::kFailed:
      return {Kind::kReject, Status::Failed(FailedMessage(name, record))};
    case sup::ChildState::kStopped:
      return {Kind::kReject, Status::Unavailable("store '" + name + "' is stopped")};
    case sup::ChildState::kStopping:
      if (record->intent != sup::StopIntent::kRestart &&
          record->intent != sup::StopIntent::kGroup &&
          record->intent != sup::StopIntent::kHibernate) {
        return {Kind::kReject, Status::Unavailable("store '" + name + "' is stopping")};
      }
      break;  // it comes back: queue
    case sup::ChildState::kStarting:
    case sup::ChildState::kRestarting:
      break;
  }
  return Enqueue(handle, req, now, /*serving=*/false);
}

bool RequestRouter::HasPending(const std::string& store) const {
  if (auto q = queued_.find(store); q != queued_.end() && !q->second.empty()) return true;
  return std::any_of(waiters_.begin(), waiters_.end(),
                     [&](const Waiter& w) { return w.store == store; });
}

Verdict RequestRouter::Enqueue(Handle handle, const RouteRequest& req, SteadyTime now,
                               bool serving) {
  using Kind = Verdict::Kind;
  const std::string& name = req.store;
  std::deque<Queued>& q = queued_[name];
  StoreBytes& b = store_bytes_[name];
  b.serving = serving;
  std::string why;
  if (q.size() >= limits_.max_queued_per_store) {
    why = serving ? "store '" + name + "' is busy and its wait queue is full"
                  : "store '" + name + "' is restarting and its wait queue is full";
  } else if (b.queued > 0 && b.queued + req.bytes > limits_.max_queued_bytes) {
    why = "busy: store '" + name + "' has " + std::to_string(b.queued) +
          " bytes of requests waiting (limit " + std::to_string(limits_.max_queued_bytes) + ")";
  }
  if (!why.empty()) {
    if (q.empty()) queued_.erase(name);
    if (b.in_flight == 0 && b.queued == 0) store_bytes_.erase(name);
    return {Kind::kReject, Status::Unavailable(why)};
  }
  q.push_back({handle, req.id, now + limits_.request_wait, req.bytes});
  AddCharge(handle, req, /*in_flight=*/false);
  return {Kind::kQueued, Status::Ok()};
}

void RequestRouter::AddCharge(Handle handle, const RouteRequest& req, bool in_flight) {
  charges_[handle] = {req.store, req.client, req.bytes, in_flight};
  StoreBytes& b = store_bytes_[req.store];
  (in_flight ? b.in_flight : b.queued) += req.bytes;
  client_bytes_[req.client] += req.bytes;
  total_bytes_ += req.bytes;
}

void RequestRouter::MarkInFlight(Handle handle) {
  auto it = charges_.find(handle);
  if (it == charges_.end() || it->second.in_flight) return;
  it->second.in_flight = true;
  StoreBytes& b = store_bytes_[it->second.store];
  b.queued -= it->second.bytes;
  b.in_flight += it->second.bytes;
}

void RequestRouter::Uncharge(Handle handle) {
  auto it = charges_.find(handle);
  if (it == charges_.end()) return;
  const Charge& c = it->second;
  auto sb = store_bytes_.find(c.store);
  (c.in_flight ? sb->second.in_flight : sb->second.queued) -= c.bytes;
  if (sb->second.in_flight == 0 && sb->second.queued == 0) store_bytes_.erase(sb);
  auto cb = client_bytes_.find(c.client);
  cb->second -= c.bytes;
  if (cb->second == 0) client_bytes_.erase(cb);
  total_bytes_ -= c.bytes;
  charges_.erase(it);
}

void RequestRouter::Release(Handle handle) { Uncharge(handle); }

std::vector<Pending> RequestRouter::Pump(const std::string& store) {
  std::vector<Pending> out;
  auto sb = store_bytes_.find(store);
  auto q = queued_.find(store);
  if (sb == store_bytes_.end() || !sb->second.serving || q == queued_.end()) return out;
  StoreBytes& b = sb->second;
  while (!q->second.empty()) {
    const Queued& front = q->second.front();
    if (b.in_flight > 0 && b.in_flight + front.bytes > limits_.max_inflight_bytes) break;
    out.push_back({front.handle, front.request_id});
    MarkInFlight(front.handle);
    q->second.pop_front();
  }
  if (q->second.empty()) queued_.erase(q);
  return out;
}

size_t RequestRouter::InFlightBytes(const std::string& store) const {
  auto it = store_bytes_.find(store);
  return it == store_bytes_.end() ? 0 : it->second.in_flight;
}

size_t RequestRouter::QueuedBytes(const std::string& store) const {
  auto it = store_bytes_.find(store);
  return it == store_bytes_.end() ? 0 : it->second.queued;
}

size_t RequestRouter::ClientBytes(const std::string& client) const {
  auto it = client_bytes_.find(client);
  return it == client_bytes_.end() ? 0 : it->second;
}

void RequestRouter::AddWaiter(Handle handle, const RouteRequest& req, Millis wait, SteadyTime now) {
  waiters_.push_back({handle, req.id, req.store, req.created, req.op == Op::kLocate, now + wait});
}

void RequestRouter::Sent(Handle handle, uint64_t request_id, uint64_t gen) {
  inflight_[handle] = {request_id, gen};
}

std::optional<uint64_t> RequestRouter::TakeReply(Handle handle, uint64_t from_gen) {
  auto it = inflight_.find(handle);
  if (it == inflight_.end() || it->second.gen != from_gen) return std::nullopt;
  uint64_t id = it->second.request_id;
  inflight_.erase(it);
  Uncharge(handle);
  return id;
}

ServingResult RequestRouter::OnServing(const std::string& store) {
  ServingResult out;
  if (queued_.count(store) != 0) {
    store_bytes_[store].serving = true;
    out.forward = Pump(store);
  }
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.store != store) return false;
    out.answers.push_back({w.handle, w.request_id, w.created, w.locate});
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
  for (const Failure& f : out) {
    // That incarnation is gone: nothing more is pumped to it.
    if (auto c = charges_.find(f.handle); c != charges_.end()) {
      store_bytes_[c->second.store].serving = false;
    }
    Uncharge(f.handle);
  }
  // Tags grow with arrival: answer in that order.
  std::sort(out.begin(), out.end(),
            [](const Failure& a, const Failure& b) { return a.handle < b.handle; });
  return out;
}

std::vector<Failure> RequestRouter::FailStore(const std::string& store, const Status& status) {
  std::vector<Failure> out;
  if (auto it = queued_.find(store); it != queued_.end()) {
    for (const Queued& q : it->second) {
      out.push_back({q.handle, q.request_id, status});
      Uncharge(q.handle);
    }
    queued_.erase(it);
  }
  if (auto sb = store_bytes_.find(store); sb != store_bytes_.end()) {
    sb->second.serving = false;
    if (sb->second.in_flight == 0 && sb->second.queued == 0) store_bytes_.erase(sb);
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
    bool busy = InFlightBytes(it->first) > 0;
    while (!q.empty() && q.front().deadline <= now) {
      std::string why = busy ? "busy: store '" + it->first +
                                   "' had no room for this request within " +
                                   std::to_string(limits_.request_wait.count()) + " ms (not sent)"
                             : "store '" + it->first + "' did not become ready within " +
                                   std::to_string(limits_.request_wait.count()) + " ms";
      out.push_back({q.front().handle, q.front().request_id, Status::Unavailable(why)});
      Uncharge(q.front().handle);
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
    for (const Queued& item : q) {
      out.push_back({item.handle, item.request_id, status});
      Uncharge(item.handle);
    }
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
