// The gateway's REST routes: a raw request target ("/v1/stores/a%2Fb/keys/x?y")
// parsed into what it names, with percent-decoding, and which methods each
// route accepts. Pure: no sockets, no HTTP library types.
//
//   GET                 /                           status page
//   GET                 /healthz  /readyz  /metrics
//   GET                 /v1/status                  the manager's status (the tree)
//   GET                 /v1/stores?limit=N&after=NAME&state=S   one page of stores
//   GET | PUT | DELETE  /v1/stores/{store}          one store; create; drop
//   GET                 /v1/stores/{store}/keys?prefix=P&limit=N
//   GET | PUT | DELETE  /v1/stores/{store}/keys/{key}
//
// {store} is one path segment; {key} is the rest of the path after "keys/"
// (so "a/b" and "a%2Fb" name the same key). Both are percent-decoded; '+'
// is a plus sign in the path and a space in the query (form encoding).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv::http {

enum class RouteKind {
  kStatusPage,
  kHealthz,
  kReadyz,
  kMetrics,
  kStatus,
  kStores,     // /v1/stores
  kStore,      // /v1/stores/{store}
  kStoreKeys,  // /v1/stores/{store}/keys
  kKey,        // /v1/stores/{store}/keys/{key}
  kUnknown,    // no such route: 404
};

enum class Method { kGet, kHead, kPut, kDelete, kPost, kOptions, kOther };

struct Route {
  RouteKind kind = RouteKind::kUnknown;
  std::string store;   // decoded
  std::string key;     // decoded
  std::string prefix;  // ?prefix= (kStoreKeys)
  uint64_t limit = 0;  // ?limit= (kStoreKeys: 0 = no limit; kStores: 1..10000, 0 = absent)
  std::string
      after;  // ?after= (kStores, kStoreKeys): names or keys strictly greater ("" = from the first)
  std::string state;    // ?state= (kStores): one of kStoreStates ("" = any)
  uint64_t ttl_ms = 0;  // ?ttl= (kKey, PUT): 30s, 1500ms, 5m ... (shared/names.h ParseDuration)
};

// InvalidArgument for broken percent-encoding ("%4", "%zz") or a bad limit;
// for /v1/stores also a limit of 0 or over kMaxStoresLimit, an unknown
// state (the message lists the valid ones) or an `after` longer than a
// store name. A well-formed target that names no route is kind kUnknown.
Result<Route> ParseTarget(std::string_view target);

// "%41+b" -> "A+b" (`plus_is_space` false) or "A b" (true). InvalidArgument
// on a '%' not followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Every byte outside [A-Za-z0-9._~-] as %XX (for building URLs in tests and
// links).
std::string PercentEncode(std::string_view bytes);

// A key's version as an HTTP entity tag: "\"12\"" (strong).
std::string ETagOf(uint64_t version);
// The condition of a PUT or DELETE of a key (docs/http.md, "Versions"):
// nullopt without one; If-Match: "V" -> V; If-None-Match: * -> 0 (only if
// absent). InvalidArgument for both at once, a list, a weak tag, a tag that
// is not a version, If-Match: * or an If-None-Match other than *.
Result<std::optional<uint64_t>> ParseKeyCondition(std::string_view if_match,
                                                  std::string_view if_none_match);

Method ParseMethod(std::string_view method);
// Whether `kind` accepts `method` (HEAD wherever GET is accepted), and the
// Allow header value for a 405.
bool Allows(RouteKind kind, Method method);
std::string AllowHeader(RouteKind kind);

// The operation label for metrics and logs: "get", "put", "del",
// "list_keys", "list_stores", "store_info", "create_store", "drop_store",
// "status", "page", "healthz", "readyz", "metrics", "other".
std::string_view OpLabel(RouteKind kind, Method method);

}  // namespace forkv::http
