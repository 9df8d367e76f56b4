#include "manager/supervisor_policy.h"

#include <signal.h>

#include <algorithm>

namespace forkv {

Millis BackoffDelay(const RestartPolicy& policy, int step) {
  int64_t ms = policy.backoff_initial.count();
  for (int i = 0; i < step && ms < policy.backoff_max.count(); ++i) ms *= 2;
  return Millis(std::min<int64_t>(ms, policy.backoff_max.count()));
}

ExitDecision DecideOnExit(const RestartPolicy& policy, RestartType type, const ExitStatus& status,
                          SteadyTime started_at, SteadyTime now, double jitter_sample,
                          RestartHistory* history) {
  ExitDecision d;
  if (!status.signaled && status.code == kExitPermanentFailure) {
    d.kind = ExitDecision::Kind::kGiveUp;
    d.reason = "permanent failure (exit 125): not restarting";
    return d;
  }
  if (type == RestartType::kTemporary) {
    d.reason = "temporary child: not restarted";
    return d;
  }
  bool clean = status.IsCleanExit() || (status.signaled && status.signal == SIGTERM);
  if (type == RestartType::kTransient && clean) {
    d.reason = "transient child exited cleanly: not restarted";
    return d;
  }
  if (now - started_at >= policy.stable_after) history->backoff_step = 0;
  while (!history->recent.empty() && now - history->recent.front() > policy.max_window) {
    history->recent.pop_front();
  }
  history->recent.push_back(now);
  if (static_cast<int>(history->recent.size()) > policy.max_restarts) {
    d.kind = ExitDecision::Kind::kGiveUp;
    d.reason = "more than " + std::to_string(policy.max_restarts) + " restarts in " +
               std::to_string(policy.max_window.count()) + " ms: giving up";
    return d;
  }
  int step = history->backoff_step++;
  Millis base{0};
  if (!policy.immediate_first_restart) {
    base = BackoffDelay(policy, step);
  } else if (step > 0) {
    base = BackoffDelay(policy, step - 1);
  }
  double factor = 1.0 + policy.jitter * (2.0 * std::clamp(jitter_sample, 0.0, 1.0) - 1.0);
  d.kind = ExitDecision::Kind::kRestart;
  d.delay = Millis(static_cast<int64_t>(static_cast<double>(base.count()) * factor));
  d.reason = "restart in " + std::to_string(d.delay.count()) + " ms";
  return d;
}

}  // namespace forkv
