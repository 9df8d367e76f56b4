// "HOST:PORT" for TCP listen addresses (the manager's --http): an IPv4
// address or host name, or a bracketed IPv6 address ("[::1]:8080"), and a
// port 1..65535 (0 only when `allow_zero_port`: pick any free port).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv {

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

Result<HostPort> ParseHostPort(std::string_view text, bool allow_zero_port = false);

}  // namespace forkv
