#include "shared/control.h"

#include <limits>
#include <new>

#include "shared/check.h"
#include "shared/codec.h"
#include "shared/names.h"

namespace forkv {
namespace {

using nlohmann::json;

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Reads the fields of one decoded control map; every error names the
// message type and the field.
class FieldReader {
 public:
  FieldReader(const json& map, std::string_view type) : map_(map), type_(type) {}

  // A msgpack non-negative integer <= max. (DecodeControlMap turns those,
  // and only those, into unsigned JSON numbers.)
  Status Uint(const char* field, uint64_t max, uint64_t* out) const {
    auto it = map_.find(field);
    if (it == map_.end()) return Missing(field);
    if (!it->is_number_unsigned()) return Wrong(field, "a non-negative integer");
    uint64_t v = it->get<uint64_t>();
    if (v > max) return Wrong(field, "at most " + std::to_string(max));
    *out = v;
    return Status::Ok();
  }
  Status Uint(const char* field, uint64_t* out) const {
    return Uint(field, std::numeric_limits<uint64_t>::max(), out);
  }

  bool Has(const char* field) const { return map_.contains(field); }

  Status Bool(const char* field, bool* out) const {
    auto it = map_.find(field);
    if (it == map_.end()) return Missing(field);
    if (!it->is_boolean()) return Wrong(field, "a boolean");
    *out = it->get<bool>();
    return Status::Ok();
  }

  Status String(const char* field, std::string* out) const {
    auto it = map_.find(field);
    if (it == map_.end()) return Missing(field);
    if (!it->is_string()) return Wrong(field, "a string");
    *out = it->get<std::string>();
    return Status::Ok();
  }

  // A map; absent gives an empty map when `required` is false.
  Status Map(const char* field, bool required, json* out) const {
    auto it = map_.find(field);
    if (it == map_.end()) {
      if (required) return Missing(field);
      *out = json::object();
      return Status::Ok();
    }
    if (!it->is_object()) return Wrong(field, "a map");
    *out = *it;
    return Status::Ok();
  }

  Status Error(const std::string& what) const {
    return Status::Malformed("control '" + std::string(type_) + "': " + what);
  }

 private:
  Status Missing(const char* field) const {
    return Error("missing field '" + std::string(field) + "'");
  }
  Status Wrong(const char* field, const std::string& want) const {
    return Error("field '" + std::string(field) + "' must be " + want);
  }

  const json& map_;
  std::string_view type_;
};

constexpr uint64_t kMaxShard = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kMaxPid = std::numeric_limits<int64_t>::max();

Result<ControlMessage> DecodeHello(const FieldReader& r) {
  HelloMsg m;
  std::string role;
  if (Status s = r.String("role", &role); !s.ok()) return s;
  if (role == ChildRoleName(ChildRole::kStore)) {
    m.role = ChildRole::kStore;
  } else if (role == ChildRoleName(ChildRole::kDb)) {
    m.role = ChildRole::kDb;
  } else if (role == ChildRoleName(ChildRole::kHttp)) {
    m.role = ChildRole::kHttp;
  } else {
    return r.Error("unknown role '" + role.substr(0, 64) + "'");
  }
  uint64_t pid = 0;
  if (Status s = r.Uint("gen", &m.gen); !s.ok()) return s;
  if (Status s = r.Uint("pid", kMaxPid, &pid); !s.ok()) return s;
  m.pid = static_cast<int64_t>(pid);
  if (m.role == ChildRole::kStore) {
    if (Status s = r.String("name", &m.name); !s.ok()) return s;
    if (Status s = ValidateStoreName(m.name); !s.ok()) {
      return r.Error("bad store name: " + s.message());
    }
  } else if (m.role == ChildRole::kDb) {
    uint64_t shard = 0;
    if (Status s = r.Uint("shard", kMaxShard, &shard); !s.ok()) return s;
    m.shard = static_cast<uint32_t>(shard);
  }
  return ControlMessage(std::move(m));
}

Result<ControlMessage> DecodeReady(const FieldReader& r) {
  ReadyMsg m;
  if (Status s = r.Uint("gen", &m.gen); !s.ok()) return s;
  if (Status s = r.Map("stats", /*required=*/false, &m.stats); !s.ok()) return s;
  if (r.Has("tcp")) {
    if (Status s = r.String("tcp", &m.tcp); !s.ok()) return s;
    if (m.tcp.rfind("tcp://", 0) != 0 || m.tcp.size() > 256) {
      return r.Error("field 'tcp' must be a tcp:// endpoint");
    }
  }
  return ControlMessage(std::move(m));
}

Result<ControlMessage> DecodePing(const FieldReader& r) {
  PingMsg m;
  if (Status s = r.Uint("seq", &m.seq); !s.ok()) return s;
  return ControlMessage(m);
}

Result<ControlMessage> DecodePong(const FieldReader& r) {
  PongMsg m;
  if (Status s = r.Uint("seq", &m.seq); !s.ok()) return s;
  if (Status s = r.Uint("gen", &m.gen); !s.ok()) return s;
  if (Status s = r.Map("stats", /*required=*/true, &m.stats); !s.ok()) return s;
  return ControlMessage(std::move(m));
}

Result<ControlMessage> DecodeDbUp(const FieldReader& r) {
  uint64_t shard = 0;
  if (Status s = r.Uint("shard", kMaxShard, &shard); !s.ok()) return s;
  return ControlMessage(DbUpMsg{.shard = static_cast<uint32_t>(shard)});
}

Result<ControlMessage> DecodeActivity(const FieldReader& r) {
  ActivityMsg m;
  if (Status s = r.Uint("gen", &m.gen); !s.ok()) return s;
  if (Status s = r.Bool("busy", &m.busy); !s.ok()) return s;
  if (Status s = r.Map("stats", /*required=*/false, &m.stats); !s.ok()) return s;
  return ControlMessage(std::move(m));
}

Result<ControlMessage> DecodeHibernate(const FieldReader& r) {
  HibernateMsg m;
  if (Status s = r.Uint("gen", &m.gen); !s.ok()) return s;
  return ControlMessage(m);
}

Result<ControlMessage> DecodeFromMap(const json& map) {
  auto it = map.find("type");
  if (it == map.end() || !it->is_string()) return Status::Malformed("control: no string 'type'");
  const std::string& type = it->get_ref<const std::string&>();
  FieldReader r(map, type);
  if (type == "hello") return DecodeHello(r);
  if (type == "ready") return DecodeReady(r);
  if (type == "ping") return DecodePing(r);
  if (type == "pong") return DecodePong(r);
  if (type == "db_up") return DecodeDbUp(r);
  if (type == "activity") return DecodeActivity(r);
  if (type == "hibernate") return DecodeHibernate(r);
  return Status::Malformed("control: unknown type '" + type.substr(0, 64) + "'");
}

}  // namespace

std::string_view ChildRoleName(ChildRole role) {
  switch (role) {
    case ChildRole::kStore:
      return "store";
    case ChildRole::kDb:
      return "db";
    case ChildRole::kHttp:
      return "http";
  }
  return "?";
}

std::string ChildRoutingId(ChildRole role, uint64_t gen) {
  const char* prefix = role == ChildRole::kStore ? "s" : role == ChildRole::kDb ? "d" : "h";
  return prefix + std::to_string(gen);
}

std::string StoreRoutingId(int32_t pid) { return "p" + std::to_string(pid); }

std::string_view ControlTypeName(const ControlMessage& msg) {
  return std::visit(Overloaded{
                        [](const HelloMsg&) { return std::string_view("hello"); },
                        [](const ReadyMsg&) { return std::string_view("ready"); },
                        [](const PingMsg&) { return std::string_view("ping"); },
                        [](const PongMsg&) { return std::string_view("pong"); },
                        [](const DbUpMsg&) { return std::string_view("db_up"); },
                        [](const ActivityMsg&) { return std::string_view("activity"); },
                        [](const HibernateMsg&) { return std::string_view("hibernate"); },
                    },
                    msg);
}

std::string EncodeControlMessage(const ControlMessage& msg) {
  json j = {{"type", std::string(ControlTypeName(msg))}};
  std::visit(Overloaded{
                 [&](const HelloMsg& m) {
                   j["role"] = std::string(ChildRoleName(m.role));
                   j["gen"] = m.gen;
                   j["pid"] = m.pid;
                   if (m.role == ChildRole::kStore) j["name"] = m.name;
                   if (m.role == ChildRole::kDb) j["shard"] = m.shard;
                 },
                 [&](const ReadyMsg& m) {
                   FORKV_CHECK(m.stats.is_object());
                   j["gen"] = m.gen;
                   // A database worker's ready has always been {type, gen}.
                   if (!m.stats.empty()) j["stats"] = m.stats;
                   if (!m.tcp.empty()) j["tcp"] = m.tcp;
                 },
                 [&](const PingMsg& m) { j["seq"] = m.seq; },
                 [&](const PongMsg& m) {
                   FORKV_CHECK(m.stats.is_object());
                   j["seq"] = m.seq;
                   j["gen"] = m.gen;
                   j["stats"] = m.stats;
                 },
                 [&](const DbUpMsg& m) { j["shard"] = m.shard; },
                 [&](const ActivityMsg& m) {
                   FORKV_CHECK(m.stats.is_object());
                   j["gen"] = m.gen;
                   j["busy"] = m.busy;
                   if (!m.stats.empty()) j["stats"] = m.stats;
                 },
                 [&](const HibernateMsg& m) { j["gen"] = m.gen; },
             },
             msg);
  return EncodeJsonBody(j);
}

Result<ControlMessage> DecodeControlMessage(std::string_view bytes) {
  // DecodeControlMap catches msgpack's exceptions; what is left to catch
  // here is the JSON side (nothing is expected to throw: every access is
  // type-checked first) and running out of memory.
  try {
    auto map = DecodeControlMap(bytes);
    if (!map.ok()) return map.status();
    return DecodeFromMap(*map);
  } catch (const json::exception& e) {
    return Status::Malformed(std::string("control: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::TooLarge("control: too large to decode");
  }
}

}  // namespace forkv
