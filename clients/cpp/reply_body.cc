#include "clients/cpp/reply_body.h"

#include "shared/codec.h"

namespace forkv {
namespace {

bool JsonBytes(const nlohmann::json& j, std::string* out) {
  if (j.is_binary()) {
    out->assign(j.get_binary().begin(), j.get_binary().end());
    return true;
  }
  if (j.is_string()) {
    *out = j.get<std::string>();
    return true;
  }
  return false;
}

}  // namespace

Status ReplyStatus(const Reply& reply) {
  if (reply.code == StatusCode::kOk) return Status::Ok();
  return Status(reply.code, reply.message);
}

Result<Reply> CheckedReply(Result<Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (Status s = ReplyStatus(*reply); !s.ok()) return s;
  return reply;
}

Result<nlohmann::json> JsonOfReply(const Reply& reply) {
  if (reply.body.empty()) return nlohmann::json(nullptr);
  return DecodeJsonBody(reply.body);
}

Result<std::string> ValueOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  std::string value;
  if (!body->is_null() && !JsonBytes(*body, &value)) {
    return Status::Internal("get: reply body is not bytes");
  }
  return value;
}

Result<std::vector<std::string>> KeysOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  std::vector<std::string> keys;
  if (body->is_null()) return keys;
  if (!body->is_array()) return Status::Internal("keys: reply body is not an array");
  for (const auto& item : *body) {
    std::string key;
    if (!JsonBytes(item, &key)) return Status::Internal("keys: a key is not bytes");
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<ScanPage> ScanOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  if (!body->is_object() || !body->contains("pairs") || !(*body)["pairs"].is_array() ||
      (*body)["pairs"].size() % 2 != 0) {
    return Status::Internal("scan: unexpected reply body");
  }
  ScanPage page;
  const nlohmann::json& pairs = (*body)["pairs"];
  page.pairs.reserve(pairs.size() / 2);
  for (size_t i = 0; i < pairs.size(); i += 2) {
    std::string key, value;
    if (!JsonBytes(pairs[i], &key) || !JsonBytes(pairs[i + 1], &value)) {
      return Status::Internal("scan: a key or value is not bytes");
    }
    page.pairs.emplace_back(std::move(key), std::move(value));
  }
  auto next = body->find("next_after");
  if (next != body->end() && !next->is_null()) {
    if (!JsonBytes(*next, &page.next_after)) return Status::Internal("scan: bad next_after");
    page.more = true;
  }
  return page;
}

Result<Versioned> VersionedOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  Versioned v;
  if (!body->is_array() || body->size() != 3 || !JsonBytes((*body)[0], &v.value) ||
      !(*body)[1].is_number_unsigned() || !(*body)[2].is_number_unsigned()) {
    return Status::Internal("get: reply body is not [value, version, expires_ms]");
  }
  v.version = (*body)[1].get<uint64_t>();
  v.expires_unix_ms = (*body)[2].get<int64_t>();
  return v;
}

Result<int64_t> CounterOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  if (!body->is_array() || body->size() != 2 || !(*body)[0].is_number_integer()) {
    return Status::Internal("incr: reply body is not [value, version]");
  }
  return (*body)[0].get<int64_t>();
}

Result<uint64_t> CountOfReply(const Reply& reply) {
  auto body = JsonOfReply(reply);
  if (!body.ok()) return body.status();
  if (!body->is_number_unsigned()) return Status::Internal("count: reply body is not a uint");
  return body->get<uint64_t>();
}

}  // namespace forkv
