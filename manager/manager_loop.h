// forkv-manager: the root supervisor, child table and request router.
//
// One thread, one loop (manager_loop.cc): zmq_poll over
//   - the frontend ROUTER (clients: the CLI, tests, the HTTP gateway),
//   - the backend ROUTER (every child's DEALER: control messages and store
//     replies),
//   - one DEALER per database worker (drops),
//   - a signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP),
// with a timeout of the earliest deadline any machine reports (restarts in
// backoff, heartbeat rounds, start and stop deadlines, request and drop
// deadlines, the systemd watchdog): no fixed tick. Children are started by
// fork+exec of their own binaries (shared/proc.h) and reaped only here
// (waitpid(-1, WNOHANG) drained on every SIGCHLD and every poll timeout).
//
// The decisions are pure machines the loop feeds and obeys:
//   supervisor.h      lifecycle, restarts, heartbeats of each group
//   root_machine.h    shutdown order and exit code
//   request_router.h  in-flight, queued and waiting client requests
//   drop_coordinator.h the drop protocol
//   child_table.h     children by name, pid, generation
//   spawn_specs.h     argv of each child
//   status_view.h     ping/stores/status bodies, readiness
// See docs/architecture.md for the process tree and what happens on a crash.
#pragma once

#include "manager/manager_options.h"

namespace forkv {

// Runs until SIGTERM/SIGINT (exit 0) or escalation (non-zero).
int RunManager(const ManagerOptions& options);

}  // namespace forkv
