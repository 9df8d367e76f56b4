#include "store_worker/store_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace forkv {
namespace {

TEST(StoreMapTest, PutGetOverwrite) {
  StoreMap m;
  m.Put("alice", "42");
  std::string v;
  ASSERT_TRUE(m.Get("alice", &v).ok());
  EXPECT_EQ(v, "42");
  m.Put("alice", "43");
  ASSERT_TRUE(m.Get("alice", &v).ok());
  EXPECT_EQ(v, "43");
  EXPECT_EQ(m.Count(), 1u);
  EXPECT_EQ(m.PayloadBytes(), 7u);
}

TEST(StoreMapTest, MissingKeyIsNotFoundAndLeavesOutputAlone) {
  StoreMap m;
  std::string v = "untouched";
  Status s = m.Get("nobody", &v);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(v, "untouched");
  EXPECT_EQ(m.Delete("nobody").code(), StatusCode::kNotFound);
}

TEST(StoreMapTest, DeleteRemovesAndAccountsBytes) {
  StoreMap m;
  m.Put("a", "1");
  m.Put("b", "22");
  ASSERT_TRUE(m.Delete("a").ok());
  EXPECT_FALSE(m.Contains("a"));
  EXPECT_EQ(m.Dump(), "b=22");
  EXPECT_EQ(m.PayloadBytes(), 3u);
}

TEST(StoreMapTest, BinarySafeKeysAndValues) {
  StoreMap m;
  std::string key("k\0ey", 4), value("\0\xff\n", 3);
  m.Put(key, value);
  std::string v;
  ASSERT_TRUE(m.Get(key, &v).ok());
  EXPECT_EQ(v, value);
  EXPECT_FALSE(m.Contains("k"));
  EXPECT_EQ(m.Dump(), "k\\x00ey=\\x00\\xff\\x0a");
}

TEST(StoreMapTest, KeysByPrefixSortedWithLimit) {
  StoreMap m;
  for (const char* k : {"user:2", "user:1", "admin", "user:10", "userx", "zed"}) m.Put(k, "v");
  EXPECT_EQ(m.Keys("user:", 0), (std::vector<std::string>{"user:1", "user:10", "user:2"}));
  EXPECT_EQ(m.Keys("user:", 2), (std::vector<std::string>{"user:1", "user:10"}));
  EXPECT_EQ(m.Keys("", 0).size(), 6u);
  EXPECT_TRUE(m.Keys("nope", 0).empty());
}

TEST(StoreMapTest, KeysAfterAKeyArePagesOfTheRange) {
  StoreMap m;
  for (const char* k : {"user:2", "user:1", "admin", "user:10", "userx", "zed"}) m.Put(k, "v");
  EXPECT_EQ(m.Keys("user:", 0, "user:1"), (std::vector<std::string>{"user:10", "user:2"}));
  EXPECT_EQ(m.Keys("user:", 1, "user:10"), (std::vector<std::string>{"user:2"}));
  EXPECT_TRUE(m.Keys("user:", 0, "user:2").empty());
  EXPECT_EQ(m.Keys("user:", 0, "a"), m.Keys("user:", 0));  // after before the prefix
  EXPECT_TRUE(m.Keys("user:", 0, "v").empty());            // after past the prefix
  EXPECT_EQ(m.Keys("", 0, "userx"), (std::vector<std::string>{"zed"}));
}

// Paging with Scan visits every pair once, in order, whatever the page size.
TEST(StoreMapTest, ScanPagesVisitEveryPairOnceInOrder) {
  StoreMap m;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "k" + std::to_string(i * 7919 % 1000);
    m.Put(k, "v" + std::to_string(i));
    model[k] = "v" + std::to_string(i);
  }
  m.Put("other", "x");
  for (size_t limit : {size_t{1}, size_t{7}, size_t{1000}, size_t{5000}}) {
    std::vector<std::pair<std::string, std::string>> seen;
    std::string after;
    while (true) {
      StoreMap::ScanPage page = m.Scan(after, "k", limit, 1 << 20);
      ASSERT_LE(page.entries.size(), limit);
      for (const auto& e : page.entries) seen.emplace_back(std::string(e.key), *e.value);
      if (!page.more) break;
      ASSERT_FALSE(page.entries.empty());
      after = std::string(page.entries.back().key);
    }
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(seen, Pairs(model.begin(), model.end())) << "limit " << limit;
  }
}

TEST(StoreMapTest, ScanStopsAtTheByteBoundButReturnsOnePairAtLeast) {
  StoreMap m;
  m.Put("a", std::string(100, 'x'));
  m.Put("b", std::string(100, 'y'));
  m.Put("c", "z");
  StoreMap::ScanPage page = m.Scan("", "", 10, 50);  // one pair is already over 50 bytes
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].key, "a");
  EXPECT_TRUE(page.more);
  page = m.Scan("a", "", 10, 150);
  ASSERT_EQ(page.entries.size(), 2u);  // b (101 bytes), then c: under the bound before it
  EXPECT_FALSE(page.more);
  EXPECT_FALSE(m.Scan("c", "", 10, 150).more);
  EXPECT_TRUE(m.Scan("c", "", 10, 150).entries.empty());
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

// The sorted index follows every insert, overwrite and delete of the hash
// map, short (SSO) and long keys alike, compared with a std::map model.
TEST(StoreMapTest, SortedIndexFollowsEveryChange) {
  StoreMap m;
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string key =
        (rng() % 3 == 0 ? std::string(40, 'L') : std::string("k")) + std::to_string(rng() % 500);
    if (rng() % 4 == 0) {
      EXPECT_EQ(m.Delete(key).ok(), model.erase(key) == 1);
    } else {
      std::string value = std::to_string(i);
      m.Put(key, value);
      model[key] = value;
    }
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  EXPECT_EQ(m.Keys("", 0), keys);
  EXPECT_EQ(m.Count(), model.size());
  std::vector<std::string> long_keys;
  for (const auto& k : keys) {
    if (k[0] == 'L') long_keys.push_back(k);
  }
  EXPECT_EQ(m.Keys(std::string(40, 'L'), 0), long_keys);
  for (const auto& [k, v] : model) EXPECT_EQ(m.Find(k)->value, v);
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

// Expiry: an expired item is invisible to FindLive, Keys, Scan and
// LiveCount at once, and listed by ExpiredKeys (earliest first) until it is
// deleted; replacing an item moves it in the expiry index.
TEST(StoreMapTest, ExpiredItemsAreInvisibleAndListedUntilRemoved) {
  StoreMap m;
  m.Put("a", "1", 1, 100);
  m.Put("b", "2", 2, 0);
  m.Put("c", "3", 3, 50);
  EXPECT_EQ(m.NextExpiry(), 50);
  EXPECT_NE(m.FindLive("a", 99), nullptr);
  EXPECT_EQ(m.FindLive("a", 100), nullptr);
  EXPECT_NE(m.Find("a"), nullptr);  // still there until removed
  EXPECT_EQ(m.Keys("", 0, "", 60), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.Keys("", 0, "", 0), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(m.LiveCount(49), 3u);
  EXPECT_EQ(m.LiveCount(100), 1u);
  EXPECT_EQ(m.Scan("", "", 10, 1 << 20, 100).entries.size(), 1u);
  EXPECT_EQ(m.ExpiredKeys(100, 10), (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(m.ExpiredKeys(100, 1), (std::vector<std::string>{"c"}));
  m.Put("c", "3'", 4, 0);  // a write without TTL clears it
  EXPECT_EQ(m.NextExpiry(), 100);
  m.Put("b", "2'", 5, 200);
  EXPECT_EQ(m.ExpiredKeys(1000, 10), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(m.Delete("a").ok());
  EXPECT_EQ(m.NextExpiry(), 200);
  m.Clear();
  EXPECT_EQ(m.NextExpiry(), 0);
}

}  // namespace
}  // namespace forkv
