// Versions on disk and the rules of conditional writes: the stored value
// format, a format-1 shard's migration (resumed after a crash part-way),
// the compare-and-swap decisions and counters.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <climits>
#include <filesystem>
#include <map>
#include <string>

#include "db_worker/fault_injection_storage.h"
#include "db_worker/rocksdb_storage.h"
#include "db_worker/shard_format.h"
#include "db_worker/store_ops.h"
#include "shared/shard.h"
#include "shared/stored_value.h"
#include "store_worker/write_conditions.h"

namespace forkv {
namespace {

TEST(StoredValueTest, RoundTripsEveryByteWithAndWithoutExpiry) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (int64_t expires : {int64_t{0}, int64_t{1}, int64_t{1'800'000'000'000}, INT64_MAX}) {
    for (uint64_t version : {uint64_t{1}, uint64_t{0x0102030405060708}, UINT64_MAX}) {
      std::string bytes = EncodeStoredValue(version, expires, all);
      EXPECT_EQ(bytes.size(), all.size() + 10 + (expires != 0 ? 8 : 0));
      auto v = DecodeStoredValue(bytes);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(v->version, version);
      EXPECT_EQ(v->expires_ms, expires);
      EXPECT_EQ(v->value, all);
    }
  }
  auto empty = DecodeStoredValue(EncodeRevisionFloor(77));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->version, 77u);
  EXPECT_EQ(empty->value, "");
}

TEST(StoredValueTest, BytesThatAreNotAStoredValueAreMalformed) {
  const std::string good = EncodeStoredValue(5, 0, "v");
  std::string wrong_tag = good;
  wrong_tag[0] = 'v';
  std::string unknown_flag = good;
  unknown_flag[1] = 0x02;
  std::string expiry_cut = EncodeStoredValue(5, 99, "");
  expiry_cut.resize(12);
  for (const std::string& bad :
       {std::string(), good.substr(0, 9), wrong_tag, unknown_flag, expiry_cut}) {
    EXPECT_EQ(DecodeStoredValue(bad).status().code(), StatusCode::kMalformed) << bad.size();
  }
}

TEST(WriteConditionsTest, VersionAndAbsenceDecideConditionalWrites) {
  StoreMap::Item item{.value = "x", .version = 12, .expires_ms = 0};
  EXPECT_TRUE(CheckWriteCondition(nullptr, std::nullopt).ok());
  EXPECT_TRUE(CheckWriteCondition(&item, std::nullopt).ok());
  EXPECT_TRUE(CheckWriteCondition(nullptr, 0).ok());  // only if absent
  EXPECT_EQ(CheckWriteCondition(&item, 0).code(), StatusCode::kConditionFailed);
  EXPECT_TRUE(CheckWriteCondition(&item, 12).ok());
  Status stale = CheckWriteCondition(&item, 11);
  EXPECT_EQ(stale.code(), StatusCode::kConditionFailed);
  EXPECT_NE(stale.message().find("12"), std::string::npos) << stale.message();
  EXPECT_EQ(CheckWriteCondition(nullptr, 12).code(), StatusCode::kConditionFailed);
}

TEST(WriteConditionsTest, CountersFollowRedisRules) {
  auto item = [](std::string v) { return StoreMap::Item{.value = std::move(v)}; };
  int64_t sum = 0;
  ASSERT_TRUE(ApplyIncrement(nullptr, 5, &sum).ok());  // a missing key counts as 0
  EXPECT_EQ(sum, 5);
  StoreMap::Item neg = item("-10");
  ASSERT_TRUE(ApplyIncrement(&neg, 3, &sum).ok());
  EXPECT_EQ(sum, -7);
  StoreMap::Item max = item(std::to_string(INT64_MAX));
  EXPECT_EQ(ApplyIncrement(&max, 1, &sum).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(ApplyIncrement(&max, -1, &sum).ok());
  EXPECT_EQ(sum, INT64_MAX - 1);
  StoreMap::Item min = item(std::to_string(INT64_MIN));
  EXPECT_EQ(ApplyIncrement(&min, -1, &sum).code(), StatusCode::kInvalidArgument);
  for (const char* bad :
       {"", "abc", "1.5", " 1", "1 ", "+1", "007", "-0", "--1", "9223372036854775808", "0x10"}) {
    StoreMap::Item b = item(bad);
    EXPECT_EQ(ApplyIncrement(&b, 1, &sum).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseCounter("0"), 0);
  EXPECT_EQ(ParseCounter("-9223372036854775808"), INT64_MIN);
}

class ShardFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "forkv-format-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    OpenFailure failure = OpenFailure::kNone;
    auto r = OpenRocksDbStorage(root_ + "/db", {.create_if_missing = true}, &failure);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(r).value();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(root_);
  }
  std::map<std::string, std::string> All() { return All(*db_); }
  static std::map<std::string, std::string> All(Storage& db) {
    std::map<std::string, std::string> out;
    Status s = db.Scan("", [&](std::string_view k, std::string_view v) {
      out.emplace(k, v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::string root_;
  std::unique_ptr<Storage> db_;
};

TEST_F(ShardFormatTest, ANewShardIsMarkedAndAMarkedOneLeftAlone) {
  auto first = EnsureShardFormat(*db_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->was_current);
  EXPECT_EQ(first->rewritten, 0u);
  ASSERT_TRUE(
      db_->Write({Mutation::Put(StorageKey("s", "k"), EncodeStoredValue(3, 0, "v"))}, false).ok());
  auto again = EnsureShardFormat(*db_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->was_current);
  EXPECT_EQ(All().at(StorageKey("s", "k")), EncodeStoredValue(3, 0, "v"));
  // A newer forkv's format is refused, and nothing changes.
  ASSERT_TRUE(db_->Write({Mutation::Put(std::string(kShardFormatKey), "3")}, false).ok());
  auto newer = EnsureShardFormat(*db_);
  EXPECT_EQ(newer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(All().at(StorageKey("s", "k")), EncodeStoredValue(3, 0, "v"));
}

// A format-1 shard (values alone) is rewritten once: every value wrapped at
// version 1 exactly once, also when the first attempt dies part-way; the
// shard's own records do not show as stores.
TEST_F(ShardFormatTest, AFormatOneShardIsRewrittenOnceEvenAfterACrashPartWay) {
  std::map<std::string, std::string> legacy;
  std::vector<Mutation> batch;
  for (int i = 0; i < 10000; ++i) {
    std::string store = i % 2 == 0 ? "alpha" : "beta";
    std::string key = "k" + std::to_string(i);
    std::string value = "value " + std::to_string(i) + std::string(1, '\0');
    if (i == 7) value = EncodeStoredValue(9, 0, "looks like format 2");  // still a plain value
    legacy[StorageKey(store, key)] = value;
    batch.push_back(Mutation::Put(StorageKey(store, key), value));
  }
  ASSERT_TRUE(db_->Write(batch, true).ok());

  // The second batch's write fails: the first stays, with its progress record.
  FaultInjectionStorage faulty(std::move(db_), /*track_unsynced=*/false);
  int writes = 0;
  faulty.SetFailWhile([&] { return ++writes >= 2; });
  auto failed = EnsureShardFormat(faulty);
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  faulty.SetFailWhile({});
  std::map<std::string, std::string> mid = All(faulty);
  EXPECT_EQ(mid.count(std::string(kShardFormatKey)), 0u);
  ASSERT_EQ(mid.count(std::string(kShardMigrateKey)), 1u);

  auto done = EnsureShardFormat(faulty);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(done->was_current);
  EXPECT_LT(done->rewritten, legacy.size());  // resumed, not started again
  std::map<std::string, std::string> after = All(faulty);
  EXPECT_EQ(after.at(std::string(kShardFormatKey)), kShardFormat);
  EXPECT_EQ(after.count(std::string(kShardMigrateKey)), 0u);
  EXPECT_EQ(after.size(), legacy.size() + 1);
  for (const auto& [key, value] : legacy) {
    auto stored = DecodeStoredValue(after.at(key));
    ASSERT_TRUE(stored.ok()) << key;
    EXPECT_EQ(stored->version, 1u) << key;
    EXPECT_EQ(stored->value, value) << key;
  }
  std::vector<std::string> stores;
  ASSERT_TRUE(ListStores(faulty, [&](std::string_view s) {
                stores.emplace_back(s);
                return true;
              }).ok());
  EXPECT_EQ(stores, (std::vector<std::string>{"alpha", "beta"}));
}

}  // namespace
}  // namespace forkv
