#include "shared/ipc_claim.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace forkv {
namespace {

class IpcClaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/forkv-claim-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/s.sock";
    endpoint_ = "ipc://" + path_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A unix socket bound at path_; listening when `listen` is true. Returns the fd.
  int BindUnix(bool listen) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    if (listen) {
      EXPECT_EQ(::listen(fd, 1), 0);
    }
    return fd;
  }
  bool Exists() const { return access(path_.c_str(), F_OK) == 0; }

  std::string dir_, path_, endpoint_;
};

TEST_F(IpcClaimTest, OneClaimAtATime) {
  auto first = IpcClaim::Claim(endpoint_, "client endpoint");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = IpcClaim::Claim(endpoint_, "client endpoint");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another forkv process"), std::string::npos)
      << second.status().message();
  first = Status::Internal("released");  // drops the first claim
  EXPECT_TRUE(IpcClaim::Claim(endpoint_, "client endpoint").ok());
}

TEST_F(IpcClaimTest, AListenerWithoutTheLockIsRefusedAStaleFileIsNot) {
  int stale = BindUnix(/*listen=*/false);
  close(stale);  // the file stays, nobody listens: a crashed owner's leftover
  ASSERT_TRUE(Exists());
  EXPECT_TRUE(IpcClaim::Claim(endpoint_, "x").ok());
  unlink(path_.c_str());
  int live = BindUnix(/*listen=*/true);
  auto claim = IpcClaim::Claim(endpoint_, "client endpoint");
  ASSERT_FALSE(claim.ok());
  EXPECT_NE(claim.status().message().find("a process accepts connections there"),
            std::string::npos);
  close(live);
}

TEST_F(IpcClaimTest, UnlinksOnlyTheSocketFileItBound) {
  {
    auto claim = IpcClaim::Claim(endpoint_, "x");
    ASSERT_TRUE(claim.ok());
    close(BindUnix(false));  // "the bind"
    claim->Bound();
    EXPECT_TRUE(claim->OwnsSocketFile());
  }
  EXPECT_FALSE(Exists());  // ours: removed
  {
    auto claim = IpcClaim::Claim(endpoint_, "x");
    ASSERT_TRUE(claim.ok());
    close(BindUnix(false));
    claim->Bound();
    // Someone replaces the file while we run (made first, then renamed
    // over ours, so it is surely another inode).
    std::string ours = path_;
    path_ = dir_ + "/other.sock";
    close(BindUnix(false));
    ASSERT_EQ(rename(path_.c_str(), ours.c_str()), 0);
    path_ = ours;
    EXPECT_FALSE(claim->OwnsSocketFile());
  }
  EXPECT_TRUE(Exists());  // not ours: left alone
}

TEST_F(IpcClaimTest, OtherTransportsNeedNoClaim) {
  auto a = IpcClaim::Claim("tcp://127.0.0.1:7070", "x");
  auto b = IpcClaim::Claim("tcp://127.0.0.1:7070", "x");
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
  EXPECT_FALSE(a->OwnsSocketFile());
}

}  // namespace
}  // namespace forkv
