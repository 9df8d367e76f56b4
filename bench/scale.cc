#include "bench/scale.h"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "bench/latency_histogram.h"
#include "bench/private_manager.h"
#include "bench/proc_memory.h"
#include "bench/zipf.h"
#include "clients/cpp/connection.h"
#include "clients/cpp/reply_body.h"
#include "shared/catalogue.h"
#include "shared/protocol.h"

namespace forkv::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kExitFailed = 1;
constexpr int kExitSetup = 111;

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Ms(uint64_t micros) { return Fixed(static_cast<double>(micros) / 1000.0, 2) + " ms"; }

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// /proc/PID/stat: ppid (field 4) and utime + stime (fields 14, 15) in ticks.
struct ProcStat {
  pid_t ppid = 0;
  uint64_t ticks = 0;
};

bool ReadProcStat(pid_t pid, ProcStat* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 2));
  std::string f[13];  // fields 3..15
  for (auto& x : f) fields >> x;
  if (!fields) return false;
  out->ppid = static_cast<pid_t>(std::stol(f[1]));
  out->ticks = std::stoull(f[11]) + std::stoull(f[12]);
  return true;
}

// The manager and every process whose parent it is.
std::vector<pid_t> Tree(pid_t manager) {
  std::vector<pid_t> pids = {manager};
  DIR* d = opendir("/proc");
  if (d == nullptr) return pids;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    ProcStat st;
    if (*end == '\0' && pid > 0 && ReadProcStat(static_cast<pid_t>(pid), &st) &&
        st.ppid == manager) {
      pids.push_back(static_cast<pid_t>(pid));
    }
  }
  closedir(d);
  return pids;
}

uint64_t TreeTicks(const std::vector<pid_t>& pids) {
  uint64_t sum = 0;
  for (pid_t p : pids) {
    ProcStat st;
    if (ReadProcStat(p, &st)) sum += st.ticks;
  }
  return sum;
}

long StatusField(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

Result<nlohmann::json> Ping(zmq::context_t& ctx, const std::string& endpoint) {
  Connection c(ctx, endpoint);
  auto r = c.Call({.op = Op::kPing}, milliseconds(10000));
  if (!r.ok()) return r.status();
  return JsonOfReply(*r);
}

// Requests from `clients` threads until `next` says stop; per-thread
// histograms (microseconds) merged, and error counts by code name.
struct ClientsResult {
  LatencyHistogram latency;
  std::map<std::string, uint64_t> errors;
  double seconds = 0;
};

template <typename NextRequest>
ClientsResult RunClients(zmq::context_t& ctx, const std::string& endpoint, int clients,
                         NextRequest next) {
  ClientsResult result;
  std::mutex mu;
  std::vector<std::thread> threads;
  Clock::time_point start = Clock::now();
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      Connection c(ctx, endpoint);
      LatencyHistogram h;
      std::map<std::string, uint64_t> errors;
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      Request req;
      while (next(rng, &req)) {
        Clock::time_point sent = Clock::now();
        auto r = c.Call(req, milliseconds(30000));
        h.Record(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
        if (!r.ok()) {
          ++errors[std::string(StatusCodeName(r.status().code()))];
        } else if (r->code != StatusCode::kOk && r->code != StatusCode::kNotFound) {
          ++errors[std::string(StatusCodeName(r->code))];
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.latency.Merge(h);
      for (const auto& [k, v] : errors) result.errors[k] += v;
    });
  }
  for (auto& th : threads) th.join();
  result.seconds = SecondsSince(start);
  return result;
}

std::string Errors(const ClientsResult& r) {
  if (r.errors.empty()) return "0";
  std::string out;
  for (const auto& [k, v] : r.errors)
    out += (out.empty() ? "" : ", ") + k + " " + std::to_string(v);
  return out;
}

// Replaces a stopped manager's catalogue with `n` names PREFIX0000000...
Result<uintmax_t> WriteNames(const std::string& data_dir, const std::string& prefix, int n) {
  std::set<std::string> names;
  char buf[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%s%07d", prefix.c_str(), i);
    names.emplace_hint(names.end(), buf);
  }
  const std::string path = data_dir + "/catalogue";
  if (Status s = SaveCatalogue(path, names, {}); !s.ok()) return s;
  return std::filesystem::file_size(path);
}

std::string Name(const std::string& prefix, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%07zu", prefix.c_str(), i);
  return buf;
}

class Phases {
 public:
  Phases(const ScaleOptions& o, std::vector<ScaleFigure>* out) : o_(o), out_(out) {}

  int Run() {
    int rc = 0;
    if (o_.phases.count("create") || o_.phases.count("idle")) rc = std::max(rc, CreateAndIdle());
    if (o_.phases.count("names")) rc = std::max(rc, Names());
    if (o_.phases.count("zipf")) rc = std::max(rc, Zipf());
    return rc;
  }

 private:
  void Add(const std::string& phase, const std::string& name, const std::string& value) {
    out_->push_back({phase, name, value});
    std::fprintf(stderr, "  %s: %s = %s\n", phase.c_str(), name.c_str(), value.c_str());
  }

  Result<std::unique_ptr<PrivateManager>> Start(std::vector<std::string> extra) {
    PrivateManagerOptions po{.manager_exe = o_.manager_exe, .extra_args = std::move(extra)};
    po.ready_timeout = milliseconds(120000);
    return PrivateManager::Start(po);
  }

  int CreateAndIdle() {
    const int n = o_.create_stores;
    std::fprintf(stderr, "create: %d stores, %d clients\n", n, o_.clients);
    auto m = Start({"--max-live-stores", std::to_string(n + 100), "--idle-timeout", "0"});
    if (!m.ok()) return Fail("create", m.status());
    std::atomic<int> next{0};
    ClientsResult created =
        RunClients(ctx_, (*m)->endpoint(), o_.clients, [&](std::mt19937_64&, Request* req) {
          int i = next++;
          if (i >= n) return false;
          *req = {.op = Op::kCreate, .store = Name("s", i)};
          return true;
        });
    Add("create", "stores", std::to_string(n));
    Add("create", "total", Fixed(created.seconds, 1) + " s");
    Add("create", "rate", Fixed(n / created.seconds, 0) + " creates/s");
    Add("create", "round trip p50", Ms(created.latency.Percentile(50)));
    Add("create", "round trip p99", Ms(created.latency.Percentile(99)));
    Add("create", "errors", Errors(created));
    if (!o_.phases.count("idle")) return created.errors.empty() ? 0 : kExitFailed;

    std::fprintf(stderr, "idle: settling %d s, then %d s of CPU\n", o_.settle_seconds,
                 o_.idle_seconds);
    std::this_thread::sleep_for(std::chrono::seconds(o_.settle_seconds));
    const pid_t manager = (*m)->pid();
    std::vector<pid_t> pids = Tree(manager);
    uint64_t before = TreeTicks(pids);
    Clock::time_point t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o_.idle_seconds));
    uint64_t ticks = TreeTicks(pids) - before;
    double secs = SecondsSince(t0);
    double cpu =
        100.0 * static_cast<double>(ticks) / (static_cast<double>(sysconf(_SC_CLK_TCK)) * secs);
    Add("idle", "processes in the tree", std::to_string(pids.size()));
    Add("idle", "CPU of the whole tree", Fixed(cpu, 2) + " % of one core");
    long threads = 0;
    std::vector<uint64_t> priv;
    for (pid_t p : pids) {
      threads += StatusField(p, "Threads");
      if (p == manager) continue;
      auto mem = ReadMemoryUsage(p);
      if (mem.ok() && mem->rss_kib > 0) priv.push_back(mem->PrivateKib());
    }
    std::sort(priv.begin(), priv.end());
    uint64_t sum = 0;
    for (uint64_t v : priv) sum += v;
    if (!priv.empty()) {
      Add("idle", "private memory per child, median",
          std::to_string(priv[priv.size() / 2]) + " KiB");
      Add("idle", "private memory per child, mean", std::to_string(sum / priv.size()) + " KiB");
    }
    Add("idle", "threads in the tree", std::to_string(threads));
    Add("idle", "manager RSS", std::to_string(StatusField(manager, "VmRSS")) + " KiB");
    return created.errors.empty() ? 0 : kExitFailed;
  }

  int Names() {
    std::fprintf(stderr, "names: %d names in the catalogue\n", o_.names);
    auto m = Start({});
    if (!m.ok()) return Fail("names", m.status());
    PrivateManagerOptions po{.manager_exe = o_.manager_exe};
    po.ready_timeout = milliseconds(120000);
    if (auto st = (*m)->Stop(milliseconds(30000)); !st.ok()) return Fail("names", st.status());
    auto bytes = WriteNames((*m)->dir() + "/data", "n", o_.names);
    if (!bytes.ok()) return Fail("names", bytes.status());
    Clock::time_point t0 = Clock::now();
    if (Status s = (*m)->Restart(po); !s.ok()) return Fail("names", s);
    double ready = SecondsSince(t0);
    Add("names", "stores in the catalogue", std::to_string(o_.names));
    Add("names", "catalogue bytes", std::to_string(*bytes));
    Add("names", "start-up to READY=1", Fixed(ready, 2) + " s");
    Add("names", "manager RSS", std::to_string(StatusField((*m)->pid(), "VmRSS")) + " KiB");
    // Distinct stores, never active: each get activates one.
    std::vector<size_t> picks(static_cast<size_t>(o_.names));
    for (size_t i = 0; i < picks.size(); ++i) picks[i] = i;
    std::shuffle(picks.begin(), picks.end(), std::mt19937_64(42));
    std::atomic<int> next{0};
    ClientsResult first =
        RunClients(ctx_, (*m)->endpoint(), 1, [&](std::mt19937_64&, Request* req) {
          int i = next++;
          if (i >= o_.first_requests || i >= o_.names) return false;
          *req = {.op = Op::kGet, .store = Name("n", picks[static_cast<size_t>(i)]), .key = "k"};
          return true;
        });
    Add("names", "first request to a hibernated store p50", Ms(first.latency.Percentile(50)));
    Add("names", "first request to a hibernated store p99", Ms(first.latency.Percentile(99)));
    Add("names", "first requests", std::to_string(first.latency.count()));
    Add("names", "errors", Errors(first));
    return first.errors.empty() ? 0 : kExitFailed;
  }

  int Zipf() {
    std::fprintf(stderr, "zipf: %d stores, --max-live-stores %d, %d clients, %d s\n",
                 o_.zipf_stores, o_.zipf_live, o_.clients, o_.zipf_seconds);
    std::vector<std::string> extra = {"--max-live-stores", std::to_string(o_.zipf_live)};
    auto m = Start(extra);
    if (!m.ok()) return Fail("zipf", m.status());
    PrivateManagerOptions po{.manager_exe = o_.manager_exe, .extra_args = extra};
    po.ready_timeout = milliseconds(120000);
    if (auto st = (*m)->Stop(milliseconds(30000)); !st.ok()) return Fail("zipf", st.status());
    if (auto b = WriteNames((*m)->dir() + "/data", "z", o_.zipf_stores); !b.ok()) {
      return Fail("zipf", b.status());
    }
    if (Status s = (*m)->Restart(po); !s.ok()) return Fail("zipf", s);
    ZipfRanks ranks(static_cast<size_t>(o_.zipf_stores), o_.zipf_s);
    auto before = Ping(ctx_, (*m)->endpoint());
    const std::string value(100, 'v');
    const Clock::time_point end = Clock::now() + std::chrono::seconds(o_.zipf_seconds);
    ClientsResult load =
        RunClients(ctx_, (*m)->endpoint(), o_.clients, [&](std::mt19937_64& rng, Request* req) {
          if (Clock::now() >= end) return false;
          std::uniform_real_distribution<double> u(0.0, 1.0);
          std::string store = Name("z", ranks.Rank(u(rng)));
          bool put = u(rng) < 0.1;
          *req = {.op = put ? Op::kPut : Op::kGet,
                  .store = std::move(store),
                  .key = "k",
                  .value = put ? value : ""};
          return true;
        });
    auto after = Ping(ctx_, (*m)->endpoint());
    Add("zipf", "stores / live cap",
        std::to_string(o_.zipf_stores) + " / " + std::to_string(o_.zipf_live));
    Add("zipf", "ops/s", Fixed(static_cast<double>(load.latency.count()) / load.seconds, 0));
    Add("zipf", "p50", Ms(load.latency.Percentile(50)));
    Add("zipf", "p99", Ms(load.latency.Percentile(99)));
    Add("zipf", "max", Ms(load.latency.max()));
    Add("zipf", "mean", Ms(static_cast<uint64_t>(load.latency.Mean())));
    Add("zipf", "requests", std::to_string(load.latency.count()));
    Add("zipf", "errors", Errors(load));
    if (before.ok() && after.ok() && after->contains("activations")) {
      double activations = after->value("activations", 0.0) - before->value("activations", 0.0);
      Add("zipf", "activations/s", Fixed(activations / load.seconds, 0));
    }
    if (after.ok())
      Add("zipf", "live stores at the end", after->value("live_stores", nlohmann::json(0)).dump());
    return load.errors.empty() ? 0 : kExitFailed;
  }

  int Fail(const std::string& phase, const Status& s) {
    Add(phase, "FAILED", s.ToString());
    return kExitSetup;
  }

  const ScaleOptions& o_;
  std::vector<ScaleFigure>* out_;
  zmq::context_t ctx_{1};
};

}  // namespace

int RunScale(const ScaleOptions& options, std::vector<ScaleFigure>* out) {
  return Phases(options, out).Run();
}

}  // namespace forkv::bench
