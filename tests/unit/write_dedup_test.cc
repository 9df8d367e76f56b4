#include "db_worker/write_dedup.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

using D = WriteDedup::Decision;

// Decides one write in a batch of its own and commits it. base_seq defaults
// to seq: the store had nothing unacknowledged below it.
D DecideOne(WriteDedup& d, std::string_view store, uint64_t gen, uint64_t seq,
            uint64_t base_seq = 0) {
  d.Begin();
  D r = d.Decide(store, gen, seq, base_seq == 0 ? seq : base_seq);
  d.Commit();
  return r;
}

TEST(WriteDedupTest, NewStoreAppliesAndRecords) {
  WriteDedup d;
  EXPECT_EQ(d.Dump(), "");
  EXPECT_EQ(DecideOne(d, "a", 3, 1), D::kApply);
  EXPECT_EQ(d.Dump(), "a=g3/s1");
  EXPECT_EQ(DecideOne(d, "a", 3, 2), D::kApply);
  EXPECT_EQ(d.Dump(), "a=g3/s2");
}

TEST(WriteDedupTest, FirstWriteStartsAtTheStoresLowestUnacked) {
  // After this worker restarts the table is empty: the store's base_seq says
  // which seq comes next (everything below was acknowledged earlier).
  WriteDedup d;
  EXPECT_EQ(DecideOne(d, "a", 3, 17), D::kApply);
  EXPECT_EQ(d.Dump(), "a=g3/s17");
  EXPECT_EQ(DecideOne(d, "a", 3, 18), D::kApply);
}

TEST(WriteDedupTest, AWriteAfterAGapIsNeitherAppliedNorAcked) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 3, 1), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 3, 3, 2), D::kGap);  // 2 is missing (still unacked)
  EXPECT_EQ(d.Dump(), "a=g3/s1");
  EXPECT_EQ(DecideOne(d, "a", 3, 2, 2), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 3, 3, 3), D::kApply);
}

TEST(WriteDedupTest, QueuedLaterWriteBeforeResendsAfterARestart) {
  // The chaos harness's lost write: seqs 1 and 2 died with the old worker;
  // 3 was queued on the store's socket and reaches the new worker first,
  // then the store resends 1, 2, 3. Before the gap rule, 3 set last_seq and
  // the resent 1 and 2 were acknowledged as duplicates without being written.
  WriteDedup d;
  d.Begin();
  EXPECT_EQ(d.Decide("a", 7, 3, 1), D::kGap);
  EXPECT_EQ(d.Decide("a", 7, 1, 1), D::kApply);
  EXPECT_EQ(d.Decide("a", 7, 2, 1), D::kApply);
  EXPECT_EQ(d.Decide("a", 7, 3, 1), D::kApply);
  d.Commit();
  EXPECT_EQ(d.Dump(), "a=g7/s3");
}

TEST(WriteDedupTest, ResendIsDuplicate) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 3, 1), D::kApply);
  ASSERT_EQ(DecideOne(d, "a", 3, 2), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 3, 1), D::kDuplicate);
  EXPECT_EQ(DecideOne(d, "a", 3, 2), D::kDuplicate);
  EXPECT_EQ(d.Dump(), "a=g3/s2");
  EXPECT_EQ(DecideOne(d, "a", 3, 3), D::kApply);
}

TEST(WriteDedupTest, OlderGenerationIsFenced) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 5, 1), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 4, 100), D::kFenced);
  EXPECT_EQ(DecideOne(d, "a", 4, 1), D::kFenced);
  EXPECT_EQ(d.Dump(), "a=g5/s1");
}

TEST(WriteDedupTest, NewGenerationResetsSeq) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 5, 1), D::kApply);
  ASSERT_EQ(DecideOne(d, "a", 5, 2), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 6, 1), D::kApply);
  EXPECT_EQ(d.Dump(), "a=g6/s1");
  EXPECT_EQ(DecideOne(d, "a", 5, 3), D::kFenced);
  EXPECT_EQ(DecideOne(d, "a", 6, 1), D::kDuplicate);
}

TEST(WriteDedupTest, StoresAreIndependent) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 5, 1), D::kApply);
  EXPECT_EQ(DecideOne(d, "ab", 1, 1), D::kApply);
  EXPECT_EQ(DecideOne(d, "b", 9, 1), D::kApply);
  EXPECT_EQ(DecideOne(d, "a", 5, 1), D::kDuplicate);
  EXPECT_EQ(d.Dump(), "a=g5/s1,ab=g1/s1,b=g9/s1");
  EXPECT_EQ(d.size(), 3u);
}

TEST(WriteDedupTest, LoadFencesOlderIncarnations) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 5, 7), D::kApply);
  d.Fence("a", 6);  // incarnation 6 loads before it writes
  EXPECT_EQ(d.Dump(), "a=g6/s0");
  EXPECT_EQ(DecideOne(d, "a", 5, 8), D::kFenced);
  EXPECT_EQ(DecideOne(d, "a", 6, 1), D::kApply);
  // A late load of an old incarnation does not lower the record.
  d.Fence("a", 5);
  EXPECT_EQ(d.Dump(), "a=g6/s1");
  // Nor does a reload of the same one reset its seq.
  d.Fence("a", 6);
  EXPECT_EQ(d.Dump(), "a=g6/s1");
  EXPECT_EQ(DecideOne(d, "a", 6, 1), D::kDuplicate);
}

TEST(WriteDedupTest, DropFencesAnUnknownStore) {
  WriteDedup d;
  d.Fence("gone", 10);
  EXPECT_EQ(d.Dump(), "gone=g10/s0");
  EXPECT_EQ(DecideOne(d, "gone", 9, 50), D::kFenced);
  EXPECT_EQ(DecideOne(d, "gone", 10, 1), D::kApply);
}

TEST(WriteDedupTest, AbortRestoresTheStateBeforeTheBatch) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 5, 2), D::kApply);
  d.Begin();
  EXPECT_EQ(d.Decide("a", 5, 3, 3), D::kApply);
  EXPECT_EQ(d.Decide("a", 6, 1, 1), D::kApply);    // new generation
  EXPECT_EQ(d.Decide("new", 1, 1, 1), D::kApply);  // new store
  EXPECT_EQ(d.Dump(), "a=g6/s1,new=g1/s1");        // tentative state is visible
  d.Abort();
  EXPECT_FALSE(d.in_batch());
  EXPECT_EQ(d.Dump(), "a=g5/s2");
  // The resends after the failed batch are applied again.
  d.Begin();
  EXPECT_EQ(d.Decide("a", 5, 3, 3), D::kApply);
  EXPECT_EQ(d.Decide("new", 1, 1, 1), D::kApply);
  d.Commit();
  EXPECT_EQ(d.Dump(), "a=g5/s3,new=g1/s1");
}

TEST(WriteDedupTest, CommitKeepsTheBatch) {
  WriteDedup d;
  d.Begin();
  EXPECT_EQ(d.Decide("a", 1, 1, 1), D::kApply);
  d.Commit();
  EXPECT_EQ(d.Find("a"), (WriteDedup::Entry{1, 1}));
  EXPECT_EQ(d.Find("b"), std::nullopt);
}

TEST(WriteDedupTest, SeveralWritesOfOneStoreInOneBatch) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 2, 3), D::kApply);
  d.Begin();
  EXPECT_EQ(d.Decide("a", 2, 4, 4), D::kApply);
  EXPECT_EQ(d.Decide("a", 2, 5, 5), D::kApply);
  // A resend of a write applied in this same batch: not applied twice, and
  // its fate is the batch's.
  EXPECT_EQ(d.Decide("a", 2, 4, 4), D::kDuplicateInBatch);
  // A resend of something committed earlier is a plain duplicate.
  EXPECT_EQ(d.Decide("a", 2, 3, 3), D::kDuplicate);
  EXPECT_EQ(d.Decide("a", 2, 6, 6), D::kApply);
  d.Commit();
  EXPECT_EQ(d.Dump(), "a=g2/s6");
}

TEST(WriteDedupTest, GenerationChangeInsideABatch) {
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 2, 3), D::kApply);
  d.Begin();
  EXPECT_EQ(d.Decide("a", 3, 1, 1), D::kApply);
  EXPECT_EQ(d.Decide("a", 2, 4, 4), D::kFenced);  // the new incarnation supersedes it
  // seq 1 of gen 3 is in this batch, not committed: in-batch duplicate even
  // though seq 1 <= the committed last_seq of gen 2.
  EXPECT_EQ(d.Decide("a", 3, 1, 1), D::kDuplicateInBatch);
  d.Commit();
  EXPECT_EQ(d.Dump(), "a=g3/s1");
}

TEST(WriteDedupTest, DumpEscapesNonPrintableBytes) {
  WriteDedup d;
  d.Fence(std::string_view("a\0b", 3), 1);
  EXPECT_EQ(d.Dump(), "a\\x00b=g1/s0");
}

TEST(WriteDedupTest, DecisionNames) {
  EXPECT_EQ(DecisionName(D::kApply), "apply");
  EXPECT_EQ(DecisionName(D::kDuplicate), "duplicate");
  EXPECT_EQ(DecisionName(D::kDuplicateInBatch), "duplicate_in_batch");
  EXPECT_EQ(DecisionName(D::kFenced), "fenced");
}

TEST(WriteDedupDeathTest, FenceInsideABatchIsABug) {
  WriteDedup d;
  d.Begin();
  EXPECT_DEATH(d.Fence("a", 1), "CHECK failed");
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(WriteDedupTest, AWriteThatFailedOnDiskDoesNotStallTheNextOnes) {
  // seq 2's batch failed (ENOSPC): acked with an error, never applied, never
  // resent. The store's next write says everything below 3 was answered.
  WriteDedup d;
  ASSERT_EQ(DecideOne(d, "a", 4, 1), D::kApply);
  d.Begin();
  ASSERT_EQ(d.Decide("a", 4, 2, 2), D::kApply);
  d.Abort();  // the storage write failed
  EXPECT_EQ(d.Dump(), "a=g4/s1");
  EXPECT_EQ(DecideOne(d, "a", 4, 3, 3), D::kApply);
  EXPECT_EQ(d.Dump(), "a=g4/s3");
  // But a base that does not vouch for seq 2 still leaves a gap.
  WriteDedup e;
  ASSERT_EQ(DecideOne(e, "a", 4, 1), D::kApply);
  EXPECT_EQ(DecideOne(e, "a", 4, 3, 2), D::kGap);
}

}  // namespace
}  // namespace forkv
