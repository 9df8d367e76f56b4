// The internal messages' codec (docs/protocol.md, "Internal protocols"):
// writes, acks, loads, drops and tags; declared in shared/codec.h.
#include <msgpack.hpp>

#include "shared/codec.h"
#include "shared/msgpack_util.h"

namespace forkv {

using namespace codec_detail;  // NOLINT: the codec's own helpers

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

std::string EncodeBackupStep(const BackupStep& b) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack_uint64(b.backup_id);
  pk.pack_uint64(b.hold_ms);
  PackStr(pk, b.dir);
  return out;
}

Result<BackupStep> DecodeBackupStep(std::string_view bytes) {
  msgpack::object_handle oh;
  if (Status s = Unpack(bytes, Limits{}, &oh); !s.ok()) return s;
  const msgpack::object& o = oh.get();
  if (Status s = ExpectArray(o, 3, "backup"); !s.ok()) return s;
  const msgpack::object* f = o.via.array.ptr;
  BackupStep b;
  if (!GetUint(f[0], &b.backup_id)) return FieldError("backup", "backup_id");
  if (!GetUint(f[1], &b.hold_ms)) return FieldError("backup", "hold_ms");
  if (f[2].type != msgpack::type::STR) return FieldError("backup", "dir");
  b.dir.assign(f[2].via.str.ptr, f[2].via.str.size);
  return b;
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
