// A thread that runs one storage call at a time for the database worker's
// loop, so that the loop keeps answering the manager's heartbeats while a
// large write, a RocksDB write stall or a slow fsync is in progress: a busy
// worker is not a hung one (hardening issue, item 8). The loop still waits
// for each call to finish before it reads the next message (arrival order
// and WriteDedup's one open batch are unchanged); it only stays responsive
// on its control socket meanwhile.
//
//   writer.Start([&] { return storage.Write(batch, sync); });
//   poll(writer.done_fd(), backend, signals) ... until done_fd is readable
//   Status s = *writer.TakeResult();
//
// The job runs on the writer's thread; everything it touches must be left
// alone by the caller until TakeResult() returns it (the handoff through the
// mutex orders the two threads' accesses).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "shared/signals.h"
#include "shared/status.h"

namespace forkv {

class StorageWriter {
 public:
  using Job = std::function<Status()>;

  // Starts the thread. Call after the signal mask is set (it inherits it).
  StorageWriter();
  // Waits for a job in progress, then joins.
  ~StorageWriter();
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;

  // Runs `job` on the writer's thread. CHECK-fails while one is running.
  void Start(Job job);
  // Readable (POLLIN) once the job has finished; level-triggered until
  // TakeResult().
  int done_fd() const { return done_.get(); }
  // The finished job's status, once; nullopt while it runs or when none was
  // started.
  std::optional<Status> TakeResult();
  bool busy() const { return busy_; }

 private:
  void Loop();

  UniqueFd done_;  // eventfd
  std::mutex mu_;
  std::condition_variable cv_;
  Job job_;                       // guarded by mu_
  std::optional<Status> result_;  // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  bool busy_ = false;             // caller's thread only
  std::thread thread_;
};

}  // namespace forkv
