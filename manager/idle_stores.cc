#include "manager/idle_stores.h"

namespace forkv {

void IdleStores::MarkIdle(const std::string& store, SteadyTime now) {
  Remove(store);
  order_.push_back({store, now});
  index_.emplace(store, std::prev(order_.end()));
}

void IdleStores::Remove(const std::string& store) {
  auto it = index_.find(store);
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

std::optional<IdleStores::Entry> IdleStores::Oldest() const {
  if (order_.empty()) return std::nullopt;
  return order_.front();
}

SteadyTime IdleStores::NextExpiry(Millis timeout) const {
  if (order_.empty() || timeout <= Millis(0)) return SteadyTime::max();
  return order_.front().since + timeout;
}

}  // namespace forkv
