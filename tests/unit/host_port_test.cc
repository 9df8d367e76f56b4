#include "shared/host_port.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(HostPortTest, Parses) {
  auto a = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = ParseHostPort("[::1]:9");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(ParseHostPort("localhost:0", true)->port, 0);
}

TEST(HostPortTest, Rejects) {
  for (const char* bad : {"", "8080", ":8080", "host:", "host:0", "host:65536", "host:-1",
                          "host:80x", "::1:80", "a b:80", "host/x:80"}) {
    auto r = ParseHostPort(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace forkv
