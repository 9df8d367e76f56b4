#include "http_gateway/gateway_metrics.h"

#include <array>
#include <vector>

#include "shared/op_metrics.h"
#include "shared/protocol.h"

namespace forkv::http {
namespace {

// Every leaf (non-supervisor) node under `node`.
void CollectChildren(const nlohmann::json& node, std::vector<const nlohmann::json*>* out) {
  if (!node.is_object()) return;
  if (node.value("kind", "") != "supervisor") {
    out->push_back(&node);
    return;
  }
  auto it = node.find("children");
  if (it == node.end() || !it->is_array()) return;
  for (const auto& child : *it) CollectChildren(child, out);
}

double Number(const nlohmann::json& j, std::string_view key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

// The stores' supervisor when it summarises its stores (`counts`: every
// store by state, whatever it lists as children), else nullptr.
const nlohmann::json* StoresSummary(const nlohmann::json& status) {
  if (!status.contains("tree") || !status["tree"].is_object()) return nullptr;
  auto groups = status["tree"].find("children");
  if (groups == status["tree"].end() || !groups->is_array()) return nullptr;
  for (const auto& g : *groups) {
    if (g.is_object() && g.value("name", "") == "stores" && g.contains("counts") &&
        g["counts"].is_object()) {
      return &g;
    }
  }
  return nullptr;
}

}  // namespace

void RequestMetrics::Observe(std::string_view op, int http_status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(op), http_status}];
  auto it = latency_.find(op);
  if (it == latency_.end()) {
    it =
        latency_.emplace(std::string(op), BucketHistogram(BucketHistogram::LatencySeconds())).first;
  }
  it->second.Observe(seconds);
  ++total_;
}

uint64_t RequestMetrics::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

void RequestMetrics::Render(PrometheusText* out) const {
  std::lock_guard lock(mu_);
  out->Family("forkv_http_requests_total", "counter",
              "HTTP requests answered by this gateway process, by operation and status code.");
  for (const auto& [key, n] : requests_) {
    out->Sample("forkv_http_requests_total",
                {{"op", key.first}, {"code", std::to_string(key.second)}}, static_cast<double>(n));
  }
  out->Family("forkv_http_request_duration_seconds", "histogram",
              "Time from a request being read to its response being ready, by operation.");
  for (const auto& [op, h] : latency_) {
    out->Histogram("forkv_http_request_duration_seconds", {{"op", op}}, h);
  }
}

void RenderManagerDown(PrometheusText* out) {
  out->Family("forkv_up", "gauge", "1 when the manager answered the gateway's status request.");
  out->Sample("forkv_up", {}, 0);
}

namespace {

// Every request a store answered, either path (status "requests",
// shared/op_metrics.h): bounded by ops x codes.
void RenderStoreRequests(const nlohmann::json& status, PrometheusText* out) {
  auto it = status.find("requests");
  if (it == status.end()) return;
  auto requests = OpMetrics::FromJson(*it);
  if (!requests.ok()) return;
  const nlohmann::json j = requests->ToJson();  // validated, in op order
  out->Family("forkv_requests_total", "counter",
              "Store requests answered (manager path and direct path), by op and status.");
  for (const auto& [op, per] : j.items()) {
    for (const auto& [code, n] : per["codes"].items()) {
      out->Sample("forkv_requests_total", {{"op", op}, {"code", code}}, n.get<double>());
    }
  }
  out->Family("forkv_request_duration_seconds", "histogram",
              "Store request latency inside the store, arrival to answer (a write's includes "
              "its group commit).");
  for (const auto& [op, per] : j.items()) {
    auto hist = BucketHistogram::FromJson(per["seconds"]);
    if (hist.ok()) out->Histogram("forkv_request_duration_seconds", {{"op", op}}, *hist);
  }
}

}  // namespace

void RenderClusterMetrics(const nlohmann::json& status, PrometheusText* out) {
  out->Family("forkv_up", "gauge", "1 when the manager answered the gateway's status request.");
  out->Sample("forkv_up", {}, 1);
  if (status.contains("manager") && status["manager"].is_object()) {
    const nlohmann::json& manager = status["manager"];
    out->Family("forkv_manager_uptime_seconds", "gauge", "Seconds since the manager started.");
    out->Sample("forkv_manager_uptime_seconds", {}, Number(manager, "uptime_ms") / 1000);
    out->Family("forkv_build_info", "gauge", "1, labelled with the manager's version.");
    out->Sample("forkv_build_info", {{"version", manager.value("version", "unknown")}}, 1);
    if (auto it = manager.find("restarts_total"); it != manager.end() && it->is_object()) {
      out->Family("forkv_restarts_total", "counter",
                  "Child restarts by kind since the manager started; never goes down.");
      for (const auto& [kind, n] : it->items()) {
        if (n.is_number()) out->Sample("forkv_restarts_total", {{"kind", kind}}, n.get<double>());
      }
    }
  }
  RenderStoreRequests(status, out);
  std::vector<const nlohmann::json*> children;
  if (status.contains("tree")) CollectChildren(status["tree"], &children);

  static constexpr std::array<std::string_view, 3> kKinds = {"store", "db", "http"};
  std::map<std::string, double, std::less<>> by_state, processes, restarts;
  for (auto s : kStoreStates) by_state[std::string(s)] = 0;
  for (auto k : kKinds) processes[std::string(k)] = restarts[std::string(k)] = 0;
  double keys = 0;
  // A manager that summarises its stores lists only some of them: the
  // store figures come from the summary, never one series per store.
  const nlohmann::json* summary = StoresSummary(status);
  if (summary != nullptr) {
    for (const auto& [state, n] : (*summary)["counts"].items()) {
      if (n.is_number()) by_state[state] = n.get<double>();
    }
    processes["store"] = Number(*summary, "processes");
    restarts["store"] = Number(*summary, "restarts");
    keys = Number(*summary, "keys");
  }
  for (const nlohmann::json* c : children) {
    std::string kind = c->value("kind", "");
    if (kind.empty() || (kind == "store" && summary != nullptr)) continue;
    if (kind == "store") {
      by_state[c->value("state", "unknown")] += 1;
      keys += Number(*c, "keys");
    }
    if (Number(*c, "pid") > 0) processes[kind] += 1;
    restarts[kind] += Number(*c, "restarts");
  }
  out->Family("forkv_stores", "gauge", "Stores by supervision state.");
  for (const auto& [state, n] : by_state) out->Sample("forkv_stores", {{"state", state}}, n);
  out->Family("forkv_processes", "gauge", "Running child processes by kind.");
  for (const auto& [kind, n] : processes) out->Sample("forkv_processes", {{"kind", kind}}, n);
  out->Family("forkv_child_restarts", "gauge",
              "Restarts of the current children by kind since the manager started "
              "(a dropped store's restarts leave the sum).");
  for (const auto& [kind, n] : restarts) out->Sample("forkv_child_restarts", {{"kind", kind}}, n);
  out->Family("forkv_keys", "gauge",
              "Keys in the live stores at their last report (hibernating stores are not counted).");
  out->Sample("forkv_keys", {}, keys);

  std::vector<const nlohmann::json*> dbs;
  for (const nlohmann::json* c : children) {
    if (c->value("kind", "") == "db") dbs.push_back(c);
  }
  auto shard_of = [](const nlohmann::json& c) -> Labels {
    return {{"shard", std::to_string(c.value("shard", 0))}};
  };
  struct Scalar {
    const char* field;
    const char* name;
    const char* type;
    const char* help;
  };
  static constexpr Scalar kScalars[] = {
      {"queue_depth", "forkv_db_queue_depth", "gauge",
       "Writes left waiting after the worker's last drain (0 when it kept up)."},
      {"batches", "forkv_db_batches_total", "counter",
       "Group commits written since the worker started."},
      {"writes", "forkv_db_writes_total", "counter", "Writes committed since the worker started."},
      {"failed_batches", "forkv_db_failed_batches_total", "counter",
       "Group commits that failed on disk (answered with io_error)."},
  };
  for (const Scalar& s : kScalars) {
    out->Family(s.name, s.type, s.help);
    for (const nlohmann::json* c : dbs) {
      if (c->contains(s.field)) out->Sample(s.name, shard_of(*c), Number(*c, s.field));
    }
  }
  struct Hist {
    const char* field;
    const char* name;
    const char* help;
  };
  static constexpr Hist kHists[] = {
      {"batch_size_histogram", "forkv_db_batch_size", "Writes per group commit."},
      {"fsync_seconds_histogram", "forkv_db_fsync_duration_seconds",
       "WAL sync latency (every commit with --fsync always, else the periodic sync)."},
  };
  for (const Hist& h : kHists) {
    out->Family(h.name, "histogram", h.help);
    for (const nlohmann::json* c : dbs) {
      if (!c->contains(h.field)) continue;
      auto hist = BucketHistogram::FromJson((*c)[h.field]);
      if (hist.ok()) out->Histogram(h.name, shard_of(*c), *hist);
    }
  }
}

}  // namespace forkv::http
