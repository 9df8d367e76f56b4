#include "shared/proc.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace forkv {
namespace {

TEST(ProcTest, DecodeExitStatus) {
  int status = 0;
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ExitStatus st = DecodeWaitStatus(status);
  EXPECT_FALSE(st.signaled);
  EXPECT_EQ(st.code, 3);
  EXPECT_EQ(st.ToString(), "exited 3");
}

TEST(ProcTest, DecodeKilledBySignal) {
  int status = 0;
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  kill(pid, SIGKILL);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ExitStatus st = DecodeWaitStatus(status);
  EXPECT_TRUE(st.signaled);
  EXPECT_EQ(st.signal, SIGKILL);
  EXPECT_EQ(st.ToString(), "killed by signal 9 (SIGKILL)");
  EXPECT_FALSE(st.IsCleanExit());
}

TEST(ProcTest, SpawnAndReapWithTheRightExitCode) {
  // Boost.Process v1 must not reap: the exit code must come from our waitpid.
  auto pid = SpawnChild({.exe = "/bin/sh", .args = {"-c", "exit 3"}});
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  std::vector<ReapedChild> reaped;
  for (int i = 0; i < 2000 && reaped.empty(); ++i) {
    reaped = ReapChildren();
    if (reaped.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].pid, *pid);
  EXPECT_EQ(reaped[0].status.code, 3);
}

TEST(ProcTest, SpawnOfMissingBinaryFails) {
  auto pid = SpawnChild({.exe = "/nonexistent/forkv-nothing", .args = {}});
  EXPECT_FALSE(pid.ok());
  (void)ReapChildren();
}

TEST(ProcTest, SignalNames) {
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
}

}  // namespace
}  // namespace forkv
