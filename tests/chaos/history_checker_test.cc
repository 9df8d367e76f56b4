// The chaos checker on hand-made histories: each test is a small story of
// clients, writes and reads on one key, with times in microseconds.
#include "tests/chaos/history_checker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace forkv::chaos {
namespace {

Operation Put(int client, int64_t start, int64_t end, std::string value,
              Outcome outcome = Outcome::kOk) {
  return {.client = client,
          .start_us = start,
          .end_us = end,
          .kind = OpKind::kPut,
          .outcome = outcome,
          .store = "s",
          .key = "k",
          .value = std::move(value)};
}

Operation Del(int client, int64_t start, int64_t end, Outcome outcome = Outcome::kOk) {
  return {.client = client,
          .start_us = start,
          .end_us = end,
          .kind = OpKind::kDel,
          .outcome = outcome,
          .store = "s",
          .key = "k"};
}

// A get that returned `value`, or found nothing when `value` is empty.
Operation Get(int client, int64_t start, int64_t end, std::string value) {
  Outcome outcome = value.empty() ? Outcome::kNotFound : Outcome::kOk;
  return {.client = client,
          .start_us = start,
          .end_us = end,
          .kind = OpKind::kGet,
          .outcome = outcome,
          .store = "s",
          .key = "k",
          .value = std::move(value)};
}

Operation Final(int64_t start, int64_t end, std::string value) {
  Operation op = Get(0, start, end, std::move(value));
  op.final_read = true;
  return op;
}

// "lost=1 stale=0 phantom=0 nonlinearizable=0 inconclusive=0"
std::string Counts(const CheckResult& r) {
  return "lost=" + std::to_string(r.lost) + " stale=" + std::to_string(r.stale) +
         " phantom=" + std::to_string(r.phantom) +
         " nonlinearizable=" + std::to_string(r.nonlinearizable) +
         " inconclusive=" + std::to_string(r.inconclusive);
}

constexpr const char* kClean = "lost=0 stale=0 phantom=0 nonlinearizable=0 inconclusive=0";

TEST(HistoryCheckerTest, SequentialHistoryIsClean) {
  std::vector<Operation> h = {Get(1, 0, 1, ""),
                              Put(1, 2, 3, "a"),
                              Get(2, 4, 5, "a"),
                              Put(2, 6, 7, "b"),
                              Del(1, 8, 9),
                              Get(1, 10, 11, ""),
                              Del(2, 12, 13, Outcome::kNotFound),
                              Put(1, 14, 15, "c"),
                              Final(20, 21, "c")};
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(Counts(r), kClean);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.keys, 1u);
}

TEST(HistoryCheckerTest, LostAcknowledgedWrite) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(1, 2, 3, "b"), Final(10, 11, "a")};
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(Counts(r), "lost=1 stale=0 phantom=0 nonlinearizable=0 inconclusive=0");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::Kind::kLost);
  EXPECT_EQ(r.anomalies[0].read, 2u);
  EXPECT_EQ(r.anomalies[0].write, 1u);
  EXPECT_EQ(r.anomalies[0].ops, (std::vector<size_t>{0, 1, 2}));
}

TEST(HistoryCheckerTest, LostWriteReadAsAbsent) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Final(10, 11, "")};
  EXPECT_EQ(Counts(CheckHistory(h)), "lost=1 stale=0 phantom=0 nonlinearizable=0 inconclusive=0");
}

TEST(HistoryCheckerTest, LostDeleteReadAsOldValue) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Del(2, 2, 3), Final(10, 11, "a")};
  EXPECT_EQ(Counts(CheckHistory(h)), "lost=1 stale=0 phantom=0 nonlinearizable=0 inconclusive=0");
}

TEST(HistoryCheckerTest, StaleRead) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(1, 2, 3, "b"), Get(2, 4, 5, "a"),
                              Final(10, 11, "b")};
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(Counts(r), "lost=0 stale=1 phantom=0 nonlinearizable=0 inconclusive=0");
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::Kind::kStale);
  EXPECT_NE(r.anomalies[0].explanation.find("c2 get s/k -> a"), std::string::npos)
      << r.anomalies[0].explanation;
}

TEST(HistoryCheckerTest, ReadOverlappingTheWriteMaySeeEitherValue) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(1, 2, 10, "b"), Get(2, 3, 4, "a"),
                              Get(3, 5, 6, "b"), Final(20, 21, "b")};
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, UnknownWriteThatLanded) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(2, 2, 0, "b", Outcome::kUnknown),
                              Get(3, 5, 6, "a"), Final(100, 101, "b")};
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, UnknownWriteThatDidNotLand) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(2, 2, 0, "b", Outcome::kUnknown),
                              Get(3, 5, 6, "a"), Final(100, 101, "a")};
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, UnknownDeleteThatLanded) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Del(2, 2, 0, Outcome::kUnknown),
                              Final(100, 101, "")};
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, UnknownWriteCannotBeUndone) {
  // Once a read saw "b", the older acknowledged "a" cannot come back.
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(2, 2, 0, "b", Outcome::kUnknown),
                              Get(3, 5, 6, "b"), Final(100, 101, "a")};
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(Counts(r), "lost=0 stale=0 phantom=0 nonlinearizable=1 inconclusive=0");
  EXPECT_FALSE(r.ok());
}

TEST(HistoryCheckerTest, UnknownWriteBeforeAnAcknowledgedOneMayLandLater) {
  // The unknown put "b" started before "c" was acknowledged, so it may have
  // taken effect after "c": reading "b" at the end is not a lost write.
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(2, 2, 0, "b", Outcome::kUnknown),
                              Put(1, 3, 4, "c"), Final(100, 101, "b")};
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, ConcurrentWritesEitherOrderIsFine) {
  for (const char* last : {"a", "b"}) {
    std::vector<Operation> h = {Put(1, 0, 10, "a"), Put(2, 1, 9, "b"), Get(3, 2, 3, ""),
                                Final(20, 21, last)};
    EXPECT_EQ(Counts(CheckHistory(h)), kClean) << last;
  }
}

TEST(HistoryCheckerTest, ConcurrentWritesReadInBothOrdersIsNotLinearizable) {
  // After both puts returned, reads see "a" then "b": the register would
  // have changed with no write in flight.
  std::vector<Operation> h = {Put(1, 0, 10, "a"), Put(2, 1, 9, "b"), Get(3, 11, 12, "a"),
                              Get(3, 13, 14, "b")};
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(Counts(r), "lost=0 stale=0 phantom=0 nonlinearizable=1 inconclusive=0");
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::Kind::kNonLinearizable);
}

TEST(HistoryCheckerTest, PhantomValues) {
  std::vector<Operation> never = {Put(1, 0, 1, "a"), Get(2, 2, 3, "zzz")};
  EXPECT_EQ(CheckHistory(never).phantom, 1u);
  std::vector<Operation> failed = {Put(1, 0, 1, "a", Outcome::kFailed), Get(2, 2, 3, "a")};
  CheckResult r = CheckHistory(failed);
  EXPECT_EQ(r.phantom, 1u);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_NE(r.anomalies[0].explanation.find("failed definitely"), std::string::npos);
  std::vector<Operation> future = {Get(2, 0, 1, "a"), Put(1, 2, 3, "a")};
  EXPECT_EQ(CheckHistory(future).phantom, 1u);
}

TEST(HistoryCheckerTest, FailedOperationsAreIgnored) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Put(1, 2, 3, "b", Outcome::kFailed),
                              Del(1, 4, 5, Outcome::kFailed), Get(2, 6, 7, ""), Final(10, 11, "a")};
  h[3].outcome = Outcome::kFailed;  // a get that failed tells nothing
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, DeleteResultsMustMatchTheState) {
  std::vector<Operation> del_ok_on_absent = {Del(1, 0, 1, Outcome::kOk)};
  EXPECT_EQ(CheckHistory(del_ok_on_absent).nonlinearizable, 1u);
  std::vector<Operation> del_not_found_on_present = {Put(1, 0, 1, "a"),
                                                     Del(1, 2, 3, Outcome::kNotFound)};
  EXPECT_EQ(CheckHistory(del_not_found_on_present).nonlinearizable, 1u);
}

TEST(HistoryCheckerTest, KeysAreCheckedIndependently) {
  std::vector<Operation> h = {Put(1, 0, 1, "a"), Final(10, 11, "a")};
  Operation other = Put(1, 0, 1, "x");
  other.key = "k2";
  Operation lost = Final(10, 11, "");
  lost.key = "k2";
  h.push_back(other);
  h.push_back(lost);
  CheckResult r = CheckHistory(h);
  EXPECT_EQ(r.keys, 2u);
  EXPECT_EQ(r.lost, 1u);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].key, "k2");
}

TEST(HistoryCheckerTest, ManyUnknownWritesStayTractable) {
  // 4 clients, 600 ops, every 7th write of unknown outcome and never seen.
  std::vector<Operation> h;
  int64_t t = 0;
  std::string last = "";
  for (int i = 0; i < 600; ++i, t += 10) {
    int client = i % 4;
    if (i % 3 == 2) {
      h.push_back(Get(client, t, t + 25, last));
    } else if (i % 7 == 0) {
      h.push_back(Put(client, t, 0, "u" + std::to_string(i), Outcome::kUnknown));
    } else {
      std::string v = "v" + std::to_string(i);
      h.push_back(Put(client, t, t + 5, v));
      last = v;
    }
  }
  h.push_back(Final(t + 100, t + 101, last));
  EXPECT_EQ(CheckLinearizable(h, 2'000'000), Verdict::kLinearizable);
  EXPECT_EQ(Counts(CheckHistory(h)), kClean);
}

TEST(HistoryCheckerTest, SearchBoundMakesItInconclusiveNotFailed) {
  std::vector<Operation> h = {Put(1, 0, 10, "a"), Put(2, 1, 9, "b"), Get(3, 11, 12, "b")};
  CheckResult r = CheckHistory(h, {.max_search_steps_per_key = 1});
  EXPECT_EQ(r.inconclusive, 1u);
  EXPECT_TRUE(r.ok());
}

TEST(HistoryCheckerTest, FormatOperation) {
  EXPECT_EQ(FormatOperation(Put(3, 1204000, 1209512, "c3-17|xxxx")),
            "c3 put s/k=c3-17 [1.204000s .. 1.209512s] ok");
  EXPECT_EQ(FormatOperation(Put(3, 1000000, 0, "v", Outcome::kUnknown)),
            "c3 put s/k=v [1.000000s .. ?] unknown");
  EXPECT_EQ(FormatOperation(Final(2000000, 2000001, "")),
            "final get s/k [2.000000s .. 2.000001s] not_found");
}

}  // namespace
}  // namespace forkv::chaos
