// The one clock vocabulary of forkv's timers: a monotonic clock, its time
// points and milliseconds. Pure state machines take `SteadyTime now` as an
// argument and never read the clock themselves.
#pragma once

#include <chrono>

namespace forkv {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
using Millis = std::chrono::milliseconds;

// Unix time in ms: what expiry times (TTLs) are kept in, on disk too.
inline int64_t WallMs() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whole milliseconds from `from` to `to` (negative when `to` is earlier).
inline int64_t MillisBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration_cast<Millis>(to - from).count();
}

}  // namespace forkv
