// Pages of the catalogue (manager/store_listing.h) over synthetic catalogues
// and live tables: no processes, no supervisors.
#include "manager/store_listing.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace forkv {
namespace {

// "s000000", "s000001", ...: names that sort as their numbers.
std::string Name(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "s%06d", i);
  return buf;
}

std::set<std::string> Catalogue(int n) {
  std::set<std::string> out;
  for (int i = 0; i < n; ++i) out.insert(Name(i));
  return out;
}

class StoreListingTest : public ::testing::Test {
 protected:
  // A live store in `state`.
  void Live(const std::string& name, std::string state) {
    (void)table_.AddStore(name);
    states_[name] = std::move(state);
  }
  StoreListing List(const StorePage& page) const {
    return ListStores(catalogue_, table_.stores(), StateOf(), page);
  }
  LiveStateOf StateOf() const {
    return [this](const std::string& name) -> std::string_view { return states_.at(name); };
  }
  // Every name the pages list, following next_after from the start; fails
  // the test on a page over its limit or a cursor that does not advance.
  std::vector<std::string> AllPages(StorePage page, int* pages = nullptr) const {
    std::vector<std::string> out;
    int n = 0;
    while (true) {
      StoreListing l = List(page);
      ++n;
      EXPECT_LE(l.names.size(), page.limit);
      EXPECT_LE(l.examined, ExamineBudget(page.limit));
      out.insert(out.end(), l.names.begin(), l.names.end());
      if (!l.next_after) break;
      EXPECT_GT(*l.next_after, page.after) << "the cursor went backwards";
      if (*l.next_after <= page.after || n > 100000) break;
      page.after = *l.next_after;
    }
    if (pages != nullptr) *pages = n;
    return out;
  }

  std::set<std::string> catalogue_;
  ChildTable table_{1, false};
  std::map<std::string, std::string> states_;
};

TEST_F(StoreListingTest, TheFirstPageIsTheFirstNamesWithACursor) {
  catalogue_ = Catalogue(25);
  StoreListing l = List({.limit = 10});
  ASSERT_EQ(l.names.size(), 10u);
  EXPECT_EQ(l.names.front(), "s000000");
  EXPECT_EQ(l.names.back(), "s000009");
  ASSERT_TRUE(l.next_after.has_value());
  EXPECT_EQ(*l.next_after, "s000009");
  EXPECT_EQ(l.examined, 10u);
}

TEST_F(StoreListingTest, PagesCoverEveryNameOnceInOrder) {
  catalogue_ = Catalogue(53);
  Live("s000003", "running");  // live stores are listed like the others
  Live("s000040", "failed");
  const std::vector<std::string> every(catalogue_.begin(), catalogue_.end());
  for (uint64_t limit : {1u, 7u, 10u, 52u, 53u, 54u, 1000u}) {
    int pages = 0;
    EXPECT_EQ(AllPages({.limit = limit}, &pages), every) << "limit " << limit;
    EXPECT_EQ(pages, static_cast<int>((53 + limit - 1) / limit)) << "limit " << limit;
  }
}

TEST_F(StoreListingTest, AFullLastPageSaysNothingFollows) {
  catalogue_ = Catalogue(20);
  StoreListing l = List({.limit = 10, .after = "s000009"});
  ASSERT_EQ(l.names.size(), 10u);
  EXPECT_EQ(l.names.front(), "s000010");
  EXPECT_FALSE(l.next_after.has_value());
  EXPECT_FALSE(List({.limit = 20}).next_after.has_value());
}

TEST_F(StoreListingTest, AfterIsStrictAndNeedNotBeAName) {
  catalogue_ = Catalogue(20);
  EXPECT_EQ(List({.limit = 1, .after = "s000005"}).names, std::vector<std::string>{"s000006"});
  EXPECT_EQ(List({.limit = 1, .after = "s000005x"}).names, std::vector<std::string>{"s000006"});
  EXPECT_EQ(List({.limit = 1, .after = "a"}).names, std::vector<std::string>{"s000000"});
  StoreListing past = List({.limit = 5, .after = "t"});
  EXPECT_TRUE(past.names.empty());
  EXPECT_FALSE(past.next_after.has_value());
  catalogue_.clear();
  StoreListing empty = List({});
  EXPECT_TRUE(empty.names.empty());
  EXPECT_FALSE(empty.next_after.has_value());
}

TEST_F(StoreListingTest, UnfilteredWorkIsThePageWhateverTheCatalogueHolds) {
  catalogue_ = Catalogue(100000);
  StoreListing l = List({.limit = 3, .after = Name(77777)});
  EXPECT_EQ(l.names, (std::vector<std::string>{Name(77778), Name(77779), Name(77780)}));
  EXPECT_EQ(l.examined, 3u);
}

TEST_F(StoreListingTest, RequestFieldsMakeThePage) {
  auto defaults = StorePageOf(RequestView{.op = Op::kStores});  // an old client's request
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->limit, kDefaultStoresLimit);
  EXPECT_EQ(defaults->after, "");
  EXPECT_EQ(defaults->state, "");
  EXPECT_EQ(defaults->only, "");
  auto page = StorePageOf(RequestView{
      .op = Op::kStores, .store = "one", .key = "s000007", .value = "running", .arg = 7});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->limit, 7u);
  EXPECT_EQ(page->after, "s000007");
  EXPECT_EQ(page->state, "running");
  EXPECT_EQ(page->only, "one");
  EXPECT_TRUE(StorePageOf(RequestView{.op = Op::kStores, .arg = kMaxStoresLimit}).ok());
}

TEST_F(StoreListingTest, BadPagesAreRefusedSayingWhy) {
  auto over = StorePageOf(RequestView{.op = Op::kStores, .arg = kMaxStoresLimit + 1});
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("10000"), std::string::npos) << over.status().message();
  auto state = StorePageOf(RequestView{.op = Op::kStores, .value = "sleeping"});
  EXPECT_EQ(state.status().code(), StatusCode::kInvalidArgument);
  for (std::string_view valid : kStoreStates) {
    EXPECT_NE(state.status().message().find(valid), std::string::npos) << state.status().message();
  }
  std::string long_after(kMaxStoreNameBytes + 1, 'a');
  EXPECT_EQ(StorePageOf(RequestView{.op = Op::kStores, .key = long_after}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(StorePageOf(RequestView{.op = Op::kStores, .store = "../x"}).status().code(),
            StatusCode::kInvalidArgument);
  for (std::string_view valid : kStoreStates) {
    EXPECT_TRUE(StorePageOf(RequestView{.op = Op::kStores, .value = valid}).ok()) << valid;
  }
}

TEST_F(StoreListingTest, StateFilterOnLiveStoresWalksTheTable) {
  catalogue_ = {"a", "b", "c", "d", "e", "f"};
  Live("b", "running");
  Live("d", "failed");
  Live("e", "running");
  Live("x", "running");  // being dropped: live, no longer in the catalogue
  EXPECT_EQ(List({.state = "running"}).names, (std::vector<std::string>{"b", "e"}));
  EXPECT_EQ(List({.state = "running"}).examined, 4u);  // the live table only
  EXPECT_EQ(List({.state = "failed"}).names, std::vector<std::string>{"d"});
  EXPECT_TRUE(List({.state = "starting"}).names.empty());
  EXPECT_EQ(List({.state = "hibernating"}).names, (std::vector<std::string>{"a", "c", "f"}));
  // Page by page, one at a time.
  EXPECT_EQ(AllPages({.limit = 1, .state = "running"}), (std::vector<std::string>{"b", "e"}));
  EXPECT_EQ(AllPages({.limit = 1, .state = "hibernating"}),
            (std::vector<std::string>{"a", "c", "f"}));
  StoreListing first = List({.limit = 1, .state = "running"});
  ASSERT_TRUE(first.next_after.has_value());
  EXPECT_EQ(*first.next_after, "b");
}

TEST_F(StoreListingTest, TheHibernatingWalkStopsAtItsBudgetWithACursor) {
  catalogue_ = Catalogue(5000);
  for (int i = 0; i < 3000; ++i) Live(Name(i), "running");  // the first 3000 are live
  StoreListing l = List({.limit = 10, .state = "hibernating"});
  EXPECT_EQ(ExamineBudget(10), 1100u);
  EXPECT_EQ(l.examined, 1100u);
  EXPECT_TRUE(l.names.empty());  // nothing hibernating among the first 1100 names
  ASSERT_TRUE(l.next_after.has_value());
  EXPECT_EQ(*l.next_after, Name(1099));
  // Following the cursors lists every hibernating store exactly once.
  std::vector<std::string> expected;
  for (int i = 3000; i < 5000; ++i) expected.push_back(Name(i));
  EXPECT_EQ(AllPages({.limit = 10, .state = "hibernating"}), expected);
  // And every live one for their state.
  std::vector<std::string> running(3000);
  for (int i = 0; i < 3000; ++i) running[static_cast<size_t>(i)] = Name(i);
  EXPECT_EQ(AllPages({.limit = 10, .state = "running"}), running);
}

TEST_F(StoreListingTest, OnlyNamesOneStore) {
  catalogue_ = {"a", "b", "c"};
  Live("b", "running");
  EXPECT_EQ(List({.only = "b"}).names, std::vector<std::string>{"b"});
  EXPECT_EQ(List({.only = "c"}).names, std::vector<std::string>{"c"});
  EXPECT_TRUE(List({.only = "zz"}).names.empty());
  EXPECT_TRUE(List({.state = "hibernating", .only = "b"}).names.empty());
  EXPECT_EQ(List({.state = "running", .only = "b"}).names, std::vector<std::string>{"b"});
  EXPECT_TRUE(List({.after = "b", .only = "b"}).names.empty());
  EXPECT_FALSE(List({.only = "b"}).next_after.has_value());
}

TEST_F(StoreListingTest, CountsByStateCoverTheCatalogue) {
  catalogue_ = Catalogue(1000);
  Live(Name(1), "running");
  Live(Name(2), "running");
  Live(Name(3), "failed");
  Live(Name(4), "starting");
  Live("dropping", "stopping");  // not in the catalogue: not counted
  auto counts = CountStores(catalogue_, table_.stores(), StateOf());
  EXPECT_EQ(counts.size(), kStoreStates.size());
  EXPECT_EQ(counts["running"], 2u);
  EXPECT_EQ(counts["failed"], 1u);
  EXPECT_EQ(counts["starting"], 1u);
  EXPECT_EQ(counts["stopping"], 0u);
  EXPECT_EQ(counts["restarting"], 0u);
  EXPECT_EQ(counts["hibernating"], 996u);
  uint64_t sum = 0;
  for (const auto& [state, n] : counts) sum += n;
  EXPECT_EQ(sum, catalogue_.size());
}

}  // namespace
}  // namespace forkv
