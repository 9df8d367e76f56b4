// The manager's side of the spawn server (store_worker/spawn_server.h):
// StoreSpawner starts store processes through it, and supervises it.
//
//   - Start(): socketpair(SOCK_SEQPACKET), then fork+exec of
//     `forkv-store --spawn-server FD` (its death signal SIGKILL). Call from
//     the manager's main thread: the server's death signal, and through the
//     manager's subreaper role its stores', follow the forking thread.
//   - Spawn(): one request, one reply (a pid), with a timeout. A server
//     that fails or does not answer in time is killed; the caller then
//     falls back to fork+exec (SpawnChild), so a store always starts.
//   - Settled(): a store it spawned serves (one message, no reply): the
//     server replaces the spare it took now rather than beside the start.
//   - OnExit(): the server's exit, seen by the manager's reaping; it is
//     started again at the next spawn, at most once per kRestartDelay (a
//     crash loop leaves the stores to fork+exec, never stalls them). Its
//     stores are the manager's children: they live on.
//   - Stop(): closes the socket (the server exits at end of file) and
//     reaps it, SIGKILL after a timeout.
// Blocking calls, each bounded (the loop pays ~0.3 ms per spawn instead of
// a fork+exec's milliseconds).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shared/clock.h"
#include "shared/proc.h"
#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

class StoreSpawner {
 public:
  static constexpr std::chrono::milliseconds kReplyTimeout{2000};
  static constexpr std::chrono::milliseconds kRestartDelay{1000};

  // `enabled` false: Spawn() is always fork+exec. `store_args`: the
  // server's arguments that every store shares (SpawnServerStoreArgs).
  StoreSpawner(bool enabled, std::string store_exe, std::vector<std::string> store_args);

  // Starts the server if enabled, not running and past its restart delay.
  void Start(SteadyTime now);
  // Through the server when it runs (started here if due), else SpawnChild.
  Result<pid_t> Spawn(const SpawnSpec& spec, SteadyTime now);
  // A store it spawned serves: the server may fork its next spare now
  // (kSpawnSettled; never blocks, a full socket drops the word).
  void Settled();
  // True when `pid` was the server (then forgotten, restarted later).
  bool OnExit(pid_t pid, const ExitStatus& status, SteadyTime now);
  void Stop(std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }
  uint64_t spawned() const { return spawned_; }    // stores it forked
  uint64_t restarts() const { return restarts_; }  // starts after the first

 private:
  Result<pid_t> AskServer(const SpawnSpec& spec);
  void Abandon(const std::string& why);  // SIGKILL; OnExit() reaps it

  bool enabled_;
  std::string store_exe_;
  std::vector<std::string> store_args_;
  UniqueFd fd_;    // our end of the socketpair; invalid when no usable server
  pid_t pid_ = 0;  // 0 when no server process exists
  SteadyTime next_start_{};
  uint64_t spawned_ = 0;
  uint64_t starts_ = 0;
  uint64_t restarts_ = 0;
};

}  // namespace forkv
