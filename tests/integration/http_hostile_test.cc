// The HTTP gateway against slow, idle, pipelining and ambiguous clients
// (hardening issue, items 15-19), over raw TCP sockets so that every byte is
// the test's. Each case failed with the thread-per-connection gateway.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

// One TCP connection to the gateway.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection(RawConnection&& o) noexcept : fd_(o.fd_), connected_(o.connected_) { o.fd_ = -1; }

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // The status code of the next response (its body read and dropped), 0 on
  // close or after `timeout` without one.
  int ReadStatus(std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        int status = std::atoi(pending_.substr(9, 3).c_str());
        size_t length = 0;
        std::string head = pending_.substr(0, end);
        for (auto& c : head) c = static_cast<char>(std::tolower(c));
        if (size_t cl = head.find("content-length:"); cl != std::string::npos) {
          length = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
        }
        if (pending_.size() >= end + 4 + length) {
          pending_.erase(0, end + 4 + length);
          return status;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return 0;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return 0;
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string pending_;
};

class HttpHostileTest : public ForkvTest {
 protected:
  HttpHostileTest() : port_(FreeTcpPort()) {}
  std::vector<std::string> ManagerArgs() const override {
    return {"--http", "127.0.0.1:" + std::to_string(port_)};
  }
  void SetUp() override {
    ASSERT_NE(port_, 0);
    ForkvTest::SetUp();
    ASSERT_TRUE(WaitFor([&] { return Healthz(); })) << "gateway not answering";
  }
  httplib::Client Http() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    return c;
  }
  bool Healthz() {
    auto r = Http().Get("/healthz");
    return r && r->status == 200;
  }
  std::string Put(const std::string& key) {
    return "PUT /v1/stores/s/keys/" + key + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  }
  int port_;
};

// Item 15: 64 sockets sending one header line now and then used to take every
// pool thread: every request failed, /healthz included.
TEST_F(HttpHostileTest, SlowlorisDoesNotStopOtherRequests) {
  std::vector<RawConnection> slow;
  for (int i = 0; i < 80; ++i) {
    slow.emplace_back(port_);
    ASSERT_TRUE(slow.back().connected());
    ASSERT_TRUE(slow.back().Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n"));
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Healthz()) << "request " << i;
  for (auto& c : slow) EXPECT_TRUE(c.Send("X-Slow: 2\r\n"));
  EXPECT_TRUE(Healthz());
}

// Item 16: 200 idle keep-alive connections used to make a GET wait 13 s.
TEST_F(HttpHostileTest, IdleKeepAliveConnectionsCostNoThread) {
  std::vector<RawConnection> idle;
  for (int i = 0; i < 200; ++i) {
    idle.emplace_back(port_);
    ASSERT_TRUE(idle.back().Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(idle.back().ReadStatus(), 200) << "connection " << i;
  }
  ASSERT_EQ(Http().Put("/v1/stores/s/keys/k", "v", "application/octet-stream")->status, 204);
  auto r = Http().Get("/v1/stores/s/keys/k");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->body, "v");
  // They are still served, too.
  EXPECT_TRUE(idle[0].Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(idle[0].ReadStatus(), 200);
}

// Item 17: a body over 8 KiB with curl's default form Content-Type got 413.
TEST_F(HttpHostileTest, AnyContentTypeCarriesAnyValue) {
  std::string value(100 * 1024, 'x');
  auto r = Http().Put("/v1/stores/s/keys/form", value, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204) << r->body;
  EXPECT_EQ(Http().Get("/v1/stores/s/keys/form")->body, value);
}

// Item 18: two PUTs in one TCP write: one 204, the second never applied.
TEST_F(HttpHostileTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection c(port_);
  ASSERT_TRUE(
      c.Send(Put("p1") + Put("p2") + "GET /v1/stores/s/keys/p1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.ReadStatus(), 204);
  EXPECT_EQ(c.ReadStatus(), 204);
  EXPECT_EQ(c.ReadStatus(), 200);
  EXPECT_EQ(Http().Get("/v1/stores/s/keys/p2")->body, "abc");
}

// Item 19: framing RFC 9112 says is an error was accepted (and one stored the
// raw chunks as the value).
TEST_F(HttpHostileTest, AmbiguousFramingIsRefusedAndStoresNothing) {
  ASSERT_EQ(Http().Put("/v1/stores/s/keys/seed", "x", "text/plain")->status, 204);
  const std::string start = "PUT /v1/stores/s/keys/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two-lengths", " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
      {"length-garbage", " HTTP/1.1\r\nHost: x\r\nContent-Length: 3abc\r\n\r\nabc"},
      {"length-plus", " HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"},
      {"length-list", " HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"},
      {"space-colon", " HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc"},
      {"no-host", " HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"},
      {"nul", std::string(" HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\nContent-Length: 3\r\n\r\nabc", 52)},
      {"te-identity",
       " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
      {"te-and-length",
       " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n"
       "0\r\n\r\n"},
  };
  for (const auto& [key, rest] : cases) {
    RawConnection c(port_);
    ASSERT_TRUE(c.Send(start + key + rest)) << key;
    EXPECT_EQ(c.ReadStatus(), 400) << key;
    auto r = Http().Get("/v1/stores/s/keys/" + key);
    ASSERT_TRUE(r) << key;
    EXPECT_EQ(r->status, 404) << key << " was stored: " << r->body;
  }
  // A well-formed chunked PUT still works.
  RawConnection c(port_);
  ASSERT_TRUE(c.Send(start + "chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3\r\nabc\r\n0\r\n\r\n"));
  EXPECT_EQ(c.ReadStatus(), 204);
  EXPECT_EQ(Http().Get("/v1/stores/s/keys/chunked")->body, "abc");
}

}  // namespace
}  // namespace forkv::test

namespace forkv::test {
namespace {

// A gateway run by hand against the test's manager, with a small connection
// cap and header timeout.
class HttpLimitsTest : public ForkvTest {
 protected:
  void SetUp() override {
    ForkvTest::SetUp();
    port_ = FreeTcpPort();
    ASSERT_NE(port_, 0);
    pid_ = fork();
    if (pid_ == 0) {
      std::string http = BinaryPath("forkv-http");
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      execl(http.c_str(), http.c_str(), "--listen", listen.c_str(), "--manager",
            mgr_->endpoint().c_str(), "--max-connections", "10", "--header-timeout-ms", "500",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    ASSERT_TRUE(WaitFor([&] {
      RawConnection c(port_);
      return c.connected() && c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") &&
             c.ReadStatus() == 200;
    }));
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    ForkvTest::TearDown();
  }
  int port_ = 0;
  pid_t pid_ = 0;
};

TEST_F(HttpLimitsTest, ConnectionsOverTheCapGet503AndSlowHeadersAreCut) {
  std::vector<RawConnection> held;
  for (int i = 0; i < 10; ++i) {
    held.emplace_back(port_);
    ASSERT_TRUE(held.back().Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(held.back().ReadStatus(), 200);
  }
  RawConnection extra(port_);
  ASSERT_TRUE(extra.connected());
  EXPECT_EQ(extra.ReadStatus(), 503);
  held.clear();
  // Room again; and a header that never ends is cut off (0: closed, no answer).
  EXPECT_TRUE(WaitFor([&] {
    RawConnection c(port_);
    return c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") && c.ReadStatus() == 200;
  }));
  RawConnection slow(port_);
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_EQ(slow.ReadStatus(20s), 0);
}

}  // namespace
}  // namespace forkv::test
