#include "shared/runtime.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "shared/zsock.h"

namespace forkv {

namespace {

// "%*": the line's "<P>" prefix for journald.
class SyslogPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char prefix[3] = {'<', static_cast<char>('0' + SyslogPriority(msg.level)), '>'};
    dest.append(prefix, prefix + sizeof prefix);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

// "%~": the message as the inside of a JSON string (escaped; bytes that are
// not UTF-8 replaced).
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string quoted = nlohmann::json(std::string(msg.payload.data(), msg.payload.size()))
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

bool JsonLogsRequested() {
  const char* format = std::getenv(kLogFormatEnv);
  return format != nullptr && std::string_view(format) == "json";
}

int SyslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;  // LOG_DEBUG
    case spdlog::level::info:
      return 6;  // LOG_INFO
    case spdlog::level::warn:
      return 4;  // LOG_WARNING
    case spdlog::level::err:
      return 3;  // LOG_ERR
    case spdlog::level::critical:
      return 2;  // LOG_CRIT
    default:
      return 6;
  }
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  char extra = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &dev, &ino, &extra) != 2) return false;
  struct stat st;
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void InitLogging(std::string_view process_name, std::string_view level) {
  auto logger = spdlog::stderr_color_mt(std::string(process_name));
  const std::string who = "[" + std::string(process_name) + " " + std::to_string(getpid()) + "]";
  if (JsonLogsRequested()) {
    // One JSON object per line, UTC; under journald with its priority prefix.
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<SyslogPriorityFlag>('*').add_flag<JsonMessageFlag>('~').set_pattern(
        std::string(StderrIsJournal() ? "%*" : "") +
        "{\"time\":\"%Y-%m-%dT%H:%M:%S.%fZ\",\"level\":\"%l\",\"process\":\"" +
        std::string(process_name) + "\",\"pid\":" + std::to_string(getpid()) +
        ",\"message\":\"%~\"}");
    logger->set_formatter(std::move(formatter));
  } else if (StderrIsJournal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*" + who + " %v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] " + who + " [%^%l%$] %v");
  }
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

std::optional<uint32_t> ParseFileMode(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  if (mode > 0777) return std::nullopt;
  return mode;
}

Status SetIpcSocketMode(std::string_view endpoint, uint32_t mode) {
  std::string path = IpcPath(endpoint);
  if (path.empty() || path[0] == '@') return Status::Ok();
  if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return Status::IoError("chmod " + path + ": " + std::strerror(errno));
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
