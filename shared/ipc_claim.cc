#include "shared/ipc_claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "shared/zsock.h"

namespace forkv {
namespace {

// True when a process accepts connections on the unix socket at `path`.
bool SomeoneListens(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool listening = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return listening;
}

}  // namespace

IpcClaim::IpcClaim(IpcClaim&& other) noexcept { *this = std::move(other); }

IpcClaim& IpcClaim::operator=(IpcClaim&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::exchange(other.path_, "");
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    bound_ = std::exchange(other.bound_, false);
    dev_ = other.dev_;
    ino_ = other.ino_;
    ctime_ = other.ctime_;
  }
  return *this;
}

IpcClaim::~IpcClaim() { Release(); }

Result<IpcClaim> IpcClaim::Claim(std::string_view endpoint, std::string_view who) {
  IpcClaim claim;
  std::string path = IpcPath(endpoint);
  if (path.empty() || path[0] == '@') return claim;
  std::string lock_path = path + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IoError("cannot create " + lock_path + ": " + std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return Status::Unavailable(std::string(who) + " " + std::string(endpoint) +
                               " is in use by another forkv process (" + lock_path + " is locked)");
  }
  claim.path_ = std::move(path);
  claim.lock_fd_ = fd;
  if (SomeoneListens(claim.path_)) {
    return Status::Unavailable(std::string(who) + " " + std::string(endpoint) +
                               " is in use: a process accepts connections there");
  }
  return claim;
}

void IpcClaim::Bound() {
  struct stat st;
  if (path_.empty() || stat(path_.c_str(), &st) != 0) return;
  bound_ = true;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  ctime_ = st.st_ctim;
}

bool IpcClaim::OwnsSocketFile() const {
  struct stat st;
  return bound_ && stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_ &&
         st.st_ctim.tv_sec == ctime_.tv_sec && st.st_ctim.tv_nsec == ctime_.tv_nsec;
}

void IpcClaim::Release() {
  if (OwnsSocketFile()) unlink(path_.c_str());
  if (lock_fd_ >= 0) close(lock_fd_);
  lock_fd_ = -1;
  bound_ = false;
  path_.clear();
}

}  // namespace forkv
