// Latency bookkeeping for forkv-bench. Pure: no clocks, no I/O.
//
// LatencyHistogram is a log-linear histogram (the HdrHistogram idea with a
// fixed precision): values below 128 have a bucket each; above that, every
// power-of-two range [2^k, 2^(k+1)) is split into 64 equal buckets, so a
// bucket is at most 1/64 (1.6 %) of its value wide. It covers the whole
// uint64 range in kBuckets counters (30 KiB), records in O(1) and merges by
// adding counters, so each client thread keeps its own and the runner merges
// them at the end.
//
// Percentile(q) is the nearest-rank percentile: the smallest recorded value v
// such that at least q % of the samples are <= v, reported as the upper bound
// of v's bucket clamped to [min, max]. It therefore never understates a
// latency and is exact for values below 128 and for q = 0 (min) and q = 100
// (max).
//
// Thread-compatibility: one writer at a time; merge after the writers joined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace forkv::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 128 exact values, then 64 per octave
  static constexpr size_t kBuckets = (64 - kSubBucketBits + 1) * 64 + 64;

  LatencyHistogram();

  void Record(uint64_t value);
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const;
  // q in [0, 100]; 0 when empty. See the file comment for the definition.
  uint64_t Percentile(double q) const;

  // Bucket geometry, exposed for tests.
  static size_t BucketIndex(uint64_t value);
  // Largest value that falls in bucket `index`.
  static uint64_t BucketUpperBound(size_t index);

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // Sum of all samples; long double keeps nanosecond sums of long runs exact
  // enough for a mean.
  long double sum_ = 0;
};

// Exact order statistics of a small sample (kill, create and memory
// figures). median is the mean of the two middle values for an even count;
// p99 is the nearest-rank percentile (the max for fewer than 100 samples).
struct SampleSummary {
  size_t count = 0;
  double min = 0;
  double median = 0;
  double p99 = 0;
  double max = 0;
  double mean = 0;
};
SampleSummary Summarize(std::vector<double> samples);

}  // namespace forkv::bench
