#include "tests/chaos/chaos_runner.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "clients/cpp/client_internal.h"
#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "shared/proc.h"
#include "tests/chaos/chaos_cluster.h"
#include "tests/chaos/counter_workload.h"
#include "tests/chaos/history_checker.h"

namespace forkv::chaos {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// Set by SIGINT/SIGTERM: end the run early, but still check what was recorded.
volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

std::string StoreName(int i) { return "chaos-" + std::to_string(i); }
std::string KeyName(int i) { return "k" + std::to_string(i); }

// The bytes written for value id "c3-17": the id, '|', then a filler that
// depends on the id, up to `bytes`. Reads are mapped back with IdOfValue().
std::string MakeValue(const std::string& id, int bytes) {
  std::string v = id + "|";
  const size_t h = std::hash<std::string>{}(id);
  while (static_cast<int>(v.size()) < bytes) {
    v.push_back(static_cast<char>('a' + (h + v.size()) % 26));
  }
  return v;
}

// The id of a value read back; a value MakeValue() did not produce (torn or
// corrupt) is kept whole behind "corrupt:", so it matches no put.
std::string IdOfValue(const std::string& value, int bytes) {
  auto bar = value.find('|');
  if (bar != std::string::npos) {
    std::string id = value.substr(0, bar);
    if (MakeValue(id, bytes) == value) return id;
  }
  return "corrupt:" + value;
}

// How a call ended, for the history (docs/protocol.md, "Unknown outcome").
Outcome Classify(OpKind kind, const Result<Reply>& reply) {
  if (!reply.ok()) {
    switch (reply.status().code()) {
      case StatusCode::kUnavailable:      // nothing listens at the socket: never sent
      case StatusCode::kInvalidArgument:  // bad endpoint: never sent
        return Outcome::kFailed;
      default:  // timeout (sent or not, we cannot tell), undecodable reply
        return Outcome::kUnknown;
    }
  }
  switch (reply->code) {
    case StatusCode::kOk:
      return Outcome::kOk;
    case StatusCode::kNotFound:
      // A put never answers not_found; if it did, claim nothing about it.
      return kind == OpKind::kPut ? Outcome::kUnknown : Outcome::kNotFound;
    case StatusCode::kUnavailable:  // store died in flight, restarting, shutting down
    case StatusCode::kTimeout:
    case StatusCode::kInternal:
      return Outcome::kUnknown;
    default:  // io_error, invalid_argument...: "the write was not applied"
      return Outcome::kFailed;
  }
}

Op ToOp(OpKind kind) {
  switch (kind) {
    case OpKind::kPut:
      return Op::kPut;
    case OpKind::kGet:
      return Op::kGet;
    case OpKind::kDel:
      return Op::kDel;
  }
  return Op::kGet;
}

// Fills op.value (get) from the reply, or downgrades an unreadable body.
void RecordGetValue(const Result<Reply>& reply, int value_bytes, Operation* op) {
  if (op->kind != OpKind::kGet || op->outcome != Outcome::kOk) return;
  auto body = DecodeJsonBody(reply->body);
  if (!body.ok() || !body->is_binary()) {
    op->outcome = Outcome::kUnknown;
    return;
  }
  op->value =
      IdOfValue(std::string(body->get_binary().begin(), body->get_binary().end()), value_bytes);
}

std::string WallClock(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03lld", buf, static_cast<long long>(ms));
  return out;
}

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Time from a store's SIGKILL to the first request it served again,
// measured by one prober thread per store with its own Connection.
class Prober {
 public:
  // Starts measuring from `killed_at`; `epoch` is the manager incarnation.
  void Killed(Clock::time_point killed_at, uint64_t epoch) {
    std::lock_guard<std::mutex> lock(mu_);
    killed_at_ = killed_at;
    epoch_ = epoch;
    cv_.notify_one();
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  std::vector<double> samples_ms() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_ms_;
  }

  // Thread body. A measurement spanning a manager restart (epoch change) is
  // dropped: the store was then restarted by a new manager, not recovered.
  void Loop(zmq::context_t* ctx, std::string endpoint, std::string store,
            const std::atomic<uint64_t>* epoch) {
    Connection client(*ctx, std::move(endpoint));
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || killed_at_.has_value(); });
      if (stop_) return;
      const Clock::time_point t0 = *killed_at_;
      const uint64_t e0 = epoch_;
      killed_at_.reset();
      lock.unlock();
      bool served = false;
      while (!served && epoch->load() == e0) {
        auto reply = client.Call({.op = Op::kGet, .store = store, .key = "probe"}, 5s);
        served =
            reply.ok() && (reply->code == StatusCode::kOk || reply->code == StatusCode::kNotFound);
        if (!served) std::this_thread::sleep_for(2ms);
        std::lock_guard<std::mutex> check(mu_);
        if (stop_) break;
      }
      const Clock::time_point t1 = Clock::now();
      lock.lock();
      if (served && epoch->load() == e0) {
        samples_ms_.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Clock::time_point> killed_at_;
  uint64_t epoch_ = 0;
  bool stop_ = false;
  std::vector<double> samples_ms_;
};

struct FaultCounts {
  uint64_t store = 0, db = 0, manager = 0, manager_group = 0, stop = 0, stop_killed = 0,
           stretches = 0, killpoint_fires = 0, skipped = 0, manager_exits = 0, start_retries = 0;
  // A kill point counts once per process it killed, not once per stretch.
  uint64_t total() const { return store + db + manager + stop + killpoint_fires; }
};

struct FaultEvent {
  int64_t t_us;
  std::string wall;
  std::string what;
};

struct ChildInfo {
  std::string name;
  pid_t pid = 0;
  std::string state;
  uint64_t restarts = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

class ChaosSession {
 public:
  explicit ChaosSession(const ChaosOptions& options)
      : o_(options), rng_(options.seed), control_(ctx_, "") {}

  int Run();

 private:
  int64_t NowUs() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
  }
  std::chrono::system_clock::time_point WallAt(int64_t t_us) const {
    return wall_start_ + std::chrono::microseconds(t_us);
  }
  void Event(const std::string& what);
  Clock::duration NextGap();

  // Connection threads.
  void ClientLoop(int id, std::vector<Operation>* out);

  // Manager control (main thread only).
  bool StartManager(const std::vector<std::string>& env);
  bool RestartManager(const std::vector<std::string>& env, bool whole_group);
  Result<std::pair<std::vector<ChildInfo>, std::vector<ChildInfo>>> Children();
  void VerifyAfterRestart();

  // Faults.
  void InjectFault();
  // Stores that are running and not SIGSTOPped by us: fault victims.
  std::vector<ChildInfo> RunningStores();
  void KillStore();
  void KillDbWorker();
  void KillManagerFault();
  void StopStore();
  // A stretch during which the manager runs with FORKV_KILL_POINT set and
  // no other fault is injected, so that the kill point fires.
  void BeginKillPointStretch();
  void EndKillPointStretch();
  void ResumeDue(bool all);

  // End.
  void FinalReads();
  int Report(const std::vector<Operation>& history, const CheckResult& result, int64_t workload_us,
             double check_ms);
  void PrintAnomaly(const Anomaly& a, const std::vector<Operation>& history);
  // Writes history.txt (every operation by start time) and faults.txt into
  // the run directory, for a post-mortem.
  void DumpRun(const std::vector<Operation>& history);

  const ChaosOptions& o_;
  std::mt19937_64 rng_;
  zmq::context_t ctx_{1};
  Connection control_;
  std::unique_ptr<ManagerUnderTest> mgr_;
  std::string dir_;
  Clock::time_point start_;
  std::chrono::system_clock::time_point wall_start_;

  std::atomic<bool> stop_clients_{false};
  std::atomic<uint64_t> epoch_{0};  // bumped whenever the manager is killed
  std::atomic<uint64_t> ops_{0};
  std::vector<std::unique_ptr<Prober>> probers_;

  struct Stopped {
    pid_t pid;
    std::string store;
    Clock::time_point resume_at;
  };
  std::vector<Stopped> stopped_;
  struct KillPointStretch {
    std::string spec;
    bool store_point;
    Clock::time_point end;
  };
  std::optional<KillPointStretch> stretch_;
  std::vector<std::string> env_;  // the current manager's extra environment
  FaultCounts counts_;
  std::vector<FaultEvent> events_;
  std::vector<Operation> main_history_;  // verification and final reads
  bool fatal_ = false;
  uint64_t unreadable_ = 0;
  std::string final_stop_;
};

void ChaosSession::Event(const std::string& what) {
  int64_t t = NowUs();
  events_.push_back({t, WallClock(WallAt(t)), what});
  if (o_.verbose) std::printf("chaos: %10.3fs %s\n", static_cast<double>(t) / 1e6, what.c_str());
}

Clock::duration ChaosSession::NextGap() {
  std::uniform_real_distribution<double> f(0.5, 1.5);
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(o_.fault_interval_ms * f(rng_)));
}

void ChaosSession::ClientLoop(int id, std::vector<Operation>* out) {
  // Direct: a forkv::Client (locate, cache, relocate); else one Connection
  // to the manager. Both give the raw reply, classified the same way.
  Connection via_manager(ctx_, mgr_->endpoint());
  std::optional<Client> direct;
  if (o_.direct) {
    direct.emplace(ClientOptions{
        .endpoint = mgr_->endpoint(), .timeout = milliseconds(o_.op_timeout_ms), .attempts = 3});
  }
  std::mt19937_64 rng(o_.seed * 1000003 + static_cast<uint64_t>(id) + 1);
  std::discrete_distribution<int> mix(o_.ops_mix.begin(), o_.ops_mix.end());
  uint64_t n = 0;
  while (!stop_clients_.load()) {
    Operation op;
    op.client = id;
    op.store = StoreName(static_cast<int>(rng() % static_cast<uint64_t>(o_.stores)));
    op.key = KeyName(static_cast<int>(rng() % static_cast<uint64_t>(o_.keys)));
    const int which = mix(rng);
    op.kind = which == 0 ? OpKind::kPut : which == 1 ? OpKind::kGet : OpKind::kDel;
    Request request{.op = ToOp(op.kind), .store = op.store, .key = op.key};
    if (op.kind == OpKind::kPut) {
      op.value = "c" + std::to_string(id) + "-" + std::to_string(++n);
      request.value = MakeValue(op.value, o_.value_bytes);
    }
    op.start_us = NowUs();
    auto reply = direct ? CallStore(*direct, request)
                        : via_manager.Call(std::move(request), milliseconds(o_.op_timeout_ms));
    op.end_us = NowUs();
    op.outcome = Classify(op.kind, reply);
    RecordGetValue(reply, o_.value_bytes, &op);
    const bool never_sent = op.outcome == Outcome::kFailed && !reply.ok();
    out->push_back(std::move(op));
    ++ops_;
    // No manager listening (it is being restarted): do not spin on the socket.
    if (never_sent) std::this_thread::sleep_for(20ms);
  }
}

bool ChaosSession::StartManager(const std::vector<std::string>& env) {
  const auto deadline = Clock::now() + 60s;
  bool first = true;
  while (Clock::now() < deadline) {
    mgr_->Reap();
    if (!mgr_->IsRunning()) {
      if (!first) {
        ++counts_.start_retries;
        Event("manager exited while starting (" +
              (mgr_->last_exit() ? mgr_->last_exit()->ToString() : std::string("?")) +
              "): starting it again");
      }
      first = false;
      if (Status s = mgr_->Start(env); !s.ok()) {
        std::fprintf(stderr, "chaos: cannot start the manager: %s\n", s.ToString().c_str());
        return false;
      }
    }
    auto reply = control_.Call({.op = Op::kPing}, 500ms);
    if (reply.ok() && reply->code == StatusCode::kOk) return true;
    std::this_thread::sleep_for(20ms);
  }
  std::fprintf(stderr, "chaos: the manager did not serve within 60 s; log: %s\n",
               mgr_->log_path().c_str());
  return false;
}

bool ChaosSession::RestartManager(const std::vector<std::string>& env, bool whole_group) {
  ++epoch_;
  if (whole_group) {
    mgr_->KillGroup();
  } else {
    mgr_->KillManager();
  }
  stopped_.clear();  // they died with it
  if (!StartManager(env)) {
    fatal_ = true;
    return false;
  }
  return true;
}

Result<std::pair<std::vector<ChildInfo>, std::vector<ChildInfo>>> ChaosSession::Children() {
  auto j = control_.CallJson(Op::kStores, "", 0, 2s);
  if (!j.ok()) return j.status();
  std::pair<std::vector<ChildInfo>, std::vector<ChildInfo>> out;
  auto parse = [](const nlohmann::json& list, std::vector<ChildInfo>* into) {
    if (!list.is_array()) return;
    for (const auto& c : list) {
      if (!c.is_object()) continue;
      into->push_back({c.value("name", ""), c.value("pid", 0), c.value("state", ""),
                       c.value("restarts", uint64_t{0})});
    }
  };
  if (j->is_object()) {
    if (j->contains("stores")) parse((*j)["stores"], &out.first);
    if (j->contains("db_workers")) parse((*j)["db_workers"], &out.second);
  }
  return out;
}

// Reads a few random keys right after a manager restart, pipelined on the
// control client, into the history (client id = o_.clients).
void ChaosSession::VerifyAfterRestart() {
  if (o_.verify_keys <= 0) return;
  std::map<uint64_t, Operation> pending;
  for (int i = 0; i < o_.verify_keys; ++i) {
    Operation op;
    op.client = o_.clients;
    op.kind = OpKind::kGet;
    op.store = StoreName(static_cast<int>(rng_() % static_cast<uint64_t>(o_.stores)));
    op.key = KeyName(static_cast<int>(rng_() % static_cast<uint64_t>(o_.keys)));
    op.start_us = NowUs();
    auto id = control_.Send({.op = Op::kGet, .store = op.store, .key = op.key}, 1s);
    if (!id.ok()) break;
    pending.emplace(*id, std::move(op));
  }
  const auto deadline = Clock::now() + milliseconds(o_.op_timeout_ms);
  while (!pending.empty() && Clock::now() < deadline) {
    auto reply = control_.Receive(std::chrono::ceil<milliseconds>(deadline - Clock::now()));
    if (!reply.ok()) break;
    auto it = pending.find(reply->id);
    if (it == pending.end()) continue;
    Operation op = std::move(it->second);
    pending.erase(it);
    op.end_us = NowUs();
    Result<Reply> r(std::move(*reply));
    op.outcome = Classify(OpKind::kGet, r);
    RecordGetValue(r, o_.value_bytes, &op);
    main_history_.push_back(std::move(op));
  }
  if (!pending.empty()) control_.Reset();  // late replies must not be read later
}

void ChaosSession::InjectFault() {
  std::discrete_distribution<int> kind(o_.fault_mix.begin(), o_.fault_mix.end());
  switch (kind(rng_)) {
    case 0:
      KillStore();
      break;
    case 1:
      KillDbWorker();
      break;
    case 2:
      KillManagerFault();
      break;
    case 3:
      StopStore();
      break;
    default:
      BeginKillPointStretch();
      break;
  }
}

std::vector<ChildInfo> ChaosSession::RunningStores() {
  auto children = Children();
  std::vector<ChildInfo> running;
  if (!children.ok()) return running;
  for (const auto& s : children->first) {
    bool is_stopped = false;
    for (const auto& st : stopped_) is_stopped = is_stopped || st.pid == s.pid;
    if (s.state == "running" && s.pid > 0 && !is_stopped) running.push_back(s);
  }
  return running;
}

void ChaosSession::KillStore() {
  std::vector<ChildInfo> running = RunningStores();
  if (running.empty()) {
    ++counts_.skipped;
    return;
  }
  const ChildInfo& victim = running[rng_() % running.size()];
  const Clock::time_point now = Clock::now();
  if (kill(victim.pid, SIGKILL) != 0) {
    ++counts_.skipped;
    return;
  }
  ++counts_.store;
  Event("SIGKILL store " + victim.name + " pid " + std::to_string(victim.pid));
  for (size_t index = 0; index < probers_.size(); ++index) {  // the counter store has none
    if (victim.name == StoreName(static_cast<int>(index))) {
      probers_[index]->Killed(now, epoch_.load());
    }
  }
}

void ChaosSession::KillDbWorker() {
  auto children = Children();
  std::vector<ChildInfo> running;
  if (children.ok()) {
    for (const auto& d : children->second) {
      if (d.pid > 0) running.push_back(d);
    }
  }
  if (running.empty()) {
    ++counts_.skipped;
    return;
  }
  const ChildInfo victim = running[rng_() % running.size()];
  if (kill(victim.pid, SIGKILL) != 0) {
    ++counts_.skipped;
    return;
  }
  ++counts_.db;
  Event("SIGKILL database worker " + victim.name + " pid " + std::to_string(victim.pid));
}

void ChaosSession::KillManagerFault() {
  const bool whole_group = rng_() % 2 == 0;
  ++counts_.manager;
  if (whole_group) ++counts_.manager_group;
  Event(std::string("SIGKILL manager pid ") + std::to_string(mgr_->pid()) +
        (whole_group ? " and its process group" : " only"));
  if (RestartManager({}, whole_group)) {
    Event("manager restarted, pid " + std::to_string(mgr_->pid()));
    VerifyAfterRestart();
  }
}

void ChaosSession::StopStore() {
  std::vector<ChildInfo> running = RunningStores();
  if (running.empty()) {
    ++counts_.skipped;
    return;
  }
  const ChildInfo victim = running[rng_() % running.size()];
  std::uniform_int_distribution<int> delay_ms(100, 1500);
  const int delay = delay_ms(rng_);
  if (kill(victim.pid, SIGSTOP) != 0) {
    ++counts_.skipped;
    return;
  }
  ++counts_.stop;
  stopped_.push_back({victim.pid, victim.name, Clock::now() + milliseconds(delay)});
  Event("SIGSTOP store " + victim.name + " pid " + std::to_string(victim.pid) + " for " +
        std::to_string(delay) + " ms");
}

void ChaosSession::ResumeDue(bool all) {
  const Clock::time_point now = Clock::now();
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    if (!all && it->resume_at > now) {
      ++it;
      continue;
    }
    const char state = ProcessState(it->pid);
    if (state == 'T' || state == 't') {
      kill(it->pid, SIGCONT);
      Event("SIGCONT store " + it->store + " pid " + std::to_string(it->pid));
    } else {
      ++counts_.stop_killed;
      Event("store " + it->store + " pid " + std::to_string(it->pid) +
            " was gone before SIGCONT (heartbeat)");
    }
    it = stopped_.erase(it);
  }
}

void ChaosSession::BeginKillPointStretch() {
  static constexpr const char* kPoints[] = {"store.after_db_ack_before_reply",
                                            "db.after_write_before_ack"};
  const bool store_point = rng_() % 2 == 0;
  std::uniform_int_distribution<int> nth(5, 60), length_ms(1000, 2500);
  const std::string spec =
      std::string(kPoints[store_point ? 0 : 1]) + ":" + std::to_string(nth(rng_));
  const auto length = milliseconds(length_ms(rng_));
  ++counts_.stretches;
  Event("manager restarted with FORKV_KILL_POINT=" + spec + " for " +
        std::to_string(length.count()) + " ms");
  env_ = {"FORKV_KILL_POINT=" + spec};
  if (!RestartManager(env_, true)) return;
  // Counted from the moment it serves: its stores may still be loading.
  stretch_ = KillPointStretch{spec, store_point, Clock::now() + length};
}

void ChaosSession::EndKillPointStretch() {
  const KillPointStretch s = *stretch_;
  stretch_.reset();
  env_.clear();
  // No other fault ran during the stretch: every restart in this manager
  // incarnation was the kill point firing.
  if (auto children = Children(); children.ok()) {
    uint64_t fires = 0;
    for (const auto& c : s.store_point ? children->first : children->second) {
      fires += c.restarts;
    }
    counts_.killpoint_fires += fires;
    Event("kill point " + s.spec + " fired " + std::to_string(fires) + " times");
  }
  if (RestartManager({}, true)) {
    Event("manager restarted without kill point, pid " + std::to_string(mgr_->pid()));
    VerifyAfterRestart();
  }
}

void ChaosSession::FinalReads() {
  for (int s = 0; s < o_.stores; ++s) {
    for (int k = 0; k < o_.keys; ++k) {
      const auto deadline = Clock::now() + 60s;
      bool definite = false;
      while (!definite && Clock::now() < deadline && !fatal_) {
        Operation op;
        op.client = o_.clients;
        op.kind = OpKind::kGet;
        op.store = StoreName(s);
        op.key = KeyName(k);
        op.final_read = true;
        op.start_us = NowUs();
        auto reply = control_.Call({.op = Op::kGet, .store = op.store, .key = op.key}, 5s);
        op.end_us = NowUs();
        op.outcome = Classify(OpKind::kGet, reply);
        RecordGetValue(reply, o_.value_bytes, &op);
        definite = op.outcome == Outcome::kOk || op.outcome == Outcome::kNotFound;
        main_history_.push_back(std::move(op));
        if (!definite) {
          mgr_->Reap();
          if (!mgr_->IsRunning() && !StartManager({})) fatal_ = true;
          std::this_thread::sleep_for(50ms);
        }
      }
      if (!definite) {
        ++unreadable_;
        std::printf("chaos: final read of %s/%s never got an answer\n", StoreName(s).c_str(),
                    KeyName(k).c_str());
      }
    }
  }
}

int ChaosSession::Run() {
  char tmpl[] = "/tmp/forkv-chaos-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("chaos: mkdtemp");
    return kExitSystem;
  }
  dir_ = tmpl;
  if (Status s = ManagerUnderTest::BecomeSubreaper(); !s.ok()) {
    std::fprintf(stderr, "chaos: %s\n", s.ToString().c_str());
    return kExitSystem;
  }
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::string> manager_args = {"--max-restarts",
                                           "100000",
                                           "--max-seconds",
                                           "1",
                                           "--ping-interval-ms",
                                           "200",
                                           "--fsync",
                                           o_.fsync,
                                           "--db-workers",
                                           std::to_string(o_.db_workers),
                                           "--backoff-max-ms",
                                           std::to_string(o_.backoff_max_ms)};
  if (!o_.idle_timeout.empty()) {
    // Short: stores hibernate and are activated again during the run.
    manager_args.insert(manager_args.end(), {"--idle-timeout", o_.idle_timeout});
  }
  const std::string exe = o_.manager_exe.empty() ? SiblingBinary("forkv-manager") : o_.manager_exe;
  mgr_ = std::make_unique<ManagerUnderTest>(exe, dir_, manager_args);
  control_ = Connection(ctx_, mgr_->endpoint());
  std::printf(
      "chaos: dir %s, manager %s\n"
      "chaos: manager flags: %s (restart intensity unbounded: chaos is about data safety, "
      "not intensity)\n"
      "chaos: seed=%llu clients=%d stores=%d keys/store=%d ops-mix=%d:%d:%d value-bytes=%d "
      "fault-interval=%dms duration=%ds path=%s\n",
      dir_.c_str(), exe.c_str(), JoinArgs(manager_args).c_str(),
      static_cast<unsigned long long>(o_.seed), o_.clients, o_.stores, o_.keys, o_.ops_mix[0],
      o_.ops_mix[1], o_.ops_mix[2], o_.value_bytes, o_.fault_interval_ms, o_.duration_s,
      o_.direct ? "direct" : "manager");
  std::fflush(stdout);

  start_ = Clock::now();
  wall_start_ = std::chrono::system_clock::now();
  if (!StartManager({})) return kExitSystem;
  for (int s = 0; s < o_.stores + (o_.counter_clients > 0 ? 1 : 0); ++s) {
    const std::string name = s < o_.stores ? StoreName(s) : std::string(kCounterStore);
    auto created = control_.CallJson(Op::kCreate, name, 0, 10s);
    if (!created.ok()) {
      std::fprintf(stderr, "chaos: create %s: %s\n", name.c_str(),
                   created.status().ToString().c_str());
      return kExitSystem;
    }
  }

  std::vector<std::vector<Operation>> histories(o_.clients);
  std::vector<std::thread> clients, probe_threads;
  for (int i = 0; i < o_.clients; ++i) {
    clients.emplace_back([this, i, &histories] { ClientLoop(i, &histories[i]); });
  }
  CounterWorkload counters(
      ctx_, {.endpoint = mgr_->endpoint(), .direct = o_.direct, .op_timeout_ms = o_.op_timeout_ms},
      o_.counter_clients);
  for (int i = 0; i < o_.counter_clients; ++i) {
    clients.emplace_back([this, i, &counters] {
      counters.Loop(i, i % 2 == 0, o_.seed * 7919 + static_cast<uint64_t>(i), stop_clients_);
    });
  }
  for (int s = 0; s < o_.stores; ++s) {
    probers_.push_back(std::make_unique<Prober>());
    // The thread gets the Prober itself: probers_[s] would read the vector
    // while the next push_back reallocates it (a data race, found by TSan).
    Prober* prober = probers_.back().get();
    probe_threads.emplace_back(
        [this, s, prober] { prober->Loop(&ctx_, mgr_->endpoint(), StoreName(s), &epoch_); });
  }

  const Clock::time_point workload_start = Clock::now();
  const Clock::time_point end = workload_start + std::chrono::seconds(o_.duration_s);
  Clock::time_point next_fault = workload_start + NextGap();
  Clock::time_point next_progress = workload_start + 10s;
  while (Clock::now() < end && !g_interrupted && !fatal_) {
    mgr_->Reap();
    if (!mgr_->IsRunning()) {
      ++counts_.manager_exits;
      Event("manager exited by itself (" +
            (mgr_->last_exit() ? mgr_->last_exit()->ToString() : std::string("?")) +
            "): starting it again");
      if (!StartManager(env_)) {
        fatal_ = true;
        break;
      }
    }
    ResumeDue(false);
    if (stretch_ && Clock::now() >= stretch_->end) EndKillPointStretch();
    const Clock::time_point now = Clock::now();
    const bool may_inject =
        o_.max_faults == 0 || static_cast<int64_t>(counts_.total()) < o_.max_faults;
    if (may_inject && now >= next_fault && !stretch_) {
      InjectFault();
      next_fault = Clock::now() + NextGap();
    }
    if (now >= next_progress) {
      std::printf(
          "chaos: t=%llds ops=%llu faults=%llu\n",
          static_cast<long long>(
              std::chrono::duration_cast<std::chrono::seconds>(now - workload_start).count()),
          static_cast<unsigned long long>(ops_.load()),
          static_cast<unsigned long long>(counts_.total()));
      std::fflush(stdout);
      next_progress += 10s;
    }
    Clock::time_point wake = std::min({next_fault, now + 20ms, end});
    std::this_thread::sleep_until(wake);
  }
  const int64_t workload_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - workload_start).count();

  stop_clients_ = true;
  for (auto& t : clients) t.join();
  for (auto& p : probers_) p->Stop();
  ++epoch_;  // abandons any measurement in progress
  for (auto& t : probe_threads) t.join();
  ResumeDue(true);
  stretch_.reset();
  env_.clear();

  if (!fatal_) {
    Event("final manager restart");
    if (RestartManager({}, true)) {
      FinalReads();
      counters.FinalReads(control_);
    }
  }
  if (mgr_->IsRunning()) {
    auto st = mgr_->Stop(30s);
    final_stop_ = st ? st->ToString() : "did not stop within 30 s";
  }
  if (!mgr_->KillEverything(10s)) {
    std::printf("chaos: warning: child processes were still alive after 10 s\n");
  }
  if (fatal_) {
    std::printf("chaos: the run could not go on (manager would not start); log %s\n",
                mgr_->log_path().c_str());
    return kExitSystem;
  }

  std::vector<Operation> history = std::move(main_history_);
  for (auto& h : histories) {
    history.insert(history.end(), std::make_move_iterator(h.begin()),
                   std::make_move_iterator(h.end()));
  }
  const auto check_start = Clock::now();
  CheckResult result = CheckHistory(history, {.max_search_steps_per_key = o_.max_search_steps});
  const double check_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - check_start).count();
  int printed = 0;
  for (const Anomaly& a : result.anomalies) {
    if (a.kind == Anomaly::Kind::kInconclusive) continue;
    if (printed++ >= o_.max_reported) break;
    PrintAnomaly(a, history);
  }
  for (const Anomaly& a : result.anomalies) {
    if (a.kind == Anomaly::Kind::kInconclusive) {
      std::printf("chaos: inconclusive %s/%s: %s\n", a.store.c_str(), a.key.c_str(),
                  a.explanation.c_str());
    }
  }
  const bool counters_ok = CounterWorkload::Print(counters.Check());
  int rc = Report(history, result, workload_us, check_ms);
  if (!counters_ok) rc = kChaosAnomaly;
  if (rc == kChaosClean && !o_.keep_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  } else {
    DumpRun(history);
    std::printf("chaos: kept %s (manager.log, history.txt, faults.txt)\n", dir_.c_str());
  }
  return rc;
}

void ChaosSession::PrintAnomaly(const Anomaly& a, const std::vector<Operation>& history) {
  std::printf("chaos: %s %s/%s: %s\n", std::string(AnomalyKindName(a.kind)).c_str(),
              a.store.c_str(), a.key.c_str(), a.explanation.c_str());
  // The key's history, cut around the offending read when long.
  size_t from = 0, to = a.ops.size();
  if (a.ops.size() > 60 && a.read != Anomaly::kNone) {
    size_t pos = std::find(a.ops.begin(), a.ops.end(), a.read) - a.ops.begin();
    size_t wpos = a.write == Anomaly::kNone
                      ? pos
                      : std::find(a.ops.begin(), a.ops.end(), a.write) - a.ops.begin();
    from = std::min(pos, wpos) > 20 ? std::min(pos, wpos) - 20 : 0;
    to = std::min(a.ops.size(), pos + 6);
  }
  std::printf("  history (%zu ops%s):\n", a.ops.size(),
              from > 0 || to < a.ops.size() ? ", cut" : "");
  int64_t t_lo = kNoEnd, t_hi = 0;
  for (size_t i = from; i < to; ++i) {
    const Operation& op = history[a.ops[i]];
    const char* mark = a.ops[i] == a.read    ? "   <== read"
                       : a.ops[i] == a.write ? "   <== write"
                                             : "";
    std::printf("    %s%s\n", FormatOperation(op).c_str(), mark);
    t_lo = std::min(t_lo, op.start_us);
    t_hi = std::max(t_hi, op.outcome == Outcome::kUnknown ? op.start_us : op.end_us);
  }
  if (a.write != Anomaly::kNone && a.read != Anomaly::kNone) {
    // The fault to blame lies between the write that went missing and the read.
    t_lo = history[a.write].start_us - 1'000'000;
    t_hi = history[a.read].end_us + 200'000;
  } else {
    t_lo -= 3'000'000;
    t_hi += 1'000'000;
  }
  std::printf("  faults between %.3fs and %.3fs:\n", static_cast<double>(t_lo) / 1e6,
              static_cast<double>(t_hi) / 1e6);
  for (const FaultEvent& e : events_) {
    if (e.t_us >= t_lo && e.t_us <= t_hi) {
      std::printf("    %.6fs (%s) %s\n", static_cast<double>(e.t_us) / 1e6, e.wall.c_str(),
                  e.what.c_str());
    }
  }
  // Manager log lines in that window about this store or the workers.
  const std::string lo = WallClock(WallAt(t_lo)), hi = WallClock(WallAt(t_hi));
  std::ifstream log(mgr_->log_path());
  std::string line;
  int shown = 0;
  std::printf("  manager log %s (%s .. %s, lines about %s, database workers, resends):\n",
              mgr_->log_path().c_str(), lo.c_str(), hi.c_str(), a.store.c_str());
  while (std::getline(log, line) && shown < 80) {
    if (line.size() < 25 || line[0] != '[') continue;
    const std::string stamp = line.substr(12, 12);  // HH:MM:SS.mmm
    if (stamp < lo || stamp > hi) continue;
    bool relevant = false;
    for (const std::string& word :
         {a.store, std::string("db-"), std::string("forkv-db"), std::string("resending"),
          std::string("acknowledgment"), std::string("fenced"), std::string("forkv-chaos")}) {
      relevant = relevant || line.find(word) != std::string::npos;
    }
    if (!relevant) continue;
    std::printf("    %s\n", line.c_str());
    ++shown;
  }
}

void ChaosSession::DumpRun(const std::vector<Operation>& history) {
  std::vector<size_t> order(history.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&history](size_t a, size_t b) {
    return history[a].start_us < history[b].start_us;
  });
  std::ofstream h(dir_ + "/history.txt");
  for (size_t i : order) h << FormatOperation(history[i]) << "\n";
  std::ofstream f(dir_ + "/faults.txt");
  for (const FaultEvent& e : events_) {
    char t[32];
    std::snprintf(t, sizeof(t), "%.6fs", static_cast<double>(e.t_us) / 1e6);
    f << t << " (" << e.wall << ") " << e.what << "\n";
  }
}

int ChaosSession::Report(const std::vector<Operation>& history, const CheckResult& r,
                         int64_t workload_us, double check_ms) {
  uint64_t ops = 0, ok = 0, not_found = 0, failed = 0, unknown = 0;
  for (const Operation& op : history) {
    if (op.client >= o_.clients) continue;  // verification and final reads
    ++ops;
    switch (op.outcome) {
      case Outcome::kOk:
        ++ok;
        break;
      case Outcome::kNotFound:
        ++not_found;
        break;
      case Outcome::kFailed:
        ++failed;
        break;
      case Outcome::kUnknown:
        ++unknown;
        break;
    }
  }
  std::vector<double> recovery;
  for (auto& p : probers_) {
    auto s = p->samples_ms();
    recovery.insert(recovery.end(), s.begin(), s.end());
  }
  const FaultCounts& c = counts_;
  std::printf(
      "chaos: history: ops=%llu ok=%llu not_found=%llu failed=%llu unknown=%llu keys=%llu "
      "checked in %.0f ms; inconclusive=%llu unreadable=%llu\n",
      static_cast<unsigned long long>(ops), static_cast<unsigned long long>(ok),
      static_cast<unsigned long long>(not_found), static_cast<unsigned long long>(failed),
      static_cast<unsigned long long>(unknown), static_cast<unsigned long long>(r.keys), check_ms,
      static_cast<unsigned long long>(r.inconclusive),
      static_cast<unsigned long long>(unreadable_));
  std::printf(
      "chaos: faults: store=%llu db=%llu manager=%llu (whole group %llu) stop=%llu (killed by "
      "heartbeat %llu) killpoint=%llu (in %llu stretches) skipped=%llu; manager exits on its "
      "own=%llu, "
      "start retries=%llu; final stop: %s\n",
      static_cast<unsigned long long>(c.store), static_cast<unsigned long long>(c.db),
      static_cast<unsigned long long>(c.manager), static_cast<unsigned long long>(c.manager_group),
      static_cast<unsigned long long>(c.stop), static_cast<unsigned long long>(c.stop_killed),
      static_cast<unsigned long long>(c.killpoint_fires),
      static_cast<unsigned long long>(c.stretches), static_cast<unsigned long long>(c.skipped),
      static_cast<unsigned long long>(c.manager_exits),
      static_cast<unsigned long long>(c.start_retries), final_stop_.c_str());
  std::printf(
      "chaos: store serving again after SIGKILL (dedicated probe client): n=%zu median=%.0fms "
      "p99=%.0fms max=%.0fms\n",
      recovery.size(), Percentile(recovery, 50), Percentile(recovery, 99),
      Percentile(recovery, 100));
  std::printf(
      "chaos: seed=%llu ops=%llu acked=%llu faults=%llu (store=%llu db=%llu manager=%llu "
      "stop=%llu killpoint=%llu) lost=%llu stale=%llu phantom=%llu nonlinearizable=%llu "
      "recovery_ms=p50:%.0f,p99:%.0f duration=%llds\n",
      static_cast<unsigned long long>(o_.seed), static_cast<unsigned long long>(ops),
      static_cast<unsigned long long>(ok + not_found), static_cast<unsigned long long>(c.total()),
      static_cast<unsigned long long>(c.store), static_cast<unsigned long long>(c.db),
      static_cast<unsigned long long>(c.manager), static_cast<unsigned long long>(c.stop),
      static_cast<unsigned long long>(c.killpoint_fires), static_cast<unsigned long long>(r.lost),
      static_cast<unsigned long long>(r.stale), static_cast<unsigned long long>(r.phantom),
      static_cast<unsigned long long>(r.nonlinearizable), Percentile(recovery, 50),
      Percentile(recovery, 99), static_cast<long long>((workload_us + 500000) / 1000000));
  std::fflush(stdout);
  return r.ok() && unreadable_ == 0 ? kChaosClean : kChaosAnomaly;
}

}  // namespace

Result<std::vector<int>> ParseRatio(const std::string& text, size_t parts) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  int sum = 0;
  while (std::getline(in, item, ':')) {
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 6) {
      return Status::InvalidArgument("'" + text + "': expected numbers separated by ':'");
    }
    out.push_back(std::stoi(item));
    sum += out.back();
  }
  if (out.size() != parts) {
    return Status::InvalidArgument("'" + text + "': expected " + std::to_string(parts) +
                                   " numbers separated by ':'");
  }
  if (sum <= 0) return Status::InvalidArgument("'" + text + "': weights sum to zero");
  return out;
}

int RunChaos(const ChaosOptions& options) { return ChaosSession(options).Run(); }

}  // namespace forkv::chaos
