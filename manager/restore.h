// forkv-manager --restore BACKUP --data-dir DIR: makes DIR a copy of a
// backup written by `forkv backup` (manager/backup_coordinator.h), then
// exits; the service is started on DIR as usual, with the backup's
// --db-workers. Offline: no manager may be running on DIR (its LOCK).
//
// Refused (exit 125, nothing written): BACKUP has no BACKUP mark (not a
// backup, or an incomplete one), or its FORMAT or catalogue do not read;
// DIR holds anything. DIR is created if missing. The files are copied (not
// linked), then synced, so the copy does not depend on the backup.
#pragma once

#include <string>

#include "manager/manager_options.h"

namespace forkv {

// Returns the exit code: 0 restored, 111 transient (locked, I/O), 125 refused.
int RestoreDataDir(const ManagerOptions& options, const std::string& backup_dir);

}  // namespace forkv
