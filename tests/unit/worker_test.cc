#include "shared/worker.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "shared/proc.h"

namespace forkv {
namespace {

// Runs `body` in a forked child and returns its exit status word.
template <typename F>
int InChild(F&& body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

TEST(UniqueFdTest, ClosesOnDestructionAndMoves) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    UniqueFd a(fds[0]);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), fds[0]);
    EXPECT_TRUE(IsOpen(fds[0]));
  }
  EXPECT_FALSE(IsOpen(fds[0]));
  {
    UniqueFd c(fds[1]);
    EXPECT_EQ(c.release(), fds[1]);
  }
  EXPECT_TRUE(IsOpen(fds[1]));
  close(fds[1]);
}

TEST(WorkerTest, BlocksTheSignalsIntoASignalFd) {
  int status = InChild([] {
    // Inherited state the prologue must undo: a blocked SIGUSR2 and a
    // handled SIGHUP.
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, nullptr);
    signal(SIGHUP, [](int) { _exit(20); });
    int fd = -1;
    {
      auto sigfd = StartWorker({.process_name = "forkv-test-worker",
                                .log_level = "off",
                                .parent_pid = getppid(),
                                .parent_death_signal = SIGKILL,
                                .signals = {SIGTERM, SIGUSR1}});
      if (!sigfd.ok()) return 10;
      fd = sigfd->get();
      sigset_t now;
      pthread_sigmask(SIG_SETMASK, nullptr, &now);
      if (sigismember(&now, SIGUSR2)) return 11;  // the old mask was cleared
      if (!sigismember(&now, SIGTERM) || !sigismember(&now, SIGUSR1)) return 12;
      if (signal(SIGHUP, SIG_DFL) != SIG_DFL) return 13;  // dispositions reset
      if (signal(SIGPIPE, SIG_IGN) != SIG_IGN) return 14;
      if (signal(SIGINT, SIG_IGN) != SIG_IGN) return 15;
      raise(SIGTERM);  // blocked: queued on the fd instead of killing us
      std::vector<int> got = DrainSignalFd(fd);
      if (got != std::vector<int>{SIGTERM}) return 16;
      if ((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) return 17;
    }
    if (IsOpen(fd)) return 18;  // closed with its owner
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << "child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(WorkerTest, ExitsAtOnceWhenTheParentIsNotTheExpectedOne) {
  int status = InChild([] {
    auto sigfd = StartWorker({.process_name = "forkv-test-worker",
                              .log_level = "off",
                              .parent_pid = getppid() + 100000,  // not our parent
                              .signals = {SIGTERM}});
    return 0;  // not reached
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kExitSystem);
}

TEST(WorkerTest, WithoutAParentPidThereIsNoParentCheck) {
  int status = InChild([] {
    auto sigfd = StartWorker(
        {.process_name = "forkv-test-worker", .log_level = "off", .signals = {SIGTERM}});
    return sigfd.ok() ? 0 : 10;
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace forkv
