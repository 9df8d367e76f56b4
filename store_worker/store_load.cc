// A store's load: its keys asked from every database worker ("L"), taken
// from their chunks ("D") into the map (shared/stored_value.h: a version,
// an expiry, or a shard's revision floor), and `ready` once every shard's
// last chunk is in (or the copy of a rename begins, store_copy.cc).
#include <spdlog/spdlog.h>

#include "shared/codec.h"
#include "shared/proc.h"
#include "shared/stored_value.h"
#include "shared/zsock.h"
#include "store_worker/store_server.h"

namespace forkv {

using std::chrono::milliseconds;

void StoreServer::SendLoad(uint32_t shard) {
  EnsureDatabasesLinked();
  LoadState& l = loads_[shard];
  l.load_id = next_load_id_++;
  l.sent_at = SteadyClock::now();
  std::string body =
      EncodeLoadRequest({.store = opts_.copy_from.empty() ? opts_.name : opts_.copy_from,
                         .gen = opts_.gen,
                         .load_id = l.load_id});
  if (Status s = SendFrames(dbs_[shard], {kTagLoad, body}); !s.ok()) {
    spdlog::warn("load request to shard {} not sent: {}", shard, s.ToString());
  }
}

bool StoreServer::IsLoaded() const {
  for (const auto& l : loads_) {
    if (!l.done) return false;
  }
  return true;
}

bool StoreServer::ApplyLoaded(std::string key, const std::string& bytes) {
  auto stored = DecodeStoredValue(bytes);
  if (!stored.ok()) {
    spdlog::critical("store '{}': key of {} bytes holds no stored value: {}", opts_.name,
                     key.size(), stored.status().ToString());
    return false;
  }
  revision_ = std::max(revision_, stored->version);
  if (key.empty()) return true;  // the shard's revision floor
  map_.Put(std::move(key), std::string(stored->value), stored->version, stored->expires_ms);
  return true;
}

void StoreServer::OnLoadChunk(uint32_t shard, LoadChunk& chunk) {
  LoadState& l = loads_[shard];
  if (l.done || chunk.load_id != l.load_id) return;  // stale answer to an earlier load
  l.sent_at = SteadyClock::now();  // progress: the retry timer counts from the last chunk
  for (auto& [k, v] : chunk.entries) {
    if (!ApplyLoaded(std::move(k), v)) {
      exit_code_ = kExitPermanentFailure;  // damaged data: not served, not restarted
      return;
    }
  }
  if (!chunk.last) return;
  l.done = true;
  if (!IsLoaded() || ready_sent_) return;
  if (opts_.copy_from.empty()) {
    SendReady();
  } else {
    spdlog::info("store '{}': loaded {} keys of '{}', copying them", opts_.name, map_.Count(),
                 opts_.copy_from);
    PumpCopy();
  }
}

void StoreServer::SendReady() {
  ready_sent_ = true;
  auto ms = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started_).count();
  spdlog::info("store '{}' loaded {} keys in {} ms", opts_.name, map_.Count(), ms);
  SendControl(ReadyMsg{
      .gen = opts_.gen, .stats = {{"keys", map_.Count()}, {"load_ms", ms}}, .tcp = tcp_endpoint_});
}

}  // namespace forkv
