#include "shared/control_link.h"

#include <utility>

namespace forkv {

Result<ControlLink> ControlLink::Connect(zmq::context_t& ctx, const std::string& backend,
                                         ChildRole role, uint64_t gen, SocketOptions options) {
  return Connect(ctx, backend, ChildRoutingId(role, gen), std::move(options));
}

Result<ControlLink> ControlLink::Connect(zmq::context_t& ctx, const std::string& backend,
                                         std::string routing_id, SocketOptions options) {
  ControlLink link;
  link.routing_id_ = std::move(routing_id);
  options.routing_id = link.routing_id_;
  link.socket_ = MakeSocket(ctx, zmq::socket_type::dealer, options);
  try {
    link.socket_.connect(backend);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("cannot connect to the manager's backend " + backend + ": " +
                                   e.what());
  }
  return link;
}

Status ControlLink::Send(const ControlMessage& msg) {
  if (!connected()) return Status::Unavailable("no control link to the manager");
  std::string body = EncodeControlMessage(msg);
  return SendFrames(socket_, {kTagControl, body});
}

Result<bool> ControlLink::Receive(Frames* frames) {
  if (!connected()) {
    frames->clear();
    return false;
  }
  return RecvFrames(socket_, frames, /*wait=*/false);
}

Result<ControlMessage> DecodeControlFrames(const Frames& frames) {
  if (frames.size() != 2 || View(frames[0]) != kTagControl) {
    return Status::Malformed("not a control message (" + std::to_string(frames.size()) +
                             " frames)");
  }
  return DecodeControlMessage(View(frames[1]));
}

}  // namespace forkv
