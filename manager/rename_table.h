// The renames in progress (`forkv rename OLD NEW`), as a pure table: which
// names are taken by a rename, its phase, and the client waiting for it.
//
// A rename copies, because a key's shard follows from (store, key)
// (shared/shard.h): the new name's keys live on other shards.
//   kStopping   `renaming OLD NEW` is being recorded and OLD's process (if
//               any) stops; nothing names either store meanwhile
//   kCopying    both done: NEW's process loads OLD's keys and writes them
//               as its own (forkv-store --copy-from OLD), then says ready
//   kSyncing    NEW said ready: every database worker syncs its WAL ("Y"),
//               so the copy is on disk whatever --fsync says, before
//               anything can delete OLD's keys
//   kRecording  every worker synced: `rename OLD NEW` is being recorded
//   kDropping   recorded: NEW serves, OLD's keys are deleted (a drop); the
//               client is answered when that drop is done
// A crash before `rename OLD NEW` is durable starts the copy again (OLD
// still has every key, and rewriting NEW's partial copy is idempotent); a
// crash after it leaves OLD to the drop that the catalogue lists.
//
// Thread-safety: none; it belongs to the manager's loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "shared/catalogue.h"

namespace forkv {

struct Rename {
  enum class Phase { kStopping, kCopying, kSyncing, kRecording, kDropping };
  std::string from;
  std::string to;
  Phase phase = Phase::kStopping;
  bool recorded = false;  // `renaming from to` is durable
  uint64_t client = 0;    // the parked request to answer; 0: none (resumed at start)
  uint64_t request_id = 0;
  uint64_t keys = 0;            // copied (NEW's ready)
  uint64_t sync_id = 0;         // kSyncing: the id of its "Y" requests
  std::set<uint32_t> unsynced;  // kSyncing: shards that have not answered "y"
};

class RenameTable {
 public:
  // A new rename (neither name may be in one already: checked).
  Rename& Begin(const std::string& from, const std::string& to);
  // The rename with `from` or `to` == name, nullptr when none.
  Rename* Involving(const std::string& name);
  const Rename* Involving(const std::string& name) const;
  Rename* ByTo(const std::string& to);
  // The rename whose sync barrier is `sync_id`, nullptr when none.
  Rename* BySyncId(uint64_t sync_id);
  void Finish(const std::string& from);
  bool empty() const { return by_from_.empty(); }
  // from -> to, for the catalogue's snapshot.
  Renames Names() const;
  std::map<std::string, Rename>& all() { return by_from_; }

 private:
  std::map<std::string, Rename> by_from_;
  std::map<std::string, std::string> from_of_;  // to -> from
};

// The phase of NEW's copy: whether its process is started with
// --copy-from (before `rename OLD NEW` is durable, a restart copies again).
inline bool CopiesFrom(const Rename& r) {
  return r.phase == Rename::Phase::kCopying || r.phase == Rename::Phase::kSyncing ||
         r.phase == Rename::Phase::kRecording;
}

}  // namespace forkv
