#include "bench/proc_memory.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace forkv::bench {

MemoryUsage& MemoryUsage::operator+=(const MemoryUsage& o) {
  rss_kib += o.rss_kib;
  pss_kib += o.pss_kib;
  shared_clean_kib += o.shared_clean_kib;
  shared_dirty_kib += o.shared_dirty_kib;
  private_clean_kib += o.private_clean_kib;
  private_dirty_kib += o.private_dirty_kib;
  anonymous_kib += o.anonymous_kib;
  swap_kib += o.swap_kib;
  return *this;
}

Result<MemoryUsage> ParseSmapsRollup(std::string_view text) {
  MemoryUsage m;
  bool have_rss = false;
  bool have_pss = false;
  // Lines look like "Pss:                 812 kB"; the first line is the
  // address range header and has no colon-terminated field we know.
  const struct {
    std::string_view name;
    uint64_t MemoryUsage::*field;
  } kFields[] = {
      {"Rss", &MemoryUsage::rss_kib},
      {"Pss", &MemoryUsage::pss_kib},
      {"Shared_Clean", &MemoryUsage::shared_clean_kib},
      {"Shared_Dirty", &MemoryUsage::shared_dirty_kib},
      {"Private_Clean", &MemoryUsage::private_clean_kib},
      {"Private_Dirty", &MemoryUsage::private_dirty_kib},
      {"Anonymous", &MemoryUsage::anonymous_kib},
      {"Swap", &MemoryUsage::swap_kib},
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view rest = line.substr(colon + 1);
    size_t digit = rest.find_first_not_of(' ');
    if (digit == std::string_view::npos) continue;
    rest = rest.substr(digit);
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || std::string_view(ptr, rest.data() + rest.size()) != " kB") continue;
    for (const auto& f : kFields) {
      if (f.name != name) continue;
      m.*(f.field) = value;
      if (name == "Rss") have_rss = true;
      if (name == "Pss") have_pss = true;
    }
  }
  if (!have_rss || !have_pss) return Status::Malformed("smaps_rollup: no Rss or Pss line");
  return m;
}

Result<MemoryUsage> ReadMemoryUsage(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/smaps_rollup";
  std::ifstream in(path);
  if (!in) {
    const int e = errno;
    if (e == ENOENT || e == ESRCH) return Status::NotFound(path + ": process gone");
    return Status::Internal(path + ": " + std::strerror(e));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSmapsRollup(text.str());
}

}  // namespace forkv::bench
