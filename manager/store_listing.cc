#include "manager/store_listing.h"

#include "shared/names.h"

namespace forkv {
namespace {

constexpr std::string_view kHibernating = "hibernating";

// Walks [it, end) in order, listing the names `keep` accepts, until the
// page is full or `budget` names were examined; sets where to go on.
template <typename It, typename NameOf, typename Keep>
StoreListing Walk(It it, It end, NameOf name_of, Keep keep, uint64_t limit, uint64_t budget) {
  StoreListing out;
  const std::string* last = nullptr;
  while (it != end && out.names.size() < limit && out.examined < budget) {
    last = &name_of(*it);
    ++out.examined;
    if (keep(*last)) out.names.push_back(*last);
    ++it;
  }
  if (it != end && last != nullptr) out.next_after = *last;
  return out;
}

// The one store `page.only` names, if it passes the other filters.
StoreListing Only(const std::set<std::string>& catalogue, const std::map<std::string, Child>& live,
                  const LiveStateOf& state_of, const StorePage& page) {
  StoreListing out;
  out.examined = 1;
  if (catalogue.count(page.only) == 0 || page.only <= page.after) return out;
  std::string_view state = live.count(page.only) != 0 ? state_of(page.only) : kHibernating;
  if (page.state.empty() || state == page.state) out.names.push_back(page.only);
  return out;
}

}  // namespace

Result<StorePage> StorePageOf(const RequestView& r) {
  if (Status s = ValidateStoresPage(r); !s.ok()) return s;
  return StorePage{.limit = r.arg == 0 ? kDefaultStoresLimit : r.arg,
                   .after = std::string(r.key),
                   .state = std::string(r.value),
                   .only = std::string(r.store)};
}

uint64_t ExamineBudget(uint64_t limit) { return 10 * limit + 1000; }

StoreListing ListStores(const std::set<std::string>& catalogue,
                        const std::map<std::string, Child>& live, const LiveStateOf& state_of,
                        const StorePage& page) {
  if (!page.only.empty()) return Only(catalogue, live, state_of, page);
  const uint64_t budget = ExamineBudget(page.limit);
  auto same = [](const std::string& name) -> const std::string& { return name; };
  if (page.state.empty()) {
    return Walk(
        catalogue.upper_bound(page.after), catalogue.end(), same,
        [](const std::string&) { return true; }, page.limit, page.limit);
  }
  if (page.state == kHibernating) {
    return Walk(
        catalogue.upper_bound(page.after), catalogue.end(), same,
        [&](const std::string& name) { return live.count(name) == 0; }, page.limit, budget);
  }
  return Walk(
      live.upper_bound(page.after), live.end(),
      [](const std::pair<const std::string, Child>& e) -> const std::string& { return e.first; },
      [&](const std::string& name) {
        return catalogue.count(name) != 0 && state_of(name) == page.state;
      },
      page.limit, budget);
}

std::map<std::string, uint64_t, std::less<>> CountStores(const std::set<std::string>& catalogue,
                                                         const std::map<std::string, Child>& live,
                                                         const LiveStateOf& state_of) {
  std::map<std::string, uint64_t, std::less<>> counts;
  for (std::string_view s : kStoreStates) counts[std::string(s)] = 0;
  uint64_t live_listed = 0;
  for (const auto& [name, child] : live) {
    if (catalogue.count(name) == 0) continue;
    ++live_listed;
    std::string_view state = state_of(name);
    auto it = counts.find(state);
    if (it == counts.end()) it = counts.emplace(std::string(state), 0).first;
    ++it->second;
  }
  counts[std::string(kHibernating)] += catalogue.size() - live_listed;
  return counts;
}

}  // namespace forkv
