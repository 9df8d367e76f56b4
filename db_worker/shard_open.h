// A database worker's start-up, before it serves: open its shard (waiting
// for an earlier incarnation's RocksDB LOCK) and check the shard against the
// catalogue.
#pragma once

#include <memory>
#include <string>

#include "db_worker/db_loop.h"
#include "db_worker/storage.h"

namespace forkv {

// Opens o.dir (creating it only with o.create), waiting up to o.lock_wait_ms
// for a held LOCK. On failure returns nullptr and the exit code to use in
// *exit_code: 111 (transient, or still locked), 125 (missing, unreadable or
// corrupt: do not restart), 0 (SIGTERM on `sigfd` while waiting).
std::unique_ptr<Storage> OpenShard(const DbOptions& o, int sigfd, int* exit_code);

// The stores with keys on the shard against the catalogue at
// `catalogue_path` (none when empty): keys of a store it does not name are
// refused (125, logged with the names); the keys of stores it lists as
// dropping are deleted. Returns 0 when the shard may serve, else the exit
// code.
int CheckShardAgainstCatalogue(Storage& storage, const std::string& dir,
                               const std::string& catalogue_path);

}  // namespace forkv
