#include "db_worker/store_ops.h"

#include <string>
#include <utility>

#include "shared/shard.h"

namespace forkv {

Status LoadStore(Storage& storage, std::string_view store, uint64_t load_id,
                 const ChunkLimits& limits, const ChunkFn& emit) {
  const std::string prefix = StoragePrefix(store);
  LoadChunk chunk;
  chunk.load_id = load_id;
  size_t bytes = 0;
  bool abandoned = false;
  Status s = storage.Scan(prefix, [&](std::string_view key, std::string_view value) {
    if (!chunk.entries.empty() &&
        (chunk.entries.size() >= limits.max_entries || bytes >= limits.max_bytes ||
         bytes + key.size() + value.size() - prefix.size() > limits.max_bytes)) {
      LoadChunk full;
      full.load_id = load_id;
      std::swap(full, chunk);
      bytes = 0;
      if (!emit(std::move(full))) {
        abandoned = true;
        return false;
      }
    }
    key.remove_prefix(prefix.size());
    bytes += key.size() + value.size();
    chunk.entries.emplace_back(std::string(key), std::string(value));
    return true;
  });
  if (abandoned) return Status::Ok();
  if (!s.ok()) return s;
  chunk.last = true;
  emit(std::move(chunk));
  return Status::Ok();
}

Status DropStore(Storage& storage, std::string_view store) {
  if (store.empty()) return Status::InvalidArgument("drop: empty store name");
  const std::string begin = StoragePrefix(store);
  return storage.DeleteRange(begin, PrefixEnd(begin), /*sync=*/true);
}

}  // namespace forkv
