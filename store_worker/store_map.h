// The in-memory map of one store: the state of the seeds' GenServer KV
// store. Pure: no sockets, no I/O. Keys are kept sorted so that `keys`
// returns them in byte order and prefix listing is a range scan. Each value
// carries its version (shared/stored_value.h) and expiry time.
//
// Not thread-safe (a store process is single-threaded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/status.h"

namespace forkv {

class StoreMap {
 public:
  struct Item {
    std::string value;
    uint64_t version = 0;
    int64_t expires_ms = 0;  // unix ms; 0 = never
  };
  // Inserts or replaces.
  void Put(std::string key, std::string value, uint64_t version = 0, int64_t expires_ms = 0);
  // On success *value holds a copy; NotFound leaves it untouched.
  Status Get(std::string_view key, std::string* value) const;
  // Pointer into the map (valid until the next mutation), nullptr if absent.
  const Item* Find(std::string_view key) const;
  // As Find, but nullptr also when the item expired at or before `now_ms`
  // (an expired key is invisible until it is removed).
  const Item* FindLive(std::string_view key, int64_t now_ms) const;
  // NotFound if absent.
  Status Delete(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Keys starting with `prefix` and sorting after `after` (exclusive; ""
  // = from the first), in byte order, at most `limit` (0 = all). With
  // `now_ms`, keys expired by then are left out (0: every key).
  std::vector<std::string> Keys(std::string_view prefix, size_t limit, std::string_view after = {},
                                int64_t now_ms = 0) const;
  // One page of Scan: views into the map, valid until the next mutation.
  struct Entry {
    std::string_view key;
    const std::string* value;
    uint64_t version;
    int64_t expires_ms;
  };
  struct ScanPage {
    std::vector<Entry> entries;
    bool more = false;  // keys with the prefix remain after the last entry
  };
  // Entries whose key starts with `prefix` and sorts after `after`, in key
  // order: at most `limit`, and no more once their keys and values pass
  // `max_bytes` (one at least).
  ScanPage Scan(std::string_view after, std::string_view prefix, size_t limit, size_t max_bytes,
                int64_t now_ms = 0) const;
  size_t Count() const { return map_.size(); }
  // Keys not expired at `now_ms`.
  size_t LiveCount(int64_t now_ms) const;
  // Expiry (TTL): the earliest expiry time of any key, 0 when none has one;
  // up to `limit` keys expired at `now_ms`, earliest first (views valid
  // until the next mutation).
  int64_t NextExpiry() const { return expiry_.empty() ? 0 : expiry_.begin()->first; }
  std::vector<std::string> ExpiredKeys(int64_t now_ms, size_t limit) const;
  // Sum of key and value sizes.
  size_t PayloadBytes() const { return payload_bytes_; }
  void Clear();
  // "k1=v1,k2=v2" with non-printable bytes as \xNN, for tests.
  std::string Dump() const;

 private:
  // Point lookups (every get, put and del) hash; ordered scans (keys with a
  // prefix) walk `order_`, whose views point at the keys inside `map_`'s
  // nodes (a node never moves, so neither does its key's buffer, SSO or not).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Item, KeyHash, std::equal_to<>> map_;
  std::set<std::string_view> order_;
  // (expires_ms, key) of every item with an expiry time.
  std::set<std::pair<int64_t, std::string_view>> expiry_;
  bool Expired(const Item& item, int64_t now_ms) const {
    return item.expires_ms != 0 && now_ms != 0 && item.expires_ms <= now_ms;
  }
  size_t payload_bytes_ = 0;
};

}  // namespace forkv
