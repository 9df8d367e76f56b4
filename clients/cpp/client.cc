// forkv::Client: the manager connection, the route cache and the retry
// rules of <forkv/client.h>, over the internal Connection.
#include <forkv/client.h>

#include <list>
#include <unordered_map>
#include <utility>

#include "clients/cpp/client_internal.h"
#include "clients/cpp/connection.h"
#include "clients/cpp/endpoint_choice.h"
#include "clients/cpp/reply_body.h"
#include "shared/codec.h"
#include "shared/names.h"
#include "shared/runtime.h"

namespace forkv {
namespace {

bool IsRead(Op op) {
  return op == Op::kGet || op == Op::kKeys || op == Op::kCount || op == Op::kScan;
}

Request MakeRequest(Op op, std::string_view store, std::string_view key = {},
                    std::string_view value = {}, uint64_t arg = 0) {
  return Request{.op = op,
                 .store = std::string(store),
                 .key = std::string(key),
                 .value = std::string(value),
                 .arg = arg};
}

}  // namespace

std::string DefaultEndpoint() { return DefaultManagerEndpoint(/*use_env=*/true); }

namespace {

// One ZeroMQ context per process for every Client (ZeroMQ's advice: a
// context is thread-safe, and each one costs an I/O thread). Created on first
// use and never terminated (a static's destructor would run after Clients
// owned by other statics, or block on their open sockets). A process that
// forks must not use Clients in the child (a context never crosses a fork).
zmq::context_t& SharedContext() {
  static zmq::context_t* ctx = [] {
    auto* c = new zmq::context_t(1);
    c->set(zmq::ctxopt::max_sockets, 16384);
    return c;
  }();
  return *ctx;
}

constexpr auto kMinIdleForEviction = std::chrono::seconds(1);

}  // namespace

struct Client::Impl {
  explicit Impl(ClientOptions o)
      : opts(Normalise(std::move(o))),
        ctx(SharedContext()),
        manager(ctx, opts.endpoint, /*watch_peer=*/false) {}

  static ClientOptions Normalise(ClientOptions o) {
    if (o.endpoint.empty()) o.endpoint = DefaultEndpoint();
    if (o.attempts < 1) o.attempts = 1;
    if (o.max_cached_stores < 1) o.max_cached_stores = 1;
    return o;
  }

  struct Route {
    std::string endpoint;
    uint64_t gen = 0;
    std::unique_ptr<Connection> conn;  // nullptr: this store goes through the manager
    std::list<std::string>::iterator lru;
    std::chrono::steady_clock::time_point last_used;
  };

  // The route to `store`, located through the manager when not cached.
  // nullptr (not an error) when the cache is full of stores used within the
  // last second, or the store has not been asked for locate_after times
  // within a second yet: this request takes the manager path (a client
  // spread over more stores than it caches would otherwise locate and
  // connect on every request).
  Result<Route*> RouteTo(const std::string& store, bool create);
  void Forget(const std::string& store);
  // One request to a store, with the retry rules of the header.
  Result<Reply> StoreCall(const Request& request);
  Result<Reply> ManagerCall(Request request) {
    ++stats.manager_requests;
    return manager.Call(std::move(request), opts.timeout);
  }

  ClientOptions opts;
  zmq::context_t& ctx;
  Connection manager;
  std::unordered_map<std::string, Route> routes;
  std::list<std::string> lru;  // most recently used first
  struct Recent {
    unsigned count = 0;
    std::chrono::steady_clock::time_point window_start;
  };
  std::unordered_map<std::string, Recent> recent;  // locate_after > 1: uncached stores' requests
  std::unordered_map<std::string, uint64_t> lost;  // store -> gen of the route just dropped
  bool direct_supported = true;
  Client::Stats stats;
};

void Client::Impl::Forget(const std::string& store) {
  auto it = routes.find(store);
  if (it == routes.end()) return;
  // The next locate names this incarnation: the manager then answers its
  // successor, not the one that just failed (it may not have reaped it yet).
  if (lost.size() > 4096) lost.clear();
  lost[store] = it->second.gen;
  lru.erase(it->second.lru);
  routes.erase(it);
  ++stats.relocations;
}

Result<Client::Impl::Route*> Client::Impl::RouteTo(const std::string& store, bool create) {
  const auto now = std::chrono::steady_clock::now();
  if (auto it = routes.find(store); it != routes.end()) {
    lru.splice(lru.begin(), lru, it->second.lru);
    it->second.last_used = now;
    return &it->second;
  }
  if (routes.size() >= opts.max_cached_stores && !lru.empty() &&
      now - routes.at(lru.back()).last_used < kMinIdleForEviction) {
    return nullptr;
  }
  if (opts.locate_after > 1) {
    // Admission: count this store's requests per one-second window (the
    // table is bounded: it starts over when it holds too many names).
    if (recent.size() > 4096) recent.clear();
    Recent& r = recent[store];
    if (now - r.window_start >= std::chrono::seconds(1)) r = Recent{0, now};
    if (++r.count < opts.locate_after) return nullptr;
    recent.erase(store);
  }
  ++stats.locates;
  std::string stale_gen;
  if (auto l = lost.find(store); l != lost.end()) {
    stale_gen = std::to_string(l->second);
    lost.erase(l);
  }
  auto reply = manager.Call(
      MakeRequest(Op::kLocate, store, stale_gen, {}, create ? kLocateCreate : 0), opts.timeout);
  if (!reply.ok()) return reply.status();
  if (reply->code == StatusCode::kUnknownOp) {
    direct_supported = false;  // a manager from before the direct path
    return Status::UnknownOp(reply->message);
  }
  if (reply->code != StatusCode::kOk) return Status(reply->code, reply->message);
  auto body = JsonOfReply(*reply);
  if (!body.ok()) return body.status();
  std::vector<std::string> endpoints;
  if (body->is_object() && body->contains("endpoints") && (*body)["endpoints"].is_array()) {
    for (const auto& ep : (*body)["endpoints"]) {
      if (ep.is_string()) endpoints.push_back(ep.get<std::string>());
    }
  }
  Route route;
  route.last_used = now;
  if (auto gen = body->find("gen"); gen != body->end() && gen->is_number_unsigned()) {
    route.gen = gen->get<uint64_t>();
  }
  if (auto chosen = ChooseStoreEndpoint(opts.endpoint, endpoints)) {
    route.endpoint = *chosen;
    route.conn = std::make_unique<Connection>(ctx, route.endpoint, /*watch_peer=*/true);
  } else {
    route.endpoint = opts.endpoint;  // no endpoint this client can reach: the manager path
  }
  while (routes.size() >= opts.max_cached_stores && !lru.empty()) {
    std::string oldest = lru.back();
    lru.pop_back();
    routes.erase(oldest);
  }
  lru.push_front(store);
  route.lru = lru.begin();
  return &routes.emplace(store, std::move(route)).first->second;
}

Result<Reply> Client::Impl::StoreCall(const Request& request) {
  if (!opts.direct || !direct_supported) return ManagerCall(request);
  Status last = Status::Unavailable("no attempt made");
  for (int attempt = 1; attempt <= opts.attempts; ++attempt) {
    auto route = RouteTo(request.store, request.op == Op::kPut || request.op == Op::kIncr);
    if (!route.ok()) {
      if (route.status().code() == StatusCode::kUnknownOp) return ManagerCall(request);
      // The store did not serve within the manager's wait (a slow
      // restart): locate again while attempts remain. Anything else (no
      // such store, failed, dropped, the manager unreachable) is the answer.
      if (route.status().code() == StatusCode::kTimeout && attempt < opts.attempts) {
        last = route.status();
        continue;
      }
      return route.status();
    }
    Route* r = *route;
    if (r == nullptr || r->conn == nullptr) return ManagerCall(request);
    ++stats.direct_requests;
    auto reply = r->conn->Call(request, opts.timeout);
    if (reply.ok() && reply->code != StatusCode::kMoved) return reply;
    const bool sent = !reply.ok() && r->conn->last_request_sent();
    last = reply.ok() ? Status(reply->code, reply->message) : reply.status();
    Forget(request.store);
    // Moved (refused, not applied) or never sent: safe to resend. A write
    // that reached a store that then died, or got no answer, is not.
    if (sent && !IsRead(request.op)) {
      if (last.code() == StatusCode::kTimeout) {
        return Status::Timeout(last.message() + "; the write may or may not have been applied");
      }
      // Answered as the manager path answers a request its store died
      // with: an `unavailable` reply (outcome unknown), not a transport
      // failure (which means "never sent").
      return Reply{.id = request.id,
                   .code = StatusCode::kUnavailable,
                   .message = "store '" + request.store + "' was lost with the request in " +
                              "flight (" + last.message() +
                              "); the write may or may not have been applied"};
    }
  }
  if (last.code() == StatusCode::kMoved) {
    return Status::Unavailable("store '" + request.store + "' kept moving: " + last.message());
  }
  return last;
}

Result<Reply> ClientInternals::CallStore(Client& client, const Request& request) {
  return client.impl_->StoreCall(request);
}

// ---- Client -------------------------------------------------------------------

Client::Client() : Client(ClientOptions{}) {}
Client::Client(std::string endpoint) : Client(ClientOptions{.endpoint = std::move(endpoint)}) {}
Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const { return impl_->opts; }
Client::Stats Client::stats() const { return impl_->stats; }

Status Client::Put(std::string_view store, std::string_view key, std::string_view value) {
  return CheckedReply(impl_->StoreCall(MakeRequest(Op::kPut, store, key, value))).status();
}

Result<std::string> Client::Get(std::string_view store, std::string_view key) {
  auto reply = CheckedReply(impl_->StoreCall(MakeRequest(Op::kGet, store, key)));
  if (!reply.ok()) return reply.status();
  return ValueOfReply(*reply);
}

Status Client::Del(std::string_view store, std::string_view key) {
  return CheckedReply(impl_->StoreCall(MakeRequest(Op::kDel, store, key))).status();
}

Result<uint64_t> Client::PutVersion(std::string_view store, std::string_view key,
                                    std::string_view value) {
  auto reply = CheckedReply(impl_->StoreCall(MakeRequest(Op::kPut, store, key, value)));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);  // a uint body
}

Result<uint64_t> Client::PutIfVersion(std::string_view store, std::string_view key,
                                      std::string_view value, uint64_t version) {
  Request r = MakeRequest(Op::kPut, store, key, value);
  r.if_version = version;
  auto reply = CheckedReply(impl_->StoreCall(r));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);
}

Result<uint64_t> Client::PutWithTtl(std::string_view store, std::string_view key,
                                    std::string_view value, std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Status::InvalidArgument("PutWithTtl: the ttl must be > 0");
  Request r = MakeRequest(Op::kPut, store, key, value);
  r.ttl_ms = static_cast<uint64_t>(ttl.count());
  auto reply = CheckedReply(impl_->StoreCall(r));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);
}

Result<uint64_t> Client::Expire(std::string_view store, std::string_view key,
                                std::chrono::milliseconds ttl) {
  if (ttl.count() < 0) return Status::InvalidArgument("Expire: the ttl must be >= 0");
  auto reply = CheckedReply(impl_->StoreCall(
      MakeRequest(Op::kExpire, store, key, {}, static_cast<uint64_t>(ttl.count()))));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);
}

Status Client::DelIfVersion(std::string_view store, std::string_view key, uint64_t version) {
  if (version == 0) return Status::InvalidArgument("DelIfVersion: the version must be >= 1");
  Request r = MakeRequest(Op::kDel, store, key);
  r.if_version = version;
  return CheckedReply(impl_->StoreCall(r)).status();
}

Result<Versioned> Client::GetVersioned(std::string_view store, std::string_view key) {
  auto reply = CheckedReply(impl_->StoreCall(MakeRequest(Op::kGet, store, key, {}, kGetVersion)));
  if (!reply.ok()) return reply.status();
  return VersionedOfReply(*reply);
}

Result<int64_t> Client::Incr(std::string_view store, std::string_view key, int64_t by) {
  auto reply =
      CheckedReply(impl_->StoreCall(MakeRequest(Op::kIncr, store, key, std::to_string(by))));
  if (!reply.ok()) return reply.status();
  return CounterOfReply(*reply);
}

Result<std::vector<std::string>> Client::Keys(std::string_view store, std::string_view prefix,
                                              uint64_t limit, std::string_view after) {
  auto reply = CheckedReply(impl_->StoreCall(MakeRequest(Op::kKeys, store, prefix, after, limit)));
  if (!reply.ok()) return reply.status();
  return KeysOfReply(*reply);
}

Result<ScanPage> Client::Scan(std::string_view store, const ScanQuery& query) {
  auto reply = CheckedReply(
      impl_->StoreCall(MakeRequest(Op::kScan, store, query.after, query.prefix, query.limit)));
  if (!reply.ok()) return reply.status();
  return ScanOfReply(*reply);
}

Result<uint64_t> Client::Count(std::string_view store) {
  auto reply = CheckedReply(impl_->StoreCall(MakeRequest(Op::kCount, store)));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);
}

Result<std::vector<StoreInfo>> Client::Stores() {
  auto page = Stores(StoresQuery{});
  if (!page.ok()) return page.status();
  return std::move(page->stores);
}

Result<StoresPage> Client::Stores(const StoresQuery& query) {
  if (query.limit < 1 || query.limit > kMaxStoresLimit) {
    return Status::InvalidArgument("stores: limit must be 1.." + std::to_string(kMaxStoresLimit) +
                                   ", got " + std::to_string(query.limit));
  }
  Request request = MakeRequest(Op::kStores, "", query.after, query.state, query.limit);
  if (Status s = ValidateRequest(request); !s.ok()) return s;
  auto reply = CheckedReply(impl_->ManagerCall(std::move(request)));
  if (!reply.ok()) return reply.status();
  auto body = JsonOfReply(*reply);
  if (!body.ok()) return body.status();
  if (!body->is_object() || !body->contains("stores") || !(*body)["stores"].is_array()) {
    return Status::Internal("stores: unexpected reply body");
  }
  StoresPage page;
  for (const auto& s : (*body)["stores"]) {
    StoreInfo info;
    info.name = s.value("name", "");
    info.state = s.value("state", "");
    info.pid = s.value("pid", int64_t{0});
    info.restarts = s.value("restarts", uint64_t{0});
    info.generation = s.value("generation", uint64_t{0});
    page.stores.push_back(std::move(info));
  }
  // Absent or null: the last page (a manager from before paging sends
  // every store at once and neither field).
  if (auto next = body->find("next_after"); next != body->end() && next->is_string()) {
    page.next_after = next->get<std::string>();
  }
  page.total = body->value("total", static_cast<uint64_t>(page.stores.size()));
  return page;
}

Status Client::Create(std::string_view store) {
  return CheckedReply(impl_->ManagerCall(MakeRequest(Op::kCreate, store))).status();
}

Status Client::Drop(std::string_view store) {
  impl_->Forget(std::string(store));
  return CheckedReply(impl_->ManagerCall(MakeRequest(Op::kDrop, store))).status();
}

Result<std::string> Client::EndpointOf(std::string_view store) {
  if (!impl_->opts.direct || !impl_->direct_supported) return impl_->opts.endpoint;
  auto route = impl_->RouteTo(std::string(store), /*create=*/false);
  if (!route.ok()) {
    if (route.status().code() == StatusCode::kUnknownOp) return impl_->opts.endpoint;
    return route.status();
  }
  return *route == nullptr ? impl_->opts.endpoint : (*route)->endpoint;
}

// ---- Pipeline -----------------------------------------------------------------

Pipeline Client::MakePipeline() { return Pipeline(*this); }

Pipeline::Pipeline(Client& client) : client_(&client) {}

void Pipeline::Put(std::string_view store, std::string_view key, std::string_view value) {
  requests_.push_back(
      {static_cast<int>(Op::kPut), std::string(store), std::string(key), std::string(value)});
}
void Pipeline::Get(std::string_view store, std::string_view key) {
  requests_.push_back({static_cast<int>(Op::kGet), std::string(store), std::string(key), {}});
}
void Pipeline::Del(std::string_view store, std::string_view key) {
  requests_.push_back({static_cast<int>(Op::kDel), std::string(store), std::string(key), {}});
}

std::vector<Pipeline::Outcome> Pipeline::Run(size_t window) {
  Client::Impl& impl = *client_->impl_;
  std::vector<Item> items = std::move(requests_);
  requests_.clear();
  std::vector<Outcome> out(items.size());
  std::vector<bool> done(items.size(), false);
  if (window < 1) window = 1;

  auto finish = [&](size_t i, Result<Reply> reply) {
    auto checked = CheckedReply(std::move(reply));
    done[i] = true;
    if (!checked.ok()) {
      out[i].status = checked.status();
    } else if (static_cast<Op>(items[i].op) == Op::kGet) {
      auto v = ValueOfReply(*checked);
      if (v.ok()) {
        out[i].value = std::move(*v);
      } else {
        out[i].status = v.status();
      }
    }
  };
  auto to_request = [&](size_t i) {
    return MakeRequest(static_cast<Op>(items[i].op), items[i].store, items[i].key, items[i].value);
  };

  // Per store connection: send up to `window`, then read replies by id.
  // What cannot go direct, or fails in a way that allows a retry, is done
  // alone through StoreCall() afterwards.
  std::unordered_map<std::string, std::vector<size_t>> by_store;
  for (size_t i = 0; i < items.size(); ++i) by_store[items[i].store].push_back(i);
  if (impl.opts.direct && impl.direct_supported) {
    for (auto& [store, indexes] : by_store) {
      bool any_put = false;
      for (size_t i : indexes) any_put = any_put || static_cast<Op>(items[i].op) == Op::kPut;
      auto route = impl.RouteTo(store, any_put);
      if (!route.ok() || *route == nullptr || (*route)->conn == nullptr) continue;
      Connection& conn = *(*route)->conn;
      std::unordered_map<uint64_t, size_t> inflight;
      size_t next = 0;
      bool broken = false;
      while (!broken && (next < indexes.size() || !inflight.empty())) {
        while (next < indexes.size() && inflight.size() < window) {
          auto id = conn.Send(to_request(indexes[next]), impl.opts.timeout);
          if (!id.ok()) {
            broken = true;  // not sent: left for the retry below
            break;
          }
          ++impl.stats.direct_requests;
          inflight.emplace(*id, indexes[next]);
          ++next;
        }
        if (inflight.empty()) break;
        auto reply = conn.Receive(impl.opts.timeout);
        if (!reply.ok()) {
          // The store was lost or went silent: what was in flight is
          // unknown for writes; reads are retried below.
          for (auto& [id, i] : inflight) {
            if (IsRead(static_cast<Op>(items[i].op))) continue;
            done[i] = true;
            out[i].status = Status::Unavailable(
                "store '" + store + "' was lost with the request in flight (" +
                reply.status().message() + "); the write may or may not have been applied");
          }
          inflight.clear();
          impl.Forget(store);
          broken = true;
          break;
        }
        auto it = inflight.find(reply->id);
        if (it == inflight.end()) continue;
        size_t i = it->second;
        inflight.erase(it);
        if (reply->code == StatusCode::kMoved) continue;  // not applied: retried below
        finish(i, std::move(reply));
      }
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (!done[i]) finish(i, impl.StoreCall(to_request(i)));
  }
  return out;
}

}  // namespace forkv
