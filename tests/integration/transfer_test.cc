// forkv export / import and the scan op behind them, through real
// processes: every byte value round-trips, many keys go in bounded pages,
// a damaged export changes nothing, and a scan works on both paths.
// FORKV_TRANSFER_KEYS=N sets the key count of the large round trip
// (default 100000; `make test-transfer-1m` runs it with 1,000,000).
#include <forkv/client.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "shared/protocol.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

class TransferTest : public ForkvTest {
 protected:
  Client MakeClient(bool direct = true) {
    return Client(ClientOptions{.endpoint = mgr_->endpoint(), .timeout = 10s, .direct = direct});
  }
  // Puts n keys "key-<i>" = "value-<i>-..." through a pipeline.
  void Fill(const std::string& store, size_t n) {
    Client c = MakeClient();
    Pipeline p = c.MakePipeline();
    for (size_t i = 0; i < n; ++i) {
      p.Put(store, "key-" + std::to_string(i), "value-" + std::to_string(i) + "-\t\n\\");
      if (p.size() == 4096 || i + 1 == n) {
        for (const auto& o : p.Run()) ASSERT_TRUE(o.status.ok()) << o.status.ToString();
      }
    }
  }
  std::string WriteFile(const std::string& name, const std::string& bytes) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(TransferTest, EveryByteValueRoundTrips) {
  Client c = MakeClient();
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (int b = 0; b < 256; ++b) {
    // Keys with every byte (a key is 1 byte at least), values rotated.
    std::string key = std::string(1, static_cast<char>(b)) + "k";
    ASSERT_TRUE(c.Put("bytes", key, all.substr(b) + all.substr(0, b)).ok());
  }
  ASSERT_TRUE(c.Put("bytes", "empty", "").ok());
  CommandResult exported = mgr_->Cli({"export", "bytes"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out.rfind("forkv-export 1\n", 0), 0u);
  EXPECT_NE(exported.out.find("\nend 257\n"), std::string::npos);
  CommandResult imported = mgr_->Cli({"import", "copy"}, exported.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out, "imported 257 keys into copy\n");
  for (int b = 0; b < 256; ++b) {
    auto v = c.Get("copy", std::string(1, static_cast<char>(b)) + "k");
    ASSERT_TRUE(v.ok()) << b;
    EXPECT_EQ(*v, all.substr(b) + all.substr(0, b)) << b;
  }
  auto empty = c.Get("copy", "empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  // The copy exports to the very same bytes.
  EXPECT_EQ(mgr_->Cli({"export", "copy"}).out, exported.out);
}

TEST_F(TransferTest, ManyKeysRoundTripInPages) {
  const char* env = std::getenv("FORKV_TRANSFER_KEYS");
  const size_t n = env != nullptr ? std::strtoull(env, nullptr, 10) : 100000;
  Fill("big", n);
  const std::string path = dir_.path() + "/big.export";
  // Through files, as an operator would: export > file, import file. The
  // times are printed (a figure, not a check).
  auto t0 = std::chrono::steady_clock::now();
  CommandResult exported =
      RunCommand("/bin/sh", {"-c", "'" + BinaryPath("forkv") + "' --socket '" + mgr_->endpoint() +
                                       "' export big > '" + path + "'"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto t1 = std::chrono::steady_clock::now();
  CommandResult imported = mgr_->Cli({"import", "big2", path});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto t2 = std::chrono::steady_clock::now();
  using Seconds = std::chrono::duration<double>;
  std::printf("[ figure   ] %zu keys: export %.2f s, import %.2f s\n", n, Seconds(t1 - t0).count(),
              Seconds(t2 - t1).count());
  EXPECT_EQ(imported.out, "imported " + std::to_string(n) + " keys into big2\n");
  Client c = MakeClient();
  auto count = c.Count("big2");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, n);
  // Pairs compared page by page (key order), not held whole.
  ScanQuery a, b;
  size_t seen = 0;
  while (true) {
    auto pa = c.Scan("big", a);
    auto pb = c.Scan("big2", b);
    ASSERT_TRUE(pa.ok() && pb.ok());
    ASSERT_EQ(pa->pairs, pb->pairs) << "after " << seen;
    ASSERT_LE(pa->pairs.size(), kDefaultScanLimit);
    seen += pa->pairs.size();
    ASSERT_EQ(pa->more, pb->more);
    if (!pa->more) break;
    a.after = pa->next_after;
    b.after = pb->next_after;
  }
  EXPECT_EQ(seen, n);
}

TEST_F(TransferTest, ADamagedExportChangesNothing) {
  Client c = MakeClient();
  ASSERT_TRUE(c.Put("src", "a", "1").ok());
  ASSERT_TRUE(c.Put("src", "b", "2").ok());
  ASSERT_TRUE(c.Put("dst", "keep", "me").ok());
  const std::string good = mgr_->Cli({"export", "src"}).out;
  ASSERT_EQ(good, "forkv-export 1\na\t1\nb\t2\nend 2\n");
  struct Case {
    std::string bytes, says;
  };
  for (const Case& bad : {
           Case{good.substr(0, good.size() - 6), "trailer"},         // cut before the trailer
           Case{good.substr(0, good.size() - 1), "no newline"},      // cut inside it
           Case{"forkv-export 1\na\t1\nb\t2\nend 3\n", "counts 3"},  // a record lost
           Case{"forkv-export 1\na\t1\nb\\q\t2\nend 2\n", "unknown escape"},
           Case{"a\t1\nend 1\n", "not a forkv export"},
           Case{good + "c\t3\n", "after the trailer"},
           Case{"", "empty input"},
       }) {
    for (bool from_file : {true, false}) {
      CommandResult r = from_file ? mgr_->Cli({"import", "dst", WriteFile("bad", bad.bytes)})
                                  : mgr_->Cli({"import", "dst"}, bad.bytes);
      EXPECT_EQ(r.exit_code, 4) << bad.says;
      EXPECT_NE(r.err.find(bad.says), std::string::npos) << r.err;
      auto keys = c.Keys("dst");
      ASSERT_TRUE(keys.ok());
      EXPECT_EQ(*keys, std::vector<std::string>{"keep"})
          << bad.says << " from a file " << from_file;
    }
  }
  // Nor does it create the store it names.
  EXPECT_EQ(mgr_->Cli({"import", "fresh"}, "forkv-export 1\na\t1\n").exit_code, 4);
  EXPECT_EQ(c.Count("fresh").status().code(), StatusCode::kNotFound);
  // A good import overwrites the keys it names and keeps the others.
  ASSERT_TRUE(c.Put("dst", "a", "old").ok());
  ASSERT_EQ(mgr_->Cli({"import", "dst"}, good).exit_code, 0);
  EXPECT_EQ(*c.Keys("dst"), (std::vector<std::string>{"a", "b", "keep"}));
  EXPECT_EQ(*c.Get("dst", "a"), "1");
}

TEST_F(TransferTest, ExportOfAMissingStoreIsNotFoundAndPrintsNothing) {
  CommandResult r = mgr_->Cli({"export", "nosuch"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no such store"), std::string::npos) << r.err;
  EXPECT_EQ(mgr_->Cli({"import", "x", dir_.path() + "/missing"}).exit_code, 1);
  EXPECT_EQ(mgr_->Cli({"export", "bad/name"}).exit_code, 4);
}

TEST_F(TransferTest, ScanPagesWithPrefixOnBothPaths) {
  Fill("s", 2500);
  Client seed = MakeClient();
  ASSERT_TRUE(seed.Put("s", "other", "x").ok());
  for (bool direct : {true, false}) {
    Client c = MakeClient(direct);
    ScanQuery q{.prefix = "key-1", .limit = 100};
    size_t n = 0;
    std::string last;
    while (true) {
      auto page = c.Scan("s", q);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const auto& [k, v] : page->pairs) {
        EXPECT_EQ(k.rfind("key-1", 0), 0u) << k;
        EXPECT_GT(k, last);
        EXPECT_EQ(v, "value-" + k.substr(4) + "-\t\n\\");
        last = k;
        ++n;
      }
      if (!page->more) break;
      q.after = page->next_after;
    }
    // key-1, key-10..19, key-100..199, key-1000..1999
    EXPECT_EQ(n, 1u + 10u + 100u + 1000u) << "direct " << direct;
    last.clear();
    EXPECT_EQ(c.Scan("nosuch").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(c.Scan("s", ScanQuery{.limit = kMaxScanLimit + 1}).status().code(),
              StatusCode::kInvalidArgument);
  }
  if (::testing::Test::HasFailure()) return;
  EXPECT_EQ(
      mgr_->Cli({"keys", "s", "--prefix", "key-19", "--after", "key-1979", "--limit", "2"}).out,
      "key-198\nkey-1980\n");
}

}  // namespace
}  // namespace forkv::test
