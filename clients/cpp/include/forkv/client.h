// forkv client library (libforkv): the C++ client of a forkv service.
//
//   #include <forkv/client.h>
//   forkv::Client c;                              // the default endpoint
//   forkv::Status s = c.Put("users", "alice", "42");
//   forkv::Result<std::string> v = c.Get("users", "alice");
//   if (v.ok()) use(*v); else if (v.status().IsNotFound()) ...
//
// Build: pkg-config --cflags --libs forkv, or find_package(forkv) and link
// forkv::forkv.
//
// Paths. A Client talks to the manager (the control plane: stores, create,
// drop, and `locate`) and, by default, straight to each store's process (the
// data plane, docs/protocol.md "The direct path"): the first request for a
// store locates it through the manager, and the store's endpoint is cached
// (up to max_cached_stores, least recently used out). With direct = false,
// every request goes through the manager, as a plain REQ client's would.
//
// Contracts, whatever the path:
//   - Put/Del return OK only once the database worker wrote the change (with
//     the manager's fsync policy);
//   - a write whose store died while it was in flight, or that got no
//     answer in time, returns Unavailable or Timeout: it may or may not have
//     been applied; the client does not resend it;
//   - a request the store refused without applying it (it was moving:
//     restarting, shutting down) is resent to the store's new incarnation,
//     located again through the manager, within `attempts`; reads (Get,
//     Keys, Count) are also retried after a timeout or a lost store;
//   - no reply ever comes from a dead or superseded incarnation: each
//     incarnation has its own endpoint, and the manager starts a successor
//     only after it has reaped the predecessor.
// Every call returns within about attempts x (timeout + the manager's
// --request-wait-ms while a store restarts).
//
// Thread-safety: a Client is thread-compatible: use one Client per thread
// (it owns its sockets); distinct Clients may be used concurrently. A
// Pipeline belongs to its Client's thread. All Clients of a process share
// one ZeroMQ context (one I/O thread), created by the first Client: do not
// use a Client in the child of a fork() (a context must not cross a fork).
#pragma once

#include <forkv/status.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forkv {

// The endpoint a Client uses when given none: $FORKV_SOCKET when set, else
// ipc://$XDG_RUNTIME_DIR/forkv/manager.sock, else
// ipc:///tmp/forkv-$UID/manager.sock (where `forkv-manager` listens by
// default, and where the `forkv` command looks).
FORKV_EXPORT std::string DefaultEndpoint();

struct ClientOptions {
  std::string endpoint;  // the manager's: ipc://PATH or tcp://HOST:PORT; "" = DefaultEndpoint()
  std::chrono::milliseconds timeout{5000};  // per attempt of a call
  int attempts = 3;                         // >= 1; see "Contracts" above
  bool direct = true;                       // talk to stores directly (else via the manager)
  // Store connections kept. When they are all in use (each within the last
  // second), requests for other stores take the manager path instead of
  // evicting one; an idle one is evicted, least recently used first.
  size_t max_cached_stores = 64;
  // A store is located (then reached directly) once this many of its
  // requests came within one second; before that they take the manager
  // path. 1: at once. A client spread thinly over many stores (the HTTP
  // gateway: 64 threads, any number of stores) sets 2 or more, so that only
  // stores it uses often cost a connection.
  unsigned locate_after = 1;
};

// One row of Stores().
struct StoreInfo {
  std::string name;
  // starting, running, restarting, stopping, failed, stopped, or
  // hibernating (in the catalogue, no process until its next request)
  std::string state;
  int64_t pid = 0;  // 0 when it has no process
  uint64_t restarts = 0;
  uint64_t generation = 0;
};

// Which page of stores Stores(query) asks for (docs/protocol.md, "Listing stores").
struct StoresQuery {
  uint64_t limit = 1000;  // stores per page: 1..10000 (InvalidArgument otherwise)
  std::string after;      // only names that sort after this one ("" = from the first)
  std::string state;      // only stores in this state, as StoreInfo::state ("" = any)
};

// One page, in name order. It may be short, even empty, with more to
// come: a state filter examines a bounded number of names per request.
struct StoresPage {
  std::vector<StoreInfo> stores;
  std::string next_after;  // "" when the listing is complete; else the next page's `after`
  uint64_t total = 0;      // stores in the catalogue, in any state
};

// Which page of a store's keys and values Scan(store, query) asks for
// (docs/protocol.md, "Scanning a store").
struct ScanQuery {
  std::string after;   // only keys that sort after this one ("" = from the first)
  std::string prefix;  // only keys starting with this ("" = all)
  uint64_t limit = 0;  // pairs per page: 0 = the server's default (1000), at most 10000
};

// One page in key order. Not a snapshot of the whole store: each page is
// read at once, and writes between pages show in later pages.
struct ScanPage {
  std::vector<std::pair<std::string, std::string>> pairs;  // (key, value)
  bool more = false;       // follow next_after (as the next query's `after`)
  std::string next_after;  // the last key of this page when `more`
};

// A value with its version (docs/protocol.md, "Versions and conditional
// writes"): the store's revision of the key's last write; it increases with
// every write of the key and is never reused.
struct Versioned {
  std::string value;
  uint64_t version = 0;
  int64_t expires_unix_ms = 0;  // when its TTL ends (unix ms); 0 = never
};

class Pipeline;
struct ClientInternals;  // forkv's own tools only (not installed)

class FORKV_EXPORT Client {
 public:
  // Does not connect: sockets are opened by the first call.
  Client();
  explicit Client(std::string endpoint);
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const;

  // Stores a value; creates the store when it does not exist.
  Status Put(std::string_view store, std::string_view key, std::string_view value);
  // NotFound when the key or the store does not exist.
  Result<std::string> Get(std::string_view store, std::string_view key);
  // NotFound when the key or the store does not exist.
  Status Del(std::string_view store, std::string_view key);

  // Versions and compare-and-swap. None of these is ever resent after it
  // reached a store (a lost reply is an error saying the outcome is
  // unknown): a second conditional write would fail on the first's
  // success, a second Incr would count twice.
  // Put, answering the key's new version.
  Result<uint64_t> PutVersion(std::string_view store, std::string_view key, std::string_view value);
  // Only if the key is at `version` (0: only if it is absent); otherwise
  // kConditionFailed and nothing is written. The new version.
  Result<uint64_t> PutIfVersion(std::string_view store, std::string_view key,
                                std::string_view value, uint64_t version);
  // Only if the key is at `version` (>= 1); otherwise kConditionFailed.
  Status DelIfVersion(std::string_view store, std::string_view key, uint64_t version);
  // Put with a time to live (> 0): the key expires `ttl` after the write.
  Result<uint64_t> PutWithTtl(std::string_view store, std::string_view key, std::string_view value,
                              std::chrono::milliseconds ttl);
  // Sets the key's time to live from now (0: it never expires); the new
  // version. NotFound when the key is absent.
  Result<uint64_t> Expire(std::string_view store, std::string_view key,
                          std::chrono::milliseconds ttl);
  Result<Versioned> GetVersioned(std::string_view store, std::string_view key);
  // Adds `by` to the 64-bit counter at `key` (absent: 0), atomically; the
  // new value. kInvalidArgument for a value that is not decimal integer
  // text, or on overflow. Creates the store like Put.
  Result<int64_t> Incr(std::string_view store, std::string_view key, int64_t by = 1);
  // Keys starting with `prefix` that sort after `after` ("" = from the
  // first), in byte order; at most `limit` (0 = all). TooLarge when the
  // list would exceed 32 MiB: narrow it, or page with `after` = the last
  // key of the previous page.
  Result<std::vector<std::string>> Keys(std::string_view store, std::string_view prefix = "",
                                        uint64_t limit = 0, std::string_view after = "");
  Result<uint64_t> Count(std::string_view store);
  // One page of (key, value) pairs; NotFound when the store does not exist.
  // A page holds at most `limit` pairs and about 4 MiB of keys and values.
  Result<ScanPage> Scan(std::string_view store, const ScanQuery& query = {});

  // The manager's own operations.
  // The first page of stores by name (at most 1000: StoresQuery's defaults).
  Result<std::vector<StoreInfo>> Stores();
  // One page; follow next_after (as the next query's `after`) for the rest.
  // InvalidArgument for a limit outside 1..10000 or an unknown state.
  Result<StoresPage> Stores(const StoresQuery& query);
  Status Create(std::string_view store);  // OK also when it exists
  Status Drop(std::string_view store);    // deletes every key; NotFound when absent

  // The endpoint requests for `store` go to now (locating it if needed,
  // without creating it): a store's ipc:// or tcp:// endpoint, or the
  // manager's when the direct path is off or unsupported.
  Result<std::string> EndpointOf(std::string_view store);

  // Many requests in flight from one thread (see Pipeline).
  Pipeline MakePipeline();

  // Counters, for tests and benchmarks.
  struct Stats {
    uint64_t locates = 0;      // locate requests sent to the manager
    uint64_t relocations = 0;  // cached endpoints dropped (store gone, moved, timeout)
    uint64_t direct_requests = 0;
    uint64_t manager_requests = 0;
  };
  Stats stats() const;

 private:
  friend class Pipeline;
  friend struct ClientInternals;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A batch of requests sent together and answered together: Add* queue
// requests (nothing is sent), Run() sends them all (up to `window` in
// flight at a time over each store's connection) and waits for every
// reply. Replies come back in the order the requests were added. The
// contracts of Client's calls hold for each request; a request refused
// without being applied, or a read whose store was lost, is retried alone.
class FORKV_EXPORT Pipeline {
 public:
  struct Outcome {
    Status status;      // as the matching Client call would return it
    std::string value;  // Get: the value
  };

  explicit Pipeline(Client& client);
  void Put(std::string_view store, std::string_view key, std::string_view value);
  void Get(std::string_view store, std::string_view key);
  void Del(std::string_view store, std::string_view key);
  size_t size() const { return requests_.size(); }
  // Sends, waits, and empties the pipeline.
  std::vector<Outcome> Run(size_t window = 256);

 private:
  struct Item {
    int op;  // Put, Get or Del
    std::string store, key, value;
  };
  Client* client_;
  std::vector<Item> requests_;
};

}  // namespace forkv
