#include "shared/catalogue_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "shared/files.h"
#include "shared/names.h"

namespace forkv {
namespace {

constexpr std::string_view kLogHeader = "forkv-catalogue-log 1 ";

struct OpName {
  CatalogueRecord::Op op;
  std::string_view text;
};
constexpr OpName kOps[] = {{CatalogueRecord::Op::kStore, "store"},
                           {CatalogueRecord::Op::kDropping, "dropping"},
                           {CatalogueRecord::Op::kGone, "gone"},
                           {CatalogueRecord::Op::kRenaming, "renaming"},
                           {CatalogueRecord::Op::kRename, "rename"}};

bool HasTwoNames(CatalogueRecord::Op op) {
  return op == CatalogueRecord::Op::kRenaming || op == CatalogueRecord::Op::kRename;
}

std::string_view OpText(CatalogueRecord::Op op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.text;
  }
  return "?";
}

std::string Hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, digits, v);
  return buf;
}

std::optional<uint64_t> ParseHex(std::string_view s, size_t digits) {
  if (s.size() != digits) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

uint32_t LineSum(std::string_view body) { return XXH32(body.data(), body.size(), 0); }

// One record line (without its newline); nullopt for anything but a whole,
// checksummed record naming valid stores.
std::optional<CatalogueRecord> ParseRecord(std::string_view line) {
  size_t sp = line.rfind(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  std::string_view body = line.substr(0, sp);
  auto sum = ParseHex(line.substr(sp + 1), 8);
  if (!sum || *sum != LineSum(body)) return std::nullopt;
  size_t first = body.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  std::string_view op = body.substr(0, first);
  std::string_view names = body.substr(first + 1);
  CatalogueRecord r;
  bool known = false;
  for (const OpName& o : kOps) {
    if (o.text == op) {
      r.op = o.op;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  if (HasTwoNames(r.op)) {
    size_t second = names.find(' ');
    if (second == std::string_view::npos) return std::nullopt;
    r.new_name = std::string(names.substr(second + 1));
    names = names.substr(0, second);
    if (!ValidateStoreName(r.new_name).ok()) return std::nullopt;
  }
  if (!ValidateStoreName(names).ok()) return std::nullopt;
  r.name = std::string(names);
  return r;
}

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

std::string LogPath(const std::string& snapshot_path) { return snapshot_path + ".log"; }

}  // namespace

std::string EncodeCatalogueRecord(const CatalogueRecord& r) {
  std::string body(OpText(r.op));
  body.append(" ").append(r.name);
  if (HasTwoNames(r.op)) body.append(" ").append(r.new_name);
  std::string line = body + " " + Hex(LineSum(body), 8);
  line.push_back('\n');
  return line;
}

std::string CatalogueLogHeader(uint64_t base) {
  return std::string(kLogHeader) + Hex(base, 16) + "\n";
}

uint64_t SnapshotBase(std::string_view snapshot_bytes) {
  return XXH64(snapshot_bytes.data(), snapshot_bytes.size(), 0);
}

Result<CatalogueLogContents> DecodeCatalogueLog(std::string_view text) {
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos || !text.starts_with(kLogHeader)) {
    return Status::Malformed("no 'forkv-catalogue-log 1' header");
  }
  auto base = ParseHex(text.substr(kLogHeader.size(), nl - kLogHeader.size()), 16);
  if (!base) return Status::Malformed("bad base checksum in the header");
  CatalogueLogContents out{.base = *base, .valid_bytes = nl + 1};
  std::optional<size_t> first_bad;
  for (size_t pos = nl + 1; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;  // an unfinished last line: torn
    auto record = ParseRecord(text.substr(pos, end - pos));
    if (!record) {
      if (!first_bad) first_bad = pos;
    } else if (first_bad) {
      return Status::Malformed("the record at byte " + std::to_string(*first_bad) +
                               " is damaged and good records follow it");
    } else {
      out.records.push_back(std::move(*record));
      out.valid_bytes = end + 1;
    }
    pos = end + 1;
  }
  out.torn_bytes = text.size() - out.valid_bytes;
  return out;
}

std::vector<CatalogueRecord> SalvageCatalogueLog(std::string_view text) {
  std::vector<CatalogueRecord> out;
  size_t pos = text.find('\n');
  if (pos == std::string_view::npos) return out;
  for (++pos; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;
    auto record = ParseRecord(text.substr(pos, end - pos));
    if (!record) break;
    out.push_back(std::move(*record));
    pos = end + 1;
  }
  return out;
}

void ApplyCatalogueRecord(Catalogue& c, const CatalogueRecord& r) {
  switch (r.op) {
    case CatalogueRecord::Op::kStore:
      c.dropping.erase(r.name);
      c.stores.insert(r.name);
      return;
    case CatalogueRecord::Op::kDropping:
      c.stores.erase(r.name);
      c.dropping.insert(r.name);
      return;
    case CatalogueRecord::Op::kGone:
      c.stores.erase(r.name);
      c.dropping.erase(r.name);
      return;
    case CatalogueRecord::Op::kRenaming:
      c.renaming[r.name] = r.new_name;
      return;
    case CatalogueRecord::Op::kRename:
      c.renaming.erase(r.name);
      c.stores.erase(r.name);
      c.dropping.insert(r.name);
      c.dropping.erase(r.new_name);
      c.stores.insert(r.new_name);
      return;
  }
}

Result<CatalogueWriter> CatalogueWriter::Open(const std::string& snapshot_path) {
  auto snapshot = ReadWholeFile(snapshot_path);
  if (!snapshot.ok()) return snapshot.status();
  const uint64_t base = SnapshotBase(*snapshot);
  const std::string log_path = LogPath(snapshot_path);
  CatalogueWriter w;
  w.path_ = snapshot_path;
  w.report_.legacy_snapshot = !snapshot->starts_with("forkv-catalogue 2\n");
  auto text = ReadWholeFile(log_path);
  std::optional<CatalogueLogContents> log;
  if (text.ok()) {
    auto decoded = DecodeCatalogueLog(*text);
    if (!decoded.ok())
      return Status::Malformed(log_path + " is damaged: " + decoded.status().message());
    log = std::move(decoded).value();
  } else if (text.status().code() != StatusCode::kNotFound) {
    return text.status();
  }
  if (!log || log->base != base) {
    // Missing (a data dir from before the log) or stale (a compaction wrote
    // its snapshot, then stopped): an empty log based on this snapshot.
    w.report_.stale_replaced = log.has_value();
    const std::string header = CatalogueLogHeader(base);
    if (Status s = WriteFileAtomically(log_path, header); !s.ok()) return s;
    log = CatalogueLogContents{.base = base, .valid_bytes = header.size()};
  }
  w.fd_ = UniqueFd(open(log_path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!w.fd_.valid()) return Errno("open " + log_path);
  w.report_.torn_bytes = log->torn_bytes;
  if (log->torn_bytes > 0) {
    // Nothing after the last good record was acknowledged: cut it off so
    // new records do not follow garbage.
    if (ftruncate(w.fd_.get(), static_cast<off_t>(log->valid_bytes)) != 0 ||
        fdatasync(w.fd_.get()) != 0) {
      return Errno("truncate " + log_path);
    }
  }
  w.size_ = log->valid_bytes;
  w.records_ = log->records.size();
  return w;
}

void CatalogueWriter::Append(const CatalogueRecord& record) {
  buffer_ += EncodeCatalogueRecord(record);
  ++buffered_records_;
}

Status CatalogueWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  const std::string log_path = LogPath(path_);
  size_t off = 0;
  Status failed;
  while (off < buffer_.size()) {
    ssize_t n = pwrite(fd_.get(), buffer_.data() + off, buffer_.size() - off,
                       static_cast<off_t>(size_ + off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = Errno("write " + log_path);
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (failed.ok() && fdatasync(fd_.get()) != 0) failed = Errno("fdatasync " + log_path);
  if (!failed.ok()) {
    // Retried whole next time; a half-written record must not stay.
    (void)!ftruncate(fd_.get(), static_cast<off_t>(size_));
    return failed;
  }
  size_ += buffer_.size();
  records_ += buffered_records_;
  buffer_.clear();
  buffered_records_ = 0;
  return Status::Ok();
}

Status CatalogueWriter::Compact(const std::set<std::string>& stores,
                                const std::set<std::string>& dropping, const Renames& renaming) {
  if (Status s = Flush(); !s.ok()) return s;
  if (Status s = SaveCatalogue(path_, stores, dropping, renaming); !s.ok()) return s;
  auto reopened = Open(path_);
  if (!reopened.ok()) return reopened.status();
  fd_ = std::move(reopened->fd_);
  size_ = reopened->size_;
  records_ = 0;
  report_ = OpenReport{};
  return Status::Ok();
}

}  // namespace forkv
