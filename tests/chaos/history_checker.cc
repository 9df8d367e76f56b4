#include "tests/chaos/history_checker.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <utility>

namespace forkv::chaos {
namespace {

constexpr int kAbsent = -1;

int64_t EndOf(const Operation& op) { return op.outcome == Outcome::kUnknown ? kNoEnd : op.end_us; }

// Real-time order: `a` returned before `b` was invoked.
bool Precedes(const Operation& a, const Operation& b) { return EndOf(a) < b.start_us; }

bool IsWrite(const Operation& op) { return op.kind != OpKind::kGet; }

// A write the server acknowledged: it took effect.
bool IsDefiniteWrite(const Operation& op) {
  if (op.kind == OpKind::kPut) return op.outcome == Outcome::kOk;
  if (op.kind == OpKind::kDel) {
    return op.outcome == Outcome::kOk || op.outcome == Outcome::kNotFound;
  }
  return false;
}

// A write that may have taken effect (acknowledged or unknown).
bool MayHaveApplied(const Operation& op) { return IsWrite(op) && op.outcome != Outcome::kFailed; }

// A get that observed the register.
bool IsObservingRead(const Operation& op) {
  return op.kind == OpKind::kGet &&
         (op.outcome == Outcome::kOk || op.outcome == Outcome::kNotFound);
}

std::string Seconds(int64_t us) {
  if (us == kNoEnd) return "?";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6fs", static_cast<double>(us) / 1e6);
  return buf;
}

std::string ShortValue(const std::string& v) {
  std::string s = v;
  auto bar = s.find('|');
  if (bar != std::string::npos) s.resize(bar);
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

// ---- the linearizability search ----------------------------------------

struct ModelOp {
  OpKind kind;
  Outcome outcome;
  int value;  // interned value for put and get-ok
  bool unknown;
};

// Register semantics; false when `op`'s recorded result contradicts `state`.
bool Step(int state, const ModelOp& op, int* next) {
  switch (op.kind) {
    case OpKind::kPut:
      *next = op.value;
      return true;
    case OpKind::kDel:
      if (op.outcome == Outcome::kOk && state == kAbsent) return false;
      if (op.outcome == Outcome::kNotFound && state != kAbsent) return false;
      *next = kAbsent;
      return true;
    case OpKind::kGet:
      *next = state;
      return op.outcome == Outcome::kOk ? state == op.value : state == kAbsent;
  }
  return false;
}

using Bits = std::vector<uint64_t>;

void SetBit(Bits* b, int i) { (*b)[i / 64] |= uint64_t{1} << (i % 64); }
void ClearBit(Bits* b, int i) { (*b)[i / 64] &= ~(uint64_t{1} << (i % 64)); }

// Seen search states. A state is (definite ops linearized, register state,
// unknown ops linearized). One with the same definite set and register state
// but a subset of the unknown ops dominates it: it can do everything the
// other can (an unknown op left out may still be placed later, or never).
class SearchCache {
 public:
  explicit SearchCache(Bits unknown_mask) : unknown_mask_(std::move(unknown_mask)) {}

  // False if (lin, state) was seen or is dominated; otherwise records it.
  bool Insert(const Bits& lin, int state) {
    Entry e{Bits(lin.size()), state, Bits(lin.size())};
    uint64_t h = 1469598103934665603ULL ^ static_cast<uint64_t>(state + 1);
    for (size_t w = 0; w < lin.size(); ++w) {
      e.definite[w] = lin[w] & ~unknown_mask_[w];
      e.unknown[w] = lin[w] & unknown_mask_[w];
      h = (h ^ e.definite[w]) * 1099511628211ULL;
      h ^= h >> 29;
    }
    auto& bucket = buckets_[h];
    for (const Entry& old : bucket) {
      if (old.state != state || old.definite != e.definite) continue;
      bool subset = true;
      for (size_t w = 0; w < lin.size() && subset; ++w) {
        subset = (old.unknown[w] & ~e.unknown[w]) == 0;
      }
      if (subset) return false;
    }
    bucket.push_back(std::move(e));
    return true;
  }

 private:
  struct Entry {
    Bits definite;
    int state;
    Bits unknown;
  };
  Bits unknown_mask_;
  std::unordered_map<uint64_t, std::vector<Entry>> buckets_;
};

// ---- direct checks -------------------------------------------------------

struct KeyHistory {
  const std::vector<Operation>* all;
  std::vector<size_t> ops;  // sorted by start time
  const Operation& at(size_t i) const { return (*all)[i]; }
};

Anomaly MakeAnomaly(const KeyHistory& h, Anomaly::Kind kind, size_t read, size_t write,
                    std::string explanation) {
  Anomaly a;
  a.kind = kind;
  a.store = h.at(h.ops.front()).store;
  a.key = h.at(h.ops.front()).key;
  a.ops = h.ops;
  a.read = read;
  a.write = write;
  a.explanation = std::move(explanation);
  return a;
}

// Checks one read; appends at most one anomaly and bumps its counter.
void CheckRead(const KeyHistory& h, size_t r, CheckResult* result) {
  const Operation& read = h.at(r);
  const Anomaly::Kind stale_kind = read.final_read ? Anomaly::Kind::kLost : Anomaly::Kind::kStale;
  uint64_t* stale_counter = read.final_read ? &result->lost : &result->stale;

  if (read.outcome == Outcome::kOk) {
    // Puts that could have produced the value read.
    std::vector<size_t> sources;
    bool failed_source = false, future_source = false;
    for (size_t i : h.ops) {
      const Operation& p = h.at(i);
      if (p.kind != OpKind::kPut || p.value != read.value) continue;
      if (p.outcome == Outcome::kFailed) {
        failed_source = true;
      } else if (Precedes(read, p)) {
        future_source = true;
      } else {
        sources.push_back(i);
      }
    }
    if (sources.empty()) {
      ++result->phantom;
      std::string why = failed_source   ? "a put that failed definitely"
                        : future_source ? "a put that started only after the read returned"
                                        : "no put of this key";
      result->anomalies.push_back(
          MakeAnomaly(h, Anomaly::Kind::kPhantom, r, Anomaly::kNone,
                      FormatOperation(read) + " returned a value written by " + why));
      return;
    }
    // Stale unless some source is not overwritten, before the read started,
    // by a definite write that began after the source was acknowledged.
    size_t worst_source = Anomaly::kNone, worst_write = Anomaly::kNone;
    for (size_t s : sources) {
      size_t overwrite = Anomaly::kNone;
      for (size_t w : h.ops) {
        const Operation& op = h.at(w);
        if (!IsDefiniteWrite(op)) continue;
        if (op.kind == OpKind::kPut && op.value == read.value) continue;
        if (Precedes(h.at(s), op) && Precedes(op, read)) {
          if (overwrite == Anomaly::kNone || op.end_us > h.at(overwrite).end_us) overwrite = w;
        }
      }
      if (overwrite == Anomaly::kNone) return;  // this source explains the read
      worst_source = s;
      worst_write = overwrite;
    }
    ++*stale_counter;
    result->anomalies.push_back(MakeAnomaly(
        h, stale_kind, r, worst_write,
        FormatOperation(read) + " returned the value of " + FormatOperation(h.at(worst_source)) +
            ", but " + FormatOperation(h.at(worst_write)) +
            " was acknowledged after it and before the read started"));
    return;
  }

  // Read found nothing: stale if an acknowledged put preceded it and no del
  // (acknowledged or unknown) could have landed between that put and the read.
  size_t missed = Anomaly::kNone;
  for (size_t w : h.ops) {
    const Operation& put = h.at(w);
    if (put.kind != OpKind::kPut || put.outcome != Outcome::kOk || !Precedes(put, read)) continue;
    bool explained = false;
    for (size_t d : h.ops) {
      const Operation& del = h.at(d);
      if (del.kind != OpKind::kDel || !MayHaveApplied(del)) continue;
      if (!Precedes(del, put) && !Precedes(read, del)) {
        explained = true;
        break;
      }
    }
    if (!explained && (missed == Anomaly::kNone || put.end_us > h.at(missed).end_us)) missed = w;
  }
  if (missed == Anomaly::kNone) return;
  ++*stale_counter;
  result->anomalies.push_back(MakeAnomaly(
      h, stale_kind, r, missed,
      FormatOperation(read) + " found nothing, but " + FormatOperation(h.at(missed)) +
          " was acknowledged before the read started and no del could have landed after it"));
}

}  // namespace

Verdict CheckLinearizable(const std::vector<Operation>& history, uint64_t max_steps) {
  std::vector<ModelOp> ops;
  std::vector<int64_t> starts, ends;
  std::map<std::string, int> values;
  auto intern = [&values](const std::string& v) {
    auto [it, inserted] = values.emplace(v, static_cast<int>(values.size()));
    return it->second;
  };
  for (const Operation& op : history) {
    if (op.outcome == Outcome::kFailed) continue;
    if (op.kind == OpKind::kGet && !IsObservingRead(op)) continue;
    ModelOp m{op.kind, op.outcome, kAbsent, op.outcome == Outcome::kUnknown};
    if (op.kind == OpKind::kPut || (op.kind == OpKind::kGet && op.outcome == Outcome::kOk)) {
      m.value = intern(op.value);
    }
    ops.push_back(m);
    starts.push_back(op.start_us);
    ends.push_back(EndOf(op));
  }
  const int n = static_cast<int>(ops.size());
  if (n == 0) return Verdict::kLinearizable;

  // Events: call and return of each op, by time; calls first on a tie, so
  // operations that touch at the same microsecond count as concurrent.
  struct Event {
    int op;
    bool is_call;
    int64_t time;
  };
  std::vector<Event> events;
  events.reserve(2 * n);
  for (int i = 0; i < n; ++i) {
    events.push_back({i, true, starts[i]});
    events.push_back({i, false, ends[i]});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.is_call && !b.is_call;
  });
  // Doubly linked list over the events (Knuth's dancing links), with a head
  // and a tail sentinel.
  const int head = 2 * n, tail = 2 * n + 1;
  std::vector<int> next(2 * n + 2), prev(2 * n + 2), call_of(n), ret_of(n);
  for (int e = 0; e < 2 * n; ++e) {
    (events[e].is_call ? call_of : ret_of)[events[e].op] = e;
    next[e] = e + 1 < 2 * n ? e + 1 : tail;
    prev[e] = e > 0 ? e - 1 : head;
  }
  next[head] = 0;
  prev[tail] = 2 * n - 1;
  auto remove = [&](int e) {
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e];
  };
  auto restore = [&](int e) {
    next[prev[e]] = e;
    prev[next[e]] = e;
  };

  const size_t words = (static_cast<size_t>(n) + 63) / 64;
  Bits unknown_mask(words, 0), lin(words, 0);
  for (int i = 0; i < n; ++i) {
    if (ops[i].unknown) SetBit(&unknown_mask, i);
  }
  SearchCache cache(unknown_mask);
  struct Frame {
    int op;
    int state_before;
  };
  std::vector<Frame> stack;
  int state = kAbsent;
  int e = next[head];
  uint64_t steps = 0;
  while (true) {
    if (++steps > max_steps) return Verdict::kInconclusive;
    if (e == tail) return Verdict::kLinearizable;  // every event lifted
    const Event& ev = events[e];
    if (ev.is_call) {
      int after;
      if (Step(state, ops[ev.op], &after)) {
        SetBit(&lin, ev.op);
        if (cache.Insert(lin, after)) {
          stack.push_back({ev.op, state});
          state = after;
          remove(call_of[ev.op]);
          remove(ret_of[ev.op]);
          e = next[head];
          continue;
        }
        ClearBit(&lin, ev.op);
      }
      e = next[e];
      continue;
    }
    // A return: its op must already be linearized. Unknown ops return at
    // "never", after every definite event, so reaching one means every
    // definite op is placed; the unknown ones left never took effect.
    if (ops[ev.op].unknown) return Verdict::kLinearizable;
    if (stack.empty()) return Verdict::kNotLinearizable;
    Frame f = stack.back();
    stack.pop_back();
    state = f.state_before;
    ClearBit(&lin, f.op);
    restore(ret_of[f.op]);
    restore(call_of[f.op]);
    e = next[call_of[f.op]];
  }
}

CheckResult CheckHistory(const std::vector<Operation>& history, const CheckOptions& options) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_key;
  for (size_t i = 0; i < history.size(); ++i) {
    by_key[{history[i].store, history[i].key}].push_back(i);
  }
  CheckResult result;
  for (auto& [name, indices] : by_key) {
    ++result.keys;
    std::stable_sort(indices.begin(), indices.end(), [&history](size_t a, size_t b) {
      return history[a].start_us < history[b].start_us;
    });
    KeyHistory h{&history, indices};
    const size_t before = result.anomalies.size();
    for (size_t i : indices) {
      if (IsObservingRead(history[i])) CheckRead(h, i, &result);
    }
    if (result.anomalies.size() != before) continue;  // already explained
    std::vector<Operation> key_ops;
    key_ops.reserve(indices.size());
    for (size_t i : indices) key_ops.push_back(history[i]);
    switch (CheckLinearizable(key_ops, options.max_search_steps_per_key)) {
      case Verdict::kLinearizable:
        break;
      case Verdict::kNotLinearizable: {
        ++result.nonlinearizable;
        size_t unknown = 0;
        for (const Operation& op : key_ops) unknown += op.outcome == Outcome::kUnknown;
        result.anomalies.push_back(MakeAnomaly(
            h, Anomaly::Kind::kNonLinearizable, Anomaly::kNone, Anomaly::kNone,
            "no linearization of the key's " + std::to_string(key_ops.size()) + " operations (" +
                std::to_string(unknown) + " of unknown outcome) exists"));
        break;
      }
      case Verdict::kInconclusive:
        ++result.inconclusive;
        result.anomalies.push_back(
            MakeAnomaly(h, Anomaly::Kind::kInconclusive, Anomaly::kNone, Anomaly::kNone,
                        "linearizability search gave up after " +
                            std::to_string(options.max_search_steps_per_key) + " steps"));
        break;
    }
  }
  return result;
}

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kPut:
      return "put";
    case OpKind::kGet:
      return "get";
    case OpKind::kDel:
      return "del";
  }
  return "?";
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kNotFound:
      return "not_found";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string_view AnomalyKindName(Anomaly::Kind kind) {
  switch (kind) {
    case Anomaly::Kind::kLost:
      return "lost";
    case Anomaly::Kind::kStale:
      return "stale";
    case Anomaly::Kind::kPhantom:
      return "phantom";
    case Anomaly::Kind::kNonLinearizable:
      return "nonlinearizable";
    case Anomaly::Kind::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

std::string FormatOperation(const Operation& op) {
  std::string s = op.final_read ? "final" : "c" + std::to_string(op.client);
  s += " ";
  s += OpKindName(op.kind);
  s += " " + op.store + "/" + op.key;
  if (op.kind == OpKind::kPut) s += "=" + ShortValue(op.value);
  if (op.kind == OpKind::kGet && op.outcome == Outcome::kOk) s += " -> " + ShortValue(op.value);
  s += " [" + Seconds(op.start_us) + " .. " +
       (op.outcome == Outcome::kUnknown ? std::string("?") : Seconds(op.end_us)) + "] ";
  s += OutcomeName(op.outcome);
  return s;
}

}  // namespace forkv::chaos
