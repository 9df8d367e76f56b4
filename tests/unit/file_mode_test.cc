// ParseFileMode: --socket-mode's octal text.
#include <gtest/gtest.h>

#include "shared/runtime.h"

namespace forkv {
namespace {

TEST(FileModeTest, OctalModesAreRead) {
  EXPECT_EQ(ParseFileMode("0660"), 0660u);
  EXPECT_EQ(ParseFileMode("660"), 0660u);
  EXPECT_EQ(ParseFileMode("0600"), 0600u);
  EXPECT_EQ(ParseFileMode("0777"), 0777u);
  EXPECT_EQ(ParseFileMode("0"), 0u);
}

TEST(FileModeTest, AnythingElseIsRefused) {
  for (const char* bad : {"", "0680", "rw-rw----", "01777", "-660", "0x1b6", "66 0", "00660"}) {
    EXPECT_EQ(ParseFileMode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace forkv
