#include "manager/spawn_specs.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "manager/manager_options.h"

namespace forkv {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

ManagerOptions Options() {
  ManagerOptions o;
  o.endpoint = "ipc:///run/f/manager.sock";
  o.data_dir = "/var/lib/forkv";
  o.db_workers = 2;
  o.fsync_mode = "always";
  o.fsync_interval_ms = 250;
  o.log_level = "debug";
  return o;
}

TEST(SpawnSpecsTest, LayoutNamesEndpointsByManagerPidAndShard) {
  ManagerLayout l = MakeLayout(Options(), "/run/f", 4242, "/opt/forkv/bin");
  EXPECT_EQ(l.manager_pid, 4242);
  EXPECT_EQ(l.backend_endpoint, "ipc:///run/f/m4242-be.sock");
  EXPECT_EQ(Join(l.db_endpoints), "ipc:///run/f/m4242-db0.sock ipc:///run/f/m4242-db1.sock");
  EXPECT_EQ(l.store_exe, "/opt/forkv/bin/forkv-store");
  EXPECT_EQ(Join(RequiredBinaries(Options(), l)),
            "/opt/forkv/bin/forkv-store /opt/forkv/bin/forkv-db");
  ManagerOptions with_http = Options();
  with_http.http_listen = "127.0.0.1:0";
  EXPECT_EQ(RequiredBinaries(with_http, l).back(), "/opt/forkv/bin/forkv-http");
}

TEST(SpawnSpecsTest, StoreArgv) {
  ManagerLayout l = MakeLayout(Options(), "/run/f", 7, "/b");
  SpawnSpec s = StoreSpawnSpec(Options(), l, "users", 99);
  EXPECT_EQ(s.exe, "/b/forkv-store");
  EXPECT_EQ(Join(s.args),
            "--name users --gen 99 --backend ipc:///run/f/m7-be.sock --db "
            "ipc:///run/f/m7-db0.sock,ipc:///run/f/m7-db1.sock --bind ipc:///run/f/m7-s99.sock "
            "--log-level debug --parent-pid 7 --idle-after-ms 1000 --socket-mode 0600");
  EXPECT_EQ(s.parent_death_signal, SIGKILL);
  ManagerOptions group = Options();
  group.socket_mode = 0660;
  std::vector<std::string> args = StoreSpawnSpec(group, l, "users", 99).args;
  auto mode = std::find(args.begin(), args.end(), "--socket-mode");
  ASSERT_NE(mode, args.end());
  EXPECT_EQ(*std::next(mode), "0660");
  EXPECT_EQ(StoreEndpoint(l, 99), "ipc:///run/f/m7-s99.sock");
  // A rename's new store copies the old one's keys first.
  std::vector<std::string> copy = StoreSpawnSpec(Options(), l, "people", 99, "users").args;
  ASSERT_GE(copy.size(), 2u);
  EXPECT_EQ(copy[copy.size() - 2], "--copy-from");
  EXPECT_EQ(copy.back(), "users");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--copy-from"), 0);
  // A store just created has nothing to load.
  std::vector<std::string> fresh = StoreSpawnSpec(Options(), l, "new", 99, "", true).args;
  EXPECT_EQ(fresh.back(), "--fresh");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--fresh"), 0);
}

TEST(SpawnSpecsTest, StoreBindsTcpWhenTheManagerListensOnTcp) {
  ManagerOptions o = Options();
  o.listen = {"ipc:///tmp/x.sock", "tcp://127.0.0.1:7070", "tcp://10.0.0.1:7071"};
  ManagerLayout l = MakeLayout(o, "/run/f", 7, "/b");
  EXPECT_EQ(l.store_tcp_bind, "tcp://127.0.0.1:*");  // the first tcp endpoint's host
  SpawnSpec s = StoreSpawnSpec(o, l, "users", 99);
  ASSERT_GE(s.args.size(), 2u);
  EXPECT_EQ(s.args[s.args.size() - 2], "--bind");
  EXPECT_EQ(s.args.back(), "tcp://127.0.0.1:*");
  // Without tcp, no tcp bind.
  EXPECT_EQ(MakeLayout(Options(), "/run/f", 7, "/b").store_tcp_bind, "");
}

TEST(SpawnSpecsTest, DbArgv) {
  ManagerLayout l = MakeLayout(Options(), "/run/f", 7, "/b");
  SpawnSpec s = DbSpawnSpec(Options(), l, 1, 100, /*create=*/false);
  EXPECT_EQ(s.exe, "/b/forkv-db");
  EXPECT_EQ(Join(s.args),
            "--shard 1 --shards 2 --dir /var/lib/forkv/shard-1 --catalogue "
            "/var/lib/forkv/catalogue --bind ipc:///run/f/m7-db1.sock "
            "--backend ipc:///run/f/m7-be.sock --gen 100 --fsync always --fsync-interval-ms 250 "
            "--log-level debug --parent-pid 7");
  EXPECT_EQ(s.parent_death_signal, SIGTERM);  // it syncs and closes
  // Only a fresh data directory's shards are created.
  EXPECT_EQ(DbSpawnSpec(Options(), l, 1, 100, /*create=*/true).args.back(), "--create");
}

TEST(SpawnSpecsTest, HttpArgv) {
  ManagerOptions o = Options();
  o.http_listen = "127.0.0.1:8080";
  o.http_threads = 8;
  o.http_upstream_timeout_ms = 1500;
  ManagerLayout l = MakeLayout(o, "/run/f", 7, "/b");
  SpawnSpec s = HttpSpawnSpec(o, l, 101);
  EXPECT_EQ(s.exe, "/b/forkv-http");
  EXPECT_EQ(Join(s.args),
            "--listen 127.0.0.1:8080 --manager ipc:///run/f/manager.sock --backend "
            "ipc:///run/f/m7-be.sock --gen 101 --log-level debug --parent-pid 7 --threads 8 "
            "--upstream-timeout-ms 1500 --upstream direct");
  EXPECT_EQ(s.parent_death_signal, SIGKILL);
  o.http_direct = false;
  EXPECT_EQ(HttpSpawnSpec(o, l, 101).args.back(), "manager");
}

TEST(ManagerOptionsTest, BadOptionsAreNamed) {
  EXPECT_TRUE(ValidateOptions(Options()).ok());
  auto bad = [](auto mutate) {
    ManagerOptions o = Options();
    mutate(o);
    Status s = ValidateOptions(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    return s.message();
  };
  EXPECT_EQ(bad([](ManagerOptions& o) { o.db_workers = 0; }), "--db-workers must be 1..64");
  EXPECT_EQ(bad([](ManagerOptions& o) { o.db_workers = 65; }), "--db-workers must be 1..64");
  EXPECT_EQ(bad([](ManagerOptions& o) { o.fsync_mode = "sometimes"; }),
            "--fsync must be always, periodic or never");
  EXPECT_EQ(bad([](ManagerOptions& o) { o.ping_interval_ms = 0; }),
            "--ping-interval-ms must be positive");
  EXPECT_EQ(bad([](ManagerOptions& o) { o.shutdown_timeout_ms = -1; }),
            "--shutdown-timeout-ms must be positive");
  EXPECT_FALSE(bad([](ManagerOptions& o) { o.http_listen = "nope"; }).empty());
}

TEST(ManagerOptionsTest, RunDirFollowsTheSocketUnlessGiven) {
  ManagerOptions o = Options();
  EXPECT_EQ(ResolveRunDir(o, 1000), "/run/f");
  o.run_dir = "/elsewhere";
  EXPECT_EQ(ResolveRunDir(o, 1000), "/elsewhere");
  o.run_dir.clear();
  o.endpoint = "tcp://127.0.0.1:7070";
  EXPECT_EQ(ResolveRunDir(o, 1000), "/tmp/forkv-1000");
}

}  // namespace
}  // namespace forkv

namespace forkv {
namespace {

TEST(SpawnSpecsTest, ManagerPidOfSocketFileKnowsOnlyTheLayoutsNames) {
  EXPECT_EQ(ManagerPidOfSocketFile("m7-be.sock"), 7);
  EXPECT_EQ(ManagerPidOfSocketFile("m123-db0.sock"), 123);
  EXPECT_EQ(ManagerPidOfSocketFile("m123-s1796190991281344.sock"), 123);
  for (const char* other : {"manager.sock", "m-be.sock", "m7-be.sock.lock", "m7-x.sock",
                            "m7-s.sock", "m7-db.sock", "m7-s12a.sock", "mx7-be.sock",
                            "m99999999999-be.sock", "m0-be.sock", "m7-be.sockx", "db0.sock", ""}) {
    EXPECT_EQ(ManagerPidOfSocketFile(other), std::nullopt) << other;
  }
}

}  // namespace
}  // namespace forkv
