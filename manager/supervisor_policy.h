// The supervisor's restart policy, OTP-style, as pure functions of
// (policy, history, event, now). No sockets, signals or clocks here: time and
// randomness are passed in, so every path is unit-tested with a fake clock.
//
// On every exit of a child it did not stop itself, the supervisor
// (manager/supervisor.h) asks DecideOnExit() what to do:
//   exit code kExitPermanentFailure (125)      -> kGiveUp (s6's "don't restart")
//   temporary child                            -> kDone
//   transient child, clean exit (0 / SIGTERM)  -> kDone
//   otherwise                                  -> restart, unless that makes more
//       than max_restarts restarts inside max_window (OTP intensity, default 3
//       in 5 s): then kGiveUp. Failed spawns count as exits.
// Restarts are delayed by an exponential backoff (which OTP lacks):
// backoff_initial * 2^n capped at backoff_max, +-jitter, where n resets to 0
// once a child has stayed up for stable_after.
#pragma once

#include <deque>
#include <string>

#include "shared/clock.h"
#include "shared/proc.h"

namespace forkv {

struct RestartPolicy {
  int max_restarts = 3;
  Millis max_window{5000};
  Millis backoff_initial{10};
  Millis backoff_max{5000};
  Millis stable_after{10000};
  double jitter = 0.2;  // the delay is scaled by a factor in [1-jitter, 1+jitter]
  // The first restart after a stable period happens at once (a single crash
  // costs no delay); backoff_initial * 2^n applies from the second one on.
  bool immediate_first_restart = false;
};

enum class RestartType { kPermanent, kTransient, kTemporary };

// Per-child memory of recent restarts.
struct RestartHistory {
  std::deque<SteadyTime> recent;  // restarts inside the intensity window
  int backoff_step = 0;

  void Reset() {
    recent.clear();
    backoff_step = 0;
  }
};

struct ExitDecision {
  enum class Kind { kRestart, kDone, kGiveUp };
  Kind kind = Kind::kDone;
  Millis delay{0};     // for kRestart: wait this long before spawning
  std::string reason;  // for logs and `forkv status`
};

// `jitter_sample` is a uniform random number in [0, 1).
// `started_at` is when the child's uptime began (Ready); a child up for
// stable_after restarts its backoff from step 0.
ExitDecision DecideOnExit(const RestartPolicy& policy, RestartType type, const ExitStatus& status,
                          SteadyTime started_at, SteadyTime now, double jitter_sample,
                          RestartHistory* history);

// The delay before restart number `step` (0-based) without jitter.
Millis BackoffDelay(const RestartPolicy& policy, int step);

}  // namespace forkv
