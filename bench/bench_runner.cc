#include "bench/bench_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "bench/figures.h"
#include "bench/load_phase.h"
#include "bench/private_manager.h"
#include "bench/zmq_rtt.h"
#include "clients/cpp/connection.h"
#include "clients/cpp/endpoint_choice.h"
#include "shared/proc.h"

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// Set by SIGINT/SIGTERM: stop sending, finish the run, clean up.
volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStopSignal(int) { g_stop = 1; }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second signal kills us the default way
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

double MillisSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// ---- group-commit counters ---------------------------------------------

// Snapshots of the database workers' counters that cover every write the
// benchmark had acknowledged when the snapshot was asked for.
class CommitStats {
 public:
  explicit CommitStats(Connection& control) : control_(control) {}

  void AddAckedWrites(uint64_t n) { pending_ += n; }

  // Polls `stores` every 100 ms until the summed `writes` counter includes
  // the writes acked since the previous snapshot, for at most 2.5 s (the
  // manager refreshes the counters on its 1 s heartbeat). *settled is false
  // when the deadline passed first.
  Result<DbCounters> Snapshot(bool* settled) {
    const uint64_t expected = last_writes_ + pending_;
    const auto deadline = Clock::now() + 2500ms;
    while (true) {
      auto body = control_.CallJson(Op::kStores, "", 0, 5s);
      if (!body.ok()) return body.status();
      auto counters = ParseDbCounters(*body);
      if (!counters.ok()) return counters.status();
      *settled = counters->writes >= expected;
      if (*settled || Clock::now() >= deadline || g_stop != 0) {
        last_writes_ = counters->writes;
        pending_ = 0;
        return counters;
      }
      std::this_thread::sleep_for(100ms);  // the documented stats wait
    }
  }

 private:
  Connection& control_;
  uint64_t last_writes_ = 0;
  uint64_t pending_ = 0;
};

// ---- the tests ----------------------------------------------------------

std::optional<Workload> ParseWorkload(const std::string& name) {
  if (name == "put") return Workload::kPut;
  if (name == "get") return Workload::kGet;
  if (name == "del") return Workload::kDel;
  if (name == "mixed") return Workload::kMixed;
  if (name == "incr") return Workload::kIncr;
  if (name == "setnx") return Workload::kPutIfAbsent;
  return std::nullopt;
}

Status CreateStores(Connection& control, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto r = control.CallJson(Op::kCreate, name, 0, 60s);
    if (!r.ok()) return Status(r.status().code(), "create " + name + ": " + r.status().message());
  }
  return Status::Ok();
}

// The stores' own endpoints (`locate`), in order; empty with --path manager.
Result<std::vector<std::string>> LocateStores(Connection& control, const BenchOptions& o,
                                              const std::vector<std::string>& names) {
  std::vector<std::string> endpoints;
  if (!o.direct) return endpoints;
  for (const auto& name : names) {
    auto r = control.CallJson(Op::kLocate, name, kLocateCreate, 60s);
    if (!r.ok()) return Status(r.status().code(), "locate " + name + ": " + r.status().message());
    std::vector<std::string> offered;
    if (r->is_object() && r->contains("endpoints") && (*r)["endpoints"].is_array()) {
      for (const auto& ep : (*r)["endpoints"]) {
        if (ep.is_string()) offered.push_back(ep.get<std::string>());
      }
    }
    auto chosen = ChooseStoreEndpoint(control.endpoint(), offered);
    if (!chosen) return Status::Unavailable("locate " + name + ": no endpoint reachable from here");
    endpoints.push_back(*chosen);
  }
  return endpoints;
}

Phase BasePhase(const BenchOptions& o, const std::vector<std::string>& stores) {
  Phase ph;
  ph.clients = o.clients;
  ph.threads = o.threads;
  ph.pipeline = o.pipeline;
  ph.requests = o.requests;
  ph.stores = stores;
  ph.keyspace = o.keyspace;
  ph.value = MakeValue(o.value_bytes);
  ph.duration_s = o.duration_s;
  ph.timeout = o.timeout;
  return ph;
}

// Puts every key of every store, pipelined.
PhaseOutcome Fill(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
                  const std::vector<std::string>& stores, uint64_t keys_per_store,
                  const std::vector<std::string>& store_endpoints = {}) {
  Phase ph = BasePhase(o, stores);
  ph.store_endpoints = store_endpoints;
  ph.name = "fill";
  ph.workload = Workload::kFill;
  ph.keyspace = keys_per_store;
  ph.requests = keys_per_store * stores.size();
  ph.pipeline = std::max(o.pipeline, 64);
  ph.duration_s = 0;
  return RunPhase(ctx, endpoint, ph);
}

int RunTests(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
             const BenchConfig& config) {
  Connection control(ctx, endpoint);
  std::vector<std::string> stores;
  for (int i = 0; i < o.stores; ++i) stores.push_back("bench-" + std::to_string(i));
  if (Status s = CreateStores(control, stores); !s.ok()) {
    Progress(s.ToString());
    return kExitSystem;
  }
  auto store_endpoints = LocateStores(control, o, stores);
  if (!store_endpoints.ok()) {
    Progress(store_endpoints.status().ToString());
    return kExitSystem;
  }
  CommitStats stats(control);
  bool settled = false;
  bool have_stats = true;
  if (auto base = stats.Snapshot(&settled); !base.ok()) {
    Progress("no group-commit figures: " + base.status().ToString());
    have_stats = false;
  }

  nlohmann::json json_tests = nlohmann::json::array();
  if (o.format == OutputFormat::kHuman) Print(HumanPreamble(config) + "\n" + HumanTableHeader());
  if (o.format == OutputFormat::kCsv) Print(CsvTestHeader());

  bool filled = false;
  bool any_errors = false;
  for (const auto& name : o.tests) {
    if (g_stop != 0) break;
    const Workload w = *ParseWorkload(name);
    // incr and setnx start from absent keys, as redis-benchmark's do.
    const bool needs_fill = w == Workload::kGet || w == Workload::kDel || w == Workload::kMixed;
    if (needs_fill && !filled && !o.no_fill) {
      const uint64_t total = o.keyspace * stores.size();
      PhaseOutcome fill = Fill(ctx, endpoint, o, stores, o.keyspace, *store_endpoints);
      stats.AddAckedWrites(fill.writes_ok);
      char line[160];
      std::snprintf(line, sizeof(line),
                    "filled %" PRIu64 " keys in %.1f s (%.0f puts/s, %" PRIu64 " errors)", total,
                    fill.result.seconds, fill.result.OpsPerSecond(), fill.result.errors);
      Progress(line);
      if (fill.result.errors > 0) Progress("fill: first error: " + fill.result.first_error);
      filled = true;
    }
    std::optional<DbCounters> before;
    bool before_settled = true;
    if (Writes(w) && have_stats) {
      auto c = stats.Snapshot(&before_settled);
      if (c.ok()) before = *c;
    }
    Phase ph = BasePhase(o, stores);
    ph.store_endpoints = *store_endpoints;
    ph.name = name;
    ph.workload = w;
    PhaseOutcome out = RunPhase(ctx, endpoint, ph);
    stats.AddAckedWrites(out.writes_ok);
    if (before) {
      bool after_settled = true;
      auto after = stats.Snapshot(&after_settled);
      if (after.ok()) {
        GroupCommit g = CounterDelta(*before, *after);
        g.approximate = g.approximate || !before_settled || !after_settled;
        out.result.group_commit = g;
      }
    }
    if (w == Workload::kDel) filled = false;  // the keys are gone
    any_errors = any_errors || out.result.errors > 0;
    // mixed: its get and put apart, as rows "mixed/get" and "mixed/put"
    // after it (JSON: its "per_op" array).
    switch (o.format) {
      case OutputFormat::kHuman:
        Print(HumanTestRow(out.result));
        for (const auto& op : out.per_op) Print(HumanTestRow(op));
        break;
      case OutputFormat::kCsv:
        Print(CsvTestRow(config, out.result));
        for (const auto& op : out.per_op) Print(CsvTestRow(config, op));
        if (!out.result.first_error.empty()) {
          Progress(name + ": first error: " + out.result.first_error);
        }
        break;
      case OutputFormat::kJson: {
        nlohmann::json j = TestJson(out.result);
        for (const auto& op : out.per_op) j["per_op"].push_back(TestJson(op));
        json_tests.push_back(std::move(j));
        break;
      }
    }
  }
  if (o.format == OutputFormat::kJson) {
    Print(nlohmann::json{{"config", ConfigJson(config)}, {"tests", json_tests}}.dump(2) + "\n");
  }
  if (g_stop != 0) return kBenchRequestErrors;
  return any_errors ? kBenchRequestErrors : kBenchOk;
}

// ---- --load-keys mode ---------------------------------------------------

constexpr int kCreateSamples = 50;
constexpr int kKillSamples = 20;

Result<StoreInfo> QueryStore(Connection& control, const std::string& name) {
  auto body = control.CallJson(Op::kStores, name, 0, 5s);  // a page of that store alone
  if (!body.ok()) return body.status();
  return FindStore(*body, name);
}

Result<uint64_t> UintOf(const Result<nlohmann::json>& body, const char* field) {
  if (!body.ok()) return body.status();
  auto it = body->find(field);
  if (it == body->end() || !it->is_number_unsigned()) {
    return Status::Internal(std::string("reply has no '") + field + "'");
  }
  return it->get<uint64_t>();
}

// Sends `request` until the answer is not `unavailable` (the store is being
// restarted) or a transport timeout, or `deadline` passes. Returns the last
// reply or error; *attempts counts the requests sent. `restarts_before` is
// the store's restart count before the kill (UINT64_MAX: unknown); a count
// beyond the one restart the kill causes is noted as a finding.
Result<Reply> CallUntilServed(Connection& control, const Request& request,
                              Clock::time_point deadline, const std::string& store,
                              uint64_t restarts_before, LoadResult* notes_to, uint64_t* attempts) {
  uint64_t restarts_noted = restarts_before == UINT64_MAX ? UINT64_MAX : restarts_before + 1;
  while (true) {
    ++*attempts;
    auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    auto reply = control.Call(request, std::clamp(left, milliseconds(1), milliseconds(30000)));
    const bool retry = reply.ok() ? reply->code == StatusCode::kUnavailable
                                  : reply.status().code() == StatusCode::kTimeout;
    if (!retry || Clock::now() >= deadline || g_stop != 0) return reply;
    // Still restarting: make sure the store has not given up, and note when
    // it is started again (e.g. killed for loading longer than the manager's
    // start timeout).
    auto info = QueryStore(control, store);
    if (!info.ok()) return reply;
    if (info->state == "failed") {
      notes_to->notes.push_back("store '" + store + "' went to state failed: " + info->last_exit);
      return reply;
    }
    if (restarts_noted != UINT64_MAX && info->restarts > restarts_noted) {
      notes_to->notes.push_back("store '" + store + "' was restarted again while loading (" +
                                info->last_exit + ")");
      restarts_noted = info->restarts;
    }
  }
}

Request StoreRequest(Op op, const std::string& store, const std::string& key = "") {
  Request r;
  r.op = op;
  r.store = store;
  r.key = key;
  return r;
}

void MeasureCreate(Connection& control, const std::string& prefix, LoadResult* r,
                   std::vector<std::string>* created) {
  std::vector<double> samples;
  for (int i = 0; i < kCreateSamples && g_stop == 0; ++i) {
    const std::string name = prefix + "-create-" + std::to_string(i);
    const auto t0 = Clock::now();
    auto body = control.CallJson(Op::kCreate, name, 0, 60s);
    const auto t1 = Clock::now();
    if (!body.ok()) {
      ++r->create_errors;
      if (r->create_errors == 1) r->notes.push_back("create: " + body.status().ToString());
      continue;
    }
    created->push_back(name);
    auto it = body->find("created");
    if (it == body->end() || !it->is_boolean() || !it->get<bool>()) {
      ++r->create_errors;
      r->notes.push_back("create " + name + ": store existed already, not timed");
      continue;
    }
    samples.push_back(MillisSince(t0, t1));
  }
  r->create_ms = Summarize(std::move(samples));
}

void MeasureEmptyRestart(Connection& control, const std::string& store, LoadResult* r) {
  std::vector<double> samples;
  for (int i = 0; i < kKillSamples && g_stop == 0; ++i) {
    // Outside the clock: the store serves, and its current pid.
    auto pid = UintOf(control.CallJson(Op::kWait, store, 10000, 15s), "pid");
    if (!pid.ok()) {
      ++r->empty_restart_errors;
      r->notes.push_back("wait " + store + ": " + pid.status().ToString());
      break;
    }
    const auto t0 = Clock::now();
    if (kill(static_cast<pid_t>(*pid), SIGKILL) != 0) {
      ++r->empty_restart_errors;
      r->notes.push_back("kill " + std::to_string(*pid) + ": " + std::strerror(errno));
      continue;
    }
    uint64_t attempts = 0;
    auto reply = CallUntilServed(control, StoreRequest(Op::kCount, store), t0 + 30s, store,
                                 UINT64_MAX, r, &attempts);
    const auto t1 = Clock::now();
    if (reply.ok() && reply->code == StatusCode::kOk) {
      samples.push_back(MillisSince(t0, t1));
    } else {
      ++r->empty_restart_errors;
      r->notes.push_back("empty store after kill: " +
                         (reply.ok() ? ReplyStatus(*reply).ToString() : reply.status().ToString()));
      if (r->empty_restart_errors >= 3) break;
    }
  }
  r->empty_restart_ms = Summarize(std::move(samples));
}

void MeasureReload(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
                   Connection& control, const std::string& store, LoadResult* r) {
  // Fill.
  Progress("filling " + std::to_string(o.load_keys) + " keys into '" + store + "'");
  PhaseOutcome fill = Fill(ctx, endpoint, o, {store}, o.load_keys);
  r->fill_seconds = fill.result.seconds;
  r->fill_errors = fill.result.errors;
  if (fill.result.errors > 0) r->notes.push_back("fill: first error: " + fill.result.first_error);
  auto count = control.Count(store, 60s);
  if (!count.ok() || *count != o.load_keys) {
    r->notes.push_back("before the kill the store holds " +
                       (count.ok() ? std::to_string(*count) : count.status().ToString()) +
                       " keys, not " + std::to_string(o.load_keys));
  }
  if (g_stop != 0) return;

  // Kill and time the reload.
  auto before = QueryStore(control, store);
  if (!before.ok() || before->pid == 0) {
    r->notes.push_back("no pid for '" + store + "': " +
                       (before.ok() ? "state " + before->state : before.status().ToString()));
    return;
  }
  Progress("kill -9 " + std::to_string(before->pid) + " ('" + store + "'), timing the reload");
  const auto t0 = Clock::now();
  if (kill(static_cast<pid_t>(before->pid), SIGKILL) != 0) {
    r->notes.push_back(std::string("kill: ") + std::strerror(errno));
    return;
  }
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(o.reload_limit_s));
  auto reply = CallUntilServed(control, StoreRequest(Op::kGet, store, KeyName(0)), deadline, store,
                               before->restarts, r, &r->reload_attempts);
  const auto t1 = Clock::now();
  if (reply.ok() && reply->code == StatusCode::kOk) {
    r->reload_ms = MillisSince(t0, t1);
  } else {
    r->notes.push_back("last answer to get: " +
                       (reply.ok() ? ReplyStatus(*reply).ToString() : reply.status().ToString()));
  }
  auto after = QueryStore(control, store);
  if (after.ok()) {
    if (after->pid == before->pid) r->notes.push_back("the store's pid did not change");
    if (!r->reload_ms) {
      r->notes.push_back("store state " + after->state + ", restarts " +
                         std::to_string(after->restarts) + ", last exit: " + after->last_exit);
    }
  }
  if (r->reload_ms) {
    auto keys = control.Count(store, 60s);
    if (keys.ok()) r->keys_after_reload = *keys;
    if (!keys.ok() || *keys != o.load_keys) {
      r->notes.push_back("after the reload the store holds " +
                         (keys.ok() ? std::to_string(*keys) : keys.status().ToString()) +
                         " keys, not " + std::to_string(o.load_keys));
    }
  }
}

int RunLoad(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
            const BenchConfig& config) {
  Connection control(ctx, endpoint);
  // Private names on a shared server, so that creates really create.
  const std::string prefix = config.spawned
                                 ? "bench"
                                 : "bench-" + std::to_string(getpid()) + "-" +
                                       std::to_string(Clock::now().time_since_epoch().count());
  LoadResult r;
  r.keys = o.load_keys;
  r.value_bytes = o.value_bytes;
  r.reload_limit_s = o.reload_limit_s;
  std::vector<std::string> created;

  if (o.format == OutputFormat::kHuman) Print(HumanPreamble(config));
  if (!config.spawned) {
    Progress(
        "with --socket the server's restart intensity applies (default 3 restarts in 5 s): "
        "the kills below may drive a store to `failed`");
  }

  Progress("timing " + std::to_string(kCreateSamples) + " creates");
  MeasureCreate(control, prefix, &r, &created);

  const std::string empty = prefix + "-empty";
  const std::string load = prefix + "-load";
  if (Status s = CreateStores(control, {empty, load}); !s.ok()) {
    Progress(s.ToString());
    return kExitSystem;
  }
  created.push_back(empty);
  created.push_back(load);
  Progress("timing " + std::to_string(kKillSamples) + " kill -9 restarts of an empty store");
  MeasureEmptyRestart(control, empty, &r);

  MeasureReload(ctx, endpoint, o, control, load, &r);

  if (!config.spawned) {
    DropStores(control, created);
  }

  switch (o.format) {
    case OutputFormat::kHuman:
      Print(HumanLoad(r));
      break;
    case OutputFormat::kCsv:
      Print(CsvLoad(config, r));
      break;
    case OutputFormat::kJson:
      Print(nlohmann::json{{"config", ConfigJson(config)}, {"load", LoadJson(r)}}.dump(2) + "\n");
      break;
  }
  const bool complete = r.reload_ms.has_value() && r.fill_errors == 0 && r.create_errors == 0 &&
                        r.empty_restart_errors == 0 && r.keys_after_reload == o.load_keys;
  return complete && g_stop == 0 ? kBenchOk : kBenchRequestErrors;
}

}  // namespace

bool StopRequested() { return g_stop != 0; }

std::string KeyName(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key:%012" PRIu64, n);
  return buf;
}

FillOutcome FillStore(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
                      const std::string& store, uint64_t keys) {
  PhaseOutcome fill = Fill(ctx, endpoint, o, {store}, keys);
  return {fill.result.seconds, fill.result.errors, fill.result.first_error};
}

int RunBench(const BenchOptions& o) {
  InstallStopHandlers();
  BenchConfig config;
  if (o.mode == Mode::kZmqRtt) {
    // No manager: the raw round trip alone, before any context exists.
    auto r = MeasureZmqRoundTrip(o.requests, o.value_bytes);
    if (!r.ok()) {
      Progress(r.status().ToString());
      return kExitSystem;
    }
    config.clients = 1;
    config.pipeline = 1;
    config.requests = o.requests;
    config.value_bytes = o.value_bytes;
    config.path = "raw zmq";
    if (o.format == OutputFormat::kCsv) {
      Print(CsvTestHeader());
      Print(CsvTestRow(config, *r));
    } else {
      Print(HumanTableHeader());
      Print(HumanTestRow(*r));
    }
    return r->errors == 0 ? kBenchOk : kBenchRequestErrors;
  }
  config.clients = o.clients;
  config.path = o.direct ? "direct" : "manager";
  config.pipeline = o.pipeline;
  const bool tests = o.mode == Mode::kTests;
  config.requests = tests ? o.requests : 0;
  config.value_bytes = o.value_bytes;
  config.keyspace = o.mode == Mode::kLoad ? o.load_keys : tests ? o.keyspace : 0;
  config.stores = o.mode == Mode::kMemory ? o.idle_stores : tests ? o.stores : 1;
  config.duration_limit_s = tests ? o.duration_s : 0;

  std::unique_ptr<PrivateManager> manager;
  std::string endpoint = o.socket;
  if (endpoint.empty()) {
    if (access(o.manager_exe.c_str(), X_OK) != 0) {
      Progress(o.manager_exe + " is not executable (" + std::strerror(errno) +
               "): build forkv-manager beside forkv-bench, or use --socket");
      return kExitSystem;
    }
    PrivateManagerOptions po;
    po.manager_exe = o.manager_exe;
    po.fsync = o.fsync;
    po.db_workers = o.db_workers;
    if (o.mode == Mode::kLoad || o.mode == Mode::kRecovery) {
      // 20 kills in a row: neither the restart intensity (3 in 5 s) nor the
      // exponential backoff (10 ms doubling per restart, reset only after
      // 10 s of uptime) may get in the way; every restart then waits the
      // initial 10 ms, as an isolated crash does.
      po.extra_args = {"--max-restarts", "1000", "--max-seconds", "1", "--backoff-max-ms", "10"};
    }
    auto started = PrivateManager::Start(po);
    if (!started.ok()) {
      Progress("cannot start forkv-manager: " + started.status().ToString());
      return kExitSystem;
    }
    manager = std::move(*started);
    endpoint = manager->endpoint();
    config.spawned = true;
    config.fsync = o.fsync;
    config.db_workers = o.db_workers;
    config.manager_args = po.extra_args;
  }
  config.endpoint = endpoint;

  int rc = kExitSystem;
  {
    zmq::context_t ctx;
    {
      // Fail fast and clearly when nothing answers.
      Connection probe(ctx, endpoint);
      auto pong = probe.CallJson(Op::kPing, "", 0, 5s);
      if (!pong.ok()) {
        Progress("cannot reach forkv-manager at " + endpoint + ": " + pong.status().ToString());
        return kExitSystem;
      }
    }
    switch (o.mode) {
      case Mode::kTests:
        rc = RunTests(ctx, endpoint, o, config);
        break;
      case Mode::kLoad:
        rc = RunLoad(ctx, endpoint, o, config);
        break;
      case Mode::kRecovery:
      case Mode::kCreate:
      case Mode::kMemory:
        rc = RunFigures(ctx, endpoint, o, config);
        break;
      case Mode::kZmqRtt:
        break;  // answered above, without a manager
    }
  }
  if (manager) {
    auto st = manager->Stop(30s);
    if (!st.ok()) {
      Progress("stopping forkv-manager: " + st.status().ToString());
      rc = std::max(rc, kBenchRequestErrors);
    } else if (!st->IsCleanExit()) {
      Progress("forkv-manager " + st->ToString() + " on SIGTERM (expected exit 0)");
      rc = std::max(rc, kBenchRequestErrors);
    }
  }
  return rc;
}

void Progress(const std::string& line) {
  std::fprintf(stderr, "forkv-bench: %s\n", line.c_str());
  std::fflush(stderr);
}

void Print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

void DropStores(Connection& control, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto dropped = control.CallJson(Op::kDrop, name, 0, std::chrono::seconds(60));
    if (!dropped.ok()) Progress("drop " + name + ": " + dropped.status().ToString());
  }
}

}  // namespace forkv::bench
