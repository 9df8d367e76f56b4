// Process helpers: spawn a worker binary (fork+exec through Boost.Process),
// reap children, decode exit statuses, and the exit-code table.
//
// The caller of ReapChildren() must be the only reaper in the process:
// nothing here ever waits on a specific child.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/status.h"

namespace forkv {

// Process exit codes (s6 style). A signal means a crash.
inline constexpr int kExitOk = 0;                  // intended stop
inline constexpr int kExitUsage = 100;             // bad command line
inline constexpr int kExitSystem = 111;            // temporary system failure: restart
inline constexpr int kExitPermanentFailure = 125;  // cannot ever start: do not restart

struct ExitStatus {
  bool signaled = false;
  int code = 0;    // exit code when !signaled
  int signal = 0;  // terminating signal when signaled

  // "exited 3", "killed by signal 9 (SIGKILL)".
  std::string ToString() const;
  bool IsCleanExit() const { return !signaled && code == 0; }
};

// Decodes a waitpid() status word.
ExitStatus DecodeWaitStatus(int wstatus);

struct ReapedChild {
  pid_t pid;
  ExitStatus status;
};

// waitpid(-1, WNOHANG) until it returns <= 0: every child that has exited.
std::vector<ReapedChild> ReapChildren();

struct SpawnSpec {
  std::string exe;                // absolute path of the worker binary
  std::vector<std::string> args;  // argv[1..]
  int parent_death_signal = 0;    // PR_SET_PDEATHSIG in the child; 0 = none
  int inherit_fd = -1;            // stays open across exec, same number; -1 = none
  // Added to (or replacing in) the inherited environment.
  std::vector<std::pair<std::string, std::string>> env;
};

// fork+exec of spec.exe through Boost.Process (v1). In the child, before
// exec: signal mask cleared, inherited fds marked close-on-exec, and
// PR_SET_PDEATHSIG set (exiting at once if the parent is already gone).
// Returns the pid; the child is detached and must be reaped by ReapChildren().
// Call only from the thread that will live as long as the child (the death
// signal fires when the forking *thread* exits).
Result<pid_t> SpawnChild(const SpawnSpec& spec);

// Runs spec.exe to completion and returns what it wrote to standard output
// (its standard error is the caller's); *status is how it ended. For
// one-shot tools before any event loop runs: it waits for this one child.
Result<std::string> RunForOutput(const SpawnSpec& spec, ExitStatus* status);

// Path of a binary installed beside the running executable.
std::string SiblingBinary(std::string_view name);

// An internal binary (forkv-store, forkv-db, forkv-http): in `dir_from_bin`
// relative to this process's executable's directory when it is there
// (installed: "../libexec/forkv"; a leftover in bin/ of an older install is
// not used), else beside the executable (a build tree).
std::string InternalBinary(std::string_view name, std::string_view dir_from_bin);

// In a worker's main(): asks for `sig` when the parent dies and exits with
// kExitSystem if the parent (expected_ppid, 0 = any) is already gone.
void DieWithParent(int sig, pid_t expected_ppid);

// "SIGKILL" for 9; "signal N" for unknown numbers.
std::string SignalName(int sig);

}  // namespace forkv
