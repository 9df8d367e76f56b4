#include "bench/figures.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bench/figures_report.h"
#include "bench/proc_memory.h"
#include "bench/server_stats.h"
#include "clients/cpp/connection.h"
#include "shared/proc.h"

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

double MillisSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

std::string Describe(const Result<Reply>& r) {
  return r.ok() ? ReplyStatus(*r).ToString() : r.status().ToString();
}

// 1000000 -> "1,000,000".
std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Figure OneValue(std::string name, std::string what, std::string unit, double value) {
  Figure f;
  f.name = std::move(name);
  f.what = std::move(what);
  f.unit = std::move(unit);
  f.summary = Summarize({value});
  return f;
}

Result<uint64_t> PidField(const Result<nlohmann::json>& body) {
  if (!body.ok()) return body.status();
  auto it = body->find("pid");
  if (it == body->end() || !it->is_number_unsigned()) {
    return Status::Internal("reply has no 'pid'");
  }
  return it->get<uint64_t>();
}

// The pid of the store's process once it serves (waits up to 30 s).
Result<uint64_t> ServingPid(Connection& control, const std::string& store) {
  return PidField(control.CallJson(Op::kWait, store, 30000, 35s));
}

// `create`, then `wait` if the manager's --request-wait-ms ran out first
// (many stores starting at once). *created: the create made the store.
Result<uint64_t> CreateServing(Connection& client, const std::string& store, bool* created) {
  auto body = client.CallJson(Op::kCreate, store, 0, 60s);
  if (!body.ok() && body.status().code() == StatusCode::kTimeout) {
    body = client.CallJson(Op::kWait, store, 60000, 65s);
  }
  if (body.ok()) {
    auto it = body->find("created");
    *created = it != body->end() && it->is_boolean() && it->get<bool>();
  }
  return PidField(body);
}

Result<StoreInfo> QueryStore(Connection& control, const std::string& name) {
  auto body = control.CallJson(Op::kStores, name, 0, 10s);  // a page of that store alone
  if (!body.ok()) return body.status();
  return FindStore(*body, name);
}

// ---- recovery ---------------------------------------------------------------

struct KillTiming {
  std::optional<double> ms;  // kill() to the first successful get
  uint64_t gets = 0;         // gets sent
  std::string error;
};

// SIGKILL `pid`, then get key 0 of `store` until the store answers it
// (not_found counts when `empty`): the manager answers `unavailable` while it
// has not noticed the death, and queues requests while the store restarts.
KillTiming TimeKillToFirstGet(Connection& control, const std::string& store, pid_t pid, bool empty,
                              milliseconds limit) {
  KillTiming t;
  Request get;
  get.op = Op::kGet;
  get.store = store;
  get.key = KeyName(0);
  const auto t0 = Clock::now();
  if (kill(pid, SIGKILL) != 0) {
    t.error = "kill " + std::to_string(pid) + ": " + std::strerror(errno);
    return t;
  }
  const auto deadline = t0 + limit;
  uint64_t unavailable = 0;
  while (true) {
    ++t.gets;
    auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    auto reply = control.Call(get, std::clamp(left, milliseconds(1), milliseconds(30000)));
    const auto t1 = Clock::now();
    if (reply.ok() &&
        (reply->code == StatusCode::kOk || (empty && reply->code == StatusCode::kNotFound))) {
      t.ms = MillisSince(t0, t1);
      return t;
    }
    const bool retry = reply.ok() ? reply->code == StatusCode::kUnavailable
                                  : reply.status().code() == StatusCode::kTimeout;
    if (!retry || t1 >= deadline || StopRequested()) {
      t.error = Describe(reply);
      return t;
    }
    if (reply.ok() && ++unavailable % 8 == 0) {
      // A store that gave up answers `unavailable` at once, for ever.
      auto info = QueryStore(control, store);
      if (info.ok() && info->state == "failed") {
        t.error = "store went to state failed: " + info->last_exit;
        return t;
      }
    }
  }
}

void MeasureRecovery(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
                     Connection& control, const std::string& prefix, FigureSet* set,
                     std::vector<std::string>* created) {
  const auto limit = milliseconds(static_cast<int64_t>(o.reload_limit_s * 1000));
  for (uint64_t keys : o.recovery_keys) {
    if (StopRequested()) break;
    const std::string store = prefix + "recovery-" + std::to_string(keys);
    const int trials = keys == 0 ? o.trials : o.trials_loaded;
    Figure f;
    f.name = keys == 0 ? "recovery_empty" : "recovery_" + std::to_string(keys) + "_keys";
    // Empty stores: a fresh store per trial, killed once, so each sample is
    // a single crash (the manager restarts it at once; repeated crashes of
    // one store would be measuring the backoff instead).
    f.what = "kill -9 -> first get, " + (keys == 0 ? std::string("empty store (each killed once)")
                                                   : WithCommas(keys) + " keys");
    f.unit = "ms";
    bool was_created = false;
    auto pid = CreateServing(control, store, &was_created);
    if (!pid.ok()) {
      set->notes.push_back("create " + store + ": " + pid.status().ToString());
      f.errors = static_cast<uint64_t>(trials);
      set->figures.push_back(f);
      continue;
    }
    created->push_back(store);
    if (keys > 0) {
      Progress("filling " + WithCommas(keys) + " keys of " + std::to_string(o.value_bytes) +
               " bytes into '" + store + "'");
      FillOutcome fill = FillStore(ctx, endpoint, o, store, keys);
      char line[128];
      std::snprintf(line, sizeof(line), "filled in %.1f s (%.0f puts/s)", fill.seconds,
                    fill.seconds > 0 ? static_cast<double>(keys) / fill.seconds : 0.0);
      Progress(line);
      if (fill.errors > 0) {
        set->notes.push_back("fill " + store + ": " + std::to_string(fill.errors) +
                             " errors, first: " + fill.first_error);
      }
    }
    if (auto count = control.Count(store, 60s); !count.ok() || *count != keys) {
      set->notes.push_back("before the kills '" + store + "' holds " +
                           (count.ok() ? std::to_string(*count) : count.status().ToString()) +
                           " keys, not " + std::to_string(keys));
    }
    Progress("timing " + std::to_string(trials) + " kill -9 of '" + store + "'");
    std::vector<double> samples;
    uint64_t previous_pid = 0;
    for (int i = 0; i < trials && !StopRequested(); ++i) {
      std::string target = store;
      if (keys == 0 && i > 0) {
        target = store + "-" + std::to_string(i);
        bool made = false;
        auto fresh = CreateServing(control, target, &made);
        if (!fresh.ok()) {
          ++f.errors;
          set->notes.push_back("create " + target + ": " + fresh.status().ToString());
          break;
        }
        created->push_back(target);
        previous_pid = 0;
      }
      auto serving = ServingPid(control, target);
      if (!serving.ok()) {
        ++f.errors;
        set->notes.push_back("wait " + target + ": " + serving.status().ToString());
        break;
      }
      if (*serving == previous_pid) {
        set->notes.push_back("'" + target + "' answered after a kill but kept pid " +
                             std::to_string(previous_pid));
      }
      previous_pid = *serving;
      std::this_thread::sleep_for(milliseconds(o.gap_ms));
      KillTiming t =
          TimeKillToFirstGet(control, target, static_cast<pid_t>(*serving), keys == 0, limit);
      if (t.ms) {
        samples.push_back(*t.ms);
      } else {
        ++f.errors;
        set->notes.push_back("'" + target + "' after kill -9: " + t.error);
        if (f.errors >= 3) break;
      }
    }
    if (keys > 0 && !samples.empty()) {
      if (auto count = control.Count(store, 60s); !count.ok() || *count != keys) {
        set->notes.push_back("after the kills '" + store + "' holds " +
                             (count.ok() ? std::to_string(*count) : count.status().ToString()) +
                             " keys, not " + std::to_string(keys));
      }
    }
    f.summary = Summarize(std::move(samples));
    set->figures.push_back(f);
  }
}

// ---- create -----------------------------------------------------------------

void MeasureCreate(const BenchOptions& o, Connection& control, const std::string& prefix,
                   FigureSet* set, std::vector<std::string>* created) {
  Figure f;
  f.name = "create";
  f.what = "create a store (create op: catalogue record + spawn + load + ready)";
  f.unit = "ms";
  Progress("timing " + std::to_string(o.trials) + " creates");
  std::vector<double> samples;
  for (int i = 0; i < o.trials && !StopRequested(); ++i) {
    const std::string name = prefix + "create-" + std::to_string(i);
    std::this_thread::sleep_for(milliseconds(o.gap_ms));
    const auto t0 = Clock::now();
    auto body = control.CallJson(Op::kCreate, name, 0, 60s);
    const auto t1 = Clock::now();
    if (!body.ok()) {
      if (++f.errors <= 3) set->notes.push_back("create " + name + ": " + body.status().ToString());
      continue;
    }
    created->push_back(name);
    auto it = body->find("created");
    if (it == body->end() || !it->is_boolean() || !it->get<bool>()) {
      ++f.errors;
      set->notes.push_back("create " + name + ": the store existed already; not timed");
      continue;
    }
    samples.push_back(MillisSince(t0, t1));
  }
  f.summary = Summarize(std::move(samples));
  set->figures.push_back(f);
}

// ---- memory -----------------------------------------------------------------

struct TreePids {
  uint64_t manager = 0;
  std::vector<uint64_t> db_workers;
};

Result<TreePids> QueryTreePids(Connection& control) {
  TreePids t;
  auto ping = PidField(control.CallJson(Op::kPing, "", 0, 10s));
  if (!ping.ok()) return ping.status();
  t.manager = *ping;
  auto body = control.CallJson(Op::kStores, "", 0, 10s);
  if (!body.ok()) return body.status();
  auto dbs = ParseDbWorkerPids(*body);
  if (!dbs.ok()) return dbs.status();
  t.db_workers = *dbs;
  return t;
}

// Creates `names` with `threads` concurrent clients; returns the errors.
uint64_t CreateMany(zmq::context_t& ctx, const std::string& endpoint,
                    const std::vector<std::string>& names, int threads, std::string* first_error) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      Connection client(ctx, endpoint);
      for (size_t i = next++; i < names.size() && !StopRequested(); i = next++) {
        bool created = false;
        auto pid = CreateServing(client, names[i], &created);
        if (pid.ok()) continue;
        ++errors;
        std::lock_guard<std::mutex> lock(mu);
        if (first_error->empty()) *first_error = names[i] + ": " + pid.status().ToString();
      }
    });
  }
  for (auto& th : pool) th.join();
  return errors.load();
}

void MeasureMemory(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
                   Connection& control, const std::string& prefix, FigureSet* set,
                   std::vector<std::string>* created) {
  auto pids = QueryTreePids(control);
  if (!pids.ok()) {
    set->notes.push_back("ping/stores: " + pids.status().ToString());
    return;
  }
  auto manager_before = ReadMemoryUsage(static_cast<pid_t>(pids->manager));
  if (!manager_before.ok()) {
    set->notes.push_back("manager memory: " + manager_before.status().ToString());
    return;
  }
  auto body = control.CallJson(Op::kStores, "", kMaxStoresLimit, 10s);
  const size_t stores_before =
      body.ok() && ParseStores(*body).ok() ? ParseStores(*body)->size() : 0;

  const int n = o.idle_stores;
  const int threads = std::clamp(o.clients, 1, 16);
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(prefix + "idle-" + std::to_string(i));
  Progress("creating " + std::to_string(n) + " stores with " + std::to_string(threads) +
           " clients");
  std::string first_error;
  const auto t0 = Clock::now();
  const uint64_t create_errors = CreateMany(ctx, endpoint, names, threads, &first_error);
  const double create_s = MillisSince(t0, Clock::now()) / 1000;
  created->insert(created->end(), names.begin(), names.end());
  Figure all = OneValue("create_all_s",
                        "create " + WithCommas(static_cast<uint64_t>(n)) + " stores (" +
                            std::to_string(threads) + " concurrent clients)",
                        "s", create_s);
  all.errors = create_errors;
  set->figures.push_back(all);
  if (create_errors > 0) {
    set->notes.push_back(std::to_string(create_errors) + " creates failed; first: " + first_error);
  }

  char idle[96];
  std::snprintf(idle, sizeof(idle), "idling %.1f s, then reading smaps_rollup", o.settle_s);
  Progress(idle);
  for (auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(o.settle_s));
       Clock::now() < until && !StopRequested();) {
    std::this_thread::sleep_for(100ms);
  }

  body = control.CallJson(Op::kStores, "", kMaxStoresLimit, 30s);
  auto stores = body.ok() ? ParseStores(*body) : Result<std::vector<StoreInfo>>(body.status());
  if (!stores.ok()) {
    set->notes.push_back("stores: " + stores.status().ToString());
    return;
  }
  std::vector<double> pss, priv, rss;
  MemoryUsage sum;
  size_t not_running = 0;
  for (const auto& s : *stores) {
    if (s.name.rfind(prefix + "idle-", 0) != 0) continue;
    if (s.state != "running" || s.pid == 0) {
      ++not_running;
      continue;
    }
    auto m = ReadMemoryUsage(static_cast<pid_t>(s.pid));
    if (!m.ok()) {
      ++not_running;
      continue;
    }
    pss.push_back(static_cast<double>(m->pss_kib));
    priv.push_back(static_cast<double>(m->PrivateKib()));
    rss.push_back(static_cast<double>(m->rss_kib));
    sum += *m;
  }
  if (not_running > 0) {
    set->notes.push_back(std::to_string(not_running) + " of the " + std::to_string(n) +
                         " stores were not running or not readable, left out");
  }
  const std::string of_n = " (" + WithCommas(static_cast<uint64_t>(n)) + " idle stores)";
  const size_t measured = pss.size();
  auto per_store = [&](std::string name, std::string what, std::vector<double> v) {
    Figure f;
    f.name = std::move(name);
    f.what = std::move(what) + of_n;
    f.unit = "KiB";
    f.summary = Summarize(std::move(v));
    f.errors = static_cast<uint64_t>(n) - measured;
    set->figures.push_back(f);
  };
  per_store("store_pss", "PSS per store", std::move(pss));
  per_store("store_private", "private (clean+dirty) per store", std::move(priv));
  per_store("store_rss", "RSS per store", std::move(rss));

  MemoryUsage tree = sum;
  auto manager_after = ReadMemoryUsage(static_cast<pid_t>(pids->manager));
  if (manager_after.ok()) {
    const auto before_kib = static_cast<double>(manager_before->pss_kib);
    set->figures.push_back(OneValue(
        "manager_pss_before", "manager PSS before (" + std::to_string(stores_before) + " stores)",
        "KiB", before_kib));
    set->figures.push_back(OneValue("manager_rss", "manager RSS" + of_n, "KiB",
                                    static_cast<double>(manager_after->rss_kib)));
    set->figures.push_back(OneValue("manager_pss", "manager PSS" + of_n, "KiB",
                                    static_cast<double>(manager_after->pss_kib)));
    set->figures.push_back(OneValue("manager_private", "manager private" + of_n, "KiB",
                                    static_cast<double>(manager_after->PrivateKib())));
    set->figures.push_back(
        OneValue("manager_pss_growth_per_store", "manager PSS growth per store", "KiB",
                 (static_cast<double>(manager_after->pss_kib) - before_kib) / std::max(n, 1)));
    tree += *manager_after;
  } else {
    set->notes.push_back("manager memory: " + manager_after.status().ToString());
  }
  std::vector<double> db_pss;
  for (uint64_t pid : pids->db_workers) {
    auto m = pid == 0 ? Result<MemoryUsage>(Status::NotFound("no process"))
                      : ReadMemoryUsage(static_cast<pid_t>(pid));
    if (!m.ok()) {
      set->notes.push_back("db worker " + std::to_string(pid) + ": " + m.status().ToString());
      continue;
    }
    db_pss.push_back(static_cast<double>(m->pss_kib));
    tree += *m;
  }
  Figure db;
  db.name = "db_worker_pss";
  db.what = "database worker PSS, each" + of_n;
  db.unit = "KiB";
  db.summary = Summarize(std::move(db_pss));
  set->figures.push_back(db);
  set->figures.push_back(OneValue("tree_pss", "PSS of the whole tree (manager, dbs, stores)", "KiB",
                                  static_cast<double>(tree.pss_kib)));
  set->figures.push_back(OneValue("tree_pss_per_store", "whole tree PSS / stores", "KiB",
                                  static_cast<double>(tree.pss_kib) / std::max(n, 1)));
}

}  // namespace

int RunFigures(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& o,
               const BenchConfig& config) {
  Connection control(ctx, endpoint);
  // Private names on a shared server, so that creates really create.
  const std::string prefix =
      config.spawned
          ? "bench-"
          : "bench-" + std::to_string(getpid()) + "-" +
                std::to_string(Clock::now().time_since_epoch().count() % 1000000000) + "-";
  FigureSet set;
  std::vector<std::string> created;
  if (o.format == OutputFormat::kHuman) {
    std::string preamble = HumanPreamble(config);
    Print(preamble.substr(0, preamble.find('\n') + 1));
  }
  switch (o.mode) {
    case Mode::kRecovery:
      set.mode = "recovery";
      MeasureRecovery(ctx, endpoint, o, control, prefix, &set, &created);
      break;
    case Mode::kCreate:
      set.mode = "create";
      MeasureCreate(o, control, prefix, &set, &created);
      break;
    case Mode::kMemory:
      set.mode = "memory";
      MeasureMemory(ctx, endpoint, o, control, prefix, &set, &created);
      break;
    default:
      Progress("RunFigures: not a figure mode");
      return kExitSystem;
  }
  if (!config.spawned) {
    Progress("dropping the " + std::to_string(created.size()) + " stores created");
    DropStores(control, created);
  }
  switch (o.format) {
    case OutputFormat::kHuman:
      Print(HumanFigures(set));
      break;
    case OutputFormat::kCsv:
      Print(CsvFigures(set));
      for (const auto& n : set.notes) Progress("note: " + n);
      break;
    case OutputFormat::kJson:
      Print(FiguresJson(config, set).dump(2) + "\n");
      break;
  }
  bool complete = !set.figures.empty();
  for (const auto& f : set.figures) complete = complete && f.errors == 0 && f.summary.count > 0;
  return complete && !StopRequested() ? kBenchOk : kBenchRequestErrors;
}

}  // namespace forkv::bench
