// The compare-and-swap and counter check of forkv-chaos: pure, from what
// the counter clients recorded and what the final reads found, to a
// verdict. Unit-tested on hand-made records (counter_checker_test.cc).
//
// The workload (counter_workload.h): each CAS client reads a key's value n
// and version v, then writes n + 1 only if the key is still at v (or, when
// the key was absent, only if it still is). Each incr client adds 1.
// Linearizable per key, this means:
//  - no two acknowledged CAS writes of a key were decided on the same
//    version ("double winners"), nor wrote the same value (a lost update);
//  - a key's final value counts every acknowledged CAS (or incr) and at
//    most the ones whose outcome is unknown besides:
//      acked <= final <= acked + unknown;
//  - no two acknowledged incrs of a key answered the same value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/chaos/history_checker.h"

namespace forkv::chaos {

struct CounterAttempt {
  enum class Kind : uint8_t { kCas, kIncr };
  Kind kind = Kind::kCas;
  int client = 0;
  std::string key;
  uint64_t expected_version = 0;        // kCas: the version read (0: the key was absent)
  int64_t value = 0;                    // kCas: the value written; kIncr: the value answered (kOk)
  Outcome outcome = Outcome::kUnknown;  // kOk, kFailed (condition failed too), kUnknown
};

struct CounterFinal {
  std::string key;
  bool readable = false;  // false: the final read failed (counted as a problem)
  int64_t value = 0;      // 0 when the key is absent
};

struct CounterVerdict {
  uint64_t cas_won = 0;        // acknowledged CAS writes
  uint64_t cas_lost_race = 0;  // CAS answered condition_failed
  uint64_t cas_unknown = 0;
  uint64_t incr_ok = 0;
  uint64_t incr_unknown = 0;
  uint64_t double_winners = 0;        // two acknowledged CAS on one version, or one value
  uint64_t duplicate_incrs = 0;       // two acknowledged incrs answering one value
  uint64_t miscounted = 0;            // keys whose final value is out of bounds, or unreadable
  std::vector<std::string> problems;  // one line each, for the report

  bool ok() const { return double_winners == 0 && duplicate_incrs == 0 && miscounted == 0; }
};

CounterVerdict CheckCounters(const std::vector<CounterAttempt>& attempts,
                             const std::vector<CounterFinal>& finals);

}  // namespace forkv::chaos
