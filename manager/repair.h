// forkv-manager --repair: makes a damaged data directory startable again and
// says, at error level, what could not be saved. Offline: it serves nothing,
// holds the data directory's LOCK, runs one `forkv-db --list-stores` per
// shard (db_worker/offline.h) and exits.
//
//   FORMAT missing or unreadable  the shard count is taken from FORMAT, else
//                                 from the shard-<i> directories (0..k-1),
//                                 else --db-workers; written again
//   a shard missing               created empty; its keys are lost (error)
//   a WAL record corrupt          the shard is recovered up to the first bad
//                                 record; later writes of that WAL are lost
//                                 (RocksDB point-in-time recovery; error)
//   catalogue missing or damaged  rebuilt: its readable entries plus every
//                                 store that has keys on a shard (warning
//                                 for each store added back)
//
// Refused (exit 125, nothing changed): a shard directory beyond the shard
// count, shard directories with gaps and no FORMAT or --db-workers to say
// how many there are, a FORMAT that disagrees with an explicit --db-workers,
// a shard that cannot be opened even in recovery mode.
#pragma once

#include "manager/manager_options.h"

namespace forkv {

// `db_workers_given`: --db-workers was on the command line (not the default).
// Returns the exit code: 0 repaired (or nothing to repair), 111 transient
// (locked, I/O error), 125 cannot repair.
int RepairDataDir(const ManagerOptions& options, bool db_workers_given);

}  // namespace forkv
