// forkv-http's HTTP side: an event-driven HTTP/1.1 server (Boost.Beast on
// Boost.Asio) whose upstream workers turn REST requests (route.h) into forkv
// protocol requests to the manager, each worker over its own client socket
// (client_cli/client.h), exactly as the CLI does. Stateless: everything it
// shows comes from the manager.
//
// Threads: one I/O thread runs every connection (accept, parse, write), so an
// idle or slow connection costs memory, never a thread; `threads` upstream
// workers run the manager calls, at most one per connection at a time.
//
// What it refuses (hardening issue, items 15-19; docs/http.md):
//   - Beast's strict parser: a malformed request line or header, a header
//     name with a space before the colon, NUL or control bytes in a value,
//     more than one Content-Length or one that is not one plain decimal
//     number ("3, 3" included): 400 and the connection closed. Also 400: HTTP/1.1 without Host, a
//     Transfer-Encoding other than "chunked", Transfer-Encoding together
//     with Content-Length (request smuggling);
//   - headers over 16 KiB: 431; a target over 8192 bytes: 414; a body over
//     the largest value plus 64 KiB, whatever its Content-Type: 413;
//   - the whole header not read within `header_timeout` (slowloris), the
//     body not within `body_timeout`, no next request on a keep-alive
//     connection within `idle_timeout`: the connection is closed;
//   - more than `max_connections` open: a new one gets 503 and is closed.
// Pipelined requests are answered one by one, in order.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "http_gateway/gateway_metrics.h"
#include "http_gateway/route.h"
#include "shared/status.h"

namespace forkv {
class Connection;
class Client;
}  // namespace forkv

namespace forkv::http {

struct GatewayOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT (port 0: any free port)
  std::string manager;                    // the manager's client endpoint
  int threads = 64;                       // upstream workers
  std::chrono::milliseconds upstream_timeout{10000};
  // Key operations straight to the stores (forkv::Client's direct path,
  // for stores a worker uses often), or all through the manager.
  bool direct = true;
  size_t keep_alive_max_requests = 1000;  // then the connection is closed
  size_t max_connections = 4096;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  std::chrono::milliseconds idle_timeout{60000};
};

// One request as the dispatcher sees it.
struct HttpRequest {
  Method method = Method::kOther;
  std::string method_name;
  std::string target;
  std::string body;
  // Conditional requests on a key (docs/http.md, "Versions"): the raw
  // header values, "" when absent.
  std::string if_match;
  std::string if_none_match;
};

// One answer. An empty content_type sends no Content-Type.
struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
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
  const GatewayOptions& options() const { return opts_; }
  RequestMetrics& metrics() { return metrics_; }

  // Runs on an upstream worker: the answer to one request.
  HttpResponse Handle(const HttpRequest& req);

  struct Impl;  // the I/O side (gateway_server.cc)

 private:
  HttpResponse Dispatch(const Route& route, const HttpRequest& req);
  // The manager, for its own operations (status, stores, create, drop).
  Connection& Upstream();
  // Key operations: the direct path to each store (forkv::Client).
  Client& Stores();

  zmq::context_t* ctx_;
  GatewayOptions opts_;
  RequestMetrics metrics_;
  int port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace forkv::http
