#include "bench/zipf.h"

#include <algorithm>
#include <cmath>

namespace forkv::bench {

ZipfRanks::ZipfRanks(size_t n, double s) : cdf_(std::max<size_t>(n, 1)) {
  double sum = 0;
  for (size_t r = 0; r < cdf_.size(); ++r) {
    sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
    cdf_[r] = sum;
  }
  for (double& c : cdf_) c /= sum;
  cdf_.back() = 1.0;
}

size_t ZipfRanks::Rank(double uniform) const {
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), uniform);
  return std::min<size_t>(static_cast<size_t>(it - cdf_.begin()), cdf_.size() - 1);
}

}  // namespace forkv::bench
