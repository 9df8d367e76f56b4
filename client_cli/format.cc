#include "client_cli/format.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <vector>

#include "shared/codec.h"

namespace forkv::cli {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::optional<uint64_t> UintValue(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

std::optional<uint64_t> UintField(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  return UintValue(*it);
}

std::optional<std::string> StringField(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty()) return std::nullopt;
  return s;
}

// Any field as table text; "-" when missing, null or empty.
std::string Cell(const json& obj, const char* key) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "-";
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    return s.empty() ? "-" : s;
  }
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return DumpJson(Sanitize(*it));
}

// A pid of 0 means "no process" (failed, or between restarts).
std::string PidCell(const json& obj) {
  auto pid = UintField(obj, "pid");
  return pid && *pid > 0 ? std::to_string(*pid) : "-";
}

// "-" without a process (failed, hibernating, between restarts): its
// uptime would read 0ms.
std::string UptimeCell(const json& obj) {
  auto ms = UintField(obj, "uptime_ms");
  auto pid = UintField(obj, "pid");
  return ms && pid && *pid > 0 ? FormatDuration(*ms) : "-";
}

// Rows padded to `*width` (grown to fit them; sized to `header` when
// empty), the header first when `with_header`.
std::string RenderRows(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows, bool with_header,
                       std::vector<size_t>* width) {
  if (width->size() < header.size()) width->resize(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) (*width)[c] = std::max((*width)[c], header[c].size());
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width->size(); ++c) {
      (*width)[c] = std::max((*width)[c], row[c].size());
    }
  }
  std::string out;
  auto add_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append((*width)[c] - row[c].size() + 2, ' ');
    }
    out += line;
    out += '\n';
  };
  if (with_header) add_row(header);
  for (const auto& row : rows) add_row(row);
  return out;
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  return RenderRows(header, rows, true, &width);
}

const json& ArrayField(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return kEmpty;
  return *it;
}

// The stores of one `stores` page as table rows (widths kept across pages).
std::string StoreRows(const json& body, bool with_header, std::vector<size_t>* width) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : ArrayField(body, "stores")) {
    rows.push_back({Cell(s, "name"), PidCell(s), Cell(s, "state"), Cell(s, "restarts"),
                    UptimeCell(s), Cell(s, "last_exit")});
  }
  return RenderRows({"NAME", "PID", "STATE", "RESTARTS", "UPTIME", "LAST_EXIT"}, rows, with_header,
                    width);
}

std::string DbWorkersTable(const json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : ArrayField(body, "db_workers")) {
    // last_fsync_unix_ms == 0: this worker has not fsynced yet.
    auto fsync = UintField(w, "last_fsync_us");
    if (UintField(w, "last_fsync_unix_ms") == uint64_t{0}) fsync.reset();
    rows.push_back({Cell(w, "shard"), PidCell(w), Cell(w, "state"), Cell(w, "restarts"),
                    UptimeCell(w), Cell(w, "queue_depth"), Cell(w, "last_batch"),
                    Cell(w, "batches"), Cell(w, "writes"), fsync ? FormatMicros(*fsync) : "-",
                    Cell(w, "fsync_mode"), Cell(w, "last_exit")});
  }
  return RenderTable({"DB_SHARD", "PID", "STATE", "RESTARTS", "UPTIME", "QUEUE", "LAST_BATCH",
                      "BATCHES", "WRITES", "LAST_FSYNC", "FSYNC_MODE", "LAST_EXIT"},
                     rows);
}

// "1000000 stores: 3 running, 999997 hibernating": a stores supervisor's
// counts by state, in kStoreStates order, those above zero.
std::string CountsText(const json& node) {
  auto total = UintField(node, "total");
  std::string out = std::to_string(total.value_or(0)) + " stores";
  auto it = node.find("counts");
  if (it == node.end() || !it->is_object()) return out;
  std::string parts;
  for (std::string_view state : kStoreStates) {
    auto n = UintField(*it, std::string(state).c_str());
    if (!n || *n == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::to_string(*n) + " " + std::string(state);
  }
  return parts.empty() ? out : out + ": " + parts;
}

// "db-0  pid 1240 running up 5m3s restarts 0  last exit: exited 1"
std::string NodeLabel(const json& node) {
  std::string label = StringField(node, "name").value_or("?");
  if (auto strategy = StringField(node, "strategy")) label += " (" + *strategy + ")";
  if (node.is_object() && node.contains("counts")) return label + "  " + CountsText(node);
  std::vector<std::string> parts;
  auto pid = UintField(node, "pid");
  bool alive = pid && *pid > 0;
  if (alive) parts.push_back("pid " + std::to_string(*pid));
  if (auto state = StringField(node, "state")) parts.push_back(*state);
  if (auto up = UintField(node, "uptime_ms"); up && alive)
    parts.push_back("up " + FormatDuration(*up));
  if (auto restarts = UintField(node, "restarts")) {
    parts.push_back("restarts " + std::to_string(*restarts));
  }
  if (!parts.empty()) {
    label += "  ";
    for (size_t i = 0; i < parts.size(); ++i) label += (i ? " " : "") + parts[i];
  }
  if (auto last_exit = StringField(node, "last_exit")) label += "  last exit: " + *last_exit;
  return label;
}

void RenderNode(const json& node, const std::string& prefix, bool last, int depth,
                std::string* out) {
  *out += prefix + (last ? "└─ " : "├─ ") + NodeLabel(node) + "\n";
  // Bodies are depth-limited by the codec; this guards hand-made JSON too.
  if (depth >= 32) return;
  const json& children = ArrayField(node, "children");
  std::string child_prefix = prefix + (last ? "   " : "│  ");
  // A supervisor that lists only some of its children says how many more.
  uint64_t omitted = UintField(node, "omitted").value_or(0);
  for (size_t i = 0; i < children.size(); ++i) {
    RenderNode(children[i], child_prefix, i + 1 == children.size() && omitted == 0, depth + 1, out);
  }
  if (omitted > 0) {
    *out += child_prefix + "└─ ... " + std::to_string(omitted) +
            " more live stores (forkv stores --state STATE)\n";
  }
}

// Adds every field of a map body to `j` (keeping "ok" and the fields set
// from the request); a non-map body goes under "body".
void MergeBody(ordered_json& j, const json& body) {
  if (body.is_null()) return;
  json clean = Sanitize(body);
  if (!clean.is_object()) {
    j["body"] = ordered_json(std::move(clean));
    return;
  }
  for (auto& [k, v] : clean.items()) {
    if (!j.contains(k)) j[k] = ordered_json(v);
  }
}

bool BodyBytes(const json& body, std::string* out) {
  if (body.is_null()) {
    out->clear();
    return true;
  }
  if (body.is_binary()) {
    const auto& b = body.get_binary();
    out->assign(b.begin(), b.end());
    return true;
  }
  if (body.is_string()) {
    *out = body.get<std::string>();
    return true;
  }
  return false;
}

Output Unexpected(const Request& request, const RenderOptions& opts) {
  return RenderError(
      Status::Internal("unexpected reply body for " + std::string(OpName(request.op))), opts);
}

Output Success(std::string out) { return Output{std::move(out), "", kExitOk}; }

Output JsonSuccess(const ordered_json& j) { return Output{DumpJson(j) + "\n", "", kExitOk}; }

}  // namespace

std::string RenderPing(const nlohmann::json& body) {
  std::string out = "pong";
  if (auto pid = UintField(body, "pid")) out += " pid " + std::to_string(*pid);
  if (auto version = StringField(body, "version")) out += " version " + *version;
  if (auto up = UintField(body, "uptime_ms")) out += " up " + FormatDuration(*up);
  if (auto stores = UintField(body, "stores")) out += " stores " + std::to_string(*stores);
  return out + "\n";
}

std::string RenderStoresTable(const nlohmann::json& body) {
  std::vector<size_t> width;
  std::string out = StoreRows(body, true, &width);
  if (!body.is_object() || !body.contains("db_workers")) return out;
  return out + "\n" + DbWorkersTable(body);
}

std::string MoreStoresHint(const Request& request, const std::string& next_after) {
  std::string hint = "-- more: forkv stores --after " + next_after;
  if (!request.value.empty()) hint += " --state " + request.value;
  if (request.arg != 0 && request.arg != kDefaultStoresLimit) {
    hint += " --limit " + std::to_string(request.arg);
  }
  return hint + "\n";
}

AllStoresRenderer::Step AllStoresRenderer::Fail(const Status& status) {
  if (!started_) return {RenderError(status, opts_), std::nullopt};
  Output o;
  o.exit_code = ExitCodeFor(status.code());
  if (opts_.json) {
    o.out = "]," +
            DumpJson(ordered_json{{"ok", false},
                                  {"code", std::string(StatusCodeName(status.code()))},
                                  {"message", status.message()}})
                .substr(1) +
            "\n";
  } else {
    o.err = "forkv: " + status.ToString() + "\n";
  }
  return {std::move(o), std::nullopt};
}

AllStoresRenderer::Step AllStoresRenderer::Page(const Result<Reply>& outcome) {
  if (!outcome.ok()) return Fail(outcome.status());
  if (outcome->code != StatusCode::kOk) return Fail(Status(outcome->code, outcome->message));
  auto decoded = DecodeJsonBody(outcome->body);
  if (!decoded.ok() || !decoded->is_object()) {
    return Fail(Status::Internal("unexpected reply body for stores"));
  }
  const json& body = *decoded;
  std::optional<std::string> next = StringField(body, "next_after");
  Step step;
  if (opts_.json) {
    std::string& out = step.output.out;
    if (!started_) out = "{\"stores\":[";
    for (const auto& s : ArrayField(body, "stores")) {
      out += (any_store_ ? "," : "") + DumpJson(ordered_json(Sanitize(s)));
      any_store_ = true;
    }
    if (!next) {
      ordered_json tail = {{"db_workers", ordered_json(Sanitize(body.value("db_workers", json())))},
                           {"total", body.value("total", json())},
                           {"next_after", nullptr},
                           {"ok", true}};
      out += "]," + DumpJson(tail).substr(1) + "\n";
    }
  } else {
    step.output.out = StoreRows(body, !started_, &widths_);
    if (!next) step.output.out += "\n" + DbWorkersTable(body);
  }
  started_ = true;
  step.next_after = std::move(next);
  return step;
}

std::string RenderStatusTree(const nlohmann::json& body) {
  static const json kEmpty = json::object();
  const json& manager = body.is_object() && body.contains("manager") ? body.at("manager") : kEmpty;
  std::string out = "forkv-manager";
  if (auto pid = UintField(manager, "pid")) out += " pid " + std::to_string(*pid);
  if (auto state = StringField(manager, "state")) out += " " + *state;
  if (auto up = UintField(manager, "uptime_ms")) out += " up " + FormatDuration(*up);
  if (auto endpoint = StringField(manager, "endpoint")) out += "  endpoint " + *endpoint;
  if (auto data_dir = StringField(manager, "data_dir")) out += "  data_dir " + *data_dir;
  if (auto version = StringField(manager, "version")) out += "  version " + *version;
  out += "\n";
  if (body.is_object()) {
    auto it = body.find("tree");
    if (it != body.end() && it->is_object()) RenderNode(*it, "", true, 0, &out);
  }
  return out;
}

Output RenderError(const Status& status, const RenderOptions& opts) {
  Output o;
  o.exit_code = ExitCodeFor(status.code());
  if (opts.json) {
    ordered_json j = {{"ok", false},
                      {"code", std::string(StatusCodeName(status.code()))},
                      {"message", status.message()}};
    o.out = DumpJson(j) + "\n";
  } else {
    o.err = "forkv: " + status.ToString() + "\n";
  }
  return o;
}

Output RenderOutcome(const Request& request, const Result<Reply>& outcome,
                     const RenderOptions& opts) {
  if (!outcome.ok()) return RenderError(outcome.status(), opts);
  const Reply& reply = *outcome;
  if (reply.code != StatusCode::kOk) return RenderError(Status(reply.code, reply.message), opts);

  json body = nullptr;
  if (!reply.body.empty()) {
    auto decoded = DecodeJsonBody(reply.body);
    if (!decoded.ok()) {
      return RenderError(Status::Internal("undecodable reply body: " + decoded.status().ToString()),
                         opts);
    }
    body = std::move(*decoded);
  }

  ordered_json j = {{"ok", true}};
  switch (request.op) {
    case Op::kPing:
      if (!opts.json) return Success(RenderPing(body));
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kPut:
    case Op::kDel:
    case Op::kExpire:
      if (!opts.json) return Success("ok\n");
      j["store"] = request.store;
      PutBytes(j, "key", request.key);
      if (request.op != Op::kDel) {
        auto version = UintValue(body);
        if (!version) return Unexpected(request, opts);
        j["version"] = *version;
      }
      return JsonSuccess(j);

    case Op::kIncr: {
      if (!body.is_array() || body.size() != 2 || !body[0].is_number_integer() ||
          !body[1].is_number_unsigned()) {
        return Unexpected(request, opts);
      }
      const auto n = body[0].get<int64_t>();
      if (!opts.json) return Success(std::to_string(n) + "\n");
      j["store"] = request.store;
      PutBytes(j, "key", request.key);
      j["value"] = n;
      j["version"] = body[1].get<uint64_t>();
      return JsonSuccess(j);
    }

    case Op::kGet: {
      std::string value;
      std::optional<uint64_t> version;
      std::optional<uint64_t> expires;
      if ((request.arg & kGetVersion) != 0) {  // [value, version, expires_ms]
        if (!body.is_array() || body.size() != 3 || !BodyBytes(body[0], &value) ||
            !(version = UintValue(body[1])) || !(expires = UintValue(body[2]))) {
          return Unexpected(request, opts);
        }
      } else if (!BodyBytes(body, &value)) {
        return Unexpected(request, opts);
      }
      if (!opts.json) {
        std::string out = version ? std::to_string(*version) + "\n" : std::string();
        return Success(out + (opts.tty ? value + "\n" : value));
      }
      j["store"] = request.store;
      PutBytes(j, "key", request.key);
      PutBytes(j, "value", value);
      if (version) j["version"] = *version;
      if (expires && *expires != 0) j["expires_unix_ms"] = *expires;
      return JsonSuccess(j);
    }

    case Op::kKeys: {
      if (!body.is_null() && !body.is_array()) return Unexpected(request, opts);
      std::vector<std::string> keys;
      static const json kNoKeys = json::array();
      for (const auto& item : body.is_array() ? body : kNoKeys) {
        std::string key;
        if (!BodyBytes(item, &key) || item.is_null()) return Unexpected(request, opts);
        keys.push_back(std::move(key));
      }
      if (!opts.json) {
        std::string out;
        const char end = opts.null_terminated ? '\0' : '\n';
        for (const auto& k : keys) (out += k).push_back(end);
        return Success(std::move(out));
      }
      // One shape whatever the bytes: each key an object with "key", or
      // "key_base64" when it is not UTF-8 (as get's "key" and "value").
      j["store"] = request.store;
      ordered_json list = ordered_json::array();
      for (const auto& k : keys) {
        ordered_json item = ordered_json::object();
        PutBytes(item, "key", k);
        list.push_back(std::move(item));
      }
      j["keys"] = std::move(list);
      return JsonSuccess(j);
    }

    case Op::kCount: {
      auto n = UintValue(body);
      if (!n) return Unexpected(request, opts);
      if (!opts.json) return Success(std::to_string(*n) + "\n");
      j["store"] = request.store;
      j["count"] = *n;
      return JsonSuccess(j);
    }

    case Op::kStores:
      if (!opts.json) {
        Output o = Success(RenderStoresTable(body));
        if (auto next = StringField(body, "next_after")) o.err = MoreStoresHint(request, *next);
        return o;
      }
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kStatus:
      if (!opts.json) return Success(RenderStatusTree(body));
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kCreate:
      if (!opts.json) {
        bool created = !body.is_object() || !body.contains("created") ||
                       !body["created"].is_boolean() || body["created"].get<bool>();
        std::string out = created ? "created " + request.store : request.store + " already exists";
        if (auto pid = UintField(body, "pid"); pid && *pid > 0) {
          out += " (pid " + std::to_string(*pid) + ")";
        }
        return Success(out + "\n");
      }
      j["store"] = request.store;
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kLocate: {
      if (!opts.json) {
        std::string out;
        if (body.is_object() && body.contains("endpoints") && body["endpoints"].is_array()) {
          for (const auto& ep : body["endpoints"]) {
            if (ep.is_string()) out += ep.get<std::string>() + "\n";
          }
        }
        return Success(out);
      }
      j["store"] = request.store;
      MergeBody(j, body);
      return JsonSuccess(j);
    }

    case Op::kScan:  // export: client_cli/transfer.h renders its own output
      break;

    case Op::kBackup:
      if (!opts.json) {
        return Success("backup in " + StringField(body, "dir").value_or("?") + ": " +
                       std::to_string(UintField(body, "stores").value_or(0)) + " stores, " +
                       std::to_string(UintField(body, "shards").value_or(0)) + " shards, " +
                       std::to_string(UintField(body, "ms").value_or(0)) + " ms\n");
      }
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kRename:
      if (!opts.json) {
        return Success("renamed " + request.store + " to " + request.value + " (" +
                       std::to_string(UintField(body, "keys").value_or(0)) + " keys)\n");
      }
      MergeBody(j, body);
      return JsonSuccess(j);

    case Op::kDrop:
    case Op::kRestart:
    case Op::kKill:
    case Op::kWait:
      if (!opts.json) return Success("ok\n");
      j["store"] = request.store;
      if (request.op == Op::kKill) j["signal"] = request.arg;
      MergeBody(j, body);
      return JsonSuccess(j);
  }
  return Unexpected(request, opts);
}

}  // namespace forkv::cli
