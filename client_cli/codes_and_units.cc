// The CLI's small vocabularies: exit codes (and their help text), signal
// names, durations and microseconds as people read them. Pure.
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "client_cli/format.h"

namespace forkv::cli {

std::string ExitCodeHelp() {
  return "Exit codes:\n"
         "  0  ok\n"
         "  1  not found (key or store absent)\n"
         "  2  usage error\n"
         "  3  cannot reach the manager, timed out, or store unavailable\n"
         "  4  request rejected (invalid argument, too large, malformed, unknown op,\n"
         "     version mismatch)\n"
         "  5  server error (I/O error, internal error)\n"
         "  6  condition failed (--if-version, --if-absent): nothing applied";
}

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kTimeout:
    case StatusCode::kUnavailable:
    case StatusCode::kMoved:
    case StatusCode::kFailed:
      return kExitUnreachable;
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kMalformed:
    case StatusCode::kUnknownOp:
    case StatusCode::kVersionMismatch:
      return kExitRejected;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return kExitServerError;
    case StatusCode::kConditionFailed:
      return kExitConditionFailed;
  }
  return kExitServerError;
}

std::string FormatDuration(uint64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  uint64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

std::string FormatMicros(uint64_t us) {
  char buf[32];
  if (us < 1000) return std::to_string(us) + "us";
  if (us < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(us) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
  }
  return buf;
}

Result<int> ParseSignal(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!name.empty() &&
      std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    if (name.size() <= 2) {
      int n = std::stoi(name);
      if (n >= 1 && n <= 64) return n;
    }
    return Status::InvalidArgument("signal number out of range 1..64: " + std::string(text));
  }
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (int sig = 1; sig < NSIG && sig <= 64; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  return Status::InvalidArgument("unknown signal: " + std::string(text));
}

}  // namespace forkv::cli
