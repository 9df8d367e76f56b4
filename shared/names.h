// Validation of user-supplied names and sizes. Pure.
#pragma once

#include <string_view>

#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

// A store name is 1..kMaxStoreNameBytes bytes of [A-Za-z0-9._-], not starting
// with '.'. Returns InvalidArgument with a reason otherwise.
Status ValidateStoreName(std::string_view name);
// Key: 1..kMaxKeyBytes arbitrary bytes. Value: 0..kMaxValueBytes bytes.
Status ValidateKey(std::string_view key);
Status ValidateValue(std::string_view value);
// The fields of a `stores` page (shared/protocol.h): limit at most
// kMaxStoresLimit (0 is the default), after at most a store name long, a
// known state or none, a valid store name or none. InvalidArgument saying
// which and why otherwise.
Status ValidateStoresPage(const RequestView& request);
// Checks the fields `request.op` uses (store name, key, value sizes).
Status ValidateRequest(const RequestView& request);
Status ValidateRequest(const Request& request);
// A time to live as people write it: "30s", "1500ms", "5m", "2h", "7d"; a
// bare number is seconds. In ms; InvalidArgument for anything else, or
// past kMaxTtlMs.
Result<uint64_t> ParseDuration(std::string_view text);
// An incr's amount (its value field): decimal text, "" = 1.
Result<int64_t> ParseIncrAmount(std::string_view text);

}  // namespace forkv
