#include "bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace forkv::bench {
namespace {

constexpr uint64_t kExactLimit = uint64_t{1} << LatencyHistogram::kSubBucketBits;  // 128
constexpr uint64_t kHalf = kExactLimit / 2;                                        // 64

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

size_t LatencyHistogram::BucketIndex(uint64_t value) {
  if (value < kExactLimit) return static_cast<size_t>(value);
  // Keep the top kSubBucketBits bits: the mantissa is in [64, 128).
  const int shift = std::bit_width(value) - kSubBucketBits;
  const uint64_t mantissa = value >> shift;
  return static_cast<size_t>(shift) * kHalf + static_cast<size_t>(mantissa);
}

uint64_t LatencyHistogram::BucketUpperBound(size_t index) {
  if (index < kExactLimit) return index;
  const int shift = static_cast<int>(index / kHalf) - 1;
  const uint64_t mantissa = kHalf + index % kHalf;
  // For the top bucket this wraps to 2^64 - 1, which is the right answer.
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::Record(uint64_t value) {
  ++buckets_[BucketIndex(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::Mean() const {
  if (count_ == 0) return 0;
  return static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  if (q <= 0) return min_;
  if (q >= 100) return max_;
  // Nearest rank: the ceil(q/100 * N)-th smallest sample (1-based).
  auto rank = static_cast<uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(BucketUpperBound(i), min_, max_);
  }
  return max_;
}

SampleSummary Summarize(std::vector<double> samples) {
  SampleSummary s;
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  const size_t mid = samples.size() / 2;
  s.median = samples.size() % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  auto rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(samples.size())));
  s.p99 = samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
  double sum = 0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(samples.size());
  return s;
}

}  // namespace forkv::bench
