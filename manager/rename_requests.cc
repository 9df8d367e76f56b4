// `forkv rename OLD NEW` (manager/rename_table.h has the phases): the
// manager's part. The copy itself is the new store's process's
// (forkv-store --copy-from); the old keys go with a drop.
#include <spdlog/spdlog.h>

#include "manager/manager.h"

namespace forkv {

namespace {

Status RenameBusy(const Rename& r) {
  return Status::Unavailable("store '" + r.from + "' is being renamed to '" + r.to +
                             "'; try again when that is done");
}

}  // namespace

Status Manager::RefuseDuringRename(const std::string& name) const {
  const Rename* r = renames_.Involving(name);
  return r == nullptr ? Status::Ok() : RenameBusy(*r);
}

void Manager::HandleRename(Envelope env, const RequestView& req) {
  const std::string from(req.store);
  const std::string to(req.value);
  if (Rename* r = renames_.Involving(from); r != nullptr && r->from == from && r->to == to) {
    // The same rename again: a client waits for the one that runs (resumed
    // at start, or its first client gave up); a failed copy starts over.
    if (r->client != 0) {
      SendStatus(env, req.id, RenameBusy(*r));
      return;
    }
    Handle h = next_handle_++;
    Park(h, std::move(env));
    r->client = h;
    r->request_id = req.id;
    const sup::ChildRecord* rec = store_sup_.Find(to);
    if (rec != nullptr && rec->state == sup::ChildState::kFailed) {
      spdlog::info("renaming '{}' to '{}': the copy failed before; copying again", from, to);
      Feed(store_sup_, sup::RestartRequested{to});
    }
    for (uint32_t shard : r->unsynced) SendRenameSync(*r, shard);  // a sync that failed
    return;
  }
  Status refused;
  for (const std::string& name : {from, to}) {
    if (refused.ok()) refused = RefuseDuringRename(name);
    if (refused.ok() && (drops_.IsDropping(name) || pending_drops_.count(name) != 0)) {
      refused = Status::Unavailable("store '" + name + "' is being dropped");
    }
  }
  if (refused.ok() && catalogue_.count(from) == 0) {
    refused = Status::NotFound("no such store '" + from + "'");
  }
  if (refused.ok() && (catalogue_.count(to) != 0 || table_.FindStore(to) != nullptr)) {
    refused = Status::InvalidArgument("store '" + to + "' exists already");
  }
  if (refused.ok() && backup_.running()) {
    // Its catalogue and its checkpoints must agree on where each key is.
    refused = Status::Unavailable("a backup is running; rename when it is done");
  }
  if (!refused.ok()) {
    SendStatus(env, req.id, refused);
    return;
  }
  Rename& r = renames_.Begin(from, to);
  r.client = next_handle_++;
  r.request_id = req.id;
  Park(r.client, std::move(env));
  catalogue_log_.Append({.op = CatalogueRecord::Op::kRenaming, .name = from, .new_name = to});
  idle_.Remove(from);
  spdlog::info("renaming store '{}' to '{}'", from, to);
  // Requests still queued for it are refused; those it has are answered
  // before it exits (a SIGTERM'd store finishes its writes).
  CompleteAll(router_.FailStore(from, RenameBusy(r)));
  if (table_.FindStore(from) != nullptr) {
    Feed(store_sup_, sup::StopRequested{from});  // then Removed: MaybeStartCopy
  }
}

void Manager::MaybeStartCopy(Rename& r) {
  // The record first: a worker that opens its shard refuses keys of a name
  // the catalogue does not list. And no process may write the old keys.
  if (r.phase != Rename::Phase::kStopping || !r.recorded || table_.FindStore(r.from) != nullptr) {
    return;
  }
  r.phase = Rename::Phase::kCopying;
  spdlog::info("renaming '{}' to '{}': copying the keys", r.from, r.to);
  table_.AddStore(r.to);
  Execute(store_sup_, store_sup_.AddChild({.id = r.to,
                                           .restart = RestartType::kPermanent,
                                           .shutdown_timeout = Millis(opts_.shutdown_timeout_ms)}));
}

bool Manager::HoldRenamedReady(Child* child, const ReadyMsg& ready) {
  Rename* r = renames_.ByTo(child->name);
  if (r == nullptr || !CopiesFrom(*r)) return false;
  if (r->phase == Rename::Phase::kCopying) {
    r->phase = Rename::Phase::kSyncing;
    r->keys = ready.stats.value("keys", uint64_t{0});
    r->sync_id = next_handle_++;
    r->unsynced.clear();
    for (uint32_t shard = 0; shard < opts_.db_workers; ++shard) r->unsynced.insert(shard);
    for (uint32_t shard : r->unsynced) SendRenameSync(*r, shard);
  }
  // It serves once `rename` is durable (OnCatalogueDurable replays this).
  held_ready_[child->name] = HeldReady{child->gen, ready};
  return true;
}

void Manager::SendRenameSync(const Rename& r, uint32_t shard) {
  std::string body = EncodeBackupStep({.backup_id = r.sync_id});
  if (Status s = SendFrames(db_admin_[shard], {kTagSync, body}); !s.ok()) {
    spdlog::warn("sync for the rename of '{}' to shard {} not sent yet: {}", r.from, shard,
                 s.ToString());
  }
}

void Manager::OnRenameSynced(uint32_t shard, const DropAck& ack) {
  Rename* r = renames_.BySyncId(ack.drop_id);
  if (r == nullptr) return;
  if (ack.code != StatusCode::kOk) {
    // OLD keeps every key; the same `rename` asks that shard again.
    spdlog::error("renaming '{}' to '{}': shard {} could not sync: {}", r->from, r->to, shard,
                  ack.message);
    Complete(
        r->client, r->request_id,
        Status(ack.code, "renaming '" + r->from + "' to '" + r->to + "': shard " +
                             std::to_string(shard) + " could not sync the copy: " + ack.message));
    r->client = 0;
    return;
  }
  r->unsynced.erase(shard);
  if (!r->unsynced.empty()) return;
  r->phase = Rename::Phase::kRecording;
  catalogue_log_.Append({.op = CatalogueRecord::Op::kRename, .name = r->from, .new_name = r->to});
}

void Manager::ResendRenameSyncs(uint32_t shard) {
  for (auto& [from, r] : renames_.all()) {
    if (r.phase == Rename::Phase::kSyncing && r.unsynced.count(shard) != 0) {
      SendRenameSync(r, shard);
    }
  }
}

void Manager::OnCatalogueDurable() {
  for (auto& [from, r] : renames_.all()) {
    if (!r.recorded) {
      r.recorded = true;
      MaybeStartCopy(r);
    } else if (r.phase == Rename::Phase::kRecording) {
      // The new name is the store now; the old one is dropped.
      r.phase = Rename::Phase::kDropping;
      catalogue_.erase(r.from);
      catalogue_.insert(r.to);
      pending_drops_.insert(r.from);
      spdlog::info("renamed '{}' to '{}' ({} keys): deleting the old keys", r.from, r.to, r.keys);
      // The drop's id: the client's handle, or a fresh one (a resumed rename).
      DropId id = r.client != 0 ? r.client : next_handle_++;
      for (const ShardDrop& d : drops_.Begin(id, r.request_id, r.from, next_gen_++,
                                             SteadyClock::now(), /*process_running=*/false)) {
        SendDrop(d);
      }
    }
  }
}

bool Manager::FinishRename(const DropDone& done) {
  Rename* r = renames_.Involving(done.store);
  if (r == nullptr || r->from != done.store || r->phase != Rename::Phase::kDropping) return false;
  Status s = done.status;
  if (!s.ok()) {
    s = Status(s.code(), "renamed to '" + r->to + "', but deleting the keys of '" + r->from +
                             "' is not confirmed (" + s.message() + "): run `forkv drop " +
                             r->from + " --yes`");
  }
  if (s.ok()) {
    Complete(r->client,
             EncodeReply(
                 {.id = r->request_id,
                  .body = EncodeJsonBody({{"from", r->from}, {"to", r->to}, {"keys", r->keys}})}),
             StatusCode::kOk);
  } else {
    Complete(r->client, r->request_id, s);
  }
  renames_.Finish(r->from);
  return true;
}

void Manager::OnRenameCopyFailed(const std::string& name) {
  Rename* r = renames_.ByTo(name);
  if (r == nullptr || !CopiesFrom(*r)) return;
  // The catalogue still says renaming: `forkv rename` again (or a restart
  // of the manager) copies again; the old store keeps every key meanwhile.
  Complete(r->client, r->request_id,
           Status::Failed("copying the keys of '" + r->from + "' to '" + r->to +
                          "' failed (see the manager's log); `forkv rename " + r->from + " " +
                          r->to + "` tries again"));
  r->client = 0;
}

void Manager::ResumeRenames(const Renames& renaming) {
  for (const auto& [from, to] : renaming) {
    Rename& r = renames_.Begin(from, to);
    r.recorded = true;
    spdlog::info("the rename of '{}' to '{}' did not finish: going on with it", from, to);
  }
}

void Manager::FailRenameClients(const Status& status) {
  for (auto& [from, r] : renames_.all()) {
    Complete(r.client, r.request_id, status);
    r.client = 0;
  }
}

}  // namespace forkv
