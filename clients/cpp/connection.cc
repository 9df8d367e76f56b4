#include "clients/cpp/connection.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <random>
#include <utility>

#include "clients/cpp/reply_body.h"
#include "shared/codec.h"
#include "shared/zsock.h"

namespace forkv {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Ms(milliseconds t) { return std::to_string(t.count()) + " ms"; }

// ZeroMQ connects asynchronously and retries forever, so a missing manager
// would only show up as a timeout. For ipc:// endpoints one non-blocking
// AF_UNIX connect() tells at once whether anything listens there. Anything
// but a definite "no" (ENOENT, ECONNREFUSED...) is left to ZeroMQ.
Status ProbeIpcEndpoint(const std::string& endpoint) {
  std::string path = IpcPath(endpoint);
  if (path.empty()) return Status::Ok();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return Status::InvalidArgument("ipc path too long");
  std::memcpy(addr.sun_path, path.data(), path.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  if (path[0] == '@') {  // Linux abstract namespace, as ZeroMQ spells it
    addr.sun_path[0] = '\0';
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Ok();
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
  } while (rc != 0 && errno == EINTR);
  int err = rc == 0 ? 0 : errno;
  close(fd);
  switch (err) {
    case 0:
    case EAGAIN:  // backlog full: a manager exists, let ZeroMQ retry
    case EINPROGRESS:
      return Status::Ok();
    case ENOENT:
      return Status::Unavailable("cannot connect to " + endpoint +
                                 ": no such socket (is forkv-manager running?)");
    case ECONNREFUSED:
      return Status::Unavailable("cannot connect to " + endpoint +
                                 ": connection refused (stale socket, manager not running?)");
    default:
      return Status::Unavailable("cannot connect to " + endpoint + ": " + std::strerror(err));
  }
}

Status ZmqError(const zmq::error_t& e, const std::string& what) {
  if (e.num() == ETERM) return Status::Unavailable("zmq context terminated");
  return Status::Internal(what + ": " + e.what());
}

}  // namespace

Connection::Connection(zmq::context_t& ctx, std::string endpoint, bool watch_peer)
    : ctx_(&ctx), endpoint_(std::move(endpoint)), watch_peer_(watch_peer) {
  std::random_device rd;
  next_id_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

Connection::~Connection() { Reset(); }
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&& o) noexcept {
  if (this == &o) return *this;
  Reset();  // the monitor first (see Reset)
  ctx_ = o.ctx_;
  endpoint_ = std::move(o.endpoint_);
  watch_peer_ = o.watch_peer_;
  last_request_sent_ = o.last_request_sent_;
  peer_lost_ = o.peer_lost_;
  socket_ = std::move(o.socket_);
  monitor_ = std::move(o.monitor_);
  o.socket_.reset();
  o.monitor_.reset();
  next_id_ = o.next_id_;
  discarded_replies_ = o.discarded_replies_;
  return *this;
}

void Connection::Reset() {
  // Stop the monitor before closing either socket: ZeroMQ's I/O thread
  // sends monitor events with a blocking send, and a close emits one; to a
  // PAIR already closed that send would block the I/O thread, and with it
  // every socket of the context, for good.
  if (monitor_ && socket_) (void)zmq_socket_monitor(socket_->handle(), nullptr, 0);
  monitor_.reset();
  socket_.reset();
  peer_lost_ = false;
}

void Connection::DrainMonitor() {
  Frames frames;
  while (monitor_) {
    auto got = RecvFrames(*monitor_, &frames, false);
    if (!got.ok() || !*got) return;
    // Event frame: uint16 event number, uint32 value (native byte order).
    if (frames.empty() || frames[0].size() < sizeof(uint16_t)) continue;
    uint16_t event = 0;
    std::memcpy(&event, frames[0].data(), sizeof event);
    if (event == ZMQ_EVENT_DISCONNECTED) peer_lost_ = true;
  }
}

uint64_t Connection::NextId() {
  // 0 is reserved for "request id unreadable" replies.
  if (next_id_ == 0) ++next_id_;
  return next_id_++;
}

Status Connection::EnsureOpen() {
  if (socket_) return Status::Ok();
  if (Status s = CheckEndpoint(endpoint_); !s.ok()) return s;
  if (Status s = ProbeIpcEndpoint(endpoint_); !s.ok()) return s;
  try {
    zmq::socket_t s = MakeSocket(*ctx_, zmq::socket_type::dealer, SocketOptions{});
    // Queue messages only on completed connections: a send then waits for a
    // live manager instead of vanishing into a pipe nobody reads, and POLLOUT
    // tells whether we are connected at all.
    s.set(zmq::sockopt::immediate, 1);
    if (watch_peer_) {
      // A store incarnation's endpoint never comes back: no reconnects
      // (each would be another connection to watch).
      s.set(zmq::sockopt::reconnect_ivl, -1);
      // One inproc endpoint per socket of this process.
      static std::atomic<uint64_t> monitors{0};
      std::string addr = "inproc://forkv-peer-" + std::to_string(++monitors);
      if (zmq_socket_monitor(s.handle(), addr.c_str(), ZMQ_EVENT_DISCONNECTED) != 0) {
        return Status::Internal("zmq_socket_monitor: " + std::string(zmq_strerror(zmq_errno())));
      }
      zmq::socket_t m(*ctx_, zmq::socket_type::pair);
      m.set(zmq::sockopt::linger, 0);
      m.connect(addr);
      monitor_.emplace(std::move(m));
    }
    s.connect(endpoint_);
    socket_.emplace(std::move(s));
    peer_lost_ = false;
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    if (e.num() == ETERM) return Status::Unavailable("zmq context terminated");
    return Status::InvalidArgument("cannot use endpoint " + endpoint_ + ": " + e.what());
  }
}

Result<bool> Connection::WaitFor(short events, Clock::time_point deadline) {
  while (true) {
    auto remaining = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (remaining.count() < 0) remaining = milliseconds(0);
    zmq::pollitem_t items[2] = {{socket_->handle(), 0, events, 0},
                                {monitor_ ? monitor_->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, monitor_ ? 2 : 1, remaining);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return ZmqError(e, "zmq poll");
    }
    if (items[0].revents & events) return true;
    if (monitor_ && (items[1].revents & ZMQ_POLLIN)) {
      DrainMonitor();
      if (peer_lost_) {
        return Status::Unavailable(endpoint_ + " closed the connection (its process exited)");
      }
    }
    if (Clock::now() >= deadline) return false;
  }
}

Result<uint64_t> Connection::SendUntil(Request request, Clock::time_point deadline,
                                       milliseconds timeout) {
  last_request_sent_ = false;
  if (Status s = EnsureOpen(); !s.ok()) return s;
  uint64_t id = NextId();
  request.id = id;
  std::string payload = EncodeRequest(request);
  while (true) {
    auto writable = WaitFor(ZMQ_POLLOUT, deadline);
    if (!writable.ok()) return writable.status();
    if (!*writable) {
      // Something accepted the connection (the probe passed) but the ZeroMQ
      // handshake did not finish, e.g. a stopped manager: no answer in time.
      return Status::Timeout("no reply from " + endpoint_ + " within " + Ms(timeout) +
                             " (no connection established)");
    }
    try {
      if (socket_->send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
        last_request_sent_ = true;
        return id;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return ZmqError(e, "zmq send");
    }
  }
}

Result<std::optional<Reply>> Connection::ReceiveUntil(Clock::time_point deadline) {
  Frames frames;
  while (true) {
    auto readable = WaitFor(ZMQ_POLLIN, deadline);
    if (!readable.ok()) return readable.status();
    if (!*readable) return std::optional<Reply>();
    auto got = RecvFrames(*socket_, &frames, false);
    if (!got.ok()) return got.status();
    if (!*got) continue;
    if (frames.size() != 1) {  // not a reply frame: the manager sends exactly one
      ++discarded_replies_;
      continue;
    }
    auto reply = DecodeReply(View(frames[0]));
    if (!reply.ok()) {
      if (reply.status().code() == StatusCode::kVersionMismatch) return reply.status();
      return Status::Internal("undecodable reply from " + endpoint_ + ": " +
                              reply.status().ToString());
    }
    return std::optional<Reply>(std::move(*reply));
  }
}

Result<Reply> Connection::Call(Request request, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto id = SendUntil(std::move(request), deadline, timeout);
  if (!id.ok()) {
    Reset();  // Lazy Pirate: a fresh connection next time
    return id.status();
  }
  while (true) {
    auto next = ReceiveUntil(deadline);
    if (!next.ok()) {
      Reset();
      return next.status();
    }
    if (!next->has_value()) {
      // Lazy Pirate: drop the socket so a late answer is never read as the
      // reply to a later request.
      Reset();
      return Status::Timeout("no reply from " + endpoint_ + " within " + Ms(timeout));
    }
    Reply& reply = **next;
    if (reply.id == *id || (reply.id == 0 && reply.code != StatusCode::kOk)) {
      return std::move(reply);
    }
    ++discarded_replies_;
  }
}

Result<Reply> Connection::CallWithRetries(Request request, milliseconds timeout, int attempts) {
  if (attempts < 1) attempts = 1;
  for (int i = 1;; ++i) {
    auto reply = Call(request, timeout);
    if (reply.ok() || reply.status().code() != StatusCode::kTimeout) return reply;
    if (i == attempts) {
      if (attempts == 1) return reply;
      return Status::Timeout("no reply from " + endpoint_ + " within " + Ms(timeout) + " (" +
                             std::to_string(attempts) + " attempts)");
    }
  }
}

Result<uint64_t> Connection::Send(Request request, milliseconds timeout) {
  auto id = SendUntil(std::move(request), Clock::now() + timeout, timeout);
  if (!id.ok()) Reset();
  return id;
}

Result<Reply> Connection::Receive(milliseconds timeout) {
  if (!socket_) return Status::InvalidArgument("Receive() with no request outstanding");
  auto next = ReceiveUntil(Clock::now() + timeout);
  if (!next.ok()) return next.status();
  if (!next->has_value()) {
    return Status::Timeout("no reply from " + endpoint_ + " within " + Ms(timeout));
  }
  return std::move(**next);
}

Status Connection::Put(std::string_view store, std::string_view key, std::string_view value,
                       milliseconds timeout) {
  Request r{.op = Op::kPut,
            .store = std::string(store),
            .key = std::string(key),
            .value = std::string(value)};
  return CheckedReply(Call(std::move(r), timeout)).status();
}

Result<std::string> Connection::Get(std::string_view store, std::string_view key,
                                    milliseconds timeout) {
  auto reply = CheckedReply(
      Call(Request{.op = Op::kGet, .store = std::string(store), .key = std::string(key)}, timeout));
  if (!reply.ok()) return reply.status();
  return ValueOfReply(*reply);
}

Status Connection::Del(std::string_view store, std::string_view key, milliseconds timeout) {
  return CheckedReply(
             Call(Request{.op = Op::kDel, .store = std::string(store), .key = std::string(key)},
                  timeout))
      .status();
}

Result<std::vector<std::string>> Connection::Keys(std::string_view store, std::string_view prefix,
                                                  uint64_t limit, milliseconds timeout) {
  auto reply = CheckedReply(Call(
      Request{
          .op = Op::kKeys, .store = std::string(store), .key = std::string(prefix), .arg = limit},
      timeout));
  if (!reply.ok()) return reply.status();
  return KeysOfReply(*reply);
}

Result<uint64_t> Connection::Count(std::string_view store, milliseconds timeout) {
  auto reply = CheckedReply(Call(Request{.op = Op::kCount, .store = std::string(store)}, timeout));
  if (!reply.ok()) return reply.status();
  return CountOfReply(*reply);
}

Result<nlohmann::json> Connection::CallJson(Op op, std::string_view store, uint64_t arg,
                                            milliseconds timeout) {
  return CallJson(Request{.op = op, .store = std::string(store), .arg = arg}, timeout);
}

Result<nlohmann::json> Connection::CallJson(Request request, milliseconds timeout) {
  auto reply = CheckedReply(Call(std::move(request), timeout));
  if (!reply.ok()) return reply.status();
  return JsonOfReply(*reply);
}

}  // namespace forkv
