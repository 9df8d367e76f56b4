// Whole-store operations of the database worker over a Storage: loading
// every key of a store in chunks, and dropping a store. No sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "db_worker/storage.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

struct ChunkLimits {
  size_t max_entries = 4096;
  // A chunk is closed once its key and value bytes reach this; a single
  // larger entry (values go up to kMaxValueBytes) travels alone.
  size_t max_bytes = 4 << 20;
};

// Called per chunk, in key order; returns false to abandon the load (e.g. the
// peer is gone).
using ChunkFn = std::function<bool(LoadChunk&& chunk)>;

// Scans every key of `store` (prefix StoragePrefix(store), stripped from the
// keys) and passes them to `emit` as LoadChunks of `load_id` within `limits`.
// The final chunk has last=true; an empty store yields one empty last chunk.
// On a storage error, returns it after emitting only non-last chunks (the
// protocol has no error chunk: the store sees no last chunk, times out and
// retries). Returns OK when `emit` abandons the load.
Status LoadStore(Storage& storage, std::string_view store, uint64_t load_id,
                 const ChunkLimits& limits, const ChunkFn& emit);

// Calls `fn` with the name of every store that has at least one key, in
// name order; one seek per store, not one step per key. Stops early when
// `fn` returns false. A key that is not "<valid store name>\0..." is
// kMalformed, naming it (hex-escaped): such a shard was not written by forkv.
Status ListStores(Storage& storage, const std::function<bool(std::string_view store)>& fn);

// Deletes every key of `store` with one synced range deletion from
// StoragePrefix(store) ("<store>\0") to "<store>\x01". `store` must not be
// empty (an empty name would be the prefix of nothing but "\0..." keys, but
// is always a caller bug).
Status DropStore(Storage& storage, std::string_view store);

}  // namespace forkv
