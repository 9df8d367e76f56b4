// /metrics of the HTTP gateway against a real manager and stores: the
// exposition parsed strictly (and by promtool), the families derived from the
// manager's status, and the store request counters of both paths.
#include <forkv/client.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "shared/protocol.h"
#include "shared/version.h"
#include "tests/integration/http_gateway_fixture.h"

namespace forkv::test {
namespace {

// `promtool check metrics` ($FORKV_PROMTOOL, else /usr/bin/promtool; CI
// sets it: scripts/promtool.sh) over an exposition. promtool exits 1 for
// lint warnings as well; only a parse error fails here.
void CheckWithPromtool(const std::string& exposition) {
  const char* env = std::getenv("FORKV_PROMTOOL");
  const std::string promtool = env != nullptr && *env ? env : "/usr/bin/promtool";
  if (access(promtool.c_str(), X_OK) != 0) {
    std::printf("promtool not installed: checked with the test's own parser only\n");
    return;
  }
  CommandResult check = RunCommand(promtool, {"check", "metrics"}, exposition);
  EXPECT_EQ(check.err.find("error while linting"), std::string::npos) << check.err;
  EXPECT_NE(check.exit_code, -1) << "promtool was killed";
}

TEST_F(HttpGatewayTest, MetricsParseAsPrometheusText) {
  auto c = Client();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(c.Put(KeyPath("m", "k" + std::to_string(i)), "v", "text/plain")->status, 204);
  }
  ASSERT_EQ(c.Get(KeyPath("m", "k1"))->status, 200);
  ASSERT_EQ(c.Get(KeyPath("m", "missing"))->status, 404);
  // Database stats arrive with the workers' heartbeat answers.
  forkv::testing::PromExposition m;
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!Scrape(&m)) return false;
        // Each worker reports on its own heartbeat: wait for all 5 writes.
        return m.Sum("forkv_db_writes_total") >= 5 && m.Sum("forkv_db_batch_size_count") >= 1;
      },
      10s));
  EXPECT_EQ(m.Find("forkv_up"), 1.0);
  EXPECT_GE(m.Sum("forkv_http_requests_total", {{"op", "put"}, {"code", "204"}}), 5.0);
  EXPECT_GE(m.Sum("forkv_http_requests_total", {{"op", "get"}, {"code", "404"}}), 1.0);
  EXPECT_GE(m.Sum("forkv_http_request_duration_seconds_count", {{"op", "put"}}), 5.0);
  EXPECT_EQ(m.Find("forkv_stores", {{"state", "running"}}), 1.0);
  EXPECT_EQ(m.Find("forkv_processes", {{"kind", "http"}}), 1.0);
  EXPECT_GE(m.Sum("forkv_db_writes_total"), 5.0);
  EXPECT_EQ(m.types.at("forkv_db_fsync_duration_seconds"), "histogram");
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  CheckWithPromtool(r->body);
}

// Every store request counts, whichever path it took: the CLI's go through
// the manager, forkv::Client's straight to the store (none through the
// gateway here). Stores report when they go idle or answer a heartbeat.
TEST_F(HttpGatewayTest, StoreRequestsOfBothPathsAreCountedByOpAndCode) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(mgr_->Cli({"put", "paths", "m" + std::to_string(i), "v"}).exit_code, 0);
  }
  forkv::Client direct(forkv::ClientOptions{.endpoint = mgr_->endpoint()});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(direct.Put("paths", "d" + std::to_string(i), "v").ok());
  ASSERT_TRUE(direct.Get("paths", "d1").ok());
  ASSERT_EQ(direct.Get("paths", "missing").status().code(), StatusCode::kNotFound);
  ASSERT_GE(direct.stats().direct_requests, 6u);
  auto c = Client();
  forkv::testing::PromExposition m;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Scrape(&m) && m.Sum("forkv_requests_total", {{"op", "put"}, {"code", "ok"}}) >= 7;
      },
      10s));
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "put"}, {"code", "ok"}}), 7.0);
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "get"}, {"code", "ok"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "get"}, {"code", "not_found"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_request_duration_seconds_count", {{"op", "put"}}), 7.0);
  EXPECT_EQ(m.types.at("forkv_request_duration_seconds"), "histogram");
  EXPECT_EQ(m.types.at("forkv_requests_total"), "counter");
  auto exposition = c.Get("/metrics");
  ASSERT_TRUE(exposition);
  CheckWithPromtool(exposition->body);
  // The counts outlive the process that answered: they stay after a kill.
  pid_t pid = mgr_->StorePid("paths");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("paths", pid));
  nlohmann::json status = mgr_->CliJson({"status"});
  ASSERT_TRUE(status.contains("requests")) << status.dump();
  EXPECT_EQ(status["requests"]["put"]["codes"]["ok"], 7) << status["requests"].dump();
}

// What the manager answers itself counts too: its own ops, and store ops
// it refuses before any store sees them.
TEST_F(HttpGatewayTest, RequestsTheManagerAnswersAreCountedToo) {
  ASSERT_EQ(mgr_->Cli({"create", "made"}).exit_code, 0);
  ASSERT_NE(mgr_->Cli({"get", "nosuch", "k"}).exit_code, 0);  // no such store
  ASSERT_NE(mgr_->Cli({"rename", "nosuch", "other"}).exit_code, 0);
  ASSERT_EQ(mgr_->Cli({"drop", "made", "--yes"}).exit_code, 0);
  forkv::testing::PromExposition m;
  ASSERT_TRUE(Scrape(&m));
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "create"}, {"code", "ok"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "get"}, {"code", "not_found"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "rename"}, {"code", "not_found"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_requests_total", {{"op", "drop"}, {"code", "ok"}}), 1.0);
  EXPECT_EQ(m.Sum("forkv_request_duration_seconds_count", {{"op", "create"}}), 1.0);
}

TEST_F(HttpGatewayTest, RestartsTotalIsACounterThatADropDoesNotLower) {
  auto c = Client();
  auto scrape = [&] {
    auto r = c.Get("/metrics");
    EXPECT_TRUE(r && r->status == 200);
    auto parsed = forkv::testing::ParsePrometheusText(r ? r->body : "");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return parsed.ok() ? *parsed : forkv::testing::PromExposition{};
  };
  forkv::testing::PromExposition before = scrape();
  EXPECT_EQ(before.types.at("forkv_restarts_total"), "counter");
  EXPECT_EQ(before.Find("forkv_restarts_total", {{"kind", "store"}}), 0.0);
  EXPECT_EQ(before.Find("forkv_build_info", {{"version", kForkvVersion}}), 1.0);
  ASSERT_EQ(mgr_->Cli({"put", "r", "k", "v"}).exit_code, 0);
  pid_t pid = mgr_->StorePid("r");
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("r", pid));
  forkv::testing::PromExposition restarted = scrape();
  EXPECT_EQ(restarted.Find("forkv_restarts_total", {{"kind", "store"}}), 1.0);
  EXPECT_EQ(restarted.Find("forkv_child_restarts", {{"kind", "store"}}), 1.0);
  ASSERT_EQ(mgr_->Cli({"drop", "r", "--yes"}).exit_code, 0);
  forkv::testing::PromExposition dropped = scrape();
  EXPECT_EQ(dropped.Find("forkv_restarts_total", {{"kind", "store"}}), 1.0);  // kept
  EXPECT_EQ(dropped.Find("forkv_child_restarts", {{"kind", "store"}}), 0.0);  // the gauge goes
}

}  // namespace
}  // namespace forkv::test
