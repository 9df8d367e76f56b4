// The consistency checker of forkv-chaos: a pure function from a recorded
// history of client operations to a verdict. No sockets, clocks, threads or
// processes here, so it is unit-tested with hand-made histories
// (history_checker_test.cc).
//
// Model. Every key is an independent register whose state is "absent" or a
// value. put(v) sets v; del sets absent; get reads. An operation is an
// interval [start_us, end_us] of real time and its outcome:
//   kOk        definite: put/del applied, get returned `value`
//   kNotFound  definite: get found nothing; del found nothing (applied as a
//              no-op: the key was absent when it took effect)
//   kFailed    definite error: the operation did not take effect (a get with
//              it carries no information and is ignored)
//   kUnknown   timeout, unavailable, manager crash: a put/del may take
//              effect at any time after its start, or never; a get is ignored
//
// Two checks run for each key, independently:
//  1. Linearizability (Wing & Gong / Lowe, as in Knossos and Porcupine): is
//     there a total order of the key's operations, consistent with real time
//     (A before B when A.end < B.start; an unknown op has no end), in which
//     every definite operation's result is the register's answer, and every
//     unknown write is either placed or dropped? The search memoizes
//     (linearized set, state) and prunes a state that is dominated by one
//     already explored (same definite ops and state, a subset of the unknown
//     ops used). It is bounded by `max_search_steps_per_key`; beyond that the
//     key is `inconclusive`, which is reported but is not a failure.
//  2. Direct checks that name what went wrong, read by read:
//     - phantom: a get returned a value no put of that key wrote, a value
//       whose put definitely failed, or a value whose put started only after
//       the get had returned;
//     - stale: a get returned the value of put P (or absent) although a
//       definite write W of another value was acknowledged after P had been
//       acknowledged and before the get started (for absent: W a put and no
//       del could have landed between W and the get);
//     - lost: the same as stale, for a read of the final verification pass
//       (`final_read`): an acknowledged write did not survive.
//     A key that fails the linearizability search but none of these is
//     counted as `nonlinearizable`.
//
// Values need not be unique, but the history is most telling when they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace forkv::chaos {

enum class OpKind : uint8_t { kPut, kGet, kDel };
enum class Outcome : uint8_t { kOk, kNotFound, kFailed, kUnknown };

// End time used for operations whose outcome is unknown.
inline constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();

struct Operation {
  int client = 0;
  int64_t start_us = 0;  // just before the request was sent
  int64_t end_us = 0;    // just after the answer (ignored for kUnknown)
  OpKind kind = OpKind::kGet;
  Outcome outcome = Outcome::kUnknown;
  std::string store;
  std::string key;
  std::string value;        // put: the value written; get with kOk: the value read
  bool final_read = false;  // a get of the final verification pass
};

struct Anomaly {
  enum class Kind : uint8_t { kLost, kStale, kPhantom, kNonLinearizable, kInconclusive };
  Kind kind = Kind::kNonLinearizable;
  std::string store;
  std::string key;
  std::string explanation;
  std::vector<size_t> ops;  // indices into the history: the key's operations by start time
  size_t read = kNone;      // the offending get, if any
  size_t write = kNone;     // the write it contradicts, if any
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();
};

struct CheckOptions {
  uint64_t max_search_steps_per_key = 2'000'000;
};

struct CheckResult {
  uint64_t keys = 0;
  uint64_t lost = 0;               // final reads that miss an acknowledged write
  uint64_t stale = 0;              // other reads older than an acknowledged write
  uint64_t phantom = 0;            // reads of values never (successfully) written
  uint64_t nonlinearizable = 0;    // keys failing only the linearizability search
  uint64_t inconclusive = 0;       // keys whose search hit the step bound
  std::vector<Anomaly> anomalies;  // in key order; inconclusive keys included

  // No lost, stale, phantom or nonlinearizable finding (inconclusive is allowed).
  bool ok() const { return lost == 0 && stale == 0 && phantom == 0 && nonlinearizable == 0; }
};

// Checks every key of `history` (any order). Thread-compatible, pure.
CheckResult CheckHistory(const std::vector<Operation>& history, const CheckOptions& options = {});

enum class Verdict : uint8_t { kLinearizable, kNotLinearizable, kInconclusive };

// The linearizability search alone, over `ops` taken as the history of one
// key (their store and key fields are ignored).
Verdict CheckLinearizable(const std::vector<Operation>& ops, uint64_t max_steps);

std::string_view OpKindName(OpKind kind);
std::string_view OutcomeName(Outcome outcome);
std::string_view AnomalyKindName(Anomaly::Kind kind);

// "c3 put s1/k7=c3-17 [1.204000s .. 1.209512s] ok" (times in seconds; an
// unknown op shows "..?"). Values longer than 40 bytes are cut at their
// first '|' or at 40 bytes.
std::string FormatOperation(const Operation& op);

}  // namespace forkv::chaos
