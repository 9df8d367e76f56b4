// Process-wide setup shared by every forkv binary: logging, default
// endpoints, private runtime directories, debug-only kill points.
#pragma once

#include <spdlog/common.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace forkv {

// Logs to stderr as "[time] [name pid] [level] message", or, when stderr
// is the journal's stream (StderrIsJournal), as "<P>[name pid] message":
// P is the syslog priority journald files the line under (trace and debug
// 7, info 6, warn 4, error 3, critical 2), and journald adds the time.
// `level` is one of trace, debug, info, warn, error, critical, off; unknown
// levels fall back to info with a warning.
void InitLogging(std::string_view process_name, std::string_view level);

// FORKV_LOG_FORMAT=json (forkv-manager --log-format json sets it for itself
// and its children): InitLogging writes one JSON object per line,
// {"time","level","process","pid","message"}, time in UTC.
inline constexpr const char* kLogFormatEnv = "FORKV_LOG_FORMAT";
bool JsonLogsRequested();

// True when systemd connected stderr to the journal: $JOURNAL_STREAM is
// "DEVICE:INODE" of the stream, and stderr is still that file (sd-daemon's
// rule: a child whose stderr was redirected must not use the prefixes).
bool StderrIsJournal();

// The syslog priority of a log level (the "<P>" prefix above).
int SyslogPriority(spdlog::level::level_enum level);

// Every allocation of 1 MiB or more gets its own mapping, given back to the
// system when freed. glibc otherwise raises its mmap threshold after the
// first large free (up to 32 MiB), so a burst of 16 MiB values stays in the
// heap afterwards: the manager kept 1 GiB after one.
void ReturnLargeAllocations();

// Where a manager listens by default, in the order a client looks:
// $XDG_RUNTIME_DIR/forkv/manager.sock (when set), /tmp/forkv-$UID/manager.sock,
// then the systemd unit's kSystemManagerSocket.
inline constexpr char kSystemManagerSocket[] = "/run/forkv/manager.sock";
std::vector<std::string> ManagerSocketPaths();

// "ipc://" + the first of `paths` for which `exists` is true, else of the
// first path (what a client names when nothing listens). Pure.
std::string ChooseManagerEndpoint(const std::vector<std::string>& paths,
                                  const std::function<bool(const std::string&)>& exists);

// The manager's default endpoint. A client's (`use_env`): $FORKV_SOCKET,
// else the first socket of ManagerSocketPaths() that exists, so the CLI
// finds a manager run by hand and the installed service alike. The
// manager's own: the first of ManagerSocketPaths() (the unit passes
// --socket).
std::string DefaultManagerEndpoint(bool use_env);

// Creates the directory holding an ipc:// endpoint's socket file (mode 0700)
// if it is missing. No-op for other transports.
Status EnsureEndpointDirectory(std::string_view endpoint);

// mkdir -p with mode 0700 for the leaf.
Status MakeDirectories(const std::string& path);

// A permission mode written in octal ("0660", "660"), at most 0777; nullopt
// for anything else.
std::optional<uint32_t> ParseFileMode(std::string_view text);

// chmod of an ipc:// endpoint's socket file, once bound (who may connect:
// connect(2) needs write permission). No-op for other transports and for
// abstract sockets.
Status SetIpcSocketMode(std::string_view endpoint, uint32_t mode);

// Debug-only named kill points (rocksdb's TEST_KILL_RANDOM): when the
// environment variable FORKV_KILL_POINT names this point, the process
// SIGKILLs itself there. FORKV_KILL_POINT=name:N kills on the N-th pass.
// Compiled out unless FORKV_TEST_HOOKS is defined.
void MaybeKillAt(std::string_view point);

// Debug-only crash-loop hook: true when the environment variable `env_var`
// names a file that exists and has a line equal to `item`. Workers call it at
// start in FORKV_TEST_HOOKS builds (FORKV_CRASH_STORES_FILE with store names,
// FORKV_CRASH_DB_FILE with shard numbers) and exit 1 when it is true, so a
// test can make a child crash on every start and later switch that off.
bool IsListedInFaultFile(const char* env_var, std::string_view item);

}  // namespace forkv

#ifdef FORKV_TEST_HOOKS
#define FORKV_KILL_POINT(name) ::forkv::MaybeKillAt(name)
#else
#define FORKV_KILL_POINT(name) \
  do {                         \
  } while (0)
#endif
