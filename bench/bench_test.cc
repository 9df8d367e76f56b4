// Unit tests of forkv-bench's pure helpers: histogram and percentile math,
// the `stores` reply and smaps_rollup parsing, report formatting.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "bench/figures_report.h"
#include "bench/latency_histogram.h"
#include "bench/proc_memory.h"
#include "bench/report.h"
#include "bench/server_stats.h"
#include "bench/zipf.h"

namespace forkv::bench {
namespace {

// The nearest-rank percentile of a sorted sample, computed directly.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double q) {
  if (q <= 0) return sorted.front();
  auto rank = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(LatencyHistogramTest, BucketsAreContiguousAndNarrow) {
  // Every value maps to a bucket whose upper bound is >= the value, bucket
  // indices never go backwards, and each bucket is at most 1/64 of its value.
  size_t previous = 0;
  for (uint64_t v = 0; v < 200000; ++v) {
    size_t i = LatencyHistogram::BucketIndex(v);
    ASSERT_GE(i, previous) << v;
    ASSERT_LE(i, previous + 1) << v;
    ASSERT_GE(LatencyHistogram::BucketUpperBound(i), v);
    if (i > 0) {
      ASSERT_LT(LatencyHistogram::BucketUpperBound(i - 1), v) << v;
    }
    ASSERT_LE(LatencyHistogram::BucketUpperBound(i) - v, v / 64) << v;
    previous = i;
  }
  EXPECT_EQ(LatencyHistogram::BucketIndex(UINT64_MAX), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::BucketUpperBound(LatencyHistogram::kBuckets - 1), UINT64_MAX);
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_EQ(h.Mean(), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(50), 50u);
  EXPECT_EQ(h.Percentile(90), 90u);
  EXPECT_EQ(h.Percentile(99), 99u);
  EXPECT_EQ(h.Percentile(99.9), 100u);
  EXPECT_EQ(h.Percentile(0), 1u);
  EXPECT_EQ(h.Percentile(100), 100u);
  EXPECT_DOUBLE_EQ(h.Mean(), 50.5);
}

TEST(LatencyHistogramTest, PercentilesWithinBucketPrecisionOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(11.0, 1.0);  // ~60 us median, in ns
  std::vector<uint64_t> samples;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<uint64_t>(latency(rng));
    samples.push_back(v);
    h.Record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    uint64_t exact = ExactPercentile(samples, q);
    uint64_t got = h.Percentile(q);
    EXPECT_GE(got, exact) << "q=" << q;  // never understates
    EXPECT_LE(got - exact, exact / 64) << "q=" << q;
  }
  EXPECT_EQ(h.Percentile(100), samples.back());
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.min(), samples.front());
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 0; v < 5000; ++v) {
    uint64_t x = v * v * 37 + 11;
    (v % 3 == 0 ? a : b).Record(x);
    all.Record(x);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.Mean(), all.Mean());
  for (double q : {10.0, 50.0, 99.0, 99.9}) EXPECT_EQ(a.Percentile(q), all.Percentile(q));
}

TEST(LatencyHistogramTest, MergeIntoEmpty) {
  LatencyHistogram empty, one;
  one.Record(1234567);
  empty.Merge(one);
  EXPECT_EQ(empty.min(), 1234567u);
  EXPECT_EQ(empty.Percentile(50), 1234567u);  // clamped to [min, max]
}

TEST(SummarizeTest, MedianOddEvenAndEmpty) {
  EXPECT_EQ(Summarize({}).count, 0u);
  SampleSummary odd = Summarize({5, 1, 3});
  EXPECT_EQ(odd.median, 3);
  EXPECT_EQ(odd.min, 1);
  EXPECT_EQ(odd.max, 5);
  SampleSummary even = Summarize({4, 1, 3, 2});
  EXPECT_EQ(even.median, 2.5);
  EXPECT_EQ(even.count, 4u);
  EXPECT_EQ(even.mean, 2.5);
  EXPECT_EQ(even.p99, 4);  // fewer than 100 samples: the max
}

TEST(SummarizeTest, P99IsNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 200; ++i) v.push_back(i);
  std::shuffle(v.begin(), v.end(), std::mt19937(7));
  SampleSummary s = Summarize(v);
  EXPECT_EQ(s.p99, 198);  // ceil(0.99 * 200) = 198th smallest
  EXPECT_EQ(s.median, 100.5);
  EXPECT_EQ(s.max, 200);
}

nlohmann::json StoresBody() {
  return nlohmann::json::parse(R"json({
    "stores": [
      {"name": "a", "kind": "store", "state": "running", "pid": 11, "restarts": 2,
       "generation": 3, "uptime_ms": 5, "last_exit": "killed by signal 9 (SIGKILL)", "keys": 7},
      {"name": "b", "kind": "store", "state": "starting", "pid": 12, "restarts": 0,
       "generation": 1, "uptime_ms": 0, "last_exit": ""}
    ],
    "db_workers": [
      {"name": "db-0", "kind": "db", "shard": 0, "batches": 10, "writes": 100, "last_batch": 4},
      {"name": "db-1", "kind": "db", "shard": 1}
    ]})json");
}

TEST(ServerStatsTest, SumsDbCountersAndTreatsAbsentAsZero) {
  auto c = ParseDbCounters(StoresBody());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->writes, 100u);
  EXPECT_EQ(c->batches, 10u);
  EXPECT_EQ(c->workers, 2u);
  EXPECT_EQ(c->workers_reporting, 1u);
  EXPECT_EQ(c->last_batch, (std::vector<uint64_t>{4, 0}));
  EXPECT_FALSE(ParseDbCounters(nlohmann::json::object()).ok());
  EXPECT_FALSE(ParseDbCounters(nlohmann::json::array()).ok());
}

TEST(ServerStatsTest, CounterDelta) {
  DbCounters before{.writes = 100, .batches = 10};
  DbCounters after{.writes = 1100, .batches = 50};
  GroupCommit g = CounterDelta(before, after);
  EXPECT_EQ(g.writes, 1000u);
  EXPECT_EQ(g.batches, 40u);
  EXPECT_DOUBLE_EQ(g.WritesPerBatch(), 25.0);
  EXPECT_FALSE(g.approximate);
  // A restarted worker: counters went backwards.
  GroupCommit r = CounterDelta(after, DbCounters{.writes = 30, .batches = 3});
  EXPECT_TRUE(r.approximate);
  EXPECT_EQ(r.writes, 30u);
  EXPECT_EQ(GroupCommit{}.WritesPerBatch(), 0);
}

TEST(ServerStatsTest, FindStore) {
  auto a = FindStore(StoresBody(), "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->pid, 11u);
  EXPECT_EQ(a->state, "running");
  EXPECT_EQ(a->restarts, 2u);
  EXPECT_EQ(a->last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(a->keys, 7u);
  auto b = FindStore(StoresBody(), "b");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->keys.has_value());
  EXPECT_EQ(FindStore(StoresBody(), "zz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FindStore(nlohmann::json::object(), "a").status().code(), StatusCode::kMalformed);
}

TEST(ServerStatsTest, ParseStoresAndDbWorkerPids) {
  auto stores = ParseStores(StoresBody());
  ASSERT_TRUE(stores.ok());
  ASSERT_EQ(stores->size(), 2u);
  EXPECT_EQ((*stores)[0].name, "a");
  EXPECT_EQ((*stores)[1].pid, 12u);
  EXPECT_EQ(ParseStores(nlohmann::json::array()).status().code(), StatusCode::kMalformed);
  auto pids = ParseDbWorkerPids(nlohmann::json::parse(
      R"json({"stores": [], "db_workers": [{"name": "db-0", "pid": 21}, {"name": "db-1"}]})json"));
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, (std::vector<uint64_t>{21, 0}));
  EXPECT_EQ(ParseDbWorkerPids(nlohmann::json::object()).status().code(), StatusCode::kMalformed);
}

TEST(ProcMemoryTest, ParsesSmapsRollup) {
  const char* text =
      "55e5f84f5000-7ffc167a2000 ---p 00000000 00:00 0                          [rollup]\n"
      "Rss:                1724 kB\n"
      "Pss:                 212 kB\n"
      "Pss_Dirty:           112 kB\n"
      "Shared_Clean:       1572 kB\n"
      "Shared_Dirty:          0 kB\n"
      "Private_Clean:        40 kB\n"
      "Private_Dirty:       112 kB\n"
      "Anonymous:           112 kB\n"
      "Swap:                  3 kB\n"
      "SwapPss:               1 kB\n";
  auto m = ParseSmapsRollup(text);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->rss_kib, 1724u);
  EXPECT_EQ(m->pss_kib, 212u);  // not Pss_Dirty
  EXPECT_EQ(m->shared_clean_kib, 1572u);
  EXPECT_EQ(m->PrivateKib(), 152u);
  EXPECT_EQ(m->anonymous_kib, 112u);
  EXPECT_EQ(m->swap_kib, 3u);  // not SwapPss
  MemoryUsage sum = *m;
  sum += *m;
  EXPECT_EQ(sum.pss_kib, 424u);
  EXPECT_EQ(ParseSmapsRollup("Rss: 1 kB\n").status().code(), StatusCode::kMalformed);
  EXPECT_EQ(ParseSmapsRollup("").status().code(), StatusCode::kMalformed);
}

TEST(ProcMemoryTest, ReadsThisProcess) {
  auto m = ReadMemoryUsage(getpid());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_GT(m->rss_kib, 0u);
  EXPECT_GE(m->rss_kib, m->pss_kib);
}

TEST(FiguresReportTest, CsvAndHumanRendering) {
  FigureSet set;
  set.mode = "recovery";
  Figure f;
  f.name = "recovery_empty";
  f.what = "kill -9 -> first get, empty store";
  f.unit = "ms";
  f.summary = Summarize({3, 4, 5});
  set.figures.push_back(f);
  Figure missing;
  missing.name = "store_pss";
  missing.what = "PSS per store";
  missing.unit = "KiB";
  missing.errors = 2;
  set.figures.push_back(missing);
  set.notes.push_back("something odd");
  const std::string csv = CsvFigures(set);
  EXPECT_EQ(csv,
            "mode,figure,unit,samples,errors,median,p99,min,max,mean\n"
            "recovery,recovery_empty,ms,3,0,4.000,5.000,3.000,5.000,4.000\n"
            "recovery,store_pss,KiB,0,2,,,,,\n");
  const std::string human = HumanFigures(set);
  EXPECT_NE(human.find("4.00 ms"), std::string::npos) << human;
  EXPECT_NE(human.find("note: something odd"), std::string::npos) << human;
  EXPECT_EQ(FormatKib(812), "812 KiB");
  EXPECT_EQ(FormatKib(1280), "1.25 MiB");
  nlohmann::json j = FiguresJson(BenchConfig{}, set);
  EXPECT_EQ(j["figures"][0]["median"].get<double>(), 4);
  EXPECT_FALSE(j["figures"][1].contains("median"));
}

TEST(ReportTest, FormatLatencyPicksUnits) {
  EXPECT_EQ(FormatLatency(85'400), "85 us");
  EXPECT_EQ(FormatLatency(1'234'000), "1.23 ms");
  EXPECT_EQ(FormatLatency(2'050'000'000), "2.05 s");
  EXPECT_EQ(FormatMillis(3.5), "3.50 ms");
  EXPECT_EQ(FormatMillis(250), "250 ms");
  EXPECT_EQ(FormatMillis(61234), "61.23 s");
}

size_t Columns(const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; }

TEST(ReportTest, CsvRowsMatchTheHeader) {
  BenchConfig config{.spawned = true, .fsync = "always", .db_workers = 2, .clients = 50};
  TestResult r;
  r.name = "put";
  r.requests = r.ok = 1000;
  r.seconds = 0.5;
  for (uint64_t i = 1; i <= 1000; ++i) r.latency_ns.Record(i * 1000);
  const std::string header = CsvTestHeader();
  std::string row = CsvTestRow(config, r);
  EXPECT_EQ(Columns(row), Columns(header)) << row;
  EXPECT_NE(row.find(",always,2,"), std::string::npos) << row;
  EXPECT_NE(row.find(",2000.0,"), std::string::npos) << row;  // ops/s
  r.group_commit = GroupCommit{.writes = 1000, .batches = 40};
  row = CsvTestRow(config, r);
  EXPECT_EQ(Columns(row), Columns(header)) << row;
  EXPECT_NE(row.find(",1000,40,25.00,0\n"), std::string::npos) << row;
}

TEST(ReportTest, HumanRowShowsGroupCommitAndErrors) {
  TestResult r;
  r.name = "put";
  r.requests = 10;
  r.ok = 9;
  r.errors = 1;
  r.seconds = 1;
  r.latency_ns.Record(2'000'000);
  r.group_commit = GroupCommit{.writes = 90, .batches = 10, .approximate = true};
  r.first_error = "unavailable: store 'x' is restarting";
  std::string row = HumanTestRow(r);
  EXPECT_NE(row.find("2.00 ms"), std::string::npos) << row;
  EXPECT_NE(row.find("9.0 writes/batch"), std::string::npos) << row;
  EXPECT_NE(row.find("approximate"), std::string::npos) << row;
  EXPECT_NE(row.find("first error: unavailable"), std::string::npos) << row;
}

TEST(ReportTest, LoadJsonMarksAMissingReload) {
  LoadResult r;
  r.keys = 1000000;
  r.notes = {"store 'x' went to state failed"};
  nlohmann::json j = LoadJson(r);
  EXPECT_TRUE(j["reload_ms"].is_null());
  EXPECT_EQ(j["notes"].size(), 1u);
  r.reload_ms = 1234.5;
  EXPECT_DOUBLE_EQ(LoadJson(r)["reload_ms"].get<double>(), 1234.5);
  EXPECT_NE(HumanLoad(r).find("1.23 s until a get succeeded"), std::string::npos);
}

TEST(ZipfRanksTest, RankZeroIsTheHottestAndFrequenciesFollowTheExponent) {
  ZipfRanks z(1000, 1.0);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int> hits(1000);
  for (int i = 0; i < 200000; ++i) ++hits[z.Rank(u(rng))];
  // P(r) = 1 / ((r + 1) H_1000), H_1000 ~ 7.485: rank 0 ~ 13.4 %, rank 1 half of it.
  EXPECT_NEAR(hits[0] / 200000.0, 1 / 7.485, 0.01);
  EXPECT_NEAR(static_cast<double>(hits[1]) / hits[0], 0.5, 0.05);
  EXPECT_GT(hits[0], hits[9] * 5);
  EXPECT_EQ(z.Rank(0.0), 0u);
  EXPECT_EQ(z.Rank(0.9999999999), 999u);
}

TEST(ZipfRanksTest, ExponentZeroIsUniform) {
  ZipfRanks z(4, 0.0);
  EXPECT_EQ(z.Rank(0.1), 0u);
  EXPECT_EQ(z.Rank(0.3), 1u);
  EXPECT_EQ(z.Rank(0.6), 2u);
  EXPECT_EQ(z.Rank(0.99), 3u);
}

}  // namespace
}  // namespace forkv::bench
