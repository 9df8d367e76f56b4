// Process-wide setup shared by every forkv binary: logging, default
// endpoints, private runtime directories, debug-only kill points.
#pragma once

#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv {

// Logs to stderr as "[time] [name pid] [level] message". `level` is one of
// trace, debug, info, warn, error, critical, off; unknown levels fall back
// to info with a warning.
void InitLogging(std::string_view process_name, std::string_view level);

// Every allocation of 1 MiB or more gets its own mapping, given back to the
// system when freed. glibc otherwise raises its mmap threshold after the
// first large free (up to 32 MiB), so a burst of 16 MiB values stays in the
// heap afterwards: the manager kept 1 GiB after one.
void ReturnLargeAllocations();

// The manager's default endpoint: $FORKV_SOCKET if `use_env`, else
// ipc://$XDG_RUNTIME_DIR/forkv/manager.sock, else ipc:///tmp/forkv-$UID/manager.sock.
std::string DefaultManagerEndpoint(bool use_env);

// Creates the directory holding an ipc:// endpoint's socket file (mode 0700)
// if it is missing. No-op for other transports.
Status EnsureEndpointDirectory(std::string_view endpoint);

// mkdir -p with mode 0700 for the leaf.
Status MakeDirectories(const std::string& path);

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
