// The HTTP gateway tests' fixture: a manager with --http on a free port,
// a cpp-httplib client, /metrics scrapes and error-body checks. Shared by
// http_gateway_test.cc (the REST API) and http_metrics_test.cc (/metrics).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http_gateway/route.h"
#include "tests/support/harness.h"
#include "tests/support/prometheus_parser.h"

namespace forkv::test {

inline std::string KeyPath(const std::string& store, const std::string& key) {
  return "/v1/stores/" + http::PercentEncode(store) + "/keys/" + http::PercentEncode(key);
}

inline nlohmann::json Json(const httplib::Result& r) {
  if (!r) return nullptr;
  try {
    return nlohmann::json::parse(r->body);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

class HttpGatewayTest : public ForkvTest {
 protected:
  HttpGatewayTest() : port_(FreeTcpPort()) {}

  std::vector<std::string> ManagerArgs() const override {
    return {"--http",
            "127.0.0.1:" + std::to_string(port_),
            "--http-timeout-ms",
            "1500",
            "--request-wait-ms",
            "1000"};
  }

  void SetUp() override {
    ASSERT_NE(port_, 0);
    ForkvTest::SetUp();
    ASSERT_TRUE(WaitForGateway()) << "gateway not answering on port " << port_;
  }

  bool WaitForGateway(std::chrono::milliseconds timeout = 10s) {
    return WaitFor(
        [&] {
          auto r = Client().Get("/healthz");
          return r && r->status == 200;
        },
        timeout);
  }

  // One /metrics scrape, parsed strictly; false when there is no answer or
  // it does not parse (a parse error also fails the test).
  bool Scrape(forkv::testing::PromExposition* out) const {
    auto r = Client().Get("/metrics");
    if (!r || r->status != 200) return false;
    auto parsed = forkv::testing::ParsePrometheusText(r->body);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << r->body;
    if (!parsed.ok()) return false;
    *out = *std::move(parsed);
    return true;
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(10, 0);
    c.set_write_timeout(10, 0);
    return c;
  }

  // The gateway's record in the manager's tree (kind "http"), or null.
  nlohmann::json GatewayInfo() {
    nlohmann::json status = mgr_->CliJson({"status"});
    if (!status.contains("tree")) return nullptr;
    for (const auto& sup : status["tree"]["children"]) {
      if (sup.value("name", "") == "web") return sup["children"][0];
    }
    return nullptr;
  }

  void ExpectError(const httplib::Result& r, int status, const std::string& forkv_status = "") {
    ASSERT_TRUE(r) << "no HTTP answer: " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, status) << r->body;
    nlohmann::json body = Json(r);
    ASSERT_TRUE(body.is_object()) << "error body is not JSON: " << r->body;
    EXPECT_EQ(body.value("http_status", 0), status) << r->body;
    EXPECT_EQ(body.value("ok", true), false) << r->body;
    EXPECT_FALSE(body.value("message", "").empty()) << r->body;
    if (!forkv_status.empty()) {
      EXPECT_EQ(body.value("code", ""), forkv_status) << r->body;
    }
  }

  int port_;
};

}  // namespace forkv::test
