#include "store_worker/store_main.h"

#include <CLI/CLI.hpp>
#include <optional>

#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/version.h"
#include "store_worker/store_loop.h"

namespace forkv {

std::vector<std::string> SplitEndpointList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

namespace {

// The options, or the exit code of a bad command line. The parser is gone
// once this returns: its allocations are not held for the store's life
// (private memory of every idle store).
std::optional<StoreOptions> ParseStoreOptions(int argc, char** argv, int* exit_code) {
  StoreOptions opts;
  std::string dbs;
  CLI::App app{"forkv-store: serves one named store (started by forkv-manager)"};
  app.set_version_flag("--version", std::string("forkv-store ") + forkv::kForkvVersion);
  app.add_option("--name", opts.name, "store name")->required();
  app.add_option("--gen", opts.gen, "incarnation number")->required();
  app.add_option("--backend", opts.backend, "manager backend endpoint")->required();
  app.add_option("--db", dbs, "comma-separated database worker endpoints, in shard order")
      ->required();
  app.add_option("--bind", opts.client_endpoints,
                 "client endpoint to bind (ipc:// path, or tcp://HOST:* for an ephemeral port); "
                 "repeatable");
  std::string socket_mode;
  app.add_option("--socket-mode", socket_mode, "permission bits of the ipc:// client socket")
      ->check([](const std::string& v) { return ParseFileMode(v) ? "" : "an octal mode"; });
  app.add_option("--log-level", opts.log_level, "log level");
  app.add_option("--copy-from", opts.copy_from,
                 "a rename: copy this store's keys as our own before serving");
  app.add_flag("--fresh", opts.fresh, "a new store: nothing to load, ready at once");
  app.add_option("--parent-pid", opts.parent_pid, "the manager's pid");
  app.add_option("--idle-after-ms", opts.idle_after_ms,
                 "report idle after this long without requests")
      ->check(CLI::Range(1, 3600000));
  app.add_option("--unlink-after-ms", opts.unlink_after_ms,
                 "disconnect from the database workers after this long without using them")
      ->check(CLI::Range(1, 3600000));
  app.add_option("--write-retry-ms", opts.write_retry_ms, "resend unacknowledged writes after");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e) == 0 ? kExitOk : kExitUsage;  // --help, --version: 0
    return std::nullopt;
  }
  if (!socket_mode.empty()) opts.socket_mode = *ParseFileMode(socket_mode);
  opts.db_endpoints = SplitEndpointList(dbs);
  if (opts.db_endpoints.empty()) {
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  return opts;
}

}  // namespace

int StoreMain(int argc, char** argv, StoreProcess* prepared) {
  int exit_code = kExitUsage;
  std::optional<StoreOptions> opts = ParseStoreOptions(argc, argv, &exit_code);
  if (!opts) return exit_code;
  if (prepared == nullptr) return RunStore(*opts);
  return ServeStore(*opts, *prepared);
}

}  // namespace forkv
