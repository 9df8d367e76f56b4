// forkv-db: a database worker owning one storage shard. Started by
// forkv-manager only; see db_worker/db_loop.h for what it does, and
// db_worker/offline.h for --list-stores (used by forkv-manager --repair).
#include <CLI/CLI.hpp>
#include <string>

#include "db_worker/db_loop.h"
#include "db_worker/offline.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/version.h"
#include "shared/zsock.h"

int main(int argc, char** argv) {
  forkv::DbOptions opts;
  std::string fsync = "periodic";
  bool list_stores = false;
  bool repair = false;
  CLI::App app{"forkv-db: database worker owning one storage shard (started by forkv-manager)"};
  app.set_version_flag("--version", std::string("forkv-db ") + forkv::kForkvVersion);
  app.add_option("--shard", opts.shard, "this worker's shard index");
  app.add_option("--shards", opts.shards, "number of shards")->check(CLI::PositiveNumber);
  app.add_option("--dir", opts.dir, "database directory")->required();
  app.add_flag("--create", opts.create, "create the database if the directory has none");
  app.add_option("--catalogue", opts.catalogue, "check the shard against this catalogue file");
  app.add_option("--bind", opts.bind, "endpoint to bind for stores and the manager");
  app.add_option("--backend", opts.backend, "manager backend endpoint");
  app.add_option("--gen", opts.gen, "incarnation number");
  app.add_option("--fsync", fsync, "durability: always, periodic or never")
      ->check(CLI::IsMember({"always", "periodic", "never"}));
  app.add_option("--fsync-interval-ms", opts.fsync_interval_ms, "WAL sync period (periodic mode)")
      ->check(CLI::Range(1, 3600 * 1000));
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error");
  app.add_option("--parent-pid", opts.parent_pid, "the manager's pid (exit if it is gone)");
  app.add_flag("--list-stores", list_stores,
               "print the stores that have keys in --dir, one per line, and exit");
  app.add_flag("--repair", repair,
               "with --list-stores: recover a corrupt WAL up to its first bad record");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? forkv::kExitOk : forkv::kExitUsage;  // --help, --version: 0
  }
  if (list_stores) {
    forkv::InitLogging("forkv-db", opts.log_level);
    return forkv::RunListStores({.dir = opts.dir, .create = opts.create, .repair = repair});
  }
  if (repair) {
    std::cerr << "--repair goes with --list-stores\n";
    return forkv::kExitUsage;
  }
  if (opts.bind.empty() || opts.backend.empty() || opts.gen == 0) {
    std::cerr << "--bind, --backend and --gen are required to serve\n";
    return forkv::kExitUsage;
  }
  if (opts.shard >= opts.shards) {
    std::cerr << "--shard must be below --shards\n";
    return forkv::kExitUsage;
  }
  for (const std::string& ep : {opts.bind, opts.backend}) {
    if (forkv::Status s = forkv::CheckEndpoint(ep); !s.ok()) {
      std::cerr << ep << ": " << s.message() << "\n";
      return forkv::kExitUsage;
    }
  }
  opts.fsync = *forkv::ParseFsyncMode(fsync);
  return forkv::RunDb(opts);
}
