// The live stores that said they are idle, oldest idle first: the order in
// which the manager hibernates them (after --idle-timeout) and evicts them
// (over --max-live-stores). A store is added when it becomes ready or says
// it is idle (activity busy=false), and leaves when it says it is busy, is
// told to hibernate, or exits. Every operation is O(1) (a list plus an index
// into it); nothing here costs anything per idle store over time: the
// manager arms one timer, for the oldest. Pure: no clocks (time is passed
// in), no sockets.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "shared/clock.h"

namespace forkv {

class IdleStores {
 public:
  struct Entry {
    std::string store;
    SteadyTime since;
  };

  // `store` is idle since `now`: appended (moved to the end if present).
  void MarkIdle(const std::string& store, SteadyTime now);
  // Not idle any more (busy, hibernating or gone); no-op when absent.
  void Remove(const std::string& store);
  bool Contains(const std::string& store) const { return index_.count(store) != 0; }
  // The store idle the longest; nullopt when none is idle.
  std::optional<Entry> Oldest() const;
  // When the oldest reaches `timeout` of idleness; max() when none is idle
  // or the timeout is zero (never).
  SteadyTime NextExpiry(Millis timeout) const;
  size_t size() const { return order_.size(); }

 private:
  std::list<Entry> order_;  // oldest first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace forkv
