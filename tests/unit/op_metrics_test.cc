// OpMetrics (shared/op_metrics.h): counts by op and code, latency, merge,
// and the JSON that travels from stores to the manager and on to /metrics.
#include "shared/op_metrics.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(OpMetricsTest, CountsByOpAndCodeAndMergesDeltas) {
  OpMetrics a;
  EXPECT_TRUE(a.empty());
  a.Record(Op::kPut, StatusCode::kOk, 0.001);
  a.Record(Op::kPut, StatusCode::kOk, 0.002);
  a.Record(Op::kGet, StatusCode::kNotFound, 0.00001);
  OpMetrics b;
  b.Record(Op::kPut, StatusCode::kIoError, 0.5);
  b.Record(Op::kScan, StatusCode::kOk, 0.01);
  a.Merge(b);
  EXPECT_EQ(a.count(Op::kPut, StatusCode::kOk), 2u);
  EXPECT_EQ(a.count(Op::kPut, StatusCode::kIoError), 1u);
  EXPECT_EQ(a.count(Op::kGet, StatusCode::kNotFound), 1u);
  EXPECT_EQ(a.count(Op::kScan, StatusCode::kOk), 1u);
  EXPECT_EQ(a.count(Op::kDel, StatusCode::kOk), 0u);
  nlohmann::json j = a.ToJson();
  EXPECT_EQ(j["put"]["codes"], nlohmann::json({{"ok", 2}, {"io_error", 1}}));
  EXPECT_EQ(j["put"]["seconds"]["count"], 3);
  EXPECT_FALSE(j.contains("del"));  // only ops seen
}

TEST(OpMetricsTest, JsonRoundTripsAndRefusesWhatItDoesNotKnow) {
  OpMetrics a;
  a.Record(Op::kDel, StatusCode::kOk, 0.003);
  a.Record(Op::kKeys, StatusCode::kTooLarge, 0.0001);
  auto back = OpMetrics::FromJson(a.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), a.ToJson());
  for (const char* bad :
       {R"([])", R"({"nosuch": {"codes": {}, "seconds": {}}})", R"({"put": {"codes": {"ok": 1}}})",
        R"({"put": {"codes": {"weird": 1}, "seconds": null}})"}) {
    EXPECT_FALSE(OpMetrics::FromJson(nlohmann::json::parse(bad)).ok()) << bad;
  }
  nlohmann::json j = a.ToJson();
  j["del"]["codes"]["ok"] = -1;
  EXPECT_FALSE(OpMetrics::FromJson(j).ok());
}

TEST(OpMetricsTest, OutOfRangeOpsAndCodesAreNotCounted) {
  OpMetrics m;
  m.Record(static_cast<Op>(0), StatusCode::kOk, 0);
  m.Record(static_cast<Op>(kMaxOp + 1), StatusCode::kOk, 0);
  m.Record(Op::kGet, static_cast<StatusCode>(kMaxStatusCode + 1), 0);
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace forkv
