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
  //   stopping for good (stop, shutdown)     -> kReject "is stopping"
  //   stopped                                -> kReject "is stopped"
  //   failed                                 -> kReject FailedMessage()
  // create / wait: running -> kAnswer; failed -> kReject FailedMessage();
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

  size_t InFlightCount() const { return inflight_.size(); }
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
  };
  struct Waiter {
    Handle handle;
    uint64_t request_id;
    std::string store;
    bool created;
    SteadyTime deadline;
  };

  Verdict AdmitStoreOp(Handle handle, const RouteRequest& req, const sup::ChildRecord* record,
                       SteadyTime now);
  void AddWaiter(Handle handle, const RouteRequest& req, Millis wait, SteadyTime now);

  const RouterLimits limits_;
  std::unordered_map<Handle, InFlight> inflight_;
  std::unordered_map<std::string, std::deque<Queued>> queued_;  // per store, arrival order
  std::vector<Waiter> waiters_;
};

}  // namespace forkv
