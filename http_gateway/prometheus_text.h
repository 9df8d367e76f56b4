// A writer for the Prometheus text exposition format (version 0.0.4):
// "# HELP" and "# TYPE" once per metric family, then its samples, label
// values escaped (backslash, double quote, newline). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/histogram.h"

namespace forkv::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a family; `type` is "counter", "gauge" or "histogram".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  // name_bucket{...,le="..."} (cumulative, +Inf last), name_sum, name_count.
  void Histogram(std::string_view name, const Labels& labels, const BucketHistogram& h);

  const std::string& text() const { return out_; }

  static std::string EscapeLabelValue(std::string_view value);
  // Numbers as Prometheus reads them: integers without a fraction, "+Inf".
  static std::string FormatValue(double value);

 private:
  std::string out_;
};

}  // namespace forkv::http
