// The manager's event loop. Policy lives in supervisor_policy.{h,cc}, the
// name -> child map in registry.{h,cc}, the on-disk catalogue in
// catalogue.{h,cc}; this file only moves messages and processes.
//
// Child exit cases (OnChildExit):
//   - store, crash or unexpected exit: in-flight requests get `unavailable`
//     (outcome unknown for writes), then restart after backoff, or `failed`
//     when the restart intensity is exceeded (other stores keep serving);
//   - store we stopped (drop, shutdown, `forkv restart`): no restart, except
//     that `restart` spawns it again at once;
//   - database worker crash: restart after backoff; when it is ready again
//     every store is told ("db_up") and resends its unacknowledged writes;
//   - database worker gives up: escalate (the root supervisor shuts
//     everything down in order and exits 111 so systemd restarts it);
//   - unknown pid (a dropped store's old process): logged and forgotten.
#include "manager/manager_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <filesystem>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <zmq.hpp>

#include "manager/catalogue.h"
#include "manager/registry.h"
#include "manager/supervisor.h"
#include "shared/codec.h"
#include "shared/host_port.h"
#include "shared/names.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/signals.h"
#include "shared/zsock.h"

namespace forkv {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kVersion[] = "0.1.0";
constexpr size_t kMaxEnvelopeFrames = 4;
constexpr size_t kMaxEnvelopeBytes = 1024;

int64_t MillisSince(SteadyTime t, SteadyTime now) {
  return std::chrono::duration_cast<milliseconds>(now - t).count();
}

const std::string& RoutingId(const Child& c) { return c.routing_id; }

// A client's address: every frame before the payload (ROUTER identity, plus
// the empty delimiter when the client is a REQ socket).
using Envelope = Frames;

struct InFlight {
  Envelope envelope;
  uint64_t request_id = 0;
  uint64_t store_gen = 0;
};

struct Queued {
  Envelope envelope;
  zmq::message_t payload;
  uint64_t request_id = 0;
  SteadyTime deadline;
};

// A client waiting for a store to be serving (create, wait, restart).
struct Waiter {
  Envelope envelope;
  uint64_t request_id = 0;
  std::string store;
  Op op = Op::kWait;
  bool created = false;
  SteadyTime deadline;
};

struct PendingDrop {
  Envelope envelope;
  uint64_t request_id = 0;
  std::string store;
  uint64_t fence_gen = 0;
  std::set<uint32_t> remaining;
  bool process_gone = false;  // the store's process has exited (or had none)
  Status error;
  SteadyTime deadline;
};

enum class ShutdownPhase { kNone, kStores, kDbs, kDone };

class Manager {
 public:
  Manager(const ManagerOptions& opts, int signal_fd)
      : opts_(opts),
        signal_fd_(signal_fd),
        registry_(opts.db_workers),
        db_sup_("db_pool", sup::Strategy::kOneForOne, opts.db_policy, /*dynamic=*/false),
        store_sup_("stores", sup::Strategy::kOneForOne, opts.store_policy, /*dynamic=*/true),
        web_sup_("web", sup::Strategy::kOneForOne, opts.http_policy, /*dynamic=*/false) {}
  ~Manager();

  Status Init();
  int Run();

 private:
  // Frontend.
  void OnFrontend(Frames& frames);
  void Reply(Envelope& env, const std::string& reply);
  void ReplyStatus(Envelope& env, uint64_t id, const Status& s) {
    Reply(env, EncodeStatusReply(id, s));
  }
  void ReplyBody(Envelope& env, uint64_t id, std::string body);
  void Route(Child* store, Envelope env, zmq::message_t payload, uint64_t request_id);
  void SendToStore(Child* store, Envelope env, zmq::message_t payload, uint64_t request_id);
  void HandleCreate(Envelope env, const Request& req, Op op);
  void HandleDrop(Envelope env, const Request& req);
  void HandleRestart(Envelope env, const Request& req);
  void HandleKill(Envelope env, const Request& req);
  nlohmann::json ChildJson(const Child& c, SteadyTime now) const;
  nlohmann::json StoresJson() const;
  nlohmann::json StatusJson() const;

  // Backend and children.
  void OnBackend(Frames& frames);
  void OnControl(Child* child, const nlohmann::json& msg);
  void OnChildReady(Child* child);
  void OnDbAdmin(uint32_t shard, Frames& frames);
  void SendControl(const Child& child, const nlohmann::json& msg);
  // Supervision: events go into a supervisor, its actions come out here.
  sup::Supervisor& SupOf(const Child& c) {
    switch (c.kind) {
      case ChildKind::kStore:
        return store_sup_;
      case ChildKind::kHttp:
        return web_sup_;
      case ChildKind::kDb:
        break;
    }
    return db_sup_;
  }
  const sup::ChildRecord* RecordOf(const Child& c) const {
    return const_cast<Manager*>(this)->SupOf(c).Find(c.name);
  }
  Child* ChildOf(const sup::Supervisor& s, const std::string& id);
  bool IsServing(const Child& c) const {
    const sup::ChildRecord* r = RecordOf(c);
    return r != nullptr && r->state == sup::ChildState::kRunning;
  }
  void Feed(sup::Supervisor& s, const sup::Event& event);
  void Execute(sup::Supervisor& s, const std::vector<sup::Action>& actions);
  void StartProcess(sup::Supervisor& s, Child* child);
  Result<Child*> CreateStore(const std::string& name);
  void ForgetStoreIfRemoved(const std::string& name);
  void MaybeFinishDrop(uint64_t drop_id);
  std::string FailedMessage(const Child& store) const;
  void OnSignals();
  void ReapAll();
  void OnChildExit(Child* child, const ExitStatus& status);
  void FailInFlight(uint64_t gen, const Status& s);
  void FailQueued(const std::string& store, const Status& s);
  void FailWaiters(const std::string& store, const Status& s);
  void AnswerWaiters(Child* store);
  void SendDrop(uint32_t shard, const PendingDrop& d, uint64_t drop_id);

  // Timers.
  void OnTick(SteadyTime now);
  void Heartbeat(SteadyTime now);
  void BeginShutdown(int exit_code, const std::string& why);
  bool AllDbsRunning() const;
  void MaybeNotifyReady();

  const ManagerOptions& opts_;
  int signal_fd_;
  Registry registry_;
  // The tree: root (this manager; a child supervisor escalating shuts the
  // tree down and exits non-zero for systemd) -> db_pool, then stores, then
  // web (the HTTP gateway, only with --http).
  sup::Supervisor db_sup_;
  sup::Supervisor store_sup_;
  sup::Supervisor web_sup_;
  std::set<std::string> catalogue_;
  zmq::context_t ctx_{1};
  zmq::socket_t frontend_;
  zmq::socket_t backend_;
  std::vector<zmq::socket_t> db_admin_;
  std::string backend_endpoint_;
  std::vector<std::string> db_endpoints_;
  std::string db_endpoint_list_;
  std::string store_exe_, db_exe_, http_exe_;
  int lock_fd_ = -1;
  bool frontend_bound_ = false;

  uint64_t next_gen_ = 0;
  uint64_t next_tag_ = 1;
  uint64_t next_drop_id_ = 1;
  uint64_t ping_seq_ = 0;
  std::unordered_map<uint64_t, InFlight> inflight_;
  std::unordered_map<std::string, std::deque<Queued>> queued_;
  std::vector<Waiter> waiters_;
  std::unordered_map<uint64_t, PendingDrop> drops_;
  std::unordered_set<std::string> dropping_;
  std::mt19937_64 rng_{std::random_device{}()};

  SteadyTime started_ = Clock::now();
  SteadyTime next_ping_ = Clock::now();
  SteadyTime next_watchdog_{};
  uint64_t watchdog_usec_ = 0;
  ShutdownPhase shutdown_ = ShutdownPhase::kNone;
  int exit_code_ = kExitOk;
  bool notified_ready_ = false;
  bool dbs_stopped_ = false;
};

Manager::~Manager() {
  for (const auto& ep : db_endpoints_) unlink(IpcPath(ep).c_str());
  if (!backend_endpoint_.empty()) unlink(IpcPath(backend_endpoint_).c_str());
  if (frontend_bound_) unlink(IpcPath(opts_.endpoint).c_str());
  if (lock_fd_ >= 0) close(lock_fd_);
}

Status Manager::Init() {
  if (opts_.db_workers < 1 || opts_.db_workers > 64) {
    return Status::InvalidArgument("--db-workers must be 1..64");
  }
  if (opts_.fsync_mode != "always" && opts_.fsync_mode != "periodic" &&
      opts_.fsync_mode != "never") {
    return Status::InvalidArgument("--fsync must be always, periodic or never");
  }
  if (!opts_.http_listen.empty()) {
    auto hp = ParseHostPort(opts_.http_listen, /*allow_zero_port=*/true);
    if (!hp.ok()) return hp.status();
  }
  if (Status s = MakeDirectories(opts_.data_dir); !s.ok()) return s;
  std::string lock_path = opts_.data_dir + "/LOCK";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("another forkv-manager is using " + opts_.data_dir);
  }
  if (Status s = CheckOrInitDataFormat(opts_.data_dir, opts_.db_workers); !s.ok()) return s;
  auto cat = LoadCatalogue(opts_.data_dir);
  if (!cat.ok()) return cat.status();
  catalogue_ = std::move(*cat);

  std::string run_dir = opts_.run_dir;
  if (run_dir.empty()) {
    std::string path = IpcPath(opts_.endpoint);
    run_dir = path.empty() ? "/tmp/forkv-" + std::to_string(getuid())
                           : std::filesystem::path(path).parent_path().string();
  }
  if (Status s = MakeDirectories(run_dir); !s.ok()) return s;
  std::string prefix = "ipc://" + run_dir + "/m" + std::to_string(getpid());
  backend_endpoint_ = prefix + "-be.sock";
  for (uint32_t i = 0; i < opts_.db_workers; ++i) {
    db_endpoints_.push_back(prefix + "-db" + std::to_string(i) + ".sock");
    if (i) db_endpoint_list_ += ",";
    db_endpoint_list_ += db_endpoints_.back();
  }
  for (const auto& ep : db_endpoints_) {
    if (Status s = CheckEndpoint(ep); !s.ok()) return s;
  }
  if (Status s = CheckEndpoint(backend_endpoint_); !s.ok()) return s;
  if (Status s = CheckEndpoint(opts_.endpoint); !s.ok()) return s;
  if (Status s = EnsureEndpointDirectory(opts_.endpoint); !s.ok()) return s;

  store_exe_ = SiblingBinary("forkv-store");
  db_exe_ = SiblingBinary("forkv-db");
  http_exe_ = SiblingBinary("forkv-http");
  std::vector<std::string> exes = {store_exe_, db_exe_};
  if (!opts_.http_listen.empty()) {
    exes.push_back(http_exe_);
    registry_.EnableHttp();
  }
  for (const auto& exe : exes) {
    if (access(exe.c_str(), X_OK) != 0) return Status::Internal("worker binary missing: " + exe);
  }

  frontend_ = MakeSocket(ctx_, zmq::socket_type::router,
                         {.send_hwm = 100000,
                          .recv_hwm = 100000,
                          .max_message_bytes = static_cast<int64_t>(kMaxRequestFrameBytes)});
  backend_ = MakeSocket(ctx_, zmq::socket_type::router,
                        {.send_hwm = 100000,
                         .recv_hwm = 100000,
                         .max_message_bytes = static_cast<int64_t>(kMaxInternalFrameBytes),
                         .router_mandatory = true,
                         .router_handover = true});
  try {
    frontend_.bind(opts_.endpoint);
    frontend_bound_ = true;
    for (const auto& ep : opts_.listen) frontend_.bind(ep);
    backend_.bind(backend_endpoint_);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind: ") + e.what());
  }
  std::string admin_id = "m" + std::to_string(getpid());
  for (const auto& ep : db_endpoints_) {
    db_admin_.push_back(MakeSocket(ctx_, zmq::socket_type::dealer, {.routing_id = admin_id}));
    db_admin_.back().connect(ep);
  }
  // Generations grow across manager runs: start from the wall clock.
  next_gen_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  if (sd_watchdog_enabled(0, &watchdog_usec_) <= 0) watchdog_usec_ = 0;
  return Status::Ok();
}

// ---- frontend ---------------------------------------------------------------

void Manager::Reply(Envelope& env, const std::string& reply) {
  Frames frames;
  frames.reserve(env.size() + 1);
  for (auto& m : env) frames.push_back(std::move(m));
  frames.emplace_back(reply.data(), reply.size());
  if (Status s = SendMessages(frontend_, frames); !s.ok()) {
    spdlog::debug("reply not delivered: {}", s.ToString());
  }
}

void Manager::ReplyBody(Envelope& env, uint64_t id, std::string body) {
  forkv::Reply r;
  r.id = id;
  r.body = std::move(body);
  Reply(env, EncodeReply(r));
}

void Manager::OnFrontend(Frames& frames) {
  if (frames.size() < 2) {
    spdlog::debug("dropping a client message without envelope");
    return;
  }
  // A client's envelope is its routing id, plus an empty delimiter for REQ
  // sockets: anything bigger is not a forkv client, and echoing it back
  // would let one peer make the manager hold arbitrary amounts of memory.
  size_t envelope_bytes = 0;
  for (size_t i = 0; i + 1 < frames.size(); ++i) envelope_bytes += frames[i].size();
  if (frames.size() > kMaxEnvelopeFrames + 1 || envelope_bytes > kMaxEnvelopeBytes) {
    spdlog::warn("dropping a client message with a {}-frame, {}-byte envelope", frames.size() - 1,
                 envelope_bytes);
    return;
  }
  zmq::message_t payload = std::move(frames.back());
  frames.pop_back();
  Envelope env = std::move(frames);
  std::string_view bytes = View(payload);
  // Routing needs the header fields only: decode without copying the key
  // and value (they point into `payload`, which is forwarded as is).
  auto view = DecodeRequestView(bytes);
  if (!view.ok()) {
    ReplyStatus(env, PeekRequestId(bytes), view.status());
    return;
  }
  if (Status s = ValidateRequest(*view); !s.ok()) {
    ReplyStatus(env, view->id, s);
    return;
  }
  Request req{.id = view->id, .op = view->op, .store = std::string(view->store), .arg = view->arg};
  if (shutdown_ != ShutdownPhase::kNone) {
    ReplyStatus(env, req.id, Status::Unavailable("forkv-manager is shutting down"));
    return;
  }
  bool names_store = req.op != Op::kPing && req.op != Op::kStores && req.op != Op::kStatus;
  if (names_store && dropping_.count(req.store)) {
    ReplyStatus(env, req.id, Status::Unavailable("store '" + req.store + "' is being dropped"));
    return;
  }
  switch (req.op) {
    case Op::kPing:
      ReplyBody(env, req.id,
                EncodeJsonBody({{"pid", getpid()},
                                {"version", kVersion},
                                {"uptime_ms", MillisSince(started_, Clock::now())},
                                {"stores", registry_.stores().size()}}));
      return;
    case Op::kStores:
      ReplyBody(env, req.id, EncodeJsonBody(StoresJson()));
      return;
    case Op::kStatus:
      ReplyBody(env, req.id, EncodeJsonBody(StatusJson()));
      return;
    case Op::kCreate:
    case Op::kWait:
      HandleCreate(std::move(env), req, req.op);
      return;
    case Op::kDrop:
      HandleDrop(std::move(env), req);
      return;
    case Op::kRestart:
      HandleRestart(std::move(env), req);
      return;
    case Op::kKill:
      HandleKill(std::move(env), req);
      return;
    case Op::kPut: {
      // Get-or-create: a put to a new name starts its store.
      Child* store = registry_.FindStore(req.store);
      if (store == nullptr) {
        auto created = CreateStore(req.store);
        if (!created.ok()) {
          ReplyStatus(env, req.id, created.status());
          return;
        }
        store = *created;
      }
      Route(store, std::move(env), std::move(payload), req.id);
      return;
    }
    case Op::kGet:
    case Op::kDel:
    case Op::kKeys:
    case Op::kCount: {
      Child* store = registry_.FindStore(req.store);
      if (store == nullptr) {
        ReplyStatus(env, req.id, Status::NotFound("no such store '" + req.store + "'"));
        return;
      }
      Route(store, std::move(env), std::move(payload), req.id);
      return;
    }
  }
  ReplyStatus(env, req.id, Status::UnknownOp("unknown op"));
}

void Manager::Route(Child* store, Envelope env, zmq::message_t payload, uint64_t request_id) {
  const sup::ChildRecord* rec = RecordOf(*store);
  sup::ChildState state = rec != nullptr ? rec->state : sup::ChildState::kStopped;
  switch (state) {
    case sup::ChildState::kRunning:
      SendToStore(store, std::move(env), std::move(payload), request_id);
      return;
    case sup::ChildState::kFailed:
      ReplyStatus(env, request_id, Status::Unavailable(FailedMessage(*store)));
      return;
    case sup::ChildState::kStopped:
      ReplyStatus(env, request_id, Status::Unavailable("store '" + store->name + "' is stopped"));
      return;
    case sup::ChildState::kStopping:
      if (rec->intent != sup::StopIntent::kRestart && rec->intent != sup::StopIntent::kGroup) {
        ReplyStatus(env, request_id,
                    Status::Unavailable("store '" + store->name + "' is stopping"));
        return;
      }
      [[fallthrough]];
    case sup::ChildState::kStarting:
    case sup::ChildState::kBackoff: {
      auto& q = queued_[store->name];
      if (q.size() >= opts_.max_queued_per_store) {
        ReplyStatus(env, request_id,
                    Status::Unavailable("store '" + store->name +
                                        "' is restarting and its wait queue is full"));
        return;
      }
      q.push_back({std::move(env), std::move(payload), request_id,
                   Clock::now() + milliseconds(opts_.request_wait_ms)});
      return;
    }
  }
}

void Manager::SendToStore(Child* store, Envelope env, zmq::message_t payload, uint64_t request_id) {
  uint64_t tag = next_tag_++;
  const std::string& rid = RoutingId(*store);
  std::string tag_bytes = EncodeTag(tag);
  Frames frames;
  frames.emplace_back(rid.data(), rid.size());
  frames.emplace_back(kTagRequest.data(), kTagRequest.size());
  frames.emplace_back(tag_bytes.data(), tag_bytes.size());
  frames.push_back(std::move(payload));
  if (Status s = SendMessages(backend_, frames); !s.ok()) {
    ReplyStatus(
        env, request_id,
        Status::Unavailable("store '" + store->name + "' is not reachable: " + s.message()));
    return;
  }
  inflight_.emplace(tag, InFlight{std::move(env), request_id, store->gen});
}

Result<Child*> Manager::CreateStore(const std::string& name) {
  catalogue_.insert(name);
  if (Status s = SaveCatalogue(opts_.data_dir, catalogue_); !s.ok()) {
    spdlog::error("cannot save the catalogue: {}", s.ToString());
    catalogue_.erase(name);
    return s;
  }
  Child* store = registry_.GetOrCreateStore(name).first;
  Execute(store_sup_,
          store_sup_.AddChild({.id = name,
                               .restart = RestartType::kPermanent,
                               .shutdown_timeout = milliseconds(opts_.shutdown_timeout_ms)}));
  return store;
}

std::string Manager::FailedMessage(const Child& store) const {
  const sup::ChildRecord* rec = RecordOf(store);
  std::string why = rec != nullptr ? rec->last_exit + "; " + rec->reason : "gave up";
  return "store '" + store.name + "' failed (" + why + "); run `forkv restart " + store.name + "`";
}

void Manager::HandleCreate(Envelope env, const Request& req, Op op) {
  Child* store = registry_.FindStore(req.store);
  bool created = false;
  if (store == nullptr && op == Op::kCreate) {
    auto made = CreateStore(req.store);
    if (!made.ok()) {
      ReplyStatus(env, req.id, made.status());
      return;
    }
    store = *made;
    created = true;
  }
  if (store == nullptr) {
    ReplyStatus(env, req.id, Status::NotFound("no such store '" + req.store + "'"));
    return;
  }
  // wait's arg is the client's bound (capped at 10 minutes); 0 = the default.
  constexpr uint64_t kMaxWaitMs = 600000;
  uint64_t wait_ms = op == Op::kWait && req.arg > 0 ? std::min(req.arg, kMaxWaitMs)
                                                    : static_cast<uint64_t>(opts_.request_wait_ms);
  waiters_.push_back({std::move(env), req.id, req.store, op, created,
                      Clock::now() + milliseconds(static_cast<int64_t>(wait_ms))});
  const sup::ChildRecord* rec = RecordOf(*store);
  if (IsServing(*store)) AnswerWaiters(store);
  if (rec != nullptr && rec->state == sup::ChildState::kFailed) {
    FailWaiters(store->name, Status::Unavailable(FailedMessage(*store)));
  }
}

void Manager::HandleDrop(Envelope env, const Request& req) {
  Child* store = registry_.FindStore(req.store);
  if (store == nullptr) {
    ReplyStatus(env, req.id, Status::NotFound("no such store '" + req.store + "'"));
    return;
  }
  std::string name = store->name;
  Status gone = Status::Unavailable("store '" + name + "' was dropped");
  FailInFlight(store->gen, gone);
  FailQueued(name, gone);
  FailWaiters(name, gone);
  catalogue_.erase(name);
  if (Status s = SaveCatalogue(opts_.data_dir, catalogue_); !s.ok()) {
    spdlog::error("cannot save the catalogue: {}", s.ToString());
  }
  // The fence generation is above every incarnation the store ever had, so a
  // write of the stopped process still queued at a worker is refused.
  uint64_t drop_id = next_drop_id_++;
  PendingDrop d{std::move(env),
                req.id,
                name,
                next_gen_++,
                {},
                false,
                Status::Ok(),
                Clock::now() + milliseconds(30000)};
  for (uint32_t i = 0; i < opts_.db_workers; ++i) d.remaining.insert(i);
  for (uint32_t i = 0; i < opts_.db_workers; ++i) SendDrop(i, d, drop_id);
  dropping_.insert(name);
  drops_.emplace(drop_id, std::move(d));
  spdlog::info("dropping store '{}'", name);
  Feed(store_sup_, sup::StopRequested{name});  // the supervisor forgets it once it exited
  ForgetStoreIfRemoved(name);
}

void Manager::ForgetStoreIfRemoved(const std::string& name) {
  if (store_sup_.Find(name) != nullptr) return;
  registry_.RemoveStore(name);
  std::vector<uint64_t> ids;
  for (auto& [id, d] : drops_) {
    if (d.store == name) {
      d.process_gone = true;
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) MaybeFinishDrop(id);
}

void Manager::MaybeFinishDrop(uint64_t drop_id) {
  auto it = drops_.find(drop_id);
  if (it == drops_.end() || !it->second.remaining.empty() || !it->second.process_gone) return;
  PendingDrop& d = it->second;
  spdlog::info("store '{}' dropped{}", d.store, d.error.ok() ? "" : ": " + d.error.ToString());
  ReplyStatus(d.envelope, d.request_id, d.error);
  dropping_.erase(d.store);
  drops_.erase(it);
}

void Manager::SendDrop(uint32_t shard, const PendingDrop& d, uint64_t drop_id) {
  std::string body =
      EncodeDropRequest({.store = d.store, .fence_gen = d.fence_gen, .drop_id = drop_id});
  if (Status s = SendFrames(db_admin_[shard], {kTagDrop, body}); !s.ok()) {
    spdlog::warn("drop of '{}' to shard {} not sent yet: {}", d.store, shard, s.ToString());
  }
}

void Manager::HandleRestart(Envelope env, const Request& req) {
  Child* store = registry_.FindStore(req.store);
  if (store == nullptr) {
    ReplyStatus(env, req.id, Status::NotFound("no such store '" + req.store + "'"));
    return;
  }
  waiters_.push_back({std::move(env), req.id, req.store, Op::kRestart, false,
                      Clock::now() + milliseconds(opts_.request_wait_ms)});
  spdlog::info("restart of store '{}' requested", req.store);
  Feed(store_sup_, sup::RestartRequested{req.store});
}

void Manager::HandleKill(Envelope env, const Request& req) {
  Child* store = registry_.FindStore(req.store);
  if (store == nullptr) {
    ReplyStatus(env, req.id, Status::NotFound("no such store '" + req.store + "'"));
    return;
  }
  if (store->pid == 0) {
    ReplyStatus(env, req.id, Status::Unavailable("store '" + req.store + "' has no process now"));
    return;
  }
  int sig = req.arg == 0 ? SIGKILL : static_cast<int>(req.arg);
  if (kill(store->pid, sig) != 0) {
    ReplyStatus(env, req.id, Status::InvalidArgument(std::string("kill: ") + std::strerror(errno)));
    return;
  }
  spdlog::info("sent {} to store '{}' (pid {}) on request", SignalName(sig), store->name,
               store->pid);
  ReplyBody(env, req.id, EncodeJsonBody({{"pid", store->pid}, {"signal", sig}}));
}

nlohmann::json Manager::ChildJson(const Child& c, SteadyTime now) const {
  const sup::ChildRecord* rec = RecordOf(c);
  std::string state = "stopped";
  if (rec != nullptr) {
    state = rec->state == sup::ChildState::kBackoff ? "restarting"
                                                    : std::string(sup::ChildStateName(rec->state));
  }
  std::string last_exit = rec != nullptr ? rec->last_exit : "";
  if (rec != nullptr && rec->state == sup::ChildState::kFailed) last_exit += "; " + rec->reason;
  nlohmann::json j = {{"name", c.name},
                      {"kind", ChildKindName(c.kind)},
                      {"state", state},
                      {"pid", c.pid},
                      {"restarts", rec != nullptr ? rec->restarts : 0},
                      {"generation", c.gen},
                      {"uptime_ms", c.pid != 0 ? MillisSince(c.started_at, now) : 0},
                      {"last_exit", last_exit}};
  if (c.kind == ChildKind::kDb) {
    j["shard"] = c.shard;
    j["fsync_mode"] = opts_.fsync_mode;
    for (auto it = c.stats.begin(); it != c.stats.end(); ++it) j[it.key()] = it.value();
  } else if (c.kind == ChildKind::kHttp) {
    j["listen"] = opts_.http_listen;
    for (auto it = c.stats.begin(); it != c.stats.end(); ++it) j[it.key()] = it.value();
  } else if (c.stats.contains("keys")) {
    j["keys"] = c.stats["keys"];
  }
  return j;
}

nlohmann::json Manager::StoresJson() const {
  SteadyTime now = Clock::now();
  nlohmann::json stores = nlohmann::json::array();
  for (const auto& [name, c] : registry_.stores()) stores.push_back(ChildJson(c, now));
  nlohmann::json dbs = nlohmann::json::array();
  for (const auto& c : registry_.db_workers()) dbs.push_back(ChildJson(c, now));
  return {{"stores", stores}, {"db_workers", dbs}};
}

nlohmann::json Manager::StatusJson() const {
  SteadyTime now = Clock::now();
  nlohmann::json dbs = nlohmann::json::array();
  for (const auto& c : registry_.db_workers()) dbs.push_back(ChildJson(c, now));
  nlohmann::json stores = nlohmann::json::array();
  for (const auto& [name, c] : registry_.stores()) stores.push_back(ChildJson(c, now));
  nlohmann::json tree = {
      {"name", "root"},
      {"kind", "supervisor"},
      {"strategy", "rest_for_one"},  // db_pool before stores; escalation ends the tree
      {"children",
       {{{"name", db_sup_.name()},
         {"kind", "supervisor"},
         {"strategy", sup::StrategyName(db_sup_.strategy())},
         {"phase", sup::PhaseName(db_sup_.phase())},
         {"children", dbs}},
        {{"name", store_sup_.name()},
         {"kind", "supervisor"},
         {"strategy", sup::StrategyName(store_sup_.strategy())},
         {"phase", sup::PhaseName(store_sup_.phase())},
         {"children", stores}}}}};
  if (const Child* http = registry_.http()) {
    tree["children"].push_back({{"name", web_sup_.name()},
                                {"kind", "supervisor"},
                                {"strategy", sup::StrategyName(web_sup_.strategy())},
                                {"phase", sup::PhaseName(web_sup_.phase())},
                                {"children", nlohmann::json::array({ChildJson(*http, now)})}});
  }
  return {{"manager",
           {{"pid", getpid()},
            {"uptime_ms", MillisSince(started_, now)},
            {"endpoint", opts_.endpoint},
            {"data_dir", opts_.data_dir},
            {"version", kVersion},
            {"state", shutdown_ == ShutdownPhase::kNone ? "running" : "stopping"}}},
          {"tree", tree}};
}

// ---- backend ----------------------------------------------------------------

void Manager::SendControl(const Child& child, const nlohmann::json& msg) {
  const std::string& rid = RoutingId(child);
  std::string body = EncodeControl(msg);
  if (Status s = SendFrames(backend_, {rid, kTagControl, body}); !s.ok()) {
    spdlog::debug("control to {} not sent: {}", child.name, s.ToString());
  }
}

void Manager::OnBackend(Frames& frames) {
  if (frames.size() < 2) return;
  uint64_t gen = Registry::GenFromRoutingId(View(frames[0]));
  Child* child = gen == 0 ? nullptr : registry_.FindByGen(gen);
  std::string_view kind = View(frames[1]);
  if (kind == kTagReply && frames.size() == 4) {
    auto tag = DecodeTag(View(frames[2]));
    if (!tag.ok()) return;
    auto it = inflight_.find(*tag);
    if (it == inflight_.end()) return;  // already failed (the store died meanwhile)
    if (child == nullptr || it->second.store_gen != gen) {
      spdlog::warn("dropping a reply from {} for a request it was not sent", View(frames[0]));
      return;
    }
    Frames out;
    for (auto& m : it->second.envelope) out.push_back(std::move(m));
    out.push_back(std::move(frames[3]));
    inflight_.erase(it);
    if (Status s = SendMessages(frontend_, out); !s.ok()) {
      spdlog::debug("reply not delivered: {}", s.ToString());
    }
    return;
  }
  if (kind == kTagControl && frames.size() == 3) {
    if (child == nullptr || child->pid == 0) {
      spdlog::debug("control message from a stale incarnation {}", View(frames[0]));
      return;
    }
    auto msg = DecodeControl(View(frames[2]));
    if (!msg.ok()) {
      spdlog::warn("bad control message from {}: {}", child->name, msg.status().ToString());
      return;
    }
    OnControl(child, *msg);
    return;
  }
  spdlog::warn("dropping malformed backend message ({} frames)", frames.size());
}

void Manager::OnControl(Child* child, const nlohmann::json& msg) {
  const std::string type = msg["type"].get<std::string>();
  child->missed_pings = 0;
  if (type == "hello") {
    child->connected = true;
  } else if (type == "ready") {
    child->connected = true;
    auto it = msg.find("stats");
    if (it != msg.end() && it->is_object()) child->stats = *it;
    OnChildReady(child);
  } else if (type == "pong") {
    auto it = msg.find("stats");
    if (it != msg.end() && it->is_object()) child->stats = *it;
  } else {
    spdlog::warn("unknown control message '{}' from {}", type, child->name);
  }
}

void Manager::OnChildReady(Child* child) {
  Feed(SupOf(*child), sup::Ready{child->name});
  if (!IsServing(*child)) return;  // e.g. asked to stop meanwhile
  spdlog::info("{} '{}' ready (pid {}, gen {})", ChildKindName(child->kind), child->name,
               child->pid, child->gen);
  if (child->kind == ChildKind::kDb) {
    // Stores resend what the previous incarnation never acknowledged.
    for (auto& [name, store] : registry_.stores()) {
      if (store.connected) SendControl(store, {{"type", "db_up"}, {"shard", child->shard}});
    }
    for (auto& [id, d] : drops_) {
      if (d.remaining.count(child->shard)) SendDrop(child->shard, d, id);
    }
  } else if (child->kind == ChildKind::kStore) {
    auto it = queued_.find(child->name);
    if (it != queued_.end()) {
      std::deque<Queued> q = std::move(it->second);
      queued_.erase(it);
      for (auto& item : q) {
        SendToStore(child, std::move(item.envelope), std::move(item.payload), item.request_id);
      }
    }
    AnswerWaiters(child);
  }
  MaybeNotifyReady();
}

void Manager::OnDbAdmin(uint32_t shard, Frames& frames) {
  if (frames.size() != 2 || View(frames[0]) != kTagDropAck) return;
  auto ack = DecodeDropAck(View(frames[1]));
  if (!ack.ok()) {
    spdlog::warn("bad drop ack from shard {}: {}", shard, ack.status().ToString());
    return;
  }
  auto it = drops_.find(ack->drop_id);
  if (it == drops_.end() || !it->second.remaining.count(shard)) return;
  PendingDrop& d = it->second;
  d.remaining.erase(shard);
  if (ack->code != StatusCode::kOk) d.error = Status(ack->code, ack->message);
  MaybeFinishDrop(ack->drop_id);
}

void Manager::AnswerWaiters(Child* store) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->store != store->name || !IsServing(*store)) {
      ++it;
      continue;
    }
    ReplyBody(
        it->envelope, it->request_id,
        EncodeJsonBody({{"name", store->name}, {"pid", store->pid}, {"created", it->created}}));
    it = waiters_.erase(it);
  }
}

void Manager::FailWaiters(const std::string& store, const Status& s) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->store != store) {
      ++it;
      continue;
    }
    ReplyStatus(it->envelope, it->request_id, s);
    it = waiters_.erase(it);
  }
}

void Manager::FailQueued(const std::string& store, const Status& s) {
  auto it = queued_.find(store);
  if (it == queued_.end()) return;
  for (auto& q : it->second) ReplyStatus(q.envelope, q.request_id, s);
  queued_.erase(it);
}

void Manager::FailInFlight(uint64_t gen, const Status& s) {
  for (auto it = inflight_.begin(); it != inflight_.end();) {
    if (it->second.store_gen != gen) {
      ++it;
      continue;
    }
    ReplyStatus(it->second.envelope, it->second.request_id, s);
    it = inflight_.erase(it);
  }
}

// ---- processes --------------------------------------------------------------

void Manager::Feed(sup::Supervisor& s, const sup::Event& event) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Execute(s, s.Handle(event, Clock::now(), uniform(rng_)));
}

void Manager::Execute(sup::Supervisor& s, const std::vector<sup::Action>& actions) {
  bool is_store = &s == &store_sup_;
  for (const sup::Action& action : actions) {
    if (auto* spawn = std::get_if<sup::Spawn>(&action)) {
      Child* child = ChildOf(s, spawn->id);
      if (child == nullptr) {
        spdlog::error("supervisor {} asked to spawn unknown child {}", s.name(), spawn->id);
        continue;
      }
      StartProcess(s, child);
    } else if (auto* sig = std::get_if<sup::Signal>(&action)) {
      if (sig->pid > 0) {
        spdlog::info("{} {} (pid {})", SignalName(sig->sig), sig->id, sig->pid);
        kill(sig->pid, sig->sig);
      }
    } else if (auto* give_up = std::get_if<sup::GiveUp>(&action)) {
      spdlog::error("{} '{}' failed: {}", s.name(), give_up->id, give_up->reason);
      if (Child* store = is_store ? registry_.FindStore(give_up->id) : nullptr) {
        Status st = Status::Unavailable(FailedMessage(*store));
        FailQueued(store->name, st);
        FailWaiters(store->name, st);
      }
    } else if (auto* escalate = std::get_if<sup::Escalate>(&action)) {
      // The root: without every shard no store can load or write. Shut the
      // tree down in order and let systemd decide (exit 125 never loops:
      // RestartPreventExitStatus=125 in the unit).
      BeginShutdown(escalate->permanent ? kExitPermanentFailure : kExitSystem,
                    s.name() + " escalated: " + escalate->reason);
    } else if (std::holds_alternative<sup::ShutdownComplete>(action)) {
      if (is_store) {
        // Stores are gone; database workers flush, sync and exit.
        shutdown_ = ShutdownPhase::kDbs;
        Feed(db_sup_, sup::ShutdownRequested{});
      } else if (&s == &db_sup_) {
        dbs_stopped_ = true;
      }
      // The gateway stops at the same time as the stores (it holds no
      // state); the tree is down once it and the database workers are.
      bool web_stopped = registry_.http() == nullptr || web_sup_.phase() == sup::Phase::kDone;
      if (dbs_stopped_ && web_stopped) shutdown_ = ShutdownPhase::kDone;
    }
  }
}

Child* Manager::ChildOf(const sup::Supervisor& s, const std::string& id) {
  if (&s == &store_sup_) return registry_.FindStore(id);
  if (&s == &web_sup_) return registry_.http();
  for (auto& c : registry_.db_workers()) {
    if (c.name == id) return &c;
  }
  return nullptr;
}

void Manager::StartProcess(sup::Supervisor& s, Child* child) {
  uint64_t gen = next_gen_++;
  SpawnSpec spec;
  if (child->kind == ChildKind::kStore) {
    spec.exe = store_exe_;
    spec.args = {"--name",      child->name,       "--gen",        std::to_string(gen),
                 "--backend",   backend_endpoint_, "--db",         db_endpoint_list_,
                 "--log-level", opts_.log_level,   "--parent-pid", std::to_string(getpid())};
    spec.parent_death_signal = SIGKILL;  // a store has nothing to flush
  } else if (child->kind == ChildKind::kHttp) {
    spec.exe = http_exe_;
    spec.args = {"--listen",
                 opts_.http_listen,
                 "--manager",
                 opts_.endpoint,
                 "--backend",
                 backend_endpoint_,
                 "--gen",
                 std::to_string(gen),
                 "--log-level",
                 opts_.log_level,
                 "--parent-pid",
                 std::to_string(getpid()),
                 "--threads",
                 std::to_string(opts_.http_threads),
                 "--upstream-timeout-ms",
                 std::to_string(opts_.http_upstream_timeout_ms)};
    spec.parent_death_signal = SIGKILL;  // stateless
  } else {
    spec.exe = db_exe_;
    spec.args = {"--shard",
                 std::to_string(child->shard),
                 "--shards",
                 std::to_string(opts_.db_workers),
                 "--dir",
                 opts_.data_dir + "/shard-" + std::to_string(child->shard),
                 "--bind",
                 db_endpoints_[child->shard],
                 "--backend",
                 backend_endpoint_,
                 "--gen",
                 std::to_string(gen),
                 "--fsync",
                 opts_.fsync_mode,
                 "--fsync-interval-ms",
                 std::to_string(opts_.fsync_interval_ms),
                 "--log-level",
                 opts_.log_level,
                 "--parent-pid",
                 std::to_string(getpid())};
    spec.parent_death_signal = SIGTERM;  // flush and sync, then exit
  }
  child->started_at = Clock::now();
  child->connected = false;
  child->missed_pings = 0;
  child->stats = nlohmann::json::object();
  auto pid = SpawnChild(spec);
  if (!pid.ok()) {
    spdlog::error("cannot start {}: {}", child->name, pid.status().ToString());
    Feed(s, sup::Exited{child->name, ExitStatus{.signaled = false, .code = kExitSystem}});
    return;
  }
  registry_.Attach(child, *pid, gen);
  spdlog::info("started {} '{}' pid {} gen {}", ChildKindName(child->kind), child->name, *pid, gen);
  Feed(s, sup::Started{child->name, *pid});
}

void Manager::ReapAll() {
  for (const ReapedChild& r : ReapChildren()) {
    Child* child = registry_.FindByPid(r.pid);
    if (child == nullptr) {
      spdlog::warn("reaped unknown pid {} ({})", r.pid, r.status.ToString());
      continue;
    }
    OnChildExit(child, r.status);
  }
}

void Manager::OnChildExit(Child* child, const ExitStatus& status) {
  bool is_store = child->kind == ChildKind::kStore;
  pid_t pid = child->pid;
  std::string name = child->name;
  registry_.Detach(child);
  child->connected = false;
  if (is_store) {
    FailInFlight(child->gen,
                 Status::Unavailable("store '" + name + "' died (" + status.ToString() +
                                     ") while handling the request; a write may or may not "
                                     "have been applied"));
  }
  sup::Supervisor& s = SupOf(*child);
  Feed(s, sup::Exited{name, status});
  const sup::ChildRecord* rec = s.Find(name);
  spdlog::log(shutdown_ == ShutdownPhase::kNone ? spdlog::level::warn : spdlog::level::info,
              "{} '{}' (pid {}) {}: {}", ChildKindName(child->kind), name, pid, status.ToString(),
              rec != nullptr ? rec->reason : "removed");
  if (is_store) ForgetStoreIfRemoved(name);
}

void Manager::OnSignals() {
  bool reap = false;
  for (int sig : DrainSignalFd(signal_fd_)) {
    switch (sig) {
      case SIGCHLD:
        reap = true;
        break;
      case SIGTERM:
      case SIGINT:
        if (shutdown_ == ShutdownPhase::kNone) {
          BeginShutdown(kExitOk, SignalName(sig));
        } else {
          spdlog::warn("second {}: killing every child now", SignalName(sig));
          Feed(store_sup_, sup::ShutdownRequested{});  // SIGKILL to every store
          if (db_sup_.phase() != sup::Phase::kShuttingDown) Feed(db_sup_, sup::ShutdownRequested{});
          Feed(db_sup_, sup::ShutdownRequested{});  // SIGKILL to every worker
          if (registry_.http() != nullptr) Feed(web_sup_, sup::ShutdownRequested{});
        }
        break;
      case SIGHUP:
        spdlog::info("SIGHUP: nothing to reload");
        break;
      default:
        break;
    }
  }
  if (reap) ReapAll();
}

// ---- timers -----------------------------------------------------------------

void Manager::Heartbeat(SteadyTime now) {
  auto check = [&](Child& c, sup::Supervisor& s) {
    const sup::ChildRecord* rec = s.Find(c.name);
    if (c.pid == 0 || rec == nullptr) return;
    if (rec->state == sup::ChildState::kStarting) {
      // Opening a shard or loading a big store may block a child's loop for a
      // while, so starting children get a readiness deadline, not heartbeats.
      if (MillisSince(c.started_at, now) > opts_.start_timeout_ms) {
        spdlog::error("{} (pid {}) not ready within {} ms", c.name, c.pid, opts_.start_timeout_ms);
        c.started_at = now;
        Feed(s, sup::HeartbeatMissed{c.name});
      } else if (c.connected) {
        // Not counted, but keeps a loading store from deciding the manager is gone.
        SendControl(c, {{"type", "ping"}, {"seq", ping_seq_}});
      }
      return;
    }
    if (rec->state != sup::ChildState::kRunning) return;
    if (c.missed_pings >= opts_.max_missed_pings) {
      spdlog::error("{} (pid {}) missed {} heartbeats: hung", c.name, c.pid, c.missed_pings);
      c.missed_pings = 0;
      Feed(s, sup::HeartbeatMissed{c.name});
      return;
    }
    ++c.missed_pings;
    SendControl(c, {{"type", "ping"}, {"seq", ping_seq_}});
  };
  ++ping_seq_;
  for (auto& c : registry_.db_workers()) check(c, db_sup_);
  for (auto& [name, c] : registry_.stores()) check(c, store_sup_);
  if (Child* http = registry_.http()) check(*http, web_sup_);
}

void Manager::OnTick(SteadyTime now) {
  ReapAll();  // signals coalesce; sweep on every tick too
  for (sup::Supervisor* s : {&db_sup_, &store_sup_, &web_sup_}) {
    if (now >= s->NextDeadline()) Feed(*s, sup::Tick{});  // backoffs due, kill deadlines
  }
  for (auto it = queued_.begin(); it != queued_.end();) {
    auto& q = it->second;
    while (!q.empty() && q.front().deadline <= now) {
      ReplyStatus(q.front().envelope, q.front().request_id,
                  Status::Unavailable("store '" + it->first + "' did not become ready within " +
                                      std::to_string(opts_.request_wait_ms) + " ms"));
      q.pop_front();
    }
    it = q.empty() ? queued_.erase(it) : std::next(it);
  }
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->deadline > now) {
      ++it;
      continue;
    }
    ReplyStatus(it->envelope, it->request_id,
                Status::Timeout("store '" + it->store + "' is not serving yet"));
    it = waiters_.erase(it);
  }
  for (auto it = drops_.begin(); it != drops_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    ReplyStatus(it->second.envelope, it->second.request_id,
                Status::Timeout("drop of '" + it->second.store +
                                "' not confirmed by every database worker"));
    dropping_.erase(it->second.store);
    it = drops_.erase(it);
  }
  if (shutdown_ == ShutdownPhase::kNone && now >= next_ping_) {
    next_ping_ = now + milliseconds(opts_.ping_interval_ms);
    Heartbeat(now);
  }
}

bool Manager::AllDbsRunning() const {
  for (const auto& c : registry_.db_workers()) {
    if (!IsServing(c)) return false;
  }
  return true;
}

void Manager::MaybeNotifyReady() {
  if (notified_ready_ || !AllDbsRunning()) return;
  if (const Child* http = registry_.http(); http != nullptr && !IsServing(*http)) return;
  size_t loading = 0;
  for (const auto& [name, c] : registry_.stores()) {
    const sup::ChildRecord* rec = RecordOf(c);
    if (rec != nullptr && rec->state == sup::ChildState::kStarting) ++loading;
  }
  if (loading > 0) {
    sd_notifyf(0, "STATUS=loading %zu stores\nEXTEND_TIMEOUT_USEC=%d", loading, 30000000);
    return;
  }
  notified_ready_ = true;
  spdlog::info("ready: {} database workers, {} stores, listening on {}", opts_.db_workers,
               registry_.stores().size(), opts_.endpoint);
  sd_notifyf(0, "READY=1\nSTATUS=serving %zu stores", registry_.stores().size());
}

void Manager::BeginShutdown(int exit_code, const std::string& why) {
  if (shutdown_ != ShutdownPhase::kNone) return;
  spdlog::info("shutting down ({}): stopping stores, then database workers", why);
  sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
  exit_code_ = exit_code;
  shutdown_ = ShutdownPhase::kStores;
  Status s = Status::Unavailable("forkv-manager is shutting down");
  for (auto& [name, q] : queued_) {
    for (auto& item : q) ReplyStatus(item.envelope, item.request_id, s);
  }
  queued_.clear();
  for (auto& w : waiters_) ReplyStatus(w.envelope, w.request_id, s);
  waiters_.clear();
  for (auto& [id, d] : drops_) ReplyStatus(d.envelope, d.request_id, s);
  drops_.clear();
  dropping_.clear();
  // In-flight requests are still answered: a store finishes its pending
  // writes on SIGTERM before it exits.
  if (registry_.http() != nullptr) Feed(web_sup_, sup::ShutdownRequested{});
  Feed(store_sup_, sup::ShutdownRequested{});
}

int Manager::Run() {
  for (const auto& c : registry_.db_workers()) {
    (void)db_sup_.AddChild({.id = c.name,
                            .restart = RestartType::kPermanent,
                            .shutdown_timeout = milliseconds(opts_.shutdown_timeout_ms * 2)});
  }
  for (const auto& name : catalogue_) {
    registry_.GetOrCreateStore(name);
    (void)store_sup_.AddChild({.id = name,
                               .restart = RestartType::kPermanent,
                               .shutdown_timeout = milliseconds(opts_.shutdown_timeout_ms)});
  }
  if (const Child* http = registry_.http()) {
    (void)web_sup_.AddChild({.id = http->name,
                             .restart = RestartType::kPermanent,
                             .shutdown_timeout = milliseconds(opts_.shutdown_timeout_ms)});
  }
  Execute(db_sup_, db_sup_.Start());
  Execute(store_sup_, store_sup_.Start());
  Execute(web_sup_, web_sup_.Start());
  spdlog::info("forkv-manager {} on {} (data {}, {} database workers, fsync {}), {} stores",
               kVersion, opts_.endpoint, opts_.data_dir, opts_.db_workers, opts_.fsync_mode,
               catalogue_.size());
  Frames frames;
  while (shutdown_ != ShutdownPhase::kDone) {
    std::vector<zmq::pollitem_t> items;
    items.push_back({nullptr, signal_fd_, ZMQ_POLLIN, 0});
    items.push_back({frontend_.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({backend_.handle(), 0, ZMQ_POLLIN, 0});
    for (auto& s : db_admin_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    // Wake for the nearest supervisor timer (a 10 ms backoff must not wait
    // for the 50 ms tick), at most every 50 ms for heartbeats and deadlines.
    SteadyTime wake = std::min({db_sup_.NextDeadline(), store_sup_.NextDeadline(),
                                web_sup_.NextDeadline(), Clock::now() + milliseconds(50)});
    auto timeout = std::chrono::duration_cast<milliseconds>(wake - Clock::now()) + milliseconds(1);
    try {
      zmq::poll(items, std::max(timeout, milliseconds(0)));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[0].revents & ZMQ_POLLIN) OnSignals();
    // Only sockets poll reported readable are read (an empty read costs
    // ZeroMQ syscalls); what a budget leaves behind is reported again by
    // the next poll, which checks each socket's pending messages first.
    // Backend first: replies and readiness free up work for the frontend.
    if (items[2].revents & ZMQ_POLLIN) {
      for (int budget = 0; budget < 4096; ++budget) {
        auto got = RecvFrames(backend_, &frames);
        if (!got.ok() || !*got) break;
        OnBackend(frames);
      }
    }
    for (uint32_t i = 0; i < db_admin_.size(); ++i) {
      if (!(items[3 + i].revents & ZMQ_POLLIN)) continue;
      for (int budget = 0; budget < 256; ++budget) {
        auto got = RecvFrames(db_admin_[i], &frames);
        if (!got.ok() || !*got) break;
        OnDbAdmin(i, frames);
      }
    }
    if (items[1].revents & ZMQ_POLLIN) {
      for (int budget = 0; budget < 4096; ++budget) {
        auto got = RecvFrames(frontend_, &frames);
        if (!got.ok() || !*got) break;
        OnFrontend(frames);
      }
    }
    SteadyTime now = Clock::now();
    OnTick(now);
    if (watchdog_usec_ != 0 && now >= next_watchdog_) {
      sd_notify(0, "WATCHDOG=1");
      next_watchdog_ = now + std::chrono::microseconds(watchdog_usec_ / 2);
    }
  }
  spdlog::info("forkv-manager stopped (exit {})", exit_code_);
  return exit_code_;
}

}  // namespace

int RunManager(const ManagerOptions& options) {
  // Block before the ZeroMQ context exists so its threads inherit the mask.
  auto sigfd = BlockSignalsToFd({SIGCHLD, SIGTERM, SIGINT, SIGHUP});
  signal(SIGPIPE, SIG_IGN);
  if (!sigfd.ok()) {
    spdlog::critical("{}", sigfd.status().ToString());
    return kExitSystem;
  }
  const char* notify = std::getenv("NOTIFY_SOCKET");
  if (notify != nullptr && *notify != '\0' && sd_notify(0, "STATUS=starting") <= 0) {
    spdlog::error("NOTIFY_SOCKET={} is set but unusable: systemd will not see READY=1", notify);
  }
  int code;
  {
    Manager manager(options, *sigfd);
    if (Status s = manager.Init(); !s.ok()) {
      spdlog::critical("cannot start: {}", s.ToString());
      return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kMalformed
                 ? kExitPermanentFailure
                 : kExitSystem;
    }
    code = manager.Run();
  }
  close(*sigfd);
  return code;
}

}  // namespace forkv
