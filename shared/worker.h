// The prologue every forkv worker process (forkv-store, forkv-db,
// forkv-http) runs first thing after exec, before it creates a ZeroMQ
// context, opens a database or starts any thread.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string_view>
#include <vector>

#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

struct WorkerStart {
  std::string_view process_name;  // the logger's name, e.g. "forkv-store"
  std::string_view log_level;     // InitLogging's level
  // The manager's pid (--parent-pid). 0: not supervised, so no parent-death
  // signal and no parent check (a worker started by hand).
  pid_t parent_pid = 0;
  // Sent to the worker when its parent dies: SIGKILL for a store or the
  // gateway (nothing to flush), SIGTERM for a database worker (syncs its WAL).
  int parent_death_signal = SIGKILL;
  // Blocked and delivered through the returned signalfd instead.
  std::vector<int> signals;
};

// In order:
//   1. ResetSignalsForWorker(): empty signal mask, default dispositions,
//      SIGINT and SIGPIPE ignored (the manager stops its children in order;
//      a closed peer must not kill a worker);
//   2. if parent_pid != 0, DieWithParent(parent_death_signal, parent_pid):
//      asks for the death signal and exits 111 at once if the parent is no
//      longer parent_pid (it died before the request took effect);
//   3. blocks `signals` in the calling thread and opens a non-blocking,
//      close-on-exec signalfd for them. Every thread created later (ZeroMQ's
//      I/O threads, RocksDB's, the HTTP pool) inherits the mask, which is why
//      this must run before any of them exists;
//   4. InitLogging(process_name, log_level).
// Returns the signalfd, closed when the owner is destroyed, or the error of
// step 3. Logging is set up in both cases, so the caller can log the error
// (and should exit kExitSystem). Call once per process, from main's thread,
// while it is the only thread.
Result<UniqueFd> StartWorker(const WorkerStart& start);

}  // namespace forkv
