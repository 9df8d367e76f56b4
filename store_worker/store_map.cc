#include "store_worker/store_map.h"

#include <cstdio>

namespace forkv {

void StoreMap::Put(std::string key, std::string value, uint64_t version, int64_t expires_ms) {
  auto it = map_.find(key);
  if (it != map_.end()) {
    payload_bytes_ -= it->second.value.size();
    payload_bytes_ += value.size();
    if (it->second.expires_ms != 0) expiry_.erase({it->second.expires_ms, it->first});
    it->second = Item{std::move(value), version, expires_ms};
    if (expires_ms != 0) expiry_.emplace(expires_ms, it->first);
    return;
  }
  payload_bytes_ += key.size() + value.size();
  auto node = map_.emplace(std::move(key), Item{std::move(value), version, expires_ms}).first;
  order_.insert(std::string_view(node->first));
  if (expires_ms != 0) expiry_.emplace(expires_ms, node->first);
}

const StoreMap::Item* StoreMap::FindLive(std::string_view key, int64_t now_ms) const {
  const Item* item = Find(key);
  return item == nullptr || Expired(*item, now_ms) ? nullptr : item;
}

size_t StoreMap::LiveCount(int64_t now_ms) const {
  size_t expired = 0;
  for (auto it = expiry_.begin(); it != expiry_.end() && it->first <= now_ms; ++it) ++expired;
  return map_.size() - expired;
}

std::vector<std::string> StoreMap::ExpiredKeys(int64_t now_ms, size_t limit) const {
  std::vector<std::string> out;
  for (auto it = expiry_.begin(); it != expiry_.end() && it->first <= now_ms; ++it) {
    if (out.size() >= limit) break;
    out.emplace_back(it->second);
  }
  return out;
}

const StoreMap::Item* StoreMap::Find(std::string_view key) const {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

Status StoreMap::Get(std::string_view key, std::string* value) const {
  const Item* v = Find(key);
  if (v == nullptr) return Status::NotFound("no such key");
  *value = v->value;
  return Status::Ok();
}

Status StoreMap::Delete(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return Status::NotFound("no such key");
  payload_bytes_ -= it->first.size() + it->second.value.size();
  order_.erase(std::string_view(it->first));
  if (it->second.expires_ms != 0) expiry_.erase({it->second.expires_ms, it->first});
  map_.erase(it);
  return Status::Ok();
}

namespace {

// The first key of the range: the first at or after `prefix` and strictly
// after `after`.
std::set<std::string_view>::const_iterator RangeStart(const std::set<std::string_view>& order,
                                                      std::string_view prefix,
                                                      std::string_view after) {
  if (!after.empty() && after >= prefix) return order.upper_bound(after);
  return order.lower_bound(prefix);
}

}  // namespace

std::vector<std::string> StoreMap::Keys(std::string_view prefix, size_t limit,
                                        std::string_view after, int64_t now_ms) const {
  std::vector<std::string> out;
  const bool check_expiry = now_ms != 0 && !expiry_.empty();
  for (auto it = RangeStart(order_, prefix, after); it != order_.end(); ++it) {
    if (it->substr(0, prefix.size()) != prefix) break;
    if (limit != 0 && out.size() >= limit) break;
    if (check_expiry && Expired(*Find(*it), now_ms)) continue;
    out.emplace_back(*it);
  }
  return out;
}

StoreMap::ScanPage StoreMap::Scan(std::string_view after, std::string_view prefix, size_t limit,
                                  size_t max_bytes, int64_t now_ms) const {
  ScanPage page;
  size_t bytes = 0;
  for (auto it = RangeStart(order_, prefix, after); it != order_.end(); ++it) {
    if (it->substr(0, prefix.size()) != prefix) break;
    if (page.entries.size() >= limit || (!page.entries.empty() && bytes >= max_bytes)) {
      page.more = true;
      break;
    }
    const Item* item = Find(*it);
    if (Expired(*item, now_ms)) continue;
    page.entries.push_back({*it, &item->value, item->version, item->expires_ms});
    bytes += it->size() + item->value.size();
  }
  return page;
}

void StoreMap::Clear() {
  order_.clear();
  expiry_.clear();
  map_.clear();
  payload_bytes_ = 0;
}

namespace {
void AppendEscaped(std::string* out, std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out->push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out->append(buf);
    }
  }
}
}  // namespace

std::string StoreMap::Dump() const {
  std::string out;
  for (std::string_view k : order_) {
    if (!out.empty()) out.push_back(',');
    AppendEscaped(&out, k);
    out.push_back('=');
    AppendEscaped(&out, map_.find(k)->second.value);
  }
  return out;
}

}  // namespace forkv
