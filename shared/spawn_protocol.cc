#include "shared/spawn_protocol.h"

namespace forkv {

std::string EncodeSpawnRequest(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out.append(a).push_back('\0');
  return out;
}

std::optional<std::vector<std::string>> DecodeSpawnRequest(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > kMaxSpawnRequestBytes || bytes.back() != '\0') {
    return std::nullopt;
  }
  std::vector<std::string> args;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t nul = bytes.find('\0', pos);
    args.emplace_back(bytes.substr(pos, nul - pos));
    pos = nul + 1;
  }
  return args;
}

}  // namespace forkv
