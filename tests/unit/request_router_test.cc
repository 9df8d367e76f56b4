// The request router fed synthetic requests and supervisor records with a
// fake clock: every store state x op, deadlines, and drops or restarts
// racing queued requests.
#include "manager/request_router.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace forkv {
namespace {

using namespace std::chrono_literals;
using Kind = Verdict::Kind;

sup::ChildRecord Record(sup::ChildState state, sup::StopIntent intent = sup::StopIntent::kNone) {
  sup::ChildRecord r;
  r.spec.id = "s";
  r.state = state;
  r.intent = intent;
  r.pid = state == sup::ChildState::kRunning ? 42 : 0;
  r.last_exit = "exited 1";
  r.reason = "more than 3 restarts in 5000 ms: giving up";
  return r;
}

RouteRequest Req(Op op, uint64_t id = 7, std::string store = "s") {
  return {.id = id, .op = op, .store = std::move(store)};
}

std::string Handles(const std::vector<Failure>& f) {
  std::string out;
  for (const Failure& x : f) {
    out += (out.empty() ? "" : " ") + std::to_string(x.handle) + ":" +
           std::string(StatusCodeName(x.status.code()));
  }
  return out;
}

class RouterTest : public ::testing::Test {
 protected:
  RequestRouter router_{{.max_queued_per_store = 3, .request_wait = 4000ms}};
  SteadyTime now_ = SteadyTime{} + 1h;
};

// ---- every state x op -----------------------------------------------------------

struct Case {
  sup::ChildState state;
  sup::StopIntent intent;
  Kind store_op;        // put/get/del/keys/count
  Kind create_wait;     // create and wait
  const char* message;  // the store op's rejection, if any
};

class RouterMatrixTest : public RouterTest, public ::testing::WithParamInterface<Case> {};

TEST_P(RouterMatrixTest, EveryOpInEveryState) {
  const Case& c = GetParam();
  sup::ChildRecord rec = Record(c.state, c.intent);
  Handle h = 1;
  for (Op op : {Op::kPut, Op::kGet, Op::kDel, Op::kKeys, Op::kCount}) {
    RequestRouter router({.max_queued_per_store = 3, .request_wait = 4000ms});
    Verdict v = router.Admit(h++, Req(op), &rec, now_);
    EXPECT_EQ(v.kind, c.store_op) << OpName(op);
    if (c.store_op == Kind::kReject) {
      // A failed store is its own status (no retry helps); the rest may pass.
      EXPECT_EQ(v.status.code(), c.state == sup::ChildState::kFailed ? StatusCode::kFailed
                                                                     : StatusCode::kUnavailable);
      EXPECT_NE(v.status.message().find(c.message), std::string::npos) << v.status.message();
    }
    EXPECT_EQ(router.QueuedCount(), c.store_op == Kind::kQueued ? 1u : 0u);
  }
  for (Op op : {Op::kCreate, Op::kWait}) {
    RequestRouter router({.max_queued_per_store = 3, .request_wait = 4000ms});
    Verdict v = router.Admit(h++, Req(op), &rec, now_);
    EXPECT_EQ(v.kind, c.create_wait) << OpName(op);
    EXPECT_EQ(router.WaiterCount(), c.create_wait == Kind::kWaiting ? 1u : 0u);
  }
  RequestRouter router({.max_queued_per_store = 3, .request_wait = 4000ms});
  EXPECT_EQ(router.Admit(h++, Req(Op::kRestart), &rec, now_).kind, Kind::kWaiting);
}

INSTANTIATE_TEST_SUITE_P(
    States, RouterMatrixTest,
    ::testing::Values(
        Case{sup::ChildState::kRunning, sup::StopIntent::kNone, Kind::kForward, Kind::kAnswer, ""},
        Case{sup::ChildState::kStarting, sup::StopIntent::kNone, Kind::kQueued, Kind::kWaiting, ""},
        Case{sup::ChildState::kRestarting, sup::StopIntent::kNone, Kind::kQueued, Kind::kWaiting,
             ""},
        Case{sup::ChildState::kStopping, sup::StopIntent::kRestart, Kind::kQueued, Kind::kWaiting,
             ""},
        Case{sup::ChildState::kStopping, sup::StopIntent::kGroup, Kind::kQueued, Kind::kWaiting,
             ""},
        Case{sup::ChildState::kStopping, sup::StopIntent::kStop, Kind::kReject, Kind::kWaiting,
             "store 's' is stopping"},
        Case{sup::ChildState::kStopping, sup::StopIntent::kShutdown, Kind::kReject, Kind::kWaiting,
             "store 's' is stopping"},
        Case{sup::ChildState::kStopped, sup::StopIntent::kNone, Kind::kReject, Kind::kWaiting,
             "store 's' is stopped"},
        Case{sup::ChildState::kFailed, sup::StopIntent::kNone, Kind::kReject, Kind::kReject,
             "store 's' failed (exited 1; more than 3 restarts in 5000 ms: giving up); run "
             "`forkv restart s`"}));

TEST_F(RouterTest, NoRecordIsStoppedAndManagerOpsAreNotRouted) {
  EXPECT_EQ(router_.Admit(1, Req(Op::kGet), nullptr, now_).kind, Kind::kReject);
  for (Op op : {Op::kPing, Op::kStores, Op::kStatus, Op::kDrop, Op::kKill}) {
    Verdict v = router_.Admit(2, Req(op), nullptr, now_);
    EXPECT_EQ(v.kind, Kind::kReject) << OpName(op);
    EXPECT_EQ(v.status.code(), StatusCode::kUnknownOp) << OpName(op);
  }
}

// ---- in flight --------------------------------------------------------------------

TEST_F(RouterTest, RepliesMatchTheIncarnationTheRequestWasSentTo) {
  router_.Sent(1, 70, /*gen=*/5);
  router_.Sent(2, 71, 5);
  EXPECT_EQ(router_.TakeReply(1, 6), std::nullopt);  // not its sender: left in flight
  EXPECT_EQ(router_.TakeReply(1, 5), 70u);
  EXPECT_EQ(router_.TakeReply(1, 5), std::nullopt);  // once
  EXPECT_EQ(router_.TakeReply(99, 5), std::nullopt);
  EXPECT_EQ(router_.InFlightCount(), 1u);
}

TEST_F(RouterTest, ADeadIncarnationFailsOnlyItsOwnRequests) {
  router_.Sent(3, 1, 5);
  router_.Sent(1, 2, 5);
  router_.Sent(2, 3, 6);
  auto failed = router_.FailInFlight(5, Status::Unavailable("died"));
  EXPECT_EQ(Handles(failed), "1:unavailable 3:unavailable");  // in arrival order
  EXPECT_EQ(failed[0].request_id, 2u);
  EXPECT_EQ(router_.TakeReply(2, 6), 3u);
  EXPECT_EQ(router_.TakeReply(1, 5), std::nullopt);  // a late reply of the dead one
}

// ---- queued and waiting ---------------------------------------------------------------

TEST_F(RouterTest, LocateWaitsForServingAndSaysItWasALocate) {
  sup::ChildRecord starting = Record(sup::ChildState::kStarting);
  sup::ChildRecord running = Record(sup::ChildState::kRunning);
  sup::ChildRecord failed = Record(sup::ChildState::kFailed);
  EXPECT_EQ(router_.Admit(1, Req(Op::kLocate, 10), &running, now_).kind, Kind::kAnswer);
  EXPECT_EQ(router_.Admit(2, Req(Op::kLocate, 11), &failed, now_).kind, Kind::kReject);
  EXPECT_EQ(router_.Admit(3, Req(Op::kLocate, 12), &starting, now_).kind, Kind::kWaiting);
  EXPECT_EQ(router_.Admit(4, Req(Op::kWait, 13), &starting, now_).kind, Kind::kWaiting);
  ServingResult r = router_.OnServing("s");
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_EQ(r.answers[0].request_id, 12u);
  EXPECT_TRUE(r.answers[0].locate);
  EXPECT_EQ(r.answers[1].request_id, 13u);
  EXPECT_FALSE(r.answers[1].locate);
  // A stale locate (its client could not reach the running incarnation)
  // waits for the next one.
  RouteRequest stale = Req(Op::kLocate, 15);
  stale.stale = true;
  EXPECT_EQ(router_.Admit(6, stale, &running, now_).kind, Kind::kWaiting);
  ServingResult next = router_.OnServing("s");
  ASSERT_EQ(next.answers.size(), 1u);
  EXPECT_EQ(next.answers[0].request_id, 15u);
  // Unanswered, a locate times out like a create.
  EXPECT_EQ(router_.Admit(5, Req(Op::kLocate, 14), &starting, now_).kind, Kind::kWaiting);
  auto failures = router_.Expire(now_ + std::chrono::hours(1));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].status.code(), StatusCode::kTimeout);
}

TEST_F(RouterTest, QueuedRequestsAreForwardedInOrderOnceServing) {
  sup::ChildRecord starting = Record(sup::ChildState::kStarting);
  sup::ChildRecord other = Record(sup::ChildState::kStarting);
  EXPECT_EQ(router_.Admit(1, Req(Op::kPut, 10), &starting, now_).kind, Kind::kQueued);
  EXPECT_EQ(router_.Admit(2, Req(Op::kWait, 11), &starting, now_).kind, Kind::kWaiting);
  EXPECT_EQ(router_.Admit(3, Req(Op::kGet, 12), &starting, now_).kind, Kind::kQueued);
  EXPECT_EQ(router_.Admit(4, Req(Op::kGet, 13, "t"), &other, now_).kind, Kind::kQueued);
  ServingResult r = router_.OnServing("s");
  ASSERT_EQ(r.forward.size(), 2u);
  EXPECT_EQ(r.forward[0].handle, 1u);
  EXPECT_EQ(r.forward[0].request_id, 10u);
  EXPECT_EQ(r.forward[1].handle, 3u);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].handle, 2u);
  EXPECT_EQ(router_.QueuedCount(), 1u);  // t's request stays
  EXPECT_TRUE(router_.OnServing("s").forward.empty());
}

TEST_F(RouterTest, AFullQueueRejectsAndOthersStillQueue) {
  sup::ChildRecord rec = Record(sup::ChildState::kRestarting);
  for (Handle h = 1; h <= 3; ++h) {
    EXPECT_EQ(router_.Admit(h, Req(Op::kPut), &rec, now_).kind, Kind::kQueued);
  }
  Verdict v = router_.Admit(4, Req(Op::kPut), &rec, now_);
  EXPECT_EQ(v.kind, Kind::kReject);
  EXPECT_EQ(v.status.message(), "store 's' is restarting and its wait queue is full");
  EXPECT_EQ(router_.Admit(5, Req(Op::kPut, 1, "t"), &rec, now_).kind, Kind::kQueued);
}

TEST_F(RouterTest, DeadlinesExpireQueuedAndWaiters) {
  sup::ChildRecord rec = Record(sup::ChildState::kStarting);
  EXPECT_EQ(router_.NextDeadline(), SteadyTime::max());
  ASSERT_EQ(router_.Admit(1, Req(Op::kGet), &rec, now_).kind, Kind::kQueued);
  now_ += 1000ms;
  ASSERT_EQ(router_.Admit(2, Req(Op::kCreate), &rec, now_).kind, Kind::kWaiting);
  RouteRequest wait = Req(Op::kWait);
  wait.wait_ms = 500;  // the client's own bound
  ASSERT_EQ(router_.Admit(3, wait, &rec, now_).kind, Kind::kWaiting);
  EXPECT_EQ(router_.NextDeadline(), now_ + 500ms);
  now_ += 499ms;
  EXPECT_EQ(Handles(router_.Expire(now_)), "");
  now_ += 1ms;
  EXPECT_EQ(Handles(router_.Expire(now_)), "3:timeout");
  EXPECT_EQ(router_.NextDeadline(), SteadyTime{} + 1h + 4000ms);
  now_ = SteadyTime{} + 1h + 4000ms;
  auto expired = router_.Expire(now_);
  ASSERT_EQ(Handles(expired), "1:unavailable");
  EXPECT_EQ(expired[0].status.message(), "store 's' did not become ready within 4000 ms");
  now_ += 1000ms;
  expired = router_.Expire(now_);
  ASSERT_EQ(Handles(expired), "2:timeout");
  EXPECT_EQ(expired[0].status.message(), "store 's' is not serving yet");
  EXPECT_EQ(router_.NextDeadline(), SteadyTime::max());
}

TEST_F(RouterTest, WaitBoundIsCapped) {
  RequestRouter router({.request_wait = 4000ms, .max_wait = 600000ms});
  sup::ChildRecord rec = Record(sup::ChildState::kStarting);
  RouteRequest wait = Req(Op::kWait);
  wait.wait_ms = 1ull << 40;
  ASSERT_EQ(router.Admit(1, wait, &rec, now_).kind, Kind::kWaiting);
  EXPECT_EQ(router.NextDeadline(), now_ + 600000ms);
  wait.wait_ms = UINT64_MAX;  // would wrap negative as a signed count
  ASSERT_EQ(router.Admit(2, wait, &rec, now_).kind, Kind::kWaiting);
  EXPECT_TRUE(router.Expire(now_ + 599999ms).empty());
}

TEST_F(RouterTest, ADropRacingQueuedRequestsFailsThemButNotInFlight) {
  sup::ChildRecord rec = Record(sup::ChildState::kRestarting);
  ASSERT_EQ(router_.Admit(1, Req(Op::kPut), &rec, now_).kind, Kind::kQueued);
  ASSERT_EQ(router_.Admit(2, Req(Op::kWait), &rec, now_).kind, Kind::kWaiting);
  ASSERT_EQ(router_.Admit(3, Req(Op::kPut, 1, "t"), &rec, now_).kind, Kind::kQueued);
  router_.Sent(4, 9, 5);
  EXPECT_EQ(Handles(router_.FailStore("s", Status::Unavailable("dropped"))),
            "1:unavailable 2:unavailable");
  EXPECT_TRUE(router_.OnServing("s").forward.empty());  // nothing left to forward
  EXPECT_EQ(router_.QueuedCount(), 1u);
  EXPECT_EQ(router_.InFlightCount(), 1u);
}

TEST_F(RouterTest, ARestartRacingQueuedRequestsKeepsThemForTheNewIncarnation) {
  // A running store is asked to restart: it is stopping with intent
  // restart, so new requests queue, and the restart waiter and the queued
  // requests all go to the new incarnation once it serves.
  sup::ChildRecord rec = Record(sup::ChildState::kStopping, sup::StopIntent::kRestart);
  ASSERT_EQ(router_.Admit(1, Req(Op::kRestart), &rec, now_).kind, Kind::kWaiting);
  ASSERT_EQ(router_.Admit(2, Req(Op::kGet), &rec, now_).kind, Kind::kQueued);
  rec.state = sup::ChildState::kStarting;
  ASSERT_EQ(router_.Admit(3, Req(Op::kGet), &rec, now_).kind, Kind::kQueued);
  ServingResult r = router_.OnServing("s");
  EXPECT_EQ(r.forward.size(), 2u);
  EXPECT_EQ(r.answers.size(), 1u);
}

TEST_F(RouterTest, ShutdownFailsEverythingPendingButInFlight) {
  sup::ChildRecord rec = Record(sup::ChildState::kStarting);
  ASSERT_EQ(router_.Admit(1, Req(Op::kPut), &rec, now_).kind, Kind::kQueued);
  ASSERT_EQ(router_.Admit(2, Req(Op::kCreate), &rec, now_).kind, Kind::kWaiting);
  router_.Sent(3, 9, 5);
  EXPECT_EQ(Handles(router_.FailAllPending(Status::Unavailable("bye"))),
            "1:unavailable 2:unavailable");
  EXPECT_EQ(router_.QueuedCount() + router_.WaiterCount(), 0u);
  EXPECT_EQ(router_.TakeReply(3, 5), 9u);
}

TEST_F(RouterTest, CreateRemembersWhetherItCreated) {
  sup::ChildRecord rec = Record(sup::ChildState::kStarting);
  RouteRequest create = Req(Op::kCreate);
  create.created = true;
  ASSERT_EQ(router_.Admit(1, create, &rec, now_).kind, Kind::kWaiting);
  ASSERT_EQ(router_.Admit(2, Req(Op::kCreate), &rec, now_).kind, Kind::kWaiting);
  ServingResult r = router_.OnServing("s");
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_TRUE(r.answers[0].created);
  EXPECT_FALSE(r.answers[1].created);
}

// ---- byte bounds (hardening issue, item 9) ----------------------------------------

class RouterBytesTest : public ::testing::Test {
 protected:
  RouteRequest Put(size_t bytes, std::string client = "c1", std::string store = "s") {
    return {.id = 7,
            .op = Op::kPut,
            .store = std::move(store),
            .bytes = bytes,
            .client = std::move(client)};
  }
  // Admits and, when forwarded, marks it sent to gen 1.
  Kind Admit(Handle h, const RouteRequest& req) {
    Verdict v = router_.Admit(h, req, &running_, now_);
    if (v.kind == Kind::kForward) router_.Sent(h, 7, 1);
    last_ = v.status;
    return v.kind;
  }
  std::string Forwarded(const std::vector<Pending>& p) {
    std::string out;
    for (const Pending& x : p) out += (out.empty() ? "" : " ") + std::to_string(x.handle);
    return out;
  }
  void SendAll(const std::vector<Pending>& p) {
    for (const Pending& x : p) router_.Sent(x.handle, 7, 1);
  }

  RequestRouter router_{{.max_queued_per_store = 100,
                         .max_inflight_bytes = 100,
                         .max_queued_bytes = 250,
                         .max_client_bytes = 400,
                         .max_total_bytes = 1000,
                         .request_wait = 4000ms}};
  sup::ChildRecord running_ = Record(sup::ChildState::kRunning);
  SteadyTime now_ = SteadyTime{} + 1h;
  Status last_;
};

TEST_F(RouterBytesTest, InFlightBytesPerStoreAreBoundedAndOrderIsKept) {
  EXPECT_EQ(Admit(1, Put(60)), Kind::kForward);
  EXPECT_EQ(Admit(2, Put(30)), Kind::kForward);  // 90 in flight
  EXPECT_EQ(Admit(3, Put(20)), Kind::kQueued);   // 110 > 100: waits
  EXPECT_EQ(Admit(4, Put(1)), Kind::kQueued);    // fits, but must not pass 3
  EXPECT_EQ(router_.InFlightBytes("s"), 90u);
  EXPECT_EQ(router_.QueuedBytes("s"), 21u);
  EXPECT_EQ(Forwarded(router_.Pump("s")), "");  // no room yet
  ASSERT_TRUE(router_.TakeReply(1, 1).has_value());
  auto next = router_.Pump("s");
  EXPECT_EQ(Forwarded(next), "3 4");  // 30 + 20 + 1 <= 100, in arrival order
  SendAll(next);
  EXPECT_EQ(router_.InFlightBytes("s"), 51u);
  EXPECT_EQ(router_.QueuedBytes("s"), 0u);
  // Another store has its own budget.
  EXPECT_EQ(Admit(5, Put(90, "c1", "other")), Kind::kForward);
}

TEST_F(RouterBytesTest, ARequestOverTheBudgetStillGoesAlone) {
  EXPECT_EQ(Admit(1, Put(500)), Kind::kForward);  // over every limit, but alone
  EXPECT_EQ(Admit(2, Put(10, "c2")), Kind::kQueued);
  ASSERT_TRUE(router_.TakeReply(1, 1).has_value());
  EXPECT_EQ(Forwarded(router_.Pump("s")), "2");
}

TEST_F(RouterBytesTest, QueuedBytesPerStoreAreBounded) {
  EXPECT_EQ(Admit(1, Put(100)), Kind::kForward);
  EXPECT_EQ(Admit(2, Put(100)), Kind::kQueued);
  EXPECT_EQ(Admit(3, Put(100)), Kind::kQueued);  // 200 queued
  EXPECT_EQ(Admit(4, Put(100, "c2")), Kind::kReject);
  EXPECT_EQ(last_.code(), StatusCode::kUnavailable);
  EXPECT_NE(last_.message().find("busy: store 's' has 200 bytes of requests waiting"),
            std::string::npos)
      << last_.message();
  EXPECT_EQ(Admit(5, Put(50, "c2")), Kind::kQueued);  // 250 fits
}

TEST_F(RouterBytesTest, PendingBytesPerClientAreBounded) {
  EXPECT_EQ(Admit(1, Put(100, "greedy", "a")), Kind::kForward);
  EXPECT_EQ(Admit(2, Put(100, "greedy", "b")), Kind::kForward);
  EXPECT_EQ(Admit(3, Put(100, "greedy", "c")), Kind::kForward);
  EXPECT_EQ(Admit(4, Put(100, "greedy", "d")), Kind::kForward);  // 400
  EXPECT_EQ(Admit(5, Put(1, "greedy", "e")), Kind::kReject);
  EXPECT_NE(last_.message().find("this client has 400 bytes of requests pending"),
            std::string::npos)
      << last_.message();
  EXPECT_EQ(Admit(6, Put(100, "polite", "e")), Kind::kForward);  // others are not affected
  ASSERT_TRUE(router_.TakeReply(1, 1).has_value());
  EXPECT_EQ(router_.ClientBytes("greedy"), 300u);
  EXPECT_EQ(Admit(7, Put(100, "greedy", "f")), Kind::kForward);
}

TEST_F(RouterBytesTest, TotalPendingBytesAreBounded) {
  for (Handle h = 1; h <= 10; ++h) {
    EXPECT_EQ(Admit(h, Put(100, "c" + std::to_string(h), "s" + std::to_string(h))), Kind::kForward);
  }
  EXPECT_EQ(router_.TotalBytes(), 1000u);
  EXPECT_EQ(Admit(11, Put(1, "new", "new")), Kind::kReject);
  EXPECT_NE(last_.message().find("forkv-manager holds 1000 bytes"), std::string::npos);
}

TEST_F(RouterBytesTest, EveryExitReleasesItsBytes) {
  EXPECT_EQ(Admit(1, Put(100)), Kind::kForward);
  EXPECT_EQ(Admit(2, Put(100)), Kind::kQueued);
  EXPECT_EQ(Admit(3, Put(100, "c1", "t")), Kind::kForward);
  // The incarnation of s dies: its in-flight request fails, the queued one
  // waits for the next incarnation and is not pumped to the dead one.
  EXPECT_EQ(Handles(router_.FailInFlight(1, Status::Unavailable("died"))),
            "1:unavailable 3:unavailable");
  EXPECT_EQ(Forwarded(router_.Pump("s")), "");
  EXPECT_EQ(router_.TotalBytes(), 100u);
  auto serving = router_.OnServing("s");
  EXPECT_EQ(Forwarded(serving.forward), "2");
  SendAll(serving.forward);
  EXPECT_EQ(router_.InFlightBytes("s"), 100u);
  router_.Release(2);  // the loop's send failed
  EXPECT_EQ(router_.TotalBytes(), 0u);
  router_.Release(2);  // twice is harmless
  // Queued, then expired.
  EXPECT_EQ(Admit(4, Put(100)), Kind::kForward);
  EXPECT_EQ(Admit(5, Put(100)), Kind::kQueued);
  auto expired = router_.Expire(now_ + 5s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_NE(expired[0].status.message().find("busy: store 's' had no room"), std::string::npos)
      << expired[0].status.message();
  EXPECT_EQ(router_.QueuedBytes("s"), 0u);
  EXPECT_EQ(Admit(6, Put(100)), Kind::kQueued);
  EXPECT_EQ(router_.FailAllPending(Status::Unavailable("shutdown")).size(), 1u);
  EXPECT_EQ(router_.QueuedBytes("s"), 0u);
  EXPECT_EQ(router_.ClientBytes("c1"), 100u);  // only 4, still in flight
}

}  // namespace
}  // namespace forkv
