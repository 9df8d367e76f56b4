// A forkv-manager started by forkv-bench for one run (--spawn): private
// socket and data directory under a fresh mkdtemp directory, stopped in order
// and reaped at the end, the directory then removed.
//
// Start():
//   1. mkdtemp /tmp/forkv-bench-XXXXXX; the manager gets
//      --socket ipc://DIR/m.sock --data-dir DIR/data --fsync MODE
//      --db-workers N --log-level warn, plus the caller's extra flags.
//   2. fork+exec through SpawnChild() (shared/proc.h) with PR_SET_PDEATHSIG
//      = SIGTERM: if the benchmark dies, the manager shuts down in order and
//      its own children follow it (their death signals), so nothing is left.
//   3. Readiness without polling: the manager is given NOTIFY_SOCKET =
//      DIR/notify.sock, a datagram socket bound here, and Start() blocks on
//      it (and on a pidfd of the child, to see an early exit) until the
//      manager sends READY=1, which it does once every database worker runs
//      (docs/architecture.md, "systemd").
// Stop(): SIGTERM (the manager's orderly shutdown), wait on the pidfd, then
// SIGKILL after the timeout; always reaps with waitpid.
//
// Call Start() before the process has other threads (it sets NOTIFY_SOCKET
// in the environment around the spawn) and from the thread that lives as long
// as the manager (the death signal fires when the forking thread exits).
// Not thread-safe. The caller must be the only one to reap this pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "shared/proc.h"
#include "shared/status.h"

namespace forkv::bench {

struct PrivateManagerOptions {
  std::string manager_exe;  // path of forkv-manager
  std::string fsync = "periodic";
  int db_workers = 2;
  std::vector<std::string> extra_args;  // appended to the command line
  std::chrono::milliseconds ready_timeout{30000};
};

class PrivateManager {
 public:
  // On failure nothing is left running and the directory is removed.
  static Result<std::unique_ptr<PrivateManager>> Start(const PrivateManagerOptions& options);

  // Stop(10 s) if still running, then removes the directory.
  ~PrivateManager();
  PrivateManager(const PrivateManager&) = delete;
  PrivateManager& operator=(const PrivateManager&) = delete;

  // SIGTERM, wait up to `timeout` for the orderly shutdown, then SIGKILL;
  // reaps. Returns how the manager ended. Idempotent.
  Result<ExitStatus> Stop(std::chrono::milliseconds timeout);

  // Stop() (which must end in a clean exit), then the same start again on
  // the same data directory, until READY=1.
  Status Restart(const PrivateManagerOptions& options);

  const std::string& endpoint() const { return endpoint_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

 private:
  explicit PrivateManager(std::string dir);
  Status Launch(const PrivateManagerOptions& options);
  // Waits until the pidfd is readable (the child exited) or `timeout`.
  bool WaitForExit(std::chrono::milliseconds timeout);
  ExitStatus Reap();

  std::string dir_;
  std::string endpoint_;
  pid_t pid_ = 0;
  int pidfd_ = -1;
  bool reaped_ = false;
  ExitStatus exit_status_;
};

}  // namespace forkv::bench
