#include "manager/restore.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "manager/data_dir.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/signals.h"

namespace forkv {
namespace {

int Refuse(const std::string& why) {
  spdlog::critical("cannot restore: {}", why);
  return kExitPermanentFailure;
}

}  // namespace

int RestoreDataDir(const ManagerOptions& o, const std::string& backup) {
  namespace fs = std::filesystem;
  std::ifstream mark(backup + "/" + std::string(kBackupMarkFile));
  std::string first;
  if (!std::getline(mark, first) || first != "forkv-backup 1") {
    return Refuse(backup + " is not a complete forkv backup (no " + std::string(kBackupMarkFile) +
                  " mark: a backup that failed, or not one)");
  }
  auto contents = InspectDataDir(backup);
  if (!contents.ok()) return Refuse(backup + ": " + contents.status().message());
  if (!contents->format_shards || !contents->catalogue) {
    return Refuse(backup + " has no FORMAT or catalogue");
  }
  for (uint32_t i = 0; i < *contents->format_shards; ++i) {
    if (contents->shard_dirs.count(i) == 0) {
      return Refuse(backup + " has no " + ShardDir(backup, i));
    }
  }
  std::error_code ec;
  if (fs::exists(o.data_dir, ec)) {
    if (!fs::is_directory(o.data_dir, ec)) return Refuse(o.data_dir + " is not a directory");
    if (!fs::is_empty(o.data_dir, ec)) {
      return Refuse(o.data_dir + " is not empty: restore into a new or empty directory");
    }
  } else if (Status s = MakeDirectories(o.data_dir); !s.ok()) {
    return Refuse(s.message());
  }
  auto lock = LockDataDir(o.data_dir);
  if (!lock.ok()) {
    spdlog::critical("{}", lock.status().ToString());
    return kExitSystem;
  }
  for (const auto& entry : fs::directory_iterator(backup, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == kBackupMarkFile || name == "LOCK") continue;
    fs::copy(entry.path(), fs::path(o.data_dir) / name, fs::copy_options::recursive, ec);
    if (ec) {
      spdlog::critical("copying {} into {}: {}", entry.path().string(), o.data_dir, ec.message());
      return kExitSystem;
    }
  }
  if (ec) {
    spdlog::critical("reading {}: {}", backup, ec.message());
    return kExitSystem;
  }
  UniqueFd dir(open(o.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid() || syncfs(dir.get()) != 0) {
    spdlog::critical("syncing {}: {}", o.data_dir, std::strerror(errno));
    return kExitSystem;
  }
  spdlog::info(
      "restored {} stores ({} shards) from {} into {}; start forkv-manager --data-dir {} "
      "--db-workers {}",
      contents->catalogue->stores.size(), *contents->format_shards, backup, o.data_dir, o.data_dir,
      *contents->format_shards);
  return kExitOk;
}

}  // namespace forkv
