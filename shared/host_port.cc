#include "shared/host_port.h"

#include <cctype>
#include <charconv>

namespace forkv {

Result<HostPort> ParseHostPort(std::string_view text, bool allow_zero_port) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad address '" + std::string(text) + "': " + std::string(why) +
                                   " (want HOST:PORT, e.g. 127.0.0.1:8080)");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 address needs brackets");
  }
  if (host.empty()) return bad("empty host");
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
              c == '_' || c == '%';
    if (!ok) return bad("invalid character in host");
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535 ||
      (value == 0 && !allow_zero_port)) {
    return bad("port must be 1..65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace forkv
