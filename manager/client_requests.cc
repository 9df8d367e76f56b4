// The manager's frontend: client requests in, replies out. Each request is
// decoded once (a view into its frame), validated, then answered here
// (ping, stores, status, kill), handed to the drop coordinator (drop) or to
// the request router (everything that waits for or goes to a store).
// Requests the router holds are parked here under its handle.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <set>

#include "manager/data_dir.h"
#include "manager/manager.h"
#include "shared/catalogue.h"
#include "shared/check.h"
#include "shared/codec.h"
#include "shared/names.h"
#include "shared/proc.h"
#include "shared/runtime.h"

namespace forkv {

namespace {
double SecondsSince(SteadyTime t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}
}  // namespace

// ---- clients ------------------------------------------------------------------

void Manager::SendToClient(Envelope& env, std::string_view reply, StatusCode code) {
  Deliver(env, reply);
  if (answering_) {
    requests_.Record(answering_->op, code, SecondsSince(answering_->since));
  }
}

void Manager::Park(Handle h, Envelope env, zmq::message_t payload) {
  FORKV_CHECK(answering_.has_value());
  parked_.emplace(h, Parked{.envelope = std::move(env),
                            .payload = std::move(payload),
                            .op = answering_->op,
                            .since = answering_->since});
}

void Manager::Deliver(Envelope& env, std::string_view reply) {
  Frames frames;
  frames.reserve(env.size() + 1);
  for (auto& m : env) frames.push_back(std::move(m));
  frames.emplace_back(reply.data(), reply.size());
  if (Status s = SendMessages(frontend_, frames); !s.ok()) {
    spdlog::debug("reply not delivered: {}", s.ToString());
  }
}

void Manager::Complete(Handle h, std::string_view reply, StatusCode code) {
  router_.Release(h);  // no-op when the router already let it go
  auto it = parked_.find(h);
  if (it == parked_.end()) return;
  Deliver(it->second.envelope, reply);
  requests_.Record(it->second.op, code, SecondsSince(it->second.since));
  parked_.erase(it);
}

void Manager::CompleteFromStore(Handle h, std::string_view reply) {
  router_.Release(h);
  auto it = parked_.find(h);
  if (it == parked_.end()) return;
  Deliver(it->second.envelope, reply);
  parked_.erase(it);
}

void Manager::CompleteAll(const std::vector<Failure>& failures) {
  for (const Failure& f : failures) Complete(f.handle, f.request_id, f.status);
}

std::string Manager::ServingBody(const std::string& store, bool created, bool locate) const {
  const sup::ChildRecord* rec = store_sup_.Find(store);
  const Child* child = table_.FindStore(store);
  nlohmann::json body = {{"name", store},
                         {"pid", rec != nullptr ? rec->pid : 0},
                         {"gen", child != nullptr ? child->gen : 0},
                         {"created", created}};
  if (locate) {
    nlohmann::json endpoints = nlohmann::json::array();
    if (child != nullptr) {
      endpoints.push_back(StoreEndpoint(layout_, child->gen));
      if (!child->tcp_endpoint.empty()) endpoints.push_back(child->tcp_endpoint);
    }
    body["state"] = "running";
    body["endpoints"] = std::move(endpoints);
  }
  return EncodeJsonBody(body);
}

void Manager::OnFrontend(Frames& frames) {
  if (frames.size() < 2) {
    spdlog::debug("dropping a client message without envelope");
    return;
  }
  // A client's envelope is its routing id, plus an empty delimiter for REQ
  // sockets: anything bigger is not a forkv client, and echoing it back
  // would let one peer make the manager hold arbitrary amounts of memory.
  size_t envelope_bytes = 0;
  for (size_t i = 0; i + 1 < frames.size(); ++i) envelope_bytes += frames[i].size();
  if (frames.size() > kMaxEnvelopeFrames + 1 || envelope_bytes > kMaxEnvelopeBytes) {
    spdlog::warn("dropping a client message with a {}-frame, {}-byte envelope", frames.size() - 1,
                 envelope_bytes);
    return;
  }
  zmq::message_t payload = std::move(frames.back());
  frames.pop_back();
  Envelope env = std::move(frames);
  // Routing needs the header fields only: the view's key and value point
  // into `payload`, which is forwarded as is.
  auto view = DecodeRequestView(View(payload));
  if (!view.ok()) {
    SendStatus(env, PeekRequestId(View(payload)), view.status());
    return;
  }
  if (Status s = ValidateRequest(*view); !s.ok()) {
    SendStatus(env, view->id, s);
    return;
  }
  answering_ = Answering{view->op, SteadyClock::now()};
  OnClientRequest(std::move(env), std::move(payload), *view);
  answering_.reset();
}

void Manager::OnClientRequest(Envelope env, zmq::message_t payload, const RequestView& req) {
  if (!root_.running()) {
    SendStatus(env, req.id, Status::Unavailable("forkv-manager is shutting down"));
    return;
  }
  const std::string name(req.store);
  bool names_store = req.op != Op::kPing && req.op != Op::kStores && req.op != Op::kStatus;
  if (names_store && drops_.IsDropping(name)) {
    SendStatus(env, req.id, Status::Unavailable("store '" + name + "' is being dropped"));
    return;
  }
  if (names_store && req.op != Op::kRename) {
    if (Status s = RefuseDuringRename(name); !s.ok()) {
      SendStatus(env, req.id, s);
      return;
    }
  }
  SteadyTime now = SteadyClock::now();
  switch (req.op) {
    case Op::kPing:
      SendToClient(env, EncodeReply({.id = req.id, .body = EncodeJsonBody(PingJson(Tree(), now))}));
      return;
    case Op::kStores: {
      // One page: arg = limit, key = after, value = state, store = one name
      // (manager/store_listing.h); the work is bounded by the page.
      auto page = StorePageOf(req);
      if (!page.ok()) {
        SendStatus(env, req.id, page.status());
        return;
      }
      SendToClient(
          env, EncodeReply({.id = req.id, .body = EncodeJsonBody(StoresJson(Tree(), now, *page))}));
      return;
    }
    case Op::kStatus:
      SendToClient(env,
                   EncodeReply({.id = req.id, .body = EncodeJsonBody(StatusJson(Tree(), now))}));
      return;
    case Op::kDrop:
      HandleDrop(std::move(env), req);
      return;
    case Op::kBackup:
      HandleBackup(std::move(env), req);
      return;
    case Op::kKill:
      HandleKill(std::move(env), req);
      return;
    case Op::kRename:
      HandleRename(std::move(env), req);
      return;
    default:
      break;
  }
  // Everything else goes through the router: store ops, create, wait,
  // restart, locate. A catalogue store without a process is activated: the
  // request waits in the router while it starts.
  Child* store = table_.FindStore(name);
  if (store == nullptr && catalogue_.count(name) != 0) {
    auto live = Activate(name);
    if (!live.ok()) {
      SendStatus(env, req.id, live.status());
      return;
    }
    store = *live;
  }
  bool created = false;
  bool get_or_create =
      ((req.op == Op::kPut || req.op == Op::kIncr) && (req.arg & kPutNoCreate) == 0) ||
      req.op == Op::kCreate || (req.op == Op::kLocate && (req.arg & kLocateCreate) != 0);
  if (store == nullptr && get_or_create) {
    // Get-or-create: a put or create of a new name starts its store.
    auto made = CreateStore(name);
    if (!made.ok()) {
      SendStatus(env, req.id, made.status());
      return;
    }
    store = *made;
    created = true;
  }
  if (store == nullptr) {
    SendStatus(env, req.id, Status::NotFound("no such store '" + name + "'"));
    return;
  }
  // A locate naming the incarnation its client could not reach: reap
  // first (its SIGCHLD may be queued behind this request), then, if that
  // incarnation is still the current one, wait for its successor.
  bool stale = false;
  if (req.op == Op::kLocate && !req.key.empty()) {
    ReapAll();
    store = table_.FindStore(name);
    if (store == nullptr && catalogue_.count(name) != 0) {
      auto live = Activate(name);  // it hibernated meanwhile
      if (!live.ok()) {
        SendStatus(env, req.id, live.status());
        return;
      }
      store = *live;
    }
    if (store == nullptr) {
      SendStatus(env, req.id, Status::NotFound("no such store '" + name + "'"));
      return;
    }
    stale = std::to_string(store->gen) == req.key;
    if (stale) {
      // Its client could not reach it: an idle store is not pinged, so
      // check it now (a hung one is killed after --max-missed-pings).
      idle_.Remove(name);
      Feed(store_sup_, sup::Activity{name, true});
    }
  }
  Handle h = next_handle_++;
  RouteRequest route{.id = req.id,
                     .op = req.op,
                     .store = name,
                     .wait_ms = req.op == Op::kWait ? req.arg : 0,
                     .created = created && (req.op == Op::kCreate || req.op == Op::kLocate),
                     .stale = stale,
                     .bytes = payload.size(),
                     .client = std::string(View(env[0]))};
  Verdict v = router_.Admit(h, route, store_sup_.Find(name), now);
  switch (v.kind) {
    case Verdict::Kind::kForward:
      Forward(h, req.id, *store,
              {.envelope = std::move(env),
               .payload = std::move(payload),
               .op = req.op,
               .since = answering_ ? answering_->since : SteadyClock::now()});
      break;
    case Verdict::Kind::kQueued:
      Park(h, std::move(env), std::move(payload));
      break;
    case Verdict::Kind::kWaiting:
      Park(h, std::move(env));
      break;
    case Verdict::Kind::kAnswer:
      SendToClient(env,
                   EncodeReply({.id = req.id,
                                .body = ServingBody(name, route.created, req.op == Op::kLocate)}));
      break;
    case Verdict::Kind::kReject:
      SendStatus(env, req.id, v.status);
      break;
  }
  // A queue behind a full byte budget may be able to move now.
  ForwardQueued(*store, router_.Pump(name));
  if (req.op == Op::kRestart) {
    spdlog::info("restart of store '{}' requested", name);
    Feed(store_sup_, sup::RestartRequested{name});
  }
}

void Manager::Forward(Handle h, uint64_t request_id, const Child& store, Parked parked) {
  // A store with a request in flight is busy: pinged, never hibernated.
  if (const sup::ChildRecord* rec = store_sup_.Find(store.name); rec != nullptr && !rec->busy) {
    idle_.Remove(store.name);
    Feed(store_sup_, sup::Activity{store.name, true});
  }
  std::string tag = EncodeTag(h);
  Frames frames;
  frames.emplace_back(store.routing_id.data(), store.routing_id.size());
  frames.emplace_back(kTagRequest.data(), kTagRequest.size());
  frames.emplace_back(tag.data(), tag.size());
  frames.push_back(std::move(parked.payload));
  if (Status s = SendMessages(backend_, frames); !s.ok()) {
    router_.Release(h);
    SendStatus(parked.envelope, request_id,
               Status::Unavailable("store '" + store.name + "' is not reachable: " + s.message()));
    return;
  }
  router_.Sent(h, request_id, store.gen);
  parked_.emplace(h, Parked{.envelope = std::move(parked.envelope),
                            .payload = {},
                            .op = parked.op,
                            .since = parked.since});
}

void Manager::ForwardQueued(const Child& store, const std::vector<Pending>& pending) {
  for (const Pending& p : pending) {
    auto it = parked_.find(p.handle);
    if (it == parked_.end()) continue;
    Parked parked = std::move(it->second);
    parked_.erase(it);
    Forward(p.handle, p.request_id, store, std::move(parked));
  }
}

void Manager::LogCatalogue(CatalogueRecord::Op op, const std::string& name) {
  catalogue_log_.Append({.op = op, .name = name});
}

void Manager::FlushCatalogue(SteadyTime now) {
  const bool was_failing = catalogue_retry_at_ != SteadyTime::min();
  Status s;
#ifdef FORKV_TEST_HOOKS
  // A test makes the log unwritable (as a full disk would) and back.
  if (IsListedInFaultFile("FORKV_FAIL_CATALOGUE_FILE", "flush")) {
    s = Status::IoError("test hook: the catalogue log is not writable");
  }
#endif
  if (s.ok()) s = catalogue_log_.Flush();
  if (!s.ok()) {
    if (!was_failing) {
      spdlog::error("cannot write the catalogue log: {}; {} new store(s) wait for it (retried)",
                    s.ToString(), unflushed_creates_.size());
    }
    catalogue_retry_at_ = now + Millis(200);
    return;
  }
  if (was_failing) spdlog::info("the catalogue log is written again");
  catalogue_retry_at_ = SteadyTime::min();
  unflushed_creates_.clear();
  OnCatalogueDurable();
  // Stores that said ready before their record was durable serve now.
  std::map<std::string, HeldReady> held = std::move(held_ready_);
  held_ready_.clear();
  for (auto& [name, h] : held) {
    if (Child* child = table_.FindStore(name); child != nullptr && child->gen == h.gen) {
      OnControl(child, h.msg);
    }
  }
  // Rewriting N names once every N records keeps a change O(1) amortised.
  constexpr size_t kMinRecordsBeforeCompaction = 4096;
  if (catalogue_log_.records() >=
      std::max(kMinRecordsBeforeCompaction, catalogue_.size() + pending_drops_.size())) {
    CompactCatalogue();
  }
}

void Manager::CompactCatalogue() {
  SteadyTime start = SteadyClock::now();
  size_t records = catalogue_log_.records();
  if (Status s = catalogue_log_.Compact(catalogue_, pending_drops_, renames_.Names()); !s.ok()) {
    // The log still holds everything; tried again after the next records.
    spdlog::error("cannot compact the catalogue: {}", s.ToString());
    return;
  }
  spdlog::info("catalogue compacted: {} stores, {} log records folded in, {} ms", catalogue_.size(),
               records, MillisBetween(start, SteadyClock::now()));
}

void Manager::OnShardChecked(uint32_t shard) {
  create_shard_.at(shard) = false;  // it exists now: never created again
  shard_checked_.at(shard) = true;
  for (bool checked : shard_checked_) {
    if (!checked) return;
  }
  if (format_initialising_) {
    if (Status s = WriteFormat(opts_.data_dir, opts_.db_workers); s.ok()) {
      format_initialising_ = false;
      spdlog::info("every shard of {} exists: initialised", opts_.data_dir);
    } else {
      spdlog::error("cannot finish FORMAT: {}", s.ToString());
    }
  }
  if (!catalogue_outdated_) return;
  catalogue_outdated_ = false;
  // Every worker has finished the drops the catalogue listed.
  for (auto it = pending_drops_.begin(); it != pending_drops_.end();) {
    if (drops_.IsDropping(*it)) {
      ++it;
      continue;
    }
    LogCatalogue(CatalogueRecord::Op::kGone, *it);
    it = pending_drops_.erase(it);
  }
  if (catalogue_legacy_) {
    catalogue_legacy_ = false;
    CompactCatalogue();  // format 1 becomes format 2
  }
}

Result<Child*> Manager::CreateStore(const std::string& name) {
  if (Status s = RefuseDuringRename(name); !s.ok()) return s;
  if (pending_drops_.count(name) != 0) {
    return Status::Unavailable("store '" + name + "' was dropped and its drop has not finished: " +
                               "run `forkv drop " + name + "` again first");
  }
  if (catalogue_.size() >= opts_.max_stores) {
    return Status::TooLarge("cannot create store '" + name + "': the catalogue is full (" +
                            std::to_string(catalogue_.size()) +
                            " stores, --max-stores); drop stores or raise the limit");
  }
  catalogue_.insert(name);
  LogCatalogue(CatalogueRecord::Op::kStore, name);
  unflushed_creates_.insert(name);  // it serves once the record is durable (FlushCatalogue)
  auto store = Activate(name);
  if (store.ok()) (*store)->fresh = true;
  return store;
}

Result<Child*> Manager::Activate(const std::string& name) {
  if (table_.stores().size() >= opts_.max_live_stores) {
    // Room first: the longest idle store hibernates (its process may take
    // a moment to exit; the cap counts processes that are still there).
    if (auto oldest = idle_.Oldest()) {
      Hibernate(oldest->store, "evicted (--max-live-stores)");
    } else if (const std::string* victim = AnyEvictableStore()) {
      // None idle (each had a request within --idle-after-ms): any serving
      // store without requests through the manager. Still safe: it answers
      // what it got, then exits; direct clients are told `moved`.
      Hibernate(*victim, "evicted (--max-live-stores, none idle)");
    } else {
      return Status::Unavailable("cannot start store '" + name +
                                 "': " + std::to_string(table_.stores().size()) +
                                 " stores are live and busy (--max-live-stores " +
                                 std::to_string(opts_.max_live_stores) + "); try again");
    }
  }
  Child* store = table_.AddStore(name);
  ++activations_;
  Execute(store_sup_, store_sup_.AddChild({.id = name,
                                           .restart = RestartType::kPermanent,
                                           .shutdown_timeout = Millis(opts_.shutdown_timeout_ms)}));
  return store;
}

const std::string* Manager::AnyEvictableStore() const {
  for (const auto& [name, child] : table_.stores()) {
    const sup::ChildRecord* rec = store_sup_.Find(name);
    if (rec != nullptr && rec->state == sup::ChildState::kRunning &&
        router_.InFlightBytes(name) == 0 && router_.QueuedBytes(name) == 0) {
      return &name;
    }
  }
  return nullptr;
}

void Manager::Hibernate(const std::string& name, const char* why) {
  idle_.Remove(name);
  const sup::ChildRecord* rec = store_sup_.Find(name);
  if (rec == nullptr || rec->state != sup::ChildState::kRunning) return;
  spdlog::debug("store '{}' hibernates: {}", name, why);
  Feed(store_sup_, sup::HibernateRequested{name});
}

void Manager::OnStoreRemoved(const std::string& name, bool hibernated) {
  idle_.Remove(name);
  table_.RemoveStore(name);
  if (Rename* r = renames_.Involving(name); r != nullptr && r->from == name) MaybeStartCopy(*r);
  if (!hibernated) {
    if (auto done = drops_.OnStoreRemoved(name)) FinishDrop(*done);
    return;
  }
  // Requests that arrived while it was hibernating wait for it: start it again.
  if (catalogue_.count(name) != 0 && router_.HasPending(name) && root_.running()) {
    if (auto live = Activate(name); !live.ok()) {
      CompleteAll(router_.FailStore(name, live.status()));
    }
  }
}

void Manager::HandleDrop(Envelope env, const RequestView& req) {
  const std::string name(req.store);
  Child* store = table_.FindStore(name);
  bool retry = store == nullptr && pending_drops_.count(name) != 0;
  bool hibernating = store == nullptr && catalogue_.count(name) != 0;
  if (store == nullptr && !retry && !hibernating) {
    SendStatus(env, req.id, Status::NotFound("no such store '" + name + "'"));
    return;
  }
  if (store != nullptr) {
    Status gone = Status::Unavailable("store '" + name + "' was dropped");
    CompleteAll(router_.FailInFlight(store->gen, gone));
    CompleteAll(router_.FailStore(name, gone));
  }
  Handle h = next_handle_++;
  Park(h, std::move(env));
  // The fence generation is above every incarnation the store ever had.
  for (const ShardDrop& d :
       drops_.Begin(h, req.id, name, next_gen_++, SteadyClock::now(), store != nullptr)) {
    SendDrop(d);
  }
  // Listed as dropping until every shard has deleted its keys: a crash
  // before that leaves the drop to the workers' next start.
  pending_drops_.insert(name);
  catalogue_.erase(name);
  idle_.Remove(name);
  LogCatalogue(CatalogueRecord::Op::kDropping, name);
  spdlog::info("dropping store '{}'{}", name,
               retry ? " again (an earlier drop did not finish)" : "");
  if (store != nullptr) Feed(store_sup_, sup::StopRequested{name});  // then Removed
}

void Manager::HandleKill(Envelope env, const RequestView& req) {
  const std::string name(req.store);
  const sup::ChildRecord* rec = store_sup_.Find(name);
  if (table_.FindStore(name) == nullptr || rec == nullptr) {
    SendStatus(env, req.id, Status::NotFound("no such store '" + name + "'"));
    return;
  }
  if (rec->pid == 0) {
    SendStatus(env, req.id, Status::Unavailable("store '" + name + "' has no process now"));
    return;
  }
  int sig = req.arg == 0 ? SIGKILL : static_cast<int>(req.arg);
  if (kill(rec->pid, sig) != 0) {
    SendStatus(env, req.id, Status::InvalidArgument(std::string("kill: ") + std::strerror(errno)));
    return;
  }
  spdlog::info("sent {} to store '{}' (pid {}) on request", SignalName(sig), name, rec->pid);
  SendToClient(env, EncodeReply({.id = req.id,
                                 .body = EncodeJsonBody({{"pid", rec->pid}, {"signal", sig}})}));
}

void Manager::SendDrop(const ShardDrop& d) {
  std::string body = EncodeDropRequest(d.request);
  if (Status s = SendFrames(db_admin_[d.shard], {kTagDrop, body}); !s.ok()) {
    spdlog::warn("drop of '{}' to shard {} not sent yet: {}", d.request.store, d.shard,
                 s.ToString());
  }
}

void Manager::FinishDrop(const DropDone& done) {
  spdlog::info("store '{}' dropped{}", done.store,
               done.status.ok() ? "" : ": " + done.status.ToString());
  if (done.status.ok()) {
    pending_drops_.erase(done.store);
    LogCatalogue(CatalogueRecord::Op::kGone, done.store);
  }
  if (FinishRename(done)) return;
  Complete(done.id, done.request_id, done.status);
}

void Manager::OnDbAdmin(uint32_t shard, Frames& frames) {
  if (frames.size() != 2) return;
  std::string_view tag = View(frames[0]);
  auto ack = DecodeDropAck(View(frames[1]));
  if (!ack.ok()) {
    spdlog::warn("bad '{}' answer from shard {}: {}", tag, shard, ack.status().ToString());
    return;
  }
  if (tag == kTagDropAck) {
    if (auto done = drops_.OnAck(shard, *ack)) FinishDrop(*done);
  } else if (tag == kTagSynced) {
    OnRenameSynced(shard, *ack);
  } else if (tag == kTagBackupHeld) {
    ApplyBackup(backup_.OnHeld(shard, *ack));
  } else if (tag == kTagCheckpointDone) {
    ApplyBackup(backup_.OnCheckpointed(shard, *ack));
  }
}

}  // namespace forkv
