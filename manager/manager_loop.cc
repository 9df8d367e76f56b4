// The manager's event loop: it polls, reads frames, feeds the machines and
// executes what they return. Every decision lives in a pure module (see
// manager_loop.h); this file owns the sockets, the processes and the bytes
// of pending client requests (parked under the router's handles).
//
// Child exit cases (OnChildExit, then the supervisor decides):
//   - store, crash or unexpected exit: in-flight requests get `unavailable`
//     (outcome unknown for writes), then restart after backoff, or `failed`
//     when the restart intensity is exceeded (other stores keep serving);
//   - store we stopped (drop, shutdown, `forkv restart`): no restart, except
//     that `restart` spawns it again at once; a dropped store is Removed;
//   - database worker crash: restart after backoff; when it is ready again
//     every store is told (db_up) and resends its unacknowledged writes;
//   - database worker gives up: escalate (the root shuts the tree down in
//     order and the manager exits 111, or 125, for systemd);
//   - unknown pid: logged and forgotten.
#include "manager/manager_loop.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "manager/accept_guard.h"
#include "manager/manager.h"
#include "shared/codec.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/signals.h"

namespace forkv {

// ---- children -----------------------------------------------------------------

void Manager::SendControl(const Child& child, const ControlMessage& msg) {
  std::string body = EncodeControlMessage(msg);
  if (Status s = SendFrames(backend_, {child.routing_id, kTagControl, body}); !s.ok()) {
    spdlog::debug("control to {} not sent: {}", child.name, s.ToString());
  }
}

void Manager::OnBackend(Frames& frames) {
  if (frames.size() < 2) return;
  Child* child = table_.FindByRoutingId(View(frames[0]));
  const uint64_t gen = child != nullptr ? child->gen : 0;
  std::string_view kind = View(frames[1]);
  if (kind == kTagReply && frames.size() == 4) {
    auto tag = DecodeTag(View(frames[2]));
    if (!tag.ok()) return;
    if (!router_.TakeReply(*tag, gen)) {
      // Unknown: already failed (the store died meanwhile). Known: not its sender.
      if (parked_.count(*tag)) {
        spdlog::warn("dropping a reply from {} for a request it was not sent", View(frames[0]));
      }
      return;
    }
    CompleteFromStore(*tag, View(frames[3]));
    // Room in the store's byte budget: what waited for it goes now.
    if (child != nullptr && child->kind == ChildRole::kStore) {
      ForwardQueued(*child, router_.Pump(child->name));
    }
    return;
  }
  if (kind == kTagControl && frames.size() == 3) {
    const sup::ChildRecord* rec = child ? SupervisorOf(child->kind).Find(child->name) : nullptr;
    if (rec == nullptr || rec->pid == 0) {
      spdlog::debug("control message from a stale incarnation {}", View(frames[0]));
      return;
    }
    auto msg = DecodeControlMessage(View(frames[2]));
    if (!msg.ok()) {
      spdlog::warn("bad control message from {}: {}", child->name, msg.status().ToString());
      return;
    }
    OnControl(child, *msg);
    return;
  }
  spdlog::warn("dropping malformed backend message ({} frames)", frames.size());
}

void Manager::OnControl(Child* child, const ControlMessage& msg) {
  sup::Supervisor& s = SupervisorOf(child->kind);
  const sup::ChildRecord* before = s.Find(child->name);
  const bool first_word = before != nullptr && !before->heard;
  Feed(s, sup::Heard{child->name});
  if (first_word && child->kind == ChildRole::kStore) {
    // A database worker that became ready after this store was spawned
    // sent its db_up before the store was heard: the store's load request
    // may have gone to the previous incarnation, or to a socket not yet
    // bound. Tell it now (it resends the load).
    for (uint32_t shard = 0; shard < db_ready_mark_.size(); ++shard) {
      if (db_ready_mark_[shard] > child->gen) SendControl(*child, DbUpMsg{shard});
    }
  }
  if (const auto* ready = std::get_if<ReadyMsg>(&msg)) {
    if (child->kind == ChildRole::kStore && unflushed_creates_.count(child->name) != 0) {
      held_ready_[child->name] = HeldReady{child->gen, *ready};  // FlushCatalogue replays it
      return;
    }
    if (child->kind == ChildRole::kStore && HoldRenamedReady(child, *ready)) return;
    child->stats = ready->stats;
    if (child->kind == ChildRole::kStore) child->tcp_endpoint = ready->tcp;
    Feed(s, sup::Ready{child->name});
    const sup::ChildRecord* rec = s.Find(child->name);
    if (rec != nullptr && rec->state == sup::ChildState::kRunning) {
      // Idle until it says otherwise (or a request is forwarded to it).
      if (child->kind == ChildRole::kStore) idle_.MarkIdle(child->name, SteadyClock::now());
      OnChildServing(child);
    }
  } else if (const auto* pong = std::get_if<PongMsg>(&msg)) {
    if (child->kind == ChildRole::kStore) {
      TakeStoreStats(child, pong->stats);
    } else {
      child->stats = pong->stats;
    }
  } else if (const auto* activity = std::get_if<ActivityMsg>(&msg)) {
    if (child->kind != ChildRole::kStore) return;
    if (!activity->stats.empty()) TakeStoreStats(child, activity->stats);
    Feed(s, sup::Activity{child->name, activity->busy});
    const sup::ChildRecord* rec = s.Find(child->name);
    if (activity->busy || rec == nullptr || rec->state != sup::ChildState::kRunning) {
      idle_.Remove(child->name);
    } else {
      idle_.MarkIdle(child->name, SteadyClock::now());
    }
  } else if (!std::holds_alternative<HelloMsg>(msg)) {
    spdlog::warn("unexpected control message '{}' from {}", ControlTypeName(msg), child->name);
  }
}

void Manager::OnChildServing(Child* child) {
  const sup::ChildRecord* rec = SupervisorOf(child->kind).Find(child->name);
  spdlog::info("{} '{}' ready (pid {}, gen {})", ChildRoleName(child->kind), child->name, rec->pid,
               child->gen);
  if (child->kind == ChildRole::kDb) {
    db_ready_mark_.at(child->shard) = next_gen_;  // above every gen spawned before now
    OnShardChecked(child->shard);
    // Once every worker listens (its spares connect to them at once; a
    // store spawned before starts it, in Spawn). From the main thread:
    // death signals follow it.
    if (std::all_of(table_.dbs().begin(), table_.dbs().end(), [&](const Child& db) {
          const sup::ChildRecord* r = db_sup_.Find(db.name);
          return r != nullptr && r->state == sup::ChildState::kRunning;
        })) {
      spawner_.Start(SteadyClock::now());
    }
    // Stores resend what the previous incarnation never acknowledged.
    for (const auto& [name, store] : table_.stores()) {
      const sup::ChildRecord* r = store_sup_.Find(name);
      if (r != nullptr && r->heard) SendControl(store, DbUpMsg{child->shard});
    }
    for (const ShardDrop& d : drops_.OnShardUp(child->shard)) SendDrop(d);
    ResendRenameSyncs(child->shard);
    ApplyBackup(backup_.OnShardRestarted(child->shard));
  } else if (child->kind == ChildRole::kStore) {
    spawner_.Settled();
    ServingResult r = router_.OnServing(child->name);
    ForwardQueued(*child, r.forward);
    for (const Answer& a : r.answers) {
      Complete(
          a.handle,
          EncodeReply({.id = a.request_id, .body = ServingBody(child->name, a.created, a.locate)}),
          StatusCode::kOk);
    }
  }
  MaybeNotifyReady();
}

void Manager::ReapAll() {
  for (const ReapedChild& r : ReapChildren()) {
    if (spawner_.OnExit(r.pid, r.status, SteadyClock::now())) continue;
    Child* child = table_.FindByPid(r.pid);
    if (child == nullptr) {
      // A spare of the spawn server that was never used exits cleanly when
      // the server goes (its stores are the manager's children, so are
      // its spares).
      spdlog::log(r.status.IsCleanExit() ? spdlog::level::debug : spdlog::level::warn,
                  "reaped unknown pid {} ({})", r.pid, r.status.ToString());
      continue;
    }
    OnChildExit(child, r.pid, r.status);
  }
}

void Manager::TakeStoreStats(Child* child, nlohmann::json stats) {
  if (auto it = stats.find("requests"); it != stats.end()) {
    auto delta = OpMetrics::FromJson(*it);
    if (delta.ok()) {
      requests_.Merge(*delta);
    } else {
      spdlog::warn("store '{}': bad request figures: {}", child->name, delta.status().ToString());
    }
    stats.erase(it);
  }
  child->stats = std::move(stats);
}

void Manager::OnChildExit(Child* child, pid_t pid, const ExitStatus& status) {
  table_.Detach(pid);
  const std::string name = child->name;  // `child` may be removed by the Feed below
  const ChildRole kind = child->kind;
  if (kind == ChildRole::kStore) {
    // A store killed (-9) leaves its socket file: remove it, so a client
    // holding the endpoint fails its connect at once (ENOENT) and locates
    // the successor. The path is this incarnation's alone.
    if (std::string path = IpcPath(StoreEndpoint(layout_, child->gen)); !path.empty()) {
      (void)unlink(path.c_str());
    }
    child->tcp_endpoint.clear();
    idle_.Remove(name);
    CompleteAll(router_.FailInFlight(
        child->gen, Status::Unavailable("store '" + name + "' died (" + status.ToString() +
                                        ") while handling the request; a write may or may "
                                        "not have been applied")));
  }
  sup::Supervisor& s = SupervisorOf(kind);
  Feed(s, sup::Exited{name, status});
  const sup::ChildRecord* rec = s.Find(name);
  // A crash, an abort or a failure exit is an error, during shutdown too;
  // a clean exit, or the shutdown's own SIGTERM or SIGKILL (a child still
  // starting has not blocked SIGTERM yet), is not.
  bool expected = status.IsCleanExit() || (!root_.running() && status.signaled &&
                                           (status.signal == SIGKILL || status.signal == SIGTERM));
  spdlog::log(expected ? spdlog::level::info : spdlog::level::err, "{} '{}' (pid {}) {}: {}",
              ChildRoleName(kind), name, pid, status.ToString(),
              rec != nullptr ? rec->reason : "removed");
}

void Manager::OnSignals() {
  bool reap = false;
  for (int sig : DrainSignalFd(signal_fd_)) {
    if (sig == SIGCHLD) {
      reap = true;
    } else if (sig == SIGTERM || sig == SIGINT) {
      if (!root_.running()) spdlog::warn("second {}: killing every child now", SignalName(sig));
      FeedRoot(root::Term{SignalName(sig)});
    } else {
      // SIGHUP and the signals whose default would kill the manager (and,
      // through PR_SET_PDEATHSIG, its tree): noted, nothing else.
      spdlog::info("{} received: ignored (nothing to reload)", SignalName(sig));
    }
  }
  if (reap) ReapAll();
}

// ---- the machines ---------------------------------------------------------------

sup::Supervisor& Manager::SupervisorOf(ChildRole kind) {
  switch (kind) {
    case ChildRole::kStore:
      return store_sup_;
    case ChildRole::kHttp:
      return web_sup_;
    case ChildRole::kDb:
      break;
  }
  return db_sup_;
}

sup::Supervisor& Manager::SupervisorOf(Group g) {
  switch (g) {
    case Group::kStores:
      return store_sup_;
    case Group::kWeb:
      return web_sup_;
    case Group::kDbs:
      break;
  }
  return db_sup_;
}

Child* Manager::ChildOf(const sup::Supervisor& s, const std::string& id) {
  if (&s == &store_sup_) return table_.FindStore(id);
  if (&s == &web_sup_) return table_.http();
  for (Child& c : table_.dbs()) {
    if (c.name == id) return &c;
  }
  return nullptr;
}

void Manager::Feed(sup::Supervisor& s, const sup::Event& event) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Execute(s, s.Handle(event, SteadyClock::now(), uniform(rng_)));
}

void Manager::Execute(sup::Supervisor& s, const std::vector<sup::Action>& actions) {
  for (const sup::Action& action : actions) {
    if (const auto* spawn = std::get_if<sup::Spawn>(&action)) {
      // Paced: a fork+exec takes milliseconds, and a thousand of them in one
      // pass would starve heartbeats, replies and reaping (SpawnSome).
      spawn_queue_.push_back({&s, spawn->id});
    } else if (const auto* sig = std::get_if<sup::Signal>(&action)) {
      if (sig->pid <= 0) continue;
      spdlog::log(sig->why.empty() ? spdlog::level::info : spdlog::level::err, "{} {} (pid {}){}",
                  SignalName(sig->sig), sig->id, sig->pid, sig->why.empty() ? "" : ": " + sig->why);
      kill(sig->pid, sig->sig);
    } else if (const auto* ping = std::get_if<sup::Ping>(&action)) {
      if (const Child* child = ChildOf(s, ping->id)) SendControl(*child, PingMsg{ping->seq});
    } else if (const auto* give_up = std::get_if<sup::GiveUp>(&action)) {
      spdlog::error("{} '{}' failed: {}", s.name(), give_up->id, give_up->reason);
      if (&s == &store_sup_) {
        Status st = Status::Failed(FailedMessage(give_up->id, s.Find(give_up->id)));
        CompleteAll(router_.FailStore(give_up->id, st));
        OnRenameCopyFailed(give_up->id);
      }
    } else if (const auto* escalate = std::get_if<sup::Escalate>(&action)) {
      // Without every shard no store can load or write. Exit 125 never
      // loops (RestartPreventExitStatus=125 in the unit).
      FeedRoot(root::Escalate{escalate->permanent ? kExitPermanentFailure : kExitSystem,
                              s.name() + " escalated: " + escalate->reason});
    } else if (const auto* hibernate = std::get_if<sup::Hibernate>(&action)) {
      if (const Child* child = ChildOf(s, hibernate->id)) {
        SendControl(*child, HibernateMsg{child->gen});
      }
    } else if (const auto* removed = std::get_if<sup::Removed>(&action)) {
      OnStoreRemoved(removed->id, removed->hibernated);
    } else if (std::holds_alternative<sup::ShutdownComplete>(action)) {
      Group g = &s == &store_sup_ ? Group::kStores : &s == &web_sup_ ? Group::kWeb : Group::kDbs;
      FeedRoot(root::GroupDone{g});
    }
  }
}

void Manager::FeedRoot(const root::Event& event) {
  for (const root::Action& action : root_.Handle(event)) {
    if (const auto* stop = std::get_if<root::NotifyStopping>(&action)) {
      spdlog::info("shutting down ({}): stopping stores, then database workers", stop->why);
      sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
      // In-flight requests are still answered: a store finishes its pending
      // writes on SIGTERM before it exits.
      Status s = Status::Unavailable("forkv-manager is shutting down");
      CompleteAll(router_.FailAllPending(s));
      for (const DropDone& d : drops_.FailAll(s)) Complete(d.id, d.request_id, s);
      FailRenameClients(s);  // the rename goes on at the next start
      ApplyBackup(backup_.Abort(s));
    } else if (const auto* shutdown = std::get_if<root::ShutdownGroup>(&action)) {
      Feed(SupervisorOf(shutdown->group), sup::ShutdownRequested{});
    } else if (const auto* kill_group = std::get_if<root::KillGroup>(&action)) {
      Feed(SupervisorOf(kill_group->group), sup::KillRequested{});
    }
  }
}

void Manager::ReportRefusedConnections() {
  uint64_t refused = RefusedConnections();
  if (refused == refused_reported_) return;
  SteadyTime now = SteadyClock::now();
  if (now < next_refused_report_) return;
  spdlog::warn(
      "refused {} connections at the file descriptor limit (ulimit -n; see "
      "docs/architecture.md)",
      refused - refused_reported_);
  refused_reported_ = refused;
  next_refused_report_ = now + Millis(10000);
}

void Manager::SpawnSome() {
  for (size_t n = 0; n < kSpawnsPerPass && !spawn_queue_.empty(); ++n) {
    QueuedSpawn next = std::move(spawn_queue_.front());
    spawn_queue_.pop_front();
    if (Child* child = ChildOf(*next.supervisor, next.id)) {
      StartProcess(*next.supervisor, child);
    } else {
      spdlog::debug("{} '{}' is gone: not spawned", next.supervisor->name(), next.id);
    }
  }
  // Group commit: this pass's catalogue records in one write + fdatasync,
  // while the new stores start (they serve once it is durable).
  SteadyTime now = SteadyClock::now();
  if (catalogue_log_.dirty() && now >= catalogue_retry_at_) FlushCatalogue(now);
}

void Manager::StartProcess(sup::Supervisor& s, Child* child) {
  uint64_t gen = next_gen_++;
  SpawnSpec spec =
      child->kind == ChildRole::kStore
          ? StoreSpawnSpec(opts_, layout_, child->name, gen, CopySourceOf(child->name),
                           std::exchange(child->fresh, false))
      : child->kind == ChildRole::kHttp
          ? HttpSpawnSpec(opts_, layout_, gen)
          : DbSpawnSpec(opts_, layout_, child->shard, gen, create_shard_.at(child->shard));
  child->stats = nlohmann::json::object();
  child->tcp_endpoint.clear();
  auto pid = child->kind == ChildRole::kStore ? spawner_.Spawn(spec, SteadyClock::now())
                                              : SpawnChild(spec);
  if (!pid.ok()) {
    spdlog::error("cannot start {}: {}", child->name, pid.status().ToString());
    Feed(s, sup::Exited{child->name, ExitStatus{.signaled = false, .code = kExitSystem}});
    return;
  }
  table_.Attach(child, *pid, gen);
  spdlog::info("started {} '{}' pid {} gen {}", ChildRoleName(child->kind), child->name, *pid, gen);
  Feed(s, sup::Started{child->name, *pid});
}

void Manager::MaybeNotifyReady() {
  if (notified_ready_) return;
  Readiness r = CheckReadiness(Tree());
  if (r.loading > 0) {
    sd_notifyf(0, "STATUS=loading %zu stores\nEXTEND_TIMEOUT_USEC=%d", r.loading, 30000000);
  }
  if (!r.ready) return;
  notified_ready_ = true;
  spdlog::info("ready: {} database workers, {} stores ({} live), listening on {}", opts_.db_workers,
               catalogue_.size(), table_.stores().size(), opts_.endpoint);
  sd_notifyf(0, "READY=1\nSTATUS=serving %zu stores", catalogue_.size());
}

SteadyTime Manager::NextWake() const {
  return std::min({db_sup_.NextDeadline(), store_sup_.NextDeadline(), web_sup_.NextDeadline(),
                   router_.NextDeadline(), drops_.NextDeadline(), backup_.NextDeadline(),
                   next_watchdog_, idle_.NextExpiry(Millis(opts_.idle_timeout_ms)),
                   catalogue_log_.dirty() ? catalogue_retry_at_ : SteadyTime::max()});
}

void Manager::OnTimers(SteadyTime now) {
  for (sup::Supervisor* s : {&db_sup_, &store_sup_, &web_sup_}) {
    if (now >= s->NextDeadline()) Feed(*s, sup::Tick{});
  }
  CompleteAll(router_.Expire(now));
  for (const DropDone& d : drops_.Expire(now)) FinishDrop(d);
  ApplyBackup(backup_.Expire(now));
  // Idle past --idle-timeout: hibernate, oldest first, a bounded number per
  // pass (the rest are due at once: the next poll does not wait).
  for (int n = 0; n < 256 && now >= idle_.NextExpiry(Millis(opts_.idle_timeout_ms)); ++n) {
    Hibernate(idle_.Oldest()->store, "idle");
  }
  if (now >= next_watchdog_) {
    sd_notify(0, "WATCHDOG=1");
    next_watchdog_ = now + std::chrono::microseconds(watchdog_usec_ / 2);
  }
}

int Manager::Run() {
  SteadyTime now = SteadyClock::now();
  for (const Child& c : table_.dbs()) {
    (void)db_sup_.AddChild({.id = c.name,
                            .restart = RestartType::kPermanent,
                            .shutdown_timeout = Millis(opts_.shutdown_timeout_ms * 2)});
  }
  if (opts_.preload) {
    // The eager start: every store warm before READY (up to the live cap).
    for (const std::string& name : catalogue_) {
      if (table_.stores().size() >= opts_.max_live_stores) break;
      if (renames_.Involving(name) != nullptr) continue;  // its copy starts below
      table_.AddStore(name);
      (void)store_sup_.AddChild({.id = name,
                                 .restart = RestartType::kPermanent,
                                 .shutdown_timeout = Millis(opts_.shutdown_timeout_ms)});
    }
  }
  if (const Child* http = table_.http()) {
    (void)web_sup_.AddChild({.id = http->name,
                             .restart = RestartType::kPermanent,
                             .shutdown_timeout = Millis(opts_.shutdown_timeout_ms)});
  }
  Execute(db_sup_, db_sup_.Start(now));
  Execute(store_sup_, store_sup_.Start(now));
  for (auto& [from, r] : renames_.all()) MaybeStartCopy(r);  // resumed (ResumeRenames)
  Execute(web_sup_, web_sup_.Start(now));
  spdlog::info("forkv-manager {} on {} (data {}, {} database workers, fsync {}), {} stores{}",
               kManagerVersion, opts_.endpoint, opts_.data_dir, opts_.db_workers, opts_.fsync_mode,
               catalogue_.size(), opts_.preload ? " (preloading)" : "");
  Frames frames;
  auto drain = [&](zmq::socket_t& socket, int budget, auto&& handle) {
    // What a budget leaves behind is reported again by the next poll.
    for (int i = 0; i < budget; ++i) {
      auto got = RecvFrames(socket, &frames);
      if (!got.ok() || !*got) break;
      handle(frames);
    }
  };
  while (!root_.done()) {
    std::vector<zmq::pollitem_t> items = {{nullptr, signal_fd_, ZMQ_POLLIN, 0},
                                          {frontend_.handle(), 0, ZMQ_POLLIN, 0},
                                          {backend_.handle(), 0, ZMQ_POLLIN, 0}};
    for (auto& s : db_admin_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    // Wake for the earliest deadline of any machine; nothing else.
    SteadyTime wake = spawn_queue_.empty() ? NextWake() : SteadyClock::now();
    Millis timeout(-1);
    if (wake != SteadyTime::max()) {
      timeout = Millis(std::max<int64_t>(0, MillisBetween(SteadyClock::now(), wake) + 1));
    }
    int ready = 0;
    try {
      ready = zmq::poll(items, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    const SteadyTime pass_start = SteadyClock::now();
    if (items[0].revents & ZMQ_POLLIN) OnSignals();
    if (ready == 0) ReapAll();  // signals coalesce: sweep on timeouts too
    // Only sockets poll reported readable are read (an empty read costs
    // ZeroMQ syscalls). Backend first: replies and readiness free up work
    // for the frontend.
    if (items[2].revents & ZMQ_POLLIN) drain(backend_, 4096, [&](Frames& f) { OnBackend(f); });
    for (uint32_t i = 0; i < db_admin_.size(); ++i) {
      if (items[3 + i].revents & ZMQ_POLLIN) {
        drain(db_admin_[i], 256, [&](Frames& f) { OnDbAdmin(i, f); });
      }
    }
    if (items[1].revents & ZMQ_POLLIN) drain(frontend_, 4096, [&](Frames& f) { OnFrontend(f); });
    OnTimers(SteadyClock::now());
    SpawnSome();
    ReportRefusedConnections();
    // Nothing in a pass may take long: heartbeats, replies and reaping wait
    // for it (Redis's latency monitor idea). A long pass is a bug to report.
    if (int64_t took = MillisBetween(pass_start, SteadyClock::now()); took >= kSlowPassMs) {
      spdlog::warn("event loop pass took {} ms ({} spawns still queued)", took,
                   spawn_queue_.size());
    }
  }
  spawner_.Stop(std::chrono::milliseconds(2000));
  spdlog::info("forkv-manager stopped (exit {})", root_.exit_code());
  return root_.exit_code();
}

int RunManager(const ManagerOptions& options) {
  // Block before the ZeroMQ context exists so its threads inherit the mask.
  // Besides the ones it acts on, every signal whose default action is to
  // terminate: a stray `kill -USR1` must not take the tree down.
  std::vector<int> signals = {SIGCHLD, SIGTERM,   SIGINT,  SIGHUP, SIGUSR1, SIGUSR2,
                              SIGALRM, SIGVTALRM, SIGPROF, SIGIO,  SIGPWR,  SIGSTKFLT};
  for (int rt = SIGRTMIN; rt <= SIGRTMAX; ++rt) signals.push_back(rt);
  auto sigfd = BlockSignalsToFd(signals);
  signal(SIGPIPE, SIG_IGN);
  ReturnLargeAllocations();
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
