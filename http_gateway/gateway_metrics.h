// What /metrics shows: the gateway's own request counters and latency
// histograms (RequestMetrics, shared by the server's threads), and families
// derived from the manager's status answer (stores by state, restarts by
// child kind, database queue depth, group-commit batch sizes, fsync
// latency). Rendering is pure; RequestMetrics only adds a lock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "http_gateway/prometheus_text.h"
#include "shared/histogram.h"

namespace forkv::http {

class RequestMetrics {
 public:
  // One finished request: its op label (route.h OpLabel), HTTP status and
  // time from the request being read to the response being ready.
  void Observe(std::string_view op, int http_status, double seconds);
  // forkv_http_requests_total{op,code} and
  // forkv_http_request_duration_seconds{op}.
  void Render(PrometheusText* out) const;
  uint64_t total() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, BucketHistogram, std::less<>> latency_;
  uint64_t total_ = 0;
};

// Families from the manager's `status` body (docs/protocol.md): forkv_up 1,
// forkv_stores{state}, forkv_processes{kind}, forkv_child_restarts{kind},
// forkv_keys, forkv_db_* per shard, forkv_requests_total{op,code} and
// forkv_request_duration_seconds{op} (every store request, both paths). The store figures come from
// the stores supervisor's summary (`counts`, `processes`, `restarts`, `keys`) when it has one, so
// the output is bounded whatever the catalogue holds; no series is per store. Fields missing from
// the answer are skipped, never guessed.
void RenderClusterMetrics(const nlohmann::json& status, PrometheusText* out);
// forkv_up 0: the manager did not answer.
void RenderManagerDown(PrometheusText* out);

}  // namespace forkv::http
