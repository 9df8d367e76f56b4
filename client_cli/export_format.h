// The export format of `forkv export` / `forkv import` (docs/protocol.md,
// "The export format"): text lines, binary-safe, streamable. Pure.
//
//   forkv-export 1\n                  the header
//   KEY\tVALUE\n                      one line per key, in key order
//   end N\n                           the trailer: N records before it
//
// KEY and VALUE are the bytes with '\\' as "\\\\", TAB as "\\t", LF as
// "\\n", CR as "\\r" and every other byte below 0x20, and 0x7F, as "\\xHH"
// (two lowercase hex digits); all other bytes, UTF-8 included, are written
// as they are. A record line therefore holds exactly one TAB, and the
// header and trailer none. A file without its trailer was cut short.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "shared/status.h"

namespace forkv::cli {

inline constexpr std::string_view kExportHeader = "forkv-export 1";

// One field's escaped form, appended to *out.
void AppendEscaped(std::string_view bytes, std::string* out);
// The bytes of an escaped field; Malformed on a bad escape or a raw
// control byte.
Result<std::string> Unescape(std::string_view field);

// "KEY\tVALUE\n".
std::string FormatRecord(std::string_view key, std::string_view value);
// "end N\n".
std::string FormatTrailer(uint64_t records);

// One line of an export, without its '\n'.
struct ExportLine {
  enum class Kind { kHeader, kRecord, kTrailer } kind;
  std::string key, value;  // kRecord
  uint64_t records = 0;    // kTrailer: the count it states
};
// Malformed (saying what is wrong) for anything that is not a header,
// a record or a trailer.
Result<ExportLine> ParseExportLine(std::string_view line);

}  // namespace forkv::cli
