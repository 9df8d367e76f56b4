// Where a client looks for the manager: the first socket that exists of
// ManagerSocketPaths(), the systemd unit's last.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "shared/runtime.h"

namespace forkv {
namespace {

TEST(ManagerEndpointTest, TheFirstExistingSocketWins) {
  const std::vector<std::string> paths = {"/x/forkv/manager.sock", "/tmp/forkv-7/manager.sock",
                                          "/run/forkv/manager.sock"};
  std::set<std::string> present;
  auto exists = [&](const std::string& p) { return present.count(p) != 0; };
  EXPECT_EQ(ChooseManagerEndpoint(paths, exists),
            "ipc:///x/forkv/manager.sock");  // none: the first
  present = {"/run/forkv/manager.sock"};
  EXPECT_EQ(ChooseManagerEndpoint(paths, exists), "ipc:///run/forkv/manager.sock");
  present.insert("/tmp/forkv-7/manager.sock");
  EXPECT_EQ(ChooseManagerEndpoint(paths, exists), "ipc:///tmp/forkv-7/manager.sock");
  EXPECT_EQ(ChooseManagerEndpoint({}, exists), "");
}

TEST(ManagerEndpointTest, TheInstalledServiceIsAmongThePlacesLooked) {
  ASSERT_EQ(unsetenv("XDG_RUNTIME_DIR"), 0);
  std::vector<std::string> paths = ManagerSocketPaths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths.front(), "/tmp/forkv-" + std::to_string(getuid()) + "/manager.sock");
  EXPECT_EQ(paths.back(), kSystemManagerSocket);
  ASSERT_EQ(setenv("XDG_RUNTIME_DIR", "/run/user/7", 1), 0);
  paths = ManagerSocketPaths();
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths.front(), "/run/user/7/forkv/manager.sock");
  // The manager's own default is the first, whatever exists.
  EXPECT_EQ(DefaultManagerEndpoint(false), "ipc:///run/user/7/forkv/manager.sock");
  ASSERT_EQ(unsetenv("XDG_RUNTIME_DIR"), 0);
}

}  // namespace
}  // namespace forkv
