#include "manager/catalogue.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace forkv {
namespace {

class CatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fkv-cat-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(CatalogueTest, MissingCatalogueIsEmpty) {
  auto c = LoadCatalogue(dir_);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
}

TEST_F(CatalogueTest, SaveLoadRoundTripLeavesNoTempFile) {
  ASSERT_TRUE(SaveCatalogue(dir_, {"users", "orders", "a.b"}).ok());
  auto c = LoadCatalogue(dir_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (std::set<std::string>{"a.b", "orders", "users"}));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/catalogue.tmp"));
  ASSERT_TRUE(SaveCatalogue(dir_, {"users"}).ok());
  EXPECT_EQ(LoadCatalogue(dir_)->size(), 1u);
}

TEST_F(CatalogueTest, CorruptCatalogueIsAnError) {
  Write("catalogue", "garbage\nusers\n");
  EXPECT_EQ(LoadCatalogue(dir_).status().code(), StatusCode::kMalformed);
  Write("catalogue", "forkv-catalogue 1\n../etc\n");
  EXPECT_EQ(LoadCatalogue(dir_).status().code(), StatusCode::kMalformed);
}

TEST_F(CatalogueTest, FormatRecordsShardCountAndRefusesAnother) {
  ASSERT_TRUE(CheckOrInitDataFormat(dir_, 2).ok());
  EXPECT_TRUE(CheckOrInitDataFormat(dir_, 2).ok());
  Status s = CheckOrInitDataFormat(dir_, 3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--db-workers 2"), std::string::npos) << s.message();
}

TEST_F(CatalogueTest, UnreadableFormatIsMalformed) {
  Write("FORMAT", "hello\n");
  EXPECT_EQ(CheckOrInitDataFormat(dir_, 2).code(), StatusCode::kMalformed);
  Write("FORMAT", "forkv-data 99\nshards 2\n");
  EXPECT_EQ(CheckOrInitDataFormat(dir_, 2).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace forkv
