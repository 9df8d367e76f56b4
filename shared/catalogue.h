// The catalogue: which stores exist (DATA_DIR/catalogue). The manager writes
// it; every database worker reads it when it opens its shard, to finish
// interrupted drops and to refuse keys of stores the catalogue does not name.
//
// Format 2 (text, one entry per line, sorted within each kind):
//
//   forkv-catalogue 2
//   store <name>          a store that exists
//   dropping <name>       a store whose drop has not finished on every shard:
//                         its keys may still be on disk and are deleted
//   renaming <old> <new>  `forkv rename old new` has begun and not finished:
//                         old (also listed as a store) keeps its keys; new's
//                         keys on disk are a partial copy of old's
//   end <entries> <xxh64> entries = store + dropping + renaming lines; xxh64 = XXH64
//                         (seed 0) of every byte before the "end" line, as
//                         16 lowercase hex digits
//
// A file without its end line, with a wrong count or checksum, or with
// anything after the end line is damaged (kMalformed): the manager refuses to
// start rather than forget stores (forkv-manager --repair rebuilds it from
// the shards). Format 1 ("forkv-catalogue 1" then one name per line, no
// checksum) is still read; the next save writes format 2.
//
// This file is the snapshot: changes since it was written are appended to
// DATA_DIR/catalogue.log (shared/catalogue_log.h), and LoadCatalogue reads
// both.
//
// Pure except Load/Save; no sockets.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv {

// Renames in progress: old name -> new name (the old name is in `stores`).
using Renames = std::map<std::string, std::string>;

struct Catalogue {
  std::set<std::string> stores;
  std::set<std::string> dropping;
  Renames renaming;

  bool empty() const { return stores.empty() && dropping.empty() && renaming.empty(); }
  // Whether keys of `name` may be on disk: a store, a drop not finished, or
  // either side of a rename.
  bool Names(const std::string& name) const;
  bool operator==(const Catalogue&) const = default;
};

std::string EncodeCatalogue(const Catalogue& catalogue);
std::string EncodeCatalogue(const std::set<std::string>& stores,
                            const std::set<std::string>& dropping, const Renames& renaming = {});
// kMalformed, with what is wrong, for anything but a whole, valid file.
Result<Catalogue> DecodeCatalogue(std::string_view text);
// Every valid entry of a possibly damaged file, for --repair: lines up to the
// first unreadable one (a truncated last line is dropped).
Catalogue SalvageCatalogue(std::string_view text);

// DATA_DIR/catalogue with its log (PATH.log) applied. NotFound when
// neither file exists; errors name the path. Safe while the manager appends
// or compacts (a compaction seen half-way is read again).
Result<Catalogue> LoadCatalogue(const std::string& path);
// Replaces the whole catalogue: a new snapshot, then an empty log based on
// it (a crash in between leaves a stale log, which is ignored).
Status SaveCatalogue(const std::string& path, const Catalogue& catalogue);
Status SaveCatalogue(const std::string& path, const std::set<std::string>& stores,
                     const std::set<std::string>& dropping, const Renames& renaming = {});
// The snapshot with every good record of its log applied, for --repair.
Catalogue SalvageCatalogueFiles(const std::string& path);

}  // namespace forkv
