// What the manager keeps on disk besides the shards:
//
//   DATA_DIR/FORMAT     "forkv-data 1\nshards N\n": the data-format version
//                       and the number of database workers (shards) the keys
//                       were distributed over. Starting with another N is
//                       refused: every key's shard follows from N.
//   DATA_DIR/catalogue  "forkv-catalogue 1\n" then one store name per line,
//                       sorted. Written atomically: temp file, fsync, rename,
//                       fsync of the directory.
//
// Pure file logic; no sockets.
#pragma once

#include <set>
#include <string>

#include "shared/status.h"

namespace forkv {

inline constexpr int kDataFormatVersion = 1;

// Creates FORMAT when missing; otherwise checks version and shard count.
// InvalidArgument (with the reason) when they differ, Corruption-like
// kMalformed when the file cannot be parsed.
Status CheckOrInitDataFormat(const std::string& data_dir, uint32_t shards);

// Missing file = empty catalogue. Lines that are not valid store names are
// an error (kMalformed), never silently skipped.
Result<std::set<std::string>> LoadCatalogue(const std::string& data_dir);
Status SaveCatalogue(const std::string& data_dir, const std::set<std::string>& names);

// Writes `contents` to `path` atomically and durably (temp, fsync, rename, fsync dir).
Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace forkv
