#include "manager/accept_guard.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace forkv {
namespace {

std::atomic<const AcceptLimits*> g_limits{nullptr};
std::atomic<uint64_t> g_refused{0};
std::mutex g_spare_mu;
int g_spare = -1;  // guarded by g_spare_mu

int RawAccept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return static_cast<int>(syscall(SYS_accept4, fd, addr, len, flags));
}

bool IsInternal(int listener, const AcceptLimits& limits) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      addr.sun_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path)) {
    return false;
  }
  std::string path(addr.sun_path, strnlen(addr.sun_path, sizeof addr.sun_path));
  return std::find(limits.internal_paths.begin(), limits.internal_paths.end(), path) !=
         limits.internal_paths.end();
}

int Refuse() {
  g_refused.fetch_add(1, std::memory_order_relaxed);
  errno = ECONNABORTED;
  return -1;
}

int GuardedAccept(int fd, sockaddr* addr, socklen_t* len, int flags) {
  int s = RawAccept4(fd, addr, len, flags);
  const AcceptLimits* limits = g_limits.load(std::memory_order_acquire);
  if (limits == nullptr) return s;
  if (s < 0) {
    if (errno != EMFILE && errno != ENFILE) return s;
    std::lock_guard<std::mutex> lock(g_spare_mu);
    if (g_spare >= 0) {
      close(g_spare);
      int t = RawAccept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (t >= 0) close(t);
      g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    return Refuse();
  }
  int limit = IsInternal(fd, *limits) ? limits->internal_limit : limits->client_limit;
  if (s >= limit) {
    close(s);
    return Refuse();
  }
  return s;
}

}  // namespace

AcceptLimits DefaultAcceptLimits(int nofile, std::vector<std::string> internal_paths) {
  // Room for what the manager opens itself (ZeroMQ's signalers, spawn
  // pipes, the catalogue) and, above clients, for children connecting.
  int reserve = std::max(32, nofile / 8);
  return {.client_limit = std::max(16, nofile - reserve),
          .internal_limit = std::max(24, nofile - 16),
          .internal_paths = std::move(internal_paths)};
}

int RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur > static_cast<rlim_t>(1 << 30) ? 1 << 30 : static_cast<int>(rl.rlim_cur);
}

void InstallAcceptGuard(AcceptLimits limits) {
  {
    std::lock_guard<std::mutex> lock(g_spare_mu);
    if (g_spare < 0) g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  // Leaked on purpose: the I/O threads may read it until the process ends.
  g_limits.store(new AcceptLimits(std::move(limits)), std::memory_order_release);
}

uint64_t RefusedConnections() { return g_refused.load(std::memory_order_relaxed); }

}  // namespace forkv

// libzmq's accepts bind to these (see accept_guard.h).
extern "C" int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return forkv::GuardedAccept(fd, addr, len, flags);
}
extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
  return forkv::GuardedAccept(fd, addr, len, 0);
}
