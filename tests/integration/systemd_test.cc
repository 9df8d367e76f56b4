// systemd integration: the unit file verifies, and the manager speaks the
// sd_notify protocol (READY=1 only after every store loaded, WATCHDOG=1,
// STOPPING=1) to a NOTIFY_SOCKET this test binds.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class SystemdTest : public ForkvTest {};

TEST_F(SystemdTest, UnitFileVerifies) {
  if (access("/usr/bin/systemd-analyze", X_OK) != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed here";
  }
  std::string unit = std::string(FORKV_BUILD_DIR) + "/packaging/test/forkv.service";
  CommandResult r = RunCommand("/usr/bin/systemd-analyze", {"verify", unit});
  // systemd-analyze exits 0 on unknown keys and bad values: any output fails.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

// Reads datagrams until one contains `needle` or the timeout passes.
bool ReadUntil(int fd, const std::string& needle, std::string* all,
               std::chrono::milliseconds timeout) {
  return WaitFor(
      [&] {
        char buf[4096];
        while (true) {
          ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
          if (n <= 0) break;
          all->append(buf, static_cast<size_t>(n));
          all->push_back('\n');
        }
        return all->find(needle) != std::string::npos;
      },
      timeout);
}

// With --preload, the eager start: READY=1 once every store has loaded.
TEST_F(SystemdTest, NotifyReadyAfterStoresLoadedThenWatchdogThenStopping) {
  for (const char* s : {"a", "b", "c"}) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(mgr_->Cli({"put", s, "k" + std::to_string(i), "v"}).exit_code, 0);
    }
  }
  mgr_->KillGroup();
  std::string path = dir_.path() + "/notify.sock";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  mgr_->SetEnv("NOTIFY_SOCKET", path);
  mgr_->SetEnv("WATCHDOG_USEC", "200000");
  mgr_->StartNoWait({"--preload"});
  std::string all;
  ASSERT_TRUE(ReadUntil(fd, "READY=1", &all, 20s)) << all;
  // READY=1 is only sent once every store has loaded: all are running now.
  nlohmann::json stores = mgr_->CliJson({"stores"});
  ASSERT_EQ(stores["stores"].size(), 3u);
  for (const auto& s : stores["stores"]) EXPECT_EQ(s.value("state", ""), "running") << s.dump();
  for (const auto& d : stores["db_workers"]) EXPECT_EQ(d.value("state", ""), "running");
  EXPECT_EQ(all.find("STOPPING=1"), std::string::npos);
  ASSERT_TRUE(ReadUntil(fd, "WATCHDOG=1", &all, 5s)) << all;
  mgr_->Signal(SIGTERM);
  ASSERT_TRUE(ReadUntil(fd, "STOPPING=1", &all, 10s)) << all;
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st));
  EXPECT_TRUE(st.IsCleanExit()) << st.ToString();
  EXPECT_LT(all.find("READY=1"), all.find("STOPPING=1"));
  close(fd);
}

TEST_F(SystemdTest, UnusableNotifySocketIsReportedLoudly) {
  mgr_->KillGroup();
  mgr_->SetEnv("NOTIFY_SOCKET", dir_.path() + "/nobody-listens.sock");
  ASSERT_TRUE(mgr_->Start());
  EXPECT_NE(mgr_->LogTail(100000).find("NOTIFY_SOCKET"), std::string::npos) << mgr_->LogTail();
}

}  // namespace
}  // namespace forkv::test
