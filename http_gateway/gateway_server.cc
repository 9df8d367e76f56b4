#include "http_gateway/gateway_server.h"

#include <forkv/client.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "clients/cpp/connection.h"
#include "http_gateway/http_errors.h"
#include "http_gateway/route.h"
#include "http_gateway/status_page.h"
#include "shared/clock.h"
#include "shared/host_port.h"
#include "shared/names.h"
#include "shared/protocol.h"

namespace forkv::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr char kJson[] = "application/json";
constexpr char kOctets[] = "application/octet-stream";
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::chrono::milliseconds kReadyzTimeout{900};
constexpr size_t kMaxTargetBytes = 8192;
constexpr size_t kMaxBodyBytes = kMaxValueBytes + 64 * 1024;

HttpResponse ErrorResponse(const Status& s) {
  HttpResponse r{.status = HttpStatusFor(s.code()), .content_type = kJson, .body = ErrorJson(s)};
  if (int secs = RetryAfterSecondsFor(s.code()); secs > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(secs));
  }
  return r;
}

HttpResponse ErrorResponse(int http_status, std::string_view name, std::string_view message) {
  return {
      .status = http_status, .content_type = kJson, .body = ErrorJson(http_status, name, message)};
}

HttpResponse JsonResponse(int http_status, const nlohmann::json& body) {
  return {.status = http_status,
          .content_type = kJson,
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

// A page of /v1/stores says where the listing goes on: `Link: <...>;
// rel="next"` and `X-Next-After` when more may follow, `X-Total-Count`
// (stores in the catalogue) always.
void AddPageHeaders(const nlohmann::json& body, const Route& route, HttpResponse* r) {
  if (auto total = body.find("total"); total != body.end() && total->is_number_unsigned()) {
    r->headers.emplace_back("X-Total-Count", std::to_string(total->get<uint64_t>()));
  }
  auto next = body.find("next_after");
  if (next == body.end() || !next->is_string()) return;
  const std::string& after = next->get_ref<const std::string&>();
  std::string link = "/v1/stores?after=" + PercentEncode(after);
  if (route.limit != 0) link += "&limit=" + std::to_string(route.limit);
  if (!route.state.empty()) link += "&state=" + PercentEncode(route.state);
  r->headers.emplace_back("Link", "<" + link + ">; rel=\"next\"");
  r->headers.emplace_back("X-Next-After", after);
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

// RFC 9112 checks Beast's parser leaves to the application.
std::optional<HttpResponse> CheckFraming(const bhttp::request_parser<bhttp::string_body>& p) {
  const auto& h = p.get();
  if (h.version() >= 11 && h.find(bhttp::field::host) == h.end()) {
    return ErrorResponse(400, "bad_request", "HTTP/1.1 request without Host");
  }
  // One plain number: Beast also takes a list of equal values ("3, 3"),
  // which RFC 9112 allows, but a proxy in front may read it otherwise.
  if (auto cl = h.find(bhttp::field::content_length); cl != h.end()) {
    auto v = cl->value();
    if (v.empty() || v.find_first_not_of("0123456789") != beast::string_view::npos) {
      return ErrorResponse(400, "bad_request", "Content-Length must be one decimal number");
    }
  }
  auto te = h.find(bhttp::field::transfer_encoding);
  if (te != h.end()) {
    if (!beast::iequals(te->value(), "chunked")) {
      return ErrorResponse(400, "bad_request",
                           "Transfer-Encoding other than \"chunked\" is not supported");
    }
    if (h.find(bhttp::field::content_length) != h.end()) {
      return ErrorResponse(400, "bad_request",
                           "Transfer-Encoding and Content-Length together are ambiguous");
    }
  }
  if (h.target().size() > kMaxTargetBytes) {
    return ErrorResponse(414, "too_large",
                         "request target over 8192 bytes: use the protocol socket for longer keys");
  }
  return std::nullopt;
}

HttpResponse ParseError(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    return ErrorResponse(
        413, "too_large",
        "request body over the limit of " + std::to_string(kMaxValueBytes) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return ErrorResponse(431, "too_large", "request header over 16 KiB");
  }
  return ErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message());
}

bool IsDisconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == bhttp::error::partial_message;
}

}  // namespace

struct GatewayServer::Impl {
  explicit Impl(GatewayServer& s) : server(s) {}

  GatewayServer& server;
  // Before ioc: sessions destroyed with ioc's pending handlers count down.
  std::atomic<size_t> sessions{0};
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  bool failed = false;  // the I/O thread only

  // Upstream workers.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;  // guarded by mu
  bool stopping = false;                   // guarded by mu
  std::vector<std::thread> workers;

  void Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
  }

  void WorkerLoop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  void StopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
      jobs.clear();  // nobody will write their answers
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
  }

  void DoAccept();
};

namespace {

// One connection, on the I/O thread; the upstream call runs on a worker.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, GatewayServer::Impl& impl, const GatewayOptions& opts)
      : stream_(std::move(socket)), impl_(impl), opts_(opts) {}
  ~Session() { impl_.sessions.fetch_sub(1); }

  void Start() { ReadHeader(); }

 private:
  void ReadHeader() {
    // A large body must not stay allocated on an idle keep-alive connection.
    if (buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    // The first request's header must come within header_timeout (a
    // slowloris gets nothing more); a keep-alive connection may idle longer.
    stream_.expires_after(served_ == 0 ? opts_.header_timeout : opts_.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    start_ = SteadyClock::now();
    if (ec && IsDisconnect(ec) && buffer_.size() == 0) return Close();
    if (ec)
      return Respond(IsDisconnect(ec) ? ParseError(bhttp::error::partial_message) : ParseError(ec),
                     /*close=*/true);
    if (auto bad = CheckFraming(*parser_)) return Respond(std::move(*bad), /*close=*/true);
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      continue_.emplace(bhttp::status::continue_, parser_->get().version());
      stream_.expires_after(opts_.body_timeout);
      bhttp::async_write(stream_, *continue_,
                         [self = shared_from_this()](beast::error_code ec, size_t) {
                           if (ec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(opts_.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec == beast::error::timeout) return Close();
    if (ec) return Respond(ParseError(ec), /*close=*/true);
    bhttp::request<bhttp::string_body> msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    std::string method_name(msg.method_string());
    HttpRequest req{.method = ParseMethod(method_name),
                    .method_name = method_name,
                    .target = std::string(msg.target()),
                    .body = std::move(msg.body()),
                    .if_match = std::string(msg[bhttp::field::if_match]),
                    .if_none_match = std::string(msg[bhttp::field::if_none_match])};
    head_ = req.method == Method::kHead;
    target_ = req.target;
    method_ = req.method;
    stream_.expires_never();  // the upstream timeout bounds the wait
    auto executor = stream_.get_executor();
    impl_.Submit([self = shared_from_this(), executor, req = std::move(req)]() mutable {
      HttpResponse res = self->impl_.server.Handle(req);
      asio::post(executor, [self, res = std::move(res)]() mutable {
        self->Respond(std::move(res), /*close=*/false);
      });
    });
  }

  void Respond(HttpResponse r, bool close) {
    auto route = ParseTarget(target_);
    std::string_view op = route.ok() ? OpLabel(route->kind, method_) : std::string_view("other");
    double secs = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    impl_.server.metrics().Observe(op, r.status, secs);
    ++served_;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version_ == 0 ? 11 : version_);
    res->set(bhttp::field::server, "forkv-http");
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    bool keep = !close && keep_alive_ && served_ < opts_.keep_alive_max_requests;
    res->keep_alive(keep);
    size_t length = r.body.size();
    if (!head_) res->body() = std::move(r.body);
    res->prepare_payload();
    if (head_ && r.status != 204 && r.status != 304) res->content_length(length);
    stream_.expires_after(opts_.body_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep, close](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         if (close) return self->LingeringClose();
                         if (!keep) return self->Close();
                         self->ReadHeader();
                       });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // After an error answer the client may still be sending (a body over the
  // limit): closing now would reset the connection before it reads the
  // answer. So stop sending, then read and discard for a while (nginx's
  // lingering close), at most kLingerBytes or kLinger.
  void LingeringClose() {
    Close();
    stream_.expires_after(kLinger);
    Discard();
  }

  void Discard() {
    if (discarded_ >= kLingerBytes) return;
    scratch_.resize(64 * 1024);  // only while lingering
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return;  // closed by the client, or kLinger passed
                              self->discarded_ += n;
                              self->Discard();
                            });
  }

  static constexpr std::chrono::seconds kLinger{5};
  static constexpr size_t kLingerBytes = 64 << 20;
  std::vector<char> scratch_;
  size_t discarded_ = 0;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  GatewayServer::Impl& impl_;
  const GatewayOptions& opts_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  SteadyTime start_ = SteadyClock::now();
  std::string target_;
  Method method_ = Method::kOther;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  size_t served_ = 0;
};

}  // namespace

void GatewayServer::Impl::DoAccept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: try again shortly, do not spin.
      spdlog::warn("accept: {}", ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e) DoAccept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (sessions.load() >= server.options().max_connections) {
      static const std::string kBusy = [] {
        std::string body = ErrorJson(503, "unavailable", "too many connections; retry later");
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
               "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      }();
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    } else {
      sessions.fetch_add(1);
      std::make_shared<Session>(std::move(socket), *this, server.options())->Start();
    }
    DoAccept();
  });
}

GatewayServer::GatewayServer(zmq::context_t& ctx, GatewayOptions opts)
    : ctx_(&ctx), opts_(std::move(opts)), impl_(std::make_unique<Impl>(*this)) {}

GatewayServer::~GatewayServer() = default;

Status GatewayServer::Bind() {
  auto hp = ParseHostPort(opts_.listen, /*allow_zero_port=*/true);
  if (!hp.ok()) return hp.status();
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(hp->host, std::to_string(hp->port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument("cannot resolve " + hp->host + ": " + ec.message());
  }
  tcp::endpoint ep = results.begin()->endpoint();
  tcp::acceptor& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  // SO_REUSEADDR only, never SO_REUSEPORT: a second gateway (another
  // manager's) must fail to bind rather than split requests with us.
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    a.close(ignored);
    return Status::Unavailable("cannot bind " + opts_.listen + ": " + ec.message());
  }
  port_ = a.local_endpoint().port();
  return Status::Ok();
}

bool GatewayServer::Serve() {
  for (int i = 0; i < std::max(1, opts_.threads); ++i) {
    impl_->workers.emplace_back([this] { impl_->WorkerLoop(); });
  }
  impl_->DoAccept();
  impl_->ioc.run();
  impl_->StopWorkers();
  return !impl_->failed;
}

void GatewayServer::Stop() { impl_->ioc.stop(); }

Connection& GatewayServer::Upstream() {
  // One socket per worker thread: a zmq socket must stay on its thread.
  thread_local std::unique_ptr<Connection> client;
  if (client == nullptr) client = std::make_unique<Connection>(*ctx_, opts_.manager);
  return *client;
}

Client& GatewayServer::Stores() {
  // One client per worker thread too; its route cache is per thread.
  thread_local std::unique_ptr<Client> client;
  if (client == nullptr) {
    client = std::make_unique<Client>(
        ClientOptions{.endpoint = opts_.manager,
                      .timeout = opts_.upstream_timeout,
                      .attempts = 2,
                      .direct = opts_.direct,
                      .max_cached_stores = 16,  // per worker thread (64 of them)
                      .locate_after = 4});
  }
  return *client;
}

HttpResponse GatewayServer::Handle(const HttpRequest& req) {
  auto route = ParseTarget(req.target);
  if (!route.ok()) return ErrorResponse(route.status());
  if (route->kind == RouteKind::kUnknown) {
    std::string path = req.target.substr(0, req.target.find('?'));
    return ErrorResponse(404, "not_found", "no such route: " + path);
  }
  if (req.method == Method::kOptions) {
    // What the route takes (RFC 9110, 9.3.7); no body, nothing done.
    return {.status = 204, .headers = {{"Allow", AllowHeader(route->kind)}}};
  }
  if (!Allows(route->kind, req.method)) {
    HttpResponse r = ErrorResponse(
        405, "method_not_allowed",
        req.method_name + " is not allowed here; allowed: " + AllowHeader(route->kind));
    r.headers.emplace_back("Allow", AllowHeader(route->kind));
    return r;
  }
  return Dispatch(*route, req);
}

HttpResponse GatewayServer::Dispatch(const Route& route, const HttpRequest& req) {
  const auto timeout = opts_.upstream_timeout;
  const Method method = req.method;
  if (route.kind == RouteKind::kStore || route.kind == RouteKind::kStoreKeys ||
      route.kind == RouteKind::kKey) {
    if (Status s = ValidateStoreName(route.store); !s.ok()) return ErrorResponse(s);
  }
  if (route.kind == RouteKind::kKey) {
    if (Status s = ValidateKey(route.key); !s.ok()) return ErrorResponse(s);
  }
  switch (route.kind) {
    case RouteKind::kStatusPage:
      return {.status = 200,
              .content_type = "text/html; charset=utf-8",
              .body = std::string(StatusPageHtml()),
              .headers = {{"Cache-Control", "no-store"}}};
    case RouteKind::kHealthz:
      return JsonResponse(200, {{"status", "ok"}, {"pid", getpid()}});
    case RouteKind::kReadyz: {
      // Within a second, whatever --http-timeout-ms says: a probe must not
      // wait out a hung manager (it answers 503 instead).
      auto status = Upstream().CallJson(Op::kStatus, "", 0, std::min(timeout, kReadyzTimeout));
      if (!status.ok()) {
        return JsonResponse(503, {{"ready", false}, {"reason", status.status().ToString()}});
      }
      std::string why;
      if (!DbWorkersRunning(*status, &why)) {
        return JsonResponse(503, {{"ready", false}, {"reason", why}});
      }
      return JsonResponse(200, {{"ready", true}});
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
      return {.status = 200,
              .content_type = "text/plain; version=0.0.4; charset=utf-8",
              .body = text.text()};
    }
    case RouteKind::kStatus: {
      auto status = Upstream().CallJson(Op::kStatus, "", 0, timeout);
      if (!status.ok()) return ErrorResponse(status.status());
      return JsonResponse(200, *status);
    }
    case RouteKind::kStores: {
      Request page{.op = Op::kStores, .key = route.after, .value = route.state, .arg = route.limit};
      auto stores = Upstream().CallJson(std::move(page), timeout);
      if (!stores.ok()) return ErrorResponse(stores.status());
      HttpResponse r = JsonResponse(200, stores->value("stores", nlohmann::json::array()));
      AddPageHeaders(*stores, route, &r);
      return r;
    }
    case RouteKind::kStore: {
      if (method == Method::kPut) {
        auto created = Upstream().CallJson(Op::kCreate, route.store, 0, timeout);
        if (!created.ok()) return ErrorResponse(created.status());
        return JsonResponse(created->value("created", false) ? 201 : 200, *created);
      }
      if (method == Method::kDelete) {
        auto dropped = Upstream().CallJson(Op::kDrop, route.store, 0, timeout);
        if (!dropped.ok()) return ErrorResponse(dropped.status());
        return {.status = 204};
      }
      // A `stores` request naming the store: a page of it alone, or empty.
      auto stores = Upstream().CallJson(Request{.op = Op::kStores, .store = route.store}, timeout);
      if (!stores.ok()) return ErrorResponse(stores.status());
      for (const auto& s : stores->value("stores", nlohmann::json::array())) {
        if (s.value("name", "") == route.store) return JsonResponse(200, s);
      }
      return ErrorResponse(Status::NotFound("no such store '" + route.store + "'"));
    }
    case RouteKind::kStoreKeys: {
      auto keys = Stores().Keys(route.store, route.prefix, route.limit, route.after);
      if (!keys.ok()) return ErrorResponse(keys.status());
      return JsonResponse(200, *keys);
    }
    case RouteKind::kKey: {
      auto condition = ParseKeyCondition(req.if_match, req.if_none_match);
      if (!condition.ok()) return ErrorResponse(condition.status());
      if (condition->has_value() && method != Method::kPut && method != Method::kDelete) {
        return ErrorResponse(Status::InvalidArgument(
            "If-Match and If-None-Match apply to PUT and DELETE of a key only"));
      }
      if (method == Method::kPut) {
        if (Status s = ValidateValue(req.body); !s.ok()) return ErrorResponse(s);
        if (route.ttl_ms != 0 && condition->has_value()) {
          return ErrorResponse(Status::InvalidArgument(
              "ttl= with If-Match or If-None-Match is not supported; set the TTL after"));
        }
        auto version = condition->has_value()
                           ? Stores().PutIfVersion(route.store, route.key, req.body, **condition)
                       : route.ttl_ms != 0 ? Stores().PutWithTtl(route.store, route.key, req.body,
                                                                 Millis(route.ttl_ms))
                                           : Stores().PutVersion(route.store, route.key, req.body);
        if (!version.ok()) return ErrorResponse(version.status());
        return {.status = 204, .headers = {{"ETag", ETagOf(*version)}}};
      }
      if (method == Method::kDelete) {
        if (condition->has_value() && **condition == 0) {
          return ErrorResponse(Status::InvalidArgument(
              "If-None-Match: * on DELETE deletes nothing; send If-Match with the ETag"));
        }
        Status s = condition->has_value()
                       ? Stores().DelIfVersion(route.store, route.key, **condition)
                       : Stores().Del(route.store, route.key);
        if (!s.ok()) return ErrorResponse(s);
        return {.status = 204};
      }
      auto value = Stores().GetVersioned(route.store, route.key);
      if (!value.ok()) return ErrorResponse(value.status());
      return {.status = 200,
              .content_type = kOctets,
              .body = std::move(value->value),
              .headers = {{"ETag", ETagOf(value->version)}}};
    }
    case RouteKind::kUnknown:
      break;
  }
  return ErrorResponse(404, "not_found", "no such route");
}

}  // namespace forkv::http
