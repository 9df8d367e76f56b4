// The forkv wire protocol: message types, op codes, limits, frame tags.
// docs/protocol.md is the normative description; this header mirrors it.
//
// Client <-> manager (ZeroMQ ROUTER bound by the manager; DEALER or REQ client)
//   request frame:  msgpack array(7)
//     [0] version  uint      == kProtocolVersion
//     [1] id       uint64    chosen by the client, echoed in the reply
//     [2] op       uint      Op below
//     [3] store    str       store name ("" for ops that take none)
//     [4] key      bin|str   key, key prefix for kKeys, after cursor for kStores
//     [5] value    bin|str   value for kPut, state filter for kStores, otherwise empty
//     [6] arg      uint      op-specific: kKeys limit, kStores limit, kKill signal, kWait ms
//     [7] if_version uint|nil optional (an array of 8 or 9): put/del only if the key's
//                            version is this; 0 = only if the key is absent (put); nil = none
//     [8] ttl_ms   uint      optional (an array of 9): put: the key expires this long after
//                            the write (0 = never)
//   kStores pages (docs/protocol.md, "Listing stores"): arg = limit (0 = 1000),
//   key = after (names strictly greater), value = state filter, store = one name
//   reply frame:    msgpack array(5)
//     [0] version  uint
//     [1] id       uint64    the request's id (0 when the request was undecodable)
//     [2] code     uint      StatusCode (shared/status.h)
//     [3] message  str       human-readable error text, "" on success
//     [4] body     any       op-specific (docs/protocol.md), nil when none
//
// Manager <-> children ("backend", manager ROUTER, child DEALER whose routing
// id is "s<gen>", "d<gen>" or "h<gen>", see shared/control_link.h), frames:
//   manager -> store : "Q" | tag(8 bytes, opaque) | request frame
//   store -> manager : "R" | tag                  | reply frame
//   both directions  : "C" | control map (typed: ControlMessage, shared/control.h)
//
// Store <-> database worker (db ROUTER bound by the worker, store DEALER):
//   store -> db : "W" | msgpack [store, gen, seq, op, key, value, base_seq] (WriteRequest)
//   store -> db : "V" | msgpack [[store, gen, seq, op, key, value, base_seq]...]
//                 (several writes in seq order: what one pass of the store's loop took)
//   store -> db : "L" | msgpack [store, gen, load_id]               (LoadRequest)
//   db -> store : "A" | msgpack [code, message, [seq...]]           (WriteAck)
//   db -> store : "D" | msgpack [load_id, last, [k0, v0, k1, v1...]] (LoadChunk)
// Manager <-> database worker (manager DEALER to the same db ROUTER):
//   manager -> db : "X" | msgpack [store, fence_gen, drop_id]       (DropRequest)
//   db -> manager : "x" | msgpack [drop_id, code, message]          (DropAck)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace forkv {

inline constexpr uint32_t kProtocolVersion = 1;

// Limits enforced by every process (docs/protocol.md, "Limits").
inline constexpr size_t kMaxStoreNameBytes = 128;
inline constexpr size_t kMaxKeyBytes = 64 * 1024;
inline constexpr size_t kMaxValueBytes = 16 * 1024 * 1024;
// Largest request frame the manager accepts (ZMQ_MAXMSGSIZE on the client
// socket): a maximal put plus generous room for the envelope.
inline constexpr size_t kMaxRequestFrameBytes = kMaxValueBytes + kMaxKeyBytes + 4096;
// A keys reply larger than this is refused with kTooLarge (use a prefix or limit).
inline constexpr size_t kMaxKeysReplyBytes = 32 * 1024 * 1024;
// Internal frames (load chunks) may carry several values.
inline constexpr size_t kMaxInternalFrameBytes = 64 * 1024 * 1024;

enum class Op : uint8_t {
  kPing = 1,
  kPut = 2,
  kGet = 3,
  kDel = 4,
  kKeys = 5,
  kCount = 6,
  kStores = 7,
  kCreate = 8,
  kDrop = 9,
  kStatus = 10,
  kRestart = 11,
  kKill = 12,
  kWait = 13,
  kLocate = 14,
  kScan = 15,
  kBackup = 16,
  kRename = 17,
  kIncr = 18,
  kExpire = 19,
};
inline constexpr uint8_t kMaxOp = 19;
// The longest TTL (put's ttl_ms, expire's arg): about 34 years.
inline constexpr uint64_t kMaxTtlMs = uint64_t{1} << 40;

// kScan: one page of (key, value) pairs in key order (docs/protocol.md,
// "Scanning a store"): key = after (exclusive), value = prefix, arg = limit
// (0 = kDefaultScanLimit, at most kMaxScanLimit). A page stops early once
// its keys and values pass kMaxScanReplyBytes (at least one pair).
inline constexpr uint64_t kDefaultScanLimit = 1000;
inline constexpr uint64_t kMaxScanLimit = 10000;
inline constexpr size_t kMaxScanReplyBytes = 4 * 1024 * 1024;

// kLocate's arg: bit 0 creates the store when it does not exist (get-or-create).
inline constexpr uint64_t kLocateCreate = 1;
// kPut's and kIncr's arg: bit 0 refuses to create a missing store
// (not_found instead of get-or-create), so a mistyped name creates nothing.
inline constexpr uint64_t kPutNoCreate = 1;
// kGet's arg: bit 0 answers [value, version, expires_ms] (unix ms, 0 = no
// expiry) instead of the value alone. kExpire: arg = the key's new TTL in
// ms (0 = no expiry any more); answered with the key's new version.
inline constexpr uint64_t kGetVersion = 1;
// A put's reply body is the key's new version (uint). kIncr (docs/protocol.md,
// "Counters"): value = the amount as decimal text ("" = 1; -2^63..2^63-1);
// the stored value must be such text too; answered [new value (int),
// version]. A key's version is the store's revision of its last write:
// it increases with every write of the key and is never reused.

// kStores, one page of the catalogue in name order (docs/protocol.md,
// "Listing stores"). On the wire:
//   arg   limit: 1..kMaxStoresLimit; 0 = kDefaultStoresLimit (what a request
//         from before paging sends); more: InvalidArgument
//   key   after: only names strictly greater are listed ("" = from the first)
//   value state: only stores showing this state (one of kStoreStates; "" = any)
//   store one store name: only that store ("" = every store)
inline constexpr uint64_t kDefaultStoresLimit = 1000;
inline constexpr uint64_t kMaxStoresLimit = 10000;
// The states a store can show in `stores` and `status` (a supervisor's
// ChildState names, and "hibernating": in the catalogue, no process).
inline constexpr std::array<std::string_view, 7> kStoreStates = {
    "starting", "running", "restarting", "stopping", "failed", "stopped", "hibernating"};
bool IsStoreState(std::string_view state);
// "starting, running, ..., hibernating", for error messages.
std::string StoreStateList();

// "put", "get", ...; "?" for values outside the enum.
std::string_view OpName(Op op);
// True for the ops a store process answers: put, get, del, keys, count, scan,
// incr. The
// manager answers every other op itself (ping included) and forwards only
// these; a store answers anything else with kUnknownOp. False for values
// outside the enum.
bool IsStoreOp(Op op);

struct Request {
  uint64_t id = 0;
  Op op = Op::kPing;
  std::string store;
  std::string key;
  std::string value;
  uint64_t arg = 0;
  std::optional<uint64_t> if_version;  // the optional 8th field
  uint64_t ttl_ms = 0;                 // the optional 9th field
};

// A decoded request whose strings point into the frame it came from.
struct RequestView {
  uint64_t id = 0;
  Op op = Op::kPing;
  std::string_view store;
  std::string_view key;
  std::string_view value;
  uint64_t arg = 0;
  std::optional<uint64_t> if_version;
  uint64_t ttl_ms = 0;

  Request ToRequest() const {
    return Request{.id = id,
                   .op = op,
                   .store = std::string(store),
                   .key = std::string(key),
                   .value = std::string(value),
                   .arg = arg,
                   .if_version = if_version,
                   .ttl_ms = ttl_ms};
  }
};

struct Reply {
  uint64_t id = 0;
  StatusCode code = StatusCode::kOk;
  std::string message;
  // The body, already msgpack-encoded (a single msgpack object). Empty means nil.
  std::string body;
};

// ---- internal messages -------------------------------------------------

// Frame tags (first frame of every internal message).
inline constexpr std::string_view kTagRequest = "Q";
inline constexpr std::string_view kTagReply = "R";
inline constexpr std::string_view kTagControl = "C";
inline constexpr std::string_view kTagWrite = "W";
inline constexpr std::string_view kTagWriteBatch = "V";
inline constexpr size_t kMaxWriteBatch = 4096;          // writes per "V" frame
inline constexpr size_t kMaxWriteBatchBytes = 4 << 20;  // a "V" frame's keys and values
inline constexpr std::string_view kTagLoad = "L";
inline constexpr std::string_view kTagWriteAck = "A";
inline constexpr std::string_view kTagLoadChunk = "D";
inline constexpr std::string_view kTagDrop = "X";
inline constexpr std::string_view kTagDropAck = "x";
// A backup (manager/backup_coordinator.h): "B" holds a worker (it applies
// nothing until released), "K" checkpoints its shard into `dir` and
// releases it (an empty dir: release only). Each is answered "b" / "k"
// with [backup_id, code, message], the DropAck shape.
inline constexpr std::string_view kTagBackupHold = "B";
inline constexpr std::string_view kTagBackupHeld = "b";
inline constexpr std::string_view kTagCheckpoint = "K";
inline constexpr std::string_view kTagCheckpointDone = "k";
// A sync barrier (a rename, manager/rename_table.h): "Y" [sync_id, 0, ""]
// (the BackupStep shape) makes the worker commit what came before and sync
// its WAL; answered "y" [sync_id, code, message] (the DropAck shape).
inline constexpr std::string_view kTagSync = "Y";
inline constexpr std::string_view kTagSynced = "y";

// A put or delete sent by a store to the database worker owning the key.
// (store, gen) names one incarnation of a store; seq increases by one per
// write the incarnation sends to this worker, so the worker can drop resends.
// base_seq is the lowest seq the store had not seen acknowledged when it
// sent this write: a worker that has no record of the incarnation (it just
// restarted) expects base_seq next, and refuses anything after a gap.
// A WriteRequest whose strings are borrowed (for encoding without copying
// the key and value first).
struct WriteRequestView {
  std::string_view store;
  uint64_t gen = 0;
  uint64_t seq = 0;
  Op op = Op::kPut;
  std::string_view key;
  std::string_view value;
  uint64_t base_seq = 0;
};

struct WriteRequest {
  std::string store;
  uint64_t gen = 0;
  uint64_t seq = 0;
  Op op = Op::kPut;  // kPut or kDel
  std::string key;
  std::string value;
  uint64_t base_seq = 0;

  // Valid while this request lives.
  WriteRequestView View() const {
    return {.store = store,
            .gen = gen,
            .seq = seq,
            .op = op,
            .key = key,
            .value = value,
            .base_seq = base_seq};
  }
};

struct WriteAck {
  StatusCode code = StatusCode::kOk;
  std::string message;
  std::vector<uint64_t> seqs;
};

struct LoadRequest {
  std::string store;
  uint64_t gen = 0;
  uint64_t load_id = 0;
};

struct LoadChunk {
  uint64_t load_id = 0;
  bool last = false;
  std::vector<std::pair<std::string, std::string>> entries;
};

struct DropRequest {
  std::string store;
  uint64_t fence_gen = 0;
  uint64_t drop_id = 0;
};

struct DropAck {
  uint64_t drop_id = 0;  // or the backup_id of a "b" / "k" answer
  StatusCode code = StatusCode::kOk;
  std::string message;
};

// "B" and "K": msgpack [backup_id, hold_ms, dir].
struct BackupStep {
  uint64_t backup_id = 0;
  uint64_t hold_ms = 0;  // "B": release by itself after this long without "K"
  std::string dir;       // "K": the checkpoint's directory ("" = release only)
};

}  // namespace forkv
