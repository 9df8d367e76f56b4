// `forkv rename OLD NEW` through real processes: every key moves (on disk:
// the new name's keys sit on other shards), the old name is gone with its
// keys, what cannot be renamed is refused and changes nothing, and a copy
// that dies part-way, or a manager killed mid-rename, loses nothing and
// finishes.
#include <forkv/client.h>

#include <filesystem>
#include <fstream>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

constexpr int kKeys = 3000;  // a few pages of the copy (1024 keys each)

// An export of kKeys keys (what `forkv import` reads), with a value per
// key that names it.
std::string ExportOf(int keys) {
  std::string text = "forkv-export 1\n";
  char line[64];
  for (int i = 0; i < keys; ++i) {
    std::snprintf(line, sizeof line, "k%05d\tvalue of %d\n", i, i);
    text += line;
  }
  return text + "end " + std::to_string(keys) + "\n";
}

class RenameTest : public ForkvTest {
 protected:
  void Fill(const std::string& store, int keys) {
    CommandResult r = mgr_->Cli({"import", store}, ExportOf(keys));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Export(const std::string& store) {
    CommandResult r = mgr_->Cli({"export", store});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  // Every byte value in a key and a value, beside the imported keys.
  static std::string AllBytes() {
    std::string s;
    for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
    return s;
  }
  void PutAllBytes(const std::string& store) {
    Client c(ClientOptions{.endpoint = mgr_->endpoint(), .timeout = 10s});
    ASSERT_TRUE(c.Put(store, "bin" + AllBytes(), AllBytes()).ok());
  }
  void ExpectRenamed(const std::string& to, const std::string& before) {
    EXPECT_EQ(Export(to), before);
    EXPECT_EQ(mgr_->Cli({"count", to}).out, std::to_string(kKeys + 1) + "\n");
    Client c(ClientOptions{.endpoint = mgr_->endpoint(), .timeout = 10s});
    auto v = c.Get(to, "bin" + AllBytes());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, AllBytes());
  }
  // The old name is no store any more, and its keys are gone from disk: a
  // store created under it again is empty, also once restarted (a new
  // store's first process loads nothing; its next one loads what the
  // shards hold).
  void ExpectGone(const std::string& from) {
    EXPECT_TRUE(mgr_->StoreInfo(from).is_null()) << mgr_->StoreInfo(from).dump();
    CommandResult get = mgr_->Cli({"get", from, "k00001"});
    EXPECT_NE(get.exit_code, 0);
    EXPECT_NE(get.err.find("no such store"), std::string::npos) << get.err;
    ASSERT_EQ(mgr_->Cli({"create", from}).exit_code, 0);
    ASSERT_EQ(mgr_->Cli({"restart", from}).exit_code, 0);
    EXPECT_EQ(mgr_->Cli({"count", from}).out, "0\n");
  }
  // Makes every copy into `store` die after its first pages (the test hook
  // FORKV_CRASH_COPY_FILE): the manager is restarted with it. Returns the
  // file (remove it to let copies finish).
  std::string CrashCopiesInto(const std::string& store) {
    std::string file = dir_.path() + "/crash-copy";
    std::ofstream(file) << store << "\n";
    mgr_->SetEnv("FORKV_CRASH_COPY_FILE", file);
    mgr_->KillGroup();
    RestartManager();
    return file;
  }
  // kKeys keys and the all-bytes key into `store`; returns its export.
  std::string FillWithEveryByte(const std::string& store) {
    Fill(store, kKeys);
    PutAllBytes(store);
    return Export(store);
  }
};

TEST_F(RenameTest, EveryKeyMovesAndTheOldNameIsGoneWithItsKeys) {
  Fill("users", kKeys);
  PutAllBytes("users");
  Fill("orders", 10);
  const std::string before = Export("users");
  const std::string orders = Export("orders");
  CommandResult r = mgr_->Cli({"rename", "users", "people"});
  ASSERT_EQ(r.exit_code, 0) << r.err << mgr_->LogTail();
  EXPECT_EQ(r.out, "renamed users to people (" + std::to_string(kKeys + 1) + " keys)\n");
  ExpectRenamed("people", before);
  EXPECT_EQ(Export("orders"), orders);  // another store is not touched
  ExpectGone("users");
  // And so it stays across a restart: the catalogue and the shards agree.
  mgr_->KillGroup();
  RestartManager();
  ExpectRenamed("people", before);
  EXPECT_EQ(mgr_->Cli({"count", "users"}).out, "0\n");
  EXPECT_EQ(Export("orders"), orders);
}

TEST_F(RenameTest, WhatCannotBeRenamedIsRefusedAndChangesNothing) {
  Fill("a", 5);
  Fill("b", 3);
  const std::string a = Export("a");
  struct Refused {
    std::string from, to, error;
  };
  for (const Refused& r : std::vector<Refused>{
           {"nobody", "c", "no such store 'nobody'"},
           {"a", "b", "store 'b' exists already"},
           {"a", "a", "the new name is the old one"},
           {"a", "x/y", "store name may only contain"},
       }) {
    CommandResult got = mgr_->Cli({"rename", r.from, r.to});
    EXPECT_NE(got.exit_code, 0) << r.from << " -> " << r.to;
    EXPECT_NE(got.err.find(r.error), std::string::npos) << got.err;
  }
  EXPECT_EQ(Export("a"), a);
  EXPECT_EQ(mgr_->Cli({"count", "b"}).out, "3\n");
  EXPECT_TRUE(mgr_->StoreInfo("c").is_null());
  EXPECT_TRUE(mgr_->StoreInfo("x").is_null());
}

// With --fsync never nothing syncs a worker's WAL by itself; a rename has
// every worker sync before the old keys may go (power loss must not take
// the copy while the deletion survives).
TEST_F(RenameTest, EveryWorkerSyncsTheCopyBeforeTheOldKeysAreDeleted) {
  mgr_->KillGroup();
  RestartManager({"--fsync", "never"});
  Fill("users", 50);
  auto last_syncs = [&] {
    std::vector<int64_t> out;
    const nlohmann::json stores = mgr_->CliJson({"stores"});
    for (const auto& db : stores["db_workers"]) {
      out.push_back(db.value("last_fsync_unix_ms", int64_t{-1}));
    }
    return out;
  };
  // Heartbeats carry the figure; -1 until the first one came.
  ASSERT_TRUE(WaitFor([&] {
    auto s = last_syncs();
    return !s.empty() && std::count(s.begin(), s.end(), -1) == 0;
  })) << mgr_->CliJson({"stores"}).dump();
  for (int64_t t : last_syncs()) EXPECT_EQ(t, 0) << "a sync under --fsync never before the rename";
  ASSERT_EQ(mgr_->Cli({"rename", "users", "people"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    auto s = last_syncs();
    return std::count_if(s.begin(), s.end(), [](int64_t t) { return t > 0; }) ==
           static_cast<long>(s.size());
  })) << mgr_->CliJson({"stores"})["db_workers"].dump();
}

#ifdef FORKV_TEST_HOOKS
TEST_F(RenameTest, ACopyThatDiesPartWayIsAnsweredFailedAndARenameAgainFinishesIt) {
  const std::string crash = CrashCopiesInto("people");
  const std::string before = FillWithEveryByte("users");
  CommandResult r = mgr_->Cli({"rename", "users", "people"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("copying the keys of 'users' to 'people' failed"), std::string::npos)
      << r.err;
  // Both names stay taken until the rename is done; the old keys are intact.
  CommandResult get = mgr_->Cli({"get", "users", "k00001"});
  EXPECT_NE(get.err.find("being renamed to 'people'"), std::string::npos) << get.err;
  CommandResult put = mgr_->Cli({"put", "people", "x", "y"});
  EXPECT_NE(put.err.find("being renamed to 'people'"), std::string::npos) << put.err;
  CommandResult create = mgr_->Cli({"create", "people"});
  EXPECT_NE(create.exit_code, 0);
  std::filesystem::remove(crash);
  r = mgr_->Cli({"rename", "users", "people"});
  ASSERT_EQ(r.exit_code, 0) << r.err << mgr_->LogTail();
  ExpectRenamed("people", before);
  ExpectGone("users");
}

TEST_F(RenameTest, AManagerKilledMidRenameFinishesItAtItsNextStart) {
  const std::string crash = CrashCopiesInto("people");
  const std::string before = FillWithEveryByte("users");
  EXPECT_NE(mgr_->Cli({"rename", "users", "people"}).exit_code, 0);  // the copy keeps dying
  // Killed with a partial copy on disk and `renaming users people` in the
  // catalogue: the database workers accept the new name's keys at start,
  // and the manager goes on with the copy on its own.
  mgr_->KillGroup();
  std::filesystem::remove(crash);
  RestartManager();
  ASSERT_TRUE(WaitFor(
      [&] {
        return mgr_->Cli({"count", "people"}).exit_code == 0;
      },
      30s))
      << mgr_->LogTail();
  ExpectRenamed("people", before);
  ASSERT_TRUE(WaitFor([&] { return mgr_->StoreInfo("users").is_null(); }));
  ExpectGone("users");
}
#endif

}  // namespace
}  // namespace forkv::test
