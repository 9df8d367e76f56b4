// Test harness for integration and fault tests: real binaries, private
// sockets and data directories, real signals. Never a fixed sleep: wait with
// WaitFor(predicate, deadline), like redis' wait_for_condition.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "shared/proc.h"
#include "shared/zsock.h"

namespace forkv::test {

using namespace std::chrono_literals;

// Polls `pred` every few milliseconds until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s);

// Waits up to `timeout` for one whole multipart message on `s`; nullopt
// when none came (or the receive failed).
std::optional<Frames> RecvWithin(zmq::socket_t& s, std::chrono::milliseconds timeout = 10s);

// Makes this process the reaper of orphaned descendants (PID 1 here does not
// reap), so that a killed manager's children can be seen to die.
void BecomeSubreaper();

// A mkdtemp directory under /tmp, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Process state letter from /proc/PID/stat ('R', 'S', 'T', 'Z', ...), or 0
// when the process does not exist. Never reaps.
char ProcessState(pid_t pid);
// Its /proc/PID/comm ("forkv-store", "forkv-spare", ...); empty when gone.
std::string ProcessName(pid_t pid);
// Alive = exists and is not a zombie.
bool IsAlive(pid_t pid);
// Live (non-zombie) processes whose parent is `pid`.
std::vector<pid_t> LiveChildrenOf(pid_t pid);
// Every process whose parent is `pid`; with_zombies: the unreaped dead too.
std::vector<pid_t> ChildrenOf(pid_t pid, bool with_zombies);
// Reaps every exited child of this process (subreaper orphans included).
void ReapZombies();

// A loopback TCP port nobody listens on now (the kernel's pick for an
// ephemeral bind, released at once), or 0 on failure.
int FreeTcpPort();

// Path of a built binary (forkv, forkv-manager ...).
std::string BinaryPath(const std::string& name);

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};
// Runs a binary with args (and optional stdin), waits, captures output.
CommandResult RunCommand(const std::string& exe, const std::vector<std::string>& args,
                         const std::string& stdin_data = "");

// One forkv-manager on a private ipc socket and data dir. The manager runs in
// its own process group; the destructor SIGKILLs the group and reaps.
class ManagerProcess {
 public:
  // dir: socket, data and log live here; `endpoint` overrides the socket.
  explicit ManagerProcess(std::string dir, std::string endpoint = "");
  ~ManagerProcess();
  ManagerProcess(const ManagerProcess&) = delete;
  ManagerProcess& operator=(const ManagerProcess&) = delete;

  // Starts the manager with default test options plus `extra_args`, and waits
  // until it answers a ping. Returns false (with the log tail printed) if not.
  bool Start(const std::vector<std::string>& extra_args = {});
  // Adds NAME=VALUE to the manager's environment for the next Start().
  void SetEnv(const std::string& name, const std::string& value) {
    env_.push_back(name + "=" + value);
  }
  // Whether the next Start() passes --init (the default: the data dir is
  // created if missing).
  void SetInit(bool init) { init_ = init; }
  // RLIMIT_NOFILE (soft and hard) of the next Start(), like `ulimit -n`.
  void SetFileLimit(int n) { file_limit_ = n; }
  // Starts without waiting for it to answer (for managers expected to fail).
  void StartNoWait(const std::vector<std::string>& extra_args = {});
  // Sends a signal to the manager process only.
  void Signal(int sig);
  // Waits for the manager to exit; returns its status (reaped).
  bool WaitExit(ExitStatus* status, std::chrono::milliseconds timeout = 20s);
  // SIGKILL to the manager's whole process group, then reap.
  void KillGroup();

  pid_t pid() const { return pid_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string LogTail(size_t bytes = 4000) const;

  // Runs the `forkv` CLI against this manager: forkv --socket EP ARGS...
  CommandResult Cli(const std::vector<std::string>& args, const std::string& stdin_data = "");
  // `forkv --json ARGS...` parsed; an empty object when the output is not JSON.
  nlohmann::json CliJson(const std::vector<std::string>& args);
  // From `forkv --json stores`: the store's record, or null when absent.
  nlohmann::json StoreInfo(const std::string& name);
  pid_t StorePid(const std::string& name);
  // The manager's live children but its spawn server: database workers,
  // stores, the gateway.
  std::vector<pid_t> WorkerPids();
  // Pids of the database workers, by shard (0 when not running).
  std::vector<pid_t> DbPids();
  // Waits until `name` is running with a pid other than `old_pid`.
  bool WaitStoreRunning(const std::string& name, pid_t old_pid = 0,
                        std::chrono::milliseconds timeout = 10s);

 private:
  std::string dir_, endpoint_, data_dir_, log_path_;
  std::vector<std::string> env_;
  int file_limit_ = 0;
  bool init_ = true;
  pid_t pid_ = 0;
};

// Fixture: a fresh manager per test in a private temp dir; this process is a
// subreaper so orphans of a killed manager can be observed and reaped.
class ForkvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { BecomeSubreaper(); }
  void SetUp() override;
  void TearDown() override;
  // Extra manager flags for this test (override).
  virtual std::vector<std::string> ManagerArgs() const { return {}; }
  // Restarts the manager on the same data dir after it was killed.
  void RestartManager(const std::vector<std::string>& extra = {});

  TempDir dir_;
  std::unique_ptr<ManagerProcess> mgr_;
  zmq::context_t ctx_{1};
};

}  // namespace forkv::test
