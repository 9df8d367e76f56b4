#include "db_worker/shard_format.h"

#include <string>
#include <vector>

#include "shared/stored_value.h"

namespace forkv {

Result<FormatOutcome> EnsureShardFormat(Storage& storage) {
  FormatOutcome outcome;
  std::string format;
  Status s = storage.Get(kShardFormatKey, &format);
  if (s.ok()) {
    if (format != kShardFormat) {
      return Status::InvalidArgument("shard data format '" + format + "': this forkv reads " +
                                     std::string(kShardFormat) + " (a newer forkv wrote it?)");
    }
    outcome.was_current = true;
    return outcome;
  }
  if (s.code() != StatusCode::kNotFound) return s;

  std::string resume_after;
  s = storage.Get(kShardMigrateKey, &resume_after);
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;

  // One pass over the stores' keys from one snapshot; every kMigrateBatch
  // rewritten values are written with the progress record, atomically.
  std::vector<Mutation> batch;
  Status write_status;
  auto flush = [&](std::string_view last_key) {
    batch.push_back(Mutation::Put(std::string(kShardMigrateKey), std::string(last_key)));
    write_status = storage.Write(batch, /*sync=*/false);
    batch.clear();
    return write_status.ok();
  };
  for (int first_byte = 1; first_byte < 256; ++first_byte) {
    const std::string prefix(1, static_cast<char>(first_byte));
    s = storage.Scan(prefix, [&](std::string_view key, std::string_view value) {
      if (!resume_after.empty() && key <= resume_after) return true;
      batch.push_back(Mutation::Put(std::string(key), EncodeStoredValue(1, 0, value)));
      ++outcome.rewritten;
      if (batch.size() < kMigrateBatch) return true;
      return flush(key);
    });
    if (!write_status.ok()) return write_status;
    if (!s.ok()) return s;
  }
  batch.push_back(Mutation::Put(std::string(kShardFormatKey), std::string(kShardFormat)));
  batch.push_back(Mutation::Delete(std::string(kShardMigrateKey)));
  // Not synced: the WAL keeps its order, so whatever survives a power loss
  // is a prefix of these writes (the progress record says where to resume),
  // and the record comes before any value of format 2 a client writes. A
  // new shard's start is not held up by an fsync.
  if (Status w = storage.Write(batch, /*sync=*/false); !w.ok()) return w;
  return outcome;
}

}  // namespace forkv
