#include "client_cli/export_format.h"

#include <charconv>

namespace forkv::cli {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string HexByte(unsigned char c) { return {kHex[c >> 4], kHex[c & 15]}; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void AppendEscaped(std::string_view bytes, std::string* out) {
  for (unsigned char c : bytes) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out->append("\\x" + HexByte(c));
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

Result<std::string> Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(field[i]);
    if (c < 0x20 || c == 0x7f) {
      return Status::Malformed("a raw control byte (0x" + HexByte(c) +
                               ") in a field: it must be escaped");
    }
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (++i == field.size()) return Status::Malformed("a field ends in a lone '\\'");
    switch (field[i]) {
      case '\\':
        out.push_back('\\');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'x': {
        int hi = i + 1 < field.size() ? HexDigit(field[i + 1]) : -1;
        int lo = i + 2 < field.size() ? HexDigit(field[i + 2]) : -1;
        if (hi < 0 || lo < 0) return Status::Malformed("\\x needs two lowercase hex digits");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return Status::Malformed(std::string("unknown escape '\\") + field[i] + "'");
    }
  }
  return out;
}

std::string FormatRecord(std::string_view key, std::string_view value) {
  std::string line;
  line.reserve(key.size() + value.size() + 2);
  AppendEscaped(key, &line);
  line.push_back('\t');
  AppendEscaped(value, &line);
  line.push_back('\n');
  return line;
}

std::string FormatTrailer(uint64_t records) { return "end " + std::to_string(records) + "\n"; }

Result<ExportLine> ParseExportLine(std::string_view line) {
  size_t tab = line.find('\t');
  if (tab == std::string_view::npos) {
    if (line == kExportHeader) return ExportLine{.kind = ExportLine::Kind::kHeader};
    if (line.rfind("end ", 0) == 0) {
      std::string_view digits = line.substr(4);
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
        return ExportLine{.kind = ExportLine::Kind::kTrailer, .records = n};
      }
    }
    return Status::Malformed("not a record (no TAB), nor the header or the trailer");
  }
  if (line.find('\t', tab + 1) != std::string_view::npos) {
    return Status::Malformed("more than one TAB (a TAB in a key or value is written \\t)");
  }
  auto key = Unescape(line.substr(0, tab));
  if (!key.ok()) return Status::Malformed("key: " + key.status().message());
  auto value = Unescape(line.substr(tab + 1));
  if (!value.ok()) return Status::Malformed("value: " + value.status().message());
  return ExportLine{.kind = ExportLine::Kind::kRecord,
                    .key = std::move(key).value(),
                    .value = std::move(value).value()};
}

}  // namespace forkv::cli
