#include "store_worker/spawn_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/signals.h"
#include "shared/spawn_protocol.h"
#include "store_worker/store_main.h"

namespace forkv {
namespace {

// In the store, after the double fork: once its parent is the manager,
// StoreMain() as if exec'd with `args`. Never returns.
[[noreturn]] void RunForkedStore(const std::vector<std::string>& args, pid_t manager) {
  // The intermediate child exits right after the fork; until then it is
  // our parent. Then the manager (a subreaper) is, or init if the manager
  // is gone.
  const pid_t first = getppid();  // the intermediate, or already the manager
  for (int i = 0; i < 20000 && first != manager && getppid() == first; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  if (getppid() != manager) _exit(kExitSystem);
  std::vector<std::string> argv_s = {"forkv-store"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::exit(StoreMain(static_cast<int>(argv_s.size()), argv.data()));
}

// Double fork; the store's pid or -errno.
int32_t ForkStore(const std::vector<std::string>& args, int server_fd, pid_t manager) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -errno;
  std::fflush(nullptr);  // the children must not print our buffered output again
  pid_t mid = fork();
  if (mid < 0) {
    int err = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return -err;
  }
  if (mid == 0) {
    close(pipe_fds[0]);
    close(server_fd);
    pid_t store = fork();
    if (store == 0) {
      close(pipe_fds[1]);
      RunForkedStore(args, manager);
    }
    int32_t reply = store > 0 ? store : -errno;
    (void)!write(pipe_fds[1], &reply, sizeof reply);
    _exit(0);
  }
  close(pipe_fds[1]);
  int32_t reply = -EPIPE;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &reply, sizeof reply);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof reply)) reply = -EPIPE;
  close(pipe_fds[0]);
  while (waitpid(mid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return reply;
}

}  // namespace

int SpawnServerMain(int argc, char** argv) {
  int fd = -1;
  pid_t parent = 0;
  std::string log_level = "info";
  CLI::App app{"forkv-store --spawn-server: forks stores for forkv-manager"};
  app.add_option("--spawn-server", fd, "the manager's SOCK_SEQPACKET socket")->required();
  app.add_option("--parent-pid", parent, "the manager's pid")->required();
  app.add_option("--log-level", log_level, "log level");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  // No ZeroMQ context, no thread, no lock held across a fork: the stores
  // are forked from this one thread.
  ResetSignalsForWorker();
  DieWithParent(SIGKILL, parent);
  InitLogging("forkv-spawner", log_level);
  std::string buf(kMaxSpawnRequestBytes + 1, '\0');
  uint64_t spawned = 0;
  while (true) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      spdlog::debug("the manager closed the spawn socket after {} spawns: exiting", spawned);
      return kExitOk;
    }
    if (n < 0) {
      spdlog::error("spawn socket: {}", std::strerror(errno));
      return kExitSystem;
    }
    auto args = DecodeSpawnRequest(std::string_view(buf.data(), static_cast<size_t>(n)));
    int32_t reply = args ? ForkStore(*args, fd, parent) : -EINVAL;
    if (reply > 0) ++spawned;
    if (send(fd, &reply, sizeof reply, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof reply)) {
      spdlog::error("spawn socket: cannot reply: {}", std::strerror(errno));
      return kExitSystem;
    }
  }
}

}  // namespace forkv
