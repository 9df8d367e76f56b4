// The manager's options (forkv-manager's command line, manager/main.cc) and
// their checks. Pure: no sockets, no files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manager/supervisor_policy.h"
#include "shared/status.h"

namespace forkv {

struct ManagerOptions {
  std::string endpoint;             // --socket: clients connect here
  std::vector<std::string> listen;  // --listen: more client endpoints (tcp://127.0.0.1:PORT)
  std::string data_dir = "./var";
  // --init: a --data-dir that does not exist is created (and initialised).
  // Without it only an existing directory is used, so a mistyped path is an
  // error rather than a new, empty database. An existing empty directory
  // (systemd's StateDirectory, mkdir) is initialised either way.
  bool init = false;
  // --socket-mode: the client sockets' permission bits (ipc:// files: the
  // manager's and every store's). 0660 lets the socket's group connect.
  uint32_t socket_mode = 0600;
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
  // Byte bounds on pending requests (manager/request_router.h).
  size_t max_store_inflight_bytes = 64 << 20;
  size_t max_store_queued_bytes = 256 << 20;
  size_t max_client_pending_bytes = 256 << 20;
  size_t max_pending_bytes = size_t{1} << 30;
  int shutdown_timeout_ms = 5000;  // per phase, then SIGKILL
  // Virtual stores: a catalogue store has a process only while used.
  int64_t idle_timeout_ms = 600000;  // --idle-timeout: hibernate after this idle; 0 = never
  size_t max_live_stores = 10000;    // over this, the longest idle stores hibernate
  size_t max_stores = 1000000;       // the catalogue's cap: new names beyond are refused
  bool preload = false;              // start every catalogue store at boot (the old eager start)
  // Stores forked by the spawn server (else fork+exec each). Off under
  // ThreadSanitizer: its runtime has a thread of its own, and a child of a
  // multi-threaded fork may not start threads under it (die_after_fork).
#if defined(__SANITIZE_THREAD__)
  bool spawn_server = false;
#else
  bool spawn_server = true;
#endif
  RestartPolicy store_policy;
  RestartPolicy db_policy;
  // --http HOST:PORT: run the HTTP gateway (forkv-http) as a supervised
  // child; empty = off.
  std::string http_listen;
  int http_threads = 64;
  int http_upstream_timeout_ms = 10000;  // the gateway answers 504 after this
  bool http_direct = true;               // --http-upstream direct|manager
  RestartPolicy http_policy;
};

// InvalidArgument naming the first bad option: --db-workers outside 1..64,
// an unknown --fsync mode, a malformed --http address, non-positive
// intervals or timeouts.
Status ValidateOptions(const ManagerOptions& options);

// Where the internal sockets go: --run-dir, else the directory of the
// --socket ipc path, else /tmp/forkv-<uid>.
std::string ResolveRunDir(const ManagerOptions& options, uint32_t uid);

}  // namespace forkv
