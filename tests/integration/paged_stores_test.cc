// `stores` in pages against a real manager: through the CLI (one page and
// its "-- more" hint, --all, --json), the C++ client and raw requests;
// state filters over stores that hibernate after a manager restart, and
// `status` counting them instead of listing them.
#include <forkv/client.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "clients/cpp/connection.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

constexpr int kStores = 30;

std::string Name(int i) { return (i < 10 ? "p0" : "p") + std::to_string(i); }

std::vector<std::string> Every() {
  std::vector<std::string> out;
  for (int i = 0; i < kStores; ++i) out.push_back(Name(i));
  return out;
}

// The NAME column of the stores' table in `forkv stores` output (up to the
// blank line before the database workers' table).
std::vector<std::string> TableNames(const std::string& out) {
  std::vector<std::string> names;
  std::istringstream in(out);
  std::string line;
  bool header = true;
  while (std::getline(in, line) && !line.empty()) {
    if (header) {
      EXPECT_EQ(line.rfind("NAME", 0), 0u) << out;
      header = false;
      continue;
    }
    names.push_back(line.substr(0, line.find(' ')));
  }
  return names;
}

std::vector<std::string> JsonNames(const nlohmann::json& body) {
  std::vector<std::string> names;
  for (const auto& s : body.value("stores", nlohmann::json::array())) {
    names.push_back(s.value("name", ""));
  }
  return names;
}

class PagedStoresTest : public ForkvTest {
 protected:
  void SetUp() override {
    ForkvTest::SetUp();
    if (HasFatalFailure()) return;
    // Created in reverse order: the listing's order is the names'.
    for (int i = kStores - 1; i >= 0; --i) {
      ASSERT_EQ(mgr_->Cli({"create", Name(i)}).exit_code, 0) << Name(i);
    }
  }
};

TEST_F(PagedStoresTest, TheCliPagesThroughEveryStoreOnce) {
  std::vector<std::string> seen;
  std::vector<std::string> args = {"stores", "--limit", "7"};
  int pages = 0;
  while (pages < 20) {
    CommandResult r = mgr_->Cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ++pages;
    std::vector<std::string> names = TableNames(r.out);
    EXPECT_LE(names.size(), 7u);
    seen.insert(seen.end(), names.begin(), names.end());
    const std::string more = "-- more: forkv stores --after ";
    if (r.err.empty()) break;
    ASSERT_EQ(r.err.rfind(more, 0), 0u) << r.err;
    std::string after =
        r.err.substr(more.size(), r.err.find_first_of(" \n", more.size()) - more.size());
    EXPECT_EQ(after, names.back());
    args = {"stores", "--limit", "7", "--after", after};
  }
  EXPECT_EQ(pages, 5);  // 7 + 7 + 7 + 7 + 2
  EXPECT_EQ(seen, Every());
}

TEST_F(PagedStoresTest, JsonPagesCarryTheCursorAndTheTotal) {
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    std::vector<std::string> args = {"stores", "--limit", "7"};
    if (!after.empty()) args.insert(args.end(), {"--after", after});
    nlohmann::json j = mgr_->CliJson(args);
    ASSERT_EQ(j.value("ok", false), true) << j.dump();
    EXPECT_EQ(j.value("total", 0), kStores);
    std::vector<std::string> names = JsonNames(j);
    seen.insert(seen.end(), names.begin(), names.end());
    if (j["next_after"].is_null()) break;
    after = j["next_after"].get<std::string>();
  }
  EXPECT_EQ(seen, Every());
}

TEST_F(PagedStoresTest, AllFollowsEveryPage) {
  CommandResult human = mgr_->Cli({"stores", "--all", "--limit", "7"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_EQ(TableNames(human.out), Every());
  EXPECT_EQ(human.err, "");
  EXPECT_NE(human.out.find("DB_SHARD"), std::string::npos) << human.out;
  nlohmann::json j = mgr_->CliJson({"stores", "--all", "--limit", "7"});
  EXPECT_EQ(j.value("ok", false), true) << j.dump();
  EXPECT_EQ(JsonNames(j), Every());
  EXPECT_TRUE(j["next_after"].is_null());
  EXPECT_FALSE(j["db_workers"].empty());
}

TEST_F(PagedStoresTest, StateFiltersAndStatusCountsAfterARestart) {
  RestartManager();  // every store hibernates: none started yet
  if (HasFatalFailure()) return;
  CommandResult get = mgr_->Cli({"get", Name(5), "k"});  // activates p05 (no such key)
  EXPECT_EQ(get.exit_code, 1) << get.err;
  ASSERT_TRUE(mgr_->WaitStoreRunning(Name(5)));

  nlohmann::json running = mgr_->CliJson({"stores", "--state", "running"});
  EXPECT_EQ(JsonNames(running), std::vector<std::string>{Name(5)});
  EXPECT_TRUE(running["next_after"].is_null());
  nlohmann::json hibernating =
      mgr_->CliJson({"stores", "--state", "hibernating", "--all", "--limit", "7"});
  std::vector<std::string> expected = Every();
  expected.erase(expected.begin() + 5);
  EXPECT_EQ(JsonNames(hibernating), expected);

  nlohmann::json status = mgr_->CliJson({"status"});
  nlohmann::json node;
  for (const auto& g : status["tree"]["children"]) {
    if (g.value("name", "") == "stores") node = g;
  }
  ASSERT_TRUE(node.is_object()) << status.dump();
  EXPECT_EQ(node["counts"].value("running", -1), 1);
  EXPECT_EQ(node["counts"].value("hibernating", -1), kStores - 1);
  EXPECT_EQ(node.value("total", -1), kStores);
  ASSERT_EQ(node["children"].size(), 1u);  // only live stores are listed
  EXPECT_EQ(node["children"][0].value("name", ""), Name(5));
  CommandResult text = mgr_->Cli({"status"});
  EXPECT_NE(text.out.find("30 stores: 1 running, 29 hibernating"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("─ " + Name(6)), std::string::npos)
      << "hibernating stores are only counted";
}

TEST_F(PagedStoresTest, BadPagesAreRefusedAndAnOldRequestGetsTheDefaultPage) {
  for (const char* limit : {"0", "10001"}) {
    CommandResult r = mgr_->Cli({"stores", "--limit", limit});
    EXPECT_EQ(r.exit_code, 2) << limit << ": " << r.err;
  }
  EXPECT_EQ(mgr_->Cli({"stores", "--state", "asleep"}).exit_code, 2);

  Connection raw(ctx_, mgr_->endpoint());
  auto over = raw.Call(Request{.op = Op::kStores, .arg = kMaxStoresLimit + 1}, 5000ms);
  ASSERT_TRUE(over.ok()) << over.status().ToString();
  EXPECT_EQ(over->code, StatusCode::kInvalidArgument) << over->message;
  auto state = raw.Call(Request{.op = Op::kStores, .value = "asleep"}, 5000ms);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->code, StatusCode::kInvalidArgument);
  EXPECT_NE(state->message.find("hibernating"), std::string::npos) << state->message;

  // A client from before paging sends every field empty: the first 1000.
  auto old = raw.CallJson(Op::kStores, "", 0, 5000ms);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(JsonNames(*old), Every());
  EXPECT_TRUE((*old)["next_after"].is_null());
  // One store by name.
  auto one = raw.CallJson(Op::kStores, Name(17), 0, 5000ms);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(JsonNames(*one), std::vector<std::string>{Name(17)});
}

TEST_F(PagedStoresTest, TheCppClientPagesThroughEveryStoreOnce) {
  forkv::Client client(mgr_->endpoint());
  std::vector<std::string> seen;
  StoresQuery query{.limit = 7};
  for (int page = 0; page < 20; ++page) {
    auto p = client.Stores(query);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->total, static_cast<uint64_t>(kStores));
    for (const auto& s : p->stores) seen.push_back(s.name);
    if (p->next_after.empty()) break;
    query.after = p->next_after;
  }
  EXPECT_EQ(seen, Every());
  auto first = client.Stores();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), static_cast<size_t>(kStores));
  EXPECT_EQ(client.Stores(StoresQuery{.limit = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Stores(StoresQuery{.state = "asleep"}).status().code(),
            StatusCode::kInvalidArgument);
  auto running = client.Stores(StoresQuery{.state = "running"});
  ASSERT_TRUE(running.ok()) << running.status().ToString();
  EXPECT_EQ(running->stores.size(), static_cast<size_t>(kStores));
}

}  // namespace
}  // namespace forkv::test
