// Manager construction and Init(): everything before the loop runs.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "manager/accept_guard.h"
#include "manager/data_dir.h"
#include "manager/manager.h"
#include "shared/catalogue.h"
#include "shared/runtime.h"

namespace forkv {

Manager::~Manager() {
  // The workers bound these (each after the previous one's exit); they are
  // named after this manager's pid, so no other manager uses them. The
  // client and backend socket files go with their claims_.
  for (const auto& ep : layout_.db_endpoints) unlink(IpcPath(ep).c_str());
}

Status Manager::OpenDataDir() {
  auto contents = InspectDataDir(opts_.data_dir);
  if (!contents.ok()) return contents.status();
  auto plan = PlanDataDir(opts_.data_dir, *contents, opts_.db_workers);
  if (!plan.ok()) return plan.status();
  create_shard_ = plan->create_shard;
  format_initialising_ = plan->initialising;
  shard_checked_.assign(opts_.db_workers, false);
  db_ready_mark_.assign(opts_.db_workers, 0);
  if (plan->initialise) {
    // Catalogue first, FORMAT last: a start interrupted in between leaves a
    // catalogue without FORMAT, which is refused rather than guessed at.
    if (Status s = SaveCatalogue(CataloguePath(opts_.data_dir), Catalogue{}); !s.ok()) return s;
    if (Status s = WriteFormat(opts_.data_dir, opts_.db_workers, /*initialising=*/true); !s.ok()) {
      return s;
    }
    format_initialising_ = true;
    spdlog::info("initialised data directory {} with {} shard(s)", opts_.data_dir,
                 opts_.db_workers);
    return OpenCatalogueLog();
  }
  Catalogue& catalogue = *contents->catalogue;
  catalogue_ = std::move(catalogue.stores);  // no process until a request (or --preload)
  pending_drops_ = std::move(catalogue.dropping);
  ResumeRenames(catalogue.renaming);
  // Finished drops are recorded once every worker has checked its shard.
  catalogue_outdated_ = !pending_drops_.empty();
  for (uint32_t i = 0; i < opts_.db_workers; ++i) {
    if (create_shard_[i])
      spdlog::warn("{} is missing; the catalogue names no store, creating it",
                   ShardDir(opts_.data_dir, i));
  }
  return OpenCatalogueLog();
}

Status Manager::OpenCatalogueLog() {
  auto log = CatalogueWriter::Open(CataloguePath(opts_.data_dir));
  if (!log.ok()) return log.status();
  catalogue_log_ = std::move(log).value();
  const CatalogueWriter::OpenReport& r = catalogue_log_.report();
  if (r.torn_bytes > 0) {
    spdlog::warn("the catalogue log ended in {} bytes of an unfinished write (a crash): ignored",
                 r.torn_bytes);
  }
  if (r.stale_replaced) spdlog::info("the catalogue log of an interrupted compaction was replaced");
  catalogue_legacy_ = r.legacy_snapshot;
  catalogue_outdated_ = catalogue_outdated_ || catalogue_legacy_;
  return Status::Ok();
}

void Manager::RemoveSocketsOfDeadManagers(const std::string& run_dir) {
  // A manager killed with -9 leaves its internal socket files (backend,
  // workers, one per store incarnation): remove those of managers that no
  // longer exist, so the run directory does not grow with every crash.
  // Files of a live process are left alone (another manager sharing it).
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, ec)) {
    std::string name = entry.path().filename().string();
    // The backend's claim leaves "m<pid>-be.sock.lock" (shared/ipc_claim.h).
    const bool lock_file = name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0;
    auto pid = ManagerPidOfSocketFile(lock_file ? name.substr(0, name.size() - 5) : name);
    if (!pid || *pid == getpid()) continue;
    if (kill(*pid, 0) == 0 || errno != ESRCH) continue;
    const bool ours = lock_file ? entry.is_regular_file(ec) : entry.is_socket(ec);
    if (ours && unlink(entry.path().c_str()) == 0) ++removed;
  }
  if (removed > 0) {
    spdlog::info("removed {} socket files of managers no longer running from {}", removed, run_dir);
  }
}

Status Manager::Init() {
  if (Status s = ValidateOptions(opts_); !s.ok()) return s;
  // Stores forked by the spawn server are reparented to us (its
  // intermediate child exits): we reap them as our own.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return Status::Internal(std::string("PR_SET_CHILD_SUBREAPER: ") + std::strerror(errno));
  }
  if (Status s = PrepareDataDir(opts_.data_dir, opts_.init); !s.ok()) return s;
  auto lock = LockDataDir(opts_.data_dir);
  if (!lock.ok()) return lock.status();
  data_dir_lock_ = std::move(lock).value();
  if (Status s = OpenDataDir(); !s.ok()) return s;

  std::string run_dir = ResolveRunDir(opts_, getuid());
  if (Status s = MakeDirectories(run_dir); !s.ok()) return s;
  std::string bin_dir =
      std::filesystem::path(InternalBinary("forkv-store", FORKV_LIBEXEC_FROM_BIN)).parent_path();
  layout_ = MakeLayout(opts_, run_dir, getpid(), bin_dir);
  spawner_ =
      StoreSpawner(opts_.spawn_server, layout_.store_exe, SpawnServerStoreArgs(opts_, layout_));
  RemoveSocketsOfDeadManagers(run_dir);
  for (const auto& ep : layout_.db_endpoints) {
    if (Status s = CheckEndpoint(ep); !s.ok()) return s;
  }
  if (Status s = CheckEndpoint(layout_.backend_endpoint); !s.ok()) return s;
  if (Status s = CheckEndpoint(opts_.endpoint); !s.ok()) return s;
  if (Status s = EnsureEndpointDirectory(opts_.endpoint); !s.ok()) return s;
  for (const auto& exe : RequiredBinaries(opts_, layout_)) {
    if (access(exe.c_str(), X_OK) != 0) return Status::Internal("worker binary missing: " + exe);
  }

  // Before the first bind: libzmq must never accept past the fd limit.
  int nofile = RaiseFileLimit();
  AcceptLimits limits = DefaultAcceptLimits(nofile, {IpcPath(layout_.backend_endpoint)});
  spdlog::info("file descriptors: {}; client connections are refused from fd {}", nofile,
               limits.client_limit);
  InstallAcceptGuard(std::move(limits));

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
  // One manager per endpoint: a ZeroMQ ipc bind would silently take over a
  // socket file another manager serves (shared/ipc_claim.h).
  struct Bind {
    zmq::socket_t& socket;
    const std::string& endpoint;
    const char* who;
  };
  std::vector<Bind> binds = {{frontend_, opts_.endpoint, "client endpoint"}};
  for (const auto& ep : opts_.listen) binds.push_back({frontend_, ep, "--listen endpoint"});
  binds.push_back({backend_, layout_.backend_endpoint, "backend endpoint"});
  for (const Bind& b : binds) {
    auto claim = IpcClaim::Claim(b.endpoint, b.who);
    if (!claim.ok()) return claim.status();
    try {
      b.socket.bind(b.endpoint);
    } catch (const zmq::error_t& e) {
      return Status::Unavailable("cannot bind " + std::string(b.who) + " " + b.endpoint + ": " +
                                 e.what());
    }
    claim->Bound();
    claims_.push_back(std::move(claim).value());
    if (&b.socket == &frontend_) {
      if (Status s = SetIpcSocketMode(b.endpoint, opts_.socket_mode); !s.ok()) return s;
    }
  }
  std::string admin_id = "m" + std::to_string(getpid());
  for (const auto& ep : layout_.db_endpoints) {
    db_admin_.push_back(MakeSocket(ctx_, zmq::socket_type::dealer, {.routing_id = admin_id}));
    db_admin_.back().connect(ep);
  }
  // Generations grow across manager runs: start from the wall clock.
  next_gen_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  if (sd_watchdog_enabled(0, &watchdog_usec_) <= 0) watchdog_usec_ = 0;
  if (watchdog_usec_ != 0) next_watchdog_ = SteadyClock::now();
  return Status::Ok();
}

}  // namespace forkv
