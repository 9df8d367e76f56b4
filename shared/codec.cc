#include "shared/codec.h"

#include <cstring>
#include <msgpack.hpp>
#include <new>

namespace forkv {
namespace {

// A request is an array of 7 scalars (its strings are referenced, not
// copied): 7 objects of 24 bytes. msgpack's default first chunk is 8 KiB,
// two resident pages in every idle store; a larger request grows the zone.
constexpr size_t kRequestZoneChunkBytes = 1024;

// Appends packed bytes to a std::string (msgpack::packer's Stream concept).
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<StringSink>;

void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}
void PackBin(Packer& pk, std::string_view s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

struct Limits {
  size_t array = 16;
  size_t map = 16;
  size_t bytes = kMaxRequestFrameBytes;
  size_t depth = 2;
};

bool ReferenceAll(msgpack::type::object_type, size_t, void*) { return true; }

// Unpacks exactly one object covering all of `bytes`.
// Runs one msgpack-c unpack call, its exceptions turned into a Status.
template <typename F>
Status Guarded(std::string_view bytes, F&& unpack) {
  if (bytes.empty()) return Status::Malformed("empty frame");
  try {
    size_t offset = 0;
    unpack(&offset);
    if (offset != bytes.size()) return Status::Malformed("trailing bytes after msgpack object");
    return Status::Ok();
  } catch (const msgpack::size_overflow& e) {
    return Status::TooLarge(std::string("msgpack limit exceeded: ") + e.what());
  } catch (const msgpack::unpack_error& e) {
    return Status::Malformed(std::string("bad msgpack: ") + e.what());
  } catch (const msgpack::type_error& e) {
    return Status::Malformed(std::string("bad msgpack type: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::TooLarge("msgpack object too large to decode");
  }
}

msgpack::unpack_limit LimitOf(const Limits& lim) {
  return msgpack::unpack_limit(lim.array, lim.map, lim.bytes, lim.bytes, 0, lim.depth);
}

Status Unpack(std::string_view bytes, const Limits& lim, msgpack::object_handle* oh) {
  // Strings and binaries point into `bytes` instead of being copied into
  // the zone (msgpack-c copies when no reference function is given): every
  // decoder copies what it keeps before returning, and `bytes` outlives
  // the handle within each decoder.
  return Guarded(bytes, [&](size_t* offset) {
    *oh = msgpack::unpack(bytes.data(), bytes.size(), *offset, ReferenceAll, nullptr, LimitOf(lim));
  });
}

// Unpack() into a zone the caller keeps (cleared first): no allocation per
// call once the zone's first chunk exists. For the hot decoders only; the
// object is valid until the next call with the same zone.
Status UnpackInto(std::string_view bytes, const Limits& lim, msgpack::zone* zone,
                  msgpack::object* out) {
  zone->clear();
  return Guarded(bytes, [&](size_t* offset) {
    *out = msgpack::unpack(*zone, bytes.data(), bytes.size(), *offset, ReferenceAll, nullptr,
                           LimitOf(lim));
  });
}

Status ExpectArray(const msgpack::object& o, uint32_t n, const char* what) {
  if (o.type != msgpack::type::ARRAY)
    return Status::Malformed(std::string(what) + ": not an array");
  if (o.via.array.size != n) {
    return Status::Malformed(std::string(what) + ": expected " + std::to_string(n) +
                             " elements, got " + std::to_string(o.via.array.size));
  }
  return Status::Ok();
}

bool GetUint(const msgpack::object& o, uint64_t* out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  *out = o.via.u64;
  return true;
}

bool GetBytesView(const msgpack::object& o, std::string_view* out) {
  if (o.type == msgpack::type::STR) {
    *out = std::string_view(o.via.str.ptr, o.via.str.size);
    return true;
  }
  if (o.type == msgpack::type::BIN) {
    *out = std::string_view(o.via.bin.ptr, o.via.bin.size);
    return true;
  }
  return false;
}

bool GetBytes(const msgpack::object& o, std::string* out) {
  if (o.type == msgpack::type::STR) {
    out->assign(o.via.str.ptr, o.via.str.size);
    return true;
  }
  if (o.type == msgpack::type::BIN) {
    out->assign(o.via.bin.ptr, o.via.bin.size);
    return true;
  }
  return false;
}

bool GetBool(const msgpack::object& o, bool* out) {
  if (o.type != msgpack::type::BOOLEAN) return false;
  *out = o.via.boolean;
  return true;
}

Status FieldError(const char* msg, const char* field) {
  return Status::Malformed(std::string(msg) + ": field '" + field + "' has the wrong type");
}

void PackObjectToString(const msgpack::object& o, std::string* out) {
  StringSink sink{out};
  msgpack::pack(sink, o);
}

Result<nlohmann::json> ObjectToJson(const msgpack::object& o, int depth) {
  if (depth > 8) return Status::Malformed("nesting too deep");
  switch (o.type) {
    case msgpack::type::NIL:
      return nlohmann::json(nullptr);
    case msgpack::type::BOOLEAN:
      return nlohmann::json(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      return nlohmann::json(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
      return nlohmann::json(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return nlohmann::json(o.via.f64);
    case msgpack::type::STR:
      return nlohmann::json(std::string(o.via.str.ptr, o.via.str.size));
    case msgpack::type::BIN:
      return nlohmann::json::binary(
          std::vector<uint8_t>(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size));
    case msgpack::type::ARRAY: {
      nlohmann::json arr = nlohmann::json::array();
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        auto item = ObjectToJson(o.via.array.ptr[i], depth + 1);
        if (!item.ok()) return item.status();
        arr.push_back(std::move(*item));
      }
      return arr;
    }
    case msgpack::type::MAP: {
      nlohmann::json map = nlohmann::json::object();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) return Status::Malformed("map key is not a string");
        auto val = ObjectToJson(kv.val, depth + 1);
        if (!val.ok()) return val.status();
        map[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = std::move(*val);
      }
      return map;
    }
    default:
      return Status::Malformed("unsupported msgpack type (ext)");
  }
}

}  // namespace

std::string EncodeRequest(const Request& r) {
  std::string out;
  out.reserve(32 + r.store.size() + r.key.size() + r.value.size());
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(7);
  pk.pack_uint32(kProtocolVersion);
  pk.pack_uint64(r.id);
  pk.pack_uint8(static_cast<uint8_t>(r.op));
  PackStr(pk, r.store);
  PackBin(pk, r.key);
  PackBin(pk, r.value);
  pk.pack_uint64(r.arg);
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
  if (Status s = ExpectArray(o, 7, "request"); !s.ok()) return s;
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

std::string EncodeBinArrayBody(const std::vector<std::string>& items) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<uint32_t>(items.size()));
  for (const auto& s : items) PackBin(pk, s);
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
  Limits lim{.array = 1024, .map = 256, .bytes = kMaxControlBytes, .depth = 4};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  if (oh.get().type != msgpack::type::MAP) return Status::Malformed("control: not a map");
  try {
    return ObjectToJson(oh.get(), 0);
  } catch (const std::bad_alloc&) {
    return Status::TooLarge("control: too large to convert");
  }
}

std::string EncodeWriteRequest(const WriteRequest& w) { return EncodeWriteRequestView(w.View()); }

namespace {

void PackWrite(Packer& pk, const WriteRequestView& w) {
  pk.pack_array(7);
  PackStr(pk, w.store);
  pk.pack_uint64(w.gen);
  pk.pack_uint64(w.seq);
  pk.pack_uint8(static_cast<uint8_t>(w.op));
  PackBin(pk, w.key);
  PackBin(pk, w.value);
  pk.pack_uint64(w.base_seq);
}

Result<WriteRequest> WriteFromObject(const msgpack::object& o) {
  if (Status s = ExpectArray(o, 7, "write"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  WriteRequest w;
  uint64_t op = 0;
  if (f[0].type != msgpack::type::STR) return FieldError("write", "store");
  w.store.assign(f[0].via.str.ptr, f[0].via.str.size);
  if (!GetUint(f[1], &w.gen)) return FieldError("write", "gen");
  if (!GetUint(f[2], &w.seq)) return FieldError("write", "seq");
  if (!GetUint(f[3], &op)) return FieldError("write", "op");
  if (op != static_cast<uint64_t>(Op::kPut) && op != static_cast<uint64_t>(Op::kDel)) {
    return Status::UnknownOp("write: op must be put or del");
  }
  w.op = static_cast<Op>(op);
  if (!GetBytes(f[4], &w.key)) return FieldError("write", "key");
  if (!GetBytes(f[5], &w.value)) return FieldError("write", "value");
  if (!GetUint(f[6], &w.base_seq)) return FieldError("write", "base_seq");
  return w;
}

}  // namespace

std::string EncodeWriteRequestView(const WriteRequestView& w) {
  std::string out;
  out.reserve(40 + w.store.size() + w.key.size() + w.value.size());
  StringSink sink{&out};
  Packer pk(sink);
  PackWrite(pk, w);
  return out;
}

Result<WriteRequest> DecodeWriteRequest(std::string_view bytes) {
  msgpack::object_handle oh;
  if (Status s = Unpack(bytes, Limits{}, &oh); !s.ok()) return s;
  return WriteFromObject(oh.get());
}

std::string EncodeWriteBatch(const std::vector<WriteRequestView>& writes) {
  size_t bytes = 8;
  for (const auto& w : writes) bytes += 40 + w.store.size() + w.key.size() + w.value.size();
  std::string out;
  out.reserve(bytes);
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<uint32_t>(writes.size()));
  for (const auto& w : writes) PackWrite(pk, w);
  return out;
}

Result<std::vector<WriteRequest>> DecodeWriteBatch(std::string_view bytes) {
  msgpack::object_handle oh;
  Limits lim{.array = kMaxWriteBatch, .map = 0, .bytes = kMaxInternalFrameBytes, .depth = 3};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size == 0) {
    return Status::Malformed("write batch: not a non-empty array");
  }
  std::vector<WriteRequest> out;
  out.reserve(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    auto w = WriteFromObject(o.via.array.ptr[i]);
    if (!w.ok()) {
      return Status(w.status().code(),
                    "write batch, element " + std::to_string(i) + ": " + w.status().message());
    }
    out.push_back(std::move(w).value());
  }
  return out;
}

std::string EncodeWriteAck(const WriteAck& a) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack_uint8(static_cast<uint8_t>(a.code));
  PackStr(pk, a.message);
  pk.pack_array(static_cast<uint32_t>(a.seqs.size()));
  for (uint64_t s : a.seqs) pk.pack_uint64(s);
  return out;
}

Result<WriteAck> DecodeWriteAck(std::string_view bytes) {
  msgpack::object_handle oh;
  Limits lim{.array = 1024 * 1024, .map = 0, .bytes = 64 * 1024, .depth = 3};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "ack"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  WriteAck a;
  uint64_t code = 0;
  if (!GetUint(f[0], &code) || code > kMaxStatusCode) return FieldError("ack", "code");
  a.code = static_cast<StatusCode>(code);
  if (f[1].type != msgpack::type::STR) return FieldError("ack", "message");
  a.message.assign(f[1].via.str.ptr, f[1].via.str.size);
  if (f[2].type != msgpack::type::ARRAY) return FieldError("ack", "seqs");
  a.seqs.reserve(f[2].via.array.size);
  for (uint32_t i = 0; i < f[2].via.array.size; ++i) {
    uint64_t seq = 0;
    if (!GetUint(f[2].via.array.ptr[i], &seq)) return FieldError("ack", "seqs");
    a.seqs.push_back(seq);
  }
  return a;
}

std::string EncodeLoadRequest(const LoadRequest& l) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  PackStr(pk, l.store);
  pk.pack_uint64(l.gen);
  pk.pack_uint64(l.load_id);
  return out;
}

Result<LoadRequest> DecodeLoadRequest(std::string_view bytes) {
  msgpack::object_handle oh;
  if (Status s = Unpack(bytes, Limits{}, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "load"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  LoadRequest l;
  if (f[0].type != msgpack::type::STR) return FieldError("load", "store");
  l.store.assign(f[0].via.str.ptr, f[0].via.str.size);
  if (!GetUint(f[1], &l.gen)) return FieldError("load", "gen");
  if (!GetUint(f[2], &l.load_id)) return FieldError("load", "load_id");
  return l;
}

std::string EncodeLoadChunk(const LoadChunk& c) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack_uint64(c.load_id);
  if (c.last) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
  pk.pack_array(static_cast<uint32_t>(c.entries.size() * 2));
  for (const auto& [k, v] : c.entries) {
    PackBin(pk, k);
    PackBin(pk, v);
  }
  return out;
}

Result<LoadChunk> DecodeLoadChunk(std::string_view bytes) {
  msgpack::object_handle oh;
  Limits lim{.array = 1024 * 1024, .map = 0, .bytes = kMaxInternalFrameBytes, .depth = 3};
  if (Status s = Unpack(bytes, lim, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "load chunk"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  LoadChunk c;
  if (!GetUint(f[0], &c.load_id)) return FieldError("load chunk", "load_id");
  if (!GetBool(f[1], &c.last)) return FieldError("load chunk", "last");
  if (f[2].type != msgpack::type::ARRAY || f[2].via.array.size % 2 != 0) {
    return FieldError("load chunk", "entries");
  }
  c.entries.resize(f[2].via.array.size / 2);
  for (uint32_t i = 0; i < c.entries.size(); ++i) {
    if (!GetBytes(f[2].via.array.ptr[2 * i], &c.entries[i].first) ||
        !GetBytes(f[2].via.array.ptr[2 * i + 1], &c.entries[i].second)) {
      return FieldError("load chunk", "entries");
    }
  }
  return c;
}

std::string EncodeDropRequest(const DropRequest& d) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  PackStr(pk, d.store);
  pk.pack_uint64(d.fence_gen);
  pk.pack_uint64(d.drop_id);
  return out;
}

Result<DropRequest> DecodeDropRequest(std::string_view bytes) {
  msgpack::object_handle oh;
  if (Status s = Unpack(bytes, Limits{}, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "drop"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  DropRequest d;
  if (f[0].type != msgpack::type::STR) return FieldError("drop", "store");
  d.store.assign(f[0].via.str.ptr, f[0].via.str.size);
  if (!GetUint(f[1], &d.fence_gen)) return FieldError("drop", "fence_gen");
  if (!GetUint(f[2], &d.drop_id)) return FieldError("drop", "drop_id");
  return d;
}

std::string EncodeDropAck(const DropAck& a) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack_uint64(a.drop_id);
  pk.pack_uint8(static_cast<uint8_t>(a.code));
  PackStr(pk, a.message);
  return out;
}

Result<DropAck> DecodeDropAck(std::string_view bytes) {
  msgpack::object_handle oh;
  if (Status s = Unpack(bytes, Limits{}, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "drop ack"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  DropAck a;
  uint64_t code = 0;
  if (!GetUint(f[0], &a.drop_id)) return FieldError("drop ack", "drop_id");
  if (!GetUint(f[1], &code) || code > kMaxStatusCode) return FieldError("drop ack", "code");
  a.code = static_cast<StatusCode>(code);
  if (f[2].type != msgpack::type::STR) return FieldError("drop ack", "message");
  a.message.assign(f[2].via.str.ptr, f[2].via.str.size);
  return a;
}

std::string EncodeTag(uint64_t tag) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((tag >> (8 * i)) & 0xff);
  return out;
}

Result<uint64_t> DecodeTag(std::string_view bytes) {
  if (bytes.size() != 8) return Status::Malformed("tag must be 8 bytes");
  uint64_t tag = 0;
  for (int i = 0; i < 8; ++i)
    tag |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return tag;
}

}  // namespace forkv
