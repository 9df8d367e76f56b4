#include "clients/cpp/endpoint_choice.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(EndpointChoiceTest, IpcManagerGetsTheIpcEndpoint) {
  std::vector<std::string> eps = {"tcp://127.0.0.1:4000", "ipc:///run/f/m7-s9.sock"};
  EXPECT_EQ(ChooseStoreEndpoint("ipc:///run/f/manager.sock", eps), "ipc:///run/f/m7-s9.sock");
}

TEST(EndpointChoiceTest, TcpManagerGetsTheTcpEndpointWithWildcardsReplaced) {
  std::vector<std::string> eps = {"ipc:///run/f/m7-s9.sock", "tcp://127.0.0.1:4000"};
  EXPECT_EQ(ChooseStoreEndpoint("tcp://127.0.0.1:7070", eps), "tcp://127.0.0.1:4000");
  EXPECT_EQ(ChooseStoreEndpoint("tcp://db.example:7070", {"tcp://0.0.0.0:4001"}),
            "tcp://db.example:4001");
  EXPECT_EQ(ChooseStoreEndpoint("tcp://[::1]:7070", {"tcp://[::]:4002"}), "tcp://[::1]:4002");
}

TEST(EndpointChoiceTest, NothingReachableMeansTheManagerPath) {
  EXPECT_EQ(ChooseStoreEndpoint("tcp://h:1", {"ipc:///x.sock"}), std::nullopt);
  EXPECT_EQ(ChooseStoreEndpoint("ipc:///m.sock", {"tcp://h:2"}), std::nullopt);
  EXPECT_EQ(ChooseStoreEndpoint("ipc:///m.sock", {}), std::nullopt);
  EXPECT_EQ(ChooseStoreEndpoint("inproc://x", {"ipc:///x.sock"}), std::nullopt);
  EXPECT_EQ(ChooseStoreEndpoint("tcp://h:1", {"tcp://noport", "tcp://h:"}), std::nullopt);
}

}  // namespace
}  // namespace forkv
