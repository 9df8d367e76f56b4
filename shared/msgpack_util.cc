#include "shared/msgpack_util.h"

#include <new>

namespace forkv::codec_detail {
namespace {

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

}  // namespace

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

}  // namespace forkv::codec_detail
