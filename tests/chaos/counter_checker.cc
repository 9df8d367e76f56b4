#include "tests/chaos/counter_checker.h"

#include <map>
#include <set>
#include <utility>

namespace forkv::chaos {

CounterVerdict CheckCounters(const std::vector<CounterAttempt>& attempts,
                             const std::vector<CounterFinal>& finals) {
  CounterVerdict v;
  struct PerKey {
    uint64_t acked = 0, unknown = 0;
    std::map<uint64_t, int> won_on_version;  // expected version -> first winner
    std::map<int64_t, int> value_by;         // value -> first client answered/writing it
  };
  std::map<std::string, PerKey> keys;
  for (const CounterAttempt& a : attempts) {
    PerKey& k = keys[a.key];
    const bool cas = a.kind == CounterAttempt::Kind::kCas;
    if (a.outcome == Outcome::kUnknown) {
      ++k.unknown;
      ++(cas ? v.cas_unknown : v.incr_unknown);
      continue;
    }
    if (a.outcome != Outcome::kOk) {
      if (cas) ++v.cas_lost_race;
      continue;
    }
    ++k.acked;
    ++(cas ? v.cas_won : v.incr_ok);
    if (cas) {
      auto [it, fresh] = k.won_on_version.emplace(a.expected_version, a.client);
      if (!fresh) {
        ++v.double_winners;
        v.problems.push_back(a.key + ": clients " + std::to_string(it->second) + " and " +
                             std::to_string(a.client) + " both won version " +
                             std::to_string(a.expected_version));
        continue;
      }
    }
    auto [it, fresh] = k.value_by.emplace(a.value, a.client);
    if (!fresh) {
      ++(cas ? v.double_winners : v.duplicate_incrs);
      v.problems.push_back(a.key + ": clients " + std::to_string(it->second) + " and " +
                           std::to_string(a.client) + (cas ? " both wrote " : " both got ") +
                           std::to_string(a.value));
    }
  }
  for (const CounterFinal& f : finals) {
    const PerKey& k = keys[f.key];
    if (!f.readable) {
      ++v.miscounted;
      v.problems.push_back(f.key + ": the final read failed");
      continue;
    }
    const auto acked = static_cast<int64_t>(k.acked);
    const auto most = static_cast<int64_t>(k.acked + k.unknown);
    if (f.value < acked || f.value > most) {
      ++v.miscounted;
      v.problems.push_back(f.key + ": final value " + std::to_string(f.value) + ", expected " +
                           std::to_string(acked) + ".." + std::to_string(most) + " (" +
                           std::to_string(k.acked) + " acknowledged, " + std::to_string(k.unknown) +
                           " unknown)");
    }
  }
  return v;
}

}  // namespace forkv::chaos
