#include "http_gateway/gateway_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "client_cli/client.h"
#include "http_gateway/http_errors.h"
#include "http_gateway/route.h"
#include "http_gateway/status_page.h"
#include "shared/clock.h"
#include "shared/host_port.h"
#include "shared/names.h"
#include "shared/protocol.h"

namespace forkv::http {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kOctets[] = "application/octet-stream";

// When the current request's headers were read (set before routing, so the
// metrics cover body reading too, and requests httplib answers itself).
thread_local SteadyTime t_request_start;

void SendError(httplib::Response& res, const Status& s) {
  res.status = HttpStatusFor(s.code());
  if (int secs = RetryAfterSecondsFor(s.code()); secs > 0) {
    res.set_header("Retry-After", std::to_string(secs));
  }
  res.set_content(ErrorJson(s), kJson);
}

void SendError(httplib::Response& res, int http_status, std::string_view name,
               std::string_view message) {
  res.status = http_status;
  res.set_content(ErrorJson(http_status, name, message), kJson);
}

void SendJson(httplib::Response& res, int http_status, const nlohmann::json& body) {
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

// Database workers all running, from the manager's status body.
bool DbWorkersRunning(const nlohmann::json& status, std::string* why) {
  const nlohmann::json* db_pool = nullptr;
  if (status.contains("tree") && status["tree"].contains("children")) {
    for (const auto& sup : status["tree"]["children"]) {
      if (sup.value("name", "") == "db_pool") db_pool = &sup;
    }
  }
  if (db_pool == nullptr || !db_pool->contains("children")) {
    *why = "no db_pool in the manager's status";
    return false;
  }
  for (const auto& db : (*db_pool)["children"]) {
    if (db.value("state", "") != "running") {
      *why = "database worker " + db.value("name", "?") + " is " + db.value("state", "?");
      return false;
    }
    if (std::string error = db.value("storage_error", ""); !error.empty()) {
      *why = "database worker " + db.value("name", "?") + " cannot write: " + error;
      return false;
    }
  }
  return true;
}

}  // namespace

GatewayServer::GatewayServer(zmq::context_t& ctx, GatewayOptions opts)
    : ctx_(&ctx), opts_(std::move(opts)), server_(std::make_unique<httplib::Server>()) {
  int threads = std::max(1, opts_.threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_max_count(opts_.keep_alive_max_requests);
  // Without TCP_NODELAY a response written in two parts waits for the
  // client's delayed ACK: ~40 ms per request (measured, docs/http.md).
  server_->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which
  // a second gateway (another manager's) binds the same port and the kernel
  // splits requests between two datasets; without it that bind fails. And
  // the listening socket's fd, whose backlog Bind() raises: the library
  // listens with a backlog of 5, and a burst of new connections would lose
  // SYNs (1 s client retries).
  server_->set_socket_options([this](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = fd;
  });
  // Room for the largest value plus the request line and headers: a bigger
  // body is refused with 413 before it is read.
  server_->set_payload_max_length(kMaxValueBytes + 64 * 1024);
  // Requests without a body are answered here, before httplib's routing:
  // it would refuse a PUT without Content-Length (PUT /v1/stores/NAME is
  // bodiless) and match its regex routes for nothing. Requests with a body
  // go on to the routes below, which read it first.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = SteadyClock::now();
    bool has_body =
        req.has_header("Transfer-Encoding") ||
        (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
    if (has_body) return httplib::Server::HandlerResponse::Unhandled;
    Handle(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  // Routing is ours (route.h) on the raw target: httplib's decoded path
  // would turn "%2F" into a separator.
  const std::string any = "[\\s\\S]*";
  server_->Get(any, handler);
  server_->Put(any, handler);
  server_->Delete(any, handler);
  server_->Post(any, handler);
  server_->Patch(any, handler);
  server_->Options(any, handler);
  // Answers httplib makes itself (413 body too large, 400 bad request line)
  // get the same JSON error shape.
  httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string_view name = "http_error";
    std::string message = "HTTP " + std::to_string(res.status);
    if (res.status == 413) {
      name = "too_large";
      message = "request body over the limit of " + std::to_string(kMaxValueBytes) + " bytes";
    } else if (res.status == 414) {
      // CPPHTTPLIB_REQUEST_URI_MAX_LENGTH, compiled into Debian's library.
      name = "too_large";
      message = "request target over 8192 bytes: use the protocol socket for longer keys";
    }
    SendError(res, res.status, name, message);
    return httplib::Server::HandlerResponse::Handled;
  };
  server_->set_error_handler(std::move(on_error));
  // Every answered request is counted here, whoever produced the answer.
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double secs = std::chrono::duration<double>(SteadyClock::now() - t_request_start).count();
    auto route = ParseTarget(req.target);
    std::string_view op =
        route.ok() ? OpLabel(route->kind, ParseMethod(req.method)) : std::string_view("other");
    metrics_.Observe(op, res.status, secs);
  });
}

GatewayServer::~GatewayServer() = default;

Status GatewayServer::Bind() {
  auto hp = ParseHostPort(opts_.listen, /*allow_zero_port=*/true);
  if (!hp.ok()) return hp.status();
  if (hp->port == 0) {
    port_ = server_->bind_to_any_port(hp->host);
    if (port_ <= 0) return Status::Unavailable("cannot bind " + opts_.listen);
  } else {
    if (!server_->bind_to_port(hp->host, hp->port)) {
      return Status::Unavailable("cannot bind " + opts_.listen + ": " + std::strerror(errno));
    }
    port_ = hp->port;
  }
  if (listen_fd_ >= 0 && ::listen(listen_fd_, SOMAXCONN) != 0) {
    spdlog::warn("cannot raise the listen backlog: {}", std::strerror(errno));
  }
  return Status::Ok();
}

bool GatewayServer::Serve() { return server_->listen_after_bind(); }

void GatewayServer::Stop() { server_->stop(); }

Client& GatewayServer::Upstream() {
  // One socket per pool thread: a zmq socket must stay on its thread.
  thread_local std::unique_ptr<Client> client;
  if (client == nullptr) client = std::make_unique<Client>(*ctx_, opts_.manager);
  return *client;
}

void GatewayServer::Handle(const httplib::Request& req, httplib::Response& res) {
  Method method = ParseMethod(req.method);
  auto route = ParseTarget(req.target);
  if (!route.ok()) {
    SendError(res, route.status());
    return;
  }
  if (route->kind == RouteKind::kUnknown) {
    SendError(res, 404, "not_found", "no such route: " + req.path);
    return;
  }
  if (!Allows(route->kind, method)) {
    res.set_header("Allow", AllowHeader(route->kind));
    SendError(res, 405, "method_not_allowed",
              req.method + " is not allowed here; allowed: " + AllowHeader(route->kind));
    return;
  }
  Dispatch(*route, method, req, res);
}

void GatewayServer::Dispatch(const Route& route, Method method, const httplib::Request& req,
                             httplib::Response& res) {
  const auto timeout = opts_.upstream_timeout;
  if (route.kind == RouteKind::kStore || route.kind == RouteKind::kStoreKeys ||
      route.kind == RouteKind::kKey) {
    if (Status s = ValidateStoreName(route.store); !s.ok()) return SendError(res, s);
  }
  if (route.kind == RouteKind::kKey) {
    if (Status s = ValidateKey(route.key); !s.ok()) return SendError(res, s);
  }
  switch (route.kind) {
    case RouteKind::kStatusPage:
      res.set_header("Cache-Control", "no-store");
      res.set_content(std::string(StatusPageHtml()), "text/html; charset=utf-8");
      return;
    case RouteKind::kHealthz:
      return SendJson(res, 200, {{"status", "ok"}, {"pid", getpid()}});
    case RouteKind::kReadyz: {
      auto status = Upstream().CallJson(Op::kStatus, "", 0, timeout);
      if (!status.ok()) {
        return SendJson(res, 503, {{"ready", false}, {"reason", status.status().ToString()}});
      }
      std::string why;
      if (!DbWorkersRunning(*status, &why)) {
        return SendJson(res, 503, {{"ready", false}, {"reason", why}});
      }
      return SendJson(res, 200, {{"ready", true}});
    }
    case RouteKind::kMetrics: {
      PrometheusText text;
      auto status = Upstream().CallJson(Op::kStatus, "", 0, timeout);
      if (status.ok()) {
        RenderClusterMetrics(*status, &text);
      } else {
        RenderManagerDown(&text);
      }
      metrics_.Render(&text);
      res.set_content(text.text(), "text/plain; version=0.0.4; charset=utf-8");
      return;
    }
    case RouteKind::kStatus: {
      auto status = Upstream().CallJson(Op::kStatus, "", 0, timeout);
      if (!status.ok()) return SendError(res, status.status());
      return SendJson(res, 200, *status);
    }
    case RouteKind::kStores: {
      auto stores = Upstream().CallJson(Op::kStores, "", 0, timeout);
      if (!stores.ok()) return SendError(res, stores.status());
      return SendJson(res, 200, stores->value("stores", nlohmann::json::array()));
    }
    case RouteKind::kStore: {
      if (method == Method::kPut) {
        auto created = Upstream().CallJson(Op::kCreate, route.store, 0, timeout);
        if (!created.ok()) return SendError(res, created.status());
        return SendJson(res, created->value("created", false) ? 201 : 200, *created);
      }
      if (method == Method::kDelete) {
        auto dropped = Upstream().CallJson(Op::kDrop, route.store, 0, timeout);
        if (!dropped.ok()) return SendError(res, dropped.status());
        res.status = 204;
        return;
      }
      auto stores = Upstream().CallJson(Op::kStores, "", 0, timeout);
      if (!stores.ok()) return SendError(res, stores.status());
      for (const auto& s : stores->value("stores", nlohmann::json::array())) {
        if (s.value("name", "") == route.store) return SendJson(res, 200, s);
      }
      return SendError(res, Status::NotFound("no such store '" + route.store + "'"));
    }
    case RouteKind::kStoreKeys: {
      auto keys = Upstream().Keys(route.store, route.prefix, route.limit, timeout);
      if (!keys.ok()) return SendError(res, keys.status());
      return SendJson(res, 200, *keys);
    }
    case RouteKind::kKey: {
      if (method == Method::kPut) {
        if (Status s = ValidateValue(req.body); !s.ok()) return SendError(res, s);
        if (Status s = Upstream().Put(route.store, route.key, req.body, timeout); !s.ok()) {
          return SendError(res, s);
        }
        res.status = 204;
        return;
      }
      if (method == Method::kDelete) {
        if (Status s = Upstream().Del(route.store, route.key, timeout); !s.ok()) {
          return SendError(res, s);
        }
        res.status = 204;
        return;
      }
      auto value = Upstream().Get(route.store, route.key, timeout);
      if (!value.ok()) return SendError(res, value.status());
      res.status = 200;
      res.set_content(std::move(*value), kOctets);
      return;
    }
    case RouteKind::kUnknown:
      break;
  }
  SendError(res, 404, "not_found", "no such route");
}

}  // namespace forkv::http
