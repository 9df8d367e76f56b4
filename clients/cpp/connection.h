// forkv client library, internal layer: one DEALER socket to one ROUTER (the
// manager's, or a store's direct endpoint), Lazy Pirate (zguide ch. 4). The
// public forkv::Client (<forkv/client.h>) is built on it; the `forkv`
// command, the HTTP gateway, the integration and chaos tests and the
// benchmark use it directly for the wire-level calls they test.
//
// Each request is one frame (EncodeRequest); the manager's ROUTER sees
// [identity, payload] and answers with one reply frame carrying the request
// id. Ids come from a per-client counter that starts at a random non-zero
// 64-bit value, so replies meant for another client incarnation never match.
//
// Failure model of Call():
//  - Unavailable: nothing listens at the endpoint (ipc:// only: the socket
//    file is missing or refuses connections; checked with one AF_UNIX
//    connect() when the socket is opened, so this fails fast).
//  - Timeout: no matching reply before the deadline, whether the request
//    was sent or the connection never completed its handshake (a stopped
//    manager, an unreachable tcp:// peer). The socket is then closed and
//    reopened on the next call (Lazy Pirate), so a late reply can never be
//    taken for the answer to a later request.
//  - Internal / VersionMismatch: the reply could not be decoded (the socket
//    is reset too).
//  Otherwise the Reply is returned as is: a non-OK reply.code is the
//  server's answer, not a transport failure (see ReplyStatus()).
//
// Thread-compatibility: a Connection owns one zmq socket and must be used by one
// thread at a time (one Connection per thread). The zmq::context_t may be shared
// by many Clients and must outlive them.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "clients/cpp/reply_body.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

class Connection {
 public:
  // Does not connect: the socket is opened on the first call. With
  // `watch_peer`, a socket monitor reports the peer closing the connection
  // (a store process that died): a call waiting for a reply then fails at
  // once with Unavailable instead of waiting for its timeout.
  Connection(zmq::context_t& ctx, std::string endpoint, bool watch_peer = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  const std::string& endpoint() const { return endpoint_; }

  // Sends `request` (its id is overwritten with a fresh one) and waits up to
  // `timeout` in total for the reply with that id. Replies with other ids
  // (stale answers to earlier pipelined requests) are discarded, except a
  // non-OK reply with id 0, which the server sends when it could not even
  // read the request's id and is taken as the answer.
  Result<Reply> Call(Request request, std::chrono::milliseconds timeout);

  // Call() up to `attempts` times (>= 1), each with `timeout`, retrying only
  // on Timeout (Lazy Pirate). Not for non-idempotent use where a retry
  // matters: a retried del may answer not_found if the first attempt landed.
  Result<Reply> CallWithRetries(Request request, std::chrono::milliseconds timeout, int attempts);

  // Pipelining (benchmarks). Send() assigns a fresh id, waits up to
  // `timeout` for the socket to be writable (connected, queue not full) and
  // returns the id; on failure the socket is reset. Receive() returns the next reply whatever its
  // id; on Timeout it does NOT reset the socket (the caller may Reset()).
  Result<uint64_t> Send(Request request, std::chrono::milliseconds timeout);
  Result<Reply> Receive(std::chrono::milliseconds timeout);

  // Closes the socket; the next call opens a new one (new routing identity).
  void Reset();

  // Replies dropped because their id did not match (for tests and stats).
  uint64_t discarded_replies() const { return discarded_replies_; }
  // After a failed Call(): whether the request had been handed to ZeroMQ on
  // a live connection (so the peer may have received and applied it).
  bool last_request_sent() const { return last_request_sent_; }
  // The peer closed the connection since the socket was opened (watch_peer).
  bool peer_lost() const { return peer_lost_; }

  // ---- convenience wrappers: Call() + ReplyStatus() + body decoding ----
  Status Put(std::string_view store, std::string_view key, std::string_view value,
             std::chrono::milliseconds timeout);
  // NotFound ("no such key" / "no such store") when absent.
  Result<std::string> Get(std::string_view store, std::string_view key,
                          std::chrono::milliseconds timeout);
  Status Del(std::string_view store, std::string_view key, std::chrono::milliseconds timeout);
  // Sorted keys starting with `prefix`; limit 0 = all.
  Result<std::vector<std::string>> Keys(std::string_view store, std::string_view prefix,
                                        uint64_t limit, std::chrono::milliseconds timeout);
  Result<uint64_t> Count(std::string_view store, std::chrono::milliseconds timeout);
  // Any op whose body is structured (ping, stores, status, create...): the
  // body as JSON (null when the reply has none).
  Result<nlohmann::json> CallJson(Op op, std::string_view store, uint64_t arg,
                                  std::chrono::milliseconds timeout);
  // The same for a request with every field chosen (a `stores` page).
  Result<nlohmann::json> CallJson(Request request, std::chrono::milliseconds timeout);

 private:
  Status EnsureOpen();
  uint64_t NextId();
  // Polls the socket for `events` until `deadline`; false on expiry.
  Result<bool> WaitFor(short events, std::chrono::steady_clock::time_point deadline);
  // `timeout` is only for the error message.
  Result<uint64_t> SendUntil(Request request, std::chrono::steady_clock::time_point deadline,
                             std::chrono::milliseconds timeout);
  // Next reply frame before `deadline`; nullopt on expiry.
  Result<std::optional<Reply>> ReceiveUntil(std::chrono::steady_clock::time_point deadline);

  // Reads the monitor's pending events; sets peer_lost_ on a disconnect.
  void DrainMonitor();

  zmq::context_t* ctx_;
  std::string endpoint_;
  bool watch_peer_ = false;
  bool last_request_sent_ = false;
  bool peer_lost_ = false;
  std::optional<zmq::socket_t> socket_;
  std::optional<zmq::socket_t> monitor_;  // PAIR connected to socket_'s monitor
  uint64_t next_id_;
  uint64_t discarded_replies_ = 0;
};

}  // namespace forkv
