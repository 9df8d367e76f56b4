#include "shared/protocol.h"

#include <gtest/gtest.h>

#include <set>

namespace forkv {
namespace {

// The manager forwards exactly these ops to a store and answers every other
// one itself; a store answers anything else with unknown_op.
TEST(ProtocolTest, IsStoreOpIsExactlyTheKeyValueOps) {
  const std::set<Op> store_ops = {Op::kPut,   Op::kGet,  Op::kDel,  Op::kKeys,
                                  Op::kCount, Op::kScan, Op::kIncr, Op::kExpire};
  for (int v = 0; v <= 255; ++v) {
    Op op = static_cast<Op>(v);
    EXPECT_EQ(IsStoreOp(op), store_ops.count(op) == 1) << "op " << v << " (" << OpName(op) << ")";
  }
  EXPECT_FALSE(IsStoreOp(Op::kPing));
  EXPECT_FALSE(IsStoreOp(Op::kCreate));
  EXPECT_FALSE(IsStoreOp(Op::kWait));
}

TEST(ProtocolTest, EveryOpHasAName) {
  for (uint8_t v = 1; v <= kMaxOp; ++v) EXPECT_NE(OpName(static_cast<Op>(v)), "?") << int{v};
  EXPECT_EQ(OpName(static_cast<Op>(0)), "?");
  EXPECT_EQ(OpName(static_cast<Op>(kMaxOp + 1)), "?");
}

}  // namespace
}  // namespace forkv
