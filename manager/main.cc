// forkv-manager: the root supervisor. See manager_loop.h and docs/architecture.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "manager/manager_loop.h"
#include "manager/repair.h"
#include "manager/restore.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/version.h"

int main(int argc, char** argv) {
  forkv::ManagerOptions opts;
  opts.endpoint = forkv::DefaultManagerEndpoint(false);
  CLI::App app{"forkv-manager: supervises forkv stores and database workers, routes requests"};
  // Every option can also come from a file: `data-dir = "/var/lib/forkv"`,
  // one per line (TOML; the option's long name without the dashes). The
  // command line wins over the file; an unknown name is an error (exit 100).
  app.set_config("--config", "", "read options from this file (e.g. /etc/forkv/forkv.conf)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.set_version_flag("--version", std::string("forkv-manager ") + forkv::kForkvVersion);
  app.add_option("--socket", opts.endpoint, "client endpoint (ipc:// or tcp://)")
      ->capture_default_str();
  app.add_option("--listen", opts.listen, "additional client endpoint, e.g. tcp://127.0.0.1:7070");
  app.add_option("--data-dir", opts.data_dir, "data directory (must exist unless --init)")
      ->capture_default_str();
  app.add_flag("--init", opts.init,
               "create --data-dir if it does not exist (without it a missing directory is an "
               "error: a mistyped path must not start an empty database)");
  std::string socket_mode = "0600";
  app.add_option("--socket-mode", socket_mode,
                 "permission bits of the client sockets (ipc://: the manager's and the stores'); "
                 "0660 lets the socket's group use forkv")
      ->capture_default_str()
      ->check(
          [](const std::string& v) {
            return forkv::ParseFileMode(v) ? std::string() : "an octal mode such as 0660";
          },
          "MODE");
  app.add_option("--run-dir", opts.run_dir,
                 "directory for internal sockets (default: the --socket directory)");
  app.add_option("--log-level", opts.log_level, "trace|debug|info|warn|error|critical|off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "text, or json: one JSON object per line (every forkv process)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  auto* db_workers =
      app.add_option("--db-workers", opts.db_workers, "database worker processes (shards)")
          ->capture_default_str();
  bool repair = false;
  app.add_flag("--repair", repair,
               "repair a damaged --data-dir (missing FORMAT, shard or catalogue, corrupt WAL), "
               "say what was lost, and exit");
  std::string restore;
  app.add_option("--restore", restore,
                 "make --data-dir (new or empty) a copy of a backup made by `forkv backup`, "
                 "and exit");
  app.add_option("--fsync", opts.fsync_mode, "always|periodic|never")->capture_default_str();
  app.add_option("--fsync-interval-ms", opts.fsync_interval_ms, "periodic fsync interval")
      ->capture_default_str();
  app.add_option("--ping-interval-ms", opts.ping_interval_ms, "heartbeat interval")
      ->capture_default_str();
  app.add_option("--max-missed-pings", opts.max_missed_pings,
                 "missed heartbeats before a child is killed as hung")
      ->capture_default_str();
  app.add_option("--request-wait-ms", opts.request_wait_ms,
                 "how long a request waits for a restarting store")
      ->capture_default_str();
  app.add_option("--shutdown-timeout-ms", opts.shutdown_timeout_ms,
                 "per shutdown phase, then SIGKILL")
      ->capture_default_str();
  app.add_option("--idle-timeout", opts.idle_timeout_ms,
                 "a store idle this long hibernates: its process exits and its next request "
                 "starts it again (e.g. 10m, 30s, 250ms; a bare number is milliseconds; 0 = never)")
      ->transform(CLI::AsNumberWithUnit(
          std::map<std::string, int64_t>{{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}))
      ->default_str("10m");
  app.add_option("--max-live-stores", opts.max_live_stores,
                 "stores with a process at most: over it, the longest idle hibernate")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  app.add_option("--max-stores", opts.max_stores,
                 "stores in the catalogue at most: creating more is refused")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_flag("--preload", opts.preload,
               "start every store at boot (default: a store starts on its first request)");
  app.add_flag("--spawn-server,!--no-spawn-server", opts.spawn_server,
               "fork stores from a spawn server (the default; --no-spawn-server: fork+exec each)");
  app.add_option("--http", opts.http_listen,
                 "run the HTTP gateway (forkv-http) on HOST:PORT, e.g. 127.0.0.1:8080 "
                 "(off by default)");
  app.add_option("--http-threads", opts.http_threads,
                 "HTTP gateway upstream workers (requests at the manager at once)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--http-timeout-ms", opts.http_upstream_timeout_ms,
                 "the HTTP gateway answers 504 when a request takes longer")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  std::string http_upstream = "direct";
  app.add_option("--http-upstream", http_upstream,
                 "direct: the HTTP gateway sends key operations to the stores' own sockets; "
                 "manager: everything through the manager")
      ->capture_default_str()
      ->check(CLI::IsMember({"direct", "manager"}));
  app.add_option("--max-store-inflight-bytes", opts.max_store_inflight_bytes,
                 "bytes of requests sent to one store and not answered; more wait in the manager")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  app.add_option("--max-store-queued-bytes", opts.max_store_queued_bytes,
                 "bytes of requests waiting for one store; more are answered busy")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  app.add_option("--max-client-pending-bytes", opts.max_client_pending_bytes,
                 "bytes of requests one client connection may have pending; more are busy")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  app.add_option("--max-pending-bytes", opts.max_pending_bytes,
                 "bytes of pending requests over all clients; more are answered busy")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  int max_restarts = opts.store_policy.max_restarts;
  int64_t max_seconds = opts.store_policy.max_window.count() / 1000;
  int64_t backoff_initial = opts.store_policy.backoff_initial.count();
  int64_t backoff_max = opts.store_policy.backoff_max.count();
  app.add_option("--max-restarts", max_restarts, "restart intensity: restarts ...")
      ->capture_default_str();
  app.add_option("--max-seconds", max_seconds, "... within this many seconds")
      ->capture_default_str();
  app.add_option("--backoff-initial-ms", backoff_initial,
                 "delay before the second restart in a row (the first is immediate); doubles")
      ->capture_default_str();
  app.add_option("--backoff-max-ms", backoff_max, "restart delay cap")->capture_default_str();
  try {
    app.parse(argc, argv);
    opts.http_direct = http_upstream == "direct";
    opts.socket_mode = *forkv::ParseFileMode(socket_mode);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse NAME" for an unknown name.
    std::string what = e.what();
    const std::string cli11 = "INI was not able to parse ";
    if (what.rfind(cli11, 0) == 0) {
      what = "'" + what.substr(cli11.size()) + "' is not an option (forkv-manager --help)";
    }
    fprintf(stderr, "forkv-manager: --config %s: %s\n",
            app.get_config_ptr()->as<std::string>().c_str(), what.c_str());
    return forkv::kExitUsage;
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkv::kExitUsage;
  }
  for (forkv::RestartPolicy* p : {&opts.store_policy, &opts.db_policy, &opts.http_policy}) {
    p->max_restarts = max_restarts;
    p->max_window = std::chrono::milliseconds(max_seconds * 1000);
    p->backoff_initial = std::chrono::milliseconds(backoff_initial);
    p->backoff_max = std::chrono::milliseconds(backoff_max);
    p->immediate_first_restart = true;
  }
  // Children inherit it: every process logs in the same format.
  setenv(forkv::kLogFormatEnv, log_format.c_str(), 1);
  forkv::InitLogging("forkv-manager", opts.log_level);
  if (repair) return forkv::RepairDataDir(opts, db_workers->count() > 0);
  if (!restore.empty()) return forkv::RestoreDataDir(opts, restore);
  return forkv::RunManager(opts);
}
