#include "db_worker/backup_hold.h"

#include <utility>

namespace forkv {

void BackupHold::Begin(uint64_t id, SteadyTime deadline) {
  id_ = id;
  deadline_ = deadline;
}

bool BackupHold::Keep(Frames&& frames) {
  for (const zmq::message_t& m : frames) bytes_ += m.size();
  kept_.push_back(std::move(frames));
  return bytes_ <= max_bytes_;
}

std::deque<Frames> BackupHold::Release() {
  id_ = 0;
  bytes_ = 0;
  return std::exchange(kept_, {});
}

}  // namespace forkv
