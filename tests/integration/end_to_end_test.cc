// The end-to-end path through real processes: CLI -> manager -> store ->
// database worker, on a private socket and data dir per test.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "shared/zsock.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class EndToEndTest : public ForkvTest {};

TEST_F(EndToEndTest, CliPutGetDelKeysCount) {
  EXPECT_EQ(mgr_->Cli({"put", "users", "alice", "42"}).exit_code, 0);
  CommandResult get = mgr_->Cli({"get", "users", "alice"});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.out, "42");
  EXPECT_EQ(mgr_->Cli({"put", "users", "bob", "7"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"put", "users", "alice", "43"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "users", "alice"}).out, "43");
  EXPECT_EQ(mgr_->Cli({"keys", "users"}).out, "alice\nbob\n");
  EXPECT_EQ(mgr_->Cli({"keys", "users", "--prefix", "b"}).out, "bob\n");
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "2\n");
  EXPECT_EQ(mgr_->Cli({"del", "users", "alice"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"del", "users", "alice"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"get", "users", "alice"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "1\n");
}

TEST_F(EndToEndTest, BinaryValueFromStdin) {
  std::string value("\0\x01\xff binary\n", 11);
  EXPECT_EQ(mgr_->Cli({"put", "bin", "k", "-"}, value).exit_code, 0);
  CommandResult get = mgr_->Cli({"get", "bin", "k"});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.out, value);
}

TEST_F(EndToEndTest, ExitCodesForMissingAndRejected) {
  EXPECT_EQ(mgr_->Cli({"get", "nostore", "k"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"del", "nostore", "k"}).exit_code, 1);
  for (const char* bad : {"../etc", "a/b", ".hidden"}) {
    CommandResult r = mgr_->Cli({"put", bad, "k", "v"});
    EXPECT_EQ(r.exit_code, 4) << bad;
    EXPECT_NE(r.err.find("invalid_argument"), std::string::npos) << r.err;
  }
  EXPECT_EQ(mgr_->Cli({"put", std::string(129, 'a'), "k", "v"}).exit_code, 4);
  EXPECT_EQ(mgr_->Cli({"frobnicate"}).exit_code, 2);
  // Nothing was created by the rejected requests.
  EXPECT_TRUE(mgr_->CliJson({"stores"})["stores"].empty());
}

TEST_F(EndToEndTest, UnreachableManagerExitsThreeWithinTimeout) {
  CommandResult r = RunCommand(
      BinaryPath("forkv"),
      {"--socket", "ipc://" + dir_.path() + "/nobody.sock", "--timeout", "300", "get", "s", "k"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(EndToEndTest, TwoStoresKeepSeparateData) {
  ASSERT_EQ(mgr_->Cli({"put", "one", "k", "from-one"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "two", "k", "from-two"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "one", "k"}).out, "from-one");
  EXPECT_EQ(mgr_->Cli({"get", "two", "k"}).out, "from-two");
  pid_t one = mgr_->StorePid("one"), two = mgr_->StorePid("two");
  EXPECT_NE(one, 0);
  EXPECT_NE(two, 0);
  EXPECT_NE(one, two);
  EXPECT_EQ(mgr_->Cli({"del", "one", "k"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "two", "k"}).out, "from-two");
}

TEST_F(EndToEndTest, CreateIsIdempotentAndStoresListsThem) {
  nlohmann::json first = mgr_->CliJson({"create", "users"});
  nlohmann::json second = mgr_->CliJson({"create", "users"});
  ASSERT_TRUE(first.value("ok", false)) << first.dump();
  ASSERT_TRUE(second.value("ok", false)) << second.dump();
  EXPECT_EQ(mgr_->CliJson({"stores"})["stores"].size(), 1u);
  pid_t pid = mgr_->StorePid("users");
  EXPECT_TRUE(IsAlive(pid));
  EXPECT_EQ(mgr_->WorkerPids().size(), 3u);  // 2 db workers + 1 store
}

TEST_F(EndToEndTest, ConcurrentCreatesOfOneNameGiveOneProcess) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Connection c(ctx_, mgr_->endpoint());
      auto r = c.Call(
          {.op = Op::kPut, .store = "race", .key = "k" + std::to_string(i), .value = "v"}, 5s);
      EXPECT_TRUE(r.ok() && r->code == StatusCode::kOk);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mgr_->Cli({"count", "race"}).out, "8\n");
  EXPECT_EQ(mgr_->WorkerPids().size(), 3u);
}

TEST_F(EndToEndTest, KilledStoreIsRestartedWithNewPidAndServes) {
  ASSERT_EQ(mgr_->Cli({"put", "users", "alice", "42"}).exit_code, 0);
  pid_t old_pid = mgr_->StorePid("users");
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("users", old_pid));
  nlohmann::json info = mgr_->StoreInfo("users");
  EXPECT_EQ(info.value("restarts", 0), 1);
  EXPECT_NE(info.value("last_exit", "").find("signal 9"), std::string::npos) << info.dump();
  EXPECT_FALSE(IsAlive(old_pid));
  EXPECT_EQ(mgr_->Cli({"get", "users", "alice"}).out, "42");  // reloaded from the shards
}

TEST_F(EndToEndTest, ManagerKilledLeavesNoChildBehind) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "v"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "b", "k", "v"}).exit_code, 0);
  ASSERT_EQ(mgr_->WorkerPids().size(), 4u);
  std::vector<pid_t> children = LiveChildrenOf(mgr_->pid());  // the spawn server too
  mgr_->Signal(SIGKILL);
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st));
  EXPECT_TRUE(st.signaled);
  EXPECT_TRUE(WaitFor([&] {
    ReapZombies();
    for (pid_t p : children) {
      if (IsAlive(p)) return false;
    }
    return true;
  }));
}

TEST_F(EndToEndTest, FiftyConcurrentClientsOnTenStores) {
  constexpr int kClients = 50, kOps = 40;
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      Connection c(ctx_, mgr_->endpoint());
      std::string store = "s" + std::to_string(t % 10);
      for (int i = 0; i < kOps; ++i) {
        std::string key = "c" + std::to_string(t) + "-" + std::to_string(i);
        std::string value = "value-" + std::to_string(t * 1000 + i);
        auto put = c.Call({.op = Op::kPut, .store = store, .key = key, .value = value}, 10s);
        if (!put.ok() || put->code != StatusCode::kOk) {
          ++failed;
          continue;
        }
        auto get = c.Call({.op = Op::kGet, .store = store, .key = key}, 10s);
        if (!get.ok() || get->code != StatusCode::kOk) {
          ++failed;
          continue;
        }
        auto body = DecodeJsonBody(get->body);
        if (!body.ok() || !body->is_binary() ||
            std::string(body->get_binary().begin(), body->get_binary().end()) != value) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  for (int s = 0; s < 10; ++s) {
    EXPECT_EQ(mgr_->Cli({"count", "s" + std::to_string(s)}).out,
              std::to_string(kClients / 10 * kOps) + "\n");
  }
}

TEST_F(EndToEndTest, GarbageFramesGetErrorRepliesAndChangeNothing) {
  ASSERT_EQ(mgr_->Cli({"put", "keep", "k", "v"}).exit_code, 0);
  std::vector<pid_t> before = mgr_->WorkerPids();
  zmq::socket_t s = MakeSocket(ctx_, zmq::socket_type::dealer, {});
  s.connect(mgr_->endpoint());
  std::vector<std::string> frames = {
      std::string("\xc1"),
      std::string("\xdd\xff\xff\xff\xff", 5),
      "hello",
      EncodeRequest({.id = 5, .op = Op::kPut, .store = "keep", .key = "", .value = "x"}),
      EncodeRequest({.id = 6, .op = Op::kGet, .store = std::string("a\0b", 3), .key = "k"}),
      EncodeRequest({.id = 7,
                     .op = Op::kPut,
                     .store = "keep",
                     .key = std::string(70000, 'k'),
                     .value = "v"})};
  for (const auto& f : frames) {
    ASSERT_TRUE(SendFrames(s, {f}).ok());
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(5000)), 1) << "no reply";
    Frames reply;
    ASSERT_TRUE(RecvFrames(s, &reply).ok());
    ASSERT_EQ(reply.size(), 1u);
    auto r = DecodeReply(View(reply[0]));
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->code, StatusCode::kOk);
    EXPECT_FALSE(r->message.empty());
  }
  EXPECT_EQ(mgr_->WorkerPids(), before);
  EXPECT_EQ(mgr_->Cli({"get", "keep", "k"}).out, "v");
  EXPECT_EQ(mgr_->Cli({"count", "keep"}).out, "1\n");
}

}  // namespace
}  // namespace forkv::test
