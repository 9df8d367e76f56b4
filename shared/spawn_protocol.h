// Between the manager and its spawn server (store_worker/spawn_server.h),
// over a SOCK_SEQPACKET socketpair, one message each way per spawn:
//   request  the store's arguments (argv[1..]), each followed by a NUL byte;
//            at most kMaxSpawnRequestBytes
//   reply    kSpawnReplyBytes: an int32 in host byte order, the store's pid,
//            or -errno when it could not be forked
// and, from the manager alone, without a reply:
//   settled  kSpawnSettled (not NUL-terminated, so never a request): the
//            store last spawned serves; the server may use the CPU for
//            its next spare now
// Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forkv {

inline constexpr size_t kMaxSpawnRequestBytes = 64 * 1024;
inline constexpr size_t kSpawnReplyBytes = 4;
inline constexpr std::string_view kSpawnSettled = "settled";

std::string EncodeSpawnRequest(const std::vector<std::string>& args);
// nullopt when empty, over the limit, or not NUL-terminated.
std::optional<std::vector<std::string>> DecodeSpawnRequest(std::string_view bytes);

}  // namespace forkv
