// Which stores one `stores` request lists: a page of the catalogue in name
// order (docs/protocol.md, "Listing stores"), and the per-state counts `status`
// shows instead of every store. Pure functions of the catalogue (every
// store, sorted), the live stores (ChildTable::stores(), sorted too) and
// each live store's state; no sockets, no supervisors.
//
// Work is bounded whatever the catalogue holds (up to --max-stores names):
//   - no state filter: one upper_bound, then `limit` steps, O(limit + log N);
//   - a live state (starting, running, ...): a walk of the live stores only
//     (at most --max-live-stores of them, plus failed ones);
//   - "hibernating": a walk of the catalogue that skips live names.
// A filtered walk examines at most ExamineBudget(limit) names; when it stops
// there, before the end, the page may be short (even empty) and
// `next_after` says where to go on. A client follows next_after until it is
// absent, whatever the page's size.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "manager/child_table.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

// What one request asks for (shared/protocol.h, kStores), defaults applied.
struct StorePage {
  uint64_t limit = kDefaultStoresLimit;  // 1..kMaxStoresLimit names at most
  std::string after;                     // only names strictly greater ("" = from the first)
  std::string state;                     // only stores showing this state ("" = any)
  std::string only;                      // only this store ("" = every store)
};

// The page a `stores` request names: arg = limit (0 = the default), key =
// after, value = state, store = only. InvalidArgument, with the reason, for
// what ValidateStoresPage() refuses.
Result<StorePage> StorePageOf(const RequestView& request);

// Names a filtered page examines at most: 10 x limit + 1000.
uint64_t ExamineBudget(uint64_t limit);

// The state a live store shows ("running", "failed"...), by name.
using LiveStateOf = std::function<std::string_view(const std::string& name)>;

struct StoreListing {
  std::vector<std::string> names;  // the page, in name order
  // The last name examined when the walk stopped before the end (the page
  // is full, or the budget is spent): pass it as `after` for what follows.
  // nullopt when nothing follows.
  std::optional<std::string> next_after;
  uint64_t examined = 0;  // names looked at (for tests: the work done)
};

// The page of `catalogue` that `page` asks for. Live stores absent from the
// catalogue (being dropped) are never listed; a catalogue store that is not
// live is "hibernating". Filters combine: a name is listed when it passes
// every one given.
StoreListing ListStores(const std::set<std::string>& catalogue,
                        const std::map<std::string, Child>& live, const LiveStateOf& state_of,
                        const StorePage& page);

// Stores by state, every name of kStoreStates present (0 when none):
// live catalogue stores by their state, the rest of the catalogue
// "hibernating". O(live stores x log N).
std::map<std::string, uint64_t, std::less<>> CountStores(const std::set<std::string>& catalogue,
                                                         const std::map<std::string, Child>& live,
                                                         const LiveStateOf& state_of);

}  // namespace forkv
