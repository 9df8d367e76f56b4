// Where the manager's pending client requests are, as a pure machine:
//   in flight  sent to a store incarnation, waiting for its reply;
//   queued     for a store that is not serving yet (starting, restarting),
//              forwarded in arrival order once it is, or failed at their
//              deadline (--request-wait-ms) or when the store gives up;
//   waiting    create / wait / restart: answered once the store serves, or
//              failed at their deadline.
// The loop keeps each request's bytes (client envelope, payload) under a
// Handle of its choosing and sends what the router returns; the router keeps
// where each handle is and when it expires, never bytes or sockets. Time is
// injected (tests/unit/request_router_test.cc drives it with a fake clock).
//
// How the loop drives it, per client request naming a store:
//   Admit(handle, request, record of the store's supervisor, now) ->
//     kForward: send it to the store now, then Sent(handle, id, gen)
//               (or, if the send failed, reply with an error);
//     kQueued / kWaiting: the router keeps it until OnServing / Expire /
//               FailStore / FailAllPending returns it;
//     kAnswer:  a create/wait for a store already serving: answer now;
//     kReject:  reply with `status` now.
//   A store reply: TakeReply(tag, gen of the sender).
//   A store became ready: OnServing(store) -> queued handles to forward and
//     waiters to answer.
//   A store incarnation died: FailInFlight(gen, status).
//   A store gave up or is dropped: FailStore(store, status).
//   Time passed: Expire(now); poll no longer than NextDeadline().
//   Shutdown: FailAllPending(status) (in-flight requests still get their
//     replies: stores finish pending writes on SIGTERM).
//   A request answered by the loop itself (a failed send): Release(handle).
//
// Bytes are bounded (hardening issue, item 9): each store op carries the
// size of its payload and the client it came from.
//   - per store, at most max_inflight_bytes sent and not answered: beyond it
//     a request queues in the manager behind the others (arrival order is
//     kept) until replies free room; a store that is busy for longer than
//     --request-wait-ms answers `unavailable` "busy" (never sent, so not
//     applied). One request larger than the budget still goes alone. This
//     also keeps a heartbeat from waiting behind a GiB of queued payload;
//   - per store, at most max_queued_bytes waiting: beyond it, `unavailable`
//     "busy" at once;
//   - per client (its routing id), at most max_client_bytes queued or in
//     flight, and over all clients max_total_bytes: beyond, `unavailable`.
// After each reply the loop calls Pump(store) and forwards what it returns.
//
// Thread-safety: none; it belongs to the manager's loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "manager/supervisor.h"
#include "shared/clock.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

using Handle = uint64_t;

// What a request needs from the router.
struct RouteRequest {
  uint64_t id = 0;  // the client's request id, echoed in replies
  Op op = Op::kGet;
  std::string store;
  uint64_t wait_ms = 0;  // kWait: the client's bound (0 = the default), capped
  bool created = false;  // kCreate: this request created the store (for the answer)
  // kLocate: the client could not reach the store's current incarnation
  // (it named its gen): wait for the next one instead of answering it.
  bool stale = false;
  size_t bytes = 0;    // store ops: the payload's size, counted against the limits
  std::string client;  // store ops: who sent it (the routing id)
};

struct Verdict {
  enum class Kind { kForward, kQueued, kWaiting, kAnswer, kReject };
  Kind kind = Kind::kReject;
  Status status;  // kReject: why
};

// A request leaving the router: to forward, or to answer.
struct Pending {
  Handle handle = 0;
  uint64_t request_id = 0;
};
struct Answer {  // a waiter whose store is serving
  Handle handle = 0;
  uint64_t request_id = 0;
  bool created = false;
  bool locate = false;  // a locate: the answer carries the store's endpoints
};
struct Failure {
  Handle handle = 0;
  uint64_t request_id = 0;
  Status status;
};

struct ServingResult {
  std::vector<Pending> forward;  // queued requests, in arrival order
  std::vector<Answer> answers;   // create / wait / restart waiters
};

struct RouterLimits {
  size_t max_queued_per_store = 10000;
  size_t max_inflight_bytes = 64 << 20;  // per store
  size_t max_queued_bytes = 256 << 20;   // per store
  size_t max_client_bytes = 256 << 20;   // per client, queued and in flight
  size_t max_total_bytes = size_t{1} << 30;
  Millis request_wait{4000};  // queued requests and waiters without a bound of their own
  Millis max_wait{600000};    // kWait's client bound is capped at this
};

// "store 'NAME' failed (LAST EXIT; REASON); run `forkv restart NAME`".
std::string FailedMessage(const std::string& store, const sup::ChildRecord* record);

class RequestRouter {
 public:
  explicit RequestRouter(RouterLimits limits) : limits_(limits) {}
  RequestRouter(const RequestRouter&) = delete;
  RequestRouter& operator=(const RequestRouter&) = delete;

  // Decides on a request for `req.store` given its supervisor record
  // (nullptr: the store has no record, treated as stopped). Store ops (put,
  // get, del, keys, count):
  //   running                                -> kForward
  //   starting, restarting, stopping to come
  //     back (operator or group restart)     -> kQueued (kReject when the
  //                                             store's queue is full)
  //     back (operator or group restart,
  //     hibernation: activated again)      -> kQueued
  //   stopping for good (stop, shutdown)     -> kReject "is stopping"
  //   stopped                                -> kReject "is stopped"
  //   failed                                 -> kReject FailedMessage()
  // create / wait / locate: running -> kAnswer (a stale locate: kWaiting);
  //   failed -> kReject FailedMessage();
  //   anything else -> kWaiting (until serving or the deadline).
  // restart: always kWaiting (the loop then feeds RestartRequested).
  // Other ops are the manager's own: kReject kUnknownOp.
  Verdict Admit(Handle handle, const RouteRequest& req, const sup::ChildRecord* record,
                SteadyTime now);

  // A forwarded request is in flight to incarnation `gen`.
  void Sent(Handle handle, uint64_t request_id, uint64_t gen);
  // A reply with tag `handle` from incarnation `from_gen`: the request's id,
  // once. nullopt for unknown tags (already failed: the store died) and for
  // replies from an incarnation the request was not sent to (left in flight).
  std::optional<uint64_t> TakeReply(Handle handle, uint64_t from_gen);

  ServingResult OnServing(const std::string& store);
  // Queued requests of a serving `store` that now fit its byte budget, to
  // forward in this order (call after TakeReply of one of its replies).
  std::vector<Pending> Pump(const std::string& store);
  // Forgets the bytes of `handle` (a request the loop answered itself, e.g.
  // its send failed). No-op for unknown handles.
  void Release(Handle handle);
  std::vector<Failure> FailInFlight(uint64_t gen, const Status& status);
  // Queued requests and waiters of `store` (not those in flight).
  std::vector<Failure> FailStore(const std::string& store, const Status& status);
  // Queued past their deadline (unavailable "did not become ready within N
  // ms") and waiters past theirs (timeout "is not serving yet").
  std::vector<Failure> Expire(SteadyTime now);
  // Every queued request and waiter (shutdown).
  std::vector<Failure> FailAllPending(const Status& status);
  // The earliest deadline of a queued request or waiter; max() when none.
  SteadyTime NextDeadline() const;

  // Queued requests or waiters for `store` (a hibernated store that has
  // them is activated again at once).
  bool HasPending(const std::string& store) const;
  size_t InFlightCount() const { return inflight_.size(); }
  size_t InFlightBytes(const std::string& store) const;
  size_t QueuedBytes(const std::string& store) const;
  size_t ClientBytes(const std::string& client) const;
  size_t TotalBytes() const { return total_bytes_; }
  size_t QueuedCount() const;
  size_t WaiterCount() const { return waiters_.size(); }

 private:
  struct InFlight {
    uint64_t request_id;
    uint64_t gen;
  };
  struct Queued {
    Handle handle;
    uint64_t request_id;
    SteadyTime deadline;
    size_t bytes;
  };
  // The bytes a store op holds while the router knows it.
  struct Charge {
    std::string store;
    std::string client;
    size_t bytes;
    bool in_flight;  // else queued
  };
  struct StoreBytes {
    size_t in_flight = 0;
    size_t queued = 0;
    bool serving = false;  // may be pumped: a running record or OnServing, no death since
  };
  struct Waiter {
    Handle handle;
    uint64_t request_id;
    std::string store;
    bool created;
    bool locate;
    SteadyTime deadline;
  };

  Verdict AdmitStoreOp(Handle handle, const RouteRequest& req, const sup::ChildRecord* record,
                       SteadyTime now);
  void AddWaiter(Handle handle, const RouteRequest& req, Millis wait, SteadyTime now);
  // Queues a store op; kReject when a count or byte limit says no.
  Verdict Enqueue(Handle handle, const RouteRequest& req, SteadyTime now, bool serving);
  void AddCharge(Handle handle, const RouteRequest& req, bool in_flight);
  void MarkInFlight(Handle handle);
  void Uncharge(Handle handle);

  const RouterLimits limits_;
  std::unordered_map<Handle, InFlight> inflight_;
  std::unordered_map<std::string, std::deque<Queued>> queued_;  // per store, arrival order
  std::vector<Waiter> waiters_;
  std::unordered_map<Handle, Charge> charges_;
  std::unordered_map<std::string, StoreBytes> store_bytes_;
  std::unordered_map<std::string, size_t> client_bytes_;
  size_t total_bytes_ = 0;
};

}  // namespace forkv
