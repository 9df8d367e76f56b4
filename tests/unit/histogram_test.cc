#include "shared/histogram.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

TEST(BucketHistogramTest, BucketsAreUpperBoundsInclusive) {
  BucketHistogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 100.0}) h.Observe(v);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 2, 2, 1}));
  EXPECT_EQ(h.count(), 7u);
  EXPECT_DOUBLE_EQ(h.sum(), 112.0);
}

TEST(BucketHistogramTest, JsonRoundTripAndMerge) {
  BucketHistogram h(BucketHistogram::PowersOfTwo(4));
  h.Observe(3);
  h.Observe(300);
  auto back = BucketHistogram::FromJson(h.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->bucket_counts(), h.bucket_counts());
  EXPECT_EQ(back->count(), 2u);
  ASSERT_TRUE(back->Merge(h));
  EXPECT_EQ(back->count(), 4u);
  EXPECT_DOUBLE_EQ(back->sum(), 606.0);
  EXPECT_FALSE(back->Merge(BucketHistogram({1, 2})));
  EXPECT_EQ(back->count(), 4u);
}

TEST(BucketHistogramTest, FromJsonRejectsInconsistentInput) {
  using J = nlohmann::json;
  for (const J& bad :
       {J(nullptr), J::object(), J{{"le", {1, 2}}, {"counts", {1, 1}}, {"sum", 0}, {"count", 2}},
        J{{"le", {2, 1}}, {"counts", {0, 0, 0}}, {"sum", 0}, {"count", 0}},
        J{{"le", {1}}, {"counts", {1, 1}}, {"sum", 0}, {"count", 5}},
        J{{"le", {1}}, {"counts", {1, "x"}}, {"sum", 0}, {"count", 1}}}) {
    EXPECT_FALSE(BucketHistogram::FromJson(bad).ok()) << bad.dump();
  }
}

TEST(BucketHistogramTest, UnsortedBoundsAreRefused) {
  BucketHistogram h({3, 1});
  EXPECT_TRUE(h.upper_bounds().empty());
  h.Observe(5);
  EXPECT_EQ(h.count(), 1u);
}

}  // namespace
}  // namespace forkv
