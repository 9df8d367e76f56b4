// Zipfian ranks for the scale benchmark: rank r in [0, n) is drawn with
// probability proportional to 1 / (r + 1)^s (rank 0 the hottest). The CDF is
// computed once (n doubles); a draw is one binary search. Pure.
#pragma once

#include <cstddef>
#include <vector>

namespace forkv::bench {

class ZipfRanks {
 public:
  // n >= 1, s >= 0 (0 is uniform).
  ZipfRanks(size_t n, double s);
  // `uniform` in [0, 1): the rank whose CDF interval holds it.
  size_t Rank(double uniform) const;
  size_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;  // cdf_[r] = P(rank <= r); the last is 1
};

}  // namespace forkv::bench
