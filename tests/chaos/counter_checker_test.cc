#include "tests/chaos/counter_checker.h"

#include <gtest/gtest.h>

namespace forkv::chaos {
namespace {

CounterAttempt Cas(int client, uint64_t expected, int64_t value, Outcome outcome) {
  return {.kind = CounterAttempt::Kind::kCas,
          .client = client,
          .key = "cas-0",
          .expected_version = expected,
          .value = value,
          .outcome = outcome};
}

CounterAttempt Incr(int client, int64_t value, Outcome outcome) {
  return {.kind = CounterAttempt::Kind::kIncr,
          .client = client,
          .key = "incr-0",
          .value = value,
          .outcome = outcome};
}

TEST(CounterCheckerTest, ACleanRunCountsEveryWinAndAllowsTheUnknownOnes) {
  std::vector<CounterAttempt> a = {Cas(0, 0, 1, Outcome::kOk), Cas(1, 0, 1, Outcome::kFailed),
                                   Cas(1, 7, 2, Outcome::kOk), Cas(0, 9, 3, Outcome::kUnknown),
                                   Incr(2, 1, Outcome::kOk),   Incr(3, 0, Outcome::kUnknown),
                                   Incr(3, 3, Outcome::kOk)};
  for (int64_t cas_final : {2, 3}) {
    CounterVerdict v = CheckCounters(a, {{"cas-0", true, cas_final}, {"incr-0", true, 3}});
    EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0]);
    EXPECT_EQ(v.cas_won, 2u);
    EXPECT_EQ(v.cas_lost_race, 1u);
    EXPECT_EQ(v.cas_unknown, 1u);
    EXPECT_EQ(v.incr_ok, 2u);
    EXPECT_EQ(v.incr_unknown, 1u);
  }
}

TEST(CounterCheckerTest, TwoWinnersOfOneVersionOrOneValueAreFound) {
  CounterVerdict same_version =
      CheckCounters({Cas(0, 5, 3, Outcome::kOk), Cas(1, 5, 4, Outcome::kOk)}, {});
  EXPECT_EQ(same_version.double_winners, 1u);
  EXPECT_FALSE(same_version.ok());
  CounterVerdict same_value =
      CheckCounters({Cas(0, 5, 3, Outcome::kOk), Cas(1, 6, 3, Outcome::kOk)}, {});
  EXPECT_EQ(same_value.double_winners, 1u);
  CounterVerdict incrs = CheckCounters({Incr(0, 4, Outcome::kOk), Incr(1, 4, Outcome::kOk)}, {});
  EXPECT_EQ(incrs.duplicate_incrs, 1u);
}

TEST(CounterCheckerTest, AFinalValueOutsideTheBoundsIsMiscounted) {
  std::vector<CounterAttempt> a = {Incr(0, 1, Outcome::kOk), Incr(0, 2, Outcome::kOk),
                                   Incr(0, 0, Outcome::kUnknown)};
  EXPECT_EQ(CheckCounters(a, {{"incr-0", true, 1}}).miscounted, 1u);  // an ack was lost
  EXPECT_EQ(CheckCounters(a, {{"incr-0", true, 4}}).miscounted, 1u);  // counted twice
  EXPECT_EQ(CheckCounters(a, {{"incr-0", false, 0}}).miscounted, 1u);
  EXPECT_TRUE(CheckCounters(a, {{"incr-0", true, 3}}).ok());
}

}  // namespace
}  // namespace forkv::chaos
