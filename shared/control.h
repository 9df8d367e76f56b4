// Typed control messages between the manager and its children (the backend
// "C" frames, docs/protocol.md "Manager <-> children"). One struct per
// message type and one codec for all of them; no child builds a map by hand.
//
// On the wire a control message is a msgpack map with str keys and a str
// "type" (decode limits: 64 KiB, map <= 256, array <= 1024, depth <= 4):
//
//   type     from -> to             fields
//   hello    child -> manager       role ("store"|"db"|"http"), gen, pid;
//                                   store: name; db: shard
//   ready    child -> manager       gen, stats (map; store: keys, load_ms;
//                                   http: port; db: empty, and then left out);
//                                   store, optional: tcp (str, the tcp://HOST:PORT
//                                   its client socket bound, when it has one)
//   ping     manager -> child       seq
//   pong     child -> manager       seq, gen, stats (map, per role)
//   db_up    manager -> store       shard
//   activity store -> manager       gen, busy (bool), stats (map, optional:
//                                   keys, bytes). busy=true when a request
//                                   reaches an idle store (sent before it is
//                                   served); busy=false after --idle-after-ms
//                                   without requests or pending writes. The
//                                   manager pings a store only while busy,
//                                   and hibernates the longest idle ones.
//   hibernate manager -> store      gen: finish pending writes and exit 0.
//                                   Sent after the last request the manager
//                                   forwards to this incarnation (same pipe,
//                                   so every earlier one is answered first).
//
// gen, pid, seq and shard are msgpack non-negative integers (shard < 2^32,
// pid < 2^63); name is a str that passes ValidateStoreName (shared/names.h).
// The encoder writes the map nlohmann::json writes (keys in byte order), so
// the bytes are those the children sent before these types existed.
//
// Decoding: unknown extra fields are ignored (forward compatibility), and so
// are fields of another role (a db hello's "name"). A missing required field,
// a field of the wrong type (a negative or float number where a uint is
// required, stats that is not a map), an unknown "type" or an unknown role is
// kMalformed with a message naming the field; bytes that are not one msgpack
// map within the limits are kMalformed or kTooLarge. `ready` may omit stats
// (a database worker's has none); `pong` may not. The stats maps' contents
// are not checked here: they are per role and only displayed.
//
// Pure: no sockets. Never throws on any input.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "shared/status.h"

namespace forkv {

enum class ChildRole { kStore, kDb, kHttp };
// "store", "db", "http".
std::string_view ChildRoleName(ChildRole role);
// The routing id a database worker's or the gateway's DEALER uses on the
// manager's backend: "d<gen>" or "h<gen>" (a store's: StoreRoutingId).
std::string ChildRoutingId(ChildRole role, uint64_t gen);
// A store's routing id, from its pid: "p<pid>". Unlike a generation, a
// process knows its pid before the manager tells it which store it is, so
// a spare of the spawn server connects its links ahead (issue 14).
std::string StoreRoutingId(int32_t pid);

struct HelloMsg {
  ChildRole role = ChildRole::kStore;
  uint64_t gen = 0;
  int64_t pid = 0;     // >= 0
  std::string name;    // stores only ("" otherwise; not sent for other roles)
  uint32_t shard = 0;  // database workers only (not sent for other roles)
  bool operator==(const HelloMsg&) const = default;
};

struct ReadyMsg {
  uint64_t gen = 0;
  nlohmann::json stats = nlohmann::json::object();  // always a map
  std::string tcp;  // a store's tcp client endpoint; "" when it has none (not sent)
  bool operator==(const ReadyMsg&) const = default;
};

struct PingMsg {
  uint64_t seq = 0;
  bool operator==(const PingMsg&) const = default;
};

struct PongMsg {
  uint64_t seq = 0;
  uint64_t gen = 0;
  nlohmann::json stats = nlohmann::json::object();  // always a map
  bool operator==(const PongMsg&) const = default;
};

struct DbUpMsg {
  uint32_t shard = 0;
  bool operator==(const DbUpMsg&) const = default;
};

struct ActivityMsg {
  uint64_t gen = 0;
  bool busy = false;
  nlohmann::json stats = nlohmann::json::object();  // always a map; empty is not sent
  bool operator==(const ActivityMsg&) const = default;
};

struct HibernateMsg {
  uint64_t gen = 0;
  bool operator==(const HibernateMsg&) const = default;
};

using ControlMessage =
    std::variant<HelloMsg, ReadyMsg, PingMsg, PongMsg, DbUpMsg, ActivityMsg, HibernateMsg>;

// "hello", "ready", "ping", "pong", "db_up", "activity", "hibernate".
std::string_view ControlTypeName(const ControlMessage& msg);

// The msgpack map above. `stats` must be a JSON object (a broken invariant
// otherwise: CHECK). A store hello's name is sent as given; the decoder is
// the one that validates it.
std::string EncodeControlMessage(const ControlMessage& msg);
// Untrusted bytes in; never throws.
Result<ControlMessage> DecodeControlMessage(std::string_view bytes);

}  // namespace forkv
