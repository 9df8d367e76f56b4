// The HTTP gateway (forkv-http) against a real manager, stores and database
// workers, through a real HTTP client (cpp-httplib's): every endpoint and
// error status, binary values, percent-encoded keys, concurrency, SIGKILL
// of the gateway under load, and /metrics parsed as Prometheus text.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "http_gateway/route.h"
#include "shared/protocol.h"
#include "tests/integration/http_gateway_fixture.h"

namespace forkv::test {
namespace {

TEST_F(HttpGatewayTest, HealthReadinessAndTheTree) {
  auto health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(Json(health).value("status", ""), "ok");
  // Ready once every database worker runs (the gateway may be up before).
  std::string ready_body;
  ASSERT_TRUE(WaitFor([&] {
    auto ready = Client().Get("/readyz");
    ready_body = ready ? ready->body : "no answer";
    return ready && ready->status == 200;
  })) << ready_body;
  EXPECT_EQ(nlohmann::json::parse(ready_body).value("ready", false), true);

  nlohmann::json gw = GatewayInfo();
  ASSERT_TRUE(gw.is_object());
  EXPECT_EQ(gw.value("kind", ""), "http");
  EXPECT_EQ(gw.value("state", ""), "running");
  EXPECT_EQ(gw.value("port", 0), port_);
  EXPECT_TRUE(IsAlive(gw.value("pid", 0)));

  auto status = Client().Get("/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(Json(status)["manager"].value("pid", 0), mgr_->pid());
}

TEST_F(HttpGatewayTest, OptionsSaysWhatARouteTakesAndDoesNothing) {
  auto c = Client();
  auto key = c.Options(KeyPath("kv", "k"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->status, 204);
  EXPECT_EQ(key->get_header_value("Allow"), "GET, HEAD, PUT, DELETE, OPTIONS");
  EXPECT_EQ(key->body, "");
  auto health = c.Options("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 204);
  EXPECT_EQ(health->get_header_value("Allow"), "GET, HEAD, OPTIONS");
  ExpectError(c.Options("/no/such/route"), 404, "not_found");
  EXPECT_TRUE(mgr_->StoreInfo("kv").is_null());  // nothing was created
}

// A gateway whose requests may wait 30 s for the manager: /readyz still
// answers within a second (the client here gives up after 10 s).
class HttpPatientGatewayTest : public HttpGatewayTest {
 protected:
  std::vector<std::string> ManagerArgs() const override {
    return {"--http", "127.0.0.1:" + std::to_string(port_), "--http-timeout-ms", "30000"};
  }
};

TEST_F(HttpPatientGatewayTest, ReadyzAnswersWhileTheManagerHangs) {
  ASSERT_TRUE(WaitFor([&] {
    auto ready = Client().Get("/readyz");
    return ready && ready->status == 200;
  }));
  mgr_->Signal(SIGSTOP);
  const auto t0 = std::chrono::steady_clock::now();
  auto ready = Client().Get("/readyz");
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  mgr_->Signal(SIGCONT);
  ASSERT_TRUE(ready) << httplib::to_string(ready.error());
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_EQ(Json(ready).value("ready", true), false);
  std::printf("/readyz with the manager stopped: 503 after %lld ms\n", static_cast<long long>(ms));
  // And ready again once it runs.
  EXPECT_TRUE(WaitFor([&] {
    auto again = Client().Get("/readyz");
    return again && again->status == 200;
  }));
}

TEST_F(HttpGatewayTest, StoreLifecycle) {
  auto c = Client();
  auto created = c.Put("/v1/stores/users", "", "application/octet-stream");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(Json(created).value("created", false), true);
  auto again = c.Put("/v1/stores/users", "", "application/octet-stream");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(Json(again).value("created", true), false);

  auto one = c.Get("/v1/stores/users");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(Json(one).value("name", ""), "users");
  EXPECT_EQ(Json(one).value("pid", 0), mgr_->StorePid("users"));

  auto list = c.Get("/v1/stores");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  nlohmann::json stores = Json(list);
  ASSERT_TRUE(stores.is_array()) << list->body;
  ASSERT_EQ(stores.size(), 1u);
  for (const char* field : {"name", "state", "pid", "restarts", "uptime_ms"}) {
    EXPECT_TRUE(stores[0].contains(field)) << field;
  }
  EXPECT_EQ(stores[0]["state"], "running");

  auto dropped = c.Delete("/v1/stores/users");
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 204);
  ExpectError(c.Get("/v1/stores/users"), 404, "not_found");
  ExpectError(c.Delete("/v1/stores/users"), 404, "not_found");
  EXPECT_TRUE(mgr_->StoreInfo("users").is_null());
}

TEST_F(HttpGatewayTest, StoresComeInPagesWithALinkToTheNext) {
  constexpr int kStores = 12;
  std::vector<std::string> every;
  for (int i = 0; i < kStores; ++i) {
    std::string name = (i < 10 ? "w0" : "w") + std::to_string(i);
    ASSERT_EQ(mgr_->Cli({"create", name}).exit_code, 0) << name;
    every.push_back(name);
  }
  auto c = Client();
  std::vector<std::string> seen;
  std::string target = "/v1/stores?limit=5";
  int pages = 0;
  while (!target.empty() && pages < 10) {
    auto r = c.Get(target);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    ++pages;
    nlohmann::json page = Json(r);
    ASSERT_TRUE(page.is_array()) << r->body;
    EXPECT_LE(page.size(), 5u);
    for (const auto& s : page) seen.push_back(s.value("name", ""));
    EXPECT_EQ(r->get_header_value("X-Total-Count"), std::to_string(kStores));
    std::string link = r->get_header_value("Link");
    target.clear();
    if (!link.empty()) {
      ASSERT_EQ(link.front(), '<') << link;
      target = link.substr(1, link.find('>') - 1);
      EXPECT_EQ(link.substr(link.find('>')), ">; rel=\"next\"");
      EXPECT_EQ(r->get_header_value("X-Next-After"), seen.back());
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, every);

  auto running = c.Get("/v1/stores?state=running&limit=10000");
  ASSERT_TRUE(running);
  EXPECT_EQ(Json(running).size(), static_cast<size_t>(kStores));
  auto none = c.Get("/v1/stores?state=hibernating");
  ASSERT_TRUE(none);
  EXPECT_EQ(Json(none), nlohmann::json::array());
  auto after = c.Get("/v1/stores?after=w10");
  ASSERT_TRUE(after);
  EXPECT_EQ(Json(after).size(), 1u);
  // One store by name, found by the manager without listing the others.
  auto one = c.Get("/v1/stores/w11");
  ASSERT_TRUE(one);
  EXPECT_EQ(Json(one).value("name", ""), "w11");
  ExpectError(c.Get("/v1/stores?limit=0"), 400, "invalid_argument");
  ExpectError(c.Get("/v1/stores?limit=10001"), 400, "invalid_argument");
  ExpectError(c.Get("/v1/stores?state=asleep"), 400, "invalid_argument");
}

TEST_F(HttpGatewayTest, KeysPutGetDeleteAndList) {
  auto c = Client();
  for (const char* k : {"user:1", "user:2", "user:3", "other"}) {
    auto r = c.Put(KeyPath("kv", k), std::string("v-") + k, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204) << r->body;
  }
  auto got = c.Get(KeyPath("kv", "user:2"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "v-user:2");
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/octet-stream");
  // The CLI sees what HTTP wrote.
  EXPECT_EQ(mgr_->Cli({"get", "kv", "user:2"}).out, "v-user:2");

  auto head = c.Head(KeyPath("kv", "user:2"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());

  auto all = c.Get("/v1/stores/kv/keys");
  ASSERT_TRUE(all);
  EXPECT_EQ(Json(all), nlohmann::json({"other", "user:1", "user:2", "user:3"}));
  auto some = c.Get("/v1/stores/kv/keys?prefix=user%3A&limit=2");
  ASSERT_TRUE(some);
  EXPECT_EQ(Json(some), nlohmann::json({"user:1", "user:2"}));

  auto del = c.Delete(KeyPath("kv", "user:1"));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  ExpectError(c.Get(KeyPath("kv", "user:1")), 404, "not_found");
  ExpectError(c.Delete(KeyPath("kv", "user:1")), 404, "not_found");
  // Reads on a store that does not exist: 404, and it is not created.
  ExpectError(c.Get(KeyPath("nostore", "k")), 404, "not_found");
  ExpectError(c.Get("/v1/stores/nostore/keys"), 404, "not_found");
  EXPECT_TRUE(mgr_->StoreInfo("nostore").is_null());
}

TEST_F(HttpGatewayTest, BadRequestsGetClearErrorsAndChangeNothing) {
  auto c = Client();
  ASSERT_EQ(c.Put(KeyPath("kv", "k"), "before", "application/octet-stream")->status, 204);

  ExpectError(c.Get("/v1/stores/a%20b/keys/k"), 400, "invalid_argument");  // bad store name
  ExpectError(c.Put("/v1/stores/.hidden", "", "text/plain"), 400, "invalid_argument");
  ExpectError(c.Get("/v1/stores/kv/keys/%zz"), 400, "invalid_argument");  // bad encoding
  ExpectError(c.Get("/v1/stores/kv/keys?limit=ten"), 400, "invalid_argument");
  ExpectError(c.Get("/no/such/route"), 404, "not_found");
  auto post = c.Post("/v1/stores/kv/keys/k", "x", "text/plain");
  ExpectError(post, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD, PUT, DELETE, OPTIONS");
  ExpectError(c.Delete("/v1/stores"), 405);

  // Keys are limited to 64 KiB, but a request target to 8 KiB (the HTTP
  // library's limit): longer keys get 414.
  std::string long_key(9000, 'k');
  ExpectError(c.Put(KeyPath("kv", long_key), "v", "application/octet-stream"), 414, "too_large");
  std::string big(kMaxValueBytes + 1, 'x');
  ExpectError(c.Put(KeyPath("kv", "big"), big, "application/octet-stream"), 413, "too_large");
  std::string huge(kMaxValueBytes + 200 * 1024, 'x');  // refused before it is read
  ExpectError(c.Put(KeyPath("kv", "big"), huge, "application/octet-stream"), 413, "too_large");

  auto still = c.Get(KeyPath("kv", "k"));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->body, "before");
  ExpectError(c.Get(KeyPath("kv", "big")), 404);
  // Nothing was created by the rejected requests.
  EXPECT_TRUE(mgr_->StoreInfo("a b").is_null());
  EXPECT_EQ(mgr_->CliJson({"stores"})["stores"].size(), 1u);
}

TEST_F(HttpGatewayTest, BinaryValuesAndPercentEncodedKeys) {
  auto c = Client();
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  std::string mib(1 << 20, '\0');
  std::mt19937 rng(7);
  for (char& ch : mib) ch = static_cast<char>(rng());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("nul\0key", 7), every_byte},
      {"a/b c?d#e%f&g=h+i", "slashes and reserved characters"},
      {"\xc3\xa9t\xc3\xa9", "utf-8 key"},
      {"one-mib", mib},
      {"empty", ""},
  };
  for (const auto& [key, value] : cases) {
    auto put = c.Put(KeyPath("bin", key), value, "application/octet-stream");
    ASSERT_TRUE(put);
    ASSERT_EQ(put->status, 204) << put->body;
  }
  for (const auto& [key, value] : cases) {
    auto got = c.Get(KeyPath("bin", key));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body.size(), value.size());
    EXPECT_TRUE(got->body == value) << "value of a key differs after the round trip";
  }
  // "a/b" written with a literal slash names the same key as "a%2Fb".
  ASSERT_EQ(c.Put("/v1/stores/bin/keys/x/y", "slash", "text/plain")->status, 204);
  EXPECT_EQ(c.Get("/v1/stores/bin/keys/x%2Fy")->body, "slash");
  // The CLI reads the binary key written over HTTP.
  EXPECT_EQ(mgr_->Cli({"get", "bin", "a/b c?d#e%f&g=h+i"}).out, "slashes and reserved characters");
}

TEST_F(HttpGatewayTest, FiftyConcurrentClients) {
  constexpr int kClients = 50, kOps = 20;
  // The stores first: ten activations at once under ThreadSanitizer can
  // outlast the fixture's --request-wait-ms (seen in CI), and this test is
  // about concurrent clients, not concurrent starts.
  for (int s = 0; s < 10; ++s) {
    ASSERT_EQ(mgr_->Cli({"create", "s" + std::to_string(s)}).exit_code, 0);
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = Client();
      std::string store = "s" + std::to_string(t % 10);
      for (int i = 0; i < kOps; ++i) {
        std::string key = "c" + std::to_string(t) + "-" + std::to_string(i);
        std::string value = "value-" + key;
        auto put = c.Put(KeyPath(store, key), value, "application/octet-stream");
        if (!put || put->status != 204) ++failures;
        auto got = c.Get(KeyPath(store, key));
        if (!got || got->status != 200 || got->body != value) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Every write is there, read back through the CLI.
  auto count = mgr_->CliJson({"count", "s3"});
  EXPECT_EQ(count.value("count", 0), kClients / 10 * kOps) << count.dump();
}

TEST_F(HttpGatewayTest, RestartingStoreIs503WithRetryAfter) {
#ifndef FORKV_TEST_HOOKS
  GTEST_SKIP() << "needs the test hooks build";
#else
  std::string crash_file = dir_.path() + "/crash-stores";
  std::ofstream(crash_file) << "doomed\n";
  mgr_->SetEnv("FORKV_CRASH_STORES_FILE", crash_file);
  RestartManager();
  ASSERT_TRUE(WaitForGateway());
  // While it restarts: unavailable, retry in 1 s; once its supervisor gave
  // up (the put may see that already): failed, no Retry-After.
  auto r = Client().Put(KeyPath("doomed", "k"), "v", "text/plain");
  ExpectError(r, 503);
  const std::string code = Json(r).value("code", "");
  EXPECT_TRUE(code == "unavailable" || code == "failed") << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), code == "unavailable" ? "1" : "");
  ASSERT_TRUE(WaitFor([&] { return mgr_->StoreInfo("doomed").value("state", "") == "failed"; }));
  auto failed = Client().Get(KeyPath("doomed", "k"));
  ExpectError(failed, 503, "failed");
  EXPECT_FALSE(failed->has_header("Retry-After")) << "a failed store does not come back by itself";
#endif
}

TEST_F(HttpGatewayTest, StoppedManagerIs504) {
  // The manager's own operations time out while it is stopped. (Keys may
  // still be served: the gateway talks to stores directly once located.)
  ASSERT_EQ(Client().Put(KeyPath("t", "k"), "v", "text/plain")->status, 204);
  mgr_->Signal(SIGSTOP);
  auto r = Client().Get("/v1/stores");
  mgr_->Signal(SIGCONT);
  ExpectError(r, 504, "timeout");
  auto after = Client().Get(KeyPath("t", "k"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "v");
}

TEST_F(HttpGatewayTest, KilledGatewayIsRestartedAndServesAgain) {
  nlohmann::json before = GatewayInfo();
  pid_t old_pid = before.value("pid", 0);
  ASSERT_GT(old_pid, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0}, errors{0};
  std::vector<std::thread> load;
  std::mutex mu;
  std::vector<std::string> acked_keys;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        auto c = Client();
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c.Put(KeyPath("load", key), key, "text/plain");
        if (r && r->status == 204) {
          ++acked;
          std::lock_guard lock(mu);
          acked_keys.push_back(key);
        } else {
          ++errors;  // connection refused/reset while the gateway is down
          std::this_thread::sleep_for(5ms);
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return acked.load() > 20; }));
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] {
    nlohmann::json gw = GatewayInfo();
    return gw.value("pid", 0) != old_pid && gw.value("state", "") == "running";
  }));
  int acked_at_restart = acked.load();
  ASSERT_TRUE(WaitFor([&] { return acked.load() > acked_at_restart + 20; }))
      << "no successful request after the gateway came back";
  stop = true;
  for (auto& th : load) th.join();
  EXPECT_EQ(GatewayInfo().value("restarts", 0), 1);
  std::printf("gateway SIGKILLed under load: %d acked, %d failed requests around the kill\n",
              acked.load(), errors.load());
  // Every acknowledged write is readable.
  auto c = Client();
  for (const auto& key : acked_keys) {
    auto r = c.Get(KeyPath("load", key));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->body, key);
  }
}

TEST_F(HttpGatewayTest, ManagerStopTakesTheGatewayDown) {
  pid_t gw = GatewayInfo().value("pid", 0);
  ASSERT_GT(gw, 0);
  mgr_->Signal(SIGTERM);
  ExitStatus status;
  ASSERT_TRUE(mgr_->WaitExit(&status));
  EXPECT_TRUE(status.IsCleanExit()) << status.ToString();
  EXPECT_TRUE(WaitFor([&] {
    ReapZombies();
    return !IsAlive(gw);
  }));
}

// Versions over HTTP: ETag on GET, HEAD and PUT; If-Match and
// If-None-Match: * make PUT and DELETE conditional, 412 when they fail;
// keys come in pages with after=.
TEST_F(HttpGatewayTest, ETagsAndConditionalRequests) {
  auto c = Client();
  auto put = c.Put("/v1/stores/cas/keys/k", "one", "text/plain");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 204) << put->body;
  const std::string tag1 = put->get_header_value("ETag");
  ASSERT_FALSE(tag1.empty());
  auto got = c.Get("/v1/stores/cas/keys/k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->get_header_value("ETag"), tag1);
  EXPECT_EQ(c.Head("/v1/stores/cas/keys/k")->get_header_value("ETag"), tag1);
  EXPECT_EQ(tag1,
            "\"" + std::to_string(mgr_->CliJson({"get", "cas", "k"}).value("version", 0)) + "\"");

  auto cas = c.Put("/v1/stores/cas/keys/k", {{"If-Match", tag1}}, "two", "text/plain");
  ASSERT_TRUE(cas);
  ASSERT_EQ(cas->status, 204) << cas->body;
  const std::string tag2 = cas->get_header_value("ETag");
  EXPECT_NE(tag2, tag1);
  ExpectError(c.Put("/v1/stores/cas/keys/k", {{"If-Match", tag1}}, "three", "text/plain"), 412,
              "condition_failed");
  ExpectError(c.Put("/v1/stores/cas/keys/k", {{"If-None-Match", "*"}}, "three", "text/plain"), 412,
              "condition_failed");
  ExpectError(c.Delete("/v1/stores/cas/keys/k", {{"If-Match", tag1}}, "", "text/plain"), 412,
              "condition_failed");
  ExpectError(c.Put("/v1/stores/cas/keys/k", {{"If-Match", "*"}}, "three", "text/plain"), 400,
              "invalid_argument");
  ExpectError(c.Get("/v1/stores/cas/keys/k", {{"If-Match", tag2}}), 400, "invalid_argument");
  EXPECT_EQ(c.Get("/v1/stores/cas/keys/k")->body, "two");  // nothing above changed it

  auto del = c.Delete("/v1/stores/cas/keys/k", {{"If-Match", tag2}}, "", "text/plain");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204) << del->body;
  auto created = c.Put("/v1/stores/cas/keys/k", {{"If-None-Match", "*"}}, "new", "text/plain");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 204) << created->body;

  // ?ttl= on a PUT: the key expires (its time is in the CLI's view).
  ASSERT_EQ(c.Put("/v1/stores/cas/keys/t?ttl=1h", "v", "text/plain")->status, 204);
  EXPECT_GT(mgr_->CliJson({"get", "cas", "t"}).value("expires_unix_ms", int64_t{0}), 0);
  ExpectError(c.Put("/v1/stores/cas/keys/t?ttl=soon", "v", "text/plain"), 400, "invalid_argument");
  ExpectError(c.Put("/v1/stores/cas/keys/t?ttl=0", "v", "text/plain"), 400, "invalid_argument");

  for (const char* k : {"a", "b", "c", "d"}) {
    ASSERT_EQ(c.Put(std::string("/v1/stores/pages/keys/") + k, "v", "text/plain")->status, 204);
  }
  EXPECT_EQ(Json(c.Get("/v1/stores/pages/keys?limit=2")), nlohmann::json({"a", "b"}));
  EXPECT_EQ(Json(c.Get("/v1/stores/pages/keys?limit=2&after=b")), nlohmann::json({"c", "d"}));
}

}  // namespace
}  // namespace forkv::test
