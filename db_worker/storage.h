// The database worker's only door to the disk (leveldb's Env idea): a small
// ordered key-value interface, so tests can put a fault-injecting wrapper
// (fault_injection_storage.h) in front of the real RocksDB one
// (rocksdb_storage.h), and pure logic above it never sees RocksDB.
//
// Keys and values are arbitrary bytes (NUL included), ordered bytewise.
// forkv stores key K of store S under "S\0K" (shared/shard.h StorageKey), so
// one store is one key prefix.
//
// Durability contract: a call with sync=true returns only after this write
// *and every earlier one* is on stable storage. A call with sync=false is
// written to the operating system (it survives kill -9 of the process, not a
// power loss) until a later sync=true call or SyncWal().
//
// Error contract: every method returns Status; no exception escapes. Write and
// DeleteRange are atomic: on error nothing of the call was applied.
// kIoError: the disk failed (EIO, ENOSPC, corruption found while reading);
// the message says which and a later call may succeed.
//
// Not thread-safe: one Storage belongs to one thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace forkv {

struct Mutation {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut only

  static Mutation Put(std::string key, std::string value) {
    return {Kind::kPut, std::move(key), std::move(value)};
  }
  static Mutation Delete(std::string key) { return {Kind::kDelete, std::move(key), {}}; }
};

// Called once per entry in key order; returns false to stop the scan early.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

class Storage {
 public:
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  // Closes the store (without an extra sync: call SyncWal() first if needed).
  virtual ~Storage();

  // Applies every mutation of `batch` in order, atomically. An empty batch is
  // a no-op (it still syncs when `sync`).
  virtual Status Write(const std::vector<Mutation>& batch, bool sync) = 0;
  // Calls `fn` for every entry whose key starts with `prefix` (full keys,
  // prefix included), in key order, from one consistent snapshot. An error
  // status means the scan stopped early; entries already passed to `fn` stay
  // valid data. The views are valid only during the call.
  virtual Status Scan(std::string_view prefix, const ScanFn& fn) = 0;
  // Deletes every key in [begin, end) atomically. begin < end.
  virtual Status DeleteRange(std::string_view begin, std::string_view end, bool sync) = 0;
  // Makes every earlier write durable.
  virtual Status SyncWal() = 0;
  // On success *value holds the value. NotFound leaves *value untouched.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // The smallest key >= `from` into *key; NotFound when there is none.
  virtual Status FirstKeyFrom(std::string_view from, std::string* key) = 0;
  // A consistent copy of the whole database in `dir` (which must not
  // exist; its parent must): RocksDB hard-links its table files and copies
  // the rest, so it is fast and costs little space on the same filesystem.
  virtual Status Checkpoint(const std::string& dir) = 0;
  // Ok while writes work; after a failed write, that failure until the
  // storage has recovered (for status and readiness).
  virtual Status Health() const { return Status::Ok(); }
};

// The smallest key greater than every key starting with `prefix`, i.e. the
// exclusive upper bound of a prefix range; "" when no such key exists
// (prefix empty or all 0xff). PrefixEnd("a\0") == "a\x01".
std::string PrefixEnd(std::string_view prefix);

}  // namespace forkv
