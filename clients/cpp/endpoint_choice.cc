#include "clients/cpp/endpoint_choice.h"

namespace forkv {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "tcp://HOST:PORT" -> HOST (brackets kept), "" when malformed.
std::string_view TcpHost(std::string_view endpoint) {
  std::string_view rest = endpoint.substr(6);
  size_t colon = rest.rfind(':');
  return colon == std::string_view::npos ? std::string_view() : rest.substr(0, colon);
}

}  // namespace

std::optional<std::string> ChooseStoreEndpoint(std::string_view manager_endpoint,
                                               const std::vector<std::string>& store_endpoints) {
  const bool via_tcp = StartsWith(manager_endpoint, "tcp://");
  if (!via_tcp && !StartsWith(manager_endpoint, "ipc://")) return std::nullopt;
  for (const std::string& ep : store_endpoints) {
    if (!via_tcp && StartsWith(ep, "ipc://")) return ep;
    if (via_tcp && StartsWith(ep, "tcp://")) {
      std::string_view host = TcpHost(ep);
      std::string_view manager_host = TcpHost(manager_endpoint);
      if (host.empty() || manager_host.empty()) continue;
      std::string_view port = std::string_view(ep).substr(6 + host.size() + 1);
      if (port.empty()) continue;
      if (host == "0.0.0.0" || host == "[::]" || host == "*") host = manager_host;
      return "tcp://" + std::string(host) + ":" + std::string(port);
    }
  }
  return std::nullopt;
}

}  // namespace forkv
