// `forkv backup DIR`: the manager's side of manager/backup_coordinator.h.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "manager/data_dir.h"
#include "manager/manager.h"
#include "manager/status_view.h"
#include "shared/catalogue.h"
#include "shared/codec.h"
#include "shared/files.h"

namespace forkv {
namespace {

// DIR must be new, in an existing directory; it is created here (0700).
Status MakeBackupDirectory(const std::string& dir) {
  std::filesystem::path p(dir);
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    return Status::InvalidArgument("backup: " + dir + " exists; name a new directory");
  }
  std::string parent = p.parent_path().string();
  if (stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("backup: " + parent + " is not a directory");
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    return Status::IoError("backup: mkdir " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// `path` is `dir` or under it, symbolic links and ".." resolved as far as
// they exist.
bool IsInside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  std::string p = std::filesystem::weakly_canonical(path, ec).string();
  std::string d = std::filesystem::weakly_canonical(dir, ec).string();
  if (ec) return path.rfind(dir + "/", 0) == 0;
  return p == d || p.rfind(d + "/", 0) == 0;
}

}  // namespace

void Manager::HandleBackup(Envelope env, const RequestView& req) {
  const std::string dir = std::filesystem::path(std::string(req.value)).lexically_normal();
  if (backup_.running()) {
    SendStatus(env, req.id, Status::Unavailable("a backup into " + backup_.dir() + " is running"));
    return;
  }
  if (!renames_.empty()) {
    const Rename& r = renames_.all().begin()->second;
    SendStatus(env, req.id,
               Status::Unavailable("store '" + r.from + "' is being renamed to '" + r.to +
                                   "'; back up when that is done"));
    return;
  }
  if (IsInside(dir, opts_.data_dir)) {
    SendStatus(env, req.id,
               Status::InvalidArgument("backup: " + dir + " is inside the data directory"));
    return;
  }
  if (Status s = MakeBackupDirectory(dir); !s.ok()) {
    SendStatus(env, req.id, s);
    return;
  }
  Handle h = next_handle_++;
  Park(h, std::move(env));
  spdlog::info("backup into {}: holding the database workers", dir);
  backup_started_ = SteadyClock::now();
  ApplyBackup(backup_.Begin(h, req.id, dir, backup_started_));
}

void Manager::ApplyBackup(BackupActions a) {
  for (const auto& [shard, step] : a.hold) {
    if (Status s = SendFrames(db_admin_[shard], {kTagBackupHold, EncodeBackupStep(step)});
        !s.ok()) {
      spdlog::warn("backup hold to shard {} not sent: {}", shard, s.ToString());
    }
  }
  for (const auto& [shard, step] : a.checkpoint) {
#ifdef FORKV_TEST_HOOKS
    // Test hook: checkpoints reach the workers FORKV_BACKUP_STAGGER_MS apart
    // (as on a loaded machine), so a cut that is not held shows.
    if (const char* ms = std::getenv("FORKV_BACKUP_STAGGER_MS");
        ms && shard > 0 && !step.dir.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
    }
#endif
    if (Status s = SendFrames(db_admin_[shard], {kTagCheckpoint, EncodeBackupStep(step)});
        !s.ok()) {
      spdlog::warn("checkpoint to shard {} not sent: {}", shard, s.ToString());
    }
  }
  if (a.snapshot) {
    // Every worker is held: no write lands anywhere until its checkpoint,
    // and every store with data in a shard is in catalogue_.
    const std::string& dir = backup_.dir();
    Status s = SaveCatalogue(CataloguePath(dir), catalogue_, pending_drops_, renames_.Names());
    if (s.ok()) s = WriteFormat(dir, opts_.db_workers);
    backup_stores_ = catalogue_.size();
    ApplyBackup(backup_.Snapshotted(s));
  }
  if (!a.done) return;
  const BackupActions::Done& done = *a.done;
  Status status = done.status;
  const int64_t ms = MillisBetween(backup_started_, SteadyClock::now());
  if (status.ok()) {
    status = WriteFileAtomically(done.dir + "/" + std::string(kBackupMarkFile),
                                 "forkv-backup 1\nshards " + std::to_string(opts_.db_workers) +
                                     "\nstores " + std::to_string(backup_stores_) + "\nversion " +
                                     kManagerVersion + "\n");
  }
  if (!status.ok()) {
    spdlog::error("backup into {} failed: {}", done.dir, status.ToString());
    Complete(
        done.handle, done.request_id,
        Status(status.code(), status.message() + " (" + done.dir + " is incomplete: remove it)"));
    return;
  }
  spdlog::info("backup into {}: {} stores, {} shards, {} ms", done.dir, backup_stores_,
               opts_.db_workers, ms);
  Complete(done.handle,
           EncodeReply({.id = done.request_id,
                        .body = EncodeJsonBody({{"dir", done.dir},
                                                {"shards", opts_.db_workers},
                                                {"stores", backup_stores_},
                                                {"ms", ms}})}),
           StatusCode::kOk);
}

}  // namespace forkv
