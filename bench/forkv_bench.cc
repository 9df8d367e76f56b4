// forkv-bench: a load generator for forkv in the manner of redis-benchmark.
// Parses the command line, then RunBench() (bench_runner.h) does the work.
//
//   forkv-bench [--socket EP | --spawn] [-c CLIENTS] [--threads T] [-n REQUESTS] [-d VALUE_BYTES]
//               [-r KEYSPACE] [--stores N] [-t put,get,del,mixed,incr,setnx] [--no-fill]
//               [-P PIPELINE]
//               [--fsync|--fsync-mode always|periodic|never] [--db-workers N]
//               [--csv|--json] [--duration SEC] [--load-keys N [--reload-limit SEC]]
//   forkv-bench --mode recovery|create|memory [--trials N] [--trials-loaded N]
//               [--recovery-keys 0,100000,1000000] [--idle-stores N] [--settle SEC]
//               [--gap-ms MS]
//               (figures.h)
//
// Exit codes: 0 ran and no request failed; 1 ran but some requests failed or
// a --load-keys or --mode figure could not be measured; 100 usage; 111 setup
// failed.
#include <CLI/CLI.hpp>
#include <charconv>
#include <sstream>

#include "bench/bench_runner.h"
#include "shared/proc.h"

namespace {

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  forkv::bench::BenchOptions o;
  o.manager_exe = forkv::SiblingBinary("forkv-manager");
  std::string tests = "put,get";
  bool spawn = false;
  bool csv = false;
  bool json = false;
  int64_t timeout_ms = o.timeout.count();

  CLI::App app{
      "forkv-bench: load generator for forkv (after redis-benchmark). Without --socket it starts "
      "a private forkv-manager (the one beside this binary) on a temporary directory, and stops "
      "it at the end."};
  auto* socket = app.add_option("--socket", o.socket, "benchmark the manager at this endpoint");
  app.add_flag("--spawn", spawn, "start a private forkv-manager (the default)")->excludes(socket);
  app.add_option("-c,--clients", o.clients, "client threads, one connection each")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("-n,--requests", o.requests, "requests per test, over all clients")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--value-bytes", o.value_bytes, "value size of puts (binary bytes)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{16} * 1024 * 1024));
  app.add_option("-r,--keyspace", o.keyspace, "keys per store: key:000000000000 .. keyspace-1")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stores", o.stores, "stores bench-0..N-1; each request picks one")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("-t,--tests", tests,
                 "comma-separated tests, run in order: put, get, del (each key once), "
                 "mixed (50% get / 50% put), incr (counter:N keys), setnx (put only if absent)")
      ->capture_default_str();
  app.add_option("--threads", o.threads,
                 "spread the clients over this many threads, each polling its clients' sockets "
                 "(as redis-benchmark --threads); 0 = one thread per client")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_flag("--no-fill", o.no_fill,
               "get, mixed, del: do not fill the keyspace first (an earlier run did)");
  std::string path = "direct";
  app.add_option("--path", path,
                 "direct: requests go to each store's own endpoint (located once through the "
                 "manager); manager: through the manager, as a REQ client's")
      ->check(CLI::IsMember({"direct", "manager"}));
  app.add_option("-P,--pipeline", o.pipeline, "requests in flight per client")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--fsync,--fsync-mode", o.fsync, "private manager: always|periodic|never")
      ->capture_default_str()
      ->check(CLI::IsMember({"always", "periodic", "never"}))
      ->excludes(socket);
  app.add_option("--db-workers", o.db_workers, "private manager: database workers")
      ->capture_default_str()
      ->check(CLI::Range(1, 64))
      ->excludes(socket);
  auto* csv_flag = app.add_flag("--csv", csv, "CSV output (one row per test)");
  app.add_flag("--json", json, "JSON output (one document)")->excludes(csv_flag);
  app.add_option("--duration", o.duration_s,
                 "stop each test after this many seconds even if -n is not reached (0 = off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", timeout_ms, "per-request timeout, ms")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto* load = app.add_option(
      "--load-keys", o.load_keys,
      "instead of the tests: fill a store with N keys (pipelined puts of -d bytes), kill -9 it "
      "and time its reload; also time kill -9 -> first reply of an empty store (median of 20) "
      "and the create op (median of 50). The private manager then runs with --max-restarts 1000 "
      "--max-seconds 1 --backoff-max-ms 10");
  load->check(CLI::PositiveNumber);
  app.add_option("--reload-limit", o.reload_limit_s,
                 "--load-keys, --mode recovery: give up waiting for a reload after this many "
                 "seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  std::string mode = "tests";
  app.add_option("--mode", mode,
                 "tests (-t), or a figure: recovery (kill -9 -> first get per store size), "
                 "create (create round trip), memory (PSS per idle store, manager memory), "
                 "zmq-rtt (a raw ZeroMQ DEALER/ROUTER round trip between two processes: "
                 "the floor of a request)")
      ->capture_default_str()
      ->check(CLI::IsMember({"tests", "recovery", "create", "memory", "zmq-rtt"}))
      ->excludes(load);
  app.add_option("--trials", o.trials, "recovery of the empty store, create: samples")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--trials-loaded", o.trials_loaded, "recovery of the stores holding keys: samples")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  std::string recovery_keys = "0,100000,1000000";
  app.add_option("--recovery-keys", recovery_keys,
                 "recovery: comma-separated store sizes, 0 = an empty store")
      ->capture_default_str();
  app.add_option("--idle-stores", o.idle_stores, "memory: idle stores to create")
      ->capture_default_str()
      ->check(CLI::Range(1, 20000));
  app.add_option("--gap-ms", o.gap_ms,
                 "create, recovery: pause before each sample (0 = back to back)")
      ->check(CLI::Range(0, 60000));
  app.add_option("--settle", o.settle_s, "memory: idle seconds before reading their memory")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkv::kExitUsage;
  }
  o.direct = path == "direct";
  o.tests = SplitCommas(tests);
  if (o.tests.empty()) {
    std::fprintf(stderr, "forkv-bench: -t names no test\n");
    return forkv::kExitUsage;
  }
  for (const auto& t : o.tests) {
    if (t != "put" && t != "get" && t != "del" && t != "mixed" && t != "incr" && t != "setnx") {
      std::fprintf(stderr, "forkv-bench: unknown test '%s' (put, get, del, mixed, incr, setnx)\n",
                   t.c_str());
      return forkv::kExitUsage;
    }
  }
  o.recovery_keys.clear();
  for (const auto& k : SplitCommas(recovery_keys)) {
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
    if (ec != std::errc() || ptr != k.data() + k.size()) {
      std::fprintf(stderr, "forkv-bench: --recovery-keys: '%s' is not a number\n", k.c_str());
      return forkv::kExitUsage;
    }
    o.recovery_keys.push_back(n);
  }
  if (o.load_keys > 0) o.mode = forkv::bench::Mode::kLoad;
  if (mode == "recovery") o.mode = forkv::bench::Mode::kRecovery;
  if (mode == "create") o.mode = forkv::bench::Mode::kCreate;
  if (mode == "memory") o.mode = forkv::bench::Mode::kMemory;
  if (mode == "zmq-rtt") o.mode = forkv::bench::Mode::kZmqRtt;
  if (csv) o.format = forkv::bench::OutputFormat::kCsv;
  if (json) o.format = forkv::bench::OutputFormat::kJson;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  return forkv::bench::RunBench(o);
}
