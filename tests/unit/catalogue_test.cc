#include "shared/catalogue.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace forkv {
namespace {

// A body with a correct end line.
std::string Sign(const std::string& body, int entries) {
  char sum[17];
  std::snprintf(sum, sizeof sum, "%016" PRIx64, XXH64(body.data(), body.size(), 0));
  return body + "end " + std::to_string(entries) + " " + sum + "\n";
}

Catalogue Sample() {
  return Catalogue{
      .stores = {"users", "orders", "a.b"}, .dropping = {"old"}, .renaming = {{"users", "people"}}};
}

TEST(CatalogueCodecTest, RoundTripIsSortedAndChecksummed) {
  std::string text = EncodeCatalogue(Sample());
  EXPECT_TRUE(
      text.starts_with("forkv-catalogue 2\nstore a.b\nstore orders\nstore users\ndropping old\n"
                       "renaming users people\nend 5 "))
      << text;
  auto back = DecodeCatalogue(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
  auto empty = DecodeCatalogue(EncodeCatalogue(Catalogue{}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
}

// Every way a file can be cut short, from the repro in the issue
// ("forkv-catalogue 1\norders\nuse") to a lost end line.
TEST(CatalogueCodecTest, EveryTruncationIsDetected) {
  std::string text = EncodeCatalogue(Sample());
  for (size_t n = 0; n < text.size(); ++n) {
    auto r = DecodeCatalogue(std::string_view(text).substr(0, n));
    EXPECT_EQ(r.status().code(), StatusCode::kMalformed) << "truncated to " << n << " bytes";
  }
}

TEST(CatalogueCodecTest, AnyChangedByteIsDetected) {
  std::string text = EncodeCatalogue(Sample());
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = bad[i] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(DecodeCatalogue(bad).ok()) << "byte " << i << " changed";
  }
}

TEST(CatalogueCodecTest, RefusesDataAfterEndDuplicatesAndBadNames) {
  std::string text = EncodeCatalogue(Sample());
  EXPECT_EQ(DecodeCatalogue(text + "store extra\n").status().code(), StatusCode::kMalformed);
  // A valid checksum over invalid content is still refused.
  for (std::string body :
       {"forkv-catalogue 2\nstore a\nstore a\n", "forkv-catalogue 2\nstore a\ndropping a\n",
        "forkv-catalogue 2\nstore ../etc\n", "forkv-catalogue 2\nusers\n"}) {
    EXPECT_EQ(DecodeCatalogue(Sign(body, 2)).status().code(), StatusCode::kMalformed) << body;
  }
  // And the same signing of a valid body is accepted (the helper is right).
  EXPECT_TRUE(DecodeCatalogue(Sign("forkv-catalogue 2\nstore a\ndropping b\n", 2)).ok());
  EXPECT_FALSE(DecodeCatalogue(Sign("forkv-catalogue 2\nstore a\ndropping b\n", 3)).ok());
  EXPECT_EQ(DecodeCatalogue("garbage\nusers\n").status().code(), StatusCode::kMalformed);
}

TEST(CatalogueCodecTest, ARenameNeedsAStoreAndAFreeNewName) {
  EXPECT_TRUE(DecodeCatalogue(Sign("forkv-catalogue 2\nstore a\nrenaming a b\n", 2)).ok());
  for (std::string body : {
           "forkv-catalogue 2\nstore a\nrenaming x b\n",              // x is no store
           "forkv-catalogue 2\nstore a\nstore b\nrenaming a b\n",     // b exists
           "forkv-catalogue 2\nstore a\ndropping b\nrenaming a b\n",  // b is being dropped
           "forkv-catalogue 2\nstore a\nstore c\nrenaming a b\nrenaming c b\n",  // two to b
           "forkv-catalogue 2\nstore a\nrenaming a\n",                           // no new name
           "forkv-catalogue 2\nstore a\nrenaming a b/c\n",                       // a bad new name
       }) {
    EXPECT_EQ(DecodeCatalogue(Sign(body, 3)).status().code(), StatusCode::kMalformed) << body;
  }
}

TEST(CatalogueCodecTest, NamesCoversEveryNameWhoseKeysMayBeOnDisk) {
  Catalogue c = Sample();
  for (const char* name : {"users", "a.b", "old", "people"}) EXPECT_TRUE(c.Names(name)) << name;
  EXPECT_FALSE(c.Names("nobody"));
}

TEST(CatalogueCodecTest, ReadsFormatOneButNotATruncatedOne) {
  auto v1 = DecodeCatalogue("forkv-catalogue 1\norders\nusers\n");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->stores, (std::set<std::string>{"orders", "users"}));
  EXPECT_EQ(DecodeCatalogue("forkv-catalogue 1\norders\nuse").status().code(),
            StatusCode::kMalformed);
  EXPECT_EQ(DecodeCatalogue("forkv-catalogue 1\n../etc\n").status().code(), StatusCode::kMalformed);
}

TEST(CatalogueCodecTest, SalvageKeepsTheReadablePrefix) {
  std::string text = EncodeCatalogue(Sample());
  // Cut inside "store users": a.b and orders survive, the partial line does not.
  size_t cut = text.find("store users") + 8;
  Catalogue c = SalvageCatalogue(std::string_view(text).substr(0, cut));
  EXPECT_EQ(c.stores, (std::set<std::string>{"a.b", "orders"}));
  EXPECT_TRUE(c.dropping.empty());
  EXPECT_EQ(SalvageCatalogue(text), Sample());
  EXPECT_EQ(SalvageCatalogue("forkv-catalogue 1\norders\nuse").stores,
            (std::set<std::string>{"orders"}));
  EXPECT_TRUE(SalvageCatalogue("garbage").empty());
}

class CatalogueFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fkv-cat-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/catalogue";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(CatalogueFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadCatalogue(path_).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogueFileTest, SaveLoadRoundTripLeavesNoTempFile) {
  ASSERT_TRUE(SaveCatalogue(path_, Sample()).ok());
  auto c = LoadCatalogue(path_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, Sample());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(CatalogueFileTest, DamageNamesTheFile) {
  std::ofstream(path_) << "forkv-catalogue 2\nstore users\n";
  auto c = LoadCatalogue(path_);
  EXPECT_EQ(c.status().code(), StatusCode::kMalformed);
  EXPECT_NE(c.status().message().find(path_), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace forkv
