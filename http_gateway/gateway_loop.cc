#include "http_gateway/gateway_loop.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <thread>
#include <zmq.hpp>

#include "shared/codec.h"
#include "shared/proc.h"
#include "shared/protocol.h"
#include "shared/runtime.h"
#include "shared/signals.h"
#include "shared/zsock.h"

namespace forkv::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class ControlLink {
 public:
  ControlLink(zmq::context_t& ctx, const GatewayLoopOptions& o) : o_(o) {
    if (o_.backend.empty()) return;
    socket_ = MakeSocket(ctx, zmq::socket_type::dealer,
                         {.max_message_bytes = static_cast<int64_t>(kMaxInternalFrameBytes),
                          .routing_id = "h" + std::to_string(o_.gen)});
    socket_.connect(o_.backend);
  }

  bool enabled() const { return static_cast<bool>(socket_); }
  zmq::socket_t& socket() { return socket_; }

  void Send(const nlohmann::json& msg) {
    if (!enabled()) return;
    std::string body = EncodeControl(msg);
    if (Status s = SendFrames(socket_, {kTagControl, body}); !s.ok()) {
      spdlog::warn("control message to manager not sent: {}", s.ToString());
    }
  }

 private:
  const GatewayLoopOptions& o_;
  zmq::socket_t socket_;
};

}  // namespace

int RunGateway(const GatewayLoopOptions& o) {
  ResetSignalsForWorker();
  if (o.parent_pid != 0) DieWithParent(SIGKILL, o.parent_pid);
  // Before any thread exists (ZeroMQ's, the HTTP pool's), so all inherit it.
  auto sigfd = BlockSignalsToFd({SIGTERM, SIGINT, SIGHUP});
  signal(SIGPIPE, SIG_IGN);
  InitLogging("forkv-http", o.log_level);
  if (!sigfd.ok()) {
    spdlog::critical("{}", sigfd.status().ToString());
    return kExitSystem;
  }
  int code = kExitOk;
  {
    zmq::context_t ctx(1);
    ControlLink link(ctx, o);
    link.Send({{"type", "hello"}, {"role", "http"}, {"gen", o.gen}, {"pid", getpid()}});
    GatewayServer server(ctx, o.server);
    if (Status s = server.Bind(); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      close(*sigfd);
      return s.code() == StatusCode::kInvalidArgument ? kExitPermanentFailure : kExitSystem;
    }
    std::atomic<bool> listener_failed{false};
    std::thread http_thread([&] {
      if (!server.Serve()) listener_failed = true;
    });
    spdlog::info("forkv-http listening on {} (port {}), manager {}", o.server.listen, server.port(),
                 o.server.manager);
    link.Send({{"type", "ready"}, {"gen", o.gen}, {"stats", {{"port", server.port()}}}});

    Clock::time_point last_manager_msg = Clock::now();
    Frames frames;
    bool running = true;
    while (running) {
      std::vector<zmq::pollitem_t> items;
      items.push_back({nullptr, *sigfd, ZMQ_POLLIN, 0});
      if (link.enabled()) items.push_back({link.socket().handle(), 0, ZMQ_POLLIN, 0});
      try {
        zmq::poll(items, milliseconds(100));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
      if (items[0].revents & ZMQ_POLLIN) {
        for (int sig : DrainSignalFd(*sigfd)) {
          if (sig == SIGTERM || sig == SIGINT) {
            spdlog::info("{}: stopping", SignalName(sig));
            running = false;
          }
        }
      }
      while (link.enabled()) {
        auto got = RecvFrames(link.socket(), &frames);
        if (!got.ok() || !*got) break;
        last_manager_msg = Clock::now();
        if (frames.size() != 2 || View(frames[0]) != kTagControl) continue;
        auto msg = DecodeControl(View(frames[1]));
        if (!msg.ok() || msg->value("type", "") != "ping") continue;
        link.Send({{"type", "pong"},
                   {"seq", msg->value("seq", 0)},
                   {"gen", o.gen},
                   {"stats", {{"port", server.port()}, {"requests", server.metrics().total()}}}});
      }
      if (listener_failed) {
        spdlog::error("the HTTP listener stopped unexpectedly");
        code = kExitSystem;
        running = false;
      }
      if (link.enabled() && Clock::now() - last_manager_msg > milliseconds(o.manager_silence_ms)) {
        spdlog::error("no message from the manager for {} ms: exiting", o.manager_silence_ms);
        code = kExitSystem;
        running = false;
      }
    }
    server.Stop();
    http_thread.join();
  }
  close(*sigfd);
  spdlog::info("forkv-http stopped (exit {})", code);
  return code;
}

}  // namespace forkv::http
