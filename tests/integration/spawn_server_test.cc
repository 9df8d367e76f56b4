// The spawn server with real processes: stores are forked by it (no exec)
// yet are the manager's children, so SIGCHLD, reaping, restarts and the
// parent-death signal work as before; the server's own death is survived
// (stores live on, new ones start by fork+exec until it is back) and the
// manager's death takes the server and every store with it.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

using namespace std::chrono_literals;

nlohmann::json SpawnServerOf(ManagerProcess& m) {
  return m.CliJson({"ping"}).value("spawn_server", nlohmann::json::object());
}

pid_t ServerPid(ManagerProcess& m) { return SpawnServerOf(m).value("pid", 0); }

bool Contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

class SpawnServerTest : public ForkvTest {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "no spawn server under ThreadSanitizer (manager_options.h)";
#endif
    ForkvTest::SetUp();
  }
};

TEST_F(SpawnServerTest, StoresAreForkedByItAndAreTheManagersChildren) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(mgr_->Cli({"put", "s" + std::to_string(i), "k", "v"}).exit_code, 0);
  }
  nlohmann::json server = SpawnServerOf(*mgr_);
  const pid_t server_pid = server.value("pid", 0);
  ASSERT_TRUE(IsAlive(server_pid)) << server.dump();
  EXPECT_EQ(server.value("spawned", 0), 5);
  std::vector<pid_t> children = LiveChildrenOf(mgr_->pid());
  EXPECT_TRUE(Contains(children, server_pid));
  for (int i = 0; i < 5; ++i) {
    pid_t store = mgr_->StorePid("s" + std::to_string(i));
    EXPECT_TRUE(Contains(children, store)) << "store s" << i << " (pid " << store << ")";
  }
  // Its intermediate children are reaped: it has no child at all.
  EXPECT_TRUE(ChildrenOf(server_pid, /*with_zombies=*/true).empty());
  // A store killed with -9 is the manager's to reap and restart, again
  // through the server, with its data.
  pid_t old = mgr_->StorePid("s0");
  ASSERT_EQ(kill(old, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("s0", old));
  EXPECT_EQ(mgr_->Cli({"get", "s0", "k"}).out, "v");
  EXPECT_EQ(SpawnServerOf(*mgr_).value("spawned", 0), 6);
  EXPECT_TRUE(Contains(LiveChildrenOf(mgr_->pid()), mgr_->StorePid("s0")));
}

TEST_F(SpawnServerTest, ItsDeathUnderLoadIsSurvivedAndItIsStartedAgain) {
  ASSERT_EQ(mgr_->Cli({"put", "before", "k", "v"}).exit_code, 0);
  const pid_t before = mgr_->StorePid("before");
  const pid_t server = ServerPid(*mgr_);
  ASSERT_TRUE(IsAlive(server));
  std::atomic<int> failures{0};
  std::atomic<int> done{0};
  std::thread creator([&] {
    for (int i = 0; i < 30; ++i) {
      CommandResult r = mgr_->Cli({"put", "n" + std::to_string(i), "k", std::to_string(i)});
      if (r.exit_code != 0) ++failures;
      ++done;
    }
  });
  while (done.load() < 10) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(kill(server, SIGKILL), 0);
  creator.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(mgr_->Cli({"get", "n" + std::to_string(i), "k"}).out, std::to_string(i));
  }
  // The stores it had forked live on, untouched.
  EXPECT_EQ(mgr_->StorePid("before"), before);
  EXPECT_TRUE(IsAlive(before));
  // A new server, at the latest with the next spawn after the restart delay.
  int later = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        (void)mgr_->Cli({"put", "later" + std::to_string(later++), "k", "v"});
        nlohmann::json s = SpawnServerOf(*mgr_);
        pid_t now = s.value("pid", 0);
        return now != server && IsAlive(now) && s.value("restarts", 0) >= 1;
      },
      15s));
  EXPECT_NE(mgr_->LogTail(1 << 20).find("spawn server (pid " + std::to_string(server)),
            std::string::npos);
}

TEST_F(SpawnServerTest, TheManagersDeathTakesTheServerAndItsStores) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "v"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "b", "k", "v"}).exit_code, 0);
  const pid_t server = ServerPid(*mgr_);
  const pid_t a = mgr_->StorePid("a");
  const pid_t b = mgr_->StorePid("b");
  ASSERT_TRUE(IsAlive(server) && IsAlive(a) && IsAlive(b));
  mgr_->Signal(SIGKILL);
  EXPECT_TRUE(WaitFor([&] { return !IsAlive(server) && !IsAlive(a) && !IsAlive(b); }, 10s))
      << "left behind by the killed manager";
  ExitStatus st;
  EXPECT_TRUE(mgr_->WaitExit(&st, 10s));
}

TEST_F(SpawnServerTest, AnOrderlyStopReapsTheServer) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "v"}).exit_code, 0);
  const pid_t server = ServerPid(*mgr_);
  ASSERT_TRUE(IsAlive(server));
  mgr_->Signal(SIGTERM);
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st, 20s));
  EXPECT_TRUE(st.IsCleanExit()) << st.ToString();
  EXPECT_FALSE(IsAlive(server));
  EXPECT_NE(mgr_->LogTail().find("forkv-manager stopped (exit 0)"), std::string::npos);
}

// The manager's children named forkv-spare: forked ahead, waiting for a store.
std::vector<pid_t> SparesOf(ManagerProcess& m) {
  std::vector<pid_t> out;
  for (pid_t p : LiveChildrenOf(m.pid())) {
    if (ProcessName(p) == "forkv-spare") out.push_back(p);
  }
  return out;
}

TEST_F(SpawnServerTest, AStoreStartsFromASpareForkedBeforeIt) {
  ASSERT_EQ(mgr_->Cli({"put", "first", "k", "v"}).exit_code, 0);
  // Once the store it started serves, the server forks spares up to two:
  // they wait, the manager's children (reparented like a store), not stores.
  std::vector<pid_t> spares;
  ASSERT_TRUE(WaitFor([&] { return (spares = SparesOf(*mgr_)).size() == 2; }, 10s));
  for (pid_t spare : spares) EXPECT_FALSE(Contains(mgr_->WorkerPids(), spare));
  ASSERT_EQ(mgr_->Cli({"put", "second", "k", "v"}).exit_code, 0);
  const pid_t second = mgr_->StorePid("second");
  EXPECT_TRUE(Contains(spares, second)) << "store pid " << second;  // that very process
  EXPECT_EQ(ProcessName(second), "forkv-store");
  EXPECT_EQ(mgr_->Cli({"get", "second", "k"}).out, "v");
  // The one taken is replaced: two wait again.
  EXPECT_TRUE(WaitFor([&] { return SparesOf(*mgr_).size() == 2; }, 10s));
}

TEST_F(SpawnServerTest, SparesKilledBeforeUseAreSkipped) {
  ASSERT_EQ(mgr_->Cli({"put", "first", "k", "v"}).exit_code, 0);
  std::vector<pid_t> spares;
  ASSERT_TRUE(WaitFor([&] { return (spares = SparesOf(*mgr_)).size() == 2; }, 10s));
  for (pid_t spare : spares) ASSERT_EQ(kill(spare, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return !IsAlive(spares[0]) && !IsAlive(spares[1]); }, 10s));
  // Their pids are never handed out (they may be reaped already): a live
  // process, forked for this store, is.
  ASSERT_EQ(mgr_->Cli({"put", "second", "k", "v"}).exit_code, 0);
  const pid_t second = mgr_->StorePid("second");
  EXPECT_FALSE(Contains(spares, second));
  EXPECT_TRUE(IsAlive(second));
  EXPECT_EQ(mgr_->Cli({"get", "second", "k"}).out, "v");
  EXPECT_EQ(mgr_->StoreInfo("second").value("restarts", -1), 0);
}

TEST_F(SpawnServerTest, SparesGoWithTheServer) {
  ASSERT_EQ(mgr_->Cli({"put", "first", "k", "v"}).exit_code, 0);
  std::vector<pid_t> spares;
  ASSERT_TRUE(WaitFor([&] { return (spares = SparesOf(*mgr_)).size() == 2; }, 10s));
  const pid_t server = ServerPid(*mgr_);
  ASSERT_EQ(kill(server, SIGKILL), 0);
  // End of file on their sockets: the spares exit, cleanly, and are reaped.
  EXPECT_TRUE(WaitFor([&] { return !IsAlive(spares[0]) && !IsAlive(spares[1]); }, 10s));
  EXPECT_TRUE(IsAlive(mgr_->StorePid("first")));
  EXPECT_EQ(mgr_->Cli({"get", "first", "k"}).out, "v");
}

class NoSpawnServerTest : public ForkvTest {
 protected:
  std::vector<std::string> ManagerArgs() const override { return {"--no-spawn-server"}; }
};

TEST_F(NoSpawnServerTest, StoresStartByForkExec) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "v"}).exit_code, 0);
  nlohmann::json server = SpawnServerOf(*mgr_);
  EXPECT_EQ(server.value("pid", -1), 0);
  EXPECT_EQ(server.value("spawned", -1), 0);
  EXPECT_TRUE(Contains(LiveChildrenOf(mgr_->pid()), mgr_->StorePid("a")));
  EXPECT_EQ(mgr_->Cli({"get", "a", "k"}).out, "v");
}

}  // namespace
}  // namespace forkv::test
