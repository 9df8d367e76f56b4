// forkv-bench --mode recovery|create|memory: the operational figures of
// issue #7, part 3, each against one manager (a private one by default).
//
//   recovery  For each size in --recovery-keys (default 0, 100000, 1000000):
//             a store holding that many keys (-d byte values, filled with
//             pipelined puts), then --trials (empty store) or --trials-loaded
//             times: kill -9 of its process, and the time from kill() to the
//             first successful get of key 0 (not_found counts for the empty
//             store) as seen by a client that resends the get while the
//             manager answers `unavailable`. The private manager runs with
//             --max-restarts 1000 --max-seconds 1 --backoff-max-ms 10, so
//             every kill waits only the first backoff, as an isolated crash.
//   create    --trials creates of new stores, one at a time: the client-side
//             round trip of `create`, which the manager answers once the new
//             process has loaded and reported ready (docs/protocol.md, op 8).
//   memory    --idle-stores N (default 1000) empty stores created with
//             min(-c, 16) concurrent clients, --settle seconds of idling,
//             then /proc/PID/smaps_rollup of every store, the manager and the
//             database workers: per store PSS (sum / count is the mean),
//             private (Private_Clean + Private_Dirty) and RSS; the manager's
//             before and after; the PSS of the whole tree.
// Needs the manager's processes on this host (kill(), /proc), as the same
// user. With --socket the stores get unique names and are dropped at the end.
#pragma once

#include <string>
#include <zmq.hpp>

#include "bench/bench_runner.h"
#include "bench/report.h"

namespace forkv::bench {

// Runs options.mode (kRecovery, kCreate or kMemory) and prints its figures
// on stdout in options.format. Returns kBenchOk, kBenchRequestErrors (some
// trial failed) or kExitSystem (could not set up).
int RunFigures(zmq::context_t& ctx, const std::string& endpoint, const BenchOptions& options,
               const BenchConfig& config);

}  // namespace forkv::bench
