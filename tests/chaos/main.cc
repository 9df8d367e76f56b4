// forkv-chaos: process-kill fault injection against a private forkv-manager,
// with a linearizability check of the recorded history. See chaos_runner.h.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "shared/proc.h"
#include "tests/chaos/chaos_runner.h"

int main(int argc, char** argv) {
  forkv::chaos::ChaosOptions o;
  std::string ops_mix = "60:30:10", fault_mix = "55:15:10:15:5";
  CLI::App app{"forkv-chaos: kill forkv processes under load, then check no data was lost"};
  app.add_option("--clients", o.clients, "client threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--stores", o.stores, "stores")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--keys", o.keys, "keys per store")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--ops-mix", ops_mix, "put:get:del weights")->capture_default_str();
  app.add_option("--value-bytes", o.value_bytes, "bytes per value written")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--duration-s", o.duration_s, "workload duration")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--seed", o.seed, "seed of the fault schedule and the workload")
      ->capture_default_str();
  app.add_option("--fsync", o.fsync, "manager --fsync mode")
      ->capture_default_str()
      ->check(CLI::IsMember({"always", "periodic", "never"}));
  app.add_option("--db-workers", o.db_workers, "manager --db-workers")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--fault-interval-ms", o.fault_interval_ms, "mean gap between faults")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  app.add_option("--faults", o.max_faults, "stop injecting after this many faults (0: no cap)")
      ->capture_default_str();
  app.add_option("--fault-mix", fault_mix, "store:db:manager:stop:killpoint weights")
      ->capture_default_str();
  std::string path = "direct";
  app.add_option("--path", path,
                 "direct: clients locate stores and talk to them (forkv::Client); manager: "
                 "every request through the manager")
      ->capture_default_str()
      ->check(CLI::IsMember({"direct", "manager"}));
  app.add_option("--op-timeout-ms", o.op_timeout_ms, "client timeout per operation")
      ->capture_default_str()
      ->check(CLI::Range(10, 600000));
  app.add_option("--backoff-max-ms", o.backoff_max_ms, "manager --backoff-max-ms")
      ->capture_default_str();
  app.add_option("--idle-timeout", o.idle_timeout,
                 "manager --idle-timeout (e.g. 300ms: stores hibernate during the run)");
  app.add_option("--counter-clients", o.counter_clients,
                 "compare-and-swap and incr clients on their own store (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--verify-keys", o.verify_keys, "keys read right after each manager restart")
      ->capture_default_str();
  app.add_option("--max-search-steps", o.max_search_steps,
                 "linearizability search bound per key (then: inconclusive)")
      ->capture_default_str();
  app.add_option("--max-reported", o.max_reported, "anomalies printed in full")
      ->capture_default_str();
  app.add_option("--manager", o.manager_exe, "forkv-manager binary (default: beside this one)");
  app.add_flag("--keep-dir", o.keep_dir, "keep the data dir and log (always kept on failure)");
  app.add_flag("-v,--verbose", o.verbose, "print every fault");
  try {
    app.parse(argc, argv);
    o.direct = path == "direct";
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkv::kExitUsage;
  }
  auto ops = forkv::chaos::ParseRatio(ops_mix, 3);
  auto faults = forkv::chaos::ParseRatio(fault_mix, 5);
  if (!ops.ok() || !faults.ok()) {
    std::fprintf(stderr, "forkv-chaos: %s\n",
                 (!ops.ok() ? ops.status() : faults.status()).ToString().c_str());
    return forkv::kExitUsage;
  }
  o.ops_mix = *ops;
  o.fault_mix = *faults;
  return forkv::chaos::RunChaos(o);
}
