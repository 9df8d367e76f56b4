#include "shared/stored_value.h"

#include <cstring>

namespace forkv {
namespace {

void PutLe64(uint64_t v, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t GetLe64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeStoredValue(uint64_t version, int64_t expires_ms, std::string_view value) {
  const bool expiry = expires_ms != 0;
  std::string out(kStoredHeaderBytes + (expiry ? kStoredExpiryBytes : 0) + value.size(), '\0');
  out[0] = static_cast<char>(kStoredValueTag);
  out[1] = static_cast<char>(expiry ? kStoredHasExpiry : 0);
  PutLe64(version, &out[2]);
  size_t at = kStoredHeaderBytes;
  if (expiry) {
    PutLe64(static_cast<uint64_t>(expires_ms), &out[at]);
    at += kStoredExpiryBytes;
  }
  if (!value.empty()) std::memcpy(&out[at], value.data(), value.size());
  return out;
}

Result<StoredValue> DecodeStoredValue(std::string_view bytes) {
  if (bytes.size() < kStoredHeaderBytes) {
    return Status::Malformed("stored value: " + std::to_string(bytes.size()) +
                             " bytes, shorter than its header");
  }
  if (static_cast<uint8_t>(bytes[0]) != kStoredValueTag) {
    return Status::Malformed("stored value: format tag " +
                             std::to_string(static_cast<uint8_t>(bytes[0])) + ", expected 2");
  }
  const auto flags = static_cast<uint8_t>(bytes[1]);
  if ((flags & ~kStoredHasExpiry) != 0) {
    return Status::Malformed("stored value: unknown flags " + std::to_string(flags));
  }
  StoredValue v;
  v.version = GetLe64(bytes.data() + 2);
  size_t at = kStoredHeaderBytes;
  if ((flags & kStoredHasExpiry) != 0) {
    if (bytes.size() < at + kStoredExpiryBytes) {
      return Status::Malformed("stored value: expiry flag set but no expiry time");
    }
    v.expires_ms = static_cast<int64_t>(GetLe64(bytes.data() + at));
    if (v.expires_ms == 0) return Status::Malformed("stored value: expiry time 0");
    at += kStoredExpiryBytes;
  }
  v.value = bytes.substr(at);
  return v;
}

}  // namespace forkv
