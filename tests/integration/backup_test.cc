// `forkv backup DIR` and `forkv-manager --restore DIR`, through real
// processes: a backup taken while clients write is one consistent cut of
// every shard, nothing written during it is lost, and a restore refuses
// what is not a complete backup.
#include <forkv/client.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class BackupTest : public ForkvTest {
 protected:
  // Checkpoints reach the workers 300 ms apart (a test hook): a backup that
  // did not hold every shard until its checkpoint would show the gap.
  void SetUp() override {
    setenv("FORKV_BACKUP_STAGGER_MS", "300", 1);
    ForkvTest::SetUp();
    unsetenv("FORKV_BACKUP_STAGGER_MS");
  }
  Client MakeClient(const std::string& endpoint) {
    return Client(ClientOptions{.endpoint = endpoint, .timeout = 10s});
  }
  CommandResult Restore(const std::string& backup, const std::string& data_dir) {
    return RunCommand(BinaryPath("forkv-manager"),
                      {"--restore", backup, "--data-dir", data_dir, "--log-level", "warn"});
  }
};

// Each writer puts "j<0>", "j<1>", ... into its own store, one at a time
// (each acknowledged before the next is sent); the keys fall on both
// shards. A consistent cut holds, for every writer, exactly its first m
// keys for some m, and m is at least what was acknowledged before the
// backup began. Checkpoints of the shards taken at different moments
// would show a later key without an earlier one.
TEST_F(BackupTest, ABackupWhileClientsWriteIsOneConsistentCut) {
  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked[kWriters] = {};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Client c = MakeClient(mgr_->endpoint());
      for (uint64_t j = 0; !stop; ++j) {
        if (!c.Put("w" + std::to_string(w), "j" + std::to_string(j), std::to_string(j)).ok()) {
          ++failures;
          return;
        }
        acked[w] = j + 1;
      }
    });
  }
  auto all_past = [&](uint64_t n) {
    for (auto& a : acked) {
      if (a < n) return false;
    }
    return true;
  };
  while (!all_past(300) && failures == 0) std::this_thread::sleep_for(10ms);
  uint64_t before[kWriters];
  for (int w = 0; w < kWriters; ++w) before[w] = acked[w];
  const std::string backup = dir_.path() + "/backup";
  CommandResult r = mgr_->Cli({"backup", backup});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(kWriters) + " stores"), std::string::npos) << r.out;
  // Writes go on after the backup.
  uint64_t after_backup[kWriters];
  for (int w = 0; w < kWriters; ++w) after_backup[w] = acked[w];
  while (failures == 0) {
    bool all = true;
    for (int w = 0; w < kWriters; ++w) all = all && acked[w] >= after_backup[w] + 100;
    if (all) break;
    std::this_thread::sleep_for(10ms);
  }
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures, 0) << "a write failed during the backup";
  // Nothing written during the hold was lost in the live service.
  Client live = MakeClient(mgr_->endpoint());
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(*live.Count("w" + std::to_string(w)), acked[w].load()) << w;
  }

  TempDir other;
  ManagerProcess restored(other.path());
  r = Restore(backup, restored.data_dir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(restored.Start());
  Client c = MakeClient(restored.endpoint());
  for (int w = 0; w < kWriters; ++w) {
    const std::string store = "w" + std::to_string(w);
    auto n = c.Count(store);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_GE(*n, before[w]) << store << ": a write acknowledged before the backup is missing";
    EXPECT_LE(*n, acked[w].load()) << store;
    for (uint64_t j = 0; j < *n; ++j) {
      auto v = c.Get(store, "j" + std::to_string(j));
      ASSERT_TRUE(v.ok()) << store << " j" << j << " missing: not a prefix, not one cut";
      ASSERT_EQ(*v, std::to_string(j));
    }
  }
}

TEST_F(BackupTest, RestoreRefusesAnIncompleteBackupAndAFullDirectory) {
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  const std::string backup = dir_.path() + "/backup";
  ASSERT_EQ(mgr_->Cli({"backup", backup}).exit_code, 0);
  // Into a directory holding something: refused, nothing written.
  const std::string full = dir_.path() + "/full";
  std::filesystem::create_directories(full + "/x");
  CommandResult r = Restore(backup, full);
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(full + "/FORMAT"));
  // A backup without its mark (one that failed): refused.
  std::filesystem::remove(backup + "/BACKUP");
  r = Restore(backup, dir_.path() + "/new");
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("not a complete forkv backup"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/new"));
}

TEST_F(BackupTest, BadTargetsAreRefusedAndChangeNothing) {
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  for (const std::string& bad :
       {dir_.path() + "/no/such/parent", mgr_->data_dir() + "/inside", dir_.path()}) {
    CommandResult r = mgr_->Cli({"backup", bad});
    EXPECT_EQ(r.exit_code, 4) << bad << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(mgr_->data_dir() + "/inside"));
  // The service still serves, and a good backup still works.
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "v");
  EXPECT_EQ(mgr_->Cli({"backup", dir_.path() + "/good"}).exit_code, 0);
}

}  // namespace
}  // namespace forkv::test
