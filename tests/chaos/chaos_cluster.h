// The forkv-manager under test in forkv-chaos: one manager at a time on a
// private ipc socket and data directory, started, killed and started again
// on the same data directory, the way systemd would restart it.
//
// Process hygiene:
//  - The calling process makes itself a subreaper (PR_SET_CHILD_SUBREAPER),
//    so the children of a killed manager (stores, database workers) are
//    re-parented to it and reaped by Reap(), not left to PID 1.
//  - Each manager runs in its own process group (its pid), which its
//    children share; KillGroup() SIGKILLs that group. Groups of earlier
//    managers are remembered and killed again by KillEverything().
//  - Each manager gets PR_SET_PDEATHSIG = SIGKILL, so nothing outlives the
//    harness: the manager's own children follow it through their death
//    signals. The death signal fires when the *forking thread* exits, so
//    Start() must be called from a thread that lives as long as the run
//    (forkv-chaos uses its main thread).
//  - Between fork and exec the child only makes async-signal-safe calls:
//    argv, envp and the log fd are prepared before fork(), which matters
//    because the harness has client threads running.
//
// Not thread-safe: one thread drives it. That thread must be the only one in
// the process that calls waitpid().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "shared/proc.h"
#include "shared/status.h"

namespace forkv::chaos {

class ManagerUnderTest {
 public:
  // `dir` holds the socket (dir/m.sock), the data (dir/data) and the log
  // (dir/manager.log, appended to by every incarnation). `args` are extra
  // manager flags added to --socket, --data-dir and --log-level info.
  ManagerUnderTest(std::string manager_exe, std::string dir, std::vector<std::string> args);
  // KillEverything().
  ~ManagerUnderTest();
  ManagerUnderTest(const ManagerUnderTest&) = delete;
  ManagerUnderTest& operator=(const ManagerUnderTest&) = delete;

  // Makes the calling process a subreaper. Call once, before Start().
  static Status BecomeSubreaper();

  // Starts a manager with `env` (NAME=VALUE entries) added to this process's
  // environment. Does not wait for it to serve. Fails if one is running.
  Status Start(const std::vector<std::string>& env = {});
  // SIGKILL to the manager process only: its stores die with it (SIGKILL
  // death signal), its database workers get SIGTERM and sync their WAL.
  void KillManager();
  // SIGKILL to the manager's whole process group: every process at once.
  void KillGroup();
  // SIGTERM (orderly shutdown) and waits up to `timeout` for the manager to
  // exit. Returns its exit status, or nullopt on timeout (it is then left
  // running) or when none was running.
  std::optional<ExitStatus> Stop(std::chrono::milliseconds timeout);
  // SIGKILL to every process group this object ever started, then waits up
  // to `timeout` until this process has no child left, reaping them.
  // True when none is left.
  bool KillEverything(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Reaps every exited child of this process (manager, orphaned workers).
  // Records the manager's exit if it was among them.
  void Reap();
  // True while the current manager has not been reaped.
  bool IsRunning() const { return pid_ > 0; }
  // How the last manager ended (set when it is reaped; cleared by Start()).
  const std::optional<ExitStatus>& last_exit() const { return last_exit_; }

  pid_t pid() const { return pid_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::string exe_, dir_, endpoint_, data_dir_, log_path_;
  std::vector<std::string> args_;
  pid_t pid_ = 0;
  std::vector<pid_t> groups_;  // every group ever started (group id = manager pid)
  std::optional<ExitStatus> last_exit_;
};

// Live (non-zombie) processes whose parent is this process.
std::vector<pid_t> LiveChildren();

// The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z'...), 0 if none.
char ProcessState(pid_t pid);

}  // namespace forkv::chaos
