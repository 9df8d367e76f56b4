// The rules of conditional writes and counters (docs/protocol.md,
// "Versions and conditional writes", "Counters"). Pure: decided from the
// key's acknowledged state alone. A store decides a conditional write or an
// incr only when no earlier write of the key is still in flight (it waits
// otherwise, store_server.h), so the state it decides on is the key's
// latest: that is what makes them linearizable per key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/status.h"
#include "store_worker/store_map.h"

namespace forkv {

// A put, or a del, with if_version: Ok when it may be applied to the key
// whose current item is `current` (nullptr: absent), else ConditionFailed
// saying what the key is. if_version 0 means "only if absent"; nullopt:
// no condition (always Ok).
Status CheckWriteCondition(const StoreMap::Item* current, std::optional<uint64_t> if_version);

// The value an incr of `current` by `amount` leaves: the sum as decimal
// text, in *sum. An absent key counts as 0. InvalidArgument when the
// current value is not a decimal int64 (Redis's rule: optional '-', digits,
// no spaces or '+'), or when the sum overflows int64.
Status ApplyIncrement(const StoreMap::Item* current, int64_t amount, int64_t* sum);

// The value `text` as a counter, nullopt when it is not decimal int64 text.
std::optional<int64_t> ParseCounter(std::string_view text);

}  // namespace forkv
