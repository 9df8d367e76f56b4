// RocksDbStorage against a real RocksDB in a private temporary directory,
// plus the whole-store operations (store_ops.h) on top of it.
#include "db_worker/rocksdb_storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "db_worker/store_ops.h"
#include "shared/shard.h"

namespace forkv {
namespace {

const RocksDbStorageOptions kCreate{.create_if_missing = true};

class RocksDbStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "forkv-rocks-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/db";
    Reopen();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(root_);
  }

  void Reopen() {
    db_.reset();
    OpenFailure failure = OpenFailure::kPermanent;
    auto r = OpenRocksDbStorage(dir_, kCreate, &failure);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(failure, OpenFailure::kNone);
    db_ = std::move(r).value();
  }

  // "k1=v1,k2=v2" of every key under `prefix` (prefix kept), \0 shown as |.
  std::string Contents(std::string_view prefix = "") {
    std::string out;
    Status s = db_->Scan(prefix, [&](std::string_view k, std::string_view v) {
      if (!out.empty()) out += ',';
      out += std::string(k) + "=" + std::string(v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (char& c : out) {
      if (c == '\0') c = '|';
    }
    return out;
  }

  size_t KeyCount() {
    size_t keys = 0;
    Status s = db_->Scan("", [&](std::string_view, std::string_view) {
      ++keys;
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return keys;
  }

  // Puts 100 keys and closes the database: Close does not flush, so the
  // keys are only in the WAL, whose path is returned.
  std::string KeysOnlyInTheWal() {
    for (int i = 0; i < 100; ++i) Put("s", "k" + std::to_string(i), std::string(100, 'v'));
    db_.reset();
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".log" && e.file_size() > 5000) return e.path();
    }
    return "";
  }

  void Put(std::string_view store, std::string_view key, std::string_view value) {
    ASSERT_TRUE(
        db_->Write({Mutation::Put(StorageKey(store, key), std::string(value))}, false).ok());
  }

  std::string root_;
  std::string dir_;
  std::unique_ptr<Storage> db_;
};

TEST_F(RocksDbStorageTest, WriteGetAndDelete) {
  ASSERT_TRUE(db_->Write({Mutation::Put("k1", "v1"), Mutation::Put("k2", "v2")}, true).ok());
  std::string v;
  ASSERT_TRUE(db_->Get("k1", &v).ok());
  EXPECT_EQ(v, "v1");
  ASSERT_TRUE(db_->Write({Mutation::Delete("k1"), Mutation::Put("k2", "v2b")}, false).ok());
  v = "untouched";
  EXPECT_EQ(db_->Get("k1", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(v, "untouched");
  EXPECT_EQ(Contents(), "k2=v2b");
}

TEST_F(RocksDbStorageTest, MutationsOfOneBatchApplyInOrder) {
  ASSERT_TRUE(db_->Write({Mutation::Put("k", "1"), Mutation::Delete("k"), Mutation::Put("k", "3"),
                          Mutation::Put("j", "x"), Mutation::Delete("j")},
                         false)
                  .ok());
  EXPECT_EQ(Contents(), "k=3");
  ASSERT_TRUE(db_->Write({}, true).ok());  // empty batch: a no-op
  EXPECT_EQ(Contents(), "k=3");
}

TEST_F(RocksDbStorageTest, ScanIsolatesStoresSharingAPrefix) {
  // "a\0" and "ab\0": store "a" must not see store "ab", nor the reverse.
  Put("a", "x", "1");
  Put("a", "y", "2");
  Put("ab", "x", "3");
  Put("b", "x", "4");
  EXPECT_EQ(Contents(StoragePrefix("a")), "a|x=1,a|y=2");
  EXPECT_EQ(Contents(StoragePrefix("ab")), "ab|x=3");
  EXPECT_EQ(Contents(StoragePrefix("abc")), "");
  EXPECT_EQ(Contents(), "a|x=1,a|y=2,ab|x=3,b|x=4");
}

TEST_F(RocksDbStorageTest, ScanStopsWhenTheCallbackSaysSo) {
  for (char c = 'a'; c <= 'e'; ++c) Put("s", std::string(1, c), "v");
  int seen = 0;
  ASSERT_TRUE(db_->Scan("s", [&](std::string_view, std::string_view) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2);
}

TEST_F(RocksDbStorageTest, ScanOfAnAll0xffPrefixHasNoUpperBound) {
  std::string ff(2, '\xff');
  ASSERT_TRUE(db_->Write({Mutation::Put(ff + "a", "1"), Mutation::Put("\xfe", "0")}, false).ok());
  int seen = 0;
  ASSERT_TRUE(db_->Scan(ff,
                        [&](std::string_view, std::string_view) {
                          ++seen;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(seen, 1);
}

TEST_F(RocksDbStorageTest, BinaryKeysAndValuesWithNul) {
  std::string key("k\0\xff\0", 4);
  std::string value("\0v\0", 3);
  ASSERT_TRUE(db_->Write({Mutation::Put(StorageKey("s", key), value)}, true).ok());
  std::string got;
  ASSERT_TRUE(db_->Get(StorageKey("s", key), &got).ok());
  EXPECT_EQ(got, value);
  std::vector<std::pair<std::string, std::string>> seen;
  ASSERT_TRUE(db_->Scan(StoragePrefix("s"),
                        [&](std::string_view k, std::string_view v) {
                          seen.emplace_back(k, v);
                          return true;
                        })
                  .ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, StorageKey("s", key));
  EXPECT_EQ(seen[0].second, value);
}

TEST_F(RocksDbStorageTest, DeleteRangeRemovesExactlyOneStore) {
  Put("a", "x", "1");
  Put("a", std::string("\xff\xff", 2), "2");
  Put("ab", "x", "3");
  Put("a-", "x", "5");
  std::string begin = StoragePrefix("a");
  ASSERT_TRUE(db_->DeleteRange(begin, PrefixEnd(begin), true).ok());
  EXPECT_EQ(Contents(), "a-|x=5,ab|x=3");
}

TEST_F(RocksDbStorageTest, ReopenKeepsWrites) {
  Put("s", "synced", "1");
  ASSERT_TRUE(db_->SyncWal().ok());
  Put("s", "unsynced", "2");  // in the WAL file, not fsynced: survives a close
  ASSERT_TRUE(db_->DeleteRange(StorageKey("s", "u"), StorageKey("s", "v"), false).ok());
  Put("t", "k", "3");
  Reopen();
  EXPECT_EQ(Contents(), "s|synced=1,t|k=3");
}

TEST_F(RocksDbStorageTest, PrefixEnd) {
  EXPECT_EQ(PrefixEnd(std::string("a\0", 2)), "a\x01");
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd("a\xff"), "b");
  EXPECT_EQ(PrefixEnd("\xff\xff"), "");
  EXPECT_EQ(PrefixEnd(""), "");
}

TEST_F(RocksDbStorageTest, SecondOpenOfALockedDirectoryIsLocked) {
  OpenFailure failure = OpenFailure::kNone;
  auto r = OpenRocksDbStorage(dir_, kCreate, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kLocked) << r.status().ToString();
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

TEST_F(RocksDbStorageTest, CorruptDatabaseIsPermanent) {
  Put("s", "k", "v");
  db_.reset();
  // CURRENT names the manifest and must end with a newline.
  std::ofstream(dir_ + "/CURRENT", std::ios::trunc) << "garbage";
  OpenFailure failure = OpenFailure::kNone;
  auto r = OpenRocksDbStorage(dir_, kCreate, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
  EXPECT_NE(r.status().message().find(dir_), std::string::npos);
}

TEST_F(RocksDbStorageTest, DirectoryThatIsAFileIsPermanent) {
  std::string file = root_ + "/file";
  std::ofstream(file) << "x";
  OpenFailure failure = OpenFailure::kNone;
  auto r = OpenRocksDbStorage(file, kCreate, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
  // Nor below a file.
  r = OpenRocksDbStorage(file + "/db", kCreate, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
}

TEST_F(RocksDbStorageTest, OpenCreatesMissingParents) {
  auto r = OpenRocksDbStorage(root_ + "/x/y/z", kCreate, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

// ---- store_ops.h ------------------------------------------------------------

std::vector<LoadChunk> Load(Storage& db, std::string_view store, const ChunkLimits& limits) {
  std::vector<LoadChunk> chunks;
  Status s = LoadStore(db, store, 42, limits, [&](LoadChunk&& c) {
    chunks.push_back(std::move(c));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return chunks;
}

TEST_F(RocksDbStorageTest, LoadOfAnEmptyStoreIsOneEmptyLastChunk) {
  Put("ab", "x", "1");
  auto chunks = Load(*db_, "a", ChunkLimits{});
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].load_id, 42u);
  EXPECT_TRUE(chunks[0].last);
  EXPECT_TRUE(chunks[0].entries.empty());
}

TEST_F(RocksDbStorageTest, LoadStripsThePrefixAndSplitsByCount) {
  for (int i = 0; i < 10; ++i) Put("a", "k" + std::to_string(i), "v" + std::to_string(i));
  Put("ab", "k0", "other");
  auto chunks = Load(*db_, "a", ChunkLimits{.max_entries = 4, .max_bytes = 1 << 20});
  ASSERT_EQ(chunks.size(), 3u);
  std::map<std::string, std::string> all;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].load_id, 42u);
    EXPECT_EQ(chunks[i].last, i + 1 == chunks.size());
    EXPECT_LE(chunks[i].entries.size(), 4u);
    for (auto& [k, v] : chunks[i].entries) all[k] = v;
  }
  EXPECT_EQ(chunks[2].entries.size(), 2u);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all["k0"], "v0");
  EXPECT_EQ(all["k9"], "v9");
}

TEST_F(RocksDbStorageTest, LoadSplitsByBytesAndSendsABigValueAlone) {
  Put("a", "1", std::string(100, 'x'));
  Put("a", "2", std::string(100, 'y'));
  Put("a", "3", std::string(1000, 'z'));  // over the limit on its own
  Put("a", "4", "small");
  auto chunks = Load(*db_, "a", ChunkLimits{.max_entries = 100, .max_bytes = 250});
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].entries.size(), 2u);
  ASSERT_EQ(chunks[1].entries.size(), 1u);
  EXPECT_EQ(chunks[1].entries[0].first, "3");
  EXPECT_FALSE(chunks[1].last);
  ASSERT_EQ(chunks[2].entries.size(), 1u);
  EXPECT_EQ(chunks[2].entries[0].second, "small");
  EXPECT_TRUE(chunks[2].last);
}

TEST_F(RocksDbStorageTest, LoadStopsWhenEmitFails) {
  for (int i = 0; i < 10; ++i) Put("a", "k" + std::to_string(i), "v");
  int calls = 0;
  Status s = LoadStore(*db_, "a", 1, ChunkLimits{.max_entries = 2, .max_bytes = 1 << 20},
                       [&](LoadChunk&&) { return ++calls < 2; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(RocksDbStorageTest, DropStoreDeletesOnlyThatStore) {
  Put("a", "x", "1");
  Put("a", std::string("\0\0", 2), "2");
  Put("ab", "x", "3");
  Put("b", "x", "4");
  ASSERT_TRUE(DropStore(*db_, "a").ok());
  EXPECT_EQ(Contents(), "ab|x=3,b|x=4");
  EXPECT_EQ(DropStore(*db_, "").code(), StatusCode::kInvalidArgument);
  Reopen();
  EXPECT_EQ(Contents(), "ab|x=3,b|x=4");
  EXPECT_TRUE(Load(*db_, "a", ChunkLimits{})[0].entries.empty());
}

TEST_F(RocksDbStorageTest, FirstKeyFrom) {
  Put("a", "1", "x");
  Put("b", "2", "y");
  std::string key;
  ASSERT_TRUE(db_->FirstKeyFrom("", &key).ok());
  EXPECT_EQ(key, StorageKey("a", "1"));
  ASSERT_TRUE(db_->FirstKeyFrom("a\x01", &key).ok());
  EXPECT_EQ(key, StorageKey("b", "2"));
  EXPECT_EQ(db_->FirstKeyFrom("b\x01", &key).code(), StatusCode::kNotFound);
}

TEST_F(RocksDbStorageTest, ListStoresNamesEachStoreOnceAndSkipsDropped) {
  for (int i = 0; i < 50; ++i) Put("users", "k" + std::to_string(i), "v");
  Put("a", "x", "1");
  Put("ab", "", "2");
  Put("old", "x", "3");
  ASSERT_TRUE(DropStore(*db_, "old").ok());
  std::vector<std::string> names;
  ASSERT_TRUE(ListStores(*db_, [&](std::string_view n) {
                names.emplace_back(n);
                return true;
              }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "ab", "users"}));
  // Stopping early.
  names.clear();
  ASSERT_TRUE(ListStores(*db_, [&](std::string_view n) {
                names.emplace_back(n);
                return false;
              }).ok());
  EXPECT_EQ(names.size(), 1u);
}

TEST_F(RocksDbStorageTest, ListStoresRefusesKeysOutsideAnyStore) {
  Put("a", "x", "1");
  ASSERT_TRUE(db_->Write({Mutation::Put("no-separator", "v")}, false).ok());
  Status s = ListStores(*db_, [](std::string_view) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kMalformed);
  EXPECT_NE(s.message().find("no-separator"), std::string::npos) << s.message();
}

TEST_F(RocksDbStorageTest, MissingDatabaseIsNotCreatedUnlessAsked) {
  OpenFailure failure = OpenFailure::kNone;
  auto r = OpenRocksDbStorage(root_ + "/absent", RocksDbStorageOptions{}, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(root_ + "/absent"));
  // An empty directory (a shard whose files were deleted) is not a database either.
  std::filesystem::create_directory(root_ + "/empty");
  r = OpenRocksDbStorage(root_ + "/empty", RocksDbStorageOptions{}, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
}

// Item 4 of the hardening issue: a 4-byte flip inside the WAL used to drop
// every later record silently (point-in-time recovery).
TEST_F(RocksDbStorageTest, CorruptWalRecordFailsTheOpenUntilRepaired) {
  std::string wal = KeysOnlyInTheWal();
  ASSERT_FALSE(wal.empty());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.write("\xde\xad\xbe\xef", 4);
  }
  OpenFailure failure = OpenFailure::kNone;
  auto r = OpenRocksDbStorage(dir_, RocksDbStorageOptions{}, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(failure, OpenFailure::kPermanent) << r.status().ToString();
  EXPECT_NE(r.status().message().find("orrupt"), std::string::npos) << r.status().message();
  r = OpenRocksDbStorage(dir_, RocksDbStorageOptions{.repair = true}, &failure);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  db_ = std::move(r).value();
  size_t keys = KeyCount();
  EXPECT_GT(keys, 0u);
  EXPECT_LT(keys, 100u);  // the records after the flip are gone, and that was said
  Reopen();               // and the repaired database opens normally again
}

// A torn last record (a write that never completed) is not corruption.
TEST_F(RocksDbStorageTest, TornWalTailIsTolerated) {
  std::string wal = KeysOnlyInTheWal();
  ASSERT_FALSE(wal.empty());
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 40);
  Reopen();
  EXPECT_EQ(KeyCount(), 99u);
}

}  // namespace
}  // namespace forkv
