#include "db_worker/store_ops.h"

#include <string>
#include <utility>

#include "db_worker/shard_format.h"
#include "shared/names.h"
#include "shared/shard.h"

namespace forkv {
namespace {

// Printable ASCII as is, anything else as \xNN.
std::string EscapeBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\x").push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

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

Status ListStores(Storage& storage, const std::function<bool(std::string_view store)>& fn) {
  std::string from(kShardRecordsEnd);  // past the shard's own "\0..." records
  std::string key;
  while (true) {
    Status s = storage.FirstKeyFrom(from, &key);
    if (s.code() == StatusCode::kNotFound) return Status::Ok();
    if (!s.ok()) return s;
    size_t nul = key.find('\0');
    std::string_view store = std::string_view(key).substr(0, nul);
    if (nul == std::string::npos || !ValidateStoreName(store).ok()) {
      return Status::Malformed("a key outside any store: " + EscapeBytes(key.substr(0, 80)));
    }
    if (!fn(store)) return Status::Ok();
    from = PrefixEnd(StoragePrefix(store));  // "<store>\x01": past all its keys
  }
}

Status DropStore(Storage& storage, std::string_view store) {
  if (store.empty()) return Status::InvalidArgument("drop: empty store name");
  const std::string begin = StoragePrefix(store);
  return storage.DeleteRange(begin, PrefixEnd(begin), /*sync=*/true);
}

}  // namespace forkv
