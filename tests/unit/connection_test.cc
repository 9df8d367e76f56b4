// Connection against real ZeroMQ ROUTER sockets on ipc:// endpoints in a mkdtemp
// directory: Lazy Pirate timeouts, id matching, pipelining, unreachable
// endpoints. A fake manager thread owns its ROUTER (bound on the test thread
// first, so the endpoint exists before the client connects, then moved).
#include "clients/cpp/connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>

#include "shared/codec.h"
#include "shared/zsock.h"

namespace forkv {
namespace {

using std::chrono::milliseconds;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/forkv-cli-XXXXXX";
    char* dir = mkdtemp(tmpl);
    if (dir == nullptr) std::abort();
    path_ = dir;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Incoming {
  std::string identity;
  Request request;
};

// Receives one [identity, request] from the ROUTER, or fails the test after
// a generous deadline (so a broken test ends instead of hanging).
bool Receive(zmq::socket_t& router, Incoming* in) {
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, milliseconds(10000));
  Frames frames;
  auto got = RecvFrames(router, &frames, false);
  if (!got.ok() || !*got || frames.size() != 2) {
    ADD_FAILURE() << "fake manager: no request";
    return false;
  }
  auto req = DecodeRequest(View(frames[1]));
  if (!req.ok()) {
    ADD_FAILURE() << req.status().ToString();
    return false;
  }
  in->identity = std::string(View(frames[0]));
  in->request = std::move(*req);
  return true;
}

void Answer(zmq::socket_t& router, const std::string& identity, uint64_t id, std::string body = "",
            StatusCode code = StatusCode::kOk) {
  Reply r;
  r.id = id;
  r.code = code;
  r.body = std::move(body);
  EXPECT_TRUE(SendFrames(router, {identity, EncodeReply(r)}).ok());
}

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : endpoint_("ipc://" + dir_.path() + "/manager.sock") {}
  ~ClientTest() override {
    done_.set_value();
    if (server_.joinable()) server_.join();
  }

  zmq::socket_t BindRouter() {
    zmq::socket_t router = MakeSocket(ctx_, zmq::socket_type::router, SocketOptions{});
    router.bind(endpoint_);
    return router;
  }

  // Runs `serve` on a thread that owns a freshly bound ROUTER. The socket
  // lives until the test ends: closing it (linger 0) could drop replies the
  // I/O thread has not sent yet.
  void Serve(std::function<void(zmq::socket_t&)> serve) {
    server_ = std::thread(
        [router = BindRouter(), serve = std::move(serve), done = done_.get_future()]() mutable {
          serve(router);
          done.wait();
        });
  }

  static Request Ping() { return Request{}; }

  TempDir dir_;
  std::string endpoint_;
  zmq::context_t ctx_{1};
  std::promise<void> done_;
  std::thread server_;  // joined before the context and the directory go
};

TEST_F(ClientTest, MissingSocketIsUnavailable) {
  Connection client(ctx_, endpoint_);
  auto reply = client.Call(Ping(), milliseconds(5000));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find(endpoint_), std::string::npos);
}

TEST_F(ClientTest, StaleSocketFileIsUnavailable) {
  // A unix socket file nobody listens on, as a SIGKILLed manager leaves behind.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = IpcPath(endpoint_);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
  Connection client(ctx_, endpoint_);
  auto reply = client.Call(Ping(), milliseconds(5000));
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
}

TEST_F(ClientTest, ListenerThatNeverHandshakesTimesOut) {
  // Accepts connections at the kernel level (backlog) but never speaks ZMTP,
  // like a SIGSTOPped manager.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = IpcPath(endpoint_);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  Connection client(ctx_, endpoint_);
  auto reply = client.CallWithRetries(Ping(), milliseconds(50), 2);
  EXPECT_EQ(reply.status().code(), StatusCode::kTimeout);
  EXPECT_NE(reply.status().message().find("(2 attempts)"), std::string::npos);
  close(fd);
}

TEST_F(ClientTest, BadEndpointIsInvalidArgument) {
  Connection client(ctx_, "nowhere");
  EXPECT_EQ(client.Call(Ping(), milliseconds(100)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, SilentServerTimesOut) {
  zmq::socket_t router = BindRouter();
  Connection client(ctx_, endpoint_);
  Request put;
  put.op = Op::kPut;
  put.store = "s";
  put.key = "k";
  put.value = "v";
  auto reply = client.Call(put, milliseconds(100));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(reply.status().message(), "no reply from " + endpoint_ + " within 100 ms");
  // The request did arrive, intact.
  Incoming in;
  ASSERT_TRUE(Receive(router, &in));
  EXPECT_EQ(in.request.op, Op::kPut);
  EXPECT_EQ(in.request.key, "k");
  EXPECT_EQ(in.request.value, "v");
  EXPECT_NE(in.request.id, 0u);
}

TEST_F(ClientTest, WrongIdIsDiscardedThenRightIdReturned) {
  Serve([](zmq::socket_t& router) {
    Incoming in;
    if (!Receive(router, &in)) return;
    Answer(router, in.identity, in.request.id + 1, EncodeBinBody("stale"));
    Answer(router, in.identity, in.request.id, EncodeBinBody("fresh"));
  });
  Connection client(ctx_, endpoint_);
  Request get;
  get.op = Op::kGet;
  get.store = "s";
  get.key = "k";
  auto reply = client.Call(get, milliseconds(10000));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, EncodeBinBody("fresh"));
  EXPECT_EQ(client.discarded_replies(), 1u);
}

TEST_F(ClientTest, TimeoutReopensSocketSoLateRepliesCannotConfuse) {
  Serve([](zmq::socket_t& router) {
    Incoming first, second;
    if (!Receive(router, &first) || !Receive(router, &second)) return;
    // Lazy Pirate: the retry comes from a new socket (new routing identity).
    EXPECT_NE(first.identity, second.identity);
    EXPECT_NE(first.request.id, second.request.id);
    // The late answer to the first request goes nowhere; even one that did
    // reach the new socket would be discarded by id.
    Answer(router, first.identity, first.request.id, EncodeBinBody("late"));
    Answer(router, second.identity, first.request.id, EncodeBinBody("late"));
    Answer(router, second.identity, second.request.id, EncodeBinBody("second"));
  });
  Connection client(ctx_, endpoint_);
  EXPECT_EQ(client.Call(Ping(), milliseconds(100)).status().code(), StatusCode::kTimeout);
  auto reply = client.Call(Ping(), milliseconds(10000));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, EncodeBinBody("second"));
  EXPECT_EQ(client.discarded_replies(), 1u);
}

TEST_F(ClientTest, RetriesThenClearError) {
  zmq::socket_t router = BindRouter();
  Connection client(ctx_, endpoint_);
  auto reply = client.CallWithRetries(Ping(), milliseconds(50), 3);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kTimeout);
  EXPECT_NE(reply.status().message().find("(3 attempts)"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    Incoming in;
    ASSERT_TRUE(Receive(router, &in)) << i;
  }
}

TEST_F(ClientTest, IdZeroErrorReplyAnswersTheCall) {
  Serve([](zmq::socket_t& router) {
    Incoming in;
    if (Receive(router, &in)) {
      Answer(router, in.identity, 0, "", StatusCode::kMalformed);
    }
  });
  Connection client(ctx_, endpoint_);
  auto reply = client.Call(Ping(), milliseconds(10000));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->code, StatusCode::kMalformed);
  EXPECT_EQ(ReplyStatus(*reply).code(), StatusCode::kMalformed);
}

TEST_F(ClientTest, UndecodableReplyIsInternal) {
  Serve([](zmq::socket_t& router) {
    Incoming in;
    if (Receive(router, &in)) {
      EXPECT_TRUE(SendFrames(router, {in.identity, "\xc1"}).ok());
    }
  });
  Connection client(ctx_, endpoint_);
  EXPECT_EQ(client.Call(Ping(), milliseconds(10000)).status().code(), StatusCode::kInternal);
}

TEST_F(ClientTest, PipelinedSendsAndReceives) {
  Serve([](zmq::socket_t& router) {
    Incoming in[3];
    for (auto& i : in) {
      if (!Receive(router, &i)) return;
    }
    for (int k = 2; k >= 0; --k) {
      Answer(router, in[k].identity, in[k].request.id, EncodeBinBody(in[k].request.key));
    }
  });
  Connection client(ctx_, endpoint_);
  std::vector<uint64_t> ids;
  for (const char* key : {"a", "b", "c"}) {
    Request r;
    r.op = Op::kGet;
    r.store = "s";
    r.key = key;
    auto id = client.Send(r, milliseconds(10000));
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  EXPECT_EQ(ids[1], ids[0] + 1);
  EXPECT_EQ(ids[2], ids[1] + 1);
  for (int k = 2; k >= 0; --k) {
    auto reply = client.Receive(milliseconds(10000));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->id, ids[k]);
    EXPECT_EQ(reply->body, EncodeBinBody(std::string(1, static_cast<char>('a' + k))));
  }
}

TEST_F(ClientTest, ConvenienceWrappers) {
  Serve([](zmq::socket_t& router) {
    Incoming in;
    // get -> value, get -> not found, keys, count, stores (json)
    if (!Receive(router, &in)) return;
    EXPECT_EQ(in.request.op, Op::kGet);
    Answer(router, in.identity, in.request.id, EncodeBinBody(std::string("v\0", 2)));
    if (!Receive(router, &in)) return;
    Reply nf;
    nf.id = in.request.id;
    nf.code = StatusCode::kNotFound;
    nf.message = "no such key";
    EXPECT_TRUE(SendFrames(router, {in.identity, EncodeReply(nf)}).ok());
    if (!Receive(router, &in)) return;
    EXPECT_EQ(in.request.op, Op::kKeys);
    EXPECT_EQ(in.request.key, "p");
    EXPECT_EQ(in.request.arg, 2u);
    Answer(router, in.identity, in.request.id, EncodeBinArrayBody({"p1", "p2"}));
    if (!Receive(router, &in)) return;
    Answer(router, in.identity, in.request.id, EncodeUintBody(5));
    if (!Receive(router, &in)) return;
    EXPECT_EQ(in.request.op, Op::kStores);
    Answer(router, in.identity, in.request.id,
           EncodeJsonBody({{"stores", nlohmann::json::array()}}));
  });
  Connection client(ctx_, endpoint_);
  const milliseconds t(10000);
  auto value = client.Get("s", "k", t);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, std::string("v\0", 2));
  auto missing = client.Get("s", "nope", t);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no such key");
  auto keys = client.Keys("s", "p", 2, t);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, (std::vector<std::string>{"p1", "p2"}));
  auto count = client.Count("s", t);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 5u);
  auto stores = client.CallJson(Op::kStores, "", 0, t);
  ASSERT_TRUE(stores.ok());
  EXPECT_TRUE((*stores)["stores"].is_array());
}

}  // namespace
}  // namespace forkv
