#include "shared/codec.h"

#include <cstring>
#include <msgpack.hpp>
#include <new>

#include "shared/msgpack_util.h"

namespace forkv {

using namespace codec_detail;  // NOLINT: the codec's own helpers

namespace {

// A request is an array of 7 scalars (its strings are referenced, not
// copied): 7 objects of 24 bytes. msgpack's default first chunk is 8 KiB,
// two resident pages in every idle store; a larger request grows the zone.
constexpr size_t kRequestZoneChunkBytes = 1024;

}  // namespace

std::string EncodeRequest(const Request& r) {
  std::string out;
  out.reserve(32 + r.store.size() + r.key.size() + r.value.size());
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(r.ttl_ms != 0 ? 9 : r.if_version ? 8 : 7);
  pk.pack_uint32(kProtocolVersion);
  pk.pack_uint64(r.id);
  pk.pack_uint8(static_cast<uint8_t>(r.op));
  PackStr(pk, r.store);
  PackBin(pk, r.key);
  PackBin(pk, r.value);
  pk.pack_uint64(r.arg);
  if (r.if_version) {
    pk.pack_uint64(*r.if_version);
  } else if (r.ttl_ms != 0) {
    pk.pack_nil();
  }
  if (r.ttl_ms != 0) pk.pack_uint64(r.ttl_ms);
  return out;
}

uint64_t PeekRequestId(std::string_view bytes) {
  msgpack::object_handle oh;
  if (!Unpack(bytes, Limits{}, &oh).ok()) return 0;
  const msgpack::object& o = oh.get();
  uint64_t id = 0;
  if (o.type == msgpack::type::ARRAY && o.via.array.size >= 2) GetUint(o.via.array.ptr[1], &id);
  return id;
}

Result<RequestView> DecodeRequestView(std::string_view bytes) {
  // Every request of every process comes through here: one zone per thread,
  // reused (the view's strings point into `bytes`, never into the zone).
  thread_local msgpack::zone zone(kRequestZoneChunkBytes);
  msgpack::object o;
  if (Status s = UnpackInto(bytes, Limits{}, &zone, &o); !s.ok()) return s;
  if (o.type != msgpack::type::ARRAY) return Status::Malformed("request: not an array");
  uint64_t version = 0;
  if (o.via.array.size < 1 || !GetUint(o.via.array.ptr[0], &version)) {
    return Status::Malformed("request: element 0 must be the protocol version");
  }
  if (version != kProtocolVersion) {
    return Status::VersionMismatch("protocol version " + std::to_string(version) +
                                   " not supported (server speaks " +
                                   std::to_string(kProtocolVersion) + ")");
  }
  if (o.via.array.size != 8 && o.via.array.size != 9) {
    if (Status s = ExpectArray(o, 7, "request"); !s.ok()) return s;
  }
  const msgpack::object* f = o.via.array.ptr;
  RequestView r;
  uint64_t op = 0;
  if (!GetUint(f[1], &r.id)) return FieldError("request", "id");
  if (!GetUint(f[2], &op)) return FieldError("request", "op");
  if (f[3].type != msgpack::type::STR) return FieldError("request", "store");
  r.store = std::string_view(f[3].via.str.ptr, f[3].via.str.size);
  if (!GetBytesView(f[4], &r.key)) return FieldError("request", "key");
  if (!GetBytesView(f[5], &r.value)) return FieldError("request", "value");
  if (!GetUint(f[6], &r.arg)) return FieldError("request", "arg");
  if (o.via.array.size >= 8 && f[7].type != msgpack::type::NIL) {
    uint64_t if_version = 0;
    if (!GetUint(f[7], &if_version)) return FieldError("request", "if_version");
    r.if_version = if_version;
  }
  if (o.via.array.size == 9 && !GetUint(f[8], &r.ttl_ms)) return FieldError("request", "ttl_ms");
  if (op < 1 || op > kMaxOp) return Status::UnknownOp("unknown op " + std::to_string(op));
  r.op = static_cast<Op>(op);
  return r;
}

Result<Request> DecodeRequest(std::string_view bytes) {
  auto view = DecodeRequestView(bytes);
  if (!view.ok()) return view.status();
  return view->ToRequest();
}

std::string EncodeReply(const Reply& r) {
  std::string out;
  out.reserve(32 + r.message.size() + r.body.size());
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(5);
  pk.pack_uint32(kProtocolVersion);
  pk.pack_uint64(r.id);
  pk.pack_uint8(static_cast<uint8_t>(r.code));
  PackStr(pk, r.message);
  if (r.body.empty()) {
    pk.pack_nil();
  } else {
    out.append(r.body);
  }
  return out;
}

std::string EncodeStatusReply(uint64_t id, const Status& status) {
  Reply r;
  r.id = id;
  r.code = status.code();
  r.message = status.message();
  return EncodeReply(r);
}

Result<Reply> DecodeReply(std::string_view bytes) {
  msgpack::object_handle oh;
  Limits lim{
      .array = 16 * 1024 * 1024, .map = 1024 * 1024, .bytes = kMaxInternalFrameBytes, .depth = 10};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 5, "reply"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  uint64_t version = 0, code = 0;
  Reply r;
  if (!GetUint(f[0], &version)) return FieldError("reply", "version");
  if (version != kProtocolVersion) return Status::VersionMismatch("reply has another version");
  if (!GetUint(f[1], &r.id)) return FieldError("reply", "id");
  if (!GetUint(f[2], &code) || code > kMaxStatusCode) return FieldError("reply", "code");
  r.code = static_cast<StatusCode>(code);
  if (f[3].type != msgpack::type::STR) return FieldError("reply", "message");
  r.message.assign(f[3].via.str.ptr, f[3].via.str.size);
  if (f[4].type != msgpack::type::NIL) PackObjectToString(f[4], &r.body);
  return r;
}

size_t EncodeValueReplyHeader(uint64_t id, size_t value_size, char* out) {
  struct BufferSink {
    char* p;
    size_t n = 0;
    void write(const char* data, size_t size) {
      std::memcpy(p + n, data, size);
      n += size;
    }
  } sink{out};
  msgpack::packer<BufferSink> pk(sink);
  pk.pack_array(5);
  pk.pack_uint32(kProtocolVersion);
  pk.pack_uint64(id);
  pk.pack_uint8(static_cast<uint8_t>(StatusCode::kOk));
  pk.pack_str(0);
  pk.pack_bin(static_cast<uint32_t>(value_size));
  return sink.n;
}

std::string EncodeBinBody(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 5);
  StringSink sink{&out};
  Packer pk(sink);
  PackBin(pk, bytes);
  return out;
}

std::string EncodeUintBody(uint64_t n) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_uint64(n);
  return out;
}

std::string EncodeVersionedValueBody(std::string_view value, uint64_t version, int64_t expires_ms) {
  std::string out;
  out.reserve(value.size() + 24);
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  PackBin(pk, value);
  pk.pack_uint64(version);
  pk.pack_uint64(static_cast<uint64_t>(expires_ms));
  return out;
}

std::string EncodeCounterBody(int64_t value, uint64_t version) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(2);
  pk.pack_int64(value);
  pk.pack_uint64(version);
  return out;
}

std::string EncodeBinArrayBody(const std::vector<std::string>& items) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<uint32_t>(items.size()));
  for (const auto& s : items) PackBin(pk, s);
  return out;
}

std::string EncodeScanBody(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                           bool more) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_map(2);
  PackStr(pk, "pairs");
  pk.pack_array(static_cast<uint32_t>(2 * pairs.size()));
  for (const auto& [key, value] : pairs) {
    PackBin(pk, key);
    PackBin(pk, value);
  }
  PackStr(pk, "next_after");
  if (more && !pairs.empty()) {
    PackBin(pk, pairs.back().first);
  } else {
    pk.pack_nil();
  }
  return out;
}

std::string EncodeJsonBody(const nlohmann::json& j) {
  std::vector<uint8_t> v = nlohmann::json::to_msgpack(j);
  return std::string(v.begin(), v.end());
}

Result<nlohmann::json> DecodeJsonBody(std::string_view bytes) {
  msgpack::object_handle oh;
  Limits lim{
      .array = 16 * 1024 * 1024, .map = 1024 * 1024, .bytes = kMaxInternalFrameBytes, .depth = 8};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  try {
    return ObjectToJson(oh.get(), 0);
  } catch (const std::bad_alloc&) {
    return Status::TooLarge("body too large to convert");
  }
}

Result<nlohmann::json> DecodeControlMap(std::string_view bytes) {
  constexpr size_t kMaxControlBytes = 64 * 1024;
  // The limit applies to the whole frame, not only to each string in it.
  if (bytes.size() > kMaxControlBytes) {
    return Status::TooLarge("control: " + std::to_string(bytes.size()) + " bytes, limit " +
                            std::to_string(kMaxControlBytes));
  }
  msgpack::object_handle oh;
  // Depth 6: a store's pong {stats: {requests: {op: {seconds: {le: [...]}}}}}.
  Limits lim{.array = 1024, .map = 256, .bytes = kMaxControlBytes, .depth = 6};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  if (oh.get().type != msgpack::type::MAP) return Status::Malformed("control: not a map");
  try {
    return ObjectToJson(oh.get(), 0);
  } catch (const std::bad_alloc&) {
    return Status::TooLarge("control: too large to convert");
  }
}

}  // namespace forkv
