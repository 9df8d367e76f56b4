#include "http_gateway/gateway_metrics.h"

#include <gtest/gtest.h>

#include "tests/support/prometheus_parser.h"

namespace forkv::http {
namespace {

using forkv::testing::ParsePrometheusText;

nlohmann::json SampleStatus() {
  BucketHistogram batches(BucketHistogram::PowersOfTwo(9));
  batches.Observe(1);
  batches.Observe(7);
  BucketHistogram fsync(BucketHistogram::LatencySeconds());
  fsync.Observe(0.002);
  nlohmann::json db0 = {{"name", "db-0"},
                        {"kind", "db"},
                        {"state", "running"},
                        {"pid", 10},
                        {"restarts", 2},
                        {"shard", 0},
                        {"queue_depth", 3},
                        {"batches", 2},
                        {"writes", 8},
                        {"failed_batches", 0},
                        {"batch_size_histogram", batches.ToJson()},
                        {"fsync_seconds_histogram", fsync.ToJson()}};
  nlohmann::json db1 = {{"name", "db-1"}, {"kind", "db"},  {"state", "restarting"},
                        {"pid", 0},       {"restarts", 1}, {"shard", 1}};
  nlohmann::json s1 = {{"name", "a\"b"}, {"kind", "store"}, {"state", "running"},
                       {"pid", 11},      {"restarts", 4},   {"keys", 5}};
  nlohmann::json s2 = {
      {"name", "c"}, {"kind", "store"}, {"state", "failed"}, {"pid", 0}, {"restarts", 3}};
  nlohmann::json http = {
      {"name", "http"}, {"kind", "http"}, {"state", "running"}, {"pid", 12}, {"restarts", 0}};
  return {{"manager", {{"pid", 1}, {"uptime_ms", 2500}}},
          {"tree",
           {{"kind", "supervisor"},
            {"children",
             {{{"name", "db_pool"}, {"kind", "supervisor"}, {"children", {db0, db1}}},
              {{"name", "stores"}, {"kind", "supervisor"}, {"children", {s1, s2}}},
              {{"name", "web"}, {"kind", "supervisor"}, {"children", {http}}}}}}}};
}

TEST(GatewayMetricsTest, ClusterFamiliesFromTheManagersStatus) {
  PrometheusText text;
  RenderClusterMetrics(SampleStatus(), &text);
  auto parsed = ParsePrometheusText(text.text());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << text.text();
  const auto& m = *parsed;
  EXPECT_EQ(m.Find("forkv_up"), 1.0);
  EXPECT_EQ(m.Find("forkv_manager_uptime_seconds"), 2.5);
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "running"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "failed"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "starting"}}), 0.0);
  EXPECT_EQ(m.Find("forkv_processes", {{"kind", "db"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_processes", {{"kind", "store"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_child_restarts", {{"kind", "store"}}), 7.0);
  EXPECT_EQ(m.Find("forkv_child_restarts", {{"kind", "db"}}), 3.0);
  EXPECT_EQ(m.Find("forkv_keys"), 5.0);
  EXPECT_EQ(m.Find("forkv_db_queue_depth", {{"shard", "0"}}), 3.0);
  EXPECT_FALSE(m.Find("forkv_db_queue_depth", {{"shard", "1"}}).has_value());  // not reported
  EXPECT_EQ(m.Find("forkv_db_batch_size_bucket", {{"shard", "0"}, {"le", "4"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_db_batch_size_bucket", {{"shard", "0"}, {"le", "8"}}), 2.0);
  EXPECT_EQ(m.Find("forkv_db_batch_size_count", {{"shard", "0"}}), 2.0);
  EXPECT_EQ(m.Find("forkv_db_fsync_duration_seconds_count", {{"shard", "0"}}), 1.0);
  EXPECT_EQ(m.types.at("forkv_db_batch_size"), "histogram");
}

// A manager with a million stores lists a few of them and counts them all.
TEST(GatewayMetricsTest, StoreFamiliesComeFromTheSummaryNotTheListedStores) {
  nlohmann::json status = SampleStatus();
  nlohmann::json& stores = status["tree"]["children"][1];
  stores["counts"] = {{"running", 3},  {"failed", 1},  {"starting", 0},        {"restarting", 0},
                      {"stopping", 0}, {"stopped", 0}, {"hibernating", 999996}};
  stores["total"] = 1000000;
  stores["processes"] = 3;
  stores["restarts"] = 40;
  stores["keys"] = 1234;
  stores["omitted"] = 2;
  PrometheusText text;
  RenderClusterMetrics(status, &text);
  auto parsed = ParsePrometheusText(text.text());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << text.text();
  const auto& m = *parsed;
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "running"}}), 3.0);  // not the 1 listed
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "hibernating"}}), 999996.0);
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "failed"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_processes", {{"kind", "store"}}), 3.0);
  EXPECT_EQ(m.Find("forkv_child_restarts", {{"kind", "store"}}), 40.0);
  EXPECT_EQ(m.Find("forkv_keys"), 1234.0);
  EXPECT_EQ(m.Find("forkv_processes", {{"kind", "db"}}), 1.0);  // the rest as before
  EXPECT_EQ(text.text().find("a\\\"b"), std::string::npos) << "no series names a store";
}

TEST(GatewayMetricsTest, RequestCountersAndHistograms) {
  RequestMetrics metrics;
  metrics.Observe("get", 200, 0.0003);
  metrics.Observe("get", 404, 0.02);
  metrics.Observe("get", 200, 7.0);
  metrics.Observe("put", 204, 0.001);
  EXPECT_EQ(metrics.total(), 4u);
  PrometheusText text;
  RenderManagerDown(&text);
  metrics.Render(&text);
  auto parsed = ParsePrometheusText(text.text());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << text.text();
  const auto& m = *parsed;
  EXPECT_EQ(m.Find("forkv_up"), 0.0);
  EXPECT_EQ(m.Find("forkv_http_requests_total", {{"op", "get"}, {"code", "200"}}), 2.0);
  EXPECT_EQ(m.Find("forkv_http_requests_total", {{"op", "get"}, {"code", "404"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_http_request_duration_seconds_count", {{"op", "get"}}), 3.0);
  EXPECT_EQ(m.Find("forkv_http_request_duration_seconds_bucket", {{"op", "get"}, {"le", "0.0005"}}),
            1.0);
  EXPECT_EQ(m.Find("forkv_http_request_duration_seconds_bucket", {{"op", "get"}, {"le", "+Inf"}}),
            3.0);
}

TEST(GatewayMetricsTest, LabelValuesAreEscaped) {
  PrometheusText text;
  text.Family("x", "gauge", "test");
  text.Sample("x", {{"name", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(text.text(), "# HELP x test\n# TYPE x gauge\nx{name=\"a\\\"b\\\\c\\nd\"} 1.5\n");
  auto parsed = ParsePrometheusText(text.text());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->samples[0].labels.at("name"), "a\"b\\c\nd");
}

TEST(GatewayMetricsTest, ParserRejectsBrokenExpositions) {
  for (const char* bad : {"x 1", "x{a=\"1\" 1\n", "x{a=1} 1\n", "x abc\n",
                          "# TYPE x gauge\nx 1\n# TYPE x gauge\n", "x 1\ny 1\nx 2\n",
                          "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                          "h_count 1\nh_sum 0\n"}) {
    EXPECT_FALSE(ParsePrometheusText(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace forkv::http
