// msgpack helpers shared by the codec's two halves (shared/codec.cc: client
// requests, replies and bodies; shared/internal_codec.cc: the messages
// between stores, database workers and the manager). Internal to them: the
// rest of the project calls shared/codec.h.
#pragma once

#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv::codec_detail {

// Appends packed bytes to a std::string (msgpack::packer's Stream concept).
struct StringSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<StringSink>;

inline void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}
inline void PackBin(Packer& pk, std::string_view s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

struct Limits {
  size_t array = 16;
  size_t map = 16;
  size_t bytes = kMaxRequestFrameBytes;
  size_t depth = 2;
};

// Unpacks exactly one object covering all of `bytes`, msgpack-c's
// exceptions turned into a Status. Strings and binaries in the object point
// into `bytes`.
Status Unpack(std::string_view bytes, const Limits& lim, msgpack::object_handle* oh);
// Unpack() into a zone the caller keeps (cleared first): no allocation per
// call once the zone's first chunk exists. For the hot decoders only; the
// object is valid until the next call with the same zone.
Status UnpackInto(std::string_view bytes, const Limits& lim, msgpack::zone* zone,
                  msgpack::object* out);
Status ExpectArray(const msgpack::object& o, uint32_t n, const char* what);
bool GetUint(const msgpack::object& o, uint64_t* out);
bool GetBytesView(const msgpack::object& o, std::string_view* out);  // str or bin
bool GetBytes(const msgpack::object& o, std::string* out);           // str or bin
bool GetBool(const msgpack::object& o, bool* out);
Status FieldError(const char* msg, const char* field);
void PackObjectToString(const msgpack::object& o, std::string* out);
Result<nlohmann::json> ObjectToJson(const msgpack::object& o, int depth);

}  // namespace forkv::codec_detail
