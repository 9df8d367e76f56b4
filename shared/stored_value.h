// How a store's value is kept on disk: the bytes a database worker stores
// under "S\0K" (shared/shard.h). Pure: no I/O.
//
// Format 2 (docs/architecture.md, "Values on disk"), little-endian:
//   [0]     tag      0x02
//   [1]     flags    bit 0: an expiry time follows
//   [2..9]  version  uint64, the store's revision of the key's last write
//   [10..17] expires int64 unix milliseconds (only with flag bit 0)
//   [...]   the value, as the client wrote it
// Format 1 (the first release) stored the value alone; a database worker
// rewrites a format-1 shard once, at open (db_worker/shard_format.h).
//
// The empty key of a store ("S\0", which no client key can be: keys are
// never empty) holds the store's revision floor on each shard: the revision
// of the last delete that shard applied, encoded as a value of format 2
// with an empty value. A store never hands out a revision at or below what
// it loaded (versions or floors), so a version is never reused, not even by
// a key deleted and written again (no ABA for compare-and-swap).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv {

inline constexpr uint8_t kStoredValueTag = 0x02;
inline constexpr uint8_t kStoredHasExpiry = 0x01;
inline constexpr size_t kStoredHeaderBytes = 10;
inline constexpr size_t kStoredExpiryBytes = 8;

struct StoredValue {
  uint64_t version = 0;
  int64_t expires_ms = 0;  // unix ms; 0 = never
  std::string_view value;  // points into the decoded bytes
};

// The bytes stored for `value` at `version` (expires_ms 0 = no expiry).
std::string EncodeStoredValue(uint64_t version, int64_t expires_ms, std::string_view value);
// kMalformed for bytes that are not format 2 (a wrong tag, unknown flags,
// too short).
Result<StoredValue> DecodeStoredValue(std::string_view bytes);

// The empty key's bytes: the shard's revision floor.
inline std::string EncodeRevisionFloor(uint64_t revision) {
  return EncodeStoredValue(revision, 0, {});
}

}  // namespace forkv
