// forkv-http's main loop: the supervised-child side of the gateway.
//
// The HTTP server (gateway_server.h) runs on its own threads; this loop, on
// the main thread, is the gateway's link to its supervisor, as a store's
// loop is: a DEALER to the manager's backend with routing id "h<gen>" that
// says hello, then ready once the port is bound (with the port in `stats`),
// and answers every ping with a pong. It also owns the signalfd:
//   - SIGTERM/SIGINT: stop accepting, finish the requests in progress, exit 0;
//   - manager silent for `manager_silence_ms`: exit 111 (orphaned);
//   - the listener failing: exit 111 (the supervisor restarts the gateway).
// A bad --listen address exits 125 (never restarted); a port that cannot be
// bound exits 111 (restarted with backoff, then escalated: see
// docs/architecture.md).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "http_gateway/gateway_server.h"

namespace forkv::http {

struct GatewayLoopOptions {
  GatewayOptions server;
  std::string backend;  // the manager's backend endpoint; empty: unsupervised
  uint64_t gen = 0;
  pid_t parent_pid = 0;
  std::string log_level = "info";
  int manager_silence_ms = 15000;
};

int RunGateway(const GatewayLoopOptions& options);

}  // namespace forkv::http
