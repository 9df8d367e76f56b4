#include "shared/catalogue.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "shared/catalogue_log.h"
#include "shared/files.h"
#include "shared/names.h"

namespace forkv {
namespace {

constexpr std::string_view kHeader1 = "forkv-catalogue 1";
constexpr std::string_view kHeader2 = "forkv-catalogue 2";
constexpr std::string_view kStore = "store ";
constexpr std::string_view kDropping = "dropping ";
constexpr std::string_view kRenaming = "renaming ";
constexpr std::string_view kEnd = "end ";

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Splits into lines; `complete` is false when the text does not end in '\n'
// (the last element is then a partial line).
std::vector<std::string_view> Lines(std::string_view text, bool* complete) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(pos));
      *complete = false;
      return lines;
    }
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  *complete = true;
  return lines;
}

// One "store X" / "dropping X" line into `out`; false when it is neither or
// the name is invalid (*why says which). Sorted input (what EncodeCatalogue
// writes: stores, then dropping) is appended at the end of each set without
// a search: a million names are read in well under a second.
bool AddRenaming(std::string_view names, Catalogue& out, std::string* why) {
  size_t sp = names.find(' ');
  std::string old_name(names.substr(0, sp));
  std::string new_name(sp == std::string_view::npos ? "" : names.substr(sp + 1));
  for (const std::string& n : {old_name, new_name}) {
    if (Status s = ValidateStoreName(n); !s.ok()) {
      *why = "bad store name in a renaming line: " + s.message();
      return false;
    }
  }
  if (out.stores.count(old_name) == 0) {
    *why = "renaming '" + old_name + "', which is not listed as a store";
    return false;
  }
  if (out.stores.count(new_name) != 0 || out.dropping.count(new_name) != 0 ||
      out.renaming.count(new_name) != 0) {
    *why = "renaming to '" + new_name + "', which is listed already";
    return false;
  }
  for (const auto& [from, to] : out.renaming) {
    if (to == new_name) {
      *why = "two renames to '" + new_name + "'";
      return false;
    }
  }
  if (!out.renaming.emplace(old_name, new_name).second) {
    *why = "two renames of '" + old_name + "'";
    return false;
  }
  return true;
}

bool AddEntry(std::string_view line, Catalogue& out, std::string* why) {
  if (line.starts_with(kRenaming)) return AddRenaming(line.substr(kRenaming.size()), out, why);
  std::set<std::string>* into = nullptr;
  std::set<std::string>* other = nullptr;
  std::string_view name;
  if (line.starts_with(kStore)) {
    into = &out.stores;
    other = &out.dropping;
    name = line.substr(kStore.size());
  } else if (line.starts_with(kDropping)) {
    into = &out.dropping;
    other = &out.stores;
    name = line.substr(kDropping.size());
  } else {
    *why = "unexpected line '" + std::string(line.substr(0, 64)) + "'";
    return false;
  }
  if (Status s = ValidateStoreName(name); !s.ok()) {
    *why = "bad store name: " + s.message();
    return false;
  }
  auto twice = [&] {
    *why = "store '" + std::string(name) + "' is listed twice";
    return false;
  };
  if (!other->empty() && other->count(std::string(name)) != 0) return twice();
  if (into->empty() || *into->rbegin() < name) {
    into->emplace_hint(into->end(), name);
  } else if (!into->emplace(name).second) {
    return twice();
  }
  return true;
}

Result<Catalogue> DecodeFormat1(const std::vector<std::string_view>& lines, bool complete) {
  if (!complete) return Status::Malformed("the last line is incomplete (truncated file?)");
  Catalogue out;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    if (Status s = ValidateStoreName(lines[i]); !s.ok()) {
      return Status::Malformed("bad store name: " + s.message());
    }
    out.stores.emplace(lines[i]);
  }
  return out;
}

}  // namespace

bool Catalogue::Names(const std::string& name) const {
  if (stores.count(name) != 0 || dropping.count(name) != 0) return true;
  for (const auto& [from, to] : renaming) {
    if (to == name) return true;
  }
  return false;
}

std::string EncodeCatalogue(const Catalogue& c) {
  return EncodeCatalogue(c.stores, c.dropping, c.renaming);
}

std::string EncodeCatalogue(const std::set<std::string>& stores,
                            const std::set<std::string>& dropping, const Renames& renaming) {
  std::string text(kHeader2);
  text += '\n';
  for (const auto& n : stores) text.append(kStore).append(n).push_back('\n');
  for (const auto& n : dropping) text.append(kDropping).append(n).push_back('\n');
  for (const auto& [from, to] : renaming) {
    text.append(kRenaming).append(from).append(" ").append(to).push_back('\n');
  }
  uint64_t sum = XXH64(text.data(), text.size(), 0);
  text.append(kEnd)
      .append(std::to_string(stores.size() + dropping.size() + renaming.size()))
      .append(" ")
      .append(Hex64(sum))
      .push_back('\n');
  return text;
}

Result<Catalogue> DecodeCatalogue(std::string_view text) {
  bool complete = true;
  std::vector<std::string_view> lines = Lines(text, &complete);
  if (lines.empty()) return Status::Malformed("empty file");
  if (lines[0] == kHeader1) return DecodeFormat1(lines, complete);
  if (lines[0] != kHeader2) return Status::Malformed("no 'forkv-catalogue 2' header");
  Catalogue out;
  size_t offset = lines[0].size() + 1;  // bytes before the current line
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.starts_with(kEnd)) {
      if (i + 1 != lines.size() || !complete) {
        return Status::Malformed("data after the end line");
      }
      std::string expected =
          std::to_string(out.stores.size() + out.dropping.size() + out.renaming.size()) + " " +
          Hex64(XXH64(text.data(), offset, 0));
      if (line.substr(kEnd.size()) != expected) {
        return Status::Malformed("checksum or entry count mismatch (end line '" +
                                 std::string(line.substr(0, 64)) + "', expected 'end " + expected +
                                 "')");
      }
      return out;
    }
    std::string why;
    if (!AddEntry(line, out, &why)) {
      return Status::Malformed("line " + std::to_string(i + 1) + ": " + why);
    }
    offset += line.size() + 1;
  }
  return Status::Malformed("no end line (truncated file?)");
}

Catalogue SalvageCatalogue(std::string_view text) {
  bool complete = true;
  std::vector<std::string_view> lines = Lines(text, &complete);
  if (!complete && !lines.empty()) lines.pop_back();
  Catalogue out;
  bool v1 = !lines.empty() && lines[0] == kHeader1;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string why;
    if (v1) {
      if (ValidateStoreName(lines[i]).ok()) out.stores.emplace(lines[i]);
    } else if (!lines[i].starts_with(kEnd) && !AddEntry(lines[i], out, &why)) {
      break;
    }
  }
  return out;
}

Result<Catalogue> LoadCatalogue(const std::string& path) {
  const std::string log_path = path + ".log";
  // A compaction replaces the snapshot, then the log: a snapshot that
  // changed between two reads is read again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto snapshot = ReadWholeFile(path);
    auto log = ReadWholeFile(log_path);
    if (!snapshot.ok()) {
      if (snapshot.status().code() == StatusCode::kNotFound && log.ok()) {
        return Status::Malformed(path + " is missing but " + log_path + " exists");
      }
      return snapshot.status();
    }
    auto c = DecodeCatalogue(*snapshot);
    if (!c.ok()) return Status::Malformed(path + " is damaged: " + c.status().message());
    if (!log.ok()) {
      if (log.status().code() == StatusCode::kNotFound) return c;  // before the log existed
      return log.status();
    }
    auto records = DecodeCatalogueLog(*log);
    if (!records.ok()) {
      return Status::Malformed(log_path + " is damaged: " + records.status().message());
    }
    if (records->base == SnapshotBase(*snapshot)) {
      for (const CatalogueRecord& r : records->records) ApplyCatalogueRecord(*c, r);
      return c;
    }
    auto again = ReadWholeFile(path);
    if (again.ok() && *again == *snapshot) return c;  // a stale log: the snapshot has it all
  }
  return Status::IoError(path + " kept changing while it was read");
}

Status SaveCatalogue(const std::string& path, const Catalogue& catalogue) {
  return SaveCatalogue(path, catalogue.stores, catalogue.dropping, catalogue.renaming);
}

Status SaveCatalogue(const std::string& path, const std::set<std::string>& stores,
                     const std::set<std::string>& dropping, const Renames& renaming) {
  const std::string text = EncodeCatalogue(stores, dropping, renaming);
  if (Status s = WriteFileAtomically(path, text); !s.ok()) return s;
  return WriteFileAtomically(path + ".log", CatalogueLogHeader(SnapshotBase(text)));
}

Catalogue SalvageCatalogueFiles(const std::string& path) {
  auto snapshot = ReadWholeFile(path);
  Catalogue c = snapshot.ok() ? SalvageCatalogue(*snapshot) : Catalogue{};
  auto log = ReadWholeFile(path + ".log");
  if (!log.ok()) return c;
  // A stale log (another base) holds nothing the snapshot lacks, and
  // replaying it is harmless (every record sets a state).
  for (const CatalogueRecord& r : SalvageCatalogueLog(*log)) ApplyCatalogueRecord(c, r);
  return c;
}

}  // namespace forkv
