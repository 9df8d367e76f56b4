// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests: every line must be a comment ("# HELP name text", "# TYPE name
// type") or a sample "name{label="value",...} number"; a family's TYPE
// comes before its samples, at most once; histogram buckets are cumulative
// and end with le="+Inf" equal to _count. Returns the samples or the first
// violation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared/status.h"

namespace forkv::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromExposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::vector<PromSample> samples;

  // The value of the sample with this name and exactly these labels.
  std::optional<double> Find(const std::string& name,
                             const std::map<std::string, std::string>& labels = {}) const;
  // Sum over samples with this name whose labels include `labels`.
  double Sum(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
};

Result<PromExposition> ParsePrometheusText(const std::string& text);

}  // namespace forkv::testing
