#include "manager/repair.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <sstream>

#include "manager/data_dir.h"
#include "shared/catalogue.h"
#include "shared/files.h"
#include "shared/proc.h"
#include "shared/runtime.h"

namespace forkv {
namespace {

// Exit code of a failed step, after logging it.
int Refuse(const std::string& why) {
  spdlog::critical("cannot repair: {}", why);
  return kExitPermanentFailure;
}

// The shard count to repair with, or the reason there is none.
Result<uint32_t> ShardCount(const ManagerOptions& o, bool given,
                            const std::set<uint32_t>& shard_dirs) {
  auto format = ReadFormat(o.data_dir);
  if (format.ok() && format->has_value()) {
    uint32_t n = (*format)->shards;
    if (given && n != o.db_workers) {
      return Status::InvalidArgument("FORMAT says " + std::to_string(n) + " shards, --db-workers " +
                                     std::to_string(o.db_workers) +
                                     " (re-sharding is not supported)");
    }
    return n;
  }
  if (!format.ok()) spdlog::error("{}: writing it again", format.status().message());
  if (given) return o.db_workers;
  if (shard_dirs.empty()) return o.db_workers;
  uint32_t k = *shard_dirs.rbegin() + 1;
  if (shard_dirs.size() != k) {
    return Status::InvalidArgument(
        "no FORMAT, and the shard directories have gaps: cannot tell how many shards there were; "
        "give --db-workers");
  }
  spdlog::warn("no FORMAT: {} shard directories found, so {} shards", k, k);
  return k;
}

// `forkv-db --list-stores` on one shard: the store names, or the exit status.
Result<std::vector<std::string>> ListShard(const std::string& db_exe, const std::string& dir,
                                           bool recover, const std::string& log_level,
                                           ExitStatus* status) {
  SpawnSpec spec{.exe = db_exe,
                 .args = {"--list-stores", "--create", "--dir", dir, "--log-level", log_level}};
  if (recover) spec.args.push_back("--repair");
  auto out = RunForOutput(spec, status);
  if (!out.ok()) return out.status();
  std::vector<std::string> names;
  std::istringstream in(*out);
  for (std::string line; std::getline(in, line);) names.push_back(line);
  return names;
}

}  // namespace

int RepairDataDir(const ManagerOptions& o, bool db_workers_given) {
  std::error_code ec;
  if (!std::filesystem::is_directory(o.data_dir, ec)) {
    return Refuse(o.data_dir + " is not a directory");
  }
  auto lock = LockDataDir(o.data_dir);
  if (!lock.ok()) {
    spdlog::critical("{}", lock.status().ToString());
    return kExitSystem;
  }
  auto contents_dirs = std::set<uint32_t>();
  for (const auto& entry : std::filesystem::directory_iterator(o.data_dir, ec)) {
    auto i = ShardIndex(entry.path().filename().string());
    if (i && entry.is_directory(ec)) contents_dirs.insert(*i);
  }
  auto shards = ShardCount(o, db_workers_given, contents_dirs);
  if (!shards.ok()) return Refuse(shards.status().message());
  for (uint32_t i : contents_dirs) {
    if (i >= *shards) {
      return Refuse(ShardDir(o.data_dir, i) + " is beyond the " + std::to_string(*shards) +
                    " shards: move it away if it does not belong here");
    }
  }

  Catalogue catalogue;
  const std::string path = CataloguePath(o.data_dir);
  if (auto whole = LoadCatalogue(path); whole.ok()) {
    catalogue = std::move(whole).value();
  } else if (whole.status().code() == StatusCode::kMalformed) {
    catalogue = SalvageCatalogueFiles(path);
    spdlog::warn("the catalogue is damaged ({}): kept its {} readable entries",
                 whole.status().message(),
                 catalogue.stores.size() + catalogue.dropping.size() + catalogue.renaming.size());
  } else if (whole.status().code() == StatusCode::kNotFound) {
    spdlog::warn("the catalogue is missing: rebuilding it from the shards");
  } else {
    return Refuse(whole.status().ToString());
  }

  std::string db_exe = InternalBinary("forkv-db", FORKV_LIBEXEC_FROM_BIN);
  size_t added = 0;
  for (uint32_t i = 0; i < *shards; ++i) {
    std::string dir = ShardDir(o.data_dir, i);
    if (contents_dirs.count(i) == 0) {
      spdlog::error("{} is missing: creating it empty; the keys it held are lost", dir);
    }
    ExitStatus status;
    auto names = ListShard(db_exe, dir, /*recover=*/false, o.log_level, &status);
    if (names.ok() && status.code == kExitPermanentFailure && !status.signaled) {
      spdlog::error(
          "{} cannot be opened as it is (see the line above): recovering it up to its first "
          "corrupt WAL record; writes recorded after that record are lost",
          dir);
      names = ListShard(db_exe, dir, /*recover=*/true, o.log_level, &status);
    }
    if (!names.ok()) return Refuse(names.status().ToString());
    if (!status.IsCleanExit()) {
      return Refuse("forkv-db --list-stores on " + dir + " " + status.ToString());
    }
    for (const std::string& name : *names) {
      if (catalogue.Names(name)) continue;  // a rename's new name: the manager finishes it
      spdlog::warn("store '{}' has keys on shard {} but was not in the catalogue: added back", name,
                   i);
      catalogue.stores.insert(name);
      ++added;
    }
  }
  if (Status s = SaveCatalogue(CataloguePath(o.data_dir), catalogue); !s.ok()) {
    return Refuse(s.ToString());
  }
  if (Status s = WriteFormat(o.data_dir, *shards); !s.ok()) return Refuse(s.ToString());
  spdlog::info("repaired {}: {} shard(s), {} store(s) in the catalogue ({} added back)", o.data_dir,
               *shards, catalogue.stores.size(), added);
  return kExitOk;
}

}  // namespace forkv
