#include "shared/catalogue_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>

#include "shared/files.h"

namespace forkv {
namespace {

using Op = CatalogueRecord::Op;

std::string Log(uint64_t base, const std::vector<CatalogueRecord>& records) {
  std::string text = CatalogueLogHeader(base);
  for (const auto& r : records) text += EncodeCatalogueRecord(r);
  return text;
}

TEST(CatalogueRecordTest, EveryOpRoundTrips) {
  std::vector<CatalogueRecord> records = {{Op::kStore, "users", ""},
                                          {Op::kDropping, "users", ""},
                                          {Op::kGone, "users", ""},
                                          {Op::kRenaming, "a.b", "c-d_e"},
                                          {Op::kRename, "a.b", "c-d_e"}};
  auto log = DecodeCatalogueLog(Log(42, records));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->base, 42u);
  EXPECT_EQ(log->records, records);
  EXPECT_EQ(log->torn_bytes, 0u);
  EXPECT_EQ(EncodeCatalogueRecord({Op::kStore, "users", ""}).substr(0, 12), "store users ");
}

TEST(CatalogueLogTest, ATornTailIsIgnoredAndMeasured) {
  std::string good = Log(7, {{Op::kStore, "a", ""}, {Op::kStore, "b", ""}});
  std::string next = EncodeCatalogueRecord({Op::kStore, "c", ""});
  for (size_t cut = 0; cut < next.size(); ++cut) {  // every prefix of the next record
    auto log = DecodeCatalogueLog(good + next.substr(0, cut));
    ASSERT_TRUE(log.ok()) << cut << ": " << log.status().ToString();
    EXPECT_EQ(log->records.size(), 2u) << cut;
    EXPECT_EQ(log->valid_bytes, good.size());
    EXPECT_EQ(log->torn_bytes, cut);
  }
  // Zeroed blocks after a crash (the size grew, the data did not land).
  auto zeros = DecodeCatalogueLog(good + std::string(4096, '\0') + "\n");
  ASSERT_TRUE(zeros.ok());
  EXPECT_EQ(zeros->records.size(), 2u);
}

TEST(CatalogueLogTest, ABadRecordFollowedByAGoodOneIsDamage) {
  std::string a = EncodeCatalogueRecord({Op::kStore, "a", ""});
  std::string b = EncodeCatalogueRecord({Op::kStore, "b", ""});
  std::string flipped = a;
  flipped[6] = 'x';  // "store x ..." no longer matches its checksum
  auto log = DecodeCatalogueLog(CatalogueLogHeader(1) + flipped + b);
  EXPECT_EQ(log.status().code(), StatusCode::kMalformed);
  EXPECT_NE(log.status().message().find("byte"), std::string::npos) << log.status().message();
  // Salvage keeps what comes before the damage.
  auto kept = SalvageCatalogueLog(CatalogueLogHeader(1) + b + flipped + a);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].name, "b");
}

TEST(CatalogueLogTest, RejectsBadHeadersNamesAndOps) {
  EXPECT_FALSE(DecodeCatalogueLog("").ok());
  EXPECT_FALSE(DecodeCatalogueLog("forkv-catalogue-log 1 0000\n").ok());
  EXPECT_FALSE(DecodeCatalogueLog("forkv-catalogue-log 2 0000000000000000\n").ok());
  // A record whose checksum matches but names an invalid store is not a record.
  std::string body = "store .hidden";
  char sum[9];
  std::snprintf(sum, sizeof sum, "%08x", XXH32(body.data(), body.size(), 0));
  auto log = DecodeCatalogueLog(CatalogueLogHeader(1) + body + " " + sum + "\n");
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->records.empty());
  EXPECT_GT(log->torn_bytes, 0u);
}

TEST(CatalogueLogTest, ReplayIsIdempotent) {
  std::vector<CatalogueRecord> records = {{Op::kStore, "a", ""},    {Op::kStore, "b", ""},
                                          {Op::kDropping, "a", ""}, {Op::kRenaming, "b", "c"},
                                          {Op::kRename, "b", "c"},  {Op::kStore, "d", ""},
                                          {Op::kGone, "a", ""},     {Op::kRenaming, "d", "e"}};
  Catalogue once{.stores = {"x"}, .dropping = {"y"}};
  for (const auto& r : records) ApplyCatalogueRecord(once, r);
  // b -> c is done (b's keys are dropped); d -> e is still copying.
  EXPECT_EQ(
      once,
      (Catalogue{.stores = {"c", "d", "x"}, .dropping = {"b", "y"}, .renaming = {{"d", "e"}}}));
  Catalogue twice = once;
  for (const auto& r : records) ApplyCatalogueRecord(twice, r);
  EXPECT_EQ(twice, once);
}

class CatalogueWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fkv-catlog-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/catalogue";
    ASSERT_TRUE(SaveCatalogue(path_, Catalogue{.stores = {"base"}}).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string LogText() { return ReadWholeFile(path_ + ".log").value(); }
  std::string dir_, path_;
};

TEST_F(CatalogueWriterTest, AppendedRecordsAreReadAfterAFlushOnly) {
  auto w = CatalogueWriter::Open(path_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  w->Append({Op::kStore, "users", ""});
  w->Append({Op::kDropping, "base", ""});
  EXPECT_TRUE(w->dirty());
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"base"}));
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_FALSE(w->dirty());
  EXPECT_EQ(w->records(), 2u);
  auto c = LoadCatalogue(path_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, (Catalogue{.stores = {"users"}, .dropping = {"base"}}));
}

TEST_F(CatalogueWriterTest, ReopeningCutsATornTailAndKeepsAppending) {
  {
    auto w = CatalogueWriter::Open(path_);
    w->Append({Op::kStore, "a", ""});
    ASSERT_TRUE(w->Flush().ok());
  }
  std::ofstream(path_ + ".log", std::ios::app) << "store b 12";  // a crash mid-append
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"a", "base"}));
  auto w = CatalogueWriter::Open(path_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->report().torn_bytes, 10u);
  EXPECT_EQ(w->records(), 1u);
  w->Append({Op::kStore, "c", ""});
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"a", "base", "c"}));
  EXPECT_EQ(LogText().find("store b 12"), std::string::npos);
}

TEST_F(CatalogueWriterTest, CompactionFoldsTheLogIntoTheSnapshot) {
  auto w = CatalogueWriter::Open(path_);
  w->Append({Op::kStore, "a", ""});
  ASSERT_TRUE(w->Flush().ok());
  ASSERT_TRUE(w->Compact({"a", "base"}, {}, {}).ok());
  EXPECT_EQ(w->records(), 0u);
  EXPECT_EQ(LogText(), CatalogueLogHeader(SnapshotBase(ReadWholeFile(path_).value())));
  w->Append({Op::kStore, "b", ""});
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"a", "b", "base"}));
}

TEST_F(CatalogueWriterTest, AStaleLogAfterAnInterruptedCompactionIsIgnored) {
  auto w = CatalogueWriter::Open(path_);
  w->Append({Op::kStore, "a", ""});
  w->Append({Op::kDropping, "base", ""});
  ASSERT_TRUE(w->Flush().ok());
  std::string old_log = LogText();
  // The compaction's snapshot landed; its new log did not.
  ASSERT_TRUE(SaveCatalogue(path_, Catalogue{.stores = {"a"}, .dropping = {"base"}}).ok());
  std::ofstream(path_ + ".log", std::ios::trunc) << old_log;
  Catalogue expected{.stores = {"a"}, .dropping = {"base"}};
  EXPECT_EQ(*LoadCatalogue(path_), expected);
  auto again = CatalogueWriter::Open(path_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->report().stale_replaced);
  EXPECT_EQ(again->records(), 0u);
  EXPECT_EQ(*LoadCatalogue(path_), expected);
}

TEST_F(CatalogueWriterTest, DamageInTheLogNamesItAndSalvageKeepsTheRest) {
  std::string a = EncodeCatalogueRecord({Op::kStore, "a", ""});
  std::string b = EncodeCatalogueRecord({Op::kStore, "b", ""});
  b[7] = '!';
  std::ofstream(path_ + ".log", std::ios::app) << b << a;
  auto c = LoadCatalogue(path_);
  EXPECT_EQ(c.status().code(), StatusCode::kMalformed);
  EXPECT_NE(c.status().message().find(path_ + ".log"), std::string::npos);
  EXPECT_FALSE(CatalogueWriter::Open(path_).ok());
  EXPECT_EQ(SalvageCatalogueFiles(path_).stores, (std::set<std::string>{"base"}));
}

TEST_F(CatalogueWriterTest, ALogWithoutItsSnapshotIsDamage) {
  std::filesystem::remove(path_);
  EXPECT_EQ(LoadCatalogue(path_).status().code(), StatusCode::kMalformed);
  std::filesystem::remove(path_ + ".log");
  EXPECT_EQ(LoadCatalogue(path_).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogueWriterTest, ADataDirFromBeforeTheLogGetsOne) {
  std::filesystem::remove(path_ + ".log");
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"base"}));
  auto w = CatalogueWriter::Open(path_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(path_ + ".log"));
  EXPECT_FALSE(w->report().legacy_snapshot);
  std::ofstream(path_, std::ios::trunc) << "forkv-catalogue 1\nold\n";
  auto legacy = CatalogueWriter::Open(path_);
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(legacy->report().legacy_snapshot);
}

TEST_F(CatalogueWriterTest, AFailedFlushKeepsTheRecordsForTheNextOne) {
  auto w = CatalogueWriter::Open(path_);
  w->Append({Op::kStore, "a", ""});
  CatalogueWriter broken;  // no file: every write fails
  broken.Append({Op::kStore, "x", ""});
  EXPECT_FALSE(broken.Flush().ok());
  EXPECT_TRUE(broken.dirty());
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(LoadCatalogue(path_)->stores, (std::set<std::string>{"a", "base"}));
}

}  // namespace
}  // namespace forkv
