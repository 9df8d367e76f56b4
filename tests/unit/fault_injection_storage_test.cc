// FaultInjectionStorage in front of a real RocksDbStorage: injected write
// failures, and a simulated power loss that drops unsynced writes.
#include "db_worker/fault_injection_storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "db_worker/rocksdb_storage.h"

namespace forkv {
namespace {

const RocksDbStorageOptions kCreate{.create_if_missing = true};

class FaultInjectionStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "forkv-fault-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    Open();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(root_);
  }

  void Open() {
    db_.reset();
    auto r = OpenRocksDbStorage(root_ + "/db", kCreate, nullptr);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto f = std::make_unique<FaultInjectionStorage>(std::move(r).value());
    fault_ = f.get();
    db_ = std::move(f);
  }

  // "k1=v1,k2=v2" of the whole database.
  std::string Contents() {
    std::string out;
    Status s = db_->Scan("", [&](std::string_view k, std::string_view v) {
      if (!out.empty()) out += ',';
      out += std::string(k) + "=" + std::string(v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::string root_;
  std::unique_ptr<Storage> db_;
  FaultInjectionStorage* fault_ = nullptr;  // == db_
};

TEST_F(FaultInjectionStorageTest, FailsTheNextNWritesThenSucceeds) {
  fault_->FailNextWrites(2);
  Status s = db_->Write({Mutation::Put("k", "1")}, true);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos);
  EXPECT_EQ(db_->DeleteRange("a", "z", true).code(), StatusCode::kIoError);
  EXPECT_EQ(fault_->injected_failures(), 2);
  EXPECT_EQ(Contents(), "");  // a failed write changed nothing
  ASSERT_TRUE(db_->Write({Mutation::Put("k", "2")}, true).ok());
  EXPECT_EQ(Contents(), "k=2");
  EXPECT_EQ(fault_->injected_failures(), 2);
}

TEST_F(FaultInjectionStorageTest, FailsWhileThePredicateHolds) {
  bool disk_full = true;
  fault_->SetFailWhile([&] { return disk_full; });
  EXPECT_EQ(db_->Write({Mutation::Put("k", "1")}, false).code(), StatusCode::kIoError);
  EXPECT_EQ(db_->Write({Mutation::Put("k", "1")}, false).code(), StatusCode::kIoError);
  // Reads and syncs still work.
  EXPECT_TRUE(db_->SyncWal().ok());
  std::string v;
  EXPECT_EQ(db_->Get("k", &v).code(), StatusCode::kNotFound);
  disk_full = false;  // space freed
  ASSERT_TRUE(db_->Write({Mutation::Put("k", "1")}, false).ok());
  EXPECT_EQ(Contents(), "k=1");
  fault_->SetFailWhile(nullptr);
  EXPECT_EQ(fault_->injected_failures(), 2);
}

TEST_F(FaultInjectionStorageTest, DropUnsyncedWritesKeepsOnlySyncedState) {
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "1"), Mutation::Put("b", "1")}, true).ok());
  EXPECT_EQ(fault_->UnsyncedCount(), 0u);
  // Unsynced: overwrite, delete, insert, overwrite twice, range delete.
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "2"), Mutation::Delete("b")}, false).ok());
  ASSERT_TRUE(db_->Write({Mutation::Put("c", "2"), Mutation::Put("c", "3")}, false).ok());
  ASSERT_TRUE(db_->Write({Mutation::Put("c", "4")}, false).ok());
  ASSERT_TRUE(db_->DeleteRange("a", "b", false).ok());
  EXPECT_EQ(Contents(), "c=4");
  EXPECT_GT(fault_->UnsyncedCount(), 0u);

  ASSERT_TRUE(fault_->DropUnsyncedWrites().ok());
  EXPECT_EQ(Contents(), "a=1,b=1");
  EXPECT_EQ(fault_->UnsyncedCount(), 0u);
  // The real database underneath holds the synced state, across a reopen.
  Open();
  EXPECT_EQ(Contents(), "a=1,b=1");
}

TEST_F(FaultInjectionStorageTest, ASyncedWriteMakesEarlierWritesDurable) {
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "1")}, false).ok());
  ASSERT_TRUE(db_->Write({Mutation::Put("b", "1")}, true).ok());  // syncs "a" too
  ASSERT_TRUE(db_->Write({Mutation::Put("c", "1")}, false).ok());
  ASSERT_TRUE(fault_->DropUnsyncedWrites().ok());
  EXPECT_EQ(Contents(), "a=1,b=1");
}

TEST_F(FaultInjectionStorageTest, SyncWalAndSyncedDeleteRangeAreSyncPoints) {
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "1"), Mutation::Put("x", "1")}, false).ok());
  ASSERT_TRUE(db_->SyncWal().ok());
  ASSERT_TRUE(db_->Write({Mutation::Put("b", "1")}, false).ok());
  ASSERT_TRUE(db_->DeleteRange("x", "y", true).ok());
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "2")}, false).ok());
  ASSERT_TRUE(fault_->DropUnsyncedWrites().ok());
  EXPECT_EQ(Contents(), "a=1,b=1");
}

TEST_F(FaultInjectionStorageTest, FailedWritesAreNotInTheUndoLog) {
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "1")}, true).ok());
  fault_->FailNextWrites(1);
  EXPECT_FALSE(db_->Write({Mutation::Put("a", "2")}, false).ok());
  EXPECT_EQ(fault_->UnsyncedCount(), 0u);
  ASSERT_TRUE(db_->Write({Mutation::Put("a", "3")}, false).ok());
  ASSERT_TRUE(fault_->DropUnsyncedWrites().ok());
  EXPECT_EQ(Contents(), "a=1");
}

TEST_F(FaultInjectionStorageTest, WithoutTrackingNothingIsDropped) {
  auto r = OpenRocksDbStorage(root_ + "/db2", kCreate, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  FaultInjectionStorage f(std::move(r).value(), /*track_unsynced=*/false);
  ASSERT_TRUE(f.Write({Mutation::Put("a", "1")}, false).ok());
  EXPECT_EQ(f.UnsyncedCount(), 0u);
  ASSERT_TRUE(f.DropUnsyncedWrites().ok());
  std::string v;
  ASSERT_TRUE(f.Get("a", &v).ok());
  EXPECT_EQ(v, "1");
}

}  // namespace
}  // namespace forkv
