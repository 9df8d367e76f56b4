#include "store_worker/write_conditions.h"

#include <charconv>

namespace forkv {

Status CheckWriteCondition(const StoreMap::Item* current, std::optional<uint64_t> if_version) {
  if (!if_version) return Status::Ok();
  if (*if_version == 0) {
    if (current == nullptr) return Status::Ok();
    return Status::ConditionFailed("the key exists (version " + std::to_string(current->version) +
                                   ")");
  }
  if (current == nullptr) return Status::ConditionFailed("the key is absent");
  if (current->version != *if_version) {
    return Status::ConditionFailed("the key is at version " + std::to_string(current->version) +
                                   ", not " + std::to_string(*if_version));
  }
  return Status::Ok();
}

std::optional<int64_t> ParseCounter(std::string_view text) {
  if (text.empty() || text.size() > 20 || text[0] == '+') return std::nullopt;
  // Redis refuses leading zeros ("007") and "-0" too: one spelling per number.
  size_t digits = text[0] == '-' ? 1 : 0;
  if (text.size() > digits + 1 && text[digits] == '0') return std::nullopt;
  if (text == "-0") return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

Status ApplyIncrement(const StoreMap::Item* current, int64_t amount, int64_t* sum) {
  int64_t base = 0;
  if (current != nullptr) {
    auto n = ParseCounter(current->value);
    if (!n) return Status::InvalidArgument("incr: the value is not a decimal 64-bit integer");
    base = *n;
  }
  if (__builtin_add_overflow(base, amount, sum)) {
    return Status::InvalidArgument("incr: the result would overflow a signed 64-bit integer");
  }
  return Status::Ok();
}

}  // namespace forkv
