// Bytes in the CLI's JSON output: valid UTF-8 as strings, anything else as
// base64 ("<field>_base64"), and a dump that never throws. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace forkv::cli {

bool IsValidUtf8(std::string_view bytes);
// Standard base64 (RFC 4648) with padding.
std::string Base64Encode(std::string_view bytes);

// Sets obj[field] = bytes if valid UTF-8, else obj[field + "_base64"] =
// base64(bytes).
void PutBytes(nlohmann::ordered_json& obj, const std::string& field, std::string_view bytes);

// Replaces JSON binary values (as DecodeJsonBody makes them from msgpack
// bin) by strings: the bytes themselves when valid UTF-8, else base64.
nlohmann::json Sanitize(const nlohmann::json& j);

// One line of JSON; invalid UTF-8 inside strings is replaced, never thrown.
// Output objects are ordered_json so "ok" comes first, then the request's
// fields, then the body's.
std::string DumpJson(const nlohmann::ordered_json& j);

}  // namespace forkv::cli
