// Between the manager and its spawn server (store_worker/spawn_server.h),
// over a SOCK_SEQPACKET socketpair, one message each way per spawn:
//   request  the store's arguments (argv[1..]), each followed by a NUL byte;
//            at most kMaxSpawnRequestBytes
//   reply    kSpawnReplyBytes: an int32 in host byte order, the store's pid,
//            or -errno when it could not be forked
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

std::string EncodeSpawnRequest(const std::vector<std::string>& args);
// nullopt when empty, over the limit, or not NUL-terminated.
std::optional<std::vector<std::string>> DecodeSpawnRequest(std::string_view bytes);

}  // namespace forkv
