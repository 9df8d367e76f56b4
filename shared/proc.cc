#include "shared/proc.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Boost.Process compiles its vfork executor only when this is set, and its
// test of the feature macros is false with glibc's defaults although
// vfork() is there (unistd.h, _DEFAULT_SOURCE).
#define BOOST_POSIX_HAS_VFORK 1
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/posix.hpp>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace forkv {

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev == nullptr) return "signal " + std::to_string(sig);
  return std::string("SIG") + abbrev;
}

std::string ExitStatus::ToString() const {
  if (signaled)
    return "killed by signal " + std::to_string(signal) + " (" + SignalName(signal) + ")";
  return "exited " + std::to_string(code);
}

ExitStatus DecodeWaitStatus(int wstatus) {
  ExitStatus st;
  if (WIFSIGNALED(wstatus)) {
    st.signaled = true;
    st.signal = WTERMSIG(wstatus);
  } else if (WIFEXITED(wstatus)) {
    st.code = WEXITSTATUS(wstatus);
  }
  return st;
}

std::vector<ReapedChild> ReapChildren() {
  std::vector<ReapedChild> out;
  while (true) {
    int wstatus = 0;
    pid_t pid = waitpid(-1, &wstatus, WNOHANG);
    if (pid <= 0) break;
    out.push_back({pid, DecodeWaitStatus(wstatus)});
  }
  return out;
}

Result<pid_t> SpawnChild(const SpawnSpec& spec) {
  namespace bp = boost::process;
  const pid_t parent = getpid();
  const int death_signal = spec.parent_death_signal;
  const int inherit_fd = spec.inherit_fd;
  std::error_code ec;
  // Runs in the child between fork and exec: async-signal-safe calls only.
  auto setup = [parent, death_signal, inherit_fd](auto&) {
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    // Everything inherited is closed by exec; Boost's own error pipe is
    // already close-on-exec, so it still reports exec failures.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (inherit_fd >= 0) fcntl(inherit_fd, F_SETFD, 0);
    if (death_signal != 0) {
      prctl(PR_SET_PDEATHSIG, death_signal);
      if (getppid() != parent) _exit(kExitSystem);
    }
  };
  // vfork: the parent's page tables and file table are not copied (a
  // manager with 10,000 stores maps hundreds of MiB and holds 10,000+ fds:
  // fork() took milliseconds and grew with it); the child shares our
  // memory until execve, so `setup` only makes system calls.
  // ThreadSanitizer turns vfork() into fork(), and Boost's vfork executor
  // then never sees an exec failure (the child reports it in memory it no
  // longer shares): plain fork there.
  bp::native_environment current = boost::this_process::environment();
  bp::environment env = current;
  for (const auto& [name, value] : spec.env) env[name] = value;
#if defined(__SANITIZE_THREAD__)
  bp::child child(bp::exe = spec.exe, bp::args = spec.args, bp::env = env,
                  bp::extend::on_exec_setup = setup, ec);
#else
  bp::child child(bp::exe = spec.exe, bp::args = spec.args, bp::env = env,
                  bp::extend::on_exec_setup = setup, bp::posix::use_vfork, ec);
#endif
  if (ec) return Status::Internal("spawn " + spec.exe + ": " + ec.message());
  pid_t pid = child.id();
  child.detach();  // we reap it ourselves (ReapChildren); Boost must never wait
  return pid;
}

Result<std::string> RunForOutput(const SpawnSpec& spec, ExitStatus* status) {
  namespace bp = boost::process;
  std::error_code ec;
  bp::ipstream out;
  bp::child child(bp::exe = spec.exe, bp::args = spec.args, bp::std_out > out, ec);
  if (ec) return Status::Internal("run " + spec.exe + ": " + ec.message());
  std::string text;
  std::string line;
  while (std::getline(out, line)) text.append(line).push_back('\n');
  child.wait(ec);
  if (ec) return Status::Internal("wait for " + spec.exe + ": " + ec.message());
  *status = DecodeWaitStatus(child.native_exit_code());
  return text;
}

std::string SiblingBinary(std::string_view name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::string(name);
  return (self.parent_path() / name).string();
}

std::string InternalBinary(std::string_view name, std::string_view dir_from_bin) {
  std::string sibling = SiblingBinary(name);
  std::filesystem::path self_dir = std::filesystem::path(sibling).parent_path();
  std::string installed = (self_dir / dir_from_bin / name).lexically_normal().string();
  return access(installed.c_str(), X_OK) == 0 ? installed : sibling;
}

void DieWithParent(int sig, pid_t expected_ppid) {
  prctl(PR_SET_PDEATHSIG, sig);
  pid_t ppid = getppid();
  if (expected_ppid != 0 && ppid != expected_ppid) _exit(kExitSystem);
}

}  // namespace forkv
