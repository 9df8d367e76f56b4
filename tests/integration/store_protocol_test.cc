// forkv-store against a fake manager backend and a fake database worker:
// the internal protocol as the store speaks it (docs/protocol.md, "Manager
// <-> children" and "Store <-> database worker"), frame by frame, with no
// forkv-manager or forkv-db involved.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "shared/codec.h"
#include "shared/control.h"
#include "shared/proc.h"
#include "shared/stored_value.h"
#include "shared/zsock.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class StoreProtocolTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kGen = 7;
  std::string rid_;  // the store's routing id: StoreRoutingId(its pid)

  void SetUp() override {
    backend_ = MakeSocket(ctx_, zmq::socket_type::router, {.router_mandatory = true});
    // As forkv-db's: a store that reconnects takes its routing id back.
    db_ = MakeSocket(ctx_, zmq::socket_type::router,
                     {.router_mandatory = true, .router_handover = true});
    std::string be = "ipc://" + dir_.path() + "/be.sock";
    std::string db = "ipc://" + dir_.path() + "/db0.sock";
    backend_.bind(be);
    db_.bind(db);
    auto pid = SpawnChild(
        {.exe = BinaryPath("forkv-store"),
         .args = {"--name", "users", "--gen", std::to_string(kGen), "--backend", be, "--db", db,
                  "--log-level", "warn", "--idle-after-ms", "200", "--unlink-after-ms", "300"}});
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    pid_ = *pid;
    rid_ = StoreRoutingId(pid_);
  }

  void TearDown() override {
    if (pid_ != 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The next control message from the store.
  ControlMessage NextControl() {
    auto frames = RecvWithin(backend_);
    EXPECT_TRUE(frames.has_value()) << "no control message from the store";
    if (!frames) return DbUpMsg{.shard = 0xdead};
    EXPECT_EQ(frames->size(), 3u);
    EXPECT_EQ(View((*frames)[0]), rid_);
    EXPECT_EQ(View((*frames)[1]), "C");
    auto msg = DecodeControlMessage(View(frames->back()));
    EXPECT_TRUE(msg.ok()) << msg.status().ToString();
    if (!msg.ok()) return DbUpMsg{.shard = 0xdead};
    return *msg;
  }

  // Sends a client request to the store as the manager does and returns its
  // reply, checking the tag comes back.
  std::optional<Reply> Ask(uint64_t tag, const Request& req) {
    std::string bytes = EncodeRequest(req);
    std::string t = EncodeTag(tag);
    EXPECT_TRUE(SendFrames(backend_, {rid_, "Q", t, bytes}).ok());
    return AwaitReply(tag);
  }
  std::optional<Reply> AwaitReply(uint64_t tag) {
    auto frames = RecvWithin(backend_);
    // A store that was idle says it is busy before it serves a request.
    while (frames && frames->size() == 3 && View((*frames)[1]) == "C") {
      auto msg = DecodeControlMessage(View(frames->back()));
      if (!msg.ok() || !std::holds_alternative<ActivityMsg>(*msg)) break;
      activity_.push_back(std::get<ActivityMsg>(*msg));
      frames = RecvWithin(backend_);
    }
    if (!frames || frames->size() != 4 || View((*frames)[1]) != "R") {
      ADD_FAILURE() << "no reply for tag " << tag;
      return std::nullopt;
    }
    EXPECT_EQ(View((*frames)[2]), EncodeTag(tag));
    auto r = DecodeReply(View((*frames)[3]));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::nullopt;
    return *r;
  }
  // The next write the store sends to the database worker.
  std::optional<WriteRequest> NextWrite() {
    auto frames = RecvWithin(db_);
    if (!frames || frames->size() != 3 || View((*frames)[1]) != "W") {
      ADD_FAILURE() << "no write from the store";
      return std::nullopt;
    }
    auto w = DecodeWriteRequest(View((*frames)[2]));
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return std::nullopt;
    return *w;
  }
  void Ack(uint64_t seq) {
    std::string ack = EncodeWriteAck({.seqs = {seq}});
    ASSERT_TRUE(SendFrames(db_, {rid_, "A", ack}).ok());
  }

  // Hello, then the load from the one shard, answered with `entries` (as
  // stored: each at version kLoadedVersion, and the shard's revision floor
  // kLoadedFloor), then ready.
  static constexpr uint64_t kLoadedVersion = 5;
  static constexpr uint64_t kLoadedFloor = 9;
  void StartStore(std::vector<std::pair<std::string, std::string>> entries) {
    for (auto& [k, v] : entries) v = EncodeStoredValue(kLoadedVersion, 0, v);
    entries.emplace_back("", EncodeRevisionFloor(kLoadedFloor));
    ControlMessage hello = NextControl();
    ASSERT_TRUE(std::holds_alternative<HelloMsg>(hello)) << ControlTypeName(hello);
    EXPECT_EQ(std::get<HelloMsg>(hello),
              (HelloMsg{.role = ChildRole::kStore, .gen = kGen, .pid = pid_, .name = "users"}));
    auto load = RecvWithin(db_);
    ASSERT_TRUE(load.has_value()) << "no load request";
    ASSERT_EQ(load->size(), 3u);
    EXPECT_EQ(View((*load)[0]), rid_);
    ASSERT_EQ(View((*load)[1]), "L");
    auto l = DecodeLoadRequest(View((*load)[2]));
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    EXPECT_EQ(l->store, "users");
    EXPECT_EQ(l->gen, kGen);
    std::string chunk =
        EncodeLoadChunk({.load_id = l->load_id, .last = true, .entries = std::move(entries)});
    ASSERT_TRUE(SendFrames(db_, {rid_, "D", chunk}).ok());
  }

  TempDir dir_;
  zmq::context_t ctx_{1};
  zmq::socket_t backend_;
  zmq::socket_t db_;
  pid_t pid_ = 0;
  std::vector<ActivityMsg> activity_;  // skipped by AwaitReply, in arrival order
};

TEST_F(StoreProtocolTest, ReadyCarriesTheLoadFiguresInStats) {
  ASSERT_NO_FATAL_FAILURE(StartStore({{"a", "1"}, {"b", "2"}}));
  ControlMessage ready = NextControl();
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(ready)) << ControlTypeName(ready);
  const ReadyMsg& r = std::get<ReadyMsg>(ready);
  EXPECT_EQ(r.gen, kGen);
  EXPECT_EQ(r.stats["keys"], 2) << r.stats.dump();
  EXPECT_TRUE(r.stats.contains("load_ms") && r.stats["load_ms"].is_number_unsigned())
      << r.stats.dump();

  std::string ping = EncodeControlMessage(PingMsg{.seq = 41});
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", ping}).ok());
  ControlMessage pong = NextControl();
  ASSERT_TRUE(std::holds_alternative<PongMsg>(pong)) << ControlTypeName(pong);
  const PongMsg& p = std::get<PongMsg>(pong);
  EXPECT_EQ(p.seq, 41u);
  EXPECT_EQ(p.gen, kGen);
  EXPECT_EQ(p.stats["keys"], 2) << p.stats.dump();
  EXPECT_EQ(p.stats["loaded"], true) << p.stats.dump();
  EXPECT_EQ(p.stats["pending_writes"], 0) << p.stats.dump();
}

TEST_F(StoreProtocolTest, OnlyStoreOpsAreServed) {
  ASSERT_NO_FATAL_FAILURE(StartStore({}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));
  uint64_t tag = 100;
  for (Op op : {Op::kPing, Op::kStores, Op::kCreate, Op::kStatus, Op::kWait}) {
    for (const char* store : {"", "users"}) {
      ++tag;
      auto r = Ask(tag, {.id = tag, .op = op, .store = store});
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->id, tag);
      EXPECT_EQ(StatusCodeName(r->code), StatusCodeName(StatusCode::kUnknownOp))
          << OpName(op) << " '" << store << "': " << r->message;
      EXPECT_EQ(r->message, std::string(OpName(op)) + " is not a store operation");
    }
  }
  ++tag;
  auto count = Ask(tag, {.id = tag, .op = Op::kCount, .store = "users"});
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(count->code, StatusCode::kOk) << count->message;
}

TEST_F(StoreProtocolTest, WritesGoToTheDatabaseWorkerAndApplyOnAck) {
  ASSERT_NO_FATAL_FAILURE(StartStore({{"old", "x"}}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));

  // A put of a large binary value reaches the worker intact.
  std::string value(3 << 20, '\0');
  for (size_t i = 0; i < value.size(); i += 997) value[i] = static_cast<char>(i % 251);
  std::string put = EncodeRequest(
      {.id = 1, .op = Op::kPut, .store = "users", .key = std::string("k\0ey", 4), .value = value});
  std::string t1 = EncodeTag(1);
  ASSERT_TRUE(SendFrames(backend_, {rid_, "Q", t1, put}).ok());
  auto w = NextWrite();
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->store, "users");
  EXPECT_EQ(w->gen, kGen);
  EXPECT_EQ(w->seq, 1u);
  EXPECT_EQ(w->base_seq, 1u);
  EXPECT_EQ(w->op, Op::kPut);
  EXPECT_EQ(w->key, std::string("k\0ey", 4));
  // As stored: the next revision after the floor loaded, then the value.
  auto stored = DecodeStoredValue(w->value);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->version, kLoadedFloor + 1);
  EXPECT_EQ(stored->expires_ms, 0);
  EXPECT_TRUE(stored->value == value) << "value of " << stored->value.size() << " bytes differs";
  // Not applied before the ack.
  auto early = Ask(2, {.id = 2, .op = Op::kGet, .store = "users", .key = std::string("k\0ey", 4)});
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->code, StatusCode::kNotFound);
  Ack(1);
  auto put_reply = AwaitReply(1);
  ASSERT_TRUE(put_reply.has_value());
  EXPECT_EQ(put_reply->code, StatusCode::kOk) << put_reply->message;
  auto put_version = DecodeJsonBody(put_reply->body);
  ASSERT_TRUE(put_version.ok());
  EXPECT_EQ(*put_version, kLoadedFloor + 1);  // a put answers the key's new version
  auto got = Ask(3, {.id = 3, .op = Op::kGet, .store = "users", .key = std::string("k\0ey", 4)});
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->code, StatusCode::kOk) << got->message;
  auto body = DecodeJsonBody(got->body);
  ASSERT_TRUE(body.ok() && body->is_binary());
  EXPECT_TRUE(std::string(body->get_binary().begin(), body->get_binary().end()) == value);

  // A del carries no client value to the worker, whatever the client sent:
  // its value is the shard's new revision floor.
  std::string del =
      EncodeRequest({.id = 4, .op = Op::kDel, .store = "users", .key = "old", .value = "junk"});
  std::string t4 = EncodeTag(4);
  ASSERT_TRUE(SendFrames(backend_, {rid_, "Q", t4, del}).ok());
  auto d = NextWrite();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->op, Op::kDel);
  EXPECT_EQ(d->seq, 2u);
  EXPECT_EQ(d->key, "old");
  auto floor = DecodeStoredValue(d->value);
  ASSERT_TRUE(floor.ok()) << floor.status().ToString();
  EXPECT_EQ(floor->version, kLoadedFloor + 2);
  EXPECT_EQ(floor->value, "");
  Ack(2);
  auto del_reply = AwaitReply(4);
  ASSERT_TRUE(del_reply.has_value());
  EXPECT_EQ(del_reply->code, StatusCode::kOk) << del_reply->message;
  auto keys = Ask(5, {.id = 5, .op = Op::kCount, .store = "users"});
  ASSERT_TRUE(keys.has_value());
  auto n = DecodeJsonBody(keys->body);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);

  // db_up: an unacknowledged write is resent, in order.
  std::string put2 = EncodeRequest({.id = 6, .op = Op::kPut, .store = "users", .key = "z"});
  std::string t6 = EncodeTag(6);
  ASSERT_TRUE(SendFrames(backend_, {rid_, "Q", t6, put2}).ok());
  auto first = NextWrite();
  ASSERT_TRUE(first.has_value());
  std::string up = EncodeControlMessage(DbUpMsg{.shard = 0});
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", up}).ok());
  auto resent = NextWrite();
  ASSERT_TRUE(resent.has_value());
  EXPECT_EQ(resent->seq, first->seq);
  EXPECT_EQ(resent->key, "z");

  // SIGTERM with a write in flight: the store waits for it, then exits 0.
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  Ack(first->seq);
  auto last = AwaitReply(6);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->code, StatusCode::kOk) << last->message;
  int status = 0;
  ASSERT_TRUE(WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }));
  pid_ = 0;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kExitOk);
}

// Idle costs nothing: an idle store sends nothing and expects nothing. A
// request makes it busy (said before the answer), --idle-after-ms without one
// makes it idle again (with its figures), and `hibernate` makes it exit 0.
TEST_F(StoreProtocolTest, ActivityIsReportedAndHibernateExitsCleanly) {
  ASSERT_NO_FATAL_FAILURE(StartStore({{"a", "1"}}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));
  // Idle: nothing arrives on its own.
  EXPECT_FALSE(RecvWithin(backend_, 600ms).has_value());
  auto r = Ask(1, {.id = 1, .op = Op::kGet, .store = "users", .key = "a"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, StatusCode::kOk) << r->message;
  ASSERT_EQ(activity_.size(), 1u);
  EXPECT_EQ(activity_[0], (ActivityMsg{.gen = kGen, .busy = true}));
  ControlMessage idle = NextControl();
  ASSERT_TRUE(std::holds_alternative<ActivityMsg>(idle)) << ControlTypeName(idle);
  EXPECT_FALSE(std::get<ActivityMsg>(idle).busy);
  EXPECT_EQ(std::get<ActivityMsg>(idle).stats["keys"], 1);
  // A hibernate for another incarnation is ignored; its own ends the process.
  std::string other = EncodeControlMessage(HibernateMsg{.gen = kGen + 1});
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", other}).ok());
  auto still = Ask(2, {.id = 2, .op = Op::kCount, .store = "users"});
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->code, StatusCode::kOk) << still->message;
  std::string mine = EncodeControlMessage(HibernateMsg{.gen = kGen});
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", mine}).ok());
  int status = 0;
  ASSERT_TRUE(WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, 5s));
  pid_ = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The sockets a process holds open (its ZeroMQ connections and listeners).
int OpenSockets(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(e.path(), link_ec);
    if (!link_ec && target.string().rfind("socket:", 0) == 0) ++n;
  }
  return n;
}

// An idle store holds no link to its database worker (memory on both
// sides); its next write connects again, under the same routing id, and is
// answered as any other.
TEST_F(StoreProtocolTest, AnIdleStoreLetsGoOfItsDatabaseLinkUntilItWrites) {
  ASSERT_NO_FATAL_FAILURE(StartStore({{"a", "1"}}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));
  const int linked = OpenSockets(pid_);
  ASSERT_GE(linked, 2);  // the manager's link and the worker's, at least
  // --unlink-after-ms 300 after the load's last message.
  ASSERT_TRUE(WaitFor([&] { return OpenSockets(pid_) == linked - 1; }, 10s))
      << OpenSockets(pid_) << " sockets open, " << linked << " when loaded";
  // Reads need no link.
  auto got = Ask(1, {.id = 1, .op = Op::kGet, .store = "users", .key = "a"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code, StatusCode::kOk) << got->message;
  EXPECT_EQ(OpenSockets(pid_), linked - 1);
  std::string put =
      EncodeRequest({.id = 2, .op = Op::kPut, .store = "users", .key = "b", .value = "2"});
  std::string t2 = EncodeTag(2);
  ASSERT_TRUE(SendFrames(backend_, {rid_, "Q", t2, put}).ok());
  auto frames = RecvWithin(db_);
  ASSERT_TRUE(frames.has_value()) << "no write after the store was idle";
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ(View((*frames)[0]), rid_);
  ASSERT_EQ(View((*frames)[1]), "W");
  auto w = DecodeWriteRequest(View((*frames)[2]));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->seq, 1u);
  EXPECT_EQ(w->key, "b");
  EXPECT_EQ(OpenSockets(pid_), linked);
  Ack(w->seq);
  auto reply = AwaitReply(2);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->code, StatusCode::kOk) << reply->message;
  auto b = Ask(3, {.id = 3, .op = Op::kGet, .store = "users", .key = "b"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->code, StatusCode::kOk) << b->message;
}

TEST_F(StoreProtocolTest, BadControlMessagesAreDroppedNotFatal) {
  ASSERT_NO_FATAL_FAILURE(StartStore({}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));
  std::vector<std::string> bad = {
      "",
      "\xc1",
      EncodeJsonBody({{"type", "ping"}}),               // no seq
      EncodeJsonBody({{"type", "ping"}, {"seq", -1}}),  // negative
      EncodeJsonBody({{"type", "db_up"}, {"shard", "0"}}),
      EncodeJsonBody({{"type", "reboot"}}),
  };
  for (const auto& b : bad) ASSERT_TRUE(SendFrames(backend_, {rid_, "C", b}).ok());
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", "x", "y"}).ok());
  std::string ping = EncodeControlMessage(PingMsg{.seq = 5});
  ASSERT_TRUE(SendFrames(backend_, {rid_, "C", ping}).ok());
  ControlMessage pong = NextControl();  // the only answer
  ASSERT_TRUE(std::holds_alternative<PongMsg>(pong)) << ControlTypeName(pong);
  EXPECT_EQ(std::get<PongMsg>(pong).seq, 5u);
  EXPECT_FALSE(RecvWithin(backend_, 200ms).has_value());
  EXPECT_TRUE(IsAlive(pid_));
}

// Versions and compare-and-swap at the store: a conditional write (or an
// incr) of a key with a write in flight waits for its acknowledgment, so it
// is decided on the key's latest version; a plain write of that key sent
// after it waits behind it, in order. Nothing is sent for a failed
// condition.
TEST_F(StoreProtocolTest, ConditionalWritesWaitForTheKeysWriteInFlight) {
  ASSERT_NO_FATAL_FAILURE(StartStore({{"n", "41"}}));
  ASSERT_TRUE(std::holds_alternative<ReadyMsg>(NextControl()));
  auto send = [&](uint64_t id, Request req) {
    req.id = id;
    req.store = "users";
    std::string t = EncodeTag(id);
    ASSERT_TRUE(SendFrames(backend_, {rid_, "Q", t, EncodeRequest(req)}).ok());
  };
  // Every write the worker gets, "W" or "V", until `n` have come.
  auto writes = [&](size_t n) {
    std::vector<WriteRequest> out;
    while (out.size() < n) {
      auto frames = RecvWithin(db_);
      if (!frames || frames->size() != 3) break;
      if (View((*frames)[1]) == "W") {
        auto w = DecodeWriteRequest(View((*frames)[2]));
        if (!w.ok()) break;
        out.push_back(*w);
      } else if (View((*frames)[1]) == "V") {
        auto ws = DecodeWriteBatch(View((*frames)[2]));
        if (!ws.ok()) break;
        out.insert(out.end(), ws->begin(), ws->end());
      }
    }
    EXPECT_EQ(out.size(), n) << "writes from the store";
    return out;
  };
  auto version_of = [](const WriteRequest& w) {
    auto s = DecodeStoredValue(w.value);
    return s.ok() ? s->version : 0;
  };
  auto body_of = [](const std::optional<Reply>& r) {
    auto b = r ? DecodeJsonBody(r->body) : Result<nlohmann::json>(Status::Internal("no reply"));
    return b.ok() ? *b : nlohmann::json();
  };

  send(1, {.op = Op::kPut, .key = "k", .value = "a"});
  auto first = writes(1);
  ASSERT_EQ(first.size(), 1u);
  const uint64_t v1 = version_of(first[0]);
  EXPECT_EQ(v1, kLoadedFloor + 1);
  // Decided on the acknowledged state, this would fail (k is absent): it
  // waits for the put in flight instead. The plain put waits behind it.
  send(2, {.op = Op::kPut, .key = "k", .value = "b", .if_version = v1});
  send(3, {.op = Op::kPut, .key = "k", .value = "c"});
  EXPECT_FALSE(RecvWithin(db_, 300ms).has_value()) << "a write that should wait was sent";
  Ack(first[0].seq);
  EXPECT_EQ(body_of(AwaitReply(1)), v1);
  auto next = writes(2);
  ASSERT_EQ(next.size(), 2u);
  auto cas_value = DecodeStoredValue(next[0].value);
  ASSERT_TRUE(cas_value.ok());
  EXPECT_EQ(cas_value->value, "b");
  EXPECT_EQ(cas_value->version, v1 + 1);
  EXPECT_EQ(version_of(next[1]), v1 + 2);
  Ack(next[0].seq);
  Ack(next[1].seq);
  EXPECT_EQ(body_of(AwaitReply(2)), v1 + 1);
  EXPECT_EQ(body_of(AwaitReply(3)), v1 + 2);

  // A stale version, or "only if absent" on a key that exists: refused,
  // nothing sent to the worker.
  auto stale = Ask(
      4,
      {.id = 4, .op = Op::kPut, .store = "users", .key = "k", .value = "d", .if_version = v1 + 1});
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(StatusCodeName(stale->code), "condition_failed") << stale->message;
  EXPECT_NE(stale->message.find(std::to_string(v1 + 2)), std::string::npos) << stale->message;
  auto exists = Ask(
      5, {.id = 5, .op = Op::kPut, .store = "users", .key = "k", .value = "d", .if_version = 0});
  ASSERT_TRUE(exists.has_value());
  EXPECT_EQ(StatusCodeName(exists->code), "condition_failed") << exists->message;
  auto del_stale =
      Ask(6, {.id = 6, .op = Op::kDel, .store = "users", .key = "k", .if_version = v1});
  ASSERT_TRUE(del_stale.has_value());
  EXPECT_EQ(StatusCodeName(del_stale->code), "condition_failed") << del_stale->message;
  EXPECT_FALSE(RecvWithin(db_, 300ms).has_value()) << "a refused write was sent";

  // get with kGetVersion: [value, version].
  auto got = Ask(7, {.id = 7, .op = Op::kGet, .store = "users", .key = "k", .arg = kGetVersion});
  EXPECT_EQ(body_of(got), nlohmann::json::array({nlohmann::json::binary({'c'}), v1 + 2, 0}));

  // incr: "41" + 1 is stored as "42" and answered [42, version].
  send(8, {.op = Op::kIncr, .key = "n"});
  auto incr = writes(1);
  ASSERT_EQ(incr.size(), 1u);
  auto counter = DecodeStoredValue(incr[0].value);
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->value, "42");
  Ack(incr[0].seq);
  EXPECT_EQ(body_of(AwaitReply(8)), nlohmann::json::array({42, v1 + 3}));
  // ... and refused on a value that is not an integer ("c").
  auto not_int = Ask(9, {.id = 9, .op = Op::kIncr, .store = "users", .key = "k", .value = "2"});
  ASSERT_TRUE(not_int.has_value());
  EXPECT_EQ(not_int->code, StatusCode::kInvalidArgument) << not_int->message;
}

}  // namespace
}  // namespace forkv::test
