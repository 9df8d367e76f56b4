// Versions, compare-and-swap and counters end to end, through the CLI and
// real processes: versions survive kill -9 of the store and of the manager,
// are never reused (not even by a key deleted and written again), and a
// format-1 data dir is migrated with nothing lost.
#include <forkv/client.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "clients/cpp/connection.h"
#include "db_worker/rocksdb_storage.h"
#include "db_worker/shard_format.h"
#include "shared/clock.h"
#include "shared/shard.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class VersionsTest : public ForkvTest {
 protected:
  // A shard of a manager just killed: its database worker may still be
  // exiting (and holding the shard's LOCK) for a moment.
  static Result<std::unique_ptr<Storage>> OpenShardWhenFree(const std::string& dir) {
    Result<std::unique_ptr<Storage>> db = Status::Internal("not opened");
    WaitFor([&] {
      OpenFailure failure = OpenFailure::kNone;
      db = OpenRocksDbStorage(dir, {}, &failure);
      return db.ok() || failure != OpenFailure::kLocked;
    });
    return db;
  }
  uint64_t PutVersion(const std::vector<std::string>& args) {
    nlohmann::json j = mgr_->CliJson(args);
    EXPECT_EQ(j.value("ok", false), true) << j.dump();
    return j.value("version", uint64_t{0});
  }
  uint64_t VersionOf(const std::string& store, const std::string& key) {
    nlohmann::json j = mgr_->CliJson({"get", store, key});
    EXPECT_EQ(j.value("ok", false), true) << j.dump();
    return j.value("version", uint64_t{0});
  }
  void KillStore(const std::string& store) {
    pid_t pid = mgr_->StorePid(store);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    ASSERT_TRUE(mgr_->WaitStoreRunning(store, pid));
  }
};

TEST_F(VersionsTest, ConditionalWritesAndVersionsThatSurviveCrashesAndAreNeverReused) {
  const uint64_t other = PutVersion({"put", "s", "other", "o"});
  const uint64_t a = PutVersion({"put", "s", "k", "v1"});
  EXPECT_GT(a, other);
  CommandResult got = mgr_->Cli({"get", "--version", "s", "k"});
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, std::to_string(a) + "\nv1");

  const uint64_t b = PutVersion({"put", "--if-version", std::to_string(a), "s", "k", "v2"});
  EXPECT_GT(b, a);
  // Stale version, existing key: exit 6, nothing changed.
  CommandResult stale = mgr_->Cli({"put", "--if-version", std::to_string(a), "s", "k", "v3"});
  EXPECT_EQ(stale.exit_code, 6) << stale.err;
  EXPECT_NE(stale.err.find("condition_failed"), std::string::npos) << stale.err;
  EXPECT_EQ(mgr_->Cli({"put", "--if-absent", "s", "k", "v3"}).exit_code, 6);
  EXPECT_EQ(mgr_->Cli({"del", "--if-version", std::to_string(a), "s", "k"}).exit_code, 6);
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "v2");
  EXPECT_EQ(VersionOf("s", "k"), b);
  nlohmann::json refused = mgr_->CliJson({"put", "--if-version", "1", "s", "k", "x"});
  EXPECT_EQ(refused.value("code", ""), "condition_failed") << refused.dump();

  // Versions are on disk: the same after kill -9 of the store.
  ASSERT_NO_FATAL_FAILURE(KillStore("s"));
  EXPECT_EQ(VersionOf("s", "k"), b);
  EXPECT_EQ(VersionOf("s", "other"), other);

  // Deleted and written again: a new, higher version (no ABA) ...
  EXPECT_EQ(mgr_->Cli({"del", "--if-version", std::to_string(b), "s", "k"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).exit_code, 1);
  const uint64_t c = PutVersion({"put", "--if-absent", "s", "k", "v4"});
  EXPECT_GT(c, b + 1);  // b + 1 went to the delete
  // ... also when the key with the highest version is deleted before a
  // crash: the shard's revision floor keeps the delete's version.
  EXPECT_EQ(mgr_->Cli({"del", "s", "k"}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(KillStore("s"));
  const uint64_t d = PutVersion({"put", "s", "k", "v5"});
  EXPECT_GT(d, c + 1) << "a version was handed out twice";

  // And after kill -9 of the manager and everything under it.
  RestartManager();
  EXPECT_EQ(VersionOf("s", "k"), d);
  EXPECT_GT(PutVersion({"put", "s", "k", "v6"}), d);
}

TEST_F(VersionsTest, CountersAreAtomicAndRefuseWhatIsNotAnInteger) {
  EXPECT_EQ(mgr_->Cli({"incr", "c", "n"}).out, "1\n");
  EXPECT_EQ(mgr_->Cli({"incr", "c", "n", "41"}).out, "42\n");
  EXPECT_EQ(mgr_->Cli({"incr", "c", "n", "--", "-50"}).out, "-8\n");
  EXPECT_EQ(mgr_->Cli({"get", "c", "n"}).out, "-8");
  nlohmann::json j = mgr_->CliJson({"incr", "c", "n", "8"});
  EXPECT_EQ(j.value("value", int64_t{-1}), 0) << j.dump();
  EXPECT_EQ(j.value("version", uint64_t{0}), VersionOf("c", "n"));

  ASSERT_EQ(mgr_->Cli({"put", "c", "text", "hello"}).exit_code, 0);
  CommandResult not_int = mgr_->Cli({"incr", "c", "text"});
  EXPECT_EQ(not_int.exit_code, 4) << not_int.err;
  EXPECT_NE(not_int.err.find("not a decimal"), std::string::npos) << not_int.err;
  EXPECT_EQ(mgr_->Cli({"get", "c", "text"}).out, "hello");
  ASSERT_EQ(mgr_->Cli({"incr", "c", "big", "9223372036854775807"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"incr", "c", "big"}).exit_code, 4);  // overflow
  EXPECT_EQ(mgr_->Cli({"get", "c", "big"}).out, "9223372036854775807");
  EXPECT_EQ(mgr_->Cli({"incr", "c", "n", "x"}).exit_code, 4);
  EXPECT_EQ(mgr_->Cli({"incr", "--no-create", "nosuch", "n"}).exit_code, 1);

  // Concurrent incrs from many clients: none lost, none counted twice.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) EXPECT_EQ(mgr_->Cli({"incr", "c", "hits"}).exit_code, 0);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mgr_->Cli({"get", "c", "hits"}).out, "100");
}

// The C++ library, on the direct path and through the manager.
TEST_F(VersionsTest, TheCppClientComparesAndSwapsAndCounts) {
  for (bool direct : {true, false}) {
    Client c(ClientOptions{.endpoint = mgr_->endpoint(), .direct = direct});
    const std::string store = direct ? "direct" : "managed";
    auto v1 = c.PutVersion(store, "k", "a");
    ASSERT_TRUE(v1.ok()) << v1.status().ToString();
    auto got = c.GetVersioned(store, "k");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->value, "a");
    EXPECT_EQ(got->version, *v1);
    auto v2 = c.PutIfVersion(store, "k", "b", *v1);
    ASSERT_TRUE(v2.ok()) << v2.status().ToString();
    EXPECT_GT(*v2, *v1);
    EXPECT_EQ(c.PutIfVersion(store, "k", "c", *v1).status().code(), StatusCode::kConditionFailed);
    EXPECT_EQ(c.PutIfVersion(store, "k", "c", 0).status().code(), StatusCode::kConditionFailed);
    EXPECT_EQ(c.DelIfVersion(store, "k", *v1).code(), StatusCode::kConditionFailed);
    EXPECT_EQ(*c.Get(store, "k"), "b");
    EXPECT_TRUE(c.DelIfVersion(store, "k", *v2).ok());
    auto v3 = c.PutIfVersion(store, "k", "d", 0);
    ASSERT_TRUE(v3.ok()) << v3.status().ToString();
    EXPECT_GT(*v3, *v2);
    EXPECT_EQ(*c.Incr(store, "n", 40), 40);
    EXPECT_EQ(*c.Incr(store, "n"), 41);
    EXPECT_EQ(c.Incr(store, "k").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(direct, c.stats().direct_requests > 0);
  }
}

// TTL: a key is readable until its time, invisible to get, keys and count
// at once after it, and deleted from disk by the store's active expiry;
// the expiry time survives kill -9; `expire` sets and clears it.
TEST_F(VersionsTest, KeysExpireAtOnceAndTheirTimeIsKeptOnDisk) {
  ASSERT_EQ(mgr_->Cli({"put", "--ttl", "1h", "t", "long", "L"}).exit_code, 0);
  const int64_t expires = mgr_->CliJson({"get", "t", "long"}).value("expires_unix_ms", int64_t{0});
  EXPECT_GT(expires, WallMs() + 3'500'000);
  ASSERT_NO_FATAL_FAILURE(KillStore("t"));
  EXPECT_EQ(mgr_->CliJson({"get", "t", "long"}).value("expires_unix_ms", int64_t{0}), expires);
  ASSERT_EQ(mgr_->Cli({"expire", "t", "long", "0"}).exit_code, 0);
  EXPECT_FALSE(mgr_->CliJson({"get", "t", "long"}).contains("expires_unix_ms"));
  EXPECT_EQ(mgr_->Cli({"expire", "t", "nosuch", "10s"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"put", "--ttl", "soon", "t", "k", "v"}).exit_code, 2);
  EXPECT_EQ(mgr_->Cli({"put", "--ttl", "0s", "t", "k", "v"}).exit_code, 2);

  // 3000 keys that expire in 1 s, written through one connection.
  {
    Connection c(ctx_, mgr_->endpoint());
    for (int i = 0; i < 3000; ++i) {
      Request put{.op = Op::kPut,
                  .store = "t",
                  .key = "e" + std::to_string(i),
                  .value = "x",
                  .ttl_ms = 1000};
      auto r = c.Call(put, 5000ms);
      ASSERT_TRUE(r.ok() && r->code == StatusCode::kOk) << i;
    }
  }
  const int64_t written = WallMs();
  ASSERT_TRUE(WaitFor(
      [&] {
        return mgr_->Cli({"count", "t"}).out == "1\n";
      },
      15s))
      << mgr_->Cli({"count", "t"}).out;
  EXPECT_GE(WallMs(), written);  // (they went no sooner than their second)
  EXPECT_EQ(mgr_->Cli({"get", "t", "e2999"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"keys", "t"}).out, "long\n");
  // An expired key is absent for conditional writes too.
  EXPECT_EQ(mgr_->Cli({"put", "--if-absent", "t", "e0", "back"}).exit_code, 0);
  // Removed from disk: once the store reports its map down to 2 keys,
  // stop everything in order and read the shards themselves.
  ASSERT_TRUE(WaitFor([&] { return mgr_->StoreInfo("t").value("keys", 0) == 2; }, 20s))
      << mgr_->StoreInfo("t").dump();
  mgr_->Signal(SIGTERM);
  ExitStatus status;
  ASSERT_TRUE(mgr_->WaitExit(&status));
  size_t on_disk = 0;
  for (const auto& e : std::filesystem::directory_iterator(mgr_->data_dir())) {
    if (e.path().filename().string().rfind("shard-", 0) != 0) continue;
    auto db = OpenShardWhenFree(e.path().string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status s = (*db)->Scan(StoragePrefix("t"), [&](std::string_view k, std::string_view) {
      if (k.size() > 2) ++on_disk;  // not the revision floor
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(on_disk, 2u);
}

// A data dir of the first release (format 1: values stored alone) is
// rewritten by each database worker at open: every value is there, at
// version 1, and later writes get higher versions.
TEST_F(VersionsTest, AFormatOneDataDirIsMigratedWithNothingLost) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(mgr_->Cli({"put", "m", "k" + std::to_string(i), "x"}).exit_code, 0);
  }
  mgr_->KillGroup();
  // Turn every shard back into format 1.
  int rewritten = 0;
  for (const auto& e : std::filesystem::directory_iterator(mgr_->data_dir())) {
    if (e.path().filename().string().rfind("shard-", 0) != 0) continue;
    auto db = OpenShardWhenFree(e.path().string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    std::vector<Mutation> legacy{Mutation::Delete(std::string(kShardFormatKey))};
    Status s = (*db)->Scan(StoragePrefix("m"), [&](std::string_view k, std::string_view) {
      std::string key(k.substr(2));
      if (key.empty()) return true;  // the revision floor
      legacy.push_back(Mutation::Put(std::string(k), "legacy " + key));
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    rewritten += static_cast<int>(legacy.size()) - 1;
    ASSERT_TRUE((*db)->Write(legacy, true).ok());
  }
  ASSERT_EQ(rewritten, 50);
  RestartManager();
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    CommandResult got = mgr_->Cli({"get", "--version", "m", key});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, "1\nlegacy " + key);
  }
  EXPECT_GT(PutVersion({"put", "m", "k0", "new"}), 1u);
  EXPECT_NE(mgr_->LogTail(200000).find("values rewritten from format 1"), std::string::npos);
}

}  // namespace
}  // namespace forkv::test
