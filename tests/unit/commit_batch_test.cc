#include "db_worker/commit_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/shard.h"

namespace forkv {
namespace {

WriteRequest Put(std::string store, uint64_t gen, uint64_t seq, std::string key,
                 std::string value) {
  return WriteRequest{std::move(store), gen, seq, Op::kPut, std::move(key), std::move(value), seq};
}
WriteRequest Del(std::string store, uint64_t gen, uint64_t seq, std::string key) {
  return WriteRequest{std::move(store), gen, seq, Op::kDel, std::move(key), "", seq};
}

// "peer:code:[1,2]" per ack, ";"-separated, message in parentheses if any.
std::string DumpAcks(const std::vector<PeerAck>& acks) {
  std::string out;
  for (const PeerAck& a : acks) {
    if (!out.empty()) out += ';';
    out += a.peer + ":" + std::string(StatusCodeName(a.ack.code)) + ":[";
    for (size_t i = 0; i < a.ack.seqs.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(a.ack.seqs[i]);
    }
    out += "]";
    if (!a.ack.message.empty()) out += "(" + a.ack.message + ")";
  }
  return out;
}

std::string DumpMutations(const std::vector<Mutation>& ms) {
  std::string out;
  for (const Mutation& m : ms) {
    if (!out.empty()) out += ',';
    std::string key = m.key;
    for (char& c : key) {
      if (c == '\0') c = '|';
    }
    out += m.kind == Mutation::Kind::kPut ? "put " + key + "=" + m.value : "del " + key;
  }
  return out;
}

TEST(CommitBatchTest, EmptyBatchHasNothingToDo) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.Finish(Status::Ok()).empty());
  EXPECT_FALSE(dedup.in_batch());
}

TEST(CommitBatchTest, WritesBecomeMutationsAndAcksGroupPerSender) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s1", Put("a", 1, 1, "k", "v1"));
  b.Add("s2", Put("b", 7, 1, "k", "w"));
  b.Add("s1", Del("a", 1, 2, "k"));
  b.Add("s1", Put("a", 1, 3, "k2", "v3"));
  EXPECT_EQ(b.write_count(), 4u);
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=v1,put b|k=w,del a|k,put a|k2=v3");
  EXPECT_EQ(b.payload_bytes(), (3 + 2) + (3 + 1) + 3 + (4 + 2));
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[1,2,3];s2:ok:[1]");
  EXPECT_EQ(dedup.Dump(), "a=g1/s3,b=g7/s1");
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.mutations().empty());
  EXPECT_EQ(b.payload_bytes(), 0u);
}

TEST(CommitBatchTest, DuplicatesAreAckedButNotApplied) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s1", Put("a", 1, 1, "k", "old"));
  b.Add("s1", Put("a", 1, 2, "k", "new"));
  ASSERT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[1,2]");
  // The store did not see the acks and resends both, then a new write.
  b.Add("s1", Put("a", 1, 1, "k", "old"));
  b.Add("s1", Put("a", 1, 2, "k", "new"));
  b.Add("s1", Put("a", 1, 3, "k", "newer"));
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=newer");
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[1,2,3]");
}

TEST(CommitBatchTest, ResendInsideTheSameBatchIsNotAppliedTwice) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s1", Put("a", 1, 1, "k", "x"));
  b.Add("s1", Put("a", 1, 2, "k", "y"));
  b.Add("s1", Put("a", 1, 1, "k", "x"));  // must not put k back to x
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=x,put a|k=y");
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[1,2,1]");
}

TEST(CommitBatchTest, FencedWritesAreRejected) {
  WriteDedup dedup;
  dedup.Fence("a", 5);  // incarnation 5 loaded
  CommitBatch b(&dedup);
  b.Add("s4", Put("a", 4, 9, "k", "stale"));
  b.Add("s5", Put("a", 5, 1, "k", "fresh"));
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=fresh");
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())),
            "s4:unavailable:[9](fenced: store incarnation superseded);s5:ok:[1]");
}

TEST(CommitBatchTest, InvalidWritesGetTheirOwnErrorAck) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s", Put("a", 1, 0, "k", "v"));  // seq 0
  b.Add("s", Put("../etc", 1, 1, "k", "v"));
  b.Add("s", Put("a", 1, 2, "", "v"));
  b.Add("s", Put("a", 1, 3, std::string(kMaxKeyBytes + 1, 'k'), "v"));
  b.Add("s", Put("a", 1, 4, "k", "fine"));
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=fine");
  std::vector<PeerAck> acks = b.Finish(Status::Ok());
  ASSERT_EQ(acks.size(), 5u);
  EXPECT_EQ(acks[0].ack.code, StatusCode::kInvalidArgument);
  EXPECT_EQ(acks[0].ack.seqs, std::vector<uint64_t>{0});
  EXPECT_EQ(acks[1].ack.code, StatusCode::kInvalidArgument);
  EXPECT_EQ(acks[2].ack.code, StatusCode::kInvalidArgument);
  EXPECT_EQ(acks[3].ack.code, StatusCode::kTooLarge);
  EXPECT_EQ(DumpAcks({acks[4]}), "s:ok:[4]");
}

TEST(CommitBatchTest, FailedWriteAcksErrorsAndAbortsDedup) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s1", Put("a", 1, 1, "k", "v"));
  ASSERT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[1]");

  b.Add("s1", Put("a", 1, 1, "k", "v"));  // duplicate of a durable write: still OK
  b.Add("s1", Put("a", 1, 2, "k", "w"));
  b.Add("s1", Put("a", 1, 2, "k", "w"));  // in-batch duplicate: shares the failure
  b.Add("s2", Put("b", 1, 1, "k", "x"));
  EXPECT_EQ(DumpAcks(b.Finish(Status::IoError("No space left on device"))),
            "s1:ok:[1];s1:io_error:[2,2](No space left on device);"
            "s2:io_error:[1](No space left on device)");
  EXPECT_EQ(dedup.Dump(), "a=g1/s1");

  // The resends succeed once the disk has room.
  b.Add("s1", Put("a", 1, 2, "k", "w"));
  b.Add("s2", Put("b", 1, 1, "k", "x"));
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k=w,put b|k=x");
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())), "s1:ok:[2];s2:ok:[1]");
}

TEST(CommitBatchTest, LongErrorMessagesAreTruncated) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  b.Add("s", Put("a", 1, 1, "k", "v"));
  auto acks = b.Finish(Status::IoError(std::string(100000, 'e')));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_LE(acks[0].ack.message.size(), 1024u);
}

TEST(CommitBatchTest, DestroyingAnUnfinishedBatchAbortsIt) {
  WriteDedup dedup;
  {
    CommitBatch b(&dedup);
    b.Add("s", Put("a", 1, 1, "k", "v"));
  }
  EXPECT_FALSE(dedup.in_batch());
  EXPECT_EQ(dedup.Dump(), "");
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(CommitBatchTest, WriteQueuedBeforeTheResendsIsDroppedNotAcked) {
  // A fresh worker (empty dedup table) first gets seq 3, queued on the
  // store's socket while the old worker was down, then the resends 1, 2, 3.
  WriteDedup dedup;
  CommitBatch b(&dedup);
  WriteRequest early = Put("a", 7, 3, "k3", "v3");
  early.base_seq = 1;
  b.Add("s7", early);
  for (uint64_t seq : {1, 2, 3}) {
    WriteRequest w = Put("a", 7, seq, "k" + std::to_string(seq), "v" + std::to_string(seq));
    w.base_seq = 1;
    b.Add("s7", w);
  }
  EXPECT_EQ(b.gaps(), 1u);
  EXPECT_EQ(DumpMutations(b.mutations()), "put a|k1=v1,put a|k2=v2,put a|k3=v3");
  EXPECT_EQ(DumpAcks(b.Finish(Status::Ok())), "s7:ok:[1,2,3]");
  EXPECT_EQ(dedup.Dump(), "a=g7/s3");
}

TEST(CommitBatchTest, OnlyGapsLeaveNothingToWriteAndCloseTheBatch) {
  WriteDedup dedup;
  CommitBatch b(&dedup);
  WriteRequest w = Put("a", 7, 5, "k", "v");
  w.base_seq = 2;
  b.Add("s7", w);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.Finish(Status::Ok()).empty());
  EXPECT_FALSE(dedup.in_batch());
}

}  // namespace
}  // namespace forkv
