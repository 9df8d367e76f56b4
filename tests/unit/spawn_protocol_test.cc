#include "shared/spawn_protocol.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(SpawnProtocolTest, ArgumentsRoundTripIncludingEmptyOnes) {
  std::vector<std::string> args = {"--name", "users", "--bind", "", "ipc:///run/x y.sock"};
  std::string bytes = EncodeSpawnRequest(args);
  EXPECT_EQ(bytes.back(), '\0');
  auto back = DecodeSpawnRequest(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, args);
}

TEST(SpawnProtocolTest, RefusesEmptyUnterminatedAndOversizedRequests) {
  EXPECT_FALSE(DecodeSpawnRequest("").has_value());
  EXPECT_FALSE(DecodeSpawnRequest(std::string("--name\0users", 12)).has_value());
  EXPECT_FALSE(DecodeSpawnRequest(std::string(kMaxSpawnRequestBytes + 1, '\0')).has_value());
  EXPECT_TRUE(DecodeSpawnRequest(std::string(kMaxSpawnRequestBytes, '\0')).has_value());
}

}  // namespace
}  // namespace forkv
