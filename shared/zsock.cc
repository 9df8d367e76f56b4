#include "shared/zsock.h"

#include <sys/un.h>

#include <atomic>
#include <memory>

namespace forkv {

zmq::socket_t MakeSocket(zmq::context_t& ctx, zmq::socket_type type, const SocketOptions& opts) {
  zmq::socket_t s(ctx, type);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, opts.send_hwm);
  s.set(zmq::sockopt::rcvhwm, opts.recv_hwm);
  s.set(zmq::sockopt::maxmsgsize, opts.max_message_bytes);
  if (!opts.routing_id.empty()) s.set(zmq::sockopt::routing_id, opts.routing_id);
  if (opts.reconnect_ivl_ms > 0) s.set(zmq::sockopt::reconnect_ivl, opts.reconnect_ivl_ms);
  if (opts.reconnect_ivl_max_ms > 0) {
    s.set(zmq::sockopt::reconnect_ivl_max, opts.reconnect_ivl_max_ms);
  }
  if (type == zmq::socket_type::router) {
    if (opts.router_mandatory) s.set(zmq::sockopt::router_mandatory, 1);
    if (opts.router_handover) s.set(zmq::sockopt::router_handover, 1);
  }
  return s;
}

Result<bool> RecvFrames(zmq::socket_t& socket, Frames* out, bool wait) {
  out->clear();
  try {
    while (true) {
      zmq::message_t msg;
      auto flags = (wait || !out->empty()) ? zmq::recv_flags::none : zmq::recv_flags::dontwait;
      auto n = socket.recv(msg, flags);
      if (!n) return false;  // EAGAIN before the first frame
      bool more = msg.more();
      out->push_back(std::move(msg));
      if (!more) return true;
    }
  } catch (const zmq::error_t& e) {
    out->clear();
    if (e.num() == ETERM) return Status::Unavailable("context terminated");
    if (e.num() == EINTR) return false;
    return Status::Internal(std::string("zmq recv: ") + e.what());
  }
}

namespace {
Status SendError(const zmq::error_t& e) {
  if (e.num() == EHOSTUNREACH) return Status::Unavailable("peer not connected");
  return Status::Internal(std::string("zmq send: ") + e.what());
}
}  // namespace

Status SendFrames(zmq::socket_t& socket, const std::vector<std::string_view>& frames) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      auto n = socket.send(zmq::const_buffer(frames[i].data(), frames[i].size()), flags);
      // EAGAIN can only happen on the first frame: ZeroMQ queues multipart
      // messages atomically once the first part is accepted.
      if (!n) return Status::Unavailable("peer queue full");
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return SendError(e);
  }
}

Status SendMessages(zmq::socket_t& socket, Frames& frames) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      auto n = socket.send(frames[i], flags);
      if (!n) return Status::Unavailable("peer queue full");
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return SendError(e);
  }
}

namespace {
// The bytes of a zero-copy message, freed by whichever thread ZeroMQ is
// on when it is done (often its I/O thread). libzmq hands the message over
// through lock-free pipes that ThreadSanitizer cannot see, so the handover
// is also published through `ready` (release here, acquire before the
// delete): the same order libzmq guarantees, made visible to the checker.
struct OwnedBytes {
  std::string bytes;
  std::atomic<bool> ready{false};
};

void DeleteOwnedBytes(void* /*data*/, void* hint) {
  auto* owned = static_cast<OwnedBytes*>(hint);
  (void)owned->ready.load(std::memory_order_acquire);
  delete owned;
}
}  // namespace

zmq::message_t MessageFromString(std::string&& bytes) {
  // A copy costs less than the two allocations of handing the string over,
  // up to a few KiB (and nothing at all up to ZeroMQ's 33-byte inline size).
  if (bytes.size() <= 4096) return zmq::message_t(bytes.data(), bytes.size());
  auto owned = std::make_unique<OwnedBytes>();
  owned->bytes = std::move(bytes);
  // zmq_msg_init_data takes ownership only when it succeeds (it can fail
  // with ENOMEM, and cppzmq then throws): release the bytes after it.
  zmq::message_t msg(owned->bytes.data(), owned->bytes.size(), DeleteOwnedBytes, owned.get());
  // The last access of this thread: from here on the bytes are ZeroMQ's.
  owned->ready.store(true, std::memory_order_release);
  owned.release();
  return msg;
}

std::string IpcPath(std::string_view endpoint) {
  constexpr std::string_view kIpc = "ipc://";
  if (endpoint.substr(0, kIpc.size()) != kIpc) return "";
  return std::string(endpoint.substr(kIpc.size()));
}

Status CheckEndpoint(std::string_view endpoint) {
  std::string path = IpcPath(endpoint);
  if (!path.empty() && path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status::InvalidArgument(
        "ipc path too long (" + std::to_string(path.size()) + " bytes, limit " +
        std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path);
  }
  if (endpoint.find("://") == std::string_view::npos) {
    return Status::InvalidArgument(
        "endpoint needs a transport, e.g. ipc:///path or tcp://host:port");
  }
  return Status::Ok();
}

}  // namespace forkv
