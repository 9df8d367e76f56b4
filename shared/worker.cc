#include "shared/worker.h"

#include "shared/proc.h"
#include "shared/runtime.h"

namespace forkv {

Result<UniqueFd> StartWorker(const WorkerStart& start) {
  ResetSignalsForWorker();
  if (start.parent_pid != 0) DieWithParent(start.parent_death_signal, start.parent_pid);
  Result<int> fd = BlockSignalsToFd(start.signals);
  // Logging comes after the mask: spdlog starts no thread here, but nothing
  // that might should run before the signals are blocked.
  InitLogging(start.process_name, start.log_level);
  ReturnLargeAllocations();
  if (!fd.ok()) return fd.status();
  return UniqueFd(*fd);
}

}  // namespace forkv
