#include "shared/shard.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

namespace forkv {

std::string StorageKey(std::string_view store, std::string_view key) {
  std::string out;
  out.reserve(store.size() + 1 + key.size());
  out.append(store);
  out.push_back('\0');
  out.append(key);
  return out;
}

std::string StoragePrefix(std::string_view store) { return StorageKey(store, ""); }

uint64_t StableKeyHash(std::string_view store, std::string_view key) {
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  XXH64_update(&state, store.data(), store.size());
  const char zero = '\0';
  XXH64_update(&state, &zero, 1);
  XXH64_update(&state, key.data(), key.size());
  return XXH64_digest(&state);
}

uint32_t ShardFor(std::string_view store, std::string_view key, uint32_t shard_count) {
  if (shard_count <= 1) return 0;
  return static_cast<uint32_t>(StableKeyHash(store, key) % shard_count);
}

}  // namespace forkv
