#include "manager/store_spawner.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shared/spawn_protocol.h"

namespace forkv {

StoreSpawner::StoreSpawner(bool enabled, std::string store_exe, std::vector<std::string> store_args)
    : enabled_(enabled), store_exe_(std::move(store_exe)), store_args_(std::move(store_args)) {}

void StoreSpawner::Start(SteadyTime now) {
  if (!enabled_ || pid_ != 0 || now < next_start_) return;
  next_start_ = now + kRestartDelay;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    spdlog::error("spawn server: socketpair: {}", std::strerror(errno));
    return;
  }
  UniqueFd ours(fds[0]);
  UniqueFd theirs(fds[1]);
  std::vector<std::string> args = {"--spawn-server", std::to_string(theirs.get()), "--parent-pid",
                                   std::to_string(getpid())};
  args.insert(args.end(), store_args_.begin(), store_args_.end());
  auto pid = SpawnChild({.exe = store_exe_,
                         .args = std::move(args),
                         .parent_death_signal = SIGKILL,
                         .inherit_fd = theirs.get(),
                         // Every symbol bound once, here: a store's first
                         // calls neither resolve (time) nor write its
                         // GOT pages (private memory per store).
                         .env = {{"LD_BIND_NOW", "1"}}});
  if (!pid.ok()) {
    spdlog::error("cannot start the spawn server: {}", pid.status().ToString());
    return;
  }
  fd_ = std::move(ours);
  pid_ = *pid;
  if (starts_++ > 0) ++restarts_;
  spdlog::info("started the spawn server (pid {})", pid_);
}

Result<pid_t> StoreSpawner::Spawn(const SpawnSpec& spec, SteadyTime now) {
  Start(now);
  if (fd_.valid() && spec.exe == store_exe_) {
    auto pid = AskServer(spec);
    if (pid.ok()) {
      ++spawned_;
      return pid;
    }
    Abandon(pid.status().ToString());
  }
  return SpawnChild(spec);
}

Result<pid_t> StoreSpawner::AskServer(const SpawnSpec& spec) {
  std::string request = EncodeSpawnRequest(spec.args);
  if (request.size() > kMaxSpawnRequestBytes) {
    return Status::TooLarge("spawn request of " + std::to_string(request.size()) + " bytes");
  }
  if (send(fd_.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return Status::Unavailable(std::string("send: ") + std::strerror(errno));
  }
  const SteadyTime deadline = SteadyClock::now() + kReplyTimeout;
  while (true) {
    int left = static_cast<int>(std::max<int64_t>(0, MillisBetween(SteadyClock::now(), deadline)));
    pollfd p = {fd_.get(), POLLIN, 0};
    int n = poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0)
      return Status::Timeout("no answer within " + std::to_string(kReplyTimeout.count()) + " ms");
    if (n < 0) return Status::Unavailable(std::string("poll: ") + std::strerror(errno));
    break;
  }
  int32_t reply = 0;
  ssize_t got = recv(fd_.get(), &reply, sizeof reply, 0);
  if (got != static_cast<ssize_t>(kSpawnReplyBytes)) {
    return Status::Unavailable(got == 0 ? "it closed the socket" : "a bad reply");
  }
  if (reply <= 0) return Status::Unavailable(std::string("fork: ") + std::strerror(-reply));
  return static_cast<pid_t>(reply);
}

void StoreSpawner::Settled() {
  if (!fd_.valid()) return;
  (void)send(fd_.get(), kSpawnSettled.data(), kSpawnSettled.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void StoreSpawner::Abandon(const std::string& why) {
  spdlog::warn("spawn server (pid {}) failed ({}): stores start by fork+exec until it is back",
               pid_, why);
  fd_ = UniqueFd();
  if (pid_ > 0) kill(pid_, SIGKILL);
}

bool StoreSpawner::OnExit(pid_t pid, const ExitStatus& status, SteadyTime now) {
  if (pid == 0 || pid != pid_) return false;
  if (fd_.valid()) {
    spdlog::warn("spawn server (pid {}) {}: started again at the next spawn", pid,
                 status.ToString());
  }
  fd_ = UniqueFd();
  pid_ = 0;
  if (next_start_ < now) next_start_ = now;
  return true;
}

void StoreSpawner::Stop(std::chrono::milliseconds timeout) {
  fd_ = UniqueFd();  // end of file: it exits
  if (pid_ == 0) return;
  const SteadyTime deadline = SteadyClock::now() + timeout;
  while (true) {
    pid_t r = waitpid(pid_, nullptr, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (SteadyClock::now() >= deadline) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    usleep(1000);
  }
  pid_ = 0;
}

}  // namespace forkv
