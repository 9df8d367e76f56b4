#include "bench/zmq_rtt.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <zmq.hpp>

#include "shared/zsock.h"

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kWarmup = 1000;

[[noreturn]] void EchoServer(const std::string& endpoint, int ready_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind(endpoint);
  char ok = 1;
  (void)!write(ready_fd, &ok, 1);
  close(ready_fd);
  Frames frames;
  while (true) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(-1));
    while (true) {
      auto got = RecvFrames(router, &frames, false);
      if (!got.ok() || !*got) break;
      (void)SendMessages(router, frames);
    }
  }
}

}  // namespace

Result<TestResult> MeasureZmqRoundTrip(uint64_t requests, size_t bytes) {
  char tmpl[] = "/tmp/forkv-zmq-rtt-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IoError("mkdtemp failed");
  const std::string dir = tmpl;
  const std::string endpoint = "ipc://" + dir + "/echo.sock";
  int pipefd[2];
  if (pipe(pipefd) != 0) return Status::IoError("pipe failed");
  pid_t pid = fork();
  if (pid < 0) return Status::IoError("fork failed");
  if (pid == 0) {
    close(pipefd[0]);
    EchoServer(endpoint, pipefd[1]);
  }
  close(pipefd[1]);
  char ready = 0;
  const bool up = read(pipefd[0], &ready, 1) == 1;
  close(pipefd[0]);
  TestResult r;
  r.name = "zmq-rtt";
  Status status;
  if (up) {
    zmq::context_t ctx(1);
    zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::immediate, 1);
    dealer.connect(endpoint);
    const std::string payload(bytes, 'x');
    zmq::message_t reply;
    Clock::time_point first;
    for (uint64_t i = 0; i < kWarmup + requests; ++i) {
      if (i == kWarmup) first = Clock::now();
      const auto sent = Clock::now();
      if (!dealer.send(zmq::buffer(payload), zmq::send_flags::none) ||
          !dealer.recv(reply, zmq::recv_flags::none)) {
        ++r.errors;
        continue;
      }
      if (i < kWarmup) continue;
      r.latency_ns.Record(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count()));
      ++r.ok;
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - first).count();
    r.requests = r.ok + r.errors;
  } else {
    status = Status::Internal("the echo server did not start");
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!status.ok()) return status;
  return r;
}

}  // namespace forkv::bench
