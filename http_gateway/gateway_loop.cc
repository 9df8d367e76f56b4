#include "http_gateway/gateway_loop.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <variant>
#include <zmq.hpp>

#include "shared/clock.h"
#include "shared/control.h"
#include "shared/control_link.h"
#include "shared/proc.h"
#include "shared/protocol.h"
#include "shared/signals.h"
#include "shared/worker.h"
#include "shared/zsock.h"

namespace forkv::http {
namespace {

using std::chrono::milliseconds;

// Unsupervised (no --backend), the gateway has no link and sends nothing.
void SendControl(ControlLink& link, const ControlMessage& msg) {
  if (!link.connected()) return;
  if (Status s = link.Send(msg); !s.ok()) {
    spdlog::warn("control message '{}' to manager not sent: {}", ControlTypeName(msg),
                 s.ToString());
  }
}

}  // namespace

int RunGateway(const GatewayLoopOptions& o) {
  // First, before any thread exists (ZeroMQ's, the HTTP pool's), so all
  // inherit the mask. SIGINT too: run by hand, Ctrl-C stops the gateway.
  auto sigfd = StartWorker({.process_name = "forkv-http",
                            .log_level = o.log_level,
                            .parent_pid = o.parent_pid,
                            .parent_death_signal = SIGKILL,
                            .signals = {SIGTERM, SIGINT, SIGHUP}});
  if (!sigfd.ok()) {
    spdlog::critical("{}", sigfd.status().ToString());
    return kExitSystem;
  }
  int code = kExitOk;
  {
    zmq::context_t ctx(1);
    ControlLink link;
    if (!o.backend.empty()) {
      auto connected = ControlLink::Connect(ctx, o.backend, ChildRole::kHttp, o.gen);
      if (!connected.ok()) {
        spdlog::critical("{}", connected.status().ToString());
        return kExitSystem;
      }
      link = std::move(connected).value();
    }
    SendControl(link, HelloMsg{.role = ChildRole::kHttp, .gen = o.gen, .pid = getpid()});
    GatewayServer server(ctx, o.server);
    if (Status s = server.Bind(); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return s.code() == StatusCode::kInvalidArgument ? kExitPermanentFailure : kExitSystem;
    }
    // The HTTP thread says through an eventfd when its listener stops, so
    // the loop below sleeps until a signal, a manager message or a deadline.
    std::atomic<bool> listener_failed{false};
    UniqueFd listener_done(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!listener_done.valid()) {
      spdlog::critical("eventfd: {}", std::strerror(errno));
      return kExitSystem;
    }
    std::thread http_thread([&] {
      if (!server.Serve()) listener_failed = true;
      uint64_t one = 1;
      (void)!write(listener_done.get(), &one, sizeof one);
    });
    spdlog::info("forkv-http listening on {} (port {}), manager {}", o.server.listen, server.port(),
                 o.server.manager);
    SendControl(link, ReadyMsg{.gen = o.gen, .stats = {{"port", server.port()}}});

    SteadyTime last_manager_msg = SteadyClock::now();
    Frames frames;
    bool running = true;
    while (running) {
      std::vector<zmq::pollitem_t> items;
      items.push_back({nullptr, sigfd->get(), ZMQ_POLLIN, 0});
      items.push_back({nullptr, listener_done.get(), ZMQ_POLLIN, 0});
      if (link.connected()) items.push_back({link.socket().handle(), 0, ZMQ_POLLIN, 0});
      milliseconds timeout(-1);  // no deadline without a manager to hear from
      if (link.connected()) {
        auto silent_at = last_manager_msg + milliseconds(o.manager_silence_ms);
        auto now = SteadyClock::now();
        timeout = silent_at <= now
                      ? milliseconds(0)
                      : std::chrono::duration_cast<milliseconds>(silent_at - now) + milliseconds(1);
      }
      try {
        zmq::poll(items, timeout);
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
      if (items[0].revents & ZMQ_POLLIN) {
        for (int sig : DrainSignalFd(sigfd->get())) {
          if (sig == SIGTERM || sig == SIGINT) {
            spdlog::info("{}: stopping", SignalName(sig));
            running = false;
          }
        }
      }
      while (link.connected()) {
        auto got = link.Receive(&frames);
        if (!got.ok() || !*got) break;
        last_manager_msg = SteadyClock::now();
        auto msg = DecodeControlFrames(frames);
        if (!msg.ok()) {
          spdlog::debug("dropped a message from the manager: {}", msg.status().ToString());
          continue;
        }
        const auto* ping = std::get_if<PingMsg>(&*msg);
        if (ping == nullptr) continue;
        SendControl(link, PongMsg{.seq = ping->seq,
                                  .gen = o.gen,
                                  .stats = {{"port", server.port()},
                                            {"requests", server.metrics().total()}}});
      }
      if ((items[1].revents & ZMQ_POLLIN) || listener_failed.load()) {
        spdlog::error("the HTTP listener stopped unexpectedly");
        code = kExitSystem;
        running = false;
      }
      if (link.connected() &&
          SteadyClock::now() - last_manager_msg > milliseconds(o.manager_silence_ms)) {
        spdlog::error("no message from the manager for {} ms: exiting", o.manager_silence_ms);
        code = kExitSystem;
        running = false;
      }
    }
    server.Stop();
    http_thread.join();
  }
  spdlog::info("forkv-http stopped (exit {})", code);
  return code;
}

}  // namespace forkv::http
