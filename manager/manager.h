// The manager process's one object: its sockets, its machines and the bytes
// of pending client requests. Internal to manager/; the entry point is
// RunManager() (manager_loop.h). Its methods are split by concern:
//   manager_init.cc     Init(): options, data dir (LOCK, manager/data_dir.h),
//                       internal endpoints, sockets
//   client_requests.cc  the frontend: decode, validate, dispatch to the
//                       router, drops, kills; parked requests and replies
//   manager_loop.cc     Run(): poll, read, feed the machines, execute their
//                       actions (spawn, signal, ping, reap), timers
// Thread-safety: none; one thread owns it.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "manager/backup_coordinator.h"
#include "manager/child_table.h"
#include "manager/drop_coordinator.h"
#include "manager/idle_stores.h"
#include "manager/manager_options.h"
#include "manager/rename_table.h"
#include "manager/request_router.h"
#include "manager/root_machine.h"
#include "manager/spawn_specs.h"
#include "manager/status_view.h"
#include "manager/store_spawner.h"
#include "manager/supervisor.h"
#include "shared/catalogue_log.h"
#include "shared/codec.h"
#include "shared/control.h"
#include "shared/ipc_claim.h"
#include "shared/signals.h"
#include "shared/zsock.h"

namespace forkv {

inline constexpr size_t kMaxEnvelopeFrames = 4;
inline constexpr size_t kMaxEnvelopeBytes = 1024;
inline constexpr Millis kDropTimeout{30000};
// A backup: how long a worker stays held at most, and the whole backup.
inline constexpr Millis kBackupHold{30000};
inline constexpr Millis kBackupTimeout{60000};
inline constexpr size_t kSpawnsPerPass = 8;
inline constexpr int64_t kSlowPassMs = 1000;  // a longer loop pass is logged

// A client's address: every frame before the payload (ROUTER identity, plus
// the empty delimiter when the client is a REQ socket).
using Envelope = Frames;

// The bytes of a request the router holds: where to answer, and the
// payload until it is forwarded.
// What it asked and since when, for the request metrics when the manager
// answers it.
struct Parked {
  Envelope envelope;
  zmq::message_t payload;
  Op op = Op::kPing;
  SteadyTime since{};
};

// Stores are pinged only while busy (on demand): 10,000 idle stores cost no
// message at all. Database workers and the gateway are pinged every round.
inline sup::HeartbeatPolicy HeartbeatOf(const ManagerOptions& o, bool on_demand = false) {
  return {.ping_interval = Millis(o.ping_interval_ms),
          .max_missed = o.max_missed_pings,
          .start_timeout = Millis(o.start_timeout_ms),
          .on_demand = on_demand};
}

class Manager {
 public:
  Manager(const ManagerOptions& opts, int signal_fd)
      : opts_(opts),
        signal_fd_(signal_fd),
        table_(opts.db_workers, !opts.http_listen.empty()),
        db_sup_("db_pool", sup::Strategy::kOneForOne, opts.db_policy, false, HeartbeatOf(opts)),
        store_sup_("stores", sup::Strategy::kOneForOne, opts.store_policy, true,
                   HeartbeatOf(opts, /*on_demand=*/true)),
        web_sup_("web", sup::Strategy::kOneForOne, opts.http_policy, false, HeartbeatOf(opts)),
        root_(!opts.http_listen.empty()),
        router_({.max_queued_per_store = opts.max_queued_per_store,
                 .max_inflight_bytes = opts.max_store_inflight_bytes,
                 .max_queued_bytes = opts.max_store_queued_bytes,
                 .max_client_bytes = opts.max_client_pending_bytes,
                 .max_total_bytes = opts.max_pending_bytes,
                 .request_wait = Millis(opts.request_wait_ms)}),
        drops_(opts.db_workers, kDropTimeout),
        backup_(opts.db_workers, kBackupHold, kBackupTimeout) {}
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;
  ~Manager();

  Status Init();
  int Run();

 private:
  // Checks the data directory and reads the catalogue (manager/data_dir.h).
  Status OpenDataDir();
  void RemoveSocketsOfDeadManagers(const std::string& run_dir);
  // Clients.
  void OnFrontend(Frames& frames);
  void OnClientRequest(Envelope env, zmq::message_t payload, const RequestView& req);
  // Sends a reply. While OnClientRequest handles a request (answering_),
  // it is that request's answer and is counted in the request metrics
  // with `code`.
  void SendToClient(Envelope& env, std::string_view reply, StatusCode code = StatusCode::kOk);
  void SendStatus(Envelope& env, uint64_t id, const Status& s) {
    SendToClient(env, EncodeStatusReply(id, s), s.code());
  }
  // Parks the request being handled (answering_) under `h`.
  void Park(Handle h, Envelope env, zmq::message_t payload = {});
  // Answers a parked request with the manager's reply (counted with
  // `code`) and forgets it.
  void Complete(Handle h, std::string_view reply, StatusCode code);
  void Complete(Handle h, uint64_t request_id, const Status& s) {
    Complete(h, EncodeStatusReply(request_id, s), s.code());
  }
  // The store's own reply to a forwarded request: the store counted it.
  void CompleteFromStore(Handle h, std::string_view reply);
  void Deliver(Envelope& env, std::string_view reply);
  void CompleteAll(const std::vector<Failure>& failures);
  void Forward(Handle h, uint64_t request_id, const Child& store, Parked parked);
  // Forwards requests the router released from a store's queue, in order.
  void ForwardQueued(const Child& store, const std::vector<Pending>& pending);
  // A new name: into the catalogue (refused over --max-stores), then
  // activated.
  Result<Child*> CreateStore(const std::string& name);
  // A catalogue store without a process gets one (its requests queue in
  // the router meanwhile). Over --max-live-stores the longest idle store
  // hibernates first; when every live store is busy: unavailable.
  Result<Child*> Activate(const std::string& name);
  // An idle running store exits cleanly and shows as hibernating; its next
  // request activates it.
  void Hibernate(const std::string& name, const char* why);
  // Over the live cap with no idle store: a running store with nothing in
  // flight through the manager (O(live stores), only then); nullptr if none.
  const std::string* AnyEvictableStore() const;
  void OnStoreRemoved(const std::string& name, bool hibernated);
  // The catalogue on disk (shared/catalogue_log.h): one record per change,
  // buffered, made durable once per pass by FlushCatalogue(), before any
  // store it names starts (a database worker that opens its shard later
  // refuses keys of stores its catalogue does not name).
  void LogCatalogue(CatalogueRecord::Op op, const std::string& name);
  // Group commit, then a compaction when the log has outgrown the
  // snapshot. On failure the new stores wait and it is retried shortly.
  void FlushCatalogue(SteadyTime now);
  void CompactCatalogue();
  Status OpenCatalogueLog();  // after the catalogue was read (OpenDataDir)
  void HandleDrop(Envelope env, const RequestView& req);
  // `backup DIR` (manager/backup_coordinator.h; manager/backup_requests.cc).
  void HandleBackup(Envelope env, const RequestView& req);
  void ApplyBackup(BackupActions actions);
  void HandleKill(Envelope env, const RequestView& req);
  // `rename OLD NEW` (manager/rename_table.h; manager/rename_requests.cc).
  void HandleRename(Envelope env, const RequestView& req);
  // Unavailable when a rename takes `name` (either side).
  Status RefuseDuringRename(const std::string& name) const;
  // kStopping -> kCopying once `renaming` is durable and the old store has
  // no process: the new one starts with --copy-from.
  void MaybeStartCopy(Rename& r);
  // A copying store's ready: record `rename`, and hold the ready until it
  // is durable. False for any other store.
  bool HoldRenamedReady(Child* child, const ReadyMsg& ready);
  // After each successful catalogue flush: renames whose records became
  // durable move on.
  void OnCatalogueDurable();
  // The drop of a renamed store's old name is done: answer the rename.
  bool FinishRename(const DropDone& done);
  void OnRenameCopyFailed(const std::string& name);
  // The sync barrier between the copy and the `rename` record.
  void SendRenameSync(const Rename& r, uint32_t shard);
  void OnRenameSynced(uint32_t shard, const DropAck& ack);
  void ResendRenameSyncs(uint32_t shard);       // worker `shard` (re)started
  void ResumeRenames(const Renames& renaming);  // from the catalogue, at start
  void FailRenameClients(const Status& status);
  // The old name when `store` is a rename's new name still being copied.
  std::string CopySourceOf(const std::string& store) {
    const Rename* r = renames_.ByTo(store);
    return r != nullptr && CopiesFrom(*r) ? r->from : std::string();
  }
  // The answer to create / wait / locate once the store serves: name, pid,
  // gen, created, and for locate its direct endpoints (docs/protocol.md).
  std::string ServingBody(const std::string& store, bool created, bool locate) const;

  // Children.
  void OnBackend(Frames& frames);
  void OnControl(Child* child, const ControlMessage& msg);
  void OnChildServing(Child* child);
  // Worker `shard` opened its shard and checked it against the catalogue.
  void OnShardChecked(uint32_t shard);
  void OnDbAdmin(uint32_t shard, Frames& frames);
  void SendControl(const Child& child, const ControlMessage& msg);
  void SendDrop(const ShardDrop& d);
  void FinishDrop(const DropDone& done);
  void OnSignals();
  void ReapAll();
  void OnChildExit(Child* child, pid_t pid, const ExitStatus& status);

  // The machines.
  sup::Supervisor& SupervisorOf(ChildRole kind);
  sup::Supervisor& SupervisorOf(Group g);
  Child* ChildOf(const sup::Supervisor& s, const std::string& id);
  void Feed(sup::Supervisor& s, const sup::Event& event);
  void Execute(sup::Supervisor& s, const std::vector<sup::Action>& actions);
  void FeedRoot(const root::Event& event);
  void StartProcess(sup::Supervisor& s, Child* child);
  // Starts up to kSpawnsPerPass queued spawns; the loop polls without
  // waiting while more are queued, so every pass also reads, pings and reaps.
  void SpawnSome();
  // Logs connections the accept guard refused (at most every 10 s).
  void ReportRefusedConnections();
  void OnTimers(SteadyTime now);
  SteadyTime NextWake() const;
  TreeView Tree() const {
    return {opts_,    table_,   db_sup_,      store_sup_, web_sup_, root_,     catalogue_,
            getpid(), started_, activations_, &spawner_,  &layout_, &requests_};
  }
  void MaybeNotifyReady();

  const ManagerOptions& opts_;
  int signal_fd_;
  ChildTable table_;
  sup::Supervisor db_sup_;
  sup::Supervisor store_sup_;
  sup::Supervisor web_sup_;
  RootMachine root_;
  RequestRouter router_;
  DropCoordinator drops_;
  BackupCoordinator backup_;
  RenameTable renames_;
  std::unordered_map<Handle, Parked> parked_;
  // Every store that exists (not those being dropped), live or not; the
  // table holds only those with a process (or failed).
  std::set<std::string> catalogue_;
  IdleStores idle_;                      // live stores that said they are idle, longest idle first
  uint64_t activations_ = 0;             // Activate() calls that started a store
  StoreSpawner spawner_{false, "", {}};  // set up by Init (the layout names the binary)
  ManagerLayout layout_;

  // Declared before the sockets: released (the socket files unlinked if
  // still ours) after the sockets are closed.
  std::vector<IpcClaim> claims_;
  zmq::context_t ctx_{1};
  zmq::socket_t frontend_;
  zmq::socket_t backend_;
  std::vector<zmq::socket_t> db_admin_;
  UniqueFd data_dir_lock_;

  Handle next_handle_ = 1;  // request tags, waiter and drop ids
  // Requests answered: by the stores (their reported deltas, summed) and
  // by the manager itself (its own ops, refusals, failures).
  OpMetrics requests_;
  struct Answering {
    Op op;
    SteadyTime since;
  };
  std::optional<Answering> answering_;  // the request OnClientRequest handles
  // A store's report: its request figures go into requests_, the rest into
  // its child's stats.
  void TakeStoreStats(Child* child, nlohmann::json stats);
  SteadyTime backup_started_{};
  size_t backup_stores_ = 0;  // stores in the running backup's catalogue
  uint64_t next_gen_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  SteadyTime started_ = SteadyClock::now();
  SteadyTime next_watchdog_ = SteadyTime::max();
  uint64_t watchdog_usec_ = 0;
  bool notified_ready_ = false;

  struct QueuedSpawn {
    sup::Supervisor* supervisor;
    std::string id;
  };
  std::deque<QueuedSpawn> spawn_queue_;  // Spawn actions not carried out yet, in order
  CatalogueWriter catalogue_log_;
  // Created since the last flush. Started at once (the flush overlaps their
  // start), but not serving until their record is durable: a `ready` that
  // comes first waits in held_ready_ (FlushCatalogue replays it).
  std::set<std::string> unflushed_creates_;
  struct HeldReady {
    uint64_t gen;
    ReadyMsg msg;
  };
  std::map<std::string, HeldReady> held_ready_;
  SteadyTime catalogue_retry_at_ = SteadyTime::min();
  uint64_t refused_reported_ = 0;
  SteadyTime next_refused_report_{};

  // The data directory (manager/data_dir.h).
  std::vector<bool> create_shard_;   // per shard: its worker may create its database
  std::vector<bool> shard_checked_;  // per shard: its worker checked it against the catalogue
  // Per shard: next_gen_ when its worker last became ready. A store whose
  // gen is below it was spawned before, and is told db_up when first heard.
  std::vector<uint64_t> db_ready_mark_;
  // Stores dropped but not yet deleted from every shard: from the catalogue
  // at start-up (each worker finishes those when it opens its shard) and
  // drops that began and have not succeeded.
  std::set<std::string> pending_drops_;
  bool catalogue_outdated_ = false;   // finished drops to record once every shard is checked
  bool catalogue_legacy_ = false;     // format 1: rewritten once every shard is checked
  bool format_initialising_ = false;  // FORMAT is marked: unmark once every shard exists
};

}  // namespace forkv
