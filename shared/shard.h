// Which database worker owns a key. Pure and stable across machines and
// builds: XXH64 (seed 0) of "<store>\0<key>", modulo the worker count.
// Never change this function without a data-format version bump: the data dir
// records the worker count and the shard of every key follows from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace forkv {

uint64_t StableKeyHash(std::string_view store, std::string_view key);
uint32_t ShardFor(std::string_view store, std::string_view key, uint32_t shard_count);

// The storage key of (store, key): "<store>\0<key>". One store's keys form one
// prefix, StoragePrefix(store) = "<store>\0".
std::string StorageKey(std::string_view store, std::string_view key);
std::string StoragePrefix(std::string_view store);

}  // namespace forkv
