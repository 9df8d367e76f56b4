#include "store_worker/spawn_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "shared/clock.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/signals.h"
#include "shared/spawn_protocol.h"
#include "shared/version.h"
#include "store_worker/store_loop.h"
#include "store_worker/store_main.h"

namespace forkv {
namespace {

// How many spares wait for a store's arguments. Two, so that a create
// right after another finds one ready while the first is replaced
// (measured, 50 creates back to back: 11 ms p50 with two, 13-15 ms with
// one; 20 restarts of fresh stores: 11 ms, 14-20 ms). Nothing runs while
// nobody asks for a store.
constexpr size_t kSpares = 2;

// The spare taken is replaced once its store serves (the manager says
// kSpawnSettled), not at once: a spare's two forks and its set-up take
// milliseconds of CPU, measured to double a lone create's time when they
// ran beside its start. Without word from the manager (a store that
// crashed starting), after this long.
constexpr int kRefillFallbackMs = 20;

// What every store is given alike, so a spare prepares it ahead: its log
// level and the endpoints it connects to.
struct SpareConfig {
  std::string log_level = "info";
  std::string backend;
  std::vector<std::string> db_endpoints;
};

struct Spare {
  pid_t pid = 0;
  UniqueFd fd;  // our end of its SOCK_SEQPACKET pair
};

// In the spare, after the double fork: wait until the manager is its
// parent, then for its arguments, then StoreMain() as if exec'd with
// them. Never returns.
[[noreturn]] void RunSpare(int fd, pid_t manager, const SpareConfig& config) {
  // The intermediate child exits right after the fork; until then it is
  // our parent. Then the manager (a subreaper) is, or init if it is gone.
  const pid_t first = getppid();
  for (int i = 0; i < 20000 && first != manager && getppid() == first; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  if (getppid() != manager) _exit(kExitSystem);  // the manager is gone
  // Everything but the store itself, while nobody waits: signals, the
  // death signal (now that the manager is the parent), logging, and this
  // process's own ZeroMQ context with its threads: at once, the store
  // before it serves already (kRefillFallbackMs).
  auto process =
      PrepareStoreProcess(config.log_level, manager, config.backend, config.db_endpoints);
  if (!process.ok()) _exit(kExitSystem);
  std::optional<std::vector<std::string>> args;
  {
    // Not zero-filled: only the pages the request lands on become ours.
    auto buf = std::make_unique_for_overwrite<char[]>(kMaxSpawnRequestBytes + 1);
    ssize_t n;
    do {
      n = recv(fd, buf.get(), kMaxSpawnRequestBytes + 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) _exit(kExitOk);  // the server is gone: never used
    args = DecodeSpawnRequest(std::string_view(buf.get(), static_cast<size_t>(n)));
  }
  close(fd);
  if (!args) _exit(kExitUsage);
  prctl(PR_SET_NAME, "forkv-store");
  std::vector<std::string> argv_s = {"forkv-store"};
  argv_s.insert(argv_s.end(), args->begin(), args->end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::exit(StoreMain(static_cast<int>(argv_s.size()), argv.data(), &*process));
}

// Double fork of a spare; its pid (and our end of its socket) or -errno.
// `close_in_child`: the server's descriptors a spare must not hold (the
// manager's socket, the other spares' sockets), so that each sees the end
// of file of its own peer alone.
int32_t ForkSpare(Spare* out, const std::vector<int>& close_in_child, pid_t manager,
                  const SpareConfig& config) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -errno;
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
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
    prctl(PR_SET_NAME, "forkv-spare");  // inherited: a spare is never taken for a store
    close(pipe_fds[0]);
    close(ours.get());
    for (int fd : close_in_child) close(fd);
    pid_t spare = fork();
    if (spare == 0) {
      close(pipe_fds[1]);
      RunSpare(theirs.get(), manager, config);
    }
    int32_t reply = spare > 0 ? spare : -errno;
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
  if (reply > 0) {
    out->pid = reply;
    out->fd = std::move(ours);
  }
  return reply;
}

class SpawnServer {
 public:
  SpawnServer(int fd, pid_t manager, SpareConfig config)
      : fd_(fd), manager_(manager), config_(std::move(config)) {}

  int Run() {
    std::string buf(kMaxSpawnRequestBytes + 1, '\0');
    while (true) {
      // Block while the spares are all there (or the last fork failed:
      // no retry loop); otherwise until the refill is due.
      pollfd p = {fd_, POLLIN, 0};
      int n = poll(&p, 1, RefillTimeoutMs());
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        Refill();
        continue;
      }
      ssize_t got = recv(fd_, buf.data(), buf.size(), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got == 0) {
        spdlog::debug("the manager closed the spawn socket after {} spawns: exiting", spawned_);
        return kExitOk;
      }
      if (got < 0) {
        spdlog::error("spawn socket: {}", std::strerror(errno));
        return kExitSystem;
      }
      refill_failed_ = false;
      std::string_view request(buf.data(), static_cast<size_t>(got));
      if (request == kSpawnSettled) {
        Refill();
        continue;
      }
      Spare spare;
      int32_t reply = DecodeSpawnRequest(request) ? TakeSpare(&spare) : -EINVAL;
      // The manager first: it attaches the pid while the store starts.
      if (send(fd_, &reply, sizeof reply, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof reply)) {
        spdlog::error("spawn socket: cannot reply: {}", std::strerror(errno));
        return kExitSystem;
      }
      if (reply <= 0) continue;
      ++spawned_;
      refill_at_ = SteadyClock::now() + std::chrono::milliseconds(kRefillFallbackMs);
      if (send(spare.fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
        // It died waiting: to the manager, that store's exit (restarted).
        spdlog::warn("spare {} is gone before its arguments: {}", spare.pid, std::strerror(errno));
      }
    }
  }

 private:
  // A spare for the next store (forked now if none is left): its pid.
  int32_t TakeSpare(Spare* out) {
    while (true) {
      if (spares_.empty()) {
        if (int32_t err = AddSpare(); err < 0) return err;
      }
      *out = std::move(spares_.front());
      spares_.pop_front();
      // A spare that died (its end closed) may be reaped already: never
      // hand its pid out. One alive now stays unreaped until the manager,
      // blocked on this reply, has attached its pid.
      pollfd p = {out->fd.get(), POLLIN, 0};
      if (poll(&p, 1, 0) == 0) return out->pid;
      spdlog::warn("spare {} is gone: using another", out->pid);
    }
  }

  // poll()'s timeout: -1 while nothing is to be done.
  int RefillTimeoutMs() const {
    if (spares_.size() >= kSpares || refill_failed_) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(refill_at_ - SteadyClock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  }

  void Refill() {
    while (spares_.size() < kSpares) {
      if (int32_t err = AddSpare(); err < 0) {
        spdlog::warn("cannot fork a spare store: {}", std::strerror(-err));
        refill_failed_ = true;  // forked on demand by the next request instead
        return;
      }
    }
  }

  int32_t AddSpare() {
    std::vector<int> close_in_child = {fd_};
    for (const Spare& s : spares_) close_in_child.push_back(s.fd.get());
    Spare spare;
    int32_t r = ForkSpare(&spare, close_in_child, manager_, config_);
    if (r > 0) spares_.push_back(std::move(spare));
    return r;
  }

  const int fd_;
  const pid_t manager_;
  const SpareConfig config_;
  std::deque<Spare> spares_;
  bool refill_failed_ = false;
  SteadyTime refill_at_{};  // when the refill is due without word from the manager
  uint64_t spawned_ = 0;
};

}  // namespace

int SpawnServerMain(int argc, char** argv) {
  int fd = -1;
  pid_t parent = 0;
  SpareConfig config;
  {
    std::string dbs;
    CLI::App app{"forkv-store --spawn-server: forks stores for forkv-manager"};
    app.set_version_flag("--version", std::string("forkv-store ") + forkv::kForkvVersion);
    app.add_option("--spawn-server", fd, "the manager's SOCK_SEQPACKET socket")->required();
    app.add_option("--parent-pid", parent, "the manager's pid")->required();
    app.add_option("--log-level", config.log_level, "the stores' log level");
    app.add_option("--backend", config.backend, "the stores' manager backend endpoint")->required();
    app.add_option("--db", dbs, "the stores' database worker endpoints, comma-separated")
        ->required();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? kExitOk : kExitUsage;  // --help, --version: 0
    }
    config.db_endpoints = SplitEndpointList(dbs);
  }
  // No ZeroMQ context, no thread, no lock held across a fork: the stores
  // are forked from this one thread (each spare sets up the rest itself,
  // PrepareStoreProcess).
  // Process-wide first-use costs paid once, here, not in every store:
  // libsodium's set-up (ZeroMQ's first context runs it) and the name
  // service modules (ZeroMQ asks for the "tcp" protocol).
  if (sodium_init() < 0) spdlog::warn("sodium_init failed");
  (void)getprotobyname("tcp");
  ResetSignalsForWorker();
  DieWithParent(SIGKILL, parent);
  InitLogging("forkv-spawner", config.log_level);
  return SpawnServer(fd, parent, std::move(config)).Run();
}

}  // namespace forkv
