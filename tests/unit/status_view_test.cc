// The status views over real supervisors fed synthetic events: no processes.
#include "manager/status_view.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace forkv {
namespace {

using namespace std::chrono_literals;

class StatusViewTest : public ::testing::Test {
 protected:
  StatusViewTest() {
    options_.endpoint = "ipc:///tmp/x/manager.sock";
    options_.data_dir = "/data";
    options_.db_workers = 1;
    options_.http_listen = "127.0.0.1:0";
    (void)dbs_.AddChild({.id = "db-0"});
    (void)web_.AddChild({.id = "http"});
    Start(dbs_, &table_.dbs()[0]);
    Start(web_, table_.http());
    table_.dbs()[0].stats = {{"queue_depth", 3}};
  }
  void Start(sup::Supervisor& s, Child* c) {
    (void)s.Start(now_);
    (void)s.Handle(sup::Started{c->name, next_pid_}, now_, 0.5);
    table_.Attach(c, next_pid_++, next_gen_++);
  }
  TreeView View() const {
    return {options_, table_, dbs_, stores_, web_, root_, catalogue_, 4242, now_ - 5000ms};
  }

  ManagerOptions options_;
  ChildTable table_{1, true};
  sup::Supervisor dbs_{"db_pool", sup::Strategy::kOneForOne, {}, false};
  sup::Supervisor stores_{"stores", sup::Strategy::kOneForOne, {}, true};
  sup::Supervisor web_{"web", sup::Strategy::kOneForOne, {}, false};
  RootMachine root_{true};
  std::set<std::string> catalogue_;
  SteadyTime now_ = SteadyTime{} + 1h;
  pid_t next_pid_ = 100;
  uint64_t next_gen_ = 10;
};

TEST_F(StatusViewTest, ChildrenShowTheirSupervisorsState) {
  (void)stores_.Start(now_);
  catalogue_ = {"archive", "users"};
  Child* users = table_.AddStore("users");
  (void)stores_.AddChild({.id = "users"});
  (void)stores_.Handle(sup::Started{"users", 300}, now_ - 2000ms, 0.5);
  table_.Attach(users, 300, 77);
  users->stats = {{"keys", 12}, {"bytes", 99}};
  nlohmann::json j = StoresJson(View(), now_);
  ASSERT_EQ(j["stores"].size(), 2u);
  // A catalogue store without a process is hibernating (no pid, no figures).
  EXPECT_EQ(j["stores"][0], HibernatingJson("archive"));
  EXPECT_EQ(j["stores"][0]["state"], "hibernating");
  EXPECT_EQ(j["stores"][0]["pid"], 0);
  EXPECT_EQ(PingJson(View(), now_)["stores"], 2);
  EXPECT_EQ(PingJson(View(), now_)["live_stores"], 1);
  const nlohmann::json& s = j["stores"][1];
  EXPECT_EQ(s["name"], "users");
  EXPECT_EQ(s["state"], "starting");
  EXPECT_EQ(s["pid"], 300);
  EXPECT_EQ(s["generation"], 77);
  EXPECT_EQ(s["uptime_ms"], 2000);
  EXPECT_EQ(s["keys"], 12);
  EXPECT_FALSE(s.contains("bytes"));      // only keys are shown for stores
  EXPECT_FALSE(s.contains("endpoints"));  // no layout in this view
  // With the manager's layout, a store with a process shows its own socket.
  ManagerLayout layout = MakeLayout(options_, "/run/f", 7, "/b");
  TreeView with_layout = View();
  with_layout.layout = &layout;
  nlohmann::json shown = StoresJson(with_layout, now_);
  EXPECT_EQ(shown["stores"][1]["endpoints"], nlohmann::json::array({"ipc:///run/f/m7-s77.sock"}));
  EXPECT_FALSE(shown["stores"][0].contains("endpoints"));  // hibernating: none
  const nlohmann::json& db = j["db_workers"][0];
  EXPECT_EQ(db["shard"], 0);
  EXPECT_EQ(db["fsync_mode"], "periodic");
  EXPECT_EQ(db["queue_depth"], 3);

  // Crashed and given up: failed, the reason appended, no pid, no uptime.
  RestartPolicy none;
  none.max_restarts = 0;
  sup::Supervisor strict("stores", sup::Strategy::kOneForOne, none, true);
  (void)strict.Start(now_);
  (void)strict.AddChild({.id = "users"});
  (void)strict.Handle(sup::Started{"users", 300}, now_, 0.5);
  (void)strict.Handle(sup::Exited{"users", {.signaled = true, .signal = SIGSEGV}}, now_, 0.5);
  TreeView v{options_, table_, dbs_, strict, web_, root_, catalogue_, 4242, now_};
  nlohmann::json f = ChildJson(v, *users, now_);
  EXPECT_EQ(f["state"], "failed");
  EXPECT_EQ(f["pid"], 0);
  EXPECT_EQ(f["uptime_ms"], 0);
  EXPECT_EQ(f["last_exit"],
            "killed by signal 11 (SIGSEGV); more than 0 restarts in 5000 ms: giving up");
}

TEST_F(StatusViewTest, StoresIsOnePageWithACursorAndTheTotal) {
  (void)stores_.Start(now_);
  for (int i = 0; i < 30; ++i) catalogue_.insert("s" + std::to_string(10 + i));  // s10..s39
  Child* c = table_.AddStore("s12");
  (void)stores_.AddChild({.id = "s12"});
  (void)stores_.Handle(sup::Started{"s12", 300}, now_, 0.5);
  table_.Attach(c, 300, 77);
  nlohmann::json first = StoresJson(View(), now_, {.limit = 7});
  ASSERT_EQ(first["stores"].size(), 7u);
  EXPECT_EQ(first["stores"][0]["name"], "s10");
  EXPECT_EQ(first["stores"][2]["state"], "starting");  // s12, live
  EXPECT_EQ(first["next_after"], "s16");
  EXPECT_EQ(first["total"], 30);
  EXPECT_EQ(first["db_workers"].size(), 1u);
  nlohmann::json last = StoresJson(View(), now_, {.limit = 7, .after = "s35"});
  ASSERT_EQ(last["stores"].size(), 4u);
  EXPECT_TRUE(last["next_after"].is_null());
  nlohmann::json starting = StoresJson(View(), now_, {.state = "starting"});
  ASSERT_EQ(starting["stores"].size(), 1u);
  EXPECT_EQ(starting["stores"][0]["pid"], 300);
  nlohmann::json hibernating = StoresJson(View(), now_, {.state = "hibernating"});
  EXPECT_EQ(hibernating["stores"].size(), 29u);
  EXPECT_EQ(StoresJson(View(), now_, {.only = "s30"})["stores"][0]["name"], "s30");
}

TEST_F(StatusViewTest, StatusCountsStoresAndListsTheFirstLiveOnes) {
  (void)stores_.Start(now_);
  constexpr int kLive = 120;
  for (int i = 0; i < 1000; ++i) catalogue_.insert("c" + std::to_string(1000 + i));
  for (int i = 0; i < kLive; ++i) {
    std::string name = "c" + std::to_string(1000 + i);
    Child* c = table_.AddStore(name);
    (void)stores_.AddChild({.id = name});
    (void)stores_.Handle(sup::Started{name, 1000 + i}, now_, 0.5);
    if (i % 2 == 0) (void)stores_.Handle(sup::Ready{name}, now_, 0.5);
    table_.Attach(c, 1000 + i, 2000 + static_cast<uint64_t>(i));
    c->stats = {{"keys", 2}};
  }
  nlohmann::json j = StatusJson(View(), now_);
  const nlohmann::json& node = j["tree"]["children"][1];
  ASSERT_EQ(node["name"], "stores");
  EXPECT_EQ(node["counts"]["running"], kLive / 2);
  EXPECT_EQ(node["counts"]["starting"], kLive / 2);
  EXPECT_EQ(node["counts"]["hibernating"], 1000 - kLive);
  EXPECT_EQ(node["counts"]["failed"], 0);
  EXPECT_EQ(node["total"], 1000);
  EXPECT_EQ(node["processes"], kLive);
  EXPECT_EQ(node["keys"], 2 * kLive);
  ASSERT_EQ(node["children"].size(), kStatusStoresListed);
  EXPECT_EQ(node["children"][0]["name"], "c1000");
  EXPECT_EQ(node["children"][99]["name"], "c1099");
  EXPECT_EQ(node["omitted"], kLive - static_cast<int>(kStatusStoresListed));
  // Database workers and the gateway as before.
  EXPECT_EQ(j["tree"]["children"][0]["children"].size(), 1u);
  EXPECT_EQ(j["tree"]["children"][2]["children"][0]["name"], "http");
}

TEST_F(StatusViewTest, StatusOfACatalogueWithNoLiveStore) {
  for (int i = 0; i < 5000; ++i) catalogue_.insert("h" + std::to_string(i));
  const nlohmann::json node = StatusJson(View(), now_)["tree"]["children"][1];
  EXPECT_EQ(node["counts"]["hibernating"], 5000);
  EXPECT_TRUE(node["children"].empty());
  EXPECT_EQ(node["omitted"], 0);
}

TEST_F(StatusViewTest, StatusIsTheTree) {
  nlohmann::json j = StatusJson(View(), now_);
  EXPECT_EQ(j["manager"]["pid"], 4242);
  EXPECT_EQ(j["manager"]["uptime_ms"], 5000);
  EXPECT_EQ(j["manager"]["state"], "running");
  EXPECT_EQ(j["manager"]["data_dir"], "/data");
  const nlohmann::json& tree = j["tree"];
  EXPECT_EQ(tree["name"], "root");
  EXPECT_EQ(tree["phase"], "running");
  ASSERT_EQ(tree["children"].size(), 3u);
  EXPECT_EQ(tree["children"][0]["name"], "db_pool");
  EXPECT_EQ(tree["children"][0]["children"][0]["name"], "db-0");
  EXPECT_EQ(tree["children"][1]["name"], "stores");
  EXPECT_EQ(tree["children"][2]["children"][0]["listen"], "127.0.0.1:0");
  EXPECT_EQ(PingJson(View(), now_)["stores"], 0);

  (void)root_.Handle(root::Term{"SIGTERM"});
  j = StatusJson(View(), now_);
  EXPECT_EQ(j["manager"]["state"], "stopping");
  EXPECT_EQ(j["tree"]["phase"], "stopping_front");
}

TEST_F(StatusViewTest, ReadyOnceWorkersAndGatewayRunAndNoStoreLoads) {
  EXPECT_FALSE(CheckReadiness(View()).ready);
  (void)dbs_.Handle(sup::Ready{"db-0"}, now_, 0.5);
  EXPECT_FALSE(CheckReadiness(View()).ready);  // the gateway is not ready yet
  (void)web_.Handle(sup::Ready{"http"}, now_, 0.5);
  (void)stores_.Start(now_);
  (void)stores_.AddChild({.id = "a"});
  (void)stores_.Handle(sup::Started{"a", 1}, now_, 0.5);
  Readiness r = CheckReadiness(View());
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.loading, 1u);
  (void)stores_.Handle(sup::Ready{"a"}, now_, 0.5);
  r = CheckReadiness(View());
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.loading, 0u);
}

}  // namespace
}  // namespace forkv
