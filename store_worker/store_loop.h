// forkv-store: the process serving one named store.
//
// Started by the manager (fork+exec) with the store's name, a generation
// number unique to this incarnation, the manager's backend endpoint and the
// endpoints of the database workers. Lifecycle:
//   1. connect to the manager (DEALER, routing id "s<gen>") and say hello;
//   2. load every key of the store from every database worker ("L" -> "D");
//      with --copy-from OLD (a rename), OLD's keys, which it then writes as
//      its own (store_copy.cc) before it goes on;
//   3. bind its own client socket (a ROUTER on --bind endpoints: the direct
//      path, docs/protocol.md), report ready with the tcp endpoint it got;
//      serve requests from the manager ("Q" -> "R") and from direct clients
//      from the in-memory map;
//      writes go to the owning database worker first and are applied to the
//      map and answered only when the worker acknowledges them ("W" -> "A");
//   4. on SIGTERM, stop taking requests, wait (bounded) for in-flight writes,
//      exit 0. PR_SET_PDEATHSIG and a manager-silence timeout make it exit
//      when the manager is gone.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "shared/control_link.h"
#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

struct StoreOptions {
  std::string name;
  uint64_t gen = 0;
  std::string backend;                    // manager's backend endpoint
  std::vector<std::string> db_endpoints;  // one per shard, in shard order
  // Direct-path client endpoints to bind: the ipc path the manager chose,
  // plus tcp://HOST:* when the manager listens on tcp. May be empty.
  std::vector<std::string> client_endpoints;
  uint32_t socket_mode = 0600;  // chmod of the ipc:// client socket once bound
  // Pending writes (keys and values not yet acknowledged by the database
  // workers) above this answer direct clients "busy" (the manager path has
  // its own byte bounds before the store).
  size_t max_pending_bytes = 256 << 20;
  std::string log_level = "info";
  pid_t parent_pid = 0;
  // A rename (manager/rename_table.h): load this store's keys instead of
  // our own, write them all as ours, and only then report ready.
  std::string copy_from;
  // A store just created (the manager knows no key of it is on disk): say
  // ready at once, without loading.
  bool fresh = false;
  // While busy (it had a request within idle_after_ms, or writes pending):
  // exit when the manager is silent this long. An idle store expects
  // nothing from the manager and sets no timer at all.
  int manager_silence_ms = 15000;
  int idle_after_ms = 1000;  // no request for this long: tell the manager "idle"
  // Nothing pending or loading and no message to or from the database
  // workers for this long: disconnect from them (~30 KiB a link on each
  // side); the next write reconnects (+0.1-0.6 ms p50, bench/write_after_quiet.py). Longer
  // than idle_after_ms so that a store written every few seconds keeps them.
  int unlink_after_ms = 5000;
  int write_retry_ms = 2000;  // resend unacknowledged writes after this
};

// What a store process sets up before it knows which store it serves:
// signals (SIGTERM, SIGHUP through a signalfd), the parent-death signal,
// logging, one malloc arena, its own ZeroMQ context with its I/O threads
// running, and its links to the manager and to every database worker,
// connected (their routing id is the pid's, StoreRoutingId). The spawn
// server's spares make it while they wait (store_worker/spawn_server.h),
// so a store's start pays for none of it: not even ZeroMQ's connect and
// handshake.
struct StoreProcess {
  UniqueFd signal_fd;
  std::unique_ptr<zmq::context_t> ctx;
  std::string backend;                    // what `manager` is connected to
  std::vector<std::string> db_endpoints;  // what `dbs` are, in shard order
  ControlLink manager;
  std::vector<zmq::socket_t> dbs;
};
// Call once, from main's thread while it is the only one. The error is
// logged already; exit kExitSystem.
Result<StoreProcess> PrepareStoreProcess(const std::string& log_level, pid_t parent_pid,
                                         const std::string& backend,
                                         const std::vector<std::string>& db_endpoints);

// Runs the store until told to stop; returns the process exit code.
int ServeStore(const StoreOptions& options, StoreProcess& process);
// PrepareStoreProcess, then ServeStore.
int RunStore(const StoreOptions& options);

}  // namespace forkv
