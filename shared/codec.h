// msgpack <-> forkv messages. Pure: no sockets, no globals.
//
// Every Decode* function takes untrusted bytes and never throws: msgpack
// exceptions and std::bad_alloc are caught here (the codec boundary) and
// turned into Status::Malformed / Status::TooLarge. Decoding always uses an
// explicit msgpack::unpack_limit, rejects trailing bytes, and checks the
// array arity and the type of every field itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv {

std::string EncodeRequest(const Request& request);
// Checks shape, types, version and op range. Does NOT check store names or
// key/value sizes: that is ValidateRequest() (shared/names.h), so a caller can
// still echo the decoded id in its error reply.
Result<Request> DecodeRequest(std::string_view bytes);
// The same checks without copying: the view's strings point into `bytes`,
// which must outlive it (the manager routes on it, the store applies it).
Result<RequestView> DecodeRequestView(std::string_view bytes);
// Best effort: the id of an undecodable request, 0 when even that is unreadable.
uint64_t PeekRequestId(std::string_view bytes);

std::string EncodeReply(const Reply& reply);
Result<Reply> DecodeReply(std::string_view bytes);
// Convenience for servers: a reply carrying only a status.
std::string EncodeStatusReply(uint64_t id, const Status& status);

// Body helpers (a body is one msgpack object, see Reply::body).
std::string EncodeBinBody(std::string_view bytes);
// The bytes of EncodeReply({id, kOk, "", EncodeBinBody(value)}) that come
// before the value itself, written to `out` (kValueReplyHeaderMax bytes at
// most); returns their count. A get's answer is these bytes then the value:
// one buffer, one copy of the value.
inline constexpr size_t kValueReplyHeaderMax = 32;
size_t EncodeValueReplyHeader(uint64_t id, size_t value_size, char* out);
std::string EncodeUintBody(uint64_t n);
// A get with kGetVersion: [value (bin), version (uint), expires_ms (uint,
// unix ms; 0 = no expiry)].
std::string EncodeVersionedValueBody(std::string_view value, uint64_t version, int64_t expires_ms);
// An incr: [new value (int), version (uint)].
std::string EncodeCounterBody(int64_t value, uint64_t version);
std::string EncodeBinArrayBody(const std::vector<std::string>& items);
// A scan page: map {"pairs": [k1, v1, k2, v2, ...] (bin), "next_after": the
// last key (bin) when more follow, else nil}.
std::string EncodeScanBody(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                           bool more);
// JSON <-> msgpack for structured bodies and control maps. nlohmann binary
// values map to msgpack bin; msgpack bin maps back to nlohmann binary.
std::string EncodeJsonBody(const nlohmann::json& j);
// Decodes one msgpack object (depth <= 8) into JSON.
Result<nlohmann::json> DecodeJsonBody(std::string_view bytes);

std::string EncodeWriteRequest(const WriteRequest& w);
// The same bytes from borrowed strings (no copy of key or value first).
std::string EncodeWriteRequestView(const WriteRequestView& w);
Result<WriteRequest> DecodeWriteRequest(std::string_view bytes);
// A "V" frame: several writes of one store incarnation to one worker, in seq
// order, as a msgpack array of write arrays (1..kMaxWriteBatch of them).
std::string EncodeWriteBatch(const std::vector<WriteRequestView>& writes);
Result<std::vector<WriteRequest>> DecodeWriteBatch(std::string_view bytes);
std::string EncodeWriteAck(const WriteAck& a);
Result<WriteAck> DecodeWriteAck(std::string_view bytes);
std::string EncodeLoadRequest(const LoadRequest& l);
Result<LoadRequest> DecodeLoadRequest(std::string_view bytes);
std::string EncodeLoadChunk(const LoadChunk& c);
Result<LoadChunk> DecodeLoadChunk(std::string_view bytes);
std::string EncodeDropRequest(const DropRequest& d);
Result<DropRequest> DecodeDropRequest(std::string_view bytes);
std::string EncodeBackupStep(const BackupStep& b);
Result<BackupStep> DecodeBackupStep(std::string_view bytes);
std::string EncodeDropAck(const DropAck& a);
Result<DropAck> DecodeDropAck(std::string_view bytes);

// Control maps (backend "C" frames) are typed in shared/control.h; this is
// its decoding step: one msgpack map with str keys,
// within the control limits (a 64 KiB frame, map <= 256 entries, array <=
// 1024 elements, depth <= 4), as JSON. Does not look at "type". Never throws:
// kMalformed, or kTooLarge for a limit.
Result<nlohmann::json> DecodeControlMap(std::string_view bytes);

// 8-byte little-endian tags used to match backend replies to requests.
std::string EncodeTag(uint64_t tag);
Result<uint64_t> DecodeTag(std::string_view bytes);

}  // namespace forkv
