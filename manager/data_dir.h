// The data directory and what the manager decides about it at start-up.
//
//   DATA_DIR/FORMAT      "forkv-data 1\nshards N\n": the data-format version and
//                        the number of database workers (shards) the keys were
//                        distributed over; every key's shard follows from N.
//                        A third line "initialising" while a first start has
//                        not yet seen every worker create its shard.
//   DATA_DIR/catalogue   the stores (shared/catalogue.h).
//   DATA_DIR/shard-<i>/  one RocksDB database per database worker, i < N.
//   DATA_DIR/LOCK        flock()ed by the one manager using the directory.
//
// Only a fresh directory (none of FORMAT, catalogue, shard-*) is initialised
// implicitly: catalogue first, then FORMAT marked "initialising", and each
// worker may create its shard; once every shard exists FORMAT is written
// again without the mark. A start that finds the mark (the first start was
// stopped early) lets the workers create their shards again: no key can
// have been acknowledged on a shard that was never created. Once FORMAT exists nothing is created
// behind the user's back: a missing FORMAT, catalogue or shard, a shard FORMAT does not name or a
// damaged file stops the start with the reason (kMalformed -> exit 125) and
// names `forkv-manager --repair` (manager/repair.h). The one exception is a
// catalogue that names no store: no key can be lost, so the workers may
// create their shards (a first start stopped before every worker had
// created its shard).
//
// ReadFormat/WriteFormat/InspectDataDir touch files; PlanDataDir is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "shared/catalogue.h"
#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

inline constexpr int kDataFormatVersion = 1;

std::string ShardDir(const std::string& data_dir, uint32_t shard);
// "shard-<i>" -> i; nullopt for any other name.
std::optional<uint32_t> ShardIndex(const std::string& name);
std::string CataloguePath(const std::string& data_dir);
// DIR/BACKUP: written last by `forkv backup DIR`, the mark of a complete
// backup ("forkv-backup 1\nshards N\nstores N\nversion V\n").
inline constexpr std::string_view kBackupMarkFile = "BACKUP";

// flock()s DATA_DIR/LOCK for as long as the fd lives; kUnavailable when
// another manager holds it.
Result<UniqueFd> LockDataDir(const std::string& data_dir);

// Makes sure data_dir is a directory: one that does not exist is created
// only when `init` (--init) is set, else InvalidArgument (a typo in the path
// must not start an empty database).
Status PrepareDataDir(const std::string& data_dir, bool init);

struct DataFormat {
  uint32_t shards = 0;
  bool initialising = false;
};

// FORMAT; nullopt when there is none. kMalformed when it cannot be parsed,
// kInvalidArgument for another format version.
Result<std::optional<DataFormat>> ReadFormat(const std::string& data_dir);
Status WriteFormat(const std::string& data_dir, uint32_t shards, bool initialising = false);

struct DataDirContents {
  std::optional<uint32_t> format_shards;  // nullopt: no FORMAT
  bool initialising = false;              // FORMAT's "initialising" mark
  std::optional<Catalogue> catalogue;     // nullopt: no catalogue file
  std::set<uint32_t> shard_dirs;          // i of every shard-<i> directory
};

// What is in `data_dir`. Errors: a damaged FORMAT or catalogue (kMalformed,
// naming the file and what is wrong), an unreadable directory (kIoError).
Result<DataDirContents> InspectDataDir(const std::string& data_dir);

struct DataDirPlan {
  bool initialise = false;         // fresh: write an empty catalogue, then FORMAT
  bool initialising = false;       // FORMAT is marked: rewrite it once every shard exists
  std::vector<bool> create_shard;  // per shard: its worker may create the database
};

// The decision for a manager started with `shards` database workers:
// kMalformed (exit 125) with the reason and the way out, or the plan.
Result<DataDirPlan> PlanDataDir(const std::string& data_dir, const DataDirContents& contents,
                                uint32_t shards);

}  // namespace forkv
