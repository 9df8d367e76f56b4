// A damaged data directory loses nothing silently (hardening issue, items
// 1-4): every repro there is a test here. A start refuses (exit 125, the
// reason in the log) and `forkv-manager --repair` makes the directory
// startable again, saying what could not be saved. Real files, real
// processes, real SIGKILLs.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "clients/cpp/connection.h"
#include "shared/catalogue.h"
#include "shared/catalogue_log.h"
#include "shared/codec.h"
#include "shared/files.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

namespace fs = std::filesystem;

class DamagedDataDirTest : public ForkvTest {
 protected:
  std::string Data(const std::string& rel) const { return mgr_->data_dir() + "/" + rel; }

  // Puts key<i> = "<store>-<i>" for i < n; returns the keys acknowledged.
  std::map<std::string, std::string> Fill(const std::string& store, int n,
                                          const std::string& key_prefix = "key") {
    Connection c(ctx_, mgr_->endpoint());
    std::map<std::string, std::string> acked;
    for (int i = 0; i < n; ++i) {
      std::string key = key_prefix + std::to_string(i), value = store + "-" + std::to_string(i);
      auto r = c.Call({.op = Op::kPut, .store = store, .key = key, .value = value}, 3s);
      if (r.ok() && r->code == StatusCode::kOk) acked[key] = value;
      if (!r.ok() && !IsAlive(mgr_->pid())) break;  // no one left to answer
    }
    return acked;
  }

  // Every key of `expected` reads back with its value; returns how many do not.
  int Missing(const std::string& store, const std::map<std::string, std::string>& expected) {
    int missing = 0;
    for (const auto& [key, value] : expected) {
      CommandResult r = mgr_->Cli({"get", store, key});
      if (r.exit_code != 0 || r.out != value) ++missing;
    }
    return missing;
  }

  // Starts a manager on the damaged directory; expects it to refuse with
  // exit 125 and `reason` in its log.
  void ExpectRefusal(const std::string& reason, const std::vector<std::string>& args = {},
                     bool names_repair = true) {
    size_t before = mgr_->LogTail(1 << 20).size();
    mgr_->StartNoWait(args);
    ExitStatus st;
    ASSERT_TRUE(mgr_->WaitExit(&st, 20s)) << "the manager started on a damaged data dir";
    EXPECT_EQ(st.code, kExitPermanentFailure) << st.ToString();
    std::string log = mgr_->LogTail(1 << 20).substr(before);
    EXPECT_NE(log.find(reason), std::string::npos) << log;
    if (names_repair) {
      EXPECT_NE(log.find("--repair"), std::string::npos) << log;
    }
  }

  CommandResult Repair(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--data-dir", mgr_->data_dir(), "--repair"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(BinaryPath("forkv-manager"), args);
  }

  // The largest WAL file of a shard (the live one).
  std::string LiveWal(int shard) {
    std::string wal;
    uintmax_t size = 0;
    for (const auto& e : fs::directory_iterator(Data("shard-" + std::to_string(shard)))) {
      if (e.path().extension() == ".log" && e.file_size() > size) {
        wal = e.path();
        size = e.file_size();
      }
    }
    return wal;
  }
};

TEST_F(DamagedDataDirTest, FreshDirectoryIsInitialised) {
  // Marked "initialising" until every worker has created its shard.
  EXPECT_TRUE(WaitFor([&] {
    std::ifstream in(Data("FORMAT"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text == "forkv-data 1\nshards 2\n";
  }));
  auto c = LoadCatalogue(Data("catalogue"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->empty());
  ASSERT_EQ(mgr_->Cli({"put", "users", "k", "v"}).exit_code, 0);
  EXPECT_EQ(LoadCatalogue(Data("catalogue"))->stores, (std::set<std::string>{"users"}));
}

// Item 1: `rm FORMAT` then a start with another --db-workers used to
// re-shard silently (19 of 40 overwrites reverted, 7 of 10 deletes undone).
TEST_F(DamagedDataDirTest, MissingFormatIsRefusedAndRepairRestoresIt) {
  auto users = Fill("users", 50);
  auto orders = Fill("orders", 50);
  ASSERT_EQ(users.size() + orders.size(), 100u);
  mgr_->KillGroup();
  fs::remove(Data("FORMAT"));
  for (const char* workers : {"1", "2", "3"}) {
    SCOPED_TRACE(workers);
    ExpectRefusal("but no FORMAT file", {"--db-workers", workers});
  }
  CommandResult r = Repair();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 shard directories found"), std::string::npos) << r.err;
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(Missing("users", users), 0);
  EXPECT_EQ(Missing("orders", orders), 0);
}

// Item 2: `rm -rf shard-0` while running: 22 of the next 40 acknowledged
// puts used to vanish at the next restart.
TEST_F(DamagedDataDirTest, ShardRemovedWhileRunningAcknowledgesNothingItLoses) {
  ASSERT_EQ(Fill("users", 20).size(), 20u);
  fs::remove_all(Data("shard-0"));
  auto after = Fill("users", 40, "after");
  EXPECT_LT(after.size(), 40u) << "every put after the removal was acknowledged";
  // The worker refuses the shard it lost; the tree stops rather than serve it.
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st, 20s));
  EXPECT_EQ(st.code, kExitPermanentFailure) << st.ToString();
  EXPECT_NE(mgr_->LogTail(1 << 20).find("was removed while in use"), std::string::npos);
  mgr_->KillGroup();

  ExpectRefusal("shard-0 is missing");
  CommandResult r = Repair();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("shard-0 is missing: creating it empty"), std::string::npos) << r.err;
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(Missing("users", after), 0) << "an acknowledged put was lost";
}

// Item 3: a truncated catalogue used to start and forget `users`, and a
// later put resurrected its old keys.
TEST_F(DamagedDataDirTest, DamagedCatalogueIsRefusedAndRepairAddsStoresBack) {
  auto users = Fill("users", 50);
  auto orders = Fill("orders", 5);
  mgr_->KillGroup();

  std::ofstream(Data("catalogue"), std::ios::trunc) << "forkv-catalogue 1\norders\nuse";
  ExpectRefusal("incomplete");
  // Well-formed but without `users`: the shards still hold its keys.
  std::ofstream(Data("catalogue"), std::ios::trunc) << "forkv-catalogue 1\norders\n";
  ExpectRefusal("does not name (users)");
  fs::remove(Data("catalogue"));
  ExpectRefusal("catalogue is missing");

  CommandResult r = Repair();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("store 'users' has keys"), std::string::npos) << r.err;
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "50\n");
  EXPECT_EQ(Missing("users", users), 0);
  EXPECT_EQ(Missing("orders", orders), 0);
  EXPECT_TRUE(LoadCatalogue(Data("catalogue")).ok());
}

// Issue 14 item 5: a create appends one record to catalogue.log (group
// commit) instead of rewriting the catalogue.
TEST_F(DamagedDataDirTest, CreatesAppendToTheLogNotTheSnapshot) {
  ASSERT_EQ(mgr_->Cli({"create", "first"}).exit_code, 0);
  std::string snapshot = ReadWholeFile(Data("catalogue")).value();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(mgr_->Cli({"create", "s" + std::to_string(i)}).exit_code, 0);
  }
  EXPECT_EQ(ReadWholeFile(Data("catalogue")).value(), snapshot);
  auto log = DecodeCatalogueLog(ReadWholeFile(Data("catalogue.log")).value());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->records.size(), 21u);
  EXPECT_EQ(LoadCatalogue(Data("catalogue"))->stores.size(), 21u);
  ASSERT_EQ(mgr_->Cli({"drop", "s3", "--yes"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return LoadCatalogue(Data("catalogue"))->stores.count("s3") == 0; }));
  // The stores are there after a SIGKILL of the whole tree.
  mgr_->KillGroup();
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(mgr_->Cli({"count", "s19"}).exit_code, 0);
  EXPECT_NE(mgr_->Cli({"count", "s3"}).exit_code, 0);
}

// A new store starts while its catalogue record is written, but serves
// nothing before the record is durable: with the log unwritable (a full
// disk) its first put waits, and is answered once the write succeeds.
TEST_F(DamagedDataDirTest, ANewStoreServesOnlyOnceItsRecordIsDurable) {
  const std::string fail_file = dir_.path() + "/fail-catalogue";
  mgr_->SetEnv("FORKV_FAIL_CATALOGUE_FILE", fail_file);
  RestartManager({"--request-wait-ms", "60000"});
  ASSERT_EQ(mgr_->Cli({"put", "old", "k", "v"}).exit_code, 0);
  std::ofstream(fail_file) << "flush\n";
  std::atomic<bool> done{false};
  CommandResult put;
  std::thread writer([&] {
    put = mgr_->Cli({"--timeout", "60000", "put", "fresh", "k", "v"});
    done = true;
  });
  // The failure is logged, the store's process runs (it was started with
  // the write), and the put is not answered meanwhile.
  EXPECT_TRUE(WaitFor([&] {
    return mgr_->LogTail(1 << 20).find("cannot write the catalogue log") != std::string::npos;
  }));
  EXPECT_TRUE(WaitFor([&] { return mgr_->StorePid("fresh") > 0; }));
  EXPECT_EQ(mgr_->Cli({"get", "old", "k"}).out, "v");  // other stores serve
  EXPECT_FALSE(done.load()) << put.out << put.err;
  std::filesystem::remove(fail_file);
  writer.join();
  EXPECT_EQ(put.exit_code, 0) << put.err;
  auto log = DecodeCatalogueLog(ReadWholeFile(Data("catalogue.log")).value());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->records.back().name, "fresh");
  EXPECT_EQ(mgr_->Cli({"get", "fresh", "k"}).out, "v");
}

// A crash in the middle of an append leaves a torn last record: ignored
// (it was never acknowledged), cut off, and the log goes on.
TEST_F(DamagedDataDirTest, ATornCatalogueLogTailIsIgnored) {
  auto users = Fill("users", 20);
  ASSERT_EQ(users.size(), 20u);
  mgr_->KillGroup();
  std::ofstream(Data("catalogue.log"), std::ios::app) << "store unfinish";
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(Missing("users", users), 0);
  EXPECT_NE(mgr_->LogTail().find("bytes of an unfinished write"), std::string::npos);
  ASSERT_EQ(mgr_->Cli({"put", "orders", "k", "v"}).exit_code, 0);
  auto c = LoadCatalogue(Data("catalogue"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->stores, (std::set<std::string>{"orders", "users"}));
}

// A damaged record with good ones after it is not a torn write: refused,
// and --repair keeps what can be read and adds back what the shards hold.
TEST_F(DamagedDataDirTest, ADamagedCatalogueLogIsRefusedAndRepaired) {
  auto users = Fill("users", 10);
  auto orders = Fill("orders", 10);
  mgr_->KillGroup();
  std::string log = ReadWholeFile(Data("catalogue.log")).value();
  size_t users_record = log.find("store users ");
  ASSERT_NE(users_record, std::string::npos) << log;
  log[users_record + 6] = 'U';
  ASSERT_TRUE(WriteFileAtomically(Data("catalogue.log"), log).ok());
  ExpectRefusal("catalogue.log is damaged");
  CommandResult r = Repair();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(Missing("users", users), 0);
  EXPECT_EQ(Missing("orders", orders), 0);
}

// Item 4: a 4-byte flip inside a WAL used to drop keys with only a line in
// RocksDB's own LOG.
TEST_F(DamagedDataDirTest, CorruptWalIsRefusedAndRepairSaysWhatIsLost) {
  Fill("s", 300);
  mgr_->KillGroup();  // nothing flushed: the keys are only in the WALs
  std::string wal = LiveWal(0);
  ASSERT_FALSE(wal.empty());
  ASSERT_GT(fs::file_size(wal), 4000u);
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  ExpectRefusal("orrupt");
  CommandResult r = Repair();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("recovering it up to its first corrupt WAL record"), std::string::npos)
      << r.err;
  ASSERT_TRUE(mgr_->Start());
  int count = std::stoi(mgr_->Cli({"count", "s"}).out);
  EXPECT_GT(count, 0);
  EXPECT_LT(count, 300);
}

// A drop that a crash interrupted is listed as dropping in the catalogue;
// each worker deletes its keys when it opens its shard, and the name can
// then be used again.
TEST_F(DamagedDataDirTest, InterruptedDropIsFinishedAtTheNextStart) {
  ASSERT_EQ(Fill("old", 10).size(), 10u);
  ASSERT_EQ(Fill("kept", 3).size(), 3u);
  mgr_->KillGroup();
  ASSERT_TRUE(SaveCatalogue(Data("catalogue"), {.stores = {"kept"}, .dropping = {"old"}}).ok());
  ASSERT_TRUE(mgr_->Start());
  EXPECT_NE(mgr_->Cli({"count", "old"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return LoadCatalogue(Data("catalogue"))->dropping.empty(); }));
  ASSERT_EQ(mgr_->Cli({"put", "old", "fresh", "1"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"count", "old"}).out, "1\n");  // none of the old keys came back
  EXPECT_EQ(mgr_->Cli({"count", "kept"}).out, "3\n");
  EXPECT_NE(mgr_->LogTail().find("finished the interrupted drop of store old"), std::string::npos);
}

TEST_F(DamagedDataDirTest, RepairRefusesAShardBeyondFormat) {
  ASSERT_EQ(Fill("users", 5).size(), 5u);
  mgr_->KillGroup();
  fs::create_directory(Data("shard-7"));
  ExpectRefusal("shard-7 is not one of the 2 shards", {}, /*names_repair=*/false);
  CommandResult r = Repair();
  EXPECT_EQ(r.exit_code, kExitPermanentFailure) << r.err;
  EXPECT_NE(r.err.find("shard-7 is beyond the 2 shards"), std::string::npos) << r.err;
  fs::remove(Data("shard-7"));
  ASSERT_TRUE(mgr_->Start());
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "5\n");
}

}  // namespace
}  // namespace forkv::test
