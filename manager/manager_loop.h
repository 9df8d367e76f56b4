// forkv-manager: the root supervisor, registry and request router.
//
// One thread, one loop: zmq_poll over
//   - the frontend ROUTER (clients: the CLI, tests, the HTTP gateway),
//   - the backend ROUTER (every child's DEALER: hello/ready/pong control
//     messages and store replies),
//   - one DEALER per database worker (drops),
//   - a signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP),
// with a 50 ms tick for timers (restarts in backoff, heartbeats, request
// deadlines, shutdown steps). Children are started by fork+exec of their own
// binaries (shared/proc.h) and reaped only here (waitpid(-1, WNOHANG) drained
// on every SIGCHLD and on every tick).
//
// See docs/architecture.md for the process tree and what happens on a crash.
#pragma once

#include <string>
#include <vector>

#include "manager/supervisor_policy.h"

namespace forkv {

struct ManagerOptions {
  std::string endpoint;             // --socket: clients connect here
  std::vector<std::string> listen;  // --listen: more client endpoints (tcp://127.0.0.1:PORT)
  std::string data_dir = "./var";
  std::string run_dir;  // internal ipc sockets; default: the --socket directory
  std::string log_level = "info";
  uint32_t db_workers = 2;
  std::string fsync_mode = "periodic";  // always | periodic | never
  int fsync_interval_ms = 1000;
  int ping_interval_ms = 1000;
  int max_missed_pings = 3;
  int start_timeout_ms = 60000;  // a starting child must be ready within this
  int request_wait_ms = 4000;    // a request waits this long for a restarting store
  size_t max_queued_per_store = 10000;
  int shutdown_timeout_ms = 5000;  // per phase, then SIGKILL
  RestartPolicy store_policy;
  RestartPolicy db_policy;
  // --http HOST:PORT: run the HTTP gateway (forkv-http) as a supervised
  // child; empty = off.
  std::string http_listen;
  int http_threads = 64;
  int http_upstream_timeout_ms = 10000;  // the gateway answers 504 after this
  RestartPolicy http_policy;
};

// Runs until SIGTERM/SIGINT (exit 0) or escalation (non-zero).
int RunManager(const ManagerOptions& options);

}  // namespace forkv
