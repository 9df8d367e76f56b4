// Persistence through the database workers: acknowledged writes survive
// SIGKILL of any process, in both fsync modes.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

std::string BodyBytes(const Reply& r) {
  auto j = DecodeJsonBody(r.body);
  if (!j.ok() || !j->is_binary()) return "<not bin>";
  return std::string(j->get_binary().begin(), j->get_binary().end());
}

// What one writer knows about a key: the last acknowledged value and the
// values it tried later without an answer (they may or may not have landed).
struct KeyHistory {
  std::string acked;
  bool has_acked = false;
  std::set<std::string> maybe;
};

class PersistenceTest : public ForkvTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::vector<std::string> ManagerArgs() const override { return {"--fsync", GetParam()}; }

  // Checks every key against what its writer recorded.
  void ExpectAllAcknowledged(const std::string& store_prefix, int stores,
                             const std::map<std::string, KeyHistory>& history) {
    Connection c(ctx_, mgr_->endpoint());
    int lost = 0;
    for (const auto& [composite, h] : history) {
      auto slash = composite.find('/');
      std::string store = composite.substr(0, slash), key = composite.substr(slash + 1);
      auto r = c.Call({.op = Op::kGet, .store = store, .key = key}, 10s);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (r->code == StatusCode::kOk) {
        std::string v = BodyBytes(*r);
        if ((h.has_acked && v == h.acked) || h.maybe.count(v)) continue;
      } else if (r->code == StatusCode::kNotFound && !h.has_acked) {
        continue;
      }
      if (++lost < 5)
        ADD_FAILURE() << composite << ": acked '" << h.acked << "' got code "
                      << static_cast<int>(r->code);
    }
    EXPECT_EQ(lost, 0);
    (void)store_prefix;
    (void)stores;
  }
};

TEST_P(PersistenceTest, TenThousandKeysSurviveManagerKill) {
  constexpr int kStores = 10, kKeys = 1000;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int s = 0; s < kStores; ++s) {
    threads.emplace_back([&, s] {
      Connection c(ctx_, mgr_->endpoint());
      std::string store = "store" + std::to_string(s);
      for (int k = 0; k < kKeys; ++k) {
        // Every key is written twice: the last value must win.
        for (int round = 0; round < (k % 10 == 0 ? 2 : 1); ++round) {
          auto r = c.Call({.op = Op::kPut,
                           .store = store,
                           .key = "key" + std::to_string(k),
                           .value = "v" + std::to_string(k) + "-" + std::to_string(round)},
                          10s);
          if (!r.ok() || r->code != StatusCode::kOk) ++failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failed.load(), 0);

  RestartManager();  // SIGKILL of the whole group, then a new manager
  ASSERT_TRUE(WaitFor([&] { return mgr_->CliJson({"stores"})["stores"].size() == kStores; }));
  Connection c(ctx_, mgr_->endpoint());
  int wrong = 0;
  for (int s = 0; s < kStores; ++s) {
    std::string store = "store" + std::to_string(s);
    auto count = c.Call({.op = Op::kCount, .store = store}, 10s);
    ASSERT_TRUE(count.ok());
    ASSERT_EQ(count->code, StatusCode::kOk) << count->message;
    EXPECT_EQ(DecodeJsonBody(count->body)->get<int>(), kKeys);
    for (int k = 0; k < kKeys; ++k) {
      auto r = c.Call({.op = Op::kGet, .store = store, .key = "key" + std::to_string(k)}, 10s);
      std::string want = "v" + std::to_string(k) + "-" + (k % 10 == 0 ? "1" : "0");
      if (!r.ok() || r->code != StatusCode::kOk || BodyBytes(*r) != want) ++wrong;
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST_P(PersistenceTest, KilledStoreComesBackWithAllKeys) {
  Connection c(ctx_, mgr_->endpoint());
  for (int k = 0; k < 500; ++k) {
    auto r = c.Call({.op = Op::kPut,
                     .store = "users",
                     .key = "k" + std::to_string(k),
                     .value = std::string(k % 50, 'x')},
                    10s);
    ASSERT_TRUE(r.ok() && r->code == StatusCode::kOk);
  }
  ASSERT_EQ(c.Call({.op = Op::kDel, .store = "users", .key = "k7"}, 10s)->code, StatusCode::kOk);
  pid_t old = mgr_->StorePid("users");
  ASSERT_EQ(kill(old, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("users", old));
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "499\n");
  EXPECT_EQ(mgr_->Cli({"get", "users", "k7"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"get", "users", "k49"}).out, std::string(49, 'x'));
}

TEST_P(PersistenceTest, DbWorkerKilledDuringConcurrentWrites) {
  constexpr int kWriters = 20, kKeys = 25, kRounds = 8;
  std::mutex mu;
  std::map<std::string, KeyHistory> history;
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Connection c(ctx_, mgr_->endpoint());
      std::string store = "w" + std::to_string(w % 4);
      for (int round = 0; round < kRounds; ++round) {
        for (int k = 0; k < kKeys; ++k) {
          std::string key = "writer" + std::to_string(w) + "-k" + std::to_string(k);
          std::string value = "r" + std::to_string(round);
          auto r = c.Call({.op = Op::kPut, .store = store, .key = key, .value = value}, 10s);
          std::lock_guard<std::mutex> lock(mu);
          KeyHistory& h = history[store + "/" + key];
          if (r.ok() && r->code == StatusCode::kOk) {
            h.acked = value;
            h.has_acked = true;
            h.maybe.clear();
            ++acked;
          } else {
            h.maybe.insert(value);
          }
        }
      }
    });
  }
  // Kill a database worker once writes are flowing, then the other one.
  ASSERT_TRUE(WaitFor([&] { return acked.load() > 300; }));
  std::vector<pid_t> dbs = mgr_->DbPids();
  ASSERT_EQ(dbs.size(), 2u);
  ASSERT_EQ(kill(dbs[0], SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return acked.load() > 1800; }, 30s));
  ASSERT_EQ(kill(dbs[1], SIGKILL), 0);
  for (auto& t : threads) t.join();
  EXPECT_GT(acked.load(), kWriters * kKeys * kRounds / 2);
  std::vector<pid_t> after = mgr_->DbPids();
  EXPECT_NE(after[0], dbs[0]);
  EXPECT_NE(after[1], dbs[1]);
  ExpectAllAcknowledged("w", 4, history);
  // And on disk: a whole new manager sees the same.
  RestartManager();
  ExpectAllAcknowledged("w", 4, history);
}

TEST_P(PersistenceTest, PutNoCreateNeverCreatesAStore) {
  CommandResult missing = mgr_->Cli({"put", "--no-create", "typo", "k", "v"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("no such store"), std::string::npos) << missing.err;
  EXPECT_TRUE(mgr_->StoreInfo("typo").is_null());
  ASSERT_EQ(mgr_->Cli({"create", "real"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"put", "--no-create", "real", "k", "v"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "real", "k"}).out, "v");
  // A hibernated store is not missing: it is activated, not refused.
  RestartManager();
  EXPECT_EQ(mgr_->Cli({"put", "--no-create", "real", "k2", "v2"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "real", "k2"}).out, "v2");
}

TEST_P(PersistenceTest, DropThenCreateGivesEmptyStore) {
  ASSERT_EQ(mgr_->Cli({"put", "tmp", "a", "1"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "tmp", "b", "2"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"put", "tmpx", "a", "other"}).exit_code, 0);  // shares a name prefix
  pid_t pid = mgr_->StorePid("tmp");
  // Not on a terminal: no drop without --yes, and nothing changes.
  CommandResult unasked = mgr_->Cli({"drop", "tmp"});
  EXPECT_EQ(unasked.exit_code, 2) << unasked.err;
  EXPECT_NE(unasked.err.find("--yes"), std::string::npos) << unasked.err;
  EXPECT_EQ(mgr_->Cli({"get", "tmp", "a"}).out, "1");
  ASSERT_EQ(mgr_->Cli({"drop", "tmp", "--yes"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return !IsAlive(pid); }));
  EXPECT_EQ(mgr_->Cli({"get", "tmp", "a"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"drop", "tmp", "--yes"}).exit_code, 1);
  ASSERT_EQ(mgr_->Cli({"create", "tmp"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"count", "tmp"}).out, "0\n");
  EXPECT_EQ(mgr_->Cli({"get", "tmpx", "a"}).out, "other");
  // The drop is durable: after a restart the old keys stay gone.
  RestartManager();
  EXPECT_EQ(mgr_->Cli({"count", "tmp"}).out, "0\n");
  EXPECT_EQ(mgr_->Cli({"get", "tmpx", "a"}).out, "other");
}

INSTANTIATE_TEST_SUITE_P(FsyncModes, PersistenceTest, ::testing::Values("periodic", "always"));

class DataDirTest : public ForkvTest {};

TEST_F(DataDirTest, DifferentDbWorkerCountIsRefused) {
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  mgr_->KillGroup();
  CommandResult r = RunCommand(
      BinaryPath("forkv-manager"),
      {"--socket", mgr_->endpoint(), "--data-dir", mgr_->data_dir(), "--db-workers", "3"});
  EXPECT_EQ(r.exit_code, kExitPermanentFailure);
  EXPECT_NE(r.err.find("--db-workers 2"), std::string::npos) << r.err;
  // The data dir is untouched: the original count still works.
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "v");
}

TEST_F(DataDirTest, SecondManagerOnTheSameDataDirIsRefused) {
  CommandResult r = RunCommand(
      BinaryPath("forkv-manager"),
      {"--socket", "ipc://" + dir_.path() + "/other.sock", "--data-dir", mgr_->data_dir()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("another forkv-manager"), std::string::npos) << r.err;
  EXPECT_EQ(mgr_->Cli({"ping"}).exit_code, 0);
}

}  // namespace
}  // namespace forkv::test
