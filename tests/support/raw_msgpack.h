// msgpack building blocks for hand-made frames: shapes the project's
// encoders never produce (wrong types, wrong arity, truncations), packed one
// field at a time. Header-only; for tests.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace forkv::test {

struct RawSink {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};

// The bytes `f(packer)` writes.
template <typename F>
std::string Pack(F&& f) {
  std::string out;
  RawSink sink{&out};
  msgpack::packer<RawSink> pk(sink);
  f(pk);
  return out;
}

// A str of `s` into a packer.
template <typename P>
void PackStr(P& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

inline std::string PUint(uint64_t v) {
  return Pack([&](auto& pk) { pk.pack_uint64(v); });
}
inline std::string PStr(std::string_view s) {
  return Pack([&](auto& pk) { PackStr(pk, s); });
}
inline std::string PBin(std::string_view s) {
  return Pack([&](auto& pk) {
    pk.pack_bin(static_cast<uint32_t>(s.size()));
    pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
  });
}
inline std::string PArrayHeader(uint32_t n) {
  return Pack([&](auto& pk) { pk.pack_array(n); });
}
// An array from already-packed fields: [fields...].
inline std::string RawArray(const std::vector<std::string>& fields) {
  std::string out = PArrayHeader(static_cast<uint32_t>(fields.size()));
  for (const auto& f : fields) out += f;
  return out;
}

}  // namespace forkv::test
