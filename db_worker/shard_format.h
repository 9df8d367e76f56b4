// A shard's data format (shared/stored_value.h), checked and brought up to
// date when a database worker opens its shard. Pure logic over a Storage.
//
// Keys starting with "\0" are the shard's own records, never a store's (no
// store name is empty): "\0format" holds the format ("2"), "\0migrate" the
// last key a migration in progress has rewritten.
//
// A shard without "\0format" is format 1 (values stored alone). Its values
// are rewritten as format 2 at version 1, kMigrateBatch keys per atomic
// write, each write also recording its last key in "\0migrate": a worker
// killed part-way resumes after that key, so no value is ever wrapped twice.
// The last write sets "\0format" and deletes "\0migrate". An empty shard
// (a new one) just gets "\0format".
#pragma once

#include <cstddef>
#include <string_view>

#include "db_worker/storage.h"
#include "shared/status.h"

namespace forkv {

inline constexpr std::string_view kShardFormatKey{"\0format", 7};
inline constexpr std::string_view kShardMigrateKey{"\0migrate", 8};
inline constexpr std::string_view kShardFormat = "2";
// The first key after every shard record: where the stores' keys begin.
inline constexpr std::string_view kShardRecordsEnd = "\x01";
inline constexpr size_t kMigrateBatch = 4096;

struct FormatOutcome {
  bool was_current = false;  // "\0format" said 2 already
  size_t rewritten = 0;      // values rewritten by this call
};

// kInvalidArgument for a format this build does not know (a newer forkv's
// shard): nothing is changed.
Result<FormatOutcome> EnsureShardFormat(Storage& storage);

}  // namespace forkv
