#include "bench/load_phase.h"

#include <algorithm>
#include <latch>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "bench/bench_runner.h"
#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "shared/zsock.h"

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Every client waits at `ready` after connecting; the runner then stamps the
// start and opens `go`.
struct StartGate {
  explicit StartGate(int clients) : ready(clients) {}
  std::latch ready;
  std::latch go{1};
  Clock::time_point start;
  std::optional<Clock::time_point> deadline;
};

// Answers to one kind of request (reads: get; writes: put, del).
struct OpTally {
  LatencyHistogram latency_ns;
  uint64_t ok = 0;
  uint64_t not_found = 0;
  uint64_t errors = 0;  // error answers (timeouts are not attributed to an op)
};

struct ClientTally {
  LatencyHistogram latency_ns;
  uint64_t ok = 0;
  uint64_t not_found = 0;
  uint64_t errors = 0;
  uint64_t writes_ok = 0;  // puts and dels answered ok
  OpTally reads, writes;
  std::string first_error;
  Clock::time_point finished;

  void NoteError(const std::string& e) {
    if (first_error.empty()) first_error = e;
  }
};

struct InFlight {
  Clock::time_point sent;
  bool write = false;
};

// The requests client `i` of `n` sends: an even split of `requests`.
uint64_t QuotaOf(const Phase& ph, int i) {
  const auto n = static_cast<uint64_t>(ph.clients);
  return ph.requests / n + (static_cast<uint64_t>(i) < ph.requests % n ? 1 : 0);
}

// Counts one answered request into the tally.
void Tally(ClientTally& t, const InFlight& f, const Reply& reply, Clock::time_point now) {
  const auto ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - f.sent).count());
  OpTally& op = f.write ? t.writes : t.reads;
  t.latency_ns.Record(ns);
  op.latency_ns.Record(ns);
  switch (reply.code) {
    case StatusCode::kOk:
      ++t.ok;
      ++op.ok;
      if (f.write) ++t.writes_ok;
      break;
    case StatusCode::kNotFound:
    case StatusCode::kConditionFailed:
      ++t.not_found;
      ++op.not_found;
      break;
    default:
      ++t.errors;
      ++op.errors;
      t.NoteError(ReplyStatus(reply).ToString());
      break;
  }
}

Request BuildRequest(const Phase& ph, int client, uint64_t nth, std::mt19937_64& rng,
                     size_t* store_index = nullptr) {
  Request r;
  const uint64_t nstores = ph.stores.size();
  uint64_t store = 0;
  uint64_t key = 0;
  switch (ph.workload) {
    case Workload::kFill:
    case Workload::kDel: {
      // Client i takes slots i, i + clients, ...: together every slot once.
      const uint64_t slot =
          (static_cast<uint64_t>(client) + nth * ph.clients) % (nstores * ph.keyspace);
      store = slot % nstores;
      key = slot / nstores;
      r.op = ph.workload == Workload::kFill ? Op::kPut : Op::kDel;
      break;
    }
    case Workload::kPut:
    case Workload::kGet:
    case Workload::kMixed:
    case Workload::kIncr:
    case Workload::kPutIfAbsent:
      store = nstores == 1 ? 0 : rng() % nstores;
      key = rng() % ph.keyspace;
      if (ph.workload == Workload::kIncr) {
        r.op = Op::kIncr;
      } else if (ph.workload == Workload::kPutIfAbsent) {
        r.op = Op::kPut;
        r.if_version = 0;
      } else if (ph.workload == Workload::kPut) {
        r.op = Op::kPut;
      } else if (ph.workload == Workload::kGet) {
        r.op = Op::kGet;
      } else {
        r.op = (rng() & 1) != 0 ? Op::kPut : Op::kGet;
      }
      break;
  }
  r.store = ph.stores[store];
  if (store_index != nullptr) *store_index = store;
  r.key = ph.workload == Workload::kIncr ? "counter:" + KeyName(key).substr(4) : KeyName(key);
  if (r.op == Op::kPut) r.value = ph.value;
  return r;
}

void RunClient(zmq::context_t& ctx, const std::string& endpoint, const Phase& ph, int index,
               uint64_t quota, StartGate& gate, ClientTally& t) {
  Connection client(ctx, endpoint);
  // Connect before the clock starts.
  Request ping;
  ping.op = Op::kPing;
  auto hello = client.Call(ping, ph.timeout);
  gate.ready.count_down();
  gate.go.wait();
  if (!hello.ok()) {
    // One error for the client, whatever its quota (which --duration may cap).
    if (quota > 0) ++t.errors;
    t.NoteError("connect: " + hello.status().ToString());
    t.finished = Clock::now();
    return;
  }
  std::mt19937_64 rng(0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(index + 1) ^
                      static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  std::unordered_map<uint64_t, InFlight> inflight;
  inflight.reserve(static_cast<size_t>(ph.pipeline) * 2);
  uint64_t sent = 0;
  int consecutive_send_failures = 0;
  bool stop = false;
  while (true) {
    while (!stop && sent < quota && inflight.size() < static_cast<size_t>(ph.pipeline)) {
      const auto now = Clock::now();
      if (StopRequested() || (gate.deadline && now >= *gate.deadline)) {
        stop = true;
        break;
      }
      Request r = BuildRequest(ph, index, sent, rng);
      const bool write = r.op != Op::kGet;
      auto id = client.Send(std::move(r), ph.timeout);
      ++sent;
      if (!id.ok()) {
        // Send() reset the socket: whatever was in flight on it is lost.
        t.errors += 1 + inflight.size();
        inflight.clear();
        t.NoteError(id.status().ToString());
        if (++consecutive_send_failures >= 3) stop = true;  // the manager is gone
        continue;
      }
      consecutive_send_failures = 0;
      inflight.emplace(*id, InFlight{now, write});
    }
    if (inflight.empty()) break;
    auto reply = client.Receive(ph.timeout);
    const auto now = Clock::now();
    if (!reply.ok()) {
      t.errors += inflight.size();
      inflight.clear();
      t.NoteError(reply.status().ToString());
      client.Reset();  // a late reply must not be taken for a later request's
      continue;
    }
    auto it = inflight.find(reply->id);
    if (it == inflight.end()) {
      if (reply->id != 0 || reply->code == StatusCode::kOk) continue;  // stale
      // Id 0: the server could not read some request's id; charge one.
      it = inflight.begin();
    }
    Tally(t, it->second, *reply, now);
    inflight.erase(it);
  }
  t.finished = Clock::now();
}

// ---- multiplexed clients: many sockets per thread -------------------------

// One client of a multiplexing thread: one socket to the manager, or (the
// direct path) one socket per store, each to that store's own endpoint.
struct Conn {
  int index = 0;
  uint64_t quota = 0;
  uint64_t sent = 0;  // requests built (sent, or waiting in `pending`)
  std::vector<zmq::socket_t> sockets;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, InFlight> inflight;
  std::string pending;  // an encoded request the socket has not taken yet
  size_t pending_socket = 0;
  uint64_t pending_id = 0;
  bool pending_write = false;
  Clock::time_point pending_since;
  int consecutive_failures = 0;
  bool done = false;  // could not connect, or the server is gone
  std::mt19937_64 rng;
};

// The endpoints a client's sockets connect to, in socket order.
std::vector<std::string> SocketEndpoints(const std::string& manager, const Phase& ph) {
  if (ph.store_endpoints.empty()) return {manager};
  return ph.store_endpoints;
}

// Which socket carries a request for store `store_index`.
size_t SocketOf(const Phase& ph, size_t store_index) {
  return ph.store_endpoints.empty() ? 0 : store_index;
}

Status OpenConn(zmq::context_t& ctx, const std::vector<std::string>& endpoints, Conn& c) {
  c.sockets.clear();
  for (const std::string& endpoint : endpoints) {
    try {
      zmq::socket_t s = MakeSocket(ctx, zmq::socket_type::dealer, SocketOptions{});
      s.set(zmq::sockopt::immediate, 1);  // queue only on a live connection, as forkv::Connection
      s.connect(endpoint);
      c.sockets.push_back(std::move(s));
    } catch (const zmq::error_t& e) {
      c.sockets.clear();
      return Status::Unavailable("cannot connect to " + endpoint + ": " + e.what());
    }
  }
  return Status::Ok();
}

void SetPending(Conn& c, Request r, size_t socket) {
  if (c.next_id == 0) ++c.next_id;  // 0 means "id unreadable" in replies
  r.id = c.next_id++;
  c.pending_id = r.id;
  c.pending_write = r.op != Op::kGet && r.op != Op::kPing && r.op != Op::kCount;
  c.pending = EncodeRequest(r);
  c.pending_socket = socket;
  c.pending_since = Clock::now();
}

// Sends `pending` without blocking; false when the socket cannot take it now
// (not connected yet, or its queue is full).
bool TrySend(Conn& c, ClientTally& t) {
  try {
    if (!c.sockets[c.pending_socket].send(zmq::buffer(c.pending), zmq::send_flags::dontwait)) {
      return false;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) t.NoteError(std::string("zmq send: ") + e.what());
    return false;
  }
  c.inflight.emplace(c.pending_id, InFlight{Clock::now(), c.pending_write});
  c.pending.clear();
  return true;
}

// Takes every waiting reply off socket `k` of `c`.
void Drain(Conn& c, size_t k, ClientTally& t, Frames& frames) {
  while (true) {
    auto got = RecvFrames(c.sockets[k], &frames, /*wait=*/false);
    if (!got.ok()) {
      t.NoteError(got.status().ToString());
      return;
    }
    if (!*got) return;
    const auto now = Clock::now();
    if (frames.size() != 1) continue;  // not a reply frame
    auto reply = DecodeReply(View(frames[0]));
    if (!reply.ok()) {
      t.NoteError("undecodable reply: " + reply.status().ToString());
      continue;
    }
    auto it = c.inflight.find(reply->id);
    if (it == c.inflight.end()) {
      // Stale, or id 0: the server could not read some request's id.
      if (reply->id != 0 || reply->code == StatusCode::kOk || c.inflight.empty()) continue;
      it = c.inflight.begin();
    }
    Tally(t, it->second, *reply, now);
    c.inflight.erase(it);
  }
}

// Gives up on everything in flight on `c` (it waited more than the
// timeout), counts it as errors and reopens the sockets, so that a late reply
// cannot be taken for a later request's.
void FailConn(zmq::context_t& ctx, const std::vector<std::string>& endpoints, Conn& c,
              ClientTally& t, const std::string& why) {
  t.errors += c.inflight.size() + (c.pending.empty() ? 0 : 1);
  t.NoteError(why);
  c.inflight.clear();
  c.pending.clear();
  if (++c.consecutive_failures >= 3) {
    c.done = true;  // the server is gone
    return;
  }
  if (Status s = OpenConn(ctx, endpoints, c); !s.ok()) {
    t.NoteError(s.ToString());
    c.done = true;
  }
}

// zmq_poll over every open socket: POLLIN always, POLLOUT on the socket a
// request waits to be sent on. `conns_of` maps items back to (client, socket).
void PollConns(std::vector<Conn>& conns, std::vector<zmq::pollitem_t>& items,
               std::vector<std::pair<size_t, size_t>>& conns_of,
               std::chrono::milliseconds timeout) {
  items.clear();
  conns_of.clear();
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].done) continue;
    for (size_t k = 0; k < conns[i].sockets.size(); ++k) {
      const bool out = !conns[i].pending.empty() && conns[i].pending_socket == k;
      items.push_back({conns[i].sockets[k].handle(), 0,
                       static_cast<short>(ZMQ_POLLIN | (out ? ZMQ_POLLOUT : 0)), 0});
      conns_of.emplace_back(i, k);
    }
  }
  try {
    zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
  }
}

// The request that proves socket `k` is connected before the clock starts:
// a ping to the manager, a count to a store (stores answer store ops only).
Request HelloRequest(const Phase& ph, size_t k) {
  Request r;
  if (ph.store_endpoints.empty()) {
    r.op = Op::kPing;
  } else {
    r.op = Op::kCount;
    r.store = ph.stores[k];
  }
  return r;
}

void RunMultiplexed(zmq::context_t& ctx, const std::string& endpoint, const Phase& ph,
                    const std::vector<int>& indexes, StartGate& gate, ClientTally& t) {
  using namespace std::chrono_literals;
  const std::vector<std::string> endpoints = SocketEndpoints(endpoint, ph);
  std::vector<Conn> conns(indexes.size());
  std::vector<zmq::pollitem_t> items;
  std::vector<std::pair<size_t, size_t>> conns_of;
  Frames frames;
  // Connect before the clock starts: one answered hello per socket, socket
  // after socket (each client holds one pending request at a time).
  std::random_device rd;
  std::vector<size_t> hello_next(conns.size(), 0);
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    c.index = indexes[i];
    c.quota = QuotaOf(ph, c.index);
    c.next_id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    c.rng.seed(0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(c.index + 1) ^
               static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
    if (Status s = OpenConn(ctx, endpoints, c); !s.ok()) {
      t.NoteError("connect: " + s.ToString());
      c.done = true;
      continue;
    }
    SetPending(c, HelloRequest(ph, 0), 0);
    hello_next[i] = 1;
  }
  ClientTally hello;  // the hellos are not part of the test
  const auto connect_deadline = Clock::now() + ph.timeout;
  while (Clock::now() < connect_deadline && !StopRequested()) {
    bool waiting = false;
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.done) continue;
      if (c.pending.empty() && c.inflight.empty() && hello_next[i] < c.sockets.size()) {
        SetPending(c, HelloRequest(ph, hello_next[i]), hello_next[i]);
        ++hello_next[i];
      }
      if (!c.pending.empty()) TrySend(c, hello);
      waiting = waiting || !c.pending.empty() || !c.inflight.empty();
    }
    if (!waiting) break;
    PollConns(conns, items, conns_of, 10ms);
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k].revents & ZMQ_POLLIN) {
        Drain(conns[conns_of[k].first], conns_of[k].second, hello, frames);
      }
    }
  }
  for (auto& c : conns) {
    if (c.done || (c.pending.empty() && c.inflight.empty())) continue;
    // One error for the client, whatever its quota (which --duration may cap).
    if (c.quota > 0) ++t.errors;
    t.NoteError("connect: no answer to a hello from " + endpoints[c.pending_socket]);
    c.done = true;
  }
  gate.ready.count_down();
  gate.go.wait();

  bool stop = false;
  auto next_timeout_check = Clock::now() + 100ms;
  while (true) {
    auto now = Clock::now();
    if (!stop && (StopRequested() || (gate.deadline && now >= *gate.deadline))) stop = true;
    bool active = false;
    for (auto& c : conns) {
      if (c.done) continue;
      if (stop) c.pending.clear();  // built but never sent: not counted
      while (!c.pending.empty() ||
             (!stop && c.sent < c.quota && c.inflight.size() < static_cast<size_t>(ph.pipeline))) {
        if (c.pending.empty()) {
          size_t store = 0;
          Request r = BuildRequest(ph, c.index, c.sent, c.rng, &store);
          SetPending(c, std::move(r), SocketOf(ph, store));
          ++c.sent;
        }
        if (!TrySend(c, t)) break;  // POLLOUT will tell when
        c.consecutive_failures = 0;
      }
      active = active || !c.pending.empty() || !c.inflight.empty();
    }
    if (!active) break;
    PollConns(conns, items, conns_of, 10ms);
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k].revents & ZMQ_POLLIN) {
        Drain(conns[conns_of[k].first], conns_of[k].second, t, frames);
      }
    }
    now = Clock::now();
    if (now < next_timeout_check) continue;
    next_timeout_check = now + 100ms;
    for (auto& c : conns) {
      if (c.done) continue;
      bool expired = !c.pending.empty() && now - c.pending_since > ph.timeout;
      for (const auto& [id, f] : c.inflight) expired = expired || now - f.sent > ph.timeout;
      if (expired) {
        FailConn(ctx, endpoints, c, t,
                 "timeout: no reply within " + std::to_string(ph.timeout.count()) + " ms");
      }
    }
  }
  t.finished = Clock::now();
}

}  // namespace

std::string MakeValue(size_t n) {
  std::mt19937_64 rng(0x666f726b76ULL);
  std::string v(n, '\0');
  for (auto& c : v) c = static_cast<char>(rng() & 0xff);
  return v;
}

PhaseOutcome RunPhase(zmq::context_t& ctx, const std::string& endpoint, const Phase& ph) {
  const int n = ph.clients;
  const int workers = ph.threads > 0 ? std::min(ph.threads, n) : n;
  StartGate gate(workers);
  std::vector<ClientTally> tallies(static_cast<size_t>(workers));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    ClientTally& tally = tallies[static_cast<size_t>(w)];
    if (ph.threads > 0 || !ph.store_endpoints.empty()) {
      // The direct path needs a socket per store: one client per thread
      // (threads = 0) is the multiplexed loop with one client.
      std::vector<int> indexes;
      for (int i = w; i < n; i += workers) indexes.push_back(i);
      threads.emplace_back([&, indexes = std::move(indexes)] {
        RunMultiplexed(ctx, endpoint, ph, indexes, gate, tally);
      });
    } else {
      threads.emplace_back(
          [&, w] { RunClient(ctx, endpoint, ph, w, QuotaOf(ph, w), gate, tally); });
    }
  }
  gate.ready.wait();
  gate.start = Clock::now();
  if (ph.duration_s > 0) {
    gate.deadline = gate.start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(ph.duration_s));
  }
  gate.go.count_down();
  for (auto& th : threads) th.join();

  PhaseOutcome out;
  TestResult& r = out.result;
  r.name = ph.name;
  Clock::time_point end = gate.start;
  for (const auto& t : tallies) {
    r.latency_ns.Merge(t.latency_ns);
    r.ok += t.ok;
    r.not_found += t.not_found;
    r.errors += t.errors;
    out.writes_ok += t.writes_ok;
    if (r.first_error.empty()) r.first_error = t.first_error;
    end = std::max(end, t.finished);
  }
  r.requests = r.ok + r.not_found + r.errors;
  r.seconds = std::chrono::duration<double>(end - gate.start).count();
  if (ph.workload == Workload::kMixed) {
    // The mix's two ops apart, over the same interval.
    for (bool writes : {false, true}) {
      TestResult op;
      op.name = ph.name + (writes ? "/put" : "/get");
      for (const auto& t : tallies) {
        const OpTally& o = writes ? t.writes : t.reads;
        op.latency_ns.Merge(o.latency_ns);
        op.ok += o.ok;
        op.not_found += o.not_found;
        op.errors += o.errors;
      }
      op.requests = op.ok + op.not_found + op.errors;
      op.seconds = r.seconds;
      out.per_op.push_back(std::move(op));
    }
  }
  return out;
}

}  // namespace forkv::bench
