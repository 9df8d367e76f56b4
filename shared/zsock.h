// ZeroMQ helpers: socket creation with forkv's standard options, and
// non-throwing multipart send/receive. cppzmq exceptions are caught here
// (the socket boundary) and turned into Status.
//
// Not thread-safe: a socket belongs to the thread that made it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "shared/status.h"

namespace forkv {

struct SocketOptions {
  int send_hwm = 10000;
  int recv_hwm = 10000;
  int64_t max_message_bytes = -1;  // ZMQ_MAXMSGSIZE; -1 = unlimited
  bool router_mandatory = false;   // ROUTER: fail sends to unknown peers
  bool router_handover = false;    // ROUTER: a reconnecting routing id takes over
  std::string routing_id;          // empty: let ZeroMQ choose
  // Connecting sockets: ZMQ_RECONNECT_IVL and _MAX (doubling up to it);
  // 0 = ZeroMQ's defaults (100 ms, no doubling).
  int reconnect_ivl_ms = 0;
  int reconnect_ivl_max_ms = 0;
};

// Creates a socket with ZMQ_LINGER=0 and the given options. Throws only on
// programming errors (bad option), which CHECK would turn into an abort anyway.
zmq::socket_t MakeSocket(zmq::context_t& ctx, zmq::socket_type type, const SocketOptions& opts);

using Frames = std::vector<zmq::message_t>;

// Receives one whole multipart message. Returns false (and leaves `out`
// empty) when nothing is waiting and `wait` is false.
Result<bool> RecvFrames(zmq::socket_t& socket, Frames* out, bool wait = false);

// Sends frames as one multipart message without blocking. Unavailable when
// the peer is unknown (ROUTER_MANDATORY) or its queue is full.
Status SendFrames(zmq::socket_t& socket, const std::vector<std::string_view>& frames);
// Same, moving already-built messages (no copy of the payload). On error
// the messages not yet accepted stay in `frames`.
Status SendMessages(zmq::socket_t& socket, Frames& frames);

// A message that owns `bytes` without copying them: the string moves to the
// heap and ZeroMQ deletes it when it is done with the message (possibly on
// one of its I/O threads, after the send has returned). For large payloads
// built just to be sent, e.g. an encoded write with a 16 MiB value.
zmq::message_t MessageFromString(std::string&& bytes);

inline std::string_view View(const zmq::message_t& m) {
  return std::string_view(static_cast<const char*>(m.data()), m.size());
}

// The filesystem path of an ipc:// endpoint, or "" for other transports.
std::string IpcPath(std::string_view endpoint);
// ipc socket paths are limited to 107 bytes (sun_path); checks that.
Status CheckEndpoint(std::string_view endpoint);

}  // namespace forkv
