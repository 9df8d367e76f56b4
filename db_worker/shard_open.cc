#include "db_worker/shard_open.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <vector>

#include "db_worker/rocksdb_storage.h"
#include "db_worker/store_ops.h"
#include "shared/catalogue.h"
#include "shared/clock.h"
#include "shared/proc.h"
#include "shared/signals.h"

namespace forkv {

using std::chrono::milliseconds;

std::unique_ptr<Storage> OpenShard(const DbOptions& o, int sigfd, int* exit_code) {
  auto deadline = SteadyClock::now() + milliseconds(o.lock_wait_ms);
  bool logged_wait = false;
  while (true) {
    OpenFailure failure = OpenFailure::kNone;
    auto r =
        OpenRocksDbStorage(o.dir, RocksDbStorageOptions{.create_if_missing = o.create}, &failure);
    if (r.ok()) return std::move(r).value();
    switch (failure) {
      case OpenFailure::kLocked:
        if (SteadyClock::now() >= deadline) {
          spdlog::error("database {} still locked by another process after {} ms: {}", o.dir,
                        o.lock_wait_ms, r.status().ToString());
          *exit_code = kExitSystem;
          return nullptr;
        }
        if (!logged_wait) {
          spdlog::info("database {} is locked (an earlier worker still exiting?); waiting", o.dir);
          logged_wait = true;
        }
        break;
      case OpenFailure::kPermanent:
        spdlog::critical(
            "cannot open database {}: {}. The data is missing, unreadable or corrupt; not "
            "restarting. Restore the directory from a backup, or run `forkv-manager --repair` "
            "(docs/architecture.md, \"Damaged data directories\").",
            o.dir, r.status().ToString());
        *exit_code = kExitPermanentFailure;
        return nullptr;
      case OpenFailure::kTransient:
      case OpenFailure::kNone:
        spdlog::error("cannot open database {}: {}", o.dir, r.status().ToString());
        *exit_code = kExitSystem;
        return nullptr;
    }
    // Wait 100 ms, or less if a signal comes (no sleep: a SIGTERM must stop us).
    pollfd pfd{sigfd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) > 0) {
      for (int sig : DrainSignalFd(sigfd)) {
        if (sig == SIGTERM) {
          spdlog::info("SIGTERM while waiting for the database lock: exiting");
          *exit_code = kExitOk;
          return nullptr;
        }
      }
    }
  }
}

int CheckShardAgainstCatalogue(Storage& storage, const std::string& dir,
                               const std::string& catalogue_path) {
  if (catalogue_path.empty()) return 0;
  auto catalogue = LoadCatalogue(catalogue_path);
  if (!catalogue.ok()) {
    spdlog::critical("cannot check {} against the catalogue: {}", dir,
                     catalogue.status().ToString());
    return kExitPermanentFailure;
  }
  std::vector<std::string> unknown;  // the first few, for the message
  size_t unknown_count = 0;
  std::vector<std::string> dropping;
  Status s = ListStores(storage, [&](std::string_view store) {
    std::string name(store);
    if (catalogue->dropping.count(name) != 0) {
      dropping.push_back(std::move(name));
    } else if (catalogue->Names(name)) {
      return true;  // a store, or the new name of a rename in progress
    } else if (++unknown_count <= 10) {
      unknown.push_back(std::move(name));
    }
    return true;
  });
  if (!s.ok()) {
    spdlog::critical("cannot list the stores of {}: {}", dir, s.ToString());
    return s.code() == StatusCode::kMalformed ? kExitPermanentFailure : kExitSystem;
  }
  if (unknown_count != 0) {
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
    if (unknown_count > unknown.size()) names += ", ...";
    spdlog::critical(
        "{} holds keys of {} store(s) that {} does not name ({}): the catalogue lost them or "
        "belongs to another data directory. Not starting; run `forkv-manager --repair` to add "
        "them back to the catalogue.",
        dir, unknown_count, catalogue_path, names);
    return kExitPermanentFailure;
  }
  for (const std::string& name : dropping) {
    if (Status d = DropStore(storage, name); !d.ok()) {
      spdlog::error("cannot finish the drop of store {}: {}", name, d.ToString());
      return kExitSystem;
    }
    spdlog::info("finished the interrupted drop of store {}", name);
  }
  return 0;
}

}  // namespace forkv
