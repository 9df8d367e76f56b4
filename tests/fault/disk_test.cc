// Disk trouble: a failing write (ENOSPC through the fault-injecting storage,
// FORKV_DB_FAIL_WRITES_FILE, test builds only) and a corrupt shard at start.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class DiskTest : public ForkvTest {};

TEST_F(DiskTest, FailedDiskWriteIsAnErrorNotAnAckAndServiceResumes) {
  std::string fail_file = dir_.path() + "/disk-full";
  mgr_->SetEnv("FORKV_DB_FAIL_WRITES_FILE", fail_file);
  RestartManager();
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "before"}).exit_code, 0);
  std::vector<pid_t> dbs = mgr_->DbPids();
  std::ofstream(fail_file) << "full\n";
  CommandResult r = mgr_->Cli({"put", "s", "k", "during"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;  // server error: io_error
  EXPECT_NE(r.err.find("io_error"), std::string::npos) << r.err;
  EXPECT_EQ(mgr_->Cli({"put", "s", "new", "x"}).exit_code, 5);
  // Not acknowledged, so not visible; nothing restarted.
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "before");
  EXPECT_EQ(mgr_->Cli({"get", "s", "new"}).exit_code, 1);
  EXPECT_EQ(mgr_->DbPids(), dbs);
  EXPECT_EQ(mgr_->StoreInfo("s").value("restarts", -1), 0);
  // Space comes back: the same worker serves again.
  std::filesystem::remove(fail_file);
  EXPECT_EQ(mgr_->Cli({"put", "s", "k", "after"}).exit_code, 0);
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "after");
  EXPECT_EQ(mgr_->DbPids(), dbs);
  // And it is on disk.
  RestartManager();
  EXPECT_EQ(mgr_->Cli({"get", "s", "k"}).out, "after");
  EXPECT_EQ(mgr_->Cli({"get", "s", "new"}).exit_code, 1);
}

TEST_F(DiskTest, CorruptShardIsAPermanentFailureNotACrashLoop) {
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  mgr_->KillGroup();
  std::string current = mgr_->data_dir() + "/shard-0/CURRENT";
  ASSERT_TRUE(std::filesystem::exists(current));
  std::ofstream(current, std::ios::trunc) << "garbage-not-a-manifest\n";
  mgr_->StartNoWait();
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st, 30s));
  EXPECT_FALSE(st.signaled);
  EXPECT_EQ(st.code, kExitPermanentFailure) << st.ToString();
  std::string log = mgr_->LogTail(200000);
  EXPECT_NE(log.find("permanent failure"), std::string::npos) << log;
  // It gave up at once instead of restarting the shard again and again.
  size_t starts = 0;
  for (size_t pos = 0; (pos = log.find("started db 'db-0'", pos)) != std::string::npos; ++pos) {
    ++starts;
  }
  EXPECT_LE(starts, 3u) << log;  // first run + this run
}

}  // namespace
}  // namespace forkv::test
