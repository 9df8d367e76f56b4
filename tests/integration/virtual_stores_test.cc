// Virtual stores with real processes: a catalogue store has a process only
// while it is used (lazy activation), hibernates when idle, is evicted over
// --max-live-stores, and the catalogue refuses names over --max-stores. An
// idle store's process does not wake up at all.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

using namespace std::chrono_literals;

// Running, not a zombie: this test process is a subreaper, so a store
// orphaned by a killed manager stays a zombie here until it is reaped.
bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::string StateOf(ManagerProcess& m, const std::string& store) {
  return m.StoreInfo(store).value("state", "");
}

// Context switches of every thread of `pid` (main, ZeroMQ's I/O and reaper
// threads): unchanged over a span means nothing in the process woke up.
uint64_t ContextSwitches(pid_t pid) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "status");
    for (std::string line; std::getline(in, line);) {
      if (line.find("ctxt_switches:") != std::string::npos) {
        total += std::stoull(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

class VirtualStoresTest : public ForkvTest {};

TEST_F(VirtualStoresTest, CatalogueStoresStartOnTheirFirstRequest) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "va"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "b", "k", "vb"}).exit_code, 0);
  pid_t old_a = mgr_->StorePid("a");
  mgr_->KillGroup();
  ASSERT_TRUE(mgr_->Start());
  EXPECT_TRUE(WaitFor([&] { return !Alive(old_a); }, 10s));  // parent-death SIGKILL
  // Ready with no store process: both are listed, hibernating.
  EXPECT_EQ(StateOf(*mgr_, "a"), "hibernating");
  EXPECT_EQ(StateOf(*mgr_, "b"), "hibernating");
  EXPECT_EQ(mgr_->StorePid("a"), 0);
  nlohmann::json ping = mgr_->CliJson({"ping"});
  EXPECT_EQ(ping.value("stores", 0), 2);
  EXPECT_EQ(ping.value("live_stores", -1), 0);
  EXPECT_EQ(ping.value("activations", -1), 0);
  // The first request activates its store only, with its data.
  EXPECT_EQ(mgr_->Cli({"get", "a", "k"}).out, "va");
  EXPECT_EQ(mgr_->CliJson({"ping"}).value("activations", -1), 1);
  EXPECT_EQ(StateOf(*mgr_, "a"), "running");
  EXPECT_TRUE(Alive(mgr_->StorePid("a")));
  EXPECT_EQ(StateOf(*mgr_, "b"), "hibernating");
  // An unknown name is still unknown (a get does not create).
  CommandResult none = mgr_->Cli({"get", "nope", "k"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_EQ(mgr_->StoreInfo("nope"), nullptr);
}

TEST_F(VirtualStoresTest, PreloadStartsEveryStore) {
  ASSERT_EQ(mgr_->Cli({"put", "a", "k", "va"}).exit_code, 0);
  mgr_->KillGroup();
  ASSERT_TRUE(mgr_->Start({"--preload"}));
  EXPECT_TRUE(mgr_->WaitStoreRunning("a"));
}

TEST_F(VirtualStoresTest, AnIdleStoreDoesNotWakeUp) {
#if defined(__SANITIZE_THREAD__)
  // TSan's runtime wakes its own background thread in every process.
  GTEST_SKIP() << "not meaningful under ThreadSanitizer";
#endif
  ASSERT_EQ(mgr_->Cli({"put", "quiet", "k", "v"}).exit_code, 0);
  pid_t pid = mgr_->StorePid("quiet");
  ASSERT_TRUE(Alive(pid));
  // Past --idle-after-ms (the ping interval, 1 s): it said it is idle.
  ASSERT_TRUE(WaitFor(
      [&] {
        uint64_t before = ContextSwitches(pid);
        std::this_thread::sleep_for(1500ms);
        return ContextSwitches(pid) == before;
      },
      20s))
      << "the idle store kept waking up";
  // And it still serves at once.
  EXPECT_EQ(mgr_->Cli({"get", "quiet", "k"}).out, "v");
}

class HibernationTest : public ForkvTest {
 protected:
  std::vector<std::string> ManagerArgs() const override {
    return {"--idle-timeout", "200ms", "--ping-interval-ms", "100"};
  }
};

TEST_F(HibernationTest, AnIdleStoreHibernatesAndItsNextRequestWakesIt) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(mgr_->Cli({"put", "h", "k" + std::to_string(i), "v" + std::to_string(i)}).exit_code,
              0);
  }
  pid_t pid = mgr_->StorePid("h");
  ASSERT_TRUE(WaitFor([&] { return StateOf(*mgr_, "h") == "hibernating"; }, 20s));
  ASSERT_TRUE(WaitFor([&] { return !Alive(pid); }, 10s));
  // A clean exit: no restart, no backoff, nothing logged as a crash.
  std::string log = mgr_->LogTail(1 << 20);
  EXPECT_EQ(log.find("restart in"), std::string::npos) << log;
  EXPECT_EQ(log.find("[error]"), std::string::npos) << log;
  // All its data is there when it comes back.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(mgr_->Cli({"get", "h", "k" + std::to_string(i)}).out, "v" + std::to_string(i));
  }
  EXPECT_NE(mgr_->StorePid("h"), pid);
  EXPECT_EQ(mgr_->StoreInfo("h").value("restarts", -1), 0);
  EXPECT_GE(mgr_->CliJson({"ping"}).value("activations", -1), 2);  // created, then woken (again)
}

// Requests keep coming, with pauses around the idle timeout, while the store hibernates and comes
// back many times: every request is answered and every write is read back.
TEST_F(HibernationTest, RequestsRacingHibernationAreAnswered) {
  ASSERT_EQ(mgr_->Cli({"create", "race"}).exit_code, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> ops{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::string key = "k" + std::to_string(i);
      std::vector<std::string> put = {"put", "race", key, "v" + std::to_string(i)};
      CommandResult w = mgr_->Cli(put);
      CommandResult r = mgr_->Cli({"get", "race", key});
      if (w.exit_code != 0 || r.out != "v" + std::to_string(i)) {
        ++failures;
        ADD_FAILURE() << key << ": put " << w.exit_code << " " << w.err << " get '" << r.out << "' "
                      << r.err;
      }
      ++ops;
      std::this_thread::sleep_for(std::chrono::milliseconds((i * 37) % 450));
    }
  });
  std::set<pid_t> pids;
  bool enough = WaitFor(
      [&] {
        pid_t p = mgr_->StorePid("race");
        if (p != 0) pids.insert(p);
        return pids.size() >= 4 || failures > 0;
      },
      90s);
  stop = true;
  writer.join();
  EXPECT_TRUE(enough) << pids.size() << " incarnations";
  EXPECT_EQ(failures, 0);
  EXPECT_GT(ops, 0);
  EXPECT_EQ(mgr_->StoreInfo("race").value("restarts", -1), 0);
}

class LiveCapTest : public ForkvTest {
 protected:
  std::vector<std::string> ManagerArgs() const override {
    return {"--max-live-stores", "3", "--max-stores", "5"};
  }
};

TEST_F(LiveCapTest, TheLongestIdleStoresAreEvictedOverTheLiveCap) {
  for (int i = 0; i < 5; ++i) {
    std::string s = "s" + std::to_string(i);
    ASSERT_EQ(mgr_->Cli({"put", s, "k", "v" + std::to_string(i)}).exit_code, 0) << s;
    int running = 0;
    nlohmann::json listed = mgr_->CliJson({"stores"});  // a named object: the loop borrows it
    for (const auto& st : listed["stores"]) {
      running += st.value("state", "") == "running";
    }
    EXPECT_LE(running, 3) << "after " << s;
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(mgr_->Cli({"get", "s" + std::to_string(i), "k"}).out, "v" + std::to_string(i));
  }
}

TEST_F(LiveCapTest, NamesOverTheCatalogueCapAreRefused) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(mgr_->Cli({"create", "c" + std::to_string(i)}).exit_code, 0);
  }
  CommandResult over = mgr_->Cli({"put", "c5", "k", "v"});
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.err.find("catalogue is full"), std::string::npos) << over.err;
  EXPECT_EQ(mgr_->StoreInfo("c5"), nullptr);
  EXPECT_EQ(mgr_->CliJson({"ping"}).value("stores", 0), 5);
  // Existing names still work, and a drop makes room.
  EXPECT_EQ(mgr_->Cli({"put", "c0", "k", "v"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"drop", "c1", "--yes"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"put", "c5", "k", "v"}).exit_code, 0);
}

}  // namespace
}  // namespace forkv::test
