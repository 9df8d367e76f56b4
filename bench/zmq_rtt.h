// The floor a forkv request cannot beat: one raw ZeroMQ DEALER -> ROUTER ->
// DEALER round trip over ipc between two processes, with nothing else done
// (forkv-bench --mode zmq-rtt; `make bench-redis` reports it beside forkv's
// one-client GET, whose p50 is meant to be within 1.2x of it).
//
// The echo side is a forked child of forkv-bench, forked before any ZeroMQ
// context exists, that polls its ROUTER (zmq_poll, as a store's loop does),
// receives each message and sends it back. The measuring side sends
// `requests` sequential `bytes`-byte messages (after 1000 not timed) and
// records each round trip.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/report.h"
#include "shared/status.h"

namespace forkv::bench {

// Call before this process creates a ZeroMQ context.
Result<TestResult> MeasureZmqRoundTrip(uint64_t requests, size_t bytes);

}  // namespace forkv::bench
