#include "http_gateway/route.h"

#include <cctype>
#include <charconv>

#include "shared/names.h"
#include "shared/protocol.h"

namespace forkv::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

Status ParseQuery(std::string_view query, Route* route) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name.ok()) return name.status();
    if (!value.ok()) return value.status();
    if (*name == "prefix") {
      route->prefix = std::move(*value);
    } else if (*name == "after") {
      route->after = std::move(*value);
    } else if (*name == "state") {
      route->state = std::move(*value);
    } else if (*name == "ttl" && route->kind == RouteKind::kKey) {
      auto ttl = ParseDuration(*value);
      if (!ttl.ok()) return Status::InvalidArgument("ttl: " + ttl.status().message());
      if (*ttl == 0) return Status::InvalidArgument("ttl must be more than 0");
      route->ttl_ms = *ttl;
    } else if (*name == "limit") {
      const std::string& v = *value;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), route->limit);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
        return Status::InvalidArgument("limit must be a non-negative integer, got '" + v + "'");
      }
      if (route->kind == RouteKind::kStores &&
          (route->limit == 0 || route->limit > kMaxStoresLimit)) {
        return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxStoresLimit) +
                                       ", got '" + v + "'");
      }
    }
    // Other parameters are ignored, as most HTTP APIs do.
  }
  return Status::Ok();
}

// The page parameters of /v1/stores, as the manager checks them
// (shared/names.h ValidateStoresPage), so that a bad one is a 400 here.
Status CheckStoresPage(const Route& route) {
  if (!route.state.empty() && !IsStoreState(route.state)) {
    return Status::InvalidArgument("unknown state '" + route.state +
                                   "'; valid states: " + StoreStateList());
  }
  if (route.after.size() > kMaxStoreNameBytes) {
    return Status::InvalidArgument("after is longer than any store name (" +
                                   std::to_string(kMaxStoreNameBytes) + " bytes)");
  }
  return Status::Ok();
}

}  // namespace

std::string ETagOf(uint64_t version) { return "\"" + std::to_string(version) + "\""; }

Result<std::optional<uint64_t>> ParseKeyCondition(std::string_view if_match,
                                                  std::string_view if_none_match) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  if_match = trim(if_match);
  if_none_match = trim(if_none_match);
  if (!if_match.empty() && !if_none_match.empty()) {
    return Status::InvalidArgument("send If-Match or If-None-Match, not both");
  }
  if (!if_none_match.empty()) {
    if (if_none_match != "*") {
      return Status::InvalidArgument("If-None-Match: only * (create only) is supported");
    }
    return std::optional<uint64_t>(0);
  }
  if (if_match.empty()) return std::optional<uint64_t>();
  if (if_match == "*") {
    return Status::InvalidArgument("If-Match: * is not supported; send the key's ETag");
  }
  std::string_view tag = if_match;
  uint64_t version = 0;
  if (tag.size() < 3 || tag.front() != '"' || tag.back() != '"') {
    return Status::InvalidArgument("If-Match: expected one ETag such as \"12\"");
  }
  tag = tag.substr(1, tag.size() - 2);
  auto [ptr, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), version);
  if (ec != std::errc() || ptr != tag.data() + tag.size() || version == 0) {
    return Status::InvalidArgument("If-Match: " + std::string(if_match) +
                                   " is not an ETag forkv gave");
  }
  return std::optional<uint64_t>(version);
}

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("bad percent-encoding at byte " + std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '~' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<Route> ParseTarget(std::string_view target) {
  Route route;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);

  if (path == "/") {
    route.kind = RouteKind::kStatusPage;
  } else if (path == "/healthz") {
    route.kind = RouteKind::kHealthz;
  } else if (path == "/readyz") {
    route.kind = RouteKind::kReadyz;
  } else if (path == "/metrics") {
    route.kind = RouteKind::kMetrics;
  } else if (path == "/v1/status") {
    route.kind = RouteKind::kStatus;
  } else if (path == "/v1/stores" || path == "/v1/stores/") {
    route.kind = RouteKind::kStores;
    if (Status s = ParseQuery(query, &route); !s.ok()) return s;
    if (Status s = CheckStoresPage(route); !s.ok()) return s;
  } else if (ConsumePrefix(&path, "/v1/stores/")) {
    size_t slash = path.find('/');
    auto store = PercentDecode(path.substr(0, slash), false);
    if (!store.ok()) return store.status();
    route.store = std::move(*store);
    std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash);
    if (rest.empty()) {
      route.kind = RouteKind::kStore;
    } else if (rest == "/keys" || rest == "/keys/") {
      route.kind = RouteKind::kStoreKeys;
      if (Status s = ParseQuery(query, &route); !s.ok()) return s;
    } else if (ConsumePrefix(&rest, "/keys/")) {
      auto key = PercentDecode(rest, false);
      if (!key.ok()) return key.status();
      route.kind = RouteKind::kKey;
      route.key = std::move(*key);
      if (Status s = ParseQuery(query, &route); !s.ok()) return s;
    }
  }
  return route;
}

Method ParseMethod(std::string_view method) {
  if (method == "GET") return Method::kGet;
  if (method == "HEAD") return Method::kHead;
  if (method == "PUT") return Method::kPut;
  if (method == "DELETE") return Method::kDelete;
  if (method == "POST") return Method::kPost;
  if (method == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

bool Allows(RouteKind kind, Method method) {
  bool get = method == Method::kGet || method == Method::kHead;
  switch (kind) {
    case RouteKind::kStore:
    case RouteKind::kKey:
      return get || method == Method::kPut || method == Method::kDelete;
    case RouteKind::kUnknown:
      return false;
    default:
      return get;
  }
}

std::string AllowHeader(RouteKind kind) {
  return kind == RouteKind::kStore || kind == RouteKind::kKey ? "GET, HEAD, PUT, DELETE, OPTIONS"
                                                              : "GET, HEAD, OPTIONS";
}

std::string_view OpLabel(RouteKind kind, Method method) {
  switch (kind) {
    case RouteKind::kStatusPage:
      return "page";
    case RouteKind::kHealthz:
      return "healthz";
    case RouteKind::kReadyz:
      return "readyz";
    case RouteKind::kMetrics:
      return "metrics";
    case RouteKind::kStatus:
      return "status";
    case RouteKind::kStores:
      return "list_stores";
    case RouteKind::kStoreKeys:
      return "list_keys";
    case RouteKind::kStore:
      return method == Method::kPut      ? "create_store"
             : method == Method::kDelete ? "drop_store"
                                         : "store_info";
    case RouteKind::kKey:
      return method == Method::kPut ? "put" : method == Method::kDelete ? "del" : "get";
    case RouteKind::kUnknown:
      break;
  }
  return "other";
}

}  // namespace forkv::http
