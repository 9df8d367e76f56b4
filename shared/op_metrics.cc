#include "shared/op_metrics.h"

#include <string>

namespace forkv {
namespace {

std::optional<Op> OpNamed(std::string_view name) {
  for (uint8_t v = 1; v <= kMaxOp; ++v) {
    if (OpName(static_cast<Op>(v)) == name) return static_cast<Op>(v);
  }
  return std::nullopt;
}

std::optional<StatusCode> CodeNamed(std::string_view name) {
  for (uint8_t v = 0; v <= kMaxStatusCode; ++v) {
    if (StatusCodeName(static_cast<StatusCode>(v)) == name) return static_cast<StatusCode>(v);
  }
  return std::nullopt;
}

}  // namespace

void OpMetrics::Record(Op op, StatusCode code, double seconds) {
  const auto o = static_cast<size_t>(op);
  const auto c = static_cast<size_t>(code);
  if (o == 0 || o > kMaxOp || c > kMaxStatusCode) return;
  if (!ops_[o]) ops_[o].emplace();
  ++ops_[o]->codes[c];
  ops_[o]->seconds.Observe(seconds);
}

void OpMetrics::Merge(const OpMetrics& other) {
  for (size_t o = 1; o <= kMaxOp; ++o) {
    if (!other.ops_[o]) continue;
    if (!ops_[o]) ops_[o].emplace();
    for (size_t c = 0; c <= kMaxStatusCode; ++c) ops_[o]->codes[c] += other.ops_[o]->codes[c];
    ops_[o]->seconds.Merge(other.ops_[o]->seconds);
  }
}

bool OpMetrics::empty() const {
  for (const auto& p : ops_) {
    if (p) return false;
  }
  return true;
}

uint64_t OpMetrics::count(Op op, StatusCode code) const {
  const auto o = static_cast<size_t>(op);
  const auto c = static_cast<size_t>(code);
  if (o == 0 || o > kMaxOp || c > kMaxStatusCode || !ops_[o]) return 0;
  return ops_[o]->codes[c];
}

nlohmann::json OpMetrics::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (size_t o = 1; o <= kMaxOp; ++o) {
    if (!ops_[o]) continue;
    nlohmann::json codes = nlohmann::json::object();
    for (size_t c = 0; c <= kMaxStatusCode; ++c) {
      if (ops_[o]->codes[c] != 0) {
        codes[std::string(StatusCodeName(static_cast<StatusCode>(c)))] = ops_[o]->codes[c];
      }
    }
    out[std::string(OpName(static_cast<Op>(o)))] = {{"codes", std::move(codes)},
                                                    {"seconds", ops_[o]->seconds.ToJson()}};
  }
  return out;
}

Result<OpMetrics> OpMetrics::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Malformed("op metrics: not an object");
  OpMetrics m;
  for (const auto& [name, per] : j.items()) {
    std::optional<Op> op = OpNamed(name);
    if (!op) return Status::Malformed("op metrics: unknown op '" + name + "'");
    if (!per.is_object() || !per.contains("codes") || !per["codes"].is_object() ||
        !per.contains("seconds")) {
      return Status::Malformed("op metrics: bad entry for '" + name + "'");
    }
    auto seconds = BucketHistogram::FromJson(per["seconds"]);
    if (!seconds.ok()) return seconds.status();
    PerOp p;
    if (seconds->upper_bounds() != p.seconds.upper_bounds()) {
      return Status::Malformed("op metrics: other latency buckets for '" + name + "'");
    }
    p.seconds = std::move(seconds).value();
    for (const auto& [code_name, n] : per["codes"].items()) {
      std::optional<StatusCode> code = CodeNamed(code_name);
      if (!code || !n.is_number_unsigned()) {
        return Status::Malformed("op metrics: bad code '" + code_name + "'");
      }
      p.codes[static_cast<size_t>(*code)] = n.get<uint64_t>();
    }
    m.ops_[static_cast<size_t>(*op)] = std::move(p);
  }
  return m;
}

}  // namespace forkv
