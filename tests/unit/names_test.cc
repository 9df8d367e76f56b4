#include "shared/names.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(NamesTest, GoodStoreNames) {
  for (const char* n : {"users", "a", "A-b_c.d", "0", "x.y.z"}) {
    EXPECT_TRUE(ValidateStoreName(n).ok()) << n;
  }
  EXPECT_TRUE(ValidateStoreName(std::string(128, 'a')).ok());
}

TEST(NamesTest, BadStoreNames) {
  const std::string nul("a\0b", 3);
  for (const std::string& n :
       {std::string(""), std::string(".."), std::string("../etc"), std::string("a/b"),
        std::string(".hidden"), nul, std::string(129, 'a'), std::string(10240, 'x'),
        std::string("sp ace"), std::string("tab\t"), std::string("\xc3\xa9t\xc3\xa9")}) {
    Status s = ValidateStoreName(n);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << n.size();
    EXPECT_FALSE(s.message().empty());
  }
}

TEST(NamesTest, KeyAndValueLimits) {
  EXPECT_EQ(ValidateKey("").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateKey(std::string(kMaxKeyBytes, 'k')).ok());
  EXPECT_EQ(ValidateKey(std::string(kMaxKeyBytes + 1, 'k')).code(), StatusCode::kTooLarge);
  EXPECT_TRUE(ValidateValue("").ok());
  EXPECT_TRUE(ValidateValue(std::string(kMaxValueBytes, 'v')).ok());
  EXPECT_EQ(ValidateValue(std::string(kMaxValueBytes + 1, 'v')).code(), StatusCode::kTooLarge);
}

TEST(NamesTest, StoresPagesAreChecked) {
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kStores, .arg = kMaxStoresLimit}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kStores, .arg = kMaxStoresLimit + 1}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kStores, .value = "hibernating"}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kStores, .value = "Running"}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kStores, .key = "any\xff bytes"}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kStores, .key = std::string(129, 'a')}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kStores, .store = "users"}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kStores, .store = ".x"}).ok());
  EXPECT_TRUE(IsStoreState("stopped"));
  EXPECT_FALSE(IsStoreState(""));
}

TEST(NamesTest, ValidateRequestChecksWhatTheOpUses) {
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kPing}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kStores}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kGet, .store = "s"}).ok());  // no key
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kPut, .store = "../x", .key = "k"}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kKeys, .store = "s"}).ok());  // empty prefix
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kCreate, .store = "s"}).ok());
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kKill, .store = "s", .arg = 99}).ok());
  EXPECT_TRUE(
      ValidateRequest(Request{.op = Op::kPut, .store = "s", .key = "k", .arg = kPutNoCreate}).ok());
  EXPECT_EQ(ValidateRequest(Request{.op = Op::kPut, .store = "s", .key = "k", .arg = 2}).code(),
            StatusCode::kInvalidArgument);
}

TEST(NamesTest, ScanLimitsAndBounds) {
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kScan, .store = "s"}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.op = Op::kScan, .store = "s", .arg = kMaxScanLimit}).ok());
  EXPECT_EQ(
      ValidateRequest(Request{.op = Op::kScan, .store = "s", .arg = kMaxScanLimit + 1}).code(),
      StatusCode::kInvalidArgument);
  const std::string too_long(kMaxKeyBytes + 1, 'k');
  EXPECT_EQ(ValidateRequest(Request{.op = Op::kScan, .store = "s", .key = too_long}).code(),
            StatusCode::kTooLarge);
  EXPECT_EQ(ValidateRequest(Request{.op = Op::kScan, .store = "s", .value = too_long}).code(),
            StatusCode::kTooLarge);
  EXPECT_EQ(ValidateRequest(Request{.op = Op::kKeys, .store = "s", .value = too_long}).code(),
            StatusCode::kTooLarge);
  EXPECT_FALSE(ValidateRequest(Request{.op = Op::kScan, .store = "no/such"}).ok());
}

TEST(NamesTest, DurationsAsPeopleWriteThem) {
  EXPECT_EQ(*ParseDuration("30"), 30000u);
  EXPECT_EQ(*ParseDuration("30s"), 30000u);
  EXPECT_EQ(*ParseDuration("1500ms"), 1500u);
  EXPECT_EQ(*ParseDuration("5m"), 300000u);
  EXPECT_EQ(*ParseDuration("2h"), 7200000u);
  EXPECT_EQ(*ParseDuration("7d"), 604800000u);
  EXPECT_EQ(*ParseDuration("0"), 0u);
  for (const char* bad : {"", "s", "-1s", "1.5s", "1 s", "1sec", "10y", "99999999999999999d"}) {
    EXPECT_EQ(ParseDuration(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NamesTest, IncrAmountsAndTtlsAreChecked) {
  EXPECT_EQ(*ParseIncrAmount(""), 1);
  EXPECT_EQ(*ParseIncrAmount("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"x", "1.0", "+1", " 1", "9223372036854775808"}) {
    EXPECT_FALSE(ParseIncrAmount(bad).ok()) << bad;
  }
  Request put{.op = Op::kPut, .store = "s", .key = "k", .value = "v", .ttl_ms = 1000};
  EXPECT_TRUE(ValidateRequest(put).ok());
  put.ttl_ms = kMaxTtlMs + 1;
  EXPECT_EQ(ValidateRequest(put).code(), StatusCode::kInvalidArgument);
  Request get{.op = Op::kGet, .store = "s", .key = "k", .ttl_ms = 5};
  EXPECT_EQ(ValidateRequest(get).code(), StatusCode::kInvalidArgument);
  Request cas_get{.op = Op::kGet, .store = "s", .key = "k", .if_version = 3};
  EXPECT_EQ(ValidateRequest(cas_get).code(), StatusCode::kInvalidArgument);
  Request del_absent{.op = Op::kDel, .store = "s", .key = "k", .if_version = 0};
  EXPECT_EQ(ValidateRequest(del_absent).code(), StatusCode::kInvalidArgument);
  Request expire{.op = Op::kExpire, .store = "s", .key = "k", .arg = kMaxTtlMs + 1};
  EXPECT_EQ(ValidateRequest(expire).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace forkv
