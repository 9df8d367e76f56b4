#include "tests/chaos/counter_workload.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "clients/cpp/client_internal.h"
#include "clients/cpp/connection.h"
#include "shared/codec.h"

namespace forkv::chaos {
namespace {

using std::chrono::milliseconds;

std::optional<int64_t> ParseCounter(const std::string& text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string CasKey(int i) { return "cas-" + std::to_string(i); }
std::string IncrKey(int i) { return "incr-" + std::to_string(i); }

// As forkv-chaos classifies its other writes (docs/protocol.md, "Unknown
// outcome"); condition_failed is definite: not applied.
Outcome ClassifyWrite(const Result<Reply>& reply) {
  if (!reply.ok()) {
    const StatusCode c = reply.status().code();
    return c == StatusCode::kUnavailable || c == StatusCode::kInvalidArgument ? Outcome::kFailed
                                                                              : Outcome::kUnknown;
  }
  switch (reply->code) {
    case StatusCode::kOk:
      return Outcome::kOk;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kInternal:
      return Outcome::kUnknown;
    default:
      return Outcome::kFailed;
  }
}

// The reply body's first element as a counter ([value, version, ...]).
std::optional<std::pair<int64_t, uint64_t>> ValueAndVersion(const Reply& reply, bool text) {
  auto body = DecodeJsonBody(reply.body);
  if (!body.ok() || !body->is_array() || body->size() < 2 || !(*body)[1].is_number_unsigned()) {
    return std::nullopt;
  }
  int64_t value = 0;
  if (text) {
    if (!(*body)[0].is_binary()) return std::nullopt;
    const auto& bin = (*body)[0].get_binary();
    auto n = ParseCounter(std::string(bin.begin(), bin.end()));
    if (!n) return std::nullopt;
    value = *n;
  } else {
    if (!(*body)[0].is_number_integer()) return std::nullopt;
    value = (*body)[0].get<int64_t>();
  }
  return std::make_pair(value, (*body)[1].get<uint64_t>());
}

}  // namespace

CounterWorkload::CounterWorkload(zmq::context_t& ctx, CounterOptions options, int clients)
    : ctx_(ctx), o_(std::move(options)), attempts_(clients) {}

void CounterWorkload::Loop(int id, bool cas, uint64_t seed, const std::atomic<bool>& stop) {
  Connection via_manager(ctx_, o_.endpoint);
  std::optional<Client> direct;
  if (o_.direct) {
    direct.emplace(ClientOptions{
        .endpoint = o_.endpoint, .timeout = milliseconds(o_.op_timeout_ms), .attempts = 3});
  }
  auto call = [&](Request r) {
    return direct ? CallStore(*direct, r)
                  : via_manager.Call(std::move(r), milliseconds(o_.op_timeout_ms));
  };
  std::mt19937_64 rng(seed);
  std::vector<CounterAttempt>& out = attempts_[id];
  while (!stop.load()) {
    const int k = static_cast<int>(rng() % static_cast<uint64_t>(o_.keys));
    CounterAttempt a{.kind = cas ? CounterAttempt::Kind::kCas : CounterAttempt::Kind::kIncr,
                     .client = id,
                     .key = cas ? CasKey(k) : IncrKey(k)};
    Request write{.op = Op::kIncr, .store = kCounterStore, .key = a.key};
    if (cas) {
      auto read =
          call(Request{.op = Op::kGet, .store = kCounterStore, .key = a.key, .arg = kGetVersion});
      int64_t n = 0;
      if (read.ok() && read->code == StatusCode::kOk) {
        auto got = ValueAndVersion(*read, /*text=*/true);
        if (!got) continue;
        n = got->first;
        a.expected_version = got->second;
      } else if (!read.ok() || read->code != StatusCode::kNotFound) {
        if (!read.ok()) std::this_thread::sleep_for(milliseconds(20));  // manager down
        continue;
      }
      a.value = n + 1;
      write = Request{.op = Op::kPut,
                      .store = kCounterStore,
                      .key = a.key,
                      .value = std::to_string(a.value),
                      .if_version = a.expected_version};
    }
    auto reply = call(write);
    a.outcome = ClassifyWrite(reply);
    if (!cas && a.outcome == Outcome::kOk) {
      auto got = ValueAndVersion(*reply, /*text=*/false);
      if (got) {
        a.value = got->first;
      } else {
        a.outcome = Outcome::kUnknown;
      }
    }
    const bool never_sent = a.outcome == Outcome::kFailed && !reply.ok();
    out.push_back(std::move(a));
    if (never_sent) std::this_thread::sleep_for(milliseconds(20));
  }
}

void CounterWorkload::FinalReads(Connection& via) {
  for (int k = 0; k < o_.keys; ++k) {
    for (const std::string& key : {CasKey(k), IncrKey(k)}) {
      CounterFinal f{.key = key};
      for (int attempt = 0; attempt < 5 && !f.readable; ++attempt) {
        auto r = via.Call(Request{.op = Op::kGet, .store = kCounterStore, .key = key},
                          milliseconds(10000));
        if (r.ok() && r->code == StatusCode::kNotFound) {
          f.readable = true;
        } else if (r.ok() && r->code == StatusCode::kOk) {
          auto body = DecodeJsonBody(r->body);
          if (body.ok() && body->is_binary()) {
            auto n =
                ParseCounter(std::string(body->get_binary().begin(), body->get_binary().end()));
            f.readable = n.has_value();
            f.value = n.value_or(0);
          }
        }
      }
      finals_.push_back(std::move(f));
    }
  }
}

bool CounterWorkload::Print(const CounterVerdict& v) {
  for (const std::string& p : v.problems) std::printf("chaos: counter anomaly: %s\n", p.c_str());
  std::printf(
      "chaos: cas: won=%llu lost_race=%llu unknown=%llu; incr: ok=%llu unknown=%llu; "
      "double_winners=%llu duplicate_incrs=%llu miscounted=%llu\n",
      static_cast<unsigned long long>(v.cas_won), static_cast<unsigned long long>(v.cas_lost_race),
      static_cast<unsigned long long>(v.cas_unknown), static_cast<unsigned long long>(v.incr_ok),
      static_cast<unsigned long long>(v.incr_unknown),
      static_cast<unsigned long long>(v.double_winners),
      static_cast<unsigned long long>(v.duplicate_incrs),
      static_cast<unsigned long long>(v.miscounted));
  std::fflush(stdout);
  return v.ok();
}

CounterVerdict CounterWorkload::Check() const {
  std::vector<CounterAttempt> all;
  for (const auto& v : attempts_) all.insert(all.end(), v.begin(), v.end());
  return CheckCounters(all, finals_);
}

}  // namespace forkv::chaos
