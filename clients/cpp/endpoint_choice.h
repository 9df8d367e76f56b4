// Which of a store's direct endpoints (a `locate` answer) a client should
// connect to, given how it reaches the manager. Pure.
//   manager ipc://...  -> the store's ipc:// endpoint (same machine);
//   manager tcp://H:P  -> the store's tcp:// endpoint, its host replaced by H
//                         when the store bound a wildcard (0.0.0.0, ::, *);
//   otherwise          -> nullopt: use the manager path for that store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forkv {

std::optional<std::string> ChooseStoreEndpoint(std::string_view manager_endpoint,
                                               const std::vector<std::string>& store_endpoints);

}  // namespace forkv
