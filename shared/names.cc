#include "shared/names.h"

#include <charconv>
#include <climits>
#include <cstdio>
#include <string>

namespace forkv {

Status ValidateStoreName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("store name is empty");
  if (name.size() > kMaxStoreNameBytes) {
    return Status::InvalidArgument("store name is " + std::to_string(name.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxStoreNameBytes));
  }
  if (name[0] == '.') return Status::InvalidArgument("store name must not start with '.'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", static_cast<unsigned char>(c));
      return Status::InvalidArgument(
          std::string("store name may only contain A-Z a-z 0-9 . _ - (got byte ") + hex + ")");
    }
  }
  return Status::Ok();
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("key is empty");
  if (key.size() > kMaxKeyBytes) {
    return Status::TooLarge("key is " + std::to_string(key.size()) + " bytes; the limit is " +
                            std::to_string(kMaxKeyBytes));
  }
  return Status::Ok();
}

Status ValidateValue(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return Status::TooLarge("value is " + std::to_string(value.size()) + " bytes; the limit is " +
                            std::to_string(kMaxValueBytes));
  }
  return Status::Ok();
}

Status ValidateStoresPage(const RequestView& r) {
  if (r.arg > kMaxStoresLimit) {
    return Status::InvalidArgument("stores: limit " + std::to_string(r.arg) +
                                   " is over the maximum " + std::to_string(kMaxStoresLimit));
  }
  if (r.key.size() > kMaxStoreNameBytes) {
    return Status::InvalidArgument("stores: after is " + std::to_string(r.key.size()) +
                                   " bytes, longer than any store name (" +
                                   std::to_string(kMaxStoreNameBytes) + ")");
  }
  if (!r.value.empty() && !IsStoreState(r.value)) {
    return Status::InvalidArgument("stores: unknown state '" + std::string(r.value) +
                                   "'; valid states: " + StoreStateList());
  }
  if (!r.store.empty()) return ValidateStoreName(r.store);
  return Status::Ok();
}

Status ValidateRequest(const Request& r) {
  return ValidateRequest(RequestView{.id = r.id,
                                     .op = r.op,
                                     .store = r.store,
                                     .key = r.key,
                                     .value = r.value,
                                     .arg = r.arg,
                                     .if_version = r.if_version,
                                     .ttl_ms = r.ttl_ms});
}

Result<int64_t> ParseIncrAmount(std::string_view text) {
  if (text.empty()) return int64_t{1};
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text[0] == '+') {
    return Status::InvalidArgument("incr: the amount must be a decimal integer in " +
                                   std::to_string(INT64_MIN) + ".." + std::to_string(INT64_MAX));
  }
  return n;
}

Result<uint64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (e.g. 30s, 1500ms, 5m, 2h, 7d)");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return bad();
  uint64_t n = std::stoull(std::string(text.substr(0, digits)));
  std::string_view unit = text.substr(digits);
  uint64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 3600 * 1000;
  } else if (unit == "d") {
    scale = 86400 * 1000;
  } else {
    return bad();
  }
  if (n > kMaxTtlMs / scale) {
    return Status::InvalidArgument("duration '" + std::string(text) + "' is over the limit");
  }
  return n * scale;
}

Status ValidateRequest(const RequestView& r) {
  if (r.if_version && r.op != Op::kPut && r.op != Op::kDel) {
    return Status::InvalidArgument("if_version applies to put and del only, not " +
                                   std::string(OpName(r.op)));
  }
  if (r.ttl_ms != 0 && r.op != Op::kPut) {
    return Status::InvalidArgument("ttl_ms applies to put only, not " + std::string(OpName(r.op)));
  }
  if (r.ttl_ms > kMaxTtlMs) {
    return Status::InvalidArgument("ttl_ms over the limit (" + std::to_string(kMaxTtlMs) + " ms)");
  }
  switch (r.op) {
    case Op::kPing:
    case Op::kStatus:
      return Status::Ok();
    case Op::kStores:
      return ValidateStoresPage(r);
    case Op::kPut:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if ((r.arg & ~kPutNoCreate) != 0) return Status::InvalidArgument("unknown put flags");
      if (Status s = ValidateKey(r.key); !s.ok()) return s;
      return ValidateValue(r.value);
    case Op::kGet:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if ((r.arg & ~kGetVersion) != 0) return Status::InvalidArgument("unknown get flags");
      return ValidateKey(r.key);
    case Op::kDel:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if (r.if_version == uint64_t{0}) {
        return Status::InvalidArgument("del: if_version 0 (\"only if absent\") deletes nothing");
      }
      return ValidateKey(r.key);
    case Op::kExpire:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if (r.arg > kMaxTtlMs) {
        return Status::InvalidArgument("expire: ttl over the limit (" + std::to_string(kMaxTtlMs) +
                                       " ms)");
      }
      return ValidateKey(r.key);
    case Op::kIncr: {
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if ((r.arg & ~kPutNoCreate) != 0) return Status::InvalidArgument("unknown incr flags");
      if (Status s = ValidateKey(r.key); !s.ok()) return s;
      return ParseIncrAmount(r.value).status();
    }
    case Op::kKeys:  // key = prefix, value = after
    case Op::kScan:  // key = after, value = prefix
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if (r.key.size() > kMaxKeyBytes || r.value.size() > kMaxKeyBytes) {
        return Status::TooLarge("key prefix or 'after' key over the key limit");
      }
      if (r.op == Op::kScan && r.arg > kMaxScanLimit) {
        return Status::InvalidArgument("scan: limit must be 0.." + std::to_string(kMaxScanLimit));
      }
      return Status::Ok();
    case Op::kCount:
    case Op::kCreate:
    case Op::kDrop:
    case Op::kRestart:
    case Op::kWait:
      return ValidateStoreName(r.store);
    case Op::kLocate:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if ((r.arg & ~kLocateCreate) != 0) return Status::InvalidArgument("unknown locate flags");
      if (!r.key.empty()) {  // the generation the client could not reach, in decimal
        if (r.key.size() > 20) return Status::InvalidArgument("locate: bad generation");
        for (char c : r.key) {
          if (c < '0' || c > '9') return Status::InvalidArgument("locate: bad generation");
        }
      }
      return Status::Ok();
    case Op::kRename: {  // store = the old name, value = the new one
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if (Status s = ValidateStoreName(r.value); !s.ok()) {
        return Status::InvalidArgument("rename: new name: " + s.message());
      }
      if (r.store == r.value) return Status::InvalidArgument("rename: the new name is the old one");
      return Status::Ok();
    }
    case Op::kBackup:  // value = the backup's directory
      if (r.value.empty() || r.value[0] != '/' || r.value.size() > 4096 ||
          r.value.find('\0') != std::string_view::npos) {
        return Status::InvalidArgument("backup: the directory must be an absolute path");
      }
      return Status::Ok();
    case Op::kKill:
      if (Status s = ValidateStoreName(r.store); !s.ok()) return s;
      if (r.arg > 64) return Status::InvalidArgument("signal number out of range");
      return Status::Ok();
  }
  return Status::UnknownOp("unknown op");
}

}  // namespace forkv
