// The bodies of store replies, decoded (docs/protocol.md, section 5): a
// get's value (bin), a keys list (array of bin), a count (uint), any other
// body as JSON. Shared by Connection and Client. Pure.
#pragma once

#include <forkv/client.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

// The server's verdict in a reply as a Status (OK for kOk).
Status ReplyStatus(const Reply& reply);
// A transport failure or a non-OK reply as a Status; else the reply.
Result<Reply> CheckedReply(Result<Reply> reply);

Result<nlohmann::json> JsonOfReply(const Reply& reply);  // null when the body is nil
Result<std::string> ValueOfReply(const Reply& reply);
Result<std::vector<std::string>> KeysOfReply(const Reply& reply);
Result<uint64_t> CountOfReply(const Reply& reply);       // also a put's version
Result<Versioned> VersionedOfReply(const Reply& reply);  // a get with kGetVersion
Result<int64_t> CounterOfReply(const Reply& reply);      // an incr's new value
Result<ScanPage> ScanOfReply(const Reply& reply);

}  // namespace forkv
