// The catalogue's append-only log (DATA_DIR/catalogue.log): what changed
// since the snapshot (DATA_DIR/catalogue, shared/catalogue.h), so a create
// or a drop appends one line instead of rewriting a million.
//
// Format (text):
//
//   forkv-catalogue-log 1 <base>      base = XXH64 (seed 0) of the whole
//                                     snapshot file this log follows, as 16
//                                     lowercase hex digits
//   store <name> <sum>                the store exists
//   dropping <name> <sum>             its drop has begun (keys may remain)
//   gone <name> <sum>                 its drop finished: no longer listed
//   renaming <old> <new> <sum>        a rename began: old keeps its keys
//                                     while they are copied to new
//   rename <old> <new> <sum>          the copy is complete: new exists,
//                                     old is dropping (its keys are deleted)
//
// sum = XXH32 (seed 0) of the line's bytes before " <sum>", as 8 lowercase
// hex digits. Each record sets the state of its names, so replaying a log
// twice gives the same catalogue (idempotent): a compaction that writes the
// snapshot and crashes before replacing the log loses nothing.
//
// Reading: the records are applied in order to the snapshot whose XXH64 is
// `base`; a log whose base is another snapshot's is stale (a compaction was
// interrupted after its snapshot was written, so that snapshot already holds
// every record) and is ignored. A torn tail (the bad records after a crash
// mid-append: a last line without its newline, bad checksums, NUL bytes) is
// ignored; a bad record followed by a good one is damage (kMalformed), not a
// torn write: the manager refuses to start (forkv-manager --repair).
//
// Writing (CatalogueWriter, the manager's): records are buffered and written
// with one write + fdatasync per event-loop pass (group commit), before any
// store they name is started. Compact() writes a new snapshot and an empty
// log based on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/catalogue.h"
#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

struct CatalogueRecord {
  enum class Op { kStore, kDropping, kGone, kRenaming, kRename };
  Op op = Op::kStore;
  std::string name;
  std::string new_name;  // kRenaming and kRename only

  bool operator==(const CatalogueRecord&) const = default;
};

std::string EncodeCatalogueRecord(const CatalogueRecord& record);
std::string CatalogueLogHeader(uint64_t base);
// XXH64 of a snapshot file's bytes: the base of the logs that follow it.
uint64_t SnapshotBase(std::string_view snapshot_bytes);

struct CatalogueLogContents {
  uint64_t base = 0;
  std::vector<CatalogueRecord> records;
  size_t valid_bytes = 0;  // header + good records: where the next one goes
  size_t torn_bytes = 0;   // ignored after them
};

// kMalformed for a bad header or a bad record followed by a good one.
Result<CatalogueLogContents> DecodeCatalogueLog(std::string_view text);
// Every good record up to the first bad one, for --repair.
std::vector<CatalogueRecord> SalvageCatalogueLog(std::string_view text);

// Sets the state of the record's names in `catalogue`.
void ApplyCatalogueRecord(Catalogue& catalogue, const CatalogueRecord& record);

class CatalogueWriter {
 public:
  CatalogueWriter() = default;
  // Opens PATH.log for appending (PATH is the snapshot): creates it when
  // missing, cuts off a torn tail, replaces a stale log. Call after the
  // catalogue was read (LoadCatalogue): it refuses a damaged log too.
  static Result<CatalogueWriter> Open(const std::string& snapshot_path);

  void Append(const CatalogueRecord& record);
  bool dirty() const { return !buffer_.empty(); }
  // One write and fdatasync of everything appended. On failure the file is
  // cut back to its last durable size and the records stay buffered.
  Status Flush();
  // Records in the durable log (what a start-up replays).
  size_t records() const { return records_; }

  // What Open() found and did, for the manager's log.
  struct OpenReport {
    size_t torn_bytes = 0;         // cut off the end of the log
    bool stale_replaced = false;   // an interrupted compaction's old log
    bool legacy_snapshot = false;  // format 1: rewrite it (Compact)
  };
  const OpenReport& report() const { return report_; }
  // A new snapshot holding these (flush first), then an empty log.
  Status Compact(const std::set<std::string>& stores, const std::set<std::string>& dropping,
                 const Renames& renaming);

 private:
  std::string path_;  // the snapshot's
  UniqueFd fd_;
  size_t size_ = 0;  // durable bytes
  size_t records_ = 0;
  size_t buffered_records_ = 0;
  std::string buffer_;
  OpenReport report_;
};

}  // namespace forkv
