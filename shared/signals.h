// Signals as file descriptors. The manager and workers never do work in a
// signal handler: they block the signals and read them from a signalfd that
// is polled in the same zmq_poll as their sockets.
#pragma once

#include <initializer_list>
#include <vector>

#include "shared/status.h"

namespace forkv {

// Owns a file descriptor and closes it on destruction. Move-only; -1 means
// none.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the current fd (if any) and owns `fd` instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Blocks `signals` in the calling thread (call it before creating the
// ZeroMQ context: its I/O threads inherit the mask) and returns a
// non-blocking, close-on-exec signalfd that delivers them.
Result<int> BlockSignalsToFd(std::initializer_list<int> signals);
Result<int> BlockSignalsToFd(const std::vector<int>& signals);

// Reads every signal queued on `fd`. Signals of one kind coalesce, so a
// caller handling SIGCHLD must reap in a loop, not once per signal.
std::vector<int> DrainSignalFd(int fd);

// In a freshly exec'd worker: clear the inherited signal mask and restore
// default dispositions, ignoring SIGINT (terminal Ctrl-C goes to the
// manager, which stops its children in order) and SIGPIPE.
void ResetSignalsForWorker();

}  // namespace forkv
