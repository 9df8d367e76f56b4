// The status page in a real headless browser: Debian's chromium, driven
// through chromedriver's W3C WebDriver HTTP API (no extra client library).
// Loads GET /, waits for the supervision tree, puts and gets a key through
// the page's form, checks the value through the CLI, and saves a
// screenshot (build dir: http_status_page.png). Skips, saying why, when
// chromium or chromedriver is not installed (.ci/run installs both).
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "shared/proc.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";
constexpr char kChromeDriver[] = "/usr/bin/chromedriver";
constexpr char kElementKey[] = "element-6066-11e4-a52e-4f735466cecf";

std::string Base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// A PNG's width and height from its IHDR chunk; {0, 0} if it is no PNG.
std::pair<uint32_t, uint32_t> PngSize(const std::string& png) {
  if (png.size() < 24 || png.substr(0, 8) != std::string("\x89PNG\r\n\x1a\n", 8) ||
      png.substr(12, 4) != "IHDR") {
    return {0, 0};
  }
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(png[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// A minimal WebDriver session over chromedriver's HTTP API.
class WebDriver {
 public:
  explicit WebDriver(int port) : http_("127.0.0.1", port) { http_.set_read_timeout(60, 0); }

  bool Ready() {
    auto r = http_.Get("/status");
    return r && r->status == 200 && Parse(r->body)["value"].value("ready", false);
  }

  bool NewSession(const std::string& profile_dir, std::string* error) {
    nlohmann::json args = {"--headless",
                           "--no-sandbox",
                           "--disable-gpu",
                           "--disable-dev-shm-usage",
                           "--disable-quic",
                           "--no-first-run",
                           "--disable-background-networking",
                           "--disable-component-update",
                           "--disable-sync",
                           "--window-size=1000,800",
                           "--user-data-dir=" + profile_dir};
    nlohmann::json caps = {
        {"capabilities",
         {{"alwaysMatch", {{"goog:chromeOptions", {{"binary", kChromium}, {"args", args}}}}}}}};
    nlohmann::json r = Post("/session", caps);
    session_ = r["value"].value("sessionId", "");
    if (session_.empty()) *error = r.dump();
    return !session_.empty();
  }

  ~WebDriver() {
    if (!session_.empty()) http_.Delete("/session/" + session_);
  }

  void Navigate(const std::string& url) { Post(Path("/url"), {{"url", url}}); }

  std::string Find(const std::string& css) {
    nlohmann::json r = Post(Path("/element"), {{"using", "css selector"}, {"value", css}});
    return r["value"].is_object() ? r["value"].value(kElementKey, "") : "";
  }

  std::string Text(const std::string& element) {
    auto r = http_.Get(Path("/element/" + element + "/text"));
    if (!r) return "";
    nlohmann::json j = Parse(r->body);
    return j["value"].is_string() ? j["value"].get<std::string>() : "";
  }

  void Type(const std::string& element, const std::string& text) {
    Post(Path("/element/" + element + "/clear"), nlohmann::json::object());
    Post(Path("/element/" + element + "/value"), {{"text", text}});
  }

  void Click(const std::string& element) {
    Post(Path("/element/" + element + "/click"), nlohmann::json::object());
  }

  // The whole page, or one element ("" = the page).
  std::string ScreenshotPng(const std::string& element = "") {
    auto r =
        http_.Get(Path(element.empty() ? "/screenshot" : "/element/" + element + "/screenshot"));
    if (!r) return "";
    nlohmann::json j = Parse(r->body);
    return j["value"].is_string() ? Base64Decode(j["value"].get<std::string>()) : "";
  }

 private:
  std::string Path(const std::string& rest) const { return "/session/" + session_ + rest; }

  static nlohmann::json Parse(const std::string& body) {
    try {
      return nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
      return {{"value", nullptr}};
    }
  }

  nlohmann::json Post(const std::string& path, const nlohmann::json& body) {
    auto r = http_.Post(path, body.dump(), "application/json");
    return r ? Parse(r->body) : nlohmann::json{{"value", nullptr}};
  }

  httplib::Client http_;
  std::string session_;
};

class HttpBrowserTest : public ForkvTest {
 protected:
  HttpBrowserTest() : port_(FreeTcpPort()) {}
  std::vector<std::string> ManagerArgs() const override {
    return {"--http", "127.0.0.1:" + std::to_string(port_)};
  }
  int port_;
};

TEST_F(HttpBrowserTest, StatusPageShowsTheTreeAndItsFormPutsAndGets) {
  if (access(kChromium, X_OK) != 0 || access(kChromeDriver, X_OK) != 0) {
    std::printf("SKIPPED: %s or %s not installed (apt-get install chromium chromium-driver)\n",
                kChromium, kChromeDriver);
    GTEST_SKIP() << "chromium or chromedriver not installed";
  }
  int driver_port = FreeTcpPort();
  auto driver_pid = SpawnChild({.exe = kChromeDriver,
                                .args = {"--port=" + std::to_string(driver_port)},
                                .parent_death_signal = SIGKILL});
  ASSERT_TRUE(driver_pid.ok()) << driver_pid.status().ToString();
  struct KillDriver {
    pid_t pid;
    ~KillDriver() {
      kill(pid, SIGKILL);
      ReapZombies();
    }
  } kill_driver{*driver_pid};

  WebDriver wd(driver_port);
  ASSERT_TRUE(WaitFor([&] { return wd.Ready(); }, 20s)) << "chromedriver did not start";
  TempDir profile;
  std::string error;
  ASSERT_TRUE(wd.NewSession(profile.path(), &error)) << "no browser session: " << error;

  wd.Navigate("http://127.0.0.1:" + std::to_string(port_) + "/");
  std::string tree = wd.Find("#tree");
  ASSERT_FALSE(tree.empty()) << "no #tree element on the page";
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string t = wd.Text(tree);
        return t.find("db_pool") != std::string::npos && t.find("db db-0") != std::string::npos &&
               t.find("http http") != std::string::npos && t.find("running") != std::string::npos;
      },
      20s))
      << "tree text: " << wd.Text(tree);

  // The tree as drawn, before it lists a store (compared below).
  const auto [tree_width, tree_height] = PngSize(wd.ScreenshotPng(tree));
  ASSERT_GT(tree_width, 100u) << "no screenshot of the tree";
  ASSERT_GT(tree_height, 40u);

  // The form names no store: a click with empty fields creates nothing.
  std::string result = wd.Find("#result");
  wd.Click(wd.Find("#put"));
  ASSERT_TRUE(
      WaitFor([&] { return wd.Text(result).find("name a store") != std::string::npos; }, 20s))
      << "result after an empty Put: " << wd.Text(result);
  EXPECT_EQ(mgr_->CliJson({"stores"})["total"], 0) << "an empty form created a store";

  const std::string value = "hello from a browser";
  wd.Type(wd.Find("#store"), "browser");
  wd.Type(wd.Find("#key"), "greeting");
  wd.Type(wd.Find("#value"), value);
  wd.Click(wd.Find("#put"));
  ASSERT_TRUE(WaitFor([&] { return wd.Text(result).find("204 stored") != std::string::npos; }, 20s))
      << "result after Put: " << wd.Text(result);
  EXPECT_EQ(mgr_->Cli({"get", "browser", "greeting"}).out, value);

  ASSERT_EQ(mgr_->Cli({"put", "browser", "greeting", "changed by the CLI"}).exit_code, 0);
  wd.Click(wd.Find("#get"));
  ASSERT_TRUE(WaitFor(
      [&] { return wd.Text(result).find("200 changed by the CLI") != std::string::npos; }, 20s))
      << "result after Get: " << wd.Text(result);
  // The new store shows up in the tree on the next refresh, with its keys
  // and its own endpoint; killed, with its last exit.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string t = wd.Text(tree);
        return t.find("store browser") != std::string::npos &&
               t.find("keys 1") != std::string::npos && t.find("ipc://") != std::string::npos;
      },
      20s))
      << "tree text: " << wd.Text(tree);
  pid_t store = mgr_->StorePid("browser");
  ASSERT_GT(store, 0);
  ASSERT_EQ(kill(store, SIGKILL), 0);
  ASSERT_TRUE(WaitFor(
      [&] { return wd.Text(tree).find("last exit: killed by signal 9") != std::string::npos; },
      20s))
      << "tree text: " << wd.Text(tree);
  // Drawn, the tree has grown by the store's row.
  const auto [width_after, height_after] = PngSize(wd.ScreenshotPng(tree));
  EXPECT_GT(height_after, tree_height) << "the tree's screenshot did not grow with the new store";
  EXPECT_GT(width_after, 100u);

  std::string png = wd.ScreenshotPng();
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::string path = std::string(FORKV_BUILD_DIR) + "/http_status_page.png";
  std::ofstream(path, std::ios::binary) << png;
  std::printf("status page screenshot: %s (%zu bytes)\n", path.c_str(), png.size());
}

}  // namespace
}  // namespace forkv::test
