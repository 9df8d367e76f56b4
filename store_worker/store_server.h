// The process serving one store: its one object, internal to store_worker/.
// The entry point is RunStore() (store_loop.h). Its methods are split by
// concern:
//   store_requests.cc  requests from the manager ("Q") and from direct
//                      clients (the store's own ROUTER): decode, validate,
//                      answer from the map or hand a write to the tracker;
//                      replies wherever a request came from
//   store_loop.cc      sockets, database worker acks, control messages,
//                      timers, the poll loop
//   store_load.cc      the load from every database worker, then ready
//   store_expiry.cc    active expiry of keys whose TTL passed
//   store_copy.cc      a rename's copy (--copy-from): the loaded keys
//                      written as this store's, a bounded window at a time
// Thread-safety: none; one thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "shared/clock.h"
#include "shared/control.h"
#include "shared/control_link.h"
#include "shared/op_metrics.h"
#include "shared/protocol.h"
#include "shared/zsock.h"
#include "store_worker/store_loop.h"
#include "store_worker/store_map.h"
#include "store_worker/write_tracker.h"

namespace forkv {

class StoreServer {
 public:
  StoreServer(const StoreOptions& opts, StoreProcess& process)
      : opts_(opts),
        signal_fd_(process.signal_fd.get()),
        shard_count_(static_cast<uint32_t>(opts.db_endpoints.size())),
        process_(process),
        tracker_(shard_count_),
        loads_(shard_count_),
        unsent_(shard_count_) {}

  int Run();

 private:
  struct LoadState {
    uint64_t load_id = 0;
    bool done = false;
    SteadyTime sent_at;
  };

  bool Connect();
  void SendControl(const ControlMessage& msg);
  void SendReply(std::string_view tag, const std::string& reply);
  void SendLoad(uint32_t shard);
  WriteRequestView ViewOf(const PendingWrite& w) const;
  // Sends these pending writes of `shard` (in seq order) to its worker.
  void SendWrites(uint32_t shard, const std::vector<const PendingWrite*>& writes);
  // Sends the writes this pass of the loop took, per shard.
  void FlushWrites();
  // Where a request came from, for its answer: the manager (its tag frame)
  // or a direct client (the envelope frames before the payload).
  struct Origin {
    std::string_view tag;
    uint64_t tag_value = 0;
    const Frames* envelope = nullptr;  // direct path only
    size_t envelope_size = 0;
  };
  void OnManagerMessage(Frames& frames);
  void OnManagerRequest(std::string_view tag, std::string_view payload);
  void OnClientMessage(Frames& frames);
  // `draining`: a deferred request served now (DrainDeferred): never deferred again.
  void Serve(const Origin& origin, std::string_view payload, bool draining = false);
  // A put, del or incr: decided (store_worker/write_conditions.h), given a
  // version (++revision_) and handed to the tracker; or deferred.
  void ServeWrite(const Origin& origin, std::string_view payload, const RequestView& req,
                  bool draining);
  // A conditional write or incr of a key with writes in flight waits until
  // they are acknowledged, so it is decided on the key's latest state; any
  // write of a key with waiting requests waits behind them (in order).
  struct Deferred {
    std::string payload;
    std::string tag;
    uint64_t tag_value = 0;
    std::vector<std::string> envelope;  // direct path
    bool conditional = false;
  };
  void Defer(const Origin& origin, std::string_view payload, std::string_view key,
             bool conditional);
  // The key's last write in flight was acknowledged: serve what waits for it.
  void DrainDeferred(const std::string& key);
  // A stop: every waiting request is answered "not applied".
  void FailDeferred();
  // One loaded entry (shared/stored_value.h): a key, or a shard's revision
  // floor (the empty key). False for bytes that are not a stored value.
  bool ApplyLoaded(std::string key, const std::string& bytes);
  // A direct client's envelope, copied (to answer it later); empty for the manager.
  static std::vector<std::string> EnvelopeOf(const Origin& origin);
  void SendTo(const Origin& origin, std::string reply);
  void SendTo(const Origin& origin, zmq::message_t reply);
  void SendToEnvelope(const std::vector<std::string>& envelope, std::string reply);
  // An error (or ok without a body) to the request being served.
  void SendStatus(const Origin& origin, uint64_t request_id, const Status& status);
  // The answer to a write once its outcome is known, wherever it came from.
  void Answer(const PendingWrite& w, const Status& status);
  // Counts the request being served (serving_) as answered with `code`.
  void CountServed(StatusCode code);
  // The figures reported since the last report, then reset: a delta the
  // manager adds to its totals (shared/op_metrics.h).
  nlohmann::json TakeRequestMetrics();
  Status BindClients();
  void OnControl(const ControlMessage& msg);
  void OnDbMessage(uint32_t shard, Frames& frames);
  void OnWriteAck(uint32_t shard, const WriteAck& ack);
  void OnLoadChunk(uint32_t shard, LoadChunk& chunk);
  void OnTimer(SteadyTime now);
  // A request arrived: an idle store tells the manager it is busy, before
  // serving it (so a store that hangs on it is pinged, then killed).
  void MarkBusy(SteadyTime now);
  // Busy, nothing pending and no request for idle_after_ms: tell the
  // manager (with the figures `forkv stores` shows).
  void MaybeGoIdle(SteadyTime now);
  // An idle store holds no database links (each costs ~30 KiB on both
  // sides, measured): disconnected once nothing is pending or loading and
  // no message went either way for unlink_after_ms; reconnected by the next
  // load or write (same routing id; the workers' ROUTER hands it over).
  void MaybeUnlinkDatabases(SteadyTime now);
  void EnsureDatabasesLinked();
  // SIGTERM or the manager's hibernate: finish pending writes, then exit 0.
  void BeginStop(const char* why);
  // The earliest of this store's deadlines: a write or load to retry, going
  // idle and the manager's silence (while busy), the end of a stop. An idle
  // store has none: it sleeps until a message arrives.
  SteadyTime NextDeadline() const;
  bool IsLoaded() const;
  // Loaded: tell the manager (with the figures `forkv stores` shows).
  void SendReady();
  // The copy (--copy-from): more writes while under kCopyWindowBytes; ready
  // once the last is acknowledged.
  void PumpCopy();
  // An acknowledged (or failed) write of the copy. A failure ends the
  // process: its restart copies again (the old keys are all still there).
  void OnCopyWriteDone(const PendingWrite& w, const Status& status);
  // Expiry (store_expiry.cc): removes up to kExpireBatch keys whose TTL
  // has passed (from the map at once, from disk by a delete), skipping keys
  // with writes in flight; sets expiry_wake_, the next pass it needs.
  void ExpireDue();
  // Linked, and nothing pending, unsent, loading or stopping.
  bool CanUnlinkDatabases() const;

  const StoreOptions& opts_;
  int signal_fd_;
  uint32_t shard_count_;
  StoreProcess& process_;  // its context; its links, taken by Connect()
  ControlLink manager_;
  zmq::socket_t clients_;  // the direct path's ROUTER (bound once loaded)
  Frames send_frames_;     // reused by SendTo()
  // Requests answered since the last report, by op and code, with latency.
  OpMetrics metrics_;
  struct Serving {
    Op op;
    SteadyTime since;
  };
  std::optional<Serving> serving_;  // the store op Serve() is answering now
  std::string tcp_endpoint_;
  std::vector<zmq::socket_t> dbs_;
  StoreMap map_;
  // The last version handed out: above every version and floor loaded.
  uint64_t revision_ = 0;
  SteadyTime expiry_wake_ = SteadyTime::max();
  uint64_t expired_ = 0;  // keys removed because their TTL passed
  struct KeyHash {        // looked up by string_view without a copy
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::deque<Deferred>, KeyHash, std::equal_to<>> deferred_;
  size_t deferred_bytes_ = 0;  // payload bytes in deferred_
  WriteTracker tracker_;
  std::vector<LoadState> loads_;
  std::vector<std::vector<uint64_t>> unsent_;  // per shard: seqs taken this pass, not sent yet
  uint64_t next_load_id_ = 1;
  bool ready_sent_ = false;
  // The copy: the last key written (the scan's cursor), whether every key
  // was written, how many.
  std::string copy_after_;
  bool copy_scanned_ = false;
  size_t copied_ = 0;
  size_t copy_batches_ = 0;
  std::optional<int> exit_code_;  // set: Run() returns it after this pass
  bool stopping_ = false;
  SteadyTime stop_deadline_{};
  bool busy_ = false;
  bool dbs_linked_ = true;  // connected by the spare, or by Connect()
  SteadyTime db_used_at_ = SteadyClock::now();
  // After an unlink: ZeroMQ's I/O thread frees the links' buffers a moment
  // later, then malloc_trim gives the pages back (one wake-up).
  SteadyTime trim_at_ = SteadyTime::max();
  SteadyTime last_request_{};
  SteadyTime last_manager_msg_ = SteadyClock::now();
  SteadyTime started_ = SteadyClock::now();
};

}  // namespace forkv
