#include "bench/private_manager.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Status Errno(const std::string& what) {
  return Status::Internal(what + ": " + std::strerror(errno));
}

// Closes an fd on scope exit.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A bound AF_UNIX datagram socket for sd_notify messages.
Result<int> BindNotifySocket(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return Status::InvalidArgument("path too long: " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket(AF_UNIX, SOCK_DGRAM)");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status s = Errno("bind " + path);
    close(fd);
    return s;
  }
  return fd;
}

// True when one of the datagrams waiting on `fd` has a line "READY=1".
bool DrainNotifications(int fd) {
  bool ready = false;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) break;  // EAGAIN: drained
    std::string_view msg(buf, static_cast<size_t>(n));
    size_t pos = 0;
    while (pos <= msg.size()) {
      size_t end = msg.find('\n', pos);
      if (end == std::string_view::npos) end = msg.size();
      if (msg.substr(pos, end - pos) == "READY=1") ready = true;
      pos = end + 1;
    }
  }
  return ready;
}

// Spawns with NOTIFY_SOCKET set to `notify_path` in the child's environment
// (inherited from ours), restoring our own afterwards.
Result<pid_t> SpawnWithNotifySocket(const SpawnSpec& spec, const std::string& notify_path) {
  const char* previous = std::getenv("NOTIFY_SOCKET");
  std::optional<std::string> saved;
  if (previous != nullptr) saved = previous;
  setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
  auto pid = SpawnChild(spec);
  if (saved) {
    setenv("NOTIFY_SOCKET", saved->c_str(), 1);
  } else {
    unsetenv("NOTIFY_SOCKET");
  }
  return pid;
}

}  // namespace

PrivateManager::PrivateManager(std::string dir) : dir_(std::move(dir)) {}

PrivateManager::~PrivateManager() {
  if (pid_ > 0 && !reaped_) (void)Stop(milliseconds(10000));
  if (pidfd_ >= 0) close(pidfd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::unique_ptr<PrivateManager>> PrivateManager::Start(const PrivateManagerOptions& o) {
  char tmpl[] = "/tmp/forkv-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Errno("mkdtemp");
  std::unique_ptr<PrivateManager> m(new PrivateManager(tmpl));
  m->endpoint_ = "ipc://" + m->dir_ + "/m.sock";
  if (Status s = m->Launch(o); !s.ok()) return s;
  return m;
}

Status PrivateManager::Restart(const PrivateManagerOptions& o) {
  auto stopped = Stop(milliseconds(30000));
  if (!stopped.ok()) return stopped.status();
  if (!stopped->IsCleanExit()) return Status::Unavailable("forkv-manager " + stopped->ToString());
  pid_ = 0;
  reaped_ = false;
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
  return Launch(o);
}

Status PrivateManager::Launch(const PrivateManagerOptions& o) {
  PrivateManager* m = this;
  const std::string notify_path = m->dir_ + "/notify.sock";
  auto notify_fd = BindNotifySocket(notify_path);
  if (!notify_fd.ok()) return notify_fd.status();
  FdGuard notify(*notify_fd);

  SpawnSpec spec;
  spec.exe = o.manager_exe;
  spec.args = {"--socket",        m->endpoint_,   "--data-dir",
               m->dir_ + "/data", "--init",       "--fsync",
               o.fsync,           "--db-workers", std::to_string(o.db_workers),
               "--log-level",     "warn"};
  spec.args.insert(spec.args.end(), o.extra_args.begin(), o.extra_args.end());
  spec.parent_death_signal = SIGTERM;
  auto pid = SpawnWithNotifySocket(spec, notify_path);
  if (!pid.ok()) return pid.status();
  m->pid_ = *pid;
  // glibc 2.36 declares pidfd_open() without C linkage in C++; use the syscall.
  m->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, m->pid_, 0));
  if (m->pidfd_ < 0) {
    Status s = Errno("pidfd_open");
    kill(m->pid_, SIGKILL);
    m->Reap();
    return s;
  }

  const auto deadline = Clock::now() + o.ready_timeout;
  while (true) {
    auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      (void)m->Stop(milliseconds(5000));
      return Status::Timeout("forkv-manager did not report READY=1 within " +
                             std::to_string(o.ready_timeout.count()) + " ms");
    }
    pollfd fds[2] = {{notify.get(), POLLIN, 0}, {m->pidfd_, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;  // the caller's signal flag is checked later
    if (n < 0) return Errno("poll");
    if (fds[0].revents & POLLIN && DrainNotifications(notify.get())) break;
    if (fds[1].revents & POLLIN) {
      ExitStatus st = m->Reap();
      return Status::Unavailable("forkv-manager " + st.ToString() +
                                 " before it was ready (its log is above)");
    }
  }
  unlink(notify_path.c_str());
  return Status::Ok();
}

bool PrivateManager::WaitForExit(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = milliseconds(0);
    pollfd fd = {pidfd_, POLLIN, 0};
    int n = poll(&fd, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

ExitStatus PrivateManager::Reap() {
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &wstatus, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  exit_status_ = r == pid_ ? DecodeWaitStatus(wstatus) : ExitStatus{};
  return exit_status_;
}

Result<ExitStatus> PrivateManager::Stop(milliseconds timeout) {
  if (pid_ <= 0) return Status::InvalidArgument("no manager was started");
  if (reaped_) return exit_status_;
  kill(pid_, SIGTERM);
  if (!WaitForExit(timeout)) {
    kill(pid_, SIGKILL);
    Reap();
    return Status::Timeout("forkv-manager did not stop within " + std::to_string(timeout.count()) +
                           " ms of SIGTERM; SIGKILLed");
  }
  return Reap();
}

}  // namespace forkv::bench
