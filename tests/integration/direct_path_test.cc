// The direct path (docs/protocol.md): `locate`, each store's own client
// socket, and forkv::Client's route cache, relocation and retry rules, with
// real processes, sockets and signals.
#include <forkv/client.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "shared/zsock.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class DirectPathTest : public ForkvTest {
 protected:
  ClientOptions Options(std::chrono::milliseconds timeout = 5000ms) const {
    return {.endpoint = mgr_->endpoint(), .timeout = timeout};
  }
  Result<nlohmann::json> Locate(const std::string& store, bool create) {
    Connection c(ctx_, mgr_->endpoint());
    return c.CallJson(Op::kLocate, store, create ? kLocateCreate : 0, 5000ms);
  }
};

TEST_F(DirectPathTest, LocateAnswersTheIncarnationsOwnEndpoint) {
  auto missing = Locate("users", /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_TRUE(mgr_->CliJson({"stores"})["stores"].empty());  // locate alone creates nothing

  auto located = Locate("users", /*create=*/true);
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  const nlohmann::json& body = *located;
  EXPECT_EQ(body["name"], "users");
  EXPECT_EQ(body["state"], "running");
  EXPECT_EQ(body["created"], true);
  uint64_t gen = body["gen"].get<uint64_t>();
  EXPECT_EQ(gen, mgr_->StoreInfo("users")["generation"].get<uint64_t>());
  EXPECT_EQ(body["pid"].get<int64_t>(), mgr_->StorePid("users"));
  ASSERT_EQ(body["endpoints"].size(), 1u);  // no tcp listener: ipc only
  std::string ep = body["endpoints"][0].get<std::string>();
  // Built from the manager's pid and the gen, never from the name.
  EXPECT_NE(ep.find("/m" + std::to_string(mgr_->pid()) + "-s" + std::to_string(gen) + ".sock"),
            std::string::npos)
      << ep;
  EXPECT_EQ(ep.find("users"), std::string::npos) << ep;
  EXPECT_TRUE(FileExists(IpcPath(ep)));

  // The CLI prints the endpoints, one per line.
  CommandResult cli = mgr_->Cli({"locate", "users"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, ep + "\n");
  EXPECT_EQ(mgr_->Cli({"locate", "nobody"}).exit_code, 1);  // not found, nothing created
  EXPECT_EQ(mgr_->CliJson({"locate", "users"})["gen"].get<uint64_t>(), gen);

  auto again = Locate("users", /*create=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["created"], false);
  EXPECT_EQ((*again)["gen"].get<uint64_t>(), gen);
  // Bad flags and bad names are refused.
  Connection c(ctx_, mgr_->endpoint());
  EXPECT_EQ(c.CallJson(Op::kLocate, "users", 6, 5000ms).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.CallJson(Op::kLocate, "../x", 1, 5000ms).status().code(),
            StatusCode::kInvalidArgument);
  auto bad_gen = c.Call(Request{.op = Op::kLocate, .store = "users", .key = "12x"}, 5000ms);
  ASSERT_TRUE(bad_gen.ok());
  EXPECT_EQ(bad_gen->code, StatusCode::kInvalidArgument);
  // Naming an older generation than the current one: answered at once.
  auto old_gen = c.Call(Request{.op = Op::kLocate, .store = "users", .key = "1"}, 5000ms);
  ASSERT_TRUE(old_gen.ok());
  EXPECT_EQ(old_gen->code, StatusCode::kOk);
  // Naming the current one, which is alive: the locate waits for a
  // successor that never comes, and times out (--request-wait-ms).
  auto current =
      c.Call(Request{.op = Op::kLocate, .store = "users", .key = std::to_string(gen)}, 10000ms);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->code, StatusCode::kTimeout) << current->message;
}

TEST_F(DirectPathTest, ClientGoesDirectAndSeesWhatTheManagerPathSees) {
  Client client(Options());
  ASSERT_TRUE(client.Put("users", "alice", "42").ok());
  ASSERT_TRUE(client.Put("users", "bob", std::string("\0\xff", 2)).ok());
  auto v = client.Get("users", "alice");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "42");
  EXPECT_EQ(*client.Get("users", "bob"), std::string("\0\xff", 2));
  EXPECT_TRUE(client.Get("users", "carol").status().IsNotFound());
  EXPECT_TRUE(client.Get("nostore", "k").status().IsNotFound());
  EXPECT_EQ(client.Keys("users").value(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(client.Keys("users", "b").value(), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(client.Keys("users", "", 1).value(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(client.Count("users").value(), 2u);
  Client::Stats s = client.stats();
  EXPECT_EQ(s.locates, 2u);  // users (created by the put), nostore (not found)
  EXPECT_EQ(s.manager_requests, 0u);
  EXPECT_GE(s.direct_requests, 8u);
  auto ep = client.EndpointOf("users");
  ASSERT_TRUE(ep.ok());
  EXPECT_NE(*ep, mgr_->endpoint());

  // The manager path answers the same.
  Connection via_manager(ctx_, mgr_->endpoint());
  EXPECT_EQ(*via_manager.Get("users", "alice", 5000ms), "42");
  ASSERT_TRUE(client.Del("users", "alice").ok());
  EXPECT_TRUE(via_manager.Get("users", "alice", 5000ms).status().IsNotFound());
  EXPECT_TRUE(client.Del("users", "alice").IsNotFound());

  // A bad request is refused by the store and changes nothing.
  EXPECT_EQ(client.Put("users", std::string(kMaxKeyBytes + 1, 'k'), "v").code(),
            StatusCode::kTooLarge);
  EXPECT_EQ(client.Count("users").value(), 1u);

  auto stores = client.Stores();
  ASSERT_TRUE(stores.ok());
  ASSERT_EQ(stores->size(), 1u);
  EXPECT_EQ((*stores)[0].name, "users");
  EXPECT_EQ((*stores)[0].state, "running");
  EXPECT_EQ((*stores)[0].pid, mgr_->StorePid("users"));
}

TEST_F(DirectPathTest, WithoutDirectEverythingGoesThroughTheManager) {
  ClientOptions o = Options();
  o.direct = false;
  Client client(o);
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  EXPECT_EQ(*client.Get("users", "k"), "v");
  EXPECT_EQ(client.stats().direct_requests, 0u);
  EXPECT_EQ(client.stats().locates, 0u);
  EXPECT_EQ(*client.EndpointOf("users"), mgr_->endpoint());
}

TEST_F(DirectPathTest, LocateAfterAndAFullCacheKeepRequestsOnTheManagerPath) {
  Connection setup(ctx_, mgr_->endpoint());
  ASSERT_TRUE(setup.Put("a", "k", "va", 5000ms).ok());
  ASSERT_TRUE(setup.Put("b", "k", "vb", 5000ms).ok());
  // locate_after 3: the first two requests of a store go through the manager.
  ClientOptions o = Options();
  o.locate_after = 3;
  Client lazy(o);
  EXPECT_EQ(*lazy.Get("a", "k"), "va");
  EXPECT_EQ(*lazy.Get("a", "k"), "va");
  EXPECT_EQ(lazy.stats().locates, 0u);
  EXPECT_EQ(lazy.stats().manager_requests, 2u);
  EXPECT_EQ(*lazy.Get("a", "k"), "va");
  EXPECT_EQ(lazy.stats().locates, 1u);
  EXPECT_EQ(lazy.stats().direct_requests, 1u);
  // One cached store, two in use: the second is not swapped in and out on
  // every request (no locate storm); it takes the manager path.
  o = Options();
  o.max_cached_stores = 1;
  Client small(o);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(*small.Get("a", "k"), "va");
    EXPECT_EQ(*small.Get("b", "k"), "vb");
  }
  EXPECT_EQ(small.stats().locates, 1u);
  EXPECT_EQ(small.stats().direct_requests, 10u);
  EXPECT_EQ(small.stats().manager_requests, 10u);
}

TEST_F(DirectPathTest, CachedEndpointOfAKilledStoreIsReplacedAtOnce) {
  Client client(Options(20000ms));
  ASSERT_TRUE(client.Put("users", "k", "v1").ok());
  std::string old_ep = *client.EndpointOf("users");
  pid_t old_pid = mgr_->StorePid("users");
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);
  // The manager removes the dead incarnation's socket file when it reaps it.
  ASSERT_TRUE(WaitFor([&] { return !FileExists(IpcPath(old_ep)); }));
  // Reads retry through a new locate, which waits for the successor; the
  // 20 s timeout is never reached (that would fail the call instead).
  auto v = client.Get("users", "k");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "v1");
  EXPECT_GE(client.stats().relocations, 1u);
  std::string new_ep = *client.EndpointOf("users");
  EXPECT_NE(new_ep, old_ep);
  EXPECT_NE(mgr_->StorePid("users"), old_pid);
  // Writes work again on the new incarnation.
  ASSERT_TRUE(client.Put("users", "k", "v2").ok());
  EXPECT_EQ(*client.Get("users", "k"), "v2");
}

TEST_F(DirectPathTest, WriteInFlightToAStoreThatDiesIsUnknownNotATimeout) {
  Client client(Options(30000ms));
  ASSERT_TRUE(client.Put("users", "k", "before").ok());
  pid_t pid = mgr_->StorePid("users");
  // A stopped store accepts the bytes (the kernel buffers them) and
  // answers nothing: the put is in flight when the store is killed.
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  auto put = std::async(std::launch::async, [&] { return client.Put("users", "k", "during"); });
  ASSERT_EQ(put.wait_for(300ms), std::future_status::timeout);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // Answered when the connection closes, long before the 30 s timeout.
  ASSERT_EQ(put.wait_for(15s), std::future_status::ready);
  Status s = put.get();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("may or may not"), std::string::npos) << s.ToString();
  // The stopped incarnation never applied it (it never ran again), and the
  // successor serves the last acknowledged value.
  auto v = client.Get("users", "k");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "before");
}

TEST_F(DirectPathTest, AStoppedIncarnationIsKilledBeforeItsSuccessorServes) {
  // The manager's heartbeat kills a store that stops answering (SIGSTOP);
  // its successor is spawned only after the old process was reaped, so a
  // direct client can never get an answer from the stopped one afterwards.
  Client client(Options(30000ms));
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  pid_t old_pid = mgr_->StorePid("users");
  ASSERT_EQ(kill(old_pid, SIGSTOP), 0);
  auto v = client.Get("users", "k");  // waits for the hung store's replacement
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "v");
  EXPECT_FALSE(IsAlive(old_pid));
  EXPECT_NE(mgr_->StorePid("users"), old_pid);
}

TEST_F(DirectPathTest, ALocatedStoreServesWhileTheManagerIsStopped) {
  // The data plane does not go through the control plane once located.
  Client client(Options(2000ms));
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  mgr_->Signal(SIGSTOP);
  auto v = client.Get("users", "k");
  Status put = client.Put("users", "k2", "v2");
  auto manager_op = client.Stores();
  mgr_->Signal(SIGCONT);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "v");
  EXPECT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ(manager_op.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(*client.Get("users", "k2"), "v2");
}

TEST_F(DirectPathTest, StoreRefusesWhatItDoesNotServeWithMoved) {
  Client client(Options());
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  std::string ep = *client.EndpointOf("users");
  Connection raw(ctx_, ep);
  Request r{.op = Op::kGet, .store = "other", .key = "k"};
  auto reply = raw.Call(r, 5000ms);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->code, StatusCode::kMoved) << reply->message;
  // Manager ops are not answered by a store.
  auto ping = raw.Call(Request{.op = Op::kStores}, 5000ms);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->code, StatusCode::kUnknownOp);
  // Garbage gets an error reply and the store keeps serving.
  zmq::socket_t dealer(ctx_, zmq::socket_type::dealer);
  dealer.connect(ep);
  dealer.send(zmq::str_buffer("\xc1 not msgpack"), zmq::send_flags::none);
  auto frames = RecvWithin(dealer);
  ASSERT_TRUE(frames.has_value());
  auto bad = DecodeReply(View(frames->back()));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->code, StatusCode::kMalformed);
  EXPECT_EQ(*client.Get("users", "k"), "v");
}

TEST_F(DirectPathTest, ManyClientsComeAndGoOnTheSharedContext) {
  // Every Client of a process shares one ZeroMQ context: closing a watched
  // store connection must never block its I/O thread (it once did, when the
  // monitor's PAIR was closed before the socket it watched).
  for (int i = 0; i < 100; ++i) {
    Client c(Options());
    Status s = c.Put("churn", "k" + std::to_string(i), "v");
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
    if (i == 50) {  // a lost peer too (once: more would exceed the restart intensity)
      ASSERT_EQ(kill(mgr_->StorePid("churn"), SIGKILL), 0);
    }
  }
  Client last(Options());
  EXPECT_TRUE(last.Count("churn").ok());
}

TEST_F(DirectPathTest, PipelineKeepsOrderAndAnswersEveryRequest) {
  Client client(Options());
  Pipeline p = client.MakePipeline();
  for (int i = 0; i < 2000; ++i)
    p.Put(i % 2 ? "odd" : "even", "k" + std::to_string(i), "v" + std::to_string(i));
  auto puts = p.Run(64);
  ASSERT_EQ(puts.size(), 2000u);
  for (const auto& o : puts) ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  for (int i = 0; i < 2000; ++i) p.Get(i % 2 ? "odd" : "even", "k" + std::to_string(i));
  p.Get("even", "missing");
  p.Del("odd", "k1");
  auto gets = p.Run();
  ASSERT_EQ(gets.size(), 2002u);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(gets[i].status.ok()) << i << ": " << gets[i].status.ToString();
    EXPECT_EQ(gets[i].value, "v" + std::to_string(i));
  }
  EXPECT_TRUE(gets[2000].status.IsNotFound());
  EXPECT_TRUE(gets[2001].status.ok());
  EXPECT_EQ(client.Count("odd").value(), 999u);
  EXPECT_EQ(p.size(), 0u);
}

TEST_F(DirectPathTest, AManagerRemovesTheSocketFilesOfDeadManagers) {
  Client client(Options());
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  const std::string store_file = IpcPath(*client.EndpointOf("users"));
  const std::string old_prefix = dir_.path() + "/m" + std::to_string(mgr_->pid()) + "-";
  ASSERT_TRUE(FileExists(store_file));
  ASSERT_TRUE(FileExists(old_prefix + "be.sock"));
  ASSERT_TRUE(FileExists(old_prefix + "be.sock.lock"));
  // A new store's first write needs only its key's worker: the other may
  // still be starting.
  ASSERT_TRUE(WaitFor([&] { return FileExists(old_prefix + "db0.sock"); }));
  // A file named like another live manager's (this test's own pid): kept.
  const std::string live = dir_.path() + "/m" + std::to_string(getpid()) + "-be.sock.lock";
  {
    FILE* f = std::fopen(live.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  RestartManager();  // kill -9 of the whole group: its socket files stay behind...
  // ...until the next manager starts and removes them.
  EXPECT_FALSE(FileExists(store_file));
  EXPECT_FALSE(FileExists(old_prefix + "be.sock"));
  EXPECT_FALSE(FileExists(old_prefix + "be.sock.lock"));
  EXPECT_FALSE(FileExists(old_prefix + "db0.sock"));
  EXPECT_TRUE(FileExists(live));
  EXPECT_TRUE(FileExists(IpcPath(mgr_->endpoint())));
  EXPECT_EQ(*client.Get("users", "k"), "v");  // and the client finds the new incarnation
}

class DirectTcpTest : public DirectPathTest {
 protected:
  std::vector<std::string> ManagerArgs() const override {
    return {"--listen", "tcp://127.0.0.1:" + std::to_string(port_)};
  }
  int port_ = FreeTcpPort();
};

TEST_F(DirectTcpTest, ATcpClientGetsTheStoresTcpEndpoint) {
  std::string tcp = "tcp://127.0.0.1:" + std::to_string(port_);
  Client client(ClientOptions{.endpoint = tcp});
  ASSERT_TRUE(client.Put("users", "k", "v").ok());
  auto ep = client.EndpointOf("users");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->rfind("tcp://127.0.0.1:", 0), 0u) << *ep;
  EXPECT_NE(*ep, tcp);
  EXPECT_EQ(*client.Get("users", "k"), "v");
  EXPECT_EQ(client.stats().manager_requests, 0u);
  // An ipc client of the same manager gets the ipc endpoint.
  Client local(Options());
  EXPECT_EQ(local.EndpointOf("users")->rfind("ipc://", 0), 0u);
}

}  // namespace
}  // namespace forkv::test
