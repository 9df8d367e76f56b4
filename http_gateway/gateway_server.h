// forkv-http's HTTP side: a cpp-httplib server whose worker threads turn
// REST requests (route.h) into forkv protocol requests to the manager, each
// thread over its own client socket (client_cli/client.h), exactly as the
// CLI does. Stateless: everything it shows comes from the manager.
//
// Threads: cpp-httplib gives each open connection a pool thread for the
// connection's life (keep-alive included), so `threads` bounds concurrent
// connections; further connections wait in the accept queue.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "http_gateway/gateway_metrics.h"
#include "http_gateway/route.h"
#include "shared/status.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace forkv {
class Client;
}

namespace forkv::http {

struct GatewayOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT (port 0: any free port)
  std::string manager;                    // the manager's client endpoint
  int threads = 64;
  std::chrono::milliseconds upstream_timeout{10000};
  size_t keep_alive_max_requests = 1000;  // then the connection is closed
};

class GatewayServer {
 public:
  GatewayServer(zmq::context_t& ctx, GatewayOptions opts);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds the listening socket (so that "ready" means connections are
  // accepted). InvalidArgument for a bad address, Unavailable when the port
  // cannot be bound.
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop() (from another thread); false if the listener failed.
  bool Serve();
  void Stop();

  const RequestMetrics& metrics() const { return metrics_; }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void Dispatch(const Route& route, Method method, const httplib::Request& req,
                httplib::Response& res);
  Client& Upstream();

  zmq::context_t* ctx_;
  GatewayOptions opts_;
  std::unique_ptr<httplib::Server> server_;
  RequestMetrics metrics_;
  int port_ = 0;
  int listen_fd_ = -1;
};

}  // namespace forkv::http
