#include "shared/histogram.h"

#include <algorithm>

namespace forkv {

BucketHistogram::BucketHistogram(std::vector<double> upper_bounds) {
  if (std::adjacent_find(upper_bounds.begin(), upper_bounds.end(), std::greater_equal<>()) ==
      upper_bounds.end()) {
    bounds_ = std::move(upper_bounds);
  }
  counts_.assign(bounds_.size() + 1, 0);
}

void BucketHistogram::Observe(double value) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[i];
  ++count_;
  sum_ += value;
}

bool BucketHistogram::Merge(const BucketHistogram& other) {
  if (other.bounds_ != bounds_) return false;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  return true;
}

nlohmann::json BucketHistogram::ToJson() const {
  return {{"le", bounds_}, {"counts", counts_}, {"sum", sum_}, {"count", count_}};
}

Result<BucketHistogram> BucketHistogram::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Malformed("histogram: not an object");
  auto le = j.find("le");
  auto counts = j.find("counts");
  auto sum = j.find("sum");
  auto count = j.find("count");
  if (le == j.end() || !le->is_array() || counts == j.end() || !counts->is_array() ||
      sum == j.end() || !sum->is_number() || count == j.end() || !count->is_number_unsigned()) {
    return Status::Malformed("histogram: want le[], counts[], sum and count");
  }
  std::vector<double> bounds;
  for (const auto& b : *le) {
    if (!b.is_number()) return Status::Malformed("histogram: a bound is not a number");
    bounds.push_back(b.get<double>());
  }
  size_t n = bounds.size();
  BucketHistogram h(std::move(bounds));
  if (h.bounds_.size() != n) return Status::Malformed("histogram: bounds not increasing");
  if (counts->size() != n + 1) return Status::Malformed("histogram: want one count per bucket");
  uint64_t total = 0;
  for (size_t i = 0; i < counts->size(); ++i) {
    if (!(*counts)[i].is_number_unsigned()) return Status::Malformed("histogram: bad count");
    h.counts_[i] = (*counts)[i].get<uint64_t>();
    total += h.counts_[i];
  }
  h.count_ = count->get<uint64_t>();
  if (total != h.count_) return Status::Malformed("histogram: counts do not add up");
  h.sum_ = sum->get<double>();
  return h;
}

std::vector<double> BucketHistogram::PowersOfTwo(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<double>(uint64_t{1} << i));
  return v;
}

std::vector<double> BucketHistogram::LatencySeconds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

}  // namespace forkv
