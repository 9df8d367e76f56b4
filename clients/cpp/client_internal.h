// Wire-level access to forkv::Client for forkv's own tools (the chaos
// harness, tests): not part of the installed API.
#pragma once

#include <forkv/client.h>

#include "shared/protocol.h"

namespace forkv {

// One store op (put, get, del, keys, count) with the Client's routing and
// retry rules (<forkv/client.h>), answered as the raw reply. Outcomes:
//   - a Reply: the store's (or the manager's) answer; a write lost in flight
//     with its store is a Reply with code kUnavailable ("may or may not have
//     been applied"), as the manager path answers it;
//   - Status kUnavailable / kInvalidArgument / kMoved-turned-kUnavailable:
//     never sent, or refused without being applied;
//   - Status kTimeout: sent, no answer (outcome unknown).
struct ClientInternals {
  static Result<Reply> CallStore(Client& client, const Request& request);
};

inline Result<Reply> CallStore(Client& client, const Request& request) {
  return ClientInternals::CallStore(client, request);
}

}  // namespace forkv
