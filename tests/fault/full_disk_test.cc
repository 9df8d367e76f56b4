// A real full disk (hardening issue, items 12-14): the data directory on a
// small tmpfs, filled by real puts until RocksDB's WAL append fails with
// ENOSPC. Needs root (mount); skipped, saying so, otherwise.
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "clients/cpp/connection.h"
#include "shared/signals.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

namespace fs = std::filesystem;

class FullDiskTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { BecomeSubreaper(); }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs for the data directory";
    mount_ = dir_.path() + "/data";
    fs::create_directory(mount_);
    ASSERT_EQ(mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=32m,mode=0700"), 0)
        << std::strerror(errno);
    mounted_ = true;
    // Room that can be given back later.
    std::ofstream(mount_ + "/ballast") << std::string(10 << 20, 'b');
    mgr_ = std::make_unique<ManagerProcess>(dir_.path());
    ASSERT_TRUE(mgr_->Start());
  }

  void TearDown() override {
    if (HasFailure() && mgr_) std::fprintf(stderr, "log:\n%s\n", mgr_->LogTail().c_str());
    mgr_.reset();
    if (mounted_) umount2(mount_.c_str(), MNT_DETACH);
  }

  // One put of a 256 KiB value; its status code, or kUnavailable when no answer.
  StatusCode Put(Connection& c, const std::string& key, const std::string& value) {
    auto r = c.Call({.op = Op::kPut, .store = "s", .key = key, .value = value}, 10s);
    return r.ok() ? r->code : StatusCode::kUnavailable;
  }

  // Takes every free byte of the tmpfs (a reopened database gives some back).
  void TopUp() {
    std::ofstream f(mount_ + "/filler", std::ios::app | std::ios::binary);
    std::string chunk(64 << 10, 'f');
    for (int i = 0; i < 1024 && f.write(chunk.data(), chunk.size()); ++i) {
    }
    f.close();
    std::ofstream small(mount_ + "/filler", std::ios::app | std::ios::binary);
    for (int i = 0; i < 1024 && small.put('f'); ++i) small.flush();
  }

  std::string StorageErrors() {
    std::string out;
    nlohmann::json status = mgr_->CliJson({"status"});
    for (const auto& sup : status["tree"]["children"]) {
      if (sup.value("name", "") != "db_pool") continue;
      for (const auto& db : sup["children"]) out += db.value("storage_error", "");
    }
    return out;
  }

  TempDir dir_;
  std::string mount_;
  bool mounted_ = false;
  std::unique_ptr<ManagerProcess> mgr_;
  zmq::context_t ctx_{1};
};

TEST_F(FullDiskTest, FullDiskIsAnIoErrorUntilSpaceReturnsAndNothingAckedIsLost) {
  Connection c(ctx_, mgr_->endpoint());
  std::map<std::string, std::string> acked;
  StatusCode first_failure = StatusCode::kOk;
  for (int i = 0; i < 400 && first_failure == StatusCode::kOk; ++i) {
    std::string key = "k" + std::to_string(i);
    std::string value(256 << 10, static_cast<char>('a' + i % 26));
    StatusCode code = Put(c, key, value);
    if (code == StatusCode::kOk) {
      acked[key] = value;
    } else {
      first_failure = code;
    }
  }
  ASSERT_EQ(first_failure, StatusCode::kIoError) << "the disk never filled, or not io_error";
  ASSERT_GT(acked.size(), 0u);
  // Item 13: while the disk stays full a put is io_error (not applied) or,
  // into WAL space RocksDB had preallocated, ok; never "unavailable:
  // Resource busy" (outcome unknown).
  int late = 0;
  auto late_put = [&] {
    TopUp();
    std::string key = "late" + std::to_string(late++), value(256 << 10, 'z');
    StatusCode code = Put(c, key, value);
    EXPECT_TRUE(code == StatusCode::kIoError || code == StatusCode::kOk)
        << key << ": code " << static_cast<int>(code);
    if (code == StatusCode::kOk) acked[key] = value;
    return code;
  };
  for (int i = 0; i < 20; ++i) late_put();
  // Item 12: the failure is reported while it lasts ...
  EXPECT_TRUE(WaitFor([&] {
    late_put();
    return !StorageErrors().empty();
  })) << "no storage_error in the status while writes fail";
  // ... and the workers serve again by themselves once there is room.
  std::vector<pid_t> dbs = mgr_->DbPids();
  fs::remove(mount_ + "/ballast");
  fs::remove(mount_ + "/filler");
  EXPECT_TRUE(WaitFor([&] { return Put(c, "after", "room again") == StatusCode::kOk; }, 15s));
  acked["after"] = "room again";
  EXPECT_EQ(mgr_->DbPids(), dbs) << "a worker was restarted to recover";
  EXPECT_TRUE(WaitFor([&] { return StorageErrors().empty(); }));

  // Item 14: a worker that had ENOSPC stops cleanly on SIGTERM (it used to
  // abort on a RocksDB assertion) and the manager exits 0.
  bool failed_again = false;
  for (int i = 0; i < 200 && !failed_again; ++i) failed_again = late_put() == StatusCode::kIoError;
  ASSERT_TRUE(failed_again) << "the disk never filled again";
  mgr_->Signal(SIGTERM);
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st, 30s));
  EXPECT_TRUE(st.IsCleanExit()) << st.ToString();
  std::string log = mgr_->LogTail(1 << 22);
  EXPECT_EQ(log.find("SIGABRT"), std::string::npos);
  EXPECT_EQ(log.find("Assertion"), std::string::npos);

  // Nothing acknowledged was lost.
  fs::remove(mount_ + "/filler");
  ASSERT_TRUE(mgr_->Start());
  Connection again(ctx_, mgr_->endpoint());
  int lost = 0;
  for (const auto& [key, value] : acked) {
    auto r = again.Call({.op = Op::kGet, .store = "s", .key = key}, 10s);
    if (!r.ok() || r->code != StatusCode::kOk) ++lost;
  }
  EXPECT_EQ(lost, 0) << "of " << acked.size() << " acknowledged puts";
}

// Item 12's repro: `chattr +i` on the shard directories made every write
// fail from the next memtable flush on, and they still failed a minute after
// `chattr -i` (RocksDB stayed in its error state) until kill -9.
TEST_F(FullDiskTest, ImmutableShardDirectoriesRecoverOnceWritableAgain) {
  fs::remove(mount_ + "/ballast");  // room for a whole memtable: the failure must be EPERM
  auto set_immutable = [&](bool on) {
    for (const char* shard : {"/shard-0", "/shard-1"}) {
      std::string dir = mount_ + shard;
      UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      int flags = 0;
      ASSERT_TRUE(fd.valid() && ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) == 0) << dir;
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ASSERT_EQ(ioctl(fd.get(), FS_IOC_SETFLAGS, &flags), 0) << std::strerror(errno);
    }
  };
  Connection c(ctx_, mgr_->endpoint());
  ASSERT_EQ(Put(c, "before", "v"), StatusCode::kOk);  // both workers have opened their shards
  set_immutable(true);
  StatusCode failure = StatusCode::kOk;
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 120 && failure == StatusCode::kOk; ++i) {
    std::string key = "i" + std::to_string(i), value(256 << 10, static_cast<char>('a' + i % 26));
    failure = Put(c, key, value);
    if (failure == StatusCode::kOk) acked[key] = value;
  }
  EXPECT_EQ(failure, StatusCode::kIoError) << "no write failed in an immutable directory";
  std::vector<pid_t> dbs = mgr_->DbPids();
  set_immutable(false);
  EXPECT_TRUE(WaitFor([&] { return Put(c, "after", "writable again") == StatusCode::kOk; }, 15s));
  EXPECT_EQ(mgr_->DbPids(), dbs) << "a worker was restarted to recover";
  acked["after"] = "writable again";
  mgr_->Signal(SIGTERM);
  ExitStatus st;
  ASSERT_TRUE(mgr_->WaitExit(&st, 30s));
  EXPECT_TRUE(st.IsCleanExit()) << st.ToString();
  ASSERT_TRUE(mgr_->Start());
  Connection again(ctx_, mgr_->endpoint());
  for (const auto& [key, value] : acked) {
    auto r = again.Call({.op = Op::kGet, .store = "s", .key = key}, 10s);
    EXPECT_TRUE(r.ok() && r->code == StatusCode::kOk) << key;
  }
}

// A crash of a worker is logged at error level while running, and so is an
// abnormal exit during shutdown (it used to be "info").
TEST_F(FullDiskTest, AbnormalWorkerExitIsAnError) {
  std::vector<pid_t> dbs = mgr_->DbPids();
  ASSERT_EQ(dbs.size(), 2u);
  kill(dbs[0], SIGABRT);
  EXPECT_TRUE(WaitFor([&] {
    return mgr_->LogTail().find("[error] db 'db-0' (pid " + std::to_string(dbs[0]) +
                                ") killed by signal 6") != std::string::npos;
  })) << mgr_->LogTail();
}

}  // namespace
}  // namespace forkv::test
