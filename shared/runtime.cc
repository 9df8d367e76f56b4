#include "shared/runtime.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "shared/zsock.h"

namespace forkv {

void InitLogging(std::string_view process_name, std::string_view level) {
  auto logger = spdlog::stderr_color_mt(std::string(process_name));
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [" + std::string(process_name) + " " +
                      std::to_string(getpid()) + "] [%^%l%$] %v");
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    spdlog::warn("unknown log level '{}', using info", level);
    lvl = spdlog::level::info;
  }
  spdlog::set_level(lvl);
  spdlog::flush_on(spdlog::level::info);
}

Status MakeDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError("mkdir " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IoError(path + " is not a directory");
  }
  return Status::Ok();
}

Status EnsureEndpointDirectory(std::string_view endpoint) {
  std::string path = IpcPath(endpoint);
  if (path.empty() || path[0] == '@') return Status::Ok();
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) return Status::Ok();
  return MakeDirectories(dir.string());
}

bool IsListedInFaultFile(const char* env_var, std::string_view item) {
  const char* path = std::getenv(env_var);
  if (path == nullptr || *path == '\0') return false;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line == item) return true;
  }
  return false;
}

void MaybeKillAt(std::string_view point) {
  static const char* spec = std::getenv("FORKV_KILL_POINT");
  static std::atomic<long> passes{0};
  if (spec == nullptr) return;
  std::string_view s(spec);
  long nth = 1;
  if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    nth = std::strtol(std::string(s.substr(colon + 1)).c_str(), nullptr, 10);
    s = s.substr(0, colon);
  }
  if (s != point) return;
  if (++passes >= nth) {
    spdlog::warn("kill point {} reached: SIGKILL", point);
    kill(getpid(), SIGKILL);
  }
}

void ReturnLargeAllocations() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);  // fixed: disables glibc's dynamic threshold
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
}

}  // namespace forkv
