// A child's control link to the manager: a DEALER connected to the manager's
// backend ROUTER, with the child's routing id (ChildRoutingId: "d<gen>",
// "h<gen>"; a store's StoreRoutingId: "p<pid>"), over which it sends and receives the typed control
// messages of shared/control.h as "C" frames (docs/protocol.md, "Manager <->
// children").
//
// The socket also carries whatever else the child exchanges with the
// manager (a store's "Q" requests and "R" replies): socket() gives it to the
// loop for zmq_poll and for those frames.
//
// Not thread-safe: the link belongs to the thread that connected it, like
// its socket.
#pragma once

#include <cstdint>
#include <string>
#include <zmq.hpp>

#include "shared/control.h"
#include "shared/protocol.h"
#include "shared/status.h"
#include "shared/zsock.h"

namespace forkv {

class ControlLink {
 public:
  // The options of every child's backend DEALER unless it asks for others:
  // ZeroMQ's default queue limits and the backend's own 64 MiB frame limit.
  // (ZMQ_LINGER=0 and the routing id are always set.)
  static SocketOptions DefaultSocketOptions() {
    return SocketOptions{.max_message_bytes = static_cast<int64_t>(kMaxInternalFrameBytes)};
  }

  // Not connected: Send() fails, connected() is false.
  ControlLink() = default;
  ControlLink(ControlLink&&) = default;
  ControlLink& operator=(ControlLink&&) = default;
  ControlLink(const ControlLink&) = delete;
  ControlLink& operator=(const ControlLink&) = delete;

  // Creates the DEALER in `ctx` with `options` (its routing_id is replaced
  // by ChildRoutingId(role, gen)) and connects it to `backend`. Connecting
  // does not wait for the manager: messages queue until the pipe is up.
  // InvalidArgument when ZeroMQ refuses the endpoint.
  static Result<ControlLink> Connect(zmq::context_t& ctx, const std::string& backend,
                                     ChildRole role, uint64_t gen,
                                     SocketOptions options = DefaultSocketOptions());
  // The same with the routing id given (a store's StoreRoutingId).
  static Result<ControlLink> Connect(zmq::context_t& ctx, const std::string& backend,
                                     std::string routing_id,
                                     SocketOptions options = DefaultSocketOptions());

  bool connected() const { return static_cast<bool>(socket_); }
  const std::string& routing_id() const { return routing_id_; }
  zmq::socket_t& socket() { return socket_; }

  // Sends ["C", EncodeControlMessage(msg)] without blocking. Unavailable when
  // the queue to the manager is full or the link is not connected.
  Status Send(const ControlMessage& msg);

  // Receives one whole message from the manager without waiting. false (and
  // *frames empty) when none is waiting; a Status on a socket error. The
  // message may be of any kind: DecodeControlFrames() reads a control one.
  Result<bool> Receive(Frames* frames);

 private:
  zmq::socket_t socket_;
  std::string routing_id_;
};

// The control message a received message carries: exactly two frames, "C"
// and a control map (DecodeControlMessage). kMalformed for any other shape.
Result<ControlMessage> DecodeControlFrames(const Frames& frames);

}  // namespace forkv
