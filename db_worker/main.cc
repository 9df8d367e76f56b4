// forkv-db: a database worker owning one storage shard. Started by
// forkv-manager only; see db_worker/db_loop.h for what it does.
#include <CLI/CLI.hpp>
#include <string>

#include "db_worker/db_loop.h"
#include "shared/proc.h"
#include "shared/zsock.h"

int main(int argc, char** argv) {
  forkv::DbOptions opts;
  std::string fsync = "periodic";
  CLI::App app{"forkv-db: database worker owning one storage shard (started by forkv-manager)"};
  app.add_option("--shard", opts.shard, "this worker's shard index")->required();
  app.add_option("--shards", opts.shards, "number of shards")
      ->required()
      ->check(CLI::PositiveNumber);
  app.add_option("--dir", opts.dir, "database directory (created if missing)")->required();
  app.add_option("--bind", opts.bind, "endpoint to bind for stores and the manager")->required();
  app.add_option("--backend", opts.backend, "manager backend endpoint")->required();
  app.add_option("--gen", opts.gen, "incarnation number")->required();
  app.add_option("--fsync", fsync, "durability: always, periodic or never")
      ->check(CLI::IsMember({"always", "periodic", "never"}));
  app.add_option("--fsync-interval-ms", opts.fsync_interval_ms, "WAL sync period (periodic mode)")
      ->check(CLI::Range(1, 3600 * 1000));
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error");
  app.add_option("--parent-pid", opts.parent_pid, "the manager's pid (exit if it is gone)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
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
