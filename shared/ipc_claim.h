// Ownership of an ipc:// endpoint's socket file.
//
// ZeroMQ's ipc bind first unlinks whatever file is at the path, so a second
// process binding an endpoint in use silently takes it over: clients reach
// the newcomer, and when either exits and unlinks "its" file the other is
// left unreachable. A claim prevents both:
//   - Claim() takes an exclusive flock on PATH.lock (kept, never removed:
//     removing a lock file races with the next claimer) and then refuses if
//     any process still accepts connections at PATH (a forkv manager from
//     before claims existed, or anything else); a stale file nobody listens
//     on is fine, the bind replaces it;
//   - Bound() records the socket file's device, inode and change time right
//     after the bind; the destructor unlinks PATH only if it is still that
//     file (the change time guards against an inode number reused at once).
// Endpoints of other transports get an empty claim: a TCP bind fails by
// itself when the port is taken (ZeroMQ does not set SO_REUSEPORT), and an
// abstract ipc name (ipc://@name) has no file.
//
// Not thread-safe; move-only.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <string>
#include <string_view>

#include "shared/status.h"

namespace forkv {

class IpcClaim {
 public:
  IpcClaim() = default;
  IpcClaim(IpcClaim&& other) noexcept;
  IpcClaim& operator=(IpcClaim&& other) noexcept;
  IpcClaim(const IpcClaim&) = delete;
  IpcClaim& operator=(const IpcClaim&) = delete;
  ~IpcClaim();

  // Unavailable "... is in use by another process" when the lock is held or
  // something listens at the path; IoError when the lock file cannot be
  // created. `who` names the endpoint in messages ("client endpoint").
  static Result<IpcClaim> Claim(std::string_view endpoint, std::string_view who);

  // Call right after a successful bind: this socket file is ours.
  void Bound();
  // The socket file is still the one Bound() saw.
  bool OwnsSocketFile() const;

 private:
  void Release();

  std::string path_;  // "" for an empty claim
  int lock_fd_ = -1;
  bool bound_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  timespec ctime_{};
};

}  // namespace forkv
